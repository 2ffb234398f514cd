#!/usr/bin/env node
// The scrub bench's floor: a node process that copies the listed files (paths on stdin, one per
// line) into the folder argv[2] as the scrubber's batch mode writes them (read whole, write to a
// temporary file, rename into place), without parsing a byte. No scrubber run from node can be
// faster than this on the same files; the bench reports the other tools against it.
const { readFileSync, renameSync, writeFileSync } = require("node:fs");
const { basename, join } = require("node:path");

const out = process.argv[2];
for (const file of readFileSync(0, "utf8").split("\n")) {
  if (file === "") continue;
  const target = join(out, basename(file));
  writeFileSync(`${target}.tmp`, readFileSync(file));
  renameSync(`${target}.tmp`, target);
}
