import { Construct, Lazy } from "../../framework/cdktf";
import { KmsAlias, KmsExternalKey, KmsKeyResource } from "../../framework/aws";
import { arn } from "../../config/partitions";
import { accountRoot, policyDocument, renderPolicy, type Statement } from "../../policies/documents/policy-document";
import { ValidationError } from "../errors";
import type { Placement } from "../placement";
import {
  KEY_ADMIN_ACTIONS,
  KEY_ENCRYPT_DECRYPT_ACTIONS,
  KEY_MAC_ACTIONS,
  KEY_PUBLIC_KEY_ACTIONS,
  KEY_SERVICE_PUBLISH_ACTIONS,
  KEY_SIGN_VERIFY_ACTIONS,
} from "./perms";

/** Something that holds an identity policy, such as a function's execution role. */
export interface Grantable {
  addToPrincipalPolicy(statement: Statement): void;
}

export interface KmsKeyProps {
  /** Where the key lives; every resource is pinned to `placement.provider`. */
  readonly placement: Placement;
  /** Alias name without the `alias/` prefix, e.g. `example/data/identity`. */
  readonly aliasName: string;
  /** What the key protects; shown in the console and in review. */
  readonly description: string;
  /**
   * Name of the IAM role in the key's account that administers the key. Only this role may change,
   * disable or delete the key; it cannot use it.
   * @default - placement.administratorRoleName (the role Terraform deploys with)
   */
  readonly administratorRoleName?: string;
  /**
   * Waiting period before a scheduled deletion takes effect (7-30 days).
   * @default 30
   */
  readonly deletionWindowDays?: number;
  /**
   * Bring your own key: the key is created without material (`PendingImport`) and the material is
   * imported outside Terraform (`aws kms get-parameters-for-import` / `import-key-material`), so it
   * never enters the synthesized JSON or the state. KMS cannot rotate imported material
   * automatically: rotate by importing new material into a new key on your own schedule. Works
   * with `SYMMETRIC_DEFAULT` and `HMAC_256` (for example the standby pseudonym key, the same 256 bits
   * imported into a key of each partition: docs/cross-partition.md §7).
   * @default false
   */
  readonly importedKeyMaterial?: boolean;
  /**
   * `HMAC_256`: a key that computes and verifies HMAC-SHA-256 (`kms:GenerateMac`, `kms:VerifyMac`),
   * for example the subjects' pseudonyms; it encrypts nothing. KMS offers no automatic rotation for
   * HMAC keys (rotating would change every MAC), so `enable_key_rotation` stays off for them.
   * `ECC_NIST_P256`: an asymmetric signing key (`SIGN_VERIFY`, ECDSA with SHA-256: `kms:Sign`,
   * `kms:Verify`, `kms:GetPublicKey`), for evidence that anyone can check offline with its public key
   * (functions/evidence/). Asymmetric keys are not rotated automatically either: a new key signs
   * from then on, and the old one stays for verifying what it signed.
   * `RSA_3072`: an asymmetric encryption key (`ENCRYPT_DECRYPT`): anyone with its public key (read by
   * the deploy role through `kms:GetPublicKey`) seals data to it offline, and only the principals a
   * `grantOaepDecrypt` names in the key policy open it. Nobody else in the account uses it: no
   * account-wide use statement. KMS cannot rotate asymmetric keys: `enable_key_rotation` stays off.
   * @default "SYMMETRIC_DEFAULT" - an encryption key with automatic rotation
   */
  readonly keySpec?: KeySpec;
  /** Tags in addition to the provider's default tags (e.g. DataClass, Tenant). @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The kinds of key the module makes (KmsKeyProps.keySpec). */
export type KeySpec = "SYMMETRIC_DEFAULT" | "HMAC_256" | "ECC_NIST_P256" | "RSA_3072";

/** Per key spec: KMS's key usage and what the account's principals may do with the key. */
const USE: Readonly<Record<KeySpec, { readonly usage: string; readonly actions: readonly string[] }>> = {
  SYMMETRIC_DEFAULT: { usage: "ENCRYPT_DECRYPT", actions: KEY_ENCRYPT_DECRYPT_ACTIONS },
  HMAC_256: { usage: "GENERATE_VERIFY_MAC", actions: KEY_MAC_ACTIONS },
  ECC_NIST_P256: { usage: "SIGN_VERIFY", actions: KEY_SIGN_VERIFY_ACTIONS },
  // No use through IAM of the account: the deploy role reads the public key, named decrypters open (below).
  RSA_3072: { usage: "ENCRYPT_DECRYPT", actions: [] },
};

/** The one RSA encryption algorithm the platform seals with (OAEP with SHA-256). */
export const RSA_SEALING_ALGORITHM = "RSAES_OAEP_SHA_256";

const ALIAS = /^[a-zA-Z0-9/_-]{1,250}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * A customer-managed symmetric KMS key: rotation on, bounded deletion window, alias. Its key policy
 * grants administration to one named role and cryptographic use only to principals of the key's own
 * account (through IAM, `kms:CallerAccount`), in the key's partition; no `*` principal. Modules add
 * service statements with `addToResourcePolicy`; workloads get use with `grantEncryptDecrypt`.
 */
export class KmsKey extends Construct {
  /** The key: `aws_kms_key`, or `aws_kms_external_key` with importedKeyMaterial. */
  readonly key: KmsKeyResource | KmsExternalKey;
  readonly alias: KmsAlias;
  /** ARN of the key (a token until apply). */
  readonly keyArn: string;
  /** `alias/<aliasName>`. */
  readonly aliasName: string;
  /** ARN of the alias (`arn:<partition>:kms:<region>:<account>:alias/<aliasName>`), known before apply. */
  readonly aliasArn: string;
  readonly placement: Placement;
  readonly keySpec: KeySpec;
  private readonly statements: Statement[];

