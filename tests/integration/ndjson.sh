#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ndjson.sh - the NDJSON stream feeds a real line consumer as it runs:
#   tcpstat --interval 1 --meta --family --netns <farm> | jq --unbuffered
# jq parses each line on its own and prints a summary line at once. The
# test reads those summaries as they come: each must arrive about a second
# after the previous one while tcpstat is still running (lines are written
# and flushed one by one, not at exit), parse, carry the time and host,
# have totals that are the sum of the families, and hold the counts of the
# sockets sockfarm built in its own network namespace.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root (netns).
#   TCPSTAT=user/tcpstat bash tests/integration/ndjson.sh

set -u
# shellcheck source=tests/integration/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
need_host_pkgs jq iproute2 util-linux
[ -x "$TCPSTAT" ] || skip_all "no $TCPSTAT (make user)"
[ -x "$SOCKFARM" ] || skip_all "no $SOCKFARM (make sockfarm)"

cleanup_more() { exec 3<&- 2>/dev/null; }
integ_start ndjson
SAMPLES=5

# The consumer: one output line per input object, flushed at once:
#   <timestamp> <host> <totals==ipv4+ipv6> ipv4 <11 counts> ipv6 <11 counts>
# shellcheck disable=SC2016 # a jq program
JQ='. as $o
	| ($o | keys_unsorted[0:11]) as $st
	| [$o.timestamp, $o.host,
	   ([$st[] | $o[.] == $o.ipv4[.] + $o.ipv6[.]] | all | tostring),
	   "ipv4", ($st[] | $o.ipv4[.] | tostring),
	   "ipv6", ($st[] | $o.ipv6[.] | tostring)]
	| join(" ")'
mkfifo "$tmp/stream" "$tmp/parsed"
"$TCPSTAT" --interval 1 --count "$SAMPLES" --meta --family --netns "$FARM_NS" \
	>"$tmp/stream" 2>"$tmp/tcpstat.err" &
producer=$!
BG_PIDS+=("$producer")
jq --unbuffered -r "$JQ" <"$tmp/stream" >"$tmp/parsed" 2>"$tmp/jq.err" &
consumer=$!
BG_PIDS+=("$consumer")
exec 3<"$tmp/parsed"

# Read the consumer's lines as they arrive, noting when each came and
# whether tcpstat was still running then.
n=0
: >"$tmp/lines"
while [ $n -lt $SAMPLES ] && IFS= read -r -t 10 line <&3; do
	now=$(date +%s.%N)
	alive=no
	kill -0 "$producer" 2>/dev/null && alive=yes
	n=$((n + 1))
	echo "$now $alive $line" >>"$tmp/lines"
done
check "jq parsed $SAMPLES lines, one per sample" [ "$n" -eq "$SAMPLES" ]
sed 's/^/# /' "$tmp/lines"

# All but the last arrive while tcpstat still runs: streamed, not
# buffered until exit.
alive_early=$(head -n $((SAMPLES - 1)) "$tmp/lines" | awk '$2 == "yes"' | wc -l)
check "each line reaches jq while tcpstat is still running" [ "$alive_early" -eq $((SAMPLES - 1)) ]
check "lines arrive one by one, 0.7-1.3 s apart" awk -v n="$SAMPLES" '
	NR > 1 { d = $1 - prev; if (d < 0.7 || d > 1.3) bad = 1 }
	{ prev = $1 }
	END { exit (bad || NR != n) }' "$tmp/lines"
rfc3339=$(cut -d' ' -f3 "$tmp/lines" |
	grep -Ecx '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z')
check "timestamps are RFC 3339 UTC with milliseconds" [ "$rfc3339" -eq "$n" -a "$n" -gt 0 ]
check "timestamps are one second apart" awk '
	{ split(substr($3, 12, 12), t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]
	  if (NR > 1) { d = s - prev; if (d < 0) d += 86400; if (d < 0.9 || d > 1.1) bad = 1 }
	  prev = s }
	END { exit (bad || NR == 0) }' "$tmp/lines"
host=$(uname -n)
check "host is the system host name ($host)" awk -v h="$host" '$4 != h { bad = 1 } END { exit (bad || NR == 0) }' "$tmp/lines"
check "totals are the sum of the families in every line" awk '$5 != "true" { bad = 1 } END { exit (bad || NR == 0) }' "$tmp/lines"
want=$(tr '\n' ' ' <"$tmp/farm.view" | sed 's/ $//')
bad=$(cut -d' ' -f6- "$tmp/lines" | grep -cvxF "$want")
check "every line holds the sockets sockfarm built" [ "$bad" -eq 0 -a "$n" -gt 0 ]

# The stream ends by itself after --count samples.
wait_for 10 sh -c "! kill -0 $producer 2>/dev/null"
bg_wait "$producer"
prc=$?
if [ "$prc" -eq 0 ] && [ ! -s "$tmp/tcpstat.err" ]; then
	ok "tcpstat exits 0 after $SAMPLES samples, nothing on stderr"
else
	not_ok "tcpstat exits 0 after $SAMPLES samples, nothing on stderr (exit $prc)" "$(cat "$tmp/tcpstat.err")"
fi
wait_for 10 sh -c "! kill -0 $consumer 2>/dev/null"
bg_wait "$consumer"
jrc=$?
if [ "$jrc" -eq 0 ] && [ ! -s "$tmp/jq.err" ]; then
	ok "jq read every line without an error"
else
	not_ok "jq read every line without an error (exit $jrc)" "$(cat "$tmp/jq.err")"
fi
stream_ended() { ! IFS= read -r -t 5 _ <&3; }
check "the stream ends after $SAMPLES lines" stream_ended

finish
