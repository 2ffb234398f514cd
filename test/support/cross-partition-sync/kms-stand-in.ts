/**
 * A stand-in for AWS KMS on loopback, test-only: Ceph has no KMS API (its SSE-KMS "testing" backend
 * holds keys but answers no Decrypt or GenerateMac), so this is the only way to run the production
 * wiring's KMS calls end to end. It speaks what the SDK's KMSClient sends (AWS JSON 1.1: POST /,
 * `X-Amz-Target: TrentService.<Operation>`, blobs base64 in JSON) for two operations:
 *
 * - `Decrypt` under the one RSA key it holds (RSAES_OAEP_SHA_256: OAEP with SHA-256 and MGF1-SHA-256);
 * - `GenerateMac` (HMAC_SHA_256) under the HMAC keys it holds.
 *
 * It refuses, as KMS and the synthesized policy would (400 with an AWS-style `__type`), a KeyId that is
 * not the expected key of the operation (NotFoundException), a Decrypt without EncryptionAlgorithm
 * RSAES_OAEP_SHA_256 and a GenerateMac without MacAlgorithm HMAC_SHA_256 (InvalidKeyUsageException),
 * any other operation (UnknownOperationException), an unsigned request (MissingAuthenticationTokenException).
 * It does not check signatures: it records the access key that signed each request, for the test to judge.
 */
import { constants, createHmac, type KeyObject, privateDecrypt } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface KmsStandInOptions {
  /** Decrypt: the key ID (as the caller names it) and its RSA private key. */
  readonly rsa: { readonly keyId: string; readonly privateKey: KeyObject | string };
  /** GenerateMac: key ID (as the caller names it) → HMAC secret. */
  readonly hmac: Readonly<Record<string, Uint8Array>>;
}

export interface KmsCall {
  readonly operation: string;
  readonly keyId: string | undefined;
  /** EncryptionAlgorithm (Decrypt) or MacAlgorithm (GenerateMac). */
  readonly algorithm: string | undefined;
  /** The access key in the request's signature. */
  readonly accessKeyId: string | undefined;
  /** 200, or the status of the refusal. */
  readonly status: number;
  /** The refusal's `__type`. */
  readonly error?: string;
}

export interface KmsStandIn {
  readonly url: string;
  readonly calls: readonly KmsCall[];
  close(): Promise<void>;
}

class Refusal extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
  res.end(JSON.stringify(body));
};

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
}

function answer(options: KmsStandInOptions, operation: string, request: Record<string, unknown>): unknown {
  const keyId = request.KeyId;
  if (operation === "Decrypt") {
    if (keyId !== options.rsa.keyId) throw new Refusal("NotFoundException", `Decrypt: no key ${String(keyId)} here`);
    if (request.EncryptionAlgorithm !== "RSAES_OAEP_SHA_256")
      throw new Refusal(
        "InvalidKeyUsageException",
        `Decrypt under ${keyId} needs EncryptionAlgorithm RSAES_OAEP_SHA_256 (got ${String(request.EncryptionAlgorithm)})`,
      );
    let plaintext: Buffer;
    try {
      plaintext = privateDecrypt(
        { key: options.rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
        Buffer.from(String(request.CiphertextBlob), "base64"),
      );
    } catch {
      throw new Refusal("InvalidCiphertextException", "the ciphertext is not of this key or was changed");
    }
    return { KeyId: keyId, Plaintext: plaintext.toString("base64"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256" };
  }
  if (operation === "GenerateMac") {
    const secret = typeof keyId === "string" ? options.hmac[keyId] : undefined;
    if (secret === undefined) throw new Refusal("NotFoundException", `GenerateMac: no key ${String(keyId)} here`);
    if (request.MacAlgorithm !== "HMAC_SHA_256")
      throw new Refusal(
        "InvalidKeyUsageException",
        `GenerateMac under ${String(keyId)} needs MacAlgorithm HMAC_SHA_256 (got ${String(request.MacAlgorithm)})`,
      );
    const mac = createHmac("sha256", secret)
      .update(Buffer.from(String(request.Message), "base64"))
      .digest();
    return { KeyId: keyId, Mac: mac.toString("base64"), MacAlgorithm: "HMAC_SHA_256" };
  }
  throw new Refusal("UnknownOperationException", `the stand-in answers Decrypt and GenerateMac, not ${operation}`);
}

/** Starts the stand-in on 127.0.0.1 (a free port). */
export async function startKmsStandIn(options: KmsStandInOptions): Promise<KmsStandIn> {
  const calls: KmsCall[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const operation = String(req.headers["x-amz-target"] ?? "").replace(/^TrentService\./, "");
      const accessKeyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1];
      let request: Record<string, unknown> = {};
      try {
        request = await bodyOf(req);
        if (accessKeyId === undefined) throw new Refusal("MissingAuthenticationTokenException", "unsigned request");
        const body = answer(options, operation, request);
        calls.push({ operation, ...algorithmAndKey(request), accessKeyId, status: 200 });
        json(res, 200, body);
      } catch (error) {
        const refusal =
          error instanceof Refusal ? error : new Refusal("SerializationException", (error as Error).message);
        calls.push({ operation, ...algorithmAndKey(request), accessKeyId, status: 400, error: refusal.type });
        json(res, 400, { __type: refusal.type, message: refusal.message });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function algorithmAndKey(request: Record<string, unknown>): Pick<KmsCall, "keyId" | "algorithm"> {
  const algorithm = request.EncryptionAlgorithm ?? request.MacAlgorithm;
  return {
    keyId: typeof request.KeyId === "string" ? request.KeyId : undefined,
    algorithm: typeof algorithm === "string" ? algorithm : undefined,
  };
}
