#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# backends.sh - in a fresh network namespace holding a known set of
# sockets (tests/vm/sockfarm: every state that can be made to hold, both
# families), the bpf, netlink and procfs backends must agree exactly with
# each other, with `ss -tan`, with /proc/net/tcp{,6} and with the sockets
# built; from outside through --netns and from inside alike. Without BTF
# or an iter/tcp in the running kernel, the bpf checks are skipped with
# the reason.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root, unshare,
# nsenter, ip, ss, gcc (to build sockfarm).
#
#   TCPSTAT=user/tcpstat bash tests/host/backends.sh

set -u
# shellcheck source=tests/host/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
require_cmd unshare nsenter ip ss gcc jq
[ -x "$TCPSTAT" ] || skip_all "no $TCPSTAT (make -C user)"
SOCKFARM_SRC=$HOST_TOP/tests/vm/sockfarm.c
[ -f "$SOCKFARM_SRC" ] || skip_all "no $SOCKFARM_SRC"

tmp=$(mktemp -d /tmp/tcpstat-backends.XXXXXX) || exit "$KSFT_FAIL"
farm_pid=
cleanup() {
	if [ -n "$farm_pid" ]; then
		kill -TERM "$farm_pid" 2>/dev/null
		wait "$farm_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit "$KSFT_FAIL"' INT TERM

echo "TAP version 13"

# Built here, not in tests/vm: the host test writes only its own temp dir.
if gcc -O2 -static -o "$tmp/sockfarm" "$SOCKFARM_SRC" 2>"$tmp/gcc.err" ||
   gcc -O2 -o "$tmp/sockfarm" "$SOCKFARM_SRC" 2>"$tmp/gcc.err"; then
	ok "build sockfarm"
else
	not_ok "build sockfarm" "$(cat "$tmp/gcc.err")"
	finish
fi

# A fresh netns with lo up; sockfarm is exec'ed, so its pid names the netns.
unshare -n sh -c 'ip link set lo up && exec "$0" build' "$tmp/sockfarm" \
	>"$tmp/farm.out" 2>"$tmp/farm.err" &
farm_pid=$!
if wait_for 60 grep -qx ready "$tmp/farm.out"; then
	ok "sockfarm ready in a fresh netns"
else
	not_ok "sockfarm ready in a fresh netns" "$(cat "$tmp/farm.out" "$tmp/farm.err")"
	finish
fi
NS=/proc/$farm_pid/ns/net
bpf_skip=$(bpf_why_not)
[ -n "$bpf_skip" ] && echo "# bpf backend unusable: $bpf_skip"
# the backends this host can run
BACKENDS="netlink procfs"
[ -z "$bpf_skip" ] && BACKENDS="bpf $BACKENDS"
grep -E '^ipv[46] ' "$tmp/farm.out" >"$tmp/want"
echo "# sockfarm built:"
sed 's/^/#   /' "$tmp/want"

# rows BACKEND [nsenter]: the backend's counts as "ipv4 ..." / "ipv6 ..."
rows() {
	if [ "${2:-}" = inside ]; then
		nsenter --net="$NS" "$TCPSTAT" --backend "$1" --format prometheus
	else
		"$TCPSTAT" --netns "$NS" --backend "$1" --format prometheus
	fi | prom_to_rows
}

# Poll until every view agrees (states settle within milliseconds; the
# bound is generous for slow machines).
agree() {
	local v
	for v in $BACKENDS; do
		rows $v >"$tmp/$v"
	done
	nsenter --net="$NS" bash -c "$(declare -f ss_rows); ss_rows" >"$tmp/ss"
	proc_rows "/proc/$farm_pid/net" >"$tmp/kernel"
	for v in $BACKENDS ss kernel; do
		cmp -s "$tmp/$v" "$tmp/want" || return 1
	done
}
wait_for 10 agree

[ -n "$bpf_skip" ] && skip "bpf counts == sockets held" "$bpf_skip"
for view in $BACKENDS ss kernel; do
	name=$view
	[ $view = kernel ] && name="/proc/net/tcp{,6}"
	if cmp -s "$tmp/$view" "$tmp/want"; then
		ok "$name counts == sockets held"
	else
		not_ok "$name counts == sockets held" "got:" "$(cat "$tmp/$view")" \
			"want:" "$(cat "$tmp/want")"
	fi
done
if cmp -s "$tmp/netlink" "$tmp/procfs"; then
	ok "netlink == procfs"
else
	not_ok "netlink == procfs" "$(cat "$tmp/netlink")" "$(cat "$tmp/procfs")"
fi

# The same from inside the namespace, without --netns.
inside_ok=1
for b in $BACKENDS; do
	rows $b inside >"$tmp/in-$b"
	cmp -s "$tmp/in-$b" "$tmp/want" || inside_ok=0
done
if [ $inside_ok = 1 ]; then
	ok "inside the netns (no --netns): $BACKENDS == sockets held"
else
	not_ok "inside the netns: $BACKENDS == sockets held" "$(cat "$tmp"/in-*)"
fi

# JSON of every backend (totals and --family split): the same but for
# build_info (each names itself) and the duration.
json_ok=1
for b in $BACKENDS; do
	"$TCPSTAT" --netns "$NS" --backend $b --family >"$tmp/$b.json" 2>&1
done
for b in $BACKENDS; do
	[ "$(json_counts "$tmp/$b.json")" = "$(json_counts "$tmp/netlink.json")" ] &&
		jq -e --arg b "$b" '.build_info.backend == $b' "$tmp/$b.json" >/dev/null || json_ok=0
done
if [ $json_ok = 1 ]; then
	ok "json --family: $BACKENDS identical (but for build_info and the duration)"
else
	not_ok "json --family: $BACKENDS identical" "$(cat "$tmp"/*.json)"
fi

# auto: no module on this host, so bpf where it can run, else netlink
# (or kmod if one is loaded); build_info names it
first=netlink
[ -z "$bpf_skip" ] && first=bpf
[ -e /proc/net/tcpstat_data ] && first=kmod
"$TCPSTAT" --netns "$NS" --family >"$tmp/auto.json" 2>"$tmp/auto.err"
if [ "$(json_counts "$tmp/auto.json")" = "$(json_counts "$tmp/netlink.json")" ] && [ ! -s "$tmp/auto.err" ] &&
   jq -e --arg b "$first" '.build_info.backend == $b' "$tmp/auto.json" >/dev/null; then
	ok "auto == netlink's counts, quietly, and says $first answered (build_info.backend)"
else
	not_ok "auto == netlink, answered by $first" "$(cat "$tmp/auto.json" "$tmp/auto.err")"
fi

# kmod in a netns without the module: the hint, exit 3, nothing on stdout
if [ ! -e /proc/net/tcpstat_data ]; then
	"$TCPSTAT" --netns "$NS" --backend kmod >"$tmp/kmod.out" 2>"$tmp/kmod.err"
	rc=$?
	if [ "$rc" -eq 3 ] && [ ! -s "$tmp/kmod.out" ] &&
	   grep -q '^tcpstat: /proc/net/tcpstat_data: No such file or directory (is the tcpstat module loaded? try: modprobe tcpstat)$' "$tmp/kmod.err"; then
		ok "kmod without the module: exit 3 with the modprobe hint"
	else
		not_ok "kmod without the module" "status $rc" "$(cat "$tmp/kmod.err")"
	fi
else
	skip "kmod without the module" "the tcpstat module is loaded"
fi

# a stream in the netns: every line the same counts
"$TCPSTAT" --netns "$NS" --backend netlink --interval 0.1 --count 3 --family \
	>"$tmp/stream" 2>"$tmp/stream.err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/stream")" -eq 3 ] &&
   [ "$(json_counts "$tmp/stream" | sort -u)" = "$(json_counts "$tmp/netlink.json")" ]; then
	ok "netlink stream: 3 identical lines"
