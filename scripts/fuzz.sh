#!/usr/bin/env bash
# Fuzzes Tidings' parsers with libFuzzer, one target after another, each for MINUTES.
#
#   scripts/fuzz.sh TARGET MINUTES      TARGET: message mbox maildir body query date route
#                                       imap nntp manifest config
#   scripts/fuzz.sh all MINUTES
#   scripts/fuzz.sh build               only build the fuzzers
#
# The targets (Fuzz/Fuzz*/main.swift) are declared in Package.swift only when TIDINGS_FUZZ=1
# and are built here, in release mode with `-sanitize=fuzzer,address`, in their own build
# directory (.build-fuzz): the default build, the tests and CI never see them. Each is seeded
# from Tests/Fixtures (messages, mbox files and Maildirs made from them, message bodies) and from
# small lists of queries, dates and URLs; the corpus grows in .build-fuzz/runs/TARGET/corpus
# from run to run. Crashes, timeouts and OOMs land in .build-fuzz/runs/TARGET/findings (not
# committed); reproduce one with `.build-fuzz/release/FuzzNAME FILE`, shrink it with
# `-minimize_crash=1 -runs=100000 FILE`. One line per target sums a run up: CPU minutes,
# inputs run, exec/s, coverage (edges, features), corpus size and findings.
#
# Environment: FUZZ_JOBS (parallel fuzzing processes per target, default 1; the machine is
# shared), FUZZ_RSS_MB (default 2048), FUZZ_TIMEOUT (seconds per input, default 10),
# FUZZ_SKIP_BUILD=1 (run the binaries as built).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

targets=(message mbox maildir body query date route imap nntp manifest config)
product() {
    case "$1" in
        message) echo FuzzMessage ;; mbox) echo FuzzMbox ;; maildir) echo FuzzMaildir ;; body) echo FuzzBody ;;
        query) echo FuzzQuery ;; date) echo FuzzDate ;; route) echo FuzzRoute ;;
        imap) echo FuzzIMAP ;; nntp) echo FuzzNNTP ;; manifest) echo FuzzManifest ;; config) echo FuzzConfig ;;
        *) echo "unknown target: $1 (one of: ${targets[*]}, all)" >&2; exit 2 ;;
    esac
}

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
what=$1
minutes=${2:-}
if [ "$what" != build ]; then
    [[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ ]] || usage
fi

scratch=$root/.build-fuzz
mkdir -p "$scratch"
build() {
    local p
    [ -z "${FUZZ_SKIP_BUILD:-}" ] || return 0
    for p in "$@"; do
        echo "building $p (release, -sanitize=fuzzer,address) ..." >&2
        local status=0
        TIDINGS_FUZZ=1 swift build -c release --scratch-path "$scratch" --product "$p" \
            -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xswiftc -use-ld=lld \
            >"$scratch/build-$p.log" 2>&1 || status=$?
        grep -Ev '^\[[0-9]+/[0-9]+\]|unhandled; explicitly declare|CMakeLists.txt|prohibited flag' "$scratch/build-$p.log" >&2 || true
        [ "$status" = 0 ] || { echo "build of $p failed" >&2; exit 1; }
    done
}

