#!/usr/bin/env bash
# make bench: boot each benchmark kernel once with a large guest, run
# tests/vm/bench.sh (every counting method on the same sockets at growing
# N), collect its CSV into docs/bench/ and write docs/performance.md.
#
#   scripts/bench.sh            the full run (hours under emulation)
#   scripts/bench.sh --smoke    a tiny run on one kernel that checks the
#                               pipeline works (part of make check); writes
#                               nothing under docs/
#   scripts/bench.sh --rate     only the connection rates (full settings),
#                               into build/bench-rate/ with its own report;
#                               writes nothing under docs/
# Environment: TCPSTAT_BENCH_KERNELS (default "bookworm:amd64 sid:amd64"),
# TCPSTAT_BENCH_SIZES, TCPSTAT_BENCH_MEM (default 12G), TCPSTAT_BENCH_RATE_AT
# (100000), TCPSTAT_BENCH_RATE_LOOP_SECONDS (90), TCPSTAT_BENCH_RATE_SHARED_SECONDS (80).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

smoke=0 only=
case ${1:-} in
--smoke) smoke=1 ;;
--rate) only=rate ;;
"") ;;
*) die "unknown option '$1' (usage: bench.sh [--smoke|--rate])" ;;
esac
if [ $smoke = 1 ]; then
	kernels=${TCPSTAT_BENCH_KERNELS:-bookworm:amd64}
	sizes="0 1000"
	rate_at=1000
	rate_loop_seconds=8
	rate_phase_cs=80
	rate_shared_seconds=12
	rate_shared_phase_cs=100
	netns=3
	mem=1G
	outdir=$TCPSTAT_ROOT/build/bench-smoke
else
	kernels=${TCPSTAT_BENCH_KERNELS:-bookworm:amd64 sid:amd64}
	sizes=${TCPSTAT_BENCH_SIZES:-0 1000 10000 100000 200000 500000 1000000}
	rate_at=${TCPSTAT_BENCH_RATE_AT:-100000}
	rate_loop_seconds=${TCPSTAT_BENCH_RATE_LOOP_SECONDS:-90}
	rate_phase_cs=200
	rate_shared_seconds=${TCPSTAT_BENCH_RATE_SHARED_SECONDS:-80}
	rate_shared_phase_cs=300
	netns=100
	mem=${TCPSTAT_BENCH_MEM:-12G}
	outdir=$TCPSTAT_ROOT/docs/bench
	[ "$only" = rate ] && outdir=$TCPSTAT_ROOT/build/bench-rate
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

