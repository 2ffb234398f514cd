// Types of provider-compat.mjs (a plain ES module script), for its tests.
export interface NewerArguments {
  readonly resourceType: string;
  readonly arguments: readonly string[];
  readonly since: string;
  readonly why: string;
}

export interface RemovedArgument {
  readonly address: string;
  readonly argument: string;
  readonly since: string;
  readonly why: string;
}

export const NEWER_ARGUMENTS: readonly NewerArguments[];
export function compareVersions(a: string, b: string): number;
export function withoutNewerArguments<T>(
  stackJson: T,
  awsVersion: string,
  table?: readonly NewerArguments[],
): { json: T; removed: RemovedArgument[] };
export function removalNotice(stackName: string, awsVersion: string, removed: readonly RemovedArgument[]): string;
