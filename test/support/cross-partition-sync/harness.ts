/**
 * Test-only harness for running the sync function end to end on loopback (sync.e2e.rgw.test.ts,
 * bench/sync-bench.ts). Nothing here is deployed.
 *
 * - `startRolesAnywhereIssuer`: the CreateSession endpoint. In front of `startFakeRolesAnywhere`,
 *   which checks the signature and the chain to the trusted root. For each verified request, the
 *   issuer checks what Roles Anywhere and the role's trust policy would check: trust anchor,
 *   profile, a role the profile names, and the certificate's CN. It then answers with real
 *   temporary credentials from the commercial gateway's STS `AssumeRole`. Those credentials stop
 *   working at the `expiration` they claim. AssumeRole lasts at least 900 s, so a session policy
 *   `DateLessThan aws:CurrentTime <expiration>` enforces the claimed expiry. radosgw evaluates it on
 *   every request; it needs whole seconds, because a date with milliseconds is silently not enforced.
 * - `startS3FaultProxy`: a reverse proxy in front of a gateway. It logs every request with the
 *   access key that signed it, and can cut chosen requests off mid-body: a real network failure
 *   in the middle of a transfer, as the client sees it.
 * - `startNotificationListener`: the push endpoint of a gateway topic. It invokes the handler the
 *   way Lambda invokes an asynchronous function: 2 retries with backoff, then a dead-letter queue.
 *   It can also hold deliveries and release them in another order.
 * - `subscribeBucket`: topic with `push-endpoint` plus the bucket notification (SNS-style API of radosgw).
 * - `patternBytes`, `patternStream`: deterministic, incompressible bytes (AES-256-CTR keystream).
 */
