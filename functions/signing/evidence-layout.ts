/**
 * Where the signing function keeps evidence in the evidence bucket: the function writes there, and
 * the stack (stacks/upload-pipeline.ts) lets its role write there and nowhere else. No imports, so
 * that the synth can use it without bundling the function.
 */
export const SIGNATURES_PREFIX = "signatures/";
