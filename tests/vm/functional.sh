#!/bin/sh
# Functional tests of tcpstat.ko inside the guest. The truth is the set of
# sockets the test builds on purpose (sockfarm) and the kernel's own view
# in the same netns (/proc/net/tcp{,6}, ss). Each check prints ok/not ok.
#
# TIME_WAIT and orphaned FIN_WAIT2 minisocks live 60 s, and closing a set
# leaves new ones behind: so every comparison with a built set happens
# right after it is built, and each phase that needs a clean slate runs in
# a fresh network namespace (run_in_netns).
. /tests/lib.sh
T=/tmp/t
mkdir -p $T

section "load"
check "insmod tcpstat.ko" insmod /tcpstat.ko
check "/proc/tcpstat is a symlink to net/tcpstat" test "$(readlink /proc/tcpstat)" = net/tcpstat
check "/proc/net/tcpstat and /proc/net/tcpstat_data exist" test -r /proc/net/tcpstat -a -r /proc/net/tcpstat_data
check "files are readable by everyone, writable by no one" \
	test "$(stat -L -c %a /proc/net/tcpstat)/$(stat -L -c %a /proc/net/tcpstat_data)" = 444/444
check "human file: 11 lines \"%-12s: %u\" in state order" human_format_ok /proc/tcpstat
check "machine file: magic, header, ipv4 and ipv6 rows, end" data_format_ok /proc/net/tcpstat_data
check "module version in the machine file is the modinfo version" \
	test "$(head -n 1 /proc/net/tcpstat_data | cut -d' ' -f3)" = "$(cat /sys/module/tcpstat/version)"
zero_view >$T/zero.view
snapshot $T/empty
check "no sockets: the module counts zero" same $T/empty.data $T/zero.view
check "no sockets: /proc/net/tcp agrees" same $T/empty.kernel $T/zero.view
# The reporter's bpf backend (BTF and iter/tcp): in every comparison of
# the backends below and in the phases, or skipped here with the reason.
if BPF_WHY=$(bpf_why_not); then
	export BPF=bpf
	reporter_view --backend bpf >$T/zero.bpf
	check "reporter --backend bpf: no sockets, zero counts" same $T/zero.bpf $T/zero.view
	# Where the kernel's iterator can skip a bucket (its BTF says so),
	# --backend bpf says it once, and auto passes over bpf to an exact
	# backend. The reporter's BTF probe must agree with the version rule.
	tcpstat --backend bpf >/dev/null 2>$T/inexact.err
	if bpf_iter_skips; then
		AUTO_BPF=
		check "bpf on $(uname -r): says its counts may be short ($(head -c 90 $T/inexact.err))" \
			grep -q "iterator can skip the sockets of one hash bucket" $T/inexact.err
	else
		AUTO_BPF=bpf
		check "bpf on $(uname -r): exact, nothing said" test ! -s $T/inexact.err
	fi
else
	export BPF=
	skip "the reporter's bpf backend on $(uname -r)" "$BPF_WHY"
