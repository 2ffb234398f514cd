import type { ExampleStack } from "../../../stacks/example-stack";
import { KmsKey } from "../../kms-key";
import { Network } from "../../network";
import { PrivateBucket } from "../../private-bucket";
import { AuditTrail } from "..";

/** The audit trail over one data bucket, its logs readable only through the platform's endpoint. */
export function example(stack: ExampleStack): void {
  const placement = stack.sovereign;
  const logKey = new KmsKey(stack, "logs-key", {
    placement,
    aliasName: "example/logs",
    description: "example: flow logs",
  });
  const network = new Network(stack, "network", {
    placement,
    name: "example",
    vpcCidr: "10.10.0.0/16",
    availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"],
    allowedAccountIds: [placement.accountId],
    logKey,
  });
  const dataKey = new KmsKey(stack, "data-key", {
    placement,
    aliasName: "example/data/identity",
    description: "example: identity",
  });
  const data = new PrivateBucket(stack, "identity", {
    placement,
    bucketName: "example-identity-111111111111",
    encryptionKey: dataKey,
    retentionDays: 2555,
    vpcEndpointId: network.s3Endpoint.id,
  });
  new AuditTrail(stack, "audit", {
    placement,
    name: "example",
    bucketName: "example-audit-111111111111",
    encryptionKey: new KmsKey(stack, "audit-key", {
      placement,
      aliasName: "example/audit",
      description: "example: audit",
    }),
    vpcEndpointId: network.s3Endpoint.id,
    dataEventBuckets: [data],
  });
}
