# shellcheck shell=bash
# Shared helpers for Tidings benchmarks (bench-import.sh, and later web benchmarks).
# Source it:  . "$(dirname "$0")/lib-bench.sh"
#
# Provides:
#   bench_log MSG...                  progress message on stderr
#   bench_die MSG...                  error on stderr, exit 1
#   bench_repo_root                   absolute path of the repository root
#   bench_need_time                   ensure GNU /usr/bin/time exists (apt-get install time, guarded)
#   bench_time KEY LOG -- CMD...      run CMD under /usr/bin/time, output to LOG; sets
#                                     BENCH_WALL[KEY] BENCH_USER[KEY] BENCH_SYS[KEY]
#                                     BENCH_CPU[KEY] (user+sys) BENCH_RSS_MB[KEY] (peak RSS)
#   bench_du_bytes PATH...            bytes allocated on disk (du -B1), hard links counted once
#   bench_du_except DIR NAME...       bytes of DIR's entries except the named top-level ones
#   bench_mb BYTES                    bytes -> MB (1e6) with one decimal
#   bench_div A B [FMT]               A/B formatted (default %.2f), "n/a" if B is 0/empty
#   bench_table_reset / bench_table_row COL... / bench_table_print
#                                     aligned plain-text table (first row = header)
#   run_wrk PORT PATH [WRK ARGS...]   wrk -t$THREADS -c$CONNS -d$DURATION: "rps p50ms p99ms non2xx requests"
#   rss_mb PID                        RSS of PID and its descendants (MiB)
#   cpu_ticks PID                     user+system CPU of PID and its descendants (clock ticks)
#
# Notes on /usr/bin/time figures: user+sys include every child process that was
# waited for (shard workers, git cat-file, fast-import ...). Peak RSS (%M) is
# the maximum RSS of the largest single process in the tree, not a sum.

BENCH_TIME_BIN=${BENCH_TIME_BIN:-/usr/bin/time}
declare -gA BENCH_WALL=() BENCH_USER=() BENCH_SYS=() BENCH_CPU=() BENCH_RSS_MB=()
declare -ga BENCH_TABLE=()

bench_log() { printf '[bench] %s\n' "$*" >&2; }
bench_die() { printf '[bench] ERROR: %s\n' "$*" >&2; exit 1; }

bench_repo_root() {
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/.." && pwd)
}

# bench_tidings_binary: sets TIDINGS to an absolute path: as given, else the release build
# of this tree (built first if missing).
bench_tidings_binary() {
	if [[ -z ${TIDINGS:-} ]]; then
		TIDINGS=$ROOT/.build/release/tidings
		if [[ ! -x $TIDINGS ]]; then
			bench_log "building tidings (swift build -c release --product tidings)"
			(cd "$ROOT" && swift build -c release --product tidings) >&2
		fi
	fi
	[[ -x $TIDINGS ]] || bench_die "no tidings binary at $TIDINGS"
	TIDINGS=$(cd "$(dirname "$TIDINGS")" && pwd)/$(basename "$TIDINGS")
}

bench_need_time() {
	if [[ -x $BENCH_TIME_BIN ]] && "$BENCH_TIME_BIN" -f '%e' true >/dev/null 2>&1; then
		return 0
	fi
	bench_log "$BENCH_TIME_BIN missing; installing Debian package 'time'"
	local sudo=
	if [[ $(id -u) -ne 0 ]]; then
		command -v sudo >/dev/null 2>&1 || bench_die "need root or sudo to apt-get install time"
		sudo=sudo
	fi
	command -v apt-get >/dev/null 2>&1 || bench_die "apt-get not available; install GNU time manually"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >&2 ||
		{ $sudo apt-get update -q >&2 &&
		  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >&2; } ||
		bench_die "could not install package 'time'"
	[[ -x $BENCH_TIME_BIN ]] || bench_die "$BENCH_TIME_BIN still missing after install"
}

# bench_time KEY LOGFILE -- CMD [ARGS...]
bench_time() {
	local key=$1 logf=$2
	shift 2
	[[ ${1-} == -- ]] && shift
	local tf="$logf.time" rc=0
	bench_log "timing [$key]: $*"
	"$BENCH_TIME_BIN" -o "$tf" -f '%e %U %S %M' "$@" >"$logf" 2>&1 || rc=$?
	if [[ $rc -ne 0 ]]; then
		bench_log "[$key] exited $rc; last lines of $logf:"
		tail -n 30 "$logf" >&2 || true
		return "$rc"
	fi
	# the last line holds the format (earlier lines may be "Command exited ..." notes)
	local e u s m
	read -r e u s m < <(tail -n 1 "$tf")
	BENCH_WALL[$key]=$e
	BENCH_USER[$key]=$u
	BENCH_SYS[$key]=$s
	BENCH_CPU[$key]=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
	BENCH_RSS_MB[$key]=$(awk -v k="$m" 'BEGIN { printf "%.1f", k / 1024 }')
	bench_log "[$key] wall ${e}s cpu ${BENCH_CPU[$key]}s (user $u sys $s) peak RSS ${BENCH_RSS_MB[$key]} MB"
}

