/**
 * Data classes and tags: which class of data a resource holds, and which partitions the deployment
 * configuration allows for it. Without a configuration every class is sovereign-only.
 */
import type { PartitionInfo } from "../../config/partitions";
import type { DeploymentConfig } from "../../config/schema";
import { blocks, isObject, literalString } from "./json";
import { providerOf } from "./placement";
import type { Template, TfResource } from "./template";

/** Resource types that store customer data (or keys/code that protect or process it). */
export const DATA_HOLDING_TYPES: ReadonlySet<string> = new Set([
  "aws_s3_bucket",
  "aws_s3_directory_bucket",
  "aws_s3_object",
  "aws_kms_key",
  "aws_kms_external_key",
  "aws_kms_replica_key",
  "aws_kms_replica_external_key",
  "aws_secretsmanager_secret",
  "aws_secretsmanager_secret_version",
  "aws_cloudwatch_log_group",
  "aws_dynamodb_table",
  "aws_dynamodb_table_replica",
  "aws_dynamodb_table_item",
  "aws_lambda_function",
  "aws_sqs_queue",
  "aws_sfn_state_machine",
  "aws_sfn_activity",
  "aws_ssm_parameter",
  "aws_efs_file_system",
  "aws_ebs_volume",
  "aws_db_instance",
  "aws_rds_cluster",
  // Further stores (issue 15 probe: a user pool or stream in the commercial partition without a class passed).
  "aws_s3_bucket_object",
  "aws_kinesis_stream",
  "aws_kinesis_firehose_delivery_stream",
  "aws_sns_topic",
  "aws_opensearch_domain",
  "aws_elasticsearch_domain",
  "aws_elasticache_replication_group",
  "aws_elasticache_cluster",
  "aws_ecr_repository",
  "aws_cognito_user_pool",
  "aws_docdb_cluster",
  "aws_neptune_cluster",
  "aws_redshift_cluster",
  "aws_backup_vault",
  "aws_glacier_vault",
  "aws_ebs_snapshot",
  "aws_db_snapshot",
  "aws_rds_cluster_instance",
  "aws_fsx_lustre_file_system",
  "aws_fsx_windows_file_system",
  "aws_fsx_ontap_file_system",
  "aws_fsx_openzfs_file_system",
  "aws_timestreamwrite_table",
  "aws_memorydb_cluster",
  "aws_keyspaces_table",
  "aws_qldb_ledger",
]);

/** Attributes (dotted paths through nested blocks) that name a region data is copied to, by resource type. */
export const COPY_REGIONS: Readonly<Record<string, readonly string[]>> = {
  aws_dynamodb_table: ["replica.region_name"],
  aws_dynamodb_global_table: ["replica.region_name"],
  aws_secretsmanager_secret: ["replica.region"],
  aws_ecr_replication_configuration: ["replication_configuration.rule.destination.region"],
  aws_redshift_cluster: ["snapshot_copy.destination_region"],
  aws_redshift_snapshot_copy: ["destination_region"],
};

/** Literal strings at a dotted path through nested blocks (object or list form), with their indexed path. */
function valuesAt(node: unknown, segments: readonly string[], path: string): Array<{ path: string; region: string }> {
  const [head, ...rest] = segments;
  if (head === undefined) {
    const region = literalString(node);
    return region === undefined ? [] : [{ path, region }];
  }
  return blocks(node).flatMap((block, i) =>
    valuesAt(block[head], rest, `${path}${Array.isArray(node) ? `[${i}]` : ""}${path === "" ? "" : "."}${head}`),
  );
}

/** Regions named by a resource besides its placement: replicas and copy destinations. */
export function copyRegions(values: Record<string, unknown>, type: string): Array<{ path: string; region: string }> {
  return (COPY_REGIONS[type] ?? []).flatMap((p) => valuesAt(values, p.split("."), ""));
}

export const DATA_CLASS_TAG = "DataClass";

/**
 * Ten years: the longest a bucket or log group may keep data when no data class sets a limit of its
 * own (SIP-LOGS-2, SIP-S3-7). A class's retentionDays (up to the configuration's 36500) replaces it.
 */
export const MAX_RETENTION_DAYS = 3653;

/**
 * The longest a resource may keep data: the retentionDays of the data class it carries (its
 * DataClass tag, or the provider's default tag) when the configuration declares that class, else
 * MAX_RETENTION_DAYS.
 */
export function retentionLimit(
  template: Template,
  resource: TfResource,
  config: DeploymentConfig | undefined,
): { readonly days: number; readonly because: string } {
  const dataClass = dataClassOf(template, resource);
  const classDays = dataClass === undefined ? undefined : config?.dataClasses[dataClass]?.retentionDays;
  return classDays !== undefined && dataClass !== undefined
    ? { days: classDays, because: `the retentionDays of data class ${dataClass}` }
    : {
        days: MAX_RETENTION_DAYS,
        because: `the ${MAX_RETENTION_DAYS}-day maximum for ${dataClass === undefined ? "a resource without a data class" : `data class ${dataClass}, which the configuration does not declare`}`,
      };
}
export const TENANT_TAG = "Tenant";

export function isDataHolding(resource: TfResource): boolean {
  return resource.mode === "managed" && DATA_HOLDING_TYPES.has(resource.type);
}

/** Literal tags of a resource: the provider's default_tags, overridden by the resource's tags. */
export function tagsOf(template: Template, resource: TfResource): Record<string, string> {
  const tags: Record<string, string> = {};
  const provider = providerOf(template, resource);
  for (const block of blocks(provider?.values.default_tags)) {
    if (isObject(block.tags)) copyLiterals(block.tags, tags);
  }
  if (isObject(resource.values.tags)) copyLiterals(resource.values.tags, tags);
  return tags;
}

function copyLiterals(from: Record<string, unknown>, to: Record<string, string>): void {
  for (const [k, v] of Object.entries(from)) {
    const s = literalString(v);
    if (s !== undefined) to[k] = s;
  }
}

export function dataClassOf(template: Template, resource: TfResource): string | undefined {
  return tagsOf(template, resource)[DATA_CLASS_TAG];
}

export type PartitionVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/**
 * Whether data of a class may live in a partition. The sovereign partition holds every class; the
 * commercial one only classes the configuration marks `allowCrossPartition`.
 */
export function partitionAllows(
  partition: PartitionInfo,
  dataClass: string,
  config: DeploymentConfig | undefined,
): PartitionVerdict {
  const declared = config?.dataClasses[dataClass];
  if (config !== undefined && declared === undefined) {
    return {
      allowed: false,
      reason: `data class "${dataClass}" is not declared in the deployment configuration (declared: ${Object.keys(config.dataClasses).sort().join(", ") || "none"})`,
    };
  }
  if (partition.id === "aws-eusc") return { allowed: true };
  if (config === undefined) {
    return {
      allowed: false,
      reason: `without a deployment configuration (--config) every data class, "${dataClass}" included, is sovereign-only`,
    };
  }
  if (declared?.allowCrossPartition === true) return { allowed: true };
  return {
    allowed: false,
    reason: `data class "${dataClass}" is sovereign-only (allowCrossPartition is not set in the deployment configuration)`,
  };
}
