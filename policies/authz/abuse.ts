/**
 * The abuse matrix: requests a security reviewer tries first, each of which the synthesized policies
 * must deny as AWS evaluates them. Built from the stack itself (its roles, buckets, keys), so every
 * configuration gets its own matrix; a case whose actors the configuration does not have (no
 * logical-tier tenant, no crossing data class) is listed as not applicable, never as denied.
 *
 * What the matrix cannot show, because IAM does not decide it: a pre-signed URL or form altered after
 * signing (key, type, size, key ID) is refused by S3's signature and POST-policy check, which the
 * tests show against the Ceph gateway (functions/upload-presign/upload.rgw.test.ts); the JWT tenant
 * claim is checked by the upload function (functions/upload-presign/handler.test.ts).
 */
import { arn } from "../../config/partitions";
import { SYNC_RECORDS_PREFIX } from "../../functions/cross-partition-sync/standby-index-layout";
import { type Call, kmsCall, s3Call as call } from "./actions";
import { outageCases } from "./abuse-outage";
import { standbyCases } from "./abuse-standby";
import { type RoleKind, roleKindOf } from "./catalogue";
import type { AuthzWorld, WorldBucket, WorldRole } from "./world";

export interface AbuseCase {
  readonly id: string;
  readonly title: string;
  /** Undefined when the configuration has nothing to abuse this way (then `reason` says why). */
  readonly call?: Call;
  /**
   * The legitimate twin of the abuse (same principal and path, the one thing changed back), which
   * must be allowed: it shows that the denial comes from what the case changes, not from a setup
   * that denies everything.
   */
  readonly control?: Call;
  readonly reason?: string;
}

/** Roles and buckets by what they are for; undefined where the configuration has none. */
export interface Cast {
  readonly upload?: WorldRole;
  readonly download?: WorldRole;
  readonly signing?: WorldRole;
  readonly scrub?: WorldRole;
  readonly sync?: WorldRole;
  readonly rolesAnywhere?: WorldRole;
  readonly tenant?: WorldRole;
  readonly originals?: WorldBucket;
  readonly clean?: WorldBucket;
  readonly failover?: WorldBucket;
  readonly sovereignOnly?: WorldBucket;
  readonly audit?: WorldBucket;
  readonly evidence?: WorldBucket;
}

const roleWhere = (world: AuthzWorld, test: (r: WorldRole) => boolean) => [...world.roles.values()].find(test);
const bucketWhere = (world: AuthzWorld, test: (b: WorldBucket) => boolean) => [...world.buckets.values()].find(test);

/** The upload pipelines a stack may have: images (`upload-pipeline`) and documents (`document-pipeline`). */
export type Pipeline = "upload-pipeline" | "document-pipeline";

/** The sovereign bucket ending in `suffix` that `role`'s identity policies name, else the first such bucket. */
function bucketOfRole(world: AuthzWorld, role: WorldRole | undefined, suffix: string): WorldBucket | undefined {
  const candidates = [...world.buckets.values()].filter(
    (b) => b.side.partition.id === "aws-eusc" && b.address.endsWith(suffix),
  );
  if (role === undefined) return candidates[0];
  const granted = JSON.stringify(role.identityPolicies);
  return candidates.find((b) => granted.includes(b.arn)) ?? candidates[0];
}

/**
 * The platform's actors, by their kind (catalogue.ts), and its buckets by their addresses: the
 * functions of `pipeline` (its roles are `aws_iam_role.<pipeline>_<function>_role`) and the
 * originals and clean buckets its upload and download functions are granted.
 */
