/**
 * Rules that relate several fields of a deployment configuration. They run on the raw input, next to
 * the schema, so that one run reports every problem, including those in parts the schema rejected.
 */
import { derivedNameProblems } from "./derived-names";
import { dnsProblems } from "./dns";
import { arnPrefix, checkEuRegion, PARTITIONS, partitionOfRegion } from "./partitions";
import { RULE_SUPPRESSIBLE } from "./rule-ids";
import { standbyProblems } from "./standby";
import { zoneListProblems } from "./zones";
import { documentProblems } from "./validate-documents";

export interface ConfigProblem {
  /** Where: `tenants[2].id`, `partitions.sovereign.region`, or `(root)`. */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

export function crossFieldProblems(input: unknown): ConfigProblem[] {
  if (!isObject(input)) return [];
  const declaredClasses = isObject(input.dataClasses) ? Object.keys(input.dataClasses) : undefined;
  return [
    ...declaredClassProblems(declaredClasses),
    ...tenantFieldProblems(input, declaredClasses),
    ...platformAccountProblems(input),
    ...availabilityZoneProblems(input),
    ...uploadClassProblems(input, declaredClasses),
    ...uploadTenantProblems(input, declaredClasses),
    ...documentProblems(input, declaredClasses),
    ...dnsProblems(input),
    ...crossPartitionProblems(input),
    ...standbyProblems(input),
    ...credentialProblems(input),
    ...repeatedEntryProblems(input),
    ...tenantAccountProblems(input),
    ...suppressionProblems(input),
    ...derivedNameProblems(input),
    ...backendProblems(input),
  ];
}

/** At least one data class. */
function declaredClassProblems(declaredClasses: readonly string[] | undefined): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (declaredClasses !== undefined && declaredClasses.length === 0) {
    problems.push({
      path: "dataClasses",
      message: 'no data class is declared. Fix: declare at least one, e.g. "avatars-clean": { "retentionDays": 365 }',
    });
  }
  return problems;
}

/** Per tenant: a unique ID, the fields its tier needs and no field of another tier, declared data classes. */
function tenantFieldProblems(input: Raw, declaredClasses: readonly string[] | undefined): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (Array.isArray(input.tenants)) {
    const firstIndexOf = new Map<string, number>();
    input.tenants.forEach((tenant, i) => {
      if (!isObject(tenant)) return;
      const at = `tenants[${i}]`;
      if (typeof tenant.id === "string") {
        const first = firstIndexOf.get(tenant.id);
        if (first === undefined) firstIndexOf.set(tenant.id, i);
        else
          problems.push({
            path: `${at}.id`,
            message: `tenant ID "${tenant.id}" is already used by tenants[${first}]. Fix: give every tenant a unique ID`,
          });
      }
      if (tenant.tier === "account" && tenant.accountEmail === undefined) {
        problems.push({
          path: `${at}.accountEmail`,
          message:
            'tier "account" creates an AWS account, which needs a root e-mail address. Fix: add "accountEmail", or choose tier "vpc" or "logical"',
        });
      }
      if (tenant.tier !== "account" && tenant.accountEmail !== undefined) {
        problems.push({
          path: `${at}.accountEmail`,
          message: `accountEmail applies only to tier "account", but the tier is ${JSON.stringify(tenant.tier)}. Fix: remove accountEmail or set tier "account"`,
        });
      }
      if (tenant.tier !== "account" && tenant.accountId !== undefined) {
        problems.push({
          path: `${at}.accountId`,
          message: `accountId applies only to tier "account", but the tier is ${JSON.stringify(tenant.tier)}. Fix: remove accountId or set tier "account"`,
        });
      }
      if (tenant.tier === "vpc" && tenant.vpcCidr === undefined) {
        problems.push({
          path: `${at}.vpcCidr`,
          message:
            'tier "vpc" gives the tenant its own VPC, which needs an address range. Fix: add "vpcCidr" (e.g. "10.20.0.0/16")',
        });
      }
      if (tenant.tier !== "vpc" && tenant.vpcCidr !== undefined) {
        problems.push({
          path: `${at}.vpcCidr`,
          message: `vpcCidr applies only to tier "vpc", but the tier is ${JSON.stringify(tenant.tier)}. Fix: remove vpcCidr or set tier "vpc"`,
        });
      }
      if (Array.isArray(tenant.dataClasses) && declaredClasses !== undefined) {
        tenant.dataClasses.forEach((name, j) => {
          if (typeof name === "string" && !declaredClasses.includes(name)) {
            problems.push({
              path: `${at}.dataClasses[${j}]`,
              message: `data class "${name}" is not declared. Fix: use one of ${declaredClasses.join(", ")}, or declare it under "dataClasses"`,
            });
          }
        });
      }
    });
  }
  return problems;
}

