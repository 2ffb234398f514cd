/**
 * Test-only CreateSession endpoint on 127.0.0.1 (node:http). It verifies each request on its own,
 * without the signer under test: it rebuilds the canonical request from the received bytes,
 * checks the signature with the public key of the certificate in `X-Amz-X509`, checks that the
 * certificate chains (through `X-Amz-X509-Chain`) to a trusted root, and then issues credentials
 * in the shape of the real `CreateSession` response. Responses can be scripted (errors, delays).
 */
import { createHash, verify, X509Certificate } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface VerifiedRequest {
  readonly serialDecimal: string;
  readonly algorithm: string;
  readonly amzDate: string;
  readonly region: string;
  readonly subject: string;
  readonly chainLength: number;
  readonly body: { durationSeconds: number; profileArn: string; roleArn: string; trustAnchorArn: string };
  readonly rawBody: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface FakeRolesAnywhereOptions {
  readonly trustedRoots: readonly X509Certificate[];
  /** Clock in epoch ms for `expiration`. @default - Date.now */
  readonly now?: () => number;
  /** Delay before answering, in ms (to hold requests in flight). @default 0 */
  readonly delayMs?: number;
}

export interface FakeRolesAnywhere {
  /** Base URL (`http://127.0.0.1:<port>`); CreateSession is at `/sessions`. */
  readonly url: string;
  /** Every request that arrived, verified or not. */
  readonly received: number;
  /** Requests that passed verification, in order. */
  readonly verified: readonly VerifiedRequest[];
  /** Verification failures, in order. */
  readonly rejected: readonly string[];
  /** The next responses are these instead of a session (after verification). */
  script(...responses: ScriptedResponse[]): void;
  setDelay(ms: number): void;
  close(): Promise<void>;
}

const AUTHORIZATION =
  /^(AWS4-X509-(?:RSA|ECDSA)-SHA256) Credential=(\d+)\/(\d{8})\/([a-z0-9-]+)\/rolesanywhere\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]+)$/;

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(",") : value;
}

/** Walks leaf -> chain -> trusted root by issuer name and signature. */
function chainsToRoot(
  leaf: X509Certificate,
  chain: readonly X509Certificate[],
  roots: readonly X509Certificate[],
): boolean {
  let current = leaf;
  for (let depth = 0; depth <= chain.length; depth++) {
    const root = roots.find((r) => current.checkIssued(r) && current.verify(r.publicKey));
    if (root !== undefined) return true;
    const next = chain.find((c) => current.checkIssued(c) && current.verify(c.publicKey));
    if (next === undefined) return false;
    current = next;
  }
  return false;
}