  constructor(scope: Construct, id: string, props: KmsKeyProps) {
    super(scope, id);
    const deletionWindowDays = props.deletionWindowDays ?? 30;
    if (!Number.isInteger(deletionWindowDays) || deletionWindowDays < 7 || deletionWindowDays > 30) {
      throw new ValidationError(
        "KmsKey.deletionWindowDays",
        `deletionWindowDays must be a whole number of days from 7 to 30 (value: ${deletionWindowDays})`,
        this,
      );
    }
    if (!ALIAS.test(props.aliasName) || props.aliasName.startsWith("aws/")) {
      throw new ValidationError(
        "KmsKey.aliasName",
        `aliasName must be 1-250 characters of letters, digits, "/", "_" and "-", not starting with "aws/" (value: "${props.aliasName}")`,
        this,
      );
    }
    const { placement } = props;
    const administratorRoleName = props.administratorRoleName ?? placement.administratorRoleName;
    if (!ROLE_NAME.test(administratorRoleName)) {
      throw new ValidationError(
        "KmsKey.administratorRoleName",
        `administratorRoleName must be an IAM role name (1-64 characters of letters, digits and +=,.@_-; value: "${administratorRoleName}")`,
        this,
      );
    }
    this.placement = placement;
    const keySpec = props.keySpec ?? "SYMMETRIC_DEFAULT";
    if ((keySpec === "ECC_NIST_P256" || keySpec === "RSA_3072") && props.importedKeyMaterial === true) {
      throw new ValidationError(
        "KmsKey.keySpec",
        `keySpec ${keySpec} and importedKeyMaterial cannot be combined here (imported material is for SYMMETRIC_DEFAULT and HMAC_256 keys): import an asymmetric key outside this module`,
        this,
      );
    }
    this.keySpec = keySpec;
    const administrator = arn(placement.partition, {
      service: "iam",
      account: placement.accountId,
      resource: `role/${administratorRoleName}`,
    });
    this.statements = [
      {
        Sid: "KeyAdministration",
        Effect: "Allow",
        Principal: { AWS: administrator },
        Action: KEY_ADMIN_ACTIONS,
        Resource: "*",
      },
      keySpec === "RSA_3072"
        ? {
            // Terraform reads the public key (data aws_kms_public_key) with the deploy role.
            Sid: "ReadPublicKey",
            Effect: "Allow",
            Principal: { AWS: administrator },
            Action: KEY_PUBLIC_KEY_ACTIONS,
            Resource: "*",
          }
        : {
            Sid: "UseThroughIamOfThisAccount",
            Effect: "Allow",
            Principal: { AWS: accountRoot(placement.partition, placement.accountId) },
            Action: USE[keySpec].actions,
            Resource: "*",
            Condition: { StringEquals: { "kms:CallerAccount": placement.accountId } },
          },
    ];
    this.key = this.createKey(props, keySpec, deletionWindowDays);
    this.aliasName = `alias/${props.aliasName}`;
    this.aliasArn = arn(placement.partition, {
      service: "kms",
      region: placement.region,
      account: placement.accountId,
      resource: this.aliasName,
    });
    this.alias = new KmsAlias(this, "alias", {
      provider: placement.provider,
      name: this.aliasName,
      targetKeyId: this.key instanceof KmsKeyResource ? this.key.keyId : this.key.id,
    });
    this.keyArn = this.key.arn;
  }

