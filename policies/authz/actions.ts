/**
 * What AWS authorizes for one API call (DESIGN.md §8): the actions on each resource, including the
 * implied ones (tagging on PutObject, KMS on SSE-KMS reads and writes, ListBucket behind a 404,
 * object lock), with the request context AWS evaluates them in. A call of a kind this table does not
 * know is an `unknown` answer, never an empty list: the proof fails on it, so a new SDK call cannot
 * slip past.
 */
import type { AuthzWorld, WorldBucket, WorldRole } from "./world";

/** How a request reaches AWS: from inside the VPC through its endpoints, or from the internet (browsers, workstations, the commercial side). */
export type Origin = "vpc-endpoint" | "internet";

/** One API call in the example's world. */
export interface Call {
  readonly principal: WorldRole;
  readonly service: "S3" | "KMS" | "STS" | "SecretsManager" | string;
  readonly operation: string;
  readonly origin: Origin;
  /** TLS (all SDK and pre-signed traffic is https; the abuse matrix sends http). */
  readonly secureTransport: boolean;
  readonly bucket?: WorldBucket;
  readonly key?: string;
  readonly versionId?: string;
  readonly prefix?: string;
  readonly copySource?: { readonly bucket: WorldBucket; readonly key: string; readonly kmsKeyArn?: string };
  /** Lower-case request headers (form fields of a POST) that matter for authorization, KMS key IDs as the example's ARNs. */
  readonly headers: Readonly<Record<string, string>>;
  /** The key that encrypts the object read (S3 reports it). */
  readonly objectKmsKeyArn?: string;
  /** KMS key ARN, role ARN or secret ARN of a KMS, STS or Secrets Manager call. */
  readonly target?: string;
  /** The server answered 404 (S3 then also authorized s3:ListBucket, or AWS would have said 403). */
  readonly notFound?: boolean;
  /** Condition keys a KMS call sets itself (`kms:EncryptionAlgorithm` of a Decrypt). */
  readonly kmsContext?: Readonly<Record<string, string>>;
}

/** An S3 call of the abuse matrices: over the VPC endpoint, with TLS, no headers, unless `extra` says otherwise. */
export function s3Call(
  principal: WorldRole,
  operation: string,
  bucket: WorldBucket,
  key: string,
  extra: Partial<Call> = {},
): Call {
  return {
    principal,
    service: "S3",
    operation,
    origin: "vpc-endpoint",
    secureTransport: true,
    bucket,
    key,
    headers: {},
    ...extra,
  };
}

/** A KMS call of the abuse matrices on `keyArn`: over the VPC endpoint with TLS unless `origin` says otherwise. */
export function kmsCall(
  principal: WorldRole,
  operation: string,
  keyArn: string,
  origin: Origin = "vpc-endpoint",
  kmsContext?: Readonly<Record<string, string>>,
): Call {
  return {
    principal,
    service: "KMS",
    operation,
    origin,
    secureTransport: true,
    headers: {},
    target: keyArn,
    ...(kmsContext === undefined ? {} : { kmsContext }),
  };
}

export interface Authorization {
  /** What this check is, for reports (`s3:PutObject on avatars-original/kleinverein/...`). */
  readonly label: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  /** Bucket, key, trust or secret policy. */
  readonly resourcePolicy: unknown;
  /** VPC endpoint policies the request passes through. */
  readonly endpointPolicies: ReadonlyArray<{ readonly name: string; readonly policy: unknown }>;
  readonly context: Readonly<Record<string, string | string[]>>;
}

export type Authorizations =
  | { readonly kind: "known"; readonly checks: readonly Authorization[] }
  | { readonly kind: "unknown"; readonly reason: string };

