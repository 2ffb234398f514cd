import { checkEuRegion } from "../../../config/partitions";
import { hostsIn, isGlobalHost, serviceNamesIn } from "../../core/identifiers";
import { blocks, isObject, literalString, parseEmbeddedJson } from "../../core/json";
import { referencesIn, walkStrings } from "../../core/references";
import { dataOfType, resourcesOfType, type Template } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Settings that make SDKs and the provider fall back to a global (us-east-1) endpoint. */
const LEGACY_SETTINGS: Readonly<Record<string, string>> = {
  AWS_STS_REGIONAL_ENDPOINTS: "legacy",
  AWS_S3_US_EAST_1_REGIONAL_ENDPOINT: "legacy",
};

/** Endpoints in a string that send requests outside the EU: global hosts, and hosts of a non-EU region. */
function endpointProblemsIn(value: string): string[] {
  return hostsIn(value).flatMap((h) => {
    if (isGlobalHost(h)) return [`the global endpoint ${h.host}`];
    const check = checkEuRegion(h.region ?? "");
    return check.ok ? [] : [`the endpoint ${h.host} outside the EU (${check.reason})`];
  });
}

/**
 * Endpoints in a value and in the literal attributes it refers to (`${aws_ssm_parameter.p.value}`
 * whose value is a global endpoint); `where` names the value in the findings.
 */
function valueProblems(template: Template, where: string, value: string): string[] {
  const problems = endpointProblemsIn(value).map((e) => `${where} uses ${e}`);
  for (const ref of referencesIn(value)) {
    const target = template.byAddress.get(ref.address)?.values[ref.attribute ?? ""];
    const literal = literalString(target);
    if (literal === undefined) continue;
    for (const e of endpointProblemsIn(literal))
      problems.push(`${where} uses ${e} (from ${ref.address}.${ref.attribute})`);
  }
  return problems;
}

/** Endpoints in an environment variable, and the settings that make SDKs use a global endpoint. */
function environmentProblems(template: Template, name: string, value: string): string[] {
  const problems = valueProblems(template, `environment variable ${name}`, value);
  const legacy = LEGACY_SETTINGS[name];
  if (legacy !== undefined && value.toLowerCase() === legacy)
    problems.push(`environment variable ${name}=${value} makes the SDK use a global endpoint`);
  return problems;
}

/** `attribute` joined with a path from walkStrings (`[0].environment`, `States.Call`). */
function at(attribute: string, path: string): string {
  return path === "" ? attribute : path.startsWith("[") ? `${attribute}${path}` : `${attribute}.${path}`;
}

/**
 * Endpoints in every string of a JSON document attribute (a state machine definition, container
 * definitions), with their paths; a value that is not a JSON document is read as one string.
 */
function documentProblems(template: Template, attribute: string, raw: string): string[] {
  const parsed = parseEmbeddedJson(raw);
  if (parsed === undefined) return valueProblems(template, attribute, raw);
  const problems: string[] = [];
  walkStrings(parsed, (value, path) => {
    problems.push(...valueProblems(template, at(attribute, path), value));
  });
  return problems;
}

/** The container environments of ECS container definitions that make SDKs use a global endpoint. */
function containerLegacySettings(raw: string): string[] {
  const parsed = parseEmbeddedJson(raw);
  const containers = Array.isArray(parsed) ? parsed.filter(isObject) : [];
  return containers.flatMap((c) =>
    blocks(c.environment).flatMap((e) => {
      const name = literalString(e.name) ?? "";
      const value = literalString(e.value) ?? "";
      const legacy = LEGACY_SETTINGS[name];
      return legacy !== undefined && value.toLowerCase() === legacy
        ? [`container ${String(c.name)} environment ${name}=${value} makes the SDK use a global endpoint`]
        : [];
    }),
  );
}

/**
 * Attributes that name an endpoint a service calls (besides Lambda environments and providers): API
 * integrations, SNS subscriptions, EventBridge API destinations, and the JSON documents of Step
 * Functions state machines (HTTP tasks) and ECS container definitions (environment, image).
 */