export function castOf(world: AuthzWorld, pipeline: Pipeline = "upload-pipeline"): Cast {
  const sovereign = (b: WorldBucket) => b.side.partition.id === "aws-eusc";
  const ofKind = (kind: RoleKind) => roleWhere(world, (r) => roleKindOf(r) === kind);
  const ofPipeline = (kind: RoleKind) =>
    roleWhere(world, (r) => roleKindOf(r) === kind && r.address.startsWith(`aws_iam_role.${pipeline}_`));
  const upload = ofPipeline("upload-function");
  const download = ofPipeline("download-function");
  return {
    upload,
    download,
    signing: ofPipeline("signing-function"),
    scrub: ofPipeline("scrub-function"),
    sync: ofKind("sync-function"),
    rolesAnywhere: ofKind("cross-partition-role"),
    tenant: ofKind("logical-tenant-role"),
    originals: bucketOfRole(world, upload, "-original_bucket"),
    clean: bucketOfRole(world, download, "-clean_bucket"),
    // The failover bucket of the cross-partition role's own class (its name ends in the class).
    failover: (() => {
      const role = ofKind("cross-partition-role");
      const failovers = [...world.buckets.values()].filter(
        (b) => !sovereign(b) && b.address.startsWith("aws_s3_bucket.commercial-bucket-"),
      );
      return (
        failovers.find((b) =>
          role?.name.endsWith(
            `-${b.address.replace(/^aws_s3_bucket\.commercial-bucket-/, "").replace(/_bucket$/, "")}`,
          ),
        ) ?? failovers[0]
      );
    })(),
    sovereignOnly: bucketWhere(world, (b) => b.address === "aws_s3_bucket.sovereign-bucket-identity_bucket"),
    audit: bucketWhere(world, (b) => sovereign(b) && b.address.includes("audit")),
    evidence: bucketWhere(world, (b) => sovereign(b) && b.address === "aws_s3_bucket.sovereign-bucket-evidence_bucket"),
  };
}

const sse = (keyArn: string | undefined): Record<string, string> =>
  keyArn === undefined
    ? {}
    : { "x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": keyArn };

/**
 * The deploy/administrator role (not a resource of the stack: the key policies name it), as a person
 * uses it, with an identity policy as broad as an administrator's for the action tried.
 */
function administratorOf(world: AuthzWorld): WorldRole | undefined {
  const sovereign = [...world.keys.values()].find((k) => k.side.partition.id === "aws-eusc");
  const statements = (
    (sovereign?.policy as { Statement?: { Sid?: string; Principal?: { AWS?: unknown } }[] } | undefined)?.Statement ??
    []
  ).filter((st) => st.Sid === "KeyAdministration");
  const arn = statements.map((st) => st.Principal?.AWS).find((p): p is string => typeof p === "string");
  if (sovereign === undefined || arn === undefined) return undefined;
  const broad = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }] };
  return {
    address: "(administrator role)",
    name: arn.split("/").pop() ?? arn,
    arn,
    side: sovereign.side,
    description: "the deploy role",
    tags: {},
    trust: undefined,
    identityPolicies: [{ name: "administrator", policy: broad }],
  };
}

/** What a browser legitimately does with the upload function's signature: upload under the data-class key. */
function browserUpload(c: Cast): Call {
  if (c.upload === undefined || c.originals === undefined)
    throw new Error("browserUpload needs the upload function and the originals bucket");
  return call(c.upload, "PutObject", c.originals, "t/u/x", { origin: "internet", headers: sse(c.originals.keyArn) });
}

/** What the cases share: the cast and the tenants they play against. */
interface Matrix {
  readonly world: AuthzWorld;
  /** The platform's actors and buckets (castOf). */
  readonly c: Cast;
  /** The cast tenant, another tenant of the configuration, and their keys. */
  readonly tenantId: string;
  readonly otherTenant: string;
  readonly otherTenantKey: string | undefined;
  readonly ownKey: string | undefined;
  /** The reason a tenant case gives when there is no tenant. */
  readonly noTenant: string;
}

/** Adds a case: its call (denied), with its legitimate twin (allowed), or the reason it does not apply. */
export type AbuseAddCase = (
  id: string,
  title: string,
  make: () => Call | string | { readonly call: Call; readonly control: Call },
) => void;
type AddCase = AbuseAddCase;

function matrixOf(world: AuthzWorld, pipeline: Pipeline = "upload-pipeline"): Matrix {
  const c = castOf(world, pipeline);
  const tenantId = c.tenant?.tags.Tenant ?? "";
  const otherTenant =
    [...world.keys.values()]
      .flatMap((k) => k.aliases)
      .map((a) => /\/tenant\/([^/]+)$/.exec(a)?.[1])
      .find((t) => t !== undefined && t !== tenantId) ?? "another-tenant";
  const otherTenantKey = [...world.keys.values()].find((k) =>
    k.aliases.some((a) => a.endsWith(`/tenant/${otherTenant}`)),
  )?.arn;
  const ownKey = c.tenant?.tags.TenantKey;
  const noTenant = "the configuration has no logical-tier tenant";
  return { world, c, tenantId, otherTenant, otherTenantKey, ownKey, noTenant };
}

