/**
 * The environment of the functions behind the JWT authorizer (upload, download): which claims name
 * the tenant and the subject, and the KMS HMAC key that turns subjects into the pseudonyms object
 * keys hold (pseudonym.ts). Shared so that both functions derive the same key prefix for a token.
 */
import { KMSClient } from "@aws-sdk/client-kms";
import { z } from "zod";
import { kmsMac, type Mac, Pseudonyms, STANDBY_DOMAIN, SUBJECT_DOMAIN } from "./pseudonym";

const CLAIM_NAME = /^[A-Za-z0-9_:./-]{1,128}$/;

/** A whole number from a string; absent or empty → undefined (the schema's default applies). */
export const wholeNumber = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === "") return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) {
      ctx.issues.push({ code: "custom", input: v, message: "must be a whole number" });
      return z.NEVER;
    }
    return n;
  });

export const tokenEnvShape = {
  /** Claim of the verified JWT that names the tenant. @default "tenant" */
  TENANT_CLAIM: z.string().regex(CLAIM_NAME).default("tenant"),
  /** Claim of the verified JWT that names the subject. @default "sub" */
  SUBJECT_CLAIM: z.string().regex(CLAIM_NAME).default("sub"),
  /** The KMS HMAC key (ARN or alias) the subjects' pseudonyms are derived with; required unless PSEUDONYMIZE_SUBJECTS=false. */
  PSEUDONYM_KEY_ID: z.string().min(1).optional(),
  /**
   * The standby pseudonym key (ARN or alias; docs/cross-partition.md §7): set where objects cross to
   * the commercial partition, whose replicas are named by the standby pseudonym. @default - none
   */
  STANDBY_PSEUDONYM_KEY_ID: z.string().min(1).optional(),
  /** "false" keeps the subject claim itself in object keys (a weakening, for local runs). @default "true" */
  PSEUDONYMIZE_SUBJECTS: z.enum(["true", "false"]).default("true"),
};

/** The pseudonym domains a function can name objects by, by PSEUDONYM_DOMAIN. */
export const PSEUDONYM_DOMAINS = ["subject", "standby"] as const;
export type PseudonymDomain = (typeof PSEUDONYM_DOMAINS)[number];

/**
 * Where a function behind the JWT authorizer runs: `subject` (the sovereign side: objects named by
 * the sovereign pseudonym, the default) or `standby` (the commercial standby: objects named by the
 * standby pseudonym under the key PSEUDONYM_KEY_ID names, the commercial copy of the standby key;
 * docs/cross-partition.md §7). The download and the upload function read it.
 */
export const pseudonymDomainShape = {
  /** @default "subject" */
  PSEUDONYM_DOMAIN: z
    .enum(PSEUDONYM_DOMAINS, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a pseudonym domain. Fix: set subject (the sovereign side) or standby (the commercial standby, objects named by the standby pseudonym), or remove it for subject`,
    })
    .default("subject"),
};

/**
 * What is wrong with a standby's environment (PSEUDONYM_DOMAIN=standby), or undefined: its objects
 * are always named by the standby pseudonym (never by the subject claim), derived with PSEUDONYM_KEY_ID
 * (no second key), and the commercial partition has no tenant roles (the function's own role, always).
 */
export function standbyDomainProblem(
  env: TokenEnv & {
    readonly PSEUDONYM_DOMAIN: PseudonymDomain;
    readonly TENANT_KEY_ALIAS_PREFIX?: string | undefined;
    readonly TENANT_ROLE_NAME_PREFIX?: string | undefined;
  },
): string | undefined {
  if (env.PSEUDONYM_DOMAIN !== "standby") return undefined;
  if (env.PSEUDONYMIZE_SUBJECTS === "false")
    return "PSEUDONYM_DOMAIN=standby with PSEUDONYMIZE_SUBJECTS=false: the standby names objects by the standby pseudonym, never by the subject claim. Fix: remove PSEUDONYMIZE_SUBJECTS and set PSEUDONYM_KEY_ID to the commercial standby pseudonym key";
  if (env.TENANT_KEY_ALIAS_PREFIX !== undefined || env.TENANT_ROLE_NAME_PREFIX !== undefined)
    return "PSEUDONYM_DOMAIN=standby with a tenant directory (TENANT_KEY_ALIAS_PREFIX, TENANT_ROLE_NAME_PREFIX): the commercial partition has no tenant roles, the standby acts with the function's own role. Fix: remove both prefixes";
  if (env.STANDBY_PSEUDONYM_KEY_ID !== undefined)
    return "PSEUDONYM_DOMAIN=standby derives with PSEUDONYM_KEY_ID (the commercial standby key); STANDBY_PSEUDONYM_KEY_ID would be a second key. Fix: remove STANDBY_PSEUDONYM_KEY_ID and name the standby key in PSEUDONYM_KEY_ID";
  return undefined;
}

export interface TokenEnv {
  readonly TENANT_CLAIM: string;
  readonly SUBJECT_CLAIM: string;
  readonly PSEUDONYM_KEY_ID?: string | undefined;
  readonly STANDBY_PSEUDONYM_KEY_ID?: string | undefined;
  readonly PSEUDONYMIZE_SUBJECTS: "true" | "false";
  /** @default "subject" */
  readonly PSEUDONYM_DOMAIN?: PseudonymDomain;
  readonly AWS_REGION: string;
  readonly KMS_ENDPOINT?: string | undefined;
}

/** What is wrong with the pseudonym settings, or undefined. */
export function pseudonymEnvProblem(env: TokenEnv): string | undefined {
  if (env.PSEUDONYMIZE_SUBJECTS === "true" && env.PSEUDONYM_KEY_ID === undefined)
    return "PSEUDONYM_KEY_ID is required (the KMS HMAC key that turns subjects into pseudonyms). Fix: set it to the key's ARN or alias, or set PSEUDONYMIZE_SUBJECTS=false to keep subjects in object keys";
  return undefined;
}

/**
 * The pseudonyms of the environment's HMAC key (KMS GenerateMac through the VPC endpoint, or `mac` in
 * tests) in its PSEUDONYM_DOMAIN (the standby pseudonym for `standby`), or none when turned off.
 */
export function pseudonymsFromEnv(env: TokenEnv, mac?: Mac): Pseudonyms | undefined {
  if (env.PSEUDONYMIZE_SUBJECTS === "false" || env.PSEUDONYM_KEY_ID === undefined) return undefined;
  const domain = env.PSEUDONYM_DOMAIN === "standby" ? STANDBY_DOMAIN : SUBJECT_DOMAIN;
  return new Pseudonyms(mac ?? kmsMac(kmsClientOf(env), env.PSEUDONYM_KEY_ID), undefined, domain);
}

/**
 * The standby pseudonyms (STANDBY_DOMAIN under STANDBY_PSEUDONYM_KEY_ID), where the environment names
 * the standby key and pseudonyms are on; else none (the objects do not cross).
 */
export function standbyPseudonymsFromEnv(env: TokenEnv): Pseudonyms | undefined {
  if (env.PSEUDONYMIZE_SUBJECTS === "false" || env.STANDBY_PSEUDONYM_KEY_ID === undefined) return undefined;
  return new Pseudonyms(kmsMac(kmsClientOf(env), env.STANDBY_PSEUDONYM_KEY_ID), undefined, STANDBY_DOMAIN);
}

function kmsClientOf(env: TokenEnv): KMSClient {
  return new KMSClient({
    region: env.AWS_REGION,
    ...(env.KMS_ENDPOINT === undefined ? {} : { endpoint: env.KMS_ENDPOINT }),
  });
}
