#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bpf.sh - what is the bpf backend's own (backends.sh, ports.sh and
# allnetns.sh compare it with the others on built sockets):
#   - the privileges: with CAP_BPF and CAP_PERFMON alone it counts, exact;
#     without them one line and exit 3, and auto quietly takes netlink;
#     --all-netns also needs CAP_SYS_ADMIN (setns), said before any sample;
#   - readers looping during connection churn never fail, and after the
#     churn bpf == ss == /proc/net/tcp{,6};
#   - over a million sockets in one namespace, where the kernel stops a
#     read() of the iterator after 1M sockets with EAGAIN: still exact
#     (needs 8 GiB of free memory; TCPSTAT_HOST_MILLION=0 skips it).
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root, unshare,
# nsenter, setpriv, ip, ss, gcc, jq, and a kernel with BTF and iter/tcp.
#
#   TCPSTAT=user/tcpstat bash tests/host/bpf.sh

set -u
# shellcheck source=tests/host/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
require_cmd unshare nsenter setpriv ip ss gcc jq
[ -x "$TCPSTAT" ] || skip_all "no $TCPSTAT (make -C user)"
SOCKFARM_SRC=$HOST_TOP/tests/vm/sockfarm.c
[ -f "$SOCKFARM_SRC" ] || skip_all "no $SOCKFARM_SRC"
why=$(bpf_why_not)
[ -z "$why" ] || skip_all "the bpf backend cannot run here: $why"

cleanup_more() { touch "$tmp/stop" 2>/dev/null; }
host_test_start bpf
chmod 0755 "$tmp"

build_sockfarm "$tmp" || finish
# the reporter where an unprivileged user can run it
cp "$TCPSTAT" "$tmp/tcpstat"
chmod 0755 "$tmp/tcpstat"

# rows NS-PID [CMD-PREFIX...]: the bpf backend's counts in that namespace
# as "ipv4 ..." / "ipv6 ..." (run inside it: nsenter, then the prefix)
rows() {
	local pid=$1
	shift
	nsenter --net="/proc/$pid/ns/net" "$@" "$tmp/tcpstat" --backend bpf --format prometheus |
		prom_to_rows
}

# ---- privileges ----
if farm build build; then
	ok "sockfarm build ready in a fresh netns"
else
	not_ok "sockfarm build ready" "$(cat "$tmp/build.out" "$tmp/build.err")"
	finish
fi
B=$farm
grep -E '^ipv[46] ' "$tmp/build.out" >"$tmp/want"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
CAPS=("${NOBODY[@]}" --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon)
NOCAPS=("${NOBODY[@]}" --inh-caps=-all)

exact() {
	rows "$B" "$@" >"$tmp/got" && cmp -s "$tmp/got" "$tmp/want"
}
if wait_for 10 exact "${CAPS[@]}"; then
	ok "as nobody with CAP_BPF and CAP_PERFMON only: == the sockets built"
else
	not_ok "as nobody with CAP_BPF and CAP_PERFMON" "$(cat "$tmp/got")" "want:" "$(cat "$tmp/want")"
fi
check "as root: == the sockets built" wait_for 10 exact

for args in "" "--ports" "--interval 0.1"; do
	# shellcheck disable=SC2086
	nsenter --net="/proc/$B/ns/net" "${NOCAPS[@]}" "$tmp/tcpstat" --backend bpf $args \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 3 ] && [ ! -s "$tmp/out" ] &&
	   [ "$(cat "$tmp/err")" = "tcpstat: bpf: the bpf backend needs CAP_BPF and CAP_PERFMON, or root (it loads a BPF program)" ]; then
		ok "as nobody without the capabilities${args:+ ($args)}: exit 3, one line, no output"
	else
		not_ok "as nobody without the capabilities${args:+ ($args)}" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
	fi
done

nsenter --net="/proc/$B/ns/net" "${NOCAPS[@]}" "$tmp/tcpstat" >"$tmp/auto.json" 2>"$tmp/auto.err"
rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/auto.err" ] &&
   [ "$(jq -r .build_info.backend "$tmp/auto.json")" = netlink ]; then
	ok "auto as nobody: bpf passed over quietly, netlink answers"
