import type { ConfigProblem } from "./validate";

/**
 * Problems of a network's `availabilityZones` in `region`: a zone listed twice, a zone of another
 * region (both name the zone's path, `<path>[i]`). `side` names the partition in the message.
 */
export function zoneListProblems(
  zones: readonly unknown[],
  region: string,
  side: "sovereign" | "commercial",
  path: string,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<unknown>();
  zones.forEach((zone, i) => {
    const at = `${path}[${i}]`;
    if (seen.has(zone))
      problems.push({
        path: at,
        message: `availability zone ${JSON.stringify(zone)} is listed twice. Fix: list each zone once`,
      });
    seen.add(zone);
    if (typeof zone === "string" && !new RegExp(`^${region}[a-z]$`).test(zone))
      problems.push({
        path: at,
        message: `availability zone "${zone}" is not in the ${side} region ${region}. Fix: use zones such as "${region}a"`,
      });
  });
  return problems;
}
