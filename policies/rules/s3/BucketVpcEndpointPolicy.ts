import { LITERAL_POLICY, policyReads } from "../../core/unknowns";
import { bucketPolicies, buckets, missingFromBucketPolicies } from "../../core/buckets";
import {
  conditionsOutsideVpcEndpoint,
  coversBucketAndObjects,
  coversObjectData,
  deniesEveryone,
  onlyNamedRolesReachObjects,
} from "../../core/policy-checks";
import { placementOf } from "../../core/placement";
import { type NormalizedStatement, policyDocuments, statementsOf } from "../../core/policy-documents";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * A statement that denies everyone object access (reads, writes, deletes, listings) on the bucket and
 * all of its objects whenever the request does not come through the named VPC endpoints.
 */
function deniesOutsideEndpoint(s: NormalizedStatement): boolean {
  return deniesEveryone(s) && coversObjectData(s) && coversBucketAndObjects(s) && conditionsOutsideVpcEndpoint(s);
}

/**
 * Sovereign buckets (and buckets whose partition is unknown) deny object access that does not come through the platform's VPC endpoint.
 * Commercial buckets are out of scope: the failover bucket is written by the sync function from
 * outside its partition's network (DESIGN.md §5) and has no VPC on its side. A sovereign bucket
 * that must be reached before the VPC exists (the bootstrap stack's Terraform state bucket) is the
 * named exception, accepted and reported as such when its policy denies object access to every
 * principal but literal role ARNs (modules/private-bucket `objectAccessRoles`).
 */
export const BucketVpcEndpointPolicy = defineRule({
  id: "SIP-S3-5",
  name: "BucketVpcEndpointPolicy",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: "The sovereign bucket's policy does not deny access from outside the VPC endpoint (aws:SourceVpce / aws:SourceVpc).",
  explanation:
    "The sovereign VPC has no internet route, and the platform's functions reach S3 through the gateway endpoint only. A deny on aws:SourceVpce turns stolen credentials used from anywhere else into useless ones and keeps data paths inside the sovereign network.",
  fix: 'Add a bucket policy statement: Effect "Deny", Principal "*", Action "s3:*" (or every object action: reads, writes, deletes and s3:ListBucket), Resource the bucket ARN and "<bucket ARN>/*", Condition {"StringNotEquals": {"aws:SourceVpce": "<endpoint id>"}} (exempt break-glass roles with aws:PrincipalArn if needed), in the one bucket policy of the bucket. A bucket that must be reached before the VPC exists denies object access to every principal but named roles instead (ArnNotEquals aws:PrincipalArn, literal role ARNs).',
  anchors: {},
  reads: [
    ...policyReads(LITERAL_POLICY, "bucket"),
    {
      type: "aws_s3_bucket_policy",
      attribute: "bucket",
      as: "reference",
      passes: "a reference to an aws_s3_bucket of this configuration, or its literal name",
    },
  ],
  evaluate({ template }) {
    const docs = policyDocuments(template);
    const violations: Violation[] = [];
    let checked = 0;
    for (const bucket of buckets(template)) {
      const partition = placementOf(template, bucket).partition?.id;
      if (partition !== undefined && partition !== "aws-eusc") continue;
      checked++;
      const missing = missingFromBucketPolicies(
        template,
        bucket,
        docs,
        (p) => p.document !== undefined && statementsOf(p.document).some(deniesOutsideEndpoint),
        "object access from outside the VPC endpoint (reads, writes, deletes and listings of the bucket and all of its objects, to everyone, when aws:SourceVpce or aws:SourceVpc is not the platform's)",
      );
      if (missing === undefined) continue;
      const detail =
        partition === undefined
          ? `${missing}; the bucket's partition is unknown, so it is held to the sovereign rule`
          : missing;
      const roles = bucketPolicies(template, bucket, docs).flatMap((p) =>
        p.document === undefined ? [] : statementsOf(p.document).flatMap((st) => onlyNamedRolesReachObjects(st) ?? []),
      );
      violations.push(
        roles.length === 0
          ? { address: bucket.address, detail }
          : {
              address: bucket.address,
              detail,
              acceptedBecause: `object access is limited to the named roles ${[...new Set(roles)].sort().join(", ")} from anywhere, instead of to a VPC endpoint (a bucket read before the VPC exists, such as the Terraform state bucket)`,
            },
      );
    }
    return verdict(checked, violations);
  },
});
