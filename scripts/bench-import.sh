#!/usr/bin/env bash
# bench-import.sh — compare initial import/index speed and index size of
# public-inbox (public-inbox-index on a pre-existing v2 epoch) and Tidings
# (tidings import of the same epoch, from its directory and from the bundle;
# tidings index of the epoch put in place, then tidings index --rebuild).
#
# Usage: scripts/bench-import.sh [--only-public-inbox | --only-tidings] [--keep] [CORPUS]
#
#   CORPUS  git bundle (or bare epoch repo) of public-inbox `m` commits.
#           Default: $CORPUS_BUNDLE, else <repo>/../shared/corpus/virtualization-2019-2020.bundle
#
# Environment:
#   TIDINGS=PATH        tidings binary (default <repo>/.build/release/tidings; if that is
#                       missing it is built with `swift build -c release --product tidings`)
#   PI_ONLY=1           same as --only-public-inbox (skip Tidings)
#   TIDINGS_ONLY=1      same as --only-tidings (skip public-inbox)
#   KEEP=1              same as --keep (keep the temp dir, path printed at the end)
#   BENCH_TMPDIR=DIR    where the temp dir is created (default ${TMPDIR:-/tmp})
#   PI_INIT_OPTS="..."  extra public-inbox-init options (e.g. "-j 3"); default none
#   PI_INDEX_OPTS="..." extra public-inbox-index options (e.g. "--no-fsync"); default none
#   PI_INDEXLEVEL=L     public-inbox indexlevel (default full)
#
# Nothing leaks into ~: HOME, PI_DIR, PI_CONFIG and XDG_* point into the temp dir,
# and one temp PI_CONFIG is shared by both tools (same file format).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib-bench.sh"

ROOT=$(bench_repo_root)
PI_ONLY=${PI_ONLY:-0}
TIDINGS_ONLY=${TIDINGS_ONLY:-0}
KEEP=${KEEP:-0}
CORPUS=${CORPUS_BUNDLE:-}

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

while [[ $# -gt 0 ]]; do
	case $1 in
	--only-public-inbox|--pi-only) PI_ONLY=1 ;;
	--only-tidings|--tidings-only) TIDINGS_ONLY=1 ;;
	--keep) KEEP=1 ;;
	--corpus) shift; CORPUS=${1:?--corpus needs a path} ;;
	--corpus=*) CORPUS=${1#--corpus=} ;;
	-h|--help) usage 0 ;;
	-*) bench_log "unknown option: $1"; usage 2 >&2 ;;
	*) CORPUS=$1 ;;
	esac
	shift
done
[[ $PI_ONLY == 1 && $TIDINGS_ONLY == 1 ]] && bench_die "--only-public-inbox and --only-tidings are exclusive"
RUN_PI=1 RUN_TD=1
[[ $PI_ONLY == 1 ]] && RUN_TD=0
[[ $TIDINGS_ONLY == 1 ]] && RUN_PI=0

CORPUS=${CORPUS:-$ROOT/../shared/corpus/virtualization-2019-2020.bundle}
[[ -e $CORPUS ]] || bench_die "corpus not found: $CORPUS (pass a path or set CORPUS_BUNDLE)"
CORPUS=$(cd "$(dirname "$CORPUS")" && pwd)/$(basename "$CORPUS")

# ---- tools (build before HOME is redirected, so SwiftPM caches stay usable)
[[ $RUN_TD == 1 ]] && bench_tidings_binary
if [[ $RUN_PI == 1 ]]; then
	for t in public-inbox-init public-inbox-index; do
		command -v "$t" >/dev/null 2>&1 || bench_die "$t not found (apt-get install public-inbox)"
	done
fi
command -v git >/dev/null 2>&1 || bench_die "git not found"
bench_need_time

# ---- sandbox
WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/tidings-bench.XXXXXX")
cleanup() {
	if [[ $KEEP == 1 ]]; then
		bench_log "kept $WORK"
	else
		rm -rf -- "$WORK"
	fi
}
trap cleanup EXIT
mkdir -p "$WORK/home" "$WORK/logs"
export HOME=$WORK/home
export PI_DIR=$HOME/.public-inbox
export PI_CONFIG=$WORK/pi-config
export XDG_CONFIG_HOME=$HOME/.config XDG_CACHE_HOME=$HOME/.cache XDG_DATA_HOME=$HOME/.local/share
export XDG_STATE_HOME=$HOME/.local/state XDG_RUNTIME_DIR=$WORK/run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
: >"$PI_CONFIG"

