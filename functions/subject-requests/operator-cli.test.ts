/**
 * The `subject-request` client against the IAM gateway harness (test/support/subject-requests/
 * iam-gateway.ts): requests are really signed and verified, and reach a handler written here that
 * answers per the API's contract and records the events. This tests the client and the harness, not
 * the API's logic.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { COMMON_OPTIONS, TARGETS } from "../../scripts/build.mjs";
import {
  type GatewayEvent,
  type GatewayResult,
  type IamGateway,
  startIamGateway,
} from "../../test/support/subject-requests/iam-gateway";
import {
  EXIT_OK,
  EXIT_REFUSED,
  EXIT_UNAVAILABLE,
  EXIT_USAGE,
  main,
  type OperatorDeps,
  STATUS_MEANINGS,
  USAGE,
} from "./operator-cli";
import { type AwsCredentials, callApi } from "../shared/iam-api-client";

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const REGION = "eusc-de-east-1";

const OPERATORS = {
  alice: { accessKeyId: "AKIAALICE00000000001", secretAccessKey: "alice-secret-key" },
  bob: { accessKeyId: "AKIABOB0000000000002", secretAccessKey: "bob-secret-key" },
  carol: { accessKeyId: "ASIACAROL0000000003", secretAccessKey: "carol-secret-key", sessionToken: "carol-token" },
} as const satisfies Record<string, AwsCredentials>;
type Operator = keyof typeof OPERATORS;

const ARNS: Record<Operator, string> = {
  alice: "arn:aws-eusc:iam::111122223333:user/alice",
  bob: "arn:aws-eusc:iam::111122223333:user/bob",
  carol: "arn:aws-eusc:sts::111122223333:assumed-role/operator/carol",
};

const FILE = ["request", "--tenant", "acme", "--subject", "s-42", "--kind", "erase", "--reason", "ticket 4711"];

// ---------------------------------------------------------------------------------------------------
// A handler per the API's contract, recording every event it gets.

interface Stored {
  id: string;
  status: string;
  request: Record<string, unknown>;
  approval?: Record<string, unknown>;
}

const events: GatewayEvent[] = [];
const store = new Map<string, Stored>();
/** When set, answers instead of the contract (e.g. a 500, a slow answer, a scripted status). */
let override: ((event: GatewayEvent) => Promise<GatewayResult>) | undefined;

const reply = (statusCode: number, body: unknown): GatewayResult => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function contract(event: GatewayEvent): GatewayResult {
  const caller = event.requestContext.authorizer.iam.userArn;
  const body = JSON.parse(event.body ?? "{}") as Record<string, unknown>;
  if (event.routeKey === "POST /v1/requests") {
    if (body.kind !== "export" && body.kind !== "erase")
      return reply(400, { error: { code: "refused", field: "kind", message: "unknown kind" } });
    const stored = { id: randomUUID(), status: "awaiting-approval", request: { ...body, requestedBy: caller } };
    store.set(stored.id, stored);
    return reply(201, { id: stored.id, status: stored.status });
  }
  const id = event.pathParameters?.id ?? "";
  if (!UUID.test(id)) return reply(400, { error: { code: "refused", field: "id", message: "not a request ID" } });
  const stored = store.get(id);
  if (stored === undefined) return reply(404, { error: { code: "refused", field: "", message: `no request ${id}` } });
  if (event.routeKey === "GET /v1/requests/{id}") return reply(200, stored);
  if (stored.status !== "awaiting-approval")
    return reply(409, { error: { code: "refused", field: "", message: `request is ${stored.status}` } });
  if (event.routeKey === "POST /v1/requests/{id}/reject") {
    stored.status = "rejected";
    return reply(200, { id, status: stored.status });
  }
  if (stored.request.requestedBy === caller)
    return reply(403, {
      error: { code: "refused", field: "approver", message: "the operator who filed a request cannot approve it" },
    });
  stored.status = "running";
  stored.approval = { approvedBy: caller };
  return reply(200, { id, status: stored.status });
}

let gateway: IamGateway;

