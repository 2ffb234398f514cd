import type { DeploymentConfig } from "../config/schema";
import type { Side } from "../modules/placement";
import type { ProviderCredentials } from "./aws-placement";

/**
 * How Terraform gets credentials for one side, as the configuration names them, with the session
 * name defaulted (`<environment>-deploy`). Every block that talks to a side uses this: its provider,
 * the bootstrap stack's provider and, for the sovereign side, the S3 state backend.
 */
export function sideCredentials(config: DeploymentConfig, side: Side): ProviderCredentials | undefined {
  const credentials = config.partitions[side].credentials;
  if (credentials === undefined) return undefined;
  const role = credentials.assumeRole;
  return {
    profile: credentials.profile,
    assumeRole: role && { ...role, sessionName: role.sessionName ?? `${config.environment}-deploy` },
  };
}
