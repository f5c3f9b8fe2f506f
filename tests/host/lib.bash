# SPDX-License-Identifier: GPL-2.0
# tests/host/lib.bash - kselftest-style helpers for the host tests (bash).
#
#   ok DESC / not_ok DESC [DETAIL...] / skip DESC REASON
#   wait_for SECONDS CMD...   poll CMD every 50 ms until it succeeds
#   finish                    print the plan and a summary, exit 0 or 1

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

HOST_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TCPSTAT=${TCPSTAT:-$HOST_TOP/user/tcpstat}

ksft_n=0
ksft_failed=0
ksft_skipped=0

ok() {
	ksft_n=$((ksft_n + 1))
	echo "ok $ksft_n - $1"
}

not_ok() {
	ksft_n=$((ksft_n + 1))
	ksft_failed=$((ksft_failed + 1))
	echo "not ok $ksft_n - $1"
	shift
	local line
	for line in "$@"; do
		printf '#   %s\n' "$line"
	done
}

skip() {
	ksft_n=$((ksft_n + 1))
	ksft_skipped=$((ksft_skipped + 1))
	echo "ok $ksft_n - $1 # SKIP $2"
}

# check DESC CMD...: ok if CMD succeeds
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

wait_for() {
	local limit=$(($1 * 20)) i=0
	shift
	until "$@"; do
		i=$((i + 1))
		[ "$i" -ge "$limit" ] && return 1
		sleep 0.05
	done
}

# skip_all REASON: nothing can run here
skip_all() {
	echo "1..0 # SKIP $1"
	exit $KSFT_SKIP
}

# host_test_start NAME: a new directory $tmp, pids=() (what the cleanup
# stops with SIGTERM, then waits for), the traps and the TAP header. A test
# with more to undo first defines cleanup_more.
host_test_start() {
	tmp=$(mktemp -d "/tmp/tcpstat-$1.XXXXXX") || exit "$KSFT_FAIL"
	pids=()
	trap host_test_cleanup EXIT
	trap 'exit "$KSFT_FAIL"' INT TERM
	echo "TAP version 13"
}

host_test_cleanup() {
	local p
	declare -F cleanup_more >/dev/null && cleanup_more
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}

finish() {
	echo "1..$ksft_n"
	echo "$(basename "$0" .sh): $((ksft_n - ksft_failed - ksft_skipped)) passed, $ksft_failed failed, $ksft_skipped skipped"
	[ "$ksft_failed" -eq 0 ] && exit $KSFT_PASS
	exit $KSFT_FAIL
}

require_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "needs $c"
	done
}

# A JSON sample without what differs from read to read and from backend
# to backend (the self-metrics' duration and build_info): the counts, and
# "up".
json_counts() {
	jq -c 'del(.sample_duration_seconds, .build_info)' "$@"
}

