/**
 * The webhook sender's environment (zod 4), parsed once at module scope by `handler.ts`, and the
 * tenants' secrets from Secrets Manager.
 *
 * - `WEBHOOK_ENDPOINTS`: JSON object, tenant ID → `https:` URL. A tenant not named has no webhooks.
 *   Tenant IDs here must also be usable in a secret's name (a key segment without `:`).
 * - `WEBHOOK_SECRET_PREFIX`: the tenant's secret is the Secrets Manager secret named
 *   `<prefix><tenant>`, e.g. `prod/webhooks/` → `prod/webhooks/tenant-a`.
 * - `AWS_REGION` (set by Lambda); `SECRETS_MANAGER_ENDPOINT` (a VPC endpoint's URL, optional);
 *   `WEBHOOK_TIMEOUT_MS` (per attempt, 1000-30000, default 15000).
 *
 * A secret's value (SecretString) is the tenant's `whsec_…` secret; during a rotation, the new and the
 * old one separated by whitespace (newest first): every delivery is then signed with both, and the
 * tenant's receiver accepts either (Standard Webhooks' zero-downtime rotation).
 */
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { z } from "zod";
import { DEFAULT_TIMEOUT_MS, endpointUrlProblem } from "./deliver";
import { secretKey, WebhookSecretError } from "./signature";

/** A tenant ID that is both a key segment (event.ts TENANT_SEGMENT) and valid in a secret's name (no `:`). */
export const ENDPOINT_TENANT = /^[A-Za-z0-9][A-Za-z0-9._@+=-]{0,127}$/;
/** Characters Secrets Manager allows in names. */
const SECRET_NAME_PREFIX = /^[A-Za-z0-9/_+=.@-]{1,256}$/;

const endpointUrl = z.string().superRefine((url, ctx) => {
  const problem = endpointUrlProblem(url);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

const TENANT_KEY_MESSAGE = "tenant IDs must be key segments usable in a secret name (A-Z a-z 0-9 . _ @ + = -)";

const endpointsJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "must be JSON: an object of tenant ID to https: URL" });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(z.string().regex(ENDPOINT_TENANT), endpointUrl, {
      // zod reports a bad key as "Invalid key in record" unless told; the path names the key.
      error: (issue) =>
        issue.code === "invalid_key"
          ? TENANT_KEY_MESSAGE
          : issue.code === "invalid_type"
            ? "must be an object of tenant ID to https: URL"
            : undefined,
    }),
  );

export const webhookEnvSchema = z.object({
  WEBHOOK_ENDPOINTS: endpointsJson,
  WEBHOOK_SECRET_PREFIX: z.string().regex(SECRET_NAME_PREFIX, {
    error: "must be the start of a Secrets Manager name (A-Z a-z 0-9 / _ + = . @ -), e.g. prod/webhooks/",
  }),
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "must be an AWS region" }),
  SECRETS_MANAGER_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(1000).max(30_000).default(DEFAULT_TIMEOUT_MS),
  /** The source queue (backoff: ChangeMessageVisibility). @default - no backoff port (queue.ts unwiredQueue) */
  WEBHOOK_QUEUE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The dead-letter queue (undeliverable messages at once). @default - after maxReceiveCount only */
  WEBHOOK_DEAD_LETTER_QUEUE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** An SQS VPC endpoint's URL. @default - the regional endpoint */
  SQS_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
});

export interface WebhookSettings {
  /** Tenant ID → endpoint URL. */
  readonly endpoints: ReadonlyMap<string, string>;
  readonly secretPrefix: string;
  readonly region: string;
  readonly secretsManagerEndpoint?: string | undefined;
  readonly timeoutMs: number;
  /** The source and dead-letter queues, when both are named (sqs.ts sqsQueue). */
  readonly queues?: { readonly source: string; readonly deadLetter: string; readonly endpoint?: string | undefined };
}

/** The function's configuration is unusable (a deployment bug): every invocation fails, naming it. */
export class WebhookConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookConfigError";
  }
}

