/**
 * Alarms on what the platform's own logs record (issue 20 item 3), besides the audit trail's:
 * traffic the egress firewall blocked (something tried to leave the allowlist), and a rising rate of
 * quarantined uploads (an attack or a broken client). Each pattern is proven against a record of the
 * format it reads (log-alarms.test.ts), and with the sync functions' event age (AWS/Lambda
 * AsyncEventAge) it gives the operators the sync lag.
 */
import type { LogGroup } from "../log-group";

/** CloudWatch namespace of the metrics the platform's own logs give. */
export const OPERATIONS_METRIC_NAMESPACE = "SIP/Operations";

/** A metric filter on one log group with its alarm (Sum over `periodSeconds` >= `threshold`). */
export interface LogAlarm {
  /** Alarm and filter name suffix (`<name>-<id>`): letters, digits and "-". */
  readonly id: string;
  readonly title: string;
  readonly logGroup: LogGroup;
  /** CloudWatch Logs filter pattern (JSON selectors). */
  readonly pattern: string;
  readonly metricName: string;
  readonly threshold: number;
  readonly periodSeconds: 60 | 300 | 3600;
  /** What it means and what to do first. */
  readonly runbook: string;
}

/**
 * A Network Firewall alert record of a blocked flow: with strict order and `aws:drop_established`
 * plus `aws:alert_established`, every flow the allowlist does not pass is logged as an alert whose
 * action is `blocked` (https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-logging.html).
 */
export const FIREWALL_BLOCKED_PATTERN = '{ ($.event.event_type = "alert") && ($.event.alert.action = "blocked") }';

/** A scrub function's `quarantined` line (functions/shared/logger.ts: one JSON object per line). */
export const QUARANTINED_PATTERN = '{ ($.message = "quarantined") && ($.level = "warn") }';

/** Any blocked flow through the egress firewall. */
export function firewallBlockedAlarm(id: string, logGroup: LogGroup): LogAlarm {
  return {
    id,
    title: "The egress firewall blocked a flow",
    logGroup,
    pattern: FIREWALL_BLOCKED_PATTERN,
    metricName: "EgressBlocked",
    threshold: 1,
    periodSeconds: 300,
    runbook:
      "A workload behind the controlled egress path tried to reach a host the allowlist does not pass (the alert log names the source, the destination and the TLS SNI). First: find the function by its source address; a new legitimate endpoint belongs in the configuration, anything else is an incident (exfiltration attempt).",
  };
}

/** More quarantined uploads than `threshold` in an hour, for the scrub function of `source` (e.g. its pipeline). */
export function quarantineRateAlarm(source: string, logGroup: LogGroup, threshold = 20): LogAlarm {
  return {
    id: `${source}-quarantined`,
    title: "Uploads are quarantined at an unusual rate",
    logGroup,
    pattern: QUARANTINED_PATTERN,
    metricName: `Quarantined-${source}`,
    threshold,
    periodSeconds: 3600,
    runbook:
      "The scrub function rejected many uploads within an hour (the log lines name each reason: active-content, malformed, ...). First: group by reason and tenant; one tenant with active content is an attack on that tenant's users, one reason everywhere a broken client or a scrubber change.",
  };
}

/** The sync lag: how long an S3 event waited before the sync function took it (milliseconds). */
export const SYNC_LAG_THRESHOLD_MS = 15 * 60 * 1000;
