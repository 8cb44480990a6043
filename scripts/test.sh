#!/usr/bin/env bash
# Sets up a fresh machine and runs every check CI runs: format lint, then the tests.
# The tests run in passes: the suites that index the whole corpus with the real
# public-inbox-index (minutes of both cores) run after the rest, so they do not starve the
# servers that the timing-sensitive suites (timeouts, connection caps, protocol clients) start.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift format lint --recursive --strict Sources Tests Package.swift
swift build --build-tests
corpus_suites='NumberingTests|DamagedArchiveTests|ComparePagesTests'
# mirroring runs real public-inbox, grok-pull, lei and several servers: apart from the rest too
mirror_suites='MirrorTests'
swift test --skip-build --skip "$corpus_suites|$mirror_suites"
swift test --skip-build --filter "$mirror_suites"
# the whole-corpus suites need the corpus bundle ($TIDINGS_CORPUS, default ../shared/corpus/…);
# without it they are left out with one line saying so, except in CI, where they must run
corpus=${TIDINGS_CORPUS:-$(cd .. && pwd)/shared/corpus/virtualization-2019-2020.bundle}
if [ -f "$corpus" ]; then
  TIDINGS_CORPUS=$corpus swift test --skip-build --filter "$corpus_suites"
elif [ "${CI:-}" = true ]; then
  echo "test.sh: the corpus bundle $corpus is missing, and CI must run the corpus suites (set TIDINGS_CORPUS)" >&2
  exit 1
else
  echo "test.sh: corpus suites NOT RUN ($corpus_suites): no corpus bundle at $corpus (set TIDINGS_CORPUS to run them)"
fi
