#!/bin/sh
# Benchmarks inside the guest: every way to count TCP states, measured on
# the same sockets at growing N. Prints CSV rows prefixed "csv," that
# scripts/bench.sh collects:
#   csv,<sockets>,<method>,<runs>,<wall_med_us>,<wall_p95_us>,<cpu_med_us>,<cpu_p95_us>,<maxrss_kb>
# "rate,<sockets>,<reader>,<connections per second>,<min>,<max>" for the
# cost of a looping reader to connection establishment, "rateshared,..."
# likewise for a collector sampling every second on the churn's CPU, and
# "lock,<sockets>,<table>,<buckets>,<locked>,<longest hold ns>".
# TCPSTAT_BENCH_SIZES: socket counts to reach (default below);
# TCPSTAT_BENCH_RATE_AT: the N where the connection rate is measured,
# TCPSTAT_BENCH_RATE_SECONDS and _ROUNDS: how long and how many rounds;
# TCPSTAT_BENCH_NETNS (100) namespaces with TCPSTAT_BENCH_NETNS_CONNS (50)
# connections each for the all-namespaces rows ("allns ..." methods, with
# the number of namespaces in the sockets column).
. /tests/lib.sh
SIZES=${TCPSTAT_BENCH_SIZES:-"0 1000 10000 100000 200000 500000 1000000"}
RATE_AT=${TCPSTAT_BENCH_RATE_AT:-100000}
RATE_SECONDS=${TCPSTAT_BENCH_RATE_SECONDS:-10}
RATE_ROUNDS=${TCPSTAT_BENCH_RATE_ROUNDS:-3}
NETNS=${TCPSTAT_BENCH_NETNS:-100}
NETNS_CONNS=${TCPSTAT_BENCH_NETNS_CONNS:-50}
T=/tmp/bench
mkdir -p $T

sysctl -qw fs.nr_open=8388608 fs.file-max=8388608
ulimit -n 8388608 || ulimit -n 1048576
sysctl -qw net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=4096
insmod /tcpstat.ko || { echo "not ok 1 - insmod"; exit 1; }
[ -e /extra/walkprof.ko ] && insmod /extra/walkprof.ko
echo "meta,guest: $(nproc) vCPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory"
echo "meta,$(dmesg | grep -o 'TCP established hash table entries: [0-9]*' | sed 's/TCP established hash table entries:/established hash table (ehash) buckets:/')"

total_sockets() {
	awk '/^states ipv/ { for (i = 3; i <= 13; i++) s += $i } END { print s + 0 }' \
		/proc/net/tcpstat_data
}

# runs per method: fewer at large N, where one sample takes seconds.
runs_for() {
	if [ "$1" -ge 500000 ]; then echo 5
	elif [ "$1" -ge 100000 ]; then echo 10
	else echo 20; fi
}

# bench <N> <method name> <command...>
bench() {
	n=$1 name=$2
	shift 2
	if out=$(measure -n "$RUNS" -w 1 -o -- "$@"); then
		echo "csv,$n,$name,$(echo "$out" | sed 's/[a-z_0-9]*=//g; s/ /,/g')"
	else
		echo "not ok - $name at $n sockets failed"
		BENCH_FAILED=1
	fi
}

# bench_read <N> <method name> <file>: in-process reads, no process start.
bench_read() {
	if out=$(measure -n "$RUNS" -w 1 -f "$3"); then
		echo "csv,$1,$2,$(echo "$out" | sed 's/[a-z_0-9]*=//g; s/ /,/g')"
	else
		echo "not ok - $2 at $1 sockets failed"
		BENCH_FAILED=1
	fi
}

