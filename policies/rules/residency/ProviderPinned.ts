import { isObject } from "../../core/json";
import { providerRefOf, providerTypeOf } from "../../core/placement";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * What every module call gets: the checker reads this configuration's JSON, not a module's source,
 * so the module's blocks are judged by no rule (issue 15 probe: a pinned module call hid a public
 * bucket from every rule). Fail closed, in this rule because it is the one that reads module calls
 * and it may not be suppressed: a suppression would accept blocks nobody checked, for every rule at once.
 */
const MODULE_UNSEEN =
  "the checker cannot see inside modules: no rule judges the module's resources (their region, partition, encryption, policies); inline the resources into this configuration (in CDKTF: constructs, not a TerraformHclModule), or check the module's own Terraform separately and write it here";

/** Why a module call's `providers` does not pin it to declared aliases (empty when it does). */
function moduleProviderProblems(providers: unknown, aliases: readonly string[]): string[] {
  if (!isObject(providers))
    return ["the module call passes no providers, so its blocks bind to the default aws provider"];
  const problems: string[] = [];
  if (providers.aws === undefined)
    problems.push(
      "the module call does not pass the aws provider, so the module's default aws provider is the root's default",
    );
  for (const [inner, value] of Object.entries(providers)) {
    if (inner !== "aws" && !inner.startsWith("aws.")) continue;
    const ref = typeof value === "string" ? (/^\$\{(.*)\}$/.exec(value.trim())?.[1] ?? value).trim() : undefined;
    if (ref === undefined || !aliases.includes(ref))
      problems.push(`providers.${inner} = ${JSON.stringify(value)} is not a declared aliased aws provider`);
  }
  return problems;
}

/**
 * Every aws resource and data source names one of the declared, aliased aws providers. Both
 * providers are aliased, so a block without `provider` silently binds to an unconfigured default
 * provider, whose region and credentials come from the environment of whoever runs terraform. A module
 * call is always a finding: the checker does not read the module's blocks (MODULE_UNSEEN); the
 * finding also says where its `providers` do not pin it to declared aliases (a call without
 * `providers` hands the module the default provider).
 */
export const ProviderPinned = defineRule({
  id: "SIP-RES-1",
  name: "ProviderPinned",
  service: "residency",
  severity: "error",
  suppressible: false,
  info: "The resource or data source is not pinned to one of the declared, aliased aws providers, or the configuration calls a module, whose blocks the checker cannot see.",
  explanation:
    "A block without an explicit aliased provider binds to the default aws provider, whose region and account come from the environment of whoever runs terraform. Data could be created in any region or partition, outside the residency the configuration promises. A module call hides the module's blocks from every rule: the checker reads this configuration's JSON, not the module's source, so a module could create a public bucket in any region and every rule would pass.",
  fix: 'Set `provider` to a declared alias ("aws.sovereign" or "aws.commercial"); in CDKTF pass the placement\'s provider to the construct. Remove aws provider blocks without an alias. Replace a module call by its resources (in CDKTF: constructs); the checker cannot see inside modules.',
  anchors: {},
  reads: [],
  evaluate({ template }) {
    const violations: Violation[] = [];
    let checked = 0;
    const aliased = template.providers.filter((p) => p.type === "aws" && p.alias !== undefined);
    const declared = aliased.map((p) => `"${p.key}"`).join(" or ") || "an aliased aws provider (none is declared)";
    for (const p of template.providers) {
      if (p.type !== "aws") continue;
      checked++;
      if (p.alias === undefined) {
        violations.push({
          address: p.address,
          detail: `the aws provider block has no alias, so unpinned blocks bind to it silently; give it an alias or remove it (declared aliases: ${declared})`,
        });
      }
    }
    for (const r of template.resources) {
      if (providerTypeOf(r.type) !== "aws") continue;
      checked++;
      const ref = providerRefOf(r);
      const kind = r.mode === "data" ? "data source" : "resource";
      if (ref === undefined) {
        violations.push({
          address: r.address,
          detail: `the ${kind} has no provider argument and binds to the default aws provider; set provider to ${declared}`,
        });
      } else if (!aliased.some((p) => p.key === ref)) {
        const exists = template.providers.some((p) => p.key === ref);
        violations.push({
          address: r.address,
          detail: exists
            ? `the ${kind} uses "${ref}", which has no alias; use ${declared}`
            : `the ${kind} uses provider "${ref}", which is not declared; use ${declared}`,
        });
      }
    }
    for (const m of template.modules) {
      checked++;
      const problems = moduleProviderProblems(
        m.values.providers,
        aliased.map((p) => p.key),
      );
      violations.push({
        address: m.address,
        detail:
          problems.length === 0
            ? MODULE_UNSEEN
            : `${MODULE_UNSEEN}; also, ${problems.join("; ")}; pass providers = { aws = ${declared} }`,
      });
    }
    return verdict(checked, violations);
  },
});
