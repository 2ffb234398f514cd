/**
 * The names the stacks derive from the configuration (construct IDs, which become Terraform
 * addresses, S3 buckets, IAM roles, functions, key aliases), so that validation can tell a name that
 * collides with another, or grows past an AWS limit, by the fields it comes from, instead of synth
 * failing with a construct error. stacks/platform-stack.ts, stacks/state-names.ts and the modules
 * are the source; config/derived-names.test.ts compares this list with the example's synthesized
 * names, so the two cannot drift apart unnoticed.
 */
import type { ConfigProblem } from "./validate";

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/** Where a name must be unique, and how long it may be. */
export const NAMESPACES = {
  construct: { what: "construct ID (Terraform address)", maxLength: Number.POSITIVE_INFINITY },
  sovereignBucket: { what: "S3 bucket name in the aws-eusc partition", maxLength: 63 },
  commercialBucket: { what: "S3 bucket name in the aws partition", maxLength: 63 },
  sovereignRole: { what: "IAM role name in the sovereign account", maxLength: 64 },
  commercialRole: { what: "IAM role name in the commercial account", maxLength: 64 },
  sovereignFunction: { what: "Lambda function name", maxLength: 64 },
  commercialFunction: { what: "Lambda function name in the commercial account", maxLength: 64 },
  sovereignAlias: { what: "KMS alias in the sovereign account", maxLength: 256 },
  commercialAlias: { what: "KMS alias in the commercial account", maxLength: 256 },
  organizationsAccount: { what: "AWS Organizations account name", maxLength: 50 },
} as const;
export type Namespace = keyof typeof NAMESPACES;

export interface DerivedName {
  readonly namespace: Namespace;
  readonly name: string;
  /** The configuration field it derives from, or undefined for the platform's own resources. */
  readonly path?: string;
  /** What the name is, for messages: `the platform's log key`, `data class "audit"`. */
  readonly owner: string;
}

/** What the derived names depend on, read leniently from a (raw, possibly invalid) configuration. */
interface NameContext {
  readonly env: string;
  /** The sovereign and the commercial account ID (a placeholder when missing). */
  readonly sov: string;
  readonly com: string;
  readonly classes: Raw;
  /** The data classes that cross partitions, sorted. */
  readonly crossing: readonly string[];
  /** Whether the upload pipeline is deployed. */
  readonly uploads: boolean;
  /** Whether the document pipeline is deployed. */
  readonly documents: boolean;
  /** Whether the upload API has a custom domain and DNS failover (the dns block, with the upload pipeline). */
  readonly dns: boolean;
  /** Whether the commercial standby serves the upload pipeline's clean class (crossPartition.standby, a crossing clean class). */
  readonly standby: boolean;
  /** Whether the standby accepts uploads during an outage (crossPartition.standby.outageUploads, with the standby). */
  readonly outageUploads: boolean;
  /** Whether webhooks are delivered (documents with webhook endpoints). */
  readonly webhooks: boolean;
  /** Whether the signing service is deployed (with either pipeline). */
  readonly signing: boolean;
  /** Whether data-subject requests are deployed (they need the signing service's evidence store). */
  readonly subjectRequests: boolean;
  /** Whether a tenant has an account of its own (the organization's SCPs are attached to it). */
  readonly accountTenants: boolean;
  /** The account-tier tenants whose account ID is configured (their baselines are deployed). */
  readonly accountsWithIds: readonly string[];
}

function nameContext(input: Raw): NameContext {
  const context = baseNameContext(input);
  const cross = isObject(input.crossPartition) ? input.crossPartition : {};
  const outage = context.standby && isObject(cross.standby) && isObject(cross.standby.outageUploads);
  return { ...context, outageUploads: outage };
}

