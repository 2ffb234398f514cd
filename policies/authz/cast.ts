/**
 * From recorded requests (test names, test keys) to calls in the example's world: the test file's
 * cast maps its buckets, KMS keys, tenants and role names onto the example's, and its access keys
 * onto principals. A request whose access key no cast names (a test's own set-up and inspection
 * with the gateway's administrator key) is out of the proof's scope and counted as such; a request
 * of a cast principal that names something the example does not have is a problem, not a skip.
 */
import type { Call, Origin } from "./actions";
import { type Recorded, type RecordedCastNames, type RecordedRequest, wasAuthorized } from "./records";
import type { AuthzWorld, WorldBucket, WorldRole } from "./world";

export interface CastCall {
  readonly call: Call;
  readonly record: RecordedRequest;
}

export interface CastOutcome {
  readonly calls: readonly CastCall[];
  /** Requests by keys no cast names (the tests' own set-up and inspection), and of files out of scope. */
  readonly unattributed: readonly RecordedRequest[];
  /** Requests the server refused or that did not complete (they prove nothing about what is allowed). */
  readonly refused: readonly RecordedRequest[];
  /** Cast requests that name something the example does not have. */
  readonly problems: readonly string[];
}

interface FileCast {
  readonly keys: Map<string, string>;
  readonly buckets: Map<string, string>;
  readonly kmsKeys: Map<string, string>;
  readonly tenants: Map<string, string>;
  readonly roles: Map<string, string>;
  outOfScope?: string;
}

const emptyCast = (): FileCast => ({
  keys: new Map(),
  buckets: new Map(),
  kmsKeys: new Map(),
  tenants: new Map(),
  roles: new Map(),
});

function castsByFile(records: readonly Recorded[]): Map<string, FileCast> {
  const out = new Map<string, FileCast>();
  const of = (file: string) => {
    let cast = out.get(file);
    if (cast === undefined) {
      cast = emptyCast();
      out.set(file, cast);
    }
    return cast;
  };
  const merge = (into: Map<string, string>, from: Readonly<Record<string, string>> | undefined) => {
    for (const [k, v] of Object.entries(from ?? {})) into.set(k, v);
  };
  for (const r of records) {
    if (r.t === "cast-key") of(r.file).keys.set(r.accessKeyId, r.principal);
    if (r.t === "cast-names") {
      const names: RecordedCastNames = r;
      const cast = of(r.file);
      merge(cast.buckets, names.buckets);
      merge(cast.kmsKeys, names.keys);
      merge(cast.tenants, names.tenants);
      merge(cast.roles, names.roles);
      if (names.outOfScope !== undefined) cast.outOfScope = names.outOfScope;
    }
  }
  return out;
}

/** Replaces every path segment that is a test tenant by the example's tenant. */
function castPath(cast: FileCast, path: string): string {
  return path
    .split("/")
    .map((segment) => cast.tenants.get(segment) ?? segment)
    .join("/");
}

function castRoleName(cast: FileCast, name: string): string {
  const direct = cast.roles.get(name);
  if (direct !== undefined) return direct;
  for (const [from, to] of cast.tenants) if (name.endsWith(`-${from}`)) return `${name.slice(0, -from.length)}${to}`;
  return name;
}

export function castRecords(world: AuthzWorld, records: readonly Recorded[]): CastOutcome {
  const casts = castsByFile(records);
  const calls: CastCall[] = [];
  const unattributed: RecordedRequest[] = [];
  const refused: RecordedRequest[] = [];
  const problems: string[] = [];
  /** `<bucket>/<key>` -> the SSE-KMS key its multipart upload was created with (parts and completion carry none). */
  const uploadKeys = new Map<string, string>();
  for (const record of records) {
    if (record.t !== "request") continue;
    const cast: FileCast = casts.get(record.file) ?? emptyCast();
    const actor = record.actor ?? (record.accessKeyId === undefined ? undefined : cast.keys.get(record.accessKeyId));
    if (actor === undefined || cast.outOfScope !== undefined) {
      unattributed.push(record);
      continue;
    }
    if (!wasAuthorized(record.status)) {
      refused.push(record);
      continue;
    }
    const call = castCall({ world, cast, record, actor, uploadKeys, problems });
    if (call !== undefined) calls.push({ record, call });
  }
  return { calls, unattributed, refused, problems };
}

/** What casting one request reads, and where it notes what it finds. */
interface CastRequest {
  readonly world: AuthzWorld;
  readonly cast: FileCast;
  readonly record: RecordedRequest;
  /** The principal that made it, by the test's name. */
  readonly actor: string;
  readonly uploadKeys: Map<string, string>;
  readonly problems: string[];
}

/**
 * One authorized request of a cast principal as a call in the example's world; undefined when it
 * names something the example does not have (then it adds the problem).
 */
