#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# backends.sh - in a fresh network namespace holding a known set of
# sockets (tests/vm/sockfarm: every state that can be made to hold, both
# families), the netlink and procfs backends must agree exactly with each
# other, with `ss -tan` and with the sockets built; from outside through
# --netns and from inside alike.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root, unshare,
# nsenter, ip, ss, gcc (to build sockfarm).
#
#   TCPSTAT=user/tcpstat bash tests/host/backends.sh

set -u
# shellcheck source=tests/host/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
require_cmd unshare nsenter ip ss gcc
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
	rows netlink >"$tmp/netlink" &&
	rows procfs >"$tmp/procfs" &&
	nsenter --net="$NS" bash -c "$(declare -f ss_rows); ss_rows" >"$tmp/ss" &&
	cmp -s "$tmp/netlink" "$tmp/want" &&
	cmp -s "$tmp/procfs" "$tmp/want" &&
	cmp -s "$tmp/ss" "$tmp/want"
}
wait_for 10 agree

for view in netlink procfs ss; do
	if cmp -s "$tmp/$view" "$tmp/want"; then
		ok "$view counts == sockets held"
	else
		not_ok "$view counts == sockets held" "got:" "$(cat "$tmp/$view")" \
			"want:" "$(cat "$tmp/want")"
	fi
done
if cmp -s "$tmp/netlink" "$tmp/procfs"; then
	ok "netlink == procfs"
else
	not_ok "netlink == procfs" "$(cat "$tmp/netlink")" "$(cat "$tmp/procfs")"
fi

# The same from inside the namespace, without --netns.
rows netlink inside >"$tmp/in-netlink"
rows procfs inside >"$tmp/in-procfs"
if cmp -s "$tmp/in-netlink" "$tmp/want" && cmp -s "$tmp/in-procfs" "$tmp/want"; then
	ok "inside the netns (no --netns): netlink and procfs == sockets held"
else
	not_ok "inside the netns: netlink and procfs == sockets held" \
		"$(cat "$tmp/in-netlink" "$tmp/in-procfs")"
fi

# JSON of both backends, byte for byte (totals and --family split).
"$TCPSTAT" --netns "$NS" --backend netlink --family >"$tmp/netlink.json" 2>&1
"$TCPSTAT" --netns "$NS" --backend procfs --family >"$tmp/procfs.json" 2>&1
if [ "$(json_counts "$tmp/netlink.json")" = "$(json_counts "$tmp/procfs.json")" ] &&
   jq -e '.build_info.backend == "netlink"' "$tmp/netlink.json" >/dev/null &&
   jq -e '.build_info.backend == "procfs"' "$tmp/procfs.json" >/dev/null; then
	ok "json --family: netlink and procfs identical (but for build_info and the duration)"
else
	not_ok "json --family: netlink and procfs identical" \
		"$(cat "$tmp/netlink.json" "$tmp/procfs.json")"
fi

# auto: no module on this host, so netlink (or kmod if one is loaded)
"$TCPSTAT" --netns "$NS" --family >"$tmp/auto.json" 2>"$tmp/auto.err"
if [ "$(json_counts "$tmp/auto.json")" = "$(json_counts "$tmp/netlink.json")" ] &&
   jq -e '.build_info.backend == "netlink"' "$tmp/auto.json" >/dev/null; then
	ok "auto == netlink, and says so (build_info.backend: the backend that answered)"
else
	not_ok "auto == netlink" "$(cat "$tmp/auto.json" "$tmp/auto.err")"
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
	wait_for 10 agree
	if cmp -s "$tmp/netlink" "$tmp/want" && cmp -s "$tmp/procfs" "$tmp/want" &&
	   cmp -s "$tmp/ss" "$tmp/want"; then
		ok "$total sockets: netlink == procfs == ss == sockets held"
	else
		not_ok "$total sockets: netlink == procfs == ss == sockets held" "$(cat "$tmp/want" "$tmp/netlink" "$tmp/procfs" "$tmp/ss")"
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
