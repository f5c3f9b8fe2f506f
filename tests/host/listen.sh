#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# listen.sh - tcpstat --listen, with curl as the scraper:
#   - / is a small page, other paths 404, methods other than GET and HEAD
#     405; HEAD has GET's headers and no body;
#   - /metrics: Prometheus text 0.0.4 without an Accept header (promtool
#     clean, no "# EOF"), OpenMetrics 1.0.0 ending "# EOF" when Accept
#     prefers it (Prometheus' own Accept header), text again for
#     text/plain; the counts equal the kernel's view (ss) of the sampled
#     namespace, with --ports, --counters and --tag;
#   - every scrape is a new sample: a connection refused between two
#     scrapes shows in the second's active_opens;
#   - concurrent scrapes share one sample in flight: ten at once against a
#     slow source (a 200000-row /proc/net/tcp) get the same sample;
#   - a sample whose source fails is served as tcpstat_up 0 without a
#     count, said once on stderr, and its recovery once;
#   - --all-netns: the sampled namespace's row has its labels and counters;
#   - a second tcpstat on the same port: exit 4 naming the address;
#   - SIGTERM: exit 0, the port closed.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root (unshare),
# curl, jq, ss, gcc; promtool for its checks.
#
#   TCPSTAT=user/tcpstat bash tests/host/listen.sh

set -u
# shellcheck source=tests/host/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
require_cmd unshare nsenter ip curl ss gcc
[ -x "$TCPSTAT" ] || skip_all "no $TCPSTAT (make -C user)"

host_test_start listen
build_sockfarm "$tmp" || finish

# A port nothing listens on.
free_port() {
	local p i
	for i in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		[ -z "$(ss -Htan "( sport = :$p )")" ] && { echo "$p"; return 0; }
	done
	return 1
}

# serve NAME ARGS...: tcpstat --listen 127.0.0.1:$port ARGS... in the
# background ($srv its pid, $url its /metrics), until / answers
serve() {
	local name=$1
	shift
	port=$(free_port) || return 1
	"$TCPSTAT" --listen "127.0.0.1:$port" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	srv=$!
	pids+=("$srv")
	url=http://127.0.0.1:$port/metrics
	wait_for 10 curl -fs -o /dev/null "http://127.0.0.1:$port/"
}

# stop PID: SIGTERM, its exit status
stop() {
	kill -TERM "$1"
	wait "$1"
}

unshare -n sh -c 'ip link set lo up && exec "$0" services' "$tmp/sockfarm" \
	>"$tmp/farm.out" 2>"$tmp/farm.err" &
FARM=$!
pids+=("$FARM")
if ! wait_for 60 grep -qx ready "$tmp/farm.out"; then
	not_ok "sockfarm services in a fresh namespace" "$(cat "$tmp/farm.err")"
	finish
fi
NS=/proc/$FARM/ns/net

if serve main --netns "$NS" --ports --counters --tag dc=fra1; then
	ok "tcpstat --listen answers on 127.0.0.1:$port"
else
	not_ok "tcpstat --listen answers" "$(cat "$tmp/main.err")"
	finish
fi
base=http://127.0.0.1:$port

# code_type URL [CURL ARGS...]: "<status> <content type>"
code_type() {
	local u=$1
	shift
	curl -sS -o "$tmp/body" -w '%{http_code} %{content_type}' "$@" "$u"
}
check "/: 200, an HTML page linking to /metrics" \
	eval '[ "$(code_type "$base/")" = "200 text/html; charset=utf-8" ] && grep -q "href=\"/metrics\"" "$tmp/body"'
check "/metrics/x: 404" test "$(code_type "$base/metrics/x" | cut -d' ' -f1)" = 404
check "/favicon.ico: 404" test "$(code_type "$base/favicon.ico" | cut -d' ' -f1)" = 404
check "POST /metrics: 405, Allow: GET, HEAD" \
	eval 'curl -sS -o /dev/null -D "$tmp/h" -X POST "$url" && grep -q "^HTTP/1.1 405" "$tmp/h" && grep -qi "^Allow: GET, HEAD" "$tmp/h"'
check "HEAD /metrics: 200, GET's content type, no body" \
	eval 'curl -sS -I "$url" >"$tmp/h" && grep -q "^HTTP/1.1 200" "$tmp/h" && grep -qi "^Content-Type: text/plain; version=0.0.4" "$tmp/h"'

