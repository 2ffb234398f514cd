/**
 * operator-env over outputs shaped as the synthesized example declares them: every field the command
 * reads is one the stack outputs, and the printed environment is what the operator commands take.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { synthDeployment, tempDir, validConfig } from "../../test/template";
import { main, OPERATOR_OUTPUT_FIELDS, operatorEnv } from "./operator-env";

const example = synthDeployment(validConfig()).json as { output: Record<string, { value: unknown }> };
const tmp = tempDir("sip-operator-env-");
afterAll(() => tmp.cleanup());

/** `terraform output -json` of an applied example: the declared outputs, each field given a value. */
function appliedOutputs(): Record<string, { value: unknown; type: string; sensitive: boolean }> {
  const out: Record<string, { value: unknown; type: string; sensitive: boolean }> = {};
  for (const [name, o] of Object.entries(example.output)) {
    const value =
      typeof o.value === "object" && o.value !== null
        ? Object.fromEntries(Object.keys(o.value).map((k) => [k, `${k}-of-${name}`]))
        : `${name}-value`;
    out[name] = { value, type: "string", sensitive: false };
  }
  return out;
}

function capture(argv: string[], stdin = "") {
  const io = { out: "", err: "" };
  const code = main(argv, { stdout: (t) => (io.out += t), stderr: (t) => (io.err += t), stdin: () => stdin });
  return { code, ...io };
}

describe("operator-env", () => {
  it("reads exactly the fields the stack outputs for each crossing class", () => {
    // Act
    const crossing = Object.entries(example.output).filter(([name]) => name.startsWith("crossing-"));
    // Assess
    expect(crossing.map(([name]) => name)).toEqual(["crossing-avatars-clean"]);
    expect(Object.keys(crossing[0]?.[1].value as object).sort()).toEqual([...OPERATOR_OUTPUT_FIELDS].sort());
  });

  it("prints a shell environment that sets the function names and the region", () => {
    // Prepare
    const file = join(tmp.dir, "outputs.json");
    writeFileSync(file, JSON.stringify(appliedOutputs()));
    // Act
    const r = capture(["--outputs", file]);
    const shell = spawnSync(
      "sh",
      ["-c", `${r.out}\nprintf '%s|%s|%s' "$AWS_REGION" "$SIP_FAILBACK_FUNCTION" "$SIP_SYNC_DLQ_URL"`],
      { encoding: "utf8" },
    );
    // Assess
    expect(r.code).toBe(0);
    expect(shell.stdout).toBe(
      "sovereign_region-of-crossing-avatars-clean|failback_function_name-of-crossing-avatars-clean|sync_dead_letter_queue_url-of-crossing-avatars-clean",
    );
    expect(r.out).toMatch(/npm run -s failback -- --invoke "\$SIP_FAILBACK_FUNCTION"/);
  });

  it("quotes values for the shell", () => {
    // Prepare
    const outputs = {
      "crossing-x": { value: Object.fromEntries(OPERATOR_OUTPUT_FIELDS.map((f) => [f, "it's $(not run)"])) },
    };
    // Act
    const text = operatorEnv(outputs, undefined);
    const shell = spawnSync("sh", ["-c", `${text}\nprintf '%s' "$SIP_ROLE_ARN"`], { encoding: "utf8" });
    // Assess
    expect(shell.stdout).toBe("it's $(not run)");
  });

  it("fails naming the fix when the class is unknown, ambiguous or incomplete", () => {
    // Prepare
    const field = Object.fromEntries(OPERATOR_OUTPUT_FIELDS.map((f) => [f, "v"]));
    const two = { "crossing-a": { value: field }, "crossing-b": { value: field } };
    const incomplete = { "crossing-a": { value: { ...field, role_arn: "" } } };
    // Assess
    expect(() => operatorEnv(two, undefined)).toThrow(
      /several crossing data classes \(a, b\)\. Fix: name one with --class/,
    );
    expect(() => operatorEnv(two, "c")).toThrow(/no crossing data class "c" in the outputs\. Fix: use one of a, b/);
    expect(() => operatorEnv(incomplete, "a")).toThrow(/lacks role_arn/);
    expect(() => operatorEnv({ "upload-url": { value: "x" } }, undefined)).toThrow(/no crossing-<class> output/);
    expect(capture(["--outputs", "-"], "[1]")).toMatchObject({
      code: 1,
      err: expect.stringMatching(/cannot read the outputs \(not a JSON object\)/),
    });
    expect(capture([])).toMatchObject({ code: 64, err: expect.stringMatching(/--outputs is required/) });
  });
});
