import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createCa } from "../functions/certs/ca";
import { MEDIA_TYPES } from "../functions/image-scrub/detect";
import { loadCheckConfig } from "../policies/check";
import { expectOneProblem, problemsOf } from "../test/support/config/problems";
import { exampleInput, PROJECT_ROOT, tempDir } from "../test/template";
import { ConfigError, formatPath, loadDeploymentFile, parseDeployment } from "./load";
import { SCRUBBED_CONTENT_TYPES } from "./schema";

describe("the example configuration", () => {
  it("is valid and fills defaults", () => {
    const result = parseDeployment(exampleInput());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.dataClasses.identity?.allowCrossPartition).toBe(false);
    expect(result.config.dataClasses["avatars-clean"]?.allowCrossPartition).toBe(true);
  });

  it("defaults the upload limits and function sizing", () => {
    const result = parseDeployment(exampleInput());
    expect(result.ok && result.config.upload).toMatchObject({
      allowedContentTypes: ["image/jpeg", "image/png", "image/webp"],
      maxSizeBytes: 10485760,
      expirySeconds: 300,
    });
    expect(result.ok && result.config.functions).toEqual({
      upload: { reservedConcurrency: 10, memorySizeMb: 256, timeoutSeconds: 10 },
      download: { reservedConcurrency: 10, memorySizeMb: 256, timeoutSeconds: 10 },
      signing: { reservedConcurrency: 5, memorySizeMb: 256, timeoutSeconds: 60 },
      scrub: { reservedConcurrency: 5, memorySizeMb: 1024, timeoutSeconds: 120 },
      documentScrub: { reservedConcurrency: 5, memorySizeMb: 2048, timeoutSeconds: 300 },
      webhooks: { reservedConcurrency: 5, memorySizeMb: 256, timeoutSeconds: 60 },
      sync: { reservedConcurrency: 5, memorySizeMb: 512, timeoutSeconds: 600 },
      subjectRequests: { reservedConcurrency: 2, memorySizeMb: 256, timeoutSeconds: 30 },
      subjectRequestRun: { reservedConcurrency: 2, memorySizeMb: 1024, timeoutSeconds: 900 },
    });
  });

  it("fails when pre-signed uploads would live longer than 300 seconds", () => {
    const input = exampleInput() as Record<string, unknown> & { upload: Record<string, unknown> };
    input.upload.expirySeconds = 600;
    expectOneProblem(input, "upload.expirySeconds", /at most 300: pre-signed uploads are short-lived/);
  });

  it("keeps signed evidence ten years unless told otherwise, and between one and ten years", () => {
    // Prepare
    const input = exampleInput() as Record<string, unknown>;
    // Act
    const result = parseDeployment(input);
    // Assess
    expect(result.ok && result.config.signing).toEqual({ evidenceRetentionDays: 3650 });
    expectOneProblem(
      { ...input, signing: { evidenceRetentionDays: 30 } },
      "signing.evidenceRetentionDays",
      /at least 365/,
    );
    expectOneProblem(
      { ...input, signing: { evidenceRetentionDays: 4000 } },
      "signing.evidenceRetentionDays",
      /at most 3650/,
    );
  });

  it("fails when the signing service is configured without documents or an upload pipeline to sign objects of", () => {
    // Prepare
    const input = exampleInput() as Record<string, unknown> & { upload: Record<string, unknown> };
    input.upload.dataClasses = [];
    delete input.upload.cleanDataClass;
    delete input.documents;
    delete input.dns;
    delete (input.crossPartition as { standby?: unknown }).standby; // it serves the image pipeline's replicas
    // Act / Assess
    expectOneProblem(
      input,
      "signing",
      /neither documents nor an upload pipeline is configured. Fix: configure documents/,
    );
  });

  it("gives data-subject requests a month to be approved, a 300 s export link and a week's archive, within bounds", () => {
    // Prepare
    const input = exampleInput() as Record<string, unknown>;
    // Act
    const result = parseDeployment({ ...input, subjectRequests: {} });
    // Assess
    expect(result.ok && result.config.subjectRequests).toEqual({
      approvalTimeoutDays: 30,
      exportUrlExpirySeconds: 300,
      exportRetentionDays: 7,
    });
    expectOneProblem(
      { ...input, subjectRequests: { approvalTimeoutDays: 0 } },
      "subjectRequests.approvalTimeoutDays",
      /at least 1/,
    );
    expectOneProblem(
      { ...input, subjectRequests: { approvalTimeoutDays: 120 } },
      "subjectRequests.approvalTimeoutDays",
      /at most 90/,
    );
    expectOneProblem(
      { ...input, subjectRequests: { exportUrlExpirySeconds: 600 } },
      "subjectRequests.exportUrlExpirySeconds",
      /at most 300/,
    );
    expectOneProblem(
      { ...input, subjectRequests: { exportRetentionDays: 90 } },
      "subjectRequests.exportRetentionDays",
      /at most 30/,
    );
    expectOneProblem({ ...input, subjectRequests: { approvers: ["x"] } }, "subjectRequests.approvers", /approvers/);
  });

  it("fails when data-subject requests are configured without the evidence store of signing", () => {
    const input: Record<string, unknown> = { ...(exampleInput() as Record<string, unknown>), subjectRequests: {} };
    delete input.signing;
    expectOneProblem(input, "subjectRequests", /"signing" configures. Fix: add "signing": \{\}/);
  });

  it("accepts guardrail suppressions of suppressible rules with a reason", () => {
    const input = {
      ...exampleInput(),
      suppressions: [{ ruleId: "SIP-LAMBDA-7", address: "aws_lambda_function.x", reason: "X-Ray not offered" }],
    };
    const result = parseDeployment(input);
    expect(result.ok && result.config.suppressions).toEqual([
      { ruleId: "SIP-LAMBDA-7", address: "aws_lambda_function.x", reason: "X-Ray not offered" },
    ]);
    expectOneProblem(
      { ...exampleInput(), suppressions: [{ ruleId: "lambda-7", address: "x", reason: "r" }] },
      "suppressions[0].ruleId",
      /is not a rule ID/,
    );
  });

  it("defaults the backend to local state", () => {
    const input = exampleInput();
    delete input.backend;
    const result = parseDeployment(input);
    expect(result.ok && result.config.backend).toEqual({ type: "local" });
  });
});