beforeAll(async () => {
  gateway = await startIamGateway({
    region: REGION,
    principals: Object.fromEntries(
      (Object.keys(OPERATORS) as Operator[]).map((name) => {
        const credentials: AwsCredentials = OPERATORS[name];
        const { secretAccessKey, sessionToken } = credentials;
        return [
          credentials.accessKeyId,
          { secretAccessKey, userArn: ARNS[name], ...(sessionToken === undefined ? {} : { sessionToken }) },
        ];
      }),
    ),
    handler: async (event) => {
      events.push(event);
      return override === undefined ? contract(event) : override(event);
    },
  });
});

afterAll(() => gateway.close());

beforeEach(() => {
  events.length = 0;
  gateway.rejections.length = 0;
  store.clear();
  override = undefined;
});

interface RunOptions {
  readonly as?: Operator;
  readonly tty?: boolean;
  readonly deps?: OperatorDeps;
}

/** Runs main() with the gateway as the endpoint (from the environment) and `as`'s credentials. */
async function run(argv: readonly string[], options: RunOptions = {}) {
  let stdout = "";
  let stderr = "";
  let sent = 0;
  const sleeps: number[] = [];
  const inner = options.deps?.fetch ?? globalThis.fetch;
  const code = await main(
    argv,
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { isTTY: options.tty === true, write: (text: string) => (stderr += text) },
    },
    {
      env: { SIP_REQUESTS_ENDPOINT: gateway.url, AWS_REGION: REGION },
      credentials: async () => OPERATORS[options.as ?? "alice"],
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options.deps,
      fetch: (input, init) => {
        sent += 1;
        return inner(input, init);
      },
    },
  );
  return { code, stdout, stderr, sent, sleeps };
}

/** Files a request as alice through the contract; returns its ID. */
async function filed(): Promise<string> {
  const result = await run([...FILE, "--json"]);
  expect(result.code).toBe(EXIT_OK);
  return (JSON.parse(result.stdout) as { id: string }).id;
}

