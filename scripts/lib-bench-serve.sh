# lib-bench-serve.sh — sourced by bench-web.sh and bench-search.sh: builds (or reuses) a
# Tidings and a public-inbox archive of the same corpus and starts both servers on loopback.
# The caller sets BENCH_NAME (temp dir name) and BENCH_PORT_BASE (ports +1 Tidings, +2 public-inbox).
# Provides serve_nocache (a second Tidings with its page cache off on port +3); run_wrk and rss_mb
# come from lib-bench.sh. SERVE_ARGS: more `tidings serve` options for both Tidings servers
# (e.g. "--search-threads 2").
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
TD_PORT=${TD_PORT:-$((BENCH_PORT_BASE + 1))}
PI_PORT=${PI_PORT:-$((BENCH_PORT_BASE + 2))}

# BENCH_NEEDS_WRK=0: the caller only asks the servers itself (compare-pages.sh, search-fidelity.sh)
[[ ${BENCH_NEEDS_WRK:-1} == 0 ]] || command -v wrk >/dev/null || bench_die "wrk not found (apt-get install wrk)"
command -v public-inbox-httpd >/dev/null || bench_die "public-inbox-httpd not found (apt-get install public-inbox)"

bench_tidings_binary

if [[ -n ${WORK_DIR:-} ]]; then
	WORK=$WORK_DIR
	KEEP=1
else
	WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/tidings-${BENCH_NAME}-bench.XXXXXX")
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
# public-inbox-httpd runs one worker process unless told; give it one per core, as Tidings uses
PI_WORKERS=${PI_WORKERS:-$(nproc)}
PI_CONFIG=$PI_CONFIG public-inbox-httpd -W "$PI_WORKERS" -l "http://127.0.0.1:$PI_PORT" >"$WORK/logs/pi-httpd.log" 2>&1 &
PI_PID=$!
PIDS+=("$PI_PID")
PI_CONFIG=$TD_CONFIG "$TIDINGS" serve --listen "127.0.0.1:$TD_PORT" ${SERVE_ARGS:-} >"$WORK/logs/td-serve.log" 2>&1 &
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

# serve_nocache: a second Tidings on the same inbox with its page cache off (every request
# rendered from scratch); sets TD_NC_PORT and TD_NC_PID
serve_nocache() {
	TD_NC_PORT=$((BENCH_PORT_BASE + 3))
	PI_CONFIG=$TD_CONFIG "$TIDINGS" serve --listen "127.0.0.1:$TD_NC_PORT" --cache-mb 0 ${SERVE_ARGS:-} >"$WORK/logs/td-serve-nocache.log" 2>&1 &
	TD_NC_PID=$!
	PIDS+=("$TD_NC_PID")
	wait_up "$TD_NC_PORT"
}

# run_wrk and rss_mb: lib-bench.sh
