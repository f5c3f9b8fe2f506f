#!/bin/sh
# Runs in a fresh network namespace (unshare -n): builds a socket set
# different from the init netns's, records what it built in $1, says ready
# and holds the sockets until the parent creates $1/release.
. /tests/lib.sh
D=$1
ip link set lo up
# A private table of n buckets caps TIME_WAIT at n/2 in this netns.
echo 100000 >/proc/sys/net/ipv4/tcp_max_tw_buckets
if ! farm_start $D/build build --family both --scale 2; then
	echo "sockfarm build failed: $(cat $D/build.err)" >$D/error
	exit 1
fi
B=$FARM_PID
if ! farm_start $D/fill fill --conns 200 --family both; then
	echo "sockfarm fill failed: $(cat $D/fill.err)" >$D/error
	farm_stop $B
	exit 1
fi
F=$FARM_PID
view_add $D/build.view $D/fill.view >$D/expect.view
if ! wait_kernel_view $D/expect.view 30; then
	echo "sockets never settled: $(kernel_view | tr '\n' '|')" >$D/error
	farm_stop $F
	farm_stop $B
	exit 1
fi
echo $$ >$D/pid
touch $D/ready
while [ ! -e $D/release ]; do usleep 100000; done
farm_stop $F
farm_stop $B
exit 0
