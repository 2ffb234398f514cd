import { isAbsolute, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";

/** A path for display: relative to `cwd` (with `/`) when inside it, else absolute. */
export function displayPath(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file.split(sep).join("/");
  const rel = relative(cwd, file);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? file : rel.split(sep).join("/");
}

/** A SARIF artifact URI: relative (to the repository root = `cwd`) when possible, else file://. */
export function artifactUri(file: string, cwd: string): string {
  const shown = displayPath(file, cwd);
  if (isAbsolute(shown)) return pathToFileURL(shown).href;
  return shown.split("/").map(encodeURIComponent).join("/");
}
