/**
 * The synthesized example's cross-partition stack, as the end-to-end tests on two Ceph gateways use it
 * (sync.e2e.rgw.test.ts, homecoming.e2e.rgw.test.ts); test-only, nothing here is deployed.
 *
 * - `synthesizedSync`: reads the sync and failback functions from the synthesized JSON (trust anchor,
 *   profile, Roles Anywhere role and its policy; the functions' environments and execution-role
 *   policies), references resolved to what AWS would assign, in the real ARN shapes.
 * - `e2eKeyArn`: the ARN a KMS key of the stack resolves to. The avatars-clean keys of both sides are
 *   the fixed SOURCE_KMS_KEY and TARGET_KMS_KEY; every other key gets its own ARN, derived from its
 *   address, so a test sees which key the wiring names (and a gateway can be given it for SSE-KMS).
 * - `startE2eStack`: the set-up both tests share: a test CA in the configuration, the synthesized
 *   stack, the signing material's leaf, the commercial gateway role with the SYNTHESIZED Roles Anywhere
 *   role policy, the CreateSession endpoint and the logging proxy in front of the commercial gateway.
 * - `failbackFunctionEnv`: the failback function's environment as Lambda gives it, with loopback
 *   endpoints and the signing material in files.
 */
import { createHash, X509Certificate } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { arn, partitionOfRegion } from "../../../config/partitions";
import type { RadosGateway } from "../../s3/radosgw";
import { createRole } from "../../s3/sts";
import { exampleInput, PROJECT_ROOT, resourcesOf, synthDeployment, type TfJson, validConfig } from "../../template";
import { issue, type TestIdentity } from "../rolesanywhere/pki";
import { type RolesAnywhereIssuer, type S3FaultProxy, startRolesAnywhereIssuer, startS3FaultProxy } from "./harness";

export const example = exampleInput();
export const SOVEREIGN_REGION = example.partitions.sovereign.region;
export const COMMERCIAL_REGION = example.partitions.commercial.region;
export const SOVEREIGN = partitionOfRegion(SOVEREIGN_REGION);
export const COMMERCIAL = partitionOfRegion(COMMERCIAL_REGION);
export const SOURCE_KMS_KEY = arn(SOVEREIGN, {
  service: "kms",
  region: SOVEREIGN_REGION,
  account: example.partitions.sovereign.accountId,
  resource: "key/11111111-2222-4333-8444-555555555555",
});
export const TARGET_KMS_KEY = arn(COMMERCIAL, {
  service: "kms",
  region: COMMERCIAL_REGION,
  account: example.partitions.commercial.accountId,
  resource: "key/66666666-7777-4888-9999-000000000000",
});

/** The keys that keep fixed ARNs (the sync's own keys, one per side). */
const FIXED_KEYS: Readonly<Record<string, string>> = {
  "aws_kms_key.sovereign-key-avatars-clean_key": SOURCE_KMS_KEY,
  "aws_kms_key.commercial-key-avatars-clean_key": TARGET_KMS_KEY,
};

/** The ARN the KMS key at `address` (`aws_kms_key.<id>`, `aws_kms_external_key.<id>`) of `side` resolves to. */
export function e2eKeyArn(side: "sovereign" | "commercial", address: string): string {
  const fixed = FIXED_KEYS[address];
  if (fixed !== undefined) return fixed;
  const hex = createHash("sha256").update(address).digest("hex");
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  const at = example.partitions[side];
  return arn(partitionOfRegion(at.region), {
    service: "kms",
    region: at.region,
    account: at.accountId,
    resource: `key/${id}`,
  });
}

// ---------------------------------------------------------------------------------------------------
// What the synthesized stack says about the sync

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface SynthesizedSync {
  readonly trustAnchorPem: string;
  readonly trustAnchorArn: string;
  readonly profileArn: string;
  readonly profileDurationSeconds: number;
  readonly roleName: string;
  readonly roleArn: string;
  readonly workloadCommonName: string;
  /** The Roles Anywhere role's policy: its S3 statements, references resolved. */
  readonly rolePolicy: PolicyDocument;
  readonly functionRoleName: string;
  /** The sync function's execution role policy: its S3 statements, references resolved. */
  readonly functionPolicy: PolicyDocument;
  /** The sync function's environment, references resolved. */
  readonly env: Readonly<Record<string, string>>;
  readonly signingSecretArn: string;
  readonly sourceBucket: string;
  readonly targetBucket: string;
  readonly dataClassTag: string;
  readonly dataClass: string;
  /** The failback function: its execution role's name and S3 statements, and its environment. */
  readonly failbackRoleName: string;
  readonly failbackPolicy: PolicyDocument;
  readonly failbackEnv: Readonly<Record<string, string>>;
}

