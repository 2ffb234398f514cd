import type { ExampleStack } from "../../../stacks/example-stack";
import { KmsKey } from "../../kms-key";
import { Network } from "../../network";
import { PrivateBucket } from "..";

/**
 * A sovereign bucket reachable only through the platform's S3 endpoint, and a commercial failover
 * bucket that, having no VPC on its side, names the opt-out.
 */
export function example(stack: ExampleStack): void {
  const logKey = new KmsKey(stack, "logs-key", {
    placement: stack.sovereign,
    aliasName: "example/logs",
    description: "example: flow logs",
  });
  const network = new Network(stack, "network", {
    placement: stack.sovereign,
    name: "example",
    vpcCidr: "10.10.0.0/16",
    availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"],
    allowedAccountIds: [stack.sovereign.accountId],
    logKey,
  });
  const key = new KmsKey(stack, "avatars-key", {
    placement: stack.sovereign,
    aliasName: "example/data/avatars",
    description: "example: avatars",
  });
  new PrivateBucket(stack, "avatars", {
    placement: stack.sovereign,
    bucketName: "example-avatars-111111111111",
    encryptionKey: key,
    retentionDays: 365,
    vpcEndpointId: network.s3Endpoint.id,
    objectLock: { retentionDays: 30 },
  });
  const replicaKey = new KmsKey(stack, "failover-key", {
    placement: stack.commercial,
    aliasName: "example/failover/avatars",
    description: "example: failover",
  });
  new PrivateBucket(stack, "failover", {
    placement: stack.commercial,
    bucketName: "example-avatars-failover-222222222222",
    encryptionKey: replicaKey,
    retentionDays: 365,
    allowAccessOutsideVpcEndpoint: true,
  });
}
