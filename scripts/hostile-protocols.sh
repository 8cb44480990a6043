#!/usr/bin/env bash
# hostile-protocols.sh — NNTP and IMAP under hostile clients (issue 18), on loopback: an inbox of
# the corpus fixtures served with `ulimit -n 1024`, then scripts/hostile-protocols.py list, search
# and fds (see there), and whether the server ends within 3 s of SIGTERM.
# Usage: scripts/hostile-protocols.sh [list|search|fds ...]   (TIDINGS=path/to/tidings, PORT=18040)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TIDINGS=${TIDINGS:-$ROOT/.build/release/tidings}
[[ -x $TIDINGS ]] || (cd "$ROOT" && swift build -c release --product tidings) >&2
PORT=${PORT:-18040}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tidings-hostile-protocols.XXXXXX")
export PI_CONFIG=$WORK/config
"$TIDINGS" init test "$WORK/test" --address test@example.org >/dev/null
"$TIDINGS" import test "$ROOT"/Tests/Fixtures/corpus/*.eml >/dev/null
for mode in "${@:-list search fds}"; do
	for m in $mode; do
		(
			ulimit -n 1024
			exec "$TIDINGS" serve --listen 127.0.0.1:$PORT --nntp 127.0.0.1:$((PORT + 1)) --imap 127.0.0.1:$((PORT + 2)) --cache-mb 0
		) >"$WORK/serve-$m.log" 2>&1 &
		pid=$!
		sleep 4
		echo "== $m"
		python3 "$ROOT/scripts/hostile-protocols.py" "$m" $PORT $((PORT + 1)) $((PORT + 2)) $pid || true
		kill -TERM $pid
		sleep 3
		if kill -0 $pid 2>/dev/null; then
			echo "server still running 3 s after SIGTERM"
			kill -KILL $pid
		fi
		wait $pid 2>/dev/null || true
	done
done
rm -rf "$WORK"
