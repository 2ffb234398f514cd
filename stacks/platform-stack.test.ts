import { describe, expect, it } from "vitest";
import { exampleInput, resourcesOf, synthDeployment, type TfJson, validConfig } from "../test/template";
import { AWS_PROVIDER_CONSTRAINT } from "./platform-stack";

const example = synthDeployment(validConfig());

/** Every resource block with its type and name. */
function allResources(json: TfJson): Array<{ address: string; body: Record<string, unknown> }> {
  return Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, body]) => ({ address: `${type}.${name}`, body })),
  );
}

describe("providers", () => {
  it("declares the sovereign and commercial aws providers, and one per tenant account", () => {
    const providers = example.json.provider?.aws ?? [];
    expect(providers.map((p) => [p.alias, p.region, p.allowed_account_ids])).toEqual([
      ["sovereign", "eusc-de-east-1", ["111111111111"]],
      ["commercial", "eu-central-1", ["222222222222"]],
      ["tenant-acme-health", "eusc-de-east-1", ["333333333333"]],
    ]);
    expect(providers[2]?.assume_role).toEqual([
      { role_arn: "arn:aws-eusc:iam::333333333333:role/OrganizationAccountAccessRole", session_name: "example-deploy" },
    ]);
  });

  it("tags every resource through default tags", () => {
    const [sovereign, commercial, tenant] = example.json.provider?.aws ?? [];
    for (const p of [sovereign, commercial]) {
      expect(p?.default_tags).toEqual([
        { tags: { Environment: "example", ManagedBy: "sovereign-identity-platform", Side: p?.alias } },
      ]);
    }
    expect(tenant?.default_tags).toEqual([
      {
        tags: {
          Environment: "example",
          ManagedBy: "sovereign-identity-platform",
          Side: "sovereign",
          Tenant: "acme-health",
        },
      },
    ]);
  });

  it("requires the aws provider releases with the sovereign-partition fixes", () => {
    expect(example.json.terraform?.required_providers).toEqual({
      aws: { source: "hashicorp/aws", version: AWS_PROVIDER_CONSTRAINT },
    });
    expect(AWS_PROVIDER_CONSTRAINT).toBe(">= 6.29.0, < 7.0.0");
  });

  it("pins every resource to one of the two providers", () => {
    const resources = allResources(example.json);
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources)
      expect([r.address, r.body.provider]).toEqual([
        r.address,
        expect.stringMatching(/^aws\.(sovereign|commercial|tenant-acme-health)$/),
      ]);
  });
});