declare -a COMMANDS=()   # exact commands, printed in the report
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A IDX_BYTES=() GIT_BYTES=() INDEXED=()

# ---- public-inbox: v2 inbox whose 0.git is the corpus epoch, then time public-inbox-index
PI_NAME=bench-pi
PI_DIR_INBOX=$WORK/pi/$PI_NAME
if [[ $RUN_PI == 1 ]]; then
	mkdir -p "$PI_DIR_INBOX/git"
	bench_log "cloning corpus into $PI_DIR_INBOX/git/0.git (untimed)"
	git clone -q --mirror "$CORPUS" "$PI_DIR_INBOX/git/0.git"
	# Like mirroring an existing inbox: epochs first, then init (it keeps the
	# existing 0.git and creates all.git + empty msgmap/over/xap15), then index.
	# shellcheck disable=SC2086
	public-inbox-init -V2 -L "${PI_INDEXLEVEL:-full}" ${PI_INIT_OPTS:-} \
		"$PI_NAME" "$PI_DIR_INBOX" "http://example.org/$PI_NAME" "$PI_NAME@example.org" \
		>"$WORK/logs/pi-init.log" 2>&1 || { cat "$WORK/logs/pi-init.log" >&2; exit 1; }
	# what public-inbox-init does for epochs it creates itself
	git config -f "$PI_DIR_INBOX/git/0.git/config" include.path ../../all.git/config
	COMMANDS+=("git clone --mirror $CORPUS $PI_DIR_INBOX/git/0.git")
	COMMANDS+=("public-inbox-init -V2 -L ${PI_INDEXLEVEL:-full} ${PI_INIT_OPTS:+$PI_INIT_OPTS }$PI_NAME $PI_DIR_INBOX http://example.org/$PI_NAME $PI_NAME@example.org")
	COMMANDS+=("[timed] public-inbox-index ${PI_INDEX_OPTS:+$PI_INDEX_OPTS }$PI_DIR_INBOX")
	sync
	# shellcheck disable=SC2086
	bench_time pi-index "$WORK/logs/pi-index.log" -- public-inbox-index ${PI_INDEX_OPTS:-} "$PI_DIR_INBOX"
	sync
	IDX_BYTES[pi-index]=$(bench_du_except "$PI_DIR_INBOX" git all.git)
	GIT_BYTES[pi-index]=$(bench_du_bytes "$PI_DIR_INBOX/git")
	for f in msgmap.sqlite3 xap15/over.sqlite3; do # v2 keeps over.sqlite3 in xap15/
		[[ -s $PI_DIR_INBOX/$f ]] || bench_die "public-inbox-index did not create $f"
	done
	compgen -G "$PI_DIR_INBOX/xap15/*" >/dev/null || bench_die "public-inbox-index did not create xap15/"
fi

# number of messages in the corpus (commits of the epoch)
if [[ $RUN_PI == 1 ]]; then
	NMSG=$(git -C "$PI_DIR_INBOX/git/0.git" rev-list --count --all)
elif [[ -d $CORPUS ]]; then
	NMSG=$(git -C "$CORPUS" rev-list --count --all)
else
	git clone -q --mirror "$CORPUS" "$WORK/corpus-count.git"
	NMSG=$(git -C "$WORK/corpus-count.git" rev-list --count --all)
	rm -rf "$WORK/corpus-count.git"
fi

