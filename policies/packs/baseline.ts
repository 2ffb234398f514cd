/** Everything `make check` runs: residency first, then security. */
import type { Rule } from "../core/types";
import { RESIDENCY_PACK } from "./residency";
import { SECURITY_PACK } from "./security";

export const BASELINE_PACK: readonly Rule[] = [...RESIDENCY_PACK, ...SECURITY_PACK];
