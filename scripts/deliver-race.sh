#!/usr/bin/env bash
# deliver-race.sh — N concurrent `tidings deliver` of distinct corpus fixtures into one new
# inbox, repeated ROUNDS times; prints each round's exit codes and the stored count.
#
# Usage: scripts/deliver-race.sh [N] [ROUNDS]      (defaults 10 and 10)
#   TIDINGS=PATH   tidings binary (default <repo>/.build/debug/tidings)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${1:-10}
ROUNDS=${2:-10}
TIDINGS=${TIDINGS:-$ROOT/.build/debug/tidings}
mapfile -t FILES < <(ls "$ROOT"/Tests/Fixtures/corpus/*.eml | head -n "$N")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
total_fail=0
for r in $(seq 1 "$ROUNDS"); do
	d=$TMP/r$r
	mkdir -p "$d"
	"$TIDINGS" init race "$d/race" --address race@example.org --config "$d/config" >/dev/null
	pids=()
	for f in "${FILES[@]}"; do
		"$TIDINGS" deliver race --config "$d/config" <"$f" 2>>"$d/stderr" &
		pids+=($!)
	done
	codes=()
	for p in "${pids[@]}"; do
		if wait "$p"; then codes+=(0); else codes+=($?); fi
	done
	stored=$(git --git-dir="$d/race/git/0.git" rev-list --count refs/heads/master 2>/dev/null || echo 0)
	fails=$(printf '%s\n' "${codes[@]}" | grep -vc '^0$' || true)
	total_fail=$((total_fail + fails))
	echo "round $r: exit codes ${codes[*]} | commits in git: $stored"
	rm -rf "$d"
done
echo "summary: $((N * ROUNDS)) deliveries, $total_fail non-zero exits"
