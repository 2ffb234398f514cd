/**
 * The deployment configuration: one JSON file per deployment (see config/example.json and
 * docs/configuration.md). Structural rules live here; each custom message states the problem and the
 * fix. Rules that relate several fields are in `validate.ts`.
 */
import { posix } from "node:path";
import { z } from "zod";
import { suppressionInputSchema } from "../policies/suppressions";
import { dnsSchema } from "./dns";
import { arnPrefix, checkEuRegion, PARTITIONS, type PartitionId } from "./partitions";

/** What the scrubber (functions/image-scrub/detect.ts) rewrites; anything else it rejects. */
export const SCRUBBED_CONTENT_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;

const DNS_LABEL = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

/** A DNS- and S3-safe name: lowercase letters, digits, single hyphens, starts with a letter. */
function dnsSafeName(what: string, example: string, maxLength: number) {
  return z.string().check((ctx) => {
    const value = ctx.value;
    const fix = `use 2-${maxLength} lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit (e.g. "${example}")`;
    if (value.length < 2 || value.length > maxLength) {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: `${what} "${value}" must be 2-${maxLength} characters long. Fix: ${fix}`,
      });
    } else if (!DNS_LABEL.test(value)) {
      ctx.issues.push({ code: "custom", input: value, message: `${what} "${value}" is not DNS/S3-safe. Fix: ${fix}` });
    } else if (value.startsWith("xn--") || value.startsWith("sthree-")) {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: `${what} "${value}" starts with a prefix S3 reserves ("xn--", "sthree-"). Fix: choose another name`,
      });
    }
  });
}

/** Free text that, when given, says something: not empty, not only spaces. */
function text(what: string, fix: string) {
  return z.string().regex(/\S/, { error: `${what} is empty or only spaces. Fix: ${fix}` });
}

const accountId = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? undefined
        : `account ID must be a string of 12 digits, got ${typeof issue.input}. Fix: quote it ("012345678901"), since a JSON number loses leading zeros`,
  })
  .regex(/^\d{12}$/, {
    error: (issue) =>
      `account ID "${String(issue.input)}" is malformed. Fix: use the 12-digit AWS account ID, as a string`,
  });

function regionOf(partition: PartitionId) {
  return z.string().check((ctx) => {
    const check = checkEuRegion(ctx.value);
    if (!check.ok) {
      ctx.issues.push({ code: "custom", input: ctx.value, message: `${check.reason}` });
    } else if (check.partition.id !== partition) {
      const want =
        partition === "aws-eusc"
          ? "an eusc-* region (e.g. eusc-de-east-1)"
          : "an EU region of the aws partition (e.g. eu-central-1)";
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: `region "${ctx.value}" belongs to partition ${check.partition.id}, but this side must be in ${partition}. Fix: use ${want}`,
      });
    }
  });
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,3})$/;

const vpcCidr = z.string().check((ctx) => {
  const m = CIDR.exec(ctx.value);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : -1;
  const fix = "Fix: use a private IPv4 range of /16 to /24 (e.g. 10.20.0.0/16)";
  if (!m || octets.some((o) => o > 255)) {
    ctx.issues.push({ code: "custom", input: ctx.value, message: `"${ctx.value}" is not an IPv4 CIDR block. ${fix}` });
    return;
  }
  const canonical = `${octets.join(".")}/${prefix}`;
  if (canonical !== ctx.value) {
    // Terraform's cidrsubnet and the EC2 API reject leading zeros (some tools read them as octal).
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      message: `"${ctx.value}" has leading zeros, which terraform validate and the EC2 API reject (some tools read them as octal). Fix: write "${canonical}"`,
    });
    return;
  }
  const [a = 0, b = 0] = octets;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (prefix <= 32 && address % 2 ** (32 - prefix) !== 0) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      message: `"${ctx.value}" has host bits set. ${fix.replace("Fix: ", "Fix: write the network address; ")}`,
    });
    return;
  }
  const isPrivate = a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  if (!isPrivate || prefix < 16 || prefix > 24) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      message: `"${ctx.value}" is not a private /16-/24 range. ${fix}`,
    });
  }
});

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

const roleName = z.string().regex(ROLE_NAME, {
  error: (i) =>
    `"${String(i.input)}" is not an IAM role name. Fix: use the name (not the ARN) of the role Terraform deploys with, 1-64 characters of letters, digits and +=,.@_-`,
});

