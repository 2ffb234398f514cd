/**
 * Recorded with every output (object metadata, CLI summary). Bump on any change to the output bytes.
 * A module of its own so that `scrub --help` does not load the core.
 */
export const SCRUBBER_VERSION = "image-scrub/1.2.0";
