#!/usr/bin/env bash
# make bench-host: the reporter's backends that run on this machine's own
# kernel (bpf, netlink, procfs; the module cannot be loaded here), measured
# natively, not under emulation: CPU per sample from 0 to a million
# sockets in a fresh network namespace, and every namespace's counts
# (--all-netns) at 100 namespaces.
#
#   scripts/bench-host.sh [--smoke]
#
# Writes docs/bench/native-host.csv (the rows of scripts/bench.sh:
# kernel,sockets,method,runs,wall_med_us,wall_p95_us,cpu_med_us,cpu_p95_us,maxrss_kb)
# and docs/bench/native-host.md (its tables, which scripts/bench-report.sh
# puts in docs/performance.md), and prints the tables; --smoke writes to
# build/bench-host/ instead. The machine may be shared: its load average
# goes in the notes.
# Environment: TCPSTAT_HOST_SIZES (default 0 1000 10000 100000 200000
# 500000 1000000), TCPSTAT_HOST_NETNS (100). Needs root, about 5 GiB of
# free memory at a million sockets.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

smoke=0
case ${1:-} in
--smoke) smoke=1 ;;
"") ;;
*) die "unknown option '$1' (usage: bench-host.sh [--smoke])" ;;
esac
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, the bpf backend)"
if [ $smoke = 1 ]; then
	sizes="0 1000"
	netns=3
else
	sizes=${TCPSTAT_HOST_SIZES:-0 1000 10000 100000 200000 500000 1000000}
	netns=${TCPSTAT_HOST_NETNS:-100}
fi
top=$TCPSTAT_ROOT
tcpstat=$top/user/tcpstat
measure=$top/tests/bench/measure
sockfarm=$top/tests/vm/sockfarm
for f in "$tcpstat" "$measure" "$sockfarm"; do
	[ -x "$f" ] || die "no $f (make user bench-tools sockfarm)"
done
out=$top/docs/bench
[ $smoke = 1 ] && out=$top/build/bench-host
work=$top/build/bench-host
mkdir -p "$out" "$work"
csv=$out/native-host.csv
kver=$(uname -r)
bpf=1
why=$("$tcpstat" --backend bpf 2>&1 >/dev/null) || { bpf=0; log "no bpf rows: $why"; }

pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT

# A fresh namespace held by a process of its own (sleep), so the fills
# can come and go in it.
unshare -n sh -c 'ip link set lo up && exec sleep 100000' &
holder=$!
pids+=("$holder")
NS=/proc/$holder/ns/net
for _ in $(seq 50); do [ -e "$NS" ] && break; sleep 0.1; done

runs_for() {
	if [ "$1" -ge 500000 ]; then echo 5
	elif [ "$1" -ge 100000 ]; then echo 10
	else echo 20; fi
}

# row <N> <method> <command...>: measure the command inside the namespace
row() {
	local n=$1 name=$2 res
	shift 2
	res=$(nsenter --net="$NS" "$measure" -n "$RUNS" -w 1 -o -- "$@") ||
		die "$name at $n sockets failed"
	echo "$kver,$n,$name,$(echo "$res" | sed 's/[a-z_0-9]*=//g; s/ /,/g')" >>"$csv"
	echo "$kver,$n,$name,$res" >&2
}

# stream_row <N> <backend> [args]: one sample's CPU inside a stream, the
# load of the program and the process start taken out: (the CPU of an
# 11-sample stream - that of a 1-sample one) / 10, from their medians.
# Samples longer than the interval make the stream say it fell behind:
# not a failure here, so its stderr is dropped (its status still counts).
stream_row() {
	local n=$1 b=$2 one eleven c1 c11 w1 w11
	shift 2
	one=$(nsenter --net="$NS" "$measure" -n "$RUNS" -w 1 -o -- sh -c \
		"exec $tcpstat --backend $b $* --interval 0.02 --count 1 2>/dev/null") ||
		die "stream $b at $n failed"
	eleven=$(nsenter --net="$NS" "$measure" -n "$RUNS" -w 1 -o -- sh -c \
		"exec $tcpstat --backend $b $* --interval 0.02 --count 11 2>/dev/null") ||
		die "stream $b at $n failed"
	c1=$(echo "$one" | sed 's/.*cpu_med_us=\([0-9]*\).*/\1/')
	c11=$(echo "$eleven" | sed 's/.*cpu_med_us=\([0-9]*\).*/\1/')
	w1=$(echo "$one" | sed 's/.*maxrss_kb=\([0-9]*\).*/\1/')
	w11=$(echo "$eleven" | sed 's/.*maxrss_kb=\([0-9]*\).*/\1/')
	# wall and p95 have no meaning for a difference: left empty; a
	# difference below the noise of the two medians is 0
	d=$(((c11 - c1) / 10))
	[ "$d" -lt 0 ] && d=0
	echo "$kver,$n,tcpstat $b$* (per sample of a stream),$RUNS,,,$d,,$((w1 > w11 ? w1 : w11))" >>"$csv"
	echo "$kver,$n,tcpstat $b$* stream: 1 sample $c1 us, 11 samples $c11 us" >&2
}