/** A named profile of the AWS shared config files (`~/.aws/config`). */
const profileName = z.string().regex(/^[\w+=,.@:/-]{1,128}$/, {
  error: (i) =>
    `"${String(i.input)}" is not a profile name. Fix: use the name of a profile in ~/.aws/config (letters, digits and +=,.@:/_-), e.g. "eusc-deploy"`,
});

const assumeRole = z.strictObject({
  /** ARN of the role to assume, in this side's partition and account (checked across fields). */
  roleArn: z
    .string()
    .min(1, { error: "roleArn must not be empty. Fix: the ARN of the role Terraform deploys this side with" }),
  /** Role session name, seen in CloudTrail. @default <environment>-deploy */
  sessionName: z
    .string()
    .regex(/^[\w+=,.@-]{2,64}$/, {
      error: (i) => `"${String(i.input)}" is not a role session name. Fix: use 2-64 letters, digits and +=,.@_-`,
    })
    .optional(),
  /** External ID the role's trust policy requires. @default - none */
  externalId: z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/, {
      error:
        "externalId must be 2-1224 characters of letters, digits and +=,.@:/_-. Fix: use the external ID the role's trust policy names",
    })
    .optional(),
  /** Session length in seconds (15 minutes to 12 hours; the role's maximum session duration applies). @default 3600 */
  durationSeconds: z
    .number()
    .int()
    .min(900, { error: "durationSeconds must be at least 900 (15 minutes). Fix: use 900-43200" })
    .max(43200, { error: "durationSeconds must be at most 43200 (12 hours). Fix: use 900-43200" })
    .optional(),
});

/**
 * How Terraform gets credentials for one side: a named profile, and/or a role to assume (with the
 * profile's credentials, or the default chain's). Each partition has its own IAM, so the two sides
 * never share one credential chain (checked across fields).
 */
const credentials = z
  .strictObject({
    profile: profileName.optional(),
    assumeRole: assumeRole.optional(),
  })
  .refine((c) => c.profile !== undefined || c.assumeRole !== undefined, {
    error:
      'credentials name neither a profile nor a role. Fix: add "profile" (a profile in ~/.aws/config) and/or "assumeRole" ({"roleArn": ...})',
  });
export type CredentialsConfig = z.infer<typeof credentials>;

const placementFields = (partition: PartitionId) => ({
  /** The AWS account that holds this side's resources (12 digits, as a string). */
  accountId,
  /** The region; its partition is derived from the name. */
  region: regionOf(partition),
  /** The IAM role Terraform deploys with; it administers the KMS keys of this side. */
  administratorRoleName: roleName,
  /**
   * How Terraform gets credentials in this partition (emitted on this side's provider block).
   * @default - the default credential chain (allowed for one side only)
   */
  credentials: credentials.optional(),
});

const availabilityZones = z
  .array(
    z.string().regex(/^[a-z]{2,4}-[a-z]{2,}-[a-z]+-\d+[a-z]$|^[a-z]{2}-[a-z]+-\d+[a-z]$/, {
      error: (i) => `"${String(i.input)}" is not an availability zone name. Fix: use names such as "eusc-de-east-1a"`,
    }),
  )
  .min(2, {
    error:
      'at least two availability zones are needed for a highly available network. Fix: list two or more, e.g. ["eusc-de-east-1a", "eusc-de-east-1b"]',
  })
  .max(6, { error: "at most six availability zones are supported. Fix: list two to six" });

export const TIERS = ["account", "vpc", "logical"] as const;
export type Tier = (typeof TIERS)[number];

const dataClass = z.strictObject({
  description: text("description", "describe the data class, or remove description").optional(),
  /** Days after which objects of this class expire (current and noncurrent versions). */
  retentionDays: z
    .number({
      error: (issue) =>
        typeof issue.input === "string" && /^\s*\d+\s*$/.test(issue.input)
          ? `retentionDays is the string ${JSON.stringify(issue.input)}, not a number. Fix: write it without quotes, e.g. ${issue.input.trim()}`
          : "retentionDays must be a whole number of days. Fix: write e.g. 365",
    })
    .int({ error: "retentionDays must be a whole number of days. Fix: write e.g. 365" })
    .min(1, { error: "retentionDays must be at least 1. Fix: use 1-36500 days" })
    .max(36500, { error: "retentionDays must be at most 36500 (100 years). Fix: use 1-36500 days" }),
  /**
   * Whether objects of this class may be replicated to the commercial partition (failover).
   * Weakens residency, so it is off unless named.
   */
  allowCrossPartition: z.boolean().default(false),
});
export type DataClassConfig = z.infer<typeof dataClass>;