  /** The key resource: `aws_kms_external_key` with importedKeyMaterial, else `aws_kms_key` of the spec. */
  private createKey(props: KmsKeyProps, keySpec: KeySpec, deletionWindowDays: number): KmsKeyResource | KmsExternalKey {
    const common = {
      provider: props.placement.provider,
      description: props.description,
      deletionWindowInDays: deletionWindowDays,
      policy: Lazy.stringValue({ produce: () => renderPolicy(policyDocument(this.statements)) }),
      tags:
        props.tags || props.importedKeyMaterial
          ? { ...props.tags, ...(props.importedKeyMaterial ? { KeyMaterial: "imported" } : {}) }
          : undefined,
    };
    if (props.importedKeyMaterial === true)
      return new KmsExternalKey(this, "key", {
        ...common,
        // aws_kms_external_key has key_spec and key_usage from provider 6.11 on; the offline check
        // removes them from its copy for the older mirror only (scripts/provider-compat.mjs).
        ...(keySpec === "SYMMETRIC_DEFAULT" ? {} : { keySpec, keyUsage: USE[keySpec].usage }),
      });
    if (keySpec === "SYMMETRIC_DEFAULT") return new KmsKeyResource(this, "key", { ...common, enableKeyRotation: true });
    return new KmsKeyResource(this, "key", {
      ...common,
      customerMasterKeySpec: keySpec,
      keyUsage: USE[keySpec].usage,
      enableKeyRotation: false,
    });
  }

  /** Adds a statement to the key policy (for example a service principal with conditions). */
  addToResourcePolicy(statement: Statement): void {
    if (statement.Principal === "*" && statement.Effect === "Allow" && statement.Condition === undefined) {
      throw new ValidationError(
        "KmsKey.addToResourcePolicy",
        `statement ${statement.Sid} allows the "*" principal without conditions`,
        this,
      );
    }
    this.statements.push(statement);
  }

  /**
   * Lets an AWS service principal (e.g. `cloudwatch.amazonaws.com`) write to a resource this key
   * encrypts, on behalf of this key's account only (`aws:SourceAccount`) and, if `sourceArn` is
   * given, only for those resources of the service (`aws:SourceArn`, `*` allowed): `kms:Decrypt`
   * and `kms:GenerateDataKey*` (KEY_SERVICE_PUBLISH_ACTIONS), as an encrypted SNS topic requires of
   * the services that publish to it. Returns the key policy statement it added.
   */
  grantServicePublish(
    servicePrincipal: string,
    options: { readonly sid: string; readonly sourceArn?: string },
  ): Statement {
    if (this.keySpec !== "SYMMETRIC_DEFAULT")
      throw new ValidationError(
        "KmsKey.grantServicePublish",
        `${this.aliasName} encrypts nothing (keySpec ${this.keySpec})`,
        this,
      );
    if (!/^[a-z0-9.-]+\.amazonaws\.com$/.test(servicePrincipal))
      throw new ValidationError(
        "KmsKey.grantServicePublish",
        `servicePrincipal must be an AWS service principal such as cloudwatch.amazonaws.com (value: "${servicePrincipal}")`,
        this,
      );
    const statement: Statement = {
      Sid: options.sid,
      Effect: "Allow",
      Principal: { Service: servicePrincipal },
      Action: KEY_SERVICE_PUBLISH_ACTIONS,
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": this.placement.accountId },
        ...(options.sourceArn === undefined ? {} : { ArnLike: { "aws:SourceArn": options.sourceArn } }),
      },
    };
    this.addToResourcePolicy(statement);
    return statement;
  }