# Prometheus text without an Accept header
PROM_TYPE="text/plain; version=0.0.4; charset=utf-8"
OM_TYPE="application/openmetrics-text; version=1.0.0; charset=utf-8"
check "GET /metrics without Accept: $PROM_TYPE" test "$(code_type "$url")" = "200 $PROM_TYPE"
cp "$tmp/body" "$tmp/prom"
check "... no # EOF, a counter family named as its sample (0.0.4)" \
	eval '! grep -q "^# EOF" "$tmp/prom" && grep -qx "# TYPE tcpstat_listen_drops_total counter" "$tmp/prom"'
if command -v promtool >/dev/null 2>&1; then
	check "... promtool check metrics passes" sh -c "promtool check metrics <'$tmp/prom' >/dev/null 2>&1"
else
	skip "promtool check metrics" "promtool not installed"
fi
# the counts of the sampled namespace, equal to ss there (read while still)
rows_equal() {
	nsenter --net="$NS" bash -c "$(declare -f ss_rows); ss_rows" >"$tmp/ss.a"
	curl -fsS "$url" >"$tmp/scrape"
	nsenter --net="$NS" bash -c "$(declare -f ss_rows); ss_rows" >"$tmp/ss.b"
	prom_to_rows <"$tmp/scrape" >"$tmp/scrape.rows"
	cmp -s "$tmp/ss.a" "$tmp/ss.b" && cmp -s "$tmp/scrape.rows" "$tmp/ss.a"
}
check "the scrape's counts equal ss in the --netns namespace" wait_for 10 rows_equal
check "... with --ports, --counters and --tag: their series, labelled" \
	eval 'grep -q "^tcpstat_listeners{port=\"[0-9]*\",dc=\"fra1\"} [0-9]" "$tmp/scrape" &&
		grep -q "^tcpstat_listen_overflows_total{dc=\"fra1\"} [1-9]" "$tmp/scrape"'

# OpenMetrics when asked, as Prometheus 2.x asks
PROM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
check "Prometheus' Accept: $OM_TYPE" test "$(code_type "$url" -H "Accept: $PROM_ACCEPT")" = "200 $OM_TYPE"
cp "$tmp/body" "$tmp/om"
check "... ends with # EOF, once; a counter family without _total, its sample with it" \
	eval '[ "$(tail -n 1 "$tmp/om")" = "# EOF" ] && [ "$(grep -c "^# EOF" "$tmp/om")" = 1 ] &&
		grep -qx "# TYPE tcpstat_listen_drops counter" "$tmp/om" &&
		grep -q "^tcpstat_listen_drops_total{dc=\"fra1\"} [0-9]" "$tmp/om"'
check "Accept: text/plain: Prometheus text" test "$(code_type "$url" -H 'Accept: text/plain')" = "200 $PROM_TYPE"
check "Accept: application/openmetrics-text;version=0.0.1 only: Prometheus text" \
	test "$(code_type "$url" -H 'Accept: application/openmetrics-text;version=0.0.1')" = "200 $PROM_TYPE"

# one sample per scrape: a refused connection in between is in the second
opens() { curl -fsS "$url" | awk '/^tcpstat_active_opens_total/ { print $2 }'; }
o1=$(opens)
nsenter --net="$NS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/1' 2>/dev/null
o2=$(opens)
check "each scrape takes a sample: active_opens $o1, one refused connection, then $o2" \
	test -n "$o1" -a "$o2" = "$((o1 + 1))"

# a second tcpstat on the same port
rc=0
"$TCPSTAT" --listen "127.0.0.1:$port" >"$tmp/second.out" 2>"$tmp/second.err" || rc=$?
check "the port taken: exit 4, \"bind 127.0.0.1:$port: Address already in use\"" \
	eval '[ $rc -eq 4 ] && grep -qx "tcpstat: --listen 127.0.0.1:$port: bind 127.0.0.1:$port: Address already in use" "$tmp/second.err" && [ ! -s "$tmp/second.out" ]'

stop "$srv"
rc=$?
check "SIGTERM: exit 0, nothing on stderr" test "$rc" -eq 0 -a ! -s "$tmp/main.err"
check "... the port is closed" sh -c "! curl -s -o /dev/null http://127.0.0.1:$port/"

