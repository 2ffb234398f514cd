import { describe, expect, it } from "vitest";
import { renderCephConf } from "./ceph-conf";

const input = {
  fsid: "5b0f5f9e-1111-4a5b-9e0e-000000000001",
  runDir: "/tmp/rgw-x-abc",
  monPort: 40001,
  rgwPort: 40002,
  rgwName: "x",
  kmsKeys: [{ id: "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/k1", material: Buffer.alloc(32, 1) }],
};

/** `key = value` lines of one section. */
function section(conf: string, name: string): string[] {
  const start = conf.split("\n").indexOf(`[${name}]`);
  const rest = conf.split("\n").slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith("["));
  return (end === -1 ? rest : rest.slice(0, end)).filter((l) => l.includes(" = "));
}

describe("ceph.conf", () => {
  it("holds the recipe's global settings: msgr2 on loopback, no auth, one replica, files in the run directory", () => {
    // Act
    const global = section(renderCephConf(input), "global");

    // Assess
    expect(global).toEqual(
      expect.arrayContaining([
        "mon host = v2:127.0.0.1:40001",
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
        "pid file = /tmp/rgw-x-abc/$name.pid",
        "admin socket = /tmp/rgw-x-abc/$name.asok",
        "log file = /tmp/rgw-x-abc/$name.log",
      ]),
    );
  });

  it("makes the mon propose fast and the OSD keep its data in memory", () => {
    // Act
    const conf = renderCephConf(input);

    // Assess
    expect(section(conf, "mon")).toContain("paxos propose interval = 0.05");
    expect(section(conf, "osd")).toEqual(
      expect.arrayContaining(["osd objectstore = memstore", "memstore device bytes = 2G"]),
    );
  });

  it("configures the gateway: beast on the chosen port, secure crc to the mon, testing KMS keys, STS off", () => {
    // Act
    const rgw = section(renderCephConf(input), "client.rgw.x");

    // Assess
    expect(rgw).toEqual(
      expect.arrayContaining([
        "rgw frontends = beast endpoint=127.0.0.1:40002 tcp_nodelay=1",
        "ms mon client mode = secure crc",
        "rgw crypt s3 kms backend = testing",
        `rgw crypt s3 kms encryption keys = arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/k1=${Buffer.alloc(32, 1).toString("base64")}`,
        "rgw crypt require ssl = false",
      ]),
    );
    expect(rgw.join("\n")).not.toContain("sts");
  });

  it("turns STS on with a 16-character key", () => {
    // Act
    const rgw = section(renderCephConf({ ...input, stsKey: "abcdefghijklmnop" }), "client.rgw.x");

    // Assess
    expect(rgw).toEqual(expect.arrayContaining(["rgw sts key = abcdefghijklmnop", "rgw s3 auth use sts = true"]));
  });

  it.each([
    ["a KMS key id with a space", { kmsKeys: [{ id: "a b", material: Buffer.alloc(32) }] }, /KMS key id/],
    ["short key material", { kmsKeys: [{ id: "k", material: Buffer.alloc(16) }] }, /32 bytes/],
    ["an STS key of the wrong length", { stsKey: "short" }, /16 letters/],
    ["a run directory with whitespace", { runDir: "/tmp/a b" }, /whitespace/],
  ])("fails with %s", (_, change, message) => {
    // Act
    const attempt = () => renderCephConf({ ...input, ...change });

    // Assess
    expect(attempt).toThrow(message);
  });
});
