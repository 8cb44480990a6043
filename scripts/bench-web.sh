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
#
# Prints, per URL: req/s, p50 and p99 latency for both servers and the req/s ratio, then
# each server's RSS after the run.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib-bench.sh"

ROOT=$(bench_repo_root)
CORPUS=${1:-${CORPUS_BUNDLE:-$ROOT/../shared/corpus/virtualization-2019-2020.bundle}}
[[ -e $CORPUS ]] || bench_die "corpus not found: $CORPUS"
CORPUS=$(cd "$(dirname "$CORPUS")" && pwd)/$(basename "$CORPUS")
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-8}
MID=${MID:-20200103184044.73568-1-dverkamp@chromium.org}
ROOT_MID=${ROOT_MID:-20200319091407.1481-1-joro@8bytes.org}
TD_PORT=${TD_PORT:-18181}
PI_PORT=${PI_PORT:-18182}

command -v wrk >/dev/null || bench_die "wrk not found (apt-get install wrk)"
command -v public-inbox-httpd >/dev/null || bench_die "public-inbox-httpd not found (apt-get install public-inbox)"

if [[ -z ${TIDINGS:-} ]]; then
	TIDINGS=$ROOT/.build/release/tidings
	if [[ ! -x $TIDINGS ]]; then
		bench_log "building tidings (swift build -c release --product tidings)"
		(cd "$ROOT" && swift build -c release --product tidings) >&2
	fi
fi
TIDINGS=$(cd "$(dirname "$TIDINGS")" && pwd)/$(basename "$TIDINGS")

if [[ -n ${WORK_DIR:-} ]]; then
	WORK=$WORK_DIR
	KEEP=1
else
	WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/tidings-web-bench.XXXXXX")
fi
PIDS=()
cleanup() {
	local p i
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for i in $(seq 1 50); do
		for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && break; done
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [[ ${KEEP:-0} == 1 ]]; then bench_log "kept $WORK"; else rm -rf -- "$WORK"; fi
}
trap cleanup EXIT
mkdir -p "$WORK/home" "$WORK/logs"
export HOME=$WORK/home PI_DIR=$WORK/home/.public-inbox PI_CONFIG=$WORK/pi-config
export XDG_CONFIG_HOME=$HOME/.config XDG_CACHE_HOME=$HOME/.cache XDG_DATA_HOME=$HOME/.local/share
PI_INBOX=$WORK/pi/bench
TD_CONFIG=$WORK/td-config
TD_INBOX=$WORK/td/bench
if [[ -s $PI_INBOX/msgmap.sqlite3 && -s $TD_INBOX/tidings.sqlite3 ]]; then
	bench_log "reusing the inboxes in $WORK"
else
: >"$PI_CONFIG"

# ---- public-inbox: mirror the epoch, init, index (untimed)
mkdir -p "$PI_INBOX/git"
bench_log "setting up public-inbox inbox (clone + public-inbox-index; takes a while)"
git clone -q --mirror "$CORPUS" "$PI_INBOX/git/0.git"
public-inbox-init -V2 -L full bench "$PI_INBOX" "http://127.0.0.1:$PI_PORT/bench" bench@example.org \
	>"$WORK/logs/pi-init.log" 2>&1 || { cat "$WORK/logs/pi-init.log" >&2; exit 1; }
git config -f "$PI_INBOX/git/0.git/config" include.path ../../all.git/config
public-inbox-index "$PI_INBOX" >"$WORK/logs/pi-index.log" 2>&1 || { tail "$WORK/logs/pi-index.log" >&2; exit 1; }

# ---- Tidings: its own config (same format); the same epoch, indexed in place
bench_log "setting up Tidings inbox (epoch clone + tidings index)"
PI_CONFIG=$TD_CONFIG "$TIDINGS" init bench "$TD_INBOX" --address bench@example.org \
	--url "http://127.0.0.1:$TD_PORT/bench/" >"$WORK/logs/td-init.log" 2>&1
rm -rf "$TD_INBOX/git/0.git"
git clone -q --mirror "$CORPUS" "$TD_INBOX/git/0.git"
PI_CONFIG=$TD_CONFIG "$TIDINGS" index bench >"$WORK/logs/td-index.log" 2>&1 ||
	{ tail "$WORK/logs/td-index.log" >&2; exit 1; }
fi

# ---- servers
for port in "$PI_PORT" "$TD_PORT"; do
	curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/" && bench_die "port $port is already in use"
done
PI_CONFIG=$PI_CONFIG public-inbox-httpd -l "http://127.0.0.1:$PI_PORT" >"$WORK/logs/pi-httpd.log" 2>&1 &
PI_PID=$!
PIDS+=("$PI_PID")
PI_CONFIG=$TD_CONFIG "$TIDINGS" serve --listen "127.0.0.1:$TD_PORT" >"$WORK/logs/td-serve.log" 2>&1 &
TD_PID=$!
PIDS+=("$TD_PID")
wait_up() { # PORT
	local i
	for i in $(seq 1 100); do
		curl -fs -o /dev/null "http://127.0.0.1:$1/bench/" && return 0
		sleep 0.2
	done
	bench_die "server on port $1 did not come up"
}
wait_up "$PI_PORT"
wait_up "$TD_PORT"

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

# run_wrk PORT PATH -> "rps p50ms p99ms"
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.2f", v }'; }
run_wrk() {
	local out
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$1/$2" 2>&1)
	local rps p50 p99
	rps=$(awk '/^Requests\/sec:/ { printf "%.1f", $2 }' <<<"$out")
	p50=$(awk '$1 == "50%" { print $2 }' <<<"$out" | to_ms)
	p99=$(awk '$1 == "99%" { print $2 }' <<<"$out" | to_ms)
	echo "${rps:-0} ${p50:-?} ${p99:-?}"
}

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

rss() { # PID and its children
	local total=0 p
	for p in $1 $(pgrep -P "$1" || true); do
		total=$((total + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
	done
	awk -v k="$total" 'BEGIN { printf "%.1f MB", k / 1024 }'
}

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION on 127.0.0.1, $(nproc) cores; corpus $(basename "$CORPUS")"
bench_table_print
echo
echo "server memory after the run (RSS incl. children): tidings $(rss "$TD_PID"), public-inbox-httpd $(rss "$PI_PID")"
