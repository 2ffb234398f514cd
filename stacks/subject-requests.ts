import { join } from "node:path";
import type { ResolvedDeployment } from "../config/load";
import { arn } from "../config/partitions";
import { IamPolicy, IamRole, IamRolePolicy, SecretsmanagerSecret, SfnStateMachine } from "../framework/aws";
import { Construct } from "../framework/cdktf";
import { DEPLOYMENTS_PREFIX } from "../functions/evidence/deployment-store";
import { REQUESTS_PREFIX } from "../functions/signing/evidence-layout";
import { subjectRequestDefinition } from "../functions/subject-requests/definition";
import { EXPORTS_PREFIX, PENDING_PREFIX, REPORTS_PREFIX } from "../functions/subject-requests/request-store";
import { HttpApi } from "../modules/http-api";
import type { RolesAnywhereTrust } from "../modules/roles-anywhere-trust";
import { CROSS_PARTITION_SYNC, SIGNING_MATERIAL_EXCEPTION } from "../policies/core/exception-names";
import { KmsKey } from "../modules/kms-key";
import { LambdaFunction } from "../modules/lambda-function";
import { LogGroup } from "../modules/log-group";
import type { Network } from "../modules/network";
import type { Placement } from "../modules/placement";
import { PrivateBucket } from "../modules/private-bucket";
import {
  policyDocument,
  renderPolicy,
  type Statement,
  sidPart,
  trustPolicyDocument,
} from "../policies/documents/policy-document";
import { grantDecryptTenantObjects, grantFindTenantKeys, tenantDirectoryEnvironment } from "./tenant-access";

/** The operators' routes (functions/subject-requests/api.ts; the client: OPERATOR.md). */
export const SUBJECT_REQUEST_ROUTES = [
  "POST /v1/requests",
  "GET /v1/requests/{id}",
  "POST /v1/requests/{id}/approve",
  "POST /v1/requests/{id}/reject",
] as const;

/** The deploy role's route: a signed deployment manifest into the evidence bucket (docs/deploy.md §6e). */
export const DEPLOYMENT_ROUTE = "POST /v1/deployments";

/** A place a subject's objects live in: a sovereign bucket of the upload pipelines. */
export interface SubjectPlace {
  /** Its name in reports and certificates, e.g. `avatars-original`. */
  readonly name: string;
  readonly bucket: PrivateBucket;
  /**
   * The sync's standby index is in this bucket (a synced class's): requests reach the subject's
   * index records too (functions/subject-requests/run.ts). @default false
   */
  readonly standbyIndex?: boolean;
}

export interface SubjectRequestsProps {
  readonly placement: Placement;
  readonly environment: string;
  readonly config: NonNullable<ResolvedDeployment["subjectRequests"]>;
  readonly sizing: Pick<ResolvedDeployment["functions"], "subjectRequests" | "subjectRequestRun">;
  readonly network: Network;
  /** Key of the functions' environments, logs and dead-letter queues. */
  readonly key: KmsKey;
  /** The HMAC key the upload functions derive subjects' pseudonyms with. */
  readonly pseudonymKey: KmsKey;
  /**
   * The sovereign standby pseudonym key: with `commercial`, the API derives the standby pseudonym,
   * by which the run reaches the subject's replicas. @default - none
   */
  readonly standbyPseudonymKey?: KmsKey;
  /** The evidence bucket (COMPLIANCE object lock) and the key that signs the certificates. */
  readonly evidence: { readonly bucket: PrivateBucket; readonly signingKey: KmsKey };
  /** Every sovereign bucket that holds subjects' objects (`<tenant>/<pseudonym>/...`). */
  readonly places: readonly SubjectPlace[];
  /**
   * The commercial failover buckets (replicas of the crossing classes), reached through the Roles
   * Anywhere trust's data-subject erasure role, from behind the controlled egress path like the sync.
   * @default - no commercial places
   */
  readonly commercial?: {
    readonly placement: Placement;
    readonly trust: RolesAnywhereTrust;
    readonly places: readonly SubjectPlace[];
    readonly sessionDurationSeconds: number;
  };
  /** Folder with the function zips (scripts/bundle-functions.mjs). */
  readonly artifactsDir: string;
}

