/**
 * Which key and which credentials a function uses for a tenant's objects, found out at run time.
 *
 * A tenant of tier `logical`, `vpc` or `account` has its own KMS key in the platform account (alias
 * `<keyAliasPrefix><tenant>`, tagged `Tier=<tier>`, `Tenant=<tenant>`) and its own role
 * (`<roleNamePrefix><tenant>`, same account as the key): the function acts as that role with that key,
 * so deleting the key crypto-shreds the tenant's data. A key tagged with another tier means the
 * platform's shared data-class key with the function's own credentials (`shared`). Every configured tenant, of every tier, has a key alias: a tenant
 * without one is `unknown` (a token's claim naming no tenant of the deployment), never `shared`.
 *
 * Fails closed: only KMS's definitive answer "no such alias" means `unknown`, and "the key's `Tier`
 * tag names no tier with a role" means `shared`. Every other KMS or STS error propagates, a key whose `Tenant` tag names
 * another tenant is an error, and a logical key that is not `Enabled` is reported as
 * `key-unavailable` (never silently replaced by the shared key).
 *
 * Answers are cached per tenant (a Lambda environment cannot hold the tier of 1,000 tenants, and KMS
 * should not be asked on every request); concurrent callers share one lookup and one AssumeRole.
 */
import { DescribeKeyCommand, type KMSClient, ListResourceTagsCommand } from "@aws-sdk/client-kms";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity } from "@aws-sdk/types";

/** The two KMS questions the directory asks (adapter below for the real KMSClient). */
export interface TenantKeyLookup {
  /** The key behind an alias name (`alias/...`): its ARN and KeyState; undefined when KMS answers NotFoundException. Other errors propagate. */
  describeAlias(aliasName: string): Promise<{ readonly keyArn: string; readonly keyState: string } | undefined>;
  /** The key's tags as a record (all pages). */
  tags(keyArn: string): Promise<Readonly<Record<string, string>>>;
}

/** STS AssumeRole: temporary credentials WITH `expiration` (a Date). */
export type AssumeRole = (
  roleArn: string,
  sessionName: string,
  durationSeconds: number,
) => Promise<AwsCredentialIdentity & { readonly expiration: Date }>;

export interface TenantDirectoryOptions<C> {
  /** e.g. "alias/example/tenant/" (must start with "alias/" and end with "/") */
  readonly keyAliasPrefix: string;
  /** e.g. "example-tenant-" (IAM role name characters) */
  readonly roleNamePrefix: string;
  readonly kms: TenantKeyLookup;
  readonly assumeRole: AssumeRole;
  /** Role session name (1-64 of [\w+=,.@-]), e.g. the function name. */
  readonly sessionName: string;
  /** Builds the client that acts as the tenant role from a credentials provider (e.g. an S3Client). */
  readonly clientFor: (credentials: () => Promise<AwsCredentialIdentity>) => C;
  /** Credentials are renewed when fewer than this many seconds remain (e.g. pre-signed URL lifetime + margin). @default 360 */
  readonly minRemainingSeconds?: number;
  /** AssumeRole DurationSeconds. @default 3600 (the role-chaining maximum) */
  readonly sessionSeconds?: number;
  /** How long a "shared" answer (no logical key) is believed. @default 60_000 ms */
  readonly sharedTtlMs?: number;
  /** How long a key lookup (ARN, state, tier) is believed before KMS is asked again. @default 300_000 ms */
  readonly keyTtlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export type TenantAccess<C> =
  | { readonly kind: "shared"; readonly tenant: string }
  /** No tenant of the deployment has this ID: every configured tenant, of every tier, has a key alias. */
  | { readonly kind: "unknown"; readonly tenant: string }
  | {
      readonly kind: "own-key";
      readonly tenant: string;
      readonly keyArn: string;
      readonly roleArn: string;
      readonly client: C;
    }
  /** The tenant's logical key exists but is not Enabled (e.g. PendingDeletion: the tenant is being shredded). */
  | { readonly kind: "key-unavailable"; readonly tenant: string; readonly keyArn: string; readonly keyState: string };

/** The directory's options are wrong: the message names each offending option and the fix. */
export class TenantDirectoryConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TenantDirectoryConfigError";
  }
}

