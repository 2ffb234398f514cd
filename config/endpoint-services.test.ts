import { describe, expect, it } from "vitest";
import { endpointServiceName } from "./endpoint-services";

describe("endpointServiceName", () => {
  it.each(["s3", "dynamodb", "kms", "sts", "secretsmanager", "logs", "lambda", "sqs"])(
    "uses com.amazonaws for %s in eusc-de-east-1",
    (service) => {
      expect(endpointServiceName("eusc-de-east-1", service)).toBe(`com.amazonaws.eusc-de-east-1.${service}`);
    },
  );

  it.each(["ecr.dkr", "ecr.api", "execute-api", "securityhub"])(
    "uses eu.amazonaws for %s in eusc-de-east-1",
    (service) => {
      expect(endpointServiceName("eusc-de-east-1", service)).toBe(`eu.amazonaws.eusc-de-east-1.${service}`);
    },
  );

  it("uses com.amazonaws for every service in the commercial partition", () => {
    expect(endpointServiceName("eu-central-1", "execute-api")).toBe("com.amazonaws.eu-central-1.execute-api");
  });

  it("fails for regions outside the EU and for malformed service names", () => {
    expect(() => endpointServiceName("us-east-1", "s3")).toThrow(/outside the EU/);
    expect(() => endpointServiceName("eu-central-1", "S3 Bucket")).toThrow(/not an AWS service endpoint name/);
  });
});
