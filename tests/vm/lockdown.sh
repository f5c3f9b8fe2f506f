#!/bin/sh
# The kernel locked down, as Debian's kernels lock themselves down under
# Secure Boot (lockdown=integrity on the kernel command line stands in
# for the firmware here): the unsigned module is refused, and the
# reporter's bpf backend counts in the kernel all the same, exact against
# the sockets built and /proc/net/tcp{,6}; auto picks it. With
# lockdown=confidentiality the same holds: the program reads sockets only
# through BTF pointers and never calls bpf_probe_read_kernel, which that
# mode refuses.
#
#   scripts/vm-run.sh --kernel bookworm:amd64 --ko build/ko/bookworm-amd64/tcpstat.ko \
#       --run lockdown.sh --append lockdown=integrity
. /tests/lib.sh
T=/tmp/lockdown
mkdir -p $T

[ -e /sys/kernel/security/lockdown ] ||
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
want=$(sed -n 's/.*lockdown=\([a-z]*\).*/\1/p' /proc/cmdline)
if [ -z "$want" ]; then
	echo "1..0 # SKIP not booted with lockdown= (vm-run.sh --append lockdown=integrity)"
	exit 4
fi
mode=$(sed -n 's/.*\[\([a-z]*\)\].*/\1/p' /sys/kernel/security/lockdown 2>/dev/null)
if [ "$mode" != "$want" ]; then
	check "the kernel is locked down as asked (lockdown=$want; it says '$mode')" false
	done_testing
fi
check "the kernel is locked down ($mode)" true
rc=0
insmod /tcpstat.ko 2>$T/insmod.err || rc=$?
check "insmod of the unsigned module is refused ($(head -c 80 $T/insmod.err))" \
	sh -c "test $rc -ne 0 && test ! -e /proc/net/tcpstat_data"
dmesg | grep -i 'lockdown' | tail -n 3 | sed 's/^/# /'

if ! BPF_WHY=$(bpf_why_not); then
	check "the bpf backend runs under lockdown=$mode ($BPF_WHY)" false
	done_testing
fi
check "the bpf backend runs under lockdown=$mode" true
if farm_start $T/farm build --family both; then
	check "kernel view reaches the built set" wait_kernel_view $T/farm.view
	i=0
	while [ $i -lt 20 ]; do
		kernel_view >$T/k.a
		reporter_view --backend bpf >$T/bpf
		kernel_view >$T/k
		cmp -s $T/k.a $T/k && break
		i=$((i + 1))
	done
	check "bpf equals the sockets built" bpf_same $T/bpf $T/farm.view
	check "bpf equals /proc/net/tcp{,6}" bpf_same $T/bpf $T/k
	tcpstat --ports --backend bpf --family | json_counts >$T/ports.bpf
	tcpstat --ports --backend netlink --family | json_counts >$T/ports.netlink
	check "bpf --ports equals netlink --ports" same $T/ports.bpf $T/ports.netlink
	# auto: bpf, or netlink where the iterator can skip a bucket
	want=bpf
	bpf_iter_skips && want=netlink
	tcpstat >$T/auto 2>$T/auto.err
	check "auto: the module is absent, $want answers, quietly" \
		sh -c "grep -q '\"backend\":\"$want\"' $T/auto && test ! -s $T/auto.err"
	farm_stop $FARM_PID
else
	check "sockfarm build ($(cat $T/farm.err))" false
fi
check "no kernel warning in dmesg" sh -c '! dmesg | grep -Eq "WARNING:|BUG:|Call Trace"'
done_testing