# ---- concurrent scrapes share the sample in flight ----
# A /proc/net/tcp of 200000 rows makes a sample take a while.
mkdir -p "$tmp/big/net"
printf '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' >"$tmp/big/net/tcp"
awk 'BEGIN { for (i = 0; i < 200000; i++)
	printf "%6d: 0100007F:%04X 0100007F:9E5D 01 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 20 4 30 10 -1\n",
		i, i % 65536, 40000 + i }' >>"$tmp/big/net/tcp"
head -n 1 "$tmp/big/net/tcp" >"$tmp/big/net/tcp6"
if serve big --proc "$tmp/big" --backend procfs; then
	# ten requests from one curl, all sent at once
	args=()
	for i in $(seq 10); do args+=(-o "$tmp/c.$i" "$url"); done
	curl -sS --parallel --parallel-immediate --parallel-max 10 "${args[@]}" 2>"$tmp/curl.err"
	n200=0
	for i in $(seq 10); do grep -q '^tcpstat_up 1$' "$tmp/c.$i" && n200=$((n200 + 1)); done
	samples=$(grep -h '^tcpstat_sample_duration_seconds ' "$tmp"/c.* | sort -u | wc -l)
	dur=$(grep -h '^tcpstat_sample_duration_seconds ' "$tmp/c.1" | cut -d' ' -f2)
	check "10 concurrent scrapes: all answered, from $samples sample(s) (one takes $dur s)" \
		test "$n200" -eq 10 -a "$samples" -le 2
	check "... with the 200000 rows counted" grep -q '^tcpstat_connections{family="ipv4",state="established"} 200000$' "$tmp/c.1"
	stop "$srv"
else
	not_ok "tcpstat --listen on a big /proc/net/tcp" "$(cat "$tmp/big.err")"
fi

# ---- a failed sample: tcpstat_up 0, no count, never an old number ----
mkdir -p "$tmp/flaky/net"
cp "$HOST_TOP/tests/fixtures/proc-basic/net/tcpstat_data" "$tmp/flaky/net/"
if serve flaky --proc "$tmp/flaky" --backend kmod; then
	up_is() { curl -fsS "$url" >"$tmp/f.body" && grep -qx "tcpstat_up $1" "$tmp/f.body"; }
	check "source there: tcpstat_up 1 with counts" \
		eval 'up_is 1 && grep -q "^tcpstat_connections{" "$tmp/f.body"'
	mv "$tmp/flaky/net/tcpstat_data" "$tmp/flaky/tcpstat_data"
	up_is 0
	up_is 0
	check "source gone: tcpstat_up 0, no tcpstat_connections (twice)" \
		eval 'up_is 0 && ! grep -q "^tcpstat_connections" "$tmp/f.body"'
	mv "$tmp/flaky/tcpstat_data" "$tmp/flaky/net/tcpstat_data"
	check "source back: tcpstat_up 1" up_is 1
	stop "$srv"
	rc=$?
	check "the outage said once, its end once; SIGTERM: exit 0" \
		eval '[ $rc -eq 0 ] && [ "$(grep -c "tcpstat_data: No such file or directory" "$tmp/flaky.err")" = 1 ] &&
			[ "$(grep -c "tcpstat_data: recovered" "$tmp/flaky.err")" = 1 ] && [ "$(wc -l <"$tmp/flaky.err")" = 2 ]'
else
	not_ok "tcpstat --listen on a fixture" "$(cat "$tmp/flaky.err")"
fi

# ---- --all-netns: the namespace's labels and counters ----
INO=$(stat -L -c %i "$NS")
if serve all --all-netns --counters --backend netlink; then
	curl -fsS "$url" >"$tmp/all"
	check "--all-netns --counters: the sampled namespace's series and counters, labelled netns=\"$INO\"" \
		eval 'grep -q "^tcpstat_connections{netns=\"$INO\",netns_name=\"\",family=\"ipv4\",state=\"listen\"} [1-9]" "$tmp/all" &&
			grep -q "^tcpstat_active_opens_total{netns=\"$INO\",netns_name=\"\"} [1-9]" "$tmp/all"'
	if command -v promtool >/dev/null 2>&1; then
		check "... promtool check metrics passes" sh -c "promtool check metrics <'$tmp/all' >/dev/null 2>&1"
	fi
	stop "$srv"
else
	not_ok "tcpstat --listen --all-netns" "$(cat "$tmp/all.err")"
fi

finish
