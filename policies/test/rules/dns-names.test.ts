import { describe, expect, it } from "vitest";
import { templateOf } from "../../core/template";
import { PartitionConsistentReferences } from "../../rules/residency/PartitionConsistentReferences";
import { evaluate, exampleConfig } from "../harness";

/** A sovereign certificate and API domain, and commercial records that name them. */
function stack(records: Record<string, unknown>) {
  return templateOf({
    provider: {
      aws: [
        { alias: "sovereign", region: "eusc-de-east-1" },
        { alias: "commercial", region: "eu-central-1" },
      ],
    },
    resource: {
      aws_acm_certificate: { api: { provider: "aws.sovereign", domain_name: "api.sip.example.org" } },
      aws_apigatewayv2_domain_name: { api: { provider: "aws.sovereign", domain_name: "api.sip.example.org" } },
      aws_kms_key: { k: { provider: "aws.sovereign" } },
      aws_route53_record: records,
    },
  });
}
const option = (field: string) =>
  `\${tolist(aws_acm_certificate.api.domain_validation_options).0.resource_record_${field}}`;

describe("SIP-RES-4 named exception dns-names", () => {
  it("accepts commercial records that hold the sovereign API's DNS names, and only those", async () => {
    // Prepare
    const template = stack({
      validation: {
        provider: "aws.commercial",
        zone_id: "Z1",
        name: option("name"),
        type: option("type"),
        records: [option("value")],
      },
      primary: {
        provider: "aws.commercial",
        zone_id: "Z1",
        name: "api.sip.example.org",
        type: "CNAME",
        records: ["${aws_apigatewayv2_domain_name.api.domain_name_configuration[0].target_domain_name}"],
      },
      leak: {
        provider: "aws.commercial",
        zone_id: "Z1",
        name: "key.sip.example.org",
        type: "TXT",
        records: ["${aws_kms_key.k.arn}"],
      },
    });
    // Act
    const result = await evaluate(PartitionConsistentReferences, template, exampleConfig());
    // Assess
    const list = result.kind === "NonCompliant" ? result.violations : [];
    expect(list.map((v) => [v.address, v.acceptedBecause === undefined ? "open" : "accepted"])).toEqual([
      ["aws_route53_record.leak", "open"],
      ["aws_route53_record.primary", "accepted"],
      ["aws_route53_record.validation", "accepted"],
    ]);
  });
});
