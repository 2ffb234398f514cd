// Types of staleness.mjs (a plain ES module script), for its tests.
export interface BuildState {
  readonly outputMtimeMs: number | undefined;
  readonly inputs: readonly { readonly path: string; readonly mtimeMs: number | undefined }[] | undefined;
}
export function staleReason(state: BuildState): string | undefined;
export function recordedInputs(
  metafile: { readonly inputs: Readonly<Record<string, unknown>> },
  always: readonly string[],
): string[];