/** The sovereign side's placement, when the configuration has one. */
const sovereignPlacement = (input: Raw): Raw | undefined =>
  isObject(input.partitions) && isObject(input.partitions.sovereign) ? input.partitions.sovereign : undefined;

/** A tenant's own account is none of the platform's. */
function platformAccountProblems(input: Raw): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const sovereign = sovereignPlacement(input);
  if (Array.isArray(input.tenants)) {
    const platformAccounts = [
      sovereign?.accountId,
      isObject(input.partitions) && isObject(input.partitions.commercial)
        ? input.partitions.commercial.accountId
        : undefined,
    ];
    input.tenants.forEach((tenant, i) => {
      if (isObject(tenant) && typeof tenant.accountId === "string" && platformAccounts.includes(tenant.accountId)) {
        problems.push({
          path: `tenants[${i}].accountId`,
          message: `"${tenant.accountId}" is a platform account; a tenant of tier "account" has its own. Fix: use the ID of the account created for this tenant`,
        });
      }
    });
  }
  return problems;
}

/** The sovereign network's zones: each once, in the sovereign region; the egress zone among them. */
function availabilityZoneProblems(input: Raw): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const sovereign = sovereignPlacement(input);
  const sovereignRegionValid =
    typeof sovereign?.region === "string" &&
    checkEuRegion(sovereign.region).ok &&
    partitionOfRegion(sovereign.region).id === "aws-eusc";
  if (
    sovereign &&
    sovereignRegionValid &&
    isObject(sovereign.network) &&
    Array.isArray(sovereign.network.availabilityZones)
  ) {
    problems.push(
      ...zoneListProblems(
        sovereign.network.availabilityZones,
        sovereign.region as string,
        "sovereign",
        "partitions.sovereign.network.availabilityZones",
      ),
    );
    const egressZone = sovereign.network.egressZone;
    if (egressZone !== undefined && !sovereign.network.availabilityZones.includes(egressZone)) {
      problems.push({
        path: "partitions.sovereign.network.egressZone",
        message: `egress zone ${JSON.stringify(egressZone)} is not one of availabilityZones. Fix: use one of ${sovereign.network.availabilityZones.map((z) => JSON.stringify(z)).join(", ")}`,
      });
    }
  }
  return problems;
}

