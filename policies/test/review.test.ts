import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/template";
import { buildReview, writeReview } from "../review";
import { FIXTURES } from "./harness";

const SOURCE = join(FIXTURES, "review", "cdktf.out");
const tmp = tempDir("sip-review-");
afterAll(() => tmp.cleanup());

describe("review artifacts", () => {
  it("writes each policy document as its own key-sorted file, resolving policy document data sources", () => {
    // Act
    const files = buildReview(SOURCE);
    // Assess
    expect([...files.keys()].filter((k) => k.includes("/policies/"))).toEqual([
      "demo/policies/aws_iam_role.reader.assume_role_policy.json",
      "demo/policies/aws_iam_role.reader.inline_policy.0.policy.json",
      "demo/policies/aws_s3_bucket_policy.identity.policy.json",
    ]);
    expect(files.get("demo/policies/aws_iam_role.reader.inline_policy.0.policy.json")).toBe(
      `${JSON.stringify({ "//": "rendered from data.aws_iam_policy_document.read", Statement: [{ Action: ["s3:GetObject"], Effect: "Allow", Resource: ["arn:aws-eusc:s3:::demo-identity/*"], Sid: "Read" }], Version: "2012-10-17" }, null, 2)}\n`,
    );
  });

  it("inventories resources and data classes per partition and region, and lists unplaced ones", () => {
    const inventory = JSON.parse(buildReview(SOURCE).get("demo/residency.json") ?? "{}");
    expect(
      inventory.placements.map(
        (p: {
          partition: string;
          region: string;
          country: string;
          dataClasses: string[];
          tenants: string[];
          counts: unknown;
        }) => [p.partition, p.region, p.country, p.dataClasses, p.tenants, p.counts],
      ),
    ).toEqual([
      ["aws", "eu-central-1", "Germany", ["avatars-clean"], [], { resources: 1, dataHolding: 1 }],
      ["aws-eusc", "eusc-de-east-1", "Germany", ["identity"], ["acme"], { resources: 3, dataHolding: 1 }],
    ]);
    expect(inventory.unplaced).toEqual([{ address: "aws_sqs_queue.legacy", type: "aws_sqs_queue", dataHolding: true }]);
    expect(buildReview(SOURCE).get("demo/residency.md")).toMatch(
      /\| aws-eusc \| eusc-de-east-1 \(Germany\) \| aws.sovereign \| 3 \| 1 \| identity \| acme \|/,
    );
  });

  it("summarizes the plan per partition, counting a replacement as an add and a destroy", () => {
    const summary = JSON.parse(buildReview(SOURCE).get("demo/plan-summary.json") ?? "{}");
    expect(summary.totals).toEqual({ add: 2, change: 1, destroy: 2, replace: 1 });
    expect(summary.groups).toEqual([
      {
        partition: "aws",
        region: "eu-central-1",
        add: [],
        change: ["aws_s3_bucket.failover"],
        destroy: ["aws_s3_bucket.old"],
        replace: [],
      },
      {
        partition: "aws-eusc",
        region: "eusc-de-east-1",
        add: ["aws_iam_role.reader", "aws_s3_bucket.identity"],
        change: [],
        destroy: ["aws_s3_bucket.identity"],
        replace: ["aws_s3_bucket.identity"],
      },
    ]);
    const md = buildReview(SOURCE).get("demo/plan-summary.md") ?? "";
    expect(md).toMatch(/\| aws-eusc \| eusc-de-east-1 \| 2 \| 0 \| 1 \| 1 \|/);
    expect(md).not.toMatch(/2026/); // no timestamps from the plan
  });

  it("draws what crosses the partition boundary as a Mermaid diagram, linked from the index", () => {
    // Act
    const files = buildReview(SOURCE);
    // Assess
    expect(files.get("demo/partitions.md")).toMatch(
      /```mermaid\nflowchart LR\n {2}subgraph grp_aws_eusc\["aws-eusc: AWS European Sovereign Cloud, eusc-de-east-1"\]\n/,
    );
    expect(files.get("demo/partitions.md")).toContain('role_reader -->|"reads"| bucket_identity');
    expect(files.get("README.md")).toContain(
      "- [partitions.md](demo/partitions.md): diagram of what crosses the partition boundary (0 crossing edge(s))",
    );
  });

  it("replaces <cdktf.out>/review/ and is byte-identical on a second run", () => {
    // Prepare
    const out = join(tmp.dir, "cdktf.out");
    cpSync(SOURCE, out, { recursive: true });
    writeFileSync(join(out, "stale.txt"), "");
    // Act
    const written = writeReview(out);
    const snapshot = written.map((f) => readFileSync(join(out, "review", f), "utf8"));
    writeFileSync(join(out, "review", "stale.json"), "{}");
    writeReview(out);
    // Assess
    expect(written).toContain("README.md");
    expect(readdirSync(join(out, "review", "demo")).sort()).toEqual([
      "partitions.md",
      "plan-summary.json",
      "plan-summary.md",
      "policies",
      "residency.json",
      "residency.md",
    ]);
    expect(existsSync(join(out, "review", "stale.json"))).toBe(false);
    expect(written.map((f) => readFileSync(join(out, "review", f), "utf8"))).toEqual(snapshot);
    expect(readdirSync(join(out, "review")).sort()).toEqual(["README.md", "demo"]);
  });
});
