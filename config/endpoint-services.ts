/**
 * VPC endpoint service names. In the commercial partition they are uniformly
 * `com.amazonaws.<region>.<service>`. In eusc-de-east-1 a few services use the prefix
 * `eu.amazonaws` instead (ECR, API Gateway's execute-api, Security Hub; aws/aws-cdk#36471, which
 * fixed CloudFormation's "The Vpc Endpoint Service com.amazonaws.eusc-de-east-1.ecr.dkr does not
 * exist"). Resolving names with `data.aws_vpc_endpoint_service` would be exact but needs the EC2 API
 * at plan time, which the offline plan cannot reach; so this table, with its tests, is the source.
 * If AWS adds exceptions, add them here.
 */
import { partitionOfRegion } from "./partitions";

const EU_PREFIX_SERVICES: Readonly<Record<string, readonly string[]>> = {
  "eusc-de-east-1": ["ecr.dkr", "ecr.api", "execute-api", "securityhub"],
};

/** The endpoint service name of an AWS service in an EU region of either partition. */
export function endpointServiceName(region: string, service: string): string {
  const partition = partitionOfRegion(region);
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(service)) throw new Error(`"${service}" is not an AWS service endpoint name`);
  const euPrefixed = partition.id === "aws-eusc" && (EU_PREFIX_SERVICES[region] ?? []).includes(service);
  return `${euPrefixed ? "eu" : "com"}.amazonaws.${region}.${service}`;
}
