import {
  type IConstruct,
  type IValidation,
  TerraformDataSource,
  type TerraformProvider,
  TerraformResource,
} from "../framework/cdktf";

/**
 * Both aws providers are aliased, so a resource or data source without an explicit `provider`
 * silently binds to an unconfigured default provider (../docs/architecture.md). This validation runs
 * before anything is written and fails synth for every block that is not pinned to a provider the
 * stack registered.
 */
export class ProviderPinning implements IValidation {
  private readonly allowed: TerraformProvider[] = [];

  constructor(private readonly root: IConstruct) {}

  /** Registers a provider that resources may be pinned to. */
  allow(provider: TerraformProvider): void {
    this.allowed.push(provider);
  }

  validate(): string[] {
    const names = this.allowed.map(describeProvider).join(" or ");
    const errors: string[] = [];
    for (const node of this.root.node.findAll()) {
      const kind =
        node instanceof TerraformResource
          ? "resource"
          : node instanceof TerraformDataSource
            ? "data source"
            : undefined;
      if (kind === undefined) continue;
      const block = node as TerraformResource | TerraformDataSource;
      const address = `${kind === "data source" ? "data." : ""}${block.terraformResourceType} at ${block.node.path}`;
      if (block.provider === undefined) {
        errors.push(
          `${kind} ${address} is not pinned to a provider and would bind to an unconfigured default provider. Fix: pass provider: ${names}`,
        );
      } else if (!this.allowed.includes(block.provider)) {
        errors.push(
          `${kind} ${address} is pinned to ${describeProvider(block.provider)}, which this stack does not register. Fix: use ${names}`,
        );
      }
    }
    return errors;
  }
}

function describeProvider(provider: TerraformProvider): string {
  return `${provider.terraformResourceType}.${provider.alias ?? "(default)"}`;
}