/** Upload classes and the clean class: declared, distinct, and none that crosses partitions. */
function uploadClassProblems(input: Raw, declaredClasses: readonly string[] | undefined): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const upload = isObject(input.upload) ? input.upload : undefined;
  if (upload && Array.isArray(upload.dataClasses) && declaredClasses !== undefined) {
    upload.dataClasses.forEach((name, i) => {
      if (typeof name === "string" && !declaredClasses.includes(name)) {
        problems.push({
          path: `upload.dataClasses[${i}]`,
          message: `data class "${name}" is not declared. Fix: use one of ${declaredClasses.join(", ")}`,
        });
      }
    });
  }
  if (
    isObject(input.signing) &&
    !isObject(input.documents) &&
    !(upload && Array.isArray(upload.dataClasses) && upload.dataClasses.length > 0)
  ) {
    problems.push({
      path: "signing",
      message:
        "the signing service signs the callers' clean documents, but neither documents nor an upload pipeline is configured. Fix: configure documents (or upload.dataClasses and upload.cleanDataClass), or remove signing",
    });
  }
  if (isObject(input.subjectRequests) && !isObject(input.signing)) {
    problems.push({
      path: "subjectRequests",
      message:
        'data-subject requests end with a certificate signed by the evidence key and locked in the evidence bucket, which "signing" configures. Fix: add "signing": {} (or remove subjectRequests)',
    });
  }
  if (upload && Array.isArray(upload.dataClasses) && upload.dataClasses.length > 0) {
    if (typeof upload.cleanDataClass !== "string") {
      problems.push({
        path: "upload.cleanDataClass",
        message:
          'uploads are scrubbed into another data class\'s bucket, but none is named. Fix: add "cleanDataClass" (e.g. "avatars-clean")',
      });
    } else if (declaredClasses !== undefined && !declaredClasses.includes(upload.cleanDataClass)) {
      problems.push({
        path: "upload.cleanDataClass",
        message: `data class "${upload.cleanDataClass}" is not declared. Fix: use one of ${declaredClasses.join(", ")}`,
      });
    } else if (upload.dataClasses.includes(upload.cleanDataClass)) {
      problems.push({
        path: "upload.cleanDataClass",
        message: `"${upload.cleanDataClass}" also accepts uploads, so unscrubbed objects would land among scrubbed ones. Fix: name a data class that is not in upload.dataClasses`,
      });
    }
  }
  // An upload class that crosses would replicate unscrubbed originals (EXIF, GPS), and its bucket would
  // need two notification configurations (scrub and sync), of which S3 keeps one.
  if (upload && Array.isArray(upload.dataClasses) && isObject(input.dataClasses)) {
    const classes = input.dataClasses;
    upload.dataClasses.forEach((name, i) => {
      const declared = typeof name === "string" ? classes[name] : undefined;
      if (isObject(declared) && declared.allowCrossPartition === true) {
        problems.push({
          path: `upload.dataClasses[${i}]`,
          message: `data class "${name}" accepts uploads and sets allowCrossPartition: unscrubbed originals would be replicated to the commercial partition, and its bucket would need a second event notification (scrub and sync), of which S3 keeps only one. Fix: set dataClasses.${name}.allowCrossPartition to false and let upload.cleanDataClass cross instead`,
        });
      }
    });
  }
  return problems;
}

/** What uploading needs besides its classes: tenants that hold the pipeline's classes, allowed origins. */
function uploadTenantProblems(input: Raw, declaredClasses: readonly string[] | undefined): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const upload = isObject(input.upload) ? input.upload : undefined;
  // Every tenant's uploads are encrypted with its own key and written by its role, which reaches
  // only the shared buckets of the tenant's data classes.
  if (upload && Array.isArray(upload.dataClasses) && upload.dataClasses.length > 0 && Array.isArray(input.tenants)) {
    const pipelineClasses = [
      ...upload.dataClasses,
      ...(typeof upload.cleanDataClass === "string" ? [upload.cleanDataClass] : []),
    ].filter((c): c is string => typeof c === "string" && (declaredClasses ?? []).includes(c));
    input.tenants.forEach((tenant, i) => {
      if (!isObject(tenant) || !Array.isArray(tenant.dataClasses)) return;
      const missing = pipelineClasses.filter((c) => !(tenant.dataClasses as unknown[]).includes(c));
      if (missing.length > 0) {
        problems.push({
          path: `tenants[${i}].dataClasses`,
          message: `a ${String(tenant.tier)}-tier tenant uploads through the upload API as its own role, under its own key, into the buckets of ${pipelineClasses.join(" and ")}; its dataClasses lack ${missing.join(", ")}. Fix: add ${missing.map((m) => JSON.stringify(m)).join(", ")}, or leave dataClasses out (all classes)`,
        });
      }
    });
  }
  if (
    upload &&
    Array.isArray(upload.dataClasses) &&
    upload.dataClasses.length > 0 &&
    (!Array.isArray(upload.allowedOrigins) || upload.allowedOrigins.length === 0)
  ) {
    problems.push({
      path: "upload.allowedOrigins",
      message:
        "upload.dataClasses accept browser uploads, but no origin may send them. Fix: list the web origins of your upload pages, or remove upload.dataClasses",
    });
  }
  return problems;
}

