import { arn } from "../../config/partitions";
import { IamAccountPasswordPolicy, IamRole, IamRolePolicy, IamRolePolicyAttachment } from "../../framework/aws";
import { Construct } from "../../framework/cdktf";
import {
  accountRoot,
  type Conditions,
  policyDocument,
  renderPolicy,
  type TrustStatement,
  trustPolicyDocument,
} from "../../policies/documents/policy-document";
import { ValidationError } from "../errors";
import type { Placement } from "../placement";

/** Longest time since the MFA sign-in after which a session no longer counts as MFA-authenticated. */
export const MFA_MAX_AGE_SECONDS = 3600;

/**
 * The condition a trust statement adds to require MFA: the caller's session was authenticated with
 * MFA (`aws:MultiFactorAuthPresent`, Bool true; absent keys fail a Bool test) no longer than
 * MFA_MAX_AGE_SECONDS ago (`aws:MultiFactorAuthAge`, NumericLessThan).
 */
export const MFA_REQUIRED_CONDITION: Conditions = {
  Bool: { "aws:MultiFactorAuthPresent": "true" },
  NumericLessThan: { "aws:MultiFactorAuthAge": String(MFA_MAX_AGE_SECONDS) },
};

/**
 * The statement with MFA_REQUIRED_CONDITION merged into its conditions (for the console roles that
 * can read personal data). Fails if the statement already tests either MFA key another way.
 */
export function requireMfaTrust(statement: TrustStatement): TrustStatement {
  const condition: Record<string, Record<string, unknown>> = {};
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) condition[operator] = { ...keys };
  for (const [operator, keys] of Object.entries(MFA_REQUIRED_CONDITION)) {
    for (const key of Object.keys(keys)) {
      for (const [other, otherKeys] of Object.entries(condition))
        if (other !== operator && key in otherKeys)
          throw new Error(`trust statement ${statement.Sid} already tests ${key} with ${other}`);
    }
    condition[operator] = { ...condition[operator], ...keys };
  }
  return { ...statement, Condition: condition as Conditions };
}

/**
 * What the forensics role may never do, whatever its managed policies allow: read the contents of
 * objects, items, messages, secrets and parameters, or decrypt. Incident response sees
 * configuration and metadata, not personal data (README.md).
 */
export const FORENSICS_DENIED_DATA_ACTIONS = [
  "dynamodb:BatchGetItem",
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "kms:Decrypt",
  "s3:GetObject",
  "s3:GetObjectVersion",
  "secretsmanager:GetSecretValue",
  "sqs:ReceiveMessage",
  "ssm:GetParameter",
  "ssm:GetParameterHistory",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
] as const;

/**
 * The account password policy (CIS AWS Foundations Benchmark, IAM section: length 14 or more, reuse
 * prevention 24, all character classes; expiry 90 days as issue 20 asks, without hard expiry so a
 * user with an expired password can still set a new one).
 */
export const PASSWORD_POLICY = {
  minimumPasswordLength: 14,
  requireLowercaseCharacters: true,
  requireUppercaseCharacters: true,
  requireNumbers: true,
  requireSymbols: true,
  passwordReusePrevention: 24,
  maxPasswordAge: 90,
  hardExpiry: false,
  allowUsersToChangePassword: true,
} as const;

const ACCOUNT_ID = /^\d{12}$/;
const NAME = /^[a-zA-Z0-9-]{1,40}$/;

