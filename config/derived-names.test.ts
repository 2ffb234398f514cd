import { describe, expect, it } from "vitest";
import exampleTf from "../stacks/__snapshots__/example.cdk.tf.json";
import { exampleInput } from "../test/template";
import { derivedNameProblems, derivedNames, type Namespace } from "./derived-names";

type Resources = Record<string, Record<string, Record<string, unknown>>>;
const resources = (exampleTf as unknown as { resource: Resources }).resource;
const attribute = (type: string, field: string) => Object.values(resources[type] ?? {}).map((r) => String(r[field]));

describe("derivedNames", () => {
  it("names what the example's synthesized stack names (stacks and this list agree)", () => {
    // Prepare
    const names = derivedNames(exampleInput());
    const of = (...namespaces: Namespace[]) =>
      [...new Set(names.filter((n) => namespaces.includes(n.namespace)).map((n) => n.name))].sort();
    const topLevelIds = new Set([
      ...Object.values(resources).flatMap((byName) => Object.keys(byName).map((n) => n.split("_")[0] ?? "")),
      ...Object.keys((exampleTf as { output: object }).output),
    ]);
    // Act
    const bootstrap = ["example-tfstate-111111111111", "example-tfstate-audit-111111111111"];
    const aliases = attribute("aws_kms_alias", "name");
    // Assess
    expect([...attribute("aws_s3_bucket", "bucket"), ...bootstrap].sort()).toEqual(
      of("sovereignBucket", "commercialBucket"),
    );
    expect(attribute("aws_iam_role", "name").sort()).toEqual(of("sovereignRole", "commercialRole"));
    expect(attribute("aws_lambda_function", "function_name").sort()).toEqual(
      of("sovereignFunction", "commercialFunction"),
    );
    expect(attribute("aws_organizations_account", "name").sort()).toEqual(of("organizationsAccount"));
    expect(
      [...new Set([...aliases, "alias/example/terraform-state", "alias/example/terraform-state-audit"])].sort(),
    ).toEqual([...new Set(of("sovereignAlias", "commercialAlias"))].sort());
    expect(
      of("construct").filter(
        (id) => !["sovereign", "commercial", "backend", "provider-tenant-acme-health"].includes(id),
      ),
    ).toEqual([...topLevelIds].sort());
  });

  it("fits the longest names the schema allows within the AWS limits", () => {
    // Prepare
    const input = exampleInput();
    input.environment = "e".repeat(16);
    input.dataClasses = { [`${"c".repeat(23)}x`]: { retentionDays: 1, allowCrossPartition: true } };
    input.tenants = [
      { id: "t".repeat(32), tier: "vpc", vpcCidr: "10.20.0.0/16" },
      { id: "a".repeat(32), tier: "account", accountEmail: "a@example.org" },
    ];
    // Act
    const problems = derivedNameProblems(input);
    // Assess
    expect(problems).toEqual([]);
  });
});