/** A tenant role writing outside its prefix or with another key. */
function tenantWriteCases({ c, tenantId, otherTenant, otherTenantKey, ownKey, noTenant }: Matrix, add: AddCase): void {
  add("tenant-other-prefix", "a tenant role writes under another tenant's prefix, with its own key", () =>
    c.tenant === undefined || c.originals === undefined
      ? noTenant
      : {
          call: call(c.tenant, "PutObject", c.originals, `${otherTenant}/u/x`, { headers: sse(ownKey) }),
          control: call(c.tenant, "PutObject", c.originals, `${tenantId}/u/x`, { headers: sse(ownKey) }),
        },
  );
  add("tenant-other-key", "a tenant role writes under its prefix with another tenant's key", () =>
    c.tenant === undefined || c.originals === undefined
      ? noTenant
      : {
          call: call(c.tenant, "PutObject", c.originals, `${tenantId}/u/x`, {
            headers: sse(otherTenantKey ?? c.originals.keyArn),
          }),
          control: call(c.tenant, "PutObject", c.originals, `${tenantId}/u/x`, { headers: sse(ownKey) }),
        },
  );
  add(
    "tenant-data-class-key",
    "a tenant role writes under its prefix with the data-class key (not shredded with the tenant)",
    () =>
      c.tenant === undefined || c.originals === undefined
        ? noTenant
        : {
            call: call(c.tenant, "PutObject", c.originals, `${tenantId}/u/x`, { headers: sse(c.originals.keyArn) }),
            control: call(c.tenant, "PutObject", c.originals, `${tenantId}/u/x`, { headers: sse(ownKey) }),
          },
  );
  add(
    "tenant-no-key",
    "a tenant role writes under its prefix naming no encryption (S3 would use the data-class key)",
    () =>
      c.tenant === undefined || c.originals === undefined
        ? noTenant
        : {
            call: call(c.tenant, "PutObject", c.originals, `${tenantId}/u/x`),
            control: call(c.tenant, "PutObject", c.originals, `${tenantId}/u/x`, { headers: sse(ownKey) }),
          },
  );
}

/** A tenant role reaching other tenants' objects or other roles, and a person's way into a tenant role. */
function tenantReachCases({ world, c, tenantId, otherTenant, ownKey, noTenant }: Matrix, add: AddCase): void {
  add("tenant-read-other", "a tenant role reads another tenant's clean object", () =>
    c.tenant === undefined || c.clean === undefined
      ? noTenant
      : {
          call: call(c.tenant, "GetObject", c.clean, `${otherTenant}/u/x`, { objectKmsKeyArn: ownKey }),
          control: call(c.tenant, "GetObject", c.clean, `${tenantId}/u/x`, { objectKmsKeyArn: ownKey }),
        },
  );
  add("tenant-delete-other", "a tenant role deletes another tenant's original", () =>
    c.tenant === undefined || c.originals === undefined
      ? noTenant
      : {
          call: call(c.tenant, "DeleteObject", c.originals, `${otherTenant}/u/x`),
          control: call(c.tenant, "DeleteObject", c.originals, `${tenantId}/u/x`),
        },
  );
  add("tenant-list-all", "a tenant role lists the whole clean bucket", () =>
    c.tenant === undefined || c.clean === undefined
      ? noTenant
      : {
          call: { ...call(c.tenant, "ListObjectsV2", c.clean, ""), key: undefined, prefix: "" },
          control: { ...call(c.tenant, "ListObjectsV2", c.clean, ""), key: undefined, prefix: `${tenantId}/` },
        },
  );
  add("tenant-assume-platform", "a tenant role assumes another tenant's or a function's role", () =>
    c.tenant === undefined || c.scrub === undefined
      ? noTenant
      : {
          principal: c.tenant,
          service: "STS",
          operation: "AssumeRole",
          origin: "vpc-endpoint",
          secureTransport: true,
          headers: {},
          target: c.scrub.arn,
        },
  );
  add(
    "administrator-as-tenant",
    "a person's administrator role, with sts:AssumeRole on everything, assumes a tenant role",
    () => {
      const admin = administratorOf(world);
      if (c.tenant === undefined) return noTenant;
      if (admin === undefined) return "the keys name no administrator role";
      return {
        principal: admin,
        service: "STS",
        operation: "AssumeRole",
        origin: "internet",
        secureTransport: true,
        headers: {},
        target: c.tenant.arn,
      };
    },
  );
}

