#!/bin/sh
# Benchmarks inside the guest: every way to count TCP states, measured on
# the same sockets at growing N. Prints CSV rows prefixed "csv," that
# scripts/bench.sh collects:
#   csv,<sockets>,<method>,<runs>,<wall_med_us>,<wall_p95_us>,<cpu_med_us>,<cpu_p95_us>,<maxrss_kb>
# "loopphase,...", "loopsamples,..." for the cost of a looping reader to
# connection establishment, "sharedphase,...", "sharedsamples,..." for a
# collector sampling every second on the churn's CPU (formats at
# phased_rate below), and
# "lock,<sockets>,<table>,<buckets>,<locked>,<longest hold ns>".
# TCPSTAT_BENCH_SIZES: socket counts to reach (default below);
# TCPSTAT_BENCH_RATE_AT: the N where the connection rate is measured;
# TCPSTAT_BENCH_RATE_LOOP_SECONDS and _PHASE_CS: how long each looping
# reader is measured and the length of its sampling and idle phases
# (centiseconds), TCPSTAT_BENCH_RATE_SHARED_SECONDS and _SHARED_PHASE_CS
# the same for each collector on the churn's CPU;
# TCPSTAT_BENCH_NETNS (100) namespaces with TCPSTAT_BENCH_NETNS_CONNS (50)
# connections each for the all-namespaces rows ("allns ..." methods, with
# the number of namespaces in the sockets column).
# TCPSTAT_BENCH_ONLY=rate: only the connection rates at RATE_AT sockets
# (no per-sample costs, walk profile, lock holds or namespaces).
# The reporter's bpf backend has its rows where the kernel can run it
# ("meta,bpf backend: ..." says which).
. /tests/lib.sh
SIZES=${TCPSTAT_BENCH_SIZES:-"0 1000 10000 100000 200000 500000 1000000"}
RATE_AT=${TCPSTAT_BENCH_RATE_AT:-100000}
ONLY=${TCPSTAT_BENCH_ONLY:-}
[ "$ONLY" = rate ] && SIZES=$RATE_AT
RATE_LOOP_SECONDS=${TCPSTAT_BENCH_RATE_LOOP_SECONDS:-90}
RATE_PHASE_CS=${TCPSTAT_BENCH_RATE_PHASE_CS:-200}
RATE_SHARED_SECONDS=${TCPSTAT_BENCH_RATE_SHARED_SECONDS:-80}
RATE_SHARED_PHASE_CS=${TCPSTAT_BENCH_RATE_SHARED_PHASE_CS:-300}
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
if why=$(bpf_why_not); then
	BPF=bpf
	echo "meta,bpf backend: rows \"tcpstat bpf\" (a process per sample: loading the program, BTF parsed by libbpf, included) and \"tcpstat bpf (per sample of a stream)\" (one sample inside a stream: the CPU of 11 samples less that of 1, over 10; 0 where that is below the noise)"
else
	BPF=
	echo "meta,bpf backend: unavailable: $why"
fi