const tenant = z.strictObject({
  /** Tenant ID: DNS/S3-safe; used in resource names, key aliases, prefixes and tags. */
  id: dnsSafeName("tenant ID", "acme-health", 32),
  /** `account`: own AWS account; `vpc`: own VPC in the platform account; `logical`: shared buckets, own key. */
  tier: z.enum(TIERS, {
    error: (issue) => `tier ${JSON.stringify(issue.input)} is not known. Fix: use one of ${TIERS.join(", ")}`,
  }),
  displayName: text("displayName", "give the tenant's name as people know it, or remove displayName").optional(),
  /** Root e-mail of the tenant's account (tier `account` only). */
  accountEmail: z
    .email({ error: "accountEmail is not an e-mail address. Fix: use the address that will own the tenant account" })
    .optional(),
  /**
   * ID of the tenant's account once it exists (tier `account` only). The first deployment creates
   * the account; naming its ID then deploys the tenant's resources into it.
   */
  accountId: accountId.optional(),
  /** CIDR of the tenant's VPC (tier `vpc` only). */
  vpcCidr: vpcCidr.optional(),
  /** Data classes this tenant stores; default: all declared classes. */
  dataClasses: z.array(z.string()).optional(),
});
export type TenantConfig = z.infer<typeof tenant>;

const relativePath = z.string().check((ctx) => {
  const normalized = posix.normalize(ctx.value.replace(/\\/g, "/"));
  if (ctx.value.trim() === "") {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      message: `state path is empty, so Terraform would have no state file. Fix: name a file relative to the project root (e.g. "state/example.tfstate"), or remove path for the default`,
    });
  } else if (ctx.value.startsWith("/") || /^[A-Za-z]:[\\/]/.test(ctx.value)) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      message: `state path "${ctx.value}" is absolute, which makes the synthesized output differ per machine. Fix: use a path relative to the project root (e.g. "state/example.tfstate")`,
    });
  } else if (normalized === ".." || normalized.startsWith("../")) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      message: `state path "${ctx.value}" leads out of the project, so the state would depend on what lies beside the checkout. Fix: keep it inside the project (e.g. "state/example.tfstate")`,
    });
  } else if (
    ctx.value.endsWith("/") ||
    ctx.value.endsWith("\\") ||
    normalized === "." ||
    ctx.value !== ctx.value.trim()
  ) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      message: `state path "${ctx.value}" names a folder or has surrounding spaces, not a state file. Fix: name the file (e.g. "state/example.tfstate")`,
    });
  } else if (ctx.value.split(/[\\/]/).includes("cdktf.out")) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      message: `state path "${ctx.value}" lies inside cdktf.out, which every synth replaces. Fix: keep state outside it (e.g. "state/example.tfstate")`,
    });
  }
});

