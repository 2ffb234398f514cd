#!/usr/bin/env bash
# Start or stop a throwaway Ceph RADOS Gateway by hand (see cli.ts). Bundles cli.ts with esbuild into a
# temporary file and runs it with node; run from anywhere inside the project.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bundle="$(mktemp --suffix=.mjs)"
trap 'rm -f "$bundle"' EXIT
esbuild="$root/node_modules/.bin/esbuild"
[ -x "$esbuild" ] || esbuild="$root/node_modules/esbuild/bin/esbuild"
"$esbuild" "$here/cli.ts" --bundle --platform=node --format=esm --log-level=warning \
  --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
  --outfile="$bundle"
NODE_NO_WARNINGS=1 node "$bundle" "$@"