describe("invalid configurations", () => {
  it("fails when a tenant ID is not DNS/S3-safe", () => {
    const input = exampleInput();
    input.tenants[2] = { id: "Klein_Verein", tier: "logical" };
    expectOneProblem(input, "tenants[2].id", /"Klein_Verein" is not DNS\/S3-safe/);
  });

  it.each(["a", "-abc", "abc-", "ab--cd", "xn--abc", "a".repeat(33)])("fails when a tenant ID is %s", (id) => {
    const input = exampleInput();
    input.tenants[1] = { id, tier: "logical" };
    expect(problemsOf(input).map((p) => p.path)).toEqual(["tenants[1].id"]);
  });

  it("fails when tenant IDs repeat, naming the first use", () => {
    const input = exampleInput();
    input.tenants.push({ id: "bergstadt", tier: "logical" });
    expectOneProblem(input, "tenants[3].id", /"bergstadt" is already used by tenants\[1\]/);
  });

  it("fails when an account ID is malformed", () => {
    const input = exampleInput();
    input.partitions.commercial.accountId = "2222-2222-2222";
    expectOneProblem(input, "partitions.commercial.accountId", /"2222-2222-2222" is malformed/);
  });

  it("fails when the egress zone is not one of the network's zones", () => {
    const input = exampleInput();
    (input.partitions.sovereign.network as { egressZone?: string }).egressZone = "eusc-de-east-1f";
    expectOneProblem(
      input,
      "partitions.sovereign.network.egressZone",
      /not one of availabilityZones\. Fix: use one of "eusc-de-east-1a"/,
    );
  });

  it("fails when an account ID is a JSON number, explaining the lost zeros", () => {
    const input = exampleInput();
    (input.partitions.sovereign as { accountId: unknown }).accountId = 11111111111;
    expectOneProblem(input, "partitions.sovereign.accountId", /string of 12 digits, got number.*leading zeros/);
  });

  it("fails when the commercial region is outside the EU", () => {
    const input = exampleInput();
    input.partitions.commercial.region = "us-east-1";
    expectOneProblem(input, "partitions.commercial.region", /"us-east-1" is outside the EU/);
  });

  it("fails when the commercial region is London (eu- prefix, not EU)", () => {
    const input = exampleInput();
    input.partitions.commercial.region = "eu-west-2";
    expectOneProblem(input, "partitions.commercial.region", /London, United Kingdom/);
  });

  it("fails when the sovereign side is given a commercial region", () => {
    const input = exampleInput();
    input.partitions.sovereign.region = "eu-central-1";
    expectOneProblem(
      input,
      "partitions.sovereign.region",
      /belongs to partition aws, but this side must be in aws-eusc/,
    );
  });

  it("fails when a tier is unknown", () => {
    const input = exampleInput();
    (input.tenants[1] as { tier: string }).tier = "cluster";
    expect(problemsOf(input).map((p) => [p.path, p.message])).toContainEqual([
      "tenants[1].tier",
      expect.stringMatching(/"cluster" is not known. Fix: use one of account, vpc, logical/),
    ]);
  });

  it("fails when tier account has no accountEmail", () => {
    const input = exampleInput();
    delete input.tenants[0]?.accountEmail;
    expectOneProblem(input, "tenants[0].accountEmail", /needs a root e-mail address/);
  });

  it("fails when an accountId is given to another tier, or names a platform account", () => {
    const input = exampleInput();
    if (input.tenants[1]) input.tenants[1].accountId = "444444444444";
    expectOneProblem(input, "tenants[1].accountId", /applies only to tier "account"/);
    const platform = exampleInput();
    if (platform.tenants[0]) platform.tenants[0].accountId = "111111111111";
    expectOneProblem(platform, "tenants[0].accountId", /is a platform account/);
  });

  it("fails when tier vpc has no vpcCidr, or a public one", () => {
    const input = exampleInput();
    delete input.tenants[1]?.vpcCidr;
    expectOneProblem(input, "tenants[1].vpcCidr", /needs an address range/);
    const pub = exampleInput();
    if (pub.tenants[1]) pub.tenants[1].vpcCidr = "8.8.0.0/16";
    expectOneProblem(pub, "tenants[1].vpcCidr", /not a private \/16-\/24 range/);
    const hostBits = exampleInput();
    hostBits.partitions.sovereign.network.vpcCidr = "10.10.1.0/16";
    expectOneProblem(hostBits, "partitions.sovereign.network.vpcCidr", /"10.10.1.0\/16" has host bits set/);
  });

  it("fails when a tenant names an undeclared data class", () => {
    const input = exampleInput();
    if (input.tenants[2])
      input.tenants[2].dataClasses = [
        "avatars-original",
        "avatars-clean",
        "documents-original",
        "documents-clean",
        "medical",
      ];
    expectOneProblem(input, "tenants[2].dataClasses[4]", /"medical" is not declared/);
  });

  it("fails when a logical-tier tenant's data classes leave out the upload pipeline's", () => {
    const input = exampleInput();
    if (input.tenants[2]) input.tenants[2].dataClasses = ["avatars-clean", "documents-original", "documents-clean"];
    expectOneProblem(
      input,
      "tenants[2].dataClasses",
      /uploads through the upload API as its own role.*lack avatars-original\. Fix: add "avatars-original"/,
    );
  });

  it("fails when an upload data class crosses partitions (unscrubbed originals would cross; two notifications on one bucket)", () => {
    const input = exampleInput();
    input.dataClasses["avatars-original"] = {
      ...input.dataClasses["avatars-original"],
      retentionDays: 30,
      allowCrossPartition: true,
    };
    expectOneProblem(
      input,
      "upload.dataClasses[0]",
      /"avatars-original" accepts uploads and sets allowCrossPartition.*S3 keeps only one/,
    );
  });

  it("fails when a crossing class's certificate CN would exceed 64 characters", () => {
    const input = exampleInput();
    if (input.crossPartition !== undefined) input.crossPartition.workloadCommonName = "w".repeat(55);
    expectOneProblem(
      input,
      "crossPartition.workloadCommonName",
      /would exceed 64 characters for avatars-clean\. Fix: shorten/,
    );
  });

  it("fails when a vpc-tier tenant's data classes leave out the upload pipeline's (its role writes there too)", () => {
    const input = exampleInput();
    if (input.tenants[1]) input.tenants[1].dataClasses = ["avatars-clean", "documents-original", "documents-clean"];
    expectOneProblem(
      input,
      "tenants[1].dataClasses",
      /a vpc-tier tenant uploads through the upload API as its own role.*lack avatars-original/,
    );
  });

  it("fails when no data class is declared", () => {
    const input = exampleInput();
    input.dataClasses = {};
    delete input.tenants[2]?.dataClasses;
    input.upload.dataClasses = [];
    delete input.upload.cleanDataClass;
    delete (input as { signing?: unknown }).signing;
    delete (input as { subjectRequests?: unknown }).subjectRequests;
    delete (input as { documents?: unknown }).documents;
    delete (input as { dns?: unknown }).dns;
    delete input.crossPartition?.standby;
    expectOneProblem(input, "dataClasses", /no data class is declared/);
  });

  it("fails when a field is unknown, naming it", () => {
    const input = exampleInput();
    (input.tenants[0] as Record<string, unknown>).tenantTier = "account";
    expectOneProblem(input, "tenants[0].tenantTier", /unknown field "tenantTier"/);
  });

  it("fails when a required field is missing", () => {
    const input = exampleInput();
    delete (input.upload.oidc as { audience?: string }).audience;
    expectOneProblem(input, "upload.oidc.audience", /required but missing/);
  });

  it("fails when the OIDC issuer is not https", () => {
    const input = exampleInput();
    input.upload.oidc.issuer = "http://login.example.org";
    expectOneProblem(input, "upload.oidc.issuer", /must be an https URL/);
  });

  it("fails when the local state path is absolute or inside cdktf.out", () => {
    const input = exampleInput();
    input.backend = { type: "local", path: "/var/state/x.tfstate" };
    expectOneProblem(input, "backend.path", /is absolute/);
    input.backend = { type: "local", path: "cdktf.out/x.tfstate" };
    expectOneProblem(input, "backend.path", /inside cdktf.out/);
  });

  it("fails when the S3 state key belongs to the commercial partition", () => {
    const input = exampleInput();
    input.backend = {
      type: "s3",
      bucket: "example-state",
      key: "example.tfstate",
      kmsKeyId: "arn:aws:kms:eu-central-1:111111111111:key/abc",
    };
    expectOneProblem(input, "backend.kmsKeyId", /not a KMS key of the aws-eusc partition/);
  });

  it("fails when the S3 backend names its own bucket without its key", () => {
    // Prepare
    const input = exampleInput();
    input.backend = { type: "s3", bucket: "example-own-state-111111111111" };
    // Act, Assess
    expectOneProblem(
      input,
      "backend.kmsKeyId",
      /names a state bucket of your own, but kmsKeyId is missing.*Fix: add the kmsKeyId of your bucket's key, or remove bucket/,
    );
  });

  it("fails when the S3 backend names a key without its bucket", () => {
    // Prepare
    const input = exampleInput();
    input.backend = { type: "s3", key: "platform/other.tfstate", kmsKeyId: "alias/other-state" };
    // Act, Assess
    expectOneProblem(
      input,
      "backend.bucket",
      /names a key, but bucket is missing.*refuses writes encrypted with any key but its own.*Fix: add the bucket that key belongs to, or remove kmsKeyId/,
    );
  });

  it("accepts an S3 backend without names, or with only the object key", () => {
    // Prepare
    const bare = exampleInput();
    bare.backend = { type: "s3" };
    const keyOnly = exampleInput();
    keyOnly.backend = { type: "s3", key: "platform/blue.tfstate" };
    // Act
    const results = [parseDeployment(bare), parseDeployment(keyOnly)];
    // Assess
    expect(results.map((r) => r.ok && r.config.backend)).toEqual([
      { type: "s3" },
      { type: "s3", key: "platform/blue.tfstate" },
    ]);
  });

  it("fails when a retention is not a positive whole number", () => {
    const input = exampleInput();
    if (input.dataClasses.identity) input.dataClasses.identity.retentionDays = 0.5;
    expectOneProblem(input, "dataClasses.identity.retentionDays", /whole number of days/);
  });

  it("fails when fewer than two availability zones are given", () => {
    const input = exampleInput();
    input.partitions.sovereign.network.availabilityZones = ["eusc-de-east-1a"];
    expectOneProblem(input, "partitions.sovereign.network.availabilityZones", /at least two availability zones/);
  });

  it("fails when an availability zone repeats or lies in another region", () => {
    const input = exampleInput();
    input.partitions.sovereign.network.availabilityZones = ["eusc-de-east-1a", "eu-central-1b", "eusc-de-east-1a"];
    const problems = problemsOf(input);
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      [
        "partitions.sovereign.network.availabilityZones[1]",
        expect.stringMatching(/"eu-central-1b" is not in the sovereign region eusc-de-east-1/),
      ],
      ["partitions.sovereign.network.availabilityZones[2]", expect.stringMatching(/listed twice/)],
    ]);
  });

  it("fails when the administrator role is given as an ARN", () => {
    const input = exampleInput();
    input.partitions.commercial.administratorRoleName = "arn:aws:iam::222222222222:role/platform-deployer";
    expectOneProblem(
      input,
      "partitions.commercial.administratorRoleName",
      /is not an IAM role name. Fix: use the name \(not the ARN\)/,
    );
  });

  it("fails when a side's role to assume is in the other partition, naming the path", () => {
    // Prepare
    const input = exampleInput();
    input.partitions.commercial.credentials = {
      assumeRole: { roleArn: "arn:aws-eusc:iam::222222222222:role/platform-deployer" },
    };
    // Assess
    expectOneProblem(
      input,
      "partitions.commercial.credentials.assumeRole.roleArn",
      /is a role of partition aws-eusc, but the commercial side is in aws: a partition has its own IAM.*Fix: use the role's ARN in aws/,
    );
  });

  it("fails when the role to assume is in another account, is not the administrator role, or is no role ARN", () => {
    // Prepare
    const otherAccount = exampleInput();
    otherAccount.partitions.commercial.credentials = {
      assumeRole: { roleArn: "arn:aws:iam::999999999999:role/platform-deployer" },
    };
    const otherRole = exampleInput();
    otherRole.partitions.commercial.credentials = { assumeRole: { roleArn: "arn:aws:iam::222222222222:role/ci" } };
    const notRole = exampleInput();
    notRole.partitions.commercial.credentials = { assumeRole: { roleArn: "arn:aws:iam::222222222222:user/ci" } };
    // Assess
    expectOneProblem(
      otherAccount,
      "partitions.commercial.credentials.assumeRole.roleArn",
      /in account 999999999999, but the commercial side deploys into 222222222222/,
    );
    expectOneProblem(
      otherRole,
      "partitions.commercial.credentials.assumeRole.roleArn",
      /the role is "ci", but partitions.commercial.administratorRoleName is "platform-deployer"/,
    );
    expectOneProblem(notRole, "partitions.commercial.credentials.assumeRole.roleArn", /is not an IAM role ARN/);
  });

  it("fails when both sides would use one credential chain", () => {
    // Prepare
    const none = exampleInput();
    delete none.partitions.sovereign.credentials;
    delete none.partitions.commercial.credentials;
    const same = exampleInput();
    same.partitions.sovereign.credentials = { profile: "deploy" };
    same.partitions.commercial.credentials = { profile: "deploy" };
    // Assess
    expectOneProblem(
      none,
      "partitions.commercial.credentials",
      /neither side says how Terraform gets credentials, so both would use the same default credential chain/,
    );
    expectOneProblem(same, "partitions.commercial.credentials", /both sides name the same credentials/);
  });

  it("fails when credentials name neither a profile nor a role, or the session is too long", () => {
    // Prepare
    const empty = exampleInput();
    empty.partitions.sovereign.credentials = {};
    const long = exampleInput();
    long.partitions.commercial.credentials = {
      assumeRole: { roleArn: "arn:aws:iam::222222222222:role/platform-deployer", durationSeconds: 86400 },
    };
    // Assess
    expectOneProblem(empty, "partitions.sovereign.credentials", /name neither a profile nor a role/);
    expectOneProblem(long, "partitions.commercial.credentials.assumeRole.durationSeconds", /at most 43200/);
  });

  it.each([
    "http://app.example.org",
    "https://app.example.org/",
    "https://*.example.org",
    "https://app.example.org/upload",
  ])("fails when an upload origin is %s", (origin) => {
    const input = exampleInput();
    input.upload.allowedOrigins = [origin];
    expectOneProblem(input, "upload.allowedOrigins[0]", /is not an https origin/);
  });

  it("fails when uploads have no separate clean data class to be scrubbed into", () => {
    const input = exampleInput();
    delete input.upload.cleanDataClass;
    expectOneProblem(input, "upload.cleanDataClass", /none is named/);
    input.upload.cleanDataClass = "avatars-original";
    expectOneProblem(input, "upload.cleanDataClass", /also accepts uploads/);
  });

  it("fails when upload data classes are undeclared or have no origin to come from", () => {
    const input = exampleInput();
    input.upload.dataClasses = ["selfies"];
    expectOneProblem(input, "upload.dataClasses[0]", /"selfies" is not declared/);
    const noOrigin = exampleInput();
    noOrigin.upload.allowedOrigins = [];
    delete (noOrigin as { documents?: unknown }).documents;
    expectOneProblem(noOrigin, "upload.allowedOrigins", /no origin may send them/);
  });

  it("reports every problem at once, each with its path", () => {
    const input = exampleInput();
    input.environment = "Prod";
    input.partitions.sovereign.region = "us-east-1";
    input.tenants.push({ id: "acme-health", tier: "logical" }, { id: "Bad", tier: "logical" });
    const paths = problemsOf(input).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(["environment", "partitions.sovereign.region", "tenants[3].id", "tenants[4].id"]),
    );
    expect(paths).toHaveLength(4);
  });
});

