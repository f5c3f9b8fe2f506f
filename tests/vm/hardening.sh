#!/bin/sh
# The module's hardening, inside the guest (run on every kernel of make
# check with slub_debug=FZP, so a double free or a write to freed memory
# shows in the console, which fails the run). One section per rule of
# design.md's "Rules the module keeps"; each check failed on the module
# before the rule was kept.
. /tests/lib.sh
T=/tmp/h
mkdir -p $T
PARAM=/sys/module/tcpstat/parameters

section "load"
check "insmod tcpstat.ko" insmod /tcpstat.ko
check "insmod pernetfail.ko (the test module)" insmod /extra/pernetfail.ko
check "the kernel runs with slub_debug" grep -q 'slub_debug' /proc/cmdline

section "a namespace still being set up is in no view (lifetime)"
# pernetfail holds the next namespace in its (device) pernet init, after
# tcpstat's, with a listener in it, then makes the setup fail: the
# namespace is freed whatever its reference count. Readers must never
# have taken it.
nsreader() {
	n=0 bad=0
	while [ ! -e $T/ns.stop ]; do
		cat /proc/net/tcpstat_netns >$T/ns.$1 2>/dev/null || continue
		tail -n 1 $T/ns.$1 | grep -qx end || bad=$((bad + 1))
		n=$((n + 1))
	done
	echo "$n $bad" >$T/ns.res.$1
}
seen=0 held=0 failed=0 rounds=5
for round in $(seq $rounds); do
	echo 1 >/sys/module/pernetfail/parameters/arm
	(unshare -n true 2>/dev/null; echo $? >$T/unshare.rc) &
	UP=$!
	deadline 30
	inum=
	while in_time; do
		set -- $(cat /sys/module/pernetfail/parameters/state)
		[ "$1" = blocked ] && inum=$2 && break
		usleep 20000
	done
	if [ -z "$inum" ]; then
		diag "round $round: no namespace was held"
		echo 1 >/sys/module/pernetfail/parameters/release
		wait $UP
		continue
	fi
	held=$((held + 1))
	cat /proc/net/tcpstat_netns >$T/ns.view
	if grep -q "^netns $inum " $T/ns.view; then
		seen=$((seen + 1))
		diag "round $round: the half-made namespace $inum is in tcpstat_netns: $(grep "^netns $inum " $T/ns.view | tr '\n' '|')"
	fi
	# Readers loop while the setup fails under them.
	rm -f $T/ns.stop
	for r in 1 2 3; do nsreader $r & done
	usleep 300000
	echo 1 >/sys/module/pernetfail/parameters/release
	wait $UP
	[ "$(cat $T/unshare.rc)" != 0 ] && failed=$((failed + 1))
	usleep 300000
	touch $T/ns.stop
	wait
done
check "pernetfail held a namespace in setup $held times of $rounds" test $held -eq $rounds
check "a namespace in setup is never in tcpstat_netns ($seen of $held)" test $seen -eq 0
check "each held setup failed (unshare -n exits non-zero)" test $failed -eq $held
reads=0 bad=0
for r in 1 2 3; do
	set -- $(cat $T/ns.res.$r)
	reads=$((reads + $1)) bad=$((bad + $2))
done
check "$reads reads of tcpstat_netns while setups failed, all whole" test $reads -gt 0 -a $bad -eq 0
cat /proc/net/tcpstat_netns >$T/ns.after
check "after the failed setups: tcpstat_netns is readable and whole" grep -qx end $T/ns.after

section "memory a reader holds is charged to its memory cgroup"
# 1000 listening ports make a tcpstat_ports text of about 50 KB; each open
# file keeps its own. A reader holding 300 shows them in its cgroup's
# memory.current; one limited to 8 MiB cannot hold 2000 (100 MB).
CG=/sys/fs/cgroup
grep -q cgroup2 /proc/mounts || mount -t cgroup2 none $CG 2>/dev/null
if grep -qw memory $CG/cgroup.controllers 2>/dev/null &&
	echo +memory >$CG/cgroup.subtree_control 2>/dev/null; then
	cat >$T/memcg.sh <<'EOF'
