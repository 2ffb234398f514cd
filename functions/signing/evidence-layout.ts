/**
 * Where evidence lives in the evidence bucket, by writer: the signing function (issue 19) under
 * `signatures/`, the data-subject request certificates (issue 18) under `requests/`. The stack
 * (stacks/upload-pipeline.ts) lets each writer's role write under its own prefix and nowhere else. No
 * imports, so that the synth can use it without bundling the functions.
 */
export const SIGNATURES_PREFIX = "signatures/";
/** Certificates of completed data-subject requests: `requests/<tenant>/<pseudonym>/<requestId>.json`. */
export const REQUESTS_PREFIX = "requests/";
