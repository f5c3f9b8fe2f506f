#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# reporter.sh - the reporter with its real consumers and in real failure
# situations: promtool, jq, interval timing, --output on a full and on a
# read-only tmpfs, a missing directory, --netns on a file that is not a
# namespace, a reader that closes the pipe, SIGTERM/SIGINT mid-stream and
# a blocked stdout.
#
# The script re-runs itself in a private mount namespace, so its tmpfs
# mounts never show on the host and vanish with it.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root, unshare,
# mount, jq, promtool (Debian package prometheus; its checks are skipped
# without it), GNU date.
#
#   TCPSTAT=user/tcpstat bash tests/host/reporter.sh

set -u
# shellcheck source=tests/host/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
require_cmd unshare mount jq date
[ -x "$TCPSTAT" ] || skip_all "no $TCPSTAT (make -C user)"
TCPSTAT=$(cd "$(dirname "$TCPSTAT")" && pwd)/$(basename "$TCPSTAT")

if [ -z "${TCPSTAT_HOST_PRIVATE_MNT:-}" ]; then
	TCPSTAT_HOST_PRIVATE_MNT=1 TCPSTAT=$TCPSTAT \
		exec unshare -m --propagation private bash "$0" "$@"
fi

tmp=$(mktemp -d /tmp/tcpstat-reporter.XXXXXX) || exit "$KSFT_FAIL"
bg_pid=
cleanup() {
	[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null
	umount "$tmp/full" "$tmp/ro" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit "$KSFT_FAIL"' INT TERM

echo "TAP version 13"

# ---- prometheus: promtool accepts it ----
if command -v promtool >/dev/null 2>&1; then
	# (word splitting of $args is wanted; the quote and backslash are data)
	# shellcheck disable=SC2089,SC2090,SC2086
	for args in "" "--meta" "--meta --tag dc=fra1 --tag note=a\"b\\c"; do
		"$TCPSTAT" --format prometheus $args >"$tmp/metrics.prom" 2>"$tmp/err"
		rc=$?
		if [ "$rc" -eq 0 ] && promtool check metrics <"$tmp/metrics.prom" >"$tmp/promtool" 2>&1 &&
		   [ "$(grep -c '^tcpstat_connections{' "$tmp/metrics.prom")" -eq 22 ]; then
			ok "promtool check metrics: --format prometheus $args"
		else
			not_ok "promtool check metrics: --format prometheus $args" "status $rc" \
				"$(cat "$tmp/promtool" "$tmp/err")"
		fi
	done
	promtool check metrics <"$HOST_TOP/tests/fixtures/expected/basic-tags.prom" >"$tmp/promtool" 2>&1
	check "promtool check metrics: escaped labels fixture" [ $? -eq 0 ]
else
	skip "promtool check metrics" "promtool not installed (apt-get install prometheus)"
fi

# ---- JSON: jq parses it, the 11 keys in order, extra keys when asked ----
STATES='"ESTABLISHED","SYN_SENT","SYN_RECV","FIN_WAIT1","FIN_WAIT2","TIME_WAIT","CLOSE","CLOSE_WAIT","LAST_ACK","LISTEN","CLOSING"'
json_keys() {
	local want=$1
	shift
	"$TCPSTAT" "$@" >"$tmp/json" 2>"$tmp/err" || return 1
	[ "$(wc -l <"$tmp/json")" -eq 1 ] || return 1
	[ "$(jq -c keys_unsorted "$tmp/json")" = "$want" ] || return 1
	jq -e '[.[] | numbers] | all(. >= 0)' "$tmp/json" >/dev/null
}
check "json: exactly the 11 states in order" json_keys "[$STATES]"
check "json --family: + ipv4, ipv6" json_keys "[$STATES,\"ipv4\",\"ipv6\"]" --family
check "json --family: each family has the 11 states" \
	[ "$(jq -c '[.ipv4, .ipv6 | keys_unsorted]' "$tmp/json")" = "[[$STATES],[$STATES]]" ]
jq_true() {
	jq -e "$@" >/dev/null 2>&1
}
check "json --family: totals are ipv4 + ipv6" \
	jq_true '. as $r | [.ipv4 | keys_unsorted[] | . as $k | ($r[$k] == $r.ipv4[$k] + $r.ipv6[$k])] | all' "$tmp/json"
check "json --meta --tag: + timestamp, host, tags" \
	json_keys "[$STATES,\"timestamp\",\"host\",\"tags\"]" --meta --tag dc=fra1 --tag rack=r2
check "json --meta: host is the host name, tags as given" \
	jq_true --arg h "$(uname -n)" '.host == $h and .tags == {"dc": "fra1", "rack": "r2"}' "$tmp/json"

# ---- --interval 0.2 --count 3 --meta: three lines ~0.2 s apart ----
start=$(date +%s%N)
"$TCPSTAT" --interval 0.2 --count 3 --meta >"$tmp/stream" 2>"$tmp/err"
rc=$?
end=$(date +%s%N)
elapsed_ms=$(((end - start) / 1000000))
stamps=()
while IFS= read -r ts; do
	stamps+=("$(date -d "$ts" +%s%3N 2>/dev/null)")
done < <(jq -r .timestamp "$tmp/stream" 2>/dev/null)
good=1
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/stream")" -eq 3 ] && [ ! -s "$tmp/err" ] || good=0
[ "${#stamps[@]}" -eq 3 ] || good=0
if [ "$good" -eq 1 ]; then
	for i in 1 2; do
		d=$((stamps[i] - stamps[i - 1]))
		{ [ "$d" -ge 170 ] && [ "$d" -le 260 ]; } || good=0
	done
fi
grep -Eq '"timestamp":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"' "$tmp/stream" || good=0
if [ "$good" -eq 1 ] && [ "$elapsed_ms" -ge 380 ] && [ "$elapsed_ms" -le 1500 ]; then
	ok "--interval 0.2 --count 3 --meta: 3 lines, timestamps ${stamps[*]} ms, ${elapsed_ms} ms in all"
else
	not_ok "--interval 0.2 --count 3 --meta" "status $rc, ${elapsed_ms} ms, stamps ${stamps[*]:-}" \
		"$(cat "$tmp/stream" "$tmp/err")"
fi

# ---- --output on a full tmpfs: old file intact, exit 4, no temp left ----
mkdir "$tmp/full"
mount -t tmpfs -o size=64k,mode=0755 tcpstat-full "$tmp/full"
"$TCPSTAT" --output "$tmp/full/tcpstat.json" 2>"$tmp/err"
cp "$tmp/full/tcpstat.json" "$tmp/before.json"
dd if=/dev/zero of="$tmp/full/fill" bs=4096 2>/dev/null
"$TCPSTAT" --output "$tmp/full/tcpstat.json" --format prometheus >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 4 ] && cmp -s "$tmp/full/tcpstat.json" "$tmp/before.json" && [ ! -s "$tmp/out" ] &&
   [ "$(ls -A "$tmp/full" | sort | tr '\n' ' ')" = "fill tcpstat.json " ] &&
   grep -q "^tcpstat: $tmp/full/tcpstat.json: write: No space left on device (file left unchanged)\$" "$tmp/err"; then
	ok "--output on a full tmpfs: exit 4, previous file intact, temp file removed"
