/**
 * The proof of the catalogue: every pattern parses, fits CloudWatch's limits, counts each record it
 * claims and none of its harmless neighbours, and the set of records it counts is exactly the set it
 * claims. Records: test/support/security-alarms/records.ts.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CloudTrailRecord, RECORDS, type RecordName } from "../../test/support/security-alarms/records";
import { PROJECT_ROOT } from "../../test/template";
import { matchesLogEvent, parseFilterPattern, selectorsOf } from "./filter-pattern";
import {
  MASS_DELETION_DEFAULT_PER_MINUTE,
  SECURITY_METRIC_NAMESPACE,
  SECURITY_PATTERNS,
  type SecurityPatternId,
  securityPatterns,
} from "./patterns";

/** What each pattern must count and what it must not (its harmless neighbours). */
const PROOF: Readonly<Record<SecurityPatternId, { readonly counts: RecordName[]; readonly ignores: RecordName[] }>> = {
  "kms-key-disabled-or-deleted": {
    counts: ["kmsDisableKey", "kmsDisableKeyCommercial", "kmsDisableKeyDenied", "kmsScheduleKeyDeletion"],
    ignores: ["kmsEnableKey", "kmsCancelKeyDeletion", "kmsDisableKeyRotation", "kmsDescribeKey"],
  },
  "kms-imported-key-material-deleted": {
    counts: ["kmsDeleteImportedKeyMaterial"],
    ignores: ["kmsImportKeyMaterial", "kmsDisableKey"],
  },
  "kms-key-policy-changed": {
    counts: ["kmsPutKeyPolicy"],
    ignores: ["kmsGetKeyPolicy", "kmsCreateGrant"],
  },
  "s3-bucket-access-changed": {
    counts: [
      "s3PutBucketPolicy",
      "s3DeleteBucketPolicy",
      "s3PutBucketAcl",
      "s3PutBucketPublicAccessBlock",
      "s3DeleteBucketPublicAccessBlock",
      "s3PutAccountPublicAccessBlock",
      "s3DeleteAccountPublicAccessBlock",
      "s3PutBucketOwnershipControls",
      "s3DeleteBucketOwnershipControls",
    ],
    ignores: ["s3GetBucketPolicy", "s3GetBucketPublicAccessBlock", "s3GetBucketAcl", "s3PutObject"],
  },
  "s3-bucket-protection-changed": {
    counts: [
      "s3PutBucketLifecycle",
      "s3DeleteBucketLifecycle",
      "s3PutBucketReplication",
      "s3DeleteBucketReplication",
      "s3PutBucketCors",
      "s3DeleteBucketCors",
      "s3PutBucketEncryption",
      "s3DeleteBucketEncryption",
      "s3PutBucketVersioning",
    ],
    ignores: ["s3GetBucketLifecycle", "s3GetBucketEncryption", "s3PutBucketPolicy"],
  },
  "s3-mass-deletion": {
    counts: ["s3DeleteObject", "s3DeleteObjectVersion", "s3DeleteObjects", "s3DeleteObjectCommercial"],
    ignores: ["s3PutObject", "s3GetObject", "s3DeleteObjectDenied", "s3DeleteBucketPolicy"],
  },
  "root-account-used": {
    counts: ["rootConsoleLogin", "rootCreateAccessKey", "rootDeniedCall"],
    ignores: ["rootInvokedByService", "rootServiceEvent", "iamUserConsoleLogin", "stsAssumeRole", "kmsDisableKey"],
  },
  "iam-policy-changed": {
    counts: [
      "iamDeleteGroupPolicy",
      "iamDeleteRolePolicy",
      "iamDeleteUserPolicy",
      "iamPutGroupPolicy",
      "iamPutRolePolicy",
      "iamPutUserPolicy",
      "iamCreatePolicy",
      "iamDeletePolicy",
      "iamCreatePolicyVersion",
      "iamDeletePolicyVersion",
      "iamAttachRolePolicy",
      "iamDetachRolePolicy",
      "iamAttachUserPolicy",
      "iamDetachUserPolicy",
      "iamAttachGroupPolicy",
      "iamDetachGroupPolicy",
      // Documented by AWS for the CIS pattern, which names no eventSource; the platform has no Auto Scaling.
      "autoscalingDeletePolicy",
    ],
    ignores: ["stsAssumeRole", "iamGetRolePolicy", "iamCreateRole", "kmsPutKeyPolicy"],
  },
  "cloudtrail-changed": {
    counts: [
      "cloudtrailCreateTrail",
      "cloudtrailUpdateTrail",
      "cloudtrailDeleteTrail",
      "cloudtrailStartLogging",
      "cloudtrailStopLogging",
    ],
    ignores: ["cloudtrailGetTrailStatus", "cloudtrailDescribeTrails", "cloudtrailPutEventSelectors"],
  },
  "cloudtrail-event-selectors-changed": {
    counts: ["cloudtrailPutEventSelectors"],
    ignores: ["cloudtrailGetEventSelectors", "cloudtrailUpdateTrail"],
  },
};