describe("subject-request against the IAM gateway", () => {
  it("files a request whose event carries the caller's ARN, the route and the body", async () => {
    // Act
    const result = await run(FILE);

    // Assess
    expect(result.code).toBe(EXIT_OK);
    const id = result.stdout.trim();
    expect(result.stdout).toBe(`${id}\n`);
    expect(id).toMatch(UUID);
    expect(result.stderr).toBe(
      `subject-request: filed, awaiting-approval; another operator approves it with: subject-request approve ${id}\n`,
    );
    expect(events).toHaveLength(1);
    const event = events[0] as GatewayEvent;
    expect(event.requestContext.authorizer.iam).toMatchObject({
      accessKey: OPERATORS.alice.accessKeyId,
      accountId: "111122223333",
      userArn: ARNS.alice,
    });
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "POST /v1/requests",
      rawPath: "/v1/requests",
      rawQueryString: "",
      isBase64Encoded: false,
      requestContext: {
        http: { method: "POST", path: "/v1/requests", sourceIp: "127.0.0.1" },
        routeKey: "POST /v1/requests",
        stage: "$default",
      },
    });
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(60_000);
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(event.body ?? "")).toEqual({
      tenant: "acme",
      subject: "s-42",
      kind: "erase",
      reason: "ticket 4711",
    });
  });

  it("approves another operator's request, sending {} to the approve route with the ID as path parameter", async () => {
    // Prepare
    const id = await filed();
    events.length = 0;

    // Act
    const result = await run(["approve", id], { as: "bob" });

    // Assess
    expect(result.code).toBe(EXIT_OK);
    expect(result.stdout).toBe(`${id}: running\n`);
    expect(events[0]).toMatchObject({ routeKey: "POST /v1/requests/{id}/approve", pathParameters: { id }, body: "{}" });
    expect(events[0]?.requestContext.authorizer.iam.userArn).toBe(ARNS.bob);
  });

  it("prints the API's error and field when the filer approves their own request, and exits 1", async () => {
    // Prepare
    const id = await filed();

    // Act
    const result = await run(["approve", id], { as: "alice" });

    // Assess
    expect(result.code).toBe(EXIT_REFUSED);
    expect(result.stderr).toBe(
      "subject-request: the API refused the approval (403): the operator who filed a request cannot approve it (field: approver)\n",
    );
    expect(store.get(id)?.status).toBe("awaiting-approval");
  });

  it("exits 1 with the API's error and a pointer to status when the request is not awaiting approval (409)", async () => {
    // Prepare
    const id = await filed();
    await run(["approve", id], { as: "bob" });

    // Act
    const result = await run(["approve", id], { as: "carol" });

    // Assess
    expect(result.code).toBe(EXIT_REFUSED);
    expect(result.stderr).toContain("(409): request is running");
    expect(result.stderr).toContain(`subject-request status ${id}`);
  });

  it("rejects with the reason in the body", async () => {
    // Prepare
    const id = await filed();
    events.length = 0;

    // Act
    const result = await run(["reject", id, "--reason", "  not a customer  "], { as: "bob" });

    // Assess
    expect(result.code).toBe(EXIT_OK);
    expect(events[0]?.routeKey).toBe("POST /v1/requests/{id}/reject");
    expect(JSON.parse(events[0]?.body ?? "")).toEqual({ reason: "not a customer" });
    expect(store.get(id)?.status).toBe("rejected");
  });

  it("shows a request's status, what was asked and the approval", async () => {
    // Prepare
    const id = await filed();
    await run(["approve", id], { as: "bob" });

    // Act
    const result = await run(["status", id]);

    // Assess
    expect(result.code).toBe(EXIT_OK);
    expect(result.stdout).toContain(`${id}: running (${STATUS_MEANINGS.running})`);
    expect(result.stdout).toContain("  kind: erase\n");
    expect(result.stdout).toContain(`  requestedBy: ${ARNS.alice}\n`);
    expect(result.stdout).toContain(`  approval: {"approvedBy":"${ARNS.bob}"}\n`);
    expect(events.at(-1)).toMatchObject({ routeKey: "GET /v1/requests/{id}", pathParameters: { id } });
    expect(events.at(-1)?.body).toBeUndefined();
  });

  it("writes a completed request's certificate with --certificate, and exits 1 when there is none yet", async () => {
    // Prepare
    const id = await filed();
    const file = join(tmpdir(), `sip-operator-certificate-${id}.json`);
    // Act: before completion, then once the API answers with the certificate.
    const early = await run(["status", id, "--certificate", file]);
    override = async (event) =>
      event.routeKey === "GET /v1/requests/{id}"
        ? reply(200, {
            id,
            status: "completed",
            certificate: `requests/acme/p/${id}.json`,
            certificateText: '{"format":"x"}\n',
          })
        : reply(404, {});
    const done = await run(["status", id, "--certificate", file]);
    // Assess
    expect([early.code, early.stderr]).toEqual([
      1,
      expect.stringContaining("no certificate to write: the request is awaiting-approval"),
    ]);
    expect(done.code).toBe(EXIT_OK);
    expect(readFileSync(file, "utf8")).toBe('{"format":"x"}\n');
    expect(done.stderr).toContain(`wrote the certificate to ${file}`);
    rmSync(file, { force: true });
  });

  it("exits 1 for a status of an unknown request (404) and for a rejected one", async () => {
    // Prepare
    const id = await filed();
    await run(["reject", id, "--reason", "duplicate"], { as: "bob" });

    // Act
    const unknown = await run(["status", randomUUID()]);
    const rejected = await run(["status", id]);

    // Assess
    expect(unknown.code).toBe(EXIT_REFUSED);
    expect(unknown.stderr).toMatch(
      /refused the status query \(404\): no request .*\nsubject-request: no request has that ID/,
    );
    expect(rejected.code).toBe(EXIT_REFUSED);
    expect(rejected.stdout).toContain(": rejected (");
  });

  it("prints JSON that parses with --json, refusals included", async () => {
    // Prepare
    const id = await filed();

    // Act
    const status = await run(["--json", "status", id]);
    const refusal = await run(["approve", id, "--json"]);

    // Assess
    expect(JSON.parse(status.stdout)).toMatchObject({ id, status: "awaiting-approval", request: { tenant: "acme" } });
    expect(JSON.parse(refusal.stdout)).toEqual({
      httpStatus: 403,
      error: "the operator who filed a request cannot approve it",
      field: "approver",
    });
  });

  it("signs with a session token when the credentials carry one", async () => {
    // Act
    const result = await run(FILE, { as: "carol" });

    // Assess
    expect(result.code).toBe(EXIT_OK);
    expect(events[0]?.headers["x-amz-security-token"]).toBe("carol-token");
    expect(events[0]?.requestContext.authorizer.iam.userArn).toBe(ARNS.carol);
  });
});

