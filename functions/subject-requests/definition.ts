/**
 * The data-subject request workflow as an Amazon States Language definition (a standard state machine,
 * one per environment, in the sovereign partition). The execution's name is the request's ID and its
 * input `{ "request": <RequestRecord> }`.
 *
 *   AwaitApproval ──RequestRejected──▶ Rejected (Fail)
 *        │       └──States.Timeout───▶ Expired (Fail)
 *        ▼
 *   FirstAttempt ─▶ Run ─▶ Certify ─▶ HoldsLeft? ──followUp──▶ WaitForHold ─▶ NextAttempt ─▶ Run …
 *                                          └────default────▶ Done (Succeed)
 *
 * - AwaitApproval invokes the pending function with the task token (`lambda:invoke.waitForTaskToken`),
 *   which stores it; the API returns it with SendTaskSuccess (`{ approvedBy, approvedAt }`, kept at
 *   `$.approval`) or SendTaskFailure (error `RequestRejected`, cause `{ rejectedBy, rejectedAt, reason }`).
 *   Only `RequestRejected` leads to Rejected: a failure of the pending function itself fails the
 *   execution (status failed, not rejected).
 * - Run erases or exports (`$.run`: `{ reportKey, held, heldUntil, followUp, downloadUrl, expiresAt }`),
 *   Certify signs and stores the certificate of that attempt (`$.certificate`). Both are retried
 *   (Lambda service errors quickly, any task failure a few times with backoff); when the retries are
 *   spent the execution fails and nothing is certified.
 * - While versions are held and their date is within the execution's lifetime (`followUp`), the
 *   workflow waits until `$.run.heldUntil` and runs again with the next attempt number, which certifies
 *   the follow-up under its own key.
 *
 * Pure: the same input gives the same object, keys in a fixed order.
 */
import { PARTITIONS, type PartitionId } from "../../config/partitions";

/** How long a request waits for its approval by default: 30 days. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 30 * 24 * 3600;
/** The error a rejection sends (SendTaskFailure), caught by AwaitApproval. */
export const REJECTED_ERROR = "RequestRejected";
/** The error of an execution whose approval did not come in time. */
export const EXPIRED_ERROR = "ApprovalExpired";
/** The longest a Lambda function runs: the timeout of the Run and Certify tasks. */
export const TASK_TIMEOUT_SECONDS = 900;

export interface SubjectRequestDefinitionProps {
  /** The partition of the state machine (`aws-eusc` for the sovereign one). */
  readonly partition: PartitionId;
  /** ARNs of the three functions. */
  readonly functions: { readonly pending: string; readonly run: string; readonly certify: string };
  /** How long a request awaits a decision. @default DEFAULT_APPROVAL_TIMEOUT_SECONDS (30 days) */
  readonly approvalTimeoutSeconds?: number;
}

/** Errors of the Lambda service itself, retried quickly (AWS's recommended set for lambda:invoke). */
const LAMBDA_SERVICE_ERRORS = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
];

const serviceRetry = {
  ErrorEquals: LAMBDA_SERVICE_ERRORS,
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

const taskRetry = { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 30, MaxAttempts: 3, BackoffRate: 4 };

/** The ASL definition (see the module comment). */
export function subjectRequestDefinition(props: SubjectRequestDefinitionProps): Record<string, unknown> {
  const partition = PARTITIONS[props.partition];
  if (partition === undefined) throw new Error(`unknown partition ${JSON.stringify(props.partition)}`);
  const timeout = props.approvalTimeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 99_999_999)
    throw new Error(`approvalTimeoutSeconds must be a whole number of 1-99999999 (value: ${timeout})`);
  const invoke = `arn:${partition.id}:states:::lambda:invoke`;
  const request = { "request.$": "$.request", "approval.$": "$.approval", "attempt.$": "$.attempt" };
  return {
    Comment:
      "Data-subject request (issue 18): a second person's approval, then export or erasure, then its certificate",
    StartAt: "AwaitApproval",
    States: {
      AwaitApproval: {
        Type: "Task",
        Resource: `${invoke}.waitForTaskToken`,
        Parameters: {
          FunctionName: props.functions.pending,
          Payload: { "request.$": "$.request", "taskToken.$": "$$.Task.Token" },
        },
        TimeoutSeconds: timeout,
        ResultPath: "$.approval",
        Retry: [serviceRetry],
        Catch: [
          { ErrorEquals: [REJECTED_ERROR], ResultPath: "$.rejection", Next: "Rejected" },
          { ErrorEquals: ["States.Timeout"], ResultPath: "$.expiry", Next: "Expired" },
        ],
        Next: "FirstAttempt",
      },
      Rejected: { Type: "Fail", Error: REJECTED_ERROR, CausePath: "$.rejection.Cause" },
      Expired: { Type: "Fail", Error: EXPIRED_ERROR, Cause: `no decision within ${timeout} seconds` },
      FirstAttempt: { Type: "Pass", Result: 1, ResultPath: "$.attempt", Next: "Run" },
      Run: {
        Type: "Task",
        Resource: invoke,
        Parameters: {
          FunctionName: props.functions.run,
          Payload: { ...request, "startedAt.$": "$$.Execution.StartTime" },
        },
        TimeoutSeconds: TASK_TIMEOUT_SECONDS,
        ResultSelector: {
          "reportKey.$": "$.Payload.reportKey",
          "held.$": "$.Payload.held",
          "heldUntil.$": "$.Payload.heldUntil",
          "followUp.$": "$.Payload.followUp",
          "downloadUrl.$": "$.Payload.downloadUrl",
          "expiresAt.$": "$.Payload.expiresAt",
        },
        ResultPath: "$.run",
        Retry: [serviceRetry, taskRetry],
        Next: "Certify",
      },
      Certify: {
        Type: "Task",
        Resource: invoke,
        Parameters: { FunctionName: props.functions.certify, Payload: { ...request, "run.$": "$.run" } },
        TimeoutSeconds: TASK_TIMEOUT_SECONDS,
        ResultSelector: { "certificateKey.$": "$.Payload.certificateKey", "versionId.$": "$.Payload.versionId" },
        ResultPath: "$.certificate",
        Retry: [serviceRetry, taskRetry],
        Next: "HoldsLeft",
      },
      HoldsLeft: {
        Type: "Choice",
        Choices: [{ Variable: "$.run.followUp", BooleanEquals: true, Next: "WaitForHold" }],
        Default: "Done",
      },
      WaitForHold: { Type: "Wait", TimestampPath: "$.run.heldUntil", Next: "NextAttempt" },
      NextAttempt: {
        Type: "Pass",
        Parameters: { ...request, "attempt.$": "States.MathAdd($.attempt, 1)" },
        Next: "Run",
      },
      Done: { Type: "Succeed" },
    },
  };
}
