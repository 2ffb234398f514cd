/**
 * The named exceptions of SIP-SM-2 over the synthesized example: the sync pipeline's signing-material
 * secret (roles-anywhere-signing-material) and the tenants' webhook secrets (webhook-shared-secret)
 * are accepted (no configuration suppresses them), and each way of weakening one turns it back into
 * an open finding that says why.
 */
import { describe, expect, it } from "vitest";
import { synthDeployment, type TfJson, validConfig } from "../../../test/template";
import type { Violation } from "../../core/types";
import { SecretRotation } from "../../rules/secretsmanager/SecretRotation";
import { evaluate } from "../harness";

const SECRET = "aws_secretsmanager_secret.sync-pipeline-avatars-clean_signing-material";
const WEBHOOK_SECRET = "aws_secretsmanager_secret.webhooks_secret-acme-health";
type Resources = Record<string, Record<string, Record<string, unknown>>>;
const example = synthDeployment(validConfig()).json;

async function findings(json: TfJson, address = SECRET): Promise<{ open: Violation[]; accepted: Violation[] }> {
  const result = await evaluate(SecretRotation, json);
  const list = (result.kind === "NonCompliant" ? result.violations : []).filter((v) => v.address === address);
  return {
    open: list.filter((v) => v.acceptedBecause === undefined),
    accepted: list.filter((v) => v.acceptedBecause !== undefined),
  };
}

function weakened(change: (r: Resources) => void): TfJson {
  const json = structuredClone(example) as TfJson & { resource: Resources };
  change(json.resource);
  return json;
}

const secret = (r: Resources) =>
  r.aws_secretsmanager_secret?.["sync-pipeline-avatars-clean_signing-material"] as Record<string, unknown>;

describe("SIP-SM-2 and the platform's own signing material", () => {
  it("accepts the sync pipeline's signing material as the named exception, read only by the sync and failback roles", async () => {
    // Act
    const { open, accepted } = await findings(example);
    // Assess
    expect(open).toEqual([]);
    expect(accepted.map((v) => v.address)).toEqual([SECRET]);
    expect(accepted[0]?.acceptedBecause).toMatch(
      /read only by aws_iam_role\.sync-pipeline-avatars-clean_failback_role, aws_iam_role\.sync-pipeline-avatars-clean_sync_role/,
    );
  });

  const weakenings: ReadonlyArray<readonly [string, (r: Resources) => void, RegExp]> = [
    [
      "the justification is gone",
      (r) => delete (secret(r).tags as Record<string, string>)["sip:justification"],
      /no sip:justification tag/,
    ],
    [
      "Terraform holds its value",
      (r) => (r.aws_secretsmanager_secret_version = { v: { secret_id: `\${${SECRET}.id}`, secret_string: "x" } }),
      /Terraform holds its value \(aws_secretsmanager_secret_version\.v\)/,
    ],
    [
      "a resource policy opens it",
      (r) => (r.aws_secretsmanager_secret_policy = { p: { secret_arn: `\${${SECRET}.arn}`, policy: "{}" } }),
      /a resource policy opens it/,
    ],
    [
      "it is encrypted with the AWS managed key",
      (r) => (secret(r).kms_key_id = "alias/aws/secretsmanager"),
      /not a customer-managed key/,
    ],
    [
      "the scrub function may read every secret",
      (r) => {
        const policy = r.aws_iam_role_policy?.["upload-pipeline_scrub_role-policy"] as { policy: string };
        const doc = JSON.parse(policy.policy) as { Statement: unknown[] };
        doc.Statement.push({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" });
        policy.policy = JSON.stringify(doc);
      },
      /can be read by aws_iam_role\.upload-pipeline_scrub_role, which is not the role of a verified cross-partition function/,
    ],
  ];

  it.each(weakenings)("reports it open when %s", async (_, change, why) => {
    // Act
    const { open, accepted } = await findings(weakened(change));
    // Assess
    expect(accepted).toEqual([]);
    expect(open.map((v) => v.address)).toEqual([SECRET]);
    expect(open[0]?.detail).toMatch(why);
  });
});

const webhookSecret = (r: Resources) =>
  r.aws_secretsmanager_secret?.["webhooks_secret-acme-health"] as Record<string, unknown>;
const sender = (r: Resources) => r.aws_lambda_function?.webhooks_sender_function as Record<string, unknown>;

describe("SIP-SM-2 and the tenants' webhook secrets", () => {
  it("accepts a tenant's webhook secret as the named exception, read only by the webhook sender", async () => {
    // Act
    const { open, accepted } = await findings(example, WEBHOOK_SECRET);
    // Assess
    expect(open).toEqual([]);
    expect(accepted.map((v) => v.address)).toEqual([WEBHOOK_SECRET]);
    expect(accepted[0]?.acceptedBecause).toMatch(
      /^named exception webhook-shared-secret .*read only by aws_iam_role\.webhooks_sender_role\)/,
    );
  });

  const weakenings: ReadonlyArray<readonly [string, (r: Resources) => void, RegExp]> = [
    [
      "the justification is gone",
      (r) => delete (webhookSecret(r).tags as Record<string, string>)["sip:justification"],
      /no sip:justification tag/,
    ],
    [
      "Terraform holds its value",
      (r) =>
        (r.aws_secretsmanager_secret_version = {
          v: { secret_id: `\${${WEBHOOK_SECRET}.id}`, secret_string: "whsec_x" },
        }),
      /Terraform holds its value/,
    ],
    [
      "the download function may read every secret",
      (r) => {
        const policy = r.aws_iam_role_policy?.["document-pipeline_download_role-policy"] as { policy: string };
        const doc = JSON.parse(policy.policy) as { Statement: unknown[] };
        doc.Statement.push({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" });
        policy.policy = JSON.stringify(doc);
      },
      /can be read by aws_iam_role\.document-pipeline_download_role, which is not the role of a verified egress-workload function/,
    ],
    [
      "the sender's secret prefix names other secrets",
      (r) => {
        const environment = sender(r).environment as { variables: Record<string, string> };
        environment.variables.WEBHOOK_SECRET_PREFIX = "example/other/";
      },
      /can be read by aws_iam_role\.webhooks_sender_role, which is not the role of a verified egress-workload function whose WEBHOOK_SECRET_PREFIX starts its name/,
    ],
    [
      "the sender no longer claims the egress-workload exception",
      (r) => delete (sender(r).tags as Record<string, string>)["sip:exception"],
      /can be read by aws_iam_role\.webhooks_sender_role, which is not the role of a verified egress-workload function/,
    ],
  ];

  it.each(weakenings)("reports it open when %s", async (_, change, why) => {
    // Act
    const { open, accepted } = await findings(weakened(change), WEBHOOK_SECRET);
    // Assess
    expect(accepted).toEqual([]);
    expect(open.map((v) => v.address)).toEqual([WEBHOOK_SECRET]);
    expect(open[0]?.detail).toMatch(why);
  });
});
