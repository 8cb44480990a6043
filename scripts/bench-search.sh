#!/usr/bin/env bash
# bench-search.sh — search over HTTP: Tidings (`tidings serve`) and public-inbox-httpd on the
# same corpus, in one run, loaded with wrk on loopback (set up as bench-web.sh does).
#
# Usage: scripts/bench-search.sh [CORPUS]
#
# Environment: as bench-web.sh (TIDINGS, DURATION=10s, THREADS=2, CONNS=8, KEEP, WORK_DIR, ONLY).
#
# Prints index sizes, then per query: req/s, p50 and p99 for Tidings (as served, and with its page
# cache off: every request searched and rendered) and public-inbox, and the req/s ratios
# (a subject+date query with thousands of hits, a body phrase, a free word, b4's 75-term
# `patchid:` OR, and the mbox.gz POST), then hit counts of 20 fixed queries from both
# ("Results … of ~N" on the HTML page; public-inbox's counts are Xapian estimates).

BENCH_NAME=search BENCH_PORT_BASE=18190
. "$(dirname "${BASH_SOURCE[0]}")/lib-bench-serve.sh"

# ---- servers start above; a second Tidings with its page cache off measures every request
# rendered from scratch (wrk repeats one URL, which the cached server answers from memory)
serve_nocache

enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$1"; }

# ---- index sizes
git_bytes=$(bench_du_bytes "$TD_INBOX/git")
td_idx=$(bench_du_except "$TD_INBOX" git)
pi_xap=$(bench_du_bytes "$PI_INBOX"/xap*)
pi_idx=$(bench_du_except "$PI_INBOX" git)

# ---- 75 real patch ids, OR-ed the way b4 sends them
PIDS_Q=$(sqlite3 "$TD_INBOX/tidings.sqlite3" "SELECT 'patchid:' || pid FROM patchid GROUP BY pid ORDER BY min(num) DESC LIMIT 75" | paste -sd' ' | sed 's/ / OR /g')
[[ -n $PIDS_Q ]] || bench_die "no patch ids in the Tidings index"

QUERIES=(
	"subject+date:s:PATCH AND d:2019-01-01..2020-12-31"
	"body phrase:\"live migration\""
	"free word:virtio"
	"patchid x75:$PIDS_Q"
)
MBOX_Q=${MBOX_Q:-s:virtio-balloon}

POST_LUA=$WORK/post.lua
printf 'wrk.method = "POST"\nwrk.body = ""\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n' >"$POST_LUA"

# sanity
for entry in "${QUERIES[@]}"; do
	q=${entry#*:}
	for port in "$TD_PORT" "$PI_PORT"; do
		code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/bench/?q=$(enc "$q")")
		[[ $code == 200 ]] || bench_log "WARNING: :$port ${entry%%:*} answered $code"
	done
done

bench_table_reset
bench_table_row "query" "tidings req/s" "p50 ms" "p99 ms" "uncached req/s" "p50 ms" "p99 ms" "p-i req/s" "p50 ms" "p99 ms" \
	"ratio" "uncached ratio"
bench_one() { # LABEL PATH [LUA]
	local td=(0 - -) nc=(0 - -) pi=(0 - -)
	if [[ ${ONLY:-} != pi ]]; then
		bench_log "wrk tidings $1"
		read -r -a td <<<"$(run_wrk "$TD_PORT" "$2" ${3:+-s "$3"})"
		bench_log "wrk tidings (no page cache) $1"
		read -r -a nc <<<"$(run_wrk "$TD_NC_PORT" "$2" ${3:+-s "$3"})"
	fi
	[[ ${ONLY:-} == tidings ]] || { bench_log "wrk public-inbox $1"; read -r -a pi <<<"$(run_wrk "$PI_PORT" "$2" ${3:+-s "$3"})"; }
	bench_table_row "$1" "${td[0]}" "${td[1]}" "${td[2]}" "${nc[0]}" "${nc[1]}" "${nc[2]}" "${pi[0]}" "${pi[1]}" "${pi[2]}" \
		"$(bench_div "${td[0]}" "${pi[0]}" '%.1fx')" "$(bench_div "${nc[0]}" "${pi[0]}" '%.1fx')"
}
for entry in "${QUERIES[@]}"; do
	bench_one "${entry%%:*}" "bench/?q=$(enc "${entry#*:}")"
done
bench_one "mbox.gz POST ($MBOX_Q)" "bench/?q=$(enc "$MBOX_Q")&x=m" "$POST_LUA"

# ---- hit counts of 20 fixed queries
FIXED=(
	"virtio" "s:virtio" "f:mst@redhat.com" "s:PATCH AND d:2019-01-01..2020-12-31" "\"live migration\""
	"s:\"virtio-balloon\"" "b:Reviewed-by" "nq:vhost" "q:vhost" "dfn:Makefile" "dfb:GFP_KERNEL" "dfa:kfree"
	"n:config.gz" "s:RFC" "f:jasowang AND s:vhost" "memory leak" "iommu NOT s:iommu" "s:(virtio OR vhost) AND d:20200101.."
	"m:20200103184044.73568-1-dverkamp@chromium.org" "dfhh:virtballoon_probe"
)
count() { # PORT QUERY -> hit count (0 when none)
	local html
	html=$(curl -s "http://127.0.0.1:$1/bench/?q=$(enc "$2")")
	grep -o 'Results [0-9]*-[0-9]* of ~\?[0-9]*' <<<"$html" | head -1 | sed 's/.* of ~\{0,1\}//' | grep . || echo 0
}

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION on 127.0.0.1, $(nproc) cores; corpus $(basename "$CORPUS")"
echo "git data $(bench_mb "$git_bytes") MB; Tidings index (SQLite incl. FTS5) $(bench_mb "$td_idx") MB;" \
	"public-inbox index $(bench_mb "$pi_idx") MB (Xapian $(bench_mb "$pi_xap") MB)"
echo
bench_table_print
echo
bench_table_reset
bench_table_row "query" "tidings hits" "public-inbox hits"
for q in "${FIXED[@]}"; do
	bench_table_row "$q" "$(count "$TD_PORT" "$q")" "$(count "$PI_PORT" "$q")"
done
bench_table_print
