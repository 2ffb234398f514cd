/**
 * IAM and STS calls against a gateway started with `sts: true` (the project has no IAM/STS SDK client):
 * create a role the test user may assume, attach an inline policy, and assume it.
 */
import { castKey } from "../authz/recorder";
import type { RadosGateway } from "./radosgw";
import { signV4 } from "./sigv4";

export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export class QueryApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    action: string,
  ) {
    super(`${action} failed: HTTP ${status} ${code}`);
    this.name = "QueryApiError";
  }
}

/** One signed form-encoded query-API call (`iam`, `sts`, or `sns` for bucket-notification topics) with the gateway's test keys. */
export async function queryApi(
  gateway: RadosGateway,
  service: "iam" | "sns" | "sts",
  params: Readonly<Record<string, string>>,
): Promise<string> {
  const body = new URLSearchParams(params).toString();
  const headers = signV4({
    method: "POST",
    url: `${gateway.endpoint}/`,
    service,
    region: gateway.region,
    accessKeyId: gateway.accessKeyId,
    secretAccessKey: gateway.secretAccessKey,
    body,
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
  });
  const response = await fetch(`${gateway.endpoint}/`, { method: "POST", headers, body });
  const text = await response.text();
  if (!response.ok) throw new QueryApiError(response.status, xmlValue(text, "Code") ?? "", params.Action ?? "");
  return text;
}

function xmlValue(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

/** Creates a role the gateway's test user may assume, with one inline policy. Returns the role ARN. */
export async function createRole(gateway: RadosGateway, roleName: string, policy: object): Promise<string> {
  const trust = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: ["arn:aws:iam:::user/test"] }, Action: ["sts:AssumeRole"] }],
  };
  const created = await queryApi(gateway, "iam", {
    Action: "CreateRole",
    RoleName: roleName,
    Path: "/",
    AssumeRolePolicyDocument: JSON.stringify(trust),
  });
  await queryApi(gateway, "iam", {
    Action: "PutRolePolicy",
    RoleName: roleName,
    PolicyName: `${roleName}-policy`,
    PolicyDocument: JSON.stringify(policy),
  });
  const arn = xmlValue(created, "Arn");
  if (arn === undefined) throw new Error(`CreateRole returned no Arn: ${created}`);
  return arn;
}

export async function assumeRole(
  gateway: RadosGateway,
  roleArn: string,
  sessionName = "test-session",
  durationSeconds = 900,
): Promise<TemporaryCredentials> {
  const xml = await queryApi(gateway, "sts", {
    Action: "AssumeRole",
    Version: "2011-06-15",
    RoleArn: roleArn,
    RoleSessionName: sessionName,
    DurationSeconds: String(durationSeconds),
  });
  const value = (tag: string) => {
    const v = xmlValue(xml, tag);
    if (v === undefined) throw new Error(`AssumeRole returned no ${tag}`);
    return v;
  };
  // The authorization proof attributes what these credentials do to the role (by its name).
  castKey(value("AccessKeyId"), roleArn.split("/").pop() ?? roleArn);
  return {
    accessKeyId: value("AccessKeyId"),
    secretAccessKey: value("SecretAccessKey"),
    sessionToken: value("SessionToken"),
    expiration: new Date(value("Expiration")),
  };
}
