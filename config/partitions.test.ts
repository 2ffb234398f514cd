import { describe, expect, it } from "vitest";
import { arn, arnPrefix, checkEuRegion, endpointHost, endpointUrl, PARTITIONS, partitionOfRegion } from "./partitions";

describe("partition table", () => {
  it("holds the measured facts of both partitions", () => {
    expect(arnPrefix(PARTITIONS["aws-eusc"])).toBe("arn:aws-eusc:");
    expect(arnPrefix(PARTITIONS.aws)).toBe("arn:aws:");
    expect(PARTITIONS["aws-eusc"].dnsSuffix).toBe("amazonaws.eu");
    expect(PARTITIONS.aws.dnsSuffix).toBe("amazonaws.com");
  });

  it("builds regional endpoints in each partition's form", () => {
    expect(endpointHost(PARTITIONS["aws-eusc"], "s3", "eusc-de-east-1")).toBe("s3.eusc-de-east-1.amazonaws.eu");
    expect(endpointUrl(PARTITIONS.aws, "rolesanywhere", "eu-central-1")).toBe(
      "https://rolesanywhere.eu-central-1.amazonaws.com",
    );
  });

  it("builds ARNs with the partition's prefix, leaving global fields empty", () => {
    expect(arn(PARTITIONS["aws-eusc"], { service: "iam", account: "111111111111", resource: "root" })).toBe(
      "arn:aws-eusc:iam::111111111111:root",
    );
    expect(arn(PARTITIONS.aws, { service: "s3", resource: "bucket/key" })).toBe("arn:aws:s3:::bucket/key");
    expect(
      arn(PARTITIONS.aws, { service: "kms", region: "eu-central-1", account: "222222222222", resource: "key/abc" }),
    ).toBe("arn:aws:kms:eu-central-1:222222222222:key/abc");
  });
});

describe("checkEuRegion", () => {
  it("derives aws-eusc from eusc-* regions", () => {
    expect(partitionOfRegion("eusc-de-east-1").id).toBe("aws-eusc");
  });

  it.each(["eu-central-1", "eu-west-1", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1"])(
    "derives aws from EU region %s",
    (region) => {
      expect(partitionOfRegion(region).id).toBe("aws");
    },
  );

  it.each([
    ["eu-west-2", /London, United Kingdom.*outside the EU/],
    ["eu-central-2", /Zurich, Switzerland.*outside the EU/],
    ["us-east-1", /outside the EU/],
    ["ap-southeast-2", /outside the EU/],
    ["eusc-fr-south-1", /not a known AWS European Sovereign Cloud region/],
    ["frankfurt", /not an AWS region name/],
  ])("rejects %s with the reason", (region, reason) => {
    const check = checkEuRegion(region);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
    expect(() => partitionOfRegion(region)).toThrow(reason);
  });
});
