/**
 * Offline terraform validate + plan of the synthesized example (scripts/tf-check.mjs). Needs the
 * terraform binary and the provider filesystem mirror; without them these tests FAIL with the reason
 * (exit code 2 of tf-check), they never pass silently. The registry path (no mirror) needs network
 * access, which the tests do not have: scripts/provider-source.test.ts covers its decision.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestBundles, recipe, runLine, type TestBundles } from "./make-recipe";
import { PROJECT_ROOT, tempDir } from "./template";

const tmp = tempDir("sip-tf-");
afterAll(() => tmp.cleanup());
let bundles: TestBundles;
beforeAll(async () => {
  const built = await buildTestBundles("synth-test");
  bundles = built.bundles;
  return built.remove;
});

function tfCheck(outdir: string, env: NodeJS.ProcessEnv = process.env, extra: string[] = []) {
  const r = spawnSync(
    process.execPath,
    [join(PROJECT_ROOT, "scripts", "tf-check.mjs"), "--outdir", outdir, "--workdir", join(tmp.dir, "work"), ...extra],
    {
      encoding: "utf8",
      env,
    },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A one-resource stack of its own, for the tests of what happens before terraform runs. */
function minimalStack(): string {
  const outdir = join(tmp.dir, "minimal");
  mkdirSync(join(outdir, "stacks", "minimal"), { recursive: true });
  const stack = {
    terraform: { required_providers: { aws: { source: "hashicorp/aws", version: ">= 6.29.0, < 7.0.0" } } },
    provider: { aws: [{ alias: "sovereign", region: "eusc-de-east-1" }] },
    resource: { aws_s3_bucket: { b: { provider: "aws.sovereign", bucket: "x-bucket" } } },
  };
  writeFileSync(join(outdir, "stacks", "minimal", "cdk.tf.json"), JSON.stringify(stack));
  return outdir;
}

/** A stack named "broken" with an argument the provider does not have, in <tmp>/<folder>. */
function brokenStack(folder: string): string {
  const outdir = join(tmp.dir, folder);
  mkdirSync(join(outdir, "stacks", "broken"), { recursive: true });
  const stack = {
    terraform: { required_providers: { aws: { source: "hashicorp/aws", version: ">= 6.29.0" } } },
    provider: { aws: [{ alias: "sovereign", region: "eusc-de-east-1" }] },
    resource: { aws_s3_bucket: { b: { provider: "aws.sovereign", bucket: "x-bucket", no_such_argument: true } } },
  };
  writeFileSync(join(outdir, "stacks", "broken", "cdk.tf.json"), JSON.stringify(stack));
  return outdir;
}

function expectRan(r: { status: number | null; out: string }) {
  if (r.status === 2)
    throw new Error(`terraform or its provider mirror is missing, so the offline check cannot run:\n${r.out}`);
}

