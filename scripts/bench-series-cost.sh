#!/usr/bin/env bash
# bench-series-cost.sh — what the patch-series tables (schema 4: `patch`, `trailer`) cost at
# index time, on the corpus: `tidings index --rebuild` of one inbox by two release binaries of
# this tree, alternately, RUNS times each, in one run on one machine:
#   with:    the tree as it is;
#   without: the same with scripts/bench-series-cost.without.patch applied (nothing read for
#            series on the parser threads, no series rows written; the tables stay, empty).
# Prints wall and CPU seconds of every rebuild, the medians and their ratio, and the index size
# after a rebuild by each (a VACUUMed copy, so free pages do not count).
# The issue's budget: at most +15% of import time and +10% of index size.
#
# Usage: scripts/bench-series-cost.sh [CORPUS]   (default <repo>/../shared/corpus/virtualization-2019-2020.bundle)
# Environment: RUNS=N (default 3), KEEP=1 keeps the temp dir. Builds both binaries with
# `swift build -c release` (the patch is applied to the tree for the second build and taken
# back on exit).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${1:-$ROOT/../shared/corpus/virtualization-2019-2020.bundle}
RUNS=${RUNS:-3}
PATCH=$ROOT/scripts/bench-series-cost.without.patch
WORK=$(mktemp -d "${TMPDIR:-/tmp}/series-cost.XXXXXX")
applied=0
cleanup() {
	[[ $applied == 1 ]] && git -C "$ROOT" apply -R "$PATCH"
	[[ ${KEEP:-0} == 1 ]] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT
cd "$ROOT"
git apply --check "$PATCH" || { echo "$PATCH does not apply to this tree" >&2; exit 2; }
swift build -c release --product tidings >&2
cp .build/release/tidings "$WORK/with"
git apply "$PATCH"
applied=1
swift build -c release --product tidings >&2
cp .build/release/tidings "$WORK/without"
git apply -R "$PATCH"
applied=0
export HOME=$WORK PI_CONFIG=$WORK/config
"$WORK/with" init corpus "$WORK/corpus" --address corpus@example.org >/dev/null
"$WORK/with" import corpus "$CORPUS" 2>&1 | tail -1
size() {
	cp "$WORK/corpus/tidings.sqlite3" "$WORK/copy.sqlite3"
	sqlite3 "$WORK/copy.sqlite3" "PRAGMA journal_mode=DELETE; VACUUM;" >/dev/null
	stat -c %s "$WORK/copy.sqlite3"
}
for i in $(seq "$RUNS"); do
	for b in with without; do
		/usr/bin/time -f "%e %U %S" -o "$WORK/t" "$WORK/$b" index corpus --rebuild >/dev/null 2>&1
		read -r wall user sys <"$WORK/t"
		echo "$b $wall $user $sys $(size)" | tee -a "$WORK/results"
	done
done
python3 - "$WORK/results" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
m = {b: [(float(w), float(u) + float(k), int(s)) for x, w, u, k, s in rows if x == b] for b in ("with", "without")}
med = {b: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v), v[-1][2]) for b, v in m.items()}
(ww, wc, ws), (ow, oc, os_) = med["with"], med["without"]
print(f"index --rebuild, median of {len(m['with'])}: with series {ww:.1f} s wall, {wc:.1f} s CPU; "
      f"without {ow:.1f} s wall, {oc:.1f} s CPU: wall {100 * (ww - ow) / ow:+.1f}%, CPU {100 * (wc - oc) / oc:+.1f}%")
print(f"index size (VACUUMed): with series {ws} bytes, without {os_} bytes: {100 * (ws - os_) / os_:+.1f}%")
PY