const OBJECT_OPERATIONS: Readonly<Record<string, { readonly action: string; readonly versioned?: string }>> = {
  PutObject: { action: "s3:PutObject" },
  PostObject: { action: "s3:PutObject" },
  CreateMultipartUpload: { action: "s3:PutObject" },
  UploadPart: { action: "s3:PutObject" },
  CompleteMultipartUpload: { action: "s3:PutObject" },
  AbortMultipartUpload: { action: "s3:AbortMultipartUpload" },
  ListParts: { action: "s3:ListMultipartUploadParts" },
  GetObject: { action: "s3:GetObject", versioned: "s3:GetObjectVersion" },
  HeadObject: { action: "s3:GetObject", versioned: "s3:GetObjectVersion" },
  GetObjectTagging: { action: "s3:GetObjectTagging", versioned: "s3:GetObjectVersionTagging" },
  PutObjectTagging: { action: "s3:PutObjectTagging", versioned: "s3:PutObjectVersionTagging" },
  DeleteObject: { action: "s3:DeleteObject", versioned: "s3:DeleteObjectVersion" },
  CopyObject: { action: "s3:PutObject" },
  // Object lock questions (a data-subject erasure): one action whether or not a version is named.
  GetObjectRetention: { action: "s3:GetObjectRetention" },
  GetObjectLegalHold: { action: "s3:GetObjectLegalHold" },
};

const BUCKET_OPERATIONS: Readonly<Record<string, string>> = {
  ListObjectsV2: "s3:ListBucket",
  ListObjects: "s3:ListBucket",
  ListObjectVersions: "s3:ListBucketVersions",
  ListMultipartUploads: "s3:ListBucketMultipartUploads",
  GetObjectLockConfiguration: "s3:GetBucketObjectLockConfiguration",
};

/** Operations that write an object (the SSE headers and implied tagging / lock actions apply). */
const WRITES = new Set(["PutObject", "PostObject", "CreateMultipartUpload", "CopyObject"]);

function endpointsFor(
  world: AuthzWorld,
  principal: WorldRole,
  service: string,
  origin: Origin,
): { ids: string[]; vpcs: string[]; policies: { name: string; policy: unknown }[] } {
  if (origin !== "vpc-endpoint") return { ids: [], vpcs: [], policies: [] };
  const vpc = platformVpcOf(world, principal);
  const endpoints = world.endpoints.filter((e) => e.service === service && e.vpc === vpc);
  if (endpoints.length === 0) return { ids: [], vpcs: [], policies: [] };
  return {
    ids: endpoints.map((e) => e.id),
    vpcs: [vpc],
    policies: endpoints.filter((e) => e.policy !== undefined).map((e) => ({ name: e.address, policy: e.policy })),
  };
}

/**
 * The VPC the principal's requests come from: its function's VPC; for a role without a function (a
 * tenant role the functions act as) the VPC of the functions of its side.
 */
export function platformVpcOf(world: AuthzWorld, principal: WorldRole): string {
  const functions = world.template.resources.filter((r) => r.type === "aws_lambda_function");
  const own =
    functions.find((f) => world.concrete(String(f.values.role ?? "")) === principal.arn) ??
    functions.find((f) =>
      world.concrete(String(f.values.role ?? "")).startsWith(`arn:${principal.side.partition.id}:`),
    );
  const subnetRef = JSON.stringify(own?.values.vpc_config ?? "").match(/aws_subnet\.[A-Za-z0-9_-]+/)?.[0];
  const subnet = subnetRef === undefined ? undefined : world.template.byAddress.get(subnetRef);
  return world.concrete(String(subnet?.values.vpc_id ?? ""));
}

function principalContext(call: Call): Record<string, string | string[]> {
  const p = call.principal;
  return {
    "aws:SecureTransport": String(call.secureTransport),
    "aws:PrincipalArn": p.arn,
    "aws:PrincipalAccount": p.side.account,
    "aws:PrincipalIsAWSService": "false",
    "aws:PrincipalType": "AssumedRole",
    ...Object.fromEntries(Object.entries(p.tags).map(([k, v]) => [`aws:PrincipalTag/${k}`, v])),
  };
}

/** S3's SSE-KMS key of a write: the header, else the bucket's default. */
function writeKey(call: Call): string | undefined {
  return call.headers["x-amz-server-side-encryption-aws-kms-key-id"] ?? call.bucket?.keyArn;
}

