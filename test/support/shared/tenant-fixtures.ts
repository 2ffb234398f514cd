/**
 * In-memory stand-ins for the two services the tenant directory asks, which do not run on this
 * machine: KMS (keys by alias, with tags and state) and STS AssumeRole (credentials that expire on a
 * clock the test controls). Used by the directory's own tests and by the functions' handler tests.
 */
import type { AssumeRole, TenantKeyLookup } from "../../../functions/shared/tenant-directory";

export const PREFIX = "alias/example/tenant/";
export const ACME_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/11111111-2222-4333-8444-555555555555";
export const ACME_ROLE = "arn:aws-eusc:iam::111122223333:role/example-tenant-acme";
export const START = Date.parse("2026-01-02T03:04:05.000Z");
export const SECOND = 1000;

export interface FakeKey {
  keyArn: string;
  keyState: string;
  tags: Record<string, string>;
}

/** KMS in memory: keys by alias name, call counters, an error to throw, and answers that wait a tick. */
export class FakeKms implements TenantKeyLookup {
  readonly keys = new Map<string, FakeKey>();
  readonly aliasesAsked: string[] = [];
  tagCalls = 0;
  error: Error | undefined;

  add(tenant: string, key: Partial<FakeKey> = {}): FakeKey {
    const entry = {
      keyArn: tenant === "acme" ? ACME_KEY : ACME_KEY.replace(/key\/.*$/, `key/tenant-${tenant}`),
      keyState: "Enabled",
      tags: { Tenant: tenant, Tier: "logical" },
      ...key,
    };
    this.keys.set(`${PREFIX}${tenant}`, entry);
    return entry;
  }

  async describeAlias(aliasName: string) {
    this.aliasesAsked.push(aliasName);
    await Promise.resolve();
    if (this.error !== undefined) throw this.error;
    const key = this.keys.get(aliasName);
    return key === undefined ? undefined : { keyArn: key.keyArn, keyState: key.keyState };
  }

  async tags(keyArn: string) {
    this.tagCalls += 1;
    await Promise.resolve();
    const key = [...this.keys.values()].find((k) => k.keyArn === keyArn);
    if (key === undefined) throw new Error(`no key ${keyArn}`);
    return { ...key.tags };
  }
}

export interface Fakes {
  kms: FakeKms;
  clock: { now: () => number; advance: (ms: number) => void };
  assumeRole: AssumeRole & {
    calls: Parameters<AssumeRole>[];
    fail: Error | undefined;
    gate: Promise<void> | undefined;
  };
}

export function fakes(): Fakes {
  let now = START;
  const clock = {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  const assumeRole = Object.assign(
    async (roleArn: string, sessionName: string, durationSeconds: number) => {
      assumeRole.calls.push([roleArn, sessionName, durationSeconds]);
      const n = assumeRole.calls.length;
      await assumeRole.gate;
      if (assumeRole.fail !== undefined) throw assumeRole.fail;
      return {
        accessKeyId: `ASIA${n}`,
        secretAccessKey: `secret-${n}`,
        sessionToken: `token-${n}`,
        expiration: new Date(now + durationSeconds * SECOND),
      };
    },
    {
      calls: [] as Parameters<AssumeRole>[],
      fail: undefined as Error | undefined,
      gate: undefined as Promise<void> | undefined,
    },
  );
  return { kms: new FakeKms(), clock, assumeRole };
}
