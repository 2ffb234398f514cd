/**
 * The change review over small configurations: what counts as changed, replaced, widened or moved
 * across partitions, and what does not.
 */
import { describe, expect, it } from "vitest";
import { templateOf } from "../core/template";
import { compareTemplates, diffExitCode } from "../diff/compare";
import { diffStatements } from "../diff/statements";

const PROVIDERS = {
  aws: [
    { alias: "sovereign", region: "eusc-de-east-1" },
    { alias: "commercial", region: "eu-central-1" },
  ],
};

/** A configuration with the two providers and the given resources (`{type: {name: body}}`). */
function config(
  resource: Record<string, Record<string, Record<string, unknown>>>,
  extra: Record<string, unknown> = {},
) {
  return templateOf({ provider: PROVIDERS, resource, ...extra }, "demo");
}

const bucket = (overrides: Record<string, unknown> = {}) => ({
  bucket: "demo-identity",
  force_destroy: false,
  provider: "aws.sovereign",
  tags: { DataClass: "identity" },
  ...overrides,
});

function rolePolicy(statements: unknown[]) {
  return {
    aws_iam_role_policy: {
      reader: { role: "reader", policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) },
    },
  };
}

const READ = {
  Sid: "Read",
  Effect: "Allow",
  Action: ["s3:GetObject", "s3:ListBucket"],
  Resource: "arn:aws-eusc:s3:::demo-identity/*",
};

describe("change review: identical and changed attributes", () => {
  it("reports nothing and exit code 0 for identical configurations", () => {
    // Prepare
    const base = config({ aws_s3_bucket: { b: bucket() }, ...rolePolicy([READ]) });
    const head = config({ aws_s3_bucket: { b: bucket() }, ...rolePolicy([READ]) });
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.summary).toEqual({ stacks: 1, added: 0, removed: 0, changed: 0, moved: 0, dangerous: 0 });
    expect(report.stacks[0]?.status).toBe("unchanged");
    expect(diffExitCode(report)).toBe(0);
  });

  it("ignores cdktf's construct metadata", () => {
    // Prepare
    const base = config({ aws_s3_bucket: { b: { ...bucket(), "//": { metadata: { path: "demo/old/bucket" } } } } });
    const head = config({ aws_s3_bucket: { b: { ...bucket(), "//": { metadata: { path: "demo/new/bucket" } } } } });
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.summary.changed).toBe(0);
  });

  it("reports a bucket attribute that does not force a new resource as changed, not dangerous", () => {
    // Prepare
    const base = config({ aws_s3_bucket: { b: bucket() } });
    const head = config({
      aws_s3_bucket: { b: bucket({ force_destroy: true, tags: { DataClass: "identity", Owner: "team-a" } }) },
    });
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.stacks[0]?.resources).toEqual([
      {
        address: "aws_s3_bucket.b",
        type: "aws_s3_bucket",
        change: "changed",
        attributes: [
          { path: "force_destroy", before: false, after: true },
          { path: "tags.Owner", after: "team-a" },
        ],
        policies: [],
        dangers: [],
      },
    ]);
    expect(diffExitCode(report)).toBe(0);
  });

  it("marks a bucket whose name changes as replaced, which is dangerous", () => {
    // Prepare
    const base = config({ aws_s3_bucket: { b: bucket() } });
    const head = config({ aws_s3_bucket: { b: bucket({ bucket: "demo-identity-v2" }) } });
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.dangerous).toEqual([
      expect.objectContaining({
        address: "aws_s3_bucket.b",
        kind: "replace",
        reason: expect.stringMatching(
          /^replaces aws_s3_bucket\.b \(bucket forces a new resource\): the bucket's objects are lost/,
        ),
      }),
    ]);
    expect(diffExitCode(report)).toBe(3);
  });

  it.each([
    [
      "aws_kms_key",
      { description: "k", key_usage: "ENCRYPT_DECRYPT" },
      { key_usage: "SIGN_VERIFY" },
      /key_usage forces a new resource/,
    ],
    ["aws_cloudtrail", { name: "audit", s3_bucket_name: "b" }, { name: "audit-2" }, /name forces a new resource/],
    [
      "aws_cloudwatch_log_group",
      { name: "/aws/lambda/x", retention_in_days: 30 },
      { name: "/aws/lambda/y" },
      /name forces a new resource/,
    ],
    [
      "aws_organizations_account",
      { name: "acme", email: "a@example.org" },
      { email: "b@example.org" },
      /email forces a new resource/,
    ],
  ])("marks a force-new change of %s as a dangerous replacement", (type, body, change, reason) => {
    // Prepare
    const base = config({ [type]: { r: { ...body, provider: "aws.sovereign" } } });
    const head = config({ [type]: { r: { ...body, ...change, provider: "aws.sovereign" } } });
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.dangerous.map((d) => [d.kind, d.address])).toEqual([["replace", `${type}.r`]]);
    expect(report.dangerous[0]?.reason).toMatch(reason);
  });

  it("does not call an update of a non-force-new log group argument a replacement", () => {
    // Prepare
    const base = config({
      aws_cloudwatch_log_group: { r: { name: "/aws/lambda/x", retention_in_days: 30, provider: "aws.sovereign" } },
    });
    const head = config({
      aws_cloudwatch_log_group: { r: { name: "/aws/lambda/x", retention_in_days: 90, provider: "aws.sovereign" } },
    });
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.summary).toMatchObject({ changed: 1, dangerous: 0 });
  });
});

