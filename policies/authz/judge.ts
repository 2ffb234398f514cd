/**
 * Evaluates the checks of a call as AWS would, with a simulator passed in (the proof and the review
 * pass `runSimulation` of @cloud-copilot/iam-simulate, a dev dependency under the AGPL: nothing in
 * policies/ imports it, and no function bundle contains it).
 *
 * Partitions are separate clouds: credentials of one partition are never evaluated against a
 * resource of the other (the request cannot reach that partition's endpoint with them). The
 * simulator compares account IDs only, so this module denies such checks itself, with its own
 * decision name.
 */
import { type Authorization, authorizationsOf, type Call } from "./actions";
import type { AuthzWorld } from "./world";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "DeniedAcrossPartitions";

/** `runSimulation` of @cloud-copilot/iam-simulate, structurally typed. */
export type Simulate = (
  input: never,
  options: never,
) => Promise<{ resultType: string; overallResult?: string; errors?: unknown }>;

export interface CheckResult {
  readonly check: Authorization;
  readonly decision: Decision;
}

export type CallVerdict =
  | { readonly kind: "unknown"; readonly reason: string }
  | { readonly kind: "judged"; readonly allowed: boolean; readonly results: readonly CheckResult[] };

const partitionOfArn = (arn: string) => /^arn:([^:]+):/.exec(arn)?.[1];

/** A principal of one partition and a resource of the other: no request of the one ever reaches the other. */
export function acrossPartitions(principalArn: string, resourceArn: string): boolean {
  const principalPartition = partitionOfArn(principalArn);
  const resourcePartition = partitionOfArn(resourceArn);
  return (
    principalPartition !== undefined && resourcePartition !== undefined && principalPartition !== resourcePartition
  );
}

export async function decideCheck(
  simulate: Simulate,
  principalArn: string,
  check: Authorization,
  identityPolicies: ReadonlyArray<{ name: string; policy: unknown }>,
): Promise<Decision> {
  if (acrossPartitions(principalArn, check.resource)) return "DeniedAcrossPartitions";
  const input = {
    request: {
      principal: principalArn,
      action: check.action,
      resource: { resource: check.resource, accountId: check.resourceAccount },
      contextVariables: { ...check.context },
    },
    identityPolicies: identityPolicies.map((p) => ({ name: p.name, policy: p.policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(check.resourcePolicy === undefined ? {} : { resourcePolicy: check.resourcePolicy }),
    ...(check.endpointPolicies.length === 0
      ? {}
      : { vpcEndpointPolicies: check.endpointPolicies.map((p) => ({ name: p.name, policy: p.policy })) }),
  };
  const result = await simulate(input as never, {} as never);
  if (result.resultType === "error")
    throw new Error(`the simulator rejected ${check.label}: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

/** Every check of the call; allowed only when every one is. */
export async function judgeCall(simulate: Simulate, world: AuthzWorld, call: Call): Promise<CallVerdict> {
  const authorizations = authorizationsOf(world, call);
  if (authorizations.kind === "unknown") return authorizations;
  const results: CheckResult[] = [];
  for (const check of authorizations.checks) {
    results.push({
      check,
      decision: await decideCheck(simulate, call.principal.arn, check, call.principal.identityPolicies),
    });
  }
  return { kind: "judged", allowed: results.every((r) => r.decision === "Allowed"), results };
}