/** Verifies one request; returns what it carried or the reason it is rejected. */
export function verifyCreateSession(
  req: { method: string; url: string; headers: IncomingMessage["headers"] },
  rawBody: Buffer,
  trustedRoots: readonly X509Certificate[],
): VerifiedRequest | string {
  if (req.method !== "POST") return `method ${req.method}`;
  const url = new URL(req.url, "http://placeholder");
  if (!url.pathname.endsWith("/sessions")) return `path ${url.pathname}`;
  const auth = AUTHORIZATION.exec(single(req.headers.authorization) ?? "");
  if (auth === null) return `malformed Authorization: ${single(req.headers.authorization)}`;
  const [, algorithm = "", serial = "", dateStamp = "", region = "", signedHeaders = "", signature = ""] = auth;
  const names = signedHeaders.split(";");
  for (const required of ["content-type", "host", "x-amz-date", "x-amz-x509"])
    if (!names.includes(required)) return `${required} not signed`;
  if ([...names].sort().join(";") !== signedHeaders) return "SignedHeaders not sorted";
  const canonicalHeaders = names
    .map((n) => `${n}:${(single(req.headers[n]) ?? "").trim().replace(/ +/g, " ")}\n`)
    .join("");
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join("&");
  const canonicalRequest = ["POST", url.pathname, query, canonicalHeaders, signedHeaders, sha256(rawBody)].join("\n");
  const amzDate = single(req.headers["x-amz-date"]) ?? "";
  if (amzDate.slice(0, 8) !== dateStamp) return "X-Amz-Date does not match the credential scope";
  const stringToSign = [
    algorithm,
    amzDate,
    `${dateStamp}/${region}/rolesanywhere/aws4_request`,
    sha256(canonicalRequest),
  ].join("\n");

  let leaf: X509Certificate;
  let chain: X509Certificate[];
  try {
    leaf = new X509Certificate(Buffer.from(single(req.headers["x-amz-x509"]) ?? "", "base64"));
    const chainHeader = single(req.headers["x-amz-x509-chain"]);
    chain =
      chainHeader === undefined
        ? []
        : chainHeader.split(",").map((b64) => new X509Certificate(Buffer.from(b64, "base64")));
  } catch (error) {
    return `bad certificate header: ${(error as Error).message}`;
  }
  if (BigInt(`0x${leaf.serialNumber}`).toString() !== serial)
    return `Credential serial ${serial} is not the certificate's`;
  const keyType = leaf.publicKey.asymmetricKeyType;
  if ((keyType === "rsa" ? "AWS4-X509-RSA-SHA256" : keyType === "ec" ? "AWS4-X509-ECDSA-SHA256" : "") !== algorithm)
    return `${algorithm} with a ${keyType} key`;
  if (
    !verify(
      "sha256",
      Buffer.from(stringToSign),
      { key: leaf.publicKey, dsaEncoding: "der" },
      Buffer.from(signature, "hex"),
    )
  )
    return "signature does not verify";
  if (!chainsToRoot(leaf, chain, trustedRoots)) return "untrusted certificate";
  let body: VerifiedRequest["body"];
  try {
    body = JSON.parse(rawBody.toString("utf8")) as VerifiedRequest["body"];
  } catch {
    return "body is not JSON";
  }
  return {
    serialDecimal: serial,
    algorithm,
    amzDate,
    region,
    subject: leaf.subject,
    chainLength: chain.length,
    body,
    rawBody: rawBody.toString("utf8"),
    headers: req.headers,
  };
}

export async function startFakeRolesAnywhere(options: FakeRolesAnywhereOptions): Promise<FakeRolesAnywhere> {
  const now = options.now ?? Date.now;
  let delayMs = options.delayMs ?? 0;
  let received = 0;
  let issued = 0;
  const verified: VerifiedRequest[] = [];
  const rejected: string[] = [];
  const scripted: ScriptedResponse[] = [];

  const reply = (res: ServerResponse, status: number, body: string, headers: Readonly<Record<string, string>> = {}) => {
    res.writeHead(status, { "Content-Type": "application/json", "x-amzn-RequestId": `req-${received}`, ...headers });
    res.end(body);
  };

  const server = createServer((req, res) => {
    received++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const result = verifyCreateSession(
        { method: req.method ?? "", url: req.url ?? "/", headers: req.headers },
        Buffer.concat(chunks),
        options.trustedRoots,
      );
      const answer = () => {
        if (typeof result === "string") {
          rejected.push(result);
          reply(res, 403, JSON.stringify({ message: `test endpoint rejected the request: ${result}` }), {
            "x-amzn-ErrorType": "AccessDeniedException:",
          });
          return;
        }
        verified.push(result);
        const next = scripted.shift();
        if (next !== undefined) {
          reply(res, next.status, next.body, next.headers);
          return;
        }
        issued++;
        const expiration = new Date(now() + result.body.durationSeconds * 1000).toISOString();
        reply(
          res,
          201,
          JSON.stringify({
            credentialSet: [
              {
                assumedRoleUser: {
                  arn: `${result.body.roleArn}/${result.serialDecimal}`,
                  assumedRoleId: `AROATEST:${result.serialDecimal}`,
                },
                credentials: {
                  accessKeyId: `ASIATEST${String(issued).padStart(8, "0")}`,
                  expiration,
                  secretAccessKey: `secret-${issued}`,
                  sessionToken: `token-${issued}-${result.serialDecimal}`,
                },
                packedPolicySize: 0,
                roleArn: result.body.roleArn,
                sourceIdentity: result.subject.replace(/\n/g, ","),
              },
            ],
            subjectArn: `${result.body.trustAnchorArn.split(":trust-anchor/")[0]}:subject/test`,
          }),
        );
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get received() {
      return received;
    },
    verified,
    rejected,
    script: (...responses) => {
      scripted.push(...responses);
    },
    setDelay: (ms) => {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