/** Crossing data classes need the Roles Anywhere trust, and names that fit. */
function crossPartitionProblems(input: Raw): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (isObject(input.dataClasses) && input.crossPartition === undefined) {
    const crossing = Object.entries(input.dataClasses)
      .filter(([, dc]) => isObject(dc) && dc.allowCrossPartition === true)
      .map(([name]) => name);
    if (crossing.length > 0) {
      problems.push({
        path: "crossPartition",
        message: `data classes ${crossing.join(", ")} allow cross-partition replication, which needs the Roles Anywhere trust. Fix: add "crossPartition" with caCertificateFile and workloadCommonName, or set allowCrossPartition to false`,
      });
    }
  }

  // Each crossing class's sync certificate has CN <workloadCommonName>-<class>, and its commercial role
  // is <environment>-cross-partition-sync-<class>: both at most 64 characters.
  if (
    isObject(input.dataClasses) &&
    isObject(input.crossPartition) &&
    typeof input.crossPartition.workloadCommonName === "string"
  ) {
    const base = input.crossPartition.workloadCommonName;
    const environment = typeof input.environment === "string" ? input.environment : "";
    const crossing = Object.entries(input.dataClasses)
      .filter(([, dc]) => isObject(dc) && dc.allowCrossPartition === true)
      .map(([name]) => name);
    const tooLong = crossing.filter(
      (c) => `${base}-${c}`.length > 64 || `${environment}-cross-partition-sync-${c}`.length > 64,
    );
    if (tooLong.length > 0) {
      problems.push({
        path: "crossPartition.workloadCommonName",
        message: `the certificate CN "${base}-<class>" or the role name "${environment}-cross-partition-sync-<class>" would exceed 64 characters for ${tooLong.join(", ")}. Fix: shorten workloadCommonName, the environment name or the data class name`,
      });
    }
  }
  return problems;
}

/** The S3 backend: a bucket of one's own with its key, and a key of the sovereign partition. */
function backendProblems(input: Raw): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const backend = input.backend;
  if (isObject(backend) && backend.type === "s3") {
    // The bootstrap stack's bucket denies writes with any other key, and its key belongs to its bucket.
    if (backend.bucket !== undefined && backend.kmsKeyId === undefined) {
      problems.push({
        path: "backend.kmsKeyId",
        message: `backend.bucket names a state bucket of your own, but kmsKeyId is missing, so the state would be encrypted with the bootstrap stack's key, which belongs to the bootstrap stack's bucket. Fix: add the kmsKeyId of your bucket's key, or remove bucket (and kmsKeyId) to use the bootstrap stack's bucket and key`,
      });
    }
    if (backend.bucket === undefined && backend.kmsKeyId !== undefined) {
      problems.push({
        path: "backend.bucket",
        message: `backend.kmsKeyId names a key, but bucket is missing, so the state would go to the bootstrap stack's bucket, whose policy refuses writes encrypted with any key but its own. Fix: add the bucket that key belongs to, or remove kmsKeyId (and bucket) to use the bootstrap stack's bucket and key`,
      });
    }
  }
  if (isObject(backend) && backend.type === "s3" && typeof backend.kmsKeyId === "string") {
    const sovereign = PARTITIONS["aws-eusc"];
    const id = backend.kmsKeyId;
    if (id.startsWith("arn:") && !id.startsWith(`${arnPrefix(sovereign)}kms:`)) {
      problems.push({
        path: "backend.kmsKeyId",
        message: `"${id}" is not a KMS key of the ${sovereign.id} partition, but the state lives in the sovereign region. Fix: use an ${arnPrefix(sovereign)}kms:... ARN or an alias/... name`,
      });
    } else if (!id.startsWith("arn:") && !id.startsWith("alias/")) {
      problems.push({
        path: "backend.kmsKeyId",
        message: `"${id}" is neither a key ARN nor an alias. Fix: use the key's ${arnPrefix(sovereign)}kms:... ARN or "alias/<name>"`,
      });
    }
  }
  return problems;
}

const SIDES = [
  ["sovereign", "aws-eusc"],
  ["commercial", "aws"],
] as const;

const ROLE_ARN = /^arn:([a-z-]+):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

