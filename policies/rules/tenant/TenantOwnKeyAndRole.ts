import { isObject, literalString } from "../../core/json";
import { resolveReference } from "../../core/references";
import { providerRefOf } from "../../core/placement";
import { certainlyAbsent, mayBeAbsent, resourcesOfType, type Template, type TfResource } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * Every tenant of the stack, of every tier, has its own KMS key under its alias and its own role
 * whose `TenantKey` tag names that key, in the account where the platform's functions look tenants
 * up (functions/shared/tenant-directory.ts). This is the isolation the upload path gives each tier;
 * the rule's explanation says what each tier isolates and what it does not.
 *
 * The rule knows a tenant from a `Tenant` tag in the stack, and from the deployment configuration's
 * `tenants`. A configured tenant with nothing in the platform stack is a finding that names it (issue
 * 15 probe: it passed, since only tagged tenants were judged). The platform stack is the one named for
 * the environment (the synth's name for it) or any stack that holds a tenant's resources; the
 * bootstrap stack (`<environment>-bootstrap`, the state bucket) is neither and holds no tenant.
 */
export const TenantOwnKeyAndRole = defineRule({
  id: "SIP-TENANT-1",
  name: "TenantOwnKeyAndRole",
  service: "tenant",
  severity: "error",
  suppressible: true,
  info: "A tenant (tagged in the stack, or in the deployment configuration) has no key and role of its own in the upload path, or they do not belong together.",
  explanation:
    "What each tier isolates. Every tier (logical, vpc, account): its objects are written and read by its own role (tagged Tenant and TenantKey; the buckets' ABAC statements keep its sessions under `<tenant>/` and on its key) and encrypted under its own key, so deleting the key crypto-shreds them; the functions find that key by the alias `alias/<env>/tenant/<tenant>` and its Tier tag, and refuse a tenant without one (403 unknown_tenant). " +
    "vpc adds a private network of its own (endpoints, flow logs under its key) in which nothing of the platform runs yet. " +
    "account adds an AWS account of its own that holds a second key for its own resources; its objects are still in the platform account's shared buckets, under its platform key there. " +
    'No tier has buckets or functions of its own: the data of every tier lives in the platform\'s shared buckets (docs/architecture.md, "What each tenant tier isolates"). ' +
    "A tenant whose key or role is missing, in another account than the other, tagged for another tenant or tier, or without its alias loses that isolation: its data would not be shredded with its key, or the functions could not act for it.",
  fix: "Build the tenant with modules/tenant (it creates the key, its alias `alias/<env>/tenant/<tenant>`, and the role tagged TenantKey = the key's ARN, all in the platform account); do not hand-edit their tags.",
  anchors: {},
  reads: [
    { type: "aws_iam_role", attribute: "tags.Tenant", as: "literal", passes: "a literal tenant ID, or leaving it out" },
    { type: "aws_kms_key", attribute: "tags.Tenant", as: "literal", passes: "a literal tenant ID, or leaving it out" },
    {
      type: "aws_iam_role",
      attribute: "tags.TenantKey",
      as: "reference",
      passes: "a reference to the ARN of the tenant's aws_kms_key",
    },
    { type: "aws_iam_role", attribute: "tags.Tier", as: "literal", passes: "a literal tier" },
    { type: "aws_kms_key", attribute: "tags.Tier", as: "literal", passes: "a literal tier" },
  ],
  evaluate({ template, config }) {
    const violations: Violation[] = [];
    const tenants = tenantsOf(template);
    for (const [tenant, resources] of tenants) {
      const tier = config?.tenants.find((t) => t.id === tenant)?.tier;
      violations.push(...checkTenant(template, tenant, resources, tier, config?.environment));
    }
    // The configured tenants belong in the platform stack: the one named for the environment, or any
    // stack that holds a tenant's resources (see above).
    const platform = config !== undefined && (template.stack === config.environment || tenants.size > 0);
    const missing = platform ? config.tenants.filter((t) => !tenants.has(t.id)) : [];
    for (const t of missing)
      violations.push({
        address: `tenant.${t.id}`,
        detail: `tenant ${t.id} (tier ${t.tier}) is in the deployment configuration, but this stack creates nothing for it: no key under alias/${config?.environment ?? "<env>"}/tenant/${t.id} and no role tagged TenantKey, so it has none of the isolation its tier promises and the functions refuse it (unknown_tenant)`,
      });
    return verdict(tenants.size + missing.length, violations);
  },
});

function tagsOf(r: TfResource): Record<string, unknown> {
  return isObject(r.values.tags) ? r.values.tags : {};
}

/** Tenants named by a `Tenant` tag anywhere in the stack, with their resources (those that may exist). */
function tenantsOf(template: Template): Map<string, TfResource[]> {
  const out = new Map<string, TfResource[]>();
  for (const r of template.resources) {
    if (r.mode !== "managed" || certainlyAbsent(r)) continue;
    const id = literalString(tagsOf(r).Tenant);
    if (id === undefined) continue;
    out.set(id, [...(out.get(id) ?? []), r]);
  }
  return out;
}

const providerOf = (r: TfResource): string => providerRefOf(r) ?? "aws";

/** A finding for a tenant's role, key or alias that Terraform may not create (count, for_each). */
function mayBeAbsentViolation(r: TfResource, what: string): Violation[] {
  return mayBeAbsent(r)
    ? [
        {
          address: r.address,
          detail: `the tenant's ${what} has count ${JSON.stringify(r.values.count ?? null)} / for_each ${JSON.stringify(r.values.for_each ?? null)}, so Terraform may not create it (issue 15): create exactly one`,
        },
      ]
    : [];
}

function checkTenant(
  template: Template,
  tenant: string,
  resources: readonly TfResource[],
  configuredTier: string | undefined,
  environment: string | undefined,
): Violation[] {
  const where = (resources[0] as TfResource).address;
  const roles = resources.filter((r) => r.type === "aws_iam_role" && tagsOf(r).TenantKey !== undefined);
  const tierText = configuredTier ?? literalString(tagsOf(resources[0] as TfResource).Tier) ?? "unknown";
  if (roles.length === 0) {
    return [
      {
        address: where,
        detail: `tenant ${tenant} (tier ${tierText}) has no role tagged TenantKey: the functions would act for it with their own role and the shared data-class key, so deleting a key of its own would shred nothing`,
      },
    ];
  }
  const violations: Violation[] = [];
  if (roles.length > 1)
    violations.push({
      address: roles.map((r) => r.address).join(", "),
      detail: `tenant ${tenant} has ${roles.length} roles tagged TenantKey; the functions assume exactly one`,
    });
  for (const role of roles) {
    const ref = resolveReference(template, tagsOf(role).TenantKey);
    const key = ref?.resource;
    if (key === undefined || key.type !== "aws_kms_key" || ref?.attribute !== "arn") {
      violations.push({
        address: role.address,
        detail: `tag TenantKey is ${JSON.stringify(tagsOf(role).TenantKey)}: it must be the ARN of the tenant's aws_kms_key (\${aws_kms_key.<name>.arn})`,
      });
      continue;
    }
    const keyTenant = literalString(tagsOf(key).Tenant);
    if (keyTenant !== tenant) {
      violations.push({
        address: role.address,
        detail: `TenantKey names ${key.address}, which is tagged Tenant=${JSON.stringify(keyTenant ?? null)}, not ${tenant}: the role would encrypt this tenant's objects under a key that is not the tenant's`,
      });
      continue;
    }
    violations.push(...mayBeAbsentViolation(role, "role"), ...mayBeAbsentViolation(key, "key"));
    if (providerOf(key) !== providerOf(role))
      violations.push({
        address: role.address,
        detail: `the role is in ${providerOf(role)} but its key ${key.address} in ${providerOf(key)}: the functions find the key and assume the role in one account`,
      });
    for (const r of [role, key]) {
      const tier = literalString(tagsOf(r).Tier);
      if (tier === undefined)
        violations.push({
          address: r.address,
          detail: `no Tier tag: the functions read the tenant's tier from its key`,
        });
      else if (configuredTier !== undefined && tier !== configuredTier)
        violations.push({
          address: r.address,
          detail: `tagged Tier=${tier}, but the configuration gives tenant ${tenant} tier ${configuredTier}`,
        });
    }
    violations.push(...aliasProblems(template, key, tenant, environment));
  }
  return violations;
}

/**
 * The key's alias: `alias/<environment>/tenant/<tenant>` (any environment without a configuration),
 * on an alias block Terraform certainly creates.
 */
function aliasProblems(
  template: Template,
  key: TfResource,
  tenant: string,
  environment: string | undefined,
): Violation[] {
  const aliases = resourcesOfType(template, "aws_kms_alias").filter(
    (a) => !mayBeAbsent(a) && resolveReference(template, a.values.target_key_id)?.resource.address === key.address,
  );
  const wanted = `alias/${environment ?? "<env>"}/tenant/${tenant}`;
  const matches = (name: string): boolean =>
    environment === undefined ? new RegExp(`^alias/[^/]+/tenant/${escapeRegExp(tenant)}$`).test(name) : name === wanted;
  if (aliases.some((a) => matches(literalString(a.values.name) ?? ""))) return [];
  return [
    {
      address: key.address,
      detail: `no alias ${wanted} targets the key (an alias Terraform may not create does not count): the functions find a tenant's key by that alias, and refuse the tenant without it`,
    },
  ];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
