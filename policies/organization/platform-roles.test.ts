/**
 * The platform's own roles under the SCPs: every legitimate call of the authorization proof's abuse
 * matrix (the "control" twin of each abuse: an upload, a download, a sync, a tenant's own prefix, ...)
 * is judged against the synthesized example exactly as test/authz/proof.test.ts judges it, with the
 * organization's SCPs of the principal's partition added to each check, and must still be allowed;
 * and every abuse stays denied. The proof itself passes `serviceControlPolicies: []` today
 * (policies/authz/judge.ts); this wraps its simulator until the stack deploys the SCPs and the
 * proof reads them from the template.
 *
 * The proof's request context carries no `aws:RequestedRegion`; AWS sets it from the endpoint, so the
 * wrapper adds the region of the principal's side (every function calls its side's regional endpoints).
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { arn, type PartitionId } from "../../config/partitions";
import { synthDeployment, validConfig } from "../../test/template";
import { abuseCases } from "../authz/abuse";
import { judgeCall, type Simulate } from "../authz/judge";
import { authzWorld } from "../authz/world";
import { templateOf } from "../core/template";
import { platformScps, scpSimulationLevels } from "./scps";

const config = validConfig();
const world = authzWorld(templateOf(synthDeployment(config).json, "example"));
const sides = { "aws-eusc": config.partitions.sovereign, aws: config.partitions.commercial } as const;

/** The SCPs of one partition's organization, over the example's trail, trail bucket and platform keys. */
function scpsOf(partitionId: PartitionId) {
  const side = sides[partitionId];
  const keys = [...world.keys.values()].filter((k) => k.side.partition.id === partitionId);
  const partition = keys[0]?.side.partition;
  if (partition === undefined) throw new Error(`the example has no key in ${partitionId}`);
  const trail = world.template.resources.find(
    (r) => r.type === "aws_cloudtrail" && r.values.s3_bucket_name !== undefined,
  );
  const own = (service: string, resource: string, regional = true) =>
    arn(partition, { service, region: regional ? side.region : "", account: side.accountId, resource });
  return platformScps({
    partition,
    allowedRegions: [side.region],
    trailArn: own("cloudtrail", `trail/${world.concrete(String(trail?.values.name ?? "audit"))}`),
    trailBucketArn: arn(partition, {
      service: "s3",
      resource: world.concrete(String(trail?.values.s3_bucket_name ?? "audit")),
    }),
    // Platform keys only: tenants' keys are shredded by design (their address names the tenant).
    platformKeyArns: keys.filter((k) => !k.address.startsWith("aws_kms_key.tenant-")).map((k) => k.arn),
    deployRoleArns: [own("iam", `role/${side.administratorRoleName}`, false)],
  });
}

const SCPS = { "aws-eusc": scpsOf("aws-eusc"), aws: scpsOf("aws") } as const;

/** runSimulation with the principal's organization's SCPs and the region its request goes to. */
const withScps: Simulate = (input, options) => {
  const request = input as unknown as {
    request: { principal: string; contextVariables: Record<string, string | string[]> };
  };
  const partitionId = /^arn:([^:]+):/.exec(request.request.principal)?.[1] as PartitionId;
  const side = sides[partitionId];
  const withControls = {
    ...request,
    request: {
      ...request.request,
      contextVariables: { "aws:RequestedRegion": side.region, ...request.request.contextVariables },
    },
    serviceControlPolicies: scpSimulationLevels(SCPS[partitionId]),
  };
  return (runSimulation as unknown as Simulate)(withControls as never, options);
};

describe("the platform's roles under the organization's SCPs", () => {
  const cases = abuseCases(world).filter((c) => c.call !== undefined);

  it("builds the SCPs of both partitions over the example's platform keys", () => {
    expect(
      SCPS["aws-eusc"].find((p) => p.name === "protect-platform-keys")?.document.Statement[0]?.Resource,
    ).not.toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases.filter((c) => c.control !== undefined).map((c) => [c.id, c] as const))(
    "still allows the legitimate twin of %s",
    async (_, abuse) => {
      if (abuse.control === undefined) throw new Error("filtered above");
      const verdict = await judgeCall(withScps, world, abuse.control);
      const shown =
        verdict.kind === "unknown" ? verdict.reason : verdict.results.map((r) => `${r.check.label}: ${r.decision}`);
      expect({ allowed: verdict.kind === "judged" && verdict.allowed, shown }).toMatchObject({ allowed: true });
    },
  );

  it.each(cases.map((c) => [c.id, c] as const))("still denies %s", async (_, abuse) => {
    if (abuse.call === undefined) throw new Error("filtered above");
    const verdict = await judgeCall(withScps, world, abuse.call);
    expect(verdict.kind === "judged" && verdict.allowed).toBe(false);
  });
});