describe("resources of each partition", () => {
  const keys = resourcesOf(example.json, "aws_kms_key");
  const buckets = resourcesOf(example.json, "aws_s3_bucket");

  it("has a KMS key and an S3 bucket in each partition", () => {
    for (const side of ["sovereign", "commercial"]) {
      expect(Object.values(keys).filter((k) => k.provider === `aws.${side}`).length).toBeGreaterThan(0);
      expect(Object.values(buckets).filter((b) => b.provider === `aws.${side}`).length).toBeGreaterThan(0);
    }
  });

  it("keeps data classes that may not cross partitions out of the commercial side", () => {
    // The one exception: the outage inbox and its key (outageUploads, the named exception outage-uploads).
    const outageInbox = (r: Record<string, unknown>) =>
      (r.tags as Record<string, string> | undefined)?.["sip:exception"] === "outage-uploads";
    const commercial = Object.values(buckets).filter((b) => b.provider === "aws.commercial");
    expect([
      ...new Set(commercial.filter((b) => !outageInbox(b)).map((b) => (b.tags as Record<string, string>).DataClass)),
    ]).toEqual(["avatars-clean"]);
    expect(commercial.filter(outageInbox).map((b) => [b.bucket, (b.tags as Record<string, string>).DataClass])).toEqual(
      [["example-outage-uploads-222222222222", "avatars-original"]],
    );
    for (const type of ["aws_kms_key", "aws_cloudwatch_log_group"]) {
      const classes = Object.values(resourcesOf(example.json, type))
        .filter((r) => r.provider === "aws.commercial" && !outageInbox(r))
        .map((r) => (r.tags as Record<string, string> | undefined)?.DataClass);
      expect([type, [...new Set(classes)]]).toEqual([type, ["avatars-clean"]]);
    }
  });

  it("has a standby pseudonym key in each partition, for imported HMAC material, only when a class crosses", () => {
    // Prepare
    const input = exampleInput();
    for (const dataClass of Object.values(input.dataClasses)) delete dataClass.allowCrossPartition;
    delete input.crossPartition?.standby; // it serves a crossing class's replicas
    // Act
    const external = resourcesOf(example.json, "aws_kms_external_key");
    const without = resourcesOf(synthDeployment(validConfig(input)).json, "aws_kms_external_key");
    // Assess
    expect(Object.keys(external).sort()).toEqual([
      "commercial-key-standby-pseudonyms_key",
      "sovereign-key-standby-pseudonyms_key",
    ]);
    for (const [name, side] of [
      ["commercial-key-standby-pseudonyms_key", "commercial"],
      ["sovereign-key-standby-pseudonyms_key", "sovereign"],
    ] as const) {
      expect(external[name]).toMatchObject({
        key_spec: "HMAC_256",
        key_usage: "GENERATE_VERIFY_MAC",
        provider: `aws.${side}`,
        tags: { KeyMaterial: "imported" },
      });
      expect(external[name]).not.toHaveProperty("key_material_base64");
    }
    expect(without).toEqual({});
  });

  /** The commercial audit bucket's lifecycle expiration and object lock retention. */
  const commercialAudit = (json: TfJson) => ({
    expiration: resourcesOf(json, "aws_s3_bucket_lifecycle_configuration")["commercial-audit_bucket_lifecycle"],
    lock: resourcesOf(json, "aws_s3_bucket_object_lock_configuration")["commercial-audit_bucket_object-lock"],
  });

  it("expires the commercial audit logs with the data class they carry, locked until then", () => {
    // Prepare
    const bucket = buckets["commercial-audit_bucket_bucket"];
    // Act
    const { expiration, lock } = commercialAudit(example.json);
    // Assess
    expect(bucket?.tags).toMatchObject({ DataClass: "avatars-clean" });
    expect(expiration).toMatchObject({ rule: [expect.objectContaining({ expiration: [{ days: 365 }] })] });
    expect(lock).toMatchObject({ rule: { default_retention: { days: 365, mode: "COMPLIANCE" } } });
  });

  it("expires a shorter crossing class's audit logs earlier, locked for as long", () => {
    // Prepare
    const input = exampleInput();
    input.dataClasses = {
      ...input.dataClasses,
      "avatars-clean": { ...input.dataClasses["avatars-clean"], retentionDays: 90 },
    };
    // Act
    const { expiration, lock } = commercialAudit(synthDeployment(validConfig(input)).json);
    // Assess
    expect(expiration).toMatchObject({ rule: [expect.objectContaining({ expiration: [{ days: 90 }] })] });
    expect(lock).toMatchObject({ rule: { default_retention: { days: 90, mode: "COMPLIANCE" } } });
  });

  it("writes ARNs with the partition of the resource's provider", () => {
    for (const { address, body } of allResources(example.json)) {
      const text = JSON.stringify(body);
      if (body.provider === "aws.sovereign")
        expect([address, text]).not.toEqual([address, expect.stringMatching(/arn:aws:/)]);
      if (body.provider === "aws.commercial")
        expect([address, text]).not.toEqual([address, expect.stringMatching(/arn:aws-eusc:/)]);
    }
    expect(keys["sovereign-key-identity_key"]?.policy).toContain('"AWS":"arn:aws-eusc:iam::111111111111:root"');
    expect(keys["commercial-key-avatars-clean_key"]?.policy).toContain('"AWS":"arn:aws:iam::222222222222:root"');
  });

  it("limits sovereign object access to the platform's S3 endpoint; the failover bucket has none to use", () => {
    const policies = resourcesOf(example.json, "aws_s3_bucket_policy");
    const sids = (name: string) =>
      JSON.parse(policies[name]?.policy as string).Statement.map((st: { Sid: string }) => st.Sid);
    const vpce = (name: string) =>
      JSON.parse(policies[name]?.policy as string).Statement.find(
        (st: { Sid: string }) => st.Sid === "DenyObjectAccessOutsideVpcEndpoint",
      )?.Condition.StringNotEquals["aws:SourceVpce"];
    for (const name of [
      "sovereign-bucket-identity_policy",
      "sovereign-bucket-avatars-original_policy",
      "sovereign-bucket-avatars-clean_policy",
    ]) {
      expect(sids(name)).toContain("DenyObjectAccessOutsideVpcEndpoint");
      expect(vpce(name)).toBe("${aws_vpc_endpoint.sovereign-network_s3-gateway.id}");
    }
    expect(sids("commercial-bucket-avatars-clean_policy")).toEqual([
      "DenyInsecureTransport",
      "DenyOtherEncryption",
      "DenyKmsWithoutKeyId",
      "DenyOtherKey",
      "TenantsWithTheirOwnKey",
      "TenantsNeedTheirKeyTag",
      "TenantsOnlyUnderTheirPrefix",
      "TenantsListOnlyTheirPrefix",
    ]);
  });

  it("lets browsers upload only into the buckets of the upload data classes and read only the clean ones, from the configured origins", () => {
    const cors = resourcesOf(example.json, "aws_s3_bucket_cors_configuration");
    expect(Object.keys(cors)).toEqual([
      "commercial-bucket-avatars-clean_cors",
      "sovereign-bucket-avatars-clean_cors",
      "sovereign-bucket-avatars-original_cors",
      "sovereign-bucket-documents-clean_cors",
      "sovereign-bucket-documents-original_cors",
      "standby-serving_outage-inbox_cors",
    ]);
    const rules = (name: string) =>
      (
        (cors[name]?.cors_rule ?? []) as Array<{ id: string; allowed_methods: string[]; allowed_origins: string[] }>
      ).map((r) => [r.id, r.allowed_methods, r.allowed_origins]);
    expect(rules("sovereign-bucket-avatars-original_cors")).toEqual([
      ["browser-uploads", ["POST", "PUT"], ["https://app.example.org"]],
    ]);
    expect(rules("sovereign-bucket-avatars-clean_cors")).toEqual([
      ["browser-downloads", ["GET", "HEAD"], ["https://app.example.org"]],
    ]);
    expect(rules("sovereign-bucket-documents-original_cors")).toEqual(rules("sovereign-bucket-avatars-original_cors"));
    expect(rules("sovereign-bucket-documents-clean_cors")).toEqual(rules("sovereign-bucket-avatars-clean_cors"));
    // The commercial standby serves the replicas of avatars-clean to the same browsers.
    expect(rules("commercial-bucket-avatars-clean_cors")).toEqual(rules("sovereign-bucket-avatars-clean_cors"));
  });

  it("trusts the platform CA on the commercial side for the failover buckets only", () => {
    const anchor = Object.values(resourcesOf(example.json, "aws_rolesanywhere_trust_anchor"));
    expect(anchor).toEqual([expect.objectContaining({ provider: "aws.commercial", name: "example-platform-ca" })]);
    // One role per crossing data class, admitting only that class's certificate (CN <workloadCommonName>-<class>).
    const role = resourcesOf(example.json, "aws_iam_role")["commercial-roles-anywhere_role-avatars-clean"];
    expect(role?.name).toBe("example-cross-partition-sync-avatars-clean");
    expect(JSON.parse(role?.assume_role_policy as string).Statement[0].Condition.StringEquals).toEqual({
      "aws:PrincipalTag/x509Subject/CN": "sip-example-sync-avatars-clean",
    });
    const policy = resourcesOf(example.json, "aws_iam_role_policy")[
      "commercial-roles-anywhere_role-policy-avatars-clean"
    ]?.policy as string;
    expect(policy).toContain("commercial-bucket-avatars-clean_bucket.arn");
    expect(policy).not.toMatch(/sovereign-/);
    expect(example.text).not.toMatch(/PRIVATE KEY/);
  });

  it("creates the account-tier tenant's account, and its key inside that account", () => {
    expect(Object.values(resourcesOf(example.json, "aws_organizations_account"))).toEqual([
      expect.objectContaining({
        provider: "aws.sovereign",
        name: "example-acme-health",
        email: "aws-acme-health@example.org",
        lifecycle: { prevent_destroy: true },
      }),
    ]);
    const key = resourcesOf(example.json, "aws_kms_key")["tenant-acme-health_key_key"];
    expect(key?.provider).toBe("aws.tenant-acme-health");
    expect(key?.policy).toContain("arn:aws-eusc:iam::333333333333:root");
  });

  it("gives every tenant its own key, tagged with the tenant", () => {
    const tenantKeys = Object.entries(keys).filter(([name]) => name.startsWith("tenant-"));
    // acme-health (tier account) has two: its key in its account, and its directory key in the platform account.
    expect(tenantKeys.map(([, k]) => (k.tags as Record<string, string>).Tenant)).toEqual([
      "acme-health",
      "acme-health",
      "bergstadt",
      "kleinverein",
    ]);
  });
});

