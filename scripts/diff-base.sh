#!/usr/bin/env bash
# `make diff BASE=<git ref>`: the change review of the current cdktf.out against BASE.
#
#   scripts/diff-base.sh <git ref> [<config file>] [diff options, e.g. --format json --out FILE]
#
# Checks BASE out in a temporary `git worktree`, builds and synthesizes it with its own
# dist/main.cjs and the same configuration file (its own config/example.json when none is given),
# then runs this checkout's `node dist/policies.cjs diff <base cdktf.out> cdktf.out`. The base
# uses this checkout's node_modules (a symlink) when its package-lock.json is identical, else it
# gets its own `npm ci`. The worktree is removed in all cases; the exit code is the diff's
# (0 nothing dangerous, 3 dangerous, 2 unreadable input), or 2 when the base cannot be prepared.
# Progress goes to stderr, the report to stdout (or --out). SIP_DIFF_HEAD (default cdktf.out) and
# SIP_DIFF_CLI (default dist/policies.cjs) name the head output and the checker.
set -euo pipefail

ref="${1:-}"
config="${2:-}"
shift $(($# < 2 ? $# : 2))
if [[ -z "$ref" ]]; then
  echo "error: BASE is missing: make diff BASE=<git ref> (for example BASE=origin/main)" >&2
  exit 64
fi

root="$(git rev-parse --show-toplevel)"
cd "$root"
if ! git rev-parse --verify --quiet "${ref}^{commit}" >/dev/null; then
  echo "error: BASE=$ref is not a commit of this repository (fetch it first, e.g. git fetch origin main)" >&2
  exit 2
fi
# The head output and the checker: this checkout's (tests point them elsewhere).
head="${SIP_DIFF_HEAD:-cdktf.out}"
cli="${SIP_DIFF_CLI:-dist/policies.cjs}"
if [[ ! -d "$head/stacks" ]]; then
  echo "error: $head/stacks is missing: run make synth first" >&2
  exit 2
fi
if [[ ! -f "$cli" ]]; then
  echo "error: $cli is missing: run make build first" >&2
  exit 2
fi
config_args=()
if [[ -n "$config" ]]; then
  if [[ ! -f "$config" ]]; then
    echo "error: CONFIG=$config: no such file" >&2
    exit 2
  fi
  config_args=(--config "$(cd "$(dirname "$config")" && pwd -P)/$(basename "$config")")
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/sip-diff-base.XXXXXX")"
worktree="$tmp/base"
cleanup() {
  git -C "$root" worktree remove --force "$worktree" >/dev/null 2>&1 || true
  rm -rf "$tmp"
  git -C "$root" worktree prune >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "diff: checking out $ref in a temporary worktree" >&2
git worktree add --detach --quiet "$worktree" "$ref"

if cmp -s package-lock.json "$worktree/package-lock.json" && [[ -d node_modules ]]; then
  ln -s "$(cd node_modules && pwd -P)" "$worktree/node_modules"
else
  echo "diff: the base's package-lock.json differs: npm ci in the worktree" >&2
  (cd "$worktree" && npm ci --no-audit --no-fund) >&2 || { echo "error: npm ci failed for the base ($ref)" >&2; exit 2; }
fi

echo "diff: building and synthesizing the base" >&2
if ! (cd "$worktree" && node scripts/build.mjs && node dist/main.cjs --outdir "$worktree/cdktf.out" ${config_args[@]+"${config_args[@]}"}) >&2; then
  echo "error: the base ($ref) did not build or synthesize${config:+ with CONFIG=$config}; see above" >&2
  exit 2
fi

set +e
node "$cli" diff "$worktree/cdktf.out" "$head" "$@"
code=$?
set -e
exit "$code"
