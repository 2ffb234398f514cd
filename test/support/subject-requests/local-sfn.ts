/**
 * Test-only: Step Functions on loopback for the data-subject request workflow. It implements the four
 * calls the API makes (StartExecution, SendTaskSuccess, SendTaskFailure, DescribeExecution, answered
 * and refused as the service does) over aws-local-stepfunctions, which runs the real ASL definition.
 *
 * aws-local-stepfunctions has no task tokens, so this supplies them for the workflow's one
 * `lambda:invoke.waitForTaskToken` state: each execution gets a token in its context object
 * (`$$.Task.Token`); the state's local handler invokes the function with its payload and then waits
 * until SendTaskSuccess resolves the token with the output, or SendTaskFailure rejects it with an
 * error named like the States error (so the state's Catch applies). A token is single-use; after the
 * state's TimeoutSeconds it is timed out, as in Step Functions (`TaskTimedOut`).
 *
 * Other Task states (`lambda:invoke`) call the given function with their `Payload` and answer
 * `{ StatusCode: 200, Payload }` like the integration, so the definition's ResultSelector applies.
 */
import { randomUUID } from "node:crypto";
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { ExecutionError, ExecutionTimeoutError, StateMachine } from "aws-local-stepfunctions";
import type { SfnCommand, StepFunctionsClient } from "../../../functions/subject-requests/api";

type TaskFunction = (payload: unknown) => Promise<unknown>;

// aws-local-stepfunctions calls Promise.withResolvers (Node 22); this project's Node may be older.
const promise = Promise as unknown as { withResolvers?: () => unknown };
promise.withResolvers ??= () => {
  let resolve: unknown;
  let reject: unknown;
  const made = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise: made, resolve, reject };
};

export interface LocalStepFunctionsOptions {
  readonly stateMachineArn: string;
  /** The ASL definition (the real one). */
  readonly definition: Record<string, unknown>;
  /** The Lambda function of each Task state, by state name. */
  readonly functions: Readonly<Record<string, TaskFunction>>;
  /** The waitForTaskToken state. @default "AwaitApproval" */
  readonly callbackState?: string;
  /** Wait states' durations in ms (`waitTimeOverrides`). */
  readonly waitTimeOverrides?: Readonly<Record<string, number>>;
  /** Pauses before retries in ms (`retryIntervalOverrides`). */
  readonly retryIntervalOverrides?: Readonly<Record<string, number>>;
}

interface Token {
  state: "waiting" | "done" | "timed-out";
  resolve?: (output: unknown) => void;
  reject?: (error: Error) => void;
}

interface Execution {
  readonly arn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT";
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  readonly settled: Promise<void>;
}

/** An error as the SDK throws it: a name and an HTTP status. */
function serviceError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

