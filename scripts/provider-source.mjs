// Where scripts/tf-check.mjs gets the hashicorp/aws provider from, decided without touching the
// disk or the network: the inputs are the environment, the mirror folders that were probed (and
// which aws versions each holds), the generated version constraint and the plugin cache folder; the
// output is the mode, the reason to print, and the Terraform CLI configuration to write.
//
//   offline   a filesystem mirror holds hashicorp/aws: `terraform init` installs only from it and
//             the check pins the mirror's version (nothing is downloaded; CI uses this).
//   registry  no mirror found: `terraform init` installs the generated constraint from
//             registry.terraform.io into a plugin cache in the ignored scratch folder.
//   unusable  the environment asks for something that cannot be done: tf-check exits 2 and says why.
//
// Environment: TF_PLUGIN_MIRROR names the mirror (offline, and it must hold the provider);
// TF_CHECK_MODE=auto (default) | offline (never download; fail without a mirror) | registry.
import { join } from "node:path";

export const MODE_VARIABLE = "TF_CHECK_MODE";
export const MIRROR_VARIABLE = "TF_PLUGIN_MIRROR";
const MODES = ["auto", "offline", "registry"];

/** The folder of the aws provider inside a mirror. */
export function awsFolder(mirror) {
  return join(mirror, "registry.terraform.io", "hashicorp", "aws");
}

/** The mirror path a CLI configuration file names (`path = "..."` of its filesystem_mirror), if any. */
export function mirrorPathIn(tfrcText) {
  return /path\s*=\s*"([^"]+)"/.exec(tfrcText ?? "")?.[1];
}

/**
 * Folders to probe, in order: TF_PLUGIN_MIRROR alone when it is set; otherwise the path in
 * terraform/offline.tfrc, then Terraform's implied local mirror folders (Linux and macOS).
 */
export function mirrorCandidates({ env, home, tfrcText }) {
  const explicit = env[MIRROR_VARIABLE]?.trim();
  if (explicit) return [{ path: explicit, origin: MIRROR_VARIABLE }];
  const out = [];
  const configured = mirrorPathIn(tfrcText);
  if (configured) out.push({ path: configured, origin: "terraform/offline.tfrc" });
  const dataHome = env.XDG_DATA_HOME?.trim() || (home ? join(home, ".local", "share") : undefined);
  const implied = [
    home && join(home, ".terraform.d", "plugins"),
    dataHome && join(dataHome, "terraform", "plugins"),
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
  ];
  for (const path of implied)
    if (path && !out.some((c) => c.path === path)) out.push({ path, origin: "Terraform's implied local mirror" });
  return out;
}

function newest(versions) {
  return [...versions].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1);
}

/** CLI configuration of the offline mode: providers only from the mirror. */
export function mirrorCliConfig(mirror) {
  return `# Written by scripts/tf-check.mjs (offline): providers only from the filesystem mirror.
provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["registry.terraform.io/hashicorp/*"]
  }
}
`;
}

/** CLI configuration of the registry mode: no mirror, downloads cached in the scratch folder. */
export function registryCliConfig(pluginCacheDir) {
  return `# Written by scripts/tf-check.mjs (registry): no filesystem mirror; providers come from
# registry.terraform.io and are cached between runs.
plugin_cache_dir = ${JSON.stringify(pluginCacheDir)}
provider_installation {
  direct {}
}
`;
}

/**
 * The provider source of the check.
 * @param {{ env: Record<string, string | undefined>, candidates: Array<{ path: string, origin: string, awsVersions: string[] | null }>, constraint: string | undefined, pluginCacheDir: string }} input
 *   candidates: mirrorCandidates() with the aws versions each holds (null: no registry.terraform.io/hashicorp/aws/ in it)
 * @returns {{ mode: "offline", reason: string, mirror: string, version: string, cliConfig: string }
 *   | { mode: "registry", reason: string, constraint: string | undefined, pluginCacheDir: string, cliConfig: string }
 *   | { mode: "unusable", reason: string }}
 */
export function decideProviderSource({ env, candidates, constraint, pluginCacheDir }) {
  const requested = env[MODE_VARIABLE]?.trim().toLowerCase() || "auto";
  if (!MODES.includes(requested))
    return {
      mode: "unusable",
      reason: `${MODE_VARIABLE} must be one of ${MODES.join(", ")} (got "${env[MODE_VARIABLE]}").`,
    };
  const explicit = env[MIRROR_VARIABLE]?.trim();
  const wanted = constraint ? `hashicorp/aws ${constraint}` : "hashicorp/aws";
  const registry = (why) => ({
    mode: "registry",
    reason: `${why}, so terraform init installs ${wanted} (the generated constraint) from registry.terraform.io; this needs network access. Downloads are cached in ${pluginCacheDir}.`,
    constraint,
    pluginCacheDir,
    cliConfig: registryCliConfig(pluginCacheDir),
  });
  if (requested === "registry") {
    if (explicit)
      return {
        mode: "unusable",
        reason: `${MODE_VARIABLE}=registry and ${MIRROR_VARIABLE}=${explicit} contradict each other: unset one of them.`,
      };
    return registry(`${MODE_VARIABLE}=registry`);
  }
  const found = candidates.find((c) => (c.awsVersions ?? []).length > 0);
  if (found) {
    const version = newest(found.awsVersions);
    const via =
      found.origin === MIRROR_VARIABLE ? `${MIRROR_VARIABLE}=${found.path}` : `${found.path} (${found.origin})`;
    return {
      mode: "offline",
      reason: `the filesystem mirror ${via} holds hashicorp/aws ${version}, so terraform init installs only from it, offline; the generated constraint${constraint ? ` (${constraint})` : ""} is overridden with ${version} for this check only.${requested === "auto" ? ` ${MODE_VARIABLE}=registry installs from the registry instead.` : ""}`,
      mirror: found.path,
      version,
      cliConfig: mirrorCliConfig(found.path),
    };
  }
  if (explicit) {
    const candidate = candidates.find((c) => c.path === explicit);
    const what = candidate?.awsVersions === null ? "does not exist" : "holds no provider version";
    return {
      mode: "unusable",
      reason: `no hashicorp/aws provider in the filesystem mirror ${explicit} (looked for ${awsFolder(explicit)}, which ${what}). Point ${MIRROR_VARIABLE} at the folder that holds registry.terraform.io/, or unset it.`,
    };
  }
  const looked = candidates.map((c) => c.path).join(", ") || "nowhere";
  if (requested === "offline") {
    return {
      mode: "unusable",
      reason: `${MODE_VARIABLE}=offline, but no filesystem mirror holds hashicorp/aws (looked in ${looked}). Point ${MIRROR_VARIABLE} at the folder that holds registry.terraform.io/, or unset ${MODE_VARIABLE} to install from the registry.`,
    };
  }
  return registry(`no filesystem mirror holds hashicorp/aws (looked in ${looked})`);
}
