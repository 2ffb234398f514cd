import { blocks } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

export const StageAccessLogging = defineRule({
  id: "SIP-APIGW-2",
  name: "StageAccessLogging",
  service: "apigatewayv2",
  severity: "error",
  suppressible: true,
  info: "The API Gateway v2 stage has no access logging (access_log_settings with destination_arn and format).",
  explanation:
    "Access logs record who called the upload API, from where and with which result; they are the first thing needed to investigate abuse of pre-signed uploads.",
  fix: "Add access_log_settings with destination_arn of an encrypted log group in the same partition and a JSON format that includes requestId, sourceIp, routeKey, status and the authorizer's principal.",
  anchors: {
    checkov: ["CKV_AWS_76"],
    trivy: ["AVD-AWS-0001"],
    cdkNag: ["AwsSolutions-APIG1"],
  },
  reads: [
    {
      type: "aws_apigatewayv2_stage",
      attribute: "access_log_settings.destination_arn",
      as: "reference",
      passes: "a reference to a log group of this configuration",
    },
    {
      type: "aws_apigatewayv2_stage",
      attribute: "access_log_settings.format",
      as: "literal",
      passes: "a literal format",
    },
  ],
  evaluate({ template }) {
    const stages = resourcesOfType(template, "aws_apigatewayv2_stage");
    const violations: Violation[] = stages
      .filter(
        (s) =>
          !blocks(s.values.access_log_settings).some(
            (a) =>
              typeof a.destination_arn === "string" &&
              a.destination_arn !== "" &&
              typeof a.format === "string" &&
              a.format !== "",
          ),
      )
      .map((s) => ({ address: s.address, detail: "access_log_settings with destination_arn and format is not set" }));
    return verdict(stages.length, violations);
  },
});
