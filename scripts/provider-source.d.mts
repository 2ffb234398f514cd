// Types of provider-source.mjs (a plain ES module script), for its tests.
export interface MirrorCandidate {
  readonly path: string;
  readonly origin: string;
}

export interface ProbedMirror extends MirrorCandidate {
  /** Versions of hashicorp/aws in the folder; null when it has no registry.terraform.io/hashicorp/aws/. */
  readonly awsVersions: readonly string[] | null;
}

export type ProviderSource =
  | {
      readonly mode: "offline";
      readonly reason: string;
      readonly mirror: string;
      readonly version: string;
      readonly cliConfig: string;
    }
  | {
      readonly mode: "registry";
      readonly reason: string;
      readonly constraint: string | undefined;
      readonly pluginCacheDir: string;
      readonly cliConfig: string;
    }
  | { readonly mode: "unusable"; readonly reason: string };

export const MODE_VARIABLE: "TF_CHECK_MODE";
export const MIRROR_VARIABLE: "TF_PLUGIN_MIRROR";
export function awsFolder(mirror: string): string;
export function mirrorPathIn(tfrcText: string | undefined): string | undefined;
export function mirrorCandidates(input: {
  env: Record<string, string | undefined>;
  home: string | undefined;
  tfrcText: string | undefined;
}): MirrorCandidate[];
export function mirrorCliConfig(mirror: string): string;
export function registryCliConfig(pluginCacheDir: string): string;
export function decideProviderSource(input: {
  env: Record<string, string | undefined>;
  candidates: readonly ProbedMirror[];
  constraint: string | undefined;
  pluginCacheDir: string;
}): ProviderSource;
