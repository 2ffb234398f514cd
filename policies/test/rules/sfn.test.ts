import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { templateOf } from "../../core/template";
import type { Rule } from "../../core/types";
import { StateMachineCmk } from "../../rules/sfn/StateMachineCmk";
import { StateMachineLogging } from "../../rules/sfn/StateMachineLogging";
import { describeRules, evaluate, exampleConfig, fixture } from "../harness";

const C = ["sfn/compliant.tf.json"];
const n = (rule: string, i: number) => `sfn/${rule}/noncompliant-${i}.tf.json`;

describeRules([
  {
    rule: StateMachineLogging,
    compliant: C,
    noncompliant: [
      // no logging_configuration; level OFF; level left out
      [
        n("StateMachineLogging", 1),
        ["aws_sfn_state_machine.none", "aws_sfn_state_machine.off", "aws_sfn_state_machine.no-level"],
      ],
      // ERROR, FATAL and a misspelt level
      [
        n("StateMachineLogging", 2),
        ["aws_sfn_state_machine.error", "aws_sfn_state_machine.fatal", "aws_sfn_state_machine.misspelt"],
      ],
      // include_execution_data true (boolean and string)
      [n("StateMachineLogging", 3), ["aws_sfn_state_machine.with-data", "aws_sfn_state_machine.with-data-string"]],
      // log_destination: missing, literal ARN, data source, not a log group, the name, no ":*"
      [
        n("StateMachineLogging", 4),
        [
          "aws_sfn_state_machine.no-destination",
          "aws_sfn_state_machine.literal",
          "aws_sfn_state_machine.data-source",
          "aws_sfn_state_machine.bucket",
          "aws_sfn_state_machine.name",
          "aws_sfn_state_machine.no-suffix",
        ],
      ],
    ],
  },
  {
    rule: StateMachineCmk,
    compliant: C,
    noncompliant: [
      // no block; AWS_OWNED_KEY (with and without a key); an unknown type
      [
        n("StateMachineCmk", 1),
        [
          "aws_sfn_state_machine.none",
          "aws_sfn_state_machine.owned",
          "aws_sfn_state_machine.owned-with-key",
          "aws_sfn_state_machine.unknown-type",
        ],
      ],
      // no kms_key_id; the AWS managed alias; another account's key; a reference to no key
      [
        n("StateMachineCmk", 2),
        [
          "aws_sfn_state_machine.no-key",
          "aws_sfn_state_machine.aws-managed",
          "aws_sfn_state_machine.foreign",
          "aws_sfn_state_machine.not-a-key",
        ],
      ],
      // kms_data_key_reuse_period_seconds outside 60-900 or no whole number; the AWS managed key looked up
      [
        n("StateMachineCmk", 3),
        [
          "aws_sfn_state_machine.too-long",
          "aws_sfn_state_machine.too-short",
          "aws_sfn_state_machine.fraction",
          "aws_sfn_state_machine.not-a-number",
          "aws_sfn_state_machine.lookup",
        ],
      ],
    ],
  },
]);

/** The details of a rule over a fixture, by address. */
async function details(rule: Rule, file: string): Promise<Record<string, string>> {
  const result = await evaluate(rule, fixture(file), exampleConfig());
  if (result.kind !== "NonCompliant") return {};
  return Object.fromEntries(result.violations.map((v) => [v.address.replace("aws_sfn_state_machine.", ""), v.detail]));
}

