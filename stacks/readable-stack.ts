import { Node, type TerraformElement, TerraformStack } from "../framework/cdktf";

/**
 * A stack with readable, hash-free Terraform addresses: the construct path below the stack joined
 * with "_" (`aws_kms_key.sovereign-key-identity_key`), so plans and JSON diffs read like the code.
 * cdktf's default appends a hash. Two paths that map to one name fail synth.
 */
export class ReadableStack extends TerraformStack {
  private readonly logicalIds = new Map<string, string>();

  protected override allocateLogicalId(element: TerraformElement | Node): string {
    const node = element instanceof Node ? element : element.node;
    const components = node.scopes.slice(node.scopes.indexOf(this) + 1).map((c) => c.node.id);
    const id = components.join("_").replace(/[^A-Za-z0-9_-]/g, "-");
    const owner = this.logicalIds.get(id);
    if (owner !== undefined && owner !== node.path) {
      throw new Error(
        `Terraform name "${id}" is allocated twice (${owner} and ${node.path}). Fix: rename one construct`,
      );
    }
    this.logicalIds.set(id, node.path);
    return id;
  }
}
