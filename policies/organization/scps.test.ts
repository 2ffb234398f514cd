/**
 * The platform organization's SCPs as AWS evaluates them, in @cloud-copilot/iam-simulate (a dev
 * dependency under the AGPL, tests only). The simulator evaluates SCPs itself (its request has a
 * `serviceControlPolicies` field, one entry per level of the organization): each case passes the
 * documents there beside AWS's default FullAWSAccess, and gives the role an identity policy that
 * allows everything, so that the SCPs alone decide. Every denial has a control that differs from it
 * in one thing (the action, the principal, the resource or the region) and is allowed.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { arn, PARTITIONS, type PartitionInfo } from "../../config/partitions";
import type { Decision, Simulate } from "../authz/judge";
import { accountRoot } from "../documents/policy-document";
import {
  checkScpSize,
  MAX_PLATFORM_SCPS,
  denyOutsideRegions,
  platformScps,
  protectPlatformKeys,
  renderScp,
  SCP_MAX_CHARACTERS,
  type ServiceControlPolicy,
  scpSimulationLevels,
  scpSize,
  UNRESOLVED_REFERENCE_CHARACTERS,
} from "./scps";

const simulate = runSimulation as unknown as Simulate;

interface Side {
  readonly partition: PartitionInfo;
  readonly region: string;
  readonly account: string;
}
const SOVEREIGN: Side = { partition: PARTITIONS["aws-eusc"], region: "eusc-de-east-1", account: "111111111111" };
const COMMERCIAL: Side = { partition: PARTITIONS.aws, region: "eu-central-1", account: "222222222222" };

function world(side: Side) {
  const own = (service: string, resource: string, regional = true) =>
    arn(side.partition, { service, region: regional ? side.region : "", account: side.account, resource });
  const names = {
    trail: own("cloudtrail", "trail/example-audit"),
    otherTrail: own("cloudtrail", "trail/example-scratch"),
    trailBucket: arn(side.partition, { service: "s3", resource: `example-audit-${side.account}` }),
    dataBucket: arn(side.partition, { service: "s3", resource: `example-identity-${side.account}` }),
    platformKey: own("kms", "key/1111aaaa-2222-3333-4444-555566667777"),
    tenantKey: own("kms", "key/9999aaaa-2222-3333-4444-555566667777"),
    deployRole: own("iam", "role/platform-deployer", false),
    workerRole: own("iam", "role/example-scrub-function", false),
    user: own("iam", "user/someone", false),
  };
  const scps = platformScps({
    partition: side.partition,
    allowedRegions: [side.region],
    trailArn: names.trail,
    trailBucketArn: names.trailBucket,
    platformKeyArns: [names.platformKey],
    deployRoleArns: [names.deployRole],
  });
  return { side, names, scps };
}
type World = ReturnType<typeof world>;

interface Request {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** `aws:RequestedRegion`. @default the side's region */
  readonly region?: string;
}

/**
 * KMS authorizes nothing through IAM alone: a key's policy must delegate to the account. This is the
 * delegation modules/kms-key writes (`UseThroughIamOfThisAccount`), widened to every KMS action so
 * that, as for IAM, only the SCPs decide.
 */
function keyPolicy(w: World): unknown {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: accountRoot(w.side.partition, w.side.account) },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  };
}