describe("SIP-SFN-1 details name the attribute and what is wrong", () => {
  it("says which level is set and what it leaves out", async () => {
    // Act
    const off = await details(StateMachineLogging, n("StateMachineLogging", 1));
    const levels = await details(StateMachineLogging, n("StateMachineLogging", 2));
    // Assess
    expect(off.none).toMatch(/^no logging_configuration/);
    expect(off.off).toMatch(
      /^logging_configuration\.level is "OFF": nothing is logged; logging_configuration\.log_destination is not set/,
    );
    expect(off["no-level"]).toMatch(/^logging_configuration\.level is not set, so it is OFF/);
    expect(levels.error).toMatch(/^logging_configuration\.level is "ERROR": only failed executions and states/);
    expect(levels.fatal).toMatch(/^logging_configuration\.level is "FATAL"/);
    expect(levels.misspelt).toMatch(/"all": not a level Step Functions knows/);
  });

  it("says that execution data copies personal data into the logs", async () => {
    const d = await details(StateMachineLogging, n("StateMachineLogging", 3));
    expect(d["with-data"]).toMatch(/^logging_configuration\.include_execution_data is true: .*pseudonyms/);
    expect(d["with-data-string"]).toMatch(/^logging_configuration\.include_execution_data is true/);
  });

  it("says what is wrong with each log destination", async () => {
    const d = await details(StateMachineLogging, n("StateMachineLogging", 4));
    expect(d).toEqual({
      "no-destination": expect.stringMatching(/^logging_configuration\.log_destination is not set/),
      literal: expect.stringMatching(
        /log_destination ".*" is a literal ARN of a log group this configuration does not manage/,
      ),
      "data-source": expect.stringMatching(
        /log_destination refers to data\.aws_cloudwatch_log_group\.elsewhere, not to/,
      ),
      bucket: expect.stringMatching(
        /log_destination refers to aws_s3_bucket\.logs, not to an aws_cloudwatch_log_group/,
      ),
      name: expect.stringMatching(/log_destination reads name of aws_cloudwatch_log_group\.workflow, not its arn/),
      "no-suffix": expect.stringMatching(/log_destination ".*" does not end with ":\*"/),
    });
  });
});

describe("SIP-SFN-2 details name the attribute and what is wrong", () => {
  it("says which encryption is used instead of a customer managed key", async () => {
    const d = await details(StateMachineCmk, n("StateMachineCmk", 1));
    expect(d).toEqual({
      none: expect.stringMatching(/^no encryption_configuration: .*AWS owned key/),
      owned: expect.stringMatching(/^encryption_configuration\.type is AWS_OWNED_KEY/),
      "owned-with-key": expect.stringMatching(/^encryption_configuration\.type is AWS_OWNED_KEY/),
      "unknown-type": expect.stringMatching(/^encryption_configuration\.type "CUSTOMER_MANAGED_KEY" is not/),
    });
  });

  it("says why the key is not a customer managed key of this configuration", async () => {
    const d = await details(StateMachineCmk, n("StateMachineCmk", 2));
    expect(d).toEqual({
      "no-key": expect.stringMatching(/^encryption_configuration\.kms_key_id is not set/),
      "aws-managed": expect.stringMatching(
        /^encryption_configuration\.kms_key_id: alias\/aws\/states is an AWS managed key/,
      ),
      foreign: expect.stringMatching(/^encryption_configuration\.kms_key_id: .* is a key of account 999999999999/),
      "not-a-key": expect.stringMatching(
        /kms_key_id refers to aws_cloudwatch_log_group\.workflow, not to an aws_kms_key/,
      ),
    });
  });

  it("says which key reuse periods Step Functions rejects", async () => {
    const d = await details(StateMachineCmk, n("StateMachineCmk", 3));
    expect(d).toEqual({
      "too-long": expect.stringMatching(
        /^encryption_configuration\.kms_data_key_reuse_period_seconds is 3600: .* 60 to 900/,
      ),
      "too-short": expect.stringMatching(/kms_data_key_reuse_period_seconds is 30:/),
      fraction: expect.stringMatching(/kms_data_key_reuse_period_seconds is 300\.5:/),
      "not-a-number": expect.stringMatching(/kms_data_key_reuse_period_seconds is "five minutes":/),
      lookup: expect.stringMatching(/data\.aws_kms_alias\.states looks up alias\/aws\/states, an AWS managed key/),
    });
  });
});

describe("the data-subject request workflow of the synthesized example", () => {
  // stacks/__snapshots__/example.cdk.tf.json: the snapshot stacks/ tests keep equal to the synth.
  const snapshot = templateOf(
    JSON.parse(readFileSync(join(__dirname, "../../../stacks/__snapshots__/example.cdk.tf.json"), "utf8")),
    "example",
  );

  it("has a state machine", () => {
    expect(snapshot.resources.filter((r) => r.type === "aws_sfn_state_machine").map((r) => r.address)).toEqual([
      "aws_sfn_state_machine.subject-requests_state-machine",
    ]);
  });

  it.each([StateMachineLogging, StateMachineCmk])("passes $id $name", async (rule) => {
    // Act
    const result = await evaluate(rule, snapshot, exampleConfig());
    // Assess
    expect(result).toEqual({ kind: "Compliant" });
  });
});
