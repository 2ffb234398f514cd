/**
 * The named exception `dns-names` of rule SIP-RES-4 (partition-consistent references): a Route 53
 * record that holds another partition's DNS names, what DNS failover needs (docs/cross-partition.md
 * §7: the zone lives in the commercial partition so that it keeps answering when the sovereign one
 * is unreachable). Recognised by structure: an `aws_route53_record` whose `name`, `type` and
 * `records` refer across partitions only to
 *
 * - an `aws_acm_certificate`'s `domain_validation_options` (`resource_record_name`, `_type`,
 *   `_value`): the certificate's DNS validation record, or
 * - an `aws_apigatewayv2_domain_name`'s `domain_name_configuration[0].target_domain_name`: the API's
 *   regional endpoint name.
 *
 * Only those attribute paths are accepted; any other reference across partitions stays a finding.
 */
import { DNS_NAMES_EXCEPTION } from "./exception-names";
import { referencesIn, walkStrings } from "./references";
import { resourcesOfType, type Template } from "./template";

export { DNS_NAMES_EXCEPTION };

const NAME_PATHS = /^(name|type|records\[\d+\])$/;

/** Whether every reference in `value` names a DNS name of a certificate's validation or an API's endpoint. */
function onlyDnsNames(value: string): boolean {
  const refs = referencesIn(value);
  if (refs.length === 0) return true;
  return refs.every(
    (r) =>
      (r.address.startsWith("aws_acm_certificate.") &&
        r.attribute === "domain_validation_options" &&
        /\.resource_record_(name|type|value)\}?$/.test(value)) ||
      (r.address.startsWith("aws_apigatewayv2_domain_name.") &&
        r.attribute === "domain_name_configuration" &&
        /\.target_domain_name\}$/.test(value)),
  );
}

/** Records accepted as the named exception: which attribute paths it covers, and why. */
export function dnsNameExceptions(
  template: Template,
): Map<string, { readonly paths: (path: string) => boolean; readonly reason: string }> {
  const out = new Map<string, { paths: (path: string) => boolean; reason: string }>();
  for (const record of resourcesOfType(template, "aws_route53_record")) {
    let names = true;
    walkStrings({ name: record.values.name, type: record.values.type, records: record.values.records }, (value) => {
      if (!onlyDnsNames(value)) names = false;
    });
    if (!names) continue;
    out.set(record.address, {
      paths: (p) => NAME_PATHS.test(p),
      reason: `named exception ${DNS_NAMES_EXCEPTION} (docs/cross-partition.md §7): the record holds another partition's DNS names only (a certificate's validation record, an API's regional endpoint name)`,
    });
  }
  return out;
}