import { createCipheriv, createHash, X509Certificate } from "node:crypto";
import { Agent, createServer, type IncomingMessage, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { type Event, PutBucketNotificationConfigurationCommand } from "@aws-sdk/client-s3";
import { arn, PARTITIONS } from "../../../config/partitions";
import { castKey } from "../../authz/recorder";
import type { RadosGateway } from "../../s3/radosgw";
import { assumeRole, createRole, queryApi } from "../../s3/sts";
import { createTestPki, issue } from "../rolesanywhere/pki";
import { type FakeRolesAnywhere, startFakeRolesAnywhere } from "../rolesanywhere/fake-server";
import type { RecordOutcome } from "../../../functions/cross-partition-sync/sync-record";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: Server): Promise<void> {
  // The gateway and the SDK keep connections alive: close them rather than wait for idle timeouts.
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function xmlValue(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

// ---------------------------------------------------------------------------------------------------
// Deterministic bytes

function keystream(seed: string) {
  const key = createHash("sha256").update(`key:${seed}`).digest();
  const iv = createHash("sha256").update(`iv:${seed}`).digest().subarray(0, 16);
  return createCipheriv("aes-256-ctr", key, iv);
}

/** `n` deterministic, incompressible bytes that differ per seed. */
export function patternBytes(n: number, seed: string): Buffer {
  return keystream(seed).update(Buffer.alloc(n));
}

/** The same bytes as `patternBytes(n, seed)`, streamed in chunks (never all in memory). */
export function patternStream(n: number, seed: string, chunkBytes = 1024 * 1024): Readable {
  const cipher = keystream(seed);
  const zeros = Buffer.alloc(chunkBytes);
  let left = n;
  return new Readable({
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const size = Math.min(chunkBytes, left);
      left -= size;
      this.push(cipher.update(size === chunkBytes ? zeros : zeros.subarray(0, size)));
    },
  });
}

/** The tests' standby pseudonym of a key's subject (the upload function derives it with the standby key). */
export const standbyOf = (key: string): string =>
  createHash("sha256")
    .update(`standby\0${key.split("/").slice(0, 2).join("/")}`)
    .digest("hex")
    .slice(0, 32);

/** Where the replica of a sovereign key is: `<tenant>/<standby pseudonym>/<id>`. */
export const replicaOf = (key: string): string => {
  const [tenant, , ...rest] = key.split("/");
  return `${tenant}/${standbyOf(key)}/${rest.join("/")}`;
};

// ---------------------------------------------------------------------------------------------------
// CreateSession endpoint issuing real gateway credentials

/** What the trust anchor, the profile and the role's trust policy admit (taken from the synthesized stack). */
export interface IssuerBinding {
  readonly trustAnchorArn: string;
  readonly profileArn: string;
  /** The profile's `role_arns`. */
  readonly roleArns: readonly string[];
  /** The profile's `duration_seconds`: sessions last at most this long. */
  readonly maxDurationSeconds: number;
  /** The role trust policy's `aws:PrincipalTag/x509Subject/CN`. */
  readonly workloadCommonName: string;
}

export interface RolesAnywhereIssuerOptions {
  /** Trusted CA certificates (the trust anchor's bundle). */
  readonly trustedRoots: readonly X509Certificate[];
  /** The commercial gateway (started with `sts: true`); its test user assumes the roles. */
  readonly gateway: RadosGateway;
  readonly binding: IssuerBinding;
  /** The gateway role that stands for a requested role ARN. @default - the gateway's role of the same name */
  readonly gatewayRoleArn?: (roleArn: string) => string;
}

export interface IssuedSession {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** Claimed and enforced expiry (whole seconds). */
  readonly expiration: Date;
  readonly issuedAt: Date;
  readonly roleArn: string;
  readonly subject: string;
}

export interface RolesAnywhereIssuer {
  /** Base URL for `ROLES_ANYWHERE_ENDPOINT`. */
  readonly url: string;
  /** The verifying endpoint behind the issuer: `verified`, `rejected`, `received`. */
  readonly fake: FakeRolesAnywhere;
  /** Sessions issued, in order. */
  readonly sessions: readonly IssuedSession[];
  /** Verified requests the binding refused (wrong anchor, profile, role or subject). */
  readonly refused: readonly string[];
  /** The next sessions last this many seconds (instead of the requested duration), really. */
  shortenNext(...seconds: number[]): void;
  close(): Promise<void>;
}

const MAX_ASSUME_ROLE_SECONDS = 3600;
const MIN_ASSUME_ROLE_SECONDS = 900;

function commonName(subject: string): string | undefined {
  return subject
    .split("\n")
    .map((line) => /^CN=(.*)$/.exec(line)?.[1])
    .find((cn) => cn !== undefined);
}

/** A CreateSession request's body: what it asks for. */
interface CreateSessionRequest {
  durationSeconds: number;
  profileArn: string;
  roleArn: string;
  trustAnchorArn: string;
}

interface IssuerReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Why the binding refuses what a request asks for (anchor, profile, role), or undefined. */
function requestRefusal(binding: IssuerBinding, requested: CreateSessionRequest): string | undefined {
  if (requested.trustAnchorArn !== binding.trustAnchorArn)
    return `trust anchor ${requested.trustAnchorArn} is not the synthesized one`;
  if (requested.profileArn !== binding.profileArn) return `profile ${requested.profileArn} is not the synthesized one`;
  if (!binding.roleArns.includes(requested.roleArn))
    return `role ${requested.roleArn} is not in the profile's role_arns`;
  return undefined;
}

/**
 * Real temporary credentials of the commercial gateway's role for one session: AssumeRole lasts at
 * least 900 s, so a session policy makes them stop working at the claimed expiration.
 */
async function assumeSessionRole(
  gateway: RadosGateway,
  gatewayRoleArn: string,
  requested: CreateSessionRequest,
  leaf: X509Certificate,
  lifetimeSeconds: number,
): Promise<{ session: IssuedSession; expiresText: string }> {
  const issuedAt = new Date();
  // Whole seconds: radosgw does not enforce a DateLessThan with fractional seconds.
  const expiration = new Date(Math.ceil((issuedAt.getTime() + lifetimeSeconds * 1000) / 1000) * 1000);
  const expiresText = expiration.toISOString().replace(/\.\d{3}Z$/, "Z");
  const sessionPolicy = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:*"],
        Resource: ["*"],
        Condition: { DateLessThan: { "aws:CurrentTime": expiresText } },
      },
    ],
  };
  const xml = await queryApi(gateway, "sts", {
    Action: "AssumeRole",
    Version: "2011-06-15",
    RoleArn: gatewayRoleArn,
    RoleSessionName: leaf.serialNumber.slice(0, 32),
    DurationSeconds: String(Math.min(MAX_ASSUME_ROLE_SECONDS, Math.max(MIN_ASSUME_ROLE_SECONDS, lifetimeSeconds))),
    Policy: JSON.stringify(sessionPolicy),
  });
  const value = (tag: string) => {
    const v = xmlValue(xml, tag);
    if (v === undefined) throw new Error(`AssumeRole returned no ${tag}`);
    return v;
  };
  const session: IssuedSession = {
    accessKeyId: value("AccessKeyId"),
    secretAccessKey: value("SecretAccessKey"),
    sessionToken: value("SessionToken"),
    expiration,
    issuedAt,
    roleArn: requested.roleArn,
    subject: leaf.subject,
  };
  return { session, expiresText };
}

