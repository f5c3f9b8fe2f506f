#!/bin/sh
# Shared helpers of the guest tests (busybox sh): kselftest-style output,
# one "ok N - what" or "not ok N - what" line per check, and the views of
# the TCP tables the tests compare. A "view" is two lines:
#   ipv4 <11 counts>
#   ipv6 <11 counts>
# in the tcpstat state order (ESTABLISHED ... CLOSING).
TESTNUM=${TESTNUM:-0}
FAILED=${FAILED:-0}
STATES="ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING"

# check <description> <command...>: run the command, report ok/not ok.
check() {
	desc=$1
	shift
	TESTNUM=$((TESTNUM + 1))
	if "$@"; then
		echo "ok $TESTNUM - $desc"
	else
		echo "not ok $TESTNUM - $desc"
		FAILED=$((FAILED + 1))
	fi
}

diag() { echo "# $*"; }

# skip <description> <reason>: a check that cannot run here, and why.
skip() {
	TESTNUM=$((TESTNUM + 1))
	echo "ok $TESTNUM - $1 # SKIP $2"
}

# The reporter's bpf backend needs BTF and iter/tcp: if this kernel lacks
# them, its one-line reason (and a non-zero status); otherwise nothing.
bpf_why_not() {
	why=$(tcpstat --backend bpf 2>&1 >/dev/null) && return 0
	echo "${why:-tcpstat --backend bpf failed}"
	return 1
}

# Time limits: deadline SECONDS sets DEADLINE, in_time is true until it.
# They count the guest's uptime, not loop turns (a slow kernel makes every
# turn slower), and TCPSTAT_TIME_SCALE stretches them for debug kernels.
TIME_SCALE=${TCPSTAT_TIME_SCALE:-1}
uptime_s() { cut -d. -f1 /proc/uptime; }
deadline() { DEADLINE=$(($(uptime_s) + $1 * TIME_SCALE)); }
in_time() { [ "$(uptime_s)" -lt "$DEADLINE" ]; }

# section <name>: a diagnostic line with the guest's uptime, so slow parts
# of a run show in the results.
section() { echo "# --- $* (t=$(cut -d' ' -f1 /proc/uptime)s)"; }

# run_in_netns <script> [args]: run a test script in a fresh network
# namespace (a clean slate: no sockets, no leftover TIME_WAIT), carrying
# the check counters there and back.
run_in_netns() {
	unshare -n sh -c 'ip link set lo up; TESTNUM=$0 FAILED=$1; . /tests/lib.sh; . "$2"; echo "$TESTNUM $FAILED" >/tmp/.counters' \
		"$TESTNUM" "$FAILED" "$1"
	set -- $(cat /tmp/.counters)
	TESTNUM=$1 FAILED=$2
}

# On a kernel with kmemleak (the debug kernel): after the module is
# unloaded, two scans (kmemleak reports an object only once it stayed
# unreferenced across scans) must find nothing.
check_kmemleak() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	echo scan >/sys/kernel/debug/kmemleak
	sleep 1
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >/tmp/kmemleak
	check "kmemleak finds no leak after the unload" test ! -s /tmp/kmemleak
	head -n 30 /tmp/kmemleak | sed 's/^/# /'
}

done_testing() {
	echo "# $TESTNUM checks, $FAILED failed"
	[ "$FAILED" -eq 0 ] && exit 0
	exit 1
}

# The kernel's own view: the st column of /proc/net/tcp and tcp6 (of the
# netns of the reading process, or of the given /proc/PID/net directory).
# Prints nothing (and fails) if a file cannot be read.
kernel_view() {
	dir=${1:-/proc/net}
	for f in tcp tcp6; do
		fam=ipv4
		[ "$f" = tcp6 ] && fam=ipv6
		awk -v fam=$fam 'NR > 1 {
			for (i = 1; i <= 11; i++) if ($4 == sprintf("%02X", i)) c[i]++
		}
		END {
			printf "%s", fam
			for (i = 1; i <= 11; i++) printf " %d", c[i]
			printf "\n"
		}' "$dir/$f" || return 1
	done
}

# The module's machine file as a view. Fails if the file cannot be read.
data_view() {
	f=${1:-/proc/net/tcpstat_data}
	out=$(cat "$f") || return 1
	echo "$out" | sed -n 's/^states \(ipv[46] .*\)$/\1/p'
}

# The human file as one line "total <11 counts>".
human_total() {
	f=${1:-/proc/tcpstat}
	out=$(cat "$f") || return 1
	echo "$out" | awk '{ printf "%s%s", (NR == 1 ? "total" : ""), " " $3 } END { printf "\n" }'
}

