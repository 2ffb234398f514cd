/**
 * The `dns` block: the API's custom domain and DNS failover (issue 17, item 3). The hosted zone is a
 * public zone of the commercial partition's Route 53, named by its ID (docs/cross-partition.md
 * §7: it must keep answering while the sovereign partition is unreachable). Structural rules are
 * here; `dnsProblems` relates the block to the rest of the configuration.
 */
import { z } from "zod";
import type { ConfigProblem } from "./validate";

/** The regions Route 53 runs health checkers in (a health check names at least three of them). */
export const HEALTH_CHECK_REGIONS = [
  "ap-northeast-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "eu-west-1",
  "sa-east-1",
  "us-east-1",
  "us-west-1",
  "us-west-2",
] as const;

/** ACM puts the first domain name of a certificate in its subject's CN, at most 64 characters. */
export const MAX_CERTIFICATE_DOMAIN_LENGTH = 64;

/** The host name of the sovereign API's own domain (the health check's target): `<apiHostName>-sovereign`. */
export const sovereignHostName = (apiHostName: string): string => `${apiHostName}-sovereign`;

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const zoneName = z.string().check((ctx) => {
  const value = ctx.value;
  const fix = 'Fix: write the public zone\'s name in lower case, without a trailing dot (e.g. "sip.example.org")';
  const problem = value.endsWith(".")
    ? "ends with a dot"
    : value !== value.toLowerCase()
      ? "has upper-case letters"
      : value.length > 200 || !value.includes(".") || !value.split(".").every((l) => LABEL.test(l))
        ? "is not a DNS name of two or more labels (letters, digits, inner hyphens; at most 200 characters)"
        : undefined;
  if (problem !== undefined)
    ctx.issues.push({ code: "custom", input: value, message: `zoneName "${value}" ${problem}. ${fix}` });
});

export const dnsSchema = z.strictObject({
  /**
   * The ID of a public hosted zone in the commercial partition's Route 53 (named, neither created nor
   * looked up: its delegation lives outside this program, and the plan makes no AWS call), e.g. "Z0123456789ABCDEFGHIJ".
   */
  zoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, {
    error: (i) =>
      `zoneId ${JSON.stringify(i.input)} is not a Route 53 hosted zone ID. Fix: copy the zone's ID (Z followed by upper-case letters and digits) from the commercial account's Route 53, without "/hostedzone/"`,
  }),
  /** The zone's name; Route 53 refuses, at apply, records of this name in a zone of another name. */
  zoneName,
  /**
   * The API's host name in the zone: clients call `https://<apiHostName>.<zoneName>`; the sovereign
   * API also gets `<apiHostName>-sovereign.<zoneName>`, which the health check probes. @default "api"
   */
  apiHostName: z
    .string()
    .regex(/^[a-z](?:[a-z0-9]|-(?!-)){0,48}[a-z0-9]$/, {
      error: (i) =>
        `apiHostName ${JSON.stringify(i.input)} is not a host name label. Fix: use 2-50 lowercase letters, digits and single hyphens, starting with a letter (e.g. "api")`,
    })
    .default("api"),
  /** The Route 53 health check of the sovereign API's `GET /health` (HTTPS, port 443, no latency measurements). */
  healthCheck: z
    .strictObject({
      /** Seconds between a checker's requests: 10 or 30 (Route 53 knows no other). @default 30 */
      requestIntervalSeconds: z
        .union([z.literal(10), z.literal(30)], {
          error: (i) =>
            `requestIntervalSeconds ${JSON.stringify(i.input)} is not an interval Route 53 offers. Fix: use 10 or 30`,
        })
        .default(30),
      /** Consecutive failures (or successes) that change a checker's verdict, 1-10. @default 3 */
      failureThreshold: z
        .number()
        .int()
        .min(1, { error: "failureThreshold must be at least 1. Fix: use 1-10" })
        .max(10, { error: "failureThreshold must be at most 10. Fix: use 1-10" })
        .default(3),
      /** Regions whose Route 53 checkers probe the API: at least three. @default - every checker region */
      regions: z
        .array(
          z.enum(HEALTH_CHECK_REGIONS, {
            error: (i) =>
              `${JSON.stringify(i.input)} is not a Route 53 health checker region. Fix: use some of ${HEALTH_CHECK_REGIONS.join(", ")}`,
          }),
        )
        .min(3, {
          error:
            "regions must name at least three health checker regions (Route 53 requires it). Fix: add regions, or remove regions for all of them",
        })
        .optional(),
    })
    .default({ requestIntervalSeconds: 30, failureThreshold: 3 }),
});

export type DnsConfig = z.infer<typeof dnsSchema>;

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The `dns` block against the rest: it names the upload API, so the image upload pipeline must
 * exist; the sovereign API's longest domain name must fit in a certificate's CN; regions once each.
 */
export function dnsProblems(input: Raw): ConfigProblem[] {
  const dns = input.dns;
  if (!isObject(dns)) return [];
  const problems: ConfigProblem[] = [];
  const upload = isObject(input.upload) ? input.upload : {};
  // A missing cleanDataClass is the upload block's own problem (validate.ts), not reported twice.
  if (!Array.isArray(upload.dataClasses) || upload.dataClasses.length === 0)
    problems.push({
      path: "dns",
      message:
        "dns gives the upload API a custom domain, but no upload API is deployed. Fix: configure upload.dataClasses and upload.cleanDataClass, or remove dns",
    });
  const host = typeof dns.apiHostName === "string" ? dns.apiHostName : "api";
  if (typeof dns.zoneName === "string") {
    const longest = `${sovereignHostName(host)}.${dns.zoneName}`;
    if (longest.length > MAX_CERTIFICATE_DOMAIN_LENGTH)
      problems.push({
        path: "dns.zoneName",
        message: `the sovereign API's domain "${longest}" is ${longest.length} characters long, more than the ${MAX_CERTIFICATE_DOMAIN_LENGTH} an ACM certificate's first name may have. Fix: use a shorter zone name or apiHostName`,
      });
  }
  const regions = isObject(dns.healthCheck) ? dns.healthCheck.regions : undefined;
  if (Array.isArray(regions)) {
    const seen = new Set<unknown>();
    regions.forEach((r, i) => {
      if (seen.has(r))
        problems.push({
          path: `dns.healthCheck.regions[${i}]`,
          message: `region ${JSON.stringify(r)} is listed twice. Fix: list each region once`,
        });
      seen.add(r);
    });
  }
  return problems;
}
