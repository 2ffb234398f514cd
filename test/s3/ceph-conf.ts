/**
 * ceph.conf for a throwaway single-node cluster on loopback (DESIGN.md §7, "Recipe facts").
 * Pure: the caller chooses ports, paths and keys.
 */

/** A KMS key of the radosgw `testing` backend: the key id S3 requests name, and 32 bytes of key material. */
export interface TestingKmsKey {
  readonly id: string;
  readonly material: Buffer;
}

export interface CephConfInput {
  readonly fsid: string;
  readonly runDir: string;
  readonly monPort: number;
  readonly rgwPort: number;
  /** The gateway's client section is `client.rgw.<rgwName>`. */
  readonly rgwName: string;
  readonly kmsKeys: readonly TestingKmsKey[];
  /** `rgw sts key` (16 characters); STS is off when undefined. */
  readonly stsKey?: string;
}

/** Key ids go into a space- and `=`-separated list; anything else an ARN holds is fine. */
export const KMS_KEY_ID = /^[A-Za-z0-9:/._-]{1,256}$/;

export function renderCephConf(input: CephConfInput): string {
  const { fsid, runDir: d, monPort, rgwPort, rgwName, kmsKeys, stsKey } = input;
  if (/\s/.test(d)) {
    throw new Error(`run directory "${d}" contains whitespace, which ceph.conf cannot hold`);
  }
  for (const key of kmsKeys) {
    if (!KMS_KEY_ID.test(key.id)) {
      throw new Error(
        `KMS key id "${key.id}" must match ${KMS_KEY_ID} (the testing backend's list is separated by spaces and "=")`,
      );
    }
    if (key.material.length !== 32) {
      throw new Error(`KMS key "${key.id}" must have 32 bytes of material, got ${key.material.length}`);
    }
  }
  if (stsKey !== undefined && !/^[A-Za-z0-9]{16}$/.test(stsKey)) {
    throw new Error(`rgw sts key must be 16 letters or digits, got "${stsKey}"`);
  }
  const lines = [
    "[global]",
    `fsid = ${fsid}`,
    `mon host = v2:127.0.0.1:${monPort}`,
    "ms bind msgr1 = false",
    "public addr = 127.0.0.1",
    "cluster addr = 127.0.0.1",
    "auth cluster required = none",
    "auth service required = none",
    "auth client required = none",
    "osd pool default size = 1",
    "osd pool default min size = 1",
    "mon allow pool size one = true",
    "osd pool default pg num = 8",
    "osd pool default pg autoscale mode = off",
    "mon max pg per osd = 1000",
    `run dir = ${d}`,
    `pid file = ${d}/$name.pid`,
    `admin socket = ${d}/$name.asok`,
    `log file = ${d}/$name.log`,
    "",
    // Short-lived clients (ceph, radosgw-admin) run while the gateway runs: one socket per process.
    "[client]",
    `admin socket = ${d}/$name.$pid.asok`,
    "",
    "[mon]",
    `mon data = ${d}/mon.$id`,
    "paxos propose interval = 0.05",
    "",
    "[osd]",
    `osd data = ${d}/osd.$id`,
    "osd objectstore = memstore",
    "memstore device bytes = 2G",
    "",
    `[client.rgw.${rgwName}]`,
    `rgw frontends = beast endpoint=127.0.0.1:${rgwPort} tcp_nodelay=1`, // without it Nagle adds ~40 ms to small responses
    "ms mon client mode = secure crc",
    `rgw data = ${d}/rgw`,
    "rgw crypt require ssl = false",
    "rgw crypt s3 kms backend = testing",
  ];
  if (kmsKeys.length > 0) {
    lines.push(
      `rgw crypt s3 kms encryption keys = ${kmsKeys.map((k) => `${k.id}=${k.material.toString("base64")}`).join(" ")}`,
    );
  }
  if (stsKey !== undefined) {
    lines.push(`rgw sts key = ${stsKey}`, "rgw s3 auth use sts = true");
  }
  return `${lines.join("\n")}\n`;
}
