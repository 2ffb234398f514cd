import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf } from "../../test/template";
import { KmsKey } from "../kms-key";
import { LogGroup } from "./log-group";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup() {
  const s = moduleStack();
  cleanup = s.cleanup;
  return { ...s, key: new KmsKey(s.stack, "k", { placement: s.sovereign, aliasName: "k", description: "k" }) };
}

describe("LogGroup", () => {
  it("encrypts with the key and keeps events for a bounded time", () => {
    const { stack, sovereign, key, synth } = setup();
    new LogGroup(stack, "lg", {
      placement: sovereign,
      logGroupName: "/sip/test/app",
      encryptionKey: key,
      retentionDays: 90,
    });
    expect(Object.values(resourcesOf(synth(), "aws_cloudwatch_log_group"))).toEqual([
      expect.objectContaining({
        name: "/sip/test/app",
        retention_in_days: 90,
        kms_key_id: "${aws_kms_key.k_key.arn}",
        provider: "aws.sovereign",
      }),
    ]);
  });

  it("lets CloudWatch Logs of the region use the key for this log group only", () => {
    const { stack, sovereign, key, synth } = setup();
    new LogGroup(stack, "lg", { placement: sovereign, logGroupName: "/sip/test/app", encryptionKey: key });
    const statements = JSON.parse(resourcesOf(synth(), "aws_kms_key").k_key?.policy as string).Statement;
    expect(statements[2]).toMatchObject({
      Sid: "Logssiptestapp",
      Principal: { Service: "logs.eusc-de-east-1.amazonaws.com" },
      Condition: {
        ArnEquals: {
          "kms:EncryptionContext:aws:logs:arn": "arn:aws-eusc:logs:eusc-de-east-1:111111111111:log-group:/sip/test/app",
        },
      },
    });
  });

  it.each([0, 10, 5000])("fails when retentionDays is %i", (retentionDays) => {
    const { stack, sovereign, key } = setup();
    expect(
      () => new LogGroup(stack, "lg", { placement: sovereign, logGroupName: "/x", encryptionKey: key, retentionDays }),
    ).toThrow(/LogGroup\.retentionDays/);
  });

  it("fails when the key lives on the other side", () => {
    const { stack, commercial, key } = setup();
    expect(() => new LogGroup(stack, "lg", { placement: commercial, logGroupName: "/x", encryptionKey: key })).toThrow(
      /LogGroup\.encryptionKey/,
    );
  });
});
