#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# cli.sh - the real binary against the fake /proc trees in tests/fixtures:
# exact output per format, every error path's message and exit code (and
# nothing on stdout then), usage errors, --output, short streams.
# Needs no privilege and no network.
#
# kselftest style: one "ok N - ..." / "not ok N - ..." line per check,
# exit 0 when all pass, 1 otherwise.
#
#   TCPSTAT=user/tcpstat sh tests/unit/cli.sh

set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
TCPSTAT=${TCPSTAT:-$TOP/user/tcpstat}
FIX=$TOP/tests/fixtures
EXP=$FIX/expected
VERSION=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$TOP/dkms.conf")

tmp=$(mktemp -d /tmp/tcpstat-cli.XXXXXX) || exit 1
bg_pid=
cleanup() {
	[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

n=0
failed=0
echo "TAP version 13"

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for line in "$@"; do
		echo "#   $line"
	done
}

# run ARGS...: stdout to $tmp/out, stderr to $tmp/err, status in $rc
run() {
	"$TCPSTAT" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# expect_output DESC FILE ARGS...: exit 0, stdout == FILE, stderr empty
expect_output() {
	desc=$1 want=$2
	shift 2
	run "$@"
	if [ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$want" && [ ! -s "$tmp/err" ]; then
		ok "$desc"
	else
		not_ok "$desc" "status $rc" "stdout: $(head -c 300 "$tmp/out")" \
			"want:   $(head -c 300 "$want")" "stderr: $(cat "$tmp/err")"
	fi
}

# expect_error DESC STATUS STDERR ARGS...: that status, stdout empty,
# stderr exactly STDERR (one line)
expect_error() {
	desc=$1 want_rc=$2 want_err=$3
	shift 3
	run "$@"
	if [ "$rc" -eq "$want_rc" ] && [ ! -s "$tmp/out" ] &&
	   [ "$(cat "$tmp/err")" = "$want_err" ]; then
		ok "$desc"
	else
		not_ok "$desc" "status $rc (want $want_rc)" \
			"stdout: $(head -c 300 "$tmp/out")" \
			"stderr: $(cat "$tmp/err")" "want:   $want_err"
	fi
}

# expect_usage DESC STDERR-PREFIX ARGS...: status 2, stdout empty,
# stderr starts with the prefix and points to --help
expect_usage() {
	desc=$1 want_err=$2
	shift 2
	run "$@"
	first=$(head -n 1 "$tmp/err")
	case $first in
	"$want_err"*) match=1 ;;
	*) match=0 ;;
	esac
	if [ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] && [ "$match" -eq 1 ] &&
	   grep -q "^Try 'tcpstat --help'" "$tmp/err"; then
		ok "$desc"
	else
		not_ok "$desc" "status $rc" "stdout: $(head -c 200 "$tmp/out")" \
			"stderr: $(cat "$tmp/err")" "want:   $want_err..."
	fi
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds
wait_for() {
	limit=$(($1 * 20))
	shift
	i=0
	while ! "$@"; do
		i=$((i + 1))
		[ "$i" -ge "$limit" ] && return 1
		sleep 0.05
	done
	return 0
}

B=$FIX/proc-basic

# ---- exact output, every backend that reads files, every format ----

expect_output "kmod: json" "$EXP/basic.json" --proc "$B" --backend kmod
expect_output "procfs: json" "$EXP/basic.json" --proc "$B" --backend procfs
expect_output "auto picks kmod" "$EXP/basic.json" --proc "$B"
expect_output "kmod: json --family" "$EXP/basic-family.json" --proc "$B" --backend kmod --family
expect_output "procfs: json --family" "$EXP/basic-family.json" --proc "$B" --backend procfs --family
expect_output "kmod: columns by header name, unknown section skipped" \
	"$EXP/basic-family.json" --proc "$FIX/proc-future" --backend kmod --family
expect_output "kmod: prometheus" "$EXP/basic.prom" --proc "$B" --backend kmod --format prometheus
expect_output "procfs: prometheus" "$EXP/basic.prom" --proc "$B" --backend procfs --format prometheus
expect_output "prometheus: --family changes nothing" "$EXP/basic.prom" \
	--proc "$B" --backend kmod --format prometheus --family
expect_output "prometheus: --meta host and escaped --tag labels" "$EXP/basic-tags.prom" \
	--proc "$B" --backend kmod --format prometheus --meta --tag host=fixture \
	--tag 'dc=fra "1" \ a/b'

run --proc "$B" --backend procfs --format influx --tag host=fixture --tag 'dc=fra 1,a=b'
now=$(date +%s)
sed -E 's/ [0-9]{19}$/ TIMESTAMP/' "$tmp/out" >"$tmp/influx"
ts=$(head -n 1 "$tmp/out" | awk '{ print substr($NF, 1, 10) }')
if [ "$rc" -eq 0 ] && cmp -s "$tmp/influx" "$EXP/basic.influx" &&
   [ $((now - ts)) -ge 0 ] && [ $((now - ts)) -le 60 ]; then
	ok "influx: exact lines, escaped tags, ns timestamp of now"
else
	not_ok "influx: exact lines, escaped tags, ns timestamp of now" \
		"status $rc" "$(cat "$tmp/out")"
fi

run --proc "$B" --backend kmod --meta --tag a=1 --tag b=x/y
line=$(cat "$tmp/out")
host=$(uname -n)
case $line in
*'"LISTEN":4,"CLOSING":1,"timestamp":"'????-??-??T??:??:??.???'Z","host":"'"$host"'","tags":{"a":"1","b":"x/y"}}')
	ok "json --meta --tag: timestamp, host, tags" ;;
*)
	not_ok "json --meta --tag: timestamp, host, tags" "$line" ;;