. /tests/lib.sh
T=/tmp/h CG=/sys/fs/cgroup
harden listen 1000 >$T/listen.out 2>&1 &
LP=$!
deadline 60
while ! grep -q ready $T/listen.out && in_time; do usleep 100000; done
size=$(wc -c </proc/net/tcpstat_ports)
echo "$size" >$T/ports.size
# hold FILE N CGROUP: hold N open files in CGROUP; prints "held K" etc.
hold() {
	mkdir -p $CG/$3
	echo "$4" >$CG/$3/memory.max
	[ -e $CG/$3/memory.swap.max ] && echo 0 >$CG/$3/memory.swap.max
	sh -c "echo \$\$ >$CG/$3/cgroup.procs && exec harden holdopen $1 $2" >$T/$3.out 2>&1 &
	HP=$!
	deadline 120
	while ! grep -q ready $T/$3.out && kill -0 $HP 2>/dev/null && in_time; do usleep 100000; done
	cat $CG/$3/memory.current >$T/$3.current
	cat $CG/$3/memory.events >$T/$3.events
	kill $HP 2>/dev/null
	wait $HP 2>/dev/null
	rmdir $CG/$3 2>/dev/null
}
hold /proc/net/tcpstat_ports 300 hold max
hold /proc/net/tcpstat_ports 2000 tight 8M
kill $LP
wait $LP
EOF
	unshare -n sh -c 'ip link set lo up; . '$T'/memcg.sh'
	size=$(cat $T/ports.size)
	diag "tcpstat_ports: $size bytes; 300 held: $(grep held $T/hold.out), memory.current $(cat $T/hold.current)"
	check "tcpstat_ports is large enough to measure (1000 ports: $size bytes)" test "$size" -gt 40000
	check "300 open files' texts are charged to the reader ($(cat $T/hold.current) >= 300 x $size x 0.9)" \
		test "$(cat $T/hold.current)" -ge $((300 * size * 9 / 10))
	diag "limited to 8M: $(tr '\n' ' ' <$T/tight.out); memory.events: $(tr '\n' ' ' <$T/tight.events)"
	held=$(sed -n 's/^held //p' $T/tight.out)
	oom=$(sed -n 's/^oom_kill //p' $T/tight.events)
	check "a reader limited to 8 MiB cannot hold 2000 (100 MB): its read fails with ENOMEM" \
		sh -c "[ -n '$held' ] && [ '$held' -lt 2000 ] && grep -q 'error ENOMEM' $T/tight.out"
	check "... and the OOM killer is never woken for it (oom_kill ${oom:-?})" test "${oom:-1}" = 0
else
	echo "ok $((TESTNUM + 1)) - memory cgroup checks # SKIP no cgroup v2 memory controller"
	TESTNUM=$((TESTNUM + 1))
fi

section "a child namespace's files do not depend on other namespaces"
echo 1 >$PARAM/lock_stats
cat >$T/child.sh <<'EOF'
. /tests/lib.sh
T=/tmp/h
read_all() {
	for f in tcpstat tcpstat_data tcpstat_ports; do cat /proc/net/$f >$T/child.$1.$f; done
}
harden listen 3 >$T/child.listen 2>&1 &
LP=$!
deadline 30
while ! grep -q ready $T/child.listen && in_time; do usleep 50000; done
read_all before
touch $T/child.ready
deadline 300
while [ ! -e $T/child.go ] && in_time; do usleep 100000; done
read_all after
kill $LP
wait $LP
EOF
rm -f $T/child.ready $T/child.go
unshare -n sh -c 'ip link set lo up; . '$T'/child.sh' &
CP=$!
deadline 30
while [ ! -e $T/child.ready ] && in_time; do usleep 50000; done
if farm_start $T/hostfill fill --conns 3000 --family both; then
	touch $T/child.go
	wait $CP
	for f in tcpstat tcpstat_data tcpstat_ports; do
		check "child's $f is the same before and after the host made 3000 connections" \
			same $T/child.before.$f $T/child.after.$f
	done
	check "the child's tcpstat_data has no walk section" sh -c "! grep -q '^walk' $T/child.after.tcpstat_data"
	check "the host's tcpstat_data has it" grep -q '^walk established ' /proc/net/tcpstat_data
	farm_stop $FARM_PID
else
	check "sockfarm fill in the host ($(cat $T/hostfill.err))" false
	touch $T/child.go
	wait $CP
fi
echo 0 >$PARAM/lock_stats

section "tcpstat_netns is for the initial namespace's administrator only"
check "root reads tcpstat_netns" sh -c 'cat /proc/net/tcpstat_netns | tail -n 1 | grep -qx end'
check "root of a user namespace (uid 0 mapped to 0) reads /proc/tcpstat" \
	sh -c 'unshare -U -r cat /proc/tcpstat | grep -q ESTABLISHED'
check "root of a user namespace (uid 0 mapped to 0) cannot open tcpstat_netns" \
	sh -c '! unshare -U -r cat /proc/net/tcpstat_netns >/dev/null 2>&1'
check "an unprivileged user cannot open tcpstat_netns" \
	sh -c '! su nobody -s /bin/sh -c "cat /proc/net/tcpstat_netns" >/dev/null 2>&1'

section "the ports parameter reads back what was written"
# 818 four-digit ports and one five-digit: 4095 bytes in one write (sysfs
# takes up to a page), so the list read back ends near the page's end.
printf '%s,10000' "$(seq -s, 1000 1817)" >$T/p819
if printf '%s' "$(cat $T/p819)" >$PARAM/ports 2>/dev/null; then
	check "a list of 819 ports (4095 bytes), once accepted, reads back whole" \
		test "$(cat $PARAM/ports)" = "$(cat $T/p819)"
else
	check "a list of 819 ports is refused" true