function kmsViaS3(
  world: AuthzWorld,
  call: Call,
  action: string,
  keyArn: string,
  bucket: WorldBucket,
  why: string,
): Authorization {
  const key = world.keyByArn(keyArn);
  const side = key?.side ?? bucket.side;
  return {
    label: `${action} on ${key?.address ?? keyArn} (${why})`,
    action,
    resource: keyArn,
    resourceAccount: side.account,
    resourcePolicy: key?.policy,
    endpointPolicies: [],
    context: {
      ...principalContext(call),
      "aws:ResourceAccount": side.account,
      "kms:CallerAccount": call.principal.side.account,
      "kms:ViaService": `s3.${bucket.side.region}.${bucket.side.partition.dnsSuffix}`,
      "kms:EncryptionContext:aws:s3:arn": bucket.arn,
      ...(key === undefined ? {} : { "kms:ResourceAliases": [...key.aliases] }),
    },
  };
}

type EndpointsOf = ReturnType<typeof endpointsFor>;

/** Adds the check of one S3 action on one resource of the call's bucket. */
type S3Check = (action: string, resource: string, extra?: Record<string, string | string[]>) => void;

function s3Checks(world: AuthzWorld, call: Call): Authorizations {
  const bucket = call.bucket;
  if (bucket === undefined) return { kind: "unknown", reason: `${call.operation} names no bucket of the example` };
  const endpoint = endpointsFor(world, call.principal, "s3", call.origin);
  const base: Record<string, string | string[]> = {
    ...principalContext(call),
    "aws:ResourceAccount": bucket.side.account,
    ...(endpoint.ids.length > 0
      ? { "aws:SourceVpce": endpoint.ids[0] ?? "", "aws:SourceVpc": endpoint.vpcs[0] ?? "" }
      : {}),
  };
  const checks: Authorization[] = [];
  const s3: S3Check = (action, resource, extra = {}) =>
    checks.push({
      label: `${action} on ${resource.replace(/^arn:[^:]+:s3:::/, "")}`,
      action,
      resource,
      resourceAccount: bucket.side.account,
      resourcePolicy: bucket.policy,
      endpointPolicies: endpoint.policies,
      context: { ...base, ...extra },
    });

  const bucketAction = BUCKET_OPERATIONS[call.operation];
  if (bucketAction !== undefined) {
    s3(bucketAction, bucket.arn, call.prefix === undefined ? {} : { "s3:prefix": call.prefix });
    return { kind: "known", checks };
  }
  const op = OBJECT_OPERATIONS[call.operation];
  if (op === undefined || call.key === undefined)
    return {
      kind: "unknown",
      reason: `S3 ${call.operation}${call.key === undefined ? " without an object key" : ""} is not in the proof's table (policies/authz/actions.ts)`,
    };
  objectActionChecks(call, op, `${bucket.arn}/${call.key}`, bucket, s3);
  if (call.operation === "CopyObject") {
    const source = copySourceChecks(world, call, base, endpoint);
    if (source === undefined)
      return { kind: "unknown", reason: "CopyObject from a source outside the example's buckets" };
    checks.push(...source);
  }
  checks.push(...objectKmsChecks(world, call, bucket));
  return { kind: "known", checks };
}

/** The S3 actions on the object itself: the operation's, and those its headers or a 404 imply. */
function objectActionChecks(
  call: Call,
  op: { readonly action: string; readonly versioned?: string },
  objectArn: string,
  bucket: WorldBucket,
  s3: S3Check,
): void {
  const versioned = call.versionId !== undefined && op.versioned !== undefined;
  const h = call.headers;
  const sse = WRITES.has(call.operation)
    ? {
        "s3:x-amz-server-side-encryption": h["x-amz-server-side-encryption"] ?? "",
        ...(h["x-amz-server-side-encryption-aws-kms-key-id"] === undefined
          ? {}
          : { "s3:x-amz-server-side-encryption-aws-kms-key-id": h["x-amz-server-side-encryption-aws-kms-key-id"] }),
      }
    : {};
  // A condition on a header that was not sent sees no key at all.
  const sseContext: Record<string, string> = Object.fromEntries(
    Object.entries(sse).filter((entry): entry is [string, string] => entry[1] !== ""),
  );
  s3(versioned ? (op.versioned ?? op.action) : op.action, objectArn, sseContext);

  const tagging = h["x-amz-tagging"] ?? h.tagging;
  const taggingApplies =
    call.operation === "CopyObject"
      ? h["x-amz-tagging-directive"] === "REPLACE" && tagging !== undefined
      : tagging !== undefined;
  if (WRITES.has(call.operation) && taggingApplies) s3("s3:PutObjectTagging", objectArn);
  if (
    WRITES.has(call.operation) &&
    (h["x-amz-object-lock-mode"] !== undefined || h["x-amz-object-lock-retain-until-date"] !== undefined)
  )
    s3("s3:PutObjectRetention", objectArn);
  if (WRITES.has(call.operation) && h["x-amz-object-lock-legal-hold"] !== undefined)
    s3("s3:PutObjectLegalHold", objectArn);
  if (call.notFound === true && (call.operation === "HeadObject" || call.operation === "GetObject"))
    s3("s3:ListBucket", bucket.arn);
}

