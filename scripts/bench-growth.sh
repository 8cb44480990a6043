#!/usr/bin/env bash
# bench-growth.sh — does Tidings stay as fast as an archive grows? Builds ever larger archives
# from the corpus (copies of it with rewritten Message-IDs, References and In-Reply-To, so
# threads stay threads within a copy and never join across copies, each copy moved later in
# time: scripts/growth-mbox.py), importing each step into the same inbox with `tidings import`,
# and after each step serves the archive (`tidings serve --cache-mb 0`) and walks distinct
# message pages and distinct real queries with wrk (scripts/crawl-lists.py,
# scripts/crawl-walk.lua, as bench-crawl.sh does).
#
# Usage: scripts/bench-growth.sh [COPIES...]     (default: 1 3 10 = ~10k, 30k, 100k messages)
#
# Environment:
#   TIDINGS=PATH                 tidings binary (default <repo>/.build/release/tidings)
#   CORPUS_BUNDLE=PATH           the corpus (default <repo>/../shared/corpus/virtualization-2019-2020.bundle)
#   DURATION=10s THREADS=2 CONNS=8   wrk per walk
#   MSGS=3000                    distinct message pages per walk
#   KEEP=1                       keep the temp dir (path printed)
#   BENCH_TMPDIR=DIR             where the temp dir is made (default ${TMPDIR:-/tmp})
#   PORT=18301                   where the server listens
#
# Prints, per size: messages, the step's import (wall, µs per message, CPU, peak RSS), the index
# size, and the message-page and search walks (req/s, p50, p99), plus the machine's load.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib-bench.sh"

ROOT=$(bench_repo_root)
CORPUS=${CORPUS_BUNDLE:-$ROOT/../shared/corpus/virtualization-2019-2020.bundle}
[[ -e $CORPUS ]] || bench_die "corpus not found: $CORPUS"
CORPUS=$(cd "$(dirname "$CORPUS")" && pwd)/$(basename "$CORPUS")
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-8}
MSGS=${MSGS:-3000}
PORT=${PORT:-18301}
KEEP=${KEEP:-0}
STEPS=("$@")
[[ ${#STEPS[@]} -gt 0 ]] || STEPS=(1 3 10)
prev=0
for s in "${STEPS[@]}"; do
	[[ $s =~ ^[0-9]+$ && $s -gt $prev ]] || bench_die "COPIES must be increasing whole numbers: ${STEPS[*]}"
	prev=$s
done

command -v wrk >/dev/null || bench_die "wrk not found (apt-get install wrk)"
bench_need_time
bench_tidings_binary

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/tidings-growth-bench.XXXXXX")
SERVER=
cleanup() {
	if [[ -n $SERVER ]]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
	if [[ $KEEP == 1 ]]; then bench_log "kept $WORK"; else rm -rf -- "$WORK"; fi
}
trap cleanup EXIT
mkdir -p "$WORK/home" "$WORK/logs" "$WORK/lists"
export HOME=$WORK/home PI_CONFIG=$WORK/pi-config
export XDG_CONFIG_HOME=$HOME/.config XDG_CACHE_HOME=$HOME/.cache XDG_DATA_HOME=$HOME/.local/share
: >"$PI_CONFIG"
curl -s -m 2 -o /dev/null "http://127.0.0.1:$PORT/" && bench_die "port $PORT is already in use"

git clone -q --mirror "$CORPUS" "$WORK/corpus.git"
INBOX=$WORK/td/growth
"$TIDINGS" init growth "$INBOX" --address growth@example.org --url "http://127.0.0.1:$PORT/growth/" \
	>"$WORK/logs/init.log" 2>&1 || { cat "$WORK/logs/init.log" >&2; exit 1; }

load() { cut -d' ' -f1-3 /proc/loadavg; }
count() { wc -l <"$1" | tr -d ' '; }
bench_table_reset
bench_table_row messages "step" "import s" "µs/msg" "CPU s" "RSS MB" "index MB" \
	"msg req/s" "msg p50" "msg p99" "search req/s" "search p50" "search p99" "load"
done_copies=0
for copies in "${STEPS[@]}"; do
	mbox=$WORK/step-$copies.mbox
	bench_log "making copies $done_copies..$((copies - 1)) of the corpus (untimed)"
	python3 "$ROOT/scripts/growth-mbox.py" "$WORK/corpus.git" "$done_copies" "$((copies - 1))" "$mbox" 2>"$WORK/logs/mbox-$copies.log"
	added=$(grep -c '^From mboxrd@z ' "$mbox")
	sync
	bench_time "import-$copies" "$WORK/logs/import-$copies.log" -- "$TIDINGS" import growth "$mbox"
	rm -f -- "$mbox"
	sync
	total=$(sqlite3 -readonly "$INBOX/tidings.sqlite3" 'select count(*) from over')
	index_bytes=$(bench_du_bytes "$INBOX"/tidings.sqlite3*)
	per=$(awk -v w="${BENCH_WALL[import-$copies]}" -v n="$added" 'BEGIN { printf "%.0f", w * 1e6 / n }')

	"$TIDINGS" serve --listen "127.0.0.1:$PORT" --cache-mb 0 >"$WORK/logs/serve-$copies.log" 2>&1 &
	SERVER=$!
	for _ in $(seq 1 100); do
		curl -fs -o /dev/null "http://127.0.0.1:$PORT/growth/" && break
		sleep 0.2
	done
	python3 "$ROOT/scripts/crawl-lists.py" "$INBOX/tidings.sqlite3" "$INBOX/git/0.git" "$WORK/lists" growth "$MSGS" 1000 \
		2>"$WORK/logs/lists-$copies.log"
	bench_log "$total messages: walking $(count "$WORK/lists/msgs.txt") message pages, $(count "$WORK/lists/q.txt") queries"
	read -r -a m <<<"$(run_wrk "$PORT" "" -s "$ROOT/scripts/crawl-walk.lua" -- "$WORK/lists/msgs.txt" GET "$THREADS")"
	read -r -a q <<<"$(run_wrk "$PORT" "" -s "$ROOT/scripts/crawl-walk.lua" -- "$WORK/lists/q.txt" GET "$THREADS")"
	kill "$SERVER" 2>/dev/null || true
	wait "$SERVER" 2>/dev/null || true
	SERVER=

	bench_table_row "$total" "+$added" "${BENCH_WALL[import-$copies]}" "$per" "${BENCH_CPU[import-$copies]}" \
		"${BENCH_RSS_MB[import-$copies]}" "$(bench_mb "$index_bytes")" \
		"${m[0]}" "${m[1]}" "${m[2]}" "${q[0]}" "${q[1]}" "${q[2]}" "$(load)"
	bench_log "$total messages: import +$added in ${BENCH_WALL[import-$copies]} s ($per µs/msg), index $(bench_mb "$index_bytes") MB," \
		"message pages p99 ${m[2]} ms, search p99 ${q[2]} ms"
	done_copies=$copies
done

echo
echo "== bench-growth: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname), $(nproc) CPUs, $(git --version)"
echo "corpus: $CORPUS, copies ${STEPS[*]} (each step imported into the same inbox: tidings import growth STEP.mbox)"
echo "walks: tidings serve --cache-mb 0, wrk -t$THREADS -c$CONNS -d$DURATION, $MSGS distinct message pages, the queries of"
echo "       crawl-lists.py (made from the archive at that size); times in ms; load = 1/5/15-minute load average after the walks"
echo
bench_table_print
[[ $KEEP == 1 ]] && echo "logs and inbox kept in $WORK"
exit 0