describe("subject-request refused by the gateway (403 Forbidden)", () => {
  const forbidden = "subject-request: the API refused the request (403): Forbidden\n";

  it("refuses a signature made with the wrong secret", async () => {
    // Act
    const result = await run(FILE, {
      deps: { credentials: async () => ({ ...OPERATORS.alice, secretAccessKey: "not-alices-secret" }) },
    });

    // Assess
    expect(result.code).toBe(EXIT_REFUSED);
    expect(result.stderr).toContain(forbidden);
    expect(result.stderr).toMatch(/execute-api:Invoke/);
    expect(gateway.rejections).toEqual([
      { routeKey: "POST /v1/requests", reason: expect.stringMatching(/signature does not match/) },
    ]);
    expect(events).toEqual([]);
  });

  it("refuses a body changed after signing (its signed hash no longer matches)", async () => {
    // Act
    const result = await run(FILE, {
      deps: {
        fetch: (input, init) => globalThis.fetch(input, { ...init, body: String(init?.body).replace("acme", "evil") }),
      },
    });

    // Assess
    expect(result.code).toBe(EXIT_REFUSED);
    expect(result.stderr).toContain(forbidden);
    expect(gateway.rejections[0]?.reason).toMatch(/not the body's hash/);
    expect(events).toEqual([]);
  });

  it("refuses a changed body without a content hash header by its signature", async () => {
    // Act
    const result = await run(FILE, {
      deps: {
        fetch: (input, init) => {
          const { "x-amz-content-sha256": _hash, ...headers } = (init?.headers ?? {}) as Record<string, string>;
          return globalThis.fetch(input, { ...init, headers, body: String(init?.body).replace("acme", "evil") });
        },
      },
    });

    // Assess
    expect(result.code).toBe(EXIT_REFUSED);
    expect(gateway.rejections[0]?.reason).toMatch(/signature does not match|signed headers/);
    expect(events).toEqual([]);
  });

  it("refuses a clock more than 5 minutes off, and accepts one 4 minutes off", async () => {
    // Act
    const skewed = await run(FILE, { deps: { now: () => new Date(Date.now() - 6 * 60_000) } });
    const close = await run(FILE, { deps: { now: () => new Date(Date.now() + 4 * 60_000) } });

    // Assess
    expect(skewed.code).toBe(EXIT_REFUSED);
    expect(skewed.stderr).toContain(forbidden);
    expect(gateway.rejections.map((r) => r.reason)).toEqual([expect.stringMatching(/clock skew/)]);
    expect(close.code).toBe(EXIT_OK);
  });

  it("refuses a signature for another region, and one without the session token it needs", async () => {
    // Act
    const region = await run([...FILE, "--region", "eu-central-1"]);
    const { sessionToken: _token, ...withoutToken } = OPERATORS.carol;
    const token = await run(FILE, { deps: { credentials: async () => withoutToken } });

    // Assess
    expect([region.code, token.code]).toEqual([EXIT_REFUSED, EXIT_REFUSED]);
    expect(gateway.rejections.map((r) => r.reason)).toEqual([
      "credential scope names region eu-central-1",
      "missing or wrong security token",
    ]);
  });
});

describe("subject-request usage errors (exit 64, nothing sent)", () => {
  const id = "0f8fad5b-d9cb-469f-a165-70867728950e";
  const without = (name: string) => {
    const at = FILE.indexOf(name);
    return [...FILE.slice(0, at), ...FILE.slice(at + 2)];
  };

  it.each([
    ["no command", [], /name a command: request, approve, reject or status/],
    ["an unknown command", ["delete", id], /unknown command delete: use request, approve, reject or status/],
    ["a missing --reason", without("--reason"), /--reason is required: say why/],
    ["a blank --reason", [...without("--reason"), "--reason", "   "], /--reason is blank: say why/],
    ["a missing --tenant", without("--tenant"), /--tenant is required: name the tenant/],
    ["a blank --subject", [...without("--subject"), "--subject", ""], /--subject is blank/],
    ["a bad --kind", [...without("--kind"), "--kind", "delete"], /--kind delete is not a kind: use export or erase/],
    ["a missing --kind", without("--kind"), /--kind is required: export or erase/],
    ["a non-UUID ID", ["approve", "42"], /42 is not a request ID: IDs are UUIDs/],
    ["a missing ID", ["status"], /status needs the request ID: subject-request status ID/],
    ["a reject without --reason", ["reject", id], /--reason is required/],
    ["an option of another command", ["approve", id, "--watch"], /--watch is not an option of approve/],
    ["a second ID", ["approve", id, id], /approve takes one ID/],
    [
      "a bad --interval",
      ["status", id, "--watch", "--interval", "0"],
      /--interval 0 must be a whole number of seconds/,
    ],
    ["an unknown option", ["status", id, "--follow"], /Unknown option '--follow'/],
    [
      "an http endpoint",
      ["status", id, "--endpoint", "http://api.example.com"],
      /--endpoint http:\/\/api.example.com must use https:\/\//,
    ],
    [
      "an endpoint that is not a URL",
      ["status", id, "--endpoint", "api.example.com"],
      /--endpoint api.example.com is not a URL/,
    ],
    [
      "an endpoint with a query",
      ["status", id, "--endpoint", "https://x.example/?a=1"],
      /must not carry a user, query or fragment/,
    ],
    [
      "a bad --region",
      ["status", id, "--region", "Frankfurt"],
      /--region Frankfurt is not a region name \(e.g. eusc-de-east-1\)/,
    ],
    [
      "a region that is not the endpoint's",
      [
        "status",
        id,
        "--endpoint",
        "https://a1b2c3.execute-api.eusc-de-east-1.amazonaws.eu",
        "--region",
        "eu-central-1",
      ],
      /--region eu-central-1 is not the endpoint's region eusc-de-east-1: use --region eusc-de-east-1/,
    ],
  ])("exits 64 for %s", async (_what, argv, message) => {
    // Act
    const result = await run(argv);

    // Assess
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/Run with --help for usage.\n$/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.sent).toBe(0);
  });

  it("names the missing endpoint and region with their environment variables, every problem at once", async () => {
    // Act
    const result = await run(["approve", "x"], { deps: { env: {} } });

    // Assess
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stderr).toBe(
      [
        'subject-request: x is not a request ID: IDs are UUIDs (e.g. 0f8fad5b-d9cb-469f-a165-70867728950e), as "request" printed them',
        "subject-request: --endpoint is required: the request API's URL (https://<api-id>.execute-api.<region>.amazonaws.eu), or set SIP_REQUESTS_ENDPOINT",
        "subject-request: --region is required: the API's region, eusc-de-east-1 for the sovereign partition (or set AWS_REGION)",
        "Run with --help for usage.\n",
      ].join("\n"),
    );
  });

  it("names the environment variable when the endpoint came from there", async () => {
    // Act
    const result = await run(["status", id], {
      deps: { env: { SIP_REQUESTS_ENDPOINT: "ftp://x", AWS_REGION: REGION } },
    });

    // Assess
    expect(result.stderr).toMatch(/^subject-request: SIP_REQUESTS_ENDPOINT ftp:\/\/x must use https:\/\//);
  });

  it.each([
    [["--help"], /^Usage: subject-request \[--endpoint URL\]/],
    [["request", "--help"], /^Usage: subject-request request --tenant/],
    [["approve", "-h"], /^Usage: subject-request approve ID/],
    [["reject", "--help"], /^Usage: subject-request reject ID --reason TEXT/],
    [["status", "--help"], /^Usage: subject-request status ID \[--watch\]/],
  ])("prints help for %j and exits 0 without sending", async (argv, usage) => {
    // Act
    const result = await run(argv, { deps: { env: {} } });

    // Assess
    expect(result.code).toBe(EXIT_OK);
    expect(result.stdout).toMatch(usage);
    expect(result.sent).toBe(0);
  });
});