/** A copy reads its source, and decrypts it with the source's key; undefined when the source is not the example's. */
function copySourceChecks(
  world: AuthzWorld,
  call: Call,
  base: Record<string, string | string[]>,
  endpoint: EndpointsOf,
): Authorization[] | undefined {
  const source = call.copySource;
  if (source === undefined) return undefined;
  const sourceArn = `${source.bucket.arn}/${source.key}`;
  const checks: Authorization[] = [
    {
      label: `s3:GetObject on ${sourceArn.replace(/^arn:[^:]+:s3:::/, "")} (copy source)`,
      action: "s3:GetObject",
      resource: sourceArn,
      resourceAccount: source.bucket.side.account,
      resourcePolicy: source.bucket.policy,
      endpointPolicies: endpoint.policies,
      context: { ...base, "aws:ResourceAccount": source.bucket.side.account },
    },
  ];
  const sourceKey = source.kmsKeyArn ?? source.bucket.keyArn;
  if (sourceKey !== undefined)
    checks.push(kmsViaS3(world, call, "kms:Decrypt", sourceKey, source.bucket, "reads the copy source"));
  return checks;
}

/** The KMS actions S3 takes for the object: a data key for a write, decryption for reads and parts. */
function objectKmsChecks(world: AuthzWorld, call: Call, bucket: WorldBucket): Authorization[] {
  const checks: Authorization[] = [];
  const key = writeKey(call);
  if (WRITES.has(call.operation) && key !== undefined) {
    checks.push(kmsViaS3(world, call, "kms:GenerateDataKey", key, bucket, "SSE-KMS write"));
    if (call.operation === "CreateMultipartUpload")
      checks.push(kmsViaS3(world, call, "kms:Decrypt", key, bucket, "multipart upload"));
  }
  // Parts are encrypted under the upload's key: S3 decrypts the upload's data key for each part.
  if (call.operation === "UploadPart") {
    const partKey = call.objectKmsKeyArn ?? bucket.keyArn;
    if (partKey !== undefined) checks.push(kmsViaS3(world, call, "kms:Decrypt", partKey, bucket, "multipart part"));
  }
  if (call.operation === "GetObject" && call.notFound !== true) {
    const readKey = call.objectKmsKeyArn ?? bucket.keyArn;
    if (readKey !== undefined) checks.push(kmsViaS3(world, call, "kms:Decrypt", readKey, bucket, "SSE-KMS read"));
  }
  return checks;
}

const KMS_ACTIONS: Readonly<Record<string, string>> = {
  DescribeKey: "kms:DescribeKey",
  ListResourceTags: "kms:ListResourceTags",
  Decrypt: "kms:Decrypt",
  GenerateDataKey: "kms:GenerateDataKey",
  GenerateMac: "kms:GenerateMac",
  Sign: "kms:Sign",
  GetPublicKey: "kms:GetPublicKey",
};

/** A KMS, STS or Secrets Manager call on its target: the endpoint it passes and the context that adds. */
interface ServiceCall {
  readonly world: AuthzWorld;
  readonly call: Call;
  readonly target: string;
  readonly endpoint: EndpointsOf;
  readonly viaEndpoint: Record<string, string>;
}

