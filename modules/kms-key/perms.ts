/**
 * KMS actions a key administrator needs, each named (no wildcards): no cryptographic use, and no
 * `kms:CreateGrant` (a grant gives use of the key to anyone it names). `kms:PutKeyPolicy` stays:
 * Terraform needs it to change the policy, so an administrator could grant itself use, but only by
 * a policy change that shows in the plan and in CloudTrail.
 */
export const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:DeleteImportedKeyMaterial",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:GetParametersForImport",
  "kms:ImportKeyMaterial",
  "kms:ListAliases",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:ListKeyRotations",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:RevokeGrant",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
] as const;

/** Cryptographic use of a key: what a workload that reads and writes encrypted data needs. */
export const KEY_ENCRYPT_DECRYPT_ACTIONS = [
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:Encrypt",
  "kms:GenerateDataKey*",
  "kms:ReEncrypt*",
] as const;

/**
 * Use of an asymmetric signing key (issues 18 and 19: evidence certificates, signed receipts):
 * signing and checking signatures, and reading the public key that verifiers use offline.
 */
export const KEY_SIGN_VERIFY_ACTIONS = ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign", "kms:Verify"] as const;

/** Reading an asymmetric key's public key (the deploy role: Terraform's data aws_kms_public_key). */
export const KEY_PUBLIC_KEY_ACTIONS = ["kms:DescribeKey", "kms:GetPublicKey"] as const;

/** Use of an HMAC key: computing and checking MACs (the key encrypts nothing). */
export const KEY_MAC_ACTIONS = ["kms:DescribeKey", "kms:GenerateMac", "kms:VerifyMac"] as const;

/**
 * What an AWS service needs to write to a resource this key encrypts on the account's behalf, such
 * as CloudWatch alarms publishing to an encrypted SNS topic: a data key for the message and its
 * decryption (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html, "Enable compatibility
 * between event sources from AWS services and encrypted topics").
 */
export const KEY_SERVICE_PUBLISH_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"] as const;