/** The CIS patterns as Security Hub prints them (cloudwatch-controls.html), which it accepts only verbatim. */
const CIS_VERBATIM: Partial<Record<SecurityPatternId, string>> = {
  "root-account-used":
    '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}',
  "iam-policy-changed":
    "{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}",
  "cloudtrail-changed":
    "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}",
  "kms-key-disabled-or-deleted":
    "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}",
};

/** As CloudWatch Logs receives a record: one JSON log event message. */
const message = (record: CloudTrailRecord) => JSON.stringify(record);
const names = Object.keys(RECORDS) as RecordName[];

describe.each(SECURITY_PATTERNS.map((p) => [p.id, p] as const))("%s", (id, pattern) => {
  const proof = PROOF[id];
  const counted = (name: RecordName) => matchesLogEvent(pattern.pattern, message(RECORDS[name]));

  it("is a JSON filter pattern of at most 1024 characters (PutMetricFilter filterPattern limit)", () => {
    expect(() => parseFilterPattern(pattern.pattern)).not.toThrow();
    expect(pattern.pattern.length).toBeLessThanOrEqual(1024);
  });

  it("counts every record it claims", () => {
    expect(proof.counts.filter((name) => !counted(name))).toEqual([]);
  });

  it("counts none of its harmless neighbours", () => {
    expect(proof.ignores.length).toBeGreaterThan(0);
    expect(proof.ignores.filter(counted)).toEqual([]);
  });

  it("counts exactly the records it claims, of all the records", () => {
    expect(names.filter(counted).sort()).toEqual([...proof.counts].sort());
  });

  it("has a counted record for every event name it claims", () => {
    const countedEvents = new Set(proof.counts.map((name) => RECORDS[name].eventName));
    expect(pattern.eventNames.filter((event) => !countedEvents.has(event))).toEqual([]);
  });

  it("has a metric name CloudWatch accepts, and dimensions the pattern selects", () => {
    expect(pattern.metricName).toMatch(/^[^:*$]{1,255}$/);
    const dimensions = Object.entries(pattern.dimensions ?? {});
    expect(dimensions.length).toBeLessThanOrEqual(3);
    const selectors = selectorsOf(parseFilterPattern(pattern.pattern));
    expect(dimensions.filter(([, field]) => !selectors.includes(field))).toEqual([]);
  });
});