export class LocalStepFunctions implements StepFunctionsClient {
  private readonly machine: StateMachine;
  private readonly executions = new Map<string, Execution>();
  private readonly tokens = new Map<string, Token>();
  /** Every call, as `<Command> <detail>`, for the tests' assertions. */
  readonly calls: string[] = [];

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.machine = new StateMachine(options.definition as never, {
      // asl-validator knows only the aws, aws-cn and aws-us-gov partitions (definition.test.ts checks
      // the ARNs with the aws partition); everything else is validated.
      validationOptions: { checkArn: false },
    });
  }

  async send(command: SfnCommand): Promise<unknown> {
    if (command instanceof StartExecutionCommand) return this.start(command);
    if (command instanceof SendTaskSuccessCommand) return this.succeed(command);
    if (command instanceof SendTaskFailureCommand) return this.fail(command);
    if (command instanceof DescribeExecutionCommand) return this.describe(command);
    throw serviceError("UnknownOperationException", "not implemented here");
  }

  /** Resolves when the execution has stopped. */
  settled(name: string): Promise<void> {
    const execution = this.executions.get(name);
    if (execution === undefined) throw new Error(`no execution ${name}`);
    return execution.settled;
  }

  private callbackTimeoutMs(): number {
    const state = (this.options.definition.States as Record<string, { TimeoutSeconds?: number }>)[
      this.options.callbackState ?? "AwaitApproval"
    ];
    return (state?.TimeoutSeconds ?? 99_999_999) * 1000;
  }

  private start(command: StartExecutionCommand) {
    const { stateMachineArn, name, input } = command.input;
    this.calls.push(`StartExecution ${name}`);
    if (stateMachineArn !== this.options.stateMachineArn)
      throw serviceError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${stateMachineArn}'`);
    if (name === undefined || this.executions.has(name))
      throw serviceError("ExecutionAlreadyExists", `Execution Already Exists: '${name}'`);
    const arn = `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
    const taskToken = randomUUID();
    const callbackState = this.options.callbackState ?? "AwaitApproval";
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [state, run] of Object.entries(this.options.functions)) {
      handlers[state] =
        state === callbackState
          ? (stateInput) => this.awaitCallback(taskToken, run, (stateInput as { Payload: unknown }).Payload)
          : async (stateInput) => ({
              StatusCode: 200,
              Payload: await run((stateInput as { Payload: unknown }).Payload),
            });
    }
    const run = this.machine.run(JSON.parse(input ?? "{}") as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        waitTimeOverrides: { ...this.options.waitTimeOverrides },
        retryIntervalOverrides: { ...this.options.retryIntervalOverrides },
      },
      context: { Task: { Token: taskToken } },
    });
    const execution: Execution = {
      arn,
      name,
      input: input ?? "{}",
      startDate: new Date(),
      status: "RUNNING",
      settled: run.result.then(
        (output) => {
          Object.assign(execution, { status: "SUCCEEDED", output: JSON.stringify(output), stopDate: new Date() });
        },
        (error: unknown) => {
          const cause = error instanceof ExecutionError ? (error.cause as Error) : (error as Error);
          Object.assign(execution, {
            status: error instanceof ExecutionTimeoutError ? "TIMED_OUT" : "FAILED",
            error: cause.name,
            cause: cause.message,
            stopDate: new Date(),
          });
        },
      ),
    };
    this.executions.set(name, execution);
    return { executionArn: arn, startDate: execution.startDate };
  }

  /** The callback state: invoke the function, then wait for the token (single-use, with a timeout). */
  private async awaitCallback(taskToken: string, run: TaskFunction, payload: unknown): Promise<unknown> {
    const token: Token = { state: "waiting" };
    const decided = new Promise<unknown>((resolve, reject) => {
      token.resolve = resolve;
      token.reject = reject;
    });
    this.tokens.set(taskToken, token);
    const timer = setTimeout(() => {
      if (token.state === "waiting") token.state = "timed-out";
    }, this.callbackTimeoutMs());
    try {
      await run(payload);
      return await decided;
    } finally {
      clearTimeout(timer);
      if (token.state === "waiting") token.state = "timed-out";
    }
  }

  /** The waiting token, or the service's refusal. */
  private take(taskToken: string | undefined): Token {
    const token = taskToken === undefined ? undefined : this.tokens.get(taskToken);
    if (token === undefined) throw serviceError("InvalidToken", "Invalid Token: the task token is not known");
    if (token.state !== "waiting")
      throw serviceError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
    token.state = "done";
    return token;
  }

  private succeed(command: SendTaskSuccessCommand) {
    this.calls.push("SendTaskSuccess");
    const token = this.take(command.input.taskToken);
    token.resolve?.(JSON.parse(command.input.output ?? "null"));
    return {};
  }

  private fail(command: SendTaskFailureCommand) {
    this.calls.push(`SendTaskFailure ${command.input.error}`);
    const token = this.take(command.input.taskToken);
    token.reject?.(named(command.input.error ?? "", command.input.cause ?? ""));
    return {};
  }

  private describe(command: DescribeExecutionCommand): DescribeExecutionCommandOutput {
    const arn = command.input.executionArn ?? "";
    this.calls.push(`DescribeExecution ${arn.split(":").pop()}`);
    const execution = [...this.executions.values()].find((e) => e.arn === arn);
    if (execution === undefined) throw serviceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
    return {
      $metadata: {},
      executionArn: execution.arn,
      stateMachineArn: this.options.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      stopDate: execution.stopDate,
      input: execution.input,
      output: execution.output,
      error: execution.error,
      cause: execution.cause,
    };
  }
}
