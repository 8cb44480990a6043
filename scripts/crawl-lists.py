#!/usr/bin/env python3
"""crawl-lists.py — distinct URL lists for scripts/bench-crawl.sh, made from the archive itself.

Usage: crawl-lists.py INDEX.sqlite3 EPOCH.git OUTDIR INBOX [MESSAGES] [THREADS]

Reads the Tidings index (overview rows) and a sample of message bodies from the git epoch, and
writes, one request path per line, in a fixed pseudo-random order (seeded, the same every run):
  msgs.txt    MESSAGES distinct message pages      /INBOX/MID/
  all.txt     every message page                   /INBOX/MID/  (memory walk)
  T.txt       THREADS distinct threads, flat       /INBOX/MID/T/
  t.txt       THREADS distinct threads, nested     /INBOX/MID/t/ (another member of each thread)
  q.txt       distinct real queries                /INBOX/?q=…
  mbox.txt    distinct queries for mbox.gz POSTs   /INBOX/?q=…&x=m
  queries.txt the raw query strings of q.txt, kind<TAB>query
"""
import random
import re
import sqlite3
import subprocess
import sys
import urllib.parse
from datetime import datetime, timedelta, timezone

index, epoch, out, inbox = sys.argv[1:5]
n_msgs = int(sys.argv[5]) if len(sys.argv) > 5 else 3000
n_threads = int(sys.argv[6]) if len(sys.argv) > 6 else 1000
rng = random.Random(9)

# public-inbox's mid_escape: everything but these is %-escaped
MID_SAFE = "-._~!$&'()*+,;=:@"


def mid_path(mid, suffix=""):
    return f"/{inbox}/{urllib.parse.quote(mid, safe=MID_SAFE)}/{suffix}"


db = sqlite3.connect(f"file:{index}?mode=ro", uri=True)
rows = db.execute("SELECT num, tid, mid, subject, from_addr, ds, blob FROM over ORDER BY num").fetchall()
if len(rows) < n_msgs:
    sys.exit(f"only {len(rows)} messages in {index}")

# ---- message pages: distinct Message-IDs
by_mid = {}
for r in rows:
    by_mid.setdefault(r[2], r)
mids = sorted(by_mid)
rng.shuffle(mids)
with open(f"{out}/msgs.txt", "w") as f:
    f.writelines(mid_path(m) + "\n" for m in mids[:n_msgs])
with open(f"{out}/all.txt", "w") as f:
    f.writelines(mid_path(m) + "\n" for m in mids)

# ---- thread pages: one member of each of THREADS distinct threads for T/, another for t/
threads = {}
for r in rows:
    threads.setdefault(r[1], []).append(r[2])
tids = sorted(threads)
rng.shuffle(tids)
tids = tids[:n_threads]
with open(f"{out}/T.txt", "w") as f:
    f.writelines(mid_path(rng.choice(threads[t]), "T/") + "\n" for t in tids)
with open(f"{out}/t.txt", "w") as f:
    f.writelines(mid_path(rng.choice(threads[t]), "t/") + "\n" for t in tids)

# ---- queries
STOP = set(
    """about above after again against also because been before being below between both cannot could
    does doing down during each either else every from further have having here however into itself
    just more most much must need only other over same should since some such than that their them
    then there these they this those through under until upon very were what when where which while
    with within without would your patch patches reply thanks thank regards""".split()
)
WORD = re.compile(r"[A-Za-z][A-Za-z]{3,}")


def subject_words(s):
    s = re.sub(r"\[[^\]]*\]", " ", s)
    s = re.sub(r"^\s*((re|fwd?|aw)\s*:\s*)+", "", s, flags=re.I)
    return s.split()


def pick(seq, n):
    seq = sorted(set(seq))
    rng.shuffle(seq)
    return seq[:n]


