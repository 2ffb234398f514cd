/** The change review as JSON for tools: keys sorted, lists in report order, a final newline. */
import { stableJson } from "../core/json";
import type { DiffReport } from "./types";

export function renderDiffJson(report: DiffReport): string {
  return stableJson(report);
}
