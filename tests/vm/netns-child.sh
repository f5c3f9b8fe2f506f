#!/bin/sh
# Runs in a fresh network namespace (unshare -n): builds a socket set,
# records what it built in $1/expect.view, says ready ($1/ready, pid in
# $1/pid) and holds the sockets until the parent creates $1/release.
#   netns-child.sh DIR [BUILD_SCALE (0: none)] [FILL_CONNS (0: none)]
. /tests/lib.sh
D=$1
SCALE=${2:-2}
CONNS=${3:-200}
touch $D/started # the namespace exists: its table size is settled
ip link set lo up
# A private table of n buckets caps TIME_WAIT at n/2 in this netns.
echo 100000 >/proc/sys/net/ipv4/tcp_max_tw_buckets
zero_view >$D/expect.view
PIDS=
if [ "$SCALE" -gt 0 ]; then
	if ! farm_start $D/build build --family both --scale "$SCALE"; then
		echo "sockfarm build failed: $(cat $D/build.err)" >$D/error
		exit 1
	fi
	PIDS="$PIDS $FARM_PID"
	view_add $D/expect.view $D/build.view >$D/expect.tmp && mv $D/expect.tmp $D/expect.view
fi
if [ "$CONNS" -gt 0 ]; then
	if ! farm_start $D/fill fill --conns "$CONNS" --family both; then
		echo "sockfarm fill failed: $(cat $D/fill.err)" >$D/error
		for p in $PIDS; do farm_stop $p; done
		exit 1
	fi
	PIDS="$PIDS $FARM_PID"
	view_add $D/expect.view $D/fill.view >$D/expect.tmp && mv $D/expect.tmp $D/expect.view
fi
if ! wait_kernel_view $D/expect.view 30; then
	echo "sockets never settled: $(kernel_view | tr '\n' '|')" >$D/error
	for p in $PIDS; do farm_stop $p; done
	exit 1
fi
echo $$ >$D/pid
touch $D/ready
# How often to look for the release file (the benchmark holds 100 of these
# and polls slowly so they do not compete with what it measures).
while [ ! -e $D/release ]; do usleep "${TCPSTAT_HOLD_POLL_US:-100000}"; done
for p in $PIDS; do farm_stop $p; done
exit 0
