// Terraform as the offline check runs it (scripts/tf-check.mjs, and its --together mode in
// scripts/tf-together.mjs): the command runner, the check's override file and provider overrides,
// the environment terraform runs in, and the lines of its -json output.
import { spawnSync } from "node:child_process";

export function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  return r;
}

/**
 * Override for this check only: a throwaway local state and, offline, the mirror's provider
 * version (from the registry the generated constraint stays).
 */
export function overrideFile(awsVersion) {
  return {
    "//": "Written by scripts/tf-check.mjs for this check only; never deployed.",
    terraform: {
      ...(awsVersion ? { required_providers: { aws: { source: "hashicorp/aws", version: awsVersion } } } : {}),
      backend: { local: { path: "terraform.tfstate" } },
    },
  };
}

/**
 * Every aws provider alias of the stack gets the skip flags that keep plan off the network. (Found
 * on the way: provider 5.100.0 resolves the sovereign STS endpoint with the commercial DNS suffix,
 * sts.eusc-de-east-1.amazonaws.com; one more reason real deployments need >= 6.29.)
 */
export function providerOverrides(stackJson) {
  const aws = stackJson.provider?.aws ?? [];
  return aws.map((p) => ({
    ...(p.alias ? { alias: p.alias } : {}),
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    skip_region_validation: true,
    // The account check needs STS, which skip_requesting_account_id turns off; null unsets it.
    allowed_account_ids: null,
    // A profile names the operator's shared config, which this check neither has nor needs.
    ...(p.profile ? { profile: null } : {}),
    // Assuming a role (tenant accounts) needs STS; an empty role ARN turns it off for this check.
    ...(p.assume_role ? { assume_role: [{ role_arn: "" }] } : {}),
  }));
}

/** The environment terraform runs in for the check: offline-safe fake credentials, no prompts. */
export function terraformEnv(tfrc) {
  const env = {
    ...process.env,
    TF_CLI_CONFIG_FILE: tfrc,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    // Fake credentials: the skip flags keep the provider from using them, and as environment
    // variables they stay out of the plan JSON.
    AWS_ACCESS_KEY_ID: "AKIAOFFLINECHECK0000",
    AWS_SECRET_ACCESS_KEY: "offline-check-not-a-secret",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  delete env.AWS_PROFILE;
  return env;
}

/** The lines of `terraform plan -json` output (one JSON object per line). */
export function planLines(stdout) {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
}