# Sum the two rows of a view: "total <11 counts>".
view_total() {
	awk '{ for (i = 2; i <= 12; i++) c[i] += $i }
	END { printf "total"; for (i = 2; i <= 12; i++) printf " %d", c[i]; printf "\n" }'
}

# ss's view, from the netlink dump (needs tcp_diag).
ss_view() {
	for fam in 4 6; do
		ss -tanH -$fam | awk -v fam=ipv$fam '
		BEGIN {
			split("ESTAB SYN-SENT SYN-RECV FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT UNCONN CLOSE-WAIT LAST-ACK LISTEN CLOSING", n, " ")
			for (i = 1; i <= 11; i++) idx[n[i]] = i
		}
		{ if ($1 in idx) c[idx[$1]]++; else bad++ }
		END {
			printf "%s", fam
			for (i = 1; i <= 11; i++) printf " %d", c[i]
			printf "\n"
			if (bad) exit 1
		}' || return 1
	done
}

# The human file must be exactly 11 lines "%-12s: %u" in the state order.
human_format_ok() {
	f=${1:-/proc/tcpstat}
	cat "$f" | awk -v states="$STATES" '
	BEGIN { n = split(states, name, " ") }
	{
		want = sprintf("%-12s: ", name[NR])
		if (NR > n || substr($0, 1, 14) != want || substr($0, 15) !~ /^(0|[1-9][0-9]*)$/) bad = 1
	}
	END { exit (bad || NR != n) }'
}

# Is the calling process in the initial network namespace?
in_init_netns() { [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ]; }

# The machine file must have its magic line, the states header, the two
# family rows, the walk section (in the initial namespace only: the tables
# it describes hold every namespace's sockets) and the end line, in that
# order and nothing else. $2: 1 if the file is the initial namespace's
# (default: whether the caller is in it).
data_format_ok() {
	f=${1:-/proc/net/tcpstat_data}
	host=${2:-}
	[ -n "$host" ] || { host=0; in_init_netns && host=1; }
	cat "$f" | awk -v states="$STATES" -v host="$host" '
	function nums(from,   i) {
		for (i = from; i <= NF; i++) if ($i !~ /^(0|[1-9][0-9]*)$/) return 0
		return 1
	}
	function row(fam) { return NF == 13 && $1 == "states" && $2 == fam && nums(3) }
	function walk(t) { return NF == 5 && $1 == "walk" && $2 == t && nums(3) }
	NR == 1 { ok = ($1 == "tcpstat" && $2 == "1" && NF == 3) }
	NR == 2 { ok = ok && ($0 == "states family " states) }
	NR == 3 { ok = ok && row("ipv4") }
	NR == 4 { ok = ok && row("ipv6") }
	host && NR == 5 { ok = ok && ($0 == "walk table buckets locked max_lock_ns") }
	host && NR == 6 { ok = ok && walk("listen") }
	host && NR == 7 { ok = ok && walk("established") }
	NR == (host ? 8 : 5) { ok = ok && ($0 == "end") }
	END { exit !(ok && NR == (host ? 8 : 5)) }'
}

# Wait (up to $2 seconds, default 15) until the kernel's view equals the
# view in file $1: sockets take a moment to reach their final state.
wait_kernel_view() {
	want=$(cat "$1")
	deadline "${2:-15}"
	while [ "$(kernel_view)" != "$want" ]; do
		in_time || return 1
		usleep 100000
	done
	return 0
}

# A quiescent snapshot: the kernel's view, the module's data view and the
# human total, taken when two kernel views around them agree. Writes
# $1.kernel, $1.data, $1.human. Fails if the system never holds still.
snapshot() {
	i=0
	while [ $i -lt 50 ]; do
		kernel_view >"$1.kernel.a"
		data_view >"$1.data"
		human_total >"$1.human"
		kernel_view >"$1.kernel"
		cmp -s "$1.kernel.a" "$1.kernel" && return 0
		i=$((i + 1))
		usleep 100000
	done
	return 1
}

same() {
	if [ "$(cat "$1")" = "$(cat "$2")" ]; then
		return 0
	fi
	diag "$1: $(cat "$1" | tr '\n' '|')"
	diag "$2: $(cat "$2" | tr '\n' '|')"
	return 1
}

# The upstream version (Debian's uname -r is an ABI name): "6 1" for 6.1.176.
kernel_major_minor() {
	sed -n 's/^Linux version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p' /proc/version
}