describe("offline terraform check", () => {
  it("runs the synth recipe: synthesize, offline terraform check, guardrails and review files; then the plan recipe", () => {
    // Prepare: `make synth CONFIG=config/example.json` line by line, with the bundles built here
    // and a temporary output folder.
    const outdir = join(tmp.dir, "example");
    const commands = recipe("synth").map((line) =>
      line
        .replace(/^-/, "")
        .replace("$(SYNTH_ARGS)", `--config config/example.json --outdir ${outdir}`)
        .replace("$(CHECK_ARGS)", "")
        .replace("dist/main.cjs", bundles.main)
        .replace("dist/policies.cjs", bundles.policies)
        .replace("scripts/tf-check.mjs", `scripts/tf-check.mjs --outdir ${outdir} --workdir ${join(tmp.dir, "work")}`)
        .replaceAll("cdktf.out", outdir),
    );
    const planCommands = recipe("plan").map((line) =>
      line
        .replace("dist/policies.cjs", bundles.policies)
        .replace("scripts/tf-check.mjs", `scripts/tf-check.mjs --outdir ${outdir} --workdir ${join(tmp.dir, "work")}`)
        .replaceAll("cdktf.out", outdir),
    );
    // Act
    const [synth, terraform, guardrails, review] = commands.map(runLine);
    const planOnlyBefore = existsSync(join(outdir, "plans"));
    const [terraformPlan, planReview] = planCommands.map(runLine);
    // Assess
    expect(commands).toHaveLength(4);
    expect(planCommands).toHaveLength(2);
    expect(planOnlyBefore).toBe(false);
    expect(terraform?.out).not.toMatch(/plan +ok/);
    expect(planReview?.status).toBe(0);
    expect(existsSync(join(outdir, "review", "example", "plan-summary.md"))).toBe(true);
    expect(synth?.status).toBe(0);
    if (terraform?.status === 2)
      throw new Error(
        `terraform or its provider mirror is missing, so the offline check cannot run:\n${terraform.out}`,
      );
    expect(terraform?.out).toMatch(/validate ok/);
    // The mirror's 5.100.0 does not know the standby pseudonym keys' key_spec/key_usage: said loudly.
    expect(terraform?.out).toMatch(
      /NOTICE: stack example is checked WITHOUT 4 argument\(s\)[\s\S]*sovereign-key-standby-pseudonyms_key: key_spec/,
    );
    expect(terraform?.status).toBe(0);
    expect(guardrails?.out).toMatch(
      /^0 error\(s\), \d+ warning\(s\), \d+ suppressed; \d+ rules over 1 stack\(s\): example$/m,
    );
    expect(guardrails?.status).toBe(0);
    expect(review?.status).toBe(0);
    expect(existsSync(join(outdir, "guardrails.sarif"))).toBe(true);
    expect(existsSync(join(outdir, "review", "authorization.md"))).toBe(true);
    const plan = JSON.parse(readFileSync(join(outdir, "plans", "example.plan.json"), "utf8"));
    const byProvider = new Map<string, number>();
    // The sealing key's public key (outage uploads) is read once the key exists, at apply: no create.
    const reads = plan.resource_changes.filter((rc: { mode: string }) => rc.mode === "data");
    expect(
      reads.map((rc: { address: string; change: { actions: string[] } }) => [rc.address, rc.change.actions]),
    ).toEqual([["data.aws_kms_public_key.sovereign-outage-subjects-public-key", ["read"]]]);
    const creates = plan.resource_changes.filter((rc: { mode: string }) => rc.mode !== "data");
    for (const rc of creates) {
      expect(rc.change.actions).toEqual(["create"]);
      const alias = plan.configuration.root_module.resources.find(
        (c: { address: string }) => c.address === rc.address,
      ).provider_config_key;
      byProvider.set(alias, (byProvider.get(alias) ?? 0) + 1);
    }
    expect([...byProvider.keys()].sort()).toEqual(["aws.commercial", "aws.sovereign", "aws.tenant-acme-health"]);
    const perAlias = [...byProvider.entries()]
      .map(([k, v]) => `${k.replace("aws.", "")} ${v}`)
      .sort()
      .join(", ");
    expect(terraformPlan?.status).toBe(0);
    expect(terraformPlan?.out).toContain(`plan: ${creates.length} to create (${perAlias})`);
    // The fake credentials live in the environment, never in the plan.
    expect(JSON.stringify(plan)).not.toMatch(/AKIAOFFLINECHECK/);
    // The check overrides the provider version in its own folder only: the synthesized JSON keeps its constraint.
    expect(
      JSON.parse(readFileSync(join(outdir, "stacks", "example", "cdk.tf.json"), "utf8")).terraform.required_providers
        .aws.version,
    ).toBe(">= 6.29.0, < 7.0.0");
  });

  it("fails on a configuration terraform rejects", () => {
    const outdir = brokenStack("broken");
    const r = tfCheck(outdir, process.env, ["--no-plan"]);
    expectRan(r);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/no_such_argument/);
    expect(r.out).toMatch(/terraform validate failed for stack broken/);
  });

  it("fails on a configuration terraform rejects when planning, with terraform's message", () => {
    const outdir = brokenStack("broken-plan");
    const r = tfCheck(outdir, process.env, ["--workdir", join(tmp.dir, "work-broken-plan")]);
    expectRan(r);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(
      /error: Extraneous JSON object property\nNo argument or block type is named "no_such_argument"/,
    );
    expect(r.out).toMatch(/terraform plan failed for stack broken/);
  });

  it("checks several stacks together: one init, one validate, and a verdict per stack", () => {
    // Prepare: the broken stack and a valid one beside it, with its own provider alias
    const outdir = brokenStack("together");
    const valid = {
      terraform: { required_providers: { aws: { source: "hashicorp/aws", version: ">= 6.29.0" } } },
      provider: { aws: [{ alias: "commercial", region: "eu-central-1" }] },
      resource: { aws_s3_bucket: { b: { provider: "aws.commercial", bucket: "y-bucket" } } },
    };
    mkdirSync(join(outdir, "stacks", "valid"), { recursive: true });
    writeFileSync(join(outdir, "stacks", "valid", "cdk.tf.json"), JSON.stringify(valid));
    const workdir = join(tmp.dir, "work-together");
    // Act
    const both = tfCheck(outdir, process.env, ["--together", "--workdir", workdir]);
    // Assess
    expectRan(both);
    expect(both.status).toBe(1);
    expect(both.out).toMatch(/init +ok on 2 stack\(s\)/);
    expect(both.out).toMatch(/validate failed for 1 stack\(s\) on 2 stack\(s\)/);
    expect(both.out).toMatch(/validate ok on 1 stack\(s\)/);
    expect(both.out).toMatch(
      /stack broken:\n {2}validate failed\n {4}error: Extraneous JSON object property \(broken\/cdk.tf.json:\d+\): No argument or block type is named "no_such_argument"/,
    );
    expect(both.out).toMatch(/stack valid:\n {2}validate ok\n/);
    expect(both.out).toMatch(/failed for broken\n/);
    // The stacks are child modules with the version override, and their providers are the root module's.
    const root = JSON.parse(readFileSync(join(workdir, "together", "main.tf.json"), "utf8"));
    expect(root.module.valid).toEqual({ source: "./valid", providers: { "aws.commercial": "aws.p1", aws: "aws" } });
  });

  it("runs init only when the terraform blocks change and validate only when the configuration does, and drops files the synth no longer writes", () => {
    // Prepare
    const outdir = minimalStack();
    const stackDir = join(outdir, "stacks", "minimal");
    const workdir = join(tmp.dir, "work-incremental");
    const args = ["--no-plan", "--workdir", workdir];
    writeFileSync(join(stackDir, "stale.tf.json"), JSON.stringify({ output: { stale: { value: "x" } } }));
    // Act
    const first = tfCheck(outdir, process.env, args);
    rmSync(join(stackDir, "stale.tf.json"));
    const second = tfCheck(outdir, process.env, args);
    const repeated = tfCheck(outdir, process.env, args);
    const stack = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
    stack.terraform.required_version = ">= 1.10";
    writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify(stack));
    const third = tfCheck(outdir, process.env, args);
    // Assess
    expectRan(first);
    expect([first.status, second.status, repeated.status, third.status]).toEqual([0, 0, 0, 0]);
    expect(first.out).toMatch(/init +ok/);
    expect(second.out).toMatch(/init +current \(providers and backend unchanged\)/);
    expect(second.out).toMatch(/validate ok/);
    expect(repeated.out).toMatch(/init +current[^\n]*\n {2}validate current \(passed on this configuration before\)/);
    expect(existsSync(join(workdir, "minimal", "stale.tf.json"))).toBe(false);
    expect(third.out).toMatch(/init +ok/);
  });

  it("fails loudly when the provider mirror is missing", () => {
    const r = tfCheck(minimalStack(), { ...process.env, TF_PLUGIN_MIRROR: join(tmp.dir, "no-mirror") });
    expect(r.status).toBe(2);
    expect(r.out).toMatch(/OFFLINE TERRAFORM CHECK CANNOT RUN/);
    expect(r.out).toMatch(/no hashicorp\/aws provider in the filesystem mirror/);
  });

  it("fails loudly on an unknown TF_CHECK_MODE", () => {
    const r = tfCheck(minimalStack(), { ...process.env, TF_CHECK_MODE: "sometimes" });
    expect(r.status).toBe(2);
    expect(r.out).toMatch(/TF_CHECK_MODE must be one of auto, offline, registry \(got "sometimes"\)/);
  });

  it("fails loudly when terraform is not installed", () => {
    const r = tfCheck(minimalStack(), { ...process.env, PATH: "/nonexistent" });
    expect(r.status).toBe(2);
    expect(r.out).toMatch(/terraform is not on the PATH/);
  });
});
