/**
 * The model of a change review: what differs between the synthesized output of a base (the target
 * branch) and a head (the pull request), per stack and per resource address, and which of those
 * differences are dangerous. Everything here is plain data, rendered as markdown or JSON.
 */
import type { JsonObject } from "../core/json";
import type { PolicyKind } from "../core/policy-documents";

/**
 * - `added` / `removed`: the address exists on one side only (Terraform creates / destroys it);
 * - `changed`: the same address with different attributes (updated in place or replaced);
 * - `moved`: a `moved` block in the head carries the old address to the new one (no destroy).
 */
export type ChangeKind = "added" | "removed" | "changed" | "moved";

export interface AttributeChange {
  /** Leaf path: `bucket`, `tags.Tenant`, `rule[0].apply_server_side_encryption_by_default.sse_algorithm`. */
  readonly path: string;
  /** The base value; absent when the attribute is new. */
  readonly before?: unknown;
  /** The head value; absent when the attribute was removed. */
  readonly after?: unknown;
}

export interface PolicyChange {
  /** Attribute that holds the document: `policy`, `assume_role_policy`, `inline_policy[0].policy`. */
  readonly attribute: string;
  readonly kind: PolicyKind;
  /** Statements only in the head (normalized: lists sorted, single values as lists). */
  readonly added: readonly JsonObject[];
  /** Statements only in the base. */
  readonly removed: readonly JsonObject[];
  /** How the change widens access; empty when it does not. */
  readonly widening: readonly string[];
  /** Why a side could not be read as a policy document (a computed value), when one could not. */
  readonly unreadable?: string;
}

export type DangerKind = "destroy" | "replace" | "policy-widening" | "partition-move" | "unreadable-policy";

export interface Danger {
  readonly kind: DangerKind;
  /** Why it is dangerous, in one sentence that names what happens. */
  readonly reason: string;
}

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly change: ChangeKind;
  /** `moved`: the base address the head's `moved` block carries over. */
  readonly movedFrom?: string;
  /** `added`: the removed base address that looks like the same resource under a new address. */
  readonly addressChangedFrom?: string;
  /** `removed`: the added head address that looks like the same resource under a new address. */
  readonly addressChangedTo?: string;
  readonly attributes: readonly AttributeChange[];
  readonly policies: readonly PolicyChange[];
  readonly dangers: readonly Danger[];
}

export interface StackDiff {
  readonly stack: string;
  /** `added` / `removed`: the stack exists on one side only. */
  readonly status: "added" | "removed" | "changed" | "unchanged";
  /** Changed addresses only, sorted by address. */
  readonly resources: readonly ResourceChange[];
}

export interface DangerousItem extends Danger {
  readonly stack: string;
  readonly address: string;
}

export interface DiffReport {
  readonly summary: {
    readonly stacks: number;
    readonly added: number;
    readonly removed: number;
    readonly changed: number;
    readonly moved: number;
    readonly dangerous: number;
  };
  /** Every danger, stack by stack, address by address: what a reviewer reads first. */
  readonly dangerous: readonly DangerousItem[];
  readonly stacks: readonly StackDiff[];
}
