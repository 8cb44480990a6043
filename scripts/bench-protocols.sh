#!/usr/bin/env bash
# bench-protocols.sh [CORPUS.bundle] — Tidings against public-inbox-nntpd and -imapd on one
# clone of the same corpus, in one run: XOVER of 10,000 articles, ARTICLE fetches of 2,000
# distinct articles, IMAP UID FETCH 1:* (ENVELOPE) of the whole mailbox, BODY[] of 2,000
# distinct messages, and server memory per idle connection (IMAP ones in IDLE).
# Env: FETCHES (2000), IDLE (200 connections), TIDINGS (binary; default a release build),
# WORK_DIR (reuse/keep the inboxes), PORT_BASE (18600).
set -euo pipefail
. "$(dirname "$0")/lib-bench.sh"

ROOT=$(bench_repo_root)
CORPUS=${1:-${CORPUS_BUNDLE:-$ROOT/../shared/corpus/virtualization-2019-2020.bundle}}
[[ -e $CORPUS ]] || bench_die "corpus not found: $CORPUS"
CORPUS=$(cd "$(dirname "$CORPUS")" && pwd)/$(basename "$CORPUS")
FETCHES=${FETCHES:-2000}
IDLE=${IDLE:-200}
BASE=${PORT_BASE:-18600}
for tool in public-inbox-nntpd public-inbox-imapd public-inbox-index python3; do
	command -v "$tool" >/dev/null || bench_die "$tool not found (scripts/setup.sh installs it)"
done
bench_tidings_binary
ulimit -n 4096 2>/dev/null || true

