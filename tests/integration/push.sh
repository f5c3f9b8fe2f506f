#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# push.sh - tcpstat --push into Debian's collectors, each started by the
# test as a plain process on a free 127.0.0.1 port with its data in a
# temporary directory (the packages' own services, where a systemd host
# started them, are left alone):
#   - victoria-metrics, Influx line protocol to /write: a stream of the
#     sockets sockfarm built in its own namespace, read back through the
#     query API: every value stored is the one built, the counters those
#     of the namespace's files; the collector killed (SIGKILL) in the
#     middle and started again on its data: tcpstat says so once and its
#     end once, the stream goes on, and at most two samples of the outage
#     arrive afterwards (the sender keeps only the newest, nothing piles
#     up);
#   - prometheus-pushgateway, Prometheus text (PUT): the group equals the
#     sockets built; the gateway killed and started again empty: one
#     outage line, one recovery line, the group back; a single sample
#     (no --interval) is delivered before tcpstat exits 0; one to a port
#     where nothing listens: exit 4, said;
#   - influxdb 1.x (where its package installs), /write?db=: --count 3
#     delivered before exit, the last values queried back with InfluxQL.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root (netns).
#   TCPSTAT=user/tcpstat bash tests/integration/push.sh

set -u
# shellcheck source=tests/integration/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
need_host_pkgs victoria-metrics prometheus-pushgateway curl jq iproute2 util-linux
# InfluxDB 1.x is in Debian up to bookworm; elsewhere its part is skipped
INFLUXD=
if apt-cache show influxdb >/dev/null 2>&1; then
	need_host_pkgs influxdb
	INFLUXD=$(command -v influxd || true)
fi
[ -x "$TCPSTAT" ] || skip_all "no $TCPSTAT (make user)"
[ -x "$SOCKFARM" ] || skip_all "no $SOCKFARM (make sockfarm)"

integ_start push
STATES="established syn_sent syn_recv fin_wait1 fin_wait2 time_wait close close_wait last_ack listen closing"

# ActiveOpens and PassiveOpens of the farm's namespace (they hold still
# once it is built; its dropped SYNs keep moving the overflow counters)
opens() {
	awk '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
		for (i = 2; i <= NF; i++) v[n[i]] = $i }
		END { print v["ActiveOpens"], v["PassiveOpens"] }' "/proc/$FARM_PID/net/snmp"
}

# count LOG PATTERN: lines of LOG matching
count() { grep -c -- "$2" "$1"; }

# ---- VictoriaMetrics: Influx line protocol ----

VM_PORT=$(free_port)
VM=http://127.0.0.1:$VM_PORT
vm_start() {
	bg "vm$1" victoria-metrics -httpListenAddr "127.0.0.1:$VM_PORT" \
		-storageDataPath "$tmp/vm-data" -loggerLevel ERROR -search.latencyOffset 0s
	VM_PID=$BG_LAST
	wait_for 60 http_ok "$VM/health"
}
if vm_start 1; then
	ok "victoria-metrics ready on 127.0.0.1:$VM_PORT"
else
	not_ok "victoria-metrics ready" "$(tail -n 5 "$tmp/vm1.log")"
	finish
fi
bg tcpstat-vm "$TCPSTAT" --netns "$FARM_NS" --counters --format influx --tag host=farm \
	--interval 0.2 --push "$VM/write"
TS_PID=$BG_LAST

# vm_points METRIC FAMILY: "timestamp_ms value" of every stored point
vm_points() {
	curl -fsS --max-time 5 "$VM/api/v1/export" -d "match[]=$1{family=\"$2\",host=\"farm\"}" |
		jq -r '[.timestamps, .values] | transpose[] | "\(.[0]) \(.[1])"'
}
# vm_last METRIC [SELECTOR]: the last value, through the query API
vm_last() {
	curl -fsS --max-time 5 -G "$VM/api/v1/query" --data-urlencode "query=$1${2:-}" |
		jq -r '.data.result[0].value[1] // empty'
}
vm_has_all() {
	curl -fsS --max-time 5 "$VM/internal/force_flush" >/dev/null 2>&1
	[ -n "$(vm_last tcpstat_closing '{family="ipv6"}')" ] &&
		[ -n "$(vm_last tcpstat_counters_active_opens)" ]
}
check "victoria-metrics receives the stream" wait_for 30 vm_has_all
# every stored point of every series is the count built
bad=
for f in ipv4 ipv6; do
	read -r -a want <<<"$(grep "^$f " "$tmp/farm.view" | cut -d' ' -f2-)"
	i=0
	for s in $STATES; do
		vm_points "tcpstat_$s" "$f" >"$tmp/points"
		n=$(wc -l <"$tmp/points")
		wrong=$(awk -v w="${want[$i]}" '$2 != w' "$tmp/points" | head -n 1)
		[ "$n" -gt 0 ] && [ -z "$wrong" ] || bad="$bad $f/$s (${n} points, want ${want[$i]}: ${wrong:-none})"
		i=$((i + 1))
	done
