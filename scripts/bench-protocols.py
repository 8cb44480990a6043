#!/usr/bin/env python3
"""Times one NNTP and one IMAP server (bench-protocols.sh runs it against Tidings and
public-inbox): XOVER of a range, ARTICLE / BODY[] fetches of distinct articles, an IMAP
UID FETCH 1:* (ENVELOPE), and memory per idle connection (RSS of PID)."""
import json, random, socket, sys, time

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
    def send(self, line):
        self.s.sendall(line.encode() + b"\r\n")
    def fill(self):
        d = self.s.recv(1 << 20)
        if not d:
            raise EOFError("server closed")
        self.buf += d
    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l
    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d
    def block(self):  # NNTP multi-line: up to "."
        while b"\r\n.\r\n" not in self.buf:
            self.fill()
        d, self.buf = self.buf.split(b"\r\n.\r\n", 1)
        return d
    def tagged(self, tag):  # IMAP: lines and literals up to the tagged reply
        size = 0
        while True:
            l = self.line()
            if l.endswith(b"}") and b"{" in l:
                n = int(l[l.rindex(b"{") + 1:-1])
                size += len(self.exact(n))
                continue
            if l.startswith(tag + b" "):
                if not l.startswith(tag + b" OK"):
                    raise RuntimeError(l.decode(errors="replace"))
                return size

def nntp(port, group, count, fetches, idle, pid):
    c = Conn(port)
    c.line()
    c.send(f"GROUP {group}")
    _, n, lo, hi, _ = c.line().decode().split(" ", 4)
    lo, hi = int(lo), int(hi)
    top = min(hi, lo + count - 1)
    t = time.monotonic()
    c.send(f"XOVER {lo}-{top}")
    first = c.line()
    assert first.startswith(b"224"), first
    lines = c.block().count(b"\r\n") + 1
    xover = time.monotonic() - t
    nums = random.Random(1).sample(range(lo, hi + 1), min(fetches, hi - lo + 1))
    t = time.monotonic()
    got = 0
    for num in nums:
        c.send(f"ARTICLE {num}")
        r = c.line()
        if r.startswith(b"220"):
            got += len(c.block())
    art = time.monotonic() - t
    before = rss_kb(pid)
    conns = []
    for _ in range(idle):
        k = Conn(port)
        k.line()
        k.send(f"GROUP {group}")
        k.line()
        conns.append(k)
    time.sleep(1)
    after = rss_kb(pid)
    for k in conns:
        k.s.close()
    return {"xover_s": round(xover, 3), "xover_lines": lines, "article_per_s": round(len(nums) / art, 1),
            "article_bytes": got, "idle_kb_per_conn": round((after - before) / idle, 1)}

def imap(port, mailbox, fetches, idle, pid):
    c = Conn(port)
    c.line()
    c.send("a LOGIN anonymous anonymous"); c.tagged(b"a")
    c.send(f"b EXAMINE {mailbox}"); c.tagged(b"b")
    t = time.monotonic()
    c.send("c UID FETCH 1:* (ENVELOPE)")
    env_bytes = c.tagged(b"c")
    envelope = time.monotonic() - t
    c.send("d UID SEARCH ALL")
    uids = [int(x) for x in c.line().split()[2:]]
    c.tagged(b"d")
    pick = random.Random(2).sample(uids, min(fetches, len(uids)))
    t = time.monotonic()
    got = 0
    for i, u in enumerate(pick):
        tag = f"f{i}".encode()
        c.send(f"f{i} UID FETCH {u} (BODY.PEEK[])")
        got += c.tagged(tag)
    body = time.monotonic() - t
    before = rss_kb(pid)
    conns = []
    for i in range(idle):
        k = Conn(port)
        k.line()
        k.send("a LOGIN anonymous anonymous"); k.tagged(b"a")
        k.send(f"b EXAMINE {mailbox}"); k.tagged(b"b")
        k.send("c IDLE")
        assert k.line().startswith(b"+"), "IDLE"
        conns.append(k)
    time.sleep(1)
    after = rss_kb(pid)
    for k in conns:
        k.s.close()
    return {"messages": len(uids), "envelope_s": round(envelope, 3), "envelope_bytes": env_bytes,
            "body_per_s": round(len(pick) / body, 1), "body_bytes": got,
            "idle_kb_per_conn": round((after - before) / idle, 1)}

if __name__ == "__main__":
    kind, port, name, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    fetches, idle = int(sys.argv[5]), int(sys.argv[6])
    if kind == "nntp":
        print(json.dumps(nntp(port, name, 10000, fetches, idle, pid)))
    else:
        print(json.dumps(imap(port, name, fetches, idle, pid)))
