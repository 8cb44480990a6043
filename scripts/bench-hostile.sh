#!/usr/bin/env bash
# bench-hostile.sh — Tidings under hostile traffic (issue 8), on loopback:
#   1. search flood: 8 clients repeat 1,000-term wildcard ORs (a new word each time defeats the
#      cache) and 8 more repeat heavy but legal queries; an ordinary message page is timed meanwhile
#   2. slowloris: 1,000 sockets each send one byte; connections held, a real request's time
#   3. wrk -c1000 for 20 s on message pages: p99, timeouts, RSS before and after
#   4. a 50 MB message already in an archive: time, size and peak RSS of its pages and feeds
#   5. thread pages under 1,000 connections: wrk -c1000 over distinct T/ pages (peak RSS, RSS
#      after 5 s idle, p99, timeouts), then 800 and 3,000 clients that ask for T/ pages and
#      never read (RSS while they hang on, and once they are gone)
# Usage: scripts/bench-hostile.sh [CORPUS_BUNDLE]   (TIDINGS=path/to/tidings, WORK_DIR=reuse,
#        ONLY=24 to run sections 2 and 4 only)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib-bench.sh"
ROOT=$(bench_repo_root)
ONLY=${ONLY:-1234}
CORPUS=${1:-${CORPUS_BUNDLE:-$ROOT/../shared/corpus/virtualization-2019-2020.bundle}}
PORT=${PORT:-18931}
MID=${MID:-20200103184044.73568-1-dverkamp@chromium.org}
read -r -a SERVE_ARGS <<<"${SERVE_ARGS:-}"
WRK_SECONDS=${WRK_SECONDS:-20}
command -v wrk >/dev/null || bench_die "wrk not found (apt-get install wrk)"
TIDINGS=${TIDINGS:-$ROOT/.build/release/tidings}
[[ -x $TIDINGS ]] || (cd "$ROOT" && swift build -c release --product tidings) >&2
WORK=${WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/tidings-hostile.XXXXXX")}
export PI_CONFIG=$WORK/config
if [[ ! -s $WORK/inbox/tidings.sqlite3 ]]; then
	bench_log "setting up the inbox in $WORK (clone + tidings index)"
	"$TIDINGS" init bench "$WORK/inbox" --address bench@example.org >/dev/null
	rm -rf "$WORK/inbox/git/0.git"
	git clone -q --mirror "$CORPUS" "$WORK/inbox/git/0.git"
	"$TIDINGS" index bench >"$WORK/index.log" 2>&1 || { tail "$WORK/index.log" >&2; exit 1; }
fi
SERVER=
cleanup() { [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
start() {
	# a common default: soft limit 1,024 open files (the hard limit is higher)
	(ulimit -Sn "${SERVE_NOFILE:-1024}" && exec "$TIDINGS" serve --listen "127.0.0.1:$PORT" "$@") >"$WORK/serve.log" 2>&1 &
	SERVER=$!
	for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/" && return 0; sleep 0.1; done
	bench_die "server did not come up"
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$SERVER/status"; }
hwm_mb() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER/status"; }
PAGE=http://127.0.0.1:$PORT/bench/$MID/

if [[ $ONLY == *1* ]]; then
start
bench_log "1. search flood"
python3 - "$PORT" "$PAGE" <<'PY'
import itertools, socket, statistics, sys, threading, time, urllib.parse, urllib.request
port, page = int(sys.argv[1]), sys.argv[2]
letters = "etaoinshrdlcumwfgypbvk"
prefixes = ["".join(p) + "*" for p in itertools.islice(itertools.product(letters, repeat=3), 1000)]
words = ["kvm", "virtio", "patch", "memory", "device", "driver", "guest", "host", "page", "queue", "vhost",
         "balloon", "iommu", "pci", "net", "block", "gpu", "drm", "fix", "support"]
stop = False
status = {}
def get(url, timeout=120):
    t = time.time()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            r.read(); code = r.status
    except urllib.error.HTTPError as e:
        code = e.code
    except Exception as e:
        code = type(e).__name__
    return code, time.time() - t
def flood(i, kind):
    n = 0
    while not stop:
        n += 1
        if kind == "wild":
            q = " OR ".join(prefixes) + " OR zz%dq%d" % (i, n)
        else:  # legal: at most 16 wildcards, 256 terms
            q = " OR ".join(prefixes[:16] + [w + str(k) for k in range(11) for w in words][:239]) + " OR zz%dq%d" % (i, n)
        code, _ = get("http://127.0.0.1:%d/bench/?q=%s" % (port, urllib.parse.quote(q)))
        status[(kind, code)] = status.get((kind, code), 0) + 1
for label, kinds in (("1,000-term wildcard ORs", ["wild"] * 8), ("legal heavy ORs (16 wildcards, 256 terms)", ["heavy"] * 8)):
    stop = False; status.clear()
    ts = [threading.Thread(target=flood, args=(i, k)) for i, k in enumerate(kinds)]
    for t in ts: t.start()
    time.sleep(2)
    lat = []
    for k in range(int(__import__("os").environ.get("PAGE_SAMPLES", "5"))):
        code, dt = get(page + "?nocache=%d%d" % (k, time.time_ns()))
        lat.append(dt)
    stop = True
    for t in ts: t.join()
    lat.sort()
    print("search flood [%s]: message page median %.3f s, max %.3f s; search answers %s"
          % (label, statistics.median(lat), lat[-1], dict(sorted((str(a) + ":" + str(b), c) for (a, b), c in status.items()))))
PY
stop
fi

if [[ $ONLY == *2* ]]; then
start
bench_log "2. slowloris"
python3 - "$PORT" "$PAGE" "$SERVER" <<'PY'
import os, socket, sys, time, urllib.request
port, page, pid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
socks = []
for i in range(1000):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.send(b"G")
        socks.append(s)
    except OSError as e:
        print("connect %d failed: %s" % (i, e)); break
def held():
    n = 0
    for fd in os.listdir("/proc/%s/fd" % pid):
        try:
            if os.readlink("/proc/%s/fd/%s" % (pid, fd)).startswith("socket:"): n += 1
        except OSError: pass
    return n
time.sleep(1)
print("slowloris: %d sockets opened, server holds %d sockets" % (len(socks), held()))
t = time.time()
try:
    with urllib.request.urlopen(page, timeout=30) as r: r.read(); code = r.status
except Exception as e: code = repr(e)
print("slowloris: a real request during the load: %s in %.3f s" % (code, time.time() - t))
time.sleep(12)
closed = 0
for s in socks:
    s.settimeout(0.01)
    try:
        if s.recv(1) == b"": closed += 1
    except socket.timeout: pass
    except OSError: closed += 1
print("slowloris: after 13 s, %d of %d slow sockets closed by the server; server holds %d sockets" % (closed, len(socks), held()))
PY
stop
fi

if [[ $ONLY == *3* ]]; then
start
bench_log "3. wrk -c1000"
before=$(rss_mb)
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
wrk -t2 -c1000 -d"${WRK_SECONDS}s" --latency --timeout 10s "$PAGE" >"$WORK/wrk.txt" 2>&1 || true
after=$(rss_mb)
grep -E "Requests/sec|99%|Socket errors|Non-2xx" "$WORK/wrk.txt" | sed 's/^/wrk -c1000: /'
echo "wrk -c1000: RSS $before -> $after MB"
stop
fi

if [[ $ONLY == *4* ]]; then
bench_log "4. a 50 MB message"
BIG=$(mktemp -d "${TMPDIR:-/tmp}/tidings-hostile-big.XXXXXX")
export PI_CONFIG=$BIG/config
"$TIDINGS" init big "$BIG/inbox" --address big@example.org >/dev/null
git config -f "$PI_CONFIG" tidings.maxMessageSize 0 # this archive already holds one (taken in before any limit)
python3 - "$BIG/big.eml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("From: A <a@example.org>\nTo: big@example.org\nSubject: a big one\nMessage-ID: <big@x>\n"
            "Date: Mon, 2 Mar 2020 10:00:00 +0000\n\n")
    line = "0123456789abcdef" * 4 + "\n"
    f.write(line * (50_000_000 // len(line)))
PY
"$TIDINGS" import big "$BIG/big.eml" >/dev/null 2>&1
start
for path in big@x/ big@x/T/ big@x/t/ new.atom new.html big@x/raw; do
	curl -s -o /dev/null -m 120 -w "big message: /big/$path %{http_code} %{size_download} bytes in %{time_total} s\n" "http://127.0.0.1:$PORT/big/$path?$RANDOM"
done
t0=$(date +%s.%N)
pids=()
for i in 1 2 3 4; do
	curl -s -o /dev/null -m 120 "http://127.0.0.1:$PORT/big/new.atom?x=$i" &
	pids+=($!)
done
wait "${pids[@]}"
echo "big message: 4 concurrent new.atom in $(echo "$(date +%s.%N) - $t0" | bc) s; peak RSS $(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER/status") MB"
stop
rm -rf "$BIG"
fi

if [[ $ONLY == *5* ]]; then
bench_log "5. thread pages under 1,000 connections"
sqlite3 "$WORK/inbox/tidings.sqlite3" "SELECT mid FROM over GROUP BY tid ORDER BY min(num) LIMIT 3000" |
	python3 -c 'import sys, urllib.parse
for l in sys.stdin: print("/bench/" + urllib.parse.quote(l.strip(), safe="-._~!$&\x27()*+,;=:@") + "/T/")' >"$WORK/threads.txt"
start "${SERVE_ARGS[@]}"
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
wrk -t2 -c1000 -d"${WRK_SECONDS}s" --latency --timeout 10s -s "$ROOT/scripts/crawl-walk.lua" "http://127.0.0.1:$PORT" -- "$WORK/threads.txt" GET 2 >"$WORK/wrk-T.txt" 2>&1 || true
peak=$(hwm_mb)
sleep 5
grep -E "Requests/sec|99%|Socket errors|Non-2xx" "$WORK/wrk-T.txt" | sed 's/^/wrk -c1000 T\/: /'
echo "wrk -c1000 T/: peak RSS $peak MB, $(rss_mb) MB after 5 s idle"
stop
for n in 800 3000; do
	start "${SERVE_ARGS[@]}"
	python3 - "$PORT" "$WORK/threads.txt" "$n" "$SERVER" <<'PY'
import os, socket, sys, time
port, paths, n, pid = int(sys.argv[1]), [l.strip() for l in open(sys.argv[2])], int(sys.argv[3]), sys.argv[4]
import resource
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 100, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
def rss(key):
    for l in open(f"/proc/{pid}/status"):
        if l.startswith(key): return int(l.split()[1]) // 1024
socks = []
for i in range(n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(f"GET {paths[i % len(paths)]} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    except OSError as e:
        print(f"client {i}: {e}"); s.close(); break
    socks.append(s)
time.sleep(8)
held = rss("VmRSS")
for s in socks: s.close()
time.sleep(5)
print(f"{n} clients that never read: RSS {held} MB while they hang on, peak {rss('VmHWM')} MB, {rss('VmRSS')} MB 5 s after they left")
PY
	stop
done
fi
