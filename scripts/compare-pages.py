#!/usr/bin/env python3
"""compare-pages.py — the comparisons of scripts/compare-pages.sh.

Usage: compare-pages.py TIDINGS_PORT PI_PORT LISTS_DIR LOG_DIR

LISTS_DIR holds crawl-lists.py's msgs.txt, T.txt, t.txt and mbox.txt, and fidelity.txt. Prints one line per
comparison and a table; exits 1 if any comparison differs.
"""
import collections
import concurrent.futures
import email
import email.parser
import email.policy
import functools
import gzip
import re
import sqlite3
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

td_port, pi_port, lists, logs = sys.argv[1:5]


def fetch(port, path, post=False):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=b"" if post else None)
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def both(path, post=False):
    return fetch(td_port, path, post), fetch(pi_port, path, post)


def lines(name):
    with open(f"{lists}/{name}") as f:
        return [l.strip() for l in f if l.strip()]


def mbox_mids(body):
    """Message-IDs of an mboxrd (gzip or not), one per message, in order."""
    data = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
    mids, parser = [], email.parser.BytesHeaderParser(policy=email.policy.compat32)
    for msg in re.split(rb"(?m)^From [^\n]*\n", data)[1:]:
        head = msg.split(b"\n\n", 1)[0]
        mid = parser.parsebytes(head + b"\n\n").get("Message-ID", "")
        mids.append(" ".join(str(mid).split()).strip().strip("<>"))
    return mids


def run(name, items, check):
    """check(item) -> None when both agree, else a one-line difference."""
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        diffs = [d for d in pool.map(check, items) if d]
    with open(f"{logs}/compare-{name}.txt", "w") as f:
        f.writelines(d + "\n" for d in diffs)
    print(f"{name}: {len(items) - len(diffs)} of {len(items)} agree", flush=True)
    for d in diffs[:5]:
        print(f"  {d}", flush=True)
    return name, len(items), len(diffs)


def raw(path):
    (ts, tb), (ps, pb) = both(path + "raw")
    if ts != ps or tb != pb:
        return f"{path}raw: tidings {ts} {len(tb)} bytes, public-inbox {ps} {len(pb)} bytes"


def thread(path):
    mbox = path[: -len("T/")] + "t.mbox.gz"
    (ts, tb), (ps, pb) = both(mbox)
    if ts != ps:
        return f"{mbox}: tidings {ts}, public-inbox {ps}"
    t, p = mbox_mids(tb), mbox_mids(pb)
    if sorted(t) != sorted(p):
        only_t, only_p = sorted(set(t) - set(p)), sorted(set(p) - set(t))
        return f"{mbox}: tidings {len(t)}, public-inbox {len(p)}; only tidings {only_t[:3]}, only public-inbox {only_p[:3]}"


def mbox_texts(body):
    """Message-ID -> (subject, text of its text parts) of an mboxrd.gz."""
    out = {}
    for msg in re.split(rb"(?m)^From [^\n]*\n", gzip.decompress(body))[1:]:
        e = email.message_from_bytes(msg, policy=email.policy.default)
        texts = []
        for part in e.walk():
            if part.get_content_maintype() == "text":
                try:
                    texts.append(part.get_content())
                except Exception:
                    pass
        out[" ".join(str(e.get("Message-ID", "")).split()).strip("<>")] = (str(e.get("Subject", "")), "\n".join(texts))
    return out


def why_tidings_finds_more(query, subject, text):
    """Why a message Tidings finds for `query` is not among public-inbox's, when the reason is
    a known, intended difference (else None):
      "identifier parts": it has a word of the query only inside identifiers joined by `_`
        (`control` in `control_cr3_intercept`, `"memory block"` in `memory_block`): Tidings
        matches identifiers by their parts as issue 9 asks, Xapian keeps `a_b` one term;
      "stemmer": it has the word only with an -s after -u (`vCPUs` for `vcpu`): SQLite's Porter
        stemmer takes the s off, Xapian's English (Snowball) stemmer keeps -us words whole;
      "numbers": it has the phrase only next to a number with a point or comma (`"PATCH v2"`
        in `PATCH v2.1`, `PATCH v2,1/2`): Xapian keeps `v2.1` one term, SQLite splits it.
    Words are compared by their stems, as SQLite's Porter tokenizer makes them. Every clause of
    the query must be in the message, as written or for one of these reasons, and at least one
    only for a reason; a query with OR or NOT is never explained."""
    if re.search(r"\b(?:OR|NOT)\b", query):
        return None
    reasons = set()
    # each clause (`s:word`, `"a phrase"`, `word`) against the text its prefix searches
    for prefix, phrase, word in re.findall(r'(?:\b([a-z]+):)?(?:"([^"]+)"|([^\s"]+))', query):
        if prefix in ("d", "f", "t", "c", "a") or word == "AND":
            continue  # dates and addresses are compared by the servers' own rows
        field = subject if prefix == "s" else subject + "\n" + text
        found = phrase_found(phrase, field) if phrase else word_found(word, field)
        if found is None:
            return None
        if found != "as written":
            reasons.add(found)
    return ", ".join(sorted(reasons)) or None


