/**
 * Cross-field rules of the `documents` block (scanned documents): its two classes are declared,
 * distinct, not the upload pipeline's, and the originals do not cross partitions; tenants that
 * restrict their classes hold both; browsers have an origin to upload from.
 */
import type { ConfigProblem } from "./validate";

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

export function documentProblems(input: Raw, declaredClasses: readonly string[] | undefined): ConfigProblem[] {
  const documents = isObject(input.documents) ? input.documents : undefined;
  if (documents === undefined) return [];
  return [
    ...documentClassProblems(input, documents, declaredClasses),
    ...documentTenantProblems(input, documents, declaredClasses ?? []),
    ...documentOriginProblems(input),
    ...webhookProblems(input, documents),
  ];
}

/** At most this many webhook endpoints (their hosts share the egress allowlist, 50 hosts). */
export const MAX_WEBHOOKS = 20;

/** A host name as the firewall's TLS SNI allowlist takes it: exact, lower case, no IP address. */
const WEBHOOK_HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** What is wrong with a webhook URL, or undefined. */
export function webhookUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (parsed.protocol !== "https:") return `must be https: (not ${parsed.protocol})`;
  if (parsed.username !== "" || parsed.password !== "") return "must not carry credentials (user:password@)";
  if (parsed.port !== "" && parsed.port !== "443") return "must use port 443 (the egress firewall passes TLS on 443)";
  if (!WEBHOOK_HOST.test(parsed.hostname))
    return `host "${parsed.hostname}" must be a DNS name in lower case, not an IP address (the egress firewall allowlists host names)`;
  return undefined;
}

/** Each webhook names a tenant of the configuration and a URL the egress path can pass. */
function webhookProblems(input: Raw, documents: Raw): ConfigProblem[] {
  if (!isObject(documents.webhooks)) return [];
  const tenants = Array.isArray(input.tenants)
    ? input.tenants.map((t) => (isObject(t) ? t.id : undefined)).filter((id): id is string => typeof id === "string")
    : [];
  const problems: ConfigProblem[] = [];
  const entries = Object.entries(documents.webhooks);
  if (entries.length > MAX_WEBHOOKS)
    problems.push({
      path: "documents.webhooks",
      message: `${entries.length} endpoints; at most ${MAX_WEBHOOKS} (their hosts share the egress allowlist). Fix: remove some`,
    });
  for (const [tenant, url] of entries) {
    const path = `documents.webhooks.${tenant}`;
    if (!tenants.includes(tenant))
      problems.push({
        path,
        message: `"${tenant}" is not a tenant of this configuration. Fix: use one of ${tenants.join(", ") || "the tenants' IDs"}`,
      });
    const problem = typeof url === "string" ? webhookUrlProblem(url) : "must be a string";
    if (problem !== undefined)
      problems.push({
        path,
        message: `the endpoint ${problem}. Fix: give an https URL such as "https://hooks.example.org/sip"`,
      });
  }
  return problems;
}

/** Both classes declared, distinct and not the upload pipeline's; the originals stay in the partition. */
function documentClassProblems(
  input: Raw,
  documents: Raw,
  declaredClasses: readonly string[] | undefined,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const upload = isObject(input.upload) ? input.upload : {};
  const uploadClasses = [
    ...(Array.isArray(upload.dataClasses) ? upload.dataClasses : []),
    ...(typeof upload.cleanDataClass === "string" ? [upload.cleanDataClass] : []),
  ];
  for (const field of ["dataClass", "cleanDataClass"] as const) {
    const name = documents[field];
    if (typeof name !== "string") continue;
    if (declaredClasses !== undefined && !declaredClasses.includes(name)) {
      problems.push({
        path: `documents.${field}`,
        message: `data class "${name}" is not declared. Fix: declare it under dataClasses, or use one of ${declaredClasses.join(", ")}`,
      });
    } else if (uploadClasses.includes(name)) {
      problems.push({
        path: `documents.${field}`,
        message: `"${name}" is also a class of the upload pipeline (upload.dataClasses or upload.cleanDataClass): images and documents would share a bucket and its scrub function. Fix: declare a data class for documents alone, e.g. "documents-original"`,
      });
    }
  }
  if (typeof documents.dataClass === "string" && documents.dataClass === documents.cleanDataClass) {
    problems.push({
      path: "documents.cleanDataClass",
      message: `"${documents.dataClass}" is also documents.dataClass, so unsanitized documents would land among sanitized ones. Fix: name another data class`,
    });
  }
  const classes = isObject(input.dataClasses) ? input.dataClasses : {};
  const original = typeof documents.dataClass === "string" ? classes[documents.dataClass] : undefined;
  if (isObject(original) && original.allowCrossPartition === true) {
    problems.push({
      path: "documents.dataClass",
      message: `data class "${String(documents.dataClass)}" receives documents as uploaded and sets allowCrossPartition: unsanitized documents (authors, dates, XMP) would be replicated to the commercial partition. Fix: set dataClasses.${String(documents.dataClass)}.allowCrossPartition to false`,
    });
  }
  return problems;
}

/** A tenant that lists its classes uploads and reads documents as its own role: it needs both classes. */
function documentTenantProblems(input: Raw, documents: Raw, declaredClasses: readonly string[]): ConfigProblem[] {
  if (!Array.isArray(input.tenants)) return [];
  // Undeclared classes are reported once, at documents.*.
  const needed = [documents.dataClass, documents.cleanDataClass].filter(
    (c): c is string => typeof c === "string" && declaredClasses.includes(c),
  );
  const problems: ConfigProblem[] = [];
  input.tenants.forEach((tenant, i) => {
    if (!isObject(tenant) || !Array.isArray(tenant.dataClasses)) return;
    const missing = needed.filter((c) => !(tenant.dataClasses as unknown[]).includes(c));
    if (missing.length === 0) return;
    problems.push({
      path: `tenants[${i}].dataClasses`,
      message: `a ${String(tenant.tier)}-tier tenant uploads and reads documents through the documents API as its own role, under its own key, in the buckets of ${needed.join(" and ")}; its dataClasses lack ${missing.join(", ")}. Fix: add ${missing.map((m) => JSON.stringify(m)).join(", ")}, or leave dataClasses out (all classes)`,
    });
  });
  return problems;
}

/** Documents are uploaded from browsers like images: some origin must be allowed to. */
function documentOriginProblems(input: Raw): ConfigProblem[] {
  const upload = isObject(input.upload) ? input.upload : undefined;
  if (upload === undefined || (Array.isArray(upload.allowedOrigins) && upload.allowedOrigins.length > 0)) return [];
  return [
    {
      path: "upload.allowedOrigins",
      message:
        "documents are uploaded from browsers, but no origin may send them. Fix: list the web origins of your upload pages in upload.allowedOrigins, or remove documents",
    },
  ];
}