/**
 * Data-subject requests (issue 18): operators file export and erasure requests through an HTTP API
 * that only SigV4-signed callers IAM allows may reach (`execute-api:Invoke`, the managed policy
 * `<env>-subject-request-operator`); each request is an execution of the state machine
 * `<env>-subject-requests`, named by the request's ID, that waits for a second operator's approval
 * (a task token only the API function holds), runs the export or erasure, and stores a certificate
 * signed with the evidence key in the evidence bucket. Requests, reports and export archives live
 * in `<env>-subject-requests-<account>` under their own key.
 */
export class SubjectRequests extends Construct {
  readonly api: HttpApi;
  readonly stateMachine: SfnStateMachine;
  readonly requests: PrivateBucket;
  readonly functions: {
    readonly api: LambdaFunction;
    readonly pending: LambdaFunction;
    readonly run: LambdaFunction;
    readonly certify: LambdaFunction;
  };
  /** The policy operators' roles are given to file and decide requests. */
  readonly operatorPolicy: IamPolicy;
  /** The policy a deploy role is given to store the signed deployment manifest. */
  readonly deploymentRecorderPolicy: IamPolicy;

  constructor(scope: Construct, id: string, props: SubjectRequestsProps) {
    super(scope, id);
    const { placement, environment: env, config } = props;
    this.requests = new PrivateBucket(this, "bucket", {
      placement,
      bucketName: `${env}-subject-requests-${placement.accountId}`,
      encryptionKey: new KmsKey(this, "key", {
        placement,
        aliasName: `${env}/subject-requests`,
        description: `${env}: data-subject requests awaiting approval, their reports and export archives (sovereign)`,
      }),
      // A request waits for its decision at most approvalTimeoutDays; the archives go sooner.
      retentionDays: config.approvalTimeoutDays + 1,
      noncurrentRetentionDays: 1,
      shorterRetention:
        config.exportRetentionDays < config.approvalTimeoutDays + 1
          ? [{ prefix: EXPORTS_PREFIX, days: config.exportRetentionDays }]
          : [],
      vpcEndpointId: props.network.s3Endpoint.id,
      tags: { Purpose: "subject-requests" },
    });
    const stateMachineName = `${env}-subject-requests`;
    const stateMachineArn = arn(placement.partition, {
      service: "states",
      region: placement.region,
      account: placement.accountId,
      resource: `stateMachine:${stateMachineName}`,
    });
    const fn: FunctionFactory = (name, sizing, environment, crossing) =>
      new LambdaFunction(this, name, {
        placement,
        functionName: `${env}-subject-request-${name}`,
        ...(crossing === undefined
          ? {}
          : {
              allowInternetEgress: true,
              tags: { "sip:exception": CROSS_PARTITION_SYNC, "sip:justification": crossing },
            }),
        zipFile: join(props.artifactsDir, `subject-request-${name}.zip`),
        network: props.network,
        key: props.key,
        reservedConcurrency: props.sizing[sizing].reservedConcurrency,
        memorySizeMb: props.sizing[sizing].memorySizeMb,
        timeoutSeconds: props.sizing[sizing].timeoutSeconds,
        environment: {
          REQUESTS_BUCKET: this.requests.bucketName,
          REQUESTS_KMS_KEY_ID: this.requests.encryptionKey.keyArn,
          ...environment,
        },
      });
    this.functions = {
      api: this.createApi(props, fn, stateMachineName, stateMachineArn),
      pending: this.createPending(fn),
      run: this.createRun(props, fn),
      certify: this.createCertify(props, fn),
    };
    this.stateMachine = this.createStateMachine(props, stateMachineName);
    this.api = new HttpApi(this, "operators-api", {
      placement,
      name: `${env}-subject-requests`,
      iamAuthorization: true,
      routes: [...SUBJECT_REQUEST_ROUTES, DEPLOYMENT_ROUTE].map((routeKey) => ({
        routeKey,
        function: this.functions.api,
      })),
      logKey: props.key,
      throttle: { ratePerSecond: 5, burst: 10 },
    });
    this.operatorPolicy = this.invokePolicy(
      "operator-policy",
      `${env}-subject-request-operator`,
      `Files, approves, rejects and reads ${env}'s data-subject requests through their API (OPERATOR.md); a second operator approves`,
      "CallTheSubjectRequestApi",
      SUBJECT_REQUEST_ROUTES,
    );
    this.deploymentRecorderPolicy = this.invokePolicy(
      "deployment-recorder-policy",
      `${env}-deployment-recorder`,
      `Stores ${env}'s signed deployment manifests in the evidence bucket through the operators' API (docs/deploy.md §6e)`,
      "RecordDeployments",
      [DEPLOYMENT_ROUTE],
    );
  }