describe("change review: destroys and address changes", () => {
  it("marks a destroyed key as dangerous and a destroyed alias as not", () => {
    // Prepare
    const base = config({
      aws_kms_key: { k: { description: "tenant", provider: "aws.sovereign" } },
      aws_kms_alias: { a: { name: "alias/t", target_key_id: "${aws_kms_key.k.id}" } },
    });
    const head = config({});
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.stacks[0]?.resources.map((r) => [r.change, r.address, r.dangers.map((d) => d.kind)])).toEqual([
      ["removed", "aws_kms_alias.a", []],
      ["removed", "aws_kms_key.k", ["destroy"]],
    ]);
  });

  it("says that a bucket under a new address is destroyed and created unless a moved block exists", () => {
    // Prepare
    const base = config({ aws_s3_bucket: { old: bucket() } });
    const head = config({ aws_s3_bucket: { renamed: bucket() } });
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(
      report.stacks[0]?.resources.map((r) => [r.change, r.address, r.addressChangedFrom ?? r.addressChangedTo]),
    ).toEqual([
      ["removed", "aws_s3_bucket.old", "aws_s3_bucket.renamed"],
      ["added", "aws_s3_bucket.renamed", "aws_s3_bucket.old"],
    ]);
    expect(report.dangerous.map((d) => d.reason)).toEqual([
      expect.stringMatching(
        /^destroys aws_s3_bucket\.old: .* Its address changes to aws_s3_bucket\.renamed: Terraform destroys it and creates a new one unless a `moved` block carries it over\.$/,
      ),
    ]);
  });

  it("reports a bucket carried over by a moved block as moved, not destroyed", () => {
    // Prepare
    const base = config({ aws_s3_bucket: { old: bucket() } });
    const head = config(
      { aws_s3_bucket: { renamed: bucket() } },
      { moved: [{ from: "aws_s3_bucket.old", to: "aws_s3_bucket.renamed" }] },
    );
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.stacks[0]?.resources).toEqual([
      {
        address: "aws_s3_bucket.renamed",
        type: "aws_s3_bucket",
        change: "moved",
        movedFrom: "aws_s3_bucket.old",
        attributes: [],
        policies: [],
        dangers: [],
      },
    ]);
    expect(diffExitCode(report)).toBe(0);
  });
});