/** Browser requests with the upload function's signature, altered. */
function browserCases({ c }: Matrix, add: AddCase): void {
  add("browser-read", "a browser reads an original with the upload function's signature (from the internet)", () =>
    c.upload === undefined || c.originals === undefined
      ? "no upload function"
      : {
          call: call(c.upload, "GetObject", c.originals, "t/u/x", {
            origin: "internet",
            objectKmsKeyArn: c.originals.keyArn,
          }),
          control: call(c.upload, "GetObject", c.originals, "t/u/x", { objectKmsKeyArn: c.originals.keyArn }),
        },
  );
  add("browser-tag", "a browser form or URL altered to set tags (s3:PutObjectTagging from the internet)", () =>
    c.upload === undefined || c.originals === undefined
      ? "no upload function"
      : {
          call: call(c.upload, "PutObject", c.originals, "t/u/x", {
            origin: "internet",
            headers: { ...sse(c.originals.keyArn), "x-amz-tagging": "data-class=identity" },
          }),
          control: browserUpload(c),
        },
  );
  add("browser-other-key", "a browser upload altered to name another key (SSE key ID)", () =>
    c.upload === undefined || c.originals === undefined
      ? "no upload function"
      : {
          call: call(c.upload, "PutObject", c.originals, "t/u/x", {
            origin: "internet",
            headers: sse(c.clean?.keyArn),
          }),
          control: browserUpload(c),
        },
  );
  add("browser-managed-key", "a browser upload altered to aws:kms without a key ID (the AWS managed key)", () =>
    c.upload === undefined || c.originals === undefined
      ? "no upload function"
      : {
          call: call(c.upload, "PutObject", c.originals, "t/u/x", {
            origin: "internet",
            headers: { "x-amz-server-side-encryption": "aws:kms" },
          }),
          control: browserUpload(c),
        },
  );
  add("browser-other-bucket", "the upload function's signature used for another bucket (clean copies)", () =>
    c.upload === undefined || c.clean === undefined
      ? "no upload function"
      : {
          call: call(c.upload, "PutObject", c.clean, "t/u/x", { origin: "internet", headers: sse(c.clean.keyArn) }),
          control: browserUpload(c),
        },
  );
}

/** What a browser legitimately does with the download function's signature: GET a clean object. */
function browserDownload(c: Cast): Call {
  if (c.download === undefined || c.clean === undefined)
    throw new Error("browserDownload needs the download function and the clean bucket");
  return call(c.download, "GetObject", c.clean, "t/u/x", { origin: "internet", objectKmsKeyArn: c.clean.keyArn });
}

/** Browser requests with the download function's signature, altered. */
function downloadCases({ c }: Matrix, add: AddCase): void {
  add("download-original", "the download function's signature used for an original or a quarantined upload", () =>
    c.download === undefined || c.originals === undefined
      ? "no download function"
      : {
          call: call(c.download, "GetObject", c.originals, "quarantine/t/u/x", {
            origin: "internet",
            objectKmsKeyArn: c.originals.keyArn,
          }),
          control: browserDownload(c),
        },
  );
  add("download-write", "a download URL altered into an upload to the clean bucket (PUT from the internet)", () =>
    c.download === undefined || c.clean === undefined
      ? "no download function"
      : {
          call: call(c.download, "PutObject", c.clean, "t/u/x", { origin: "internet", headers: sse(c.clean.keyArn) }),
          control: browserDownload(c),
        },
  );
  add("download-delete", "a download URL altered into a delete of the clean object (from the internet)", () =>
    c.download === undefined || c.clean === undefined
      ? "no download function"
      : {
          call: call(c.download, "DeleteObject", c.clean, "t/u/x", { origin: "internet" }),
          control: browserDownload(c),
        },
  );
  add("download-versions", "a download URL altered to read an older version (after an erasure)", () =>
    c.download === undefined || c.clean === undefined
      ? "no download function"
      : {
          call: call(c.download, "GetObject", c.clean, "t/u/x", {
            origin: "internet",
            versionId: "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY",
            objectKmsKeyArn: c.clean.keyArn,
          }),
          control: browserDownload(c),
        },
  );
}