  /** A managed policy allowing execute-api:Invoke on `routes` of the operators' API, nothing else. */
  private invokePolicy(
    id: string,
    name: string,
    description: string,
    sid: string,
    routes: readonly string[],
  ): IamPolicy {
    return new IamPolicy(this, id, {
      provider: this.api.api.provider,
      name,
      description,
      policy: renderPolicy(
        policyDocument([
          {
            Sid: sid,
            Effect: "Allow",
            Action: "execute-api:Invoke",
            Resource: routes.map((route) => {
              const [method, path] = route.split(" ");
              return `${this.api.api.executionArn}/*/${method}${(path ?? "").replace(/\{[^}]+\}/g, "*")}`;
            }),
          },
        ]),
      ),
    });
  }

  /**
   * The API function: files a request (starts the execution named by its ID), records decisions
   * (the task token, from the pending record), answers status questions. It alone may start and
   * decide executions: the approver's identity it records is the one API Gateway verified.
   */
  private createApi(
    props: SubjectRequestsProps,
    fn: FunctionFactory,
    stateMachineName: string,
    stateMachineArn: string,
  ): LambdaFunction {
    const { placement } = props;
    const { evidence } = props;
    const api = fn("api", "subjectRequests", {
      EVIDENCE_BUCKET: evidence.bucket.bucketName,
      EVIDENCE_BUCKET_KMS_KEY_ID: evidence.bucket.encryptionKey.keyArn,
      EVIDENCE_KEY_ID: evidence.signingKey.keyArn,
      STATE_MACHINE_ARN: stateMachineArn,
      // A tenant is known by its key alias: adding or removing a tenant changes nothing here.
      TENANT_KEY_ALIAS_PREFIX: tenantDirectoryEnvironment(props.environment).TENANT_KEY_ALIAS_PREFIX ?? "",
      PSEUDONYM_KEY_ID: props.pseudonymKey.keyArn,
      // With commercial places: their replicas are named by the standby pseudonym (docs/cross-partition.md §7).
      ...(props.commercial === undefined || props.standbyPseudonymKey === undefined
        ? {}
        : { STANDBY_PSEUDONYM_KEY_ID: props.standbyPseudonymKey.keyArn }),
    });
    props.pseudonymKey.grantGenerateMac(api, "DeriveSubjectPseudonyms");
    if (props.commercial !== undefined) props.standbyPseudonymKey?.grantGenerateMac(api, "DeriveStandbyPseudonyms");
    grantFindTenantKeys(api, placement, props.environment);
    const executions = arn(placement.partition, {
      service: "states",
      region: placement.region,
      account: placement.accountId,
      resource: `execution:${stateMachineName}:*`,
    });
    api.addToPrincipalPolicy({
      Sid: "StartRequests",
      Effect: "Allow",
      Action: "states:StartExecution",
      Resource: stateMachineArn,
    });
    api.addToPrincipalPolicy({
      Sid: "ReadRequests",
      Effect: "Allow",
      Action: "states:DescribeExecution",
      Resource: executions,
    });
    // Task tokens name no resource (IAM has none for these actions): the token itself is the secret.
    api.addToPrincipalPolicy({
      Sid: "DecideRequests",
      Effect: "Allow",
      Action: ["states:SendTaskFailure", "states:SendTaskSuccess"],
      Resource: "*",
    });
    this.requests.grantRead(api, { sid: "ReadPendingRequests", prefix: PENDING_PREFIX, keySid: "UseRequestsKey" });
    this.requests.grantDelete(api, { sid: "ForgetDecidedRequests", prefix: PENDING_PREFIX });
    PrivateBucket.grantList(api, [this.requests], { sid: "TellMissingRequests" });
    // Signed deployment manifests: checked with the evidence key's public key, kept under deployments/.
    evidence.bucket.grantPut(api, { sid: "KeepDeploymentManifests", prefix: DEPLOYMENTS_PREFIX });
    evidence.bucket.grantRead(api, { sid: "FindDeploymentManifests", prefix: DEPLOYMENTS_PREFIX });
    // A completed request's certificate, for the operators (GET /v1/requests/{id}).
    evidence.bucket.grantRead(api, { sid: "ReadRequestCertificates", prefix: REQUESTS_PREFIX });
    PrivateBucket.grantList(api, [evidence.bucket], { sid: "TellNewDeploymentManifests" });
    evidence.bucket.grantKeyUse(api, "EncryptDeploymentManifests");
    api.addToPrincipalPolicy({
      Sid: "ReadEvidencePublicKey",
      Effect: "Allow",
      Action: "kms:GetPublicKey",
      Resource: evidence.signingKey.keyArn,
    });
    return api;
  }

