import { Construct } from "../../framework/cdktf";
import { KmsAlias, KmsKeyResource } from "../../framework/aws";
import { accountRoot, policyDocument, renderPolicy } from "../../policies/documents/policy-document";
import { ValidationError } from "../errors";
import type { Placement } from "../placement";

export interface KmsKeyProps {
  /** Where the key lives; every resource is pinned to `placement.provider`. */
  readonly placement: Placement;
  /** Alias name without the `alias/` prefix, e.g. `example/data/identity`. */
  readonly aliasName: string;
  /** What the key protects; shown in the console and in review. */
  readonly description: string;
  /**
   * Waiting period before a scheduled deletion takes effect (7-30 days).
   * @default 30
   */
  readonly deletionWindowDays?: number;
  /** Tags in addition to the provider's default tags (e.g. DataClass, Tenant). @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

const ALIAS = /^[a-zA-Z0-9/_-]{1,250}$/;

/**
 * A customer-managed symmetric KMS key with rotation on, a bounded deletion window, an alias, and a
 * key policy that delegates to IAM in the key's own account and partition only (no `*` principal).
 */
export class KmsKey extends Construct {
  readonly key: KmsKeyResource;
  readonly alias: KmsAlias;
  /** ARN of the key (a token until apply). */
  readonly keyArn: string;
  /** `alias/<aliasName>`. */
  readonly aliasName: string;

  constructor(scope: Construct, id: string, props: KmsKeyProps) {
    super(scope, id);
    const deletionWindowDays = props.deletionWindowDays ?? 30;
    if (!Number.isInteger(deletionWindowDays) || deletionWindowDays < 7 || deletionWindowDays > 30) {
      throw new ValidationError("KmsKey.deletionWindowDays", `deletionWindowDays must be a whole number of days from 7 to 30 (value: ${deletionWindowDays})`, this);
    }
    if (!ALIAS.test(props.aliasName) || props.aliasName.startsWith("aws/")) {
      throw new ValidationError("KmsKey.aliasName", `aliasName must be 1-250 characters of letters, digits, "/", "_" and "-", not starting with "aws/" (value: "${props.aliasName}")`, this);
    }
    const { placement } = props;
    const policy = policyDocument([
      {
        Sid: "DelegateToAccountIam",
        Effect: "Allow",
        Principal: { AWS: accountRoot(placement.partition, placement.accountId) },
        Action: "kms:*",
        Resource: "*",
      },
    ]);
    this.key = new KmsKeyResource(this, "key", {
      provider: placement.provider,
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: deletionWindowDays,
      policy: renderPolicy(policy),
      tags: props.tags ? { ...props.tags } : undefined,
    });
    this.aliasName = `alias/${props.aliasName}`;
    this.alias = new KmsAlias(this, "alias", {
      provider: placement.provider,
      name: this.aliasName,
      targetKeyId: this.key.keyId,
    });
    this.keyArn = this.key.arn;
  }
}
