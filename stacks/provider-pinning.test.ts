import { afterEach, describe, expect, it } from "vitest";
import { AwsProvider, S3Bucket } from "../framework/aws";
import { App } from "../framework/cdktf";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { ARTIFACTS_DIR, tempDir, validConfig } from "../test/template";
import { PlatformStack } from "./platform-stack";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function platform() {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const app = new App({ outdir: dir, stackTraces: false });
  return { app, stack: new PlatformStack(app, { config: validConfig(), artifactsDir: ARTIFACTS_DIR }) };
}

describe("provider pinning", () => {
  it("passes when every block names one of the two providers", () => {
    const { stack } = platform();
    expect(stack.pinning.validate()).toEqual([]);
  });

  it("fails synth when a resource names no provider", () => {
    const { app, stack } = platform();
    new S3Bucket(stack, "stray", { bucket: "stray-bucket" });
    expect(() => app.synth()).toThrow(
      /resource aws_s3_bucket at example\/stray is not pinned to a provider and would bind to an unconfigured default provider\. Fix: pass provider: aws\.sovereign or aws\.commercial/,
    );
  });

  it("fails synth when a data source names no provider", () => {
    const { app, stack } = platform();
    new DataAwsPartition(stack, "partition");
    expect(() => app.synth()).toThrow(/data source data\.aws_partition at example\/partition is not pinned/);
  });

  it("fails synth when a resource uses a provider the stack does not register", () => {
    const { app, stack } = platform();
    const rogue = new AwsProvider(stack, "rogue", { alias: "rogue", region: "us-east-1" });
    new S3Bucket(stack, "elsewhere", { provider: rogue, bucket: "elsewhere-bucket" });
    expect(() => app.synth()).toThrow(
      /aws_s3_bucket at example\/elsewhere is pinned to aws\.rogue, which this stack does not register/,
    );
  });
});