else
	not_ok "--output on a full tmpfs" "status $rc" "$(ls -A "$tmp/full")" "$(cat "$tmp/err")"
fi

# a stream on the full tmpfs: reported once, goes on, recovers
"$TCPSTAT" --output "$tmp/full/tcpstat.json" --interval 0.05 >/dev/null 2>"$tmp/stream.err" &
bg_pid=$!
wait_for 10 grep -q 'No space left' "$tmp/stream.err"
sleep 0.3 # several more failing samples: they must not be reported again
rm -f "$tmp/full/fill"
wait_for 10 grep -q 'recovered' "$tmp/stream.err"
kill -TERM "$bg_pid"
wait "$bg_pid"
rc=$?
bg_pid=
if [ "$rc" -eq 0 ] && [ "$(grep -c 'No space left' "$tmp/stream.err")" -eq 1 ] &&
   [ "$(grep -c "^tcpstat: $tmp/full/tcpstat.json: recovered\$" "$tmp/stream.err")" -eq 1 ] &&
   jq -e . "$tmp/full/tcpstat.json" >/dev/null 2>&1 &&
   [ "$(ls -A "$tmp/full")" = tcpstat.json ]; then
	ok "--output stream on a full tmpfs: one report, goes on, recovers"
else
	not_ok "--output stream on a full tmpfs" "status $rc" "$(cat "$tmp/stream.err")" "$(ls -A "$tmp/full")"
fi

# read-only file system
mkdir "$tmp/ro"
mount -t tmpfs -o size=64k tcpstat-ro "$tmp/ro"
"$TCPSTAT" --output "$tmp/ro/tcpstat.json" 2>/dev/null
cp "$tmp/ro/tcpstat.json" "$tmp/before.json"
mount -o remount,ro "$tmp/ro"
"$TCPSTAT" --output "$tmp/ro/tcpstat.json" --family >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 4 ] && cmp -s "$tmp/ro/tcpstat.json" "$tmp/before.json" && [ ! -s "$tmp/out" ] &&
   grep -q 'Read-only file system' "$tmp/err"; then
	ok "--output on a read-only file system: exit 4, file intact"
else
	not_ok "--output on a read-only file system" "status $rc" "$(cat "$tmp/err")"
fi

# missing directory
"$TCPSTAT" --output "$tmp/missing/dir/tcpstat.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 4 ] && [ ! -s "$tmp/out" ] &&
   [ "$(cat "$tmp/err")" = "tcpstat: $tmp/missing/dir/tcpstat.json: cannot create a temporary file in $tmp/missing/dir/: No such file or directory" ]; then
	ok "--output into a missing directory: exit 4, clear message"