const TRUST_ANCHOR_ID = "a1b2c3d4-0000-4000-8000-000000000001";
const PROFILE_ID = "a1b2c3d4-0000-4000-8000-000000000002";

function only<T>(values: Record<string, T>, what: string): [string, T] {
  const entries = Object.entries(values);
  if (entries.length !== 1 || entries[0] === undefined)
    throw new Error(`expected one ${what} in the synthesized stack, found ${entries.length}`);
  return entries[0];
}

export const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

/** Resolves `${type.id.attr}` references to what AWS would assign; ids AWS generates are fixed here. */
function referenceResolver(json: TfJson): (text: string) => string {
  const providers = new Map(
    (json.provider?.aws ?? []).map((p) => [
      `aws.${String(p.alias)}`,
      p as { region: string; allowed_account_ids: string[] },
    ]),
  );
  const placementOf = (resource: Record<string, unknown> | undefined) => {
    const provider = providers.get(String(resource?.provider));
    const account = provider?.allowed_account_ids[0];
    if (provider === undefined || account === undefined)
      throw new Error(`no provider with an allowed account for ${String(resource?.provider)}`);
    return {
      region: provider.region,
      account,
      partition: partitionOfRegion(provider.region),
      side: String(resource?.provider).replace(/^aws\./, ""),
    };
  };
  return (text: string): string => {
    const resolved = text.replace(
      /\$\{([a-z0-9_]+)\.([^.}]+)\.([a-z_]+)\}/g,
      (ref, type: string, id: string, attribute: string) => {
        const resource = resourcesOf(json, type)[id];
        const at = placementOf(resource);
        const own = (service: string, resourcePart: string, region = true) =>
          arn(at.partition, { service, region: region ? at.region : "", account: at.account, resource: resourcePart });
        if (type === "aws_s3_bucket")
          return attribute === "arn"
            ? arn(at.partition, { service: "s3", resource: String(resource?.bucket) })
            : String(resource?.bucket);
        if (type === "aws_kms_key" || type === "aws_kms_external_key") {
          if (at.side !== "sovereign" && at.side !== "commercial") throw new Error(`a key on side ${at.side}`);
          return e2eKeyArn(at.side, `${type}.${id}`);
        }
        if (type === "aws_rolesanywhere_trust_anchor") return own("rolesanywhere", `trust-anchor/${TRUST_ANCHOR_ID}`);
        if (type === "aws_rolesanywhere_profile") return own("rolesanywhere", `profile/${PROFILE_ID}`);
        if (type === "aws_iam_role")
          return attribute === "arn" ? own("iam", `role/${String(resource?.name)}`, false) : String(resource?.name);
        if (type === "aws_secretsmanager_secret")
          return own("secretsmanager", `secret:${String(resource?.name)}-E2eTst`);
        return ref;
      },
    );
    if (resolved.includes("${")) throw new Error(`unresolved reference: ${resolved}`);
    return resolved;
  };
}

/**
 * Reads the sync from the synthesized JSON: trust anchor, profile, role and its policy (commercial);
 * the sync and failback functions' environments and execution role policies (sovereign).
 */
