import { runSimulation } from "@cloud-copilot/iam-simulate";
import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf, type TfJson } from "../../test/template";
import { KmsKey } from "../kms-key";
import { PrivateBucket } from "../private-bucket";
import { RolesAnywhereTrust, type RolesAnywhereTrustProps } from "./roles-anywhere-trust";

const CA = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup(overrides: Partial<RolesAnywhereTrustProps> = {}) {
  const s = moduleStack();
  cleanup = s.cleanup;
  const key = new KmsKey(s.stack, "failover-key", {
    placement: s.commercial,
    aliasName: "failover",
    description: "failover",
  });
  const bucket = new PrivateBucket(s.stack, "failover", {
    placement: s.commercial,
    bucketName: "env-avatars-failover-222222222222",
    encryptionKey: key,
    retentionDays: 30,
    allowAccessOutsideVpcEndpoint: true,
  });
  const props: RolesAnywhereTrustProps = {
    placement: s.commercial,
    name: "env",
    caCertificatePem: CA,
    workloadCommonName: "sip-env-sync",
    classes: [{ dataClass: "avatars", bucket }],
    ...overrides,
  };
  return { ...s, props, bucket };
}

const one = (json: TfJson, type: string) => Object.values(resourcesOf(json, type))[0] as Record<string, unknown>;

// Concrete ARNs for the references the synthesized policies hold, as AWS would see them.
const ANCHOR = "arn:aws:rolesanywhere:eu-central-1:222222222222:trust-anchor/ta-0123";
const BUCKET = "arn:aws:s3:::env-avatars-failover-222222222222";
const KEY = "arn:aws:kms:eu-central-1:222222222222:key/0000-1111";
const concrete = (policy: unknown) =>
  JSON.parse(
    String(policy)
      .replaceAll("${aws_rolesanywhere_trust_anchor.trust_trust-anchor.arn}", ANCHOR)
      .replaceAll("${aws_s3_bucket.failover_bucket.arn}", BUCKET)
      .replaceAll("${aws_kms_key.failover-key_key.arn}", KEY),
  );

/** `trust` is the resource policy: the role's trust policy, or a key policy. */
async function simulate(
  action: string,
  resource: string,
  policies: { trust?: unknown; identity?: unknown },
  context: Record<string, string> = {},
  principal = "rolesanywhere.amazonaws.com",
) {
  const result = await runSimulation(
    {
      request: { principal, action, resource: { resource, accountId: "222222222222" }, contextVariables: context },
      identityPolicies: policies.identity ? [{ name: "failover-buckets", policy: policies.identity }] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policies.trust,
    },
    {},
  );
  if (result.resultType !== "single") throw new Error(`simulation failed: ${JSON.stringify(result)}`);
  return result.overallResult;
}