done
check "victoria-metrics: each point of the 22 series is the count built, exactly" test -z "$bad"
[ -n "$bad" ] && echo "# $bad"
read -r ao po <<<"$(opens)"
check "victoria-metrics: tcpstat_counters active_opens $ao and passive_opens $po, the namespace's own" \
	test "$(vm_last tcpstat_counters_active_opens)" = "$ao" -a "$(vm_last tcpstat_counters_passive_opens)" = "$po"
check "victoria-metrics: tcpstat_sample_up 1" test "$(vm_last tcpstat_sample_up)" = 1

# The collector killed in the middle of the stream, then started again.
before=$(vm_points tcpstat_listen ipv4 | wc -l)
kill -KILL "$VM_PID"
wait "$VM_PID" 2>/dev/null
t_down=$(date +%s%3N)
sleep 3
t_up=$(date +%s%3N)
if vm_start 2; then
	ok "victoria-metrics started again on its data"
else
	not_ok "victoria-metrics started again" "$(tail -n 5 "$tmp/vm2.log")"
	finish
fi
recovered() { [ "$(count "$tmp/tcpstat-vm.log" 'delivering again')" -ge 1 ]; }
check "tcpstat: delivering again after the restart" wait_for 30 recovered
grows() {
	curl -fsS --max-time 5 "$VM/internal/force_flush" >/dev/null 2>&1
	[ "$(vm_points tcpstat_listen ipv4 | awk -v t="$t_up" '$1 > t' | wc -l)" -ge 5 ]
}
check "the stream goes on: new points after the restart" wait_for 30 grows
during=$(vm_points tcpstat_listen ipv4 | awk -v a="$t_down" -v b="$t_up" '$1 > a && $1 < b' | wc -l)
check "at most 2 of the outage's 15 samples stored afterwards ($during): only the newest waited" \
	test "$during" -le 2
kill -0 "$TS_PID" 2>/dev/null
alive=$?
kill -TERM "$TS_PID"
bg_wait "$TS_PID"
rc=$?
check "tcpstat kept running; SIGTERM: exit 0" test "$alive" -eq 0 -a "$rc" -eq 0
downs=$(count "$tmp/tcpstat-vm.log" '^tcpstat: push http://127.0.0.1:'"$VM_PORT"'/write: .*retrying with backoff')
ups=$(count "$tmp/tcpstat-vm.log" '^tcpstat: push http://127.0.0.1:'"$VM_PORT"'/write: delivering again')
check "one line for the outage ($downs), one for its end ($ups), nothing else on stderr" \
	test "$downs" -eq 1 -a "$ups" -eq 1 -a "$(wc -l <"$tmp/tcpstat-vm.log")" -eq 2
sed 's/^/# stderr: /' "$tmp/tcpstat-vm.log"
echo "# points of tcpstat_listen{family=ipv4}: $before before the outage, $(vm_points tcpstat_listen ipv4 | wc -l) at the end"
kill -TERM "$VM_PID"
bg_wait "$VM_PID"

# ---- Pushgateway: Prometheus text, PUT to a group ----

PG_PORT=$(free_port)
PG=http://127.0.0.1:$PG_PORT
pg_start() {
	bg "pg$1" prometheus-pushgateway --web.listen-address="127.0.0.1:$PG_PORT"
	PG_PID=$BG_LAST
	wait_for 60 http_ok "$PG/-/healthy"
}
if pg_start 1; then
	ok "prometheus-pushgateway ready on 127.0.0.1:$PG_PORT"
else
	not_ok "prometheus-pushgateway ready" "$(tail -n 5 "$tmp/pg1.log")"
	finish
fi
GROUP=$PG/metrics/job/tcpstat/instance/farm
bg tcpstat-pg "$TCPSTAT" --netns "$FARM_NS" --counters --format prometheus --interval 0.2 \
	--push "$GROUP"
