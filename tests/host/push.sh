#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# push.sh - user/push.c against real collectors, through tests/host/pushcat
# (samples made up by the test, so each one's values and time are known;
# tcpstat --push itself, the same sender, is tests/integration/push.sh):
#
#  - Influx line protocol to VictoriaMetrics' /write: each sample's values
#    and timestamp stored exactly; VictoriaMetrics stopped mid-stream and
#    started again on its data: one outage line, one recovery line, the
#    samples before and after all there, the sender's memory at two
#    samples' worth, and nothing stored that was not sent.
#  - Prometheus text PUT to a Pushgateway group: a series gone from a
#    sample is gone from the gateway; the gateway killed (SIGKILL) and
#    started again empty: one outage line, one recovery line, the last
#    sample's value exactly.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs gcc, libcurl,
# curl, jq, ss, and Debian's victoria-metrics and/or prometheus-pushgateway.
set -u
# shellcheck source=tests/host/lib.bash
. "$(dirname "$0")/lib.bash"

require_cmd gcc curl jq ss pkg-config mkfifo
VM=$(command -v victoria-metrics || true)
PG=$(command -v prometheus-pushgateway || true)
[ -n "$VM$PG" ] || skip_all "needs victoria-metrics or prometheus-pushgateway (Debian packages)"