/** The fake endpoint's answer, with its placeholder credentials replaced by the session's. */
function answerWith(verifiedBody: string, session: IssuedSession, expiresText: string): string {
  const answer = JSON.parse(verifiedBody) as { credentialSet: { credentials: Record<string, string> }[] };
  const set = answer.credentialSet[0];
  if (set === undefined) throw new Error("fake CreateSession answered without credentialSet[0]");
  set.credentials = {
    accessKeyId: session.accessKeyId,
    expiration: expiresText,
    secretAccessKey: session.secretAccessKey,
    sessionToken: session.sessionToken,
  };
  return JSON.stringify(answer);
}

/** Forwards a request unchanged (Host included: it is signed) to the verifying endpoint; its answer. */
function forwardToVerifier(
  verifier: URL,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  return new Promise((resolve, reject) => {
    const forward = httpRequest(
      { host: verifier.hostname, port: verifier.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        readBody(answer).then(
          (b) =>
            resolve({
              status: answer.statusCode ?? 0,
              headers: Object.fromEntries(
                Object.entries(answer.headers).filter((e): e is [string, string] => typeof e[1] === "string"),
              ),
              text: b.toString("utf8"),
            }),
          reject,
        );
      },
    );
    forward.on("error", reject);
    forward.end(body);
  });
}

/** The issuer's server: each request goes to the verifying endpoint first; what it verified, `issue` answers. */
function issuerServer(
  verifier: URL,
  issue: (req: IncomingMessage, requestBody: string, verifiedBody: string) => Promise<IssuerReply>,
): Server {
  return createServer((req, res) => {
    void (async () => {
      try {
        const body = await readBody(req);
        const verified = await forwardToVerifier(verifier, req, body);
        const reply =
          verified.status === 201
            ? await issue(req, body.toString("utf8"), verified.text)
            : { status: verified.status, headers: verified.headers, body: verified.text };
        const {
          "content-length": _length,
          "transfer-encoding": _te,
          connection: _c,
          ...headers
        } = reply.headers as Record<string, string>;
        res.writeHead(reply.status, headers).end(reply.body);
      } catch (error) {
        res
          .writeHead(500, { "content-type": "application/json" })
          .end(JSON.stringify({ message: `issuer failed: ${(error as Error).message}` }));
      }
    })();
  });
}

