/**
 * Where the sync function's Roles Anywhere certificate and key come from. In Lambda: a Secrets
 * Manager secret in the sovereign partition (KMS-encrypted), read at every credential refresh so a
 * rotated certificate is used from the next refresh on. The reader is an injected interface:
 * `sdkSecretReader` (the default) calls GetSecretValue through the VPC's Secrets Manager endpoint
 * with the function's role; `extensionSecretReader` uses the AWS Parameters and Secrets Lambda
 * Extension where that layer is deployed (its ARN is regional, and not published for every
 * partition). Local runs read files instead.
 *
 * Secret value (SecretString, JSON): `{"certificate": PEM, "privateKey": PEM, "intermediates"?: PEM bundle}`.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { z } from "zod";
import type { SigningMaterialLoader } from "../rolesanywhere/credentials";

export { fileSigningMaterialLoader } from "../rolesanywhere/credentials";

/** Reads one secret's `SecretString`. */
export interface SecretReader {
  getSecretString(secretId: string): Promise<string>;
}

const SecretValue = z.strictObject({
  certificate: z.string().includes("-----BEGIN CERTIFICATE-----"),
  privateKey: z.string().includes("PRIVATE KEY-----"),
  intermediates: z.string().optional(),
});

/** A loader over a Secrets Manager secret holding the JSON above; the key is never logged. */
export function secretSigningMaterialLoader(reader: SecretReader, secretId: string): SigningMaterialLoader {
  return async () => {
    const text = await reader.getSecretString(secretId);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`secret ${secretId} is not JSON`);
    }
    const parsed = SecretValue.safeParse(json);
    // Only the paths of the problems: the messages could echo parts of the value.
    if (!parsed.success)
      throw new Error(
        `secret ${secretId} lacks certificate/privateKey PEM (${parsed.error.issues.map((i) => i.path.join(".") || "(root)").join(", ")})`,
      );
    return parsed.data;
  };
}

/**
 * The AWS Parameters and Secrets Lambda Extension: `GET http://localhost:<port>/secretsmanager/get?secretId=…`
 * with `X-Aws-Parameters-Secrets-Token: $AWS_SESSION_TOKEN`. Port from
 * `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT` (default 2773). The extension caches (its own TTL), which
 * suits a value read only at credential refresh.
 */
export function extensionSecretReader(env: Readonly<Record<string, string | undefined>> = process.env): SecretReader {
  return {
    async getSecretString(secretId) {
      const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? "2773";
      const response = await fetch(
        `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`,
        {
          headers: { "X-Aws-Parameters-Secrets-Token": env.AWS_SESSION_TOKEN ?? "" },
        },
      );
      if (!response.ok) throw new Error(`secrets extension answered HTTP ${response.status} for ${secretId}`);
      const body = (await response.json()) as { SecretString?: unknown };
      if (typeof body.SecretString !== "string") throw new Error(`secret ${secretId} has no SecretString`);
      return body.SecretString;
    },
  };
}

/** GetSecretValue with the default credential chain (the function's role) in `region`. */
export function sdkSecretReader(
  region: string,
  client: SecretsManagerClient = new SecretsManagerClient({ region }),
): SecretReader {
  return {
    async getSecretString(secretId) {
      const value = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (typeof value.SecretString !== "string")
        throw new Error(`secret ${secretId} has no SecretString (store the JSON as a string)`);
      return value.SecretString;
    },
  };
}
