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
reader_pid=
cleanup() {
	[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null
	[ -n "$reader_pid" ] && kill "$reader_pid" 2>/dev/null
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
SELF='"up","sample_duration_seconds","build_info"'
json_keys() {
	local want=$1
	shift
	"$TCPSTAT" "$@" >"$tmp/json" 2>"$tmp/err" || return 1
	[ "$(wc -l <"$tmp/json")" -eq 1 ] || return 1
	[ "$(jq -c keys_unsorted "$tmp/json")" = "$want" ] || return 1
	jq -e '[.[] | numbers] | all(. >= 0)' "$tmp/json" >/dev/null
}
check "json: exactly the 11 states in order, then the self-metrics" json_keys "[$STATES,$SELF]"
self_ok() {
	jq -e --arg v "$("$TCPSTAT" --version | cut -d' ' -f2)" \
		'.up == 1 and .sample_duration_seconds > 0 and .sample_duration_seconds < 60 and
		 .build_info.version == $v and (.build_info.backend | IN("kmod", "bpf", "netlink", "procfs"))' \
		"$tmp/json" >/dev/null
}
check "json: up 1, a duration, the version and the backend that answered" self_ok
check "json --family: + ipv4, ipv6" json_keys "[$STATES,\"ipv4\",\"ipv6\",$SELF]" --family
check "json --family: each family has the 11 states" \
	[ "$(jq -c '[.ipv4, .ipv6 | keys_unsorted]' "$tmp/json")" = "[[$STATES],[$STATES]]" ]
jq_true() {
	jq -e "$@" >/dev/null 2>&1
}
check "json --family: totals are ipv4 + ipv6" \
	jq_true '. as $r | [.ipv4 | keys_unsorted[] | . as $k | ($r[$k] == $r.ipv4[$k] + $r.ipv6[$k])] | all' "$tmp/json"
check "json --meta --tag: + timestamp, host, tags" \
	json_keys "[$STATES,$SELF,\"timestamp\",\"host\",\"tags\"]" --meta --tag dc=fra1 --tag rack=r2
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
: >"$tmp/stream.err"
"$TCPSTAT" --output "$tmp/full/tcpstat.json" --interval 0.05 >/dev/null 2>>"$tmp/stream.err" &
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

# ---- SIGTERM / SIGINT mid-stream: exit 0, only whole expositions ----
three_samples() {
	[ "$(grep -c '^# EOF$' "$1" 2>/dev/null)" -ge 3 ]
}
# first_exposition FILE: the lines up to the first "# EOF"
first_exposition() {
	sed '/^# EOF$/q' "$1"
}
for sig in TERM INT; do
	"$TCPSTAT" --interval 0.05 --format prometheus --tag run=sig$sig >"$tmp/sig$sig.out" 2>"$tmp/sig$sig.err" &
	bg_pid=$!
	wait_for 10 three_samples "$tmp/sig$sig.out"
	kill -"$sig" "$bg_pid"
	wait "$bg_pid"
	rc=$?
	bg_pid=
	samples=$(grep -c '^# EOF$' "$tmp/sig$sig.out")
	# (a loaded machine may miss a deadline: that note is all stderr may hold)
	if [ "$rc" -eq 0 ] && ! grep -qv 'fell behind' "$tmp/sig$sig.err" &&
	   [ "$(tail -n 1 "$tmp/sig$sig.out")" = "# EOF" ] &&
	   [ "$(grep -c '^# HELP tcpstat_connections ' "$tmp/sig$sig.out")" -eq "$samples" ] &&
	   { ! command -v promtool >/dev/null || first_exposition "$tmp/sig$sig.out" | promtool check metrics >/dev/null 2>&1; }; then
		ok "SIG$sig mid-stream: exit 0, $samples whole expositions, each ending with # EOF"
	else
		not_ok "SIG$sig mid-stream" "status $rc, $samples samples" "$(cat "$tmp/sig$sig.err")"
	fi
done

# ---- a blocked stdout: missed samples skipped (said once), never queued ----
# Samples of ~100 KB (a padded tag) into a pipe of 64 KiB whose reader
# holds it open without reading for 1.5 s, then drains it.
mkfifo "$tmp/fifo"
(exec 3<"$tmp/fifo"; sleep 1.5; cat <&3 >"$tmp/slow.out") &
reader_pid=$!
big=$(head -c 3000 /dev/zero | tr '\0' x)  # 3 KB on each of 33 lines
"$TCPSTAT" --interval 0.01 --format prometheus --tag "pad=$big" >"$tmp/fifo" 2>"$tmp/slow.err" &
bg_pid=$!
wait_for 10 [ -s "$tmp/slow.out" ]
sleep 0.5
kill -TERM "$bg_pid"
wait "$bg_pid"
rc=$?
bg_pid=
wait "$reader_pid"
samples=$(grep -c '^# EOF$' "$tmp/slow.out")
behind=$(grep -c 'fell behind' "$tmp/slow.err")
whole=$([ "$(tail -n 1 "$tmp/slow.out")" = "# EOF" ] && echo 0 || echo 1)
# Unblocked for 0.5 s it writes ~50 samples; had the ~150 deadlines missed
# while blocked been queued, they would come on top.
if [ "$rc" -eq 0 ] && [ "$behind" -eq 1 ] && [ "$whole" -eq 0 ] &&
   [ "$samples" -ge 2 ] && [ "$samples" -lt 120 ]; then
	ok "blocked stdout: 'fell behind' said once, $samples samples, none queued"
else
	not_ok "blocked stdout" "status $rc, behind $behind, samples $samples" "$(cat "$tmp/slow.err")"
fi

# ---- a reader that stalls for good: SIGTERM still ends the stream ----
# Samples bigger than the pipe (a padded tag), a reader that opens the
# pipe and reads nothing until told: tcpstat is blocked in the middle of a
# sample when SIGTERM comes. It must be gone within a second or so, exit
# 0, and what it wrote is whole samples, then at most one cut one (no
# newline at its end; without its "# EOF" in Prometheus).
gone() { ! kill -0 "$1" 2>/dev/null; }
# the pipe holds 64 KiB: full when tcpstat has written more
blocked() {
	[ "$(awk '/^wchar:/ { print $2 }' "/proc/$1/io" 2>/dev/null || echo 0)" -ge 65536 ]
}
for fmt in prometheus json; do
	# prometheus: 33 lines of 100 KB; json: lines of 20 KB, some whole
	pad=$(head -c $([ $fmt = json ] && echo 20000 || echo 100000) /dev/zero | tr '\0' p)
	rm -f "$tmp/stall.fifo" "$tmp/stall.go" "$tmp/stall.out"
	mkfifo "$tmp/stall.fifo"
	(exec 3<"$tmp/stall.fifo"; while [ ! -e "$tmp/stall.go" ]; do sleep 0.05; done
	 cat <&3 >"$tmp/stall.out") &
	reader_pid=$!
	"$TCPSTAT" --interval 0.01 --format $fmt --tag "pad=$pad" >"$tmp/stall.fifo" 2>"$tmp/stall.err" &
	bg_pid=$!
	wait_for 10 blocked "$bg_pid"
	sleep 0.2 # blocked for good, not just between two chunks
	start=$(date +%s%N)
	kill -TERM "$bg_pid"
	wait_for 5 gone "$bg_pid"
	ms=$((($(date +%s%N) - start) / 1000000))
	if gone "$bg_pid"; then
		wait "$bg_pid"
		rc=$?
	else
		rc=timeout
		kill -KILL "$bg_pid"
		wait "$bg_pid" 2>/dev/null
	fi
	bg_pid=
	touch "$tmp/stall.go"
	wait "$reader_pid"
	last=$(tail -c 1 "$tmp/stall.out" | od -An -c | tr -d ' ')
	whole=1
	if [ $fmt = json ]; then
		# every line with its newline is a whole sample
		head -n "$(wc -l <"$tmp/stall.out")" "$tmp/stall.out" | jq -e .up >/dev/null 2>&1 || whole=0
		n=$(wc -l <"$tmp/stall.out")
	else
		# an exposition is whole when its "# EOF" came; the rest was cut
		n=$(grep -c '^# EOF$' "$tmp/stall.out")
		if [ "$n" -ge 1 ] && command -v promtool >/dev/null 2>&1; then
			first_exposition "$tmp/stall.out" | promtool check metrics >/dev/null 2>&1 || whole=0
		fi
		[ "$(tail -n 1 "$tmp/stall.out")" != "# EOF" ] || last=eof
	fi
	if [ "$rc" = 0 ] && [ "$ms" -le 1500 ] && [ "$whole" -eq 1 ] && [ -s "$tmp/stall.out" ] &&
	   ! grep -qv 'fell behind' "$tmp/stall.err"; then
		ok "$fmt stream, reader stalled: SIGTERM ends it in $ms ms, exit 0, $n whole samples, $(case $last in eof|'\n') echo "none cut" ;; *) echo "then one cut" ;; esac)"
	else
		not_ok "$fmt stream, reader stalled: SIGTERM ends it within a second" \
			"status $rc after $ms ms, whole $whole" "$(cat "$tmp/stall.err")"
	fi
done

# ---- a host name that is not printable: refused where it would be written ----
if unshare --uts true 2>/dev/null; then
	host_run() {
		unshare --uts sh -c 'printf "web\tone" >/proc/sys/kernel/hostname && exec "$@"' sh \
			"$TCPSTAT" "$@" >"$tmp/out" 2>"$tmp/err"
		rc=$?
	}
	for args in "--format influx" "--format prometheus --meta" "--meta"; do
		# shellcheck disable=SC2086
		host_run $args
		if [ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] &&
		   [ "$(head -n 1 "$tmp/err")" = 'tcpstat: the host name "web\x09one" holds a control character or is not UTF-8; name the host with --tag host=NAME' ]; then
			ok "host name with a tab, $args: exit 2, says so (escaped), nothing written"
		else
			not_ok "host name with a tab, $args: exit 2" "status $rc" "$(cat -A "$tmp/out" "$tmp/err" | head -5)"
		fi
	done
	host_run --format influx --tag host=web1
	check "host name with a tab, --tag host=web1: the tag is used" \
		[ "$rc" -eq 0 -a "$(grep -c ',host=web1 ' "$tmp/out")" -eq 3 ]
	host_run --format prometheus
	check "host name with a tab, not written (prometheus without --meta): fine" [ "$rc" -eq 0 ]
else
	skip "host name with a control character" "unshare --uts not permitted"
fi

finish
