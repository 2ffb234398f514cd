/**
 * Operator commands that run as the deployed function (`failback --invoke`): the Lambda Invoke API as
 * the SDK speaks it, answered by a loopback server (Lambda does not run here). What is checked is our
 * side: the request (function, synchronous invocation, the event), and how answers and function
 * errors become output and exit codes.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main as failback } from "../cross-partition-sync/failback-cli";
import { InvokeError, invokeFunction } from "./invoke";

interface Seen {
  readonly path: string;
  readonly invocationType: string | undefined;
  readonly body: unknown;
}

let server: Server;
let endpoint: string;
const seen: Seen[] = [];
let reply: { status: number; headers?: Record<string, string>; body: string } = { status: 200, body: "{}" };

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const text = await bodyOf(req);
    seen.push({
      path: req.url ?? "",
      invocationType: req.headers["x-amz-invocation-type"] as string | undefined,
      body: JSON.parse(text),
    });
    res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
    res.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The operator's credentials, from the default chain.
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const credentials = { AWS_REGION: "eusc-de-east-1" };

describe("invokeFunction", () => {
  it("invokes the function synchronously with the event and returns its JSON answer", async () => {
    // Prepare
    reply = { status: 200, body: JSON.stringify({ ok: true }) };

    // Act
    const answer = await invokeFunction(
      "example-failback-avatars-clean",
      { since: "2026-03-01T08:00:00Z" },
      { region: "eusc-de-east-1", endpoint },
    );

    // Assess
    expect(answer).toEqual({ ok: true });
    expect(seen.at(-1)).toEqual({
      path: "/2015-03-31/functions/example-failback-avatars-clean/invocations",
      invocationType: "RequestResponse",
      body: { since: "2026-03-01T08:00:00Z" },
    });
  });

  it("turns a function error into an InvokeError with the function's message", async () => {
    reply = {
      status: 200,
      headers: { "x-amz-function-error": "Unhandled" },
      body: JSON.stringify({
        errorType: "FailbackEventError",
        errorMessage: "invalid failback event: since: Required",
      }),
    };
    await expect(invokeFunction("f", {}, { region: "eusc-de-east-1", endpoint })).rejects.toThrow(InvokeError);
    await expect(invokeFunction("f", {}, { region: "eusc-de-east-1", endpoint })).rejects.toThrow(
      /f failed \(Unhandled\): FailbackEventError: invalid failback event: since: Required/,
    );
  });
});

describe("failback --invoke", () => {
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await failback(
      argv,
      { ...credentials, LAMBDA_ENDPOINT: endpoint },
      {
        stdout: { write: (t: string) => out.push(t) },
        stderr: { write: (t: string) => err.push(t) },
        now: () => new Date("2026-03-02T00:00:00Z"),
      },
    );
    return { code, out: out.join(""), err: err.join("") };
  };
  const answer = (failed: { key: string; error: string }[]) => ({
    dryRun: true,
    since: "2026-03-01T08:00:00.000Z",
    summary: { examined: 1, copied: 1, skipped: 0, ignored: 0, refused: 0, conflicts: 0, deleted: 0, failed },
    outcomes: [{ key: "acme/u/a.png", change: "write", outcome: "copied" }],
    outcomesOmitted: 0,
  });

  it("sends the flags as the function's event and reports its answer like a local run", async () => {
    // Prepare
    reply = { status: 200, body: JSON.stringify(answer([])) };

    // Act
    const result = await run([
      "--invoke",
      "example-failback-avatars-clean",
      "--since",
      "2026-03-01T08:00:00Z",
      "--dry-run",
      "--prefix",
      "acme/",
    ]);

    // Assess
    expect(result.code).toBe(0);
    expect(seen.at(-1)?.body).toEqual({
      since: "2026-03-01T08:00:00.000Z",
      prefix: "acme/",
      dryRun: true,
      concurrency: 4,
      deletes: true,
    });
    expect(result.err).toMatch(/failback: copied write acme\/u\/a\.png/);
    expect(result.err).toMatch(/1 keys changed since .*1 copied/);
    expect(JSON.parse(result.out).summary.copied).toBe(1);
  });

  it("exits 1 when a key failed in the function, and when the function itself failed", async () => {
    reply = { status: 200, body: JSON.stringify(answer([{ key: "acme/u/a.png", error: "AccessDenied" }])) };
    expect((await run(["--invoke", "f", "--since", "2026-03-01T08:00:00Z"])).code).toBe(1);
    reply = {
      status: 200,
      headers: { "x-amz-function-error": "Unhandled" },
      body: JSON.stringify({ errorType: "Error", errorMessage: "invalid environment" }),
    };
    const failed = await run(["--invoke", "f", "--since", "2026-03-01T08:00:00Z"]);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/f failed \(Unhandled\): Error: invalid environment/);
  });

  it("sends --outage-uploads as the homecoming event and reports its answer like a local run", async () => {
    // Prepare
    const key = "acme/0123456789abcdef0123456789abcdef/11111111-2222-4333-8444-555555555555";
    reply = {
      status: 200,
      body: JSON.stringify({
        dryRun: false,
        summary: { examined: 2, moved: 1, skipped: 0, refused: 1, conflicts: 0, failed: [] },
        outcomes: [
          { key, outcome: "moved" },
          { key: `${key}0`, outcome: "refused", reason: "seal-mismatch" },
        ],
        outcomesOmitted: 0,
      }),
    };

    // Act
    const result = await run(["--invoke", "example-failback-avatars-clean", "--outage-uploads", "--prefix", "acme/"]);

    // Assess
    expect(result.code).toBe(0);
    expect(seen.at(-1)?.body).toEqual({ outageUploads: true, prefix: "acme/", dryRun: false, concurrency: 4 });
    expect(result.err).toMatch(/invoking example-failback-avatars-clean for the outage uploads/);
    expect(result.err).toContain(`failback: moved outage-upload ${key}\n`);
    expect(result.err).toContain(`failback: refused/seal-mismatch outage-upload ${key}0\n`);
    expect(result.err).toMatch(/2 outage uploads: 1 moved home, 0 skipped, 1 refused, 0 conflicts, 0 failed/);
    expect(JSON.parse(result.out).summary.moved).toBe(1);
  });

  it("refuses a function name that cannot be one, before invoking anything", async () => {
    const before = seen.length;
    const result = await run(["--invoke", "not a function", "--since", "2026-03-01T08:00:00Z"]);
    expect(result.code).toBe(64);
    expect(result.err).toMatch(/--invoke must name a function/);
    expect(seen.length).toBe(before);
  });
});
