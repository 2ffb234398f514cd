import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { AssetType, Construct, Lazy, TerraformAsset } from "../../framework/cdktf";
import {
  IamRole,
  IamRolePolicy,
  LambdaFunctionEventInvokeConfig,
  LambdaFunctionResource,
  SecurityGroup,
  SqsQueue,
} from "../../framework/aws";
import {
  policyDocument,
  renderPolicy,
  trustPolicyDocument,
  type Statement,
} from "../../policies/documents/policy-document";
import { ValidationError } from "../errors";
import type { ControlledEgress } from "../controlled-egress";
import type { Grantable, KmsKey } from "../kms-key";
import { LogGroup } from "../log-group";
import type { Network } from "../network";
import type { Placement } from "../placement";

/** The Lambda runtime: nodejs20.x reached end of support in April 2026. */
export const LAMBDA_RUNTIME = "nodejs22.x";

export interface LambdaFunctionProps {
  readonly placement: Placement;
  /** Function name (also the log group `/aws/lambda/<name>`), 1-64 characters. */
  readonly functionName: string;
  /** Absolute path of the deployment zip written by scripts/bundle-functions.mjs. */
  readonly zipFile: string;
  /** The private network the function runs in (its subnets; egress only to the VPC's endpoints). */
  readonly network: Network;
  /** Key for the environment variables, the log group and the dead-letter queue. */
  readonly key: KmsKey;
  /** Concurrent executions reserved (and so capped) for this function. */
  readonly reservedConcurrency: number;
  /** Environment variables: configuration only, never secrets (checked by the guardrails). @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 256 */
  readonly memorySizeMb?: number;
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** @default 365 */
  readonly logRetentionDays?: number;
  /**
   * How often Lambda retries an asynchronous event (an S3 notification) that failed, 0 to 2, before
   * it sends the event to the dead-letter queue. Setting this or `asyncMaximumEventAgeSeconds` writes
   * an `aws_lambda_function_event_invoke_config`, so that the retries are in the configuration.
   * @default - no event invoke configuration: Lambda's default, 2 retries
   */
  readonly asyncMaximumRetryAttempts?: number;
  /**
   * How long, 60 to 21600 s, Lambda keeps an asynchronous event it could not run yet (throttled by
   * the reserved concurrency, or between retries) before it sends it to the dead-letter queue.
   * @default - Lambda's default, 21600 (6 hours); with asyncMaximumRetryAttempts written as 21600
   */
  readonly asyncMaximumEventAgeSeconds?: number;
  /**
   * Runs the function in the workload subnet of the network's controlled egress path
   * (`network.egress`), so that it can reach the firewall's allowlisted host names over HTTPS.
   * @default false - the private subnets, HTTPS to the VPC endpoints only
   */
  readonly allowInternetEgress?: boolean;
  /** @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A Lambda function as the platform runs them: Node.js 22 on arm64 from a deterministic zip (its
 * SHA-256 as source_code_hash), in the private subnets behind a security group that reaches only
 * HTTPS inside the VPC and the S3/DynamoDB gateway endpoints, with its own role (least privilege,
 * extended through `addToPrincipalPolicy` grants), a KMS-encrypted log group with bounded
 * retention, a KMS-encrypted dead-letter queue, and reserved concurrency.
 */
export class LambdaFunction extends Construct implements Grantable {
  /** The side the function runs on. */
  readonly placement: Placement;
  readonly function: LambdaFunctionResource;
  readonly role: IamRole;
  readonly deadLetterQueue: SqsQueue;
  /** The asynchronous retries, when asyncMaximumRetryAttempts or asyncMaximumEventAgeSeconds is set. */
  readonly eventInvokeConfig?: LambdaFunctionEventInvokeConfig;
  readonly logGroup: LogGroup;
  readonly securityGroup: SecurityGroup;
  /** The zip's SHA-256 (base64): the function's source_code_hash. */
  private readonly codeSha256: string;
  private readonly statements: Statement[] = [];

