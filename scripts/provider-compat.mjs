// Arguments the generated configuration uses that an older aws provider in the offline mirror does
// not know, and how the offline check (tf-check.mjs) removes them from its COPY of a stack: the
// generated configuration requires provider >= 6.29 (stacks/platform-stack.ts), while the mirror here
// holds 5.100.0. Only the listed arguments of the listed resource types are removed, only for a
// provider older than the release that added them; every removal is reported, so that a check that
// passed on a reduced configuration says so loudly. The synthesized output is never changed.

/**
 * Per resource type, the arguments that exist only from `since` on, and why the stack uses them.
 * @type {ReadonlyArray<{ readonly resourceType: string, readonly arguments: readonly string[], readonly since: string, readonly why: string }>}
 */
export const NEWER_ARGUMENTS = [
  {
    resourceType: "aws_kms_external_key",
    arguments: ["key_spec", "key_usage"],
    since: "6.11.0",
    // hashicorp/terraform-provider-aws#44011 (released in 6.11.0).
    why: "an HMAC key for imported material (the standby pseudonym key, docs/cross-partition.md §7)",
  },
];

/** Compares two `x.y.z` versions: negative, zero or positive. */
export function compareVersions(a, b) {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The stack JSON for a check against provider `awsVersion`: a copy without the arguments that
 * version does not know (NEWER_ARGUMENTS), and one entry per removed argument (`address`,
 * `argument`, `since`). The input is not changed.
 */
export function withoutNewerArguments(stackJson, awsVersion, table = NEWER_ARGUMENTS) {
  const copy = structuredClone(stackJson);
  const removed = [];
  for (const entry of table) {
    if (compareVersions(awsVersion, entry.since) >= 0) continue;
    const resources = copy.resource?.[entry.resourceType] ?? {};
    for (const name of Object.keys(resources).sort()) {
      for (const argument of entry.arguments) {
        if (!(argument in resources[name])) continue;
        delete resources[name][argument];
        removed.push({ address: `${entry.resourceType}.${name}`, argument, since: entry.since, why: entry.why });
      }
    }
  }
  return { json: copy, removed };
}

/** The notice printed when arguments were removed: each resource and argument, and what it means. */
export function removalNotice(stackName, awsVersion, removed) {
  if (removed.length === 0) return "";
  const lines = removed.map((r) => `    ${r.address}: ${r.argument} (provider >= ${r.since}: ${r.why})`);
  return [
    `  *** NOTICE: stack ${stackName} is checked WITHOUT ${removed.length} argument(s) that hashicorp/aws ${awsVersion} (the mirror) does not know;`,
    "  *** terraform validate and plan do not judge them here. The synthesized configuration keeps them, and a",
    "  *** deployment with the generated provider constraint (6.x) applies them. Removed from the check's copy only:",
    ...lines,
    "",
  ].join("\n");
}