else
	not_ok "auto as nobody" "status $rc" "$(cat "$tmp/auto.json" "$tmp/auto.err")"
fi
nsenter --net="/proc/$B/ns/net" "${CAPS[@]}" "$tmp/tcpstat" >"$tmp/auto.json" 2>"$tmp/auto.err"
if [ "$(jq -r .build_info.backend "$tmp/auto.json")" = bpf ] && [ ! -s "$tmp/auto.err" ]; then
	ok "auto with CAP_BPF and CAP_PERFMON: bpf answers"
else
	not_ok "auto with CAP_BPF and CAP_PERFMON" "$(cat "$tmp/auto.json" "$tmp/auto.err")"
fi

"${CAPS[@]}" "$tmp/tcpstat" --backend bpf --all-netns --interval 1 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 3 ] && [ ! -s "$tmp/out" ] &&
   [ "$(cat "$tmp/err")" = "tcpstat: --all-netns: setns: Operation not permitted (the bpf backend enters every network namespace, which needs CAP_SYS_ADMIN: run as root)" ]; then
	ok "--all-netns with CAP_BPF and CAP_PERFMON but not CAP_SYS_ADMIN: exit 3 at once"
else
	not_ok "--all-netns without CAP_SYS_ADMIN" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
kill -TERM "$B"
wait "$B"

# ---- readers during connection churn ----
# churn prints nothing before it ends: start it and the readers together
rm -f "$tmp/stop"
unshare -n sh -c 'ip link set lo up && exec "$0" churn --seconds 10 --family both' \
	"$tmp/sockfarm" >"$tmp/churn.out" 2>"$tmp/churn.err" &
churn=$!
pids+=("$churn")
wait_for 10 test -r "/proc/$churn/ns/net"
CNS=/proc/$churn/ns/net
reader() { # reader NAME ARGS...: loop until stop; "<runs> <failures>"
	local name=$1 n=0 bad=0
	shift
	while [ ! -e "$tmp/stop" ]; do
		if "$TCPSTAT" --netns "$CNS" --backend bpf "$@" >"$tmp/r.$name.out" 2>"$tmp/r.$name.err" &&
		   [ "$(wc -l <"$tmp/r.$name.out")" -eq 1 ] && jq -e .ESTABLISHED "$tmp/r.$name.out" >/dev/null; then
			n=$((n + 1))
		elif [ -e "$tmp/stop" ] || ! kill -0 "$churn" 2>/dev/null; then
			break # the namespace went away with the churn
		else
			bad=$((bad + 1))
			cp "$tmp/r.$name.err" "$tmp/r.$name.lasterr"
		fi
	done
	echo "$n $bad" >"$tmp/reader.$name"
}
reader counts &
r1=$!
reader family --family &
r2=$!
reader ports --ports &
r3=$!
wait "$churn"
touch "$tmp/stop"
wait "$r1" "$r2" "$r3"
runs=0 bad=0
for r in counts family ports; do
	read -r n b <"$tmp/reader.$r"
	runs=$((runs + n)) bad=$((bad + b))
done
check "churn ran ($(cat "$tmp/churn.out" | tr '\n' ' '))" grep -q '^churned [1-9]' "$tmp/churn.out"
if [ "$runs" -gt 0 ] && [ "$bad" -eq 0 ]; then
	ok "$runs samples of three looping readers during churn, none failed"
else
	not_ok "$runs samples during churn, $bad failed" "$(cat "$tmp"/r.*.lasterr 2>/dev/null)"
fi

# After the churn: its TIME_WAIT sockets stay (60 s) in a namespace that
# lives on through a process of its own.
unshare -n sh -c 'ip link set lo up && "$0" churn --seconds 2 --family both >/dev/null && exec sleep 300' \
	"$tmp/sockfarm" &