export interface AccessHygieneProps {
  /** The account to harden (the platform account); every resource is pinned to `placement.provider`. */
  readonly placement: Placement;
  /** Prefix of names, e.g. the environment (the role is `<name>-forensics`). */
  readonly name: string;
  /**
   * Who may assume the forensics role, with MFA: IAM role ARNs of the placement's partition
   * (preferred), or 12-digit account IDs (every principal of that account whose own policy allows
   * it; the guardrail SIP-IAM-2 reports such a trust, README.md).
   */
  readonly forensicsPrincipals: readonly string[];
  /**
   * Longest session of the forensics role, 900-3600 seconds.
   * @default 3600
   */
  readonly maxSessionSeconds?: number;
  /** Tags for the role. @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Session and access hygiene of an account: the IAM account password policy, and a read-only
 * forensics role `<name>-forensics` for incident response, assumable only by the named principals
 * with a recent MFA sign-in, that reads configuration (SecurityAudit, ViewOnlyAccess) and is denied
 * every read of data (FORENSICS_DENIED_DATA_ACTIONS).
 */
export class AccessHygiene extends Construct {
  readonly passwordPolicy: IamAccountPasswordPolicy;
  readonly forensicsRole: IamRole;

  constructor(scope: Construct, id: string, props: AccessHygieneProps) {
    super(scope, id);
    const principals = this.principalArns(props);
    const maxSessionSeconds = props.maxSessionSeconds ?? 3600;
    if (!Number.isInteger(maxSessionSeconds) || maxSessionSeconds < 900 || maxSessionSeconds > 3600)
      throw new ValidationError(
        "AccessHygiene.maxSessionSeconds",
        `maxSessionSeconds must be a whole number from 900 to 3600 (value: ${maxSessionSeconds})`,
        this,
      );
    const { placement } = props;
    const provider = placement.provider;
    this.passwordPolicy = new IamAccountPasswordPolicy(this, "password-policy", { provider, ...PASSWORD_POLICY });
    this.forensicsRole = new IamRole(this, "forensics-role", {
      provider,
      name: `${props.name}-forensics`,
      description: "Incident response: reads configuration, never data; assumable only with MFA",
      maxSessionDuration: maxSessionSeconds,
      assumeRolePolicy: renderPolicy(
        trustPolicyDocument([
          requireMfaTrust({
            Sid: "IncidentRespondersWithMfa",
            Effect: "Allow",
            Principal: { AWS: principals },
            Action: "sts:AssumeRole",
          }),
        ]),
      ),
      tags: props.tags ? { ...props.tags } : undefined,
    });
    for (const [id, resource] of [
      ["security-audit", "policy/SecurityAudit"],
      ["view-only-access", "policy/job-function/ViewOnlyAccess"],
    ] as const) {
      new IamRolePolicyAttachment(this, `forensics-${id}`, {
        provider,
        role: this.forensicsRole.name,
        policyArn: arn(placement.partition, { service: "iam", account: "aws", resource }),
      });
    }
    new IamRolePolicy(this, "forensics-deny-data", {
      provider,
      role: this.forensicsRole.id,
      name: "deny-data-reads",
      policy: renderPolicy(
        policyDocument([
          { Sid: "NeverReadData", Effect: "Deny", Action: [...FORENSICS_DENIED_DATA_ACTIONS], Resource: "*" },
        ]),
      ),
    });
  }

  /** The principals as ARNs (account IDs as their root); fails naming every invalid entry. */
  private principalArns(props: AccessHygieneProps): string[] {
    const { partition } = props.placement;
    const role = new RegExp(`^arn:${partition.id}:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$`);
    if (!NAME.test(props.name))
      throw new ValidationError(
        "AccessHygiene.name",
        `name must be 1-40 letters, digits and "-" (value: "${props.name}")`,
        this,
      );
    const invalid = props.forensicsPrincipals.filter((p) => !ACCOUNT_ID.test(p) && !role.test(p));
    if (props.forensicsPrincipals.length === 0 || invalid.length > 0)
      throw new ValidationError(
        "AccessHygiene.forensicsPrincipals",
        `forensicsPrincipals must name at least one 12-digit account ID or IAM role ARN of ${partition.name} (arn:${partition.id}:iam::<account>:role/<name>)${invalid.length > 0 ? `; invalid: ${invalid.map((p) => `"${p}"`).join(", ")}` : ""}`,
        this,
      );
    return [...new Set(props.forensicsPrincipals)].map((p) => (ACCOUNT_ID.test(p) ? accountRoot(partition, p) : p));
  }
}