/** What KMS or STS answered cannot be trusted (a key tagged for another tenant, a malformed ARN, ...): fail closed. */
export class TenantKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TenantKeyError";
  }
}

/** The tag whose value `logical` gives a tenant its own key and role. */
export const TIER_TAG = "Tier";
/** The tag naming the tenant a key belongs to; when present it must equal the tenant looked up. */
export const TENANT_TAG = "Tenant";
/** Tiers whose tenants have their own role and key in the upload path (modules/tenant OWN_ROLE_TIERS). */
const OWN_ROLE_TIERS: ReadonlySet<string> = new Set(["logical", "vpc", "account"]);
const ENABLED = "Enabled";

const DEFAULTS = { minRemainingSeconds: 360, sessionSeconds: 3600, sharedTtlMs: 60_000, keyTtlMs: 300_000 } as const;
/** STS accepts 900 s to 12 h (role chaining caps it at 1 h). */
const SESSION_SECONDS = { min: 900, max: 43_200 } as const;

const KEY_ALIAS_PREFIX = /^alias\/[A-Za-z0-9/_-]+\/$/;
const ROLE_NAME_PREFIX = /^[\w+=,.@-]{1,40}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** A tenant is one key segment: never a slash that could reach into another alias or role path. */
const TENANT = /^[A-Za-z0-9][A-Za-z0-9._@+=:-]{0,127}$/;
/** What a KMS alias name may hold in one segment (configured tenant IDs always fit). */
const ALIAS_SEGMENT = /^[A-Za-z0-9_-]+$/;
const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/([A-Za-z0-9-]+)$/;

// ---------------------------------------------------------------------------------------------------
// Pure helpers

/** Whether a string can name a tenant (one safe key segment): what `resolve` accepts. */
export function isTenantSegment(value: string): boolean {
  return TENANT.test(value);
}

/**
 * Validation of the two prefixes, the session name and the numeric options; throws
 * TenantDirectoryConfigError naming every offending option and the fix. Called by the constructor.
 */
export function validateTenantDirectoryOptions(options: TenantDirectoryOptions<unknown>): void {
  const problems: string[] = [];
  if (!KEY_ALIAS_PREFIX.test(options.keyAliasPrefix)) {
    problems.push(
      `keyAliasPrefix "${options.keyAliasPrefix}" must start with "alias/", use only A-Z a-z 0-9 / _ - and end with "/". Fix: e.g. "alias/example/tenant/"`,
    );
  }
  if (!ROLE_NAME_PREFIX.test(options.roleNamePrefix)) {
    problems.push(
      `roleNamePrefix "${options.roleNamePrefix}" must be 1-40 IAM role name characters (A-Z a-z 0-9 _ + = , . @ -). Fix: e.g. "example-tenant-"`,
    );
  }
  if (!SESSION_NAME.test(options.sessionName)) {
    problems.push(
      `sessionName "${options.sessionName}" must be 2-64 of A-Z a-z 0-9 _ + = , . @ -. Fix: use e.g. the function name`,
    );
  }
  for (const name of ["minRemainingSeconds", "sessionSeconds", "sharedTtlMs", "keyTtlMs"] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0))
      problems.push(
        `${name} (${value}) must be a positive whole number. Fix: omit it for the default ${DEFAULTS[name]}`,
      );
  }
  const session = options.sessionSeconds ?? DEFAULTS.sessionSeconds;
  const remaining = options.minRemainingSeconds ?? DEFAULTS.minRemainingSeconds;
  if (Number.isSafeInteger(session) && (session < SESSION_SECONDS.min || session > SESSION_SECONDS.max)) {
    problems.push(
      `sessionSeconds (${session}) must be ${SESSION_SECONDS.min}-${SESSION_SECONDS.max}, as STS AssumeRole accepts. Fix: use 3600 (the role-chaining maximum)`,
    );
  }
  if (Number.isSafeInteger(session) && Number.isSafeInteger(remaining) && remaining >= session) {
    problems.push(
      `minRemainingSeconds (${remaining}) must be less than sessionSeconds (${session}), or every use would assume the role again. Fix: lower minRemainingSeconds or raise sessionSeconds`,
    );
  }
  if (problems.length > 0)
    throw new TenantDirectoryConfigError(`invalid TenantDirectory options: ${problems.join("; ")}`);
}