export async function startRolesAnywhereIssuer(options: RolesAnywhereIssuerOptions): Promise<RolesAnywhereIssuer> {
  const { gateway, binding } = options;
  const fake = await startFakeRolesAnywhere({ trustedRoots: options.trustedRoots });
  const sessions: IssuedSession[] = [];
  const refused: string[] = [];
  const shortened: number[] = [];
  const gatewayRoleArn =
    options.gatewayRoleArn ??
    ((roleArn: string) => `arn:${PARTITIONS.aws.id}:iam:::role/${roleArn.split("/").pop() ?? ""}`);

  const deny = (why: string): IssuerReply => {
    refused.push(why);
    return {
      status: 403,
      headers: { "content-type": "application/json", "x-amzn-ErrorType": "AccessDeniedException:" },
      body: JSON.stringify({ message: why }),
    };
  };

  /** The credentials for a request the fake endpoint verified. */
  const issue = async (req: IncomingMessage, requestBody: string, verifiedBody: string): Promise<IssuerReply> => {
    const requested = JSON.parse(requestBody) as CreateSessionRequest;
    const refusal = requestRefusal(binding, requested);
    if (refusal !== undefined) return deny(refusal);
    const leaf = new X509Certificate(Buffer.from(String(req.headers["x-amz-x509"] ?? ""), "base64"));
    const cn = commonName(leaf.subject);
    if (cn !== binding.workloadCommonName)
      return deny(`certificate CN ${String(cn)} is not the role's workload CN ${binding.workloadCommonName}`);
    const lifetimeSeconds = shortened.shift() ?? Math.min(requested.durationSeconds, binding.maxDurationSeconds);
    const { session, expiresText } = await assumeSessionRole(
      gateway,
      gatewayRoleArn(requested.roleArn),
      requested,
      leaf,
      lifetimeSeconds,
    );
    sessions.push(session);
    // The authorization proof attributes what the session does to the Roles Anywhere role.
    castKey(session.accessKeyId, requested.roleArn.split("/").pop() ?? requested.roleArn);
    return {
      status: 201,
      headers: { "content-type": "application/json" },
      body: answerWith(verifiedBody, session, expiresText),
    };
  };

  const server = issuerServer(new URL(fake.url), issue);
  const url = await listen(server);
  return {
    url,
    fake,
    sessions,
    refused,
    shortenNext: (...seconds) => {
      shortened.push(...seconds);
    },
    close: async () => {
      await closeServer(server);
      await fake.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Fault-injecting reverse proxy in front of a gateway

export interface ProxiedRequest {
  readonly at: number;
  readonly method: string;
  /** Path as sent (`/<bucket>/<key>`, key URL-encoded). */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The object key (decoded), when the path names one. */
  readonly key: string | undefined;
  /** Access key id in the request's `Authorization` credential. */
  readonly accessKeyId: string | undefined;
  status?: number;
  /** Cut off mid-body by a fault rule. */
  cut: boolean;
}

export interface CutRule {
  /** Which requests are cut. */
  readonly match: (request: ProxiedRequest) => boolean;
  /** How many matching requests are cut (then the rule is spent). @default - until stopped */
  readonly times?: number;
  /** Bytes of the body forwarded before the cut. @default 1 MiB (or the whole body, if shorter) */
  readonly afterBytes?: number;
}

export interface S3FaultProxy {
  readonly url: string;
  readonly requests: readonly ProxiedRequest[];
  /** Cuts matching requests off mid-body; returns a function that stops the rule. */
  cut(rule: CutRule): () => void;
  close(): Promise<void>;
}

/** Whether a request is an UploadPart of `partNumber`. */
export function isUploadPart(partNumber: number): (r: ProxiedRequest) => boolean {
  return (r) => r.method === "PUT" && r.query.get("partNumber") === String(partNumber) && r.query.has("uploadId");
}

export async function startS3FaultProxy(upstream: string): Promise<S3FaultProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const requests: ProxiedRequest[] = [];
  const rules: { rule: CutRule; left: number }[] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const segments = url.pathname.split("/").slice(2);
    const entry: ProxiedRequest = {
      at: Date.now(),
      method: req.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      key: segments.length > 0 && segments.join("/") !== "" ? decodeURIComponent(segments.join("/")) : undefined,
      accessKeyId: /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1],
      cut: false,
    };
    requests.push(entry);
    const active = rules.find((r) => r.left > 0 && r.rule.match(entry));
    // Host stays as the client signed it; Expect is answered here (node does it for us).
    const { expect: _expect, ...headers } = req.headers;
    const forward = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
      (answer) => {
        entry.status = answer.statusCode;
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    forward.on("error", () => {
      if (!entry.cut) res.destroy();
    });
    if (active === undefined) {
      req.pipe(forward);
      return;
    }
    active.left--;
    entry.cut = true;
    const limit = active.rule.afterBytes ?? 1024 * 1024;
    let sent = 0;
    const cutNow = () => {
      forward.destroy();
      req.socket.destroy();
    };
    req.on("data", (chunk: Buffer) => {
      if (sent >= limit) return;
      const room = limit - sent;
      forward.write(chunk.subarray(0, room));
      sent += Math.min(room, chunk.length);
      if (sent >= limit) cutNow();
    });
    req.on("end", cutNow);
  });
  const url = await listen(server);
  return {
    url,
    requests,
    cut: (rule) => {
      const entry = { rule, left: rule.times ?? Number.POSITIVE_INFINITY };
      rules.push(entry);
      return () => {
        entry.left = 0;
      };
    },
    close: async () => {
      await closeServer(server);
      agent.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Bucket notifications → handler, with Lambda's asynchronous retry and a DLQ

export type SyncHandlerFn = (event: unknown) => Promise<{ readonly outcomes: readonly RecordOutcome[] }>;

export interface Delivery {
  /** The push body as the gateway sent it. */
  readonly body: unknown;
  /** Keys of its records, as the gateway wrote them. */
  readonly keys: readonly string[];
  readonly eventNames: readonly string[];
  /** Handler invocations so far (1 + retries). */
  attempts: number;
  /** The error of each failed invocation. */
  readonly errors: unknown[];
  /** Resolves with the handler's result, or undefined once the event went to the DLQ. */
  readonly done: Promise<{ readonly outcomes: readonly RecordOutcome[] } | undefined>;
}

export interface DeadLetter {
  /** The original event, unchanged (what Lambda puts into the DLQ message body). */
  readonly event: unknown;
  readonly attempts: number;
  readonly errors: readonly string[];
}

export interface NotificationListenerOptions {
  /** Retries after a failed invocation (Lambda: 2). @default 2 */
  readonly retries?: number;
  /** Delay before retry n (1-based) in ms; Lambda waits minutes, scaled down here. @default n => 100 * n */
  readonly backoffMs?: (retry: number) => number;
}

export interface NotificationListener {
  /** Push endpoint for the topic. */
  readonly url: string;
  readonly deliveries: readonly Delivery[];
  readonly dlq: readonly DeadLetter[];
  /** The handler invoked from now on. */
  setHandler(handler: SyncHandlerFn): void;
  /** The next delivery (in arrival order, not handed out before) whose records name `key` and, if given, an event name starting with `eventPrefix`. */
  next(key: string, eventPrefix?: string, timeoutMs?: number): Promise<Delivery>;
  /** Delivers an event again, as at-least-once delivery may. */
  redeliver(body: unknown): Delivery;
  /** From now on, pushes are acknowledged but held, not invoked. */
  hold(): void;
  /** Stops holding and invokes the held pushes one after another, in the order `reorder` gives. */
  release(reorder?: (held: readonly Delivery[]) => readonly Delivery[]): Promise<void>;
  close(): Promise<void>;
}

interface PendingDelivery extends Delivery {
  start(): void;
}

function recordsOf(body: unknown): { key: string; eventName: string }[] {
  const records = (body as { Records?: unknown })?.Records;
  if (!Array.isArray(records)) return [];
  return records.map((r) => ({
    key: String(r?.s3?.object?.key ?? ""),
    eventName: String(r?.eventName ?? "").replace(/^s3:/, ""),
  }));
}

function formDecode(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    return key;
  }
}

/** The listener's deliveries in arrival order, those held back, and the dead letters. */
class DeliveryQueue {
  handler: SyncHandlerFn;
  holding = false;
  readonly deliveries: PendingDelivery[] = [];
  readonly held: PendingDelivery[] = [];
  readonly dlq: DeadLetter[] = [];
  private readonly handedOut = new Set<Delivery>();

  constructor(
    initial: SyncHandlerFn,
    private readonly retries: number,
    private readonly backoff: (retry: number) => number,
  ) {
    this.handler = initial;
  }

  /** A delivery of `body`: once started, it invokes the handler with Lambda's retries, then dead-letters it. */
  create(body: unknown): PendingDelivery {
    const records = recordsOf(body);
    let start: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      start = resolve;
    });
    const errors: unknown[] = [];
    const delivery: PendingDelivery = {
      body,
      keys: records.map((r) => r.key),
      eventNames: records.map((r) => r.eventName),
      attempts: 0,
      errors,
      start: () => start(),
      done: started.then(async () => {
        for (let attempt = 0; attempt <= this.retries; attempt++) {
          if (attempt > 0) await sleep(this.backoff(attempt));
          delivery.attempts++;
          try {
            return await this.handler(body);
          } catch (error) {
            errors.push(error);
          }
        }
        this.dlq.push({
          event: body,
          attempts: delivery.attempts,
          errors: errors.map((e) => (e as Error)?.message ?? String(e)),
        });
        return undefined;
      }),
    };
    this.deliveries.push(delivery);
    return delivery;
  }

  async next(key: string, eventPrefix: string | undefined, timeoutMs: number): Promise<Delivery> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.deliveries.find(
        (d) =>
          !this.handedOut.has(d) &&
          recordsOf(d.body).some(
            (r) =>
              (r.key === key || formDecode(r.key) === key) &&
              (eventPrefix === undefined || r.eventName.startsWith(eventPrefix)),
          ),
      );
      if (found !== undefined) {
        this.handedOut.add(found);
        return found;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `no ${eventPrefix ?? ""} notification for ${key} within ${timeoutMs} ms (got ${this.deliveries.length}: ${JSON.stringify(this.deliveries.map((d) => [d.eventNames, d.keys]))})`,
        );
      }
      await sleep(10);
    }
  }

  async release(reorder: (held: readonly Delivery[]) => readonly Delivery[]): Promise<void> {
    this.holding = false;
    const order = reorder([...this.held]) as PendingDelivery[];
    this.held.length = 0;
    for (const delivery of order) {
      delivery.start();
      await delivery.done;
    }
  }
}