describe("the catalogue", () => {
  it("has unique ids and metric names, in a namespace CloudWatch accepts", () => {
    expect(new Set(SECURITY_PATTERNS.map((p) => p.id)).size).toBe(SECURITY_PATTERNS.length);
    expect(new Set(SECURITY_PATTERNS.map((p) => p.metricName)).size).toBe(SECURITY_PATTERNS.length);
    expect(SECURITY_METRIC_NAMESPACE).toMatch(/^[^:*$]{1,255}$/);
  });

  it("keeps the CIS patterns verbatim, as Security Hub requires", () => {
    for (const [id, text] of Object.entries(CIS_VERBATIM)) {
      expect(SECURITY_PATTERNS.find((p) => p.id === id)?.pattern, id).toBe(text);
    }
  });

  it("alarms at one matching record in five minutes, except mass deletion: a configurable count per minute", () => {
    const [massDeletion, ...others] = [...SECURITY_PATTERNS].sort((a) => (a.id === "s3-mass-deletion" ? -1 : 1));
    expect(others.map((p) => [p.threshold.periodSeconds, p.threshold.threshold, p.threshold.configurable])).toEqual(
      others.map(() => [300, 1, false]),
    );
    expect(massDeletion?.threshold).toMatchObject({
      periodSeconds: 60,
      threshold: MASS_DELETION_DEFAULT_PER_MINUTE,
      configurable: true,
    });
    expect(
      securityPatterns({ massDeletionPerMinute: 25 }).find((p) => p.id === "s3-mass-deletion")?.threshold,
    ).toMatchObject({ periodSeconds: 60, threshold: 25 });
  });

  it("fails when the mass-deletion threshold is not a positive integer", () => {
    expect(() => securityPatterns({ massDeletionPerMinute: 0 })).toThrow(
      /securityPatterns: massDeletionPerMinute must be a positive integer \(value: 0\)/,
    );
    expect(() => securityPatterns({ massDeletionPerMinute: 2.5 })).toThrow(/value: 2\.5/);
  });

  it("counts failed calls everywhere except in mass deletion, where only a success deletes", () => {
    expect(SECURITY_PATTERNS.filter((p) => p.failedCalls === "not counted").map((p) => p.id)).toEqual([
      "s3-mass-deletion",
    ]);
  });

  it("uses every record in some proof", () => {
    const used = new Set(Object.values(PROOF).flatMap((p) => [...p.counts, ...p.ignores]));
    expect(names.filter((name) => !used.has(name))).toEqual([]);
  });

  it("is the table of the README: id, pattern and runbook of every entry, verbatim", () => {
    const readme = readFileSync(join(PROJECT_ROOT, "modules/security-alarms/README.md"), "utf8");
    const cell = (text: string) => text.replaceAll("|", "\\|");
    const rows = SECURITY_PATTERNS.map((p) => `| \`${p.id}\` | ${cell(p.title)} | \`${cell(p.pattern)}\` |`);
    expect(rows.filter((row) => !readme.includes(row))).toEqual([]);
    expect(SECURITY_PATTERNS.filter((p) => !readme.includes(`${cell(p.runbook)} |`)).map((p) => p.id)).toEqual([]);
  });

  it("writes no literal partition in the module's shipped sources", () => {
    const files = execFileSync(
      "git",
      ["ls-files", "--cached", "--others", "--exclude-standard", "modules/security-alarms"],
      {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
      },
    )
      .split("\n")
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => readFileSync(join(PROJECT_ROOT, f), "utf8").includes("arn:aws"))).toEqual([]);
  });
});

describe("the records", () => {
  const REQUIRED = [
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "requestID",
    "eventID",
    "readOnly",
    "eventType",
    "managementEvent",
    "recipientAccountId",
    "eventCategory",
  ];

  it("carry the fields of a CloudTrail record, failures with errorCode and errorMessage", () => {
    const incomplete = names.filter((name) => REQUIRED.some((field) => !(field in RECORDS[name])));
    expect(incomplete).toEqual([]);
    const halfErrors = names.filter((name) => "errorCode" in RECORDS[name] !== "errorMessage" in RECORDS[name]);
    expect(halfErrors).toEqual([]);
  });

  it("are data events with resources and additionalEventData exactly for object operations", () => {
    const data = names.filter((name) => RECORDS[name].eventCategory === "Data");
    expect(data.filter((name) => RECORDS[name].managementEvent !== false || !("resources" in RECORDS[name]))).toEqual(
      [],
    );
    expect(data.filter((name) => !("additionalEventData" in RECORDS[name]))).toEqual([]);
  });

  it("come from both partitions, with ARNs and regions of their own partition", () => {
    const partitions = names.map((name) => {
      const identityArn = (RECORDS[name].userIdentity as { arn: string }).arn;
      return [identityArn.split(":")[1], RECORDS[name].awsRegion];
    });
    expect(new Set(partitions.map(([p, r]) => `${p} ${r}`))).toEqual(
      new Set(["aws-eusc eusc-de-east-1", "aws eu-central-1"]),
    );
  });

  it("have unique event IDs", () => {
    expect(new Set(names.map((name) => RECORDS[name].eventID)).size).toBe(names.length);
  });
});