Q=$!
pids+=("$Q")
quiet() {
	rows "$Q" >"$tmp/q.bpf" &&
	nsenter --net="/proc/$Q/ns/net" bash -c "$(declare -f ss_rows); ss_rows" >"$tmp/q.ss" &&
	proc_rows "/proc/$Q/net" >"$tmp/q.kernel" &&
	cmp -s "$tmp/q.bpf" "$tmp/q.ss" && cmp -s "$tmp/q.bpf" "$tmp/q.kernel" &&
	grep -q '^ipv4 .* [1-9]' "$tmp/q.bpf"
}
if wait_for 30 quiet; then
	ok "after churn: bpf == ss == /proc/net/tcp{,6} ($(awk '{ print $7 }' "$tmp/q.bpf" | paste -sd+) TIME_WAIT)"
else
	not_ok "after churn: bpf == ss == /proc/net/tcp{,6}" "$(cat "$tmp/q.bpf" "$tmp/q.ss" "$tmp/q.kernel")"
fi
kill -TERM "$Q" 2>/dev/null
wait "$Q" 2>/dev/null

# ---- over a million sockets: the kernel's limit of objects per read ----
avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
if [ "${TCPSTAT_HOST_MILLION:-1}" = 0 ]; then
	skip "bpf over a million sockets" "TCPSTAT_HOST_MILLION=0"
elif [ "$avail_kb" -lt $((8 * 1024 * 1024)) ]; then
	skip "bpf over a million sockets" "$((avail_kb / 1024)) MiB available, the sockets take about 4 GiB"
elif FARM_WAIT=300 farm million fill --conns 530000 --listeners 32; then
	M=$farm
	grep -E '^ipv[46] ' "$tmp/million.out" >"$tmp/m.want"
	total=$(awk '{ for (i = 2; i <= NF; i++) n += $i } END { print n }' "$tmp/m.want")
	if command -v strace >/dev/null 2>&1; then
		nsenter --net="/proc/$M/ns/net" strace -f -e trace=read -o "$tmp/m.strace" \
			"$TCPSTAT" --backend bpf --format prometheus 2>"$tmp/m.err" | prom_to_rows >"$tmp/m.bpf"
		if grep -q 'EAGAIN' "$tmp/m.strace"; then
			ok "$total sockets: the iterator's read() stopped with EAGAIN and the walk went on"
		else
			not_ok "$total sockets: no EAGAIN seen (the kernel's limit moved?)" "$(grep -v vmlinux "$tmp/m.strace" | tail -n 5)"
		fi
	else
		rows "$M" >"$tmp/m.bpf" 2>"$tmp/m.err"
		skip "$total sockets: the read() that stops with EAGAIN" "no strace to see it"
	fi
	if cmp -s "$tmp/m.bpf" "$tmp/m.want"; then
		ok "$total sockets: bpf == the sockets built"
	else
		not_ok "$total sockets: bpf == the sockets built" "$(cat "$tmp/m.bpf" "$tmp/m.err")" "want:" "$(cat "$tmp/m.want")"
	fi
	"$TCPSTAT" --netns "/proc/$M/ns/net" --backend bpf --ports >"$tmp/m.bports" 2>&1
	"$TCPSTAT" --netns "/proc/$M/ns/net" --backend netlink --ports >"$tmp/m.nports" 2>&1
	nports=$(jq '.ports | length' "$tmp/m.bports" 2>/dev/null || echo 0)
	if [ "$(json_counts "$tmp/m.bports")" = "$(json_counts "$tmp/m.nports")" ] && [ "$nports" -gt 0 ]; then
		ok "$total sockets: bpf --ports == netlink --ports ($nports listening ports)"
	else
		not_ok "$total sockets: bpf --ports == netlink --ports" "$(head -c 600 "$tmp/m.bports")" "$(head -c 600 "$tmp/m.nports")"
	fi
	kill -TERM "$M"
	wait "$M"
else
	not_ok "sockfarm fill of a million sockets" "$(cat "$tmp/million.out" "$tmp/million.err")"
fi

finish