function baseNameContext(input: Raw): NameContext {
  const partitions = isObject(input.partitions) ? input.partitions : {};
  const accountOf = (side: string) => {
    const placement = partitions[side];
    return isObject(placement) && typeof placement.accountId === "string" ? placement.accountId : `<${side} accountId>`;
  };
  const classes = isObject(input.dataClasses) ? input.dataClasses : {};
  const crossing = isObject(input.crossPartition)
    ? Object.keys(classes)
        .sort()
        .filter((c) => isObject(classes[c]) && classes[c].allowCrossPartition === true)
    : [];
  const upload = isObject(input.upload) ? input.upload : {};
  const uploads = Array.isArray(upload.dataClasses) && upload.dataClasses.length > 0;
  const documents = isObject(input.documents);
  return {
    env: typeof input.environment === "string" ? input.environment : "<environment>",
    sov: accountOf("sovereign"),
    com: accountOf("commercial"),
    classes,
    crossing,
    uploads,
    documents,
    dns: uploads && isObject(input.dns),
    standby:
      uploads &&
      isObject(input.crossPartition) &&
      isObject(input.crossPartition.standby) &&
      typeof upload.cleanDataClass === "string" &&
      crossing.includes(upload.cleanDataClass),
    outageUploads: false,
    webhooks:
      isObject(input.documents) &&
      isObject(input.documents.webhooks) &&
      Object.keys(input.documents.webhooks).length > 0,
    signing: (uploads || documents) && isObject(input.signing),
    subjectRequests: (uploads || documents) && isObject(input.signing) && isObject(input.subjectRequests),
    accountTenants: Array.isArray(input.tenants) && input.tenants.some((t) => isObject(t) && t.tier === "account"),
    accountsWithIds: (Array.isArray(input.tenants) ? input.tenants : [])
      .filter((t) => isObject(t) && t.tier === "account" && typeof t.accountId === "string" && typeof t.id === "string")
      .map((t) => String((t as Raw).id))
      .sort(),
  };
}

/** The platform stack's own constructs (stacks/platform-stack.ts) and names. */
function platformNames(context: NameContext, out: DerivedName[]): void {
  const { env, sov, com, crossing, uploads, documents, signing } = context;
  const platform = (namespace: Namespace, name: string, owner: string) =>
    out.push({ namespace, name, owner: `the platform's ${owner}` });
  for (const id of [
    "sovereign",
    "commercial",
    "backend",
    "sovereign-key-logs",
    "sovereign-network",
    "sovereign-key-functions",
    "sovereign-audit",
    "sovereign-key-audit",
    "sovereign-alarms",
    "sovereign-key-alarms",
    "sovereign-access",
  ])
    platform("construct", id, `construct "${id}"`);
  if (uploads || documents) platform("construct", "sovereign-key-pseudonyms", 'construct "sovereign-key-pseudonyms"');
  if (signing)
    for (const id of ["sovereign-key-evidence", "sovereign-key-evidence-signing", "sovereign-bucket-evidence"])
      platform("construct", id, `construct "${id}"`);
  // The organization's SCPs, with a tenant that has an account of its own (stacks/organization-controls.ts).
  if (context.accountTenants) platform("construct", "sovereign-organization", 'construct "sovereign-organization"');
  // The tenant accounts' AWS Config: the platform's bucket, key and aggregator, a baseline per account.
  if (context.accountsWithIds.length > 0) {
    for (const id of ["sovereign-bucket-config", "sovereign-key-config", "sovereign-config-aggregator"])
      platform("construct", id, `construct "${id}"`);
    platform("sovereignBucket", `${env}-config-${sov}`, "AWS Config bucket of the tenant accounts");
    platform("sovereignAlias", `alias/${env}/config`, `key alias/${env}/config`);
    for (const t of context.accountsWithIds) {
      platform("construct", `baseline-${t}`, `construct "baseline-${t}"`);
      platform("sovereignRole", `${env}-${t}-config-recorder`, `AWS Config role of tenant ${t}'s account`);
    }
  }
  if (crossing.length > 0)
    for (const id of [
      "commercial-audit",
      "commercial-key-audit",
      "commercial-roles-anywhere",
      "commercial-alarms",
      "commercial-key-alarms",
      "commercial-key-standby-pseudonyms",
      "sovereign-key-standby-pseudonyms",
    ])
      platform("construct", id, `construct "${id}"`);
  platform("sovereignBucket", `${env}-audit-${sov}`, "audit trail bucket");
  platform("sovereignBucket", `${env}-tfstate-${sov}`, "Terraform state bucket (bootstrap stack)");
  platform("sovereignBucket", `${env}-tfstate-audit-${sov}`, "state bucket's audit trail bucket (bootstrap stack)");
  if (crossing.length > 0) platform("commercialBucket", `${env}-audit-${com}`, "commercial audit trail bucket");
  platform("sovereignRole", `${env}-cloudtrail-logs`, "audit trail role");
  platform("sovereignRole", `${env}-forensics`, "forensics role");
  platform("sovereignRole", `${env}-vpc-flow-logs`, "flow log role");
  pipelineNames(context, platform);
  if (context.standby) standbyNames(context, platform);
  signingAndRequestNames(context, platform);
  if (crossing.length > 0) platform("commercialRole", `${env}-failover-cloudtrail-logs`, "commercial audit trail role");
  for (const alias of ["logs", "functions", "audit", "alarms", "terraform-state", "terraform-state-audit"])
    platform("sovereignAlias", `alias/${env}/${alias}`, `key alias/${env}/${alias}`);
  if (uploads || documents)
    platform("sovereignAlias", `alias/${env}/subject-pseudonyms`, `key alias/${env}/subject-pseudonyms`);
  if (crossing.length > 0) {
    platform("commercialAlias", `alias/${env}/audit`, `key alias/${env}/audit`);
    platform("commercialAlias", `alias/${env}/alarms`, `key alias/${env}/alarms`);
    // The standby pseudonym key, in both partitions (docs/cross-partition.md §7).
    platform("commercialAlias", `alias/${env}/standby-pseudonyms`, `key alias/${env}/standby-pseudonyms`);
    platform("sovereignAlias", `alias/${env}/standby-pseudonyms`, `key alias/${env}/standby-pseudonyms`);
  }
}