def phrase_found(phrase, field):
    """How `field` holds the phrase: "as written", or only for a reason, or None."""
    ws = [re.escape(w) for w in phrase.split()]
    words = r"[^A-Za-z0-9_\n]+".join(ws)
    if re.search(r"(?<![A-Za-z0-9_])(?<!\d[.,])" + words + r"(?![A-Za-z0-9_]|[.,]\d)", field, re.I):
        return "as written"
    if re.search("_".join(ws), field, re.I):
        return "identifier parts"
    if re.search(r"(?<![A-Za-z0-9_])" + words + r"(?![A-Za-z0-9_])", field, re.I):
        return "numbers"
    return None


def word_found(word, field):
    """How `field` holds each word of `word` (`virtio-balloon` is two): "as written" if all are
    there on their own, else the reason one is only there otherwise, or None."""
    tokens = re.findall(r"[A-Za-z0-9_]+", field.lower())
    how = "as written"
    for w in re.findall(r"[A-Za-z0-9]+", word.lower()):
        alone = [t for t in tokens if "_" not in t and stem(t) == stem(w)]
        if alone and not all(t.endswith("us") and not w.endswith("us") for t in alone):
            continue
        if alone:
            how = "stemmer"
        elif any("_" in t and any(stem(x) == stem(w) for x in t.split("_")) for t in tokens):
            how = "identifier parts"
        else:
            return None
    return how


_stems = sqlite3.connect(":memory:", check_same_thread=False)
_stems.execute("CREATE VIRTUAL TABLE s USING fts5(x, tokenize='porter unicode61 remove_diacritics 2')")
_stems.execute("CREATE VIRTUAL TABLE v USING fts5vocab(s, 'row')")
_stems_lock = threading.Lock()


@functools.lru_cache(maxsize=None)
def stem(w):
    """`w` as Tidings' stemmed full text has it: SQLite's own Porter tokenizer, asked."""
    with _stems_lock:
        _stems.execute("DELETE FROM s")
        _stems.execute("INSERT INTO s(x) VALUES (?)", (w,))
        row = _stems.execute("SELECT term FROM v").fetchone()
    return row[0] if row else w


explained = []


def search(path):
    (ts, tb), (ps, pb) = both(path, post=True)
    if ts != ps and not (ts == 200 and ps == 404):  # more hits than none is judged below
        return f"{path}: tidings {ts}, public-inbox {ps}"
    t = collections.Counter(mbox_mids(tb) if ts == 200 else [])
    p = collections.Counter(mbox_mids(pb) if ps == 200 else [])
    if t != p:
        only_t, only_p = sorted((t - p).elements()), sorted((p - t).elements())
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["q"][0]
        texts = mbox_texts(tb)
        # every extra copy must be a message public-inbox lacks altogether, found for a reason
        reasons = {why_tidings_finds_more(query, *texts.get(m, ("", ""))) if p[m] == 0 else None for m in set(only_t)}
        if only_t and not only_p and None not in reasons:
            explained.append((path, sum(t.values()), sum(p.values()), sorted(reasons)))
            return None
        return (
            f"{path}: tidings {sum(t.values())}, public-inbox {sum(p.values())}; "
            + f"only tidings {only_t[:2]}, only public-inbox {only_p[:2]}"
        )


def status(path):
    (ts, _), (ps, _) = both(path)
    if ts != ps:
        return f"{path}: tidings {ts}, public-inbox {ps}"


results = [
    run("raw", lines("msgs.txt"), raw),
    run("threads", lines("T.txt"), thread),
    run("pages", lines("msgs.txt") + lines("T.txt") + lines("t.txt"), status),
    run("search", lines("mbox.txt") + lines("fidelity.txt"), search),  # agreeing: the same, or more for known reasons
]
with open(f"{logs}/compare-search-explained.txt", "w") as f:
    f.writelines(f"{p}: tidings {t}, public-inbox {pi}: {'; '.join(r)}\n" for p, t, pi, r in explained)
kinds = collections.Counter(k for *_, rs in explained for r in rs for k in r.split(", "))
print(
    f"search: {len(explained)} of those agree but for what Tidings finds besides, for known reasons ("
    + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items()))
    + "; see why_tidings_finds_more)"
)
print()
print("| comparison | asked | identical | more hits, known reason | differ |")
print("|---|---:|---:|---:|---:|")
for name, n, d in results:
    more = len(explained) if name == "search" else 0
    print(f"| {name} | {n:,} | {n - d - more:,} | {more:,} | {d:,} |")
sys.exit(1 if any(d for _, _, d in results) else 0)