describe("subject-request status --watch", () => {
  /** GET answers these statuses in turn for the filed request. */
  function script(id: string, statuses: string[]) {
    override = async (event) => {
      if (event.routeKey !== "GET /v1/requests/{id}") return contract(event);
      const status = statuses.shift() ?? "completed";
      return reply(200, {
        ...store.get(id),
        status,
        ...(status === "completed" ? { certificate: { digest: "abc" } } : {}),
      });
    };
  }

  it("asks until completed, with a progress line rewritten on a terminal", async () => {
    // Prepare
    const id = await filed();
    script(id, ["awaiting-approval", "running", "running", "completed"]);

    // Act
    const result = await run(["status", id, "--watch", "--interval", "2"], { tty: true });

    // Assess
    expect(result.code).toBe(EXIT_OK);
    expect(events.filter((e) => e.routeKey === "GET /v1/requests/{id}")).toHaveLength(4);
    expect(result.sleeps).toEqual([2000, 2000, 2000]);
    expect(result.stderr.split("\r\x1b[K").filter((l) => l !== "")).toEqual([
      expect.stringMatching(/awaiting-approval, watched \d+ s$/),
      expect.stringMatching(/running, watched/),
      expect.stringMatching(/running, watched/),
      expect.stringMatching(/completed, watched \d+ s\n$/),
    ]);
    expect(result.stdout).toContain(`${id}: completed (`);
    expect(result.stdout).toContain('  certificate: {"digest":"abc"}');
  });

  it("prints a line per change when stderr is not a terminal, and exits 1 when the request failed", async () => {
    // Prepare
    const id = await filed();
    script(id, ["running", "running", "failed"]);

    // Act
    const result = await run(["status", id, "--watch", "--json"]);

    // Assess
    expect(result.code).toBe(EXIT_REFUSED);
    expect(result.sleeps).toEqual([5000, 5000]);
    expect(result.stderr).not.toContain("\r");
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/ running after \d+ s$/),
      expect.stringMatching(/ failed after \d+ s$/),
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({ id, status: "failed" });
  });

  it("stops at a status it does not know, and exits 1", async () => {
    // Prepare
    const id = await filed();
    script(id, ["running", "archived"]);

    // Act
    const result = await run(["status", id, "--watch"]);

    // Assess
    expect(result.code).toBe(EXIT_REFUSED);
    expect(result.sleeps).toEqual([5000]);
    expect(result.stdout).toContain(`${id}: archived (a status this client does not know)`);
  });
});

