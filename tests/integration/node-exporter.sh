#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# node-exporter.sh - tcpstat feeding Debian's prometheus-node-exporter
# through its textfile collector, as an operator runs it:
#   tcpstat --format prometheus --interval 1 --output DIR/tcpstat.prom
#   prometheus-node-exporter --collector.textfile.directory=DIR
# node_exporter runs as a plain process on a free 127.0.0.1 port with a
# temporary textfile directory. tcpstat counts the network namespace of a
# sockfarm (--netns), which holds only the sockets sockfarm built, so the
# scraped tcpstat_connections must equal them exactly. Scrapes during
# rewrites must never see a partial file, and the file's mtime must move
# with the interval. Then, as make install-systemd sets it up (the
# textfile a link to /run/tcpstat/tcpstat.prom): tcpstat writes through
# the link, and when its source fails node_exporter serves tcpstat_up 0
# and no counts, never the last ones.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root (netns).
#   TCPSTAT=user/tcpstat bash tests/integration/node-exporter.sh

set -u
# shellcheck source=tests/integration/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
need_host_pkgs prometheus-node-exporter curl iproute2 util-linux
[ -x "$TCPSTAT" ] || skip_all "no $TCPSTAT (make user)"
[ -x "$SOCKFARM" ] || skip_all "no $SOCKFARM (make sockfarm)"

integ_start node-exporter

textdir=$tmp/textfile
mkdir -p "$textdir"
bg tcpstat "$TCPSTAT" --format prometheus --interval 1 --netns "$FARM_NS" \
	--output "$textdir/tcpstat.prom"
TCPSTAT_PID=$BG_LAST
if wait_for 10 test -s "$textdir/tcpstat.prom"; then
	ok "tcpstat writes $textdir/tcpstat.prom"
else
	not_ok "tcpstat writes $textdir/tcpstat.prom" "$(cat "$tmp/tcpstat.log")"
fi

if start_node_exporter "$textdir"; then
	ok "node_exporter answers on 127.0.0.1:$NE_PORT"
else
	not_ok "node_exporter answers on 127.0.0.1:${NE_PORT:-?}" "$(tail -n 20 "$tmp/node_exporter.log")"
	finish
fi
url=http://127.0.0.1:$NE_PORT/metrics

curl -fsS --max-time 5 "$url" >"$tmp/scrape" 2>"$tmp/curl.err"
check "scrape /metrics" [ -s "$tmp/scrape" ]
n=$(grep -c '^tcpstat_connections{' "$tmp/scrape")
check "the scrape has 22 tcpstat_connections samples (2 families x 11 states)" [ "$n" -eq 22 ]
check "with tcpstat's HELP and TYPE gauge" grep -qx '# TYPE tcpstat_connections gauge' "$tmp/scrape"
check "node_textfile_scrape_error is 0" grep -qx 'node_textfile_scrape_error 0' "$tmp/scrape"
check "tcpstat_up is 1" grep -qx 'tcpstat_up 1' "$tmp/scrape"
# auto answers with bpf where this kernel runs the iterator (root, BTF) and
# its walk is exact (bpf says nothing), with netlink elsewhere (no module
# on the host).
want_backend=netlink
"$TCPSTAT" --backend bpf --netns "$FARM_NS" >/dev/null 2>"$tmp/bpf.err" &&
	[ ! -s "$tmp/bpf.err" ] && want_backend=bpf
check "tcpstat_build_info names the version and the backend that answered ($want_backend)" \
	grep -qx "tcpstat_build_info{backend=\"$want_backend\",version=\"$("$TCPSTAT" --version | cut -d' ' -f2)\"} 1" "$tmp/scrape"
check "tcpstat_sample_duration_seconds is there" grep -q '^tcpstat_sample_duration_seconds [0-9]' "$tmp/scrape"
prom_to_rows <"$tmp/scrape" >"$tmp/scraped.view"
if cmp -s "$tmp/scraped.view" "$tmp/farm.view"; then
	ok "scraped tcpstat_connections equal the sockets sockfarm built"
else
	not_ok "scraped tcpstat_connections equal the sockets sockfarm built" \
		"scraped: $(tr '\n' ' ' <"$tmp/scraped.view")" "built:   $(tr '\n' ' ' <"$tmp/farm.view")"
