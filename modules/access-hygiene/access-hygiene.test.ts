import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf, type TfJson } from "../../test/template";
import { AccessHygiene, type AccessHygieneProps, requireMfaTrust } from "./access-hygiene";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

const RESPONDER = "arn:aws-eusc:iam::444444444444:role/incident-responder";

function setup(overrides: Partial<AccessHygieneProps> = {}) {
  const s = moduleStack();
  cleanup = s.cleanup;
  const props: AccessHygieneProps = {
    placement: s.sovereign,
    name: "env",
    forensicsPrincipals: [RESPONDER],
    ...overrides,
  };
  return { ...s, props };
}

const one = (json: TfJson, type: string, name: string) => resourcesOf(json, type)[name] as Record<string, unknown>;
const statementsOf = (text: unknown) => JSON.parse(text as string).Statement as Array<Record<string, unknown>>;

describe("AccessHygiene", () => {
  it("sets the CIS password policy for the account", () => {
    const { stack, props, synth } = setup();
    new AccessHygiene(stack, "hygiene", props);
    expect(one(synth(), "aws_iam_account_password_policy", "hygiene_password-policy")).toEqual({
      provider: "aws.sovereign",
      minimum_password_length: 14,
      require_lowercase_characters: true,
      require_uppercase_characters: true,
      require_numbers: true,
      require_symbols: true,
      password_reuse_prevention: 24,
      max_password_age: 90,
      hard_expiry: false,
      allow_users_to_change_password: true,
    });
  });

  it("lets only the named principals assume the forensics role, with recent MFA, for an hour at most", () => {
    const { stack, props, synth } = setup({ forensicsPrincipals: [RESPONDER, "555555555555"] });
    new AccessHygiene(stack, "hygiene", props);
    const role = one(synth(), "aws_iam_role", "hygiene_forensics-role");
    expect(role).toMatchObject({ name: "env-forensics", max_session_duration: 3600 });
    expect(statementsOf(role.assume_role_policy)).toEqual([
      {
        Sid: "IncidentRespondersWithMfa",
        Effect: "Allow",
        Principal: { AWS: [RESPONDER, "arn:aws-eusc:iam::555555555555:root"] },
        Action: "sts:AssumeRole",
        Condition: {
          Bool: { "aws:MultiFactorAuthPresent": "true" },
          NumericLessThan: { "aws:MultiFactorAuthAge": "3600" },
        },
      },
    ]);
  });

  it("reads configuration through AWS managed read-only policies of the account's partition", () => {
    const { stack, props, synth } = setup();
    new AccessHygiene(stack, "hygiene", props);
    const attachments = Object.values(resourcesOf(synth(), "aws_iam_role_policy_attachment"));
    expect(attachments.map((a) => a.policy_arn).sort()).toEqual([
      "arn:aws-eusc:iam::aws:policy/SecurityAudit",
      "arn:aws-eusc:iam::aws:policy/job-function/ViewOnlyAccess",
    ]);
    for (const a of attachments) expect(a.role).toBe("${aws_iam_role.hygiene_forensics-role.name}");
  });

  it("denies the forensics role every read of object contents, secrets and decryption", () => {
    const { stack, props, synth } = setup();
    new AccessHygiene(stack, "hygiene", props);
    const policy = one(synth(), "aws_iam_role_policy", "hygiene_forensics-deny-data");
    const [deny] = statementsOf(policy.policy);
    expect(deny).toMatchObject({ Sid: "NeverReadData", Effect: "Deny", Resource: "*" });
    expect(deny?.Action).toEqual(
      expect.arrayContaining(["s3:GetObject", "s3:GetObjectVersion", "secretsmanager:GetSecretValue", "kms:Decrypt"]),
    );
  });

  it("takes a shorter session", () => {
    const { stack, props, synth } = setup({ maxSessionSeconds: 900 });
    new AccessHygiene(stack, "hygiene", props);
    expect(one(synth(), "aws_iam_role", "hygiene_forensics-role").max_session_duration).toBe(900);
  });

  it("fails when a principal is neither an account ID nor a role ARN of the partition, naming each", () => {
    const { stack, props } = setup({
      forensicsPrincipals: [RESPONDER, "arn:aws:iam::444444444444:role/responder", "*", "12345"],
    });
    expect(() => new AccessHygiene(stack, "hygiene", props)).toThrow(
      /AccessHygiene\.forensicsPrincipals: .*invalid: "arn:aws:iam::444444444444:role\/responder", "\*", "12345"/,
    );
  });

  it("fails when no principal is named", () => {
    const { stack, props } = setup({ forensicsPrincipals: [] });
    expect(() => new AccessHygiene(stack, "hygiene", props)).toThrow(/AccessHygiene\.forensicsPrincipals/);
  });

  it("fails when the session would last longer than an hour", () => {
    const { stack, props } = setup({ maxSessionSeconds: 7200 });
    expect(() => new AccessHygiene(stack, "hygiene", props)).toThrow(/AccessHygiene\.maxSessionSeconds.*7200/);
  });
});

describe("requireMfaTrust", () => {
  it("adds both MFA conditions and keeps the statement's own", () => {
    const statement = requireMfaTrust({
      Sid: "Console",
      Effect: "Allow",
      Principal: { AWS: RESPONDER },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "sts:ExternalId": "x" }, Bool: { "aws:SecureTransport": "true" } },
    });
    expect(statement.Condition).toEqual({
      StringEquals: { "sts:ExternalId": "x" },
      Bool: { "aws:SecureTransport": "true", "aws:MultiFactorAuthPresent": "true" },
      NumericLessThan: { "aws:MultiFactorAuthAge": "3600" },
    });
  });

  it("fails when the statement tests an MFA key another way", () => {
    expect(() =>
      requireMfaTrust({
        Sid: "Weak",
        Effect: "Allow",
        Principal: { AWS: RESPONDER },
        Action: "sts:AssumeRole",
        Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "true" } },
      }),
    ).toThrow(/aws:MultiFactorAuthPresent with BoolIfExists/);
  });
});