/** The signing function beside its path: evidence it may add, never change or remove, and the key only it signs with. */
function signingCases({ world, c }: Matrix, add: AddCase): void {
  const evidenceWrite = (key: string): Call | undefined =>
    c.signing === undefined || c.evidence === undefined
      ? undefined
      : call(c.signing, "PutObject", c.evidence, key, { headers: sse(c.evidence.keyArn) });
  const legitimate = evidenceWrite("signatures/t/u/x/s.json");
  add("signing-evidence-elsewhere", "the signing function writes evidence outside signatures/", () =>
    legitimate === undefined || c.signing === undefined || c.evidence === undefined
      ? "no signing service"
      : {
          call: call(c.signing, "PutObject", c.evidence, "other/t/u/x/s.json", { headers: sse(c.evidence.keyArn) }),
          control: legitimate,
        },
  );
  add("signing-evidence-delete", "the signing function deletes an evidence record", () =>
    legitimate === undefined || c.signing === undefined || c.evidence === undefined
      ? "no signing service"
      : { call: call(c.signing, "DeleteObject", c.evidence, "signatures/t/u/x/s.json"), control: legitimate },
  );
  add("signing-writes-clean", "the signing function writes a clean object (it only reads them)", () =>
    legitimate === undefined || c.signing === undefined || c.clean === undefined
      ? "no signing service"
      : {
          call: call(c.signing, "PutObject", c.clean, "t/u/x", { headers: sse(c.clean.keyArn) }),
          control: legitimate,
        },
  );
  add(
    "evidence-signed-by-another-function",
    "a function other than the signing function signs with the evidence key",
    () => {
      const key = [...world.keys.values()].find((k) => k.aliases.some((a) => a.endsWith("/evidence-signing")));
      if (key === undefined || c.signing === undefined || c.download === undefined) return "no signing service";
      return { call: kmsCall(c.download, "Sign", key.arn), control: kmsCall(c.signing, "Sign", key.arn) };
    },
  );
}

/** The functions' own roles outside their paths. */
function functionCases(matrix: Matrix, add: AddCase): void {
  const { c } = matrix;
  add("no-tls", "the sync function reads a clean object without TLS", () =>
    c.sync === undefined || c.clean === undefined
      ? "no crossing data class"
      : {
          call: call(c.sync, "GetObject", c.clean, "t/u/x", {
            secureTransport: false,
            objectKmsKeyArn: c.clean.keyArn,
          }),
          control: call(c.sync, "GetObject", c.clean, "t/u/x", { objectKmsKeyArn: c.clean.keyArn }),
        },
  );
  scrubCases(matrix, add);
  syncCases(matrix, add);
}

/** The scrub function outside its path: from the internet, outside the quarantine area, in a sovereign-only class. */
function scrubCases({ c }: Matrix, add: AddCase): void {
  add(
    "stolen-function-credentials",
    "the scrub function's credentials used from the internet (outside the VPC endpoint)",
    () =>
      c.scrub === undefined || c.originals === undefined
        ? "no scrub function"
        : {
            call: call(c.scrub, "GetObject", c.originals, "t/u/x", {
              origin: "internet",
              objectKmsKeyArn: c.originals.keyArn,
            }),
            control: call(c.scrub, "GetObject", c.originals, "t/u/x", { objectKmsKeyArn: c.originals.keyArn }),
          },
  );
  add("scrub-outside-prefixes", "the scrub function writes an original outside the quarantine area", () =>
    c.scrub === undefined || c.originals === undefined
      ? "no scrub function"
      : {
          call: call(c.scrub, "PutObject", c.originals, "t/u/x", { headers: sse(c.originals.keyArn) }),
          control: call(c.scrub, "PutObject", c.originals, "quarantine/t/u/x", { headers: sse(c.originals.keyArn) }),
        },
  );
  add("scrub-sovereign-only", "the scrub function reads a sovereign-only data class", () =>
    c.scrub === undefined || c.sovereignOnly === undefined
      ? "no sovereign-only bucket"
      : {
          call: call(c.scrub, "GetObject", c.sovereignOnly, "t/u/x", { objectKmsKeyArn: c.sovereignOnly.keyArn }),
          control: call(c.scrub, "GetObject", c.originals ?? c.sovereignOnly, "t/u/x", {
            objectKmsKeyArn: c.originals?.keyArn,
          }),
        },
  );
}

