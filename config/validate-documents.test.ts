import { describe, expect, it } from "vitest";
import { expectOneProblem } from "../test/support/config/problems";
import { exampleInput } from "../test/template";
import { parseDeployment } from "./load";

type Input = ReturnType<typeof exampleInput> & { documents?: Record<string, unknown> };

const edited = (edit: (input: Input) => void): Input => {
  const input = exampleInput() as Input;
  edit(input);
  return input;
};

describe("the documents block", () => {
  it("takes the example's documents with their limits, and defaults them", () => {
    const result = parseDeployment(exampleInput());
    expect(result.ok && result.config.documents).toEqual({
      dataClass: "documents-original",
      cleanDataClass: "documents-clean",
      maxSizeBytes: 52428800,
      maxPages: 500,
      webhooks: { "acme-health": "https://hooks.acme-health.example.org/sip/documents" },
    });
    const defaults = parseDeployment(
      edited((i) => {
        i.documents = { dataClass: "documents-original", cleanDataClass: "documents-clean" };
      }),
    );
    expect(defaults.ok && defaults.config.documents).toMatchObject({
      maxSizeBytes: 64 * 1024 ** 2,
      maxPages: 1000,
      webhooks: {},
    });
  });

  it("fails when a documents class is not declared", () => {
    const input = edited((i) => {
      if (i.documents) i.documents.cleanDataClass = "contracts";
    });
    expectOneProblem(input, "documents.cleanDataClass", /"contracts" is not declared/);
  });

  it("fails when documents share a class with the image upload pipeline", () => {
    const input = edited((i) => {
      if (i.documents) i.documents.dataClass = "avatars-original";
    });
    expectOneProblem(input, "documents.dataClass", /also a class of the upload pipeline/);
  });

  it("fails when the clean class is the class documents are uploaded into", () => {
    const input = edited((i) => {
      if (i.documents) i.documents.cleanDataClass = "documents-original";
    });
    expectOneProblem(input, "documents.cleanDataClass", /unsanitized documents would land among sanitized ones/);
  });

  it("fails when the originals' class crosses partitions", () => {
    const input = edited((i) => {
      i.dataClasses["documents-original"] = { retentionDays: 30, allowCrossPartition: true };
    });
    expectOneProblem(input, "documents.dataClass", /unsanitized documents .* would be replicated/);
  });

  it("fails when a tenant that lists its classes lacks the documents' classes", () => {
    const input = edited((i) => {
      if (i.tenants[2]) i.tenants[2].dataClasses = ["avatars-original", "avatars-clean", "documents-original"];
    });
    expectOneProblem(input, "tenants[2].dataClasses", /documents API as its own role.*lack documents-clean/);
  });

  it("fails when no browser origin may upload documents", () => {
    const input = edited((i) => {
      i.upload.dataClasses = [];
      delete i.upload.cleanDataClass;
      i.upload.allowedOrigins = [];
      delete i.dns; // the image upload API's domain
      delete i.crossPartition?.standby; // the image read API's standby
    });
    expectOneProblem(input, "upload.allowedOrigins", /documents are uploaded from browsers/);
  });

  it.each([
    [{ maxSizeBytes: 300 * 1024 ** 2 }, "documents.maxSizeBytes", /at most 256 MiB/],
    [{ maxPages: 0 }, "documents.maxPages", /at least 1/],
    [{ maxPages: 20000 }, "documents.maxPages", /at most 10000/],
  ])("fails on limits out of range: %o", (limits, path, message) => {
    const input = edited((i) => {
      Object.assign(i.documents ?? {}, limits);
    });
    expectOneProblem(input, path, message);
  });

  it("deploys documents without an image upload pipeline", () => {
    const input = edited((i) => {
      i.upload.dataClasses = [];
      delete i.upload.cleanDataClass;
      delete i.dns; // the image upload API's domain
      delete i.crossPartition?.standby; // the image read API's standby
    });
    expect(parseDeployment(input).ok).toBe(true);
  });

  it.each([
    ["http://hooks.example.org/x", /must be https:/],
    ["https://user:pw@hooks.example.org/x", /must not carry credentials/],
    ["https://hooks.example.org:8443/x", /port 443/],
    ["https://192.0.2.10/x", /not an IP address/],
    ["not a url", /is not a URL/],
  ])("fails on a webhook endpoint the egress firewall cannot pass: %s", (url, message) => {
    const input = edited((i) => {
      if (i.documents) i.documents.webhooks = { "acme-health": url };
    });
    expectOneProblem(input, "documents.webhooks.acme-health", message);
  });

  it("fails on a webhook for a tenant the configuration does not have", () => {
    const input = edited((i) => {
      if (i.documents) i.documents.webhooks = { "acme-health-2": "https://hooks.example.org/x" };
    });
    expectOneProblem(input, "documents.webhooks.acme-health-2", /not a tenant of this configuration/);
  });
});