describe("upload pipeline", () => {
  const fns = resourcesOf(example.json, "aws_lambda_function");
  const variables = (name: string) =>
    (fns[name]?.environment as { variables: Record<string, string> } | undefined)?.variables;

  it("deploys the upload, download, signing and scrub functions, configured from the configuration", () => {
    expect(Object.keys(fns).sort()).toEqual([
      "document-pipeline_download_function",
      "document-pipeline_scrub_function",
      "document-pipeline_signing_function",
      "document-pipeline_upload_function",
      "standby-serving_download_function",
      "standby-serving_upload_function",
      "subject-requests_api_function",
      "subject-requests_certify_function",
      "subject-requests_pending_function",
      "subject-requests_run_function",
      "sync-pipeline-avatars-clean_failback_function",
      "sync-pipeline-avatars-clean_sync_function",
      "upload-pipeline_api_health_function",
      "upload-pipeline_download_function",
      "upload-pipeline_scrub_function",
      "upload-pipeline_upload_function",
      "webhooks_sender_function",
    ]);
    expect(variables("upload-pipeline_upload_function")).toEqual({
      UPLOAD_BUCKET: "example-avatars-original-111111111111",
      ALLOWED_CONTENT_TYPES: "image/jpeg,image/png,image/webp",
      MAX_SIZE_BYTES: "10485760",
      EXPIRY_SECONDS: "300",
      KMS_KEY_ARNS: '{"avatars-original":"${aws_kms_key.sovereign-key-avatars-original_key.arn}"}',
      PSEUDONYM_KEY_ID: "${aws_kms_key.sovereign-key-pseudonyms_key.arn}",
      STANDBY_PSEUDONYM_KEY_ID: "${aws_kms_external_key.sovereign-key-standby-pseudonyms_key.arn}",
      TENANT_KEY_ALIAS_PREFIX: "alias/example/tenant/",
      TENANT_ROLE_NAME_PREFIX: "example-tenant-",
    });
    // Documents never cross in the example: their upload function derives one pseudonym.
    expect(variables("document-pipeline_upload_function")).not.toHaveProperty("STANDBY_PSEUDONYM_KEY_ID");
    expect(variables("upload-pipeline_download_function")).toEqual({
      CLEAN_BUCKET: "example-avatars-clean-111111111111",
      EXPIRY_SECONDS: "300",
      PSEUDONYM_KEY_ID: "${aws_kms_key.sovereign-key-pseudonyms_key.arn}",
      TENANT_KEY_ALIAS_PREFIX: "alias/example/tenant/",
      TENANT_ROLE_NAME_PREFIX: "example-tenant-",
    });
    expect(variables("upload-pipeline_scrub_function")).toMatchObject({
      CLEAN_BUCKET: "example-avatars-clean-111111111111",
      CLEAN_DATA_CLASS: "avatars-clean",
      QUARANTINE_PREFIX: "quarantine/",
      TENANT_KEY_ALIAS_PREFIX: "alias/example/tenant/",
      TENANT_ROLE_NAME_PREFIX: "example-tenant-",
    });
    // Documents: PDF only, the documents block's size and pages, the document scrub function's bundle and sizing.
    expect(variables("document-pipeline_upload_function")).toMatchObject({
      UPLOAD_BUCKET: "example-documents-original-111111111111",
      ALLOWED_CONTENT_TYPES: "application/pdf",
      MAX_SIZE_BYTES: "52428800",
      KMS_KEY_ARNS: '{"documents-original":"${aws_kms_key.sovereign-key-documents-original_key.arn}"}',
    });
    expect(variables("document-pipeline_scrub_function")).toMatchObject({
      CLEAN_BUCKET: "example-documents-clean-111111111111",
      CLEAN_DATA_CLASS: "documents-clean",
      MAX_INPUT_BYTES: "52428800",
      MAX_PAGES: "500",
    });
    expect(variables("document-pipeline_scrub_function")).not.toHaveProperty("ALLOWED_TYPES");
    expect(fns["document-pipeline_scrub_function"]).toMatchObject({ memory_size: 2048, timeout: 300 });
    expect(String(fns["document-pipeline_scrub_function"]?.filename)).toMatch(/document-scrub\.zip$/);
    expect(Object.values(fns).map((f) => [f.function_name, f.reserved_concurrent_executions])).toEqual([
      ["example-document-download", 10],
      ["example-document-scrub", 5],
      ["example-signing", 5],
      ["example-document-upload", 10],
      ["example-standby-download", 10],
      ["example-standby-upload", 10],
      ["example-subject-request-api", 2],
      ["example-subject-request-certify", 2],
      ["example-subject-request-pending", 2],
      ["example-subject-request-run", 2],
      ["example-failback-avatars-clean", 1],
      ["example-sync-avatars-clean", 5],
      ["example-uploads-health", 2],
      ["example-download", 10],
      ["example-scrub", 5],
      ["example-upload", 10],
      ["example-webhooks", 5],
    ]);
  });

  it("puts every upload and read route behind the JWT authorizer of the configured issuer; signing on the documents API; GET /health of the upload API without (DNS failover)", () => {
    const routes = Object.entries(resourcesOf(example.json, "aws_apigatewayv2_route"));
    const keysOf = (pipeline: string) =>
      routes
        .filter(([name]) => name.startsWith(pipeline))
        .map(([, r]) => r.route_key)
        .sort();
    const common = [
      "GET /v1/objects",
      "GET /v1/objects/{id}",
      "POST /v1/uploads",
      "POST /v1/uploads/multipart",
      "POST /v1/uploads/multipart/complete",
      "POST /v1/uploads/multipart/parts",
      "POST /v1/uploads/put",
    ];
    expect(keysOf("upload-pipeline")).toEqual(["GET /health", ...common]);
    expect(keysOf("document-pipeline")).toEqual([...common, "POST /v1/objects/{id}/signatures"].sort());
    // With outage uploads (the example's), the standby has the upload routes too.
    expect(keysOf("standby-serving")).toEqual(common);
    const jwtRoutes = routes.filter(
      ([name]) => !name.startsWith("subject-requests") && name !== "upload-pipeline_api_route-get-health",
    );
    expect(jwtRoutes.every(([, r]) => r.authorization_type === "JWT")).toBe(true);
    expect(resourcesOf(example.json, "aws_apigatewayv2_route")["upload-pipeline_api_route-get-health"]).toMatchObject({
      route_key: "GET /health",
      authorization_type: "NONE",
    });
    const apis = Object.values(resourcesOf(example.json, "aws_apigatewayv2_api")).map((api) => api.name);
    expect(apis.sort()).toEqual([
      "example-documents",
      "example-standby",
      "example-subject-requests",
      "example-uploads",
    ]);
    const authorizers = Object.values(resourcesOf(example.json, "aws_apigatewayv2_authorizer"));
    expect(authorizers.map((a) => a.jwt_configuration)).toEqual([
      { issuer: "https://login.example.org/realms/platform", audience: ["sovereign-identity-platform"] },
      { issuer: "https://login.example.org/realms/platform", audience: ["sovereign-identity-platform"] },
      // The standby's own authorizer (crossPartition.standby.oidc; the example names the same issuer).
      { issuer: "https://login.example.org/realms/platform", audience: ["sovereign-identity-platform"] },
    ]);
  });

  it("lets browsers upload with the upload role's and the tenant roles' signatures from outside the VPC endpoint, and nothing else", () => {
    const policy = JSON.parse(
      resourcesOf(example.json, "aws_s3_bucket_policy")["sovereign-bucket-avatars-original_policy"]?.policy as string,
    );
    const sid = (name: string) => policy.Statement.find((st: { Sid: string }) => st.Sid === name);
    const signers = [
      "${aws_iam_role.upload-pipeline_upload_role.arn}",
      "arn:aws-eusc:iam::111111111111:role/example-tenant-*",
    ];
    expect(sid("DenyObjectAccessOutsideVpcEndpoint").Condition.ArnNotLike).toEqual({ "aws:PrincipalArn": signers });
    expect(sid("UploadRolesOnlyUploadOutsideVpcEndpoint").Condition.ArnLike).toEqual({ "aws:PrincipalArn": signers });
  });

  it("lets browsers download clean objects with the download role's and the tenant roles' signatures from outside the VPC endpoint, and nothing else", () => {
    const clean = JSON.parse(
      resourcesOf(example.json, "aws_s3_bucket_policy")["sovereign-bucket-avatars-clean_policy"]?.policy as string,
    );
    const sid = (name: string) => clean.Statement.find((st: { Sid: string }) => st.Sid === name);
    const signers = [
      "${aws_iam_role.upload-pipeline_download_role.arn}",
      "arn:aws-eusc:iam::111111111111:role/example-tenant-*",
    ];
    expect(sid("DenyObjectAccessOutsideVpcEndpoint").Condition.ArnNotLike).toEqual({ "aws:PrincipalArn": signers });
    expect(sid("DownloadRolesOnlyDownloadOutsideVpcEndpoint").Condition.ArnLike).toEqual({
      "aws:PrincipalArn": signers,
    });
    expect(sid("DownloadRolesOnlyDownloadOutsideVpcEndpoint").Action).not.toContain("s3:GetObject");
    expect(sid("UploadRolesOnlyUploadOutsideVpcEndpoint")).toBeUndefined();
    // The download role reaches the clean bucket only, reads (GET) and decrypts, and writes nothing.
    const statements = JSON.parse(
      resourcesOf(example.json, "aws_iam_role_policy")["upload-pipeline_download_role-policy"]?.policy as string,
    ).Statement as Array<{ Sid: string; Action: string | string[]; Resource: string | string[] }>;
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, [s.Action, s.Resource]]));
    expect(bySid.SignCleanDownloads).toEqual([
      "s3:GetObject",
      "${aws_s3_bucket.sovereign-bucket-avatars-clean_bucket.arn}/*",
    ]);
    expect(bySid.DecryptCleanObjects).toEqual(["kms:Decrypt", "${aws_kms_key.sovereign-key-avatars-clean_key.arn}"]);
    expect(bySid.ListCleanObjects).toEqual([
      "s3:ListBucket",
      ["${aws_s3_bucket.sovereign-bucket-avatars-clean_bucket.arn}"],
    ]);
    expect(JSON.stringify(statements)).not.toContain("avatars-original");
  });

  it("signs with an asymmetric key and keeps the evidence under COMPLIANCE lock, with a role that reads clean objects, adds evidence and signs, nothing else", () => {
    // The keys: ECDSA P-256 for signing (no rotation), a symmetric key for the records.
    const keys = resourcesOf(example.json, "aws_kms_key");
    expect(keys["sovereign-key-evidence-signing_key"]).toMatchObject({
      customer_master_key_spec: "ECC_NIST_P256",
      key_usage: "SIGN_VERIFY",
      enable_key_rotation: false,
      provider: "aws.sovereign",
    });
    expect(keys["sovereign-key-evidence_key"]).toMatchObject({ enable_key_rotation: true });
    // The evidence bucket: COMPLIANCE for the configured retention (the example's default, ten years).
    const lock = Object.values(resourcesOf(example.json, "aws_s3_bucket_object_lock_configuration")).find((r) =>
      String(r.bucket).includes("sovereign-bucket-evidence"),
    );
    expect(lock?.rule).toEqual({ default_retention: { mode: "COMPLIANCE", days: 3650 } });
    // With documents configured, the signing service signs documents (the documents API's route).
    expect(variables("document-pipeline_signing_function")).toEqual({
      CLEAN_BUCKET: "example-documents-clean-111111111111",
      EVIDENCE_BUCKET: "example-evidence-111111111111",
      EVIDENCE_KMS_KEY_ID: "${aws_kms_key.sovereign-key-evidence_key.arn}",
      SIGNING_KEY_ID: "${aws_kms_key.sovereign-key-evidence-signing_key.arn}",
      PSEUDONYM_KEY_ID: "${aws_kms_key.sovereign-key-pseudonyms_key.arn}",
      TENANT_KEY_ALIAS_PREFIX: "alias/example/tenant/",
      TENANT_ROLE_NAME_PREFIX: "example-tenant-",
      WEBHOOK_QUEUE_URL: "${aws_sqs_queue.webhooks_queue.url}",
    });
    const statements = JSON.parse(
      resourcesOf(example.json, "aws_iam_role_policy")["document-pipeline_signing_role-policy"]?.policy as string,
    ).Statement as Array<{ Sid: string; Action: string | string[]; Resource: string | string[] }>;
    const bySid = Object.fromEntries(statements.map((st) => [st.Sid, [st.Action, st.Resource]]));
    expect(bySid.ReadCleanObjects).toEqual([
      "s3:GetObject",
      "${aws_s3_bucket.sovereign-bucket-documents-clean_bucket.arn}/*",
    ]);
    expect(bySid.WriteEvidence).toEqual([
      "s3:PutObject",
      "${aws_s3_bucket.sovereign-bucket-evidence_bucket.arn}/signatures/*",
    ]);
    expect(bySid.SignEvidence).toEqual([
      ["kms:GetPublicKey", "kms:Sign"],
      "${aws_kms_key.sovereign-key-evidence-signing_key.arn}",
    ]);
    expect(JSON.stringify(statements)).not.toMatch(/s3:DeleteObject|avatars-original/);
  });

  it("lets the upload and scrub functions act as logical-tier tenants, and the sync function read their objects", () => {
    const statements = (name: string) =>
      JSON.parse(resourcesOf(example.json, "aws_iam_role_policy")[name]?.policy as string).Statement as Array<{
        Sid: string;
      }>;
    const tenantKeys = {
      Resource: "arn:aws-eusc:kms:eusc-de-east-1:111111111111:key/*",
      Condition: { "ForAnyValue:StringLike": { "kms:ResourceAliases": "alias/example/tenant/*" } },
    };
    for (const fn of ["upload-pipeline_upload_role-policy", "upload-pipeline_scrub_role-policy"]) {
      expect(statements(fn)).toEqual(
        expect.arrayContaining([
          {
            Sid: "FindTenantKeys",
            Effect: "Allow",
            Action: ["kms:DescribeKey", "kms:ListResourceTags"],
            ...tenantKeys,
          },
          {
            Sid: "AssumeTenantRoles",
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Resource: "arn:aws-eusc:iam::111111111111:role/example-tenant-*",
          },
        ]),
      );
    }
    expect(statements("sync-pipeline-avatars-clean_sync_role-policy")).toContainEqual({
      Sid: "DecryptTenantObjects",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      ...tenantKeys,
    });
    // The tenant role reaches its quarantine area in the originals bucket.
    expect(statements("tenant-kleinverein_role-policy").find((st) => st.Sid === "ObjectsUnderOwnPrefix")).toMatchObject(
      {
        Resource: expect.arrayContaining([
          "${aws_s3_bucket.sovereign-bucket-avatars-original_bucket.arn}/quarantine/$${aws:PrincipalTag/Tenant}/*",
        ]),
      },
    );
  });

  it("scrubs every new original: notification from the originals bucket to the scrub function", () => {
    expect(
      Object.values(resourcesOf(example.json, "aws_s3_bucket_notification")).filter((n) =>
        String(n.bucket).includes("avatars-original"),
      ),
    ).toEqual([
      expect.objectContaining({
        bucket: "${aws_s3_bucket.sovereign-bucket-avatars-original_bucket.id}",
        lambda_function: [
          {
            lambda_function_arn: "${aws_lambda_function.upload-pipeline_scrub_function.arn}",
            events: ["s3:ObjectCreated:*"],
          },
        ],
      }),
    ]);
    const scrubPolicy = resourcesOf(example.json, "aws_iam_role_policy")["upload-pipeline_scrub_role-policy"]
      ?.policy as string;
    expect(JSON.parse(scrubPolicy).Statement.find((st: { Sid: string }) => st.Sid === "WriteQuarantine").Resource).toBe(
      "${aws_s3_bucket.sovereign-bucket-avatars-original_bucket.arn}/quarantine/*",
    );
  });
});