else
	not_ok "--output into a missing directory" "status $rc" "$(cat "$tmp/err")"
fi

# ---- --netns on a file that is not a network namespace: exit 3 ----
"$TCPSTAT" --netns /etc/passwd >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 3 ] && [ ! -s "$tmp/out" ] &&
   [ "$(cat "$tmp/err")" = "tcpstat: /etc/passwd: not a network namespace" ]; then
	ok "--netns /etc/passwd: exit 3, not a network namespace"
else
	not_ok "--netns /etc/passwd" "status $rc" "$(cat "$tmp/err")"
fi
"$TCPSTAT" --netns /proc/self/ns/uts >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 3 ] && [ "$(cat "$tmp/err")" = "tcpstat: /proc/self/ns/uts: not a network namespace" ]; then
	ok "--netns on another kind of namespace: exit 3"
else
	not_ok "--netns /proc/self/ns/uts" "status $rc" "$(cat "$tmp/err")"
fi

# ---- a reader that closes the pipe: quiet, exit 0 ----
timeout 20 "$TCPSTAT" --interval 0.1 2>"$tmp/err" | head -n 2 >"$tmp/out"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] && [ "$(wc -l <"$tmp/out")" -eq 2 ]; then
	ok "tcpstat --interval 0.1 | head -n 2: exit 0, nothing on stderr"
else
	not_ok "tcpstat --interval 0.1 | head -n 2" "status $rc" "$(cat "$tmp/err")"
fi
timeout 20 "$TCPSTAT" --format prometheus 2>"$tmp/err" | head -n 1 >/dev/null
rc=${PIPESTATUS[0]}
check "single shot into a closed pipe: exit 0" [ "$rc" -eq 0 -a ! -s "$tmp/err" ]

# ---- SIGTERM / SIGINT mid-stream: exit 0, only whole lines ----
three_samples() {
	[ "$(grep -c '^# TYPE' "$1" 2>/dev/null)" -ge 3 ]
}
for sig in TERM INT; do
	"$TCPSTAT" --interval 0.05 --format prometheus --tag run=sig$sig >"$tmp/sig$sig.out" 2>"$tmp/sig$sig.err" &
	bg_pid=$!
	wait_for 10 three_samples "$tmp/sig$sig.out"
	kill -"$sig" "$bg_pid"
	wait "$bg_pid"
	rc=$?
	bg_pid=
	lines=$(wc -l <"$tmp/sig$sig.out")
	# (a loaded machine may miss a deadline: that note is all stderr may hold)
	if [ "$rc" -eq 0 ] && ! grep -qv 'fell behind' "$tmp/sig$sig.err" && [ $((lines % 24)) -eq 0 ] &&
	   [ "$(tail -c 1 "$tmp/sig$sig.out" | od -An -c | tr -d ' ')" = '\n' ] &&
	   { ! command -v promtool >/dev/null || head -n 24 "$tmp/sig$sig.out" | promtool check metrics >/dev/null 2>&1; }; then
		ok "SIG$sig mid-stream: exit 0, $((lines / 24)) whole expositions"
	else
		not_ok "SIG$sig mid-stream" "status $rc, $lines lines" "$(cat "$tmp/sig$sig.err")"
	fi
done

# ---- a blocked stdout: missed samples skipped (said once), never queued ----
# Samples of ~67 KB (a padded tag) into a pipe of 64 KiB whose reader
# holds it open without reading for 1.5 s, then drains it.
mkfifo "$tmp/fifo"
(exec 3<"$tmp/fifo"; sleep 1.5; cat <&3 >"$tmp/slow.out") &
reader_pid=$!
big=$(head -c 3000 /dev/zero | tr '\0' x)
"$TCPSTAT" --interval 0.01 --format prometheus --tag "pad=$big" >"$tmp/fifo" 2>"$tmp/slow.err" &
bg_pid=$!
wait_for 10 [ -s "$tmp/slow.out" ]
sleep 0.5
kill -TERM "$bg_pid"
wait "$bg_pid"
rc=$?
bg_pid=
wait "$reader_pid"
samples=$(grep -c '^# TYPE' "$tmp/slow.out")
behind=$(grep -c 'fell behind' "$tmp/slow.err")
whole=$(($(wc -l <"$tmp/slow.out") % 24))
# Unblocked for 0.5 s it writes ~50 samples; had the ~150 deadlines missed
# while blocked been queued, they would come on top.
if [ "$rc" -eq 0 ] && [ "$behind" -eq 1 ] && [ "$whole" -eq 0 ] &&
   [ "$samples" -ge 2 ] && [ "$samples" -lt 120 ]; then
	ok "blocked stdout: 'fell behind' said once, $samples samples, none queued"
else
	not_ok "blocked stdout" "status $rc, behind $behind, samples $samples" "$(cat "$tmp/slow.err")"
fi

finish