describe("RolesAnywhereTrust", () => {
  it("anchors trust in the platform CA and warns before certificates expire", () => {
    const { stack, props, synth } = setup({ expiryWarningDays: 30 });
    new RolesAnywhereTrust(stack, "trust", props);
    expect(one(synth(), "aws_rolesanywhere_trust_anchor")).toMatchObject({
      name: "env-platform-ca",
      enabled: true,
      provider: "aws.commercial",
      source: { source_type: "CERTIFICATE_BUNDLE", source_data: { x509_certificate_data: CA } },
      notification_settings: [
        { enabled: true, event: "CA_CERTIFICATE_EXPIRY", threshold: 30, channel: "ALL" },
        { enabled: true, event: "END_ENTITY_CERTIFICATE_EXPIRY", threshold: 30, channel: "ALL" },
      ],
    });
  });

  it("bounds sessions in the profile", () => {
    const { stack, props, synth } = setup({ sessionDurationSeconds: 1800 });
    new RolesAnywhereTrust(stack, "trust", props);
    expect(one(synth(), "aws_rolesanywhere_profile")).toMatchObject({
      duration_seconds: 1800,
      enabled: true,
      role_arns: ["${aws_iam_role.trust_role-avatars.arn}"],
    });
  });

  describe("trust policy (IAM simulation)", () => {
    async function trustPolicy() {
      const { stack, props, synth } = setup();
      new RolesAnywhereTrust(stack, "trust", props);
      return concrete(one(synth(), "aws_iam_role").assume_role_policy);
    }

    it("lets Roles Anywhere assume the role for our trust anchor and our workload's subject", async () => {
      const trust = await trustPolicy();
      expect(
        await simulate(
          "sts:AssumeRole",
          "arn:aws:iam::222222222222:role/env-cross-partition-sync-avatars",
          { trust },
          { "aws:SourceArn": ANCHOR, "aws:PrincipalTag/x509Subject/CN": "sip-env-sync-avatars" },
        ),
      ).toBe("Allowed");
    });

    it("denies another certificate subject, also the base name without the data class", async () => {
      const trust = await trustPolicy();
      expect(
        await simulate(
          "sts:AssumeRole",
          "arn:aws:iam::222222222222:role/env-cross-partition-sync-avatars",
          { trust },
          { "aws:SourceArn": ANCHOR, "aws:PrincipalTag/x509Subject/CN": "sip-env-sync" },
        ),
      ).not.toBe("Allowed");
      expect(
        await simulate(
          "sts:AssumeRole",
          "arn:aws:iam::222222222222:role/env-cross-partition-sync-avatars",
          { trust },
          { "aws:SourceArn": ANCHOR, "aws:PrincipalTag/x509Subject/CN": "someone-else" },
        ),
      ).not.toBe("Allowed");
    });

    it("denies another trust anchor, even with the right subject", async () => {
      const trust = await trustPolicy();
      const other = ANCHOR.replace("ta-0123", "ta-9999");
      expect(
        await simulate(
          "sts:AssumeRole",
          "arn:aws:iam::222222222222:role/env-cross-partition-sync-avatars",
          { trust },
          { "aws:SourceArn": other, "aws:PrincipalTag/x509Subject/CN": "sip-env-sync-avatars" },
        ),
      ).not.toBe("Allowed");
    });

    it("denies any other principal", async () => {
      const trust = await trustPolicy();
      const context = { "aws:SourceArn": ANCHOR, "aws:PrincipalTag/x509Subject/CN": "sip-env-sync-avatars" };
      expect(
        await simulate(
          "sts:AssumeRole",
          "arn:aws:iam::222222222222:role/env-cross-partition-sync-avatars",
          { trust },
          context,
          "arn:aws:iam::333333333333:root",
        ),
      ).not.toBe("Allowed");
    });
  });

  describe("permissions (IAM simulation)", () => {
    async function identity() {
      const { stack, props, synth } = setup();
      new RolesAnywhereTrust(stack, "trust", props);
      return concrete(one(synth(), "aws_iam_role_policy").policy);
    }
    async function keyPolicy() {
      const { stack, props, synth } = setup();
      new RolesAnywhereTrust(stack, "trust", props);
      return concrete(one(synth(), "aws_kms_key").policy);
    }
    const role = "arn:aws:iam::222222222222:role/env-cross-partition-sync-avatars";

    it("reads and writes failover objects with the failover key", async () => {
      const policy = await identity();
      expect(await simulate("s3:PutObject", `${BUCKET}/tenant/user/id`, { identity: policy }, {}, role)).toBe(
        "Allowed",
      );
      expect(await simulate("s3:GetObject", `${BUCKET}/tenant/user/id`, { identity: policy }, {}, role)).toBe(
        "Allowed",
      );
      // KMS needs both: the key policy delegating to the account's IAM, and the role's grant.
      const keyUse = { identity: policy, trust: await keyPolicy() };
      expect(await simulate("kms:GenerateDataKey", KEY, keyUse, { "kms:CallerAccount": "222222222222" }, role)).toBe(
        "Allowed",
      );
      expect(
        await simulate(
          "kms:GenerateDataKey",
          KEY,
          { trust: keyUse.trust },
          { "kms:CallerAccount": "222222222222" },
          role,
        ),
      ).not.toBe("Allowed");
    });

    it("deletes replicas (erasure reaches the failover copy), but never object versions", async () => {
      const policy = await identity();
      expect(await simulate("s3:DeleteObject", `${BUCKET}/tenant/user/id`, { identity: policy }, {}, role)).toBe(
        "Allowed",
      );
      expect(
        await simulate("s3:DeleteObjectVersion", `${BUCKET}/tenant/user/id`, { identity: policy }, {}, role),
      ).not.toBe("Allowed");
    });

    it("cannot touch sovereign data, other buckets, or bucket settings", async () => {
      const policy = await identity();
      expect(
        await simulate(
          "s3:GetObject",
          "arn:aws-eusc:s3:::env-avatars-clean-111111111111/x",
          { identity: policy },
          {},
          role,
        ),
      ).not.toBe("Allowed");
      expect(
        await simulate("s3:PutObject", "arn:aws:s3:::some-other-bucket/x", { identity: policy }, {}, role),
      ).not.toBe("Allowed");
      expect(await simulate("s3:PutBucketPolicy", BUCKET, { identity: policy }, {}, role)).not.toBe("Allowed");
      expect(
        await simulate(
          "kms:Decrypt",
          "arn:aws:kms:eu-central-1:222222222222:key/other",
          { identity: policy },
          {},
          role,
        ),
      ).not.toBe("Allowed");
    });
  });

  it.each([
    [{ sessionDurationSeconds: 600 }, /RolesAnywhereTrust\.sessionDurationSeconds/],
    [{ expiryWarningDays: 0 }, /RolesAnywhereTrust\.expiryWarningDays/],
    [
      { caCertificatePem: `${CA}-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n` },
      /RolesAnywhereTrust\.caCertificatePem: .*no private key/,
    ],
    [{ classes: [] }, /RolesAnywhereTrust\.classes/],
    [
      { workloadCommonName: "x".repeat(60) },
      /RolesAnywhereTrust\.workloadCommonName: .*longer than 64 characters for avatars/,
    ],
  ] as const)("fails when %j", (overrides, message) => {
    const { stack, props } = setup();
    expect(() => new RolesAnywhereTrust(stack, "trust", { ...props, ...overrides })).toThrow(message);
  });

  describe("the data-subject erasure role (subjectErasure)", () => {
    const ERASER = "arn:aws:iam::222222222222:role/env-subject-erasure";
    function synthErasure() {
      const { stack, props, synth } = setup({ subjectErasure: true });
      new RolesAnywhereTrust(stack, "trust", props);
      const json = synth();
      const roles = resourcesOf(json, "aws_iam_role");
      const policies = resourcesOf(json, "aws_iam_role_policy");
      return {
        json,
        trust: concrete(roles["trust_role-subject-erasure"]?.assume_role_policy),
        identity: concrete(policies["trust_role-policy-subject-erasure"]?.policy),
        classIdentity: concrete(policies["trust_role-policy-avatars"]?.policy),
      };
    }

    it("is assumed only with the subject-requests workload's certificate and our trust anchor, and is in the profile", async () => {
      const { json, trust } = synthErasure();
      const context = (cn: string) => ({ "aws:SourceArn": ANCHOR, "aws:PrincipalTag/x509Subject/CN": cn });
      expect(await simulate("sts:AssumeRole", ERASER, { trust }, context("sip-env-sync-subject-requests"))).toBe(
        "Allowed",
      );
      // The sync's certificate does not reach it.
      expect(await simulate("sts:AssumeRole", ERASER, { trust }, context("sip-env-sync-avatars"))).not.toBe("Allowed");
      expect(one(json, "aws_rolesanywhere_profile").role_arns).toEqual([
        "${aws_iam_role.trust_role-avatars.arn}",
        "${aws_iam_role.trust_role-subject-erasure.arn}",
      ]);
    });

    it("lists, reads and deletes versions of replicas (the sync's role still cannot), and nothing else", async () => {
      const { identity, classIdentity } = synthErasure();
      const object = `${BUCKET}/tenant/user/id`;
      for (const action of [
        "s3:DeleteObjectVersion",
        "s3:GetObjectVersion",
        "s3:GetObjectRetention",
        "s3:GetObjectLegalHold",
      ])
        expect(await simulate(action, object, { identity }, {}, ERASER), action).toBe("Allowed");
      expect(await simulate("s3:ListBucketVersions", BUCKET, { identity }, {}, ERASER)).toBe("Allowed");
      expect(await simulate("s3:DeleteObjectVersion", object, { identity: classIdentity }, {}, ERASER)).not.toBe(
        "Allowed",
      );
      for (const action of [
        "s3:PutObject",
        "s3:PutObjectRetention",
        "s3:BypassGovernanceRetention",
        "s3:PutBucketPolicy",
      ])
        expect(
          await simulate(action, action.startsWith("s3:PutBucket") ? BUCKET : object, { identity }, {}, ERASER),
          action,
        ).not.toBe("Allowed");
    });

    it("is not made without subjectErasure", () => {
      const { stack, props, synth } = setup();
      new RolesAnywhereTrust(stack, "trust", props);
      expect(Object.keys(resourcesOf(synth(), "aws_iam_role"))).toEqual(["trust_role-avatars"]);
    });
  });

  it("fails when a bucket lives on the other side", () => {
    const { stack, props, sovereign } = setup();
    const key = new KmsKey(stack, "sk", { placement: sovereign, aliasName: "s", description: "s" });
    const sovereignBucket = new PrivateBucket(stack, "s", {
      placement: sovereign,
      bucketName: "env-s-111111111111",
      encryptionKey: key,
      retentionDays: 1,
      vpcEndpointId: "vpce-1",
    });
    expect(
      () =>
        new RolesAnywhereTrust(stack, "trust", { ...props, classes: [{ dataClass: "s", bucket: sovereignBucket }] }),
    ).toThrow(/RolesAnywhereTrust\.classes: .* not on the commercial side/);
  });

  it("gives each crossing data class its own role: one class's certificate reaches neither the other's role nor its bucket", async () => {
    // Prepare
    const { stack, props, synth, commercial } = setup();
    const key = new KmsKey(stack, "documents-key", {
      placement: commercial,
      aliasName: "documents",
      description: "documents",
    });
    const documents = new PrivateBucket(stack, "documents", {
      placement: commercial,
      bucketName: "env-documents-failover-222222222222",
      encryptionKey: key,
      retentionDays: 30,
      allowAccessOutsideVpcEndpoint: true,
    });
    new RolesAnywhereTrust(stack, "trust", {
      ...props,
      classes: [...props.classes, { dataClass: "documents", bucket: documents }],
    });
    const json = synth();
    const roles = resourcesOf(json, "aws_iam_role");
    const policies = resourcesOf(json, "aws_iam_role_policy");
    const avatarsTrust = concrete(roles["trust_role-avatars"]?.assume_role_policy);
    const avatarsPolicy = concrete(policies["trust_role-policy-avatars"]?.policy);
    const documentsBucket = "arn:aws:s3:::env-documents-failover-222222222222";
    const role = "arn:aws:iam::222222222222:role/env-cross-partition-sync-avatars";

    // Assess
    expect(Object.keys(roles).sort()).toEqual(["trust_role-avatars", "trust_role-documents"]);
    expect(one(json, "aws_rolesanywhere_profile").role_arns).toEqual([
      "${aws_iam_role.trust_role-avatars.arn}",
      "${aws_iam_role.trust_role-documents.arn}",
    ]);
    const documentsCertificate = {
      "aws:SourceArn": ANCHOR,
      "aws:PrincipalTag/x509Subject/CN": "sip-env-sync-documents",
    };
    expect(
      await simulate(
        "sts:AssumeRole",
        "arn:aws:iam::222222222222:role/env-cross-partition-sync-avatars",
        { trust: avatarsTrust },
        documentsCertificate,
      ),
    ).not.toBe("Allowed");
    expect(await simulate("s3:PutObject", `${documentsBucket}/t/u/x`, { identity: avatarsPolicy }, {}, role)).not.toBe(
      "Allowed",
    );
    expect(await simulate("s3:PutObject", `${BUCKET}/t/u/x`, { identity: avatarsPolicy }, {}, role)).toBe("Allowed");
  });
});
