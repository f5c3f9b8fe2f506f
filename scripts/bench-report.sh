#!/usr/bin/env bash
# Turn the benchmark CSVs in a directory (from scripts/bench.sh) into
# Markdown on stdout, with a log-log plot per kernel written next to the
# CSVs (<name>.png). Also checks the targets of the benchmark and says
# for each whether it holds.
# Usage: bench-report.sh <dir>
set -euo pipefail
dir=${1:?usage: bench-report.sh <dir>}
. "$(dirname "$0")/lib.sh"

# has_rows <csv>: the file exists and holds more than its header.
has_rows() { [ -f "$1" ] && [ "$(wc -l <"$1")" -gt 1 ]; }

# plot_cpu <png> <title>: "<sockets>,<method>,<CPU µs>" lines on stdin
# (N > 0 only) as a log-log plot of CPU per sample against sockets, one
# line per method; references (a bare process start, --version) and the
# host kernel's rows ("host ...") dashed.
plot_cpu() {
	command -v gnuplot >/dev/null || return 0
	awk -F, -v out="$1" -v title="$2" '
	$1 > 0 { if (!($2 in seen)) { seen[$2] = 1; ms[++nm] = $2 }; d[$2] = d[$2] $1 " " $3 "\n"; if (!($1 in ns)) { ns[$1] = 1; nn++; x1 = $1 } }
	END {
		print "set terminal pngcairo size 1200,700 noenhanced"
		print "set output \"" out "\""
		print "set logscale xy"
		if (nn > 1) { print "set autoscale xfix"; print "set offsets graph 0.02, graph 0.02, 0, 0" }
		else if (nn == 1) print "set xrange [" x1 / 2 ":" x1 * 2 "]"
		print "set xlabel \"sockets\""
		print "set ylabel \"CPU time per sample (µs, median)\""
		print "set title \"" title "\""
		print "set key outside right"
		print "set grid"
		for (i = 1; i <= nm; i++) { print "$D" i " << EOD"; printf "%s", d[ms[i]]; print "EOD" }
		printf "plot "
		# One colour per method (the default palette repeats after
		# eight); references (a bare process, --version) dashed.
		nc = split("#1f77b4 #d62728 #2ca02c #ff7f0e #9467bd #8c564b #e377c2 #17becf #bcbd22 #000000 #7f7f7f #aec7e8 #ff9896 #98df8a #c5b0d5 #c49c94", col, " ")
		for (i = 1; i <= nm; i++)
			printf "%s$D%d using 1:2 with linespoints lw 2 pt %d lc rgb \"%s\" dt %d title \"%s\"", (i > 1 ? ", " : ""), i, (i - 1) % 13 + 1, col[(i - 1) % nc + 1], (ms[i] ~ /^process start|--version|^host / ? 2 : 1), ms[i]
		print ""
	}' | gnuplot
}

# native_sections: the native benchmark (make bench-native) from the
# uml-<series>-ehash<buckets>*.csv files in $dir, one section per table
# size, with a plot each; nothing if there are none.
native_sections() {
	local base csv walk host meta floor t name kver n
	floor=$(ls "$dir"/uml-*-memfloor.csv 2>/dev/null | head -n 1)
	ls "$dir"/uml-*-ehash*.csv >/dev/null 2>&1 || return 0
	cat <<'EOF2'
## At hardware speed: User-Mode Linux (`make bench-native`)

`make bench-native` (`scripts/bench-native.sh`, guest side
`tests/vm/bench-native.sh`) runs the kernel's own code at the speed of this
machine's CPU: Debian's 6.1 source built as User-Mode Linux
(`scripts/build-uml-kernel.sh`), a kernel that runs as an ordinary process
of the host, without emulation. The module, the reporter, `ss` and the
other methods run in it on the same sockets as under QEMU, from none to a
million, once with an established table of about one bucket per socket at
a million (as a large server sizes it) and once with 16384 buckets. Then the
same script runs on the host's own kernel, in a network namespace with a
private table of the same size, as a cross-check of UML's netlink and
procfs figures.

- CPU times are the host's CPU time of UML (`tests/bench/umlclock`, read
  through the host system calls UML exports): inside UML every clock is the
  host's wall clock, which counts whatever the host gave its other
  processes, and task CPU times come in whole 10 ms ticks. *CPU* is UML's
  kernel thread plus the host processes that ran UML's user space for the
  sample (process rows); *kernel* is the kernel thread alone: the kernel's
  own code, plus UML's work to enter and leave it (a system call costs
  about 15 µs in UML, a getppid() measured, against well under a
  microsecond on the host).
- `read:` rows are in-process samples, no process start: `read:netlink` is
  the reporter's netlink dump (both families, no extensions) made and
  counted inside `nldiag`, `read:netlink INET_DIAG_INFO` node_exporter's.
  They are the kernel's cost of each method. `syscalls` below is how many
  `recvmsg` calls a dump takes.
- UML is uniprocessor: `spin_lock_bh` there only disables bottom halves
  (no lock word, no atomic; an SMP kernel adds a compare-and-swap, see
  the floor below) and there is no contention (the QEMU runs keep that).
  UML's memory is backed by 2 MiB pages of the host, as a native kernel
  maps its memory with large pages.
