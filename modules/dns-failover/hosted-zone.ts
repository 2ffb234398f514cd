import { Construct } from "../../framework/cdktf";
import { ValidationError } from "../errors";
import type { Placement } from "../placement";

export interface HostedZoneProps {
  /** The side whose Route 53 holds the zone (the platform's: commercial, docs/cross-partition.md §7). */
  readonly placement: Placement;
  /** The zone's ID, e.g. `Z0123456789ABCDEFGHIJ`. */
  readonly zoneId: string;
  /** The zone's name, lower case, without the trailing dot, e.g. `sip.example.org`. */
  readonly zoneName: string;
}

/**
 * An existing public hosted zone, named by its ID, not created: its delegation (the parent's NS
 * records) lives outside this program, and a zone Terraform created would get new name servers
 * each time it is replaced and be deleted with the environment. Not looked up either: the offline
 * plan makes no AWS call (like the configured availability zones), and Route 53 refuses, at apply, a
 * record whose name is not inside the zone of that ID, so a zone ID and name that disagree fail
 * before any record is written. Creates no resource; records and checks refer to it.
 */
export class HostedZone extends Construct {
  readonly placement: Placement;
  readonly zoneId: string;
  readonly zoneName: string;

  constructor(scope: Construct, id: string, props: HostedZoneProps) {
    super(scope, id);
    if (!/^Z[A-Z0-9]{1,31}$/.test(props.zoneId))
      throw new ValidationError(
        "HostedZone.zoneId",
        `zoneId must be a Route 53 hosted zone ID, Z and upper-case letters and digits (value: "${props.zoneId}")`,
        this,
      );
    if (!/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(props.zoneName))
      throw new ValidationError(
        "HostedZone.zoneName",
        `zoneName must be a DNS name of two or more labels in lower case, without the trailing dot (value: "${props.zoneName}")`,
        this,
      );
    this.placement = props.placement;
    this.zoneId = props.zoneId;
    this.zoneName = props.zoneName;
  }
}
