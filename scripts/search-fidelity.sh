#!/usr/bin/env bash
# search-fidelity.sh — hit counts of 30 queries, Tidings beside public-inbox on the same corpus:
# the number of messages in each server's mbox of the hits (POST /INBOX/?q=…&x=m, counted as
# From_ lines of the mboxrd), which are exact counts (the HTML pages show Xapian's estimates).
#
# Usage: scripts/search-fidelity.sh [CORPUS]     (environment as lib-bench-serve.sh: KEEP, WORK_DIR, …)
#
# Prints one row per query: both counts, the difference in %, and whether it is within 5%.
BENCH_NAME=fidelity BENCH_PORT_BASE=18210 BENCH_NEEDS_WRK=0
. "$(dirname "${BASH_SOURCE[0]}")/lib-bench-serve.sh"

mapfile -t QUERIES <"$ROOT/scripts/fidelity-queries.txt"  # issue 9's 30 queries (compare-pages.sh asks them too)

count() { # PORT QUERY -> messages in the mbox of hits (0 when none)
	python3 - "$1" "$2" <<'PY'
import gzip, sys, urllib.error, urllib.parse, urllib.request
port, q = sys.argv[1:3]
req = urllib.request.Request(f"http://127.0.0.1:{port}/bench/?q={urllib.parse.quote_plus(q)}&x=m", data=b"", method="POST")
try:
    body = urllib.request.urlopen(req, timeout=600).read()
except urllib.error.HTTPError as e:
    if e.code == 404:
        print(0)
        sys.exit()
    raise
data = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
print(sum(1 for line in data.split(b"\n") if line.startswith(b"From ")))
PY
}

bench_table_reset
bench_table_row "query" "tidings" "public-inbox" "difference" "within 5%"
within=0
for q in "${QUERIES[@]}"; do
	td=$(count "$TD_PORT" "$q")
	pi=$(count "$PI_PORT" "$q")
	diff=$(awk -v a="$td" -v b="$pi" 'BEGIN { if (b == 0) print (a == 0 ? "0.0%" : "n/a"); else printf "%+.1f%%\n", (a - b) * 100 / b }')
	ok=$(awk -v a="$td" -v b="$pi" 'BEGIN { d = a - b; if (d < 0) d = -d; print (d <= 0.05 * b ? "yes" : "no") }')
	[[ $ok == yes ]] && within=$((within + 1))
	bench_log "$q: tidings $td, public-inbox $pi"
	bench_table_row "$q" "$td" "$pi" "$diff" "$ok"
done
echo
echo "messages in the mbox.gz of hits (POST ?q=…&x=m), corpus $(basename "$CORPUS"); $within of ${#QUERIES[@]} within 5%"
bench_table_print