  /** Lets `grantee` compute MACs with this HMAC key (nothing else); returns the identity statement it added. */
  grantGenerateMac(grantee: Grantable, sid = "GenerateMac"): Statement {
    if (this.keySpec !== "HMAC_256")
      throw new ValidationError(
        "KmsKey.grantGenerateMac",
        `${this.aliasName} is not an HMAC key (keySpec ${this.keySpec})`,
        this,
      );
    const statement: Statement = { Sid: sid, Effect: "Allow", Action: "kms:GenerateMac", Resource: this.keyArn };
    grantee.addToPrincipalPolicy(statement);
    return statement;
  }

  /**
   * Lets `grantee` decrypt with this key and nothing else (a reader: S3 decrypts an SSE-KMS object for
   * the GET's signer); returns the identity statement it added.
   */
  grantDecrypt(grantee: Grantable, sid = "DecryptWithKey"): Statement {
    if (this.keySpec !== "SYMMETRIC_DEFAULT")
      throw new ValidationError(
        "KmsKey.grantDecrypt",
        `${this.aliasName} encrypts nothing (keySpec ${this.keySpec})`,
        this,
      );
    const statement: Statement = { Sid: sid, Effect: "Allow", Action: "kms:Decrypt", Resource: this.keyArn };
    grantee.addToPrincipalPolicy(statement);
    return statement;
  }

  /**
   * Lets `grantee` sign with this asymmetric key (`kms:Sign`; `kms:GetPublicKey` to put the public
   * key beside what it signs), nothing else; returns the identity statement it added.
   */
  grantSign(grantee: Grantable, sid = "SignWithKey"): Statement {
    if (this.keySpec !== "ECC_NIST_P256")
      throw new ValidationError(
        "KmsKey.grantSign",
        `${this.aliasName} is not a signing key (keySpec ${this.keySpec})`,
        this,
      );
    const statement: Statement = {
      Sid: sid,
      Effect: "Allow",
      Action: ["kms:GetPublicKey", "kms:Sign"],
      Resource: this.keyArn,
    };
    grantee.addToPrincipalPolicy(statement);
    return statement;
  }

  /**
   * Lets one role open what was sealed to this RSA key (`kms:Decrypt` with RSAES_OAEP_SHA_256 only):
   * a key policy statement naming the role (the key policy has no account-wide use, so nobody else
   * decrypts) and the role's identity statement. Returns the identity statement.
   */
  grantOaepDecrypt(grantee: Grantable, roleArn: string, sid = "OpenSealedData"): Statement {
    if (this.keySpec !== "RSA_3072")
      throw new ValidationError(
        "KmsKey.grantOaepDecrypt",
        `${this.aliasName} is not an RSA encryption key (keySpec ${this.keySpec})`,
        this,
      );
    const condition = { StringEquals: { "kms:EncryptionAlgorithm": RSA_SEALING_ALGORITHM } };
    this.addToResourcePolicy({
      Sid: sid,
      Effect: "Allow",
      Principal: { AWS: roleArn },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: condition,
    });
    const statement: Statement = {
      Sid: sid,
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: this.keyArn,
      Condition: condition,
    };
    grantee.addToPrincipalPolicy(statement);
    return statement;
  }

  /** Lets `grantee` encrypt and decrypt with this key; returns the identity statement it added. */
  grantEncryptDecrypt(grantee: Grantable, sid = "UseKey"): Statement {
    if (this.keySpec !== "SYMMETRIC_DEFAULT")
      throw new ValidationError(
        "KmsKey.grantEncryptDecrypt",
        `${this.aliasName} encrypts nothing (keySpec ${this.keySpec})`,
        this,
      );
    const statement: Statement = {
      Sid: sid,
      Effect: "Allow",
      Action: KEY_ENCRYPT_DECRYPT_ACTIONS,
      Resource: this.keyArn,
    };
    grantee.addToPrincipalPolicy(statement);
    return statement;
  }
}
