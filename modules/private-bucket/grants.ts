import type { Statement } from "../../policies/documents/policy-document";

/** How a PrivateBucket grant names what it adds to the grantee's policy. */
export interface BucketGrantOptions {
  /** Sid of the statement on the bucket or its objects. */
  readonly sid: string;
  /**
   * Sid of the key grant (`KmsKey.grantEncryptDecrypt` on the bucket's key), added right after the
   * statement. A grantee with several grants on the bucket needs the key once.
   * @default - no key grant here: give it with `grantKeyUse` where the grantee's policy lists it;
   * synth fails if a grantee that reads or writes objects never gets it
   */
  readonly keySid?: string;
}

/** The replica grant's three statements: listing, objects, key. */
export interface ReplicaGrantOptions {
  /** Sid of the statement on the objects. */
  readonly sid: string;
  /** Sid of the listing statement. */
  readonly listSid: string;
  /** Sid of the key grant. */
  readonly keySid: string;
}

/** What a grant added to the grantee's policy. */
export interface BucketGrant {
  /** The statements on buckets and objects, in the order they were added. */
  readonly statements: readonly Statement[];
  /** The statement on the buckets' key(s), when this grant added one. */
  readonly keyStatement?: Statement;
}

/** One action as a string, several as a list (the form IAM policies of this project have). */
export function actionOrActions(actions: readonly string[]): string | readonly string[] {
  return actions.length === 1 ? (actions[0] as string) : [...actions];
}
