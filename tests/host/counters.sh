#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# counters.sh - --counters on this machine's own kernel, against the
# kernel's files: in fresh network namespaces (nothing else happens in
# them), with
#   A  sockfarm services: listeners, connections, and a listener whose
#      accept queue is over its limit, whose clients' SYNs the kernel
#      drops (ListenOverflows and ListenDrops grow with each retry);
#   B  sockfarm build: every state, other counts.
# Checks, for every backend that runs here (bpf, netlink, procfs):
#   - tcpstat --netns A --counters equals A's own /proc/PID/net/snmp and
#     netstat, read just before and just after (the same both times);
#     ListenOverflows and ListenDrops are above 0;
#   - K connections refused in A add exactly K to active_opens and
#     attempt_fails;
#   - --all-netns --counters: the rows of A and B have each its own;
#   - a stream: listen_overflows never goes down and grows as the
#     dropped SYNs are sent again; Prometheus and Influx carry the same
#     values as JSON.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root, unshare,
# nsenter, ip, gcc, jq.
#
#   TCPSTAT=user/tcpstat bash tests/host/counters.sh

set -u
# shellcheck source=tests/host/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
require_cmd unshare nsenter ip gcc jq
[ -x "$TCPSTAT" ] || skip_all "no $TCPSTAT (make -C user)"

host_test_start counters
build_sockfarm "$tmp" || finish

if farm a services && A_PID=$farm && farm b build && B_PID=$farm; then
	ok "namespace A (sockfarm services) and B (sockfarm build) ready"
else
	not_ok "namespaces A and B ready" "$(cat "$tmp/a.err" "$tmp/b.err")"
	finish
fi
A_INO=$(stat -L -c %i "/proc/$A_PID/ns/net")
B_INO=$(stat -L -c %i "/proc/$B_PID/ns/net")

BACKENDS="netlink procfs"
bpf_skip=$(bpf_why_not)
if [ -z "$bpf_skip" ]; then
	BACKENDS="bpf $BACKENDS"
else
	skip "the bpf backend" "$bpf_skip"
fi

# The seven counters, in tcpstat's order, from the kernel's files of a
# net directory (/proc/PID/net), found by column name.
file_counters() {
	awk '($1 == "Tcp:" || $1 == "TcpExt:") {
		if (!(($1) in seen)) { seen[$1] = 1; for (i = 2; i <= NF; i++) name[$1, i] = $i; next }
		for (i = 2; i <= NF; i++) v[name[$1, i]] = $i
	}
	END { print v["ActiveOpens"], v["PassiveOpens"], v["AttemptFails"], v["EstabResets"],
		v["RetransSegs"], v["ListenOverflows"], v["ListenDrops"] }' "$1/snmp" "$1/netstat"
}

# The same from the "counters" of JSON samples on stdin (of the objects
# the jq filter $1 selects, if given).
JQ_C='"\(.active_opens) \(.passive_opens) \(.attempt_fails) \(.estab_resets) \(.retrans_segs) \(.listen_overflows) \(.listen_drops)"'
json_counters() {
	jq -r "${1:+$1 | }.counters | $JQ_C"
}

# agree DIR CMD...: CMD's counters, printed between two reads of DIR's
# files that are the same, into $got; those files' into $want. Tries
# again while the namespace's counters move (a dropped SYN sent again).
agree() {
	local dir=$1 i a b
	shift
	for i in $(seq 20); do
		a=$(file_counters "$dir")
		got=$("$@" 2>"$tmp/err")
		b=$(file_counters "$dir")
		[ "$a" = "$b" ] && break
	done
	want=$a
	[ "$a" = "$b" ] && [ "$got" = "$want" ]
}

tcpstat_json() { # NS-PID ARGS...: the counters of a --netns sample
	local pid=$1
	shift
	"$TCPSTAT" --netns "/proc/$pid/ns/net" --counters "$@" | json_counters
}

for b in $BACKENDS; do
	if agree "/proc/$A_PID/net" tcpstat_json "$A_PID" --backend "$b"; then
		ok "$b: --counters in A equals A's /proc/PID/net/snmp and netstat ($got)"
	else
		not_ok "$b: --counters in A equals A's files" "tcpstat: $got" "files:   $want" "$(cat "$tmp/err")"
	fi
done
read -r ao po af er rs lo ld <<<"$want"
check "A: the overflowed listener shows: ListenOverflows $lo > 0, ListenDrops $ld >= it" \
	test "${lo:-0}" -gt 0 -a "${ld:-0}" -ge "${lo:-0}"