measure_all() {
	n=$1
	RUNS=$(runs_for "$n")
	bench_read "$n" read:/proc/tcpstat /proc/tcpstat
	bench_read "$n" read:/proc/net/tcpstat_ports /proc/net/tcpstat_ports
	bench_read "$n" read:/proc/net/tcp+tcp6 /proc/net/tcp
	bench "$n" "cat /proc/tcpstat" cat /proc/tcpstat
	bench "$n" "process start (true)" true
	bench "$n" "tcpstat --version" tcpstat --version
	bench "$n" "tcpstat kmod" tcpstat --backend kmod
	bench "$n" "tcpstat kmod --ports" tcpstat --backend kmod --ports
	bench "$n" "tcpstat netlink" tcpstat --backend netlink
	bench "$n" "tcpstat procfs" tcpstat --backend procfs
	bench "$n" "ss -tan | wc -l" sh -c 'ss -tan | wc -l'
	bench "$n" "ss -s" ss -s
	bench "$n" "netlink INET_DIAG_INFO (node_exporter)" nldiag
	bench "$n" "cat /proc/net/tcp /proc/net/tcp6" cat /proc/net/tcp /proc/net/tcp6
}

# The walk taken apart (tests/bench/walkprof): best of five in-kernel
# timings of each variant, "prof,<sockets>,<variant>,<ns>".
walkprof() {
	[ -r /proc/net/walkprof ] || return 0
	sed -n "s/^walkprof \([a-z_0-9]*\) \([0-9]*\)$/prof,$1,\1,\2/p" /proc/net/walkprof
}

# The connection rate with one reader on a method, the churn on CPU 0.
# Mode "loop": the reader loops on CPU 1, as fast as it can. Mode
# "shared": the reader is a collector on the churn's own CPU 0, one sample
# then one second's sleep, so the churn loses what the sample costs. One
# churn of $RATE_SECONDS seconds; prints the connections per second.
churn_rate() {
	mode=$1
	shift
	rm -f $T/stop
	if [ $# -gt 0 ]; then
		if [ "$mode" = loop ]; then
			taskset -c 1 sh -c 'while [ ! -e $0 ]; do "$@" >/dev/null 2>&1; done' $T/stop "$@" &
		else
			taskset -c 0 sh -c 'while [ ! -e $0 ]; do "$@" >/dev/null 2>&1; sleep 1; done' $T/stop "$@" &
		fi
		rp=$!
	fi
	c=$(taskset -c 0 sockfarm churn --seconds "$RATE_SECONDS" --family 4 --linger0 | sed -n 's/^churned //p')
	touch $T/stop
	[ -n "${rp:-}" ] && wait $rp
	rp=
	echo $((c / RATE_SECONDS))
}

# Rounds of (no reader, then each method) interleaved, so slow drifts of
# the host hit every reader alike; the median round is reported with the
# lowest and highest: "<tag>,<sockets>,<reader>,<median>,<min>,<max>".
RATE_READERS="none|cat /proc/tcpstat|tcpstat kmod|tcpstat netlink|tcpstat procfs|ss -tan|netlink INET_DIAG_INFO (node_exporter)|cat /proc/net/tcp /proc/net/tcp6"
reader_cmd() {
	case $1 in
	none) ;;
	"cat /proc/tcpstat") echo "cat /proc/tcpstat" ;;
	"tcpstat kmod") echo "tcpstat --backend kmod" ;;
	"tcpstat netlink") echo "tcpstat --backend netlink" ;;
	"tcpstat procfs") echo "tcpstat --backend procfs" ;;
	"ss -tan") echo "ss -tan" ;;
	netlink*) echo "nldiag" ;;
	"cat /proc/net/tcp /proc/net/tcp6") echo "cat /proc/net/tcp /proc/net/tcp6" ;;
	esac
}
# rates <mode> <tag>
rates() {
	n=$(total_sockets)
	rm -f $T/rates.*
	round=1
	while [ $round -le $RATE_ROUNDS ]; do
		echo "$RATE_READERS" | tr '|' '\n' | while read -r r; do
			# shellcheck disable=SC2046
			echo "$r|$(churn_rate "$1" $(reader_cmd "$r"))"
		done >$T/rates.$round
		round=$((round + 1))
	done
	echo "$RATE_READERS" | tr '|' '\n' | while read -r r; do
		v=$(cat $T/rates.* | grep -F "$r|" | cut -d'|' -f2 | sort -n |
			awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] "," a[1] "," a[NR] }')
		echo "$2,$n,$r,$v"
	done
}