# bench_stream <N> <backend>: one sample's CPU inside a stream, without
# the process start and the backend's setup: (the CPU of an 11-sample
# stream - that of a 1-sample one) / 10, from their medians. No wall time
# (the stream sleeps between samples) and no p95 for a difference. A
# sample longer than the interval makes the stream say it fell behind:
# not a failure here, so stderr is dropped (the exit status still counts).
bench_stream() {
	if one=$(measure -n "$RUNS" -w 1 -o -- sh -c \
			"exec tcpstat --backend $2 --interval 0.05 --count 1 2>/dev/null") &&
	   eleven=$(measure -n "$RUNS" -w 1 -o -- sh -c \
			"exec tcpstat --backend $2 --interval 0.05 --count 11 2>/dev/null"); then
		c1=$(echo "$one" | sed 's/.*cpu_med_us=\([0-9]*\).*/\1/')
		c11=$(echo "$eleven" | sed 's/.*cpu_med_us=\([0-9]*\).*/\1/')
		rss=$(echo "$eleven" | sed 's/.*maxrss_kb=\([0-9]*\).*/\1/')
		d=$(((c11 - c1) / 10))
		[ "$d" -lt 0 ] && d=0 # below the noise of the two medians
		echo "csv,$1,tcpstat $2 (per sample of a stream),$RUNS,,,$d,,$rss"
	else
		echo "not ok - tcpstat $2 stream at $1 sockets failed"
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
	if [ -n "$BPF" ]; then
		bench "$n" "tcpstat bpf" tcpstat --backend bpf
		bench "$n" "tcpstat bpf --ports" tcpstat --backend bpf --ports
		bench_stream "$n" bpf
	fi
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

# The cost of a reader to connection establishment: a connect/accept/close
# churn (sockfarm churn, IPv4, RST close) on CPU 0 while a reader runs.
# Mode "loop": the reader loops as fast as it can on CPU 1. Mode "shared":
# the reader is a collector on the churn's own CPU 0, one sample then one
# second's sleep, so the churn loses what the sample costs.
#
# The churn's rate moves by more from one second to the next under
# emulation than a reader moves it, so rounds of a reader against rounds
# of none cannot tell readers apart. Each reader alternates instead, for
# $RATE_LOOP_SECONDS (loop) or $RATE_SHARED_SECONDS (shared): it samples
# for a phase of $RATE_PHASE_CS (loop) or $RATE_SHARED_PHASE_CS (shared)
# centiseconds, then ends the sample under way, with $T/on present, and
# idles as long with it absent. The churn tells the phases apart by that
# file (sockfarm churn --phase-file) and reports each phase's connections.
# Printed: "<mode>phase,<sockets>,<reader>,<on|off>,<microseconds>,<connections>"
# per whole phase and "<mode>samples,<sockets>,<reader>,<samples taken>";
# scripts/bench.sh compares each sampling phase with the idle phases on
# either side (busybox awk has no math for the statistics).
# Controls tell what a method costs the churn from what any reader costs
# it on an emulated machine: "busy loop (reads nothing)", a shell
# spinning on the other vCPU (loop only), and "/bin/true loop (process
# starts)", a process started as the sample.
RATE_METHODS="cat /proc/tcpstat|tcpstat kmod|tcpstat netlink|tcpstat procfs|ss -tan|netlink INET_DIAG_INFO (node_exporter)|cat /proc/net/tcp /proc/net/tcp6"
reader_cmd() {
	case $1 in
	busy*) echo ":" ;;
	/bin/true*) echo "/bin/true" ;;
	"cat /proc/tcpstat") echo "cat /proc/tcpstat" ;;
	"tcpstat kmod") echo "tcpstat --backend kmod" ;;
	"tcpstat netlink") echo "tcpstat --backend netlink" ;;
	"tcpstat procfs") echo "tcpstat --backend procfs" ;;
	"ss -tan") echo "ss -tan" ;;
	netlink*) echo "nldiag" ;;
	"cat /proc/net/tcp /proc/net/tcp6") echo "cat /proc/net/tcp /proc/net/tcp6" ;;
	esac
}

