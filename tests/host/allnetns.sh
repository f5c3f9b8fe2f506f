#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# allnetns.sh - --all-netns with the bpf, netlink and procfs backends,
# which enter every network namespace (bpf skipped, with the reason, where
# it cannot run). Five namespaces, each with a known socket
# set or none:
#   A  named (ip netns add), sockfarm services inside
#   B  named twice (ip netns add, and ip netns attach of a second name that
#      sorts first), sockfarm build inside
#   C  anonymous (unshare -n), sockfarm fill inside
#   D  named, no TCP socket: must not be listed
#   E  named, no process left inside: only TIME_WAIT sockets, reachable
#      through /run/netns alone
# Every backend must list these with the sockets built and the right
# names, agree with the others on the whole list, and its Prometheus
# output must pass promtool. A stream goes on while namespaces come and go.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root, unshare,
# nsenter, ip (with netns attach), ss, gcc, jq; promtool for its checks.
#
#   TCPSTAT=user/tcpstat bash tests/host/allnetns.sh

set -u
# shellcheck source=tests/host/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
require_cmd unshare nsenter ip ss gcc jq
[ -x "$TCPSTAT" ] || skip_all "no $TCPSTAT (make -C user)"
SOCKFARM_SRC=$HOST_TOP/tests/vm/sockfarm.c
[ -f "$SOCKFARM_SRC" ] || skip_all "no $SOCKFARM_SRC"

