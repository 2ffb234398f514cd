/**
 * The tenant directory from a function's environment: `TENANT_KEY_ALIAS_PREFIX` and
 * `TENANT_ROLE_NAME_PREFIX` (the stack sets both, stacks/tenant-access.ts), and optional endpoint
 * overrides for KMS and STS (tests, local runs). Without the prefixes there is no directory and every
 * tenant uses the data-class key with the function's own credentials.
 */
import { KMSClient } from "@aws-sdk/client-kms";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { z } from "zod";
import { kmsKeyLookup, stsAssumeRole, TenantDirectory } from "./tenant-directory";

export const tenantEnvShape = {
  /** `alias/<env>/tenant/`: where a tenant's key alias is. @default - no tenant directory */
  TENANT_KEY_ALIAS_PREFIX: z.string().min(1).optional(),
  /** `<env>-tenant-`: a logical-tier tenant's role name without the tenant ID. @default - no tenant directory */
  TENANT_ROLE_NAME_PREFIX: z.string().min(1).optional(),
  /** Endpoint override for KMS (tests). */
  KMS_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** Endpoint override for STS (tests: the RADOS Gateway's STS). */
  STS_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** Set by Lambda; names the tenant role sessions in CloudTrail. */
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
};

export interface TenantEnv {
  readonly TENANT_KEY_ALIAS_PREFIX?: string | undefined;
  readonly TENANT_ROLE_NAME_PREFIX?: string | undefined;
  readonly KMS_ENDPOINT?: string | undefined;
  readonly STS_ENDPOINT?: string | undefined;
  readonly AWS_LAMBDA_FUNCTION_NAME?: string | undefined;
  readonly AWS_REGION: string;
}

/** Both prefixes or neither: a message naming the missing one, or undefined. */
export function tenantEnvProblem(env: TenantEnv): string | undefined {
  const alias = env.TENANT_KEY_ALIAS_PREFIX !== undefined;
  const role = env.TENANT_ROLE_NAME_PREFIX !== undefined;
  if (alias === role) return undefined;
  return `${alias ? "TENANT_ROLE_NAME_PREFIX" : "TENANT_KEY_ALIAS_PREFIX"}: set together with ${alias ? "TENANT_KEY_ALIAS_PREFIX" : "TENANT_ROLE_NAME_PREFIX"} (the tenant directory needs both), or remove both`;
}

/**
 * The directory, or undefined when the environment names no prefixes. `clientFor` builds the client
 * that acts as a tenant's role; credentials are renewed when fewer than `minRemainingSeconds` remain.
 */
export function tenantDirectoryFromEnv<C>(
  env: TenantEnv,
  options: {
    readonly defaultSessionName: string;
    readonly minRemainingSeconds: number;
    readonly clientFor: (credentials: () => Promise<AwsCredentialIdentity>) => C;
  },
): TenantDirectory<C> | undefined {
  if (env.TENANT_KEY_ALIAS_PREFIX === undefined || env.TENANT_ROLE_NAME_PREFIX === undefined) return undefined;
  const kms = new KMSClient({
    region: env.AWS_REGION,
    ...(env.KMS_ENDPOINT === undefined ? {} : { endpoint: env.KMS_ENDPOINT }),
  });
  return new TenantDirectory({
    keyAliasPrefix: env.TENANT_KEY_ALIAS_PREFIX,
    roleNamePrefix: env.TENANT_ROLE_NAME_PREFIX,
    kms: kmsKeyLookup(kms),
    assumeRole: stsAssumeRole({
      region: env.AWS_REGION,
      ...(env.STS_ENDPOINT === undefined ? {} : { endpoint: env.STS_ENDPOINT }),
    }),
    sessionName: env.AWS_LAMBDA_FUNCTION_NAME ?? options.defaultSessionName,
    minRemainingSeconds: options.minRemainingSeconds,
    clientFor: options.clientFor,
  });
}
