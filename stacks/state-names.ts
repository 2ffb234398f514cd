import { arn, PARTITIONS } from "../config/partitions";

/**
 * The names the bootstrap stack gives the platform's Terraform state: one place, read by the
 * bootstrap stack that creates them and by the platform stack's S3 backend that uses them, so that
 * the two cannot drift and nobody copies a name by hand. All derive from the environment and the
 * sovereign account (bucket names are global: the account ID keeps them unique).
 */
export interface StateNames {
  /** The state bucket: `<environment>-tfstate-<accountId>`. */
  readonly bucketName: string;
  /** Alias of the key that encrypts the state, without `alias/`: `<environment>/terraform-state`. */
  readonly keyAliasName: string;
  /**
   * The key's alias as an ARN in the sovereign partition: what the S3 backend names, since the key's
   * own ARN is unknown until the bootstrap stack is applied. A full ARN, so that KMS resolves it in
   * the state account and not in the caller's.
   */
  readonly keyAliasArn: string;
  /** Object key of the platform stack's state in the bucket: `platform/<environment>.tfstate`. */
  readonly platformStateKey: string;
  /** The bootstrap stack's own (local) state file, relative to the project root. */
  readonly bootstrapStatePath: string;
  /** The bootstrap stack's name: `<environment>-bootstrap`. */
  readonly bootstrapStackName: string;
}

export function stateNames(environment: string, sovereignAccountId: string, sovereignRegion: string): StateNames {
  const keyAliasName = `${environment}/terraform-state`;
  return {
    bucketName: `${environment}-tfstate-${sovereignAccountId}`,
    keyAliasName,
    keyAliasArn: arn(PARTITIONS["aws-eusc"], {
      service: "kms",
      region: sovereignRegion,
      account: sovereignAccountId,
      resource: `alias/${keyAliasName}`,
    }),
    platformStateKey: `platform/${environment}.tfstate`,
    bootstrapStatePath: `state/${environment}-bootstrap.tfstate`,
    bootstrapStackName: `${environment}-bootstrap`,
  };
}