# ---- Tidings: the same epoch imported (from the directory, as public-inbox-index reads it, and
# from the bundle, which adds the clone), indexed in place, and rebuilt
TD_NAME=bench-tidings
TD_DIR=$WORK/tidings/$TD_NAME
td_measure() { # KEY DIR
	IDX_BYTES[$1]=$(bench_du_except "$2" git all.git)
	GIT_BYTES[$1]=$(bench_du_bytes "$2/git")
}
td_init() { # NAME DIR
	"$TIDINGS" init "$1" "$2" --address "$1@example.org" --url "http://example.org/$1" >"$WORK/logs/td-init-$1.log" 2>&1 ||
		{ cat "$WORK/logs/td-init-$1.log" >&2; exit 1; }
	COMMANDS+=("$TIDINGS init $1 $2 --address $1@example.org --url http://example.org/$1")
}
declare -A TD_DIRS=()
if [[ $RUN_TD == 1 ]]; then
	mkdir -p "$WORK/tidings"
	EPOCH=$WORK/corpus.git
	git clone -q --mirror "$CORPUS" "$EPOCH"
	COMMANDS+=("git clone --mirror $CORPUS $EPOCH")
	# import of the epoch directory (what public-inbox-index reads)
	td_init bench-epoch "$WORK/tidings/bench-epoch"
	COMMANDS+=("[timed] $TIDINGS import bench-epoch $EPOCH")
	sync
	bench_time td-import-epoch "$WORK/logs/td-import-epoch.log" -- "$TIDINGS" import bench-epoch "$EPOCH"
	sync
	td_measure td-import-epoch "$WORK/tidings/bench-epoch"
	TD_DIRS[td-import-epoch]=$WORK/tidings/bench-epoch
	# import of the bundle (clones it first)
	td_init "$TD_NAME" "$TD_DIR"
	COMMANDS+=("[timed] $TIDINGS import $TD_NAME $CORPUS")
	sync
	bench_time td-import "$WORK/logs/td-import.log" -- "$TIDINGS" import "$TD_NAME" "$CORPUS"
	sync
	td_measure td-import "$TD_DIR"
	TD_DIRS[td-import]=$TD_DIR
	# the epoch put in place (as a mirror of an existing inbox), indexed, then rebuilt
	td_init bench-inplace "$WORK/tidings/bench-inplace"
	rm -rf "$WORK/tidings/bench-inplace/git/0.git"
	git clone -q --mirror "$CORPUS" "$WORK/tidings/bench-inplace/git/0.git"
	COMMANDS+=("git clone --mirror $CORPUS $WORK/tidings/bench-inplace/git/0.git")
	COMMANDS+=("[timed] $TIDINGS index bench-inplace")
	COMMANDS+=("[timed] $TIDINGS index bench-inplace --rebuild")
	sync
	bench_time td-index "$WORK/logs/td-index.log" -- "$TIDINGS" index bench-inplace
	sync
	td_measure td-index "$WORK/tidings/bench-inplace"
	TD_DIRS[td-index]=$WORK/tidings/bench-inplace
	bench_time td-rebuild "$WORK/logs/td-rebuild.log" -- "$TIDINGS" index bench-inplace --rebuild
	sync
	td_measure td-rebuild "$WORK/tidings/bench-inplace"
	TD_DIRS[td-rebuild]=$WORK/tidings/bench-inplace
fi

# ---- message counts actually indexed
sql_count() { # DB SQL
	[[ -s $1 ]] && command -v sqlite3 >/dev/null 2>&1 && sqlite3 -readonly "$1" "$2" 2>/dev/null || echo '?'
}
xapian_count() { # XAP15_DIR (sums shards; needs Search::Xapian)
	perl -MSearch::Xapian -e '
		my $n = 0; $n += Search::Xapian::Database->new($_)->get_doccount for @ARGV; print "$n\n"' \
		"$1"/[0-9]* 2>/dev/null || echo '?'
}
if [[ $RUN_PI == 1 ]]; then
	PI_MM=$(sql_count "$PI_DIR_INBOX/msgmap.sqlite3" 'select count(*) from msgmap')
	PI_OVER=$(sql_count "$PI_DIR_INBOX/xap15/over.sqlite3" 'select count(*) from over where num > 0')
	# v2 indexing of an existing epoch skips a blob whose Message-ID(s) are all taken
	PI_DUPS=$(grep -c 'is a duplicate' "$WORK/logs/pi-index.log" || true)
	PI_XAP=$(xapian_count "$PI_DIR_INBOX/xap15")
	PI_SHARDS=$(compgen -G "$PI_DIR_INBOX/xap15/[0-9]*" | wc -l)
	INDEXED[pi-index]=$PI_OVER
fi
td_count() { # DIR
	sql_count "$1/tidings.sqlite3" 'select count(*) from over'
}
if [[ $RUN_TD == 1 ]]; then
	for k in td-import-epoch td-import td-index td-rebuild; do INDEXED[$k]=$(td_count "${TD_DIRS[$k]}"); done
