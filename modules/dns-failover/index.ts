export {
  DnsFailover,
  type DnsFailoverProps,
  type FailoverHealthCheck,
  HEALTH_CHECKER_REGIONS,
} from "./dns-failover";
export { HostedZone, type HostedZoneProps } from "./hosted-zone";