# phase_summary <phases CSV> <samples CSV>: per looping reader, the churn's
# rate while the reader idles and while it samples (medians of the
# phases), the mean change of each sampling phase against the mean of the
# idle phases on either side, its 95% confidence interval (Student t,
# widened by the lag-1 autocorrelation, as two neighbouring comparisons
# share an idle phase), the number of comparisons, the reader's samples
# per second of sampling, and the standard deviation of the idle phases'
# rates against their mean (the machine's own noise, in percent). Rows in
# the order of the phases file.
phase_summary() {
	awk -F, '
	function tq(d) { # two-sided 95% quantile of Student t, d degrees of freedom
		if (d <= 1) return 12.71; if (d == 2) return 4.30; if (d == 3) return 3.18
		if (d == 4) return 2.78; if (d == 5) return 2.57; if (d <= 7) return 2.40
		if (d <= 10) return 2.25; if (d <= 15) return 2.15; if (d <= 20) return 2.09
		if (d <= 30) return 2.05; return 2.00
	}
	function median(a, k,   i, j, t) {
		for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	FNR == NR { if (FNR > 1) samples[$3] = $4; next }
	FNR > 1 { if (!($3 in np)) { order[++nr] = $3; kver[$3] = $1; socks[$3] = $2 }
		i = ++np[$3]; on[$3, i] = ($4 == "on"); rate[$3, i] = $6 * 1e6 / $5
		if ($4 == "on") ontime[$3] += $5
		else { ni[$3]++; isum[$3] += rate[$3, i]; isq[$3] += rate[$3, i] ^ 2 } }
	END {
		for (q = 1; q <= nr; q++) {
			r = order[q]; m = 0; mean = 0; ss = 0; cv = 0
			for (i = 2; i < np[r]; i++) {
				if (!on[r, i] || on[r, i - 1] || on[r, i + 1]) continue
				base = (rate[r, i - 1] + rate[r, i + 1]) / 2
				ch[++m] = (rate[r, i] - base) * 100 / base
				rs[m] = rate[r, i]; rb[m] = base
			}
			if (m < 2) continue
			for (i = 1; i <= m; i++) mean += ch[i] / m
			for (i = 1; i <= m; i++) ss += (ch[i] - mean) ^ 2
			for (i = 2; i <= m; i++) cv += (ch[i] - mean) * (ch[i - 1] - mean)
			rho = ss > 0 ? cv / ss : 0
			h = tq(m - 1) * sqrt(ss / (m - 1) / m) * (rho > 0 ? sqrt(1 + 2 * rho) : 1)
			im = isum[r] / ni[r]
			isd = sqrt((isq[r] - ni[r] * im ^ 2) / (ni[r] - 1))
			printf "%s,%d,%s,%.0f,%.0f,%.2f,%.2f,%.2f,%d,%.2f,%.2f\n", kver[r], socks[r], r, median(rb, m),
				median(rs, m), mean, mean - h, mean + h, m, (ontime[r] > 0 ? samples[r] * 1e6 / ontime[r] : 0),
				isd * 100 / im
		}
	}' "$2" "$1"
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
		--env "TCPSTAT_BENCH_NETNS=$netns" \
		--env "TCPSTAT_BENCH_RATE_LOOP_SECONDS=$rate_loop_seconds" \
		--env "TCPSTAT_BENCH_RATE_PHASE_CS=$rate_phase_cs" \
		--env "TCPSTAT_BENCH_RATE_SHARED_SECONDS=$rate_shared_seconds" \
		--env "TCPSTAT_BENCH_RATE_SHARED_PHASE_CS=$rate_shared_phase_cs" \
		--env "TCPSTAT_BENCH_ONLY=$only" >"$vmout.log" 2>&1 || rc=$?
	grep -v '^csv,\|^loop\|^shared' "$vmout.log" | tail -n 30 >&2
	if [ $rc != 0 ]; then
		log "benchmark run on $name failed (log: $vmout.log)"
		status=1
		continue
	fi
	kver=$(cat "$(kernel_dir "$release" "$flavour")/kver")
	extract csv "kernel,sockets,method,runs,wall_med_us,wall_p95_us,cpu_med_us,cpu_p95_us,maxrss_kb" \
		"$outdir/$name.csv"
	# The phases of the looping readers (loop) and of the collectors on
	# the churn's CPU (shared), and their summaries.
	for mode in loop shared; do
		f=$outdir/$name-rate
		[ $mode = loop ] || f=$f-shared
		extract ${mode}phase "kernel,sockets,reader,phase,us,connections" "$f-phases.csv"
		extract ${mode}samples "kernel,sockets,reader,samples" "$vmout/$mode-samples.csv"
		{
			echo "kernel,sockets,reader,idle_per_s,sampling_per_s,change_pct,ci_low_pct,ci_high_pct,pairs,reader_samples_per_s,idle_sd_pct"
			phase_summary "$f-phases.csv" "$vmout/$mode-samples.csv"
		} >"$f.csv"
	done
	sed -n 's/^meta,//p' "$vmout/results.log" | tr -d '\r' >"$outdir/$name.meta"
	extract lock "kernel,sockets,table,buckets,locked_buckets,max_lock_ns" "$outdir/$name-lock.csv"
	extract prof "kernel,sockets,variant,best_ns" "$outdir/$name-walk.csv"
	rows=$(($(wc -l <"$outdir/$name.csv") - 1))
	want=$(($(echo $sizes | wc -w) * 14 + 4))
	# the bpf backend's three rows per size and one of all namespaces
	grep -q '^bpf backend: unavailable' "$outdir/$name.meta" ||
		want=$((want + $(echo $sizes | wc -w) * 3 + 1))
	[ "$only" = rate ] && want=0
	if [ "$rows" -ne "$want" ]; then
		log "benchmark on $name produced $rows of $want rows"
		status=1
	fi
	# Loop: two controls and seven methods; shared: one control and the seven.
	rates=$(($(wc -l <"$outdir/$name-rate.csv") + $(wc -l <"$outdir/$name-rate-shared.csv") - 2))
	if [ "$rates" -ne 17 ]; then
		log "benchmark on $name produced $rates of 17 connection-rate rows"
		status=1
	fi
	log "$name: $rows measurements, $rates connection rates in $outdir"
done
[ $status = 0 ] || exit $status
if [ $smoke = 0 ] && [ -z "$only" ]; then
	"$TCPSTAT_ROOT/scripts/bench-report.sh" "$outdir" >"$TCPSTAT_ROOT/docs/performance.md"
	log "wrote docs/performance.md"
else
	"$TCPSTAT_ROOT/scripts/bench-report.sh" "$outdir" >"$outdir/performance.md"
	log "$([ $smoke = 1 ] && echo "smoke benchmark ok" || echo "connection rates written") ($outdir/performance.md)"
fi
