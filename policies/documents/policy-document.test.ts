import { describe, expect, it } from "vitest";
import { PARTITIONS } from "../../config/partitions";
import { accountRoot, policyDocument, policyVariable, renderPolicy, trustPolicyDocument } from "./policy-document";

describe("policy documents", () => {
  it("renders statements with IAM's key order and nothing else", () => {
    const doc = policyDocument([
      {
        Condition: { Bool: { "aws:SecureTransport": "false" } },
        Resource: "*",
        Action: "s3:*",
        Principal: "*",
        Effect: "Deny",
        Sid: "Tls",
      },
    ]);
    expect(renderPolicy(doc)).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"Tls","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}',
    );
  });

  it("fails when a Sid repeats or is not alphanumeric", () => {
    expect(() =>
      policyDocument([
        { Sid: "A", Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
        { Sid: "A", Effect: "Deny", Action: "s3:*", Resource: "*" },
      ]),
    ).toThrow(/"A" is used twice/);
    expect(() => policyDocument([{ Sid: "no-dash", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }])).toThrow(
      /must be alphanumeric/,
    );
  });

  it("allows NotResource only in a Deny", () => {
    expect(() => policyDocument([{ Sid: "Wide", Effect: "Allow", Action: "s3:*", NotResource: "arn:x" }])).toThrow(
      /NotResource is only used with Deny/,
    );
    expect(
      renderPolicy(policyDocument([{ Sid: "Narrow", Effect: "Deny", Action: "s3:*", NotResource: "arn:x" }])),
    ).toContain('"NotResource":"arn:x"');
  });

  it("renders trust policies without Resource, which IAM rejects there", () => {
    const doc = trustPolicyDocument([
      { Sid: "Lambda", Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(renderPolicy(doc)).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"Lambda","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    );
    const withResource = {
      Sid: "Bad",
      Effect: "Allow",
      Principal: { Service: "x.amazonaws.com" },
      Action: "sts:AssumeRole",
      Resource: "*",
    } as never;
    expect(() => trustPolicyDocument([withResource])).toThrow(/names a resource, which IAM rejects/);
  });

  it("escapes policy variables for Terraform", () => {
    expect(policyVariable("aws:PrincipalTag/Tenant")).toBe("$${aws:PrincipalTag/Tenant}");
    expect(() => policyVariable("bad var}")).toThrow(/not an IAM policy variable/);
  });

  it("builds the account root principal in the given partition", () => {
    expect(accountRoot(PARTITIONS["aws-eusc"], "111111111111")).toBe("arn:aws-eusc:iam::111111111111:root");
  });
});
