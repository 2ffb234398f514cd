import { StateMachine } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import { DEFAULT_APPROVAL_TIMEOUT_SECONDS, subjectRequestDefinition } from "./definition";

const functions = (partition: string) => ({
  pending: `arn:${partition}:lambda:eusc-de-east-1:111122223333:function:pending`,
  run: `arn:${partition}:lambda:eusc-de-east-1:111122223333:function:run`,
  certify: `arn:${partition}:lambda:eusc-de-east-1:111122223333:function:certify`,
});

describe("subjectRequestDefinition", () => {
  it("is valid ASL (asl-validator, ARNs checked with the aws partition it knows)", () => {
    expect(
      () => new StateMachine(subjectRequestDefinition({ partition: "aws", functions: functions("aws") }) as never),
    ).not.toThrow();
    const sovereign = subjectRequestDefinition({ partition: "aws-eusc", functions: functions("aws-eusc") });
    expect(() => new StateMachine(sovereign as never, { validationOptions: { checkArn: false } })).not.toThrow();
  });

  it("builds every integration ARN from the partition, and waits 30 days for an approval by default", () => {
    const definition = subjectRequestDefinition({ partition: "aws-eusc", functions: functions("aws-eusc") });
    const states = definition.States as Record<string, Record<string, unknown>>;
    expect(states.AwaitApproval?.Resource).toBe("arn:aws-eusc:states:::lambda:invoke.waitForTaskToken");
    expect(states.Run?.Resource).toBe("arn:aws-eusc:states:::lambda:invoke");
    expect(states.AwaitApproval?.TimeoutSeconds).toBe(DEFAULT_APPROVAL_TIMEOUT_SECONDS);
    expect(JSON.stringify(definition)).not.toContain("arn:aws:");
  });

  it("is deterministic: the same props give the same JSON", () => {
    const props = { partition: "aws-eusc" as const, functions: functions("aws-eusc"), approvalTimeoutSeconds: 60 };
    expect(JSON.stringify(subjectRequestDefinition(props))).toBe(JSON.stringify(subjectRequestDefinition(props)));
  });

  it("fails when the approval timeout is not a whole number of 1-99999999 seconds", () => {
    for (const approvalTimeoutSeconds of [0, 1.5, 100_000_000])
      expect(() =>
        subjectRequestDefinition({ partition: "aws", functions: functions("aws"), approvalTimeoutSeconds }),
      ).toThrow(/approvalTimeoutSeconds/);
  });
});
