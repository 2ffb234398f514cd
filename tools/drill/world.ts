/**
 * The outage drill's world (issue 17 item 4): the example configuration synthesized, and the
 * environment of each function the drill runs (upload, scrub, download, sync, failback) as the
 * stack sets it, with its references resolved to what AWS would assign and the S3 endpoints pointed
 * at the two loopback gateways. Nothing here is deployed.
 *
 * KMS keys are named like real key ARNs of their partition and account (an id derived from the
 * key's Terraform name), so that each gateway holds the keys its side's objects are encrypted with.
 */
import { createHash, generateKeyPairSync, type KeyObject } from "node:crypto";
import { arn, partitionOfRegion } from "../../config/partitions";
import { resourcesOf, synthDeployment, type TfJson, validConfig, exampleInput } from "../../test/template";

/** The functions the drill runs, by their name in the example. */
export const DRILL_FUNCTIONS = {
  upload: "example-upload",
  scrub: "example-scrub",
  download: "example-download",
  /** The commercial standby's read function (crossPartition.standby of the example). */
  standbyDownload: "example-standby-download",
  /** The commercial standby's upload function (crossPartition.standby.outageUploads): into the outage inbox. */
  standbyUpload: "example-standby-upload",
  sync: "example-sync-avatars-clean",
  failback: "example-failback-avatars-clean",
  /** The data-subject request run: its PLACES name every bucket of both partitions a subject's objects are in. */
  subjectRun: "example-subject-request-run",
} as const;
export type DrillFunction = keyof typeof DRILL_FUNCTIONS;

export interface Side {
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  /** Every KMS key of this side the drill's functions name (ARNs). */
  readonly kmsKeys: readonly string[];
}

export interface DrillWorld {
  readonly sovereign: Side;
  readonly commercial: Side;
  /** Each function's environment, references resolved (no S3 endpoints yet). */
  readonly env: Readonly<Record<DrillFunction, Readonly<Record<string, string>>>>;
  /** Data classes of the example that may cross, and one that may not (for the refusal check). */
  readonly crossingClasses: readonly string[];
  readonly sovereignOnlyClass: string;
  /** The data class the upload function's objects are uploaded as. */
  readonly uploadClass: string;
  /**
   * The synthesized DNS failover: the health check's interval and failure threshold, and the
   * failover record's TTL (absent without a `dns` block).
   */
  readonly dnsFailover?: {
    readonly requestIntervalSeconds: number;
    readonly failureThreshold: number;
    readonly ttlSeconds: number;
  };
  /** The tenants whose subjects upload (shared and VPC tiers: no tenant role or key of their own). */
  readonly tenants: readonly string[];
  /**
   * Test-only stand-in for the sovereign sealing key (KMS RSA_3072, alias/<env>/outage-subjects),
   * generated for this run: its public half is what `data.aws_kms_public_key` gives the standby upload
   * function; failback opens sealed subjects with the private half (KMS Decrypt in a deployment).
   */
  readonly sealing: { readonly publicKeyPem: string; readonly privateKey: KeyObject };
}

type Resource = Record<string, unknown>;

/** A deterministic key id for a Terraform key resource: a UUID shape from its name. */
function keyId(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The example synthesized, as the drill needs it. */
export function synthesizedWorld(): DrillWorld {
  const input = exampleInput();
  const config = validConfig(input);
  const { json } = synthDeployment(config);
  const sides = providerSides(json);
  const keys = { sovereign: new Set<string>(), commercial: new Set<string>() };
  const pair = generateKeyPairSync("rsa", { modulusLength: 3072 });
  const sealing = {
    publicKeyPem: String(pair.publicKey.export({ type: "spki", format: "pem" })),
    privateKey: pair.privateKey,
  };
  const resolve = resolver(json, sides, keys, sealing.publicKeyPem);
  const functions = Object.values(resourcesOf(json, "aws_lambda_function"));
  const env = Object.fromEntries(
    Object.entries(DRILL_FUNCTIONS).map(([role, name]) => {
      const fn = functions.find((f) => f.function_name === name);
      if (fn === undefined) throw new Error(`the synthesized example has no function ${name}`);
      const side = sideOf(fn, sides);
      const variables = (fn.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {};
      const resolved = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, resolve(v)]));
      return [role, { AWS_REGION: side.region, ...resolved }];
    }),
  ) as unknown as Record<DrillFunction, Record<string, string>>;
  const dataClasses = (input.dataClasses ?? {}) as Record<string, { allowCrossPartition?: boolean }>;
  const crossingClasses = Object.keys(dataClasses).filter((c) => dataClasses[c]?.allowCrossPartition === true);
  const sovereignOnlyClass = Object.keys(dataClasses).find((c) => dataClasses[c]?.allowCrossPartition !== true);
  if (sovereignOnlyClass === undefined) throw new Error("the example has no sovereign-only data class");
  const uploadClass = ((input.upload as { dataClasses?: string[] } | undefined)?.dataClasses ?? [])[0];
  if (uploadClass === undefined) throw new Error("the example has no upload data class");
  const tenants = ((input.tenants ?? []) as { id: string; tier: string }[])
    .filter((t) => t.tier !== "logical")
    .map((t) => t.id);
  const dnsFailover = synthesizedDnsFailover(json);
  return {
    ...(dnsFailover === undefined ? {} : { dnsFailover }),
    sovereign: { ...sides.sovereign, kmsKeys: [...keys.sovereign].sort() },
    commercial: { ...sides.commercial, kmsKeys: [...keys.commercial].sort() },
    env,
    crossingClasses,
    sovereignOnlyClass,
    uploadClass,
    tenants,
    sealing,
  };
}

