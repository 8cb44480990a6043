#!/usr/bin/env bash
# bench-crawl.sh — the traffic archives really get: thousands of distinct pages and queries, not
# one URL repeated. Serves the corpus with Tidings (page cache off, and as it serves by default)
# and public-inbox-httpd (-W one worker per core) on this machine, in one run; wrk walks lists of
# distinct URLs made from the archive itself (scripts/crawl-lists.py, scripts/crawl-walk.lua).
#
# Usage: scripts/bench-crawl.sh [CORPUS]
#
# Environment (besides lib-bench-serve.sh's TIDINGS, KEEP, WORK_DIR, PI_WORKERS):
#   DURATION=10s THREADS=2 CONNS=8   wrk per walk and server
#   MSGS=3000 THREAD_PAGES=1000      distinct message pages, distinct threads (T/ and t/ each)
#   ONLY=tidings|pi                  load only one side
#   ONLY_WALKS="msgs T t q mbox"     which walks (default all; the memory walk runs with msgs)
#   SERVE_ARGS="--search-threads 2"  more options for both Tidings servers
#   PROFILE=msgs|T|t|q|mbox          perf record -g the cache-off Tidings during that walk
#                                    (report in WORK/logs/perf-NAME.txt; use KEEP=1)
#
# Walks: message pages, T/ pages, t/ pages, search result pages (>= 1,000 queries: subject
# words and phrases, body words and phrases, f: of senders, s: + d: ranges, dfn: of file
# names), mbox.gz POSTs of subject phrases and s:+d: queries. Prints per walk req/s and p99 of
# the three servers and the ratios, the CPU time each server (with its helper processes) spent
# per request, the RSS of each server after each walk, and the RSS after a
# walk of every message page (10,000 distinct pages on the corpus).
BENCH_NAME=crawl BENCH_PORT_BASE=18200
. "$(dirname "${BASH_SOURCE[0]}")/lib-bench-serve.sh"
serve_nocache

MSGS=${MSGS:-3000}
THREAD_PAGES=${THREAD_PAGES:-1000}
LUA=$ROOT/scripts/crawl-walk.lua
LISTS=$WORK/lists
mkdir -p "$LISTS"
bench_log "making URL lists from the archive"
python3 "$ROOT/scripts/crawl-lists.py" "$TD_INBOX/tidings.sqlite3" "$TD_INBOX/git/0.git" "$LISTS" bench "$MSGS" "$THREAD_PAGES"

# how many of the queries find something (asked of the cache-off server, so the cached one
# starts the search walk cold)
HITS=$(python3 - "$TD_NC_PORT" "$LISTS" <<'PY'
import re, sys, urllib.error, urllib.request, collections
port, lists = sys.argv[1:3]
kinds = [l.split("\t", 1)[0] for l in open(f"{lists}/queries.txt")]
paths = [l.strip() for l in open(f"{lists}/q.txt")]
total, hit = collections.Counter(), collections.Counter()
for k, p in zip(kinds, paths):
    try:
        html = urllib.request.urlopen(f"http://127.0.0.1:{port}{p}").read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:  # no hits: 404, as public-inbox answers
        html = e.read().decode("utf-8", "replace")
    m = re.search(r"Results [0-9]+-[0-9]+ of ~?([0-9]+)", html)
    total[k] += 1
    hit[k] += 1 if m and int(m.group(1)) > 0 else 0
print(f"{sum(hit.values())} of {sum(total.values())} queries have hits (" +
      ", ".join(f"{k} {hit[k]}/{total[k]}" for k in total) + ")")
PY
)
bench_log "$HITS"

count() { wc -l <"$LISTS/$1" | tr -d ' '; }
WALKS=(
	"message pages ($(count msgs.txt) distinct):msgs:GET"
	"T/ pages ($(count T.txt) threads):T:GET"
	"t/ pages ($(count t.txt) threads):t:GET"
	"search pages ($(count q.txt) queries):q:GET"
	"mbox.gz POST ($(count mbox.txt) queries):mbox:POST"
)
secs=${DURATION%s}

walk() { # PID PORT LIST METHOD -> "rps p50 p99 non2xx requests cpu_ms_per_request"
	local before r
	before=$(cpu_ticks "$1")
	read -r -a r <<<"$(run_wrk "$2" "" -s "$LUA" -- "$LISTS/$3.txt" "$4" "$THREADS")"
	echo "${r[*]} $(cpu_ms_per "$before" "$(cpu_ticks "$1")" "${r[4]}")"
}

