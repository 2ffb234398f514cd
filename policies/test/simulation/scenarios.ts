/**
 * Reusable behavioural checks of resource policies, for tests that simulate them with
 * @cloud-copilot/iam-simulate. That package is AGPL and a dev dependency only: this helper does not
 * import it; tests pass its `runSimulation` in (see bucket-policy.test.ts, kms-key-policy.test.ts).
 * The shapes below are the subset of the simulator's API the helper uses.
 */
import { acrossPartitions, type Decision, type Simulate } from "../../authz/judge";

export interface SimulationRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: { readonly resource: string; readonly accountId: string };
  readonly contextVariables: Record<string, string | string[]>;
}

export interface SimulationInput {
  readonly request: SimulationRequest;
  readonly identityPolicies: ReadonlyArray<{ readonly name: string; readonly policy: unknown }>;
  readonly serviceControlPolicies: readonly never[];
  readonly resourceControlPolicies: readonly never[];
  readonly resourcePolicy?: unknown;
}

export type { Decision, Simulate } from "../../authz/judge";

/** The account of an ARN (`arn:aws:iam::222222222222:role/x` -> 222222222222). */
export function arnAccount(arn: string): string | undefined {
  return /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1];
}

/**
 * Runs one request. Partitions are separate clouds: credentials of one partition are never evaluated
 * against resources of the other (policies/authz/judge.ts decides that, as for the proof), so such
 * requests get their own decision.
 */
export async function decide(simulate: Simulate, input: SimulationInput): Promise<Decision> {
  if (acrossPartitions(input.request.principal, input.request.resource.resource)) return "DeniedAcrossPartitions";
  const result = await simulate(input as never, {} as never);
  if (result.resultType === "error") throw new Error(`simulation rejected its input: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

export function allow(actions: string | string[], resources: string | string[]): { name: string; policy: unknown } {
  return {
    name: "identity",
    policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: resources }] },
  };
}

// ---- bucket policies -------------------------------------------------------------------------

export interface BucketPolicySubject {
  /** The bucket policy under test (parsed JSON). */
  readonly bucketPolicy: unknown;
  /** `arn:<partition>:s3:::<name>`. */
  readonly bucketArn: string;
  /** Account that owns the bucket. */
  readonly accountId: string;
  /** The VPC endpoint the platform's functions use. */
  readonly vpcEndpointId: string;
  /** A workload role of the bucket's account that may read its tenant's prefix. */
  readonly workloadRoleArn: string;
  /** Tenant of the workload (value of its aws:PrincipalTag/Tenant) and another tenant. */
  readonly tenant: string;
  readonly otherTenant: string;
  /** A role of the commercial partition (the failover side). */
  readonly commercialRoleArn: string;
}

export type BucketScenarioName =
  | "own-tenant-through-endpoint"
  | "cross-tenant"
  | "outside-vpc-endpoint"
  | "insecure-transport"
  | "commercial-role";

export interface BucketScenario {
  readonly name: BucketScenarioName;
  /** What the platform requires for this request. */
  readonly expected: "allowed" | "denied";
  readonly input: SimulationInput;
}

/**
 * The requests every platform bucket policy must decide correctly. The workload's identity policy
 * is deliberately broad (s3:* on the whole bucket), so that every denial comes from the bucket
 * policy under test, not from a narrow grant.
 */
export function bucketScenarios(s: BucketPolicySubject): BucketScenario[] {
  const object = (tenant: string) => `${s.bucketArn}/${tenant}/avatar.jpg`;
  const broad = [allow("s3:*", [s.bucketArn, `${s.bucketArn}/*`])];
  // AWS sets aws:PrincipalIsAWSService on every request; the simulator only knows what it is given.
  const context = (extra: Record<string, string>) => ({
    "aws:SecureTransport": "true",
    "aws:SourceVpce": s.vpcEndpointId,
    "aws:PrincipalIsAWSService": "false",
    "aws:PrincipalTag/Tenant": s.tenant,
    ...extra,
  });
  const request = (principal: string, tenant: string, ctx: Record<string, string>): SimulationInput => ({
    request: {
      principal,
      action: "s3:GetObject",
      resource: { resource: object(tenant), accountId: s.accountId },
      contextVariables: ctx,
    },
    identityPolicies: broad,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: s.bucketPolicy,
  });
  return [
    {
      name: "own-tenant-through-endpoint",
      expected: "allowed",
      input: request(s.workloadRoleArn, s.tenant, context({})),
    },
    { name: "cross-tenant", expected: "denied", input: request(s.workloadRoleArn, s.otherTenant, context({})) },
    {
      name: "outside-vpc-endpoint",
      expected: "denied",
      input: request(s.workloadRoleArn, s.tenant, context({ "aws:SourceVpce": "vpce-0ffffffffffffffff" })),
    },
    {
      name: "insecure-transport",
      expected: "denied",
      input: request(s.workloadRoleArn, s.tenant, context({ "aws:SecureTransport": "false" })),
    },
    {
      name: "commercial-role",
      expected: "denied",
      input: request(s.commercialRoleArn, s.tenant, context({ "aws:PrincipalTag/Tenant": s.tenant })),
    },
  ];
}

/** Runs the bucket scenarios; returns scenario -> "allowed" | "denied" (with the decision). */
export async function judgeBucketPolicy(
  simulate: Simulate,
  s: BucketPolicySubject,
): Promise<
  Record<BucketScenarioName, { outcome: "allowed" | "denied"; decision: Decision; expected: "allowed" | "denied" }>
> {
  const out = {} as Record<
    BucketScenarioName,
    { outcome: "allowed" | "denied"; decision: Decision; expected: "allowed" | "denied" }
  >;
  for (const scenario of bucketScenarios(s)) {
    const decision = await decide(simulate, scenario.input);
    out[scenario.name] = {
      outcome: decision === "Allowed" ? "allowed" : "denied",
      decision,
      expected: scenario.expected,
    };
  }
  return out;
}