# The per-family counts of a prometheus exposition on stdin, as two lines
# "ipv4 <11 counts>" and "ipv6 <11 counts>" in the tcpstat order.
prom_to_rows() {
	awk '
	BEGIN {
		split("established syn_sent syn_recv fin_wait1 fin_wait2 time_wait close close_wait last_ack listen closing", st, " ")
	}
	/^tcpstat_connections\{/ {
		match($0, /family="[^"]*"/); f = substr($0, RSTART + 8, RLENGTH - 9)
		match($0, /state="[^"]*"/); s = substr($0, RSTART + 7, RLENGTH - 8)
		n[f, s] = $NF
	}
	END {
		split("ipv4 ipv6", fams, " ")
		for (i = 1; i <= 2; i++) {
			line = fams[i]
			for (j = 1; j <= 11; j++)
				line = line " " ((fams[i], st[j]) in n ? n[fams[i], st[j]] : "?")
			print line
		}
	}'
}

# The same two lines from `ss -tan` (run in the namespace to look at).
ss_rows() {
	local fam
	for fam in 4 6; do
		ss -tan -"$fam" | awk -v fam="ipv$fam" '
		BEGIN {
			split("ESTAB SYN-SENT SYN-RECV FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT UNCONN CLOSE-WAIT LAST-ACK LISTEN CLOSING", st, " ")
			for (j = 1; j <= 11; j++)
				idx[st[j]] = j
		}
		NR > 1 && ($1 in idx) { n[idx[$1]]++ }
		NR > 1 && !($1 in idx) { n[0]++ }
		END {
			line = fam
			for (j = 1; j <= 11; j++)
				line = line " " (n[j] + 0)
			if (n[0])
				line = line " unknown=" n[0]
			print line
		}'
	done
}

# The per-port view in the layout of the module's "ports" rows, sorted by
# port, from `ss -tanH` (run in the namespace to look at): every socket
# counted on its local port, a listener's Recv-Q is its accept queue and
# its Send-Q its limit; the fullest listener has the highest queue/limit
# (a limit of 0 counts as 1), then the longer queue, then the larger limit.
ss_ports_rows() {
	ss -tanH | awk '
	BEGIN {
		split("ESTAB SYN-SENT SYN-RECV FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT UNCONN CLOSE-WAIT LAST-ACK LISTEN CLOSING", st, " ")
		for (j = 1; j <= 11; j++)
			idx[st[j]] = j
	}
	function fuller(q, m, fq, fm,   a, b) {
		a = q * (fm ? fm : 1); b = fq * (m ? m : 1)
		return a > b || (a == b && (q > fq || (q == fq && m > fm)))
	}
	($1 in idx) {
		n = split($4, a, ":"); p = a[n] + 0; s = idx[$1]
		c[p, s]++
		if (s == 10) {
			q = $2 + 0; m = $3 + 0
			if (!(p in lis) || fuller(q, m, fq[p], fb[p])) { fq[p] = q; fb[p] = m }
			lis[p]++; qs[p] += q; bs[p] += m
		}
	}
	END {
		for (p in lis) {
			line = sprintf("ports %d %d %d %d %d %d", p, lis[p], qs[p], bs[p], fq[p], fb[p])
			for (s = 1; s <= 11; s++)
				line = line " " (c[p, s] + 0)
			print line
		}
	}' | sort -n -k2
}

# The "ports" array of a tcpstat --ports JSON sample on stdin, in the same
# layout (null for what the backend does not know).
json_ports_rows() {
	jq -r '.ports[] | "ports \(.port) \(.listeners) \(.accept_queue) \(.backlog) \(.fullest_queue) \(.fullest_backlog) \(.states | [.[]] | map(tostring) | join(" "))"'
}

# The same two lines from the st column of /proc/net/tcp and tcp6 in a
# net directory (/proc/PID/net: that process's namespace): the kernel's
# own view, without the reporter.
proc_rows() {
	local dir=${1:-/proc/net} f fam
	for f in tcp tcp6; do
		fam=ipv4
		[ "$f" = tcp6 ] && fam=ipv6
		awk -v fam=$fam 'NR > 1 {
			s = index("0102030405060708090A0B", $4)
			if (length($4) == 2 && s % 2 == 1) c[(s + 1) / 2]++; else c[0]++
		}
		END {
			line = fam
			for (j = 1; j <= 11; j++)
				line = line " " (c[j] + 0)
			if (c[0])
				line = line " unknown=" c[0]
			print line
		}' "$dir/$f" || return 1
	done
}

# build_sockfarm DIR: compile tests/vm/sockfarm.c into DIR/sockfarm
# (static if the C library allows), one ok or not_ok line; 1 on failure.
build_sockfarm() {
	if gcc -O2 -static -o "$1/sockfarm" "$HOST_TOP/tests/vm/sockfarm.c" 2>"$1/gcc.err" ||
	   gcc -O2 -o "$1/sockfarm" "$HOST_TOP/tests/vm/sockfarm.c" 2>"$1/gcc.err"; then
		ok "build sockfarm"
	else
		not_ok "build sockfarm" "$(cat "$1/gcc.err")"
		return 1
	fi
}

# farm NAME ARGS...: $tmp/sockfarm ARGS in a fresh network namespace
# (exec'ed: its pid names the namespace), output in $tmp/NAME.out and .err;
# its pid in $farm and in pids (stopped at exit). Fails unless it says
# ready within FARM_WAIT seconds (60).
farm() {
	local name=$1
	shift
	unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' "$tmp/sockfarm" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" &
	farm=$!
	pids+=("$farm")
	wait_for "${FARM_WAIT:-60}" grep -qx ready "$tmp/$name.out"
}

# Why the bpf backend cannot run here (its one line), or nothing: run it
# first, skip its checks with the reason if it cannot.
bpf_why_not() {
	local err
	err=$("$TCPSTAT" --backend bpf 2>&1 >/dev/null) && return 0
	echo "${err:-tcpstat --backend bpf failed}"
}
