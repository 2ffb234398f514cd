/**
 * Invokes a deployed function and waits for its answer: how operator commands (`failback --invoke`,
 * `replay-sync --invoke`) run inside the VPC with the function's own role, so that no operator
 * credential needs object access from outside the S3 endpoint. The operator needs only
 * `lambda:InvokeFunction` on the function.
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";

/** The function ran and failed (an unhandled error), or its answer is not JSON: the message says which. */
export class InvokeError extends Error {
  override readonly name = "InvokeError";
}

export interface InvokeOptions {
  /** @default - AWS_REGION of the environment */
  readonly region?: string;
  /** Endpoint override (tests). */
  readonly endpoint?: string;
  readonly client?: LambdaClient;
}

/** The operator commands' options from their environment: AWS_REGION, and LAMBDA_ENDPOINT (tests). */
export function invokeOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): InvokeOptions {
  return {
    ...(env.AWS_REGION === undefined ? {} : { region: env.AWS_REGION }),
    ...(env.LAMBDA_ENDPOINT === undefined ? {} : { endpoint: env.LAMBDA_ENDPOINT }),
  };
}

/** Invokes `functionName` with `payload` (RequestResponse) and returns its parsed JSON answer. */
export async function invokeFunction(
  functionName: string,
  payload: unknown,
  options: InvokeOptions = {},
): Promise<unknown> {
  const client =
    options.client ??
    new LambdaClient({
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      // Failback may run for up to 15 minutes: no client-side timeout shorter than the function's.
      requestHandler: { requestTimeout: 16 * 60 * 1000 },
    });
  const answer = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: "RequestResponse",
      Payload: Buffer.from(JSON.stringify(payload)),
    }),
  );
  const text = answer.Payload === undefined ? "" : Buffer.from(answer.Payload).toString("utf8");
  if (answer.FunctionError !== undefined) {
    let message = text;
    try {
      const parsed = JSON.parse(text) as { errorType?: string; errorMessage?: string };
      message = `${parsed.errorType ?? "Error"}: ${parsed.errorMessage ?? text}`;
    } catch {
      // not JSON: keep the text
    }
    throw new InvokeError(`${functionName} failed (${answer.FunctionError}): ${message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InvokeError(`${functionName} answered with something that is not JSON: ${text.slice(0, 200)}`);
  }
}
