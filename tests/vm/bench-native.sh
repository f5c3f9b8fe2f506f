#!/bin/sh
# The native benchmark (make bench-native, scripts/bench-native.sh): every
# counting method of make bench that runs at hardware speed, on the same
# sockets at growing N. Two places run it:
#  - a User-Mode Linux guest (scripts/uml-run.sh): the module and walkprof
#    loaded, every method, and the walk's experiments (walkprof variants=1);
#  - the host itself (TCPSTAT_BENCH_HOST=1), inside a network namespace of
#    its own: the host kernel's own methods (netlink, /proc/net/tcp{,6},
#    ss), the cross-check of UML's figures. No module, no sysctl outside
#    the namespace.
# Prints "csv,<N>,<method>,<runs>,<wall_med_us>,<wall_p95_us>,<cpu_med_us>,
# <cpu_p95_us>,<maxrss_kb>" rows (tests/vm/lib.sh; in UML the CPU times are
# the host's CPU time of UML, from tests/bench/umlclock, and two more
# columns, <kcpu_med_us>,<kcpu_p95_us>, its kernel's part),
# "prof,<N>,<variant>,<ns>" rows (walkprof, each variant's best of seven
# rounds), "syscalls,<N>,<method>,<calls per sample>" and "meta,..."
# lines; ok/not ok lines for its checks.
# No TIME_WAIT churn, unlike tests/vm/bench.sh: the sockets hold still, so
# every exact walk variant must count exactly what the module counts.
# TCPSTAT_BENCH_SIZES: the socket counts to reach.
. "$(dirname "$0")/lib.sh"
# A fill of half a million connections takes minutes in UML (every
# system call crosses to the host): farm_start's 120 s, stretched.
TIME_SCALE=30
SIZES=${TCPSTAT_BENCH_SIZES:-"0 1000 10000 100000 200000 500000 1000000"}
HOST=${TCPSTAT_BENCH_HOST:-0}
T=$(mktemp -d /tmp/bench-native.XXXXXX)
trap 'rm -rf $T' EXIT

if [ "$HOST" = 1 ]; then
	# The namespace's sockets: the rows of /proc/net/tcp and tcp6.
	total_sockets() {
		awk 'FNR > 1 { n++ } END { print n + 0 }' /proc/net/tcp /proc/net/tcp6
	}
	echo "meta,$(uname -r), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory"
	echo "meta,established hash table (ehash) buckets: $(cat /proc/sys/net/ipv4/tcp_ehash_entries)"
else
	sysctl -qw fs.nr_open=8388608 fs.file-max=8388608
	ulimit -n 8388608 || ulimit -n 1048576
	insmod /tcpstat.ko || { echo "not ok 1 - insmod"; exit 1; }
	insmod /extra/walkprof.ko variants=1 runs=7 || { echo "not ok 1 - insmod walkprof"; exit 1; }
	# Every CPU time from the host's clock of UML (tests/bench/umlclock).
	insmod /extra/umlclock.ko || { echo "not ok 1 - insmod umlclock"; exit 1; }
	MEASURE_OPTS="-k /proc/umlclock"
	echo "meta,guest: User-Mode Linux $(uname -r), uniprocessor, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory${TCPSTAT_BENCH_MEMNOTE:+ ($TCPSTAT_BENCH_MEMNOTE)}"
	echo "meta,established hash table (ehash) buckets: $(dmesg | sed -n 's/.*TCP established hash table entries: \([0-9]*\).*/\1/p' | head -n 1)"
fi
sysctl -qw net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=4096

# syscalls <N> <method> <file>: the recvmsg calls per sample nldiag said.
syscalls() {
	sed -n "s/^nldiag: \([0-9]*\) recvmsg calls per sample$/syscalls,$1,$2,\1/p" "$3"
}

measure_native() {
	n=$1
	RUNS=$(runs_for "$n")
	if [ "$HOST" = 0 ]; then
		bench_read "$n" read:/proc/tcpstat /proc/tcpstat
		bench_read "$n" read:/proc/net/tcpstat_ports /proc/net/tcpstat_ports
	fi
	bench_read "$n" "read:/proc/net/tcp /proc/net/tcp6" /proc/net/tcp /proc/net/tcp6
	# The dumps inside one process: the netlink backend's (no extensions)
	# and node_exporter's (INET_DIAG_INFO).
	for x in -x ""; do
		name="read:netlink"
		[ -z "$x" ] && name="read:netlink INET_DIAG_INFO"
		# shellcheck disable=SC2086
		if out=$(nldiag $x -n "$RUNS" $MEASURE_OPTS 2>$T/nldiag.err); then
			echo "csv,$n,$name,$(echo "$out" | sed 's/[a-z_0-9]*=//g; s/ /,/g')"
			syscalls "$n" "$name" $T/nldiag.err
		else
			echo "not ok - $name at $n sockets failed: $(cat $T/nldiag.err)"
			BENCH_FAILED=1
		fi
	done
	bench "$n" "process start (true)" true
	if [ "$HOST" = 0 ]; then
		bench "$n" "cat /proc/tcpstat" cat /proc/tcpstat
		bench "$n" "tcpstat --version" tcpstat --version
		bench "$n" "tcpstat kmod" tcpstat --backend kmod
		bench "$n" "tcpstat kmod --ports" tcpstat --backend kmod --ports
	fi
	bench "$n" "tcpstat netlink" tcpstat --backend netlink
	bench "$n" "tcpstat procfs" tcpstat --backend procfs
	bench "$n" "ss -tan | wc -l" sh -c 'ss -tan | wc -l'
	bench "$n" "netlink INET_DIAG_INFO (node_exporter)" nldiag
	bench "$n" "cat /proc/net/tcp /proc/net/tcp6" cat /proc/net/tcp /proc/net/tcp6
}

# The walk taken apart and its experiments (best of seven rounds), and
# whether every exact variant counted what the module counts in the
# established table (all but LISTEN: listeners are in the other table).
walkprof() {
	cat /proc/net/walkprof >$T/walkprof || { echo "not ok - read /proc/net/walkprof"; return; }
	sed -n "s/^walkprof \([a-z_0-9]*\) \([0-9]*\)$/prof,$1,\1,\2/p" $T/walkprof
	walk_inexact $T/walkprof >$T/inexact
	check "at $1 sockets every walk variant counts what the module counts ($(grep -c '^walkcount ' $T/walkprof) variants)" \
		test ! -s $T/inexact
	sed 's/^/# /' $T/inexact
}

BENCH_FAILED=0
for target in $SIZES; do
	grow_to "$target" $T || break
	n=$(total_sockets)
	section "measuring at $n sockets"
	measure_native "$n"
	[ "$HOST" = 0 ] && walkprof "$n"
done
for p in $FARMS; do farm_stop $p; done
check "benchmark ran every method at every size" test $BENCH_FAILED -eq 0
done_testing
