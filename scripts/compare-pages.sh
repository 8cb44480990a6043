#!/usr/bin/env bash
# compare-pages.sh — does Tidings serve what public-inbox serves? Serves the corpus with both
# (as bench-crawl.sh does, same inboxes) and asks both servers, page by page, for what can be
# compared exactly:
#   raw         /INBOX/MID/raw of the distinct message pages of the crawl: the same bytes
#   threads     /INBOX/MID/t.mbox.gz of the crawl's distinct threads: the same messages
#               (Message-IDs, in any order; the counts say which side has more)
#   search      POST /INBOX/?q=…&x=m of the crawl's distinct mbox queries and of the 30 queries
#               of scripts/fidelity-queries.txt: the same messages, or more only for a known
#               reason (compare-pages.py's why_tidings_finds_more: identifier parts, stemmer, numbers)
#   pages       status of the message pages (both 200) and of every thread page (T/, t/)
# A mismatch lists its first differences (WORK/logs/compare-*.txt holds them all); the script
# exits 1 when anything differs for a reason not among the known ones.
#
# Usage: scripts/compare-pages.sh [CORPUS]   (environment as lib-bench-serve.sh: WORK_DIR, KEEP,
#        TIDINGS; MSGS=3000 THREAD_PAGES=1000 as bench-crawl.sh)
BENCH_NAME=compare BENCH_PORT_BASE=18240 BENCH_NEEDS_WRK=0
. "$(dirname "${BASH_SOURCE[0]}")/lib-bench-serve.sh"

MSGS=${MSGS:-3000}
THREAD_PAGES=${THREAD_PAGES:-1000}
LISTS=$WORK/lists
mkdir -p "$LISTS"
bench_log "making URL lists from the archive"
python3 "$ROOT/scripts/crawl-lists.py" "$TD_INBOX/tidings.sqlite3" "$TD_INBOX/git/0.git" "$LISTS" bench "$MSGS" "$THREAD_PAGES"
python3 - "$ROOT/scripts/fidelity-queries.txt" >"$LISTS/fidelity.txt" <<'PY'
import sys, urllib.parse
for q in open(sys.argv[1]).read().splitlines():
    print(f"/bench/?q={urllib.parse.quote_plus(q)}&x=m")
PY
bench_log "comparing (Tidings :$TD_PORT, public-inbox :$PI_PORT)"
python3 "$ROOT/scripts/compare-pages.py" "$TD_PORT" "$PI_PORT" "$LISTS" "$WORK/logs"