function castCall({ world, cast, record, actor, uploadKeys, problems }: CastRequest): Call | undefined {
  const where = `${record.file}: ${record.service} ${record.operation}${record.bucket === undefined ? "" : ` ${record.bucket}/${record.key ?? ""}`}`;
  const principal = world.roleByName(castRoleName(cast, actor));
  if (principal === undefined) {
    problems.push(
      `${where}: principal "${actor}" (as "${castRoleName(cast, actor)}") is not a role of the example: cast it (castNames roles) or give the request a role the stack has`,
    );
    return undefined;
  }
  const bucketOf = (name: string | undefined): WorldBucket | undefined | "missing" => {
    if (name === undefined) return undefined;
    return world.bucketByName(cast.buckets.get(name) ?? name) ?? "missing";
  };
  const kmsKeyArn = (id: string | undefined): string | undefined => {
    if (id === undefined) return undefined;
    const address = cast.kmsKeys.get(id);
    const key = address === undefined ? world.keyByArn(id) : world.keys.get(address);
    if (key === undefined)
      problems.push(`${where}: KMS key ${id} is not cast to a key of the example (castNames keys)`);
    return key?.arn ?? id;
  };
  const bucket = bucketOf(record.bucket);
  if (bucket === "missing") {
    problems.push(`${where}: bucket "${record.bucket}" is not a bucket of the example: cast it (castNames buckets)`);
    return undefined;
  }
  let copySource: Call["copySource"];
  if (record.copySource !== undefined) {
    const [sourceBucket = "", ...rest] = record.copySource.split("/");
    const source = bucketOf(sourceBucket);
    if (source === "missing" || source === undefined) {
      problems.push(`${where}: copy source bucket "${sourceBucket}" is not a bucket of the example`);
      return undefined;
    }
    copySource = { bucket: source, key: castPath(cast, rest.join("/")) };
  }
  const headers = { ...record.headers };
  const sseKey = headers["x-amz-server-side-encryption-aws-kms-key-id"];
  if (sseKey !== undefined) headers["x-amz-server-side-encryption-aws-kms-key-id"] = kmsKeyArn(sseKey) ?? sseKey;
  const objectName = `${record.bucket ?? ""}/${record.key ?? ""}`;
  if (record.operation === "CreateMultipartUpload" && sseKey !== undefined) uploadKeys.set(objectName, sseKey);
  const objectKmsKeyId =
    record.objectKmsKeyId ??
    (record.operation === "UploadPart" || record.operation === "CompleteMultipartUpload"
      ? uploadKeys.get(objectName)
      : undefined);
  const target = targetOf(world, cast, record, (id) => kmsKeyArn(id));
  // SDK calls of the sovereign side, and of a commercial function in a VPC (the standby), pass their
  // VPC's endpoints; the commercial roles without a VPC (Roles Anywhere) and operators call from the internet.
  const inVpc = principal.side.partition.id === "aws-eusc" || isVpcFunctionRole(world, principal);
  const origin: Origin = record.via !== "sdk" || !inVpc || isOperator(principal) ? "internet" : "vpc-endpoint";
  return {
    principal,
    service: record.service,
    operation: record.operation,
    origin,
    secureTransport: true,
    ...(bucket === undefined ? {} : { bucket }),
    ...(record.key === undefined ? {} : { key: castPath(cast, record.key) }),
    ...(record.versionId === undefined ? {} : { versionId: record.versionId }),
    ...(record.prefix === undefined ? {} : { prefix: castPath(cast, record.prefix) }),
    ...(copySource === undefined ? {} : { copySource }),
    headers,
    ...(objectKmsKeyId === undefined ? {} : { objectKmsKeyArn: kmsKeyArn(objectKmsKeyId) }),
    ...(target === undefined ? {} : { target }),
    ...(record.encryptionAlgorithm === undefined
      ? {}
      : { kmsContext: { "kms:EncryptionAlgorithm": record.encryptionAlgorithm } }),
    notFound: record.status === 404,
  };
}

/** Whether `role` is the role of a Lambda function that runs in a VPC (its SDK calls pass that VPC's endpoints). */
export function isVpcFunctionRole(world: AuthzWorld, role: WorldRole): boolean {
  return world.template.resources.some(
    (r) =>
      r.type === "aws_lambda_function" &&
      r.values.vpc_config !== undefined &&
      world.concrete(String(r.values.role ?? "")) === role.arn,
  );
}

/** Operator roles act from a workstation: on the internet, not through the VPC's endpoints. */
export function isOperator(role: WorldRole): boolean {
  return role.tags.Purpose === "operator";
}

function targetOf(
  world: AuthzWorld,
  cast: FileCast,
  record: RecordedRequest,
  kmsKeyArn: (id: string) => string | undefined,
): string | undefined {
  const target = record.target;
  if (target === undefined) return undefined;
  if (record.service === "KMS") {
    if (target.startsWith("alias/")) {
      const alias = castPath(cast, target);
      return [...world.keys.values()].find((k) => k.aliases.includes(alias))?.arn ?? alias;
    }
    return kmsKeyArn(target);
  }
  if (record.service === "STS") {
    const name = castRoleName(cast, target.split("/").pop() ?? target);
    return world.roleByName(name)?.arn ?? target;
  }
  return target;
}
