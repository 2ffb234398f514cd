/**
 * The commercial standby of the read API (crossPartition.standby; stacks/standby-serving.ts): what it
 * deploys, with which provider, and that its function may read the failover bucket and nothing else.
 */
import { describe, expect, it } from "vitest";
import { exampleInput, resourcesOf, synthDeployment, type TfJson, validConfig } from "../test/template";

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

  it("has the read routes only, behind its own JWT authorizer, with encrypted access logs", () => {
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
    ]);
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