bench_du_bytes() {
	[[ $# -gt 0 ]] || { echo 0; return; }
	du -s -c -B1 -- "$@" 2>/dev/null | tail -n 1 | awk '{ print $1 + 0 }'
}

# bench_du_except DIR EXCLUDED_NAME...
bench_du_except() {
	local dir=$1
	shift
	local -a keep=()
	local p name ex skip
	for p in "$dir"/* "$dir"/.[!.]* "$dir"/..?*; do
		[[ -e $p || -L $p ]] || continue
		name=${p##*/}
		skip=0
		for ex in "$@"; do [[ $name == "$ex" ]] && skip=1 && break; done
		[[ $skip -eq 1 ]] || keep+=("$p")
	done
	bench_du_bytes "${keep[@]}"
}

bench_mb() { awk -v b="${1:-0}" 'BEGIN { printf "%.1f", b / 1e6 }'; }

bench_div() {
	awk -v a="${1-}" -v b="${2-}" -v f="${3:-%.2f}" \
		'BEGIN { if (b == "" || a == "" || b + 0 == 0) print "n/a"; else printf f "\n", a / b }'
}

bench_table_reset() { BENCH_TABLE=(); }

# bench_table_row COL1 COL2 ...   (columns must not contain a TAB)
bench_table_row() {
	local IFS=$'\t'
	BENCH_TABLE+=("$*")
}

# first column left-aligned, the rest right-aligned; a rule under the header
bench_table_print() {
	[[ ${#BENCH_TABLE[@]} -gt 0 ]] || return 0
	printf '%s\n' "${BENCH_TABLE[@]}" | awk -F '\t' '
		{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) }
		  if (NF > nf) nf = NF; n = NR }
		END {
			for (r = 1; r <= n; r++) {
				line = ""
				for (i = 1; i <= nf; i++) {
					fmt = (i == 1) ? "%-" w[i] "s" : "  %" w[i] "s"
					line = line sprintf(fmt, c[r, i])
				}
				print line
				if (r == 1) {
					tot = 0; for (i = 1; i <= nf; i++) tot += w[i] + (i > 1 ? 2 : 0)
					rule = ""; for (i = 0; i < tot; i++) rule = rule "-"
					print rule
				}
			}
		}'
}

# ---- load and memory (bench-web, bench-search, bench-crawl, bench-growth)
# THREADS, CONNS and DURATION (wrk -t -c -d) are the caller's.
# run_wrk PORT PATH [WRK ARGS...] -> "rps p50ms p99ms non2xx" (ARGS go after the URL: options such
# as `-s script.lua`, then `-- SCRIPT ARGS`)
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.2f", v }'; }
run_wrk() {
	local port=$1 path=$2
	shift 2
	local out rps p50 p99 non2xx n
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$port/$path" "$@" 2>&1)
	rps=$(awk '/^Requests\/sec:/ { printf "%.1f", $2 }' <<<"$out")
	p50=$(awk '$1 == "50%" { print $2 }' <<<"$out" | to_ms)
	p99=$(awk '$1 == "99%" { print $2 }' <<<"$out" | to_ms)
	non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
	n=$(awk '/requests in/ { print $1 }' <<<"$out")
	[[ -z $non2xx ]] || bench_log "WARNING: $non2xx non-2xx answers from :$port/$path"
	echo "${rps:-0} ${p50:-?} ${p99:-?} ${non2xx:-0} ${n:-0}"
}

# tree_pids PID -> PID and all its live descendants, one per line
tree_pids() {
	local pids=("$1") i=0 p
	while [[ $i -lt ${#pids[@]} ]]; do
		for p in $(pgrep -P "${pids[$i]}" 2>/dev/null); do pids+=("$p"); done
		i=$((i + 1))
	done
	printf '%s\n' "${pids[@]}"
}

# cpu_ticks PID -> user + system CPU time of PID and all its live descendants, and of the
# children they have reaped, in clock ticks (getconf CLK_TCK per second)
cpu_ticks() {
	local t=0 p v
	for p in $(tree_pids "$1"); do
		# fields after the ")" of the command name: utime stime cutime cstime are 12-15
		v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }')
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# cpu_ms_per TICKS_BEFORE TICKS_AFTER REQUESTS -> CPU milliseconds per request
cpu_ms_per() {
	awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (n > 0) printf "%.2f", (b - a) * 1000 / hz / n; else print "-" }'
}

# rss_mb PID -> resident memory of PID and all its descendants, in MB (MiB, as ps and top count)
rss_mb() {
	local kb=0 p k
	for p in $(tree_pids "$1"); do
		k=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		kb=$((kb + ${k:-0}))
	done
	awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }'
}