/** Every check one call needs, or `unknown`. */
export function authorizationsOf(world: AuthzWorld, call: Call): Authorizations {
  if (call.service === "S3") return s3Checks(world, call);
  const endpointService = { KMS: "kms", STS: "sts", SecretsManager: "secretsmanager" }[call.service];
  if (endpointService === undefined)
    return { kind: "unknown", reason: `${call.service} ${call.operation}: a service the proof has no table for` };
  const endpoint = endpointsFor(world, call.principal, endpointService, call.origin);
  const target = call.target;
  if (target === undefined)
    return { kind: "unknown", reason: `${call.service} ${call.operation} names no resource of the example` };
  const viaEndpoint: Record<string, string> =
    endpoint.ids.length > 0 ? { "aws:SourceVpce": endpoint.ids[0] ?? "", "aws:SourceVpc": endpoint.vpcs[0] ?? "" } : {};
  const request: ServiceCall = { world, call, target, endpoint, viaEndpoint };
  if (call.service === "KMS") return kmsChecks(request);
  if (call.service === "STS" && call.operation === "AssumeRole") return assumeRoleChecks(request);
  if (call.service === "SecretsManager" && call.operation === "GetSecretValue") return secretChecks(request);
  return {
    kind: "unknown",
    reason: `${call.service} ${call.operation}: not in the proof's table (policies/authz/actions.ts)`,
  };
}

function kmsChecks({ world, call, target, endpoint, viaEndpoint }: ServiceCall): Authorizations {
  const action = KMS_ACTIONS[call.operation];
  const key = world.keyByArn(target);
  if (action === undefined || key === undefined)
    return { kind: "unknown", reason: `KMS ${call.operation} on ${target}` };
  return {
    kind: "known",
    checks: [
      {
        label: `${action} on ${key.address}`,
        action,
        resource: key.arn,
        resourceAccount: key.side.account,
        resourcePolicy: key.policy,
        endpointPolicies: endpoint.policies,
        context: {
          ...principalContext(call),
          ...viaEndpoint,
          "aws:ResourceAccount": key.side.account,
          "kms:CallerAccount": call.principal.side.account,
          "kms:ResourceAliases": [...key.aliases],
          ...call.kmsContext,
        },
      },
    ],
  };
}

function assumeRoleChecks({ world, call, target, endpoint, viaEndpoint }: ServiceCall): Authorizations {
  const role = [...world.roles.values()].find((r) => r.arn === target);
  if (role === undefined) return { kind: "unknown", reason: `AssumeRole of ${target}, not a role of the example` };
  return {
    kind: "known",
    checks: [
      {
        label: `sts:AssumeRole of ${role.address}`,
        action: "sts:AssumeRole",
        resource: role.arn,
        resourceAccount: role.side.account,
        resourcePolicy: role.trust,
        endpointPolicies: endpoint.policies,
        context: { ...principalContext(call), ...viaEndpoint, "aws:ResourceAccount": role.side.account },
      },
    ],
  };
}

/** Reading a secret, and decrypting it with the secret's key (through Secrets Manager). */
function secretChecks({ world, call, target, endpoint, viaEndpoint }: ServiceCall): Authorizations {
  const secret = [...world.secrets.values()].find((s) => s.arn === target);
  if (secret === undefined)
    return { kind: "unknown", reason: `GetSecretValue of ${target}, not a secret of the example` };
  const key = world.keys.get(
    String(world.template.byAddress.get(secret.address)?.values.kms_key_id ?? "").replace(
      /^\$\{(aws_kms_key\.[^.]+)\.arn\}$/,
      "$1",
    ),
  );
  const checks: Authorization[] = [
    {
      label: `secretsmanager:GetSecretValue of ${secret.address}`,
      action: "secretsmanager:GetSecretValue",
      resource: secret.arn,
      resourceAccount: secret.side.account,
      resourcePolicy: secret.policy,
      endpointPolicies: endpoint.policies,
      context: { ...principalContext(call), ...viaEndpoint, "aws:ResourceAccount": secret.side.account },
    },
  ];
  if (key !== undefined) {
    checks.push({
      label: `kms:Decrypt on ${key.address} (the secret's key)`,
      action: "kms:Decrypt",
      resource: key.arn,
      resourceAccount: key.side.account,
      resourcePolicy: key.policy,
      endpointPolicies: [],
      context: {
        ...principalContext(call),
        "aws:ResourceAccount": key.side.account,
        "kms:CallerAccount": call.principal.side.account,
        "kms:ViaService": `secretsmanager.${key.side.region}.${key.side.partition.dnsSuffix}`,
        "kms:ResourceAliases": [...key.aliases],
      },
    });
  }
  return { kind: "known", checks };
}
