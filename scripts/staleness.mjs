// Whether a bundle in dist/ must be built again: scripts/build.mjs records, next to each output, the
// inputs esbuild read for it (its metafile), and rebuilds the output only when one of them, or the
// build script itself, changed since. Pure decisions here; the file system is read by the caller.

/**
 * Why `output` must be built again, or undefined when it is current.
 * @param {{ readonly outputMtimeMs: number | undefined, readonly inputs: readonly { readonly path: string, readonly mtimeMs: number | undefined }[] | undefined }} state
 *   the output's modification time (undefined: missing) and each recorded input's (undefined: gone);
 *   `inputs` undefined when nothing was recorded.
 * @returns {string | undefined}
 */
export function staleReason(state) {
  if (state.outputMtimeMs === undefined) return "not built yet";
  if (state.inputs === undefined) return "its inputs were not recorded";
  for (const input of state.inputs) {
    if (input.mtimeMs === undefined) return `${input.path} is gone`;
    if (input.mtimeMs > state.outputMtimeMs) return `${input.path} changed`;
  }
  return undefined;
}

/**
 * The inputs of one output from an esbuild metafile (paths relative to the working folder, as esbuild
 * writes them), sorted; `always` (the build script, the lock file) is added to every output's inputs.
 * Files of installed packages are left out: npm keeps their old times, so the lock file stands for them.
 * @param {{ readonly inputs: Readonly<Record<string, unknown>> }} metafile
 * @param {readonly string[]} always
 * @returns {string[]}
 */
export function recordedInputs(metafile, always) {
  const own = Object.keys(metafile.inputs).filter((path) => !path.includes("node_modules/"));
  return [...new Set([...own, ...always])].sort();
}