esac

if command -v jq >/dev/null 2>&1; then
	run --proc "$B" --backend kmod --family --meta --tag k=v
	keys=$(jq -c keys_unsorted "$tmp/out" 2>&1)
	if [ "$keys" = '["ESTABLISHED","SYN_SENT","SYN_RECV","FIN_WAIT1","FIN_WAIT2","TIME_WAIT","CLOSE","CLOSE_WAIT","LAST_ACK","LISTEN","CLOSING","ipv4","ipv6","timestamp","host","tags"]' ]; then
		ok "json parses with jq, keys in order"
	else
		not_ok "json parses with jq, keys in order" "$keys"
	fi
else
	ok "json parses with jq, keys in order # SKIP jq not installed"
fi

# ---- source errors: exit 3, the file, the line, nothing on stdout ----

expect_error "kmod: module not loaded" 3 \
	"tcpstat: $FIX/proc-empty/net/tcpstat_data: No such file or directory (is the tcpstat module loaded? try: modprobe tcpstat)" \
	--proc "$FIX/proc-empty" --backend kmod
expect_error "kmod: bad magic" 3 \
	"tcpstat: $FIX/proc-kmod-badmagic/net/tcpstat_data:1: not a tcpstat data file (first word \"tcpstats\", expected \"tcpstat\")" \
	--proc "$FIX/proc-kmod-badmagic" --backend kmod
expect_error "kmod: unknown format version" 3 \
	"tcpstat: $FIX/proc-kmod-version2/net/tcpstat_data:1: unsupported format version \"2\" (this reader knows 1)" \
	--proc "$FIX/proc-kmod-version2" --backend kmod
expect_error "kmod: negative count" 3 \
	"tcpstat: $FIX/proc-kmod-negative/net/tcpstat_data:4: states ipv6 FIN_WAIT2: negative count \"-1\"" \
	--proc "$FIX/proc-kmod-negative" --backend kmod
expect_error "kmod: truncated" 3 \
	"tcpstat: $FIX/proc-kmod-truncated/net/tcpstat_data:4: truncated: last line has no newline" \
	--proc "$FIX/proc-kmod-truncated" --backend kmod --format prometheus
expect_error "kmod: data after end" 3 \
	"tcpstat: $FIX/proc-kmod-after-end/net/tcpstat_data:6: data after \"end\"" \
	--proc "$FIX/proc-kmod-after-end" --backend kmod --format influx
expect_error "procfs: no tcp file" 3 \
	"tcpstat: $FIX/proc-empty/net/tcp: No such file or directory" \
	--proc "$FIX/proc-empty" --backend procfs
expect_error "procfs: bad st field" 3 \
	"tcpstat: $FIX/proc-procfs-badst/net/tcp:4: bad st field \"1\", expected 2 hex digits" \
	--proc "$FIX/proc-procfs-badst" --backend procfs
expect_error "procfs: no header" 3 \
	"tcpstat: $FIX/proc-procfs-noheader/net/tcp:1: not a /proc/net/tcp header (expected \"sl local_address rem_address st ...\")" \
	--proc "$FIX/proc-procfs-noheader" --backend procfs
expect_error "procfs: short tcp6 row" 3 \
	"tcpstat: $FIX/proc-procfs-bad6/net/tcp6:6: row has no st field" \
	--proc "$FIX/proc-procfs-bad6" --backend procfs --output "$tmp/never"
if [ ! -e "$tmp/never" ]; then
	ok "source error: --output file not created"
else
	not_ok "source error: --output file not created"
fi

run --proc "$FIX/proc-no-tcp6" --backend procfs --family
if [ "$rc" -eq 0 ] && grep -q '"ipv6":{"ESTABLISHED":0,"SYN_SENT":0,"SYN_RECV":0,"FIN_WAIT1":0,"FIN_WAIT2":0,"TIME_WAIT":0,"CLOSE":0,"CLOSE_WAIT":0,"LAST_ACK":0,"LISTEN":0,"CLOSING":0}' "$tmp/out"; then
	ok "procfs: no tcp6 file counts as no IPv6 socket"
