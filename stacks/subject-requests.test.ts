import { describe, expect, it } from "vitest";
import { exampleInput, resourcesOf, synthDeployment, validConfig } from "../test/template";

const example = synthDeployment(validConfig());
const fns = resourcesOf(example.json, "aws_lambda_function");
const variables = (name: string) =>
  (fns[`subject-requests_${name}_function`]?.environment as { variables: Record<string, string> } | undefined)
    ?.variables ?? {};
const policyOf = (address: string) =>
  JSON.parse(String(resourcesOf(example.json, "aws_iam_role_policy")[address]?.policy)) as {
    Statement: { Sid: string; Action: string | string[]; Resource: string | string[] }[];
  };
const statement = (address: string, sid: string) => policyOf(address).Statement.find((s) => s.Sid === sid);

describe("data-subject requests in the example", () => {
  it("runs each request as an execution of an encrypted, logged state machine over the workflow's three functions", () => {
    const machine = resourcesOf(example.json, "aws_sfn_state_machine")["subject-requests_state-machine"];
    expect(machine).toMatchObject({
      name: "example-subject-requests",
      type: "STANDARD",
      encryption_configuration: {
        type: "CUSTOMER_MANAGED_KMS_KEY",
        kms_key_id: "${aws_kms_key.subject-requests_key_key.arn}",
      },
      logging_configuration: { level: "ALL", include_execution_data: false },
    });
    const definition = JSON.parse(String(machine?.definition)) as { StartAt: string; States: Record<string, unknown> };
    expect(definition.StartAt).toBe("AwaitApproval");
    // The approval waits 30 days (approvalTimeoutDays), through a task token.
    expect(definition.States.AwaitApproval).toMatchObject({
      Resource: "arn:aws-eusc:states:::lambda:invoke.waitForTaskToken",
      TimeoutSeconds: 30 * 24 * 3600,
    });
    expect(statement("subject-requests_workflow-policy", "InvokeWorkflowFunctions")?.Resource).toEqual([
      "${aws_lambda_function.subject-requests_pending_function.arn}",
      "${aws_lambda_function.subject-requests_run_function.arn}",
      "${aws_lambda_function.subject-requests_certify_function.arn}",
    ]);
  });

  it("takes requests only through an IAM-authorised API, and gives operators a policy for its routes only", () => {
    const routes = Object.entries(resourcesOf(example.json, "aws_apigatewayv2_route")).filter(([name]) =>
      name.startsWith("subject-requests_"),
    );
    expect(routes.map(([, r]) => [r.route_key, r.authorization_type]).sort()).toEqual([
      ["GET /v1/requests/{id}", "AWS_IAM"],
      ["POST /v1/deployments", "AWS_IAM"],
      ["POST /v1/requests", "AWS_IAM"],
      ["POST /v1/requests/{id}/approve", "AWS_IAM"],
      ["POST /v1/requests/{id}/reject", "AWS_IAM"],
    ]);
    const operator = JSON.parse(
      String(resourcesOf(example.json, "aws_iam_policy")["subject-requests_operator-policy"]?.policy),
    ) as { Statement: { Action: string; Resource: string[] }[] };
    expect(operator.Statement).toEqual([
      expect.objectContaining({
        Action: "execute-api:Invoke",
        Resource: [
          "${aws_apigatewayv2_api.subject-requests_operators-api_api.execution_arn}/*/POST/v1/requests",
          "${aws_apigatewayv2_api.subject-requests_operators-api_api.execution_arn}/*/GET/v1/requests/*",
          "${aws_apigatewayv2_api.subject-requests_operators-api_api.execution_arn}/*/POST/v1/requests/*/approve",
          "${aws_apigatewayv2_api.subject-requests_operators-api_api.execution_arn}/*/POST/v1/requests/*/reject",
        ],
      }),
    ]);
    const recorder = JSON.parse(
      String(resourcesOf(example.json, "aws_iam_policy")["subject-requests_deployment-recorder-policy"]?.policy),
    ) as { Statement: { Resource: string[] }[] };
    expect(recorder.Statement.map((st) => st.Resource)).toEqual([
      ["${aws_apigatewayv2_api.subject-requests_operators-api_api.execution_arn}/*/POST/v1/deployments"],
    ]);
    // Only the API function starts and decides executions.
    const deciders = Object.keys(resourcesOf(example.json, "aws_iam_role_policy")).filter((address) =>
      JSON.stringify(policyOf(address)).includes("states:SendTaskSuccess"),
    );
    expect(deciders).toEqual(["subject-requests_api_role-policy"]);
  });

  it("finds subjects in every bucket of the upload pipelines and the commercial replicas, through Roles Anywhere", () => {
    expect(JSON.parse(variables("run").PLACES ?? "[]")).toEqual([
      // The sync's standby index is in the synced class's bucket: requests reach the subject's records there.
      {
        name: "avatars-clean",
        bucket: "example-avatars-clean-111111111111",
        partition: "sovereign",
        standbyIndex: true,
      },
      { name: "avatars-original", bucket: "example-avatars-original-111111111111", partition: "sovereign" },
      { name: "documents-clean", bucket: "example-documents-clean-111111111111", partition: "sovereign" },
      { name: "documents-original", bucket: "example-documents-original-111111111111", partition: "sovereign" },
      {
        name: "avatars-clean-failover",
        bucket: "example-avatars-clean-failover-222222222222",
        partition: "commercial",
      },
    ]);
    expect(variables("run")).toMatchObject({
      ROLES_ANYWHERE_ROLE_ARN: "${aws_iam_role.commercial-roles-anywhere_role-subject-erasure.arn}",
      SIGNING_MATERIAL_SECRET_ID: "${aws_secretsmanager_secret.subject-requests_signing-material.arn}",
      EXPORT_URL_EXPIRY_SECONDS: "300",
    });
    // Behind the controlled egress path, like the sync, as a named exception the guardrails verify.
    expect(fns["subject-requests_run_function"]?.tags).toMatchObject({ "sip:exception": "cross-partition-sync" });
    // The erasure role deletes versions in the sovereign places; the sync's role may not.
    expect(statement("subject-requests_run_role-policy", "EraseSubjectObjectsAvatarsOriginal")?.Action).toContain(
      "s3:DeleteObjectVersion",
    );
    expect(JSON.stringify(policyOf("sync-pipeline-avatars-clean_sync_role-policy"))).not.toContain(
      "DeleteObjectVersion",
    );
  });

  it("derives the standby pseudonym in the API, by which the run reaches the commercial replicas", () => {
    expect(variables("api")).toMatchObject({
      STANDBY_PSEUDONYM_KEY_ID: "${aws_kms_external_key.sovereign-key-standby-pseudonyms_key.arn}",
    });
    expect(statement("subject-requests_api_role-policy", "DeriveStandbyPseudonyms")).toEqual({
      Sid: "DeriveStandbyPseudonyms",
      Effect: "Allow",
      Action: "kms:GenerateMac",
      Resource: "${aws_kms_external_key.sovereign-key-standby-pseudonyms_key.arn}",
    });
    // Only the API derives it: the run reaches places with the prefixes of the request record.
    expect(JSON.stringify(policyOf("subject-requests_run_role-policy"))).not.toContain("standby-pseudonyms");
  });

  it("knows tenants by their key alias, so that a tenant more changes nothing of the workflow", () => {
    expect(variables("api")).toMatchObject({ TENANT_KEY_ALIAS_PREFIX: "alias/example/tenant/" });
    expect(variables("api")).not.toHaveProperty("TENANTS");
    const input = exampleInput();
    input.tenants.push({ id: "zusatz", tier: "logical" } as never);
    const more = resourcesOf(synthDeployment(validConfig(input)).json, "aws_lambda_function");
    for (const fn of ["api", "pending", "run", "certify"])
      expect(more[`subject-requests_${fn}_function`]).toEqual(fns[`subject-requests_${fn}_function`]);
  });

  it("is not deployed without a subjectRequests block", () => {
    const input = exampleInput() as Record<string, unknown>;
    delete input.subjectRequests;
    const json = synthDeployment(validConfig(input)).json;
    expect(Object.keys(resourcesOf(json, "aws_sfn_state_machine"))).toEqual([]);
    expect(Object.keys(resourcesOf(json, "aws_iam_role")).filter((r) => r.includes("subject"))).toEqual([]);
  });
});