export function synthesizedSync(json: TfJson): SynthesizedSync {
  const resolve = referenceResolver(json);
  /** The S3 statements of a policy (the gateway knows no other service), references resolved. */
  const s3Statements = (policy: unknown): PolicyDocument => {
    const document = JSON.parse(String(policy)) as PolicyDocument;
    const statements = document.Statement.filter((s) => asList(s.Action).every((a) => a.startsWith("s3:")));
    return JSON.parse(resolve(JSON.stringify({ ...document, Statement: statements })));
  };
  const resolvedEnv = (fn: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries((fn.environment as { variables: Record<string, string> }).variables).map(([k, v]) => [
        k,
        resolve(v),
      ]),
    );
  const roleOf = (reference: unknown, what: string) => {
    const id = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(String(reference))?.[1] ?? "";
    const role = resourcesOf(json, "aws_iam_role")[id];
    if (role === undefined) throw new Error(`${what} has no role of the stack`);
    return { id, role };
  };

  const [, anchor] = only(resourcesOf(json, "aws_rolesanywhere_trust_anchor"), "trust anchor");
  const [, profile] = only(resourcesOf(json, "aws_rolesanywhere_profile"), "Roles Anywhere profile");
  const { id: roleRef, role } = roleOf((profile.role_arns as string[])[0], "the profile");
  const trust = JSON.parse(String(role.assume_role_policy)) as PolicyDocument;
  const workloadCommonName = trust.Statement[0]?.Condition?.StringEquals?.["aws:PrincipalTag/x509Subject/CN"];
  if (workloadCommonName === undefined) throw new Error("the role trust policy pins no certificate CN");
  const policyOf = (roleId: string) =>
    only(
      Object.fromEntries(
        Object.entries(resourcesOf(json, "aws_iam_role_policy")).filter(
          ([, p]) => p.role === `\${aws_iam_role.${roleId}.id}`,
        ),
      ),
      `policy of role ${roleId}`,
    )[1];

  // The sync and failback functions (the data-subject request run reaches the other side too).
  const crossing = Object.entries(resourcesOf(json, "aws_lambda_function")).filter(
    ([, f]) =>
      (f.environment as { variables?: Record<string, string> })?.variables?.ROLES_ANYWHERE_ROLE_ARN !== undefined &&
      !String(f.function_name).includes("-subject-request-"),
  );
  const isFailback = (f: Record<string, unknown>) => String(f.function_name).includes("-failback-");
  const [, fn] = only(Object.fromEntries(crossing.filter(([, f]) => !isFailback(f))), "sync function");
  const [, back] = only(Object.fromEntries(crossing.filter(([, f]) => isFailback(f))), "failback function");
  const backRole = roleOf(back.role, "the failback function");
  const fnRole = roleOf(fn.role, "the sync function");
  const env = resolvedEnv(fn);
  const need = (name: string) => {
    const value = env[name];
    if (value === undefined) throw new Error(`the sync function's environment lacks ${name}`);
    return value;
  };
  return {
    trustAnchorPem: (anchor.source as { source_data: { x509_certificate_data: string } }).source_data
      .x509_certificate_data,
    trustAnchorArn: need("ROLES_ANYWHERE_TRUST_ANCHOR_ARN"),
    profileArn: need("ROLES_ANYWHERE_PROFILE_ARN"),
    profileDurationSeconds: Number(profile.duration_seconds),
    roleName: String(role.name),
    roleArn: need("ROLES_ANYWHERE_ROLE_ARN"),
    workloadCommonName,
    rolePolicy: s3Statements(policyOf(roleRef).policy),
    functionRoleName: String(fnRole.role.name),
    functionPolicy: s3Statements(policyOf(fnRole.id).policy),
    env,
    signingSecretArn: need("SIGNING_MATERIAL_SECRET_ID"),
    sourceBucket: need("SOURCE_BUCKET"),
    targetBucket: need("TARGET_BUCKET"),
    dataClassTag: env.SYNC_DATA_CLASS_TAG ?? "data-class",
    dataClass: need("SYNC_ALLOWED_DATA_CLASSES").split(",")[0] ?? "",
    failbackRoleName: String(backRole.role.name),
    failbackPolicy: s3Statements(policyOf(backRole.id).policy),
    failbackEnv: resolvedEnv(back),
  };
}

/** A policy as a gateway can hold it: radosgw parses only the commercial (aws) partition's ARNs. */
export function forGateway(policy: PolicyDocument): PolicyDocument {
  return JSON.parse(JSON.stringify(policy).replaceAll(`arn:${SOVEREIGN.id}:`, `arn:${COMMERCIAL.id}:`));
}

// ---------------------------------------------------------------------------------------------------
// The shared set-up

