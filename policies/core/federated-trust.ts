/**
 * Which conditions of a trust statement limit the tokens a federated principal may use to assume a
 * role. Any condition used to be enough; a condition on the time, the source IP or only the token's
 * audience still hands the role to every identity of the provider (for GitHub's OIDC provider,
 * every repository on GitHub). What counts, per kind of provider:
 *
 * - an OIDC provider (`oidc-provider/<host>`): its `<host>:sub` claim, the identity the token is for;
 * - the named web identity providers: `cognito-identity.amazonaws.com:aud` (one identity pool),
 *   `accounts.google.com:aud`/`:sub`, `graph.facebook.com:id`, `www.amazon.com:user_id`/`:app_id`;
 * - a SAML provider (`saml-provider/<name>`): a `SAML:` key (the organization's own IdP
 *   asserts it, e.g. `SAML:aud`, `SAML:sub`).
 *
 * The condition must be positive (not `...Not...`, `Null`, `...IfExists`, `ForAllValues:`, each of
 * which passes tokens without the claim or with other values) and every value must name something
 * (not empty, not only wildcards, not a prefix of wildcards such as `repo:*`).
 */
import type { ConditionEntry, NormalizedStatement } from "./policy-documents";

const NAMED_PROVIDERS: Readonly<Record<string, readonly string[]>> = {
  "cognito-identity.amazonaws.com": ["cognito-identity.amazonaws.com:aud"],
  "accounts.google.com": ["accounts.google.com:aud", "accounts.google.com:sub"],
  "graph.facebook.com": ["graph.facebook.com:id"],
  "www.amazon.com": ["www.amazon.com:user_id", "www.amazon.com:app_id"],
};

/** The condition keys that identify the caller's token for one federated principal; "saml": any `SAML:` key. */
export function tokenIdentityKeys(federated: string): readonly string[] | "saml" {
  const oidc = /:oidc-provider\/(.+)$/.exec(federated)?.[1];
  if (oidc !== undefined) return [`${oidc.toLowerCase()}:sub`];
  if (/:saml-provider\//.test(federated)) return "saml";
  return NAMED_PROVIDERS[federated.toLowerCase()] ?? [`${federated.toLowerCase()}:sub`];
}

/** A value that names specific tokens: not empty, and more than wildcards after its first `:`-separated part. */
function namesSomething(value: unknown): boolean {
  if (typeof value !== "string") return false;
  const v = value.trim();
  if (/^\$\{[^{}]+\}$/.test(v)) return true;
  return v !== "" && !/^[*?]+$/.test(v) && !/^[^*?:]*:[*?]+$/.test(v);
}

function positive(c: ConditionEntry): boolean {
  return !/Not|Null|IfExists|^ForAllValues:/i.test(c.operator) && c.values.length > 0 && c.values.every(namesSomething);
}

/** The federated principals of an Allow statement whose tokens no condition limits. */
export function unscopedFederatedPrincipals(s: NormalizedStatement): string[] {
  return (s.principal?.federated ?? []).filter((federated) => {
    const keys = tokenIdentityKeys(federated);
    return !s.conditions.some(
      (c) => positive(c) && (keys === "saml" ? /^saml:/i.test(c.key) : keys.includes(c.key.toLowerCase())),
    );
  });
}