- This machine is itself a virtual machine shared with other work: its
  memory latency is high and varies with the neighbours' load. The walk's
  floor measured on it (`tests/bench/memfloor`, user space on the host,
  same kind of pages) is given with the figures.
- Sockets: as under QEMU, but no TIME_WAIT churn: the sockets hold still,
  and every walk variant must count exactly what the module counts (the
  benchmark checks it at every size).

To reproduce: `make bench-native` (about half an hour here; the first run
also builds the UML kernel, about 10-20 minutes at `-j2`), or with
`TCPSTAT_NATIVE_TABLES`, `TCPSTAT_BENCH_SIZES` and `TCPSTAT_NATIVE_MEM` to
change the tables, the sizes and UML's memory; `scripts/bench-native.sh
--smoke` checks the pipeline in a few minutes, into `build/`.
EOF2
	if [ -n "$floor" ] && has_rows "$floor"; then
		echo
		echo "### The floor of this machine's memory"
		echo
		echo "\`tests/bench/memfloor\` visits about a million objects 2304 bytes apart (a"
		echo "\`tcp_sock\`) in random order, as a walk of the established table visits the"
		echo "sockets (best of three, ns per object), before the first table and after each"
		echo "(the neighbours' load moves it; the targets below take each figure's best):"
		echo
		echo "| when | pages | dependent chain (one miss after another) | one line each, prefetched | two lines each, prefetched | sequential read | lock and unlock (SMP proxy) |"
		echo "|---|---|---:|---:|---:|---:|---:|"
		awk -F, 'NR > 1 { r = $2 "," $3; if (!(r in seen)) { seen[r] = 1; p[++k] = r; s[k] = $2; g[k] = $3 }; v[r, $4] = $5 }
		END { for (i = 1; i <= k; i++)
			printf "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f |\n", s[i], g[i], v[p[i], "chase"], v[p[i], "one"],
				v[p[i], "two"], v[p[i], "seq"], v[p[i], "lock"] }' "$floor"
		echo
	fi
	for csv in "$dir"/uml-*-ehash*.csv; do
		case $csv in *-walk.csv | *-host.csv | *-syscalls.csv) continue ;; esac
		base=${csv%.csv}
		name=$(basename "$base")
		walk=$base-walk.csv host=$base-host.csv meta=$base.meta
		has_rows "$csv" || continue
		[ -f "$host" ] || host=/dev/null
		t=${name##*-ehash}
		kver=$(awk -F, 'NR == 2 { print $1; exit }' "$csv")
		n=$(awk -F, 'NR > 1 && $2 > m { m = $2 } END { print m + 0 }' "$csv")
		echo
		echo "### $kver (UML), $t buckets"
		echo
		[ -s "$meta" ] && sed "s/^/- /" "$meta" && echo
		echo "#### At the largest size: $n sockets ($(awk -v n="$n" -v t="$t" 'BEGIN { printf "%.2f", n / t }') per bucket)"
		echo
		echo "| method | CPU median | CPU p95 | of which kernel | wall median | host kernel's CPU | CPU vs cat /proc/tcpstat | CPU vs read:/proc/tcpstat |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|"
		awk -F, -v n="$n" '
		function us(v) { return v >= 10000 ? sprintf("%.1f ms", v / 1000) : sprintf("%d µs", v) }
		FNR == 1 { f++; next }
		f == 1 { if (!($2 in si)) { si[$2] = ++ns } }
		f == 2 { if (!($2 in hi)) { hi[$2] = ++nh; hs[nh] = $2 } }
		f == 1 && $2 == n { m[++k] = $3; w[k] = $5; c[k] = $7; cp[k] = $8; kc[k] = $10
			if ($3 == "cat /proc/tcpstat") cat = $7; if ($3 == "read:/proc/tcpstat") rd = $7 }
		f == 2 { h[hi[$2], $3] = $7 }
		END { j = si[n]
			for (i = 1; i <= k; i++) {
				name = m[i]; gsub(/\|/, "\\|", name)
				printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", name, us(c[i]), us(cp[i]), us(kc[i]), us(w[i]),
					((j, m[i]) in h ? us(h[j, m[i]]) : "-"), (cat > 0 ? sprintf("%.1fx", c[i] / cat) : "-"),
					(rd > 0 ? sprintf("%.1fx", c[i] / rd) : "-")
			} }' "$csv" "$host"
		echo
		echo "(\"host kernel's CPU\": the same method on the host's kernel at the same size, in a"
		echo "namespace with a table of $t buckets.)"
		echo
		echo "#### CPU time (median, µs) by number of sockets"
		echo
		awk -F, '
		FNR == 1 { f++; next }
		{ key = (f == 2 ? "host kernel: " : "") $3
		  if (f == 1 && !($2 in seen)) { seen[$2] = 1; ns[++nn] = $2 }
		  if (f == 1) col = $2; else { if (!($2 in hidx)) hidx[$2] = ++nh; col = ns[hidx[$2]] }
		  if (!(key in mseen)) { mseen[key] = 1; ms[++nm] = key }
		  v[key, col] = $7 }
		END {
			printf "| method |"; for (j = 1; j <= nn; j++) printf " %s |", ns[j]; printf "\n|---|"
			for (j = 1; j <= nn; j++) printf "---:|"; printf "\n"
			for (i = 1; i <= nm; i++) { m = ms[i]; gsub(/\|/, "\\|", m); printf "| %s |", m
				for (j = 1; j <= nn; j++) printf " %s |", ((ms[i], ns[j]) in v ? v[ms[i], ns[j]] : "-"); printf "\n" } }' "$csv" "$host"
		echo
		echo "![CPU time per sample against sockets, log-log, UML and the host's kernel]($name.png)"
		echo
		if has_rows "$base-syscalls.csv"; then
			echo "System calls (\`recvmsg\`) per in-process dump: $(awk -F, -v n="$n" 'NR > 1 && $2 == n { printf "%s%s %d", (k++ ? ", " : ""), $3, $4 }' "$base-syscalls.csv") at $n sockets."
			echo
		fi
		if has_rows "$walk"; then
			echo "#### The walk taken apart, and the experiments toward a faster one"
			echo
			echo "\`tests/bench/walkprof\` with \`variants=1\` (every variant once a round, seven rounds,"
			echo "each one's best), host CPU time, ns per socket"
			echo "(each variant's total divided by the sockets; the last column is the total at the"
			echo "largest size against \`full\`, the module's walk as it was before ring16, which kmod/tcpstat_walk.c does since):"
			echo
			awk -F, -v n="$n" '
			NR > 1 && $2 > 0 && $3 !~ /^(buckets|hold_)/ { if (!($2 in seen)) { seen[$2] = 1; ns[++k] = $2 }
				if (!($3 in vs)) { vs[$3] = 1; v[++nv] = $3 }; t[$3, $2] = $4 }
			END {
				printf "| variant |"; for (j = 1; j <= k; j++) printf " %s |", ns[j]; printf " total at %s | vs full |\n|---|", n
				for (j = 1; j <= k; j++) printf "---:|"; printf "---:|---:|\n"
				for (i = 1; i <= nv; i++) { printf "| %s |", v[i]
					for (j = 1; j <= k; j++) printf " %.1f |", t[v[i], ns[j]] / ns[j]
					printf " %.1f ms | %+.0f%% |\n", t[v[i], n] / 1e6, (t[v[i], n] - t["full", n]) * 100 / t["full", n] } }' "$walk"
			echo
		fi
		echo "#### Targets at $n sockets"
		echo
		awk -F, -v n="$n" -v t="$t" '
		FILENAME ~ /-walk.csv$/ { if (FNR > 1 && $2 == n) w[$3] = $4; next }
		FILENAME ~ /memfloor/ { if (FNR > 1 && $3 == "2 MiB" && (!($4 in fl) || $5 < fl[$4])) fl[$4] = $5; next }
		FNR > 1 && $2 == n { c[$3] = $7 }
		function verdict(ok) { return ok ? "**holds**" : "**missed**" }
		END {
			cat = c["cat /proc/tcpstat"]; nl = c["tcpstat netlink"]; pf = c["tcpstat procfs"]
			rd = c["read:/proc/tcpstat"]; rnl = c["read:netlink"]; rpf = c["read:/proc/net/tcp /proc/net/tcp6"]
			printf "- /proc/tcpstat at least 50x cheaper (CPU) than the reporter'"'"'s netlink backend: %.1fx (cat /proc/tcpstat %.1f ms, tcpstat netlink %.1f ms), %s. In-kernel alone (read:/proc/tcpstat against read:netlink, no process start): %.1fx.\n", nl / cat, cat / 1000, nl / 1000, verdict(nl >= 50 * cat), rnl / rd
			printf "- /proc/tcpstat at least 100x cheaper (CPU) than the reporter'"'"'s procfs backend: %.1fx (tcpstat procfs %.1f ms), %s. In-kernel alone (against read:/proc/net/tcp /proc/net/tcp6): %.1fx.\n", pf / cat, pf / 1000, verdict(pf >= 100 * cat), rpf / rd
			if (t >= n / 2) {
				best = once = ""
				for (v in w) {
					if (v ~ /^(chase|locks|locked|scan|scan8|buckets|hold_.*)$/) continue
					if (best == "" || w[v] < w[best]) best = v
					if (v !~ /^pf2nd/ && (once == "" || w[v] < w[once])) once = v
				}
				printf "- At most 25 ns per socket with about one bucket per socket: the module'"'"'s read %.0f ns (%.1f ms), %s; its walk (walkprof full) %.0f ns; the fastest exact variant, %s, %.0f ns (%+.0f%%), %s; the fastest that holds each bucket'"'"'s lock once, %s, %.0f ns (%+.0f%%).\n", rd * 1000 / n, rd / 1000, verdict(rd * 1000 <= 25 * n), w["full"] / n, best, w[best] / n, (w[best] - w["full"]) * 100 / w["full"], verdict(w[best] <= 25 * n), once, w[once] / n, (w[once] - w["full"]) * 100 / w["full"]
				if (fl["two"] > 0)
					printf "- The floor on this machine: a socket in its own bucket costs two random cache lines, which the memory serves at best at %.1f ns per object (memfloor, two lines, prefetched), plus the scan of the bucket heads (%.1f ns per socket here, walkprof scan) and their locks (%.1f ns per socket, locks - scan): about %.0f ns per socket, against the 25 asked. An SMP kernel adds an atomic per lock, %.1f ns here (memfloor lock).\n", fl["two"], w["scan"] / n, (w["locks"] - w["scan"]) / n, fl["two"] + w["locks"] / n, fl["lock"]
				if (fl["two"] > 0 && fl["chase"] > 0) {
					lam = n / t; behind = 1 - (1 - exp(-lam)) / lam; floor = fl["two"] + w["locks"] / n
					printf "- Why the walk stays above that floor: with %.2f sockets per bucket on average (Poisson), %.0f%% of the sockets are not the first of their bucket, and such a socket can only be fetched once the link that points to it has been read, under the bucket'"'"'s lock (pf2nd<N> does that for the second socket in an earlier, second hold of the lock). At the memory'"'"'s latency (memfloor, dependent chain: %.0f ns) that alone is %.0f ns per socket on average; the first sockets at the floor add %.0f: about %.0f ns, against %.0f for the best variant (%s).\n", lam, behind * 100, fl["chase"], behind * fl["chase"], (1 - behind) * floor, behind * fl["chase"] + (1 - behind) * floor, w[best] / n, best
					printf "- The ceiling of the ratios: a walk at the floor (%.0f ns per socket) would be %.0fx cheaper than the netlink dump in the kernel (read:netlink, %.0f ns per socket) and %.0fx than /proc/net/tcp{,6} (%.0f ns per socket); the targets ask 50x and 100x.\n", floor, rnl * 1000 / n / floor, rnl * 1000 / n, rpf * 1000 / n / floor, rpf * 1000 / n
				}
			} else if (fl["chase"] > 0 && n >= 100000) {
				printf "- With %.0f sockets per bucket every socket after a chain'"'"'s first is a dependent miss: nothing can be fetched before the link that points to it is read, under the bucket'"'"'s lock. The floor is the memory'"'"'s latency, %.0f ns per object on this machine (memfloor, dependent chain); the walk (walkprof full) costs %.0f ns per socket.\n", n / t, fl["chase"], w["full"] / n
			}
		}' "$csv" "$walk" ${floor:+"$floor"}
		echo
		{
			awk -F, 'NR > 1 { print $2 "," $3 "," $7 }' "$csv"
			awk -F, 'NR > 1 { print $2 ",host kernel: " $3 "," $7 }' "$host"
		} | plot_cpu "$dir/$name.png" "native: UML $kver, $t buckets (dashed: host kernel, references)"
	done
}

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
cores=$(nproc)

if ls "$dir"/uml-*-ehash*.csv >/dev/null 2>&1; then
	cat <<'EOF2'
# Performance

How much does one sample of the per-state TCP counts cost, by each method,
as the number of sockets grows? Two benchmarks measure it, every method on
the same sockets: `make bench-native` at the speed of this machine's CPU
(User-Mode Linux, first below) and `make bench` under QEMU's software
emulation (further below), which also measures the cost to the network
and the all-namespaces view. The raw figures are the CSV files next to
this page in `docs/bench/`.

EOF2
	native_sections
	cat <<EOF2

## Under emulation: QEMU (\`make bench\`)

Produced by \`make bench\` (\`scripts/bench.sh\`, guest side \`tests/vm/bench.sh\`).

EOF2
else
	cat <<EOF2
# Performance

How much does one sample of the per-state TCP counts cost, by each method,
as the number of sockets grows? Produced by \`make bench\`
(\`scripts/bench.sh\`, guest side \`tests/vm/bench.sh\`); the raw figures are
the CSV files next to this page in \`docs/bench/\`.

EOF2
fi
cat <<EOF2
**Times are from QEMU software emulation (TCG), not real hardware.** Every
guest instruction and memory access is emulated, so absolute times are
10-50x slower than on a real server and cache effects are invisible. Only
the ratios between methods measured in the same run are meaningful.

- Host: $cpu_model, $cores cores. Guest: 2 vCPUs, QEMU TCG (one host thread per vCPU), memory as below.
- Each method runs R times (20 up to 10k sockets, 10 up to 200k, 5 above)
  after one warm-up run; the tables give the median and the 95th percentile
  (nearest rank) of wall time and of CPU time (user + system, the process
  and its children), and the peak RSS.
- Sockets: ESTABLISHED pairs in IPv4 and IPv6 from many 127.0.0.x source
  addresses (\`sockfarm fill\`), 16 listeners per family and batch, and a
  few thousand TIME_WAIT from one second of churn before each size (they
  expire during the measurement, so N, counted at the start, drifts down
  by at most that much).
- Methods: \`read:\` rows are one open+read+close inside the measuring
  process (no process start): the kernel's own cost to produce the file.
  All other rows start a process per sample, as a collector does.
  \`tcpstat X\` is the reporter with backend X, end to end. \`process start
  (true)\` and \`tcpstat --version\` are the cost of starting a static and
  the (dynamically linked) reporter binary.

To reproduce: \`make bench\` (all defaults), or for one kernel
\`make bench TCPSTAT_BENCH_KERNELS=bookworm:amd64\`; the connection rates
alone (about 25 minutes per kernel) with \`scripts/bench.sh --rate\`,
which writes them and their report to \`build/bench-rate/\`.
EOF2

# phased_table <csv>: each reader's churn rate while it idles and while
# it samples (medians of the phases), the mean change with its 95%
# interval, the number of sampling phases, how much the idle phases alone
# vary (standard deviation against their mean) and the reader's samples
# per second while sampling (none for the busy loop, which samples nothing).
phased_table() {
	echo "| reader | connections/s, reader idle | connections/s, reader sampling | change | 95% interval | phases | idle phases vary by | reader's samples/s |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	awk -F, 'NR > 1 { printf "| %s | %d | %d | %+.1f%% | %+.1f%% to %+.1f%% | %d | %.1f%% | %s |\n", $3, $4, $5, $6, $7, $8, $9,
		$11, ($3 ~ /^busy loop/ ? "-" : $10) }' "$1"
	echo
}

# The awk of the two connection-rate verdicts (from a phased CSV): the
# kmod reader's change against every other method's (not the controls,
# not cat /proc/tcpstat, which is the module too), sorted by whether its
# 95% interval lies below kmod's (kmod costs less: "less"), above it
# ("more") or meets it ("open"); whether two intervals meet; and the
# spread of the idle phases (nlo-nhi).
rate_awk='
function overlap(a, b) { return lo[a] <= hi[b] && lo[b] <= hi[a] }
function control(r) { return r ~ /^(busy loop|\/bin\/true loop)/ }
function add(l, r) { return l (l == "" ? "" : ", ") r }
NR > 1 { v[$3] = $6; lo[$3] = $7; hi[$3] = $8
	if (nlo == "" || $11 < nlo) nlo = $11; if ($11 > nhi) nhi = $11 }
END { k = "tcpstat kmod"
	if (!(k in v)) exit
	for (r in v) {
		if (r == k || r == "cat /proc/tcpstat" || control(r)) continue
		if (lo[k] > hi[r]) less = add(less, r)
		else if (hi[k] < lo[r]) more = add(more, r)
		else open = add(open, r)
	}
	printf "%s: kmod %+.1f%% (95%% interval %+.1f%% to %+.1f%%)", what, v[k], lo[k], hi[k]
	if (more != "")
		printf "; **missed**: %s cost%s it less, intervals apart", more, (more ~ /, / ? "" : "s")
	else if (open != "")
		printf "; **not decided by this run**: the intervals of %s meet kmod'"'"'s, while the idle phases alone vary by %.0f-%.0f%% (standard deviation)", open, nlo, nhi
	else
		printf "; **holds**: every other method'"'"'s interval lies below kmod'"'"'s"
'

# size_sections: the per-size tables of one kernel ($csv, $nmax, $dir,
# $name): the largest size, CPU by size, the module's cost, the walk and
# the lock holds.
size_sections() {
	echo "### At the largest size: $nmax sockets"
	echo
	echo "| method | wall median | wall p95 | CPU median | CPU p95 | peak RSS | CPU vs cat /proc/tcpstat |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	awk -F, -v n="$nmax" '
	function us(v) { return v == "" ? "-" : v >= 10000 ? sprintf("%.1f ms", v / 1000) : sprintf("%d µs", v) }
	NR > 1 && $2 == n { m[++k] = $3; w[k] = $5; wp[k] = $6; c[k] = $7; cp[k] = $8; r[k] = $9; gsub(/\|/, "\\|", m[k])
		if ($3 == "cat /proc/tcpstat") ref = $7 }
	END { for (i = 1; i <= k; i++)
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", m[i], us(w[i]), us(wp[i]), us(c[i]), us(cp[i]),
			(r[i] > 0 ? r[i] " KiB" : "-"), (ref > 0 ? sprintf("%.1fx", c[i] / ref) : "-") }' "$csv"
	echo

	echo "### CPU time (median, µs) by number of sockets"
	echo
	cpu_by_size_table "$csv"
	echo
	echo "![CPU time per sample against sockets, log-log]($name.png)"
	echo

	echo "### The module's own cost"
	echo
	awk -F, -v n="$nmax" '
	NR > 1 && $3 == "read:/proc/tcpstat" { if ($2 == 0) z = $5; if ($2 == n) t = $5 }
	NR > 1 && $3 == "read:/proc/net/tcp+tcp6" { if ($2 == 0) pz = $5; if ($2 == n) pt = $5 }
	END {
		printf "- Empty table (default size for this guest, see above): one read of /proc/tcpstat takes %d µs.\n", z
		if (n > 0) {
			printf "- Slope: %.0f ns per socket for /proc/tcpstat, against %.0f ns per socket to produce /proc/net/tcp (tcp6 is read too in the CSV method; this row is tcp only).\n", (t - z) * 1000 / n, (pt - pz) * 1000 / n
		}
	}' "$csv"
	echo

	if has_rows "$walkcsv"; then
		echo "### The walk taken apart"
		echo
		echo "\`tests/bench/walkprof\` times variants of the established-table walk inside the"
		echo "kernel (best of five): \`chase\` follows every chain and touches nothing else, without"
		echo "locks; \`locks\` takes and drops every non-empty bucket's lock and does nothing else;"
		echo "\`locked\` chases under the locks; \`full\` is the count tcpstat makes. Per socket:"
		echo
		echo "| sockets | chase | locks | locked | full | full, per socket |"
		echo "|---:|---:|---:|---:|---:|---:|"
		awk -F, 'NR > 1 && $2 > 0 { if (!($2 in seen)) { seen[$2] = 1; ns[++k] = $2 }; t[$2, $3] = $4 }
		function ms(v) { return sprintf("%.2f ms", v / 1e6) }
		END { for (i = 1; i <= k; i++) { n = ns[i]
			printf "| %d | %s | %s | %s | %s | %.0f ns |\n", n, ms(t[n, "chase"]), ms(t[n, "locks"]),
				ms(t[n, "locked"]), ms(t[n, "full"]), t[n, "full"] / n } }' "$walkcsv"
		echo
	fi

	lockcsv=$dir/$name-lock.csv
	if has_rows "$lockcsv"; then
		echo "### How long the walk holds one bucket lock"
		echo
		echo "With \`lock_stats=1\`, the longest hold of any one bucket lock over twenty reads"
		echo "(emulated time: on hardware it is a fraction of this):"
		echo
		echo "| sockets | table | buckets | buckets locked | longest hold |"
		echo "|---:|---|---:|---:|---:|"
		awk -F, 'NR > 1 { printf "| %d | %s | %d | %d | %.1f µs |\n", $2, $3, $4, $5, $6 / 1000 }' "$lockcsv"
		echo
		if [ -f "$walkcsv" ] && grep -q ',hold_max,' "$walkcsv"; then
			echo "The longest hold is one event among hundreds of thousands, and under emulation"
			echo "it includes any time the host took the vCPU's thread away. The distribution of"
			echo "every hold in one full walk of the established table (\`walkprof\`; p50, p99 and"
			echo "p99.9 are upper bounds, powers of two, capped at the longest):"
			echo
			echo "| sockets | p50 | p99 | p99.9 | longest |"
			echo "|---:|---:|---:|---:|---:|"
			awk -F, 'NR > 1 && $2 > 0 && $3 ~ /^hold_/ { if (!($2 in seen)) { seen[$2] = 1; ns[++k] = $2 }; t[$2, $3] = $4 }
			function us(v) { return sprintf("%.1f µs", v / 1000) }
			function cap(v, m) { return v < m ? v : m }
			END { for (i = 1; i <= k; i++) { n = ns[i]; m = t[n, "hold_max"]
				printf "| %d | %s | %s | %s | %s |\n", n, us(cap(t[n, "hold_p50"], m)), us(cap(t[n, "hold_p99"], m)),
					us(cap(t[n, "hold_p999"], m)), us(m) } }' "$walkcsv"
			echo
		fi
	fi
}

# size_targets: the targets read off the per-size rows ($csv, $nmax).
size_targets() {
	awk -F, -v n="$nmax" '
	NR > 1 && $2 == n { c[$3] = $7 }
	NR > 1 && ($3 ~ /^tcpstat (kmod|netlink|procfs)$/) { if (!($3 in lo) || $9 < lo[$3]) lo[$3] = $9; if ($9 > hi[$3]) hi[$3] = $9 }
	function verdict(ok) { return ok ? "**holds**" : "**missed**" }
	END {
		cat = c["cat /proc/tcpstat"]; nl = c["tcpstat netlink"]; pf = c["tcpstat procfs"]
		km = c["tcpstat kmod"]; rd = c["read:/proc/tcpstat"]; st = c["tcpstat --version"]
		printf "- /proc/tcpstat at least 20x cheaper (CPU) than the reporter'"'"'s netlink backend: %.1fx, %s.\n", nl / cat, verdict(nl >= 20 * cat)
		printf "- /proc/tcpstat at least 50x cheaper (CPU) than the reporter'"'"'s procfs backend: %.1fx, %s.\n", pf / cat, verdict(pf >= 50 * cat)
		printf "- In-kernel read alone (read:/proc/tcpstat, no process start): %.0fx cheaper than the netlink backend, %.0fx than procfs.\n", nl / rd, pf / rd
		tr = c["process start (true)"]; ref = cat + st - tr
		printf "- Reporter kmod backend within 10%% of cat /proc/tcpstat plus the reporter'"'"'s own start (cat + tcpstat --version - process start (true) = %d µs): %d µs, %+.1f%%, %s. (Against the in-process read instead, read:/proc/tcpstat + tcpstat --version = %d µs: %+.1f%%; under emulation a walk from a fresh process costs more than the same walk repeated in one process, for cat as for the reporter.)\n", ref, km, (km - ref) * 100 / ref, verdict(km <= 1.1 * ref), rd + st, (km - rd - st) * 100 / (rd + st)
		for (b in lo) printf "- Reporter RSS flat across N (%s): %d-%d KiB, spread %.1f%%, %s.\n", b, lo[b], hi[b], (hi[b] - lo[b]) * 100 / lo[b], verdict(hi[b] <= 1.1 * lo[b])
	}' "$csv"
	# The per-port view at the size nearest 100k sockets.
	awk -F, '
	NR > 1 { d = $2 - 100000; if (d < 0) d = -d; if (best == "" || d < bd) { best = $2; bd = d } v[$2, $3] = $7 }
	function verdict(ok) { return ok ? "**holds**" : "**missed**" }
	END {
		p = v[best, "read:/proc/net/tcpstat_ports"]; s = v[best, "read:/proc/tcpstat"]
		kp = v[best, "tcpstat kmod --ports"]; k = v[best, "tcpstat kmod"]
		if (p && s)
			printf "- The per-port view costs at most 20%% more than the plain count at %d sockets: the module'"'"'s read %+.1f%% (%d against %d µs), the reporter end to end %+.1f%%, %s.\n", best, (p - s) * 100 / s, p, s, (kp - k) * 100 / k, verdict(p <= 1.2 * s)
	}' "$csv"
}

for csv in "$dir"/*.csv; do
	case $csv in *-rate.csv | *-rate-shared.csv | *-phases.csv | *-walk.csv | *-lock.csv | */native-*.csv) continue ;; esac
	# The native benchmark's files (make bench-native) are above.
	case $(basename "$csv") in uml-*) continue ;; esac
	name=$(basename "$csv" .csv)
	rate=$dir/$name-rate.csv
	rateshared=$dir/$name-rate-shared.csv
	walkcsv=$dir/$name-walk.csv
	# The all-namespaces rows (their "sockets" column counts namespaces)
	# have their own table; everything else reads the per-size rows.
	allns=$(mktemp)
	sizes=$(mktemp)
	trap 'rm -f "$allns" "$sizes"' EXIT
	awk -F, 'NR == 1 || $3 ~ /^allns /' "$csv" >"$allns"
	awk -F, 'NR == 1 || $3 !~ /^allns /' "$csv" >"$sizes"
	csv=$sizes
	kver=$(awk -F, 'FNR == 2 { print $1; exit }' "$csv" "$rate" 2>/dev/null)
	nmax=$(awk -F, 'NR > 1 && $2 > m { m = $2 } END { print m + 0 }' "$csv")
	echo
	echo "## $kver ($name)"
	echo
	[ -s "$dir/$name.meta" ] && sed "s/^/- /" "$dir/$name.meta" && echo

	# A run of the connection rates alone (bench.sh --rate) has no
	# per-size rows: only its rate sections follow.
	has_rows "$csv" && size_sections

	if [ -f "$rate" ]; then
		echo "### Cost to the network: connection rate with one reader looping"
		echo
		echo "A connect/accept/close loop (RST close, IPv4) pinned to one vCPU, and a reader pinned"
		echo "to the other vCPU that loops on a method as fast as it can. The loop's rate moves by"
		echo "more from one second to the next on this machine than a reader moves it (see how the"
		echo "idle phases alone vary), so rounds of a reader against rounds of none cannot tell"
		echo "readers apart. Each reader alternates instead, for the time given above: a phase of"
		echo "sampling (the sample under way is finished), then as long idle. Each sampling phase"
		echo "is compared with the mean of the idle phases on either side, which cancels drifts"
		echo "slower than a phase; the change is the mean over the phases, with its 95% confidence"
		echo "interval (Student t, widened for the idle phase two neighbouring comparisons share)."
		echo "Two controls give the scale: a shell spinning on the other vCPU (reads nothing) and a"
		echo "loop starting \`/bin/true\` (process starts only). The raw phases are in"
		echo "\`$name-rate-phases.csv\`."
		echo
		phased_table "$rate"
	fi
	if [ -f "$rateshared" ]; then
		echo "### Cost to the network: a collector on the same CPU, one sample a second"
		echo
		echo "The same loop, with the reader on the loop's own vCPU as a collector runs it: one sample,"
		echo "then one second's sleep, in phases of sampling and idling as above (the phases are in"
		echo "\`$name-rate-shared-phases.csv\`). The loop loses the CPU time each sample takes. The"
		echo "control is a collector whose sample is starting \`/bin/true\`."
		echo
		phased_table "$rateshared"
	fi

	if has_rows "$allns"; then
		echo "### Every namespace from the host"
		echo
		grep -h 'all-namespaces' "$dir/$name.meta" 2>/dev/null | sed 's/^/- /'
		echo
		echo "| method | namespaces | wall median | CPU median | CPU p95 | CPU vs tcpstat kmod --all-netns |"
		echo "|---|---:|---:|---:|---:|---:|"
		awk -F, '
		function us(v) { return v >= 10000 ? sprintf("%.1f ms", v / 1000) : sprintf("%d µs", v) }
		NR > 1 { m[++k] = substr($3, 7); n[k] = $2; w[k] = $5; c[k] = $7; cp[k] = $8
			if ($3 == "allns tcpstat kmod --all-netns") ref = $7 }
		END { for (i = 1; i <= k; i++)
			printf "| %s | %d | %s | %s | %s | %s |\n", m[i], n[i], us(w[i]), us(c[i]), us(cp[i]),
				(ref > 0 ? sprintf("%.1fx", c[i] / ref) : "-") }' "$allns"
		echo
	fi

	echo "### Targets"
	echo
	has_rows "$csv" && size_targets
	if [ -f "$rate" ]; then
		awk -F, -v what="- A looping kmod reader costs the connection rate less than any other method" "$rate_awk"'
			b = "busy loop (reads nothing)"; t = "/bin/true loop (process starts)"
			if (b in v && t in v) {
				printf ". For scale, a spinning shell on that vCPU %+.1f%% (%+.1f%% to %+.1f%%), process starts alone %+.1f%% (%+.1f%% to %+.1f%%)", v[b], lo[b], hi[b], v[t], lo[t], hi[t]
				if (overlap(k, b))
					printf "; kmod'"'"'s interval meets the spinning shell'"'"'s, so no cost of the module'"'"'s reader beyond keeping a vCPU busy is resolved here"
			}
			print "." }' "$rate"
	fi
	if [ -f "$rateshared" ]; then
		awk -F, -v what="- A collector sampling once a second on the same CPU costs the connection rate least with the kmod backend" "$rate_awk"'
			print "." }' "$rateshared"
	fi
	echo
	# Why the ratio is what it is: the walk's floor at the largest N it was
	# profiled at, from walkprof, against the netlink backend's CPU there.
	if has_rows "$walkcsv"; then
		awk -F, '
		FNR == NR { if (FNR > 1) c[$2, $3] = $7; next }
		FNR > 1 && $3 ~ /^(chase|locks|locked|full)$/ { w[$2, $3] = $4; if ($2 > n) n = $2 }
		END {
			if (!n || !w[n, "full"] || !c[n, "tcpstat netlink"]) exit
			nl = c[n, "tcpstat netlink"] * 1000; rd = c[n, "read:/proc/tcpstat"] * 1000
			ch = w[n, "chase"]; f = w[n, "full"]
			print "**Where the module'"'"'s time goes, and the ceiling on the ratio.** At " n " sockets"
			printf "the whole read of /proc/tcpstat costs %.0f ns per socket (median of its samples). Timed\n", rd / n
			printf "apart by walkprof (best of its runs, at another moment of the same guest), the\n"
			printf "established-table walk is %.0f ns, and merely following every chain (no lock, no counting: the floor of\n", f / n
			printf "any method that looks at every socket) is %.0f ns, %.0f%% of the walk. The bucket locks\n", ch / n, ch * 100 / f
			printf "and the state reads add the other %.0f%%. The netlink backend costs %.0f ns per socket,\n", (f - ch) * 100 / f, nl / n
			printf "so a read that did nothing but the chase would still be only %.0fx cheaper than netlink\n", nl / ch
			printf "(the module reaches %.0fx counting the read alone, %.0fx with a process start): under\n", nl / rd, nl / (c[n, "cat /proc/tcpstat"] * 1000)
			print "TCG every first touch of a socket'"'"'s page is a software TLB fill, which makes the"
			print "chase, not the locks or the counting, the cost of the module."
			pf = c[n, "tcpstat procfs"] * 1000
			printf "Against the procfs backend (%.0f ns per socket) the chase alone would be %.0fx cheaper.\n", pf / n, pf / ch
			if (nl < 20 * ch || pf < 50 * ch)
				print "So on this emulated machine no exact walk, which must read every socket'"'"'s state once, can reach the ratios the targets ask for; they need real hardware to be checked."
			print ""
		}' "$csv" "$walkcsv"
	fi

	# The plot: CPU median against sockets, log-log, one line per method.
	has_rows "$csv" && awk -F, 'NR > 1 { print $2 "," $3 "," $7 }' "$csv" |
		plot_cpu "$dir/$name.png" "tcpstat benchmark, $kver (QEMU TCG: relative figures)"
	rm -f "$allns" "$sizes"
done

# The backends that run on the development machine's own kernel, measured
# natively by scripts/bench-host.sh (make bench-host), if it was run.
if [ -s "$dir/native-host.md" ]; then
	echo
	echo "## Natively on the development machine (\`make bench-host\`)"
	echo
	echo "The machine's own kernel cannot load the module, but it runs the reporter's"
	echo "other backends natively, at hardware speed: bpf (a BPF program on the kernel's"
	echo "TCP socket iterator, counting in the kernel), netlink and procfs, in a fresh"
	echo "network namespace filled by \`sockfarm fill\`, and \`--all-netns\` over 100"
	echo "namespaces. \`tcpstat bpf\` starts a process per sample, which loads the program"
	echo "(libbpf parses the kernel's BTF: most of its cost at few sockets);"
	echo "\`tcpstat bpf (per sample of a stream)\` is one sample of a running stream, as a"
	echo "collector with \`--interval\` pays it: the CPU of 11 samples less that of one,"
	echo "over ten. The raw rows are \`native-host.csv\`."
	echo
	cat "$dir/native-host.md"
fi
