/**
 * The synthesized stack as AWS would hold it after apply, for authorization questions: every role
 * with its identity policies and tags, every bucket, key, secret and VPC endpoint with its policy,
 * all with concrete ARNs in their own partition and account. References (`${aws_s3_bucket.b.arn}`)
 * are replaced by the values AWS would assign; IDs that AWS generates are derived from the address
 * (`vpce-<name>`, `key/<name>`), which is enough for policies that compare them.
 */
import { arn, type PartitionInfo } from "../../config/partitions";
import { isObject, literalString } from "../core/json";
import { placementOf } from "../core/placement";
import type { Template, TfResource } from "../core/template";

export interface Side {
  readonly partition: PartitionInfo;
  readonly region: string;
  readonly account: string;
  /** Provider key (`aws.sovereign`). */
  readonly provider: string;
}

export interface PolicyRef {
  readonly name: string;
  readonly policy: unknown;
}

export interface WorldRole {
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  readonly side: Side;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly trust: unknown;
  readonly identityPolicies: readonly PolicyRef[];
}

export interface WorldBucket {
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  readonly side: Side;
  readonly policy: unknown;
  /** The default SSE-KMS key's ARN. */
  readonly keyArn: string | undefined;
}

export interface WorldKey {
  readonly address: string;
  readonly arn: string;
  readonly side: Side;
  readonly policy: unknown;
  readonly aliases: readonly string[];
}

export interface WorldEndpoint {
  readonly address: string;
  readonly id: string;
  /** Last label of the service name (`s3`, `kms`, `sts`, `secretsmanager`). */
  readonly service: string;
  readonly vpc: string;
  readonly policy: unknown;
}

export interface WorldSecret {
  readonly address: string;
  readonly arn: string;
  readonly side: Side;
  readonly policy: unknown;
}

export interface AuthzWorld {
  readonly template: Template;
  readonly roles: ReadonlyMap<string, WorldRole>;
  readonly buckets: ReadonlyMap<string, WorldBucket>;
  readonly keys: ReadonlyMap<string, WorldKey>;
  readonly endpoints: readonly WorldEndpoint[];
  readonly secrets: ReadonlyMap<string, WorldSecret>;
  /** Replaces references by concrete values (`$${` -> `${`). */
  concrete(text: string): string;
  roleByName(name: string): WorldRole | undefined;
  bucketByName(name: string): WorldBucket | undefined;
  keyByArn(keyArn: string): WorldKey | undefined;
}

export class WorldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorldError";
  }
}

function sideOf(template: Template, resource: TfResource): Side {
  const placement = placementOf(template, resource);
  const accounts = placement.provider?.values.allowed_account_ids;
  const account = Array.isArray(accounts) && typeof accounts[0] === "string" ? accounts[0] : undefined;
  if (
    placement.partition === undefined ||
    placement.region === undefined ||
    account === undefined ||
    placement.provider === undefined
  ) {
    throw new WorldError(
      `${resource.address}: its provider names no region and allowed account: the authorization proof needs both`,
    );
  }
  return { partition: placement.partition, region: placement.region, account, provider: placement.provider.key };
}

const parse = (text: string | undefined, what: string): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new WorldError(`${what}: not a literal JSON policy after resolving references`);
  }
};

/** Reads the stack's resources with their references made concrete (the example's ARNs, names and IDs). */
class StackReader {
  constructor(readonly template: Template) {}

  side(r: TfResource): Side {
    return sideOf(this.template, r);
  }

  name(r: TfResource): string {
    return literalString(r.values.name) ?? literalString(r.values.bucket) ?? r.name;
  }