/** The signing function's and the data-subject request workflow's names. */
function signingAndRequestNames(
  context: NameContext,
  platform: (namespace: Namespace, name: string, owner: string) => void,
): void {
  const { env, sov, crossing, signing } = context;
  if (signing) {
    platform("sovereignBucket", `${env}-evidence-${sov}`, "signed evidence bucket");
    platform("sovereignRole", `${env}-signing-function`, "signing function's role");
    platform("sovereignFunction", `${env}-signing`, "signing function");
    for (const alias of ["evidence", "evidence-signing"])
      platform("sovereignAlias", `alias/${env}/${alias}`, `key alias/${env}/${alias}`);
  }
  if (context.subjectRequests) {
    platform("construct", "subject-requests", 'construct "subject-requests"');
    platform("construct", "subject-request-operators", 'output "subject-request-operators"');
    // With crossing classes, the commercial Roles Anywhere trust's erasure role too.
    if (crossing.length > 0)
      platform("commercialRole", `${env}-subject-erasure`, "commercial data-subject erasure role");
    platform("sovereignBucket", `${env}-subject-requests-${sov}`, "data-subject requests bucket");
    platform("sovereignAlias", `alias/${env}/subject-requests`, `key alias/${env}/subject-requests`);
    platform("sovereignRole", `${env}-subject-requests-workflow`, "data-subject request workflow's role");
    for (const fn of ["api", "pending", "run", "certify"]) {
      platform("sovereignFunction", `${env}-subject-request-${fn}`, `data-subject request ${fn} function`);
      platform("sovereignRole", `${env}-subject-request-${fn}-function`, `data-subject request ${fn} function's role`);
    }
  }
}

