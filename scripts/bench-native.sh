#!/usr/bin/env bash
# make bench-native: the benchmark at hardware speed. Boots the
# User-Mode Linux kernel built from Debian's source
# (scripts/build-uml-kernel.sh, cached) once per established-table size,
# with tcpstat.ko and walkprof.ko built for it, and runs
# tests/vm/bench-native.sh there: every method of make bench that runs in
# UML, from 0 to 1M sockets, and the walk's experiments. Then the same
# guest script on the host's own kernel, in a network namespace with a
# private established table of the same size, as a cross-check of UML's
# netlink and procfs figures. Writes docs/bench/uml-<series>-ehash<T>.csv
# (-walk.csv: walkprof; -syscalls.csv: recvmsg calls of the in-process
# dumps; -host.csv, -host-syscalls.csv: the host's run; .meta),
# docs/bench/uml-<series>-memfloor.csv (tests/bench/memfloor: the floor of
# this machine's memory under any walk) and
# docs/performance.md (scripts/bench-report.sh), with a plot per table.
#
#   scripts/bench-native.sh            the full run (about an hour)
#   scripts/bench-native.sh --smoke    a small run that checks the
#                                      pipeline (writes under build/ only)
# Environment: TCPSTAT_NATIVE_TABLES (default "1048576 16384": one bucket
# per socket at 1M, and a small table), TCPSTAT_BENCH_SIZES, TCPSTAT_NATIVE_MEM
# (UML memory, default 11G), TCPSTAT_UML_SERIES (6.1).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

smoke=0
case ${1:-} in
--smoke) smoke=1 ;;
"") ;;
*) die "unknown option '$1' (usage: bench-native.sh [--smoke])" ;;
esac
series=${TCPSTAT_UML_SERIES:-6.1}
if [ $smoke = 1 ]; then
	tables=${TCPSTAT_NATIVE_TABLES:-1024}
	sizes=${TCPSTAT_BENCH_SIZES:-0 2000}
	mem=${TCPSTAT_NATIVE_MEM:-1G}
	outdir=$TCPSTAT_ROOT/build/bench-native-smoke
else
	tables=${TCPSTAT_NATIVE_TABLES:-1048576 16384}
	sizes=${TCPSTAT_BENCH_SIZES:-0 1000 10000 100000 200000 500000 1000000}
	mem=${TCPSTAT_NATIVE_MEM:-11G}
	outdir=$TCPSTAT_ROOT/docs/bench
fi
need_host_pkgs gnuplot-nox busybox-static iproute2
for f in user/tcpstat tests/vm/sockfarm tests/bench/measure tests/bench/nldiag tests/bench/memfloor; do
	[ -x "$TCPSTAT_ROOT/$f" ] || die "$f: not built (make user sockfarm bench-tools)"
done
mkdir -p "$outdir" "$TCPSTAT_ROOT/build/uml"
kodir=$TCPSTAT_ROOT/build/ko/uml-$series
"$TCPSTAT_ROOT/scripts/build-module.sh" uml "$series" "$kodir/tcpstat.ko"
for m in walkprof umlclock; do
	"$TCPSTAT_ROOT/scripts/build-module.sh" uml "$series" "$kodir/$m.ko" "$TCPSTAT_ROOT/tests/bench/$m"
done
kver=$(cat "$("$TCPSTAT_ROOT/scripts/build-uml-kernel.sh" "$series")/kver")

# extract <log> <tag> <kernel column> <CSV header> <file>: the "<tag>,..."
# lines of a run as CSV rows, the kernel first.
extract() {
	{
		echo "$4"
		sed -n "s/^$2,/$3,/p" "$1" | tr -d '\r'
	} >"$5"
}

# host_run <buckets> <log>: tests/vm/bench-native.sh on the host's kernel,
# in a namespace whose established table has <buckets> buckets
# (tcp_child_ehash_entries, set in an outer namespace of its own, so
# nothing changes outside), with busybox's applets first in PATH as in
# the guests.
host_run() {
	local bb rc=0
	bb=$(mktemp -d)
	busybox --install -s "$bb"
	PATH="$bb:$TCPSTAT_ROOT/tests/vm:$TCPSTAT_ROOT/tests/bench:$TCPSTAT_ROOT/user:$PATH" \
		TCPSTAT_BENCH_HOST=1 TCPSTAT_BENCH_SIZES="$sizes" \
		unshare -n sh -c 'ip link set lo up && sysctl -qw net.ipv4.tcp_child_ehash_entries="$1" &&
			exec unshare -n sh -c "ip link set lo up && exec sh \"\$0\"" "$2"' \
		sh "$1" "$TCPSTAT_ROOT/tests/vm/bench-native.sh" >"$2" 2>&1 || rc=$?
	rm -rf "$bb"
	return $rc
}

