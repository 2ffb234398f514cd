import { literalBool } from "../../core/json";
import { interpolations, walkStrings } from "../../core/references";
import { secretAttributesOf } from "../../core/secret-attributes";
import { unevaluableExpression } from "../../core/unknowns";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * A block reference and what follows it: `aws_iam_access_key.k.secret`, `aws_lb_listener.l.default_action[0]`,
 * `data.aws_ssm_parameter.p`, `aws_iam_access_key.k[*].secret` (indexes, splats and attributes).
 */
const REFERENCE =
  /(?<![\w.-])(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)((?:\s*(?:\[[^\]]*\]|\.\s*(?:[A-Za-z_][A-Za-z0-9_-]*|\*|\d+)))*)/g;

/** The attribute names of an accessor chain (`[0].default_action[*].x` -> default_action, x). */
function attributePath(accessors: string): string[] {
  return [...accessors.matchAll(/\.\s*([A-Za-z_][A-Za-z0-9_-]*)/g)].map((m) => m[1] ?? "");
}

/** Whether one path starts with the other, segment by segment (`[]` is the whole block). */
function overlaps(a: readonly string[], b: readonly string[]): boolean {
  return a.slice(0, b.length).every((s, i) => s === b[i]) || b.slice(0, a.length).every((s, i) => s === a[i]);
}

/**
 * The secret attributes a string's expressions refer to: an attribute of the list
 * (core/secret-attributes.ts), a nested block that holds one, or the whole block (`aws_iam_access_key.k`,
 * as in a `for` expression or `lookup(...)`). Functions around it do not matter: `nonsensitive()`,
 * `base64encode()` and `sha256()` of a secret are still findings.
 */
function secretReferences(value: string): string[] {
  const out: string[] = [];
  for (const body of interpolations(value)) {
    for (const m of body.matchAll(REFERENCE)) {
      const [, data, type = "", name = "", accessors = ""] = m;
      const block = `${data ? "data." : ""}${type}`;
      const secrets = secretAttributesOf(block);
      if (secrets.length === 0) continue;
      const path = attributePath(accessors);
      const hit = secrets.filter((s) => overlaps(path, s.split(".")));
      if (hit.length === 0) continue;
      const at = `${block}.${name}${path.length > 0 ? `.${path.join(".")}` : ""}`;
      out.push(
        path.length === 0 || hit.length > 1 || hit[0] !== path.join(".") ? `${at} (holds ${hit.join(", ")})` : at,
      );
    }
  }
  return out;
}

/**
 * An output whose value holds a secret is marked sensitive (Terraform's own rule for root outputs of
 * values the provider marks sensitive, checked before plan and through `nonsensitive()`).
 */
export const SecretOutputSensitive = defineRule({
  id: "SIP-OUT-2",
  name: "SecretOutputSensitive",
  service: "output",
  severity: "error",
  suppressible: true,
  info: "An output's value refers to a secret attribute (an access key secret, a secret version's value, a private key, a generated or database password, a KMS plaintext, ...) or to a value the checker cannot evaluate, and the output is not sensitive = true.",
  explanation:
    "terraform apply, terraform output and plans print every output that is not sensitive, so the secret ends up in terminal scrollback, CI logs and pull-request comments, which far more people read than the state. Terraform refuses such an output only at plan, and not when nonsensitive() strips the provider's mark. The list of secret attributes is policies/core/secret-attributes.ts: every attribute the aws provider marks sensitive, plus private keys and passwords of the tls and random providers.",
  fix: "Do not output secrets: pass the secret's ARN (aws_secretsmanager_secret.arn) and read the value at run time. If an output must carry one, set sensitive = true (and do not wrap it in nonsensitive()). The state still holds it: keep the state encrypted and its readers few.",
  anchors: {},
  reads: [
    {
      type: "output",
      attribute: "sensitive",
      as: "literal",
      passes:
        "a literal true, or leaving it out when the value refers to no secret attribute and to nothing the checker cannot evaluate",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    for (const o of template.outputs) {
      if (literalBool(o.values.sensitive) === true) continue;
      const secrets: string[] = [];
      // Wrapped, so that keys of an object value named like meta-arguments (`count`) are read too.
      walkStrings({ value: o.values.value }, (text) => secrets.push(...secretReferences(text)));
      if (secrets.length > 0) {
        violations.push({
          address: o.address,
          detail: `value refers to ${[...new Set(secrets)].join(", ")}, a secret, and the output is not sensitive = true: terraform output, plans and CI logs show it`,
        });
        continue;
      }
      const unknown = unevaluableExpression(o.values.value, "reference");
      if (unknown !== undefined)
        violations.push({
          address: o.address,
          detail: `value could not be evaluated: ${unknown} is neither a literal nor computed from resources and data sources of the configuration, so it may hold a secret; what passes: sensitive = true, or a value computed only from attributes of this configuration's blocks that hold no secret`,
        });
    }
    return verdict(template.outputs.length, violations);
  },
});