# True on kernels whose TCP socket iterator resumes its walk with
# tcp_seek_last_pos() (batching since 5.15, until the resume by socket
# cookie: in 6.12.117's tree, not in 6.1.176's). Its fallthrough from the
# listening table to the established one keeps offset -1, so when the
# namespace's first non-empty established bucket is the one after its last
# listener's lhash2 bucket (or bucket 0, with no listener), that bucket's
# sockets are never shown to the program (README, Backends; iterskip.sh).
bpf_iter_skips() {
	set -- $(kernel_major_minor)
	[ "$1" -eq 5 ] && [ "$2" -ge 15 ] && return 0
	[ "$1" -eq 6 ] && [ "$2" -lt 12 ]
}

# same, for the bpf backend's view $1 against the kernel's $2: on a kernel
# with the iterator's skip, a view short of at most 4 sockets (never over
# in any state) passes, said in a diagnostic line.
bpf_same() {
	same "$1" "$2" && return 0
	bpf_iter_skips || return 1
	short=$(awk 'NR == FNR { for (i = 2; i <= NF; i++) b[$1, i] = $i; next }
		     { for (i = 2; i <= NF; i++) { d = $i - b[$1, i]; if (d < 0) bad = 1; n += d } }
		     END { print (bad ? -1 : n) }' "$1" "$2")
	[ "$short" -ge 1 ] && [ "$short" -le 4 ] || return 1
	diag "the kernel's TCP iterator skipped $short socket(s) of one bucket (tcp_seek_last_pos, $(uname -r)): tolerated"
	return 0
}

# Start "sockfarm <args>" in the background with its output in $1.out and
# wait until it says ready. Sets FARM_PID.
farm_start() {
	name=$1
	shift
	sockfarm "$@" >"$name.out" 2>"$name.err" &
	FARM_PID=$!
	deadline 120
	while ! grep -q '^ready$' "$name.out" 2>/dev/null; do
		if ! kill -0 $FARM_PID 2>/dev/null; then
			diag "sockfarm $* died: $(cat "$name.err")"
			return 1
		fi
		in_time || { diag "sockfarm $* not ready after $((120 * TIME_SCALE)) s"; return 1; }
		usleep 100000
	done
	grep '^ipv[46] ' "$name.out" >"$name.view"
	return 0
}

farm_stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# The view of no sockets at all: both families, 11 zero counts.
zero_view() {
	printf 'ipv4 0 0 0 0 0 0 0 0 0 0 0\nipv6 0 0 0 0 0 0 0 0 0 0 0\n'
}

# Add two views row by row.
view_add() {
	paste -d' ' "$1" "$2" | awk '{
		printf "%s", $1
		for (i = 2; i <= 12; i++) printf " %d", $i + $(i + 12)
		printf "\n" }'
}

# A JSON sample of the reporter without its self-metrics (the duration
# varies, build_info names the backend): what every backend must agree on.
json_counts() {
	sed 's/,"up":1,"sample_duration_seconds":[^,]*,"build_info":{[^}]*}//' "$@"
}

