import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleInput, PROJECT_ROOT, synthDeployment, validConfig } from "../../test/template";
import { analyzeEgress } from "../core/egress";
import { statementsOf } from "../core/policy-documents";
import { type Template, templateOf } from "../core/template";
import { accessesOf } from "../diagram/access";
import { mermaidText, partitionsMarkdown, renderMermaid } from "../diagram/mermaid";
import { downstream, type PartitionDiagram, partitionDiagram, upstream } from "../diagram/model";

const FAILOVER = "aws_s3_bucket.commercial-bucket-avatars-clean_bucket";
const ORIGINALS = "aws_s3_bucket.sovereign-bucket-avatars-original_bucket";
const COMMERCIAL_ROLE = "aws_iam_role.commercial-roles-anywhere_role-avatars-clean";
const FIREWALL = "aws_networkfirewall_firewall.sovereign-network_controlled-egress_firewall";
const SYNC = "aws_lambda_function.sync-pipeline-avatars-clean_sync_function";
const FAILBACK = "aws_lambda_function.sync-pipeline-avatars-clean_failback_function";

function exampleTemplate(input = exampleInput()): Template {
  return templateOf(synthDeployment(validConfig(input)).json, "example");
}

const example = exampleTemplate();
const diagram = partitionDiagram(example);

function partitionOf(d: PartitionDiagram, id: string): string | undefined {
  const group = d.nodes.find((n) => n.id === id)?.group;
  return d.groups.find((g) => g.id === group)?.partition;
}