/** The upload pipelines' constructs, roles and functions: images `<env>-<fn>`, documents `<env>-document-<fn>`. */
function pipelineNames(
  { env, uploads, documents, webhooks, dns }: NameContext,
  platform: (namespace: Namespace, name: string, owner: string) => void,
): void {
  const pipelines = [
    ...(uploads ? [{ construct: "upload-pipeline", prefix: "", what: "" }] : []),
    ...(documents ? [{ construct: "document-pipeline", prefix: "document-", what: "document " }] : []),
  ];
  for (const { construct, prefix, what } of pipelines) {
    platform("construct", construct, `construct "${construct}"`);
    for (const fn of ["upload", "download", "scrub"]) {
      platform("sovereignRole", `${env}-${prefix}${fn}-function`, `${what}${fn} function's role`);
      platform("sovereignFunction", `${env}-${prefix}${fn}`, `${what}${fn} function`);
    }
  }
  if (dns) {
    for (const id of ["api-dns", "api-domain"]) platform("construct", id, `construct "${id}"`);
    platform("sovereignRole", `${env}-uploads-health-function`, "upload API's health function's role");
    platform("sovereignFunction", `${env}-uploads-health`, "upload API's health function");
  }
  if (webhooks) {
    platform("construct", "webhooks", 'construct "webhooks"');
    platform("sovereignRole", `${env}-webhooks-function`, "webhook sender's role");
    platform("sovereignFunction", `${env}-webhooks`, "webhook sender");
  }
}

/** The commercial standby's constructs and names (stacks/standby-serving.ts); its domain is in api-dns. */
function standbyNames(
  { env, com, outageUploads }: NameContext,
  platform: (namespace: Namespace, name: string, owner: string) => void,
): void {
  platform("construct", "standby-serving", 'construct "standby-serving"');
  platform("commercialAlias", `alias/${env}/standby`, `key alias/${env}/standby`);
  platform("commercialRole", `${env}-standby-download-function`, "standby download function's role");
  platform("commercialRole", `${env}-standby-vpc-flow-logs`, "standby network's flow log role");
  platform("commercialFunction", `${env}-standby-download`, "standby download function");
  if (!outageUploads) return;
  // Outage uploads (docs/cross-partition.md §7): the inbox, its key, the standby upload function, the sealing key.
  platform("construct", "sovereign-key-outage-subjects", 'construct "sovereign-key-outage-subjects"');
  platform("sovereignAlias", `alias/${env}/outage-subjects`, `key alias/${env}/outage-subjects`);
  platform("commercialAlias", `alias/${env}/outage-uploads`, `key alias/${env}/outage-uploads`);
  platform("commercialBucket", `${env}-outage-uploads-${com}`, "outage upload inbox");
  platform("commercialRole", `${env}-standby-upload-function`, "standby upload function's role");
  platform("commercialFunction", `${env}-standby-upload`, "standby upload function");
}

/** Each data class's key, bucket and alias, and for a crossing one its sync pipeline's names. */
function dataClassNames({ env, sov, com, classes, crossing }: NameContext, out: DerivedName[]): void {
  for (const c of Object.keys(classes)) {
    const path = `dataClasses.${c}`;
    const add = (namespace: Namespace, name: string) => out.push({ namespace, name, path, owner: `data class "${c}"` });
    add("construct", `sovereign-key-${c}`);
    add("construct", `sovereign-bucket-${c}`);
    add("construct", `sovereign-bucket-${c}-name`);
    add("sovereignBucket", `${env}-${c}-${sov}`);
    add("sovereignAlias", `alias/${env}/data/${c}`);
    if (crossing.includes(c)) {
      for (const id of [
        `commercial-key-${c}`,
        `commercial-bucket-${c}`,
        `commercial-bucket-${c}-name`,
        `sync-pipeline-${c}`,
        `crossing-${c}`,
      ])
        add("construct", id);
      add("commercialBucket", `${env}-${c}-failover-${com}`);
      add("commercialAlias", `alias/${env}/failover/${c}`);
      add("commercialRole", `${env}-cross-partition-sync-${c}`);
      add("sovereignRole", `${env}-sync-${c}-function`);
      add("sovereignRole", `${env}-failback-${c}-function`);
      add("sovereignFunction", `${env}-sync-${c}`);
      add("sovereignFunction", `${env}-failback-${c}`);
    }
  }
}