describe("subject-request when the endpoint cannot serve (exit 69)", () => {
  it("exits 69 on a 5xx answer, the handler's or the gateway's", async () => {
    // Prepare
    const id = await filed();
    override = async () => reply(503, { error: { code: "refused", field: "", message: "workflow unavailable" } });

    // Act
    const handler503 = await run(["status", id]);
    override = async () => {
      throw new Error("boom");
    };
    const crashed = await run(["status", id]);

    // Assess
    expect(handler503.code).toBe(EXIT_UNAVAILABLE);
    expect(handler503.stderr).toBe(
      `subject-request: ${gateway.url}/v1/requests/${id} answered 503: workflow unavailable; try again later\n`,
    );
    expect(crashed.code).toBe(EXIT_UNAVAILABLE);
    expect(crashed.stderr).toContain("answered 500: Internal Server Error");
  });

  it("exits 69 naming the URL when nothing listens there", async () => {
    // Prepare
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));

    // Act
    const result = await run([...FILE, "--endpoint", `http://127.0.0.1:${port}/prod`]);

    // Assess
    expect(result.code).toBe(EXIT_UNAVAILABLE);
    expect(result.stderr).toBe(
      `subject-request: cannot reach http://127.0.0.1:${port}/prod/v1/requests (ECONNREFUSED); check the endpoint URL and that this machine can reach it\n`,
    );
  });

  it("gives up after the timeout with a clear message", async () => {
    // Prepare
    const id = await filed();
    override = () => new Promise((resolve) => setTimeout(() => resolve(reply(200, {})), 1000));

    // Act
    const result = await run(["status", id], { deps: { timeoutMs: 100 } });

    // Assess
    expect(result.code).toBe(EXIT_UNAVAILABLE);
    expect(result.stderr).toMatch(
      /^subject-request: no answer from http:\/\/127\.0\.0\.1:\d+\/v1\/requests\/\S+ within 100 ms/,
    );
  });

  it("exits 1 naming the credentials when there are none", async () => {
    // Act
    const result = await run(FILE, {
      deps: {
        credentials: async () => {
          throw new Error("Could not load credentials from any providers");
        },
      },
    });

    // Assess
    expect(result.code).toBe(EXIT_REFUSED);
    expect(result.stderr).toMatch(/^subject-request: no AWS credentials to sign the request with \(Could not load/);
    expect(result.sent).toBe(0);
  });
});