/** Parses the environment; throws WebhookConfigError naming every bad variable (and tenant). */
export function parseWebhookEnv(raw: Readonly<Record<string, string | undefined>>): WebhookSettings {
  const result = webhookEnvSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "env"}: ${i.message}`);
    throw new WebhookConfigError(`webhook environment is invalid: ${problems.join("; ")}`);
  }
  const env = result.data;
  return {
    endpoints: new Map(Object.entries(env.WEBHOOK_ENDPOINTS)),
    secretPrefix: env.WEBHOOK_SECRET_PREFIX,
    region: env.AWS_REGION,
    secretsManagerEndpoint: env.SECRETS_MANAGER_ENDPOINT,
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    ...(env.WEBHOOK_QUEUE_URL === undefined || env.WEBHOOK_DEAD_LETTER_QUEUE_URL === undefined
      ? {}
      : {
          queues: {
            source: env.WEBHOOK_QUEUE_URL,
            deadLetter: env.WEBHOOK_DEAD_LETTER_QUEUE_URL,
            endpoint: env.SQS_ENDPOINT,
          },
        }),
  };
}

/** The settings, or the configuration error (so that importing the handler never throws). */
export function loadWebhookSettings(
  raw: Readonly<Record<string, string | undefined>>,
): WebhookSettings | WebhookConfigError {
  try {
    return parseWebhookEnv(raw);
  } catch (error) {
    if (error instanceof WebhookConfigError) return error;
    throw error;
  }
}

/** A tenant's current secrets (newest first). */
export interface WebhookSecrets {
  secretsFor(tenant: string): Promise<readonly string[]>;
}

/** What is used of a Secrets Manager client (tests pass an object with `send`). */
export interface SecretsManagerPort {
  send(command: GetSecretValueCommand): Promise<Pick<GetSecretValueCommandOutput, "SecretString">>;
}

/** The `whsec_` secrets in a secret's value; throws WebhookSecretError naming the secret, never its value. */
export function secretsInValue(secretId: string, value: string | undefined): readonly string[] {
  if (value === undefined) throw new WebhookSecretError(`secret ${secretId} has no SecretString`);
  const secrets = value.split(/\s+/).filter((s) => s !== "");
  if (secrets.length === 0) throw new WebhookSecretError(`secret ${secretId} is empty`);
  for (const [index, secret] of secrets.entries()) {
    try {
      secretKey(secret);
    } catch (error) {
      throw new WebhookSecretError(`secret ${secretId}, entry ${index + 1}: ${(error as Error).message}`);
    }
  }
  return secrets;
}

export const SECRET_CACHE_MS = 5 * 60_000;

/**
 * Secrets Manager `GetSecretValue` of `<prefix><tenant>`, each kept for `ttlMs` (5 minutes): a batch
 * reads a tenant's secret once, and a rotated secret is used within 5 minutes. Concurrent reads of
 * one tenant share one request; a failed read is not kept.
 */
export function secretsManagerSecrets(
  client: SecretsManagerPort,
  prefix: string,
  options: { readonly ttlMs?: number; readonly now?: () => number } = {},
): WebhookSecrets {
  const ttlMs = options.ttlMs ?? SECRET_CACHE_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { readonly expiresAt: number; readonly secrets: Promise<readonly string[]> }>();
  return {
    secretsFor(tenant) {
      const cached = cache.get(tenant);
      if (cached !== undefined && cached.expiresAt > now()) return cached.secrets;
      const secretId = `${prefix}${tenant}`;
      const secrets = client
        .send(new GetSecretValueCommand({ SecretId: secretId }))
        .then((output) => secretsInValue(secretId, output.SecretString));
      secrets.catch(() => {
        if (cache.get(tenant)?.secrets === secrets) cache.delete(tenant);
      });
      cache.set(tenant, { expiresAt: now() + ttlMs, secrets });
      return secrets;
    },
  };
}

/** The function's Secrets Manager client (its role), through SECRETS_MANAGER_ENDPOINT when set. */
export function secretsManagerClient(
  settings: WebhookSettings | WebhookConfigError,
  raw: Readonly<Record<string, string | undefined>>,
): SecretsManagerClient {
  if (settings instanceof WebhookConfigError)
    return new SecretsManagerClient({ region: raw.AWS_REGION ?? "us-east-1" });
  return new SecretsManagerClient({
    region: settings.region,
    ...(settings.secretsManagerEndpoint === undefined ? {} : { endpoint: settings.secretsManagerEndpoint }),
  });
}
