import {
  AcmCertificate,
  AcmCertificateValidation,
  Apigatewayv2ApiMapping,
  Apigatewayv2DomainName,
  Route53Record,
} from "../../framework/aws";
import { Construct } from "../../framework/cdktf";
import type { HostedZone } from "../dns-failover";
import { ValidationError } from "../errors";
import type { HttpApi } from "../http-api";
import type { Placement } from "../placement";

/** API Gateway's TLS policy for custom domains: TLS 1.2 and later (the guardrail SIP-APIGW-3 requires it). */
export const API_DOMAIN_SECURITY_POLICY = "TLS_1_2";

/** ACM puts a certificate's first domain name in its subject's CN, at most 64 characters. */
const MAX_DOMAIN_LENGTH = 64;

export interface ApiDomainProps {
  /** The API; the certificate, domain name and mapping live on its side (its placement). */
  readonly api: HttpApi;
  /** The public zone that holds the name and the certificate's validation record. */
  readonly zone: HostedZone;
  /** The host name in the zone: the domain is `<hostName>.<zone name>`. */
  readonly hostName: string;
  /**
   * Write a CNAME `<hostName>.<zone>` to the domain's regional endpoint. Leave it off for a name that
   * other records answer (DnsFailover's failover records).
   * @default false
   */
  readonly cnameRecord?: boolean;
  /** @default 300 */
  readonly cnameTtlSeconds?: number;
}

/**
 * A custom domain for an HTTP API, in the API's own partition: an ACM certificate validated by DNS
 * (the validation CNAME in the zone, which may be another partition's: ACM asks public DNS), the
 * regional API Gateway domain name with the TLS 1.2 policy, and the mapping to the API's stage.
 */
export class ApiDomain extends Construct {
  readonly api: HttpApi;
  readonly placement: Placement;
  readonly zone: HostedZone;
  /** `<hostName>.<zone name>`. */
  readonly domainName: string;
  /** The regional endpoint's name (`d-….execute-api.<region>.<dns suffix>`), a record's value. */
  readonly targetDomainName: string;
  readonly certificate: AcmCertificate;
  readonly domain: Apigatewayv2DomainName;
  /** The CNAME of the name, with `cnameRecord`. */
  readonly record: Route53Record | undefined;

  constructor(scope: Construct, id: string, props: ApiDomainProps) {
    super(scope, id);
    this.api = props.api;
    this.placement = props.api.placement;
    this.zone = props.zone;
    this.domainName = `${props.hostName}.${props.zone.zoneName}`;
    this.validate(props);
    const provider = this.placement.provider;
    const tags = { Name: this.domainName };
    this.certificate = new AcmCertificate(this, "certificate", {
      provider,
      domainName: this.domainName,
      validationMethod: "DNS",
      options: { certificateTransparencyLoggingPreference: "ENABLED" },
      lifecycle: { createBeforeDestroy: true },
      tags,
    });
    // One name, so one validation option; its record lives in the zone's partition.
    const option = this.certificate.domainValidationOptions.get(0);
    const validationRecord = new Route53Record(this, "validation-record", {
      provider: props.zone.placement.provider,
      zoneId: props.zone.zoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 300,
      allowOverwrite: true,
    });
    // Waits until ACM has seen the record and issued the certificate. Without validation_record_fqdns:
    // a reference to the record would tie this partition's resource to the zone's (SIP-RES-4).
    const validation = new AcmCertificateValidation(this, "validation", {
      provider,
      certificateArn: this.certificate.arn,
      dependsOn: [validationRecord],
    });
    this.domain = new Apigatewayv2DomainName(this, "domain-name", {
      provider,
      domainName: this.domainName,
      domainNameConfiguration: {
        certificateArn: validation.certificateArn,
        endpointType: "REGIONAL",
        securityPolicy: API_DOMAIN_SECURITY_POLICY,
      },
      tags,
    });
    new Apigatewayv2ApiMapping(this, "mapping", {
      provider,
      apiId: props.api.api.id,
      domainName: this.domain.id,
      stage: props.api.stage.id,
    });
    this.targetDomainName = this.domain.domainNameConfiguration.targetDomainName;
    this.record =
      props.cnameRecord === true
        ? new Route53Record(this, "record", {
            provider: props.zone.placement.provider,
            zoneId: props.zone.zoneId,
            name: this.domainName,
            type: "CNAME",
            ttl: props.cnameTtlSeconds ?? 300,
            records: [this.targetDomainName],
          })
        : undefined;
  }

  private validate(props: ApiDomainProps): void {
    if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(props.hostName))
      throw new ValidationError(
        "ApiDomain.hostName",
        `hostName must be one DNS label in lower case (value: "${props.hostName}")`,
        this,
      );
    if (this.domainName.length > MAX_DOMAIN_LENGTH)
      throw new ValidationError(
        "ApiDomain.hostName",
        `the domain "${this.domainName}" is ${this.domainName.length} characters long; an ACM certificate's first name may have ${MAX_DOMAIN_LENGTH}: shorten hostName or the zone name`,
        this,
      );
    const ttl = props.cnameTtlSeconds;
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 0 || ttl > 86400))
      throw new ValidationError("ApiDomain.cnameTtlSeconds", `cnameTtlSeconds must be 0-86400 (value: ${ttl})`, this);
  }
}
