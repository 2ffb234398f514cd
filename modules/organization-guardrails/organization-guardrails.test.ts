import { afterEach, describe, expect, it } from "vitest";
import { arn } from "../../config/partitions";
import { SCP_MAX_CHARACTERS } from "../../policies/organization/scps";
import { moduleStack, resourcesOf } from "../../test/template";
import { KmsKey } from "../kms-key";
import type { Placement } from "../placement";
import { OrganizationGuardrails, type OrganizationGuardrailsProps } from "./organization-guardrails";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup() {
  const s = moduleStack();
  cleanup = s.cleanup;
  return s;
}

const MANAGEMENT = "333333333333";
const OU = "ou-ab12-cd34ef56";

function props(
  placement: Placement,
  overrides: Partial<OrganizationGuardrailsProps> = {},
): OrganizationGuardrailsProps {
  const { partition, region, accountId } = placement;
  return {
    placement,
    name: "env",
    trailArn: arn(partition, { service: "cloudtrail", region, account: accountId, resource: "trail/env-audit" }),
    trailBucketArn: arn(partition, { service: "s3", resource: "env-audit" }),
    platformKeyArns: [arn(partition, { service: "kms", region, account: accountId, resource: "key/k1" })],
    deployRoleArns: [arn(partition, { service: "iam", account: accountId, resource: "role/platform-deployer" })],
    targetIds: [OU, accountId],
    managementAccountId: MANAGEMENT,
    ...overrides,
  };
}

describe("OrganizationGuardrails", () => {
  it("creates one service control policy per document, named <name>-<policy>, on the placement's provider", () => {
    // Prepare
    const { stack, sovereign, synth } = setup();
    // Act
    new OrganizationGuardrails(stack, "guardrails", props(sovereign));
    const policies = Object.values(resourcesOf(synth(), "aws_organizations_policy"));
    // Assess
    // Three documents: AWS attaches at most five SCPs to a target, FullAWSAccess included.
    expect(policies.map((p) => p.name).sort()).toEqual([
      "env-deny-outside-regions",
      "env-protect-platform-keys",
      "env-protect-trail-and-account",
    ]);
    for (const p of policies) expect(p).toMatchObject({ type: "SERVICE_CONTROL_POLICY", provider: "aws.sovereign" });
  });

  it("writes each policy's content as valid JSON within 5120 characters, in the placement's partition", () => {
    const { stack, sovereign, synth } = setup();
    new OrganizationGuardrails(stack, "guardrails", props(sovereign));
    for (const p of Object.values(resourcesOf(synth(), "aws_organizations_policy"))) {
      const content = String(p.content);
      expect(content.length).toBeLessThanOrEqual(SCP_MAX_CHARACTERS);
      const doc = JSON.parse(content) as { Version: string; Statement: { Effect: string }[] };
      expect(doc.Version).toBe("2012-10-17");
      expect(doc.Statement.every((s) => s.Effect === "Deny")).toBe(true);
      expect(content).not.toMatch(/arn:aws:/);
    }
  });

  it("limits the commercial organization to the commercial placement's region by default", () => {
    const { stack, commercial, synth } = setup();
    new OrganizationGuardrails(stack, "guardrails", props(commercial));
    const policy = Object.values(resourcesOf(synth(), "aws_organizations_policy")).find(
      (p) => p.name === "env-deny-outside-regions",
    );
    expect(JSON.parse(String(policy?.content))).toMatchObject({
      Statement: [{ Condition: { StringNotEquals: { "aws:RequestedRegion": ["eu-central-1"] } } }],
    });
  });

  it("attaches every policy to every target", () => {
    const { stack, sovereign, synth } = setup();
    new OrganizationGuardrails(stack, "guardrails", props(sovereign));
    const attachments = Object.values(resourcesOf(synth(), "aws_organizations_policy_attachment"));
    expect(attachments).toHaveLength(6);
    expect(attachments.filter((a) => a.target_id === OU)).toHaveLength(3);
    expect(attachments.filter((a) => a.target_id === sovereign.accountId)).toHaveLength(3);
    expect(new Set(attachments.map((a) => a.policy_id)).size).toBe(3);
    for (const a of attachments) expect(String(a.policy_id)).toMatch(/^\$\{aws_organizations_policy\.[^}]+\.id\}$/);
  });

  it("accepts references as key ARNs and targets", () => {
    const { stack, sovereign, synth } = setup();
    const key = new KmsKey(stack, "key", { placement: sovereign, aliasName: "env/data", description: "data" });
    new OrganizationGuardrails(
      stack,
      "guardrails",
      props(sovereign, { platformKeyArns: [key.keyArn], targetIds: [OU, key.key.id] }),
    );
    const json = synth();
    const keys = Object.values(resourcesOf(json, "aws_organizations_policy")).find(
      (p) => p.name === "env-protect-platform-keys",
    );
    expect(String(keys?.content)).toContain("${aws_kms_key.");
    expect(Object.values(resourcesOf(json, "aws_organizations_policy_attachment"))).toHaveLength(6);
  });

  it("fails when the management account is a target, explaining that SCPs do not apply to it", () => {
    const { stack, sovereign } = setup();
    expect(
      () => new OrganizationGuardrails(stack, "guardrails", props(sovereign, { targetIds: [OU, MANAGEMENT] })),
    ).toThrow(/OrganizationGuardrails.targetIds: "333333333333" is the management account: SCPs do not apply/);
  });

  it("fails when there is no target, a target is named twice or is not an OU or account ID", () => {
    const { stack, sovereign } = setup();
    expect(() => new OrganizationGuardrails(stack, "a", props(sovereign, { targetIds: [] }))).toThrow(
      /controls nothing/,
    );
    expect(() => new OrganizationGuardrails(stack, "b", props(sovereign, { targetIds: [OU, OU] }))).toThrow(
      /named twice/,
    );
    expect(() => new OrganizationGuardrails(stack, "c", props(sovereign, { targetIds: ["r-ab12"] }))).toThrow(
      /"r-ab12" is neither an OU ID/,
    );
  });

  it("fails when a policy cannot be built, naming it", () => {
    const { stack, sovereign } = setup();
    expect(
      () => new OrganizationGuardrails(stack, "guardrails", props(sovereign, { allowedRegions: ["eu-central-1"] })),
    ).toThrow(/OrganizationGuardrails.policies: SCP deny-outside-regions: "eu-central-1" is not a region/);
    const keyArns = Array.from({ length: 40 }, (_, i) => `\${aws_kms_key.k${i}.arn}`);
    expect(() => new OrganizationGuardrails(stack, "too-many", props(sovereign, { platformKeyArns: keyArns }))).toThrow(
      /service control policy protect-platform-keys has \d+ characters/,
    );
  });
});