tmp=$(mktemp -d /tmp/tcpstat-allnetns.XXXXXX) || exit "$KSFT_FAIL"
pfx=tcpstat-t$$
names=("$pfx-a" "$pfx-b" "$pfx-0b" "$pfx-empty" "$pfx-tw")
pids=()
churn_pid=
cleanup() {
	local p n
	[ -n "$churn_pid" ] && kill "$churn_pid" 2>/dev/null && wait "$churn_pid" 2>/dev/null
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for n in "${names[@]}" "$pfx-churn"; do
		[ -e "/run/netns/$n" ] && ip netns del "$n" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit "$KSFT_FAIL"' INT TERM

echo "TAP version 13"

if gcc -O2 -static -o "$tmp/sockfarm" "$SOCKFARM_SRC" 2>"$tmp/gcc.err" ||
   gcc -O2 -o "$tmp/sockfarm" "$SOCKFARM_SRC" 2>"$tmp/gcc.err"; then
	ok "build sockfarm"
else
	not_ok "build sockfarm" "$(cat "$tmp/gcc.err")"
	finish
fi

jq_true() {
	jq -e "$@" >/dev/null 2>&1
}

# farm_in NAME NETNS-FILE ARGS...: sockfarm in a namespace, its pid in $farm
farm_in() {
	local name=$1 ns=$2
	shift 2
	nsenter --net="$ns" "$tmp/sockfarm" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	farm=$!
	pids+=("$farm")
	wait_for 60 grep -qx ready "$tmp/$name.out"
}

ok_build=1
for n in a b empty tw; do
	ip netns add "$pfx-$n" && ip -n "$pfx-$n" link set lo up || ok_build=0
done
farm_in a "/run/netns/$pfx-a" services || ok_build=0
farm_in b "/run/netns/$pfx-b" build || ok_build=0
ip netns attach "$pfx-0b" "$farm" || ok_build=0
unshare -n sh -c 'ip link set lo up && exec "$0" fill --conns 40' "$tmp/sockfarm" \
	>"$tmp/c.out" 2>"$tmp/c.err" &
pids+=($!)
c_pid=$!
wait_for 60 grep -qx ready "$tmp/c.out" || ok_build=0
# E: its sockets outlive sockfarm as TIME_WAIT (60 s), no process is left in it
farm_in tw "/run/netns/$pfx-tw" services || ok_build=0
kill -TERM "$farm" && wait "$farm"
if [ "$ok_build" -eq 1 ]; then
	ok "five namespaces built (A services, B build, C fill, D empty, E TIME_WAIT only)"
else
	not_ok "five namespaces built" "$(cat "$tmp"/*.err)"
	finish
fi

ino() {
	stat -L -c %i "$1"
}
A=$(ino "/run/netns/$pfx-a")
B=$(ino "/run/netns/$pfx-b")
C=$(ino "/proc/$c_pid/ns/net")
D=$(ino "/run/netns/$pfx-empty")
E=$(ino "/run/netns/$pfx-tw")
echo "# A=$A B=$B C=$C D=$D E=$E"
bpf_skip=$(bpf_why_not)
BACKENDS="netlink procfs"
[ -z "$bpf_skip" ] && BACKENDS="$BACKENDS bpf"
[ -n "$bpf_skip" ] && skip "bpf --all-netns" "$bpf_skip"

# E settles once the closed connections are gone: only TIME_WAIT left
tw_only() {
	[ -z "$(nsenter --net="/run/netns/$pfx-tw" ss -tanH | awk '$1 != "TIME-WAIT"')" ] &&
	[ -n "$(nsenter --net="/run/netns/$pfx-tw" ss -tanH)" ]
}
check "E: only TIME_WAIT sockets left, and no process in it" \
	eval 'wait_for 20 tw_only && ! stat -L -c %i /proc/[0-9]*/ns/net 2>/dev/null | grep -qx "$E"'

# The counts of one namespace as "ipv4 ..." / "ipv6 ..." from a --family
# --all-netns sample
rows_of() {
	jq -r --argjson i "$2" '.netns[] | select(.inode == $i) |
		"ipv4 \(.ipv4 | [.[]] | map(tostring) | join(" "))",
		"ipv6 \(.ipv6 | [.[]] | map(tostring) | join(" "))"' "$1"
}
truth() {
	grep -E '^ipv[46] ' "$tmp/$1.out"
}
views() {
	local b
	for b in $BACKENDS; do
		"$TCPSTAT" --backend $b --all-netns --family >"$tmp/$b.json" 2>"$tmp/$b.err" || return 1
	done
	nsenter --net="/run/netns/$pfx-tw" bash -c "$(declare -f ss_rows); ss_rows" >"$tmp/e.truth"
}
ours_right() {
	local b
	views || return 1
	for b in $BACKENDS; do
		[ "$(rows_of "$tmp/$b.json" "$A")" = "$(truth a)" ] || return 1
		[ "$(rows_of "$tmp/$b.json" "$B")" = "$(truth b)" ] || return 1
		[ "$(rows_of "$tmp/$b.json" "$C")" = "$(truth c)" ] || return 1
		[ "$(rows_of "$tmp/$b.json" "$E")" = "$(cat "$tmp/e.truth")" ] || return 1
	done
}
wait_for 10 ours_right
for b in $BACKENDS; do
	for n in A B C; do
		lc=$(echo "$n" | tr ABC abc)
		if [ "$(rows_of "$tmp/$b.json" "${!n}")" = "$(truth "$lc")" ]; then
			ok "$b: namespace $n == the sockets built"
		else
			not_ok "$b: namespace $n == the sockets built" "$(rows_of "$tmp/$b.json" "${!n}")" \
				"want:" "$(truth "$lc")" "$(cat "$tmp/$b.err")"
		fi
	done
	if [ "$(rows_of "$tmp/$b.json" "$E")" = "$(cat "$tmp/e.truth")" ] &&
	   [ "$(jq --argjson i "$E" '.netns[] | select(.inode == $i) | .TIME_WAIT' "$tmp/$b.json")" -gt 0 ]; then
		ok "$b: namespace E (no process, TIME_WAIT only) == ss in it"
	else
		not_ok "$b: namespace E == ss in it" "$(rows_of "$tmp/$b.json" "$E")" "want:" "$(cat "$tmp/e.truth")"
	fi
	check "$b: namespace D (no socket) not listed" \
		jq_true --argjson i "$D" '[.netns[] | select(.inode == $i)] | length == 0' "$tmp/$b.json"
	names_got=$(jq -Sc --argjson a "$A" --argjson b "$B" --argjson c "$C" --argjson e "$E" \
		'[.netns[] | select(.inode == $a or .inode == $b or .inode == $c or .inode == $e)] |
		 map({key: (.inode | tostring), value: .name}) | from_entries' "$tmp/$b.json")
	names_want=$(jq -Snc --arg a "$A" --arg b "$B" --arg c "$C" --arg e "$E" --arg p "$pfx" \
		'{($a): ($p + "-a"), ($b): ($p + "-0b"), ($c): null, ($e): ($p + "-tw")}')
	if [ "$names_got" = "$names_want" ]; then
		ok "$b: names from /run/netns (the first of two in byte order; none for C)"
	else
		not_ok "$b: names from /run/netns" "got:  $names_got" "want: $names_want"
	fi
	check "$b: inodes ascending, once each, every namespace with a socket" \
		jq_true '[.netns[].inode] as $i | $i == ($i | sort | unique) and
			([.netns[] | [.ESTABLISHED, .SYN_SENT, .SYN_RECV, .FIN_WAIT1, .FIN_WAIT2, .TIME_WAIT, .CLOSE, .CLOSE_WAIT, .LAST_ACK, .LISTEN, .CLOSING] | add > 0] | all)' "$tmp/$b.json"
done

# The whole list, every namespace of the machine: the backends agree
# (others' namespaces may change between two reads: poll)
same_lists() {
	local b
	views || return 1
	for b in $BACKENDS; do
		[ "$(json_counts "$tmp/netlink.json")" = "$(json_counts "$tmp/$b.json")" ] || return 1
	done
}
if wait_for 10 same_lists; then
	ok "${BACKENDS// / and } --all-netns agree on all $(jq '.netns | length' "$tmp/netlink.json") namespaces"
else
	not_ok "${BACKENDS// / and } --all-netns agree" \
		"$(for b in $BACKENDS; do diff <(jq -c '.netns[]' "$tmp/netlink.json") <(jq -c '.netns[]' "$tmp/$b.json"); done)"
fi
STATES='"ESTABLISHED","SYN_SENT","SYN_RECV","FIN_WAIT1","FIN_WAIT2","TIME_WAIT","CLOSE","CLOSE_WAIT","LAST_ACK","LISTEN","CLOSING"'
self=$(ino /proc/self/ns/net)
if "$TCPSTAT" --backend netlink | jq -e "[.[$STATES]] | add > 0" >/dev/null; then
	check "our own namespace is listed (it has sockets)" \
		jq_true --argjson i "$self" '[.netns[] | select(.inode == $i)] | length == 1' "$tmp/netlink.json"
else
	check "our own namespace is not listed (no socket)" \
		jq_true --argjson i "$self" '[.netns[] | select(.inode == $i)] | length == 0' "$tmp/netlink.json"
fi
check "still in our own namespace afterwards" [ "$(ino /proc/self/ns/net)" = "$self" ]

"$TCPSTAT" --backend netlink --all-netns --meta --tag dc=x >"$tmp/meta.json"
check "json: {netns: [{inode, name?, 11 states}], up, sample_duration_seconds, build_info, timestamp, host, tags}" \
	jq_true "(keys_unsorted == [\"netns\",\"up\",\"sample_duration_seconds\",\"build_info\",\"timestamp\",\"host\",\"tags\"]) and
		.up == 1 and .build_info.backend == \"netlink\" and
		([.netns[] | keys_unsorted - [\"name\"] == [\"inode\",$STATES]] | all)" "$tmp/meta.json"

# Prometheus and Influx
if command -v promtool >/dev/null 2>&1; then
	for b in $BACKENDS; do
		"$TCPSTAT" --backend $b --all-netns --format prometheus --meta >"$tmp/$b.prom" 2>&1
		if promtool check metrics <"$tmp/$b.prom" >"$tmp/promtool" 2>&1; then
			ok "promtool check metrics: $b --all-netns ($(grep -c '^tcpstat_' "$tmp/$b.prom") samples)"
		else
			not_ok "promtool check metrics: $b --all-netns" "$(cat "$tmp/promtool")"
		fi
	done
else
	skip "promtool check metrics --all-netns" "promtool not installed"
fi
"$TCPSTAT" --backend netlink --all-netns --format prometheus >"$tmp/n.prom"
check "prometheus: netns and netns_name labels (empty for C), 22 samples each" \
	[ "$(grep -c "^tcpstat_connections{netns=\"$A\",netns_name=\"$pfx-a\",family=\"ipv[46]\",state=" "$tmp/n.prom")" -eq 22 -a \
	  "$(grep -c "^tcpstat_connections{netns=\"$C\",netns_name=\"\",family=" "$tmp/n.prom")" -eq 22 ]
"$TCPSTAT" --backend procfs --all-netns --format influx >"$tmp/p.influx"
check "influx: netns and netns_name tags (none for C), one line per family" \
	[ "$(grep -c "^tcpstat,netns=$A,netns_name=$pfx-a,family=ipv[46],host=" "$tmp/p.influx")" -eq 2 -a \
	  "$(grep -c "^tcpstat,netns=$C,family=ipv[46],host=" "$tmp/p.influx")" -eq 2 ]

# --run-netns: names from another directory
mkdir "$tmp/names"
ln -s "/proc/$c_pid/ns/net" "$tmp/names/cee"
"$TCPSTAT" --backend netlink --all-netns --run-netns "$tmp/names" >"$tmp/rn.json"
check "--run-netns DIR: C named from DIR, A no longer named" \
	jq_true --argjson a "$A" --argjson c "$C" \
		'([.netns[] | select(.inode == $c) | .name] == ["cee"]) and ([.netns[] | select(.inode == $a) | has("name")] == [false])' "$tmp/rn.json"

# A stream while namespaces come and go: those that vanish are skipped
(
	i=0
	while :; do
		unshare -n sh -c 'ip link set lo up; exec "$0" churn --seconds 1 --linger0 >/dev/null 2>&1' \
			"$tmp/sockfarm" 2>/dev/null
		ip netns add "$pfx-churn" 2>/dev/null && ip netns del "$pfx-churn" 2>/dev/null
		i=$((i + 1))
	done
) &
churn_pid=$!
for b in $BACKENDS; do
	"$TCPSTAT" --backend $b --all-netns --interval 0.2 --count 8 >"$tmp/stream.$b" 2>"$tmp/stream.$b.err"
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/stream.$b")" -eq 8 ] &&
	   ! grep -qv 'fell behind' "$tmp/stream.$b.err" &&
	   [ "$(jq -s --argjson a "$A" '[.[] | .netns[] | select(.inode == $a)] | length' "$tmp/stream.$b")" -eq 8 ]; then
		ok "$b --all-netns stream while namespaces come and go: 8 samples, no error"
	else
		not_ok "$b --all-netns stream with churn" "status $rc" "$(cat "$tmp/stream.$b.err")"
	fi
done
kill "$churn_pid" 2>/dev/null
wait "$churn_pid" 2>/dev/null
churn_pid=

finish
