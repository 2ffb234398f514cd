/**
 * The API's refusals, without S3 or Step Functions behaviour under test: every refused request is
 * answered before any Step Functions call (the in-memory client records calls and fails the test if
 * one is made) and before the requests bucket is read (the S3 stand-in answers NoSuchKey: no request
 * is pending). What Step Functions and S3 do is in workflow.rgw.test.ts.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { createLogger } from "../shared/logger";
import { localMac, Pseudonyms } from "../shared/pseudonym";
import { type ApiDeps, executionArn, handleApiEvent, type SfnCommand } from "./api";
import { parseNewRequest, RequestInputError } from "./request";
import { RequestStore } from "./request-store";

const ARN = "arn:aws-eusc:states:eusc-de-east-1:111122223333:stateMachine:subject-requests";
const ANNA = "arn:aws-eusc:sts::111122223333:assumed-role/operators/anna";
const ID = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

function setup(tenants: ApiDeps["tenants"] = ["acme", "acme-eu"]) {
  const calls: string[] = [];
  const sfn = { send: async (command: SfnCommand) => void calls.push(command.constructor.name) };
  const reads: string[] = [];
  const s3 = {
    send: async (command: { input: { Key?: string } }) => {
      reads.push(command.input.Key ?? "");
      throw Object.assign(new Error("no such key"), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } });
    },
  } as unknown as S3Client;
  const deps = {
    sfn,
    store: new RequestStore(s3, "requests", "key"),
    pseudonyms: new Pseudonyms(localMac(Buffer.from("k"))),
    tenants,
    stateMachineArn: ARN,
    logger: createLogger("test", { write: () => {} }),
  };
  const api = async (routeKey: string, options: { caller?: string | null; id?: string; body?: unknown } = {}) => {
    const [method = "", path = ""] = routeKey.split(" ");
    const caller = options.caller === undefined ? ANNA : options.caller;
    const answer = await handleApiEvent(
      {
        version: "2.0",
        routeKey,
        ...(options.body === undefined
          ? {}
          : { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }),
        ...(options.id === undefined ? {} : { pathParameters: { id: options.id } }),
        requestContext: {
          http: { method, path },
          ...(caller === null ? {} : { authorizer: { iam: { userArn: caller } } }),
        },
      },
      deps,
    );
    return {
      status: answer.statusCode,
      error: (JSON.parse(answer.body) as { error?: { code: string; field: string; message: string } }).error,
    };
  };
  return { api, calls, reads };
}

const valid = { tenant: "acme", subject: "anna@example.org", kind: "erase", reason: "GDPR art. 17, ticket 4711" };

describe("parseNewRequest", () => {
  it("accepts a request and trims the reason", () => {
    expect(parseNewRequest({ ...valid, reason: "  ticket 1  " }, ["acme"])).toEqual({ ...valid, reason: "ticket 1" });
  });

  it.each([
    [{ ...valid, tenant: "globex" }, "tenant", /unknown tenant "globex": use one of acme/],
    [{ ...valid, tenant: undefined }, "tenant", /tenant is required/],
    [{ ...valid, subject: "" }, "subject", /subject is required/],
    [{ ...valid, subject: "a\0b" }, "subject", /NUL/],
    [{ ...valid, subject: "x".repeat(513) }, "subject", /longer than 512/],
    [{ ...valid, kind: "delete" }, "kind", /"export" or "erase"/],
    [{ ...valid, reason: undefined }, "reason", /reason is required/],
    [{ ...valid, reason: " \n\t " }, "reason", /reason is required/],
    [{ ...valid, reason: "r".repeat(1001) }, "reason", /longer than 1000/],
    [{ ...valid, email: "x" }, "email", /unknown field "email": send only tenant, subject, kind, reason/],
    [[valid], "", /JSON object/],
  ])("refuses %j naming the field", (body, field, message) => {
    let error: unknown;
    try {
      parseNewRequest(body, ["acme"]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RequestInputError);
    expect((error as RequestInputError).field).toBe(field);
    expect((error as RequestInputError).message).toMatch(message);
  });
});

describe("the API's refusals", () => {
  it("refuses a request without a verified IAM identity (403), before anything else", async () => {
    const { api, calls } = setup();
    for (const caller of [null, "", "  "]) {
      const answer = await api("POST /v1/requests", { caller, body: valid });
      expect(answer).toMatchObject({ status: 403, error: { code: "no_identity" } });
    }
    expect(calls).toEqual([]);
  });

  it.each([
    [{ ...valid, tenant: "globex" }, "tenant"],
    [{ ...valid, reason: "   " }, "reason"],
    [{ ...valid, role: "admin" }, "role"],
    ["{not json", ""],
  ])("refuses POST /v1/requests with %j: 400 naming %s, no execution started", async (body, field) => {
    const { api, calls } = setup();
    expect(await api("POST /v1/requests", { body })).toMatchObject({
      status: 400,
      error: { code: "invalid_request", field },
    });
    expect(calls).toEqual([]);
  });

  it("starts an execution named by the new request's ID for a valid request", async () => {
    const { api, calls } = setup();
    expect((await api("POST /v1/requests", { body: valid })).status).toBe(201);
    expect(calls).toEqual(["StartExecutionCommand"]);
  });

  it("looks a tenant up when it has no list (deployed: its key alias), and refuses one it does not find (400)", async () => {
    const asked: string[] = [];
    const { api, calls } = setup(async (tenant) => {
      asked.push(tenant);
      return tenant === "acme";
    });
    expect(await api("POST /v1/requests", { body: { ...valid, tenant: "globex" } })).toMatchObject({
      status: 400,
      error: {
        field: "tenant",
        message: expect.stringMatching(/unknown tenant "globex": no tenant of this deployment/),
      },
    });
    expect(calls).toEqual([]);
    // A tenant ID that cannot be one is refused before any lookup.
    expect((await api("POST /v1/requests", { body: { ...valid, tenant: "../acme" } })).status).toBe(400);
    expect((await api("POST /v1/requests", { body: valid })).status).toBe(201);
    expect([asked, calls]).toEqual([["globex", "acme"], ["StartExecutionCommand"]]);
  });

  it.each(["GET /v1/requests/{id}", "POST /v1/requests/{id}/approve", "POST /v1/requests/{id}/reject"])(
    "refuses %s with an ID that is not a lower-case UUID (400)",
    async (route) => {
      const { api, calls, reads } = setup();
      for (const id of ["nope", ID.toUpperCase(), `${ID}/../x`]) {
        const answer = await api(route, { id, body: { reason: "r" } });
        expect(answer).toMatchObject({ status: 400, error: { field: "id" } });
      }
      expect([calls, reads]).toEqual([[], []]);
    },
  );

  it("refuses to approve or reject what is not awaiting approval (409), and a rejection without a reason (400)", async () => {
    const { api, calls } = setup();
    expect(await api("POST /v1/requests/{id}/approve", { id: ID })).toMatchObject({
      status: 409,
      error: { code: "not_awaiting_approval" },
    });
    expect(await api("POST /v1/requests/{id}/reject", { id: ID, body: { reason: "dup" } })).toMatchObject({
      status: 409,
    });
    expect(await api("POST /v1/requests/{id}/reject", { id: ID, body: {} })).toMatchObject({
      status: 400,
      error: { field: "reason" },
    });
    expect(calls).toEqual([]);
  });

  it("names the execution ARN after the state machine's", () => {
    expect(executionArn(ARN, ID)).toBe(
      `arn:aws-eusc:states:eusc-de-east-1:111122223333:execution:subject-requests:${ID}`,
    );
  });
});