describe("the IAM gateway harness", () => {
  const client = (operator: Operator, region = REGION) => ({
    endpoint: new URL(gateway.url),
    region,
    credentials: async () => OPERATORS[operator],
  });

  it("answers 404 Not Found for a route the API does not have, before checking the signature", async () => {
    // Act
    const signed = await callApi(client("alice"), "GET", "/v1/requests");
    const unsigned = await fetch(`${gateway.url}/v2/anything`);

    // Assess
    expect([signed.status, signed.json]).toEqual([404, { message: "Not Found" }]);
    expect(unsigned.status).toBe(404);
    expect(events).toEqual([]);
  });

  it("answers 403 Forbidden to an unsigned request and to an unknown key", async () => {
    // Act
    const unsigned = await fetch(`${gateway.url}/v1/requests/${randomUUID()}`);
    const unknown = await callApi(
      { ...client("alice"), credentials: async () => ({ accessKeyId: "AKIAUNKNOWN", secretAccessKey: "x" }) },
      "GET",
      `/v1/requests/${randomUUID()}`,
    );

    // Assess
    expect([unsigned.status, await unsigned.json()]).toEqual([403, { message: "Forbidden" }]);
    expect([unknown.status, unknown.json]).toEqual([403, { message: "Forbidden" }]);
    expect(gateway.rejections.map((r) => r.reason)).toEqual([
      "missing or malformed Authorization header",
      "unknown access key AKIAUNKNOWN",
    ]);
    expect(events).toEqual([]);
  });
});

describe("subject-request as a built program", () => {
  let dir: string;
  let bundle: string;

  // Built as scripts/build.mjs builds dist/subject-request.cjs, into a temporary folder.
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "subject-request-"));
    bundle = join(dir, "subject-request.cjs");
    await build({ ...COMMON_OPTIONS, ...TARGETS["subject-request"], absWorkingDir: PROJECT_ROOT, outfile: bundle });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const spawn = (args: readonly string[]) =>
    spawnSync(process.execPath, [bundle, ...args], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });

  it("prints its usage with --help and exits 0", () => {
    // Act
    const result = spawn(["--help"]);

    // Assess
    expect(result.status).toBe(EXIT_OK);
    expect(result.stdout).toBe(USAGE);
  });

  it("exits 64 with the flag and the fix, and no stack trace, for a usage error", () => {
    // Act
    const result = spawn(["reject", "0f8fad5b-d9cb-469f-a165-70867728950e", "--reason", " "]);

    // Assess
    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(/^subject-request: --reason is blank: say why/);
    expect(result.stderr).toMatch(/--endpoint is required/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });
});