  constructor(scope: Construct, id: string, props: LambdaFunctionProps) {
    super(scope, id);
    const { placement } = props;
    this.placement = placement;
    const provider = placement.provider;
    this.validate(props);
    const egress: ControlledEgress | undefined = props.allowInternetEgress === true ? props.network.egress : undefined;
    // One read and one hash of the zip: its SHA-256 names the asset's folder (cdktf would MD5 it again)
    // and is the function's source_code_hash.
    const codeSha256 = createHash("sha256").update(readFileSync(props.zipFile)).digest();
    this.codeSha256 = codeSha256.toString("base64");
    const asset = new TerraformAsset(this, "code", {
      path: props.zipFile,
      type: AssetType.FILE,
      assetHash: codeSha256.toString("hex").toUpperCase(),
    });
    this.securityGroup = this.createSecurityGroup(props, egress);
    this.logGroup = new LogGroup(this, "logs", {
      placement,
      logGroupName: `/aws/lambda/${props.functionName}`,
      encryptionKey: props.key,
      retentionDays: props.logRetentionDays ?? 365,
      tags: props.tags,
    });
    this.deadLetterQueue = new SqsQueue(this, "dead-letter-queue", {
      provider,
      name: `${props.functionName}-dlq`,
      kmsMasterKeyId: props.key.keyArn,
      messageRetentionSeconds: 14 * 24 * 3600,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    this.role = this.executionRole(props);
    const rolePolicy = this.roleBasePolicy(props);
    this.function = this.createFunction(props, asset, egress, rolePolicy);
    if (props.asyncMaximumRetryAttempts !== undefined || props.asyncMaximumEventAgeSeconds !== undefined) {
      // Failed and expired events still go to the dead-letter queue (dead_letter_config): it keeps the
      // original event, which an on-failure destination would wrap in an invocation record.
      this.eventInvokeConfig = new LambdaFunctionEventInvokeConfig(this, "event-invoke-config", {
        provider,
        functionName: this.function.functionName,
        maximumRetryAttempts: props.asyncMaximumRetryAttempts ?? 2,
        maximumEventAgeInSeconds: props.asyncMaximumEventAgeSeconds ?? 21600,
      });
    }
  }

  /**
   * Admits nothing; reaches HTTPS to the VPC (interface endpoints) and the S3/DynamoDB prefix lists,
   * and with the controlled egress path HTTPS through the firewall.
   */
  private createSecurityGroup(props: LambdaFunctionProps, egress: ControlledEgress | undefined): SecurityGroup {
    return new SecurityGroup(this, "security-group", {
      provider: props.placement.provider,
      vpcId: props.network.vpc.id,
      name: `${props.functionName}-function`,
      description: egress
        ? `${props.functionName}: HTTPS to the VPC endpoints and the egress allowlist`
        : `${props.functionName}: HTTPS to the VPC endpoints only`,
      ingress: [],
      egress: [
        ...(egress
          ? [
              {
                description: "HTTPS through the network firewall; it passes only the allowlisted host names",
                protocol: "tcp",
                fromPort: 443,
                toPort: 443,
                cidrBlocks: ["0.0.0.0/0"],
              },
            ]
          : []),
        {
          description: "interface endpoints",
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: [props.network.vpc.cidrBlock],
        },
        {
          description: "S3 and DynamoDB gateway endpoints",
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          prefixListIds: [props.network.s3Endpoint.prefixListId, props.network.dynamodbEndpoint.prefixListId],
        },
      ],
      tags: { ...props.tags, Name: `${props.functionName}-function` },
    });
  }

  /** The function's own role, assumable by Lambda of this account only. */
  private executionRole(props: LambdaFunctionProps): IamRole {
    return new IamRole(this, "role", {
      provider: props.placement.provider,
      name: `${props.functionName}-function`,
      description: `Execution role of ${props.functionName}`,
      assumeRolePolicy: renderPolicy(
        trustPolicyDocument([
          {
            Sid: "LambdaOfThisAccount",
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": props.placement.accountId } },
          },
        ]),
      ),
      tags: props.tags ? { ...props.tags } : undefined,
    });
  }

  /**
   * The role's policy: its own logs, network interfaces in its region, its dead-letter queue and its
   * key, then the grants added through addToPrincipalPolicy (rendered at synth).
   */
  private roleBasePolicy(props: LambdaFunctionProps): IamRolePolicy {
    this.statements.push(
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${this.logGroup.logGroupArn}:log-stream:*`,
      },
      {
        Sid: "NetworkInterfacesInPrivateSubnets",
        Effect: "Allow",
        Action: [
          "ec2:AssignPrivateIpAddresses",
          "ec2:CreateNetworkInterface",
          "ec2:DeleteNetworkInterface",
          "ec2:DescribeNetworkInterfaces",
          "ec2:UnassignPrivateIpAddresses",
        ],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": props.placement.region } },
      },
      { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: this.deadLetterQueue.arn },
    );
    props.key.grantEncryptDecrypt(this, "UseFunctionKey");
    return new IamRolePolicy(this, "role-policy", {
      provider: props.placement.provider,
      role: this.role.id,
      name: "function",
      policy: Lazy.stringValue({ produce: () => renderPolicy(policyDocument(this.statements)) }),
    });
  }

  /** The function: arm64, the zip's SHA-256 as source_code_hash, in its subnets, JSON logs, DLQ. */
  private createFunction(
    props: LambdaFunctionProps,
    asset: TerraformAsset,
    egress: ControlledEgress | undefined,
    rolePolicy: IamRolePolicy,
  ): LambdaFunctionResource {
    return new LambdaFunctionResource(this, "function", {
      provider: props.placement.provider,
      functionName: props.functionName,
      role: this.role.arn,
      runtime: LAMBDA_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: this.codeSha256,
      memorySize: props.memorySizeMb ?? 256,
      timeout: props.timeoutSeconds ?? 30,
      reservedConcurrentExecutions: props.reservedConcurrency,
      kmsKeyArn: props.key.keyArn,
      vpcConfig: {
        subnetIds: (egress?.workloadSubnets ?? props.network.subnets).map((s) => s.id),
        securityGroupIds: [this.securityGroup.id],
      },
      deadLetterConfig: { targetArn: this.deadLetterQueue.arn },
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.logGroupName },
      environment:
        props.environment && Object.keys(props.environment).length > 0
          ? { variables: { ...props.environment } }
          : undefined,
      tags: props.tags ? { ...props.tags } : undefined,
      dependsOn: [rolePolicy, this.logGroup.logGroup],
    });
  }

  /** Grants the function's role a statement (Grantable: used by keys', buckets' and queues' grants). */
  addToPrincipalPolicy(statement: Statement): void {
    this.statements.push(statement);
  }

  /** ARN of the function in its own partition (for permissions and notifications). */
  get functionArn(): string {
    return this.function.arn;
  }

  private validate(props: LambdaFunctionProps): void {
    if (!/^[a-zA-Z0-9-_]{1,55}$/.test(props.functionName)) {
      throw new ValidationError(
        "LambdaFunction.functionName",
        `functionName must be 1-55 letters, digits, - and _ (room for "-function" in the role name; value: "${props.functionName}")`,
        this,
      );
    }
    if (!isAbsolute(props.zipFile) || !existsSync(props.zipFile)) {
      throw new ValidationError(
        "LambdaFunction.zipFile",
        `zipFile must be the absolute path of an existing zip; run \`node scripts/bundle-functions.mjs\` (value: "${props.zipFile}")`,
        this,
      );
    }
    if (
      !Number.isInteger(props.reservedConcurrency) ||
      props.reservedConcurrency < 1 ||
      props.reservedConcurrency > 1000
    ) {
      throw new ValidationError(
        "LambdaFunction.reservedConcurrency",
        `reservedConcurrency must be a whole number from 1 to 1000 (value: ${props.reservedConcurrency})`,
        this,
      );
    }
    const retries = props.asyncMaximumRetryAttempts;
    if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 2)) {
      throw new ValidationError(
        "LambdaFunction.asyncMaximumRetryAttempts",
        `asyncMaximumRetryAttempts must be 0, 1 or 2 (value: ${retries})`,
        this,
      );
    }
    const age = props.asyncMaximumEventAgeSeconds;
    if (age !== undefined && (!Number.isInteger(age) || age < 60 || age > 21600)) {
      throw new ValidationError(
        "LambdaFunction.asyncMaximumEventAgeSeconds",
        `asyncMaximumEventAgeSeconds must be a whole number from 60 to 21600 (value: ${age})`,
        this,
      );
    }
    if (props.key.placement.provider !== props.placement.provider) {
      throw new ValidationError(
        "LambdaFunction.key",
        `key ${props.key.node.path} is pinned to another provider than the function (${props.placement.side})`,
        this,
      );
    }
    if (props.allowInternetEgress === true && props.network.egress === undefined) {
      throw new ValidationError(
        "LambdaFunction.allowInternetEgress",
        `the network ${props.network.node.path} has no controlled egress path; set its allowInternetEgress first`,
        this,
      );
    }
    // Names that point at a secret (…_SECRET_ID, …_SECRET_ARN, …_SECRET_PREFIX of names) are the right way to pass one.
    const secretish = Object.keys(props.environment ?? {}).filter(
      (k) => /SECRET|PASSWORD|PRIVATE_KEY|TOKEN/i.test(k) && !/_(ARN|ID|NAME|PREFIX)$/.test(k),
    );
    if (secretish.length > 0) {
      throw new ValidationError(
        "LambdaFunction.environment",
        `environment variables ${secretish.join(", ")} look like secrets; pass a Secrets Manager secret name instead`,
        this,
      );
    }
  }
}
