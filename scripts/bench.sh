#!/usr/bin/env bash
# make bench: boot each benchmark kernel once with a large guest, run
# tests/vm/bench.sh (every counting method on the same sockets at growing
# N), collect its CSV into docs/bench/ and write docs/performance.md.
#
#   scripts/bench.sh            the full run (hours under emulation)
#   scripts/bench.sh --smoke    a tiny run on one kernel that checks the
#                               pipeline works (part of make check); writes
#                               nothing under docs/
# Environment: TCPSTAT_BENCH_KERNELS (default "bookworm:amd64 sid:amd64"),
# TCPSTAT_BENCH_SIZES, TCPSTAT_BENCH_MEM (default 12G).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

smoke=0
[ "${1:-}" = --smoke ] && smoke=1
if [ $smoke = 1 ]; then
	kernels=${TCPSTAT_BENCH_KERNELS:-bookworm:amd64}
	sizes="0 1000"
	rate_at=1000
	rate_seconds=2
	rate_rounds=1
	netns=3
	mem=1G
	outdir=$TCPSTAT_ROOT/build/bench-smoke
else
	kernels=${TCPSTAT_BENCH_KERNELS:-bookworm:amd64 sid:amd64}
	sizes=${TCPSTAT_BENCH_SIZES:-0 1000 10000 100000 200000 500000 1000000}
	rate_at=${TCPSTAT_BENCH_RATE_AT:-100000}
	rate_seconds=10
	rate_rounds=3
	netns=100
	mem=${TCPSTAT_BENCH_MEM:-12G}
	outdir=$TCPSTAT_ROOT/docs/bench
fi
need_host_pkgs gnuplot-nox
# One host thread per vCPU, so a reader on one vCPU and the connection
# loop on the other run in parallel, as on a real machine.
export TCPSTAT_TCG_THREAD=multi
mkdir -p "$outdir" "$TCPSTAT_ROOT/build/vm"

# extract <tag> <CSV header> <file>: the guest's "<tag>,..." lines of the
# current kernel's run ($vmout) as CSV rows, its release ($kver) first.
extract() {
	{
		echo "$2"
		sed -n "s/^$1,/$kver,/p" "$vmout/results.log" | tr -d '\r'
	} >"$3"
}

status=0
for k in $kernels; do
	release=${k%%:*} flavour=${k#*:}
	name=$release-$flavour
	ko=$TCPSTAT_ROOT/build/ko/$name/tcpstat.ko
	vmout=$TCPSTAT_ROOT/build/vm/bench-$name
	"$TCPSTAT_ROOT/scripts/build-module.sh" "$release" "$flavour" "$ko"
	prof=$TCPSTAT_ROOT/build/ko/$name/walkprof.ko
	"$TCPSTAT_ROOT/scripts/build-module.sh" "$release" "$flavour" "$prof" \
		"$TCPSTAT_ROOT/tests/bench/walkprof"
	rc=0
	"$TCPSTAT_ROOT/scripts/vm-run.sh" --kernel "$k" --ko "$ko" --run bench.sh \
		--mem "$mem" --timeout $((6 * 3600)) --out "$vmout" --extra-ko "$prof" \
		--env "TCPSTAT_BENCH_SIZES=$sizes" --env "TCPSTAT_BENCH_RATE_AT=$rate_at" \
		--env "TCPSTAT_BENCH_RATE_SECONDS=$rate_seconds" \
		--env "TCPSTAT_BENCH_RATE_ROUNDS=$rate_rounds" --env "TCPSTAT_BENCH_NETNS=$netns" >"$vmout.log" 2>&1 || rc=$?
	grep -v '^csv,\|^rate' "$vmout.log" | tail -n 30 >&2
	if [ $rc != 0 ]; then
		log "benchmark run on $name failed (log: $vmout.log)"
		status=1
		continue
	fi
	kver=$(cat "$(kernel_dir "$release" "$flavour")/kver")
	extract csv "kernel,sockets,method,runs,wall_med_us,wall_p95_us,cpu_med_us,cpu_p95_us,maxrss_kb" \
		"$outdir/$name.csv"
	extract rate "kernel,sockets,reader,connections_per_s,round_min,round_max" "$outdir/$name-rate.csv"
	extract rateshared "kernel,sockets,reader,connections_per_s,round_min,round_max" \
		"$outdir/$name-rate-shared.csv"
	sed -n 's/^meta,//p' "$vmout/results.log" | tr -d '\r' >"$outdir/$name.meta"
	extract lock "kernel,sockets,table,buckets,locked_buckets,max_lock_ns" "$outdir/$name-lock.csv"
	extract prof "kernel,sockets,variant,best_ns" "$outdir/$name-walk.csv"
	rows=$(($(wc -l <"$outdir/$name.csv") - 1))
	want=$(($(echo $sizes | wc -w) * 14 + 4))
	if [ "$rows" -ne "$want" ]; then
		log "benchmark on $name produced $rows of $want rows"
		status=1
	fi
	rates=$(($(wc -l <"$outdir/$name-rate.csv") + $(wc -l <"$outdir/$name-rate-shared.csv") - 2))
	if [ "$rates" -ne 16 ]; then
		log "benchmark on $name produced $rates of 16 connection-rate rows"
		status=1
	fi
	log "$name: $rows measurements, $rates connection rates in $outdir"
done
[ $status = 0 ] || exit $status
if [ $smoke = 0 ]; then
	"$TCPSTAT_ROOT/scripts/bench-report.sh" "$outdir" >"$TCPSTAT_ROOT/docs/performance.md"
	log "wrote docs/performance.md"
else
	"$TCPSTAT_ROOT/scripts/bench-report.sh" "$outdir" >"$outdir/performance.md"
	log "smoke benchmark ok ($outdir/performance.md)"
fi
