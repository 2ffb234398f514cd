import { bucketPolicies, buckets } from "../../core/buckets";
import { conditionsOutsideVpcEndpoint, coversObjectAccess, deniesEveryone } from "../../core/policy-checks";
import { placementOf } from "../../core/placement";
import { policyDocuments, statementsOf } from "../../core/policy-documents";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * Sovereign buckets deny object access that does not come through the platform's VPC endpoint.
 * Commercial buckets are out of scope: the failover bucket is written by the sync function from
 * outside its partition's network (DESIGN.md §5) and has no VPC on its side.
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
  fix: 'Add a bucket policy statement: Effect "Deny", Principal "*", Action "s3:*" (or the object actions), Resource "<bucket ARN>/*", Condition {"StringNotEquals": {"aws:SourceVpce": "<endpoint id>"}} (exempt break-glass roles with aws:PrincipalArn if needed).',
  anchors: {},
  evaluate({ template }) {
    const docs = policyDocuments(template);
    const violations: Violation[] = [];
    let checked = 0;
    for (const bucket of buckets(template)) {
      if (placementOf(template, bucket).partition?.id !== "aws-eusc") continue;
      checked++;
      const policies = bucketPolicies(template, bucket, docs);
      const ok = policies.some((p) => p.document !== undefined && statementsOf(p.document).some((s) => deniesEveryone(s) && coversObjectAccess(s) && conditionsOutsideVpcEndpoint(s)));
      if (!ok) {
        violations.push({ address: bucket.address, detail: policies.length === 0 ? "the bucket has no bucket policy, so access from outside the VPC endpoint is not denied" : "no bucket policy statement denies object access to everyone when aws:SourceVpce (or aws:SourceVpc) is not the platform's" });
      }
    }
    return verdict(checked, violations);
  },
});