# The reporter's view: its Prometheus output turned into a view. Fails if
# the reporter fails. Extra arguments go to the reporter.
reporter_view() {
	out=$(tcpstat --format prometheus "$@") || return 1
	echo "$out" | awk -F'"' -v states="$STATES" '
	BEGIN { n = split(tolower(states), s, " "); for (i = 1; i <= n; i++) idx[s[i]] = i }
	/^tcpstat_connections\{/ { split($5, v, " "); c[$2, idx[$4]] = v[2] }
	END {
		for (f = 4; f <= 6; f += 2) {
			printf "ipv%d", f
			for (i = 1; i <= 11; i++) printf " %d", c["ipv" f, i]
			printf "\n"
		}
	}'
}

# The kernel's own per-port view, in the layout of the module's "ports"
# rows, sorted by port: from /proc/net/tcp{,6} (local port, state, and a
# listener's accept queue in rx_queue) and ss -ltn (a listener's backlog
# limit is its Send-Q). The fullest listener: queue/limit highest (limit 0
# counts as 1), then the longer queue, then the larger limit.
kernel_ports_view() {
	ss -ltnH >/tmp/.ss-listen || return 1
	awk -v states="$STATES" '
	function hex(s,   i, v) {
		v = 0
		for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789ABCDEF", toupper(substr(s, i, 1))) - 1
		return v
	}
	function fuller(q, m, fq, fm,   a, b) {
		a = q * (fm ? fm : 1); b = fq * (m ? m : 1)
		return a > b || (a == b && (q > fq || (q == fq && m > fm)))
	}
	FILENAME == "/tmp/.ss-listen" {
		n = split($4, a, ":"); p = a[n]
		lim[p, $2] = lim[p, $2] " " $3
		next
	}
	FNR == 1 { next }
	{
		n = split($2, a, ":"); p = hex(a[n]); st = hex($4)
		c[p, st]++
		if (st == 10) {
			split($5, qq, ":"); q = hex(qq[2])
			listeners[p]++; queue[p] += q
			lq[p] = lq[p] " " q
		}
	}
	END {
		for (p in listeners) {
			# match each listener queue with a limit from ss (same queue value)
			nq = split(lq[p], qs, " "); backlog = 0; fq = -1; fm = 0
			for (i = 1; i <= nq; i++) {
				split(lim[p, qs[i]], ls, " "); m = ls[1]
				sub(/^ *[^ ]+/, "", lim[p, qs[i]])
				backlog += m
				if (fq < 0 || fuller(qs[i], m, fq, fm)) { fq = qs[i]; fm = m }
			}
			printf "ports %d %d %d %d %d %d", p, listeners[p], queue[p], backlog, fq, fm
			for (s = 1; s <= 11; s++) printf " %d", c[p, s]
			printf "\n"
		}
	}' /tmp/.ss-listen /proc/net/tcp /proc/net/tcp6 | sort -n -k2
}

# The module's per-port rows, sorted by port.
module_ports_view() {
	out=$(cat "${1:-/proc/net/tcpstat_ports}") || return 1
	echo "$out" | grep '^ports [0-9]' | sort -n -k2
}

# The benchmarks' helpers (tests/vm/bench.sh, tests/vm/bench-native.sh).
# bench and bench_read print a "csv,<N>,<method>,<runs>,<wall_med_us>,
# <wall_p95_us>,<cpu_med_us>,<cpu_p95_us>,<maxrss_kb>" row, RUNS runs after
# a warm-up, or a "not ok" line and BENCH_FAILED=1 if the method failed.
# MEASURE_OPTS: more options for measure (tests/bench/measure.c), e.g.
# "-k /proc/umlclock", which adds two columns.

# The sockets of the namespace, by the module.
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

# grow_to <target> <dir>: add connections (sockfarm fill, both families,
# 16 listeners per family and fill) until the namespace holds <target>
# sockets (total_sockets); the fill's pid is added to FARMS, its files go
# in <dir>. Fails, with a "not ok" line and BENCH_FAILED=1, if the fill
# does.
grow_to() {
	have=$(total_sockets)
	[ "$1" -gt "$have" ] || return 0
	conns=$((($1 - have) / 2))
	section "growing to $1 sockets (+$conns connections)"
	if farm_start "$2/fill.$1" fill --conns $conns --family both --listeners 16; then
		FARMS="$FARMS $FARM_PID"
		return 0
	fi
	echo "not ok - sockfarm fill to $1: $(cat "$2/fill.$1.err")"
	BENCH_FAILED=1
	return 1
}

# bench <N> <method name> <command...>
bench() {
	n=$1 name=$2
	shift 2
	# shellcheck disable=SC2086
	if out=$(measure -n "$RUNS" -w 1 $MEASURE_OPTS -o -- "$@"); then
		echo "csv,$n,$name,$(echo "$out" | sed 's/[a-z_0-9]*=//g; s/ /,/g')"
	else
		echo "not ok - $name at $n sockets failed"
		BENCH_FAILED=1
	fi
}

# bench_read <N> <method name> <file>...: in-process reads of the files
# (one after the other in each run), no process start.
bench_read() {
	n=$1 name=$2
	shift 2
	for f; do set -- "$@" -f "$f"; shift; done
	# shellcheck disable=SC2086
	if out=$(measure -n "$RUNS" -w 1 $MEASURE_OPTS "$@"); then
		echo "csv,$n,$name,$(echo "$out" | sed 's/[a-z_0-9]*=//g; s/ /,/g')"
	else
		echo "not ok - $name at $n sockets failed"
		BENCH_FAILED=1
	fi
}

# walk_inexact <walkprof output>: the exact walk variants of
# tests/bench/walkprof ("walkcount <variant> ipv4 <11> ipv6 <11>") whose
# counts differ from the module's data file read now, established table
# only (walkprof does not walk the listeners: LISTEN is 0), one
# "<variant>: <counts>" line each; fails if the file has no "full" row.
walk_inexact() {
	grep -q '^walkcount full ' "$1" || { echo "no walkcount rows in $1"; return 1; }
	want=$(data_view | awk '{ $11 = 0; printf "%s%s", (NR > 1 ? " " : ""), $0 }')
	grep '^walkcount ' "$1" | while read -r _ name rest; do
		[ "$rest" = "$want" ] || echo "$name: $rest (module: $want)"
	done
}