fi

# The file is rewritten every second: node_exporter's mtime gauge moves.
mtime() {
	curl -fsS --max-time 5 "$url" |
		sed -n 's/^node_textfile_mtime_seconds{file="[^"]*tcpstat.prom"} \(.*\)$/\1/p'
}
m1=$(mtime)
mtime_moved() { [ -n "$m1" ] && [ "$(mtime)" != "$m1" ]; }
check "the file's mtime moves with the 1 s interval" wait_for 5 mtime_moved

# Scrape as fast as possible across several rewrites: every scrape sees
# a whole file (the rename is atomic).
torn=0 scrapes=0
end=$(($(date +%s) + 3))
while [ "$(date +%s)" -lt "$end" ]; do
	scrapes=$((scrapes + 1))
	curl -fsS --max-time 5 "$url" >"$tmp/fast" 2>/dev/null || { torn=$((torn + 1)); continue; }
	if ! grep -qx 'node_textfile_scrape_error 0' "$tmp/fast" ||
		[ "$(grep -c '^tcpstat_connections{' "$tmp/fast")" -ne 22 ]; then
		torn=$((torn + 1))
		cp "$tmp/fast" "$tmp/torn"
	fi
done
if [ "$torn" -eq 0 ] && [ "$scrapes" -gt 10 ]; then
	ok "$scrapes scrapes during 3 rewrites: every one complete, no textfile error"
else
	not_ok "$scrapes scrapes during 3 rewrites: every one complete, no textfile error" \
		"$torn incomplete" "$(grep -E 'textfile|^tcpstat' "$tmp/torn" 2>/dev/null | head -n 5)"
fi
check "tcpstat left no temporary file behind" \
	[ "$(find "$textdir" -mindepth 1 | wc -l)" -eq 1 ]

# A change in the namespace reaches the scrape: stop the farm (its
# listeners and connections close) and the counts follow.
farm_stop
changed() { scrape_rows "$url" >"$tmp/after.view" && ! cmp -s "$tmp/after.view" "$tmp/farm.view"; }
check "after the sockets close, the scraped counts change" wait_for 10 changed

# As make install-systemd sets it up: the textfile is a link to the file
# the service writes. tcpstat --output on the link writes its target.
kill -TERM "$TCPSTAT_PID"
bg_wait "$TCPSTAT_PID"
mkdir -p "$tmp/run" "$tmp/fake/net"
rm -f "$textdir/tcpstat.prom"
ln -s "$tmp/run/tcpstat.prom" "$textdir/tcpstat.prom"
cp "$INTEG_TOP/tests/fixtures/proc-basic/net/tcpstat_data" "$tmp/fake/net/"
bg fixture "$TCPSTAT" --proc "$tmp/fake" --backend kmod --format prometheus --interval 0.2 \
	--output "$textdir/tcpstat.prom"
scrape_has() {
	curl -fsS --max-time 5 "$url" >"$tmp/scrape" 2>/dev/null &&
		grep -qx 'node_textfile_scrape_error 0' "$tmp/scrape" &&
		grep -qx "tcpstat_up $1" "$tmp/scrape" &&
		[ "$(grep -c '^tcpstat_connections{' "$tmp/scrape")" -eq "$2" ]
}
check "through the link: node_exporter scrapes it (tcpstat_up 1, 22 counts)" wait_for 10 scrape_has 1 22
check "the link is still a link, its target a file" [ -L "$textdir/tcpstat.prom" -a -f "$tmp/run/tcpstat.prom" ]
check "no temporary file by the link or by the target" \
	[ "$(ls -A "$textdir")" = tcpstat.prom -a "$(ls -A "$tmp/run")" = tcpstat.prom ]
# The source fails: the next scrape says so, with no old number.
rm "$tmp/fake/net/tcpstat_data"
check "source gone: node_exporter serves tcpstat_up 0 and no tcpstat_connections" \
	wait_for 10 scrape_has 0 0
cp "$INTEG_TOP/tests/fixtures/proc-basic/net/tcpstat_data" "$tmp/fake/net/"
check "source back: tcpstat_up 1 and the counts again" wait_for 10 scrape_has 1 22

finish
