export { AccountBaseline, type AccountBaselineProps } from "./account-baseline";
export {
  BASELINE_MANAGED_RULES,
  GLOBAL_RESOURCE_RECORDING_REGIONS,
  type ManagedRule,
  NO_DEFAULT_VPC_SCP_STATEMENT,
  NO_REPLICATION_GUARD_POLICY,
  NO_REPLICATION_RULE_SUFFIX,
} from "./rules";