else
	not_ok "netlink stream" "status $rc" "$(cat "$tmp/stream" "$tmp/stream.err")"
fi

kill -TERM "$farm_pid"
wait "$farm_pid"
rc=$?
farm_pid=
check "sockfarm exits 0 on SIGTERM" [ "$rc" -eq 0 ]

# Many sockets: a netlink dump of many datagrams, /proc/net/tcp of many
# reads (sockfarm fill --conns 4000: 4000 established sockets per family).
unshare -n sh -c 'ip link set lo up && exec "$0" fill --conns 4000' "$tmp/sockfarm" \
	>"$tmp/fill.out" 2>"$tmp/fill.err" &
farm_pid=$!
if wait_for 120 grep -qx ready "$tmp/fill.out"; then
	NS=/proc/$farm_pid/ns/net
	grep -E '^ipv[46] ' "$tmp/fill.out" >"$tmp/want"
	total=$(awk '{ for (i = 2; i <= NF; i++) n += $i } END { print n }' "$tmp/want")
	if wait_for 10 agree; then
		ok "$total sockets: ${BACKENDS// / == } == ss == /proc/net/tcp{,6} == sockets held"
	else
		not_ok "$total sockets: ${BACKENDS// / == } == ss == /proc/net/tcp{,6} == sockets held" \
			"$(cat "$tmp/want" "$tmp/netlink" "$tmp/procfs" "$tmp/ss" "$tmp/kernel")"
	fi
elif grep -q 'RLIMIT_NOFILE' "$tmp/fill.err"; then
	skip "many sockets" "$(head -c 200 "$tmp/fill.err")"
else
	not_ok "many sockets: sockfarm fill ready" "$(cat "$tmp/fill.out" "$tmp/fill.err")"
fi
kill -TERM "$farm_pid" 2>/dev/null
wait "$farm_pid"
farm_pid=

finish
