export { type Grantable, KmsKey, type KmsKeyProps } from "./kms-key";
export { KEY_ADMIN_ACTIONS, KEY_ENCRYPT_DECRYPT_ACTIONS, KEY_MAC_ACTIONS } from "./perms";