header="kernel,sockets,method,runs,wall_med_us,wall_p95_us,cpu_med_us,cpu_p95_us,maxrss_kb"
status=0
# The floor of this machine's memory for a walk over a million sockets
# (tests/bench/memfloor), in the two kinds of pages; taken before the
# first table and after each (the neighbours' load moves it).
floor=$outdir/uml-$series-memfloor.csv
echo "host,sample,pages,test,ns_per_object" >"$floor"
memfloor() {
	local pages opt
	log "memfloor ($1): this machine's memory, 2 MiB and 4 KiB pages"
	for pages in "2 MiB" "4 KiB"; do
		opt=()
		[ "$pages" = "4 KiB" ] && opt=(-4)
		"$TCPSTAT_ROOT/tests/bench/memfloor" "${opt[@]}" |
			awk -v h="host $(uname -r)" -v s="$1" -v p="$pages" \
				'$1 == "memfloor" { print h "," s "," p "," $2 "," $3 }' >>"$floor"
	done
}
memfloor before
for t in $tables; do
	name=uml-$series-ehash$t
	vmout=$TCPSTAT_ROOT/build/uml/bench-$name
	log "$name: UML, sizes $sizes"
	rc=0
	"$TCPSTAT_ROOT/scripts/uml-run.sh" --series "$series" --ko "$kodir/tcpstat.ko" \
		--extra-ko "$kodir/walkprof.ko" --extra-ko "$kodir/umlclock.ko" --run bench-native.sh --mem "$mem" \
		--hugepages --env "TCPSTAT_BENCH_MEMNOTE=in 2 MiB pages of the host" \
		--append "thash_entries=$t" --timeout $((4 * 3600)) --out "$vmout" \
		--env "TCPSTAT_BENCH_SIZES=$sizes" >"$vmout.log" 2>&1 || rc=$?
	grep -v '^csv,\|^prof,\|^syscalls,' "$vmout.log" | tail -n 30 >&2
	if [ $rc != 0 ]; then
		log "the UML benchmark with $t buckets failed (log: $vmout.log)"
		status=1
		continue
	fi
	extract "$vmout/results.log" csv "$kver" "$header,kcpu_med_us,kcpu_p95_us" "$outdir/$name.csv"
	extract "$vmout/results.log" prof "$kver" "kernel,sockets,variant,best_ns" "$outdir/$name-walk.csv"
	extract "$vmout/results.log" syscalls "$kver" "kernel,sockets,method,calls" "$outdir/$name-syscalls.csv"
	sed -n 's/^meta,//p' "$vmout/results.log" | tr -d '\r' >"$outdir/$name.meta"

	log "$name: the host's kernel, sizes $sizes"
	if ! host_run "$t" "$vmout/host.log"; then
		tail -n 30 "$vmout/host.log" >&2
		log "the host benchmark with $t buckets failed (log: $vmout/host.log)"
		status=1
		continue
	fi
	grep -E '^(not ok|# )' "$vmout/host.log" | tail -n 10 >&2 || true
	hkver="host $(uname -r)"
	extract "$vmout/host.log" csv "$hkver" "$header" "$outdir/$name-host.csv"
	extract "$vmout/host.log" syscalls "$hkver" "kernel,sockets,method,calls" "$outdir/$name-host-syscalls.csv"
	sed -n "s/^meta,/the host's kernel, cross-check: /p" "$vmout/host.log" >>"$outdir/$name.meta"
	rows=$(($(wc -l <"$outdir/$name.csv") - 1))
	hrows=$(($(wc -l <"$outdir/$name-host.csv") - 1))
	# 15 methods in UML, 9 on the host, at every size.
	n=$(echo "$sizes" | wc -w)
	if [ "$rows" -ne $((n * 15)) ] || [ "$hrows" -ne $((n * 9)) ]; then
		log "$name: $rows of $((n * 15)) UML rows, $hrows of $((n * 9)) host rows"
		status=1
	fi
	log "$name: $rows UML and $hrows host measurements in $outdir"
	memfloor "after $t buckets"
done
# Five figures per kind of page and sample.
if [ "$(wc -l <"$floor")" -ne $((10 * ($(echo "$tables" | wc -w) + 1) + 1)) ]; then
	log "memfloor: $(($(wc -l <"$floor") - 1)) figures, not 10 per sample"
	status=1
fi
[ $status = 0 ] || exit $status
if [ $smoke = 0 ]; then
	"$TCPSTAT_ROOT/scripts/bench-report.sh" "$outdir" >"$TCPSTAT_ROOT/docs/performance.md.tmp"
	mv "$TCPSTAT_ROOT/docs/performance.md.tmp" "$TCPSTAT_ROOT/docs/performance.md"
	log "wrote docs/performance.md"
else
	"$TCPSTAT_ROOT/scripts/bench-report.sh" "$outdir" >"$outdir/performance.md"
	log "smoke native benchmark ok ($outdir/performance.md)"
fi
