import { sovereignHostName } from "../config/dns";
import type { DeploymentConfig } from "../config/schema";
import { Construct } from "../framework/cdktf";
import { ApiDomain } from "../modules/api-domain";
import { DnsFailover, HostedZone } from "../modules/dns-failover";
import type { HttpApi } from "../modules/http-api";
import type { Placement } from "../modules/placement";

export interface ApiDnsProps {
  /** The side whose Route 53 holds the zone, the health check and the records: commercial. */
  readonly commercial: Placement;
  readonly dns: NonNullable<DeploymentConfig["dns"]>;
  /** The sovereign upload API (with its `GET /health`). */
  readonly sovereignApi: HttpApi;
  /**
   * The commercial standby's read API (stacks/standby-serving.ts): the SECONDARY of the failover record.
   * @default - no SECONDARY: a failing check has no other answer to give
   */
  readonly standbyApi?: HttpApi;
}

/**
 * The upload API's DNS (issue 17, item 3; docs/cross-partition.md §7): in the commercial partition's
 * Route 53, the configured zone, the health check of the sovereign API's own name and the failover
 * record `<apiHostName>.<zone>` with its PRIMARY, the sovereign API; in the sovereign partition, the
 * API's two custom domains and their certificates. With the commercial standby (issue 17, item 2;
 * `crossPartition.standby`), the SECONDARY: the standby API's domain of the failover name, its
 * certificate and domain in the commercial partition. Without it no record points at an API nobody
 * deployed, and a failing check has no other answer to give.
 */
export class ApiDns extends Construct {
  readonly failover: DnsFailover;

  constructor(scope: Construct, id: string, props: ApiDnsProps) {
    super(scope, id);
    const { dns, sovereignApi, standbyApi } = props;
    const zone = new HostedZone(this, "zone", {
      placement: props.commercial,
      zoneId: dns.zoneId,
      zoneName: dns.zoneName,
    });
    this.failover = new DnsFailover(this, "failover", {
      zone,
      hostName: dns.apiHostName,
      primary: new ApiDomain(this, "sovereign-domain", { api: sovereignApi, zone, hostName: dns.apiHostName }),
      primaryHealthDomain: new ApiDomain(this, "sovereign-own-domain", {
        api: sovereignApi,
        zone,
        hostName: sovereignHostName(dns.apiHostName),
        cnameRecord: true,
      }),
      ...(standbyApi === undefined
        ? {}
        : { secondary: new ApiDomain(this, "standby-domain", { api: standbyApi, zone, hostName: dns.apiHostName }) }),
      healthCheck: {
        resourcePath: "/health",
        requestIntervalSeconds: dns.healthCheck.requestIntervalSeconds,
        failureThreshold: dns.healthCheck.failureThreshold,
        ...(dns.healthCheck.regions === undefined ? {} : { regions: dns.healthCheck.regions }),
      },
    });
  }
}
