import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import type { ExampleStack } from "../../../stacks/example-stack";
import { KmsKey } from "../../kms-key";
import { Network } from "../../network";
import { LambdaFunction } from "..";

/** A zip holding a one-line handler, as scripts/bundle-functions.mjs packs real ones. */
export function exampleZip(): string {
  const file = join(mkdtempSync(join(tmpdir(), "sip-lambda-")), "hello.zip");
  const code = new TextEncoder().encode('exports.handler = async () => ({ statusCode: 200, body: "ok" });\n');
  writeFileSync(file, zipSync({ "index.js": [code, { mtime: new Date(1980, 0, 1) }] }));
  return file;
}

/** A function in the platform's private network with its own key, logs and dead-letter queue. */
export function example(stack: ExampleStack): void {
  const placement = stack.sovereign;
  const key = new KmsKey(stack, "functions-key", {
    placement,
    aliasName: "example/functions",
    description: "example: functions",
  });
  const network = new Network(stack, "network", {
    placement,
    name: "example",
    vpcCidr: "10.10.0.0/16",
    availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"],
    allowedAccountIds: [placement.accountId],
    logKey: key,
  });
  new LambdaFunction(stack, "hello", {
    placement,
    functionName: "example-hello",
    zipFile: exampleZip(),
    network,
    key,
    reservedConcurrency: 2,
    environment: { LOG_LEVEL: "info" },
  });
}
