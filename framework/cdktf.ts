/**
 * The one seam to the CDK framework. Every other file imports cdktf and constructs through here, so
 * that moving to the CDK Terrain fork (`cdktn`, a package rename; ../docs/architecture.md) changes
 * this file and framework/aws.ts only. test/framework-seam.test.ts enforces it.
 */
export { Construct, type IConstruct, type IValidation, Node } from "constructs";
export {
  App,
  AssetType,
  Aspects,
  Fn,
  Lazy,
  type IAspect,
  LocalBackend,
  S3Backend,
  TerraformAsset,
  TerraformDataSource,
  TerraformElement,
  TerraformOutput,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  Testing,
  Token,
} from "cdktf";
