/**
 * The log alarms' patterns against records of the formats they read: a Network Firewall alert log
 * record (the format of https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-logging.html,
 * written by hand for a blocked TLS flow), and the scrub functions' own log lines as
 * functions/shared/logger.ts writes them.
 */
import { describe, expect, it } from "vitest";
import { createLogger } from "../../functions/shared/logger";
import { matchesLogEvent } from "./filter-pattern";
import { FIREWALL_BLOCKED_PATTERN, QUARANTINED_PATTERN } from "./log-alarms";

const firewallRecord = (action: string, eventType = "alert") =>
  JSON.stringify({
    firewall_name: "example-egress",
    availability_zone: "eusc-de-east-1a",
    event_timestamp: "1765069200",
    event: {
      timestamp: "2026-12-07T01:00:00.123456+0000",
      flow_id: 1234567890123456,
      event_type: eventType,
      src_ip: "10.10.192.37",
      src_port: 49152,
      dest_ip: "203.0.113.9",
      dest_port: 443,
      proto: "TCP",
      app_proto: "tls",
      ...(eventType === "alert"
        ? {
            alert: {
              action,
              signature_id: 1,
              rev: 0,
              signature: "not matching any TLS allowlisted FQDNs",
              category: "",
              severity: 3,
            },
          }
        : {
            netflow: {
              pkts: 3,
              bytes: 180,
              start: "2026-12-07T01:00:00.000000+0000",
              end: "2026-12-07T01:00:01.000000+0000",
              age: 1,
              min_ttl: 64,
              max_ttl: 64,
            },
          }),
      tls: { sni: "exfiltration.example.net" },
    },
  });

/** What the logger writes for one call, as CloudWatch Logs receives it. */
function logLine(level: "info" | "warn", message: string, fields: Record<string, unknown>): string {
  let line = "";
  const logger = createLogger("document-scrub", { level: "debug", write: (l) => (line = l) });
  logger[level](message, fields);
  return line.trim();
}

describe("log alarm patterns", () => {
  it("count a flow the egress firewall blocked, not one it passed or a flow record", () => {
    expect(matchesLogEvent(FIREWALL_BLOCKED_PATTERN, firewallRecord("blocked"))).toBe(true);
    expect(matchesLogEvent(FIREWALL_BLOCKED_PATTERN, firewallRecord("allowed"))).toBe(false);
    expect(matchesLogEvent(FIREWALL_BLOCKED_PATTERN, firewallRecord("blocked", "netflow"))).toBe(false);
  });

  it("count a quarantined upload, not a scrubbed one", () => {
    const quarantined = logLine("warn", "quarantined", { reason: "active-content", quarantineKey: "quarantine/a/b/c" });
    const scrubbed = logLine("info", "scrubbed", { type: "pdf", pages: 2 });
    expect(matchesLogEvent(QUARANTINED_PATTERN, quarantined)).toBe(true);
    expect(matchesLogEvent(QUARANTINED_PATTERN, scrubbed)).toBe(false);
  });
});