export interface E2eStack {
  readonly synth: SynthesizedSync;
  readonly ca: TestIdentity;
  /** A temporary directory (the CA certificate the configuration names, the signing material's files). */
  readonly workDir: string;
  /** The signing material's secret value: the leaf certificate for the role trust policy's CN, and its key. */
  readonly signingMaterial: string;
  readonly issuer: RolesAnywhereIssuer;
  /** In front of the commercial gateway: logs which credentials signed each request. */
  readonly proxy: S3FaultProxy;
  close(): Promise<void>;
}

/**
 * A test CA in the configuration and the synthesized stack (the trust anchor's bundle is the only root
 * the CreateSession endpoint trusts), the commercial gateway role with the synthesized role policy's
 * S3 statements (and nothing more), the CreateSession endpoint, and the proxy.
 */
export async function startE2eStack(gateways: {
  readonly sovereign: RadosGateway;
  readonly commercial: RadosGateway;
}): Promise<E2eStack> {
  const ca = issue({ commonName: "E2E Platform CA", ca: true, notAfter: new Date(Date.now() + 30 * 24 * 3600_000) });
  const workDir = await mkdtemp(join(tmpdir(), "sync-e2e-"));
  await writeFile(join(workDir, "ca.pem"), ca.certificatePem);
  const input = exampleInput();
  if (input.crossPartition === undefined) throw new Error("the example configuration has no crossPartition");
  input.crossPartition.caCertificateFile = relative(join(PROJECT_ROOT, "config"), join(workDir, "ca.pem"));
  const synth = synthesizedSync(synthDeployment(validConfig(input)).json);
  const leaf = issue({ commonName: synth.workloadCommonName }, ca);
  await createRole(gateways.commercial, synth.roleName, forGateway(synth.rolePolicy));
  const issuer = await startRolesAnywhereIssuer({
    trustedRoots: [new X509Certificate(synth.trustAnchorPem)],
    gateway: gateways.commercial,
    binding: {
      trustAnchorArn: synth.trustAnchorArn,
      profileArn: synth.profileArn,
      roleArns: [synth.roleArn],
      maxDurationSeconds: synth.profileDurationSeconds,
      workloadCommonName: synth.workloadCommonName,
    },
  });
  const proxy = await startS3FaultProxy(gateways.commercial.endpoint);
  return {
    synth,
    ca,
    workDir,
    signingMaterial: JSON.stringify({ certificate: leaf.certificatePem, privateKey: leaf.privateKeyPem }),
    issuer,
    proxy,
    close: async () => {
      await proxy.close();
      await issuer.close();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * The failback function's environment as Lambda gives it: the synthesized variables, the function's
 * region, loopback endpoints (the commercial one through the proxy) and the signing material in files
 * (Lambda's extension reads the secret; the tests read no Secrets Manager). Without the tenant
 * directory's prefixes: the gateways have no KMS to look tenant keys up in.
 */
export async function failbackFunctionEnv(
  stack: E2eStack,
  sovereign: RadosGateway,
  extra: Readonly<Record<string, string>> = {},
): Promise<Record<string, string>> {
  const material = JSON.parse(stack.signingMaterial) as { certificate: string; privateKey: string };
  await writeFile(join(stack.workDir, "leaf.pem"), material.certificate);
  await writeFile(join(stack.workDir, "leaf.key"), material.privateKey, { mode: 0o600 });
  const {
    SIGNING_MATERIAL_SECRET_ID: _secret,
    TENANT_KEY_ALIAS_PREFIX: _alias,
    TENANT_ROLE_NAME_PREFIX: _role,
    ...fromStack
  } = stack.synth.failbackEnv;
  return {
    ...fromStack,
    AWS_REGION: SOVEREIGN_REGION,
    SOURCE_S3_ENDPOINT: sovereign.endpoint,
    TARGET_S3_ENDPOINT: stack.proxy.url,
    ROLES_ANYWHERE_ENDPOINT: stack.issuer.url,
    SIGNING_MATERIAL_CERTIFICATE_FILE: join(stack.workDir, "leaf.pem"),
    SIGNING_MATERIAL_PRIVATE_KEY_FILE: join(stack.workDir, "leaf.key"),
    ...extra,
  };
}