describe("mistakes a user can make by hand", () => {
  const suppression = (s: Record<string, unknown>) => ({
    ...exampleInput(),
    suppressions: [{ ruleId: "SIP-LAMBDA-7", address: "aws_lambda_function.x", reason: "X-Ray not offered", ...s }],
  });

  it("fails when a suppression has no reason or a blank one", () => {
    expectOneProblem(
      suppression({ reason: undefined }),
      "suppressions[0].reason",
      /a suppression has no reason.*Fix: say why/,
    );
    expectOneProblem(suppression({ reason: "  " }), "suppressions[0].reason", /the reason is empty.*Fix: say why/);
  });

  it.each(["SIP-RES-1", "SIP-RES-6", "SIP-OUT-1", "SIP-SUP-2"])(
    "fails when a suppression names the unsuppressible rule %s",
    (ruleId) => {
      expectOneProblem(
        suppression({ ruleId }),
        "suppressions[0].ruleId",
        new RegExp(`rule ${ruleId} may not be suppressed.*Fix: remove the suppression`),
      );
    },
  );

  it("fails when a suppression names a rule that does not exist, or repeats another", () => {
    expectOneProblem(
      suppression({ ruleId: "SIP-LAMBDA-99" }),
      "suppressions[0].ruleId",
      /rule SIP-LAMBDA-99 does not exist.*Fix: use a rule ID from policies\/RULES\.md/,
    );
    const twice = suppression({});
    twice.suppressions = [
      ...twice.suppressions,
      { ruleId: "SIP-LAMBDA-7", address: "aws_lambda_function.x", reason: "again" },
    ];
    expectOneProblem(
      twice,
      "suppressions[1]",
      /the same suppression \(ruleId, address, stack\) is listed twice \(first as suppressions\[0\]\)\. Fix: list it once/,
    );
  });

  it("fails when two account-tier tenants share an account ID", () => {
    const input = exampleInput();
    input.tenants.push({
      id: "acme-dental",
      tier: "account",
      accountEmail: "aws-acme-dental@example.org",
      accountId: "333333333333",
    });
    expectOneProblem(
      input,
      "tenants[3].accountId",
      /account 333333333333 is already the account of tenants\[0\] \("acme-health"\).*Fix: give each account-tier tenant its own account/,
    );
  });

  it("fails when two account-tier tenants share an e-mail address, in any case", () => {
    const input = exampleInput();
    input.tenants.push({ id: "acme-dental", tier: "account", accountEmail: "AWS-Acme-Health@Example.org" });
    expectOneProblem(
      input,
      "tenants[3].accountEmail",
      /"AWS-Acme-Health@Example.org" is already the root address of tenants\[0\] \("acme-health"\) \(addresses compare case-insensitively\)/,
    );
  });

  it("fails when the OIDC issuer is given as its discovery document's URL", () => {
    const input = exampleInput();
    input.upload.oidc.issuer = "https://login.example.org/realms/platform/.well-known/openid-configuration";
    expectOneProblem(
      input,
      "upload.oidc.issuer",
      /is the discovery document's URL, not the issuer.*Fix: write "https:\/\/login\.example\.org\/realms\/platform"/,
    );
    input.upload.oidc.issuer = "https://login.example.org/realms/platform?x=1";
    expectOneProblem(input, "upload.oidc.issuer", /has a query or fragment/);
  });

  it.each(["text/html", "application/pdf", "image/gif", "IMAGE/JPEG"])(
    "fails when uploads allow %s, which the scrubber cannot process",
    (type) => {
      const input = exampleInput();
      (input.upload as { allowedContentTypes: string[] }).allowedContentTypes = ["image/jpeg", type];
      expectOneProblem(
        input,
        "upload.allowedContentTypes[1]",
        /the scrubber rewrites only image\/jpeg, image\/png, image\/webp.*Fix: list only those/,
      );
    },
  );

  it("allows as upload content types exactly what the scrubber rewrites", () => {
    expect([...SCRUBBED_CONTENT_TYPES]).toEqual(Object.values(MEDIA_TYPES));
  });

  it.each([
    ["partitions.sovereign.network.vpcCidr", "010.10.0.0/16", "10.10.0.0/16"],
    ["tenants[1].vpcCidr", "10.020.0.0/16", "10.20.0.0/16"],
    ["tenants[1].vpcCidr", "10.20.0.0/016", "10.20.0.0/16"],
  ])("fails when %s is not canonical (%s)", (path, cidr, canonical) => {
    const input = exampleInput();
    if (path.startsWith("tenants") && input.tenants[1]) input.tenants[1].vpcCidr = cidr;
    else input.partitions.sovereign.network.vpcCidr = cidr;
    expectOneProblem(input, path, new RegExp(`has leading zeros.*Fix: write "${canonical.replace(/\./g, "\\.")}"`));
  });

  it.each([
    ["", /state path is empty/],
    ["   ", /state path is empty/],
    ["../x.tfstate", /leads out of the project/],
    ["state/../../x.tfstate", /leads out of the project/],
    ["..", /leads out of the project/],
    ["state/", /names a folder/],
    [".", /names a folder/],
  ])("fails when the local state path is %j", (path, message) => {
    const input = exampleInput();
    input.backend = { type: "local", path };
    expectOneProblem(input, "backend.path", message);
  });

  it.each(["/platform/x.tfstate", "platform/", "platform/../x.tfstate"])("fails when the S3 state key is %j", (key) => {
    const input = exampleInput();
    input.backend = { type: "s3", key };
    expectOneProblem(input, "backend.key", /starts or ends with "\/" or holds "\." or "\.\." segments/);
  });

  it.each([
    ["dataclass", "(root)", "dataClasses"],
    ["enviroment", "(root)", "environment"],
    ["egresszone", "partitions.sovereign.network", "egressZone"],
    ["pth", "backend", "path"],
    ["allowCrossPartitions", "dataClasses.identity", "allowCrossPartition"],
  ])("fails when a field is misspelt as %s, suggesting the nearest known one", (key, parent, known) => {
    // Prepare
    const input = exampleInput() as Record<string, unknown>;
    let target: Record<string, unknown> = input;
    if (parent !== "(root)") for (const part of parent.split(".")) target = target[part] as Record<string, unknown>;
    target[key] = "x";
    // Act
    const problems = problemsOf(input);
    // Assess
    expect(problems).toContainEqual({
      path: parent === "(root)" ? key : `${parent}.${key}`,
      message: `unknown field "${key}". Fix: did you mean "${known}"? Rename it, or remove it (see docs/configuration.md)`,
    });
  });

  it("lists the known fields when an unknown one is near none of them", () => {
    const input = exampleInput();
    (input.upload.oidc as Record<string, unknown>).clientSecret = "x";
    expectOneProblem(
      input,
      "upload.oidc.clientSecret",
      /unknown field "clientSecret". Fix: remove it or correct its spelling \(known here: issuer, audience;/,
    );
  });

  it.each([
    [
      "tenants[0].displayName",
      (i: ReturnType<typeof exampleInput>) => Object.assign(i.tenants[0] ?? {}, { displayName: "" }),
    ],
    [
      "tenants[0].displayName",
      (i: ReturnType<typeof exampleInput>) => Object.assign(i.tenants[0] ?? {}, { displayName: "   " }),
    ],
    [
      "dataClasses.identity.description",
      (i: ReturnType<typeof exampleInput>) => Object.assign(i.dataClasses.identity ?? {}, { description: " " }),
    ],
    ["upload.oidc.audience", (i: ReturnType<typeof exampleInput>) => Object.assign(i.upload.oidc, { audience: "  " })],
    [
      "crossPartition.caCertificateFile",
      (i: ReturnType<typeof exampleInput>) => Object.assign(i.crossPartition ?? {}, { caCertificateFile: " " }),
    ],
  ])("fails when %s is empty or only spaces", (path, edit) => {
    const input = exampleInput();
    edit(input);
    expectOneProblem(input, path, /is empty or only spaces\. Fix: /);
  });

  it("fails when the workload common name starts or ends with a space", () => {
    const input = exampleInput();
    if (input.crossPartition) input.crossPartition.workloadCommonName = " sip-sync";
    expectOneProblem(
      input,
      "crossPartition.workloadCommonName",
      /not a usable certificate common name.*not starting or ending with a space/,
    );
  });

  it("fails when a retention is given as a string, saying to drop the quotes", () => {
    const input = exampleInput();
    (input.dataClasses.identity as { retentionDays: unknown }).retentionDays = "365";
    expectOneProblem(
      input,
      "dataClasses.identity.retentionDays",
      /retentionDays is the string "365", not a number\. Fix: write it without quotes, e\.g\. 365/,
    );
  });

  it.each([
    [
      "upload.allowedOrigins",
      (i: ReturnType<typeof exampleInput>) =>
        Object.assign(i.upload, { allowedOrigins: ["https://app.example.org", "https://app.example.org"] }),
      /origin "https:\/\/app\.example\.org" is listed twice \(first as upload\.allowedOrigins\[0\]\)/,
    ],
    [
      "upload.allowedContentTypes",
      (i: ReturnType<typeof exampleInput>) =>
        Object.assign(i.upload, { allowedContentTypes: ["image/png", "image/jpeg", "image/png"] }),
      /content type "image\/png" is listed twice/,
    ],
    [
      "tenants[2].dataClasses",
      (i: ReturnType<typeof exampleInput>) =>
        Object.assign(i.tenants[2] ?? {}, {
          dataClasses: ["avatars-original", "avatars-clean", "documents-original", "documents-clean", "avatars-clean"],
        }),
      /data class "avatars-clean" is listed twice/,
    ],
  ])("fails when %s lists an entry twice", (path, edit, message) => {
    const input = exampleInput();
    edit(input);
    const problems = problemsOf(input);
    expect(problems.map((p) => p.path)).toEqual([
      expect.stringMatching(new RegExp(`^${path.replace(/[.[\]]/g, "\\$&")}\\[\\d\\]$`)),
    ]);
    expect(problems[0]?.message).toMatch(message);
  });

  it("fails when upload.dataClasses lists one class twice", () => {
    const input = exampleInput();
    input.upload.dataClasses = ["avatars-original", "avatars-original"];
    expect(problemsOf(input)).toContainEqual({
      path: "upload.dataClasses[1]",
      message: expect.stringMatching(/data class "avatars-original" is listed twice/),
    });
  });

  it("names a fix for limits without a message of their own", () => {
    const input = exampleInput();
    input.functions = { upload: { memorySizeMb: 64 } };
    expectOneProblem(
      input,
      "functions.upload.memorySizeMb",
      /number 64 is below the minimum 128\. Fix: use 128 or more/,
    );
  });
});

describe("names derived from the configuration", () => {
  it.each([
    [
      "logs",
      /construct ID \(Terraform address\) "sovereign-key-logs" is also derived for the platform's construct "sovereign-key-logs"/,
    ],
    ["functions", /"sovereign-key-functions"/],
    ["pseudonyms", /"sovereign-key-pseudonyms"/],
    [
      "audit",
      /"sovereign-key-audit".*S3 bucket name in the aws-eusc partition "example-audit-111111111111" is also derived for the platform's audit trail bucket/,
    ],
    [
      "tfstate",
      /S3 bucket name in the aws-eusc partition "example-tfstate-111111111111" is also derived for the platform's Terraform state bucket \(bootstrap stack\)/,
    ],
    ["tfstate-audit", /"example-tfstate-audit-111111111111"/],
  ])("fails when a data class is named %s, like a platform resource", (name, message) => {
    const input = exampleInput();
    input.dataClasses[name] = { retentionDays: 30 };
    expectOneProblem(input, `dataClasses.${name}`, message);
  });

  it("fails when one data class's derived IDs collide with another's (x and x-name)", () => {
    const input = exampleInput();
    input.dataClasses["identity-name"] = { retentionDays: 30 };
    expectOneProblem(
      input,
      "dataClasses.identity-name",
      /construct ID \(Terraform address\) "sovereign-bucket-identity-name" is also derived for data class "identity" \(dataClasses\.identity\)\. Fix: rename the data class/,
    );
  });

  it("fails when a tenant's role name collides with another tenant's (tenant-x and x-vpc-flow-logs)", () => {
    const input = exampleInput();
    input.tenants.push(
      { id: "tenant-zeta", tier: "vpc", vpcCidr: "10.30.0.0/16" },
      { id: "zeta-vpc-flow-logs", tier: "logical" },
    );
    expectOneProblem(
      input,
      "tenants[4].id",
      /IAM role name in the sovereign account "example-tenant-zeta-vpc-flow-logs" is also derived for tenant "tenant-zeta" \(tenants\[3\]\.id\)/,
    );
  });

  it("fails when the S3 backend's own bucket is a bucket the platform creates", () => {
    const input = exampleInput();
    input.backend = { type: "s3", bucket: "example-identity-111111111111", kmsKeyId: "alias/own" };
    expectOneProblem(
      input,
      "backend.bucket",
      /"example-identity-111111111111" is also derived for data class "identity"/,
    );
    input.backend = { type: "s3", bucket: "example-tfstate-111111111111", kmsKeyId: "alias/example/terraform-state" };
    expect(parseDeployment(input).ok).toBe(true);
  });
});

/** Writes a configuration file (an input, or its text) into `dir` with the example's CA certificate beside it. */
function writeDeployment(dir: string, name: string, content: unknown): string {
  writeFileSync(join(dir, "example-ca.pem"), readFileSync(join(PROJECT_ROOT, "config", "example-ca.pem")));
  const file = join(dir, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return file;
}

describe("loadDeploymentFile", () => {
  it("names the file and every problem in one error", () => {
    const { dir, cleanup } = tempDir();
    try {
      const input = exampleInput();
      input.environment = "X";
      input.partitions.commercial.accountId = "1";
      const file = writeDeployment(dir, "bad.json", input);
      expect(() => loadDeploymentFile(file)).toThrow(ConfigError);
      try {
        loadDeploymentFile(file);
      } catch (err) {
        expect((err as ConfigError).message).toMatch(
          /bad\.json: 2 problems in the configuration:\n {2}- environment: .*\n {2}- partitions\.commercial\.accountId: /,
        );
      }
    } finally {
      cleanup();
    }
  });

  it("fails on a missing file and on invalid JSON, saying so", () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, "sub"));
      writeFileSync(join(dir, "broken.json"), '{ "environment": ');
      expect(() => loadDeploymentFile(join(dir, "absent.json"))).toThrow(/file not found/);
      expect(() => loadDeploymentFile(join(dir, "broken.json"))).toThrow(/not valid JSON/);
    } finally {
      cleanup();
    }
  });

  it("fails on a JSON syntax error, naming its line and column, for main.ts and for check --config", () => {
    // Prepare
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, "deployment.json");
      writeFileSync(
        file,
        JSON.stringify(exampleInput(), null, 2).replace('"environment": "example",', '"environment": "example"'),
      );
      // Act, Assess
      expect(() => loadDeploymentFile(file)).toThrow(
        /deployment\.json: 1 problem in the configuration:\n {2}- \(file\): not valid JSON at line 4, column 3: expected "," or "\}", found "\\"". Fix: /,
      );
      expect(() => loadCheckConfig(file)).toThrow(/deployment\.json: \(file\): not valid JSON at line 4, column 3: /);
    } finally {
      cleanup();
    }
  });

  it("fails when a key repeats, naming both places, together with every other problem", () => {
    // Prepare: a second "identity" silently made the sovereign-only class a crossing one.
    const { dir, cleanup } = tempDir();
    try {
      const input = exampleInput();
      input.environment = "X";
      const file = writeDeployment(
        dir,
        "deployment.json",
        JSON.stringify(input, null, 2).replace(
          '"dataClasses": {',
          '"dataClasses": {\n    "identity": { "retentionDays": 2555, "allowCrossPartition": true },',
        ),
      );
      // Act
      let error: ConfigError | undefined;
      try {
        loadDeploymentFile(file);
      } catch (err) {
        error = err as ConfigError;
      }
      // Assess
      expect(error?.problems.map((p) => p.path)).toEqual(["dataClasses.identity", "environment"]);
      expect(error?.problems[0]?.message).toMatch(
        /^key "identity" is given twice in dataClasses: at line 34, column 5 and at line 35, column 5; JSON keeps only the last.*Fix: remove one of them/,
      );
      expect(() => loadCheckConfig(file)).toThrow(/dataClasses\.identity: key "identity" is given twice/);
    } finally {
      cleanup();
    }
  });
});

