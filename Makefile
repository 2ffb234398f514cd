# Sovereign Identity Platform. The README's two commands: `make synth` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
BIN := node_modules/.bin
CONFIG ?=
SYNTH_ARGS := $(if $(CONFIG),--config $(CONFIG),)
# Without CONFIG, check uses the configuration that cdktf.out was synthesized from (its manifest.json).
CHECK_ARGS := $(if $(CONFIG),--config $(CONFIG),)

.PHONY: help install build synth plan bootstrap cli-synth validate check review diff test typecheck lint unit proof shared-tests corpus fuzz drill bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

# npm ci only when the lock file changed since the last install.
node_modules/.install-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.install-stamp ## install dependencies from the lock file (npm ci)

dist/main.cjs: node_modules/.install-stamp $(shell find main.ts config stacks modules policies framework functions tools -name '*.ts' -not -name '*.test.ts' 2>/dev/null) scripts/build.mjs scripts/staleness.mjs
	node scripts/build.mjs
	@touch $@  # build.mjs rebuilds only stale outputs; a change main.ts does not import leaves main.cjs as it was

build: dist/main.cjs ## bundle main.ts into dist/main.cjs and the credential helper into dist/credentials.cjs

synth: dist/main.cjs ## synthesize the example (or CONFIG=file), terraform validate (provider from a mirror, else the registry), guardrails, review files
	node dist/main.cjs $(SYNTH_ARGS)
	node scripts/tf-check.mjs --no-plan
	node dist/policies.cjs check cdktf.out $(CHECK_ARGS) --sarif cdktf.out/guardrails.sarif
	node dist/policies.cjs review cdktf.out

# The stack that holds the platform's Terraform state (docs/deploy.md §3); its own state is local.
bootstrap: dist/main.cjs ## synthesize the state bucket stack (CONFIG=file) into cdktf.out-bootstrap, terraform validate + plan offline, guardrails
	node dist/main.cjs --bootstrap $(SYNTH_ARGS)
	node scripts/tf-check.mjs --outdir cdktf.out-bootstrap
	node dist/policies.cjs check cdktf.out-bootstrap $(CHECK_ARGS)

check: dist/main.cjs ## guardrails over cdktf.out (residency and security rules); text report, exit 1 on errors
	node dist/policies.cjs check cdktf.out $(CHECK_ARGS)

review: dist/main.cjs ## review files in cdktf.out/review: one JSON per policy, residency inventory, plan summary
	node dist/policies.cjs review cdktf.out

# The current synth: redone when the bundle or the configuration file is newer than the last one.
cdktf.out/manifest.json: dist/main.cjs $(or $(CONFIG),config/example.json)
	node dist/main.cjs $(SYNTH_ARGS) --quiet

BASE ?=
DIFF_FORMAT ?= markdown
DIFF_OUT ?=
diff: cdktf.out/manifest.json ## change review: BASE=<git ref> synthesized in a temporary worktree vs cdktf.out (DIFF_FORMAT=json, DIFF_OUT=file); exit 3 if dangerous
	scripts/diff-base.sh "$(BASE)" "$(CONFIG)" --format $(DIFF_FORMAT) $(if $(DIFF_OUT),--out $(DIFF_OUT),)

cli-synth: install ## synthesize through the CDKTF CLI (npx cdktf-cli@0.21.0; ~400 MB download on first use); CONFIG=file via SIP_CONFIG
	CHECKPOINT_DISABLE=1 $(if $(CONFIG),SIP_CONFIG=$(abspath $(CONFIG)),) npx --yes cdktf-cli@0.21.0 synth

validate: ## terraform init (when providers or backend changed) and plan of every stack in cdktf.out (offline from a provider mirror, else from the registry)
	node scripts/tf-check.mjs

# An offline plan runs on an empty state: it shows what a first deployment creates, never what a
# change deletes (make diff does, against a git ref; terraform plan against the real state is the authority).
plan: dist/main.cjs ## offline terraform plan of cdktf.out on an empty state -> cdktf.out/plans/*.plan.json and the review's plan summary
	node scripts/tf-check.mjs
	node dist/policies.cjs review cdktf.out

typecheck: install ## tsc --strict, no emit
	$(BIN)/tsc --noEmit -p tsconfig.json

lint: install ## biome lint (rejects focused and skipped tests) and biome format check (fails on unformatted code; fix with biome format --write .)
	$(BIN)/biome lint .
	$(BIN)/biome format .

unit: install ## vitest only (records every AWS request the tests make, for the proof)
	$(BIN)/vitest run

proof: install ## authorization proof: the requests `make unit` recorded, simulated against the example's policies
	$(BIN)/vitest run --config vitest.proof.config.ts

test: install typecheck lint unit proof ## everything a change must pass

shared-tests: install ## suites over ../shared (reference vectors, image corpus); fail if it is missing
	@test -d ../shared || { echo "../shared is missing: these suites need it" >&2; exit 1; }
	$(BIN)/vitest run --config vitest.shared.config.ts --passWithNoTests

CORPUS ?= ../shared/corpus
corpus: dist/main.cjs ## scrub every image in CORPUS (../shared/corpus); exiftool, a byte scan and decoders confirm
	@test -d $(CORPUS) || { echo "$(CORPUS) is missing: set CORPUS=<folder of images>" >&2; exit 1; }
	@command -v exiftool >/dev/null || { echo "exiftool is missing: apt-get install libimage-exiftool-perl" >&2; exit 1; }
	node dist/corpus-check.mjs $(CORPUS)

# Bundled directly (no install step): FUZZ_SECONDS / FUZZ_BUDGET bound it, FUZZ_SEED changes the mutations.
fuzz: ## fuzz the image scrubber (fixed seed; FUZZ_SECONDS=25, FUZZ_BUDGET iterations); dist/fuzz-report.json, exit 1 on any finding
	$(BIN)/esbuild tools/fuzz-scrub/fuzz-scrub.ts --bundle --platform=node --target=node20 --format=esm --log-level=warning --outfile=dist/fuzz-scrub.mjs
	node dist/fuzz-scrub.mjs

# Needs the function zips (the example is synthesized) and Ceph (radosgw, ceph-mon, ceph-osd).
drill: dist/main.cjs ## outage drill on loopback: two Ceph gateways as the partitions; upload, scrub, sync; sovereign stops; reads and uploads at the standby; failback and homecoming; consistency check -> dist/drill-report.json, exit 1 on any inconsistency
	$(BIN)/esbuild tools/drill/drill.ts --bundle --platform=node --target=node20 --format=cjs --log-level=warning --outfile=dist/drill.cjs
	node dist/drill.cjs

# Every benchmark runs even when one misses its target; bench/run-all.mjs fails only at the end, with a summary.
bench: dist/main.cjs ## synth time/memory, the loop (node synth vs node -e 0, make synth cold/warm, plan per 1,000 resources), scrub CLI vs exiftool and jpegtran (CORPUS, else generated files), sync of 1 GiB, credentials, signing, PDF scrubbing per MB vs qpdf and signing latency -> bench/results/*.json
	node bench/run-all.mjs --corpus $(CORPUS)

clean: ## remove build and synth output
	rm -rf dist cdktf.out cdktf.out-bootstrap .terraform-check bench/results