fi

# ---- report
label() {
	case $1 in
	pi-index) echo 'public-inbox-index' ;;
	td-import-epoch) echo 'tidings import (epoch dir)' ;;
	td-import) echo 'tidings import (bundle)' ;;
	td-index) echo 'tidings index (in place)' ;;
	td-rebuild) echo 'tidings index --rebuild' ;;
	esac
}
KEYS=()
[[ $RUN_PI == 1 ]] && KEYS+=(pi-index)
[[ $RUN_TD == 1 ]] && KEYS+=(td-import-epoch td-import td-index td-rebuild)

echo
echo "== bench-import: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
echo "machine:  $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null),"\
"$(awk '/^MemTotal/ { printf " %.1f GB RAM", $2 / 1048576 }' /proc/meminfo)"
echo "corpus:   $CORPUS ($NMSG messages)"
echo "versions: $(git --version)$( [[ $RUN_PI == 1 ]] &&
	printf ', public-inbox %s' "$(dpkg-query -W -f '${Version}' public-inbox 2>/dev/null || echo '?')")"\
"$( [[ $RUN_PI == 1 ]] && printf ', Search::Xapian %s, %s xapian shard(s)' \
	"$(perl -MSearch::Xapian -e 'print Search::Xapian::version_string()' 2>/dev/null || echo '?')" "$PI_SHARDS")"
echo "commands:"
printf '  %s\n' "${COMMANDS[@]}"
if [[ $RUN_PI == 1 ]]; then
	echo "public-inbox indexed: msgmap $PI_MM, over $PI_OVER, xapian $PI_XAP docs (corpus $NMSG;"\
" $PI_DUPS skipped as 'is a duplicate' = Message-ID already indexed)"
fi
[[ $RUN_TD == 1 ]] && echo "tidings indexed: import ${INDEXED[td-import]}, index ${INDEXED[td-index]} (corpus $NMSG)"
echo

bench_table_reset
bench_table_row command 'wall s' 'msgs/s' 'CPU s' 'user s' 'sys s' 'RSS MB' 'index MB' 'git MB' 'idx/git' 'indexed'
for k in "${KEYS[@]}"; do
	bench_table_row "$(label "$k")" "${BENCH_WALL[$k]}" "$(bench_div "$NMSG" "${BENCH_WALL[$k]}" %.0f)" \
		"${BENCH_CPU[$k]}" "${BENCH_USER[$k]}" "${BENCH_SYS[$k]}" "${BENCH_RSS_MB[$k]}" \
		"$(bench_mb "${IDX_BYTES[$k]}")" "$(bench_mb "${GIT_BYTES[$k]}")" \
		"$(bench_div "${IDX_BYTES[$k]}" "${GIT_BYTES[$k]}")" "${INDEXED[$k]:-?}"
done
bench_table_print

if [[ $RUN_PI == 1 && $RUN_TD == 1 ]]; then
	echo
	echo "ratios (public-inbox / tidings; >1 means tidings is faster or smaller):"
	bench_table_reset
	bench_table_row 'tidings command' 'wall ratio' 'CPU ratio' 'RSS ratio' 'index size ratio'
	for k in td-import-epoch td-import td-index td-rebuild; do
		bench_table_row "$(label "$k")" \
			"$(bench_div "${BENCH_WALL[pi-index]}" "${BENCH_WALL[$k]}")" \
			"$(bench_div "${BENCH_CPU[pi-index]}" "${BENCH_CPU[$k]}")" \
			"$(bench_div "${BENCH_RSS_MB[pi-index]}" "${BENCH_RSS_MB[$k]}")" \
			"$(bench_div "${IDX_BYTES[pi-index]}" "${IDX_BYTES[$k]}")"
	done
	bench_table_print
	echo "note: 'tidings import' also writes a new epoch with git fast-import (and, of the bundle, clones it"
	echo "      first); public-inbox-index and 'tidings index' only index the epoch already in place."
fi
echo "load:     $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (1/5/15-minute load averages)"
echo "note: CPU = user+sys of the whole process tree; RSS = peak of the largest single process;"
echo "      sizes are du allocated bytes (MB = 1e6); index = inbox dir minus git/ and all.git."
[[ $KEEP == 1 ]] && echo "logs and inboxes kept in $WORK"
exit 0