total() {
	"$tcpstat" --netns "$NS" --backend netlink --format prometheus |
		awk '/^tcpstat_connections\{/ { s += $NF } END { print s + 0 }'
}

echo "kernel,sockets,method,runs,wall_med_us,wall_p95_us,cpu_med_us,cpu_p95_us,maxrss_kb" >"$csv"
for target in $sizes; do
	have=$(total)
	if [ "$target" -gt "$have" ]; then
		conns=$(((target - have) / 2))
		log "growing to $target sockets (+$conns connections)"
		nsenter --net="$NS" "$sockfarm" fill --conns "$conns" --family both --listeners 16 \
			>"$work/fill.$target.out" 2>"$work/fill.$target.err" &
		pids+=($!)
		for _ in $(seq 600); do
			grep -qx ready "$work/fill.$target.out" && break
			kill -0 "${pids[-1]}" 2>/dev/null || die "sockfarm fill: $(cat "$work/fill.$target.err")"
			sleep 1
		done
		grep -qx ready "$work/fill.$target.out" || die "sockfarm fill to $target not ready in 600 s"
	fi
	n=$(total)
	RUNS=$(runs_for "$n")
	log "measuring at $n sockets ($RUNS runs each; load average $(cut -d' ' -f1-3 /proc/loadavg))"
	row "$n" "tcpstat --version" "$tcpstat" --version
	if [ $bpf = 1 ]; then
		row "$n" "tcpstat bpf" "$tcpstat" --backend bpf
		row "$n" "tcpstat bpf --ports" "$tcpstat" --backend bpf --ports
		stream_row "$n" bpf
	fi
	row "$n" "tcpstat netlink" "$tcpstat" --backend netlink
	row "$n" "tcpstat netlink --ports" "$tcpstat" --backend netlink --ports
	row "$n" "tcpstat procfs" "$tcpstat" --backend procfs
	row "$n" "cat /proc/net/tcp /proc/net/tcp6" cat /proc/net/tcp /proc/net/tcp6
done
load_sizes=$(cut -d' ' -f1-3 /proc/loadavg)
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
pids=()

# Every namespace: $netns namespaces of 50 connections (100 sockets) and a
# listener per family each; every other namespace of the machine is
# counted too (the reporter cannot tell ours from others').
log "all namespaces: building $netns namespaces"
for i in $(seq "$netns"); do
	unshare -n sh -c 'ip link set lo up && exec "$0" fill --conns 50 --family both --listeners 1' \
		"$sockfarm" >"$work/ns$i.out" 2>"$work/ns$i.err" &
	pids+=($!)
done
for i in $(seq "$netns"); do
	for _ in $(seq 300); do
		grep -qx ready "$work/ns$i.out" && break
		sleep 0.2
	done
	grep -qx ready "$work/ns$i.out" || die "namespace $i not ready: $(cat "$work/ns$i.err")"
done
nsall=$("$tcpstat" --backend netlink --all-netns | jq '.netns | length')
RUNS=10
NS=/proc/self/ns/net
for b in $([ $bpf = 1 ] && echo bpf) netlink procfs; do
	row "$netns" "allns tcpstat $b --all-netns" "$tcpstat" --backend "$b" --all-netns
done
load_allns=$(cut -d' ' -f1-3 /proc/loadavg)
rm -f "$work"/ns*.out "$work"/ns*.err "$work"/fill.*

# The tables
{
	echo "- Kernel $kver, $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), shared: load average $load_sizes at the end of the sizes, $load_allns at the end of the namespaces."
	echo "- All namespaces: $netns built (50 connections and a listener per family each), $nsall with TCP sockets in all."
	echo
	echo "CPU per sample (median, µs), a process per sample unless said otherwise:"
	echo
	awk -F, 'NR == 1 || $3 !~ /^allns /' "$csv" | cpu_by_size_table -
	echo
	echo "| --all-netns | namespaces with sockets | wall median | CPU median | CPU p95 |"
	echo "|---|---:|---:|---:|---:|"
	awk -F, -v n="$nsall" 'NR > 1 && $3 ~ /^allns / {
		printf "| %s | %d | %.1f ms | %.1f ms | %.1f ms |\n", substr($3, 7), n, $5 / 1000, $7 / 1000, $8 / 1000 }' "$csv"
} | tee "$out/native-host.md"
log "wrote $csv and $out/native-host.md"