else
	not_ok "procfs: no tcp6 file counts as no IPv6 socket" "$(cat "$tmp/out" "$tmp/err")"
fi

expect_error "--netns: not a network namespace" 3 \
	"tcpstat: /etc/passwd: not a network namespace" --netns /etc/passwd
expect_error "--netns: missing path" 3 \
	"tcpstat: $tmp/no-such-ns: No such file or directory" --netns "$tmp/no-such-ns"

# ---- a big /proc/net/tcp: many 256 KiB reads, lines split across them ----

mkdir -p "$tmp/big/net"
head -n 1 "$B/net/tcp" >"$tmp/big/net/tcp"
awk 'BEGIN { for (i = 0; i < 30000; i++)
	printf "%6d: 0100007F:%04X 0100007F:9E5D %02X 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 20 4 30 10 -1                     \n",
		i, i % 65536, i % 13, 40000 + i }' >>"$tmp/big/net/tcp"
run --proc "$tmp/big" --backend procfs
# st = i % 13: 0 and 12 are not reported; 30000 = 13 * 2307 + 9, so
# states 1..8 have 2308 rows and 9..11 have 2307
if [ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = '{"ESTABLISHED":2308,"SYN_SENT":2308,"SYN_RECV":2308,"FIN_WAIT1":2308,"FIN_WAIT2":2308,"TIME_WAIT":2308,"CLOSE":2308,"CLOSE_WAIT":2308,"LAST_ACK":2307,"LISTEN":2307,"CLOSING":2307}' ]; then
	ok "procfs: 30000 rows ($(wc -c <"$tmp/big/net/tcp") bytes)"
else
	not_ok "procfs: 30000 rows" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi

# ---- usage errors: exit 2, nothing on stdout ----

expect_usage "unknown format" "tcpstat: --format: unknown format 'xml'" --format xml
expect_usage "unknown backend" "tcpstat: --backend: unknown backend 'ss'" --backend ss
expect_usage "interval 0" "tcpstat: --interval: invalid value '0'" --interval 0
expect_usage "interval negative" "tcpstat: --interval: invalid value '-1'" --interval -1
expect_usage "interval not a number" "tcpstat: --interval: invalid value '1s'" --interval 1s
expect_usage "interval too long" "tcpstat: --interval: invalid value '86401'" --interval 86401
expect_usage "count 0" "tcpstat: --count: invalid value '0'" --interval 1 --count 0
expect_usage "count without interval" "tcpstat: --count needs --interval" --count 3
expect_usage "tag without =" "tcpstat: --tag 'dc': expected KEY=VALUE" --tag dc
expect_usage "tag bad key" "tcpstat: --tag '1dc=x': key must match" --tag 1dc=x
expect_usage "tag __ key" "tcpstat: --tag '__dc=x': key must match" --tag __dc=x
expect_usage "tag duplicate key" "tcpstat: --tag 'dc=b': duplicate key \"dc\"" --tag dc=a --tag dc=b
expect_usage "tag reserved key" "tcpstat: --tag 'state=x': key \"state\" is reserved" --tag state=x
expect_usage "tag value with newline" "tcpstat: --tag 'dc=a" --tag "dc=a
b"
expect_usage "tag value not UTF-8" "tcpstat: --tag 'dc=" --tag "$(printf 'dc=\377')"
expect_usage "unknown option" "tcpstat: unknown option '--frobnicate'" --frobnicate
expect_usage "missing value" "tcpstat: option '--format' needs a value" --format
expect_usage "stray argument" "tcpstat: unexpected argument 'json'" json

run --help
if [ "$rc" -eq 0 ] && grep -q '^Exit status:' "$tmp/out" && grep -q -- '--netns PATH' "$tmp/out" &&
   [ ! -s "$tmp/err" ]; then
	ok "--help"
else
	not_ok "--help" "status $rc"
fi
run --version
if [ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "tcpstat $VERSION" ] && [ -n "$VERSION" ]; then
	ok "--version is dkms.conf's PACKAGE_VERSION ($VERSION)"
else
	not_ok "--version" "$(cat "$tmp/out")" "want tcpstat $VERSION"
fi

# ---- output ----

mkdir "$tmp/outdir"
run --proc "$B" --backend kmod --output "$tmp/outdir/tcpstat.json"
mode=$(stat -c %a "$tmp/outdir/tcpstat.json" 2>/dev/null)
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && cmp -s "$tmp/outdir/tcpstat.json" "$EXP/basic.json" &&
   [ "$mode" = 644 ] && [ "$(ls -A "$tmp/outdir")" = tcpstat.json ]; then
	ok "--output: file written (mode 644), nothing on stdout, no temp file left"
