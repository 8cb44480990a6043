#!/usr/bin/env python3
"""Hostile NNTP and IMAP clients against a running `tidings serve` (issue 18), run by
scripts/hostile-protocols.sh. The inbox is `test` (mailbox test.0).
  list:   IMAP LIST with 56 and 200 `%`, NNTP LIST ACTIVE with 400 `*` and an `a`: time to answer
  search: one SEARCH of 3,990 nested parentheses, then four clients repeating it for 30 s while
          the web front page is fetched over and over (p50/p99) and the server's RSS watched
  fds:    1,000 idle connections (half NNTP, half IMAP), then the web site, a new NNTP and a new
          IMAP client, the server's CPU meanwhile, and how many idle ones are still open
usage: hostile-protocols.py list|search|fds HTTP_PORT NNTP_PORT IMAP_PORT SERVER_PID"""
import socket, sys, time, threading, statistics, os, json

mode, HP, NP, IP, PID = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])

def conn(port, timeout=60):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    f = s.makefile("rb")
    return s, f

def imap_login(timeout=60):
    s, f = conn(IP, timeout)
    f.readline()
    s.sendall(b"a LOGIN x y\r\n"); f.readline()
    return s, f

def imap_cmd(s, f, tag, cmd):
    s.sendall(tag + b" " + cmd + b"\r\n")
    lines = []
    while True:
        l = f.readline()
        if not l: return lines + [b"<closed>"]
        lines.append(l.rstrip())
        if l.startswith(tag + b" ") or l.startswith(b"* BAD"): return lines

def http_get(path="/test/", timeout=60):
    t = time.time()
    try:
        s = socket.create_connection(("127.0.0.1", HP), timeout=timeout)
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        first = s.makefile("rb").readline()
        while s.recv(65536): pass
        s.close()
        return time.time() - t, first.startswith(b"HTTP/1.1 200")
    except Exception as e:
        return time.time() - t, False

def rss_mb():
    try:
        for l in open("/proc/%d/status" % PID):
            if l.startswith("VmRSS"): return int(l.split()[1]) / 1024
    except Exception: return -1

def cpu_ticks():
    f = open("/proc/%d/stat" % PID).read().split(")")[1].split()
    return int(f[11]) + int(f[12])

def timed(fn, limit):
    r = {}
    def run():
        t = time.time()
        try: r["answer"] = fn()
        except Exception as e: r["answer"] = repr(e)
        r["s"] = time.time() - t
    th = threading.Thread(target=run, daemon=True); th.start(); th.join(limit)
    return r.get("s", "> %d (no answer)" % limit), r.get("answer")

out = {}
if mode == "list":
    for n in (56, 200):
        def f(n=n):
            s, fl = imap_login()
            return imap_cmd(s, fl, b"l", b'LIST "" "' + b"%" * n + b'x"')[-1].decode()
        out["imap LIST %d x %%" % n] = timed(f, 30)
    def g():
        s, fl = conn(NP); fl.readline()
        s.sendall(b"LIST ACTIVE " + b"*" * 400 + b"a\r\n")
        first = fl.readline().rstrip().decode()
        while True:
            l = fl.readline()
            if not l or l.rstrip() == b".": break
        return first
    out["nntp LIST ACTIVE 400 * + a"] = timed(g, 30)
    out["http after"] = http_get(timeout=30)
elif mode == "search":
    nested = b"(" * 3990 + b"ALL" + b")" * 3990
    def one():
        s, f = imap_login()
        imap_cmd(s, f, b"e", b"EXAMINE test.0")
        t = time.time(); a = imap_cmd(s, f, b"s", b"SEARCH " + nested)[-1][:60].decode(); return time.time() - t, a
    out["one nested search"] = [one() for _ in range(3)]
    base = [http_get()[0] for _ in range(20)]
    out["http p50 quiet (ms)"] = statistics.median(base) * 1000
    stop = time.time() + 30
    counts = [0] * 4
    def hammer(i):
        try:
            s, f = imap_login(120)
            imap_cmd(s, f, b"e", b"EXAMINE test.0")
            while time.time() < stop:
                imap_cmd(s, f, b"s", b"SEARCH " + nested); counts[i] += 1
        except Exception as e: pass
    ths = [threading.Thread(target=hammer, args=(i,), daemon=True) for i in range(4)]
    for t in ths: t.start()
    lat, ok, peak = [], 0, 0
    while time.time() < stop:
        d, good = http_get(timeout=30); lat.append(d); ok += good; peak = max(peak, rss_mb())
    for t in ths: t.join(60)
    out["http under 4 hostile searchers: p50 ms, p99 ms, n, ok"] = (statistics.median(lat) * 1000, sorted(lat)[int(len(lat) * .99)] * 1000, len(lat), ok)
    out["hostile searches answered"] = counts
    out["server RSS peak MB"] = peak
def count_open(socks):
    n = 0
    for s in socks:
        s.settimeout(0.01)
        try:
            while s.recv(4096): pass
        except socket.timeout: n += 1
        except Exception: pass
    return n

if mode == "fds":
    idle = []
    for i in range(1000):
        try:
            s = socket.create_connection(("127.0.0.1", NP if i % 2 == 0 else IP), timeout=5)
            idle.append(s)
        except Exception as e:
            out.setdefault("connect errors", 0); out["connect errors"] += 1
    time.sleep(3)
    alive = count_open(idle)
    out["idle connections opened"] = len(idle)
    out["of them still open after 3 s"] = alive
    c0 = cpu_ticks(); time.sleep(5); out["server CPU % over 5 s"] = (cpu_ticks() - c0) / 5.0
    out["http with 1000 idle (s, ok)"] = http_get(timeout=20)
    def nn():
        s, f = conn(NP, 20); return f.readline().rstrip().decode()
    out["new NNTP client"] = timed(nn, 25)
    def im():
        s, f = conn(IP, 20); f.readline(); s.sendall(b"a LOGIN x y\r\n"); return f.readline().rstrip().decode()
    out["new IMAP client"] = timed(im, 25)
    time.sleep(25)
    alive = count_open(idle)
    out["idle still open after 30 s"] = alive
print(json.dumps(out, indent=1))