TS_PID=$BG_LAST
# the group's tcpstat_connections as "ipv4 <11>"/"ipv6 <11>" rows
pg_rows() {
	curl -fsS --max-time 5 "$PG/metrics" | grep '^tcpstat_connections{.*instance="farm",job="tcpstat"' |
		prom_to_rows
}
pg_is_farm() { pg_rows >"$tmp/pg.view" && cmp -s "$tmp/pg.view" "$tmp/farm.view"; }
if wait_for 30 pg_is_farm; then
	ok "pushgateway: the group's tcpstat_connections equal the sockets built"
else
	not_ok "pushgateway: the group equals the sockets built" \
		"group: $(tr '\n' ' ' <"$tmp/pg.view")" "built: $(tr '\n' ' ' <"$tmp/farm.view")"
fi
pg_has() { curl -fsS --max-time 5 "$PG/metrics" | grep -q "^$1{instance=\"farm\",job=\"tcpstat\"} $2\$"; }
read -r ao po <<<"$(opens)"
check "pushgateway: tcpstat_active_opens_total $ao, tcpstat_up 1" \
	eval 'pg_has tcpstat_active_opens_total "$ao" && pg_has tcpstat_up 1'
kill -KILL "$PG_PID"
wait "$PG_PID" 2>/dev/null
sleep 2
if pg_start 2; then
	ok "prometheus-pushgateway started again, empty"
else
	not_ok "prometheus-pushgateway started again" "$(tail -n 5 "$tmp/pg2.log")"
	finish
fi
check "pushgateway: the group is back after the restart" wait_for 30 pg_is_farm
# The gateway shows a group before it answers the PUT that brought it:
# wait for tcpstat to have the answer (and say so) before stopping it.
wait_for 10 grep -q 'delivering again' "$tmp/tcpstat-pg.log"
kill -TERM "$TS_PID"
bg_wait "$TS_PID"
rc=$?
downs=$(count "$tmp/tcpstat-pg.log" 'retrying with backoff')
ups=$(count "$tmp/tcpstat-pg.log" 'delivering again')
check "one line for the outage, one for its end, nothing else; SIGTERM: exit 0" \
	test "$downs" -eq 1 -a "$ups" -eq 1 -a "$(wc -l <"$tmp/tcpstat-pg.log")" -eq 2 -a "$rc" -eq 0
sed 's/^/# stderr: /' "$tmp/tcpstat-pg.log"

# a single sample: delivered before exit
GROUP1=$PG/metrics/job/tcpstat/instance/once
rc=0
"$TCPSTAT" --netns "$FARM_NS" --format prometheus --push "$GROUP1" >"$tmp/once.out" 2>"$tmp/once.err" || rc=$?
check "one sample (no --interval): exit 0, nothing on stdout or stderr, in the gateway when tcpstat is gone" \
	eval '[ $rc -eq 0 ] && [ ! -s "$tmp/once.out" ] && [ ! -s "$tmp/once.err" ] &&
		curl -fsS "$PG/metrics" | grep -q "^tcpstat_up{instance=\"once\",job=\"tcpstat\"} 1\$"'
# a single sample whose source fails: its tcpstat_up 0 is delivered, exit 3
mkdir -p "$tmp/badproc/net"
echo "not a table" >"$tmp/badproc/net/tcp"
echo "not a table" >"$tmp/badproc/net/tcp6"
# The gateway stopped (SIGSTOP) while tcpstat sends: it must wait for the
# answer rather than exit with the sample unsent.
kill -STOP "$PG_PID"
"$TCPSTAT" --backend procfs --proc "$tmp/badproc" --format prometheus \
	--push "$PG/metrics/job/tcpstat/instance/failed" >"$tmp/failed.out" 2>"$tmp/failed.err" &
fpid=$!
sleep 2
waiting=no
kill -0 "$fpid" 2>/dev/null && waiting=yes
kill -CONT "$PG_PID"
rc=0
wait "$fpid" || rc=$?
check "one sample, the source fails: tcpstat waits for the stopped gateway to answer ($waiting)" \
	test "$waiting" = yes
check "one sample, the source fails: exit 3, the reason, and tcpstat_up 0 in the gateway ($rc)" \
	eval '[ $rc -eq 3 ] && [ ! -s "$tmp/failed.out" ] && grep -q "badproc/net/tcp" "$tmp/failed.err" &&
		! grep -q "not delivered" "$tmp/failed.err" &&
		curl -fsS "$PG/metrics" | grep -q "^tcpstat_up{instance=\"failed\",job=\"tcpstat\"} 0\$"'