/** `arn:<partition>:kms:<region>:<account>:key/<id>` → partition and account; throws TenantKeyError on anything else. */
export function parseKeyArn(keyArn: string): {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
} {
  const match = KEY_ARN.exec(keyArn);
  if (match === null)
    throw new TenantKeyError(
      `KMS returned "${keyArn}", which is not a key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)`,
    );
  const [, partition = "", region = "", account = ""] = match;
  return { partition, region, account };
}

/** The tenant role in the key's partition and account. */
export function tenantRoleArn(keyArn: string, roleNamePrefix: string, tenant: string): string {
  const { partition, account } = parseKeyArn(keyArn);
  return `arn:${partition}:iam::${account}:role/${roleNamePrefix}${tenant}`;
}

// ---------------------------------------------------------------------------------------------------
// Credentials of one tenant role

type Credentials = AwsCredentialIdentity & { readonly expiration: Date };

/**
 * A credentials provider for one role: answers from its cache while more than `minRemainingMs`
 * remain, otherwise assumes the role (one call shared by concurrent callers; a failure is not kept).
 */
function roleCredentials(
  assume: () => Promise<Credentials>,
  minRemainingMs: number,
  now: () => number,
): () => Promise<AwsCredentialIdentity> {
  let current: Credentials | undefined;
  let pending: Promise<Credentials> | undefined;
  const provider = async (): Promise<AwsCredentialIdentity> => {
    if (current !== undefined && current.expiration.getTime() - now() > minRemainingMs) return current;
    pending ??= Promise.resolve()
      .then(assume)
      .then((credentials) => {
        if (!(credentials.expiration instanceof Date) || Number.isNaN(credentials.expiration.getTime())) {
          throw new TenantKeyError("AssumeRole returned credentials without an expiration: refusing to cache them");
        }
        current = credentials;
        return credentials;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  // The SDK wraps an unmemoized provider in its own cache, which renews only 5 minutes before expiry
  // and would hide `minRemainingSeconds`; this provider is already a cache, so the SDK asks it each time.
  return Object.assign(provider, { memoized: true });
}

// ---------------------------------------------------------------------------------------------------
// The directory

interface CacheEntry<C> {
  readonly access: TenantAccess<C>;
  readonly expiresAt: number;
}

interface RoleSession<C> {
  readonly roleArn: string;
  readonly client: C;
}

/**
 * Resolves a tenant to `shared`, `own-key` (with a client acting as the tenant role) or
 * `key-unavailable`. Build one per function instance (module scope) and reuse it.
 */
export class TenantDirectory<C> {
  private readonly options: TenantDirectoryOptions<C>;
  private readonly now: () => number;
  private readonly cache = new Map<string, CacheEntry<C>>();
  private readonly inflight = new Map<string, Promise<TenantAccess<C>>>();
  private readonly sessions = new Map<string, RoleSession<C>>();

  constructor(options: TenantDirectoryOptions<C>) {
    validateTenantDirectoryOptions(options);
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** `tenant` must be a safe single key segment (caller validated). */
  async resolve(tenant: string): Promise<TenantAccess<C>> {
    if (!TENANT.test(tenant))
      throw new TenantKeyError(`tenant "${tenant}" is not a safe single key segment: refusing to look up its key`);
    // A claim with characters no alias may hold (. @ + = :) names no configured tenant: no key to find.
    if (!ALIAS_SEGMENT.test(tenant)) return { kind: "unknown", tenant };
    const cached = this.cache.get(tenant);
    if (cached !== undefined && this.now() < cached.expiresAt) return cached.access;
    let pending = this.inflight.get(tenant);
    if (pending === undefined) {
      pending = this.lookup(tenant).finally(() => this.inflight.delete(tenant));
      this.inflight.set(tenant, pending);
    }
    return pending;
  }

  /** Asks KMS, decides, caches the decision (never an error). */
  private async lookup(tenant: string): Promise<TenantAccess<C>> {
    const { kms, keyAliasPrefix, roleNamePrefix } = this.options;
    const sharedTtlMs = this.options.sharedTtlMs ?? DEFAULTS.sharedTtlMs;
    const keyTtlMs = this.options.keyTtlMs ?? DEFAULTS.keyTtlMs;
    const key = await kms.describeAlias(`${keyAliasPrefix}${tenant}`);
    if (key === undefined) return this.remember({ kind: "unknown", tenant }, sharedTtlMs);
    const tags = await kms.tags(key.keyArn);
    const owner = tags[TENANT_TAG];
    if (owner !== undefined && owner !== tenant) {
      throw new TenantKeyError(
        `key ${key.keyArn} behind alias "${keyAliasPrefix}${tenant}" is tagged ${TENANT_TAG}=${owner}, not ${tenant}: fix the alias or the tag`,
      );
    }
    if (!OWN_ROLE_TIERS.has(tags[TIER_TAG] ?? "")) return this.remember({ kind: "shared", tenant }, sharedTtlMs);
    if (key.keyState !== ENABLED)
      return this.remember(
        { kind: "key-unavailable", tenant, keyArn: key.keyArn, keyState: key.keyState },
        sharedTtlMs,
      );
    const { client, roleArn } = this.session(tenant, tenantRoleArn(key.keyArn, roleNamePrefix, tenant));
    return this.remember({ kind: "own-key", tenant, keyArn: key.keyArn, roleArn, client }, keyTtlMs);
  }

  private remember(access: TenantAccess<C>, ttlMs: number): TenantAccess<C> {
    this.cache.set(access.tenant, { access, expiresAt: this.now() + ttlMs });
    return access;
  }

  /** The tenant's client, built once per role ARN so SDK clients, connections and credentials are reused. */
  private session(tenant: string, roleArn: string): RoleSession<C> {
    const existing = this.sessions.get(tenant);
    if (existing?.roleArn === roleArn) return existing;
    const { assumeRole, sessionName, clientFor } = this.options;
    const sessionSeconds = this.options.sessionSeconds ?? DEFAULTS.sessionSeconds;
    const minRemainingMs = (this.options.minRemainingSeconds ?? DEFAULTS.minRemainingSeconds) * 1000;
    const credentials = roleCredentials(
      () => assumeRole(roleArn, sessionName, sessionSeconds),
      minRemainingMs,
      this.now,
    );
    const session = { roleArn, client: clientFor(credentials) };
    this.sessions.set(tenant, session);
    return session;
  }
}

// ---------------------------------------------------------------------------------------------------
// Who handles an object

/** Who handles an object: the function itself, the tenant's role, or nobody (the tenant is being shredded). */
export type KeyActor<C> =
  | { readonly kind: "self" }
  | {
      readonly kind: "tenant";
      readonly tenant: string;
      readonly client: C;
      readonly keyArn: string;
      readonly roleArn: string;
    }
  | { readonly kind: "tenant-key-pending-deletion"; readonly tenant: string }
  /** The key's first segment names no tenant of the deployment (no key alias): nobody may handle it. */
  | { readonly kind: "unknown-tenant"; readonly tenant: string };

/**
 * For an object key `<tenant>/...`: the tenant's role and key when the tenant is of the logical tier,
 * else the function itself (also without a directory, or when the first segment cannot name a
 * tenant). A tenant key pending deletion is reported; one in another state that is not Enabled
 * (Disabled, ...) throws, so that the caller retries later rather than using another key.
 */
export async function actorForKey<C>(directory: TenantDirectory<C> | undefined, key: string): Promise<KeyActor<C>> {
  const tenant = key.slice(0, Math.max(0, key.indexOf("/")));
  if (directory === undefined || !isTenantSegment(tenant)) return { kind: "self" };
  const access = await directory.resolve(tenant);
  if (access.kind === "shared") return { kind: "self" };
  if (access.kind === "unknown") return { kind: "unknown-tenant", tenant };
  if (access.kind === "key-unavailable") {
    if (access.keyState === "PendingDeletion") return { kind: "tenant-key-pending-deletion", tenant };
    throw new TenantKeyError(
      `tenant ${tenant}'s key ${access.keyArn} is ${access.keyState}: its objects cannot be read or written until the key is enabled`,
    );
  }
  return { kind: "tenant", tenant, client: access.client, keyArn: access.keyArn, roleArn: access.roleArn };
}

// ---------------------------------------------------------------------------------------------------
// AWS adapters

/** Adapter over @aws-sdk/client-kms's KMSClient: DescribeKeyCommand on the alias (NotFoundException → undefined), ListResourceTagsCommand with pagination (Marker/NextMarker, Truncated). */
export function kmsKeyLookup(kms: KMSClient): TenantKeyLookup {
  return {
    async describeAlias(aliasName) {
      if (!aliasName.startsWith("alias/")) throw new TenantKeyError(`"${aliasName}" is not an alias name (alias/...)`);
      let metadata: { Arn?: string; KeyState?: string } | undefined;
      try {
        metadata = (await kms.send(new DescribeKeyCommand({ KeyId: aliasName }))).KeyMetadata;
      } catch (error) {
        if (error instanceof Error && error.name === "NotFoundException") return undefined;
        throw error;
      }
      if (metadata?.Arn === undefined || metadata.KeyState === undefined)
        throw new TenantKeyError(`DescribeKey on "${aliasName}" returned no key ARN or key state`);
      return { keyArn: metadata.Arn, keyState: metadata.KeyState };
    },
    async tags(keyArn) {
      const tags: Record<string, string> = {};
      let marker: string | undefined;
      do {
        const page = await kms.send(new ListResourceTagsCommand({ KeyId: keyArn, Marker: marker }));
        for (const tag of page.Tags ?? []) {
          if (tag.TagKey !== undefined && tag.TagValue !== undefined) tags[tag.TagKey] = tag.TagValue;
        }
        if (page.Truncated === true && (page.NextMarker === undefined || page.NextMarker === marker)) {
          throw new TenantKeyError(`ListResourceTags on ${keyArn} is truncated but gives no new NextMarker`);
        }
        marker = page.Truncated === true ? page.NextMarker : undefined;
      } while (marker !== undefined);
      return tags;
    },
  };
}

/** Adapter over fromTemporaryCredentials of @aws-sdk/credential-providers: `{ params: { RoleArn, RoleSessionName, DurationSeconds }, clientConfig }` — returns the credentials; throws if they carry no expiration. `clientConfig` e.g. { region, endpoint? }. */
export function stsAssumeRole(clientConfig: { readonly region: string; readonly endpoint?: string }): AssumeRole {
  return async (roleArn, sessionName, durationSeconds) => {
    // A provider (and its STS client) per call: a role is assumed about once an hour, so keeping one
    // STS client per tenant alive would only hold memory and idle connections.
    const provider = fromTemporaryCredentials({
      params: { RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: durationSeconds },
      clientConfig: {
        region: clientConfig.region,
        ...(clientConfig.endpoint !== undefined ? { endpoint: clientConfig.endpoint } : {}),
      },
    });
    const credentials = await provider();
    const { expiration } = credentials;
    if (!(expiration instanceof Date) || Number.isNaN(expiration.getTime()))
      throw new TenantKeyError(`AssumeRole of ${roleArn} returned credentials without an expiration`);
    return { ...credentials, expiration };
  };
}