WORK=${WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/tidings-protocols-bench.XXXXXX")}
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[[ -n ${WORK_DIR:-} ]] || rm -rf -- "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/home" "$WORK/logs"
export HOME=$WORK/home
PI_CONFIG_FILE=$WORK/pi-config TD_CONFIG=$WORK/td-config
PI_INBOX=$WORK/pi/bench TD_INBOX=$WORK/td/bench
if [[ ! -s $PI_INBOX/msgmap.sqlite3 ]]; then
	bench_log "public-inbox: clone the epoch, init, index (untimed)"
	: >"$PI_CONFIG_FILE"
	mkdir -p "$PI_INBOX/git"
	git clone -q --mirror "$CORPUS" "$PI_INBOX/git/0.git"
	PI_CONFIG=$PI_CONFIG_FILE public-inbox-init -V2 -L medium bench "$PI_INBOX" http://127.0.0.1/bench bench@example.org \
		>"$WORK/logs/pi-init.log" 2>&1
	git config -f "$PI_INBOX/git/0.git/config" include.path ../../all.git/config
	PI_CONFIG=$PI_CONFIG_FILE public-inbox-index "$PI_INBOX" >"$WORK/logs/pi-index.log" 2>&1
fi
if [[ ! -s $TD_INBOX/tidings.sqlite3 ]]; then
	bench_log "Tidings: the same epoch, indexed (untimed)"
	PI_CONFIG=$TD_CONFIG "$TIDINGS" init bench "$TD_INBOX" --address bench@example.org >"$WORK/logs/td-init.log" 2>&1
	rm -rf "$TD_INBOX/git/0.git"
	git clone -q --mirror "$CORPUS" "$TD_INBOX/git/0.git"
	PI_CONFIG=$TD_CONFIG "$TIDINGS" index bench >"$WORK/logs/td-index.log" 2>&1
fi
for cfg in "$PI_CONFIG_FILE" "$TD_CONFIG"; do
	git config -f "$cfg" publicinbox.bench.newsgroup bench
	git config -f "$cfg" publicinbox.nntpserver bench.example
done
[[ -z ${SETUP_ONLY:-} ]] || exit 0

# one process each: public-inbox daemons with -W0 (no worker fork), Tidings serving all three
PI_CONFIG=$PI_CONFIG_FILE public-inbox-nntpd -W0 -l "nntp://127.0.0.1:$((BASE + 1))" >"$WORK/logs/pi-nntpd.log" 2>&1 &
PI_NNTP=$!
PIDS+=("$PI_NNTP")
PI_CONFIG=$PI_CONFIG_FILE public-inbox-imapd -W0 -l "imap://127.0.0.1:$((BASE + 2))" >"$WORK/logs/pi-imapd.log" 2>&1 &
PI_IMAP=$!
PIDS+=("$PI_IMAP")
PI_CONFIG=$TD_CONFIG "$TIDINGS" serve --listen "127.0.0.1:$((BASE + 3))" --nntp "127.0.0.1:$((BASE + 4))" \
	--imap "127.0.0.1:$((BASE + 5))" >"$WORK/logs/td-serve.log" 2>&1 &
TD=$!
PIDS+=("$TD")
for port in $((BASE + 1)) $((BASE + 2)) $((BASE + 4)) $((BASE + 5)); do
	for _ in $(seq 1 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" 2>/dev/null && break
		sleep 0.2
	done
done
# Tidings re-executes itself once (G_SLICE): measure the process that listens
TD=$(pgrep -n -f "tidings serve --listen 127.0.0.1:$((BASE + 3))" || echo "$TD")

run() { # KIND PORT NAME PID
	bench_log "$1 on port $2"
	python3 "$ROOT/scripts/bench-protocols.py" "$1" "$2" "$3" "$4" "$FETCHES" "$IDLE"
}
TN=$(run nntp $((BASE + 4)) bench "$TD")
PN=$(run nntp $((BASE + 1)) bench "$PI_NNTP")
TI=$(run imap $((BASE + 5)) bench.0 "$TD")
PI=$(run imap $((BASE + 2)) bench.0 "$PI_IMAP")
python3 - "$TN" "$PN" "$TI" "$PI" "$FETCHES" "$IDLE" <<'PY'
import json, sys
tn, pn, ti, pi = (json.loads(a) for a in sys.argv[1:5])
f, idle = sys.argv[5], sys.argv[6]
def ratio(a, b, higher_better):
    if not a or not b: return "n/a"
    return f"{(a / b if higher_better else b / a):.1f}x"
rows = [
    (f"NNTP XOVER {tn['xover_lines']} articles (s)", tn["xover_s"], pn["xover_s"], ratio(tn["xover_s"], pn["xover_s"], False)),
    (f"NNTP ARTICLE, {f} distinct (articles/s)", tn["article_per_s"], pn["article_per_s"], ratio(tn["article_per_s"], pn["article_per_s"], True)),
    (f"IMAP UID FETCH 1:* (ENVELOPE), {ti['messages']} messages (s)", ti["envelope_s"], pi["envelope_s"], ratio(ti["envelope_s"], pi["envelope_s"], False)),
    (f"IMAP UID FETCH BODY[], {f} distinct (messages/s)", ti["body_per_s"], pi["body_per_s"], ratio(ti["body_per_s"], pi["body_per_s"], True)),
    (f"NNTP memory per idle connection ({idle}, KiB)", tn["idle_kb_per_conn"], pn["idle_kb_per_conn"], ratio(tn["idle_kb_per_conn"], pn["idle_kb_per_conn"], False)),
    (f"IMAP memory per IDLE connection ({idle}, KiB)", ti["idle_kb_per_conn"], pi["idle_kb_per_conn"], ratio(ti["idle_kb_per_conn"], pi["idle_kb_per_conn"], False)),
]
print("| measure | Tidings | public-inbox | Tidings is |")
print("|---|---:|---:|---:|")
for r in rows: print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |")
print(f"\nbytes: ARTICLE {tn['article_bytes']} vs {pn['article_bytes']}; ENVELOPE {ti['envelope_bytes']} vs {pi['envelope_bytes']}; BODY[] {ti['body_bytes']} vs {pi['body_bytes']}")
PY
