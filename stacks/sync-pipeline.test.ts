import { describe, expect, it } from "vitest";
import { exampleInput, resourcesOf, synthDeployment, type TfJson, validConfig } from "../test/template";

const example = synthDeployment(validConfig());
const FN = "sync-pipeline-avatars-clean_sync_function";
const values = (json: TfJson, type: string) => Object.values(resourcesOf(json, type));
const policyOf = (json: TfJson, name: string) =>
  JSON.parse(resourcesOf(json, "aws_iam_role_policy")[name]?.policy as string) as {
    Statement: Array<Record<string, unknown>>;
  };

describe("sync pipeline", () => {
  const fn = resourcesOf(example.json, "aws_lambda_function")[FN] ?? {};

  it("runs the sync function in the controlled egress path's workload subnet, and only there", () => {
    expect(fn.vpc_config).toEqual({
      subnet_ids: ["${aws_subnet.sovereign-network_controlled-egress_workload-subnet.id}"],
      security_group_ids: ["${aws_security_group.sync-pipeline-avatars-clean_sync_security-group.id}"],
    });
    const others = values(example.json, "aws_lambda_function").filter(
      // The webhook sender runs there too (stacks/webhook-delivery.test.ts), and the data-subject
      // request run, which reaches the replicas (stacks/subject-requests.test.ts).
      (f) =>
        ![
          "example-sync-avatars-clean",
          "example-failback-avatars-clean",
          "example-webhooks",
          "example-subject-request-run",
        ].includes(String(f.function_name)),
    );
    for (const other of others) expect(JSON.stringify(other.vpc_config)).not.toContain("controlled-egress");
    const group = resourcesOf(example.json, "aws_security_group")["sync-pipeline-avatars-clean_sync_security-group"];
    expect(group?.egress).toContainEqual(
      expect.objectContaining({ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"] }),
    );
    expect(group?.ingress).toEqual([]);
  });

  it("configures the function with the commercial trust, the failover bucket and the secret, never the key material", () => {
    expect((fn.environment as { variables: Record<string, string> }).variables).toEqual({
      SOURCE_BUCKET: "example-avatars-clean-111111111111",
      TARGET_REGION: "eu-central-1",
      TARGET_BUCKET: "example-avatars-clean-failover-222222222222",
      TARGET_KMS_KEY_ARN: "${aws_kms_key.commercial-key-avatars-clean_key.arn}",
      ROLES_ANYWHERE_TRUST_ANCHOR_ARN: "${aws_rolesanywhere_trust_anchor.commercial-roles-anywhere_trust-anchor.arn}",
      ROLES_ANYWHERE_PROFILE_ARN: "${aws_rolesanywhere_profile.commercial-roles-anywhere_profile.arn}",
      ROLES_ANYWHERE_ROLE_ARN: "${aws_iam_role.commercial-roles-anywhere_role-avatars-clean.arn}",
      ROLES_ANYWHERE_SESSION_SECONDS: "3600",
      SIGNING_MATERIAL_SECRET_ID: "${aws_secretsmanager_secret.sync-pipeline-avatars-clean_signing-material.arn}",
      SYNC_ALLOWED_DATA_CLASSES: "avatars-clean",
    });
    expect(fn.tags).toMatchObject({ "sip:exception": "cross-partition-sync" });
    const secret = resourcesOf(example.json, "aws_secretsmanager_secret")[
      "sync-pipeline-avatars-clean_signing-material"
    ];
    expect(secret).toMatchObject({
      name: "example/sync/avatars-clean/signing-material",
      kms_key_id: "${aws_kms_key.sovereign-key-functions_key.arn}",
      provider: "aws.sovereign",
    });
    // The value is stored by a separate step (docs/cross-partition.md): no version, no key in the JSON.
    expect(resourcesOf(example.json, "aws_secretsmanager_secret_version")).toEqual({});
    expect(example.text).not.toMatch(/PRIVATE KEY/);
  });

  it("replicates creations and deletions: the clean bucket notifies the sync function of both", () => {
    const notification = values(example.json, "aws_s3_bucket_notification").find(
      (n) => n.bucket === "${aws_s3_bucket.sovereign-bucket-avatars-clean_bucket.id}",
    );
    expect(notification?.lambda_function).toEqual([
      {
        lambda_function_arn: `\${aws_lambda_function.${FN}.arn}`,
        events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
      },
    ]);
    expect(
      resourcesOf(example.json, "aws_lambda_permission")["sync-pipeline-avatars-clean_invoke-from-source"],
    ).toMatchObject({
      principal: "s3.amazonaws.com",
      source_arn: "${aws_s3_bucket.sovereign-bucket-avatars-clean_bucket.arn}",
      source_account: "111111111111",
    });
  });

  it("lets the function read the source, confirm deletes and read its secret, and write only its standby index on the sovereign side", () => {
    const statements = policyOf(example.json, "sync-pipeline-avatars-clean_sync_role-policy").Statement;
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.ReadSource).toMatchObject({
      Action: ["s3:GetObject", "s3:GetObjectTagging", "s3:GetObjectVersion", "s3:GetObjectVersionTagging"],
      Resource: "${aws_s3_bucket.sovereign-bucket-avatars-clean_bucket.arn}/*",
    });
    expect(bySid.ConfirmSourceDeletes).toMatchObject({
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: "${aws_s3_bucket.sovereign-bucket-avatars-clean_bucket.arn}",
    });
    expect(bySid.ReadSigningMaterial).toMatchObject({
      Action: "secretsmanager:GetSecretValue",
      Resource: "${aws_secretsmanager_secret.sync-pipeline-avatars-clean_signing-material.arn}",
    });
    expect(bySid.RecordStandbyIndex).toEqual({
      Sid: "RecordStandbyIndex",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: "${aws_s3_bucket.sovereign-bucket-avatars-clean_bucket.arn}/sip-sync-records/*",
    });
    const writes = statements.filter((s) => ([s.Action].flat() as string[]).some((a) => /^s3:(Put|Delete)/.test(a)));
    expect(writes.map((s) => s.Sid)).toEqual(["RecordStandbyIndex"]);
  });

  it("deploys failback as a function in the same subnet, with its own role: it may restore the sovereign bucket, the sync may not", () => {
    // Prepare
    const back =
      resourcesOf(example.json, "aws_lambda_function")["sync-pipeline-avatars-clean_failback_function"] ?? {};
    const statements = policyOf(example.json, "sync-pipeline-avatars-clean_failback_role-policy").Statement;
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));

    // Assess
    expect(back).toMatchObject({
      function_name: "example-failback-avatars-clean",
      timeout: 900,
      reserved_concurrent_executions: 1,
      tags: { "sip:exception": "cross-partition-sync" },
    });
    expect((back.vpc_config as { subnet_ids: string[] }).subnet_ids).toEqual([
      "${aws_subnet.sovereign-network_controlled-egress_workload-subnet.id}",
    ]);
    expect((back.environment as { variables: Record<string, string> }).variables).toMatchObject({
      SOURCE_BUCKET: "example-avatars-clean-111111111111",
      SOURCE_KMS_KEY_ARN: "${aws_kms_key.sovereign-key-avatars-clean_key.arn}",
      TARGET_BUCKET: "example-avatars-clean-failover-222222222222",
      TENANT_ROLE_NAME_PREFIX: "example-tenant-",
    });
    expect(bySid.RestoreSource).toMatchObject({
      Resource: "${aws_s3_bucket.sovereign-bucket-avatars-clean_bucket.arn}/*",
    });
    expect(bySid.AssumeTenantRoles).toBeDefined();
    // Nobody invokes it but an operator: no notification, no permission for a service.
    expect(
      values(example.json, "aws_lambda_permission").filter((p) => String(p.function_name).includes("failback")),
    ).toEqual([]);
  });

  it("opens the egress allowlist to exactly the commercial Roles Anywhere endpoint, the failover bucket and the outage inbox (and the webhook hosts)", () => {
    const groups = values(example.json, "aws_networkfirewall_rule_group");
    expect(groups).toHaveLength(1);
    expect(groups[0]?.rule_group).toMatchObject({
      rules_source: {
        rules_source_list: {
          generated_rules_type: "ALLOWLIST",
          target_types: ["TLS_SNI"],
          targets: [
            "example-avatars-clean-failover-222222222222.s3.eu-central-1.amazonaws.com",
            // Failback drains the outage inbox (crossPartition.standby.outageUploads).
            "example-outage-uploads-222222222222.s3.eu-central-1.amazonaws.com",
            "hooks.acme-health.example.org",
            "rolesanywhere.eu-central-1.amazonaws.com",
          ],
        },
      },
    });
  });

  it("deploys neither the sync function nor any way out when no data class crosses", () => {
    const input = exampleInput();
    for (const dataClass of Object.values(input.dataClasses))
      delete (dataClass as { allowCrossPartition?: boolean }).allowCrossPartition;
    delete (input as { crossPartition?: unknown }).crossPartition;
    delete (input as { documents?: { webhooks?: unknown } }).documents?.webhooks;
    const { json } = synthDeployment(validConfig(input));
    expect(values(json, "aws_lambda_function").map((f) => f.function_name)).toEqual([
      "example-document-download",
      "example-document-scrub",
      "example-signing",
      "example-document-upload",
      "example-subject-request-api",
      "example-subject-request-certify",
      "example-subject-request-pending",
      "example-subject-request-run",
      "example-uploads-health",
      "example-download",
      "example-scrub",
      "example-upload",
    ]);
    for (const type of [
      "aws_internet_gateway",
      "aws_nat_gateway",
      "aws_eip",
      "aws_route",
      "aws_networkfirewall_firewall",
      "aws_secretsmanager_secret",
    ])
      expect(values(json, type)).toEqual([]);
  });
});