/** The sync function (of the crossing class, whose clean bucket is the image pipeline's) outside its path. */
function syncCases({ c }: Matrix, add: AddCase): void {
  add("sync-reads-originals", "the sync function reads unscrubbed originals", () =>
    c.sync === undefined || c.originals === undefined
      ? "no crossing data class"
      : {
          call: call(c.sync, "GetObject", c.originals, "t/u/x", { objectKmsKeyArn: c.originals.keyArn }),
          control: call(c.sync, "GetObject", c.clean ?? c.originals, "t/u/x", { objectKmsKeyArn: c.clean?.keyArn }),
        },
  );
  add(
    "sync-writes-back",
    "the sync function writes into the sovereign clean bucket (a replica written back); it writes only its standby index there",
    () =>
      c.sync === undefined || c.clean === undefined
        ? "no crossing data class"
        : {
            call: call(c.sync, "PutObject", c.clean, "t/u/x", { headers: sse(c.clean.keyArn) }),
            control: call(c.sync, "PutObject", c.clean, `${SYNC_RECORDS_PREFIX}by-standby/t/x`),
          },
  );
}

/** The commercial side's Roles Anywhere role against sovereign buckets, other keys and other buckets. */
function commercialCases({ world, c }: Matrix, add: AddCase): void {
  add("commercial-reads-sovereign", "the commercial Roles Anywhere role reads a sovereign bucket", () =>
    c.rolesAnywhere === undefined || c.clean === undefined
      ? "no crossing data class"
      : call(c.rolesAnywhere, "GetObject", c.clean, "t/u/x", { origin: "internet", objectKmsKeyArn: c.clean.keyArn }),
  );
  add(
    "commercial-writes-sovereign",
    "the commercial Roles Anywhere role writes a replica back into the sovereign partition",
    () =>
      c.rolesAnywhere === undefined || c.originals === undefined
        ? "no crossing data class"
        : call(c.rolesAnywhere, "PutObject", c.originals, "t/u/x", {
            origin: "internet",
            headers: sse(c.originals.keyArn),
          }),
  );
  add("commercial-other-key", "the commercial role writes a replica under another key than the failover key", () => {
    if (c.rolesAnywhere === undefined || c.failover === undefined) return "no crossing data class";
    const side = c.failover.side;
    const write = (keyArn: string | undefined) =>
      call(c.rolesAnywhere as WorldRole, "PutObject", c.failover as WorldBucket, "t/u/x", {
        origin: "internet",
        headers: sse(keyArn),
      });
    return {
      call: write(
        arn(side.partition, { service: "kms", region: side.region, account: side.account, resource: "key/foreign" }),
      ),
      control: write(c.failover.keyArn),
    };
  });
  add(
    "commercial-other-bucket",
    "one data class's cross-partition credentials write another bucket of the commercial side (another class's replicas, the audit trail)",
    () => {
      if (c.rolesAnywhere === undefined || c.failover === undefined) return "no crossing data class";
      const own = c.failover;
      const other = [...world.buckets.values()].find(
        (b) => b.side.partition.id === own.side.partition.id && b.address !== own.address,
      );
      if (other === undefined) return "the commercial side has no other bucket";
      const role = c.rolesAnywhere;
      return {
        call: call(role, "PutObject", other, "t/u/x", { origin: "internet", headers: sse(other.keyArn) }),
        control: call(role, "PutObject", own, "t/u/x", { origin: "internet", headers: sse(own.keyArn) }),
      };
    },
  );
}

