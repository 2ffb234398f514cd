import { LITERAL_POLICY, policyReads } from "../../core/unknowns";
import { bucketPolicies, buckets } from "../../core/buckets";
import {
  conditionsOutsideVpcEndpoint,
  coversObjectAccess,
  deniesEveryone,
  onlyNamedRolesReachObjects,
} from "../../core/policy-checks";
import { placementOf } from "../../core/placement";
import { policyDocuments, statementsOf } from "../../core/policy-documents";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * Sovereign buckets deny object access that does not come through the platform's VPC endpoint.
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
  fix: 'Add a bucket policy statement: Effect "Deny", Principal "*", Action "s3:*" (or the object actions), Resource "<bucket ARN>/*", Condition {"StringNotEquals": {"aws:SourceVpce": "<endpoint id>"}} (exempt break-glass roles with aws:PrincipalArn if needed). A bucket that must be reached before the VPC exists denies object access to every principal but named roles instead (ArnNotEquals aws:PrincipalArn, literal role ARNs).',
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
      if (placementOf(template, bucket).partition?.id !== "aws-eusc") continue;
      checked++;
      const policies = bucketPolicies(template, bucket, docs);
      const ok = policies.some(
        (p) =>
          p.document !== undefined &&
          statementsOf(p.document).some(
            (s) => deniesEveryone(s) && coversObjectAccess(s) && conditionsOutsideVpcEndpoint(s),
          ),
      );
      if (ok) continue;
      const detail =
        policies.length === 0
          ? "the bucket has no bucket policy, so access from outside the VPC endpoint is not denied"
          : "no bucket policy statement denies object access to everyone when aws:SourceVpce (or aws:SourceVpc) is not the platform's";
      const roles = policies.flatMap((p) =>
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