export async function startNotificationListener(
  initial: SyncHandlerFn,
  options: NotificationListenerOptions = {},
): Promise<NotificationListener> {
  const queue = new DeliveryQueue(initial, options.retries ?? 2, options.backoffMs ?? ((n: number) => 100 * n));

  // The gateway waits for the answer before it answers the request that caused the event:
  // acknowledge at once, then invoke (asynchronous invocation).
  const server = createServer((req, res) => {
    readBody(req).then(
      (raw) => {
        res.writeHead(200).end();
        let body: unknown;
        try {
          body = JSON.parse(raw.toString("utf8"));
        } catch {
          body = raw.toString("utf8");
        }
        const delivery = queue.create(body);
        if (queue.holding) queue.held.push(delivery);
        else delivery.start();
      },
      () => res.writeHead(400).end(),
    );
  });
  const url = await listen(server);

  return {
    url,
    deliveries: queue.deliveries,
    dlq: queue.dlq,
    setHandler: (next) => {
      queue.handler = next;
    },
    next: (key, eventPrefix, timeoutMs = 5000) => queue.next(key, eventPrefix, timeoutMs),
    redeliver: (body) => {
      const delivery = queue.create(body);
      delivery.start();
      return delivery;
    },
    hold: () => {
      queue.holding = true;
    },
    release: (reorder = (h) => h) => queue.release(reorder),
    close: async () => {
      await Promise.allSettled(queue.deliveries.map((d) => d.done));
      await closeServer(server);
    },
  };
}