  /** The value of `<address>.<attr>` as AWS would report it, for the attributes policies refer to. */
  attribute(address: string, attr: string): string | undefined {
    const r = this.template.byAddress.get(address);
    if (r === undefined) return undefined;
    const s = this.side(r);
    const name = (resource: TfResource) => this.name(resource);
    const own = (service: string, resource: string, regional = true) =>
      arn(s.partition, { service, region: regional ? s.region : "", account: s.account, resource });
    switch (r.type) {
      case "aws_s3_bucket":
        return attr === "arn" ? arn(s.partition, { service: "s3", resource: name(r) }) : name(r);
      case "aws_kms_key":
        return attr === "arn" ? own("kms", `key/${r.name}`) : attr === "key_id" ? r.name : undefined;
      // A key for imported material (the standby pseudonym key): its alias targets `id`.
      case "aws_kms_external_key":
        return attr === "arn" ? own("kms", `key/${r.name}`) : attr === "id" ? r.name : undefined;
      case "aws_iam_role":
        return attr === "arn" ? own("iam", `role/${name(r)}`, false) : name(r);
      case "aws_iam_policy":
        return attr === "arn" ? own("iam", `policy/${name(r)}`, false) : undefined;
      case "aws_vpc_endpoint":
        return attr === "id" ? `vpce-${r.name}` : undefined;
      case "aws_vpc":
        return attr === "id" ? `vpc-${r.name}` : undefined;
      case "aws_sqs_queue":
        return attr === "arn" ? own("sqs", name(r)) : undefined;
      case "aws_cloudwatch_log_group":
        return attr === "arn" ? own("logs", `log-group:${name(r)}`) : undefined;
      case "aws_secretsmanager_secret":
        return attr === "arn" ? own("secretsmanager", `secret:${name(r)}-AbCdEf`) : undefined;
      case "aws_rolesanywhere_trust_anchor":
        return attr === "arn" ? own("rolesanywhere", `trust-anchor/${r.name}`) : undefined;
      case "aws_rolesanywhere_profile":
        return attr === "arn" ? own("rolesanywhere", `profile/${r.name}`) : undefined;
      case "aws_lambda_function":
        return attr === "arn" ? own("lambda", `function:${name(r)}`) : attr === "function_name" ? name(r) : undefined;
      default:
        return undefined;
    }
  }

