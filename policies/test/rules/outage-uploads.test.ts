import { describe, expect, it } from "vitest";
import { templateOf } from "../../core/template";
import { DataClassPartition } from "../../rules/residency/DataClassPartition";
import { PartitionConsistentReferences } from "../../rules/residency/PartitionConsistentReferences";
import { evaluate, exampleConfig } from "../harness";

const PROVIDERS = {
  aws: [
    { alias: "sovereign", region: "eusc-de-east-1" },
    { alias: "commercial", region: "eu-central-1" },
  ],
};
const MARKED = { DataClass: "avatars-original", "sip:exception": "outage-uploads" };

/** A commercial bucket of the upload class, as the standby builds the inbox, with changes. */
function inbox(o: {
  name?: string;
  tags?: Record<string, string>;
  keyTags?: Record<string, string>;
  days?: number;
  versioning?: string;
}) {
  const bucket = "${aws_s3_bucket.inbox.id}";
  return {
    aws_s3_bucket: {
      inbox: {
        provider: "aws.commercial",
        bucket: o.name ?? "example-outage-uploads-222222222222",
        tags: o.tags ?? MARKED,
      },
    },
    aws_kms_key: { inbox: { provider: "aws.commercial", tags: o.keyTags ?? MARKED } },
    aws_s3_bucket_versioning: {
      inbox: { provider: "aws.commercial", bucket, versioning_configuration: { status: o.versioning ?? "Enabled" } },
    },
    aws_s3_bucket_server_side_encryption_configuration: {
      inbox: {
        provider: "aws.commercial",
        bucket,
        rule: [
          {
            apply_server_side_encryption_by_default: {
              sse_algorithm: "aws:kms",
              kms_master_key_id: "${aws_kms_key.inbox.arn}",
            },
          },
        ],
      },
    },
    aws_s3_bucket_lifecycle_configuration: {
      inbox: {
        provider: "aws.commercial",
        bucket,
        rule: [
          {
            id: "expire",
            status: "Enabled",
            filter: {},
            expiration: { days: o.days ?? 14 },
            noncurrent_version_expiration: { noncurrent_days: o.days ?? 14 },
          },
        ],
      },
    },
  };
}

async function residency(resource: Record<string, unknown>, config = exampleConfig()) {
  const result = await evaluate(DataClassPartition, templateOf({ provider: PROVIDERS, resource }), config);
  const list = result.kind === "NonCompliant" ? result.violations : [];
  return list.map((v) => [v.address, v.acceptedBecause === undefined ? "open" : "accepted"]);
}

describe("SIP-RES-3 named exception outage-uploads", () => {
  it("accepts the marked inbox of the upload class and its key, as the standby builds them", async () => {
    expect(await residency(inbox({}))).toEqual([
      ["aws_kms_key.inbox", "accepted"],
      ["aws_s3_bucket.inbox", "accepted"],
    ]);
  });

  it("keeps an unmarked commercial bucket of a class that does not cross an error", async () => {
    expect(
      await residency(inbox({ tags: { DataClass: "avatars-original" }, keyTags: { DataClass: "avatars-original" } })),
    ).toEqual([
      ["aws_kms_key.inbox", "open"],
      ["aws_s3_bucket.inbox", "open"],
    ]);
  });

  it.each([
    ["another name", { name: "example-originals-222222222222" }],
    ["not versioned", { versioning: "Suspended" }],
    ["kept longer than outageUploads.retentionDays", { days: 30 }],
    ["a key without the marking", { keyTags: { DataClass: "avatars-original" } }],
    ["another sovereign-only class", { tags: { DataClass: "identity", "sip:exception": "outage-uploads" } }],
  ])("keeps a marked bucket that is not the inbox an error: %s", async (_, change) => {
    const found = await residency(inbox(change));
    expect(found).toContainEqual(["aws_s3_bucket.inbox", "open"]);
  });

  it("accepts nothing without outageUploads in the configuration", async () => {
    const config = exampleConfig();
    const standby = config.crossPartition?.standby as { outageUploads?: unknown } | undefined;
    if (standby !== undefined) delete standby.outageUploads;
    expect(await residency(inbox({}), config)).toEqual([
      ["aws_kms_key.inbox", "open"],
      ["aws_s3_bucket.inbox", "open"],
    ]);
  });
});

describe("SIP-RES-4 named exception sealing-public-key", () => {
  it("accepts only the other partition's public_key_pem in SUBJECT_SEALING_PUBLIC_KEY", async () => {
    // Prepare
    const template = templateOf({
      provider: PROVIDERS,
      data: { aws_kms_public_key: { sealing: { provider: "aws.sovereign", key_id: "${aws_kms_key.sealing.arn}" } } },
      resource: {
        aws_kms_key: { sealing: { provider: "aws.sovereign" } },
        aws_lambda_function: {
          standby: {
            provider: "aws.commercial",
            environment: {
              variables: { SUBJECT_SEALING_PUBLIC_KEY: "${data.aws_kms_public_key.sealing.public_key_pem}" },
            },
          },
          leak: {
            provider: "aws.commercial",
            environment: {
              variables: {
                SUBJECT_SEALING_PUBLIC_KEY: "${data.aws_kms_public_key.sealing.public_key_pem}",
                SEALING_KEY_ID: "${aws_kms_key.sealing.arn}",
              },
            },
          },
          elsewhere: {
            provider: "aws.commercial",
            environment: { variables: { PUBLIC_KEY: "${data.aws_kms_public_key.sealing.public_key_pem}" } },
          },
          other: {
            provider: "aws.commercial",
            environment: { variables: { SUBJECT_SEALING_PUBLIC_KEY: "${data.aws_kms_public_key.sealing.key_id}" } },
          },
        },
      },
    });
    // Act
    const result = await evaluate(PartitionConsistentReferences, template, exampleConfig());
    // Assess
    const list = result.kind === "NonCompliant" ? result.violations : [];
    expect(list.map((v) => [v.address, v.acceptedBecause === undefined ? "open" : "accepted"])).toEqual([
      ["aws_lambda_function.elsewhere", "open"],
      ["aws_lambda_function.leak", "open"],
      ["aws_lambda_function.leak", "accepted"],
      ["aws_lambda_function.other", "open"],
      ["aws_lambda_function.standby", "accepted"],
    ]);
  });
});