/** Sends the bucket's events to `pushEndpoint` (topic with push-endpoint, then the bucket notification). */
export async function subscribeBucket(
  gateway: RadosGateway,
  bucket: string,
  pushEndpoint: string,
  events: readonly Event[] = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
): Promise<string> {
  const created = await queryApi(gateway, "sns", {
    Action: "CreateTopic",
    Name: `${bucket}-events`,
    "Attributes.entry.1.key": "push-endpoint",
    "Attributes.entry.1.value": pushEndpoint,
  });
  const topicArn = xmlValue(created, "TopicArn");
  if (topicArn === undefined) throw new Error(`CreateTopic returned no TopicArn: ${created}`);
  const s3 = gateway.client();
  try {
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: { TopicConfigurations: [{ Id: "sync", TopicArn: topicArn, Events: [...events] }] },
      }),
    );
  } finally {
    s3.destroy();
  }
  return topicArn;
}

export interface ScriptedRolesAnywhere {
  readonly endpoint: FakeRolesAnywhere;
  readonly roleArn: string;
  /** The sync function's Roles Anywhere and signing-material variables for this endpoint and leaf. */
  readonly env: Readonly<Record<string, string>>;
  /** Stops the endpoint and removes the leaf files. */
  close(): Promise<void>;
}

/**
 * A leaf certificate and key on disk, and a CreateSession endpoint that trusts only their CA and
 * answers once with real temporary credentials of a new role (`policy`) on the commercial gateway.
 */
