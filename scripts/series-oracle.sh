#!/usr/bin/env bash
# series-oracle.sh — b4 as the oracle for patch series on the whole corpus: imports the corpus
# into a temporary inbox, serves it on loopback, and for N series (evenly spread over every
# series version Tidings found) runs `b4 am` against the server and compares its .mbx with
# Tidings' MID/series.mbox: same patches (subjects) in the same order, same trailers.
# Prints the counts of series found (by number of versions), trailers collected, and every
# disagreement with its kind.
#
# Usage: scripts/series-oracle.sh [N] [CORPUS]     (N default 60)
#
# Environment: TIDINGS=PATH (default <repo>/.build/debug/tidings), KEEP=1 keeps the temp dir.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-60}
CORPUS=${2:-$ROOT/../shared/corpus/virtualization-2019-2020.bundle}
TIDINGS=${TIDINGS:-$ROOT/.build/debug/tidings}
[[ -x $TIDINGS ]] || { echo "no tidings binary at $TIDINGS (swift build --product tidings)" >&2; exit 2; }
command -v b4 >/dev/null || { echo "b4 not installed (scripts/setup.sh)" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/series-oracle.XXXXXX")
SERVER=
cleanup() {
	[[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null || true
	[[ ${KEEP:-0} == 1 ]] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT
export HOME=$WORK PI_CONFIG=$WORK/config XDG_CACHE_HOME=$WORK/cache XDG_CONFIG_HOME=$WORK/xdg GIT_CONFIG_NOSYSTEM=1
export GIT_CONFIG_GLOBAL=$WORK/gitconfig
"$TIDINGS" init corpus "$WORK/corpus" --address corpus@example.org --url http://127.0.0.1/corpus >/dev/null
echo "importing $CORPUS" >&2
"$TIDINGS" import corpus "$CORPUS" >&2
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TIDINGS" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.2; done
cat >"$GIT_CONFIG_GLOBAL" <<CFG
[user]
	name = Oracle
	email = oracle@example.org
[b4]
	midmask = http://127.0.0.1:$PORT/corpus/%s
	linkmask = http://127.0.0.1:$PORT/corpus/%s
	searchmask = http://127.0.0.1:$PORT/corpus/?x=m&t=1&q=%s
	attestation-policy = off
CFG
python3 - "$PORT" "$N" "$WORK" <<'PY'
import re, sqlite3, subprocess, sys, os, urllib.request, urllib.parse, collections
port, n, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
db = sqlite3.connect(f"{work}/corpus/tidings.sqlite3")
# every version head, as ArchiveIndex.recentSeries lists them
heads = db.execute("""
  SELECT over.mid FROM patch JOIN over ON over.num = patch.num
  WHERE patch.counter <= 1 AND (patch.counter = 0 OR NOT EXISTS (
    SELECT 1 FROM patch p2 JOIN over o2 ON o2.num = p2.num
    WHERE p2.from_addr = patch.from_addr AND p2.version = patch.version AND p2.total = patch.total AND p2.counter = 0
      AND p2.label = patch.label AND (o2.tid = over.tid OR o2.ts BETWEEN over.ts - 3600 AND over.ts + 3600)))
  ORDER BY over.ts, over.num""").fetchall()
trailers = db.execute("SELECT count(*) FROM trailer").fetchone()[0]
print(f"series versions found: {len(heads)}; patch rows: {db.execute('SELECT count(*) FROM patch WHERE kind=1').fetchone()[0]}; "
      f"cover letters: {db.execute('SELECT count(*) FROM patch WHERE kind=0').fetchone()[0]}; trailer lines in replies: {trailers}")
def patches(text):
    out, subject, tr, state, last = [], None, [], 0, ""
    for line in text.split("\n"):
        if line.startswith("From ") and (line.endswith("1970") or "@z " in line):
            if subject is not None: out.append((subject, sorted(tr)))
            subject, tr, state = "", [], 0
            continue
        if state == 0:
            if line[:1] in (" ", "\t"):
                if last == "subject": subject += " " + line.lstrip()
                continue
            last = line.split(":", 1)[0].lower()
            if line.startswith("Subject: "): subject = line[9:]
            if line == "": state = 1
        elif state == 1:
            if re.match(r"^---\s*$", line) or line.startswith("diff --git "): state = 2
            else:
                m = re.match(r"^\s*([\w][\S]*):\s+(\S.*?)\s*$", line)
                if m and (m.group(1).endswith("-by") or m.group(1) in ("Fixes", "Link", "Cc")): tr.append(f"{m.group(1)}: {m.group(2)}")
    if subject is not None: out.append((subject, sorted(tr)))
    return out
step = max(1, len(heads) // n)
picked = [h[0] for h in heads[::step]][:n]
stats = collections.Counter()
versions = collections.Counter()
for i, mid in enumerate(picked):
    q = urllib.parse.quote(mid, safe="@!$&'()*+,;=:~")
    ours = patches(urllib.request.urlopen(f"http://127.0.0.1:{port}/corpus/{q}/series.mbox").read().decode("utf-8", "replace"))
    html = urllib.request.urlopen(f"http://127.0.0.1:{port}/corpus/{q}/series/").read().decode("utf-8", "replace")
    versions[html.count("<section id=")] += 1
    out = f"{work}/am/{i}"
    os.makedirs(out, exist_ok=True)
    r = subprocess.run(["b4", "--no-interactive", "am", "-o", out, mid], capture_output=True, text=True, cwd=work)
    mbx = [f for f in os.listdir(out) if f.endswith(".mbx")]
    stats["series"] += 1
    if not mbx:
        stats["b4 wrote nothing"] += 1
        print(f"  b4 wrote nothing for <{mid}>: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''}")
        continue
    theirs = patches(open(f"{out}/{mbx[0]}", encoding="utf-8", errors="replace").read())
    if [s for s, _ in ours] != [s for s, _ in theirs]:
        # b4 am takes the newest version in the thread it fetched: is that another version here?
        others = set(re.findall(r'href="([^"]+/series\.mbox)"', html))
        same = [h for h in others
                if [s for s, _ in patches(urllib.request.urlopen(urllib.parse.urljoin(f"http://127.0.0.1:{port}/corpus/{q}/series/", h)).read().decode("utf-8", "replace"))] == [s for s, _ in theirs]]
        if same:
            stats["b4 took another version of the thread"] += 1
            continue
        stats["different patches"] += 1
        print(f"  patches differ <{mid}>:\n    tidings {[s for s, _ in ours]}\n    b4      {[s for s, _ in theirs]}")
        continue
    stats["same patches"] += 1
    stats["patches"] += len(ours)
    for (s, a), (_, b) in zip(ours, theirs):
        if a == b:
            stats["same trailers"] += 1
        else:
            stats["different trailers"] += 1
            print(f"  trailers differ <{mid}> {s}:\n    only tidings {sorted(set(a) - set(b))}\n    only b4      {sorted(set(b) - set(a))}")
print("versions on the series pages of the sampled series:", dict(sorted(versions.items())))
print("summary:", dict(stats))
PY
