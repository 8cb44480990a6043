#!/usr/bin/env bash
# bench-gzip.sh [CORPUS.bundle] [N] — the cost of Tidings' gzip (Web/HTTP/Gzip.swift, Intel ISA-L
# igzip) beside zlib's, in one run on one machine: the newest N (300) corpus messages as one mbox,
# fed in 32 KiB pieces as a streamed response is, through zlib levels 1 and 6 (public-inbox's
# default) and igzip levels 0-3, through the same libz and libisal the server links. Prints bytes,
# ratio and the best of RUNS (10) times per compressor. Needs cc, zlib1g-dev and libisal-dev.
. "$(dirname "$0")/lib-bench.sh"
BUNDLE=${1:-$(bench_repo_root)/../shared/corpus/virtualization-2019-2020.bundle}
N=${2:-300}
RUNS=${RUNS:-10}
[[ -f $BUNDLE ]] || bench_die "no corpus bundle at $BUNDLE"
[[ -f /usr/include/zlib.h && -f /usr/include/isa-l/igzip_lib.h ]] || bench_die "needs zlib.h and isa-l (apt-get install zlib1g-dev libisal-dev)"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cat >"$WORK/gzbench.c" <<'C'
#include <isa-l/igzip_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zlib.h>
enum { PIECE = 32768 };
static unsigned char *in, *out;
static size_t n, cap;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static size_t zlib(int level) {
	z_stream s = {0};
	deflateInit2(&s, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	s.next_out = out, s.avail_out = cap;
	for (size_t o = 0; o < n; o += PIECE) {
		size_t p = n - o < PIECE ? n - o : PIECE;
		s.next_in = in + o, s.avail_in = p;
		deflate(&s, o + p == n ? Z_FINISH : Z_NO_FLUSH);
	}
	size_t r = s.total_out;
	deflateEnd(&s);
	return r;
}
static size_t igzip(int level) {
	static const unsigned sizes[] = {0, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
	struct isal_zstream *s = malloc(sizeof *s);
	isal_deflate_init(s);
	s->gzip_flag = IGZIP_GZIP, s->level = level, s->level_buf_size = sizes[level];
	s->level_buf = sizes[level] ? malloc(sizes[level]) : NULL;
	s->next_out = out, s->avail_out = cap;
	for (size_t o = 0; o < n; o += PIECE) {
		size_t p = n - o < PIECE ? n - o : PIECE;
		s->next_in = in + o, s->avail_in = p, s->end_of_stream = o + p == n;
		isal_deflate(s);
	}
	size_t r = s->total_out;
	free(s->level_buf);
	free(s);
	return r;
}
static void row(const char *name, int level, size_t (*f)(int), int runs) {
	double best = 1e9;
	size_t r = 0;
	for (int i = 0; i < runs; i++) {
		double t = now();
		r = f(level);
		t = now() - t;
		if (t < best) best = t;
	}
	printf("%-5s level %d  %9zu bytes  %5.1f%%  %7.2f ms  %5.0f MB/s\n", name, level, r, 100.0 * r / n, best * 1e3, n / best / 1e6);
}
int main(int argc, char **argv) {
	FILE *f = fopen(argv[1], "rb");
	fseek(f, 0, SEEK_END), n = ftell(f), rewind(f);
	in = malloc(n), cap = 2 * n + 65536, out = malloc(cap);
	if (fread(in, 1, n, f) != n) return 1;
	int runs = atoi(argv[2]);
	printf("%zu bytes of mbox in %d-byte pieces, best of %d\n", n, PIECE, runs);
	row("zlib", 1, zlib, runs), row("zlib", 6, zlib, runs);
	for (int level = 0; level <= 3; level++) row("igzip", level, igzip, runs);
	return 0;
}
C
cc -O2 -o "$WORK/gzbench" "$WORK/gzbench.c" -lisal -lz || bench_die "cannot build the harness"

bench_log "mbox of the newest $N messages of $BUNDLE"
git clone -q --mirror "$BUNDLE" "$WORK/corpus.git"
git -C "$WORK/corpus.git" log -"$N" --format='%H:m' | git -C "$WORK/corpus.git" cat-file --batch | python3 -c '
import re, sys
data, out, i = sys.stdin.buffer.read(), bytearray(), 0
while i < len(data):
    nl = data.index(b"\n", i)
    size = int(data[i:nl].split()[2])
    body = data[nl + 1 : nl + 1 + size]
    i = nl + 2 + size
    out += b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + re.sub(rb"(?m)^(>*From )", rb">\1", body)
    out += (b"" if body.endswith(b"\n") else b"\n") + b"\n"
sys.stdout.buffer.write(out)' >"$WORK/corpus.mbox"
"$WORK/gzbench" "$WORK/corpus.mbox" "$RUNS"
