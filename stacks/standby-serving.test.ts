/**
 * The commercial standby of the read API (crossPartition.standby; stacks/standby-serving.ts): what it
 * deploys, with which provider, and that its function may read the failover bucket and nothing else.
 */
import { describe, expect, it } from "vitest";
import { exampleInput, resourcesOf, synthDeployment, type TfJson, validConfig } from "../test/template";
import { STANDBY_ROUTES } from "./standby-serving";
import { UPLOAD_ROUTES } from "./upload-pipeline";

const { json } = synthDeployment(validConfig());

/** Every resource of the standby construct (`standby-serving_…`), by type and name. */
function standbyResources(tf: TfJson): Array<[string, string, Record<string, unknown>]> {
  return Object.entries(tf.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries(byName)
      .filter(([name]) => name.startsWith("standby-serving_"))
      .map(
        ([name, body]) => [type, name, body as Record<string, unknown>] as [string, string, Record<string, unknown>],
      ),
  );
}

describe("the commercial standby (crossPartition.standby)", () => {
  it("deploys everything with the commercial provider, naming no sovereign resource", () => {
    // Act
    const resources = standbyResources(json);
    // Assess
    expect(resources.length).toBeGreaterThan(20);
    expect(new Set(resources.map(([, , r]) => r.provider))).toEqual(new Set(["aws.commercial"]));
    const text = JSON.stringify(resources);
    expect(text).not.toMatch(/\$\{aws_[a-z0-9_]+\.sovereign-/);
    // The one value of the sovereign side: the sealing key's public key (named exception sealing-public-key).
    expect(text.match(/\$\{data\.[^}]*\}/g)).toEqual([
      "${data.aws_kms_public_key.sovereign-outage-subjects-public-key.public_key_pem}",
    ]);
    expect(text).not.toMatch(/\$\{[a-z0-9_]+\.(upload|document)-pipeline_/);
    expect(text).not.toContain("111111111111");
  });

  it("runs the download bundle as the standby over the failover bucket, with the commercial standby key", () => {
    // Act
    const fn = resourcesOf(json, "aws_lambda_function")["standby-serving_download_function"];
    const sovereign = resourcesOf(json, "aws_lambda_function")["upload-pipeline_download_function"];
    // Assess
    expect(fn).toMatchObject({
      function_name: "example-standby-download",
      provider: "aws.commercial",
      source_code_hash: sovereign?.source_code_hash,
      environment: {
        variables: {
          CLEAN_BUCKET: "example-avatars-clean-failover-222222222222",
          EXPIRY_SECONDS: "300",
          PSEUDONYM_DOMAIN: "standby",
          PSEUDONYM_KEY_ID: "${aws_kms_external_key.commercial-key-standby-pseudonyms_key.arn}",
        },
      },
      tags: { DataClass: "avatars-clean" },
    });
    expect(String(fn?.filename)).toMatch(/\/download\.zip$/);
  });

  it("lets the function read and list the failover bucket, decrypt with its key and derive standby pseudonyms, nothing more", () => {
    // Act
    const policy = JSON.parse(
      String(resourcesOf(json, "aws_iam_role_policy")["standby-serving_download_role-policy"]?.policy),
    );
    const grants = (policy.Statement as Array<{ Sid: string; Action: unknown; Resource: unknown }>)
      .filter(
        (s) => !["WriteOwnLogs", "NetworkInterfacesInPrivateSubnets", "DeadLetters", "UseFunctionKey"].includes(s.Sid),
      )
      .map((s) => [s.Sid, s.Action, s.Resource]);
    // Assess
    expect(grants).toEqual([
      [
        "DeriveStandbyPseudonyms",
        "kms:GenerateMac",
        "${aws_kms_external_key.commercial-key-standby-pseudonyms_key.arn}",
      ],
      ["SignReplicaDownloads", "s3:GetObject", "${aws_s3_bucket.commercial-bucket-avatars-clean_bucket.arn}/*"],
      ["DecryptReplicas", "kms:Decrypt", "${aws_kms_key.commercial-key-avatars-clean_key.arn}"],
      ["ListReplicas", "s3:ListBucket", ["${aws_s3_bucket.commercial-bucket-avatars-clean_bucket.arn}"]],
    ]);
  });

  it("has the read routes and, with outage uploads, the upload routes, behind its own JWT authorizer, with encrypted access logs", () => {
    // Act
    const routes = Object.entries(resourcesOf(json, "aws_apigatewayv2_route")).filter(([n]) =>
      n.startsWith("standby-serving_"),
    );
    const authorizer = resourcesOf(json, "aws_apigatewayv2_authorizer")["standby-serving_api_jwt"];
    const logs = resourcesOf(json, "aws_cloudwatch_log_group")["standby-serving_api_access-logs_log-group"];
    // Assess
    expect(routes.map(([, r]) => [r.route_key, r.authorization_type])).toEqual([
      ["GET /v1/objects", "JWT"],
      ["GET /v1/objects/{id}", "JWT"],
      ["POST /v1/uploads", "JWT"],
      ["POST /v1/uploads/multipart", "JWT"],
      ["POST /v1/uploads/multipart/complete", "JWT"],
      ["POST /v1/uploads/multipart/parts", "JWT"],
      ["POST /v1/uploads/put", "JWT"],
    ]);
    const targets = Object.fromEntries(routes.map(([, r]) => [r.route_key, String(r.target)]));
    const integrations = resourcesOf(json, "aws_apigatewayv2_integration");
    const functionOf = (routeKey: string) =>
      String(
        integrations[
          /integrations\/\$\{aws_apigatewayv2_integration\.([^.]+)\.id\}/.exec(targets[routeKey] ?? "")?.[1] ?? ""
        ]?.integration_uri,
      );
    for (const routeKey of STANDBY_ROUTES) expect(functionOf(routeKey)).toContain("standby-serving_download_function");
    for (const routeKey of UPLOAD_ROUTES) expect(functionOf(routeKey)).toContain("standby-serving_upload_function");
    expect(authorizer).toMatchObject({
      provider: "aws.commercial",
      jwt_configuration: {
        issuer: "https://login.example.org/realms/platform",
        audience: ["sovereign-identity-platform"],
      },
    });
    expect(logs).toMatchObject({
      kms_key_id: "${aws_kms_key.standby-serving_key_key.arn}",
      provider: "aws.commercial",
    });
  });

  it("runs in a commercial VPC with the S3 gateway and the KMS interface endpoint, and no way out", () => {
    // Act
    const endpoints = Object.entries(resourcesOf(json, "aws_vpc_endpoint"))
      .filter(([n]) => n.startsWith("standby-serving_"))
      .map(([, e]) => [e.service_name, e.vpc_endpoint_type]);
    // Assess
    expect(endpoints).toEqual([
      ["com.amazonaws.eu-central-1.dynamodb", "Gateway"],
      ["com.amazonaws.eu-central-1.kms", "Interface"],
      ["com.amazonaws.eu-central-1.s3", "Gateway"],
    ]);
    const types = new Set(standbyResources(json).map(([type]) => type));
    for (const type of ["aws_internet_gateway", "aws_nat_gateway", "aws_route"]) expect(types).not.toContain(type);
  });

  it("watches the function's dead letters with the commercial alarms", () => {
    const alarms = Object.keys(resourcesOf(json, "aws_cloudwatch_metric_alarm"));
    expect(alarms.filter((a) => a.includes("standby-download"))).toEqual([
      expect.stringMatching(/^commercial-alarms_.*standby-download/),
    ]);
  });

  it("deploys nothing without the standby block", () => {
    const input = exampleInput();
    delete input.crossPartition?.standby;
    expect(standbyResources(synthDeployment(validConfig(input)).json)).toEqual([]);
  });
});

describe("outage uploads (crossPartition.standby.outageUploads)", () => {
  const statementsOf = (tf: TfJson, name: string) =>
    JSON.parse(String(resourcesOf(tf, "aws_iam_role_policy")[name]?.policy)).Statement as Array<{
      Sid: string;
      Action: unknown;
      Resource: unknown;
      Condition?: unknown;
    }>;
  const basics = ["WriteOwnLogs", "NetworkInterfacesInPrivateSubnets", "DeadLetters", "UseFunctionKey"];

  it("keeps the uploads in a versioned commercial inbox under a key of its own, marked and expiring after retentionDays", () => {
    // Act
    const bucket = resourcesOf(json, "aws_s3_bucket")["standby-serving_outage-inbox_bucket"];
    const key = resourcesOf(json, "aws_kms_key")["standby-serving_outage-key_key"];
    const lifecycle = resourcesOf(json, "aws_s3_bucket_lifecycle_configuration")[
      "standby-serving_outage-inbox_lifecycle"
    ];
    const cors = resourcesOf(json, "aws_s3_bucket_cors_configuration")["standby-serving_outage-inbox_cors"];
    const sovereignCors = resourcesOf(json, "aws_s3_bucket_cors_configuration")[
      "sovereign-bucket-avatars-original_cors"
    ];
    // Assess
    const tags = { DataClass: "avatars-original", "sip:exception": "outage-uploads", Purpose: "outage-uploads" };
    expect(bucket).toMatchObject({ bucket: "example-outage-uploads-222222222222", provider: "aws.commercial", tags });
    expect(key).toMatchObject({ provider: "aws.commercial", tags, enable_key_rotation: true });
    expect(resourcesOf(json, "aws_kms_alias")["standby-serving_outage-key_alias"]).toMatchObject({
      name: "alias/example/outage-uploads",
    });
    expect(JSON.stringify(lifecycle)).toContain('"days":14');
    expect(JSON.stringify(lifecycle)).toContain('"noncurrent_days":14');
    expect(cors?.cors_rule).toEqual(sovereignCors?.cors_rule);
  });

  it("runs the upload bundle as the standby over the inbox, with the sovereign function's limits and the sealing public key", () => {
    // Act
    const fns = resourcesOf(json, "aws_lambda_function");
    const fn = fns["standby-serving_upload_function"];
    const sovereign = fns["upload-pipeline_upload_function"];
    const sovereignVariables =
      (sovereign?.environment as { variables: Record<string, string> } | undefined)?.variables ?? {};
    // Assess
    expect(fn).toMatchObject({
      function_name: "example-standby-upload",
      provider: "aws.commercial",
      source_code_hash: sovereign?.source_code_hash,
    });
    expect((fn?.environment as { variables: unknown } | undefined)?.variables).toEqual({
      UPLOAD_BUCKET: "example-outage-uploads-222222222222",
      ALLOWED_CONTENT_TYPES: sovereignVariables.ALLOWED_CONTENT_TYPES,
      MAX_SIZE_BYTES: sovereignVariables.MAX_SIZE_BYTES,
      EXPIRY_SECONDS: sovereignVariables.EXPIRY_SECONDS,
      KMS_KEY_ARNS: '{"avatars-original":"${aws_kms_key.standby-serving_outage-key_key.arn}"}',
      PSEUDONYM_DOMAIN: "standby",
      PSEUDONYM_KEY_ID: "${aws_kms_external_key.commercial-key-standby-pseudonyms_key.arn}",
      SUBJECT_SEALING_PUBLIC_KEY: "${data.aws_kms_public_key.sovereign-outage-subjects-public-key.public_key_pem}",
    });
    expect(json.data?.aws_kms_public_key).toEqual({
      "sovereign-outage-subjects-public-key": expect.objectContaining({
        provider: "aws.sovereign",
        key_id: "${aws_kms_key.sovereign-key-outage-subjects_key.arn}",
      }),
    });
  });

  it("lets the standby upload function sign uploads into the inbox, use its key and derive standby pseudonyms, nothing more", () => {
    const grants = statementsOf(json, "standby-serving_upload_role-policy")
      .filter((s) => !basics.includes(s.Sid))
      .map((s) => [s.Sid, s.Action, s.Resource]);
    expect(grants).toEqual([
      [
        "DeriveStandbyPseudonyms",
        "kms:GenerateMac",
        "${aws_kms_external_key.commercial-key-standby-pseudonyms_key.arn}",
      ],
      [
        "IssueUploadsIntoInbox",
        [
          "s3:AbortMultipartUpload",
          "s3:GetObject",
          "s3:GetObjectTagging",
          "s3:ListMultipartUploadParts",
          "s3:PutObject",
          "s3:PutObjectTagging",
        ],
        "${aws_s3_bucket.standby-serving_outage-inbox_bucket.arn}/*",
      ],
      [
        "UseInboxKey",
        ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        "${aws_kms_key.standby-serving_outage-key_key.arn}",
      ],
    ]);
  });

  it("gives failback the way home: its environment, the sealing key (its role alone), both pseudonym keys, the originals bucket", () => {
    // Act
    const fn = resourcesOf(json, "aws_lambda_function")["sync-pipeline-avatars-clean_failback_function"];
    const variables = (fn?.environment as { variables: Record<string, string> } | undefined)?.variables;
    const sealing = resourcesOf(json, "aws_kms_key")["sovereign-key-outage-subjects_key"];
    const grants = statementsOf(json, "sync-pipeline-avatars-clean_failback_role-policy").map((s) => s.Sid);
    // Assess
    expect(variables).toMatchObject({
      OUTAGE_UPLOADS_BUCKET: "example-outage-uploads-222222222222",
      OUTAGE_HOME_BUCKET: "example-avatars-original-111111111111",
      OUTAGE_HOME_KMS_KEY_ID: "${aws_kms_key.sovereign-key-avatars-original_key.arn}",
      SUBJECT_SEALING_KEY_ID: "${aws_kms_key.sovereign-key-outage-subjects_key.arn}",
      PSEUDONYM_KEY_ID: "${aws_kms_key.sovereign-key-pseudonyms_key.arn}",
      STANDBY_PSEUDONYM_KEY_ID: "${aws_kms_external_key.sovereign-key-standby-pseudonyms_key.arn}",
    });
    expect(sealing).toMatchObject({
      provider: "aws.sovereign",
      customer_master_key_spec: "RSA_3072",
      key_usage: "ENCRYPT_DECRYPT",
      enable_key_rotation: false,
    });
    const policy = JSON.parse(String(sealing?.policy)).Statement as Array<{
      Sid: string;
      Principal: unknown;
      Action: unknown;
    }>;
    expect(policy.map((s) => [s.Sid, s.Principal])).toEqual([
      ["KeyAdministration", { AWS: "arn:aws-eusc:iam::111111111111:role/platform-deployer" }],
      ["ReadPublicKey", { AWS: "arn:aws-eusc:iam::111111111111:role/platform-deployer" }],
      ["OpenSealedSubjects", { AWS: "${aws_iam_role.sync-pipeline-avatars-clean_failback_role.arn}" }],
    ]);
    expect(grants).toEqual(
      expect.arrayContaining([
        "OpenSealedSubjects",
        "DeriveSubjectPseudonyms",
        "DeriveStandbyPseudonyms",
        "BringOutageUploadsHome",
        "UseOriginalsKey",
        "ListOriginals",
      ]),
    );
    const home = statementsOf(json, "sync-pipeline-avatars-clean_failback_role-policy").filter((s) =>
      ["OpenSealedSubjects", "BringOutageUploadsHome", "ListOriginals"].includes(s.Sid),
    );
    expect(home).toEqual([
      {
        Sid: "OpenSealedSubjects",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: "${aws_kms_key.sovereign-key-outage-subjects_key.arn}",
        Condition: { StringEquals: { "kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_256" } },
      },
      {
        Sid: "BringOutageUploadsHome",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"],
        Resource: "${aws_s3_bucket.sovereign-bucket-avatars-original_bucket.arn}/*",
      },
      {
        Sid: "ListOriginals",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: ["${aws_s3_bucket.sovereign-bucket-avatars-original_bucket.arn}"],
      },
    ]);
  });

  it("lets failback's Roles Anywhere role list, read and delete every version of the inbox and decrypt it", () => {
    const statements = statementsOf(json, "commercial-roles-anywhere_role-policy-avatars-clean");
    const inbox = statements.filter((s) => s.Sid.includes("OutageInbox")).map((s) => [s.Sid, s.Action, s.Resource]);
    expect(inbox).toEqual([
      [
        "DrainOutageInboxListing",
        ["s3:ListBucket", "s3:ListBucketVersions"],
        "${aws_s3_bucket.standby-serving_outage-inbox_bucket.arn}",
      ],
      [
        "DrainOutageInbox",
        ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject", "s3:GetObjectVersion"],
        "${aws_s3_bucket.standby-serving_outage-inbox_bucket.arn}/*",
      ],
      ["DecryptOutageInbox", "kms:Decrypt", "${aws_kms_key.standby-serving_outage-key_key.arn}"],
    ]);
  });

  it("builds none of this without the outageUploads block: no inbox, no sealing key, no upload routes, no failback variables", () => {
    // Prepare
    const input = exampleInput();
    delete (input.crossPartition as { standby: Record<string, unknown> }).standby.outageUploads;
    // Act
    const tf = synthDeployment(validConfig(input)).json;
    const text = JSON.stringify(tf);
    // Assess
    const found = [
      "outage-uploads",
      "outage-subjects",
      "outage-inbox",
      "SUBJECT_SEALING",
      "OUTAGE_",
      "standby-serving_upload",
      "aws_kms_public_key",
    ].filter((absent) => text.includes(absent));
    expect(found).toEqual([]);
    const routes = Object.entries(resourcesOf(tf, "aws_apigatewayv2_route"))
      .filter(([n]) => n.startsWith("standby-serving_"))
      .map(([, r]) => r.route_key);
    expect(routes).toEqual([...STANDBY_ROUTES]);
  });
});