fixtures=$root/Tests/Fixtures
messages() { ls "$fixtures"/corpus/*.eml "$fixtures"/synthetic/*.eml "$fixtures"/revisions/*.eml "$fixtures"/fuzz/*.eml 2>/dev/null; }

# Seeds for TARGET into DIR (made again on every run; cheap).
seed() {
    local target=$1 dir=$2
    rm -rf "$dir"
    mkdir -p "$dir"
    case "$target" in
        message) for f in $(messages); do cp "$f" "$dir/"; done ;;
        mbox | maildir | body)
            python3 - "$target" "$dir" $(messages) <<'EOF'
import os, re, sys
target, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
msgs = [open(f, 'rb').read() for f in files]
def mboxrd(ms, sep=b'From mboxrd@z Thu Jan  1 00:00:00 1970\n'):
    o = b''
    for m in ms:
        m = m.replace(b'\r\n', b'\n')
        o += sep + re.sub(rb'(?m)^(>*From )', rb'>\1', m)
        o += b'' if m.endswith(b'\n') else b'\n'
        o += b'\n'
    return o
def write(name, data):
    with open(os.path.join(out, name), 'wb') as f: f.write(data)
if target == 'mbox':
    for i in range(0, len(msgs), 3):
        write('rd-%03d' % i, mboxrd(msgs[i:i+3]))
    write('received-dates', mboxrd(msgs[:2], b'From someone@example.org Sat Mar 21 10:14:07 2020\n'))
    cl = b''
    for m in msgs[3:6]:
        head, _, body = m.partition(b'\n\n')
        cl += b'From x@y Thu Jan  1 00:00:00 1970\n' + head + b'\nContent-Length: %d\n\n' % len(body) + body + b'\n'
    write('content-length', cl)
    write('crlf', mboxrd(msgs[6:8]).replace(b'\n', b'\r\n'))
    write('no-separator', msgs[8])
elif target == 'maildir':
    # chunks separated by 0xFF: a file name line, then the content (see Fuzz/FuzzMaildir)
    names = [b'1700000000.M1P2R3.host:2,S', b'1700000001.M2P4567Q8.host', b'.hidden', b'1700000002.M3P9R1.tidings']
    for i in range(0, len(msgs), 4):
        write('maildir-%03d' % i, b'\xff'.join(n + b'\n' + m for n, m in zip(names, msgs[i:i+4])))
else:
    for i, m in enumerate(msgs):
        body = m.replace(b'\r\n', b'\n').partition(b'\n\n')[2]
        if body: write('body-%03d' % i, body)
EOF
            ;;
        query)
            printf '%s\n' 'virtio OR qxl' 's:virtio-balloon OR s:virtio-pci' 'a b OR c -d' 'and or not' \
                'd:19700101..' 'd:2019-01-01..2020-01-01' 'd:last.week..' 'dt:20200101000000..20200201000000' \
                'rt:1556496000..' 'f:mst@redhat.com s:"vhost: fix"' 'b:balloon*' 'nq:page NOT s:RFC' '+virtio -blk' \
                'dfn:virtio_balloon.c' 'dfa:"page_reporting"' 'dfpre:abc1234 OR dfpost:deadbeef' 'dfblob:1234567' \
                'dfhh:virtballoon_probe' 'dfctx:return' 'dfb:vq' 'dfd:-EINVAL' 'patchid:0123456789abcdef0123456789abcdef01234567' \
                'm:20200103184044.73568-1-dverkamp@chromium.org' 'm:20200103*' 's:(foo bar) OR t:(baz)' 'c:kvm@vger.kernel.org' \
                'a:"Michael S. Tsirkin"' 'tc:linux-kernel' 'l:virtualization' 'bs:"Reviewed-by"' 'q:quoted' '“curly phrase”' \
                'x86/boot' 'virtio_balloon' 'unknown:prefix' '((a OR b) AND NOT (c OR d)) e' |
                split -l 1 - "$dir/q-"
            ;;
        date)
            printf '%s\n' 'yesterday' '2.weeks.ago' 'last.friday' 'noon' 'midnight' 'tea' '2020-01-31' '2020-01-31 12:00' \
                '2020-01-31T12:30:59' 'jan.5.2020' '1/31/2020' '31.1.2020' '@1600000000' '3.months' 'last.week' '20200131' \
                '20200131123059' '2020-01-31..2020-02-01' 'last.week..' '..yesterday' '1556496000..' '5.years.ago..2.days.ago' \
                'Sat, 21 Mar 2020 10:14:07 +0100' '10 days ago' 'PM 3' 'Dec 31 1999' 'now' |
                split -l 1 - "$dir/d-"
            ;;
        route)
            mid=20200103184044.73568-1-dverkamp@chromium.org
            printf '%s\n' '/' '/test/' '/test/index.html' '/test/new.atom' '/test/new.html' '/test/description' \
                '/test/all.mbox.gz' '/test/_/text/help/' '/test/_/text/config/raw' '/test/_/text' "/test/$mid/" "/test/$mid/raw" \
                "/test/$mid/T/" "/test/$mid/t/" "/test/$mid/T" "/test/$mid/t.mbox.gz" "/test/$mid/t.atom" "/test/$mid/d/" \
                "/test/$mid/2-a.txt" "/test/$mid/1.2-patch.diff" "/test/$mid/R" "/test/$mid/f/" "/test/$mid" "/$mid" \
                "/test/m/$mid.html" "/test/t/$mid/mbox.gz" "/test/f/$mid.txt" '/test/foo%2Fbar%40x/' '/all/<javascript:x//@y>/' \
                '/test/?q=s:foo&r&o=200&t=1&x=A' '/all/?q=d:last.week..+f:mst&l=50' '/test/?t=20200101000000' \
                '/test/?t=20200101-' '/lkml/?q=%22a+b%22&x=t' |
                split -l 1 - "$dir/r-"
            for f in "$dir"/*; do printf '%s' "$(cat "$f")" >"$f"; done  # no trailing newline
            ;;
        imap)
            # command lines after the tag as a session parses them (literals read into the line)
            printf '%s\n' 'a LOGIN anonymous anonymous' 'a SELECT test.0' 'a LIST "" "*"' 'a LIST "" "%.%"' \
                'a UID FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)' 'a FETCH 1,3:5,9:* (BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]<0.100>)' \
                'a UID SEARCH CHARSET UTF-8 FROM "mst" SINCE 1-Jan-2020 NOT (SUBJECT foo OR BODY bar)' \
                'a SEARCH OR (LARGER 100 SMALLER 5000) HEADER Message-ID <x@y> UID 1:*' 'a STATUS test.0 (MESSAGES UIDNEXT)' \
                'a APPEND test.0 {3+}' 'a IDLE' 'DONE' 'a EXAMINE test.1' 'a FETCH 1 BODY[1.2.MIME]' |
                split -l 1 - "$dir/i-"
            for f in "$dir"/*; do printf '%s' "$(cat "$f")" >"$f"; done
            printf 'a SEARCH TEXT {5}\r\nhello SENTBEFORE 2-Feb-2021' >"$dir/i-literal"
            ;;
        nntp)
            # a wildmat or a NEWGROUPS/NEWNEWS date and time, then a name
            printf '%s\n' 'inbox.* test' '*,!lkml* a.b' 'comp.[a-z]*.test inbox.comp.test' '\*? x' '[^a]* b' \
                '20200101 000000 GMT' '200101 120000' '19991231 235959 UTC' 'a*b*c*d abcd' |
                split -l 1 - "$dir/n-"
            for f in "$dir"/*; do printf '%s' "$(cat "$f")" >"$f"; done
            ;;
        manifest)
            printf '%s' '{"/test/git/0.git":{"description":"test","fingerprint":"0123456789abcdef0123456789abcdef01234567","modified":1600000000,"owner":null,"reference":null},"/test/git/1.git":{"modified":1600000001.5}}' >"$dir/m-two"
            printf '%s' '{"/a/git/0.git":{},"/b/git/10.git":{"reference":"/b/git/0.git"},"/b/git/0.git":{"modified":"x"}}' >"$dir/m-sites"
            printf '%s' '{}' >"$dir/m-empty"
            ;;
        config)
            printf '[publicinbox "test"]\n\tinboxdir = /srv/test\n\taddress = test@example.org\n\turl = https://example.org/test\n\tmaxMessageSize = 32m\n\tnewsgroup = inbox.comp.test\n[tidings]\n\tmaxMessageSize = 1g\n' >"$dir/c-one"
            printf '[publicinbox "a.b"]\n\tmainrepo = "/x y"\n[publicinbox "c"]\n\tinboxdir = /c ; comment\n\taddress = c@x\n\taddress = d@x\n[publicinbox]\n\tnntpserver = news.example.org\n' >"$dir/c-two"
            ;;
    esac
}

# Token lists for libFuzzer's mutations (-dict).
dictionary() {
    local target=$1 file=$2
    {
        printf '"%s"\n' 9223372036854775807 -9223372036854775808 18446744073709551615 2147483648 4294967296 99999999999
        case "$target" in
            message | maildir)
                printf '"%s"\n' 'Message-ID: <' 'In-Reply-To: ' 'References: ' 'Subject: ' 'From: ' 'Date: ' 'Cc: ' \
                    'Content-Type: ' 'multipart/mixed; boundary=' 'multipart/alternative' 'text/plain; charset=' \
                    'text/html' 'Content-Transfer-Encoding: ' 'base64' 'quoted-printable' '8bit' \
                    'Content-Disposition: attachment; filename=' '=?utf-8?B?' '=?iso-8859-1?Q?' '?=' 'iso-2022-jp' \
                    'windows-1252' '\x0a\x0a' '\x0d\x0a' '--' ;;
            mbox)
                printf '"%s"\n' 'From ' '>From ' '>>From ' 'From mboxrd@z Thu Jan  1 00:00:00 1970' \
                    'Content-Length: ' '\x0a\x0a' '\x0d\x0a' 'Mon Feb 29 23:59:60 2020' ;;
            body)
                printf '"%s"\n' 'diff --git a/' ' b/' 'index ' '--- a/' '+++ b/' '@@ -' ' +' ' @@' '\x0a+' '\x0a-' \
                    '\x0a ' '\x0a>' '\\ No newline at end of file' 'new file mode 100644' 'rename from ' \
                    'GIT binary patch' '/dev/null' '-- \x0a' ;;
            query)
                printf '"%s"\n' ' AND ' ' OR ' ' NOT ' '(' ')' '"' '*' 's:' 'f:' 't:' 'c:' 'a:' 'b:' 'bs:' 'nq:' 'q:' 'm:' \
                    'd:' 'dt:' 'rt:' '..' 'l:' 'tc:' 'patchid:' 'dfn:' 'dfa:' 'dfb:' 'dfd:' 'dfctx:' 'dfhh:' 'dfpre:' \
                    'dfpost:' 'dfblob:' 'yesterday' 'ago' '\xe2\x80\x9c' '\xe2\x80\x9d' ;;
            date)
                printf '"%s"\n' 'yesterday' 'ago' 'last' 'noon' 'midnight' 'tea' 'am' 'pm' 'days' 'weeks' 'months' 'years' \
                    'hours' 'minutes' 'seconds' 'friday' 'january' 'december' '..' '@' '-' ':' '/' '.' 'UTC' 'PST' '+0100' ;;
            route)
                printf '"%s"\n' '/test/' '/all/' '/raw' '/T/' '/t/' '/t.mbox.gz' '/t.atom' '/d/' '_/text/' 'm/' 't/' 'f/' \
                    '.html' '.txt' '/mbox.gz' '%2F' '%25' '%3A' '?q=' '&r' '&t=' '&o=' '&l=' '&x=' '+' '1.2-' ;;
            imap)
                printf '"%s"\n' ' (' ')' '{' '}' '+}' '\x0d\x0a' '"' '\\' '[' ']' '<' '>' '*' '%' ':' ',' 'UID ' 'SEARCH ' \
                    'FETCH ' 'LIST ' 'NOT ' 'OR ' 'CHARSET ' 'HEADER ' 'BODY[' 'BODY.PEEK[' 'HEADER.FIELDS' 'SINCE ' \
                    '1-Jan-2020' 'LARGER ' 'ENVELOPE' 'BODYSTRUCTURE' ;;
            nntp)
                printf '"%s"\n' '*' '?' '[' ']' '[^' '\\' '!' ',' ' ' 'GMT' 'UTC' '<' '000000' '20200101' ;;
            manifest)
                printf '"%s"\n' '{' '}' ':' ',' '"/git/' '.git"' '"modified"' '"fingerprint"' '"description"' '"owner"' \
                    '"reference"' 'null' '1e300' '-1' '1.5' '\\u0000' ;;
            config)
                printf '"%s"\n' '[publicinbox "' '"]' '\x0a\x09' 'inboxdir = ' 'address = ' 'newsgroup = ' 'maxMessageSize = ' \
                    'mainrepo = ' '[tidings]' '\\' '"' ';' '#' 'k' 'm' 'g' ;;
        esac
    } >"$file"
}

summary() {
    local target=$1 log=$2 cpu=$3 findings=$4 corpus=$5
    # fork mode prints "#RUNS: cov: C ft: F corp: N exec/s: E oom/timeout/crash: a/b/c time: Ts ..."
    local last
    last=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -1 || true)
    local runs cov ft eps
    runs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
    cov=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.* ft: ([0-9]+) .*/\1/p' <<<"$last")
    eps=$(sed -nE 's/.* exec\/s: ([0-9]+) .*/\1/p' <<<"$last")
    printf '%-8s cpu-min %6.1f  runs %10s  exec/s %6s  cov %5s  ft %6s  corpus %5s  findings %s\n' \
        "$target" "$cpu" "${runs:-0}" "${eps:-0}" "${cov:-0}" "${ft:-0}" "$corpus" "$findings"
}

