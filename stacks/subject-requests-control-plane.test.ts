/**
 * The data-subject workflow's control-plane calls, as AWS evaluates them (IAM simulator over the
 * example's synthesized policies with concrete ARNs): what the loopback Step Functions of the
 * end-to-end test cannot record. The S3 calls of the same roles are proven from recorded requests by
 * the authorization proof (test/authz).
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { authzWorld, type WorldRole } from "../policies/authz/world";
import { templateOf } from "../policies/core/template";
import { synthDeployment, validConfig } from "../test/template";

const world = authzWorld(templateOf(synthDeployment(validConfig()).json, "example"));
const role = (name: string): WorldRole => {
  const found = world.roleByName(name);
  if (found === undefined) throw new Error(`no role ${name} in the example`);
  return found;
};
const { account, region } = role("example-subject-request-api-function").side;
const states = (resource: string) => `arn:aws-eusc:states:${region}:${account}:${resource}`;
/** A function's ARN as the world makes it concrete (from its Terraform address). */
const fn = (address: string) => world.concrete(`\${aws_lambda_function.${address}.arn}`);
const MACHINE = states("stateMachine:example-subject-requests");
const EXECUTION = states("execution:example-subject-requests:6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");

async function decision(principal: WorldRole, action: string, resource: string): Promise<string> {
  const result = await runSimulation(
    {
      request: { principal: principal.arn, action, resource: { resource, accountId: account }, contextVariables: {} },
      identityPolicies: principal.identityPolicies.map((p) => ({ name: p.name, policy: p.policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType !== "single") throw new Error(`simulation failed: ${JSON.stringify(result)}`);
  return result.overallResult;
}

describe("the data-subject workflow's control plane (IAM simulation)", () => {
  it("lets the API function start, decide and read requests of its own state machine only", async () => {
    const api = role("example-subject-request-api-function");
    expect(await decision(api, "states:StartExecution", MACHINE)).toBe("Allowed");
    expect(await decision(api, "states:DescribeExecution", EXECUTION)).toBe("Allowed");
    expect(await decision(api, "states:SendTaskSuccess", "*")).toBe("Allowed");
    expect(await decision(api, "states:SendTaskFailure", "*")).toBe("Allowed");
    expect(await decision(api, "states:StartExecution", states("stateMachine:another"))).not.toBe("Allowed");
    expect(await decision(api, "states:StopExecution", EXECUTION)).not.toBe("Allowed");
    expect(await decision(api, "states:UpdateStateMachine", MACHINE)).not.toBe("Allowed");
  });

  it("lets no other function of the workflow start or decide requests", async () => {
    for (const name of ["pending", "run", "certify"]) {
      const other = role(`example-subject-request-${name}-function`);
      expect(await decision(other, "states:StartExecution", MACHINE), name).not.toBe("Allowed");
      expect(await decision(other, "states:SendTaskSuccess", "*"), name).not.toBe("Allowed");
    }
  });

  it("lets the state machine's role invoke its three functions and nothing else", async () => {
    const workflow = role("example-subject-requests-workflow");
    for (const name of ["pending", "run", "certify"])
      expect(await decision(workflow, "lambda:InvokeFunction", fn(`subject-requests_${name}_function`)), name).toBe(
        "Allowed",
      );
    for (const address of [
      "subject-requests_api_function",
      "upload-pipeline_upload_function",
      "sync-pipeline-avatars-clean_sync_function",
    ])
      expect(await decision(workflow, "lambda:InvokeFunction", fn(address)), address).not.toBe("Allowed");
    expect(
      await decision(workflow, "s3:GetObject", "arn:aws-eusc:s3:::example-subject-requests-111111111111/x"),
    ).not.toBe("Allowed");
  });
});
