import { providerRefOf, providerTypeOf } from "../../core/placement";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * Every aws resource and data source names one of the declared, aliased aws providers. Both
 * providers are aliased, so a block without `provider` silently binds to an unconfigured default
 * provider, whose region and credentials come from the environment of whoever runs terraform.
 */
export const ProviderPinned = defineRule({
  id: "SIP-RES-1",
  name: "ProviderPinned",
  service: "residency",
  severity: "error",
  suppressible: false,
  info: "The resource or data source is not pinned to one of the declared, aliased aws providers.",
  explanation:
    "A block without an explicit aliased provider binds to the default aws provider, whose region and account come from the environment of whoever runs terraform. Data could be created in any region or partition, outside the residency the configuration promises.",
  fix: 'Set `provider` to a declared alias ("aws.sovereign" or "aws.commercial"); in CDKTF pass the placement\'s provider to the construct. Remove aws provider blocks without an alias.',
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
    return verdict(checked, violations);
  },
});
