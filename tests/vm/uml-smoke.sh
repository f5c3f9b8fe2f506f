#!/bin/sh
# The User-Mode Linux smoke test (make check-uml): the module built for
# UML, loaded, and exact at quiescence against the kernel's own view
# (/proc/net/tcp{,6}, ss) with a few thousand sockets, by its files and by
# the reporter's three backends; and every walk variant of
# tests/bench/walkprof exact against the module. Booted by
# scripts/uml-run.sh with a 1024-bucket established table, so chains hold
# several sockets.
. /tests/lib.sh
T=/tmp/t
mkdir -p $T

section "load"
check "insmod tcpstat.ko (built for UML)" insmod /tcpstat.ko
check "insmod walkprof.ko variants=1 (built for UML)" insmod /extra/walkprof.ko variants=1
check "human file: 11 lines \"%-12s: %u\" in state order" human_format_ok /proc/tcpstat
check "machine file: magic, header, ipv4 and ipv6 rows, end" data_format_ok /proc/net/tcpstat_data
zero_view >$T/zero.view
snapshot $T/empty
check "no sockets: the module counts zero" same $T/empty.data $T/zero.view

# compare <name> <expected view>: the sockets built, the module's files,
# /proc/net/tcp{,6}, ss and the reporter's three backends, at one
# quiescent moment.
compare() {
	snapshot $T/$1 || { check "$1: the system holds still" false; return; }
	check "$1: the module equals the sockets built" same $T/$1.data "$2"
	check "$1: the module equals /proc/net/tcp and tcp6" same $T/$1.data $T/$1.kernel
	view_total <$T/$1.kernel >$T/$1.ktotal
	check "$1: /proc/tcpstat equals /proc/net/tcp and tcp6" same $T/$1.human $T/$1.ktotal
	ss_view >$T/$1.ss
	check "$1: ss agrees" same $T/$1.ss $T/$1.data
	for b in kmod netlink procfs; do
		reporter_view --backend $b >$T/$1.$b
		check "$1: reporter --backend $b equals the module" same $T/$1.$b $T/$1.data
	done
}

section "known sockets in every state that holds still"
if farm_start $T/farm build --family both; then
	FARM=$FARM_PID
	check "kernel view reaches the built set" wait_kernel_view $T/farm.view
	compare built $T/farm.view
	section "plus 3000 established connections"
	if farm_start $T/fill fill --conns 3000 --family both --listeners 4; then
		view_add $T/farm.view $T/fill.view >$T/both.view
		check "kernel view reaches both sets" wait_kernel_view $T/both.view
		compare filled $T/both.view
		# The walk's experiments (tests/bench/walkprof) must stay exact:
		# every variant counts what the module counts (retried, as a
		# TIME_WAIT of the built set may expire between the two reads).
		i=0
		while [ $i -lt 5 ]; do
			cat /proc/net/walkprof >$T/walkprof && walk_inexact $T/walkprof >$T/inexact &&
				[ ! -s $T/inexact ] && break
			i=$((i + 1))
		done
		check "every walkprof variant counts what the module counts ($(grep -c '^walkcount ' $T/walkprof) variants)" \
			test ! -s $T/inexact
		sed 's/^/# /' $T/inexact
		check "more sockets than buckets: $(awk '{ for (i = 2; i <= NF; i++) s += $i } END { print s }' $T/filled.data) sockets" \
			test "$(awk '{ for (i = 2; i <= NF; i++) s += $i } END { print s }' $T/filled.data)" -gt 4000
		farm_stop $FARM_PID
	else
		check "sockfarm fill ($(cat $T/fill.err))" false
	fi
	farm_stop $FARM
else
	check "sockfarm build ($(cat $T/farm.err))" false
fi

section "unload"
check "rmmod walkprof" rmmod walkprof
check "rmmod tcpstat" rmmod tcpstat
check "the files are gone" test ! -e /proc/net/tcpstat_data
done_testing
