/** Every module's runnable example; modules/examples.test.ts synthesizes and validates them all. */
import type { ExampleStack } from "../stacks/example-stack";
import { example as accessHygiene } from "./access-hygiene/examples/minimal";
import { example as accountBaseline } from "./account-baseline/examples/minimal";
import { example as apiDomain } from "./api-domain/examples/minimal";
import { example as auditTrail } from "./audit-trail/examples/minimal";
import { example as controlledEgress } from "./controlled-egress/examples/minimal";
import { example as dnsFailover } from "./dns-failover/examples/minimal";
import { example as httpApi } from "./http-api/examples/minimal";
import { example as kmsKey } from "./kms-key/examples/minimal";
import { example as lambdaFunction } from "./lambda-function/examples/minimal";
import { example as logGroup } from "./log-group/examples/minimal";
import { example as network } from "./network/examples/minimal";
import { example as organizationGuardrails } from "./organization-guardrails/examples/minimal";
import { example as privateBucket } from "./private-bucket/examples/minimal";
import { example as rolesAnywhereTrust } from "./roles-anywhere-trust/examples/minimal";
import { example as securityAlarms } from "./security-alarms/examples/minimal";
import { example as tenant } from "./tenant/examples/minimal";

export const MODULE_EXAMPLES: Readonly<Record<string, (stack: ExampleStack) => void>> = {
  "access-hygiene": accessHygiene,
  "account-baseline": accountBaseline,
  "api-domain": apiDomain,
  "audit-trail": auditTrail,
  "controlled-egress": controlledEgress,
  "dns-failover": dnsFailover,
  "http-api": httpApi,
  "kms-key": kmsKey,
  "lambda-function": lambdaFunction,
  "log-group": logGroup,
  network,
  "organization-guardrails": organizationGuardrails,
  "private-bucket": privateBucket,
  "roles-anywhere-trust": rolesAnywhereTrust,
  "security-alarms": securityAlarms,
  tenant,
};
