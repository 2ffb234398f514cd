/**
 * `authorization.md` and `authorization.json` for the review folder. The simulator,
 * @cloud-copilot/iam-simulate, is a dev dependency under the AGPL: it is loaded from node_modules at
 * run time (never bundled; dist/policies.cjs keeps packages external) and, where it is not installed,
 * the abuse matrix is written as not evaluated, saying why.
 */
import type { Template } from "../core/template";
import type { Simulate } from "./judge";
import { authorizationJson, authorizationMarkdown, authorizationReview } from "./review";

const SIMULATOR = "@cloud-copilot/iam-simulate";

export async function loadSimulator(): Promise<{ simulate: Simulate | undefined; note: string }> {
  try {
    const module = (await import(SIMULATOR)) as { runSimulation?: unknown };
    if (typeof module.runSimulation !== "function")
      return { simulate: undefined, note: `${SIMULATOR} has no runSimulation: the abuse matrix was not evaluated` };
    return {
      simulate: module.runSimulation as Simulate,
      note: `${SIMULATOR} (IAM policy evaluation of identity, resource and VPC endpoint policies)`,
    };
  } catch {
    return {
      simulate: undefined,
      note: `${SIMULATOR} is not installed (a dev dependency: npm ci installs it): the abuse matrix was not evaluated`,
    };
  }
}

/** Review files (relative to the review folder) for every stack. */
export async function authorizationFiles(templates: readonly Template[]): Promise<Map<string, string>> {
  const { simulate, note } = await loadSimulator();
  const reviews = [];
  for (const t of templates) reviews.push(await authorizationReview(t, simulate, note));
  return new Map([
    ["authorization.md", authorizationMarkdown(reviews)],
    ["authorization.json", authorizationJson(reviews)],
  ]);
}
