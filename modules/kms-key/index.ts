export { type Grantable, KmsKey, type KmsKeyProps } from "./kms-key";
export { KEY_ADMIN_ACTIONS, KEY_ENCRYPT_DECRYPT_ACTIONS, KEY_MAC_ACTIONS, KEY_SIGN_VERIFY_ACTIONS } from "./perms";
