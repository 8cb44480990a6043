#!/usr/bin/env bash
# Sets up a fresh machine and runs every check CI runs: format lint, then the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift format lint --recursive --strict Sources Tests Package.swift
swift build --build-tests
swift test --skip-build
