#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# prometheus.sh - the whole pipeline with Debian's servers:
#   sockfarm (own netns) <- tcpstat --netns --output DIR/tcpstat.prom
#   -> prometheus-node-exporter (textfile collector on DIR)
#   -> prometheus (scraping it every second)
#   -> PromQL over the HTTP API
# and without node_exporter:
#   sockfarm (own netns) <- tcpstat --listen --netns --counters --ports
#   <- prometheus (scraping /metrics every second, as OpenMetrics: its
#      Accept header prefers it)
# The servers run as plain processes on free 127.0.0.1 ports, with their
# data in a temporary directory. The PromQL answers must equal the
# sockets sockfarm built, per family and state, and summed; through
# --listen also the namespace's counters, its listening ports, and a
# counter's increase.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root (netns).
#   TCPSTAT=user/tcpstat bash tests/integration/prometheus.sh

set -u
# shellcheck source=tests/integration/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
need_host_pkgs prometheus prometheus-node-exporter curl jq iproute2 util-linux
[ -x "$TCPSTAT" ] || skip_all "no $TCPSTAT (make user)"
[ -x "$SOCKFARM" ] || skip_all "no $SOCKFARM (make sockfarm)"

integ_start prometheus

textdir=$tmp/textfile
mkdir -p "$textdir"
bg tcpstat "$TCPSTAT" --format prometheus --interval 1 --netns "$FARM_NS" \
	--output "$textdir/tcpstat.prom"
check "tcpstat writes the textfile" wait_for 10 test -s "$textdir/tcpstat.prom"

if start_node_exporter "$textdir"; then
	ok "node_exporter answers on 127.0.0.1:$NE_PORT"
else
	not_ok "node_exporter answers on 127.0.0.1:${NE_PORT:-?}" "$(tail -n 20 "$tmp/node_exporter.log")"
	finish
fi

LISTEN_PORT=$(free_port)
bg tcpstat-listen "$TCPSTAT" --listen "127.0.0.1:$LISTEN_PORT" --netns "$FARM_NS" \
	--counters --ports
check "tcpstat --listen answers on 127.0.0.1:$LISTEN_PORT" \
	wait_for 10 http_ok "http://127.0.0.1:$LISTEN_PORT/metrics"

PROM_PORT=$(free_port)
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$NE_PORT']
  - job_name: tcpstat
    static_configs:
      - targets: ['127.0.0.1:$LISTEN_PORT']
EOF
bg prometheus prometheus --config.file="$tmp/prometheus.yml" \
	--storage.tsdb.path="$tmp/prometheus-data" \
	--web.listen-address="127.0.0.1:$PROM_PORT"
api=http://127.0.0.1:$PROM_PORT
if wait_for 60 http_ok "$api/-/ready"; then
	ok "prometheus is ready on 127.0.0.1:$PROM_PORT"
else
	not_ok "prometheus is ready on 127.0.0.1:$PROM_PORT" "$(tail -n 20 "$tmp/prometheus.log")"
	finish
fi

# query PROMQL: the result vector of an instant query, one line per
# sample: "<family> <state> <value>" (labels missing: "-").
query() {
	curl -fsS --max-time 5 -G "$api/api/v1/query" --data-urlencode "query=$1" |
		jq -r 'select(.status == "success") | .data.result[]
			| "\(.metric.family // "-") \(.metric.state // "-") \(.value[1])"'
}
up_is_1() { [ "$(query 'up{job="node"}')" = "- - 1" ]; }
check "prometheus scrapes node_exporter (up == 1)" wait_for 30 up_is_1
has_22() {
	query 'tcpstat_connections{job="node"}' >"$tmp/series" &&
		[ "$(wc -l <"$tmp/series")" -eq 22 ]
}
check "PromQL tcpstat_connections returns 22 series" wait_for 30 has_22

# The query result as the "ipv4 <11>"/"ipv6 <11>" rows.
awk '{ printf "tcpstat_connections{family=\"%s\",state=\"%s\"} %s\n", $1, $2, $3 }' \
	"$tmp/series" | prom_to_rows >"$tmp/promql.view"
if cmp -s "$tmp/promql.view" "$tmp/farm.view"; then
	ok "PromQL values equal the sockets sockfarm built, per family and state"