/** Keys used by the wrong principal, and the audit trail. */
function keyCases({ world, c, otherTenantKey, ownKey, noTenant }: Matrix, add: AddCase): void {
  add(
    "pseudonyms-by-another-function",
    "a function other than the upload function derives subjects' pseudonyms (kms:GenerateMac on the HMAC key)",
    () => {
      const hmac = [...world.keys.values()].find((k) => k.aliases.some((a) => a.endsWith("/subject-pseudonyms")));
      if (hmac === undefined || c.scrub === undefined || c.upload === undefined) return "no pseudonym key";
      return { call: kmsCall(c.scrub, "GenerateMac", hmac.arn), control: kmsCall(c.upload, "GenerateMac", hmac.arn) };
    },
  );
  add(
    "standby-pseudonyms-by-another-function",
    "a function other than the upload function derives standby pseudonyms (kms:GenerateMac on the sovereign standby key, which would let it name a subject's replicas)",
    () => {
      const standby = [...world.keys.values()].find(
        (k) => k.side.partition.id === "aws-eusc" && k.aliases.some((a) => a.endsWith("/standby-pseudonyms")),
      );
      if (standby === undefined || c.scrub === undefined || c.upload === undefined) return "no standby pseudonym key";
      return {
        call: kmsCall(c.scrub, "GenerateMac", standby.arn),
        control: kmsCall(c.upload, "GenerateMac", standby.arn),
      };
    },
  );
  add(
    "standby-pseudonyms-by-the-request-run",
    "the data-subject request run derives standby pseudonyms itself (only the request API may: it records both pseudonyms of the subject, and the run takes them from the record)",
    () => {
      const standby = [...world.keys.values()].find(
        (k) => k.side.partition.id === "aws-eusc" && k.aliases.some((a) => a.endsWith("/standby-pseudonyms")),
      );
      const api = [...world.roles.values()].find((r) => roleKindOf(r) === "subject-request-api");
      const run = [...world.roles.values()].find((r) => roleKindOf(r) === "subject-request-run");
      if (standby === undefined || api === undefined || run === undefined)
        return "no standby pseudonym key or no data-subject requests";
      return { call: kmsCall(run, "GenerateMac", standby.arn), control: kmsCall(api, "GenerateMac", standby.arn) };
    },
  );
  add("audit-tamper", "a function deletes audit records", () =>
    c.scrub === undefined || c.audit === undefined
      ? "no audit bucket"
      : call(c.scrub, "DeleteObject", c.audit, "AWSLogs/x"),
  );
  add("tenant-other-key-decrypt", "a tenant role decrypts with another tenant's key", () => {
    if (c.tenant === undefined || otherTenantKey === undefined) return noTenant;
    const tenant = c.tenant;
    return {
      call: kmsCall(tenant, "Decrypt", otherTenantKey),
      control: kmsCall(tenant, "Decrypt", ownKey ?? otherTenantKey),
    };
  });
}

/** A GetSecretValue of `secret` by `principal`, from inside the VPC. */
function secretRead(principal: WorldRole, secretArn: string): Call {
  return {
    principal,
    service: "SecretsManager",
    operation: "GetSecretValue",
    origin: "vpc-endpoint",
    secureTransport: true,
    headers: {},
    target: secretArn,
  };
}

/** The tenants' webhook secrets: only the webhook sender reads them, and it reads nothing else secret. */
function webhookCases({ world }: Matrix, add: AddCase): void {
  const sender = roleWhere(world, (r) => roleKindOf(r) === "webhook-sender");
  const secrets = [...world.secrets.values()];
  const webhookSecret = secrets.find((s) => s.address.startsWith("aws_secretsmanager_secret.webhooks_secret-"));
  const signingMaterial = secrets.find((s) => s.address.endsWith("_signing-material"));
  const scrub = roleWhere(world, (r) => roleKindOf(r) === "scrub-function");
  add("webhook-secret-other-function", "a scrub function reads a tenant's webhook secret", () =>
    sender === undefined || webhookSecret === undefined || scrub === undefined
      ? "no webhooks"
      : { call: secretRead(scrub, webhookSecret.arn), control: secretRead(sender, webhookSecret.arn) },
  );
  add("webhook-sender-signing-material", "the webhook sender reads the sync function's signing material", () =>
    sender === undefined || webhookSecret === undefined || signingMaterial === undefined
      ? "no webhooks or no crossing data class"
      : { call: secretRead(sender, signingMaterial.arn), control: secretRead(sender, webhookSecret.arn) },
  );
}