async function decide(w: World, r: Request): Promise<Decision> {
  const input = {
    request: {
      principal: r.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: w.side.account },
      contextVariables: {
        "aws:RequestedRegion": r.region ?? w.side.region,
        "aws:PrincipalArn": r.principal,
        "aws:PrincipalAccount": w.side.account,
        "aws:SecureTransport": "true",
      },
    },
    identityPolicies: [
      {
        name: "admin",
        policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
      },
    ],
    serviceControlPolicies: scpSimulationLevels(w.scps),
    resourceControlPolicies: [],
    ...(r.resource.includes(":kms:") ? { resourcePolicy: keyPolicy(w) } : {}),
  };
  const result = await simulate(input as never, {} as never);
  if (result.resultType === "error")
    throw new Error(`the simulator rejected its input: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

type Case = readonly [title: string, denied: Request, control: string, allowed: Request];

/** The denials of the brief, each with its one-difference control, for one side. */
function cases(w: World): readonly Case[] {
  const { names: n } = w;
  const worker = n.workerRole;
  const star = "*";
  return [
    [
      "a role creating an IAM user",
      { principal: worker, action: "iam:CreateUser", resource: n.user },
      "reading a role",
      { principal: worker, action: "iam:GetRole", resource: n.workerRole },
    ],
    [
      "the deploy role creating an IAM user",
      { principal: n.deployRole, action: "iam:CreateUser", resource: n.user },
      "the deploy role creating a role",
      { principal: n.deployRole, action: "iam:CreateRole", resource: n.workerRole },
    ],
    [
      "a role creating an access key",
      { principal: worker, action: "iam:CreateAccessKey", resource: n.user },
      "listing access keys",
      { principal: worker, action: "iam:ListAccessKeys", resource: n.user },
    ],
    [
      "a role creating a console password",
      { principal: worker, action: "iam:CreateLoginProfile", resource: n.user },
      "reading one",
      { principal: worker, action: "iam:GetLoginProfile", resource: n.user },
    ],
    [
      "leaving the organization",
      { principal: n.deployRole, action: "organizations:LeaveOrganization", resource: star },
      "describing it",
      { principal: n.deployRole, action: "organizations:DescribeOrganization", resource: star },
    ],
    [
      "a non-exempt role stopping the trail",
      { principal: worker, action: "cloudtrail:StopLogging", resource: n.trail },
      "the deploy role stopping it",
      { principal: n.deployRole, action: "cloudtrail:StopLogging", resource: n.trail },
    ],
    [
      "a non-exempt role deleting the trail",
      { principal: worker, action: "cloudtrail:DeleteTrail", resource: n.trail },
      "deleting another trail",
      { principal: worker, action: "cloudtrail:DeleteTrail", resource: n.otherTrail },
    ],
    [
      "deleting the trail bucket",
      { principal: worker, action: "s3:DeleteBucket", resource: n.trailBucket },
      "deleting another bucket",
      { principal: worker, action: "s3:DeleteBucket", resource: n.dataBucket },
    ],
    [
      "the deploy role deleting the trail bucket (no exemption)",
      { principal: n.deployRole, action: "s3:DeleteBucket", resource: n.trailBucket },
      "the deploy role changing its policy",
      { principal: n.deployRole, action: "s3:PutBucketPolicy", resource: n.trailBucket },
    ],
    [
      "deleting a log file",
      { principal: n.deployRole, action: "s3:DeleteObject", resource: `${n.trailBucket}/AWSLogs/x.json.gz` },
      "reading it",
      { principal: n.deployRole, action: "s3:GetObject", resource: `${n.trailBucket}/AWSLogs/x.json.gz` },
    ],
    [
      "a non-exempt role replacing the trail bucket's policy",
      { principal: worker, action: "s3:PutBucketPolicy", resource: n.trailBucket },
      "the same on another bucket",
      { principal: worker, action: "s3:PutBucketPolicy", resource: n.dataBucket },
    ],
    [
      "an ordinary role disabling a platform key",
      { principal: worker, action: "kms:DisableKey", resource: n.platformKey },
      "the deploy role disabling it",
      { principal: n.deployRole, action: "kms:DisableKey", resource: n.platformKey },
    ],
    [
      "an ordinary role scheduling a platform key's deletion",
      { principal: worker, action: "kms:ScheduleKeyDeletion", resource: n.platformKey },
      "the deploy role scheduling it",
      { principal: n.deployRole, action: "kms:ScheduleKeyDeletion", resource: n.platformKey },
    ],
    [
      "an ordinary role replacing a platform key's policy",
      { principal: worker, action: "kms:PutKeyPolicy", resource: n.platformKey },
      "the same on a tenant's key (shredded by design)",
      { principal: worker, action: "kms:PutKeyPolicy", resource: n.tenantKey },
    ],
    [
      "an ordinary role turning off Block Public Access of the account",
      { principal: worker, action: "s3:PutAccountPublicAccessBlock", resource: star },
      "the deploy role setting it",
      { principal: n.deployRole, action: "s3:PutAccountPublicAccessBlock", resource: star },
    ],
    [
      "an ordinary role changing a bucket's Block Public Access",
      { principal: worker, action: "s3:PutBucketPublicAccessBlock", resource: n.dataBucket },
      "the deploy role setting it",
      { principal: n.deployRole, action: "s3:PutBucketPublicAccessBlock", resource: n.dataBucket },
    ],
    [
      "reading an object in us-east-1",
      { principal: worker, action: "s3:GetObject", resource: `${n.dataBucket}/a`, region: "us-east-1" },
      "in the allowed region",
      { principal: worker, action: "s3:GetObject", resource: `${n.dataBucket}/a` },
    ],
    [
      "decrypting in us-east-1",
      { principal: worker, action: "kms:Decrypt", resource: n.platformKey, region: "us-east-1" },
      "in the allowed region",
      { principal: worker, action: "kms:Decrypt", resource: n.platformKey },
    ],
    [
      "assuming a role through STS in us-east-1 (global STS is a residency violation)",
      { principal: worker, action: "sts:AssumeRole", resource: n.deployRole, region: "us-east-1" },
      "through the regional endpoint",
      { principal: worker, action: "sts:AssumeRole", resource: n.deployRole },
    ],
  ];
}

const runInstances = (w: World, region: string): Request => ({
  principal: w.names.deployRole,
  action: "ec2:RunInstances",
  resource: arn(w.side.partition, {
    service: "ec2",
    region,
    account: w.side.account,
    resource: "instance/i-0123456789abcdef0",
  }),
  region,
});

describe.each([
  ["sovereign", world(SOVEREIGN)],
  ["commercial", world(COMMERCIAL)],
])("the %s organization's SCPs", (_, w) => {
  it.each(cases(w).map((c) => [c[0], c] as const))("deny %s, and allow its control", async (_title, c) => {
    // Act
    const denied = await decide(w, c[1]);
    const control = await decide(w, c[3]);
    // Assess
    expect({ denied, control }, `control: ${c[2]}`).toEqual({ denied: "ExplicitlyDenied", control: "Allowed" });
  });

  it("deny ec2:RunInstances in us-east-1 even to the deploy role, and allow it in the allowed region", async () => {
    expect(await decide(w, runInstances(w, "us-east-1"))).toBe("ExplicitlyDenied");
    expect(await decide(w, runInstances(w, w.side.region))).toBe("Allowed");
  });

  it("allow what the platform's roles do in the region: reading objects, decrypting, assuming roles, reading roles", async () => {
    const n = w.names;
    const allowed: Request[] = [
      { principal: n.workerRole, action: "s3:GetObject", resource: `${n.dataBucket}/a` },
      { principal: n.workerRole, action: "s3:PutObject", resource: `${n.dataBucket}/a` },
      { principal: n.workerRole, action: "kms:Decrypt", resource: n.platformKey },
      { principal: n.workerRole, action: "kms:GenerateDataKey", resource: n.platformKey },
      { principal: n.workerRole, action: "sts:AssumeRole", resource: n.deployRole },
      { principal: n.workerRole, action: "iam:GetRole", resource: n.workerRole },
      { principal: n.deployRole, action: "cloudtrail:UpdateTrail", resource: n.trail },
      { principal: n.deployRole, action: "kms:PutKeyPolicy", resource: n.platformKey },
    ];
    const decisions = await Promise.all(allowed.map(async (r) => `${r.action}: ${await decide(w, r)}`));
    expect(decisions).toEqual(allowed.map((r) => `${r.action}: Allowed`));
  });
});

describe("the region rule's global-service exemption", () => {
  const commercial = world(COMMERCIAL);
  const sovereign = world(SOVEREIGN);

  it("lets the commercial accounts reach IAM and Organizations at their us-east-1 endpoint, and nothing else there", async () => {
    const n = commercial.names;
    const getRole = { principal: n.workerRole, action: "iam:GetRole", resource: n.workerRole, region: "us-east-1" };
    expect(await decide(commercial, getRole)).toBe("Allowed");
    expect(
      await decide(commercial, {
        principal: n.deployRole,
        action: "organizations:DescribeOrganization",
        resource: "*",
        region: "us-east-1",
      }),
    ).toBe("Allowed");
    // The control: the same role and region, a regional service.
    expect(await decide(commercial, { ...getRole, action: "kms:Decrypt", resource: n.platformKey })).toBe(
      "ExplicitlyDenied",
    );
  });

  it("exempts nothing in the European Sovereign Cloud, whose global services answer in eusc-de-east-1", async () => {
    const n = sovereign.names;
    const statement = sovereign.scps[0]?.document.Statement[0];
    expect(statement).toMatchObject({ Action: "*", Resource: "*" });
    expect(await decide(sovereign, { principal: n.workerRole, action: "iam:GetRole", resource: n.workerRole })).toBe(
      "Allowed",
    );
    expect(
      await decide(sovereign, {
        principal: n.workerRole,
        action: "iam:GetRole",
        resource: n.workerRole,
        region: "us-east-1",
      }),
    ).toBe("ExplicitlyDenied");
  });
});

describe("the documents", () => {
  const w = world(SOVEREIGN);

  it("are three (five may be attached to a target, FullAWSAccess is one), named, Deny only, each within 5120 characters", () => {
    expect(w.scps.map((p) => p.name)).toEqual([
      "deny-outside-regions",
      "protect-platform-keys",
      "protect-trail-and-account",
    ]);
    expect(w.scps.length).toBeLessThanOrEqual(MAX_PLATFORM_SCPS);
    for (const p of w.scps) {
      expect(p.document.Statement.every((s) => s.Effect === "Deny")).toBe(true);
      expect(renderScp(p.document).length).toBeLessThanOrEqual(SCP_MAX_CHARACTERS);
    }
  });

  it("render compact, with the statement keys in IAM's order", () => {
    const text = renderScp(
      denyOutsideRegions({ allowedRegions: ["eu-central-1"], partition: PARTITIONS.aws }).document,
    );
    expect(text).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutsideAllowedRegions","Effect":"Deny","NotAction":["iam:*","organizations:*","support:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-central-1"]}}}]}',
    );
  });

  it("name no literal partition but the one they are built for", () => {
    const text = w.scps.map((p) => renderScp(p.document)).join("");
    expect(text).not.toMatch(/arn:aws:/);
  });

  it("count an unresolved reference at its bound", () => {
    expect(scpSize("${aws_kms_key.k.arn}")).toBe(UNRESOLVED_REFERENCE_CHARACTERS);
    expect(scpSize("${TfToken[TOKEN.12]}x")).toBe(UNRESOLVED_REFERENCE_CHARACTERS + 1);
  });

  it("fails when a document exceeds 5120 characters, naming the policy", () => {
    const keyArns = Array.from({ length: 30 }, (_, i) => `\${aws_kms_key.key${i}.arn}`);
    expect(() => protectPlatformKeys({ keyArns, deployRoleArns: [w.names.deployRole] })).toThrow(
      /service control policy protect-platform-keys has \d+ characters .* at most 5120/,
    );
  });

  it("fails when checkScpSize is given an oversized policy", () => {
    const big: ServiceControlPolicy = {
      name: "too-big",
      description: "",
      document: {
        Version: "2012-10-17",
        Statement: [{ Sid: "Big", Effect: "Deny", Action: "s3:GetObject", Resource: "x".repeat(5200) }],
      },
    };
    expect(() => checkScpSize(big)).toThrow(/too-big/);
  });

  it("fails when a region is not of the partition", () => {
    expect(() => denyOutsideRegions({ allowedRegions: ["eu-central-1"], partition: PARTITIONS["aws-eusc"] })).toThrow(
      /"eu-central-1" is not a region of AWS European Sovereign Cloud/,
    );
    expect(() => denyOutsideRegions({ allowedRegions: [], partition: PARTITIONS.aws })).toThrow(/must name a region/);
  });

  it("fails when a protected ARN is missing or a wildcard", () => {
    expect(() => protectPlatformKeys({ keyArns: [], deployRoleArns: [w.names.deployRole] })).toThrow(
      /keyArns must name at least one ARN/,
    );
    expect(() => protectPlatformKeys({ keyArns: [w.names.platformKey], deployRoleArns: ["*"] })).toThrow(/no wildcard/);
  });
});