const ENDPOINT_ATTRIBUTES: ReadonlyArray<readonly [type: string, attribute: string, document: boolean]> = [
  ["aws_apigatewayv2_integration", "integration_uri", false],
  ["aws_apigatewayv2_integration", "request_parameters", false],
  ["aws_api_gateway_integration", "uri", false],
  ["aws_sns_topic_subscription", "endpoint", false],
  ["aws_cloudwatch_event_api_destination", "invocation_endpoint", false],
  ["aws_sfn_state_machine", "definition", true],
  ["aws_ecs_task_definition", "container_definitions", true],
];

/**
 * No global endpoints (`sts.amazonaws.com`, `s3.amazonaws.com`, `iam.amazonaws.com`, ...) and no
 * endpoints of regions outside the EU where they decide where requests go: Lambda environment
 * variables, API integrations, SNS subscription endpoints, EventBridge API destinations, Step Functions
 * definitions and ECS container definitions (and the literal values they refer to), provider blocks
 * (endpoints, assume_role), and VPC endpoint service names, which must name an EU region. Host names
 * match in any letter case, dual-stack hosts included.
 */
export const NoGlobalEndpoints = defineRule({
  id: "SIP-RES-5",
  name: "NoGlobalEndpoints",
  service: "residency",
  severity: "error",
  suppressible: false,
  info: "A function or container environment, API integration, SNS subscription, EventBridge API destination, state machine, provider block or VPC endpoint uses a global (region-less) AWS endpoint or one of a region outside the EU.",
  explanation:
    "Global endpoints such as sts.amazonaws.com and s3.amazonaws.com are served from us-east-1 of the commercial partition. Requests (and the credentials, object keys and data in them) sent there, or to an endpoint of a region outside the EU, leave the EU and, from the sovereign side, the sovereign partition. It is the same wherever the configuration names the host: a function's or container's environment, an API integration, an SNS subscription, an EventBridge API destination or a state machine's HTTP task all send the platform's requests and payloads to it.",
  fix: "Use regional endpoints of an EU region of the resource's own partition (endpointUrl(partition, service, region) in config/partitions.ts, e.g. https://sts.eusc-de-east-1.amazonaws.eu) wherever a function, container, integration, subscription, API destination or state machine names one, let the SDK resolve regional endpoints (AWS_STS_REGIONAL_ENDPOINTS=regional), and take VPC endpoint service names from data.aws_vpc_endpoint_service.",
  anchors: {},
  reads: [
    {
      type: "aws_lambda_function",
      attribute: "environment.variables",
      as: "reference",
      passes: "literal values or references to blocks of this configuration, naming no global endpoint",
    },
    ...ENDPOINT_ATTRIBUTES.map(([type, attribute, document]) => ({
      type,
      attribute,
      as: "reference" as const,
      passes: document
        ? "a literal JSON document (references to blocks of this configuration inside it are fine) naming no global or non-EU endpoint"
        : "a literal value or a reference to a block of this configuration, naming no global or non-EU endpoint",
    })),
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
          if (typeof value === "string") problems.push(...environmentProblems(template, name, value));
        }
      }
      if (problems.length > 0) violations.push({ address: fn.address, detail: problems.join("; ") });
    }
    const types = [...new Set(ENDPOINT_ATTRIBUTES.map(([type]) => type))];
    for (const r of resourcesOfType(template, ...types)) {
      checked++;
      const problems: string[] = [];
      for (const [, attribute, document] of ENDPOINT_ATTRIBUTES.filter(([type]) => type === r.type)) {
        walkStrings(r.values[attribute], (value, path) => {
          const where = at(attribute, path);
          problems.push(
            ...(document ? documentProblems(template, where, value) : valueProblems(template, where, value)),
          );
          if (r.type === "aws_ecs_task_definition") problems.push(...containerLegacySettings(value));
        });
      }
      if (problems.length > 0) violations.push({ address: r.address, detail: problems.join("; ") });
    }
    for (const p of template.providers) {
      if (p.type !== "aws") continue;
      checked++;
      const problems: string[] = [];
      walkStrings(p.values, (value, path) => {
        for (const e of endpointProblemsIn(value)) problems.push(`${path} uses ${e}`);
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
      } else {
        const outside = matches.flatMap((m) => {
          const check = m.region === undefined ? undefined : checkEuRegion(m.region);
          return check === undefined || check.ok
            ? []
            : [`${attr} "${name}" names a region outside the EU: ${check.reason}`];
        });
        if (outside.length > 0) violations.push({ address: r.address, detail: outside.join("; ") });
      }
    }
    return verdict(checked, violations);
  },
});
