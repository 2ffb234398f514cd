/**
 * SIP-OUT-2 on fixtures: an output whose value holds a secret, or a value the checker cannot
 * evaluate, is sensitive = true.
 */
import { describe, expect, it } from "vitest";
import { SecretOutputSensitive } from "../../rules/output/SecretOutputSensitive";
import { describeRules, evaluate, fixture } from "../harness";

const n = (i: number) => `output/SecretOutputSensitive/noncompliant-${i}.tf.json`;

describeRules([
  {
    rule: SecretOutputSensitive,
    compliant: ["output/compliant.tf.json"],
    noncompliant: [
      // the secret attributes of issue 15's probe, output in clear text; the access key ID and the ciphertext pass
      [
        n(1),
        [
          "output.access-key-secret",
          "output.db-password",
          "output.kms-plaintext",
          "output.password",
          "output.private-key-openssh",
          "output.private-key-pem",
          "output.secret-binary",
          "output.secret-string",
          "output.smtp-password",
        ],
      ],
      // behind nonsensitive(), functions, whole blocks, for, splats, indexes, data sources, nested
      // blocks, a computed sensitive; a variable and a local; the listener's port passes
      [
        n(2),
        [
          "output.data-source",
          "output.encoded",
          "output.for-expression",
          "output.index",
          "output.local",
          "output.nested-block",
          "output.object",
          "output.sensitive-from-variable",
          "output.splat",
          "output.unmarked",
          "output.variable",
          "output.whole-key",
        ],
      ],
    ],
  },
]);

describe("SIP-OUT-2 findings", () => {
  it("name the secret attribute, or the expression it could not evaluate", async () => {
    // Act
    const result = await evaluate(SecretOutputSensitive, fixture(n(2)));
    // Assess
    const details = new Map(result.kind === "NonCompliant" ? result.violations.map((v) => [v.address, v.detail]) : []);
    expect(details.get("output.whole-key")).toMatch(
      /^value refers to aws_iam_access_key\.k \(holds secret, ses_smtp_password_v4\), a secret, and the output is not sensitive = true/,
    );
    expect(details.get("output.nested-block")).toMatch(
      /refers to aws_lb_listener\.l\.default_action\.authenticate_oidc\.client_secret, a secret/,
    );
    expect(details.get("output.variable")).toMatch(/^value could not be evaluated: var\.db_password /);
    expect(details.get("output.sensitive-from-variable")).toMatch(
      /refers to aws_db_instance\.db\.password, a secret.*; sensitive "\$\{var\.hide\}" could not be evaluated/,
    );
  });
});
