#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ports.sh - the per-port view (--ports) on the running kernel. In a fresh
# network namespace, sockfarm builds listening services with known
# figures (an SO_REUSEPORT pair and an IPv6 listener on one port, request
# socks behind TCP_DEFER_ACCEPT, a listener whose queue is over its limit,
# TIME_WAIT on a service's port) and then many connections to a few more
# listeners. The netlink and procfs backends must agree with each other
# on every field both have, netlink with `ss -tanH` on every field (a
# listener's Recv-Q is its queue, Send-Q its limit), and both with what
# sockfarm says it built; the bpf backend with netlink and ss on every
# field (skipped, with the reason, where it cannot run).
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root, unshare,
# nsenter, ip, ss, gcc, jq; promtool for its checks.
#
#   TCPSTAT=user/tcpstat bash tests/host/ports.sh

set -u
# shellcheck source=tests/host/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
require_cmd unshare nsenter ip ss gcc jq
[ -x "$TCPSTAT" ] || skip_all "no $TCPSTAT (make -C user)"
SOCKFARM_SRC=$HOST_TOP/tests/vm/sockfarm.c
[ -f "$SOCKFARM_SRC" ] || skip_all "no $SOCKFARM_SRC"

tmp=$(mktemp -d /tmp/tcpstat-ports.XXXXXX) || exit "$KSFT_FAIL"
farm_pid=
fill_pid=
cleanup() {
	local p
	for p in $fill_pid $farm_pid; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
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

# The services; sockfarm is exec'ed, so its pid names the netns.
unshare -n sh -c 'ip link set lo up && exec "$0" services' "$tmp/sockfarm" \
	>"$tmp/farm.out" 2>"$tmp/farm.err" &
farm_pid=$!
if wait_for 60 grep -qx ready "$tmp/farm.out"; then
	ok "sockfarm services ready in a fresh netns"
else
	not_ok "sockfarm services ready" "$(cat "$tmp/farm.out" "$tmp/farm.err")"
	finish
fi
NS=/proc/$farm_pid/ns/net
bpf_skip=$(bpf_why_not)
BACKENDS="netlink procfs"
[ -z "$bpf_skip" ] && BACKENDS="$BACKENDS bpf"
grep '^ports ' "$tmp/farm.out" | sort -n -k2 >"$tmp/built"
echo "# sockfarm services built (port listeners queue backlog fullest_queue fullest_backlog states):"
sed 's/^/#   /' "$tmp/built"

# More listeners and many connections in the same namespace: many
# ephemeral client ports (no listener there), a few busy listening ports.
nsenter --net="$NS" "$tmp/sockfarm" fill --conns 300 --listeners 3 \
	>"$tmp/fill.out" 2>"$tmp/fill.err" &
fill_pid=$!
if wait_for 60 grep -qx ready "$tmp/fill.out"; then
	ok "sockfarm fill ready in the same netns"
else
	not_ok "sockfarm fill ready" "$(cat "$tmp/fill.out" "$tmp/fill.err")"
	finish
fi

# Columns 5-7 (backlog, fullest_queue, fullest_backlog) are what procfs
# does not know.
common() {
	awk '{ $5 = $6 = $7 = "-"; print }' "$1"
}

views() {
	local b
	for b in $BACKENDS; do
		"$TCPSTAT" --netns "$NS" --backend $b --ports >"$tmp/$b.json" 2>"$tmp/$b.err" &&
		json_ports_rows <"$tmp/$b.json" >"$tmp/$b" || return 1
	done
	nsenter --net="$NS" bash -c "$(declare -f ss_ports_rows); ss_ports_rows" >"$tmp/ss"
}
agree() {
	views && cmp -s "$tmp/netlink" "$tmp/ss" &&
	[ "$(common "$tmp/netlink")" = "$(common "$tmp/procfs")" ] &&
	{ [ -n "$bpf_skip" ] || cmp -s "$tmp/bpf" "$tmp/ss"; }
}
wait_for 10 agree
nports=$(wc -l <"$tmp/netlink")

if cmp -s "$tmp/netlink" "$tmp/ss" && [ "$nports" -ge 6 ]; then
	ok "netlink --ports == ss -tanH, every field, $nports listening ports"
else
	not_ok "netlink --ports == ss -tanH" "netlink:" "$(cat "$tmp/netlink" "$tmp/netlink.err")" \
		"ss:" "$(cat "$tmp/ss")"
fi
if [ "$(common "$tmp/netlink")" = "$(common "$tmp/procfs")" ]; then
	ok "procfs --ports == netlink on every field both have"
else
	not_ok "procfs --ports == netlink on common fields" "$(cat "$tmp/procfs" "$tmp/procfs.err")"
fi
if [ -n "$bpf_skip" ]; then
	skip "bpf --ports == ss -tanH and netlink, every field" "$bpf_skip"
elif cmp -s "$tmp/bpf" "$tmp/ss" &&
     [ "$(json_counts "$tmp/bpf.json")" = "$(json_counts "$tmp/netlink.json")" ]; then
	ok "bpf --ports == ss -tanH and netlink (the whole JSON but build_info and the duration), every field"
else
	not_ok "bpf --ports == ss -tanH and netlink" "bpf:" "$(cat "$tmp/bpf" "$tmp/bpf.err")"
fi
check "procfs: backlog, fullest_queue, fullest_backlog, saturated are null" \
	[ "$(jq -c '[.ports[] | .backlog, .fullest_queue, .fullest_backlog, .saturated] | unique' "$tmp/procfs.json")" = "[null]" ]

# What sockfarm built, row for row, from every backend.
for b in $BACKENDS; do
	grep -F -f <(awk '{ print "ports " $2 " " }' "$tmp/built") "$tmp/$b" >"$tmp/$b.built"
done
for b in ${BACKENDS/procfs/}; do
	if cmp -s "$tmp/$b.built" "$tmp/built"; then
		ok "$b: the services' rows == what sockfarm built"
	else
		not_ok "$b: the services' rows == what sockfarm built" "$(cat "$tmp/$b.built")"
	fi
done
if [ "$(common "$tmp/procfs.built")" = "$(common "$tmp/built")" ]; then
	ok "procfs: the services' rows == what sockfarm built (but the limits)"
else
	not_ok "procfs: the services' rows == what sockfarm built" "$(cat "$tmp/procfs.built")"
fi

full=$(awk '$3 == 1 && $4 == 3 && $5 == 2 { print $2 }' "$tmp/built")
check "the full listener (queue 3, limit 2) is saturated, no other port is" \
	[ "$(jq -c '[.ports[] | select(.saturated) | .port]' "$tmp/netlink.json")" = "[$full]" ]

# The counts of a --ports sample are the namespace's counts; the ports'
# sockets are a part of them, their LISTEN all of them.
"$TCPSTAT" --netns "$NS" --backend netlink --family >"$tmp/plain.json"
if [ "$(jq -c 'del(.ports, .up, .sample_duration_seconds, .build_info)' "$tmp/netlink.json")" = "$(jq -c '{ESTABLISHED,SYN_SENT,SYN_RECV,FIN_WAIT1,FIN_WAIT2,TIME_WAIT,CLOSE,CLOSE_WAIT,LAST_ACK,LISTEN,CLOSING}' "$tmp/plain.json")" ] &&
   jq -e '. as $r | [.ports[].states] as $p | [$p[0] | keys_unsorted[] | . as $k | ([$p[][$k]] | add) <= $r[$k]] | all' "$tmp/netlink.json" >/dev/null &&
   jq -e '([.ports[].listeners] | add) == .LISTEN' "$tmp/netlink.json" >/dev/null; then
	ok "--ports counts == plain counts; ports' sockets a part of them; LISTEN all theirs"
else
	not_ok "--ports counts vs plain counts" "$(cat "$tmp/netlink.json" "$tmp/plain.json")"
fi

STATES='"ESTABLISHED","SYN_SENT","SYN_RECV","FIN_WAIT1","FIN_WAIT2","TIME_WAIT","CLOSE","CLOSE_WAIT","LAST_ACK","LISTEN","CLOSING"'
check "json: keys, then per port: port, listeners, queues, saturated, states (11 in order)" \
	[ "$(jq -c '[keys_unsorted, (.ports | map(keys_unsorted) | unique), (.ports | map(.states | keys_unsorted) | unique)]' "$tmp/netlink.json")" = \
	  "[[$STATES,\"ports\",\"up\",\"sample_duration_seconds\",\"build_info\"],[[\"port\",\"listeners\",\"accept_queue\",\"backlog\",\"fullest_queue\",\"fullest_backlog\",\"saturated\",\"states\"]],[[$STATES]]]" ]

# --port: those ports only, the same rows; a port nobody listens on is absent
# A port of the fill's listeners: the first row that is no service's (the
# ports are ephemeral, so the fill's may sort before or among them).
fill_port=$(awk 'NR == FNR { svc[$2] = 1; next } !($2 in svc) { print $2; exit }' "$tmp/built" "$tmp/netlink")
for b in $BACKENDS; do
	"$TCPSTAT" --netns "$NS" --backend $b --port "$full,1" --port "$fill_port" |
		json_ports_rows >"$tmp/$b.filtered"
	grep -E "^ports ($full|$fill_port) " "$tmp/$b" >"$tmp/$b.want"
	if cmp -s "$tmp/$b.filtered" "$tmp/$b.want" && [ "$(wc -l <"$tmp/$b.filtered")" -eq 2 ]; then
		ok "$b --port $full,1 --port $fill_port: those two rows"
	else
		not_ok "$b --port filter" "$(cat "$tmp/$b.filtered")" "want:" "$(cat "$tmp/$b.want")"
	fi
done

# Prometheus and Influx
if command -v promtool >/dev/null 2>&1; then
	for b in $BACKENDS; do
		"$TCPSTAT" --netns "$NS" --backend $b --ports --format prometheus --meta \
			--tag dc=fra1 >"$tmp/$b.prom" 2>&1
		if promtool check metrics <"$tmp/$b.prom" >"$tmp/promtool" 2>&1; then
			ok "promtool check metrics: $b --ports ($(grep -c '^tcpstat_' "$tmp/$b.prom") samples)"
		else
			not_ok "promtool check metrics: $b --ports" "$(cat "$tmp/promtool")"
		fi
	done
else
	skip "promtool check metrics --ports" "promtool not installed"
fi
"$TCPSTAT" --netns "$NS" --backend netlink --ports --format prometheus >"$tmp/n.prom"
check "prometheus: the full listener's fullest ratio is 1.5" \
	grep -qx "tcpstat_listen_queue_fullest_ratio{port=\"$full\"} 1.5" "$tmp/n.prom"
check "prometheus: $((nports * 11)) port_connections, $nports of each port gauge" \
	[ "$(grep -c '^tcpstat_port_connections{' "$tmp/n.prom")" -eq $((nports * 11)) -a \
	  "$(grep -c '^tcpstat_listen_backlog{' "$tmp/n.prom")" -eq "$nports" -a \
	  "$(grep -c '^tcpstat_listen_queue_fullest_ratio{' "$tmp/n.prom")" -eq "$nports" ]
"$TCPSTAT" --netns "$NS" --backend procfs --ports --format prometheus >"$tmp/p.prom"
check "prometheus procfs: no backlog or ratio series" \
	[ "$(grep -c 'backlog\|fullest_ratio' "$tmp/p.prom")" -eq 0 -a "$(grep -c '^tcpstat_listeners{' "$tmp/p.prom")" -eq "$nports" ]
"$TCPSTAT" --netns "$NS" --backend netlink --ports --format influx >"$tmp/n.influx"
"$TCPSTAT" --netns "$NS" --backend procfs --ports --format influx >"$tmp/p.influx"
check "influx: one tcpstat_port line per port, all fields (procfs: without the limits)" \
	[ "$(grep -c "^tcpstat_port,port=[0-9]*,host=[^ ]* listeners=[0-9]*i,accept_queue=[0-9]*i,backlog=[0-9]*i,fullest_queue=[0-9]*i,fullest_backlog=[0-9]*i,established=" "$tmp/n.influx")" -eq "$nports" -a \
	  "$(grep -c "^tcpstat_port,port=[0-9]*,host=[^ ]* listeners=[0-9]*i,accept_queue=[0-9]*i,established=" "$tmp/p.influx")" -eq "$nports" ]

# Inside the namespace, without --netns; and a short stream
for b in ${BACKENDS/procfs/}; do
	nsenter --net="$NS" "$TCPSTAT" --backend $b --ports | json_ports_rows >"$tmp/inside"
	check "$b inside the netns (no --netns): the same rows" cmp -s "$tmp/inside" "$tmp/netlink"
done
# (bpf: the accumulators of a past walk must not leak into the next)
for b in ${BACKENDS/netlink/}; do
	"$TCPSTAT" --netns "$NS" --backend $b --ports --interval 0.1 --count 3 >"$tmp/stream" 2>"$tmp/stream.err"
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/stream")" -eq 3 ] &&
	   [ "$(json_counts "$tmp/stream" | sort -u)" = "$(json_counts "$tmp/$b.json")" ]; then
		ok "$b --ports stream: 3 identical lines"
	else
		not_ok "$b --ports stream" "status $rc" "$(cat "$tmp/stream" "$tmp/stream.err")"
	fi
done

kill -TERM "$fill_pid" "$farm_pid"
wait "$fill_pid" "$farm_pid"
fill_pid=
farm_pid=

finish
