/** Test-only: a webhook receiver on loopback (node:http, 127.0.0.1, a free port) that records what it gets. */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body, as received. */
  readonly body: Buffer;
}

/** What the receiver answers a request with; it may also write the response itself (and return undefined). */
export type Responder = (
  request: ReceivedRequest,
  response: ServerResponse,
) => { status: number; headers?: Record<string, string>; body?: string } | undefined | Promise<unknown>;

export interface LoopbackReceiver {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Replaces how requests are answered (default: 204). */
  respond(responder: Responder): void;
  close(): Promise<void>;
}

export async function startReceiver(responder?: Responder): Promise<LoopbackReceiver> {
  let current: Responder = responder ?? (() => ({ status: 204 }));
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const request = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(request);
      const answer = await current(request, res);
      if (answer !== undefined && typeof answer === "object" && answer !== null && "status" in answer) {
        const {
          status,
          headers = {},
          body = "",
        } = answer as { status: number; headers?: Record<string, string>; body?: string };
        res.writeHead(status, headers).end(body);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    respond(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (a server is started, its port noted, and closed). */
export async function closedPort(): Promise<number> {
  const receiver = await startReceiver();
  await receiver.close();
  return receiver.port;
}