else
	not_ok "PromQL values equal the sockets sockfarm built, per family and state" \
		"promql: $(tr '\n' ' ' <"$tmp/promql.view")" "built:  $(tr '\n' ' ' <"$tmp/farm.view")"
fi

# An aggregation computed by Prometheus: the per-family sums.
query 'sum by (family) (tcpstat_connections{job="node"})' | sort >"$tmp/sums"
awk '{ s = 0; for (i = 2; i <= NF; i++) s += $i; print $1, "-", s }' "$tmp/farm.view" |
	sort >"$tmp/want.sums"
if cmp -s "$tmp/sums" "$tmp/want.sums"; then
	ok "PromQL sum by (family) equals the built totals ($(tr '\n' ' ' <"$tmp/want.sums"))"
else
	not_ok "PromQL sum by (family) equals the built totals" \
		"promql: $(tr '\n' ' ' <"$tmp/sums")" "built:  $(tr '\n' ' ' <"$tmp/want.sums")"
fi
established=$(awk '{ s += $2 } END { print s }' "$tmp/farm.view")
check "PromQL sum(tcpstat_connections{state=\"established\"}) = $established" \
	[ "$(query 'sum(tcpstat_connections{job="node",state="established"})')" = "- - $established" ]

# ---- tcpstat --listen scraped directly ----
up_listen() { [ "$(query 'up{job="tcpstat"}')" = "- - 1" ]; }
check "prometheus scrapes tcpstat --listen (up == 1)" wait_for 30 up_listen
target=$(curl -fsS --max-time 5 "$api/api/v1/targets" |
	jq -r '.data.activeTargets[] | select(.labels.job == "tcpstat") | "\(.health) \(.lastError)"')
check "its target is healthy, no scrape error ($target)" test "$target" = "up "
listen_rows() {
	query 'tcpstat_connections{job="tcpstat"}' |
		awk '{ printf "tcpstat_connections{family=\"%s\",state=\"%s\"} %s\n", $1, $2, $3 }' |
		prom_to_rows >"$tmp/listen.view"
	cmp -s "$tmp/listen.view" "$tmp/farm.view"
}
if wait_for 30 listen_rows; then
	ok "PromQL tcpstat_connections{job=\"tcpstat\"} equals the sockets sockfarm built"
else
	not_ok "PromQL tcpstat_connections{job=\"tcpstat\"} equals the sockets built" \
		"promql: $(tr '\n' ' ' <"$tmp/listen.view")" "built:  $(tr '\n' ' ' <"$tmp/farm.view")"
fi
# the namespace's counters (the opens hold still once it is built)
opens=$(awk '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
	for (i = 2; i <= NF; i++) v[n[i]] = $i } END { print v["ActiveOpens"], v["PassiveOpens"] }' \
	"/proc/$FARM_PID/net/snmp")
promql_opens() {
	echo "$(query 'tcpstat_active_opens_total{job="tcpstat"}' | cut -d' ' -f3) $(query 'tcpstat_passive_opens_total{job="tcpstat"}' | cut -d' ' -f3)"
}
check "PromQL tcpstat_active_opens_total, tcpstat_passive_opens_total = the namespace's ($opens)" \
	eval '[ "$(promql_opens)" = "$opens" ]'
# its listening ports: as many series of tcpstat_listeners as ss shows ports
ports=$(nsenter --net="$FARM_NS" ss -Hltn | awk '{ n = split($4, a, ":"); print a[n] }' | sort -u | wc -l)
check "PromQL count(tcpstat_listeners{job=\"tcpstat\"}) = $ports listening ports" \
	[ "$(query 'count(tcpstat_listeners{job="tcpstat"})')" = "- - $ports" ]
# a counter Prometheus sees grow: 5 refused connections in the namespace
ao0=${opens% *}
for _ in 1 2 3 4 5; do
	nsenter --net="$FARM_NS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/1' 2>/dev/null
done
grew5() { [ "$(query 'tcpstat_active_opens_total{job="tcpstat"}' | cut -d' ' -f3)" = $((ao0 + 5)) ]; }
check "5 refused connections: PromQL sees tcpstat_active_opens_total grow by 5" wait_for 30 grew5

finish