describe("change review: policies", () => {
  it("marks an action added to an Allow as widening, naming the action", () => {
    // Prepare
    const base = config(rolePolicy([READ]));
    const head = config(rolePolicy([{ ...READ, Action: [...READ.Action, "s3:PutObject"] }]));
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.dangerous.map((d) => [d.kind, d.address, d.reason])).toEqual([
      [
        "policy-widening",
        "aws_iam_role_policy.reader",
        'identity policy policy: Allow "Read" widens: adds action s3:PutObject.',
      ],
    ]);
    expect(diffExitCode(report)).toBe(3);
  });

  it("does not mark an action removed from an Allow as widening, and lists the statements", () => {
    // Prepare
    const base = config(rolePolicy([READ]));
    const head = config(rolePolicy([{ ...READ, Action: "s3:GetObject" }]));
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    const [change] = report.stacks[0]?.resources ?? [];
    expect(change?.change).toBe("changed");
    expect(change?.attributes).toEqual([]);
    expect(change?.policies).toEqual([
      {
        attribute: "policy",
        kind: "identity",
        added: [
          { Action: ["s3:GetObject"], Effect: "Allow", Resource: ["arn:aws-eusc:s3:::demo-identity/*"], Sid: "Read" },
        ],
        removed: [
          {
            Action: ["s3:GetObject", "s3:ListBucket"],
            Effect: "Allow",
            Resource: ["arn:aws-eusc:s3:::demo-identity/*"],
            Sid: "Read",
          },
        ],
        widening: [],
      },
    ]);
    expect(diffExitCode(report)).toBe(0);
  });

  it("does not count reordered actions or statements as a change", () => {
    // Prepare
    const other = { Effect: "Allow", Action: "kms:Decrypt", Resource: "*" };
    const base = config(rolePolicy([READ, other]));
    const head = config(
      rolePolicy([other, { ...READ, Action: ["s3:ListBucket", "s3:GetObject"], Resource: [READ.Resource] }]),
    );
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.summary.changed).toBe(0);
  });

  it.each([
    [
      "a new Allow statement",
      [READ],
      [READ, { Effect: "Allow", Action: "s3:DeleteObject", Resource: "*" }],
      /^new Allow statement 2: s3:DeleteObject on \*$/,
    ],
    [
      "a new resource in an Allow",
      [READ],
      [{ ...READ, Resource: [READ.Resource, "arn:aws-eusc:s3:::other/*"] }],
      /adds resource arn:aws-eusc:s3:::other\/\*/,
    ],
    [
      "a removed condition",
      [{ ...READ, Condition: { Bool: { "aws:SecureTransport": "true" } } }],
      [READ],
      /condition Bool aws:SecureTransport removed/,
    ],
    [
      "a condition that accepts more values",
      [{ ...READ, Condition: { StringEquals: { "aws:PrincipalAccount": "111111111111" } } }],
      [{ ...READ, Condition: { StringEquals: { "aws:PrincipalAccount": ["111111111111", "999999999999"] } } }],
      /also accepts 999999999999/,
    ],
    [
      "a removed Deny",
      [
        READ,
        {
          Sid: "TlsOnly",
          Effect: "Deny",
          Action: "s3:*",
          Resource: "*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
      [READ],
      /^removed Deny statement "TlsOnly"/,
    ],
    [
      "a condition added to a Deny",
      [{ Sid: "NoDelete", Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" }],
      [
        {
          Sid: "NoDelete",
          Effect: "Deny",
          Action: "s3:DeleteObject",
          Resource: "*",
          Condition: { StringNotEquals: { "aws:PrincipalAccount": "111111111111" } },
        },
      ],
      /Deny "NoDelete" narrows: condition StringNotEquals aws:PrincipalAccount added/,
    ],
  ])("marks %s as widening", (_, before, after, reason) => {
    // Act
    const diff = diffStatements(before, after);
    // Assess
    expect(diff.widening).toEqual([expect.stringMatching(reason)]);
  });

  it.each([
    [
      "an action removed from a statement without Sid",
      [{ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "*" }],
      [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
    ],
    ["a condition added to an Allow", [READ], [{ ...READ, Condition: { Bool: { "aws:SecureTransport": "true" } } }]],
    ["a new Deny", [READ], [READ, { Effect: "Deny", Action: "s3:*", Resource: "*" }]],
    [
      "an action narrowed from a wildcard",
      [{ Effect: "Allow", Action: "s3:Get*", Resource: "*" }],
      [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
    ],
    [
      "a Deny widened to a wildcard",
      [{ Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" }],
      [{ Effect: "Deny", Action: "s3:Delete*", Resource: "*" }],
    ],
  ])("does not mark %s as widening", (_, before, after) => {
    // Act
    const diff = diffStatements(before, after);
    // Assess
    expect(diff.widening).toEqual([]);
    expect(diff.added.length + diff.removed.length).toBeGreaterThan(0);
  });

  it("counts a removed bucket policy's Deny as widening, but not a destroyed role's trust policy", () => {
    // Prepare
    const deny = JSON.stringify({
      Statement: [
        {
          Sid: "TlsOnly",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: "*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
    const trust = JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "sts:AssumeRole" }] });
    const base = config({
      aws_s3_bucket_policy: { p: { bucket: "demo-identity", policy: deny } },
      aws_iam_role: { r: { name: "r", assume_role_policy: trust } },
    });
    const head = config({});
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.dangerous.map((d) => [d.kind, d.address])).toEqual([["policy-widening", "aws_s3_bucket_policy.p"]]);
  });

  it("marks a changed policy that cannot be read before plan as dangerous", () => {
    // Prepare
    const base = config({ aws_iam_role_policy: { p: { role: "r", policy: '${file("a.json")}' } } });
    const head = config({ aws_iam_role_policy: { p: { role: "r", policy: '${file("b.json")}' } } });
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.dangerous.map((d) => d.kind)).toEqual(["unreadable-policy"]);
  });
});

describe("change review: partitions", () => {
  it("marks a bucket moved to the commercial partition as a partition move and a replacement", () => {
    // Prepare
    const base = config({ aws_s3_bucket: { b: bucket() } });
    const head = config({ aws_s3_bucket: { b: bucket({ provider: "aws.commercial" }) } });
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.dangerous.map((d) => [d.kind, d.reason])).toEqual([
      ["replace", expect.stringMatching(/its provider moves it from eusc-de-east-1 to eu-central-1/)],
      ["partition-move", "moves data-holding aws_s3_bucket aws_s3_bucket.b from partition aws-eusc to aws."],
      [
        "partition-move",
        expect.stringMatching(
          /^holds data class "identity" in the commercial partition \(aws\), where the base held none of it/,
        ),
      ],
    ]);
  });

  it("marks a new commercial bucket of a data class the commercial partition did not hold, and not one it held", () => {
    // Prepare
    const clean = { bucket: "demo-clean-failover", provider: "aws.commercial", tags: { DataClass: "avatars-clean" } };
    const base = config({ aws_s3_bucket: { clean } });
    const head = config({
      aws_s3_bucket: {
        clean,
        clean2: { ...clean, bucket: "demo-clean-2" },
        identity: { bucket: "demo-identity-failover", provider: "aws.commercial", tags: { DataClass: "identity" } },
      },
    });
    // Act
    const report = compareTemplates([base], [head]);
    // Assess
    expect(report.dangerous.map((d) => [d.kind, d.address])).toEqual([["partition-move", "aws_s3_bucket.identity"]]);
  });
});