/**
 * Credentials per side: a role to assume is an IAM role of this side's partition and account, and
 * the one that administers the side's keys; the two sides never share one credential chain (each
 * partition has its own IAM, so one set of credentials cannot act in both).
 */
function credentialProblems(input: Raw): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const partitions = isObject(input.partitions) ? input.partitions : {};
  const chains: Array<string | undefined> = [];
  for (const [side, partitionId] of SIDES) {
    const placement = isObject(partitions[side]) ? partitions[side] : undefined;
    const credentials = placement && isObject(placement.credentials) ? placement.credentials : undefined;
    const assume = credentials && isObject(credentials.assumeRole) ? credentials.assumeRole : undefined;
    chains.push(
      credentials === undefined ? undefined : `${String(credentials.profile ?? "")} ${String(assume?.roleArn ?? "")}`,
    );
    if (typeof assume?.roleArn !== "string" || assume.roleArn === "") continue;
    const at = `partitions.${side}.credentials.assumeRole.roleArn`;
    const m = ROLE_ARN.exec(assume.roleArn);
    if (m === null) {
      problems.push({
        path: at,
        message: `"${assume.roleArn}" is not an IAM role ARN. Fix: write arn:${partitionId}:iam::<account ID>:role/<name>`,
      });
      continue;
    }
    const [, partition, account, name] = m;
    if (partition !== partitionId) {
      problems.push({
        path: at,
        message: `"${assume.roleArn}" is a role of partition ${partition}, but the ${side} side is in ${partitionId}: a partition has its own IAM, so that role cannot act here. Fix: use the role's ARN in ${partitionId} (arn:${partitionId}:iam::...)`,
      });
    } else if (
      typeof placement?.accountId === "string" &&
      /^\d{12}$/.test(placement.accountId) &&
      account !== placement.accountId
    ) {
      problems.push({
        path: at,
        message: `the role is in account ${account}, but the ${side} side deploys into ${placement.accountId} (allowed_account_ids). Fix: assume a role of account ${placement.accountId}`,
      });
    } else if (
      typeof placement?.administratorRoleName === "string" &&
      /^[\w+=,.@-]{1,64}$/.test(placement.administratorRoleName) &&
      name !== placement.administratorRoleName
    ) {
      problems.push({
        path: at,
        message: `the role is "${name}", but partitions.${side}.administratorRoleName is "${placement.administratorRoleName}", the role that administers this side's KMS keys: Terraform must deploy as that role. Fix: assume role/${placement.administratorRoleName}, or set administratorRoleName to "${name}"`,
      });
    }
  }
  const [sovereign, commercial] = chains;
  if (sovereign === commercial) {
    problems.push({
      path: "partitions.commercial.credentials",
      message:
        sovereign === undefined
          ? 'neither side says how Terraform gets credentials, so both would use the same default credential chain; a partition has its own IAM, so one set of credentials cannot act in both. Fix: give each side a "credentials" entry (a "profile" and/or an "assumeRole"), or at least one side'
          : "both sides name the same credentials; a partition has its own IAM, so one set of credentials cannot act in both. Fix: give each side its own profile or role",
    });
  }
  return problems;
}

/** A list entry given twice: reported at the repeat, naming the first. */
function repeats(list: unknown, at: string, what: string, key: (v: unknown) => unknown = (v) => v): ConfigProblem[] {
  if (!Array.isArray(list)) return [];
  const first = new Map<unknown, number>();
  const problems: ConfigProblem[] = [];
  list.forEach((entry, i) => {
    const k = key(entry);
    if (k === undefined) return;
    const j = first.get(k);
    if (j === undefined) first.set(k, i);
    else
      problems.push({
        path: `${at}[${i}]`,
        message: `${what} ${JSON.stringify(entry)} is listed twice (first as ${at}[${j}]). Fix: list it once`,
      });
  });
  return problems;
}

function repeatedEntryProblems(input: Raw): ConfigProblem[] {
  const upload = isObject(input.upload) ? input.upload : {};
  const problems = [
    ...repeats(upload.allowedOrigins, "upload.allowedOrigins", "origin"),
    ...repeats(upload.allowedContentTypes, "upload.allowedContentTypes", "content type"),
    ...repeats(upload.dataClasses, "upload.dataClasses", "data class"),
  ];
  if (Array.isArray(input.tenants)) {
    input.tenants.forEach((tenant, i) => {
      if (isObject(tenant)) problems.push(...repeats(tenant.dataClasses, `tenants[${i}].dataClasses`, "data class"));
    });
  }
  return problems;
}