  /** Replaces references by concrete values (`$${` -> `${`). */
  readonly concrete = (text: string): string =>
    text
      .replace(
        /\$\{(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}/g,
        (ref, type: string, id: string, attr: string) => this.attribute(`${type}.${id}`, attr) ?? ref,
      )
      .replace(/\$\$\{/g, "${");

  policyOf(r: TfResource, field = "policy"): unknown {
    const raw = r.values[field];
    return typeof raw === "string" ? parse(this.concrete(raw), `${r.address}.${field}`) : undefined;
  }

  resources(type: string): TfResource[] {
    return this.template.resources.filter((r) => r.mode === "managed" && r.type === type);
  }

  refersTo(value: unknown, address: string): boolean {
    return typeof value === "string" && value.includes(`\${${address}.`);
  }
}

/** The policies a role holds: inline, attached (the stack's managed policies) and inline blocks. */
function identityPoliciesOf(stack: StackReader, r: TfResource): WorldRole["identityPolicies"] {
  const inline = stack
    .resources("aws_iam_role_policy")
    .filter((p) => stack.refersTo(p.values.role, r.address) || p.values.role === stack.name(r))
    .map((p) => ({ name: p.address, policy: stack.policyOf(p) }));
  const attached = stack
    .resources("aws_iam_role_policy_attachment")
    .filter((a) => stack.refersTo(a.values.role, r.address) || a.values.role === stack.name(r))
    .map((a) => {
      const policyArn = String(a.values.policy_arn ?? "");
      const managed = /^\$\{(aws_iam_policy\.[A-Za-z0-9_-]+)\.arn\}$/.exec(policyArn)?.[1];
      const target = managed === undefined ? undefined : stack.template.byAddress.get(managed);
      return { name: managed ?? policyArn, policy: target === undefined ? undefined : stack.policyOf(target) };
    })
    // AWS managed policies (logs, ENIs) are not in the stack: they grant no data access.
    .filter((p) => p.policy !== undefined);
  const inlineBlocks = Array.isArray(r.values.inline_policy) ? r.values.inline_policy.filter(isObject) : [];
  return [
    ...inline,
    ...attached,
    ...inlineBlocks.map((b, i) => ({
      name: `${r.address}.inline_policy[${i}]`,
      policy: typeof b.policy === "string" ? parse(stack.concrete(b.policy), r.address) : undefined,
    })),
  ];
}

function rolesOf(stack: StackReader): Map<string, WorldRole> {
  const roles = new Map<string, WorldRole>();
  for (const r of stack.resources("aws_iam_role")) {
    const identityPolicies = identityPoliciesOf(stack, r);
    const tags = isObject(r.values.tags)
      ? Object.fromEntries(Object.entries(r.values.tags).map(([k, v]) => [k, stack.concrete(String(v))]))
      : {};
    roles.set(r.address, {
      address: r.address,
      name: stack.name(r),
      arn: stack.attribute(r.address, "arn") ?? "",
      side: stack.side(r),
      description: literalString(r.values.description) ?? "",
      tags,
      trust: stack.policyOf(r, "assume_role_policy"),
      identityPolicies,
    });
  }
  return roles;
}

function bucketsOf(stack: StackReader): Map<string, WorldBucket> {
  const buckets = new Map<string, WorldBucket>();
  for (const r of stack.resources("aws_s3_bucket")) {
    const policy = stack.resources("aws_s3_bucket_policy").find((p) => stack.refersTo(p.values.bucket, r.address));
    const sse = stack
      .resources("aws_s3_bucket_server_side_encryption_configuration")
      .find((p) => stack.refersTo(p.values.bucket, r.address));
    const keyRef = JSON.stringify(sse?.values ?? {}).match(/\$\{aws_kms_key\.[A-Za-z0-9_-]+\.arn\}/)?.[0];
    buckets.set(r.address, {
      address: r.address,
      name: stack.name(r),
      arn: stack.attribute(r.address, "arn") ?? "",
      side: stack.side(r),
      policy: policy === undefined ? undefined : stack.policyOf(policy),
      keyArn: keyRef === undefined ? undefined : stack.concrete(keyRef),
    });
  }
  return buckets;
}

function keysOf(stack: StackReader): Map<string, WorldKey> {
  const keys = new Map<string, WorldKey>();
  for (const r of [...stack.resources("aws_kms_key"), ...stack.resources("aws_kms_external_key")]) {
    const aliases = stack
      .resources("aws_kms_alias")
      .filter((a) => stack.refersTo(a.values.target_key_id, r.address))
      .map((a) => literalString(a.values.name) ?? "")
      .sort();
    keys.set(r.address, {
      address: r.address,
      arn: stack.attribute(r.address, "arn") ?? "",
      side: stack.side(r),
      policy: stack.policyOf(r),
      aliases,
    });
  }
  return keys;
}

function endpointsOf(stack: StackReader): WorldEndpoint[] {
  return stack.resources("aws_vpc_endpoint").map((r) => ({
    address: r.address,
    id: `vpce-${r.name}`,
    service:
      String(r.values.service_name ?? "")
        .split(".")
        .pop() ?? "",
    vpc: stack.concrete(String(r.values.vpc_id ?? "")),
    policy: stack.policyOf(r),
  }));
}

function secretsOf(stack: StackReader): Map<string, WorldSecret> {
  const secrets = new Map<string, WorldSecret>();
  for (const r of stack.resources("aws_secretsmanager_secret")) {
    const policy = stack
      .resources("aws_secretsmanager_secret_policy")
      .find((p) => stack.refersTo(p.values.secret_arn, r.address));
    secrets.set(r.address, {
      address: r.address,
      arn: stack.attribute(r.address, "arn") ?? "",
      side: stack.side(r),
      policy: policy === undefined ? stack.policyOf(r) : stack.policyOf(policy),
    });
  }
  return secrets;
}

/** The stack's roles, buckets, keys, endpoints and secrets, with concrete ARNs. */
export function authzWorld(template: Template): AuthzWorld {
  const stack = new StackReader(template);
  const roles = rolesOf(stack);
  const buckets = bucketsOf(stack);
  const keys = keysOf(stack);
  const endpoints = endpointsOf(stack);
  const secrets = secretsOf(stack);
  const rolesByName = new Map([...roles.values()].map((r) => [r.name, r]));
  const bucketsByName = new Map([...buckets.values()].map((b) => [b.name, b]));
  const keysByArn = new Map([...keys.values()].map((k) => [k.arn, k]));
  return {
    template,
    roles,
    buckets,
    keys,
    endpoints,
    secrets,
    concrete: stack.concrete,
    roleByName: (n) => rolesByName.get(n),
    bucketByName: (n) => bucketsByName.get(n),
    keyByArn: (a) => keysByArn.get(a),
  };
}