fi
seq -s, 60000 60511 >$T/p512
echo "$(cat $T/p512)" >$PARAM/ports
cat $PARAM/ports >$T/back1
echo "$(cat $T/back1)" >$PARAM/ports
cat $PARAM/ports >$T/back2
check "512 five-digit ports read back whole" same $T/back1 $T/p512
check "writing back what was read leaves the list unchanged" same $T/back2 $T/back1
check "513 ports are refused" sh -c "! echo $(seq -s, 60000 60512) >$PARAM/ports 2>/dev/null"
echo >$PARAM/ports

section "a per-port read walks the established table once; namespaces keep their own guess"
TR=/sys/kernel/tracing
[ -d $TR/instances ] || mount -t tracefs nodev $TR 2>/dev/null
WALK_FNS='tcpstat_walk_listeners tcpstat_walk_established tcpstat_walk_net'
rmmod tcpstat && insmod /tcpstat.ko # the first guess: 64 ports
# The filter is set before the tracer: function tracing with an empty
# filter would trace every function of the kernel.
if [ -w $TR/set_ftrace_filter ] && echo "$WALK_FNS" >$TR/set_ftrace_filter 2>/dev/null &&
	[ "$(wc -l <$TR/set_ftrace_filter)" -ge 2 ] && echo function >$TR/current_tracer 2>/dev/null; then
	# walks FILE: the listener and established walks of one read of FILE,
	# from the traced calls ("func <-caller"): a walk_net is one of each,
	# and what it calls itself is not counted again.
	walks() {
		echo >$TR/trace
		cat "$1" >/dev/null
		awk '{ f = c = ""
			for (i = 1; i < NF; i++) if ($(i + 1) ~ /^<-/) { f = $i; c = substr($(i + 1), 3) }
			if (f == "tcpstat_walk_net") { l++; e++ }
			else if (c == "tcpstat_walk_net") next
			else if (f == "tcpstat_walk_listeners") l++
			else if (f == "tcpstat_walk_established") e++ }
			END { printf "%d %d\n", l, e }' $TR/trace
	}
	harden listen 300 >$T/l300 2>&1 &
	LP=$!
	deadline 30
	while ! grep -q ready $T/l300 && in_time; do usleep 50000; done
	set -- $(walks /proc/net/tcpstat_ports)
	diag "first read with 300 ports: $1 listener walks, $2 established walks"
	check "300 ports over a guess of 64: the listeners walked again, the established table once" \
		test "$1" = 2 -a "$2" = 1
	unshare -n sh -c 'ip link set lo up; cat /proc/net/tcpstat_ports >/dev/null'
	set -- $(walks /proc/net/tcpstat_ports)
	diag "host read after a child's read: $1 listener walks, $2 established walks"
	check "a child namespace's read leaves the host's guess: one walk of each table" \
		test "$1" = 1 -a "$2" = 1
	echo nop >$TR/current_tracer
	echo >$TR/set_ftrace_filter
	kill $LP
	wait $LP
else
	echo "ok $((TESTNUM + 1)) - walk counts # SKIP no function tracer"
	TESTNUM=$((TESTNUM + 1))
fi

section "the ports parameter written while the module unloads"
# Two writers set the parameter as fast as they can while the module is
# unloaded and loaded 30 times. The parameter's memory must be freed once,
# after its sysfs file is gone: a double free shows under slub_debug, a
# leak under kmemleak (make debug-check).
harden writes $PARAM/ports 80,443,8080 "" >$T/pw.1 &
W1=$!
harden writes $PARAM/ports 22 1,2,3 >$T/pw.2 &
W2=$!
cycles=0 bad=0
while [ $cycles -lt 30 ]; do
	rmmod tcpstat || bad=$((bad + 1))
	insmod /tcpstat.ko ports=22,80 || bad=$((bad + 1))
	cycles=$((cycles + 1))
done
kill $W1 $W2
wait $W1 $W2
diag "writers: $(cat $T/pw.1) and $(cat $T/pw.2) writes"
check "30 unload cycles while two writers set the ports parameter" test $bad -eq 0
check "the writers wrote meanwhile" grep -q 'wrote [1-9]' $T/pw.1

section "reading each file thousands of times grows no unreclaimable slab"
sunreclaim() { awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo; }
FILES="/proc/net/tcpstat /proc/net/tcpstat_data /proc/net/tcpstat_ports /proc/net/tcpstat_netns"
for f in $FILES; do harden reads $f 500 >/dev/null; done
before=$(sunreclaim)
ok=1
for f in $FILES; do harden reads $f 3000 >/dev/null || ok=0; done
after=$(sunreclaim)
diag "SUnreclaim: $before kB before 12000 reads, $after kB after"
check "12000 reads, all whole" test $ok = 1
check "unreclaimable slab grew by less than 512 kB ($((after - before)) kB)" test $((after - before)) -lt 512

section "end"
rmmod pernetfail
rmmod tcpstat
check_kmemleak
check "no kernel warning in dmesg" sh -c '! dmesg | grep -Eq "WARNING:|BUG:|Call Trace"'
done_testing
