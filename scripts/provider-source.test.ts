import { describe, expect, it } from "vitest";
import {
  decideProviderSource,
  mirrorCandidates,
  mirrorCliConfig,
  mirrorPathIn,
  registryCliConfig,
} from "./provider-source.mjs";

const CONSTRAINT = ">= 6.29.0, < 7.0.0";
const CACHE = "/project/.terraform-check/plugin-cache";
const TFRC = 'provider_installation {\n  filesystem_mirror {\n    path    = "/opt/tf-plugins"\n  }\n}\n';

type Env = Record<string, string | undefined>;

/** The candidates of an environment, with the aws versions each folder holds (absent: no folder). */
function decide(env: Env, folders: Record<string, string[]>) {
  const candidates = mirrorCandidates({ env, home: "/home/dev", tfrcText: TFRC }).map((c) => ({
    ...c,
    awsVersions: folders[c.path] ?? null,
  }));
  return decideProviderSource({ env, candidates, constraint: CONSTRAINT, pluginCacheDir: CACHE });
}

describe("where the offline check gets the aws provider from", () => {
  it("probes the configured mirror, then Terraform's implied local mirrors; an explicit mirror alone", () => {
    // Act
    const known = mirrorCandidates({ env: {}, home: "/home/dev", tfrcText: TFRC });
    const explicit = mirrorCandidates({ env: { TF_PLUGIN_MIRROR: "/srv/mirror" }, home: "/home/dev", tfrcText: TFRC });
    // Assess
    expect(known.map((c) => c.path)).toEqual([
      "/opt/tf-plugins",
      "/home/dev/.terraform.d/plugins",
      "/home/dev/.local/share/terraform/plugins",
      "/usr/local/share/terraform/plugins",
      "/usr/share/terraform/plugins",
    ]);
    expect(explicit).toEqual([{ path: "/srv/mirror", origin: "TF_PLUGIN_MIRROR" }]);
    expect(mirrorPathIn(TFRC)).toBe("/opt/tf-plugins");
  });

  it("installs offline from the first mirror that holds the provider, pinning its newest version", () => {
    // Act
    const decision = decide({}, { "/opt/tf-plugins": [], "/home/dev/.terraform.d/plugins": ["5.9.0", "5.100.0"] });
    // Assess
    expect(decision).toMatchObject({
      mode: "offline",
      mirror: "/home/dev/.terraform.d/plugins",
      version: "5.100.0",
      cliConfig: mirrorCliConfig("/home/dev/.terraform.d/plugins"),
    });
    expect(decision.reason).toMatch(
      /Terraform's implied local mirror\) holds hashicorp\/aws 5\.100\.0, so terraform init installs only from it, offline; the generated constraint \(>= 6\.29\.0, < 7\.0\.0\) is overridden with 5\.100\.0/,
    );
    expect(decision.reason).toMatch(/TF_CHECK_MODE=registry installs from the registry instead/);
  });

  it("uses TF_PLUGIN_MIRROR offline, and fails when it does not hold the provider instead of falling back", () => {
    // Act
    const found = decide(
      { TF_PLUGIN_MIRROR: "/srv/mirror" },
      { "/srv/mirror": ["6.30.0"], "/opt/tf-plugins": ["5.100.0"] },
    );
    const missing = decide({ TF_PLUGIN_MIRROR: "/srv/none" }, { "/opt/tf-plugins": ["5.100.0"] });
    // Assess
    expect(found).toMatchObject({ mode: "offline", mirror: "/srv/mirror", version: "6.30.0" });
    expect(found.reason).toMatch(/^the filesystem mirror TF_PLUGIN_MIRROR=\/srv\/mirror holds/);
    expect(missing.mode).toBe("unusable");
    expect(missing.reason).toMatch(
      /^no hashicorp\/aws provider in the filesystem mirror \/srv\/none \(looked for \/srv\/none\/registry\.terraform\.io\/hashicorp\/aws, which does not exist\)/,
    );
  });

  it("installs the generated constraint from the registry when no mirror holds the provider, saying where it looked", () => {
    // Act
    const decision = decide({}, { "/opt/tf-plugins": [] });
    // Assess
    expect(decision).toMatchObject({
      mode: "registry",
      constraint: CONSTRAINT,
      pluginCacheDir: CACHE,
      cliConfig: registryCliConfig(CACHE),
    });
    expect(decision.reason).toBe(
      "no filesystem mirror holds hashicorp/aws (looked in /opt/tf-plugins, /home/dev/.terraform.d/plugins, /home/dev/.local/share/terraform/plugins, /usr/local/share/terraform/plugins, /usr/share/terraform/plugins), so terraform init installs hashicorp/aws >= 6.29.0, < 7.0.0 (the generated constraint) from registry.terraform.io; this needs network access. Downloads are cached in /project/.terraform-check/plugin-cache.",
    );
  });

  it("writes a registry CLI configuration with the plugin cache and without any filesystem mirror", () => {
    // Act
    const text = registryCliConfig(CACHE);
    // Assess
    expect(text).toContain('plugin_cache_dir = "/project/.terraform-check/plugin-cache"\n');
    expect(text).toContain("provider_installation {\n  direct {}\n}\n");
    expect(text).not.toMatch(/filesystem_mirror/);
    expect(mirrorCliConfig('/srv/a "b"')).toContain(
      'path    = "/srv/a \\"b\\""\n    include = ["registry.terraform.io/hashicorp/*"]',
    );
  });

  it("fails loudly with TF_CHECK_MODE=offline and no mirror, and goes to the registry with TF_CHECK_MODE=registry", () => {
    // Act
    const offline = decide({ TF_CHECK_MODE: "offline" }, {});
    const offlineWithMirror = decide({ TF_CHECK_MODE: "offline" }, { "/opt/tf-plugins": ["5.100.0"] });
    const registry = decide({ TF_CHECK_MODE: "registry" }, { "/opt/tf-plugins": ["5.100.0"] });
    // Assess
    expect(offline.mode).toBe("unusable");
    expect(offline.reason).toMatch(
      /^TF_CHECK_MODE=offline, but no filesystem mirror holds hashicorp\/aws \(looked in \/opt\/tf-plugins, /,
    );
    expect(offlineWithMirror).toMatchObject({ mode: "offline", version: "5.100.0" });
    expect(offlineWithMirror.reason).not.toMatch(/TF_CHECK_MODE=registry/);
    expect(registry.mode).toBe("registry");
    expect(registry.reason).toMatch(
      /^TF_CHECK_MODE=registry, so terraform init installs hashicorp\/aws >= 6\.29\.0, < 7\.0\.0/,
    );
  });

  it("rejects an unknown mode and a registry mode that contradicts TF_PLUGIN_MIRROR", () => {
    // Act
    const unknown = decide({ TF_CHECK_MODE: "mirror" }, { "/opt/tf-plugins": ["5.100.0"] });
    const contradiction = decide(
      { TF_CHECK_MODE: "registry", TF_PLUGIN_MIRROR: "/srv/mirror" },
      { "/srv/mirror": ["6.30.0"] },
    );
    // Assess
    expect(unknown).toEqual({
      mode: "unusable",
      reason: 'TF_CHECK_MODE must be one of auto, offline, registry (got "mirror").',
    });
    expect(contradiction.mode).toBe("unusable");
    expect(contradiction.reason).toMatch(/contradict each other/);
  });
});
