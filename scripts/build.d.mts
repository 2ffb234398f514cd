// Types of build.mjs (a plain ES module script), for the tests that bundle as it does.
import type { BuildOptions } from "esbuild";

export const COMMON_OPTIONS: BuildOptions;
export const TARGETS: Record<string, BuildOptions>;
export function staleness(name: string): string | undefined;
export function buildTargets(names: readonly string[], options?: { force?: boolean }): Promise<string[]>;
export const tokenStackTracesOnDebug: import("esbuild").Plugin;
export const preparingResolveOnlyWithSeveralStacks: import("esbuild").Plugin;
export const synthLoadsOnlyWhatItUses: import("esbuild").Plugin;
export const resolvePlainValuesDirectly: import("esbuild").Plugin;