/** Problems of a Mermaid flowchart as far as a line scan can tell: nesting, IDs, edge ends, quoting. */
function mermaidProblems(text: string): string[] {
  const problems: string[] = [];
  const declared = new Set<string>();
  const groups = new Set<string>();
  let depth = 0;
  const lines = text.trimEnd().split("\n");
  if (lines[0] !== "flowchart LR") problems.push(`first line: ${lines[0]}`);
  for (const line of lines.slice(1)) {
    const subgraph = /^\s*subgraph ([A-Za-z0-9_]+)\["[^"]*"\]$/.exec(line);
    const node = /^\s*([A-Za-z0-9_]+)(\[\(|\{\{|\(\[|\[\[|\[\/|\[|\()"[^"]*"(\)\]|\}\}|\]\)|\]\]|\/\]|\]|\))$/.exec(
      line,
    );
    const edge = /^\s*([A-Za-z0-9_]+) (-->|-\.->|==>)\|"[^"]*"\| ([A-Za-z0-9_]+)$/.exec(line);
    if (subgraph?.[1]) {
      if (groups.has(subgraph[1]) || declared.has(subgraph[1])) problems.push(`duplicate id ${subgraph[1]}`);
      groups.add(subgraph[1]);
      depth++;
    } else if (/^\s*end$/.test(line)) {
      depth--;
      if (depth < 0) problems.push("end without subgraph");
    } else if (node?.[1]) {
      if (declared.has(node[1]) || groups.has(node[1])) problems.push(`duplicate id ${node[1]}`);
      declared.add(node[1]);
    } else if (edge?.[1] && edge[3]) {
      for (const end of [edge[1], edge[3]]) if (!declared.has(end)) problems.push(`edge end ${end} is not declared`);
    } else {
      problems.push(`unrecognized line: ${line}`);
    }
  }
  if (depth !== 0) problems.push(`${depth} subgraph(s) not closed`);
  return problems;
}

describe("the partition diagram of the example", () => {
  it("has one group per partition, sovereign first, with the tenant's own account nested in it", () => {
    // Assess
    expect(diagram.groups.map((g) => [g.id, g.parent ?? null])).toEqual([
      ["aws-eusc", null],
      ["aws-eusc/aws.tenant-acme-health", "aws-eusc"],
      ["aws", null],
    ]);
    expect(diagram.groups[1]?.label).toBe("account of tenant acme-health (333333333333)");
  });

  it("shows the failover bucket written only by the commercial role that the sync path reaches through the egress path", () => {
    // Act
    const writers = diagram.edges.filter((e) => e.to === FAILOVER && e.labels.includes("writes")).map((e) => e.from);
    const functions = [...upstream(diagram, FAILOVER)].filter(
      (id) => diagram.nodes.find((n) => n.id === id)?.kind === "function",
    );
    const withoutEgress = { ...diagram, edges: diagram.edges.filter((e) => e.from !== FIREWALL && e.to !== FIREWALL) };
    // Assess
    // The sync's role, and the data-subject erasure role (deletes replicas' versions; behind the same path).
    expect(writers).toEqual([COMMERCIAL_ROLE, "aws_iam_role.commercial-roles-anywhere_role-subject-erasure"]);
    // The webhook sender shares the egress path (one allowlist): it could open TLS to the failover
    // bucket's host, without a credential for it (docs/architecture.md, controlled egress).
    // The commercial standby's read function reads it from its own side (no write, no crossing).
    expect(functions.sort()).toEqual([
      "aws_lambda_function.standby-serving_download_function",
      "aws_lambda_function.subject-requests_run_function",
      FAILBACK,
      SYNC,
      "aws_lambda_function.webhooks_sender_function",
    ]);
    expect([...upstream(withoutEgress, FAILOVER)].map((id) => partitionOf(diagram, id))).toEqual(
      expect.not.arrayContaining(["aws-eusc"]),
    );
    expect(diagram.edges.filter((e) => e.crossing).map((e) => [e.from, e.to, e.labels])).toEqual([
      [FIREWALL, "aws_rolesanywhere_profile.commercial-roles-anywhere_profile", ["Roles Anywhere session"]],
      [FIREWALL, FAILOVER, ["S3 requests (allowlisted host)"]],
      // Failback drains the outage inbox (outage uploads) through the same path.
      [FIREWALL, "aws_s3_bucket.standby-serving_outage-inbox_bucket", ["S3 requests (allowlisted host)"]],
    ]);
  });

  it("does not reach the originals bucket from the commercial side, and nothing crosses into the sovereign partition", () => {
    // Prepare
    const commercial = diagram.nodes.filter((n) => n.group === "aws").map((n) => n.id);
    // Act
    const reached = commercial.flatMap((id) => [...downstream(diagram, id)]);
    // Assess
    expect(commercial.length).toBeGreaterThan(0);
    expect(reached).not.toContain(ORIGINALS);
    expect(reached.map((id) => partitionOf(diagram, id))).toEqual(expect.not.arrayContaining(["aws-eusc"]));
    expect(diagram.edges.filter((e) => e.crossing && partitionOf(diagram, e.to) === "aws-eusc")).toEqual([]);
  });

  it("lists the allowed domains of the egress path on its node", () => {
    // Prepare
    const [path] = analyzeEgress(example).paths;
    // Act
    const node = diagram.nodes.find((n) => n.kind === "egress");
    // Assess
    expect(path?.allowedDomains).toEqual([
      "example-avatars-clean-failover-222222222222.s3.eu-central-1.amazonaws.com",
      "example-outage-uploads-222222222222.s3.eu-central-1.amazonaws.com",
      "hooks.acme-health.example.org",
      "rolesanywhere.eu-central-1.amazonaws.com",
    ]);
    expect(node?.id).toBe(FIREWALL);
    expect(node?.label.slice(2)).toEqual(path?.allowedDomains);
  });

  it("shows the Roles Anywhere trust: certificates of the sovereign CA, the sync CN, the profile's role", () => {
    // Act
    const trust = diagram.edges
      .filter((e) => e.style === "trust" && e.to === COMMERCIAL_ROLE)
      .map((e) => [e.from, e.labels]);
    // Assess
    expect(trust).toEqual([
      ["aws_rolesanywhere_profile.commercial-roles-anywhere_profile", ["issues sessions of"]],
      [
        "aws_rolesanywhere_trust_anchor.commercial-roles-anywhere_trust-anchor",
        ["trusts certificates CN=sip-example-sync-avatars-clean"],
      ],
    ]);
    expect(diagram.nodes.find((n) => n.kind === "trust-anchor")?.label[1]).toMatch(
      /^CA Sovereign Identity Platform example CA/,
    );
  });

  it("aggregates the tenant keys and roles of the sovereign account into one node each", () => {
    // Act
    const tenantNodes = diagram.nodes
      .filter((n) => n.id.startsWith("tenant-"))
      .map((n) => [n.id, n.label, n.addresses.length]);
    // Assess
    expect(tenantNodes).toEqual([
      ["tenant-roles@aws-eusc", ["tenant roles (3)", "acme-health, bergstadt, kleinverein"], 3],
      ["tenant-keys@aws-eusc", ["tenant keys (3)", "acme-health, bergstadt, kleinverein"], 3],
    ]);
    expect(diagram.edges.filter((e) => e.to === "tenant-roles@aws-eusc").map((e) => e.from)).toEqual([
      "aws_lambda_function.document-pipeline_download_function",
      "aws_lambda_function.document-pipeline_scrub_function",
      "aws_lambda_function.document-pipeline_signing_function",
      "aws_lambda_function.document-pipeline_upload_function",
      FAILBACK,
      "aws_lambda_function.upload-pipeline_download_function",
      "aws_lambda_function.upload-pipeline_scrub_function",
      "aws_lambda_function.upload-pipeline_upload_function",
    ]);
  });

  it("renders Mermaid with balanced subgraphs, unique IDs, declared edge ends and quoted labels", () => {
    // Act
    const text = renderMermaid(diagram);
    // Assess
    expect(mermaidProblems(text)).toEqual([]);
    expect(text.match(/==>/g)?.length).toBe(3);
    expect(partitionsMarkdown(diagram)).toContain(`\`\`\`mermaid\n${text}\`\`\`\n`);
  });

  it("is byte-identical across two syntheses", () => {
    // Act
    const second = partitionsMarkdown(partitionDiagram(exampleTemplate()));
    // Assess
    expect(second).toBe(partitionsMarkdown(diagram));
    expect(second).not.toMatch(/\/tmp\/|\/work\/|20\d\d-\d\d-\d\d/);
  });

  it("shows no cross-partition edge when no data class crosses", () => {
    // Prepare
    const input = exampleInput();
    for (const dataClass of Object.values(input.dataClasses))
      delete (dataClass as { allowCrossPartition?: boolean }).allowCrossPartition;
    delete (input as { crossPartition?: unknown }).crossPartition;
    delete (input as { documents?: { webhooks?: unknown } }).documents?.webhooks;
    // Act
    const sovereignOnly = partitionDiagram(exampleTemplate(input));
    // Assess
    expect(sovereignOnly.edges.filter((e) => e.crossing)).toEqual([]);
    expect(sovereignOnly.nodes.filter((n) => n.kind === "egress")).toEqual([]);
    expect(mermaidProblems(renderMermaid(sovereignOnly))).toEqual([]);
    expect(partitionsMarkdown(sovereignOnly)).toContain("Nothing crosses the partition boundary.");
  });
});

describe("diagram details", () => {
  it("reads policy variables as wildcards and narrows key access by kms:ResourceAliases", () => {
    // Prepare
    const statements = statementsOf({
      Statement: [
        { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws-eusc:s3:::b/$${aws:PrincipalTag/Tenant}/*" },
        {
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: "arn:aws-eusc:kms:r:1:key/*",
          Condition: { "ForAnyValue:StringLike": { "kms:ResourceAliases": "alias/t/*" } },
        },
        { Effect: "Deny", Action: "s3:*", Resource: "*" },
      ],
    });
    const key = (aliases: string[]) => ({
      address: "k",
      kind: "key" as const,
      arn: "arn:aws-eusc:kms:r:1:key/k",
      aliases,
    });
    // Act
    const bucket = accessesOf(statements, { address: "b", kind: "bucket", arn: "arn:aws-eusc:s3:::b", aliases: [] });
    const other = accessesOf(statements, { address: "c", kind: "bucket", arn: "arn:aws-eusc:s3:::c", aliases: [] });
    // Assess
    expect(bucket).toEqual(["reads"]);
    expect(other).toEqual([]);
    expect(accessesOf(statements, key(["alias/t/acme"]))).toEqual(["decrypts"]);
    expect(accessesOf(statements, key(["alias/data"]))).toEqual([]);
  });

  it("gives addresses that reduce to the same Mermaid ID distinct IDs and escapes label text", () => {
    // Prepare
    const template = templateOf({
      provider: { aws: [{ alias: "s", region: "eusc-de-east-1" }] },
      resource: {
        aws_s3_bucket: {
          "a-b": { provider: "aws.s", bucket: 'say "hi" #1 <b>' },
          a_b: { provider: "aws.s", bucket: "x" },
        },
      },
    });
    // Act
    const text = renderMermaid(partitionDiagram(template));
    // Assess
    expect(mermaidProblems(text)).toEqual([]);
    expect(text).toContain('bucket_a_b[("bucket say #quot;hi#quot; #35;1 #lt;b#gt;")]');
    expect(text).toContain('bucket_a_b_2[("bucket x")]');
    expect(mermaidText("#quot;")).toBe("#35;quot;");
  });
});

describe("the README's diagram", () => {
  it("is the example's diagram as make synth generates it", () => {
    // Prepare
    const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
    // Act
    const shown = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1];
    // Assess
    expect(`${shown}`.trimEnd()).toBe(renderMermaid(partitionDiagram(example)).trimEnd());
  });
});
