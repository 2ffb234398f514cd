export { KmsKey, type KmsKeyProps } from "./kms-key";