check "A: connections were opened both ways (ActiveOpens $ao, PassiveOpens $po)" \
	test "${ao:-0}" -gt 0 -a "${po:-0}" -gt 0

# K connections refused (nothing listens on port 1): ActiveOpens and
# AttemptFails each grow by exactly K, in that namespace only.
K=7
before=$(tcpstat_json "$A_PID" --backend netlink)
before_b=$(tcpstat_json "$B_PID" --backend netlink)
for _ in $(seq $K); do
	nsenter --net="/proc/$A_PID/ns/net" bash -c 'exec 3<>/dev/tcp/127.0.0.1/1' 2>/dev/null
done
after=$(tcpstat_json "$A_PID" --backend netlink)
after_b=$(tcpstat_json "$B_PID" --backend netlink)
read -r ao0 _ af0 _ <<<"$before"
read -r ao1 _ af1 _ <<<"$after"
check "$K refused connections in A: active_opens $ao0 -> $ao1, attempt_fails $af0 -> $af1 (+$K each)" \
	test $((ao1 - ao0)) -eq $K -a $((af1 - af0)) -eq $K
check "... and B's counters did not move ($before_b)" test "$before_b" = "$after_b"

# --all-netns: each namespace's own counters in its row
all_row() { # INODE BACKEND
	"$TCPSTAT" --all-netns --counters --backend "$2" |
		json_counters ".netns[] | select(.inode == $1)"
}
for b in $BACKENDS; do
	okb=1 why=
	for ns in "A $A_PID $A_INO" "B $B_PID $B_INO"; do
		read -r n pid ino <<<"$ns"
		if ! agree "/proc/$pid/net" all_row "$ino" "$b"; then
			okb=0
			why="$why $n: tcpstat '$got', files '$want';"
		fi
	done
	if [ $okb -eq 1 ]; then
		ok "$b --all-netns --counters: A's and B's rows each have their own namespace's counters"
	else
		not_ok "$b --all-netns --counters: each row its namespace's counters" "$why" "$(cat "$tmp/err")"
	fi
done

# A stream of A: cumulative, never down; the dropped SYNs are sent again
# (1 s, 3 s, 7 s ... after the first), so ListenOverflows grows.
"$TCPSTAT" --netns "/proc/$A_PID/ns/net" --counters --backend netlink --interval 0.2 \
	>"$tmp/stream" 2>"$tmp/stream.err" &
s_pid=$!
pids+=("$s_pid")
grown() {
	[ "$(json_counters <"$tmp/stream" | awk 'NR == 1 { f = $6 } END { print ($6 > f) }')" = 1 ]
}
wait_for 20 grown
grew=$?
kill -TERM "$s_pid"
wait "$s_pid"
rc=$?
read -r n dir <<<"$(json_counters <"$tmp/stream" |
	awk '{ for (i = 1; i <= 7; i++) { if (NR > 1 && $i < p[i]) bad = 1; p[i] = $i } }
	END { print NR, (bad ? "down" : "up") }')"
check "stream: no counter goes down over $n samples, listen_overflows grew; SIGTERM: exit 0" \
	test "$grew" -eq 0 -a "$dir" = up -a "$rc" -eq 0

# The same sample in every format: one read each, compared while still
formats() {
	local j p i
	j=$("$TCPSTAT" --netns "/proc/$A_PID/ns/net" --counters --backend netlink | json_counters)
	p=$("$TCPSTAT" --netns "/proc/$A_PID/ns/net" --counters --backend netlink --format prometheus |
		awk '/^tcpstat_[a-z_]*_total / { printf "%s%s", sep, $2; sep = " " } END { print "" }')
	i=$("$TCPSTAT" --netns "/proc/$A_PID/ns/net" --counters --backend netlink --format influx |
		awk '/^tcpstat_counters[, ]/ { n = split($2, f, ","); for (k = 1; k <= n; k++) {
			sub(/^[a-z_]*=/, "", f[k]); sub(/i$/, "", f[k]); printf "%s%s", (k > 1 ? " " : ""), f[k] }
			print "" }')
	echo "$j|$p|$i"
}
same_formats() {
	local f
	f=$(formats)
	[ "${f%%|*}" = "$(echo "$f" | cut -d'|' -f2)" ] && [ "${f%%|*}" = "${f##*|}" ]
}
check "prometheus and influx carry the JSON sample's values" wait_for 10 same_formats

finish
