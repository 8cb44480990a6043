#!/usr/bin/env bash
# bench-web.sh — serve the same corpus with Tidings (`tidings serve`) and with
# public-inbox-httpd on this machine, in one run, and load both with wrk on loopback.
#
# Usage: scripts/bench-web.sh [CORPUS]
#
#   CORPUS  git bundle (or bare epoch repo) of public-inbox `m` commits.
#           Default: $CORPUS_BUNDLE, else <repo>/../shared/corpus/virtualization-2019-2020.bundle
#
# Environment:
#   TIDINGS=PATH      tidings binary (default <repo>/.build/release/tidings, built if missing)
#   DURATION=10s      wrk duration per URL; THREADS=2 CONNS=8 wrk -t/-c
#   KEEP=1            keep the temp dir
#   ONLY=tidings|pi   load only one server (both are still set up)
#   MID=…  ROOT_MID=… the single-message page and the 171-message thread root
#   WORK_DIR=DIR      reuse a kept run's directory (both inboxes already set up); implies KEEP
#   PI_WORKERS=N      public-inbox-httpd worker processes (default: one per core)
#
# Prints, per URL: req/s, p50 and p99 latency for both servers and the req/s ratio, then
# each server's RSS after the run.
BENCH_NAME=web BENCH_PORT_BASE=18180
. "$(dirname "${BASH_SOURCE[0]}")/lib-bench-serve.sh"

PATHS=(
	"message:bench/$MID/"
	"thread-root (171):bench/$ROOT_MID/"
	"T/ (171):bench/$ROOT_MID/T/"
	"t/ (171):bench/$ROOT_MID/t/"
	"raw:bench/$MID/raw"
	"t.mbox.gz (171):bench/$ROOT_MID/t.mbox.gz"
	"/INBOX/:bench/"
	"new.atom:bench/new.atom"
)

# sanity: both answer 200 for every URL
for entry in "${PATHS[@]}"; do
	path=${entry#*:}
	for port in "$TD_PORT" "$PI_PORT"; do
		code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/$path")
		[[ $code == 200 ]] || bench_log "WARNING: http://127.0.0.1:$port/$path answered $code"
	done
done

bench_table_reset
bench_table_row "URL" "tidings req/s" "p50 ms" "p99 ms" "p-i req/s" "p50 ms" "p99 ms" "ratio"
for entry in "${PATHS[@]}"; do
	label=${entry%%:*}
	path=${entry#*:}
	td=(0 - -) pi=(0 - -)
	[[ ${ONLY:-} == pi ]] || { bench_log "wrk tidings $label"; read -r -a td <<<"$(run_wrk "$TD_PORT" "$path")"; }
	[[ ${ONLY:-} == tidings ]] || { bench_log "wrk public-inbox $label"; read -r -a pi <<<"$(run_wrk "$PI_PORT" "$path")"; }
	bench_table_row "$label" "${td[0]}" "${td[1]}" "${td[2]}" "${pi[0]}" "${pi[1]}" "${pi[2]}" "$(bench_div "${td[0]}" "${pi[0]}" '%.1fx')"
done

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION on 127.0.0.1, $(nproc) cores; corpus $(basename "$CORPUS")"
bench_table_print
echo
echo "server memory after the run (RSS incl. children): tidings $(rss_mb "$TD_PID") MB, public-inbox-httpd $(rss_mb "$PI_PID") MB"