sub_words, sub_phrases, dated = [], [], []
for r in rows:
    ws = subject_words(r[3])
    clean = [w.strip(",.:;()'\"").lower() for w in ws]
    for w in clean:
        if WORD.fullmatch(w) and w not in STOP:
            sub_words.append(w)
            dated.append((w, r[5]))
    for a, b in zip(clean, clean[1:]):
        if WORD.fullmatch(a) and WORD.fullmatch(b) and a not in STOP and b not in STOP:
            sub_phrases.append(f"{a} {b}")

# bodies of a sample of messages, read from git
sample = rng.sample(rows, min(1500, len(rows)))
proc = subprocess.run(
    ["git", f"--git-dir={epoch}", "cat-file", "--batch"],
    input="".join(r[6] + "\n" for r in sample).encode(),
    stdout=subprocess.PIPE,
    check=True,
)
data = proc.stdout
body_words, body_phrases, files = [], [], []
pos = 0
while pos < len(data):
    nl = data.index(b"\n", pos)
    header = data[pos:nl].split()
    size = int(header[2])
    blob = data[nl + 1 : nl + 1 + size].decode("utf-8", "replace")
    pos = nl + 1 + size + 1
    head, _, body = blob.partition("\n\n")
    in_diff = False
    for line in body.split("\n"):
        m = re.match(r"diff --git a/(\S+) b/", line)
        if m:
            in_diff = True
            name = m.group(1).rsplit("/", 1)[-1]
            if re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                files.append(name)
            continue
        if in_diff or line.startswith(">") or line.startswith("-- ") or "=" in line or "http" in line:
            continue
        ws = [w.strip(",.:;()'\"!?").lower() for w in line.split()]
        for w in ws:
            if WORD.fullmatch(w) and w not in STOP and len(w) >= 5:
                body_words.append(w)
        for a, b in zip(ws, ws[1:]):
            if WORD.fullmatch(a) and WORD.fullmatch(b) and a not in STOP and b not in STOP:
                body_phrases.append(f"{a} {b}")

senders = [r[4] for r in rows if r[4] and re.fullmatch(r"[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+", r[4])]


def day(ts):
    return datetime.fromtimestamp(ts, timezone.utc)


ranges = []
for w, ds in pick(dated, 150):
    d = day(ds)
    a, b = d - timedelta(days=rng.randint(5, 45)), d + timedelta(days=rng.randint(5, 45))
    ranges.append(f"s:{w} d:{a:%Y%m%d}..{b:%Y%m%d}")

queries = (
    [("subject word", w) for w in pick(sub_words, 300)]
    + [("subject phrase", f'"{p}"') for p in pick(sub_phrases, 200)]
    + [("body word", w) for w in pick(body_words, 200)]
    + [("body phrase", f'"{p}"') for p in pick(body_phrases, 100)]
    + [("sender", f"f:{a}") for a in pick(senders, 150)]
    + [("subject+date", q) for q in ranges]
    + [("file name", f"dfn:{n}") for n in pick(files, 100)]
)
seen = set()
queries = [q for q in queries if not (q[1] in seen or seen.add(q[1]))]
rng.shuffle(queries)
with open(f"{out}/queries.txt", "w") as f:
    f.writelines(f"{k}\t{q}\n" for k, q in queries)
with open(f"{out}/q.txt", "w") as f:
    f.writelines(f"/{inbox}/?q={urllib.parse.quote_plus(q)}\n" for _, q in queries)
# mbox downloads: subject phrases and subject+date ranges (tens of hits each, not thousands)
mq = [q for k, q in queries if k in ("subject phrase", "subject+date")][:300]
with open(f"{out}/mbox.txt", "w") as f:
    f.writelines(f"/{inbox}/?q={urllib.parse.quote_plus(q)}&x=m\n" for q in mq)
print(
    f"{min(n_msgs, len(mids))} message pages, {len(tids)} threads (T/ and t/), {len(queries)} queries, "
    f"{len(mq)} mbox queries, {len(mids)} pages in all.txt",
    file=sys.stderr,
)