  /** The approval step's target: keeps the execution's task token under `pending/` until a decision. */
  private createPending(fn: FunctionFactory): LambdaFunction {
    const pending = fn("pending", "subjectRequests", {});
    this.requests.grantPut(pending, { sid: "KeepPendingRequests", prefix: PENDING_PREFIX, keySid: "UseRequestsKey" });
    // A retried approval step finds the record it wrote (and a missing one answers 404, not 403).
    this.requests.grantRead(pending, { sid: "FindPendingRequests", prefix: PENDING_PREFIX });
    PrivateBucket.grantList(pending, [this.requests], { sid: "TellMissingRequests" });
    return pending;
  }

  /**
   * The export or erasure: every version of the subject's objects in every place (reads them to hash
   * them, deletes them for an erasure), the export archive and the report into the requests bucket.
   */
  private createRun(props: SubjectRequestsProps, fn: FunctionFactory): LambdaFunction {
    const { placement, config, commercial } = props;
    const places = [...props.places].sort((a, b) => a.name.localeCompare(b.name));
    const replicas = [...(commercial?.places ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    const signingMaterial = commercial === undefined ? undefined : this.createSigningMaterial(props);
    const run = fn(
      "run",
      "subjectRequestRun",
      {
        PLACES: JSON.stringify([
          ...places.map((p) => ({
            name: p.name,
            bucket: p.bucket.bucketName,
            partition: "sovereign",
            ...(p.standbyIndex === true ? { standbyIndex: true } : {}),
          })),
          ...replicas.map((p) => ({ name: p.name, bucket: p.bucket.bucketName, partition: "commercial" })),
        ]),
        EXPORT_KMS_KEY_ID: this.requests.encryptionKey.keyArn,
        EXPORT_URL_EXPIRY_SECONDS: String(config.exportUrlExpirySeconds),
        ...(commercial === undefined || signingMaterial === undefined
          ? {}
          : {
              TARGET_REGION: commercial.placement.region,
              ROLES_ANYWHERE_TRUST_ANCHOR_ARN: commercial.trust.trustAnchor.arn,
              ROLES_ANYWHERE_PROFILE_ARN: commercial.trust.profile.arn,
              ROLES_ANYWHERE_ROLE_ARN: commercial.trust.subjectErasureRole?.arn ?? "",
              ROLES_ANYWHERE_SESSION_SECONDS: String(commercial.sessionDurationSeconds),
              SIGNING_MATERIAL_SECRET_ID: signingMaterial.arn,
            }),
      },
      commercial === undefined
        ? undefined
        : "Erases and exports a data subject's replicas in the commercial failover buckets with Roles Anywhere credentials",
    );
    if (signingMaterial !== undefined)
      run.addToPrincipalPolicy({
        Sid: "ReadSigningMaterial",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: signingMaterial.arn,
      });
    for (const place of places) {
      place.bucket.grantEraseVersions(run, { sid: `EraseSubjectObjects${sidPart(place.name)}` });
      place.bucket.grantKeyUse(run, `ReadSubjectObjects${sidPart(place.name)}`);
    }
    // Objects of logical-tier tenants are under the tenants' own keys.
    grantDecryptTenantObjects(run, placement, props.environment);
    this.requests.grantRead(run, { sid: "ReadExports", prefix: EXPORTS_PREFIX });
    this.requests.grantPut(run, { sid: "WriteExports", prefix: EXPORTS_PREFIX });
    run.addToPrincipalPolicy({
      Sid: "AbandonFailedExports",
      Effect: "Allow",
      Action: "s3:AbortMultipartUpload",
      Resource: `${this.requests.bucketArn}/${EXPORTS_PREFIX}*`,
    });
    // The operator downloads the archive with the run role's pre-signed GET, from outside the VPC.
    this.requests.allowDownloadsOutsideVpcEndpoint(run.role.arn);
    this.requests.grantPut(run, { sid: "WriteReports", prefix: REPORTS_PREFIX, keySid: "UseRequestsKey" });
    return run;
  }

  /**
   * The secret the run function's Roles Anywhere leaf certificate (CN `<workloadCommonName>-subject-requests`)
   * and key are stored in, encrypted with the functions' key, as the sync's (docs/cross-partition.md).
   */
  private createSigningMaterial(props: SubjectRequestsProps): SecretsmanagerSecret {
    return new SecretsmanagerSecret(this, "signing-material", {
      provider: props.placement.provider,
      name: `${props.environment}/subject-requests/signing-material`,
      description: `Roles Anywhere leaf certificate and key of ${props.environment}-subject-request-run: {"certificate","privateKey","intermediates"?} in PEM; stored by certs, never by Terraform`,
      kmsKeyId: props.key.keyArn,
      recoveryWindowInDays: 30,
      tags: {
        "sip:exception": SIGNING_MATERIAL_EXCEPTION,
        "sip:justification":
          "Renewed by certificate issuance (certs renew-leaf, then the store step in docs/cross-partition.md), not by a rotation function: the CA key that signs new leaves never enters the cloud account",
      },
    });
  }

  /** The certificate: reads the run's report, signs it with the evidence key, stores it under `requests/`. */
  private createCertify(props: SubjectRequestsProps, fn: FunctionFactory): LambdaFunction {
    const { evidence } = props;
    const certify = fn("certify", "subjectRequests", {
      EVIDENCE_KEY_ID: evidence.signingKey.keyArn,
      EVIDENCE_BUCKET: evidence.bucket.bucketName,
      EVIDENCE_BUCKET_KMS_KEY_ID: evidence.bucket.encryptionKey.keyArn,
    });
    this.requests.grantRead(certify, { sid: "ReadReports", prefix: REPORTS_PREFIX, keySid: "UseRequestsKey" });
    evidence.bucket.grantPut(certify, { sid: "WriteCertificates", prefix: REQUESTS_PREFIX });
    evidence.bucket.grantRead(certify, { sid: "FindCertificates", prefix: REQUESTS_PREFIX });
    PrivateBucket.grantList(certify, [evidence.bucket], { sid: "TellMissingCertificates" });
    evidence.bucket.grantKeyUse(certify, "EncryptCertificates");
    evidence.signingKey.grantSign(certify, "SignCertificates");
    return certify;
  }

  /**
   * The state machine, its role (invoke the three functions, deliver its logs) and its log group;
   * its state (the requests' inputs, with the subjects' pseudonyms) is encrypted with the requests key.
   */
  private createStateMachine(props: SubjectRequestsProps, name: string): SfnStateMachine {
    const { placement } = props;
    const provider = placement.provider;
    const key = this.requests.encryptionKey;
    const logs = new LogGroup(this, "workflow-logs", {
      placement,
      logGroupName: `/sip/${name}/workflow`,
      encryptionKey: props.key,
      retentionDays: 365,
    });
    const role = new IamRole(this, "workflow-role", {
      provider,
      name: `${name}-workflow`,
      description: `Runs ${name}: invokes its functions, delivers its logs`,
      assumeRolePolicy: renderPolicy(
        trustPolicyDocument([
          {
            Sid: "StepFunctionsOfThisAccount",
            Effect: "Allow",
            Principal: { Service: "states.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": placement.accountId } },
          },
        ]),
      ),
    });
    const statements: Statement[] = [
      {
        Sid: "InvokeWorkflowFunctions",
        Effect: "Allow",
        Action: "lambda:InvokeFunction",
        Resource: [this.functions.pending, this.functions.run, this.functions.certify].map((f) => f.function.arn),
      },
      // Log delivery for Step Functions goes through CloudWatch Logs' vended-log API, whose actions
      // name no resource.
      {
        Sid: "DeliverWorkflowLogs",
        Effect: "Allow",
        Action: [
          "logs:CreateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:DescribeLogGroups",
          "logs:DescribeResourcePolicies",
          "logs:GetLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:UpdateLogDelivery",
        ],
        Resource: "*",
      },
      {
        Sid: "EncryptWorkflowState",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: key.keyArn,
        Condition: {
          StringEquals: {
            "kms:EncryptionContext:aws:states:stateMachineArn": arn(placement.partition, {
              service: "states",
              region: placement.region,
              account: placement.accountId,
              resource: `stateMachine:${name}`,
            }),
          },
        },
      },
    ];
    new IamRolePolicy(this, "workflow-policy", {
      provider,
      role: role.id,
      name: "workflow",
      policy: renderPolicy(policyDocument(statements)),
    });
    return new SfnStateMachine(this, "state-machine", {
      provider,
      name,
      type: "STANDARD",
      roleArn: role.arn,
      definition: JSON.stringify(
        subjectRequestDefinition({
          partition: placement.partition.id,
          functions: {
            pending: this.functions.pending.function.arn,
            run: this.functions.run.function.arn,
            certify: this.functions.certify.function.arn,
          },
          approvalTimeoutSeconds: props.config.approvalTimeoutDays * 24 * 3600,
        }),
      ),
      encryptionConfiguration: {
        type: "CUSTOMER_MANAGED_KMS_KEY",
        kmsKeyId: key.keyArn,
        kmsDataKeyReusePeriodSeconds: 300,
      },
      loggingConfiguration: {
        level: "ALL",
        includeExecutionData: false,
        logDestination: `${logs.logGroupArn}:*`,
      },
      // Off like the functions' X-Ray tracing (SIP-LAMBDA-7): X-Ray in the sovereign region is not established.
      tracingConfiguration: { enabled: false },
    });
  }
}

/** A function of the workflow; with `crossing` (its justification) one that reaches the commercial partition. */
type FunctionFactory = (
  name: string,
  sizing: keyof SubjectRequestsProps["sizing"],
  environment: Record<string, string>,
  crossing?: string,
) => LambdaFunction;
