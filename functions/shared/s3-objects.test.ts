import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { decodeEventKey, headOrUndefined, isNotFound, taggingHeader } from "./s3-objects";

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

/** A client whose every send answers with `answer` (a value, or an error to throw) and records the inputs. */
function client(answer: unknown): { readonly s3: S3Client; readonly inputs: Record<string, unknown>[] } {
  const inputs: Record<string, unknown>[] = [];
  const s3 = {
    send: async (command: { input: Record<string, unknown> }) => {
      inputs.push(command.input);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as S3Client;
  return { s3, inputs };
}

describe("isNotFound", () => {
  it.each([
    ["NotFound", 404],
    ["NoSuchKey", 404],
    ["NoSuchVersion", 404],
    ["NoSuchVersion", 0],
    ["UnknownError", 404],
  ])("takes %s (HTTP %s) as not found", (name, status) => {
    // Act / Assess
    expect(isNotFound(s3Error(name, status))).toBe(true);
  });

  it.each([
    ["AccessDenied", s3Error("AccessDenied", 403)],
    ["InvalidArgument", s3Error("InvalidArgument", 400)],
    ["a string", "NotFound"],
    ["null", null],
  ])("does not take %s as not found", (_, error) => {
    // Act / Assess
    expect(isNotFound(error)).toBe(false);
  });
});

describe("headOrUndefined", () => {
  it("answers the HEAD of the current version", async () => {
    // Prepare
    const { s3, inputs } = client({ VersionId: "v1" });

    // Act
    const head = await headOrUndefined(s3, "b", "k");

    // Assess
    expect(head).toEqual({ VersionId: "v1" });
    expect(inputs).toEqual([{ Bucket: "b", Key: "k", VersionId: undefined }]);
  });

  it("answers undefined when the named version is gone", async () => {
    // Prepare
    const { s3, inputs } = client(s3Error("NoSuchVersion", 404));

    // Act
    const head = await headOrUndefined(s3, "b", "k", "v0");

    // Assess
    expect(head).toBeUndefined();
    expect(inputs).toEqual([{ Bucket: "b", Key: "k", VersionId: "v0" }]);
  });

  it("passes any other error on", async () => {
    // Prepare
    const { s3 } = client(s3Error("AccessDenied", 403));

    // Act / Assess
    await expect(headOrUndefined(s3, "b", "k")).rejects.toThrow("AccessDenied");
  });
});

describe("taggingHeader", () => {
  it("percent-encodes a tag set, a space as %20", () => {
    // Act
    const header = taggingHeader([
      { Key: "data class", Value: "a&b" },
      { Key: "k", Value: "x+y=z" },
    ]);

    // Assess
    expect(header).toBe("data%20class=a%26b&k=x%2By%3Dz");
  });

  it("takes a record as well", () => {
    // Act / Assess
    expect(taggingHeader({ "data-class": "avatar" })).toBe("data-class=avatar");
  });

  it("answers undefined for no tags", () => {
    // Act / Assess
    expect(taggingHeader([])).toBeUndefined();
    expect(taggingHeader({})).toBeUndefined();
  });
});

describe("decodeEventKey", () => {
  it.each([
    ["aws:s3", "acme/user-1/my+photo%2B1+%C3%A9.jpg", "acme/user-1/my photo+1 é.jpg"],
    ["aws:s3", "a%2Fb", "a/b"],
    [undefined, "x+y", "x y"],
    ["ceph:s3", "acme/user-1/my photo+1.jpg", "acme/user-1/my photo+1.jpg"],
    ["ceph:s3", "a%20b", "a%20b"],
  ])("decodes a key from %s: %s", (source, raw, expected) => {
    // Act
    const key = decodeEventKey(raw, source);

    // Assess
    expect(key).toBe(expected);
  });

  it("throws on an invalid escape", () => {
    // Act / Assess
    expect(() => decodeEventKey("bad%E0%A4%A", "aws:s3")).toThrow(URIError);
  });
});