/** Each tenant's construct, role and alias (and its account or VPC names by tier). */
function tenantNames(input: Raw, { env }: NameContext, out: DerivedName[]): void {
  const seenTenants = new Set<string>();
  (Array.isArray(input.tenants) ? input.tenants : []).forEach((tenant, i) => {
    // A repeated tenant ID is reported as such (validate.ts), not as the collisions it causes.
    if (!isObject(tenant) || typeof tenant.id !== "string" || seenTenants.has(tenant.id)) return;
    seenTenants.add(tenant.id);
    const t = tenant.id;
    const add = (namespace: Namespace, name: string) =>
      out.push({ namespace, name, path: `tenants[${i}].id`, owner: `tenant "${t}"` });
    add("construct", `tenant-${t}`);
    if (tenant.tier === "account" && tenant.accountId !== undefined) add("construct", `provider-tenant-${t}`);
    if (tenant.tier === "account") add("organizationsAccount", `${env}-${t}`);
    add("sovereignRole", `${env}-tenant-${t}`);
    add("sovereignAlias", `alias/${env}/tenant/${t}`);
    if (tenant.tier === "vpc") add("sovereignRole", `${env}-${t}-vpc-flow-logs`);
  });
}

/** Every name the platform and bootstrap stacks derive from a (raw, possibly invalid) configuration. */
export function derivedNames(input: Raw): DerivedName[] {
  const context = nameContext(input);
  const out: DerivedName[] = [];
  platformNames(context, out);
  dataClassNames(context, out);
  tenantNames(input, context, out);
  const backend = input.backend;
  if (isObject(backend) && backend.type === "s3" && typeof backend.bucket === "string") {
    out.push({
      namespace: "sovereignBucket",
      name: backend.bucket,
      path: "backend.bucket",
      owner: `state bucket "${backend.bucket}"`,
    });
  }
  return out;
}

/**
 * Names derived from configuration fields that collide with each other or with the platform's own
 * names, or that grow past the AWS limit of their kind: one problem per field, naming every clash.
 */
export function derivedNameProblems(input: Raw): ConfigProblem[] {
  const names = derivedNames(input);
  const byKey = new Map<string, DerivedName[]>();
  for (const n of names) {
    const key = `${n.namespace}\u0000${n.name}`;
    byKey.set(key, [...(byKey.get(key) ?? []), n]);
  }
  const clashes = new Map<string, string[]>();
  const note = (path: string, text: string) => clashes.set(path, [...(clashes.get(path) ?? []), text]);
  for (const group of byKey.values()) {
    // The state bucket of the S3 backend may be the bootstrap stack's own: that is what it is for.
    const relevant = group.filter(
      (n, _, all) =>
        !(n.path === "backend.bucket" && all.length === 2 && all.some((o) => o.owner.includes("(bootstrap stack)"))),
    );
    if (relevant.length < 2) continue;
    relevant.forEach((n, i) => {
      if (n.path === undefined) return;
      // Between two fields, report at the later one, naming the first.
      const others = relevant.filter((o, j) => o !== n && (o.path === undefined || j < i || o.path === n.path));
      if (others.length === 0 || others.every((o) => o.path === n.path)) return;
      const what = NAMESPACES[n.namespace].what;
      note(
        n.path,
        `${what} "${n.name}" is also derived for ${others
          .filter((o) => o.path !== n.path)
          .map((o) => (o.path === undefined ? o.owner : `${o.owner} (${o.path})`))
          .join(" and ")}`,
      );
    });
  }
  for (const n of names) {
    const { what, maxLength } = NAMESPACES[n.namespace];
    if (n.path !== undefined && n.name.length > maxLength)
      note(n.path, `${what} "${n.name}" is ${n.name.length} characters long, more than the ${maxLength} AWS allows`);
  }
  return [...clashes].map(([path, texts]) => {
    const owner = names.find((n) => n.path === path)?.owner ?? path;
    return {
      path,
      message: `${owner} makes names that clash or do not fit: ${[...new Set(texts)].join("; ")}. Fix: rename ${path.startsWith("dataClasses.") ? "the data class" : path.startsWith("tenants[") ? "the tenant" : "it"} (or shorten the environment name)`,
    };
  });
}