else
	not_ok "--output" "status $rc mode $mode" "$(ls -A "$tmp/outdir")" "$(cat "$tmp/err")"
fi
run --proc "$B" --backend kmod --format prometheus --output "$tmp/outdir/tcpstat.json"
if [ "$rc" -eq 0 ] && cmp -s "$tmp/outdir/tcpstat.json" "$EXP/basic.prom"; then
	ok "--output: replaces the file"
else
	not_ok "--output: replaces the file" "status $rc"
fi
expect_error "--output: missing directory" 4 \
	"tcpstat: $tmp/nodir/out.prom: cannot create a temporary file in $tmp/nodir/: No such file or directory" \
	--proc "$B" --backend kmod --output "$tmp/nodir/out.prom"

"$TCPSTAT" --proc "$B" --backend kmod >/dev/full 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 4 ] && [ "$(cat "$tmp/err")" = "tcpstat: stdout: write: No space left on device" ]; then
	ok "stdout full: exit 4"
else
	not_ok "stdout full: exit 4" "status $rc" "$(cat "$tmp/err")"
fi
"$TCPSTAT" --proc "$B" --backend kmod >&- 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 4 ] && grep -q '^tcpstat: stdout: write: Bad file descriptor$' "$tmp/err"; then
	ok "stdout closed: exit 4"
else
	not_ok "stdout closed: exit 4" "status $rc" "$(cat "$tmp/err")"
fi

# ---- short streams ----

run --proc "$B" --backend procfs --interval 0.05 --count 3
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 3 ] &&
   [ "$(sort -u "$tmp/out")" = "$(cat "$EXP/basic.json")" ] && [ ! -s "$tmp/err" ]; then
	ok "--interval 0.05 --count 3: three NDJSON lines"
else
	not_ok "--interval 0.05 --count 3" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi

run --proc "$B" --backend kmod --format prometheus --interval 0.05 --count 2
if [ "$rc" -eq 0 ] && [ "$(grep -c '^# TYPE' "$tmp/out")" -eq 2 ] &&
   [ "$(wc -l <"$tmp/out")" -eq 48 ]; then
	ok "--format prometheus --interval: one exposition per sample"
else
	not_ok "--format prometheus --interval" "status $rc"
fi

# A source that fails in a stream: reported once, samples skipped, then
# "recovered" once when it comes back; the stream never stops for it.
mkdir -p "$tmp/flaky/net"
"$TCPSTAT" --proc "$tmp/flaky" --backend kmod --interval 0.05 --count 200 \
	>"$tmp/flaky.out" 2>"$tmp/flaky.err" &
bg_pid=$!
if wait_for 10 grep -q 'No such file or directory' "$tmp/flaky.err"; then
	cp "$B/net/tcpstat_data" "$tmp/flaky/net/tcpstat_data.new"
	mv "$tmp/flaky/net/tcpstat_data.new" "$tmp/flaky/net/tcpstat_data"
fi
wait_for 10 grep -q recovered "$tmp/flaky.err"
printf 'tcpstat 1 0.1.0\nstates\n' >"$tmp/flaky/net/tcpstat_data.new"
mv "$tmp/flaky/net/tcpstat_data.new" "$tmp/flaky/net/tcpstat_data"
wait_for 10 grep -q 'second column' "$tmp/flaky.err"
kill -TERM "$bg_pid"
wait "$bg_pid"
rc=$?
bg_pid=
errs=$(grep -c 'No such file or directory' "$tmp/flaky.err")
recs=$(grep -c "^tcpstat: $tmp/flaky/net/tcpstat_data: recovered\$" "$tmp/flaky.err")
parse=$(grep -c "^tcpstat: $tmp/flaky/net/tcpstat_data:2: states header: second column must be \"family\"\$" "$tmp/flaky.err")
lines=$(wc -l <"$tmp/flaky.out")
if [ "$rc" -eq 0 ] && [ "$errs" -eq 1 ] && [ "$recs" -eq 1 ] && [ "$parse" -eq 1 ] &&
   [ "$lines" -ge 1 ] && [ "$(sort -u "$tmp/flaky.out")" = "$(cat "$EXP/basic.json")" ]; then
	ok "stream: source error reported once, recovered once, $lines good lines, SIGTERM exit 0"
else
	not_ok "stream: transient source errors" "status $rc, errors $errs, recovered $recs, parse $parse, lines $lines" \
		"$(cat "$tmp/flaky.err")"
fi

run --proc "$FIX/proc-empty" --backend kmod --interval 0.02 --count 3
if [ "$rc" -eq 3 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
	ok "stream --count whose last sample failed: exit 3, one message"
else
	not_ok "stream --count whose last sample failed" "status $rc" "$(cat "$tmp/err")"
fi

echo "1..$n"
echo "cli: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