tmp=$(mktemp -d /tmp/tcpstat-push.XXXXXX) || exit "$KSFT_FAIL"
vm_pid='' pg_pid='' pc_pid=''
cleanup() {
	exec 3>&- 2>/dev/null
	local p
	for p in $pc_pid $vm_pid $pg_pid; do
		kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit "$KSFT_FAIL"' INT TERM

echo "TAP version 13"

U=$HOST_TOP/user
# shellcheck disable=SC2046
if ! gcc -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -DTCPSTAT_VERSION='"test"' \
	-I"$U" -o "$tmp/pushcat" "$HOST_TOP/tests/host/pushcat.c" "$U/push.c" "$U/strbuf.c" \
	"$U/err.c" $(pkg-config --cflags --libs libcurl) -lpthread 2>"$tmp/gcc.err"; then
	not_ok "build pushcat" "$(head -n 20 "$tmp/gcc.err")"
	finish
fi

# A port nothing listens on.
free_port() {
	local p i
	for i in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		[ -z "$(ss -Htln "sport = :$p")" ] && { echo "$p"; return 0; }
	done
	return 1
}

# The stream: pushcat reads samples (records ended by an empty line) from a
# FIFO on fd 3 (the collectors start with it closed, or pushcat never sees EOF).
start_pushcat() { # FORMAT URL
	rm -f "$tmp/in.fifo" "$tmp/pc.out" "$tmp/pc.err"
	mkfifo "$tmp/in.fifo"
	"$tmp/pushcat" -b 50 -B 200 "$1" "$2" <"$tmp/in.fifo" >"$tmp/pc.out" 2>"$tmp/pc.err" &
	pc_pid=$!
	exec 3>"$tmp/in.fifo"
}

# EOF: pushcat flushes and prints its counts.
end_pushcat() {
	exec 3>&-
	wait "$pc_pid"
	local rc=$?
	pc_pid=
	return $rc
}

count_of() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" "$tmp/pc.out"; }

# deliver_each SEND HAS FROM TO: send samples FROM..TO, each once HAS
# says the collector has the one before (20 s at most); false if one did not arrive
deliver_each() {
	local i
	for i in $(seq "$3" "$4"); do
		"$1" "$i"
		wait_for 20 "$2" "$i" || return 1
	done
}

# stream_until_recovered SEND FROM: a sample every 50 ms from FROM on until
# pushcat reports it delivers again; the next index goes to $next
stream_until_recovered() {
	next=$2
	while ! grep -q 'delivering again' "$tmp/pc.err" && [ "$next" -lt 400 ]; do
		"$1" "$next"
		sleep 0.05
		next=$((next + 1))
	done
}

check_reports() { # WHAT
	local down up all
	down=$(grep -c 'retrying with backoff, only the newest sample kept until it answers$' "$tmp/pc.err")
	up=$(grep -c 'delivering again (' "$tmp/pc.err")
	all=$(wc -l <"$tmp/pc.err")
	if [ "$down" = 1 ] && [ "$up" = 1 ] && [ "$all" = 2 ]; then
		ok "$1: one line for the outage, one for its end"
	else
		not_ok "$1: one line for the outage, one for its end" "$(head -n 10 "$tmp/pc.err")"
	fi
	# the samples are a few dozen bytes: two 1 KiB buffers at most
	check "$1: the sender held at most two samples ($(count_of max_memory) bytes)" \
		test "$(count_of max_memory)" -le 2048
}

# ---- VictoriaMetrics: Influx line protocol ----

vm_start() {
	"$VM" -httpListenAddr "127.0.0.1:$vm_port" -storageDataPath "$tmp/vm" \
		-loggerLevel ERROR >>"$tmp/vm.log" 2>&1 3>&- &
	vm_pid=$!
	wait_for 60 curl -sf "http://127.0.0.1:$vm_port/health" -o /dev/null
}

# "timestamp_seconds value" of every stored point, sorted.
vm_points() {
	curl -sf "http://127.0.0.1:$vm_port/api/v1/export" -d 'match[]=tcpstat_established' |
		jq -r '[.timestamps, .values] | transpose[] | "\(.[0] / 1000 | floor) \(.[1])"' | sort -n
}

vm_has() { vm_points | grep -q "^$((base + $1)) "; }

influx() { # I: the sample, values and time from its index
	printf 'tcpstat,host=t established=%di,listen=%di %d000000000\n\n' \
		$(($1 * 7)) $(($1 % 5)) $((base + $1)) >&3
}

if [ -n "$VM" ]; then
	vm_port=$(free_port) || { not_ok "a free port"; finish; }
	base=$(($(date +%s) - 3600))
	if ! vm_start; then
		not_ok "victoria-metrics starts" "$(tail -n 5 "$tmp/vm.log")"
		finish
	fi
	start_pushcat influx "http://127.0.0.1:$vm_port/write?db=tcpstat"
	check "victoria-metrics: samples 0-9 stored one by one" deliver_each influx vm_has 0 9
	# SIGTERM: it flushes what it took (SIGKILL loses its last second, its own loss)
	kill -TERM "$vm_pid"
	wait "$vm_pid"
	vm_pid=
	for i in $(seq 10 29); do
		influx "$i"
		sleep 0.05
	done
	if ! vm_start; then
		not_ok "victoria-metrics starts again" "$(tail -n 5 "$tmp/vm.log")"
		finish
	fi
	# the stream goes on until the sender says it delivers again
	stream_until_recovered influx 30
	recovered=$next
	check "victoria-metrics: samples $recovered-$((recovered + 9)) after the recovery stored one by one" \
		deliver_each influx vm_has "$recovered" $((recovered + 9))
	end_pushcat
	check "pushcat: the last sample flushed, exit 0" test $? -eq 0
	check_reports "victoria-metrics"
	check "pushcat: $((recovered + 10)) samples submitted" \
		test "$(count_of submitted)" -eq $((recovered + 10))
	# every point stored is what was sent for its time; none missing outside the outage
	vm_points >"$tmp/points"
	bad=$(awk -v b="$base" '{ i = $1 - b; if ($2 != i * 7) print }' "$tmp/points")
	check "victoria-metrics: every stored value is the one sent for its timestamp" test -z "$bad"
	missing=
	for i in $(seq 0 9) $(seq "$recovered" $((recovered + 9))); do
		grep -q "^$((base + i)) " "$tmp/points" || missing="$missing $i"
	done
	check "victoria-metrics: no sample missing before the outage or after its end" test -z "$missing"
	during=$(awk -v b="$base" -v r="$recovered" '$1 - b >= 10 && $1 - b < r' "$tmp/points" | wc -l)
	sent=$(count_of sent)
	check "victoria-metrics: $during of the outage's samples stored, as many as were sent after it ($sent - 20)" \
		test "$during" -eq $((sent - 20))
	kill -TERM "$vm_pid"
	wait "$vm_pid"
	vm_pid=
else
	skip "victoria-metrics" "not installed"
fi

# ---- Pushgateway: Prometheus text, PUT ----

pg_start() {
	"$PG" --web.listen-address="127.0.0.1:$pg_port" >>"$tmp/pg.log" 2>&1 3>&- &
	pg_pid=$!
	wait_for 60 curl -sf "http://127.0.0.1:$pg_port/-/healthy" -o /dev/null
}

pg_metrics() { curl -sf "http://127.0.0.1:$pg_port/metrics"; }

pg_value() {
	pg_metrics | awk '/^tcpstat_connections\{instance="t",job="tcpstat",state="established"\} / { print $NF }'
}

pg_is() { [ "$(pg_value)" = "$1" ]; }

pg_has() { pg_is $(($1 * 3)); } # sample I is the group's value

prom() { # I [port]: the sample; with a second argument, a per-port series too
	printf '# TYPE tcpstat_connections gauge\ntcpstat_connections{state="established"} %d\n' \
		$(($1 * 3)) >&3
	[ $# -gt 1 ] && printf '# TYPE tcpstat_port_connections gauge\ntcpstat_port_connections{port="80"} %d\n' \
		"$1" >&3
	printf '\n' >&3
}

if [ -n "$PG" ]; then
	pg_port=$(free_port) || { not_ok "a free port"; finish; }
	if ! pg_start; then
		not_ok "prometheus-pushgateway starts" "$(tail -n 5 "$tmp/pg.log")"
		finish
	fi
	start_pushcat prometheus "http://127.0.0.1:$pg_port/metrics/job/tcpstat/instance/t"
	prom_port() { prom "$1" port; }
	check "pushgateway: samples 0-4 each in place" deliver_each prom_port pg_has 0 4
	check "pushgateway: the per-port series is there" \
		sh -c "curl -sf http://127.0.0.1:$pg_port/metrics | grep -q '^tcpstat_port_connections{instance=\"t\",job=\"tcpstat\",port=\"80\"} 4\$'"
	check "pushgateway: samples 5-6 without it in place" deliver_each prom pg_has 5 6
	check "pushgateway: PUT replaced the group: the series gone from the sample is gone" \
		sh -c "! curl -sf http://127.0.0.1:$pg_port/metrics | grep -q '^tcpstat_port_connections'"
	kill -KILL "$pg_pid"
	wait "$pg_pid" 2>/dev/null
	pg_pid=
	for i in $(seq 7 26); do
		prom "$i"
		sleep 0.05
	done
	if ! pg_start; then
		not_ok "prometheus-pushgateway starts again" "$(tail -n 5 "$tmp/pg.log")"
		finish
	fi
	stream_until_recovered prom 27
	check "pushgateway: after the restart, each sample in place" \
		deliver_each prom pg_has "$next" $((next + 4))
	end_pushcat
	check "pushcat: the last sample flushed, exit 0" test $? -eq 0
	check "pushgateway: the last sample's value, exactly" pg_has $((next + 4))
	check_reports "pushgateway"
else
	skip "prometheus-pushgateway" "not installed"
fi
finish