function synthesizedDnsFailover(json: TfJson): DrillWorld["dnsFailover"] {
  const check = Object.values(resourcesOf(json, "aws_route53_health_check"))[0];
  const record = Object.values(resourcesOf(json, "aws_route53_record")).find(
    (r) => Array.isArray(r.failover_routing_policy) || typeof r.failover_routing_policy === "object",
  );
  if (check === undefined || record === undefined) return undefined;
  return {
    requestIntervalSeconds: Number(check.request_interval),
    failureThreshold: Number(check.failure_threshold),
    ttlSeconds: Number(record.ttl),
  };
}

interface ProviderSide {
  readonly region: string;
  readonly account: string;
  readonly partition: string;
}

function providerSides(json: TfJson): Record<"sovereign" | "commercial", ProviderSide> {
  const of = (alias: string): ProviderSide => {
    const p = (json.provider?.aws ?? []).find((x) => x.alias === alias) as
      | { region: string; allowed_account_ids?: string[] }
      | undefined;
    const account = p?.allowed_account_ids?.[0];
    if (p === undefined || account === undefined) throw new Error(`no aws provider "${alias}" with an account`);
    return { region: p.region, account, partition: partitionOfRegion(p.region).id };
  };
  return { sovereign: of("sovereign"), commercial: of("commercial") };
}

function sideOf(resource: Resource, sides: Record<"sovereign" | "commercial", ProviderSide>): ProviderSide {
  return String(resource.provider) === "aws.commercial" ? sides.commercial : sides.sovereign;
}

/** Resolves `${type.name.attribute}` references of the stack to the values AWS would assign. */
function resolver(
  json: TfJson,
  sides: Record<"sovereign" | "commercial", ProviderSide>,
  keys: { sovereign: Set<string>; commercial: Set<string> },
  sealingPublicKeyPem: string,
): (text: string) => string {
  return (text) => {
    const resolved = text
      // The one data source a function names: the sealing key's public half (the drill's test key).
      .replace(/\$\{data\.aws_kms_public_key\.[^.}]+\.public_key_pem\}/g, () => sealingPublicKeyPem)
      .replace(/\$\{([a-z0-9_]+)\.([^.}]+)\.([a-z_]+)\}/g, (ref, type: string, name: string) => {
        const resource = resourcesOf(json, type)[name];
        if (resource === undefined) return ref;
        const at = sideOf(resource, sides);
        const partition = partitionOfRegion(at.region);
        const own = (service: string, part: string, regional = true) =>
          arn(partition, { service, region: regional ? at.region : "", account: at.account, resource: part });
        if (type === "aws_kms_key" || type === "aws_kms_external_key") {
          const key = own("kms", `key/${keyId(name)}`);
          (String(resource.provider) === "aws.commercial" ? keys.commercial : keys.sovereign).add(key);
          return key;
        }
        if (type === "aws_s3_bucket") return String(resource.bucket);
        if (type === "aws_iam_role") return own("iam", `role/${String(resource.name)}`, false);
        if (type === "aws_rolesanywhere_trust_anchor") return own("rolesanywhere", `trust-anchor/${keyId(name)}`);
        if (type === "aws_rolesanywhere_profile") return own("rolesanywhere", `profile/${keyId(name)}`);
        if (type === "aws_secretsmanager_secret")
          return own("secretsmanager", `secret:${String(resource.name)}-Drill0`);
        return ref;
      });
    if (resolved.includes("${")) throw new Error(`the drill cannot resolve ${resolved}`);
    return resolved;
  };
}