export async function scriptedRolesAnywhere(
  gateway: RadosGateway,
  roleName: string,
  policy: object,
): Promise<ScriptedRolesAnywhere> {
  const pki = createTestPki();
  const leaf = issue({ commonName: "cross-partition-sync" }, pki.root);
  const dir = await mkdtemp(join(tmpdir(), "sync-leaf-"));
  await writeFile(join(dir, "leaf.pem"), leaf.certificatePem);
  await writeFile(join(dir, "leaf.key"), leaf.privateKeyPem, { mode: 0o600 });
  const roleArn = await createRole(gateway, roleName, policy);
  const temporary = await assumeRole(gateway, roleArn);
  const endpoint = await startFakeRolesAnywhere({ trustedRoots: [pki.root.certificate] });
  const credentials = {
    accessKeyId: temporary.accessKeyId,
    secretAccessKey: temporary.secretAccessKey,
    sessionToken: temporary.sessionToken,
    expiration: temporary.expiration.toISOString(),
  };
  endpoint.script({ status: 201, body: JSON.stringify({ credentialSet: [{ credentials }] }) });
  const commercial = PARTITIONS.aws;
  const rolesAnywhereArn = (resource: string) =>
    arn(commercial, { service: "rolesanywhere", region: gateway.region, account: "444455556666", resource });
  return {
    endpoint,
    roleArn,
    env: {
      ROLES_ANYWHERE_ENDPOINT: endpoint.url,
      ROLES_ANYWHERE_TRUST_ANCHOR_ARN: rolesAnywhereArn("trust-anchor/ta"),
      ROLES_ANYWHERE_PROFILE_ARN: rolesAnywhereArn("profile/p"),
      ROLES_ANYWHERE_ROLE_ARN: roleArn,
      SIGNING_MATERIAL_CERTIFICATE_FILE: join(dir, "leaf.pem"),
      SIGNING_MATERIAL_PRIVATE_KEY_FILE: join(dir, "leaf.key"),
    },
    async close() {
      await endpoint.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
