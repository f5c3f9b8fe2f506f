#!/bin/sh
# Systematic fault injection (make debug-check; a kernel with
# CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC and their debugfs):
# through /proc/thread-self/fail-nth, the 1st, 2nd, ... allocation of an
# operation fails, until one run completes with no fault left to inject
# (tests/vm/harden.c). The operations: creating a network namespace while
# readers loop on the module's files, opening and reading each file, and
# loading the module. Every run must fail cleanly or succeed whole; KASAN,
# kmemleak and lockdep must stay silent (the console is checked by
# vm-run.sh, which here tolerates the allocation-failure reports the
# injected faults cause, and nothing else).
. /tests/lib.sh
T=/tmp/f
mkdir -p $T
DBG=/sys/kernel/debug

if [ ! -w /proc/thread-self/fail-nth ] || [ ! -d $DBG/failslab ]; then
	echo "ok 1 - fault injection # SKIP this kernel has no fail-nth or failslab"
	exit 4
fi

section "setup"
# Only fail-nth injects (probability 0), GFP_KERNEL allocations included,
# every page order, and quietly (the injector's own stack dumps off).
for d in failslab fail_page_alloc; do
	echo 0 >$DBG/$d/probability
	echo 0 >$DBG/$d/verbose
	echo N >$DBG/$d/ignore-gfp-wait
done
echo N >$DBG/fail_page_alloc/ignore-gfp-highmem
echo 0 >$DBG/fail_page_alloc/min-order
check "insmod tcpstat.ko" insmod /tcpstat.ko
FARM=
if farm_start $T/farm build --family both; then
	FARM=$FARM_PID
fi
check "sockets in every state for the walks to count" test -n "$FARM"
# Something in a second namespace too, for the all-namespaces view.
unshare -n sh -c 'ip link set lo up; exec harden listen 20' >$T/child.out 2>&1 &
CHILD=$!

section "creating a network namespace, each allocation failing in turn, readers looping"
reader() {
	n=0 bad=0
	while [ ! -e $T/stop ]; do
		for f in /proc/net/tcpstat_netns /proc/net/tcpstat_ports /proc/net/tcpstat_data; do
			cat $f >$T/r.$1 2>/dev/null || continue
			tail -n 1 $T/r.$1 | grep -qx end || bad=$((bad + 1))
			n=$((n + 1))
		done
	done
	echo "$n $bad" >$T/r.res.$1
}
rm -f $T/stop
RP=
for r in 1 2 3; do
	reader $r &
	RP="$RP $!"
done
harden failnth-unshare >$T/unshare.out 2>&1
rc=$?
touch $T/stop
wait $RP
sed 's/^/# /' $T/unshare.out
check "unshare(CLONE_NEWNET) with each allocation failing: every run clean" test $rc -eq 0
reads=0 bad=0
for r in 1 2 3; do
	[ -e $T/r.res.$r ] || continue
	set -- $(cat $T/r.res.$r)
	reads=$((reads + $1)) bad=$((bad + $2))
done
check "$reads reads meanwhile, all whole" test $reads -gt 0 -a $bad -eq 0

section "opening and reading each file, each allocation failing in turn"
for f in /proc/net/tcpstat /proc/net/tcpstat_data /proc/net/tcpstat_ports /proc/net/tcpstat_netns; do
	harden failnth-read $f >$T/read.out 2>&1
	rc=$?
	sed 's/^/# /' $T/read.out
	check "$f: every read fails whole or succeeds whole" test $rc -eq 0
done
unshare -n sh -c 'ip link set lo up; harden listen 5 >/dev/null & p=$!; sleep 1
	harden failnth-read /proc/net/tcpstat_ports; rc=$?; kill $p; exit $rc' >$T/childread.out 2>&1
rc=$?
sed 's/^/# /' $T/childread.out
check "a child namespace's tcpstat_ports: every read fails whole or succeeds whole" test $rc -eq 0

section "loading the module, each allocation failing in turn"
kill $CHILD 2>/dev/null
wait $CHILD 2>/dev/null
[ -n "$FARM" ] && farm_stop $FARM
check "rmmod tcpstat" rmmod tcpstat
harden failnth-load /tcpstat.ko >$T/load.out 2>&1
rc=$?
sed 's/^/# /' $T/load.out
check "loading with each allocation failing: every run clean, nothing left behind" test $rc -eq 0
check "insmod after the runs" insmod /tcpstat.ko
check "the module works after them" human_format_ok /proc/tcpstat
check "rmmod after them" rmmod tcpstat

section "end"
for d in failslab fail_page_alloc; do echo Y >$DBG/$d/ignore-gfp-wait; done
check_kmemleak
done_testing
