/**
 * Pseudonyms for data subjects: the subject claim of a token (often an e-mail address) never becomes
 * part of an object key. The upload function names objects `<tenant>/<pseudonym>/<uuid>`, where the
 * pseudonym is an HMAC-SHA-256 of the tenant and the subject under a KMS HMAC key of the sovereign
 * partition (`kms:GenerateMac`), truncated to 128 bits, in lower-case hex. Keys, replicas, sync
 * markers and logs carry only the pseudonym; the mapping back needs the HMAC key, which never leaves
 * the sovereign partition: a data-subject request computes the subject's pseudonym again to find
 * every object (`pseudonym` command line).
 *
 * Deterministic (the same tenant and subject always give the same pseudonym), bound to the tenant (the
 * same subject in two tenants gives two unrelated pseudonyms), versioned by a domain-separation prefix.
 *
 * A crossing data class's objects have a second, standby pseudonym (STANDBY_DOMAIN, under the standby
 * key that both partitions hold): the replicas in the commercial partition are named by it, so the
 * commercial side never holds a sovereign pseudonym (docs/cross-partition.md §7).
 */
import { createHmac } from "node:crypto";
import { GenerateMacCommand, type KMSClient } from "@aws-sdk/client-kms";

/** HMAC-SHA-256 of a message under a secret key (KMS GenerateMac, or a local key in tests). */
export type Mac = (message: Uint8Array) => Promise<Uint8Array>;

/** 32 lower-case hex characters: 128 bits of the HMAC. */
export const PSEUDONYM = /^[0-9a-f]{32}$/;
/** Domain separation of the sovereign pseudonym (object keys in the sovereign partition). */
export const SUBJECT_DOMAIN = "sip-subject-pseudonym-v1";
/**
 * Domain separation of the standby pseudonym (docs/cross-partition.md §7, option (b)): under the
 * standby key, whose material both partitions hold, it names the replicas in the commercial
 * partition. Another prefix and another key: it says nothing about the sovereign pseudonym.
 */
export const STANDBY_DOMAIN = "sip-standby-pseudonym-v1";
/**
 * User metadata (x-amz-meta-*) of a crossing data class's sovereign object: its standby pseudonym,
 * set by the upload function (signed into the upload), kept by the scrubber on the clean copy, read by
 * the sync to name the replica `<tenant>/<standby pseudonym>/<id>`. Sovereign only: replicas never carry it.
 */
export const STANDBY_PSEUDONYM_METADATA = "standby-pseudonym";

/** The message the HMAC is taken of: domain, tenant and subject, separated by NUL (neither may hold one). */
export function pseudonymMessage(tenant: string, subject: string, domain = SUBJECT_DOMAIN): Uint8Array {
  if (tenant.includes("\0") || subject.includes("\0")) throw new Error("tenant and subject must not contain NUL");
  return Buffer.from(`${domain}\0${tenant}\0${subject}`, "utf8");
}

/** KMS `GenerateMac` with HMAC_SHA_256 under `keyId` (ARN or alias). */
export function kmsMac(kms: KMSClient, keyId: string): Mac {
  return async (message) => {
    const answer = await kms.send(
      new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: "HMAC_SHA_256", Message: message }),
    );
    if (answer.Mac === undefined) throw new Error(`KMS GenerateMac under ${keyId} returned no MAC`);
    return answer.Mac;
  };
}

/** The same HMAC with a local secret: tests, and tools that hold an exported test key. Not for deployments. */
export function localMac(secret: Uint8Array): Mac {
  return async (message) => createHmac("sha256", secret).update(message).digest();
}

/** Pseudonyms of subjects, cached per function instance (a subject uploads more than once). */
export class Pseudonyms {
  private readonly cache = new Map<string, Promise<string>>();

  /** @param domain the domain-separation prefix: SUBJECT_DOMAIN (sovereign keys) or STANDBY_DOMAIN (replicas). */
  constructor(
    private readonly mac: Mac,
    private readonly maxEntries = 10_000,
    private readonly domain = SUBJECT_DOMAIN,
  ) {}

  /** The subject's pseudonym within the tenant. */
  of(tenant: string, subject: string): Promise<string> {
    const id = `${tenant}\0${subject}`;
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    const pending = this.mac(pseudonymMessage(tenant, subject, this.domain)).then((mac) => {
      if (mac.length < 16) throw new Error(`the MAC is ${mac.length} bytes; HMAC-SHA-256 gives 32`);
      return Buffer.from(mac.subarray(0, 16)).toString("hex");
    });
    // A failure is not kept: the next request asks again.
    pending.catch(() => this.cache.delete(id));
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(id, pending);
    return pending;
  }
}