sed 's/^/# stderr: /' "$tmp/failed.err"
dead=$(free_port)
rc=0
start=$(date +%s)
"$TCPSTAT" --netns "$FARM_NS" --format prometheus --push "http://127.0.0.1:$dead/metrics/job/x" \
	>"$tmp/dead.out" 2>"$tmp/dead.err" || rc=$?
took=$(($(date +%s) - start))
check "one sample, nothing listening: exit 4 after the retries (${took} s), the reason and \"not delivered\"" \
	eval '[ $rc -eq 4 ] && [ ! -s "$tmp/dead.out" ] &&
		grep -q "^tcpstat: push http://127.0.0.1:$dead/metrics/job/x: .*Couldn.t connect" "$tmp/dead.err" &&
		grep -qx "tcpstat: push http://127.0.0.1:$dead/metrics/job/x: the sample was not delivered" "$tmp/dead.err"'
sed 's/^/# stderr: /' "$tmp/dead.err"
kill -TERM "$PG_PID"
bg_wait "$PG_PID"

# ---- InfluxDB 1.x ----

if [ -z "$INFLUXD" ]; then
	skip "influxdb 1.x" "no influxdb package in this release"
	finish
fi
IF_PORT=$(free_port)
IF_RPC=$(free_port)
IF=http://127.0.0.1:$IF_PORT
cat >"$tmp/influxdb.conf" <<EOF
bind-address = "127.0.0.1:$IF_RPC"
reporting-disabled = true
[meta]
  dir = "$tmp/influx/meta"
[data]
  dir = "$tmp/influx/data"
  wal-dir = "$tmp/influx/wal"
[http]
  bind-address = "127.0.0.1:$IF_PORT"
  log-enabled = false
[ifql]
  enabled = false
[monitor]
  store-enabled = false
[[graphite]]
  enabled = false
[[collectd]]
  enabled = false
[[opentsdb]]
  enabled = false
[[udp]]
  enabled = false
EOF
bg influxd "$INFLUXD" run -config "$tmp/influxdb.conf"
IF_PID=$BG_LAST
if wait_for 60 http_ok "$IF/ping" &&
	curl -fsS -XPOST "$IF/query" --data-urlencode 'q=CREATE DATABASE tcpstat' >/dev/null; then
	ok "influxd ready on 127.0.0.1:$IF_PORT, database created"
else
	not_ok "influxd ready" "$(tail -n 5 "$tmp/influxd.log")"
	finish
fi
rc=0
"$TCPSTAT" --netns "$FARM_NS" --counters --format influx --tag host=farm --interval 0.2 --count 3 \
	--push "$IF/write?db=tcpstat" >"$tmp/if.out" 2>"$tmp/if.err" || rc=$?
check "--count 3 --push: exit 0 once the last sample is delivered, nothing said" \
	test "$rc" -eq 0 -a ! -s "$tmp/if.out" -a ! -s "$tmp/if.err"
# influxql Q: the JSON answer
influxql() {
	curl -fsS --max-time 5 -G "$IF/query" --data-urlencode db=tcpstat --data-urlencode "q=$1"
}
influxql 'SELECT count(established) FROM tcpstat WHERE family = '"'ipv4'" >"$tmp/if.count"
check "influxdb: the 3 samples stored" \
	test "$(jq -r '.results[0].series[0].values[0][1]' "$tmp/if.count")" = 3
# the last sample's fields, per family, as rows in the tcpstat order
fields=$(echo "$STATES" | sed 's/ /, /g')
influxql "SELECT last(*) FROM tcpstat GROUP BY family" >"$tmp/if.last"
jq -r --arg st "$STATES" '.results[0].series[] as $s
	| ($s.columns | to_entries | map({(.value): .key}) | add) as $col
	| "\($s.tags.family) " + ([$st | split(" ")[] | $s.values[0][$col["last_" + .]] | tostring] | join(" "))' \
	"$tmp/if.last" | sort >"$tmp/if.view"
if cmp -s "$tmp/if.view" "$tmp/farm.view"; then
	ok "influxdb: the last sample's fields equal the sockets built, per family"
else
	not_ok "influxdb: the last sample equals the sockets built" \
		"influx: $(tr '\n' ' ' <"$tmp/if.view")" "built:  $(tr '\n' ' ' <"$tmp/farm.view")"
fi
read -r ao po <<<"$(opens)"
check "influxdb: tcpstat_counters active_opens $ao" \
	test "$(influxql 'SELECT last(active_opens) FROM tcpstat_counters' | jq -r '.results[0].series[0].values[0][1]')" = "$ao"
: "$fields"

finish
