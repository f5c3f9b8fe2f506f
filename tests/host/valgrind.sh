#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# valgrind.sh - the reporter under valgrind's memcheck for a long stream:
# 300 samples each of the bpf (where it can run), netlink and procfs
# backends with every view
# (--family --meta --tags, --ports, --all-netns), in a namespace holding
# sockets in every state, written both to a pipe and with --output. Any
# invalid access, uninitialised use or leak fails (--error-exitcode).
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root, valgrind,
# unshare, ip, gcc.
set -u
# shellcheck source=tests/host/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
require_cmd valgrind unshare ip gcc
[ -x "$TCPSTAT" ] || skip_all "no $TCPSTAT (make -C user)"

tmp=$(mktemp -d /tmp/tcpstat-valgrind.XXXXXX) || exit "$KSFT_FAIL"
holder=
cleanup() {
	[ -n "$holder" ] && kill -TERM "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

gcc -std=gnu11 -O2 -static -o "$tmp/sockfarm" "$HOST_TOP/tests/vm/sockfarm.c" || exit "$KSFT_FAIL"
# A namespace with sockets in every state, held by sockfarm.
unshare -n sh -c 'ip link set lo up; exec "$0" build --family both' "$tmp/sockfarm" >"$tmp/farm.out" &
holder=$!
wait_for 30 grep -q '^ready$' "$tmp/farm.out" || { not_ok "sockfarm build"; finish; }
ns=/proc/$holder/ns/net

memcheck() {
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--suppressions="$HOST_TOP/tests/host/valgrind-libbpf.supp" \
		--errors-for-leak-kinds=definite,indirect --track-fds=no "$TCPSTAT" "$@"
}

BACKENDS="netlink procfs"
bpf_skip=$(bpf_why_not)
if [ -z "$bpf_skip" ]; then
	BACKENDS="bpf $BACKENDS"
else
	skip "memcheck: the bpf backend" "$bpf_skip"
fi
for backend in $BACKENDS; do
	memcheck --netns "$ns" --backend "$backend" --interval 0.01 --count 300 \
		--family --meta --tag run=valgrind >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 300 ]; then
		ok "memcheck: 300 samples from $backend, json --family --meta --tag"
	else
		not_ok "memcheck: 300 samples from $backend (exit $rc, $(wc -l <"$tmp/out") lines)" "$(head -n 20 "$tmp/err")"
	fi
	memcheck --netns "$ns" --backend "$backend" --interval 0.01 --count 100 --ports \
		--format prometheus --output "$tmp/ports.prom" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check_out=$(grep -c '^tcpstat_port_connections' "$tmp/ports.prom" 2>/dev/null)
	if [ $rc -eq 0 ] && [ "${check_out:-0}" -gt 0 ]; then
		ok "memcheck: 100 --ports samples from $backend into --output"
	else
		not_ok "memcheck: --ports from $backend (exit $rc)" "$(head -n 20 "$tmp/err")"
	fi
	memcheck --backend "$backend" --interval 0.05 --count 20 --all-netns \
		--format influx >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && [ -s "$tmp/out" ]; then
		ok "memcheck: 20 --all-netns samples from $backend"
	else
		not_ok "memcheck: --all-netns from $backend (exit $rc)" "$(head -n 20 "$tmp/err")"
	fi
done
# Errors: a source that fails and a bad option, under memcheck too.
memcheck --backend kmod >/dev/null 2>"$tmp/err"
check "memcheck: a missing module is exit 3, nothing leaks" test $? -eq 3
memcheck --port 0 >/dev/null 2>"$tmp/err"
check "memcheck: a bad option is exit 2, nothing leaks" test $? -eq 2
finish
