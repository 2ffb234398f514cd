/**
 * `diff` as `make diff` runs it (cli.ts bundled with esbuild, run with node) over the synthesized
 * example: the example is the base, and the head is the example with one change.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleInput, PROJECT_ROOT, synthDeployment, type TfJson, tempDir, validConfig } from "../../test/template";

const tmp = tempDir("sip-diff-cli-");
let bundle: string;
let example: TfJson;
let withoutTenant: TfJson;

/** Writes a configuration as a cdktf.out folder (`stacks/example/cdk.tf.json`); returns the folder. */
function cdktfOut(name: string, json: TfJson): string {
  const dir = join(tmp.dir, name);
  mkdirSync(join(dir, "stacks", "example"), { recursive: true });
  writeFileSync(join(dir, "stacks", "example", "cdk.tf.json"), JSON.stringify(json, null, 2));
  return dir;
}

beforeAll(async () => {
  bundle = join(tmp.dir, "policies-cli.cjs");
  await build({
    entryPoints: [join(__dirname, "..", "cli.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    logLevel: "error",
  });
  example = synthDeployment(validConfig()).json;
  const input = exampleInput();
  input.tenants = input.tenants?.filter((t) => t.id !== "kleinverein");
  withoutTenant = synthDeployment(validConfig(input)).json;
});
afterAll(() => tmp.cleanup());

function run(args: string[]) {
  const r = spawnSync(process.execPath, [bundle, ...args], {
    cwd: tmp.dir,
    encoding: "utf8",
    env: { ...process.env, NODE_PATH: join(PROJECT_ROOT, "node_modules") },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonReport {
  summary: Record<string, number>;
  dangerous: Array<{ stack: string; address: string; kind: string; reason: string }>;
  stacks: Array<{ stack: string; resources: Array<{ address: string; change: string }> }>;
}

describe("diff of the synthesized example", () => {
  it("lists exactly the removed tenant's resources as removed, marks its key's destroy dangerous and exits 3", () => {
    // Prepare
    const base = cdktfOut("base", example);
    const head = cdktfOut("head-without-kleinverein", withoutTenant);
    const tenantAddresses = Object.entries(example.resource ?? {})
      .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
      .filter((address) => address.split(".")[1]?.startsWith("tenant-kleinverein_"))
      .sort();
    // Act
    const r = run(["diff", base, head, "--format", "json"]);
    // Assess
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout) as JsonReport;
    const changes = report.stacks.flatMap((s) => s.resources);
    expect(tenantAddresses).toContain("aws_kms_key.tenant-kleinverein_key_key");
    expect(changes.filter((c) => c.change === "removed").map((c) => c.address)).toEqual(tenantAddresses);
    expect(changes.filter((c) => c.change !== "removed")).toEqual([]);
    expect(report.dangerous.map((d) => [d.kind, d.address])).toEqual([
      ["destroy", "aws_kms_key.tenant-kleinverein_key_key"],
    ]);
    expect(report.dangerous[0]?.reason).toMatch(/cannot be decrypted/);
    expect(r.status).toBe(3);
  });

  it("puts the counts first and the dangerous items before the addresses in markdown", () => {
    // Prepare
    const base = cdktfOut("base", example);
    const head = cdktfOut("head-without-kleinverein", withoutTenant);
    // Act
    const r = run(["diff", base, head]);
    // Assess
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(
      /^## Change review\n\n\*\*1 dangerous change\*\*; 0 added, 4 removed, 0 changed, 0 moved over 1 stack\.\n\n### Dangerous\n\n- \*\*destroy\*\* `aws_kms_key\.tenant-kleinverein_key_key` \(stack `example`\): destroys aws_kms_key\.tenant-kleinverein_key_key: /,
    );
    expect(r.stdout.indexOf("### Dangerous")).toBeLessThan(r.stdout.indexOf("### Stack `example`"));
    expect(r.stdout).toContain("- **removed** `aws_iam_role.tenant-kleinverein_role`\n");
  });

  it("finds no changes between identical outputs and exits 0", () => {
    // Prepare
    const base = cdktfOut("base", example);
    const same = cdktfOut("same", example);
    // Act
    const r = run(["diff", base, same]);
    // Assess
    expect(r.stdout).toMatch(
      /^## Change review\n\n\*\*0 dangerous changes\*\*; 0 added, 0 removed, 0 changed, 0 moved over 1 stack\.\n\nNo changes/,
    );
    expect(r.status).toBe(0);
  });

  it("exits 3 when an action is added to an Allow of a tenant role, and 0 when one is removed", () => {
    // Prepare
    const withAction = (change: (actions: string[]) => string[]) => {
      const json = structuredClone(example);
      const policy = json.resource?.aws_iam_role_policy?.["tenant-kleinverein_role-policy"] as { policy: string };
      const doc = JSON.parse(policy.policy) as { Statement: Array<{ Sid: string; Action: string[] }> };
      const statement = doc.Statement.find((s) => s.Sid === "ObjectsUnderOwnPrefix");
      if (statement === undefined) throw new Error("the tenant role policy has no ObjectsUnderOwnPrefix statement");
      statement.Action = change(statement.Action);
      policy.policy = JSON.stringify(doc);
      return json;
    };
    const base = cdktfOut("base", example);
    const wider = cdktfOut(
      "wider",
      withAction((a) => [...a, "s3:PutObjectAcl"]),
    );
    const narrower = cdktfOut(
      "narrower",
      withAction((a) => a.filter((x) => x !== "s3:DeleteObject")),
    );
    // Act
    const widened = run(["diff", base, wider, "--format", "json"]);
    const narrowed = run(["diff", base, narrower, "--format", "json"]);
    // Assess
    expect((JSON.parse(widened.stdout) as JsonReport).dangerous.map((d) => d.reason)).toEqual([
      'identity policy policy: Allow "ObjectsUnderOwnPrefix" widens: adds action s3:PutObjectAcl.',
    ]);
    expect(widened.status).toBe(3);
    expect((JSON.parse(narrowed.stdout) as JsonReport).summary).toMatchObject({ changed: 1, dangerous: 0 });
    expect(narrowed.status).toBe(0);
  });

  it("writes byte-identical reports on every run, wherever the inputs lie", () => {
    // Prepare
    const runs = [
      [cdktfOut("base", example), cdktfOut("head-without-kleinverein", withoutTenant)],
      [cdktfOut("elsewhere/base", example), cdktfOut("elsewhere/head", withoutTenant)],
    ];
    // Act
    const markdown = runs.map(([base = "", head = ""]) => run(["diff", base, head]).stdout);
    const json = runs.map(([base = "", head = ""], i) => {
      const out = join(tmp.dir, `report-${i}.json`);
      run(["diff", base, head, "--format", "json", "--out", out]);
      return readFileSync(out, "utf8");
    });
    // Assess
    expect(markdown[0]).toBe(markdown[1]);
    expect(json[0]).toBe(json[1]);
    expect(markdown[0]).not.toContain(tmp.dir);
    expect(json[0]).not.toContain(tmp.dir);
    expect(json[0]?.startsWith('{\n  "dangerous": [')).toBe(true);
  });

  it("writes the report to --out and a one-line summary to stdout", () => {
    // Prepare
    const out = join(tmp.dir, "reports", "diff.md");
    // Act
    const r = run([
      "diff",
      cdktfOut("base", example),
      cdktfOut("head-without-kleinverein", withoutTenant),
      "--out",
      out,
    ]);
    // Assess
    expect(r.stdout).toBe(`1 dangerous; 0 added, 4 removed, 0 changed, 0 moved; markdown report written to ${out}\n`);
    expect(readFileSync(out, "utf8")).toMatch(/^## Change review/);
    expect(r.status).toBe(3);
  });
});

describe("diff usage", () => {
  it.each([
    [["diff", "a"], /diff needs two paths, the base and the head cdktf.out folder \(got 1\)/],
    [["diff", "a", "b", "c"], /diff needs two paths, .* \(got 3\)/],
    [["diff", "a", "b", "--format", "sarif"], /--format of diff must be one of markdown, json \(got "sarif"\)/],
    [["diff", "a", "b", "--config", "x.json"], /diff takes only --format and --out/],
  ])("rejects %j with usage and exit code 64", (args, message) => {
    // Act
    const r = run(args as string[]);
    // Assess
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/Usage:[\s\S]*diff <base> <head>/);
  });

  it("exits 2 when an input cannot be read", () => {
    // Prepare
    const bad = join(tmp.dir, "bad");
    mkdirSync(join(bad, "stacks", "example"), { recursive: true });
    writeFileSync(join(bad, "stacks", "example", "cdk.tf.json"), "{");
    // Act
    const missing = run(["diff", join(tmp.dir, "missing"), cdktfOut("base", example)]);
    const broken = run(["diff", cdktfOut("base", example), bad]);
    // Assess
    expect(missing).toMatchObject({ status: 2, stderr: expect.stringMatching(/missing: no such file or folder/) });
    expect(broken).toMatchObject({ status: 2, stderr: expect.stringMatching(/cdk\.tf\.json: not valid JSON/) });
  });
});

describe("make diff BASE=<ref> (scripts/diff-base.sh)", () => {
  it("synthesizes the base in a temporary worktree, compares the head with it, exits 3 on danger and removes the worktree", () => {
    // Prepare: the head is the working tree's example without one tenant; the base is HEAD's example.
    const head = cdktfOut("head-for-make-diff", withoutTenant);
    const diffWorktrees = () =>
      spawnSync("git", ["worktree", "list", "--porcelain"], { cwd: PROJECT_ROOT, encoding: "utf8" })
        .stdout.split("\n")
        .filter((l) => l.includes("sip-diff-base"));
    // Act
    const r = spawnSync("bash", [join(PROJECT_ROOT, "scripts", "diff-base.sh"), "HEAD", "", "--format", "json"], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      timeout: 300_000,
      env: { ...process.env, SIP_DIFF_HEAD: head, SIP_DIFF_CLI: bundle, NODE_PATH: join(PROJECT_ROOT, "node_modules") },
    });
    // Assess
    expect(r.stderr).toMatch(/diff: checking out HEAD in a temporary worktree/);
    expect(r.status).toBe(3);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.dangerous.map((d) => [d.kind, d.address])).toContainEqual([
      "destroy",
      "aws_kms_key.tenant-kleinverein_key_key",
    ]);
    expect(diffWorktrees()).toEqual([]);
  });
});
