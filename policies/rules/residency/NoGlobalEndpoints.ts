import { hostsIn, isGlobalHost, serviceNamesIn } from "../../core/identifiers";
import { blocks, isObject, literalString } from "../../core/json";
import { walkStrings } from "../../core/references";
import { dataOfType, resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Settings that make SDKs and the provider fall back to a global (us-east-1) endpoint. */
const LEGACY_SETTINGS: Readonly<Record<string, string>> = {
  AWS_STS_REGIONAL_ENDPOINTS: "legacy",
  AWS_S3_US_EAST_1_REGIONAL_ENDPOINT: "legacy",
};

function globalHostsIn(value: string): string[] {
  return hostsIn(value)
    .filter(isGlobalHost)
    .map((h) => h.host);
}

/**
 * No global endpoints (`sts.amazonaws.com`, `s3.amazonaws.com`, `iam.amazonaws.com`, ...) where
 * they decide where requests go: Lambda environment variables, provider blocks (endpoints,
 * assume_role), and VPC endpoint service names, which must name a region.
 */
export const NoGlobalEndpoints = defineRule({
  id: "SIP-RES-5",
  name: "NoGlobalEndpoints",
  service: "residency",
  severity: "error",
  suppressible: false,
  info: "A function environment, provider block or VPC endpoint uses a global (region-less) AWS endpoint.",
  explanation:
    "Global endpoints such as sts.amazonaws.com and s3.amazonaws.com are served from us-east-1 of the commercial partition. Requests (and the credentials, object keys and data in them) sent there leave the EU and, from the sovereign side, the sovereign partition.",
  fix: "Use regional endpoints of the resource's own partition (endpointUrl(partition, service, region) in config/partitions.ts, e.g. https://sts.eusc-de-east-1.amazonaws.eu), let the SDK resolve regional endpoints (AWS_STS_REGIONAL_ENDPOINTS=regional), and take VPC endpoint service names from data.aws_vpc_endpoint_service.",
  anchors: {},
  reads: [
    {
      type: "aws_lambda_function",
      attribute: "environment.variables",
      as: "reference",
      passes: "literal values or references to blocks of this configuration, naming no global endpoint",
    },
    { type: "provider.aws", attribute: "*", as: "reference", passes: "literal values naming no global endpoint" },
    {
      type: "aws_vpc_endpoint",
      attribute: "service_name",
      as: "reference",
      passes: "a literal regional service name or a reference to a data.aws_vpc_endpoint_service of this configuration",
    },
    {
      type: "data.aws_vpc_endpoint_service",
      attribute: "service_name",
      as: "reference",
      passes: "a literal regional service name",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const fn of resourcesOfType(template, "aws_lambda_function")) {
      checked++;
      const problems: string[] = [];
      for (const env of blocks(fn.values.environment)) {
        if (!isObject(env.variables)) continue;
        for (const [name, value] of Object.entries(env.variables)) {
          if (typeof value !== "string") continue;
          for (const host of globalHostsIn(value))
            problems.push(`environment variable ${name} uses the global endpoint ${host}`);
          const legacy = LEGACY_SETTINGS[name];
          if (legacy !== undefined && value.toLowerCase() === legacy)
            problems.push(`environment variable ${name}=${value} makes the SDK use a global endpoint`);
        }
      }
      if (problems.length > 0) violations.push({ address: fn.address, detail: problems.join("; ") });
    }
    for (const p of template.providers) {
      if (p.type !== "aws") continue;
      checked++;
      const problems: string[] = [];
      walkStrings(p.values, (value, path) => {
        for (const host of globalHostsIn(value)) problems.push(`${path} uses the global endpoint ${host}`);
      });
      if (literalString(p.values.s3_us_east_1_regional_endpoint) === "legacy")
        problems.push('s3_us_east_1_regional_endpoint = "legacy" uses the global S3 endpoint');
      if (problems.length > 0) violations.push({ address: p.address, detail: problems.join("; ") });
    }
    const endpoints = [
      ...resourcesOfType(template, "aws_vpc_endpoint").map((r) => ({ r, attr: "service_name" })),
      ...dataOfType(template, "aws_vpc_endpoint_service").map((r) => ({ r, attr: "service_name" })),
    ];
    for (const { r, attr } of endpoints) {
      const name = literalString(r.values[attr]);
      if (name === undefined) continue;
      checked++;
      const matches = serviceNamesIn(name);
      if (matches.length > 0 && matches.every((m) => m.region === undefined)) {
        violations.push({ address: r.address, detail: `${attr} "${name}" names no region: a global service endpoint` });
      }
    }
    return verdict(checked, violations);
  },
});