/** Account-tier tenants each have their own account, with its own root e-mail address. */
function tenantAccountProblems(input: Raw): ConfigProblem[] {
  if (!Array.isArray(input.tenants)) return [];
  const described = (i: number) => {
    const t = (input.tenants as unknown[])[i];
    return `tenants[${i}]${isObject(t) && typeof t.id === "string" ? ` ("${t.id}")` : ""}`;
  };
  return [
    ...repeats(input.tenants, "tenants", "", (t) =>
      isObject(t) && typeof t.accountId === "string" ? t.accountId : undefined,
    ).map((p) => {
      const i = Number(/\[(\d+)\]$/.exec(p.path)?.[1]);
      const first = Number(/first as tenants\[(\d+)\]/.exec(p.message)?.[1]);
      const id = (input.tenants as Raw[])[i]?.accountId;
      return {
        path: `${p.path}.accountId`,
        message: `account ${String(id)} is already the account of ${described(first)}; tenants in one account share its IAM, keys and limits, so the tier would isolate nothing. Fix: give each account-tier tenant its own account`,
      };
    }),
    ...repeats(input.tenants, "tenants", "", (t) =>
      isObject(t) && typeof t.accountEmail === "string" ? t.accountEmail.toLowerCase() : undefined,
    ).map((p) => {
      const i = Number(/\[(\d+)\]$/.exec(p.path)?.[1]);
      const first = Number(/first as tenants\[(\d+)\]/.exec(p.message)?.[1]);
      const email = (input.tenants as Raw[])[i]?.accountEmail;
      return {
        path: `${p.path}.accountEmail`,
        message: `accountEmail "${String(email)}" is already the root address of ${described(first)} (addresses compare case-insensitively); AWS Organizations gives every account its own. Fix: use a distinct address for each account-tier tenant`,
      };
    }),
  ];
}

/**
 * Suppressions are judged when the configuration is loaded, as `make check` judges them: each needs
 * a reason, names a rule that exists, and one that may be suppressed (not the residency rules).
 */
function suppressionProblems(input: Raw): ConfigProblem[] {
  if (!Array.isArray(input.suppressions)) return [];
  const problems: ConfigProblem[] = [];
  input.suppressions.forEach((s, i) => {
    if (!isObject(s)) return;
    const at = `suppressions[${i}]`;
    if (typeof s.ruleId === "string" && /^SIP-[A-Z0-9]+-\d+$/.test(s.ruleId)) {
      const suppressible = RULE_SUPPRESSIBLE[s.ruleId];
      if (suppressible === undefined) {
        problems.push({
          path: `${at}.ruleId`,
          message: `rule ${s.ruleId} does not exist, so this suppression would silence nothing. Fix: use a rule ID from policies/RULES.md`,
        });
      } else if (!suppressible) {
        problems.push({
          path: `${at}.ruleId`,
          message: `rule ${s.ruleId} may not be suppressed (residency rules and the private-key scan have no exceptions). Fix: remove the suppression and change the configuration so that the finding goes away`,
        });
      }
    }
    if (s.reason === undefined || (typeof s.reason === "string" && s.reason.trim() === "")) {
      problems.push({
        path: `${at}.reason`,
        message: `${s.reason === undefined ? "a suppression has no reason" : "the reason is empty"}, so nobody can judge or revisit it. Fix: say why this finding is accepted (design decision, ticket, risk acceptance)`,
      });
    }
  });
  problems.push(
    ...repeats(input.suppressions, "suppressions", "suppression", (s) =>
      isObject(s) ? JSON.stringify([s.ruleId, s.address, s.stack ?? null]) : undefined,
    ).map((p) => ({
      ...p,
      message: p.message.replace(
        /^suppression .* is listed twice/,
        "the same suppression (ruleId, address, stack) is listed twice",
      ),
    })),
  );
  return problems;
}
