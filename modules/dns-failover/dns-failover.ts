import { HEALTH_CHECK_REGIONS } from "../../config/dns";
import { Route53HealthCheck, Route53Record } from "../../framework/aws";
import { Construct } from "../../framework/cdktf";
import type { ApiDomain } from "../api-domain";
import { ValidationError } from "../errors";
import type { HostedZone } from "./hosted-zone";

/** The regions Route 53 runs health checkers in (config/dns.ts, shared with the configuration). */
export const HEALTH_CHECKER_REGIONS: readonly string[] = HEALTH_CHECK_REGIONS;

export interface FailoverHealthCheck {
  /** Path of the primary API's health route. @default "/health" */
  readonly resourcePath?: string;
  /** 10 or 30. @default 30 */
  readonly requestIntervalSeconds?: 10 | 30;
  /** 1-10. @default 3 */
  readonly failureThreshold?: number;
  /** At least three of HEALTH_CHECKER_REGIONS. @default - every checker region */
  readonly regions?: readonly string[];
}

export interface DnsFailoverProps {
  /** The zone of the failover records; it must live outside the primary's partition. */
  readonly zone: HostedZone;
  /** The failover name is `<hostName>.<zone name>`; the primary's and secondary's domains are that name. */
  readonly hostName: string;
  /** PRIMARY: the API clients use while it is healthy (the sovereign API's domain of the failover name). */
  readonly primary: ApiDomain;
  /**
   * The primary API's own domain, with its own CNAME (`cnameRecord`): the name the health check
   * probes. It cannot be the failover name, which would answer with the secondary once failed over.
   */
  readonly primaryHealthDomain: ApiDomain;
  /**
   * SECONDARY: the standby API's domain of the failover name, in another partition than the primary.
   * @default - no SECONDARY record: the set has its PRIMARY only, and a failing check has no other
   * answer to give (the platform's today, until the commercial standby API exists)
   */
  readonly secondary?: ApiDomain;
  readonly healthCheck?: FailoverHealthCheck;
  /** TTL of the failover records: how long resolvers keep an answer after a failover. @default 60 */
  readonly ttlSeconds?: number;
}

/**
 * DNS failover for an API with custom domains: an HTTPS health check (port 443, SNI, no latency
 * measurements) of the primary API's own domain, and failover CNAME records `<hostName>.<zone>`,
 * PRIMARY to the primary's regional endpoint (with the check) and, when given, SECONDARY to the
 * secondary's. CNAMEs, not aliases: an alias names its target by a hosted zone of Route 53's own
 * partition, and the primary's endpoint is another partition's.
 */
export class DnsFailover extends Construct {
  readonly healthCheck: Route53HealthCheck;
  readonly primaryRecord: Route53Record;
  readonly secondaryRecord: Route53Record | undefined;
  /** `<hostName>.<zone name>`. */
  readonly domainName: string;

  constructor(scope: Construct, id: string, props: DnsFailoverProps) {
    super(scope, id);
    this.domainName = `${props.hostName}.${props.zone.zoneName}`;
    this.validate(props);
    const provider = props.zone.placement.provider;
    const check = props.healthCheck ?? {};
    this.healthCheck = new Route53HealthCheck(this, "health-check", {
      provider,
      type: "HTTPS",
      fqdn: props.primaryHealthDomain.domainName,
      port: 443,
      enableSni: true,
      resourcePath: check.resourcePath ?? "/health",
      requestInterval: check.requestIntervalSeconds ?? 30,
      failureThreshold: check.failureThreshold ?? 3,
      measureLatency: false,
      regions: check.regions === undefined ? undefined : [...check.regions],
      tags: { Name: `${this.domainName} primary (${props.primary.placement.side})` },
    });
    const ttl = props.ttlSeconds ?? 60;
    const member = (role: "PRIMARY" | "SECONDARY", domain: ApiDomain, healthCheckId?: string) =>
      new Route53Record(this, role.toLowerCase(), {
        provider,
        zoneId: props.zone.zoneId,
        name: this.domainName,
        type: "CNAME",
        ttl,
        records: [domain.targetDomainName],
        setIdentifier: `${role.toLowerCase()}-${domain.placement.side}`,
        failoverRoutingPolicy: { type: role },
        healthCheckId,
      });
    this.primaryRecord = member("PRIMARY", props.primary, this.healthCheck.id);
    // Without a health check of its own: when the primary fails, Route 53 answers with the secondary.
    this.secondaryRecord = props.secondary === undefined ? undefined : member("SECONDARY", props.secondary);
  }

  private validate(props: DnsFailoverProps): void {
    const fail = (code: string, message: string) => {
      throw new ValidationError(`DnsFailover.${code}`, message, this);
    };
    const { zone, primary, primaryHealthDomain, secondary } = props;
    if (zone.placement.side === primary.placement.side)
      fail(
        "zone",
        `the zone is in the ${zone.placement.side} partition, the primary's: it would be unreachable together with the API it fails away from; use a zone of the other partition`,
      );
    for (const [name, domain] of [
      ["primary", primary],
      ["secondary", secondary],
    ] as const) {
      if (domain === undefined) continue;
      if (domain.domainName !== this.domainName)
        fail(name, `${name} must be the domain of the failover name ${this.domainName} (value: ${domain.domainName})`);
      if (domain.zone !== zone) fail(name, `${name}'s domain is validated in another zone than the failover records'`);
    }
    if (secondary !== undefined && secondary.placement.side === primary.placement.side)
      fail("secondary", `secondary must be in another partition than the primary (both: ${primary.placement.side})`);
    if (primaryHealthDomain.api !== primary.api)
      fail("primaryHealthDomain", "primaryHealthDomain must be a domain of the primary's API");
    if (primaryHealthDomain.record === undefined || primaryHealthDomain.domainName === this.domainName)
      fail(
        "primaryHealthDomain",
        `primaryHealthDomain needs a name of its own with its own record (cnameRecord: true), not ${this.domainName}`,
      );
    this.validateHealthCheck(props.healthCheck ?? {}, props.ttlSeconds);
  }

  private validateHealthCheck(check: FailoverHealthCheck, ttl: number | undefined): void {
    const fail = (code: string, message: string) => {
      throw new ValidationError(`DnsFailover.${code}`, message, this);
    };
    if (check.resourcePath !== undefined && !/^\/[A-Za-z0-9/._-]*$/.test(check.resourcePath))
      fail("healthCheck.resourcePath", `resourcePath must be a path starting with / (value: "${check.resourcePath}")`);
    const threshold = check.failureThreshold;
    if (threshold !== undefined && (!Number.isInteger(threshold) || threshold < 1 || threshold > 10))
      fail("healthCheck.failureThreshold", `failureThreshold must be 1-10 (value: ${threshold})`);
    const interval: number | undefined = check.requestIntervalSeconds;
    if (interval !== undefined && interval !== 10 && interval !== 30)
      fail("healthCheck.requestIntervalSeconds", `requestIntervalSeconds must be 10 or 30 (value: ${interval})`);
    if (check.regions !== undefined) {
      const unknown = check.regions.filter((r) => !HEALTH_CHECKER_REGIONS.includes(r));
      if (unknown.length > 0 || new Set(check.regions).size < 3)
        fail(
          "healthCheck.regions",
          `regions must name at least three distinct health checker regions of ${HEALTH_CHECKER_REGIONS.join(", ")} (value: ${JSON.stringify(check.regions)})`,
        );
    }
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 0 || ttl > 300))
      fail("ttlSeconds", `ttlSeconds must be 0-300: a longer TTL keeps clients on a failed primary (value: ${ttl})`);
  }
}