/**
 * The data-subject request roles: only the run role erases versions, and only in the places it
 * erases; it never touches the evidence; the other roles stay within their prefix of the requests
 * bucket; the certificate is written only under requests/ of the evidence bucket.
 */
function subjectRequestCases({ world }: Matrix, add: AddCase): void {
  const role = (kind: RoleKind) => roleWhere(world, (r) => roleKindOf(r) === kind);
  const [api, pending, run, certify] = (["api", "pending", "run", "certify"] as const).map((k) =>
    role(`subject-request-${k}`),
  );
  const documents = castOf(world, "document-pipeline");
  const originals = documents.originals;
  const evidence = documents.evidence;
  const requests = bucketWhere(world, (b) => b.address === "aws_s3_bucket.subject-requests_bucket_bucket");
  const none = "no data-subject requests";
  const erase = (principal: WorldRole, bucket: WorldBucket, key: string) =>
    call(principal, "DeleteObject", bucket, key, { versionId: "v1" });
  add("dsr-run-erases-evidence", "the erasure role deletes a version of a signed certificate", () =>
    run === undefined || evidence === undefined || originals === undefined
      ? none
      : { call: erase(run, evidence, "requests/t/p/r.json"), control: erase(run, originals, "t/p/x") },
  );
  add("dsr-other-role-erases-versions", "the document scrub function deletes a version of an original", () => {
    const scrub = documents.scrub;
    return run === undefined || scrub === undefined || originals === undefined
      ? none
      : { call: erase(scrub, originals, "t/p/x"), control: erase(run, originals, "t/p/x") };
  });
  add("dsr-api-reads-data", "the request API reads a subject's original", () =>
    api === undefined || originals === undefined || requests === undefined
      ? none
      : {
          call: call(api, "GetObject", originals, "t/p/x", { objectKmsKeyArn: originals.keyArn }),
          control: call(api, "GetObject", requests, "pending/r.json", { objectKmsKeyArn: requests.keyArn }),
        },
  );
  add("dsr-pending-reads-exports", "the approval step reads an export archive", () =>
    pending === undefined || requests === undefined
      ? none
      : {
          call: call(pending, "GetObject", requests, "exports/t/p/r.zip", { objectKmsKeyArn: requests.keyArn }),
          control: call(pending, "GetObject", requests, "pending/r.json", { objectKmsKeyArn: requests.keyArn }),
        },
  );
  add("dsr-certify-writes-elsewhere", "the certificate function writes outside requests/ of the evidence bucket", () =>
    certify === undefined || evidence === undefined
      ? none
      : {
          call: call(certify, "PutObject", evidence, "signatures/t/p/x.json", { headers: sse(evidence.keyArn) }),
          control: call(certify, "PutObject", evidence, "requests/t/p/r.json", { headers: sse(evidence.keyArn) }),
        },
  );
}

/** Every case of the matrix, in a stable order. */
export function abuseCases(world: AuthzWorld): AbuseCase[] {
  const out: AbuseCase[] = [];
  const add: AddCase = (id, title, make) => {
    const made = make();
    if (typeof made === "string") out.push({ id, title, reason: made });
    else if ("call" in made && "control" in made) out.push({ id, title, call: made.call, control: made.control });
    else out.push({ id, title, call: made });
  };
  const images = matrixOf(world);
  const documents = matrixOf(world, "document-pipeline");
  // The signing service belongs to one pipeline (documents when there are documents): its cases run there.
  const signingIn = documents.c.signing !== undefined ? documents : images;
  for (const cases of [tenantWriteCases, tenantReachCases, browserCases, downloadCases]) cases(images, add);
  if (signingIn === images) signingCases(images, add);
  for (const cases of [functionCases, commercialCases, keyCases, webhookCases, subjectRequestCases]) cases(images, add);
  standbyCases(world, add);
  outageCases(world, add);
  // The document pipeline's own paths, the same abuse against its roles and buckets.
  if (documents.c.upload !== undefined) {
    const addDocument: AddCase = (id, title, make) => add(`documents:${id}`, `(documents) ${title}`, make);
    for (const cases of [browserCases, downloadCases, signingCases, scrubCases]) cases(documents, addDocument);
  }
  return out;
}
