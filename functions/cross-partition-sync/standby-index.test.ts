import { describe, expect, it } from "vitest";
import { SyncError } from "./replication";
import { isSyncRecordKey, replicaKeyOf, splitSubjectKey } from "./standby-index";

const STANDBY = "0123456789abcdef0123456789abcdef";

describe("replica names of the standby pseudonyms", () => {
  it("names the replica <tenant>/<standby pseudonym>/<id> and records which subject it stands for", () => {
    // Act
    const named = replicaKeyOf("acme/4f1c2b/3e1d-uuid", { "standby-pseudonym": STANDBY });
    // Assess
    expect(named).toEqual({
      key: `acme/${STANDBY}/3e1d-uuid`,
      pair: { tenant: "acme", sovereign: "4f1c2b", standby: STANDBY },
    });
  });

  it("fails when the object has no valid standby pseudonym, naming the metadata and the fix", () => {
    const cases: (Record<string, string> | undefined)[] = [undefined, {}, { "standby-pseudonym": "ABC" }];
    for (const metadata of cases) {
      expect(() => replicaKeyOf("acme/4f1c2b/x", metadata)).toThrow(SyncError);
      expect(() => replicaKeyOf("acme/4f1c2b/x", metadata)).toThrow(
        /no valid standby-pseudonym metadata.*never named by the sovereign pseudonym.*Fix:/,
      );
    }
  });

  it("fails for a key that is not <tenant>/<pseudonym>/<id>", () => {
    expect(() => replicaKeyOf("loose-object.png", { "standby-pseudonym": STANDBY })).toThrow(
      /is not <tenant>\/<pseudonym>\/<id>/,
    );
    expect(splitSubjectKey("a/b")).toBeUndefined();
    expect(splitSubjectKey("a/b/c/d")).toEqual({ tenant: "a", pseudonym: "b", rest: "c/d" });
  });

  it("knows the index's own records", () => {
    expect(isSyncRecordKey("sip-sync-records/by-standby/acme/x")).toBe(true);
    expect(isSyncRecordKey("acme/sip-sync-records/x")).toBe(false);
  });
});
