#!/usr/bin/env python3
"""growth-mbox.py — more mail made from a real epoch, for scripts/bench-growth.sh.

Usage: growth-mbox.py EPOCH.git FIRST LAST OUT.mbox

Writes copies FIRST..LAST (inclusive; copy 0 is the epoch as it is) of every message the epoch
adds, in history order, as one mboxrd. Copy K is the same mail made distinct: every Message-ID
in Message-ID, References and In-Reply-To becomes `<cK.LOCAL@DOMAIN>` (so replies still thread
to their parents within the copy and never across copies), and Date and the From_ line are moved
K * SHIFT_DAYS days later (default 800: after the corpus's two years), so copies follow each
other in time as a growing list's years do. The From address becomes `LOCAL+cK@DOMAIN`, so each
copy's patch series are its own (the same author and subject would otherwise make every series
one version richer per copy, which no real list is). Bodies and other headers are untouched.
"""
import os
import re
import subprocess
import sys
from email.utils import parsedate_tz, mktime_tz
import time

epoch, first, last, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
SHIFT = int(os.environ.get("SHIFT_DAYS", "800")) * 86400

# the blob each commit adds, in history order (public-inbox v2: one file `m` per commit; a
# commit whose tree holds `d` removes a message and adds none)
log = subprocess.run(
    ["git", f"--git-dir={epoch}", "log", "--reverse", "--format=%H %ct", "--raw", "--no-abbrev", "refs/heads/master"],
    stdout=subprocess.PIPE,
    check=True,
).stdout.decode()
blobs = []
ct = 0
for line in log.split("\n"):
    if not line:
        continue
    if line.startswith(":"):
        meta, path = line.split("\t", 1)
        parts = meta.split()
        if path == "m" and parts[4] in ("A", "M"):
            blobs.append((parts[3], ct))
    else:
        ct = int(line.split()[1])

proc = subprocess.run(
    ["git", f"--git-dir={epoch}", "cat-file", "--batch"],
    input="".join(b + "\n" for b, _ in blobs).encode(),
    stdout=subprocess.PIPE,
    check=True,
)
data = proc.stdout
messages = []
pos = 0
for _, committed in blobs:
    nl = data.index(b"\n", pos)
    header = data[pos:nl].split()
    if len(header) < 3 or header[1] != b"blob":
        pos = nl + 1
        continue
    size = int(header[2])
    messages.append((data[nl + 1 : nl + 1 + size], committed))
    pos = nl + 1 + size + 1

ID = re.compile(rb"<([^<>\s]+)>")
ID_HEADERS = (b"message-id", b"references", b"in-reply-to")
FROM_LINE = re.compile(rb"^>*From ", re.M)
ADDRESS = re.compile(rb"([A-Za-z0-9._%+=-]+)@(?=[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def shifted(t, seconds):
    """RFC 5322 date `seconds` after the parsed date `t`, in the same zone."""
    zone = t[9] or 0
    wall = time.gmtime(mktime_tz(t) + seconds + zone)
    sign = "-" if zone < 0 else "+"
    return time.strftime("%a, %d %b %Y %H:%M:%S ", wall) + f"{sign}{abs(zone) // 3600:02d}{abs(zone) % 3600 // 60:02d}"


def rewrite(raw, k):
    head, sep, body = raw.partition(b"\n\n")
    if not sep:
        head, body = raw, b""
    lines = head.split(b"\n")
    out_lines = []
    current = None  # name of the header a continuation line belongs to
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            name = current
        else:
            name = line.split(b":", 1)[0].strip().lower() if b":" in line else None
            current = name
        if k and name in ID_HEADERS:
            line = ID.sub(lambda m: b"<c%d." % k + m.group(1) + b">", line)
        elif k and name == b"from":
            # each copy has its own authors: a patch series gains no version per copy
            line = ADDRESS.sub(lambda m: m.group(1) + b"+c%d@" % k, line, count=1)
        elif k and name == b"date" and line[:1] not in (b" ", b"\t"):
            value = line.split(b":", 1)[1].decode("utf-8", "replace").strip()
            t = parsedate_tz(value)
            if t is not None:
                try:
                    line = b"Date: " + shifted(t, k * SHIFT).encode()
                except (OverflowError, ValueError):
                    pass
        out_lines.append(line)
    return b"\n".join(out_lines) + sep + body


with open(out, "wb") as f:
    n = 0
    for k in range(first, last + 1):
        for raw, committed in messages:
            msg = rewrite(raw, k)
            when = time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(committed + k * SHIFT)).encode()
            f.write(b"From mboxrd@z " + when + b"\n")
            msg = FROM_LINE.sub(lambda m: b">" + m.group(0), msg)
            f.write(msg)
            if not msg.endswith(b"\n"):
                f.write(b"\n")
            f.write(b"\n")
            n += 1
print(f"{n} messages ({len(messages)} x copies {first}..{last}) in {out}", file=sys.stderr)