run() {
    local target=$1 p dir
    p=$(product "$target")
    dir=$scratch/runs/$target
    mkdir -p "$dir/corpus" "$dir/findings"
    seed "$target" "$dir/seeds"
    dictionary "$target" "$dir/dict"
    local maxlen=65536
    case "$target" in query | date | route | nntp | config) maxlen=4096 ;; imap) maxlen=16384 ;; esac
    local seconds
    seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
    echo "fuzzing $target for $minutes min (log: $dir/fuzz.log) ..." >&2
    local before after
    before=$(ls "$dir/findings" | wc -l)
    local t0 t1
    t0=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
    # fork mode: a crash is saved and fuzzing goes on (ignore_*), so one run finds several
    (
        cd "$dir"
        TIDINGS_FIXTURES=$fixtures ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
            "$scratch/release/$p" corpus seeds -fork="${FUZZ_JOBS:-1}" -ignore_crashes=1 -ignore_timeouts=1 \
            -ignore_ooms=1 -max_total_time="$seconds" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
            -timeout="${FUZZ_TIMEOUT:-10}" -max_len=$maxlen -dict=dict -artifact_prefix=findings/ \
            -print_final_stats=1 >fuzz.log 2>&1
    ) || true
    t1=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
    local ticks cpu
    ticks=$(getconf CLK_TCK)
    cpu=$(awk -v a="$t0" -v b="$t1" -v t="$ticks" 'BEGIN { printf "%.1f", (b - a) / t / 60 }')
    after=$(ls "$dir/findings" | wc -l)
    local found="none"
    if [ "$after" -gt 0 ]; then
        found="$((after - before)) new, $after in $dir/findings: $(ls "$dir/findings" | sed -E 's/-.*//' | sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')"
    fi
    summary "$target" "$dir/fuzz.log" "$cpu" "$found" "$(ls "$dir/corpus" | wc -l)" | tee -a "$scratch/runs/summary.log"
}

case "$what" in
    build)
        for t in "${targets[@]}"; do build "$(product "$t")"; done
        ;;
    all)
        for t in "${targets[@]}"; do build "$(product "$t")"; done
        for t in "${targets[@]}"; do run "$t"; done
        ;;
    *)
        build "$(product "$what")"
        run "$what"
        ;;
esac
