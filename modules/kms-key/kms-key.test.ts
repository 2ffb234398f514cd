import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf } from "../../test/template";
import { KmsKey } from "./kms-key";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup() {
  const s = moduleStack();
  cleanup = s.cleanup;
  return s;
}

describe("KmsKey", () => {
  it("creates a rotating key with a 30-day deletion window and an alias", () => {
    const { stack, sovereign, synth } = setup();
    new KmsKey(stack, "data", { placement: sovereign, aliasName: "env/data/identity", description: "identity", tags: { DataClass: "identity" } });
    const json = synth();
    const key = Object.values(resourcesOf(json, "aws_kms_key"))[0];
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, provider: "aws.sovereign", tags: { DataClass: "identity" } });
    expect(Object.values(resourcesOf(json, "aws_kms_alias"))[0]).toMatchObject({ name: "alias/env/data/identity", provider: "aws.sovereign" });
  });

  it("delegates only to the key's own account, in the key's partition", () => {
    const { stack, sovereign, commercial, synth } = setup();
    new KmsKey(stack, "s", { placement: sovereign, aliasName: "s", description: "s" });
    new KmsKey(stack, "c", { placement: commercial, aliasName: "c", description: "c" });
    const policies = Object.values(resourcesOf(synth(), "aws_kms_key")).map((k) => JSON.parse(k.policy as string));
    expect(policies.map((p) => p.Statement.map((s: { Principal: unknown }) => s.Principal))).toEqual([
      [{ AWS: "arn:aws:iam::222222222222:root" }],
      [{ AWS: "arn:aws-eusc:iam::111111111111:root" }],
    ]);
  });

  it.each([6, 31, 7.5])("fails when deletionWindowDays is %s", (days) => {
    const { stack, sovereign } = setup();
    expect(() => new KmsKey(stack, "k", { placement: sovereign, aliasName: "a", description: "d", deletionWindowDays: days })).toThrow(
      /KmsKey\.deletionWindowDays: deletionWindowDays must be a whole number of days from 7 to 30/,
    );
  });

  it.each(["aws/s3", "with space", ""])("fails when aliasName is %j", (aliasName) => {
    const { stack, sovereign } = setup();
    expect(() => new KmsKey(stack, "k", { placement: sovereign, aliasName, description: "d" })).toThrow(/KmsKey\.aliasName/);
  });
});
