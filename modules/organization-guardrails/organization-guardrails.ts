import { OrganizationsPolicy, OrganizationsPolicyAttachment } from "../../framework/aws";
import { Construct, Token } from "../../framework/cdktf";
import { platformScps, renderScp, type ServiceControlPolicy } from "../../policies/organization/scps";
import { ValidationError } from "../errors";
import type { Placement } from "../placement";

export interface OrganizationGuardrailsProps {
  /**
   * The organization's management account (or its delegated administrator for policies) in the
   * partition the SCPs govern: an organization lives in one partition, so each side has its own.
   */
  readonly placement: Placement;
  /** Prefix of the policy names (`<name>-<policy>`), e.g. the environment. */
  readonly name: string;
  /**
   * Regions the governed accounts may use; all of the placement's partition.
   * @default - [placement.region]
   */
  readonly allowedRegions?: readonly string[];
  /** ARN of the platform's audit trail. */
  readonly trailArn: string;
  /** ARN of the audit trail's bucket (`arn:<partition>:s3:::<bucket>`). */
  readonly trailBucketArn: string;
  /** ARNs of the platform's keys (data classes, audit, functions); not tenants' keys, which are shredded. */
  readonly platformKeyArns: readonly string[];
  /**
   * The roles Terraform deploys with in the governed accounts (the platform account's deploy role and
   * the role it assumes in tenant accounts): they alone may change the trail, the keys and Block
   * Public Access.
   */
  readonly deployRoleArns: readonly string[];
  /**
   * Where the SCPs are attached: the tenant accounts' organizational unit (`ou-...`) and the platform
   * account (12 digits). References to not-yet-created OUs or accounts are allowed.
   */
  readonly targetIds: readonly string[];
  /** The management account's ID: refused as a target, since SCPs never restrict it. */
  readonly managementAccountId: string;
}

const TARGET_ID = /^(\d{12}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})$/;
const NAME = /^[a-z0-9][a-z0-9-]{0,80}$/;

/**
 * The platform organization's service control policies (policies/organization/scps.ts): one
 * `aws_organizations_policy` of type SERVICE_CONTROL_POLICY per document, named `<name>-<policy>`,
 * with the compact rendered JSON as content, attached to every target. The management account is
 * refused as a target: SCPs do not apply to it, so an attachment there would look like a control and
 * be none. AWS's default FullAWSAccess SCP stays attached: these policies only deny.
 */
export class OrganizationGuardrails extends Construct {
  /** The SCPs as documents, in a stable order. */
  readonly scps: readonly ServiceControlPolicy[];
  /** Policy resources by SCP name (`deny-outside-regions`, ...). */
  readonly policies: Readonly<Record<string, OrganizationsPolicy>>;
  readonly attachments: readonly OrganizationsPolicyAttachment[];

  constructor(scope: Construct, id: string, props: OrganizationGuardrailsProps) {
    super(scope, id);
    this.checkProps(props);
    this.scps = this.buildScps(props);
    const policies: Record<string, OrganizationsPolicy> = {};
    const attachments: OrganizationsPolicyAttachment[] = [];
    for (const scp of this.scps) {
      const policy = new OrganizationsPolicy(this, `policy-${scp.name}`, {
        provider: props.placement.provider,
        name: `${props.name}-${scp.name}`,
        description: scp.description,
        type: "SERVICE_CONTROL_POLICY",
        content: renderScp(scp.document),
      });
      policies[scp.name] = policy;
      props.targetIds.forEach((targetId, index) => {
        attachments.push(
          new OrganizationsPolicyAttachment(this, `attach-${scp.name}-${index}`, {
            provider: props.placement.provider,
            policyId: policy.id,
            targetId,
          }),
        );
      });
    }
    this.policies = policies;
    this.attachments = attachments;
  }

  private checkProps(props: OrganizationGuardrailsProps): void {
    if (!NAME.test(props.name))
      throw new ValidationError(
        "OrganizationGuardrails.name",
        `name must be lower-case letters, digits and "-" (value: "${props.name}")`,
        this,
      );
    if (props.targetIds.length === 0)
      throw new ValidationError(
        "OrganizationGuardrails.targetIds",
        "targetIds must name the tenant accounts' OU and the platform account: an SCP attached nowhere controls nothing",
        this,
      );
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const target of props.targetIds) {
      if (seen.has(target)) problems.push(`"${target}" is named twice`);
      seen.add(target);
      if (target === props.managementAccountId)
        problems.push(
          `"${target}" is the management account: SCPs do not apply to the management account, so attaching them there protects nothing; attach them to the member accounts' OU or account instead`,
        );
      else if (!Token.isUnresolved(target) && !TARGET_ID.test(target))
        problems.push(`"${target}" is neither an OU ID (ou-...) nor an account ID (12 digits)`);
    }
    if (problems.length > 0) throw new ValidationError("OrganizationGuardrails.targetIds", problems.join("; "), this);
  }

  private buildScps(props: OrganizationGuardrailsProps): readonly ServiceControlPolicy[] {
    try {
      return platformScps({
        partition: props.placement.partition,
        allowedRegions: props.allowedRegions ?? [props.placement.region],
        trailArn: props.trailArn,
        trailBucketArn: props.trailBucketArn,
        platformKeyArns: props.platformKeyArns,
        deployRoleArns: props.deployRoleArns,
      });
    } catch (e) {
      throw new ValidationError("OrganizationGuardrails.policies", (e as Error).message, this);
    }
  }
}
