import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ExampleStack } from "../../../stacks/example-stack";
import { KmsKey } from "../../kms-key";
import { PrivateBucket } from "../../private-bucket";
import { RolesAnywhereTrust } from "..";

/** The commercial side's trust for the sovereign sync function, over one failover bucket. */
export function example(stack: ExampleStack): void {
  const key = new KmsKey(stack, "failover-key", {
    placement: stack.commercial,
    aliasName: "example/failover/avatars",
    description: "example: failover",
  });
  const failover = new PrivateBucket(stack, "failover", {
    placement: stack.commercial,
    bucketName: "example-avatars-failover-222222222222",
    encryptionKey: key,
    retentionDays: 365,
    allowAccessOutsideVpcEndpoint: true,
  });
  new RolesAnywhereTrust(stack, "roles-anywhere", {
    placement: stack.commercial,
    name: "example",
    caCertificatePem: readFileSync(join(__dirname, "..", "..", "..", "config", "example-ca.pem"), "utf8"),
    workloadCommonName: "sip-example-sync",
    classes: [{ dataClass: "avatars-clean", bucket: failover }],
  });
}