bench_table_reset
bench_table_row "walk" "cache off req/s" "p99 ms" "cache on req/s" "p99 ms" "p-i req/s" "p99 ms" "ratio off" "ratio on"
RSS_ROWS=()
CPU_ROWS=()
for entry in "${WALKS[@]}"; do
	label=${entry%%:*}
	rest=${entry#*:}
	list=${rest%%:*}
	method=${rest#*:}
	[[ " ${ONLY_WALKS:-msgs T t q mbox} " == *" $list "* ]] || continue
	nc=(0 - - 0 0 -) td=(0 - - 0 0 -) pi=(0 - - 0 0 -)
	if [[ ${ONLY:-} != pi ]]; then
		bench_log "walk $label: tidings, cache off"
		perf_pid=
		if [[ ${PROFILE:-} == "$list" ]]; then
			perf record -g -o "$WORK/logs/perf-$list.data" -p "$TD_NC_PID" -- sleep "$secs" >"$WORK/logs/perf-$list.log" 2>&1 &
			perf_pid=$!
		fi
		read -r -a nc <<<"$(walk "$TD_NC_PID" "$TD_NC_PORT" "$list" "$method")"
		if [[ -n $perf_pid ]]; then
			wait "$perf_pid" || true
			perf report -i "$WORK/logs/perf-$list.data" --no-children --percent-limit 0.7 --stdio \
				>"$WORK/logs/perf-$list.txt" 2>/dev/null || true
			bench_log "profile: $WORK/logs/perf-$list.txt"
		fi
		bench_log "walk $label: tidings, cache on"
		read -r -a td <<<"$(walk "$TD_PID" "$TD_PORT" "$list" "$method")"
	fi
	if [[ ${ONLY:-} != tidings ]]; then
		bench_log "walk $label: public-inbox-httpd"
		read -r -a pi <<<"$(walk "$PI_PID" "$PI_PORT" "$list" "$method")"
	fi
	bench_table_row "$label" "${nc[0]}" "${nc[2]}" "${td[0]}" "${td[2]}" "${pi[0]}" "${pi[2]}" \
		"$(bench_div "${nc[0]}" "${pi[0]}" '%.1fx')" "$(bench_div "${td[0]}" "${pi[0]}" '%.1fx')"
	bench_log "$label: cache off ${nc[0]}/s p99 ${nc[2]} ms, cache on ${td[0]}/s p99 ${td[2]} ms, public-inbox ${pi[0]}/s p99 ${pi[2]} ms"
	RSS_ROWS+=("$label"$'\t'"$(rss_mb "$TD_NC_PID")"$'\t'"$(rss_mb "$TD_PID")"$'\t'"$(rss_mb "$PI_PID")")
	CPU_ROWS+=("$label"$'\t'"${nc[5]}"$'\t'"${td[5]}"$'\t'"${pi[5]}"$'\t'"$(bench_div "${pi[5]}" "${nc[5]}" '%.1fx')")
done

# memory after a walk of every message page (the corpus: 10,000): both Tidings servers, for
# MEM_DURATION each (long enough for one pass at the cache-off rate; the request count is printed)
ALL=$(count all.txt)
MEM_DURATION=${MEM_DURATION:-30s}
MEM_NOTE=
if [[ ${ONLY:-} != pi && " ${ONLY_WALKS:-msgs} " == *" msgs "* ]]; then
	for port in "$TD_NC_PORT" "$TD_PORT"; do
		bench_log "memory walk: $ALL distinct message pages on :$port for $MEM_DURATION"
		n=$(wrk -t"$THREADS" -c"$CONNS" -d"$MEM_DURATION" -s "$LUA" "http://127.0.0.1:$port" -- "$LISTS/all.txt" GET "$THREADS" |
			awk '/requests in/ { print $1 }')
		MEM_NOTE+=" :$port ${n:-?} requests;"
	done
fi
[[ -z $MEM_NOTE ]] || RSS_ROWS+=("after the walks and a walk of all $ALL message pages"$'\t'"$(rss_mb "$TD_NC_PID")"$'\t'"$(rss_mb "$TD_PID")"$'\t'"$(rss_mb "$PI_PID")")

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION per walk and server on 127.0.0.1, $(nproc) cores; corpus $(basename "$CORPUS")"
echo "Tidings cache off: serve --cache-mb 0${SERVE_ARGS:+ $SERVE_ARGS}; cache on: serve${SERVE_ARGS:+ $SERVE_ARGS} (default --cache-mb); public-inbox-httpd -W $PI_WORKERS"
echo "$HITS"
echo
bench_table_print
own_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }
echo
echo "memory walk ($MEM_DURATION per server):$MEM_NOTE"
file_mb() { awk '/^RssFile:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }
for pair in "cache off:$TD_NC_PID" "cache on:$TD_PID"; do
	p=${pair#*:}
	echo "tidings ${pair%%:*}: the server process $(own_mb "$p") MB ($(file_mb "$p") MB of it mapped files), its git cat-file helpers $(awk -v a="$(rss_mb "$p")" -v b="$(own_mb "$p")" 'BEGIN { printf "%.1f", a - b }') MB ($(pgrep -c -P "$p" || true) processes)"
done
bench_table_reset
bench_table_row "server CPU ms per request (process tree)" "tidings cache off" "tidings cache on" "public-inbox-httpd" "p-i / tidings off"
for r in "${CPU_ROWS[@]}"; do
	IFS=$'\t' read -r -a c <<<"$r"
	bench_table_row "${c[@]}"
done
bench_table_print
echo
bench_table_reset
bench_table_row "RSS MB after" "tidings cache off" "tidings cache on" "public-inbox-httpd"
for r in "${RSS_ROWS[@]}"; do
	IFS=$'\t' read -r -a c <<<"$r"
	bench_table_row "${c[@]}"
done
bench_table_print