# phased_rate <loop|shared> <reader name> <command...>: the phases of one
# reader against the churn.
phased_rate() {
	mode=$1 name=$2
	shift 2
	if [ "$mode" = loop ]; then
		cpu=1 pause=0 len=$RATE_PHASE_CS secs=$RATE_LOOP_SECONDS
	else
		cpu=0 pause=1 len=$RATE_SHARED_PHASE_CS secs=$RATE_SHARED_SECONDS
	fi
	rm -f $T/stop $T/on $T/stop.n
	# The reader: busybox sh builtins around the command (the time comes
	# from /proc/uptime, in centiseconds), but for the collector's sleep
	# and the idle phase's.
	taskset -c $cpu sh -c '
		stop=$1 on=$2 len=$3 pause=$4
		shift 4
		n=0
		cs() { read -r up rest </proc/uptime; c=${up%.*}${up#*.}; }
		while [ ! -e "$stop" ]; do
			: >"$on"
			cs
			e=$((c + len))
			while [ ! -e "$stop" ]; do
				"$@" >/dev/null 2>&1
				n=$((n + 1))
				[ "$pause" = 0 ] || sleep "$pause"
				cs
				[ "$c" -lt "$e" ] || break
			done
			rm -f "$on"
			usleep $((len * 10000))
		done
		echo "$n" >"$stop.n"' sh $T/stop $T/on "$len" "$pause" "$@" &
	rp=$!
	taskset -c 0 sockfarm churn --seconds "$secs" --family 4 --linger0 \
		--phase-file $T/on >$T/phases
	touch $T/stop
	wait $rp
	# The first and last phases are cut short: only whole ones count.
	grep '^phase ' $T/phases | sed '1d;$d' |
		awk -v n="$n" -v r="$name" -v m="$mode" '{ printf "%sphase,%d,%s,%s,%d,%d\n", m, n, r, $2, $3, $4 }'
	echo "${mode}samples,$n,$name,$(cat $T/stop.n 2>/dev/null || echo 0)"
}

# rates <loop|shared>: the controls, then every method.
rates() {
	n=$(total_sockets)
	readers="/bin/true loop (process starts)|$RATE_METHODS"
	[ "$1" = loop ] && readers="busy loop (reads nothing)|$readers"
	echo "$readers" | tr '|' '\n' | while read -r r; do
		# shellcheck disable=SC2046
		phased_rate "$1" "$r" $(reader_cmd "$r")
	done
}

BENCH_FAILED=0
for target in $SIZES; do
	grow_to "$target" $T || break
	# Some TIME_WAIT too (they last 60 s, so N drifts down by at most
	# that much while a size is measured; N is the count at the start).
	[ "$target" -ge 10000 ] && sockfarm churn --seconds 1 --family both >/dev/null
	n=$(total_sockets)
	if [ "$ONLY" != rate ]; then
		section "measuring at $n sockets"
		measure_all "$n"
		walkprof "$n"
	fi
	if [ "$target" = "$RATE_AT" ] && [ "$ONLY" != rate ]; then
		# The longest a walk holds one bucket lock (lock_stats=1), over
		# twenty reads, and the table's shape.
		echo 1 >/sys/module/tcpstat/parameters/lock_stats
		for r in $(seq 20); do cat /proc/net/tcpstat_data; done |
			awk -v n="$n" '$1 == "walk" && $2 != "table" {
				if ($5 > m[$2]) m[$2] = $5; b[$2] = $3; l[$2] = $4 }
			END { for (t in m) printf "lock,%d,%s,%d,%d,%d\n", n, t, b[t], l[t], m[t] }'
		echo 0 >/sys/module/tcpstat/parameters/lock_stats
	fi
	if [ "$target" = "$RATE_AT" ]; then
		echo "meta,connection rates at $n sockets: each looping reader for $RATE_LOOP_SECONDS s in phases of $((RATE_PHASE_CS / 100)).$((RATE_PHASE_CS % 100 / 10)) s sampling and as long idle; each collector on the loop's CPU for $RATE_SHARED_SECONDS s in phases of $((RATE_SHARED_PHASE_CS / 100)).$((RATE_SHARED_PHASE_CS % 100 / 10)) s"
		section "connection rate at $n sockets, a reader looping on the other CPU"
		rates loop
		section "connection rate at $n sockets, a collector sampling every second on the same CPU"
		rates shared
	fi
done
for p in $FARMS; do farm_stop $p; done
if [ "$ONLY" = rate ]; then
	check "benchmark ran every method at every size" test $BENCH_FAILED -eq 0
	done_testing
fi

# Every namespace's counts from the host: one read of the module's file
# against the reporter entering each namespace (bpf, netlink, procfs).
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
[ -n "$BPF" ] && bench "$nsn" "allns tcpstat bpf --all-netns" tcpstat --backend bpf --all-netns
bench "$nsn" "allns tcpstat netlink --all-netns" tcpstat --backend netlink --all-netns
bench "$nsn" "allns tcpstat procfs --all-netns" tcpstat --backend procfs --all-netns
for d in $T/ns*; do touch $d/release; done
wait
check "benchmark ran every method at every size" test $BENCH_FAILED -eq 0
done_testing
