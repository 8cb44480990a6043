#!/usr/bin/env bash
# bench-mirror.sh [CORPUS.bundle] — mirroring, Tidings beside public-inbox-httpd in one run on
# one machine, both serving the same 10,000-message epoch (lib-bench-serve.sh sets them up):
#   - git clone --mirror of the epoch over smart HTTP (best of RUNS)
#   - upload-pack throughput: one POST wanting the whole epoch, pack bytes / seconds (best of RUNS)
#   - public-inbox-clone of the inbox (git only; indexing is the client's and the same for both)
#   - tidings clone (clone + index) from each server
#   - tidings fetch from Tidings: nothing new, then 100 new messages
# Environment: RUNS (3), TIDINGS (release build by default), WORK_DIR (keep and reuse the inboxes).
BENCH_NAME=mirror
BENCH_PORT_BASE=${BENCH_PORT_BASE:-18600}
. "$(dirname "$0")/lib-bench-serve.sh"
bench_need_time
RUNS=${RUNS:-3}
command -v public-inbox-clone >/dev/null || bench_die "public-inbox-clone not found (apt-get install public-inbox)"

TIP=$(git --git-dir="$TD_INBOX/git/0.git" rev-parse refs/heads/master)
printf '0032want %s\n00000009done\n' "$TIP" >"$WORK/want.req"

best() { sort -n | head -n 1; } # smallest of the numbers on stdin

declare -A CLONE UPLOAD PICLONE TDCLONE PACK
for side in td pi; do
	port=$TD_PORT
	[[ $side == pi ]] && port=$PI_PORT
	base="http://127.0.0.1:$port/bench"
	times=()
	for i in $(seq 1 "$RUNS"); do
		rm -rf "$WORK/clone-$side"
		bench_time "clone-$side-$i" "$WORK/logs/clone-$side-$i.log" -- git clone -q --mirror "$base/git/0.git" "$WORK/clone-$side"
		times+=("${BENCH_WALL[clone-$side-$i]}")
	done
	CLONE[$side]=$(printf '%s\n' "${times[@]}" | best)
	rates=()
	for i in $(seq 1 "$RUNS"); do
		read -r bytes secs < <(curl -sS -o /dev/null -w '%{size_download} %{time_total}\n' --data-binary @"$WORK/want.req" \
			-H 'Content-Type: application/x-git-upload-pack-request' "$base/git/0.git/git-upload-pack")
		PACK[$side]=$bytes
		rates+=("$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / 1e6 / s }')")
	done
	UPLOAD[$side]=$(printf '%s\n' "${rates[@]}" | sort -rn | head -n 1)
	times=()
	for i in $(seq 1 "$RUNS"); do
		rm -rf "$WORK/piclone-$side"
		bench_time "piclone-$side-$i" "$WORK/logs/piclone-$side-$i.log" -- public-inbox-clone -q "$base" "$WORK/piclone-$side"
		times+=("${BENCH_WALL[piclone-$side-$i]}")
	done
	PICLONE[$side]=$(printf '%s\n' "${times[@]}" | best)
	rm -rf "$WORK/tdclone-$side" "$WORK/tdclone-$side.config"
	bench_time "tdclone-$side" "$WORK/logs/tdclone-$side.log" -- \
		"$TIDINGS" clone --config "$WORK/tdclone-$side.config" "$base" bench "$WORK/tdclone-$side"
	TDCLONE[$side]=${BENCH_WALL[tdclone-$side]}
done

# tidings fetch from the Tidings server: nothing new, then 100 new messages added there
MCONF=$WORK/tdclone-td.config
bench_time fetch-none "$WORK/logs/fetch-none.log" -- "$TIDINGS" fetch --config "$MCONF" bench
grep -q "nothing new" "$WORK/logs/fetch-none.log" || bench_die "fetch with nothing new said: $(cat "$WORK/logs/fetch-none.log")"
: >"$WORK/new.mbox"
for i in $(seq 1 100); do
	printf 'From bench@example.org Mon Jan  4 10:00:00 2021\nFrom: Bench <bench@example.org>\nTo: bench@example.org\nSubject: bench fetch %d\nDate: Mon, 4 Jan 2021 10:%02d:00 +0000\nMessage-ID: <bench-fetch-%d-%s@example.org>\n\nmessage %d\n\n' \
		"$i" $((i % 60)) "$i" "$$" "$i" >>"$WORK/new.mbox"
done
PI_CONFIG=$TD_CONFIG "$TIDINGS" import bench "$WORK/new.mbox" >"$WORK/logs/import-new.log" 2>&1
bench_time fetch-100 "$WORK/logs/fetch-100.log" -- "$TIDINGS" fetch --config "$MCONF" bench
grep -q "100 imported" "$WORK/logs/fetch-100.log" || bench_die "fetch of 100 new said: $(cat "$WORK/logs/fetch-100.log")"

mb=$(bench_mb "${PACK[td]}")
bench_table_reset
bench_table_row "mirroring ($RUNS runs, best)" "Tidings" "public-inbox-httpd" "ratio (pi/Tidings)"
bench_table_row "git clone --mirror epoch 0 (s)" "${CLONE[td]}" "${CLONE[pi]}" "$(bench_div "${CLONE[pi]}" "${CLONE[td]}")"
bench_table_row "upload-pack, whole epoch (MB/s)" "${UPLOAD[td]}" "${UPLOAD[pi]}" "$(bench_div "${UPLOAD[td]}" "${UPLOAD[pi]}")"
bench_table_row "public-inbox-clone (s)" "${PICLONE[td]}" "${PICLONE[pi]}" "$(bench_div "${PICLONE[pi]}" "${PICLONE[td]}")"
bench_table_row "tidings clone: git + index (s)" "${TDCLONE[td]}" "${TDCLONE[pi]}" "$(bench_div "${TDCLONE[pi]}" "${TDCLONE[td]}")"
bench_table_row "tidings fetch, nothing new (s)" "${BENCH_WALL[fetch-none]}" "" ""
bench_table_row "tidings fetch, 100 new (s)" "${BENCH_WALL[fetch-100]}" "" ""
echo "pack of epoch 0: $mb MB (Tidings), $(bench_mb "${PACK[pi]}") MB (public-inbox); upload-pack ratio is Tidings/pi"
bench_table_print
