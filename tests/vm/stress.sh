#!/bin/sh
# Stress inside the guest: for TCPSTAT_STRESS_SECONDS (default 60), in
# rounds of TCPSTAT_STRESS_ROUND seconds (default 15), all at once:
#  - connection churn in IPv4 and IPv6 (connect/accept/close, TIME_WAIT
#    and RST), in the initial namespace and in a long-lived child;
#  - half-open and every other state (sockfarm build) made and dropped;
#  - network namespaces created and destroyed, every other one with a
#    private established table, each with a short churn inside;
#  - 16 readers looping on /proc/tcpstat and the machine files, half in
#    the initial namespace and half in the child;
#  - the module unloaded and reloaded every TCPSTAT_STRESS_RELOAD seconds.
# Between rounds the churn stops and the counts must equal
# /proc/net/tcp{,6} exactly, in both namespaces. The host fails the run on
# any kernel warning. The figures (connections, reads, reloads,
# namespaces) are printed as "stress,<name>,<value>".
. /tests/lib.sh
DURATION=${TCPSTAT_STRESS_SECONDS:-60}
ROUND=${TCPSTAT_STRESS_ROUND:-15}
RELOAD=${TCPSTAT_STRESS_RELOAD:-3}
T=/tmp/stress
mkdir -p $T/churn $T/reads $T/ns
sysctl -qw net.ipv4.tcp_max_tw_buckets=200000
check "insmod tcpstat.ko" insmod /tcpstat.ko

# The long-lived child namespace (a private table where the kernel has them).
[ -w /proc/sys/net/ipv4/tcp_child_ehash_entries ] && echo 64 >/proc/sys/net/ipv4/tcp_child_ehash_entries
unshare -n sh -c 'ip link set lo up; echo 200000 >/proc/sys/net/ipv4/tcp_max_tw_buckets; echo $$ >'$T'/child.pid; exec sleep 100000' &
CHILD_SH=$!
while [ ! -s $T/child.pid ]; do usleep 50000; done
CHILD=$(cat $T/child.pid)
[ -w /proc/sys/net/ipv4/tcp_child_ehash_entries ] && echo 0 >/proc/sys/net/ipv4/tcp_child_ehash_entries
in_child() { nsenter -t $CHILD -n "$@"; }

# 16 readers (stress-reader.sh), half in each namespace.
r=1
while [ $r -le 16 ]; do
	if [ $r -le 8 ]; then
		sh /tests/stress-reader.sh $r $T &
	else
		nsenter -t $CHILD -n sh /tests/stress-reader.sh $r $T &
	fi
	r=$((r + 1))
done

# The reloader: pauses while a checkpoint compares counts.
(
	n=0 failed=0
	while [ ! -e $T/stop ]; do
		sleep $RELOAD
		[ -e $T/quiet ] && continue
		rmmod tcpstat || failed=$((failed + 1))
		insmod /tcpstat.ko || failed=$((failed + 1))
		n=$((n + 1))
	done
	echo "$n $failed" >$T/reloads
) &

churn_round() {
	# Connections: RST-closed and TIME_WAIT-leaving, both namespaces.
	sockfarm churn --seconds $ROUND --family both >$T/churn/init.$1 2>&1 &
	sockfarm churn --seconds $ROUND --family both --linger0 >$T/churn/init-rst.$1 2>&1 &
	nsenter -t $CHILD -n sockfarm churn --seconds $ROUND --family both >$T/churn/child.$1 2>&1 &
	# Every state, half-open ones included, made and dropped.
	(
		end=$(($(date +%s) + ROUND))
		while [ "$(date +%s)" -lt $end ]; do
			unshare -n sh -c 'ip link set lo up; sockfarm build --family both >/dev/null 2>&1 & p=$!; sleep 2; kill $p; wait $p'
		done
	) &
	# Namespaces that come and go, every other one with a private table.
	(
		end=$(($(date +%s) + ROUND))
		k=0
		while [ "$(date +%s)" -lt $end ]; do
			[ -w /proc/sys/net/ipv4/tcp_child_ehash_entries ] &&
				echo $(((k % 2) * 32)) >/proc/sys/net/ipv4/tcp_child_ehash_entries
			unshare -n sh -c 'ip link set lo up; sockfarm churn --seconds 1 --family both >/dev/null 2>&1; cat /proc/tcpstat >/dev/null 2>&1'
			k=$((k + 1))
		done
		echo $k >$T/ns/$1
	) &
}

start=$(date +%s)
round=1
while [ $(($(date +%s) - start)) -lt "$DURATION" ]; do
	section "round $round: churn for ${ROUND}s"
	rm -f $T/quiet
	churn_round $round
	# Wait for this round's churners (not for the readers and reloader).
	for f in init init-rst child; do
		while ! grep -q '^churned' $T/churn/$f.$round 2>/dev/null; do
			grep -q 'sockfarm:' $T/churn/$f.$round 2>/dev/null && break
			usleep 200000
		done
	done
	while [ ! -e $T/ns/$round ]; do usleep 200000; done
	sleep 3 # the last sockfarm build of the round winds down
	touch $T/quiet
	sleep $RELOAD
	[ -e /proc/net/tcpstat_data ] || insmod /tcpstat.ko
	snapshot $T/init.$round
	check "round $round: init netns counts equal /proc/net/tcp{,6}" same $T/init.$round.data $T/init.$round.kernel
	in_child sh -c ". /tests/lib.sh; snapshot $T/child.$round"
	check "round $round: child netns counts equal /proc/net/tcp{,6}" same $T/child.$round.data $T/child.$round.kernel
	round=$((round + 1))
done
touch $T/stop
kill $CHILD_SH 2>/dev/null
wait 2>/dev/null

conns=$(cat $T/churn/* | sed -n 's/^churned //p' | awk '{ s += $1 } END { print s + 0 }')
reads=$(cat $T/reads/*.res | awk '{ s += $1 } END { print s + 0 }')
bad=$(cat $T/reads/*.res | awk '{ s += $2 } END { print s + 0 }')
set -- $(cat $T/reloads)
nss=$(cat $T/ns/* | awk '{ s += $1 } END { print s + 0 }')
echo "stress,seconds,$(($(date +%s) - start))"
echo "stress,connections,$conns"
echo "stress,reads,$reads"
echo "stress,reloads,$1"
echo "stress,namespaces,$nss"
check "churn made connections ($conns)" test "$conns" -gt 0
check "$reads reads by 16 readers, none malformed" test "$reads" -gt 0 -a "$bad" -eq 0
cat $T/reads/*.bad 2>/dev/null | head -n 40 | sed 's/^/# /'
check "$1 unload/reload cycles, none failed" test "$1" -gt 0 -a "$2" -eq 0
check "$nss namespaces created and destroyed" test "$nss" -gt 0
check "no kernel warning in dmesg" sh -c '! dmesg | grep -Eq "WARNING:|BUG:|Call Trace"'
rmmod tcpstat
check_kmemleak
done_testing
