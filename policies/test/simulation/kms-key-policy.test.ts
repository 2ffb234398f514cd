/**
 * The platform's KMS key policies (as synthesized for the example) simulated with iam-simulate:
 * use goes only to principals of the key's own account and partition, through their IAM policies.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { synthDeployment, validConfig } from "../../../test/template";
import { allow, decide, type Simulate, type SimulationInput } from "./scenarios";

const simulate = runSimulation as unknown as Simulate;
const { json } = synthDeployment(validConfig());
const keys = json.resource?.aws_kms_key ?? {};

const SOVEREIGN_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111111111111:key/0000aaaa-11bb-22cc-33dd-444455556666";
const COMMERCIAL_KEY = "arn:aws:kms:eu-central-1:222222222222:key/0000aaaa-11bb-22cc-33dd-444455556666";

function keyPolicy(name: string): unknown {
  const raw = keys[name]?.policy;
  if (typeof raw !== "string") throw new Error(`no key policy for ${name}`);
  return JSON.parse(raw);
}

function decrypt(principal: string, keyArn: string, policy: unknown, identity = true): SimulationInput {
  const account = /^arn:[^:]+:iam::(\d{12}):/.exec(principal)?.[1] ?? "";
  return {
    request: {
      principal,
      action: "kms:Decrypt",
      resource: { resource: keyArn, accountId: /:(\d{12}):key\//.exec(keyArn)?.[1] ?? "" },
      contextVariables: { "kms:CallerAccount": account },
    },
    identityPolicies: identity ? [allow("kms:Decrypt", "*")] : [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: policy,
  };
}

describe("KMS key policies of the example", () => {
  const identityKey = keyPolicy("sovereign-key-identity_key");

  it("let a role of the key's own account decrypt through its IAM policy", async () => {
    expect(
      await decide(simulate, decrypt("arn:aws-eusc:iam::111111111111:role/example-scrub", SOVEREIGN_KEY, identityKey)),
    ).toBe("Allowed");
  });

  it("give nothing to a role of the own account without an IAM grant (delegation, not a grant)", async () => {
    expect(
      await decide(
        simulate,
        decrypt("arn:aws-eusc:iam::111111111111:role/example-scrub", SOVEREIGN_KEY, identityKey, false),
      ),
    ).toBe("ImplicitlyDenied");
  });

  it("deny a role of another account of the same partition, even with an IAM grant", async () => {
    expect(
      await decide(simulate, decrypt("arn:aws-eusc:iam::333333333333:role/intruder", SOVEREIGN_KEY, identityKey)),
    ).toBe("ImplicitlyDenied");
  });

  it("deny a role of the commercial partition", async () => {
    expect(
      await decide(
        simulate,
        decrypt("arn:aws:iam::222222222222:role/example-failover-sync", SOVEREIGN_KEY, identityKey),
      ),
    ).toBe("DeniedAcrossPartitions");
  });

  it("deny sovereign roles on the commercial failover key, and allow the commercial account's own roles", async () => {
    const failover = keyPolicy("commercial-key-avatars-clean_key");
    expect(
      await decide(simulate, decrypt("arn:aws-eusc:iam::111111111111:role/example-scrub", COMMERCIAL_KEY, failover)),
    ).toBe("DeniedAcrossPartitions");
    expect(await decide(simulate, decrypt("arn:aws:iam::333333333333:role/intruder", COMMERCIAL_KEY, failover))).toBe(
      "ImplicitlyDenied",
    );
    expect(
      await decide(simulate, decrypt("arn:aws:iam::222222222222:role/example-failover-sync", COMMERCIAL_KEY, failover)),
    ).toBe("Allowed");
  });

  it("keep every tenant key to the sovereign account", async () => {
    for (const name of Object.keys(keys).filter((k) => k.startsWith("tenant-key-"))) {
      const policy = keyPolicy(name);
      expect(
        await decide(simulate, decrypt("arn:aws-eusc:iam::111111111111:role/example-scrub", SOVEREIGN_KEY, policy)),
      ).toBe("Allowed");
      expect(
        await decide(simulate, decrypt("arn:aws-eusc:iam::333333333333:role/intruder", SOVEREIGN_KEY, policy)),
      ).toBe("ImplicitlyDenied");
    }
  });
});
