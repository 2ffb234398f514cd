import type { IConstruct } from "../framework/cdktf";

/**
 * A construct was given props it cannot honour. Thrown at construction; the message names the prop,
 * the value and the fix. `code` is stable for tests and tooling.
 */
export class ValidationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    scope: IConstruct,
  ) {
    super(`[${scope.node.path}] ${code}: ${message}`);
    this.name = "ValidationError";
  }
}