fi
# What the bpf backend needs on this kernel: CAP_BPF and CAP_PERFMON
# without root; before 5.11 the kernel charges its maps to RLIMIT_MEMLOCK
# (64 KiB here: enough for the counts, not for --ports' 5 MiB map), which
# only root can raise.
# (util-linux's setpriv, which vm-run.sh puts in /usr/bin: busybox has one
# too, without these options)
if [ -n "$BPF" ] && [ -x /usr/bin/setpriv ]; then
	caps="--inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon"
	nobody="/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups"
	rc=0
	$nobody $caps tcpstat --backend bpf >$T/caps.out 2>$T/caps.err || rc=$?
	check "bpf as nobody with CAP_BPF and CAP_PERFMON only ($(head -c 100 $T/caps.err))" \
		sh -c "test $rc -eq 0 && grep -q '^{\"ESTABLISHED\":[0-9]' $T/caps.out"
	rc=0
	$nobody --inh-caps=-all tcpstat --backend bpf >$T/nocaps.out 2>$T/nocaps.err || rc=$?
	check "bpf as nobody without them: exit 3, the reason" \
		sh -c "test $rc -eq 3 && grep -q 'needs CAP_BPF and CAP_PERFMON' $T/nocaps.err && test ! -s $T/nocaps.out"
	major=${TCPSTAT_KVER%%.*} minor=${TCPSTAT_KVER#*.}
	minor=${minor%%[.-]*}
	rc=0
	(ulimit -l 64 && $nobody $caps tcpstat --backend bpf --ports) >$T/ml.out 2>$T/ml.err || rc=$?
	if [ "$major" -lt 5 ] || { [ "$major" -eq 5 ] && [ "$minor" -lt 11 ]; }; then
		check "bpf --ports with CAP_BPF and CAP_PERFMON, RLIMIT_MEMLOCK 64 KiB, before 5.11: refused, saying so" \
			sh -c "test $rc -eq 3 && grep -q RLIMIT_MEMLOCK $T/ml.err"
		rc=0
		(ulimit -l 16384 && $nobody $caps tcpstat --backend bpf --ports) >$T/ml.out 2>$T/ml.err || rc=$?
		check "bpf --ports with RLIMIT_MEMLOCK 16 MiB (LimitMEMLOCK=16M in the drop-in): works" \
			sh -c "test $rc -eq 0 && grep -q '\"ports\":' $T/ml.out"
	else
		check "bpf --ports with CAP_BPF and CAP_PERFMON, RLIMIT_MEMLOCK 64 KiB, 5.11+: works (memory cgroup)" \
			sh -c "test $rc -eq 0 && grep -q '\"ports\":' $T/ml.out"
	fi
fi

section "known sockets in every state that holds still (init netns)"
FARM=
if farm_start $T/farm build --family both; then
	FARM=$FARM_PID
	check "kernel view reaches the built set" wait_kernel_view $T/farm.view
	snapshot $T/s1
	check "data file equals the sockets built (per family)" same $T/s1.data $T/farm.view
	check "data file equals /proc/net/tcp and tcp6" same $T/s1.data $T/s1.kernel
	view_total <$T/farm.view >$T/farm.total
	check "/proc/tcpstat equals the sockets built" same $T/s1.human $T/farm.total
	human_total /proc/net/tcpstat >$T/s1.human2
	check "/proc/net/tcpstat equals /proc/tcpstat" same $T/s1.human2 $T/s1.human
	ss_view >$T/s1.ss
	check "ss agrees" same $T/s1.ss $T/s1.data
	for b in kmod $BPF netlink procfs; do
		reporter_view --backend $b >$T/s1.$b
		check "reporter --backend $b equals the module" same $T/s1.$b $T/s1.data
	done
	same_json=0
	for b in kmod $BPF netlink procfs; do
		tcpstat --backend $b --family | json_counts >$T/json.$b
		cmp -s $T/json.kmod $T/json.$b || same_json=1
	done
	check "reporter: the backends ($(echo kmod $BPF netlink procfs)) print the same JSON (but for the self-metrics)" \
		test $same_json -eq 0
	# The set must cover every state that can hold (all but CLOSE) in both
	# families, with distinct counts, or a swap could hide.
	check "built set holds every state but CLOSE, with distinct counts" awk '
		{ split("", seen); for (i = 2; i <= 12; i++) {
			if (i == 8) { if ($i != 0) bad = 1; continue }
			if ($i == 0 || ($i in seen)) bad = 1; seen[$i] = 1 } }
		END { exit bad }' $T/farm.view
else
	check "sockfarm build ($(cat $T/farm.err))" false
fi

section "a child netns with its own established table"
# 6.1+: net.ipv4.tcp_child_ehash_entries, read when a netns is created,
# gives it a private table; 8 buckets, so its 400+ sockets fill them all.
# The kernel then caps that netns's TIME_WAIT sockets at 8/2, so the
# child raises net.ipv4.tcp_max_tw_buckets before building.
[ -w /proc/sys/net/ipv4/tcp_child_ehash_entries ] && echo 8 >/proc/sys/net/ipv4/tcp_child_ehash_entries
C=$T/child
mkdir -p $C
unshare -n sh /tests/netns-child.sh $C &
CHILD_SH=$!
deadline 15
while [ ! -e $C/started ] && in_time; do usleep 50000; done
[ -w /proc/sys/net/ipv4/tcp_child_ehash_entries ] && echo 0 >/proc/sys/net/ipv4/tcp_child_ehash_entries
deadline 60
while [ ! -e $C/ready ] && in_time && kill -0 $CHILD_SH 2>/dev/null; do usleep 100000; done
if [ -e $C/ready ]; then
	CPID=$(cat $C/pid)
	if [ -r /proc/sys/net/ipv4/tcp_ehash_entries ]; then
		check "child netns has a private 8-bucket established table" \
			test "$(nsenter -t $CPID -n cat /proc/sys/net/ipv4/tcp_ehash_entries)" = 8
	fi
	nsenter -t $CPID -n sh -c '. /tests/lib.sh; snapshot '$C/s
	check "child netns: data file equals its sockets" same $C/s.data $C/expect.view
	check "child netns: data file equals its /proc/net/tcp{,6}" same $C/s.data $C/s.kernel
	view_total <$C/expect.view >$C/expect.total
	check "child netns: /proc/tcpstat equals its sockets" same $C/s.human $C/expect.total
	nsenter -t $CPID -n sh -c '. /tests/lib.sh; human_total /proc/net/tcpstat' >$C/human2
	check "child netns: /proc/net/tcpstat equals its sockets" same $C/human2 $C/expect.total
	for b in kmod $BPF netlink procfs; do
		reporter_view --netns /proc/$CPID/ns/net --backend $b >$C/rep.$b
		check "child netns: reporter --netns --backend $b equals its sockets" same $C/rep.$b $C/expect.view
	done
	data_view /proc/$CPID/net/tcpstat_data >$C/byproc
	check "child netns seen from init via /proc/PID/net/tcpstat_data" same $C/byproc $C/expect.view
	if [ -n "$FARM" ]; then
		snapshot $T/s2
		check "init netns still sees only its own sockets" same $T/s2.data $T/farm.view
	fi
	touch $C/release
	wait $CHILD_SH
	check "child netns helper exited cleanly" test $? -eq 0
else
	check "child netns came up ($(cat $C/error 2>/dev/null))" false
	kill $CHILD_SH 2>/dev/null
fi
[ -n "$FARM" ] && farm_stop $FARM

section "fill every bucket of the 512-bucket established table (fresh netns)"
if grep -q 'thash_entries=512' /proc/cmdline; then
	check "kernel booted with a 512-bucket established table" \
		sh -c 'dmesg | grep -q "TCP established hash table entries: 512 "'
fi
run_in_netns /tests/phase-fill.sh

section "per-port view (fresh netns)"
run_in_netns /tests/phase-ports.sh

section "the kernel's CurrEstab and tw against the built set, --counters (fresh netns)"
run_in_netns /tests/phase-counters.sh

section "every namespace's counts from the initial one"
. /tests/phase-allns.sh

section "readers during connection churn (fresh netns)"
run_in_netns /tests/phase-churn.sh

section "the reporter when its sources fail"
# The module unloaded in the middle of a stream: one message, samples
# without counts (up 0), and the stream goes on when the module is back.
lines() { grep -c '"ESTABLISHED"' $T/stream.out; }
wait_lines() {
	deadline 10
	while [ "$(lines)" -lt "$1" ] && in_time; do usleep 100000; done
}
tcpstat --backend kmod --interval 0.2 >$T/stream.out 2>$T/stream.err &
SP=$!
wait_lines 3
rmmod tcpstat
before=$(lines)
usleep 1500000
during=$(lines)
insmod /tcpstat.ko
wait_lines $((during + 3))
kill -TERM $SP
wait $SP
rc=$?
check "stream: no counts while the module was away" test "$during" -le $((before + 1))
check "stream: samples of up 0 instead, without counts" \
	sh -c "grep -q '^{\"up\":0,' $T/stream.out && ! grep '\"up\":0' $T/stream.out | grep -q ESTABLISHED"
check "stream: resumed after the reload ($(lines) lines)" test "$(lines)" -ge $((during + 3))
check "stream: SIGTERM ends it with status 0" test $rc -eq 0
check "stream: every line is a whole JSON object" sh -c "! grep -vq '^{.*}\$' $T/stream.out"
check "stream: the outage reported once, the recovery once" sh -c \
	"test \$(grep -c 'tcpstat_data' $T/stream.err) -eq 2 && test \$(grep -c recovered $T/stream.err) -eq 1"
sed 's/^/# stderr: /' $T/stream.err

# No sock_diag (inet_diag unloaded, and no modprobe to bring it back):
# --backend netlink fails clearly, auto falls back to bpf (where it runs)
# or procfs, quietly, and build_info says which.
rmmod tcp_diag inet_diag 2>/dev/null
rmmod tcpstat
rc=0
tcpstat --backend netlink >$T/nl.out 2>$T/nl.err || rc=$?
check "no inet_diag: --backend netlink exits 3 with a message and no output" \
	sh -c "test $rc -eq 3 && test -s $T/nl.err && test ! -s $T/nl.out"
sed 's/^/# stderr: /' $T/nl.err
i=0
while [ $i -lt 20 ]; do
	kernel_view >$T/fb.a
	reporter_view >$T/fb.auto
	kernel_view >$T/fb.kernel
	cmp -s $T/fb.a $T/fb.kernel && break
	i=$((i + 1))
done
check "no module, no inet_diag: auto falls back and agrees" same $T/fb.auto $T/fb.kernel
tcpstat >$T/fb.meta 2>$T/fb.err
check "no module, no inet_diag: auto quietly takes ${AUTO_BPF:-procfs} ($(cat $T/fb.meta $T/fb.err | tr -d '{}' | cut -c1-120))" \
	sh -c "grep -q '\"backend\":\"${AUTO_BPF:-procfs}\"' $T/fb.meta && test ! -s $T/fb.err"
if [ -n "$BPF" ]; then
	rc=0
	tcpstat --backend procfs >/dev/null 2>&1 || rc=$?
	check "no module, no inet_diag: --backend procfs still answers" test $rc -eq 0
fi
for m in $(cat /etc/tcpstat-modules); do insmod /lib/modules/$m; done
insmod /tcpstat.ko

section "unload and reload while readers loop"
loop_reader() {
	while [ ! -e $T/stop ]; do cat /proc/tcpstat /proc/net/tcpstat_data >/dev/null 2>&1; done
}
for r in 1 2 3; do loop_reader & done
exec 5</proc/net/tcpstat_data
exec 6</proc/net/tcpstat_ports
dd bs=10 count=1 <&6 >/dev/null 2>&1 # the snapshot exists, the offset is 10
cycles=0
failed=0
while [ $cycles -lt 15 ]; do
	rmmod tcpstat || failed=$((failed + 1))
	insmod /tcpstat.ko || failed=$((failed + 1))
	cycles=$((cycles + 1))
done
touch $T/stop
wait
check "15 rmmod/insmod cycles while 3 readers loop" test $failed -eq 0
check "a file held open across the unload reads nothing" sh -c '! cat <&5 2>/dev/null | grep -q .'
check "a snapshot file held open across the unload reads nothing" sh -c '! cat <&6 2>/dev/null | grep -q .'
exec 5<&- 6<&-
check "after reload: human file format" human_format_ok /proc/tcpstat
snapshot $T/s5
check "after reload: data file equals /proc/net/tcp{,6}" same $T/s5.data $T/s5.kernel
rmmod tcpstat
check "rmmod removes /proc/tcpstat and the per-netns files" \
	test ! -e /proc/net/tcpstat -a ! -e /proc/net/tcpstat_data -a ! -L /proc/tcpstat \
	-a ! -e /proc/net/tcpstat_ports -a ! -e /proc/net/tcpstat_netns
rc=0
tcpstat --backend kmod >$T/nomod.out 2>$T/nomod.err || rc=$?
check "reporter --backend kmod without the module: exit 3, says how to load it, no output" \
	sh -c "test $rc -eq 3 && grep -q modprobe $T/nomod.err && test ! -s $T/nomod.out"
i=0
while [ $i -lt 20 ]; do
	kernel_view >$T/s6.a
	reporter_view >$T/s6.auto
	kernel_view >$T/s6.kernel
	cmp -s $T/s6.a $T/s6.kernel && break
	i=$((i + 1))
done
check "reporter --backend auto without the module falls back and agrees" same $T/s6.auto $T/s6.kernel

section "end"
check_kmemleak
check "no kernel warning in dmesg" sh -c '! dmesg | grep -Eq "WARNING:|BUG:|Call Trace"'
done_testing