describe("crossPartition", () => {
  it("is required when a data class may cross partitions", () => {
    const input = exampleInput();
    delete input.crossPartition;
    expectOneProblem(
      input,
      "crossPartition",
      /avatars-clean allow cross-partition replication, which needs the Roles Anywhere trust/,
    );
  });

  function loadWithCa(caContent: string | undefined, caFile = "ca.pem") {
    const { dir, cleanup } = tempDir();
    try {
      const input = exampleInput();
      if (input.crossPartition) input.crossPartition.caCertificateFile = caFile;
      writeFileSync(join(dir, "deployment.json"), JSON.stringify(input));
      if (caContent !== undefined) writeFileSync(join(dir, "ca.pem"), caContent);
      return loadDeploymentFile(join(dir, "deployment.json"));
    } finally {
      cleanup();
    }
  }
  const exampleCa = () => readFileSync(join(PROJECT_ROOT, "config", "example-ca.pem"), "utf8");

  it("reads the CA certificate relative to the configuration file, with LF line endings", () => {
    expect(loadWithCa(exampleCa()).crossPartition?.caCertificatePem).toBe(exampleCa());
    expect(loadWithCa(exampleCa().replace(/\n/g, "\r\n")).crossPartition?.caCertificatePem).toBe(exampleCa());
  });

  it("fails when the CA certificate file is missing, absolute, not a CA, several certificates or holds a key", () => {
    expect(() => loadWithCa(undefined)).toThrow(/crossPartition\.caCertificateFile: "ca.pem" cannot be read/);
    expect(() => loadWithCa(exampleCa(), "/etc/ca.pem")).toThrow(
      /crossPartition\.caCertificateFile: "\/etc\/ca.pem" is absolute/,
    );
    expect(() => loadWithCa(`${exampleCa()}${exampleCa()}`)).toThrow(/must hold exactly one PEM certificate \(found 2/);
    expect(() => loadWithCa(`${exampleCa()}-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n`)).toThrow(
      /contains a private key/,
    );
    expect(() => loadWithCa("not a certificate")).toThrow(/found 0 certificate blocks/);
  });

  it("fails when the CA certificate has expired or is not valid yet", () => {
    // Prepare
    const day = 24 * 3600 * 1000;
    const expired = createCa({
      commonName: "Expired CA",
      keyBits: 2048,
      validityDays: 30,
      now: new Date(Date.now() - 400 * day),
    }).certificatePem;
    const future = createCa({
      commonName: "Future CA",
      keyBits: 2048,
      validityDays: 30,
      now: new Date(Date.now() + 10 * day),
    }).certificatePem;
    // Act, Assess
    expect(() => loadWithCa(expired)).toThrow(
      /crossPartition\.caCertificateFile: "ca.pem" expired on \d{4}-.*Fix: create a new CA \(make certs\)/,
    );
    expect(() => loadWithCa(future)).toThrow(
      /crossPartition\.caCertificateFile: "ca.pem" is not valid before \d{4}-.*Fix: check the clock/,
    );
  });

  it("fails when a certificate block holds no readable certificate", () => {
    expect(() =>
      loadWithCa("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"),
    ).toThrow(/holds a certificate block that is not a readable X\.509 certificate.*Fix: /);
  });

  it("reports the CA certificate's problems together with the configuration's", () => {
    // Prepare
    const { dir, cleanup } = tempDir();
    try {
      const input = exampleInput();
      input.environment = "X";
      writeFileSync(join(dir, "deployment.json"), JSON.stringify(input));
      writeFileSync(join(dir, "example-ca.pem"), "not a certificate");
      // Act
      let error: ConfigError | undefined;
      try {
        loadDeploymentFile(join(dir, "deployment.json"));
      } catch (err) {
        error = err as ConfigError;
      }
      // Assess
      expect(error?.problems.map((p) => p.path)).toEqual(["environment", "crossPartition.caCertificateFile"]);
    } finally {
      cleanup();
    }
  });

  it("fails when the certificate is a leaf, not a CA", () => {
    const leaf = execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "/dev/null",
        "-subj",
        "/CN=leaf",
        "-days",
        "1",
        "-addext",
        "basicConstraints=critical,CA:FALSE",
      ],
      { encoding: "utf8" },
    );
    expect(() => loadWithCa(leaf)).toThrow(/is not a CA certificate/);
  });
});

describe("formatPath", () => {
  it("writes array indices in brackets", () => {
    expect(formatPath(["tenants", 2, "id"])).toBe("tenants[2].id");
    expect(formatPath([])).toBe("(root)");
  });
});
