export {
  type ComparisonOperator,
  evaluate,
  type FilterExpression,
  FilterPatternSyntaxError,
  type Literal,
  matchesLogEvent,
  parseFilterPattern,
  type Selector,
  selectorsOf,
  type ValueTest,
} from "./filter-pattern";
export {
  type AlarmThreshold,
  MASS_DELETION_DEFAULT_PER_MINUTE,
  SECURITY_METRIC_NAMESPACE,
  SECURITY_PATTERNS,
  type SecurityPattern,
  type SecurityPatternId,
  securityPatterns,
} from "./patterns";
export { type DeadLetterQueueAlarm, SecurityAlarms, type SecurityAlarmsProps } from "./security-alarms";
export {
  FIREWALL_BLOCKED_PATTERN,
  firewallBlockedAlarm,
  type LogAlarm,
  OPERATIONS_METRIC_NAMESPACE,
  QUARANTINED_PATTERN,
  quarantineRateAlarm,
  SYNC_LAG_THRESHOLD_MS,
} from "./log-alarms";