const S3_BUCKET = /^(?!xn--)(?!sthree-)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const backend = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("local"),
      /** State file path, relative to the project root. @default state/<environment>.tfstate */
      path: relativePath.optional(),
    }),
    z.strictObject({
      type: z.literal("s3"),
      /**
       * State bucket in the sovereign region; name it together with kmsKeyId.
       * @default the bootstrap stack's bucket, <environment>-tfstate-<sovereign accountId>
       */
      bucket: z
        .string()
        .regex(S3_BUCKET, {
          error: (i) =>
            `"${String(i.input)}" is not a valid S3 bucket name. Fix: use 3-63 lowercase letters, digits, dots and hyphens`,
        })
        .optional(),
      /** Object key of the state file. @default platform/<environment>.tfstate */
      key: z
        .string()
        .min(1, { error: 'key must not be empty. Fix: e.g. "platform/example.tfstate"' })
        .check((ctx) => {
          if (
            ctx.value.startsWith("/") ||
            ctx.value.endsWith("/") ||
            ctx.value.split("/").some((s) => s === "." || s === "..")
          ) {
            ctx.issues.push({
              code: "custom",
              input: ctx.value,
              message: `state key "${ctx.value}" starts or ends with "/" or holds "." or ".." segments, which S3 keeps literally as a different object. Fix: write a plain key, e.g. "platform/example.tfstate"`,
            });
          }
        })
        .optional(),
      /**
       * KMS key (ARN in the sovereign partition, or `alias/...`) that encrypts the state; name it
       * together with bucket.
       * @default the bootstrap stack's key, by its alias ARN (alias/<environment>/terraform-state)
       */
      kmsKeyId: z
        .string()
        .min(1, {
          error:
            "kmsKeyId must not be empty. Fix: the key's arn:aws-eusc:kms:... ARN or alias/<name>, or remove it (and bucket)",
        })
        .optional(),
    }),
  ],
  {
    error: (issue) =>
      issue.code === "invalid_union"
        ? `backend type ${JSON.stringify((issue.input as { type?: unknown } | undefined)?.type)} is not known. Fix: use "local" or "s3"`
        : undefined,
  },
);
export type BackendConfig = z.infer<typeof backend>;

const origin = z.string().check((ctx) => {
  const fix = 'Fix: write the scheme and host only, e.g. "https://app.example.org"';
  let url: URL | undefined;
  try {
    url = new URL(ctx.value);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.protocol !== "https:" || url.origin !== ctx.value || ctx.value.includes("*")) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      message: `"${ctx.value}" is not an https origin (no path, no trailing slash, no wildcard). ${fix}`,
    });
  }
});

const DISCOVERY_SUFFIX = "/.well-known/openid-configuration";

/** Lifetime of pre-signed downloads in seconds: 10-300, 300 by default (the read API and its standby). */
const downloadExpirySeconds = z
  .number()
  .int()
  .min(10, { error: "downloadExpirySeconds must be at least 10. Fix: use 10-300" })
  .max(300, {
    error: "downloadExpirySeconds must be at most 300: pre-signed downloads are short-lived. Fix: use 10-300",
  })
  .default(300);

const issuerUrl = z
  .url({
    protocol: /^https$/,
    error: (i) =>
      `issuer "${String(i.input)}" must be an https URL. Fix: use the OIDC issuer URL exactly as it appears in the token's "iss" claim (https://...)`,
  })
  .check((ctx) => {
    const value = ctx.value;
    if (value.replace(/\/+$/, "").endsWith(DISCOVERY_SUFFIX)) {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: `issuer "${value}" is the discovery document's URL, not the issuer: tokens carry the issuer in "iss", and it never matches. Fix: write "${value.replace(/\/+$/, "").slice(0, -DISCOVERY_SUFFIX.length)}"`,
      });
    } else if (/[?#]/.test(value)) {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: `issuer "${value}" has a query or fragment, which an OIDC issuer never has. Fix: use the issuer URL exactly as in the token's "iss" claim`,
      });
    }
  });

function functionSizing(defaults: { reservedConcurrency: number; memorySizeMb: number; timeoutSeconds: number }) {
  return z
    .strictObject({
      /** Concurrent executions reserved (and capped) for the function. */
      reservedConcurrency: z.number().int().min(1).max(1000).default(defaults.reservedConcurrency),
      memorySizeMb: z.number().int().min(128).max(10240).default(defaults.memorySizeMb),
      timeoutSeconds: z.number().int().min(1).max(900).default(defaults.timeoutSeconds),
    })
    .default(defaults);
}

/** A role ARN of the sovereign partition. */
const SOVEREIGN_ROLE_ARN = new RegExp(`^${arnPrefix(PARTITIONS["aws-eusc"])}iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$`);