describe("backend", () => {
  it("keeps local state at a path relative to the stack folder", () => {
    expect(example.json.terraform?.backend).toEqual({ local: { path: "../../../state/example.tfstate" } });
    expect(example.text).not.toMatch(/"\/(work|home|tmp|root)\//);
  });

  it("stores S3 state in the sovereign region, encrypted, locked, with explicit endpoints", () => {
    const input = exampleInput();
    input.backend = {
      type: "s3",
      bucket: "example-state-111111111111",
      key: "platform/example.tfstate",
      kmsKeyId: "alias/example-state",
    };
    const { json } = synthDeployment(validConfig(input));
    expect(json.terraform?.backend).toEqual({
      s3: {
        bucket: "example-state-111111111111",
        key: "platform/example.tfstate",
        region: "eusc-de-east-1",
        encrypt: true,
        kms_key_id: "alias/example-state",
        use_lockfile: true,
        skip_region_validation: true,
        allowed_account_ids: ["111111111111"],
        profile: "example-eusc-deploy",
        endpoints: { s3: "https://s3.eusc-de-east-1.amazonaws.eu", sts: "https://sts.eusc-de-east-1.amazonaws.eu" },
      },
    });
  });
});

describe("stability under small changes", () => {
  it("changes only that tenant's resources when one tenant entry changes", () => {
    const input = exampleInput();
    if (input.tenants[2]) input.tenants[2].displayName = "Kleinverein Bergstadt e.V.";
    input.tenants[2] = { ...input.tenants[2], id: "kleinverein", tier: "vpc", vpcCidr: "10.30.0.0/16" };
    const changed = synthDeployment(validConfig(input)).json;
    const before = new Map(allResources(example.json).map((r) => [r.address, JSON.stringify(r.body)]));
    const after = new Map(allResources(changed).map((r) => [r.address, JSON.stringify(r.body)]));
    const differing = [...new Set([...before.keys(), ...after.keys()])].filter((a) => before.get(a) !== after.get(a));
    expect(differing.length).toBeGreaterThan(10);
    expect(differing.filter((a) => !a.split(".")[1]?.startsWith("tenant-kleinverein_"))).toEqual([]);
    expect(differing).toContain("aws_vpc.tenant-kleinverein_network_vpc");
  });

  it("adds a tenant without renaming anything else", () => {
    const input = exampleInput();
    input.tenants.splice(1, 0, { id: "aaa-first", tier: "logical" });
    const changed = synthDeployment(validConfig(input)).json;
    const before = allResources(example.json).map((r) => r.address);
    const after = allResources(changed).map((r) => r.address);
    expect(after.filter((a) => !before.includes(a)).sort()).toEqual([
      "aws_iam_role.tenant-aaa-first_role",
      "aws_iam_role_policy.tenant-aaa-first_role-policy",
      "aws_kms_alias.tenant-aaa-first_key_alias",
      "aws_kms_key.tenant-aaa-first_key_key",
    ]);
    expect(before.filter((a) => !after.includes(a))).toEqual([]);
  });
});

describe("snapshot", () => {
  it("matches the checked-in Terraform JSON of the example (update with vitest -u)", async () => {
    await expect(example.text).toMatchFileSnapshot("__snapshots__/example.cdk.tf.json");
  });
});