BENCH_FAILED=0
pids=
for target in $SIZES; do
	have=$(total_sockets)
	if [ "$target" -gt "$have" ]; then
		conns=$(((target - have) / 2))
		section "growing to $target sockets (+$conns connections)"
		if farm_start $T/fill.$target fill --conns $conns --family both --listeners 16; then
			pids="$pids $FARM_PID"
		else
			echo "not ok - sockfarm fill to $target: $(cat $T/fill.$target.err)"
			BENCH_FAILED=1
			break
		fi
	fi
	# Some TIME_WAIT too (they last 60 s, so N drifts down by at most
	# that much while a size is measured; N is the count at the start).
	[ "$target" -ge 10000 ] && sockfarm churn --seconds 1 --family both >/dev/null
	n=$(total_sockets)
	section "measuring at $n sockets"
	measure_all "$n"
	walkprof "$n"
	if [ "$target" = "$RATE_AT" ]; then
		# The longest a walk holds one bucket lock (lock_stats=1), over
		# twenty reads, and the table's shape.
		echo 1 >/sys/module/tcpstat/parameters/lock_stats
		for r in $(seq 20); do cat /proc/net/tcpstat_data; done |
			awk -v n="$n" '$1 == "walk" && $2 != "table" {
				if ($5 > m[$2]) m[$2] = $5; b[$2] = $3; l[$2] = $4 }
			END { for (t in m) printf "lock,%d,%s,%d,%d,%d\n", n, t, b[t], l[t], m[t] }'
		echo 0 >/sys/module/tcpstat/parameters/lock_stats
		section "connection rate at $n sockets, a reader looping on the other CPU"
		rates loop rate
		section "connection rate at $n sockets, a collector sampling every second on the same CPU"
		rates shared rateshared
	fi
done
for p in $pids; do farm_stop $p; done

# Every namespace's counts from the host: one read of the module's file
# against the reporter entering each namespace (netlink, procfs).
section "all namespaces: $NETNS namespaces"
i=1
while [ $i -le $NETNS ]; do
	mkdir -p $T/ns$i
	TCPSTAT_HOLD_POLL_US=2000000 unshare -n sh /tests/netns-child.sh $T/ns$i 0 $NETNS_CONNS >/dev/null 2>&1 &
	i=$((i + 1))
done
i=0
while [ "$(ls $T/ns*/ready 2>/dev/null | wc -l)" -lt $NETNS ] && [ $i -lt 3000 ]; do
	usleep 100000
	i=$((i + 1))
done
n=$(total_sockets)
nsn=$(ls $T/ns*/ready 2>/dev/null | wc -l)
echo "meta,all-namespaces benchmark: $nsn namespaces, each with $NETNS_CONNS connections ($((2 * NETNS_CONNS)) sockets) and a listener per family; $(grep -c ' ipv4 ' /proc/net/tcpstat_netns) namespaces with sockets in all"
RUNS=10
bench_read "$nsn" "allns read:/proc/net/tcpstat_netns" /proc/net/tcpstat_netns
bench "$nsn" "allns tcpstat kmod --all-netns" tcpstat --backend kmod --all-netns
bench "$nsn" "allns tcpstat netlink --all-netns" tcpstat --backend netlink --all-netns
bench "$nsn" "allns tcpstat procfs --all-netns" tcpstat --backend procfs --all-netns
for d in $T/ns*; do touch $d/release; done
wait
check "benchmark ran every method at every size" test $BENCH_FAILED -eq 0
done_testing