export const deploymentSchema = z.strictObject({
  $schema: z.string().optional(),
  /** Environment name: the stack name and a prefix of every resource name. */
  environment: dnsSafeName("environment", "prod", 16),
  partitions: z.strictObject({
    sovereign: z.strictObject({
      ...placementFields("aws-eusc"),
      /** The platform's VPC in the sovereign region (private subnets only). */
      network: z.strictObject({
        vpcCidr,
        /** Zones for the private subnets, named in configuration (no lookup at plan time). */
        availabilityZones,
        /**
         * The zone of the controlled egress path (NAT gateway and network firewall) that the sync
         * functions use when a data class crosses partitions. One of availabilityZones.
         * @default the first of availabilityZones
         */
        egressZone: z.string().optional(),
      }),
      /**
       * The role that AWS Organizations creates in each account-tier tenant's account, which the
       * tenant-account providers assume (with this side's profile, when it has one). Set it before the
       * accounts are created: Organizations uses it when it creates an account.
       * @default OrganizationAccountAccessRole
       */
      tenantAccountRoleName: roleName.default("OrganizationAccountAccessRole"),
    }),
    commercial: z.strictObject(placementFields("aws")),
  }),
  dataClasses: z.record(dnsSafeName("data class", "avatars-clean", 24), dataClass),
  tenants: z.array(tenant),
  backend: backend.default({ type: "local" }),
  /**
   * Guardrail findings accepted on purpose: rule ID, resource address, reason. Loading rejects a
   * missing or blank reason, an unknown rule, an unsuppressible one (residency rules, SIP-OUT-1) and
   * repeats (validate.ts); the checker (`make check`) also reports unused ones. @default none
   */
  suppressions: z.array(suppressionInputSchema).default([]),
  /** Sizing of the platform's functions. Every field has a default. */
  functions: z
    .strictObject({
      upload: functionSizing({ reservedConcurrency: 10, memorySizeMb: 256, timeoutSeconds: 10 }),
      /** The download function (the read API: listings and pre-signed GETs of clean objects). */
      download: functionSizing({ reservedConcurrency: 10, memorySizeMb: 256, timeoutSeconds: 10 }),
      /** The signing function: reads the whole object to hash it, so longer than the read API. */
      signing: functionSizing({ reservedConcurrency: 5, memorySizeMb: 256, timeoutSeconds: 60 }),
      scrub: functionSizing({ reservedConcurrency: 5, memorySizeMb: 1024, timeoutSeconds: 120 }),
      /** The document scrub function: holds a document in memory several times over. */
      documentScrub: functionSizing({ reservedConcurrency: 5, memorySizeMb: 2048, timeoutSeconds: 300 }),
      /** The webhook sender: waits on tenants' endpoints (15 s per attempt), batches of ten. */
      webhooks: functionSizing({ reservedConcurrency: 5, memorySizeMb: 256, timeoutSeconds: 60 }),
      /** The cross-partition sync: bounded memory (one part buffer), long enough for a 1 GiB object. */
      sync: functionSizing({ reservedConcurrency: 5, memorySizeMb: 512, timeoutSeconds: 600 }),
      /** The data-subject requests' API, approval and certificate functions: short calls. */
      subjectRequests: functionSizing({ reservedConcurrency: 2, memorySizeMb: 256, timeoutSeconds: 30 }),
      /** The data-subject requests' export and erasure: streams every version of a subject's objects. */
      subjectRequestRun: functionSizing({ reservedConcurrency: 2, memorySizeMb: 1024, timeoutSeconds: 900 }),
    })
    .default({
      upload: { reservedConcurrency: 10, memorySizeMb: 256, timeoutSeconds: 10 },
      download: { reservedConcurrency: 10, memorySizeMb: 256, timeoutSeconds: 10 },
      signing: { reservedConcurrency: 5, memorySizeMb: 256, timeoutSeconds: 60 },
      scrub: { reservedConcurrency: 5, memorySizeMb: 1024, timeoutSeconds: 120 },
      documentScrub: { reservedConcurrency: 5, memorySizeMb: 2048, timeoutSeconds: 300 },
      webhooks: { reservedConcurrency: 5, memorySizeMb: 256, timeoutSeconds: 60 },
      sync: { reservedConcurrency: 5, memorySizeMb: 512, timeoutSeconds: 600 },
      subjectRequests: { reservedConcurrency: 2, memorySizeMb: 256, timeoutSeconds: 30 },
      subjectRequestRun: { reservedConcurrency: 2, memorySizeMb: 1024, timeoutSeconds: 900 },
    }),
  /**
   * The one-directional trust that lets the sovereign side write to the commercial failover
   * buckets: IAM Roles Anywhere in the commercial partition, trusting the platform's CA.
   * Required when a data class allows cross-partition replication.
   */
  /**
   * The signing service (issue 19): `POST /v1/objects/{id}/signatures` on the upload API signs the
   * caller's consent to one of their clean objects with an asymmetric KMS key and keeps the signed
   * evidence in a bucket under COMPLIANCE object lock. Needs the upload pipeline. @default - none
   */
  signing: z
    .strictObject({
      /** Days every evidence record is locked (COMPLIANCE: nobody can delete it earlier) and kept. @default 3650 */
      evidenceRetentionDays: z
        .number()
        .int()
        .min(365, {
          error: "evidenceRetentionDays must be at least 365: signed evidence outlives a year. Fix: use 365-3650",
        })
        .max(3650, {
          error:
            "evidenceRetentionDays must be at most 3650: the guardrails keep nothing longer than ten years (SIP-S3-7). Fix: use 365-3650",
        })
        .default(3650),
    })
    .optional(),
  /**
   * Data-subject requests (issue 18, GDPR articles 15 and 17): operators file export and erasure
   * requests through an IAM-authorised API, a second operator approves, a state machine exports or
   * erases the subject's objects in both partitions and stores a signed certificate in the evidence
   * bucket. Needs `signing` (its evidence bucket and key) and an upload pipeline. @default - none
   */
  subjectRequests: z
    .strictObject({
      /** Days a request waits for its approval before it expires (nothing is run). @default 30 */
      approvalTimeoutDays: z
        .number()
        .int()
        .min(1, { error: "approvalTimeoutDays must be at least 1. Fix: use 1-90" })
        .max(90, {
          error:
            "approvalTimeoutDays must be at most 90: GDPR gives a month to answer, three with an extension. Fix: use 1-90",
        })
        .default(30),
      /** Lifetime of the export's pre-signed download (the archive's URL), 1-300 s. @default 300 */
      exportUrlExpirySeconds: z
        .number()
        .int()
        .min(1, { error: "exportUrlExpirySeconds must be at least 1. Fix: use 1-300" })
        .max(300, {
          error:
            "exportUrlExpirySeconds must be at most 300: the archive holds all of a subject's data. Fix: use 1-300",
        })
        .default(300),
      /** Days an export archive stays in the requests bucket before it expires. @default 7 */
      exportRetentionDays: z
        .number()
        .int()
        .min(1, { error: "exportRetentionDays must be at least 1. Fix: use 1-30" })
        .max(30, {
          error: "exportRetentionDays must be at most 30: an archive is a copy of a subject's data. Fix: use 1-30",
        })
        .default(7),
    })
    .optional(),
  crossPartition: z
    .strictObject({
      /** The platform CA's certificate (PEM, public), relative to this configuration file. */
      caCertificateFile: text(
        "caCertificateFile",
        "give the path of the platform CA's certificate (PEM), relative to this file",
      ),
      /** Common name in the sync workload's leaf certificate; the role admits only this subject. */
      workloadCommonName: z.string().regex(/^[A-Za-z0-9.@_-](?:[A-Za-z0-9 .@_-]{0,62}[A-Za-z0-9.@_-])?$/, {
        error: (i) =>
          `"${String(i.input)}" is not a usable certificate common name. Fix: 1-64 letters, digits, spaces and .@_-, not starting or ending with a space`,
      }),
      /** Lifetime of the sessions Roles Anywhere issues (900-43200 s). @default 3600 */
      sessionDurationSeconds: z
        .number()
        .int()
        .min(900, { error: "sessionDurationSeconds must be at least 900. Fix: use 900-43200" })
        .max(43200, { error: "sessionDurationSeconds must be at most 43200 (12 hours). Fix: use 900-43200" })
        .default(3600),
      /** Days before a CA or leaf certificate expires that Roles Anywhere starts warning. @default 45 */
      expiryWarningDays: z.number().int().min(1).max(360).default(45),
      /**
       * The commercial standby (issue 17, item 2; docs/cross-partition.md §7): the read API's GET
       * routes and the download function, deployed with the commercial provider in a VPC of their
       * own, serving the replicas of upload.cleanDataClass (which must cross) from its failover bucket
       * while the sovereign partition is unreachable. Reads only: no uploads. With `dns`, the failover
       * record gets its SECONDARY, this API. @default - no standby: nothing serves the replicas
       */
      standby: z
        .strictObject({
          /** The standby API's own JWT authorizer: the issuer and audience of the tokens it accepts. */
          oidc: z.strictObject({
            issuer: issuerUrl,
            audience: text(
              "audience",
              'use the client ID your identity provider puts in the token\'s "aud" claim for the standby',
            ),
          }),
          /** Lifetime of the standby's pre-signed downloads in seconds; at most 300. @default 300 */
          downloadExpirySeconds,
          /** The standby's VPC in the commercial region (private subnets only, S3 and KMS endpoints). */
          network: z.strictObject({
            vpcCidr,
            /** Zones of the commercial region for the private subnets, named in configuration. */
            availabilityZones,
          }),
          /**
           * Outage uploads, a named residency weakening: during a sovereign outage the standby API
           * accepts uploads (originals of the upload class, which may not cross) into a commercial
           * inbox bucket, and failback brings them home into the sovereign originals bucket
           * (docs/cross-partition.md §7). @default - no outage uploads: the standby only reads
           */
          outageUploads: z
            .strictObject({
              /**
               * Days the inbox keeps an upload that failback never brought home (current and
               * noncurrent versions). At most the upload class's retentionDays.
               * @default - the upload class's retentionDays
               */
              retentionDays: z
                .number({ error: "outageUploads.retentionDays must be a whole number of days. Fix: use 1 or more" })
                .int({ error: "outageUploads.retentionDays must be a whole number of days. Fix: use 1 or more" })
                .min(1, { error: "outageUploads.retentionDays must be at least 1. Fix: use 1 or more" })
                .optional(),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
  upload: z.strictObject({
    /**
     * Web origins whose pages may upload from the browser (CORS), e.g. "https://app.example.org".
     * @default none: no browser uploads
     */
    allowedOrigins: z.array(origin).default([]),
    /** Data classes that accept uploads; their buckets get the CORS rule. @default none */
    dataClasses: z
      .array(z.string())
      .max(1, {
        error:
          'one upload data class is supported for now (the upload function serves one bucket). Fix: list one, e.g. ["avatars-original"]',
      })
      .default([]),
    /** The data class whose bucket receives the scrubbed uploads (required with dataClasses). */
    cleanDataClass: z.string().optional(),
    /**
     * Content types clients may declare: those the scrubber rewrites (SCRUBBED_CONTENT_TYPES); it
     * still checks the bytes.
     */
    allowedContentTypes: z
      .array(
        z.enum(SCRUBBED_CONTENT_TYPES, {
          error: (issue) =>
            `${typeof issue.input === "string" && /^[a-z]+\/[a-z0-9.+-]+$/.test(issue.input) ? `"${issue.input}" cannot be scrubbed` : `${JSON.stringify(issue.input)} is not a media type the scrubber knows`}: the scrubber rewrites only ${SCRUBBED_CONTENT_TYPES.join(", ")}, and rejects every other upload. Fix: list only those (lowercase)`,
        }),
      )
      .min(1, {
        error: `allowedContentTypes is empty, so no upload could be accepted. Fix: list some of ${SCRUBBED_CONTENT_TYPES.join(", ")}, or remove it for all of them`,
      })
      .default([...SCRUBBED_CONTENT_TYPES]),
    /** Largest upload in bytes (1 byte to 5 GiB). @default 10 MiB */
    maxSizeBytes: z
      .number()
      .int()
      .min(1)
      .max(5 * 1024 ** 3, { error: "maxSizeBytes must be at most 5 GiB (5368709120). Fix: lower it" })
      .default(10 * 1024 ** 2),
    /** Lifetime of pre-signed uploads in seconds; at most 300. @default 300 */
    expirySeconds: z
      .number()
      .int()
      .min(10, { error: "expirySeconds must be at least 10. Fix: use 10-300" })
      .max(300, { error: "expirySeconds must be at most 300: pre-signed uploads are short-lived. Fix: use 10-300" })
      .default(300),
    /**
     * Lifetime of pre-signed downloads of clean objects (the read API) in seconds; at most 300.
     * @default 300
     */
    downloadExpirySeconds,
    oidc: z.strictObject({
      issuer: issuerUrl,
      audience: text("audience", 'use the client ID your identity provider puts in the token\'s "aud" claim'),
    }),
  }),
  /**
   * The upload API's custom domain and DNS failover (issue 17, item 3): a public hosted zone of the
   * commercial partition's Route 53 (named by its ID), ACM certificates validated by DNS in that
   * zone, a health check of the sovereign API's `GET /health`, and the failover record
   * `<apiHostName>.<zoneName>` (PRIMARY: the sovereign API; SECONDARY, with crossPartition.standby:
   * the commercial standby API). Needs the image upload pipeline. @default - none
   */
  dns: dnsSchema.optional(),
  /**
   * Access hygiene in the platform account: the IAM account password policy and the read-only
   * forensics role `<env>-forensics` (MFA required, one-hour sessions, no object or secret reads).
   * @default - the forensics role trusts the sovereign administrator role
   */
  access: z
    .strictObject({
      /** Who may assume the forensics role (with MFA): role ARNs of the sovereign partition. @default the administrator role */
      forensicsPrincipals: z
        .array(
          z.string().regex(SOVEREIGN_ROLE_ARN, {
            error: (i) =>
              `${JSON.stringify(i.input)} is not a role ARN of the sovereign partition. Fix: write ${arnPrefix(PARTITIONS["aws-eusc"])}iam::<account>:role/<name>`,
          }),
        )
        .default([]),
    })
    .default({ forensicsPrincipals: [] }),
  /**
   * Run-time security alarms over the sovereign audit trail (modules/security-alarms): KMS keys
   * disabled or scheduled for deletion, key and bucket policy changes, mass deletion, root use, IAM
   * policy and trail changes, and a message in any dead-letter queue, to an encrypted SNS topic.
   * Always deployed; this says who hears them. @default - no subscribers, 100 deletes per minute
   */
  alarms: z
    .strictObject({
      /** E-mail addresses subscribed to the alarm topic (each confirms its subscription). @default none */
      subscribers: z
        .array(
          z.email({
            error: (i) => `${JSON.stringify(i.input)} is not an e-mail address. Fix: write it as name@example.org`,
          }),
        )
        .default([]),
      /** Successful S3 delete requests per minute, over the recorded buckets, that raise the mass-deletion alarm. @default 100 */
      massDeletionPerMinute: z
        .number()
        .int()
        .min(1, { error: "massDeletionPerMinute must be at least 1. Fix: use 1-100000" })
        .max(100000, { error: "massDeletionPerMinute must be at most 100000. Fix: use 1-100000" })
        .default(100),
    })
    .default({ subscribers: [], massDeletionPerMinute: 100 }),
  /**
   * Scanned documents (PDF): uploaded into their own data class through the documents API
   * (`<env>-documents`: the upload API's routes, OIDC issuer, origins and expiries), sanitized by
   * the document scrub function into a clean class, or quarantined with a reason; with `signing`,
   * the signing service signs these documents. @default - none
   */
  documents: z
    .strictObject({
      /** The data class documents are uploaded into (like upload.dataClasses). */
      dataClass: z.string(),
      /** The data class sanitized documents go to (like upload.cleanDataClass). */
      cleanDataClass: z.string(),
      /** Largest document in bytes; the scrubber holds it in memory (1 byte to 256 MiB). @default 64 MiB */
      maxSizeBytes: z
        .number()
        .int()
        .min(1)
        .max(256 * 1024 ** 2, {
          error:
            "documents.maxSizeBytes must be at most 256 MiB (268435456): the document scrubber holds a document in memory several times. Fix: lower it",
        })
        .default(64 * 1024 ** 2),
      /** Most pages a document may have. @default 1000 */
      maxPages: z
        .number()
        .int()
        .min(1, { error: "documents.maxPages must be at least 1. Fix: use 1-10000" })
        .max(10000, { error: "documents.maxPages must be at most 10000. Fix: use 1-10000" })
        .default(1000),
      /**
       * Tenants' webhook endpoints, tenant ID → https URL: document events (scrubbed, quarantined,
       * signed) are delivered there, signed with the tenant's secret (Secrets Manager
       * `<env>/webhooks/<tenant>`, stored by an operator), through the controlled egress path, whose
       * firewall passes each endpoint's host. @default none
       */
      webhooks: z.record(z.string(), z.string()).default({}),
    })
    .optional(),
});

export type DeploymentConfig = z.infer<typeof deploymentSchema>;
export type DeploymentInput = z.input<typeof deploymentSchema>;
