import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { localMac, PSEUDONYM, pseudonymMessage, Pseudonyms } from "./pseudonym";
import { main } from "./pseudonym-cli";

const SECRET = Buffer.alloc(32, 7);

describe("subject pseudonyms", () => {
  it("are 128 bits of HMAC-SHA-256 over domain, tenant and subject, in hex, with no trace of the subject", async () => {
    // Act
    const pseudonym = await new Pseudonyms(localMac(SECRET)).of("acme", "jane.doe@example.org");

    // Assess
    const expected = createHmac("sha256", SECRET)
      .update("sip-subject-pseudonym-v1\0acme\0jane.doe@example.org")
      .digest()
      .subarray(0, 16)
      .toString("hex");
    expect(pseudonym).toBe(expected);
    expect(pseudonym).toMatch(PSEUDONYM);
    expect(pseudonym).not.toMatch(/jane|doe|example/);
  });

  it("are stable for one tenant and subject, and differ between tenants and between keys", async () => {
    const a = new Pseudonyms(localMac(SECRET));
    const b = new Pseudonyms(localMac(Buffer.alloc(32, 8)));
    expect(await a.of("acme", "s")).toBe(await new Pseudonyms(localMac(SECRET)).of("acme", "s"));
    expect(await a.of("acme", "s")).not.toBe(await a.of("globex", "s"));
    expect(await a.of("acme", "s")).not.toBe(await b.of("acme", "s"));
  });

  it("ask the MAC once per subject, and again after a failure", async () => {
    // Prepare
    let calls = 0;
    let fail = true;
    const pseudonyms = new Pseudonyms(async (message) => {
      calls++;
      if (fail) throw new Error("KMS unavailable");
      return localMac(SECRET)(message);
    });

    // Act
    await expect(pseudonyms.of("acme", "s")).rejects.toThrow(/KMS unavailable/);
    fail = false;
    const first = await pseudonyms.of("acme", "s");
    const again = await pseudonyms.of("acme", "s");

    // Assess
    expect(again).toBe(first);
    expect(calls).toBe(2);
  });

  it("refuse a NUL in tenant or subject (it would make two inputs one message)", () => {
    expect(() => pseudonymMessage("a\0b", "c")).toThrow(/NUL/);
  });
});

describe("the pseudonym command line (data-subject requests)", () => {
  const run = async (argv: string[], stdin = "") => {
    const out: string[] = [];
    const err: string[] = [];
    const keys: string[] = [];
    const code = await main(argv, {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      readStdin: async () => stdin,
      mac: (keyId) => {
        keys.push(keyId);
        return localMac(SECRET);
      },
    });
    return { code, out: out.join(""), err: err.join(""), keys };
  };

  it("prints the subject's pseudonym and the prefix of its objects, as the upload function names them", async () => {
    // Act
    const result = await run(
      ["--key-id", "alias/example/subject-pseudonyms", "--tenant", "acme", "--subject", "-"],
      "jane.doe@example.org\n",
    );

    // Assess
    const pseudonym = await new Pseudonyms(localMac(SECRET)).of("acme", "jane.doe@example.org");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({ tenant: "acme", pseudonym, prefix: `acme/${pseudonym}/` });
    expect(result.keys).toEqual(["alias/example/subject-pseudonyms"]);
  });

  it("names every missing option and exits 64", async () => {
    const result = await run(["--tenant", "acme"]);
    expect(result.code).toBe(64);
    expect(result.err).toMatch(/--key-id, --subject required/);
  });
});
