import { Construct } from "../../framework/cdktf";
import { CloudwatchLogGroup } from "../../framework/aws";
import { arn } from "../../config/partitions";
import { ValidationError } from "../errors";
import type { KmsKey } from "../kms-key";
import type { Placement } from "../placement";

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export interface LogGroupProps {
  readonly placement: Placement;
  /** Log group name, e.g. `/sip/example/vpc-flow-logs`. */
  readonly logGroupName: string;
  /** Customer-managed key that encrypts the log data; must live in the same placement. */
  readonly encryptionKey: KmsKey;
  /**
   * Days the events are kept (one of CloudWatch's values). Bounded on purpose: logs hold personal
   * data (IP addresses) and must not be kept forever.
   * @default 365
   */
  readonly retentionDays?: number;
  /** @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A CloudWatch log group encrypted with a customer-managed key and bounded retention. Adds to the
 * key's policy a statement that lets CloudWatch Logs of this region use the key for this log group
 * only (encryption-context condition).
 */
export class LogGroup extends Construct {
  readonly logGroup: CloudwatchLogGroup;
  readonly logGroupName: string;
  /** ARN of the log group (a token until apply). */
  readonly logGroupArn: string;

  constructor(scope: Construct, id: string, props: LogGroupProps) {
    super(scope, id);
    const { placement } = props;
    const retentionDays = props.retentionDays ?? 365;
    if (!(LOG_RETENTION_DAYS as readonly number[]).includes(retentionDays)) {
      throw new ValidationError(
        "LogGroup.retentionDays",
        `retentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")} (value: ${retentionDays})`,
        this,
      );
    }
    if (!/^[\w./#-]{1,512}$/.test(props.logGroupName)) {
      throw new ValidationError(
        "LogGroup.logGroupName",
        `logGroupName must be 1-512 characters of letters, digits and _-./# (value: "${props.logGroupName}")`,
        this,
      );
    }
    if (props.encryptionKey.placement.provider !== placement.provider) {
      throw new ValidationError(
        "LogGroup.encryptionKey",
        `encryptionKey ${props.encryptionKey.node.path} is pinned to another provider than the log group (${placement.side})`,
        this,
      );
    }
    this.logGroupName = props.logGroupName;
    const logGroupArn = arn(placement.partition, {
      service: "logs",
      region: placement.region,
      account: placement.accountId,
      resource: `log-group:${props.logGroupName}`,
    });
    props.encryptionKey.addToResourcePolicy({
      Sid: `Logs${props.logGroupName.replace(/[^A-Za-z0-9]/g, "")}`,
      Effect: "Allow",
      Principal: { Service: `logs.${placement.region}.amazonaws.com` },
      Action: ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
      Resource: "*",
      Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroupArn } },
    });
    this.logGroup = new CloudwatchLogGroup(this, "log-group", {
      provider: placement.provider,
      name: props.logGroupName,
      retentionInDays: retentionDays,
      kmsKeyId: props.encryptionKey.keyArn,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    this.logGroupArn = this.logGroup.arn;
  }
}
