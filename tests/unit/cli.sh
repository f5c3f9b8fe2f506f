#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# cli.sh - the real binary against the fake /proc trees in tests/fixtures:
# exact output per format (counts, --ports, --all-netns), every error
# path's message and exit code (and nothing on stdout then), usage errors,
# --output, short streams.
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

# ---- --ports: the module file and /proc/net/tcp{,6} of the same sockets ----

P=$FIX/proc-ports
NS=$FIX/proc-netns
expect_output "kmod --ports: json" "$EXP/ports.json" --proc "$P" --backend kmod --ports
expect_output "auto --ports picks kmod (tcpstat_ports)" "$EXP/ports.json" --proc "$P" --ports
expect_output "procfs --ports: json, unknown limits as null" "$EXP/ports-procfs.json" \
	--proc "$P" --backend procfs --ports
expect_output "kmod --ports: prometheus" "$EXP/ports.prom" --proc "$P" --backend kmod \
	--format prometheus --ports
expect_output "procfs --ports: prometheus without backlog and ratio" "$EXP/ports-procfs.prom" \
	--proc "$P" --backend procfs --format prometheus --ports

# influx: exact lines after the timestamp
expect_influx() {
	desc=$1 want=$2
	shift 2
	run "$@"
	sed -E 's/ [0-9]{19}$/ TIMESTAMP/' "$tmp/out" >"$tmp/influx"
	if [ "$rc" -eq 0 ] && cmp -s "$tmp/influx" "$want" && [ ! -s "$tmp/err" ] &&
	   [ "$(cut -d' ' -f3 "$tmp/out" | sort -u | wc -l)" -eq 1 ]; then
		ok "$desc"
	else
		not_ok "$desc" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
	fi
}
expect_influx "kmod --port 39285 --port 1,80: influx, one port, one timestamp" \
	"$EXP/ports-filter.influx" --proc "$P" --backend kmod --port 39285 --port 1,80 \
	--format influx --tag host=fixture
expect_influx "procfs --ports: influx without the unknown fields" "$EXP/ports-procfs.influx" \
	--proc "$P" --backend procfs --ports --format influx --tag host=fixture

if command -v jq >/dev/null 2>&1; then
	# every field both have: equal; the procfs-only nulls are exactly the limits
	"$TCPSTAT" --proc "$P" --backend kmod --ports --family >"$tmp/k.json" 2>&1
	"$TCPSTAT" --proc "$P" --backend procfs --ports --family >"$tmp/p.json" 2>&1
	common='del(.ports[].backlog, .ports[].fullest_queue, .ports[].fullest_backlog, .ports[].saturated)'
	if [ "$(jq -c "$common" "$tmp/k.json")" = "$(jq -c "$common" "$tmp/p.json")" ] &&
	   [ "$(jq -c '[.ports[] | [.backlog, .fullest_queue, .fullest_backlog, .saturated]] | flatten | unique' "$tmp/p.json")" = '[null]' ] &&
	   [ "$(jq -c '[.ports[] | .saturated]' "$tmp/k.json")" = '[false,true,false]' ] &&
	   jq -e '[.ports[] | .listeners == .states.LISTEN] | all' "$tmp/k.json" >/dev/null; then
		ok "kmod and procfs --ports agree on every field both have"
	else
		not_ok "kmod and procfs --ports agree" "$(cat "$tmp/k.json" "$tmp/p.json")"
	fi
	run --proc "$P" --backend procfs --port 41217,39285,7
	if [ "$rc" -eq 0 ] && [ "$(jq -c '[.ports[].port]' "$tmp/out")" = '[39285,41217]' ]; then
		ok "--port: only the listed ports that listen, ascending"
	else
		not_ok "--port filter" "$(cat "$tmp/out" "$tmp/err")"
	fi
	run --proc "$P" --backend kmod --port 7
	if [ "$rc" -eq 0 ] && [ "$(jq -c '.ports' "$tmp/out")" = '[]' ]; then
		ok "--port of a port nobody listens on: an empty list"
	else
		not_ok "--port of a port nobody listens on" "$(cat "$tmp/out" "$tmp/err")"
	fi
else
	ok "kmod and procfs --ports agree # SKIP jq not installed"
fi

expect_error "kmod --ports: a module without tcpstat_ports" 3 \
	"tcpstat: $B/net/tcpstat_ports: No such file or directory (the loaded tcpstat module has no per-port view; --ports needs a newer one)" \
	--proc "$B" --backend kmod --ports
expect_error "kmod --ports: module not loaded" 3 \
	"tcpstat: $FIX/proc-empty/net/tcpstat_ports: No such file or directory (is the tcpstat module loaded? try: modprobe tcpstat)" \
	--proc "$FIX/proc-empty" --backend kmod --port 80
expect_error "kmod --ports: rows out of order" 3 \
	"tcpstat: $FIX/proc-ports-unordered/net/tcpstat_ports:7: ports: port 35379 after port 39285 (rows must be in ascending port order)" \
	--proc "$FIX/proc-ports-unordered" --backend kmod --ports
expect_error "procfs --ports: a short row is an error with its line" 3 \
	"tcpstat: $FIX/proc-procfs-bad6/net/tcp6:6: row has no st field" \
	--proc "$FIX/proc-procfs-bad6" --backend procfs --ports

run --proc "$P" --backend procfs --ports --interval 0.05 --count 2
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 2 ] &&
   [ "$(sort -u "$tmp/out")" = "$(cat "$EXP/ports-procfs.json")" ]; then
	ok "--ports --interval --count 2: two NDJSON lines"
else
	not_ok "--ports --interval" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
mkdir -p "$tmp/portsout"
run --proc "$P" --backend kmod --ports --format prometheus --output "$tmp/portsout/p.prom"
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && cmp -s "$tmp/portsout/p.prom" "$EXP/ports.prom"; then
	ok "--ports --output: the file holds the exposition"
else
	not_ok "--ports --output" "status $rc" "$(cat "$tmp/err")"
fi

# ---- --all-netns from the module's tcpstat_netns ----

expect_output "kmod --all-netns: json" "$EXP/netns.json" --proc "$NS" --backend kmod \
	--all-netns --run-netns "$tmp/no-names"
expect_output "kmod --all-netns --family: json" "$EXP/netns-family.json" --proc "$NS" \
	--backend kmod --all-netns --family --run-netns "$tmp/no-names"
expect_output "kmod --all-netns: prometheus" "$EXP/netns.prom" --proc "$NS" --backend kmod \
	--all-netns --format prometheus --run-netns "$tmp/no-names"
expect_influx "kmod --all-netns: influx" "$EXP/netns.influx" --proc "$NS" --backend kmod \
	--all-netns --format influx --tag host=fixture --run-netns "$tmp/no-names"

# Names: a fake tree listing our own namespace, and a --run-netns directory
# whose entries are links to namespace files (what `ip netns add` mounts).
self_ino=$(stat -L -c %i /proc/self/ns/net 2>/dev/null)
if [ -n "$self_ino" ]; then
	mkdir -p "$tmp/nsproc/net" "$tmp/names"
	{
		echo "tcpstat 1 0.1.0"
		echo "netns inode family ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING"
		echo "netns 1 ipv4 0 0 0 0 0 0 0 0 0 1 0"
		echo "netns 1 ipv6 0 0 0 0 0 0 0 0 0 0 0"
		echo "netns $self_ino ipv4 1 0 0 0 0 0 0 0 0 1 0"
		echo "netns $self_ino ipv6 0 0 0 0 0 0 0 0 0 0 0"
		echo "end"
	} >"$tmp/nsproc/net/tcpstat_netns"
	ln -s /proc/self/ns/net "$tmp/names/web"
	ln -s /proc/self/ns/net "$tmp/names/blue"
	: >"$tmp/names/stale"
	run --proc "$tmp/nsproc" --backend kmod --all-netns --run-netns "$tmp/names"
	want="{\"netns\":[{\"inode\":1,\"ESTABLISHED\":0,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":0,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":1,\"CLOSING\":0},{\"inode\":$self_ino,\"name\":\"blue\",\"ESTABLISHED\":1,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":0,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":1,\"CLOSING\":0}]}"
	if [ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "$want" ]; then
		ok "--run-netns: a namespace's name (the first of its names), none for others"
	else
		not_ok "--run-netns names" "$(cat "$tmp/out" "$tmp/err")" "want: $want"
	fi
	run --proc "$tmp/nsproc" --backend kmod --all-netns --run-netns "$tmp/names" --format prometheus
	if [ "$rc" -eq 0 ] && grep -qx "tcpstat_connections{netns=\"$self_ino\",netns_name=\"blue\",family=\"ipv4\",state=\"established\"} 1" "$tmp/out" &&
	   grep -qx 'tcpstat_connections{netns="1",netns_name="",family="ipv6",state="closing"} 0' "$tmp/out"; then
		ok "--run-netns: prometheus netns_name, empty when unknown"
	else
		not_ok "--run-netns: prometheus netns_name" "$(head -5 "$tmp/out")" "$(cat "$tmp/err")"
	fi
	run --proc "$tmp/nsproc" --backend kmod --all-netns --run-netns "$tmp/names" --format influx
	if [ "$rc" -eq 0 ] && grep -q "^tcpstat,netns=$self_ino,netns_name=blue,family=ipv4,host=" "$tmp/out" &&
	   grep -q "^tcpstat,netns=1,family=ipv4,host=" "$tmp/out"; then
		ok "--run-netns: influx netns_name tag only when known"
	else
		not_ok "--run-netns: influx netns_name tag" "$(cat "$tmp/out" "$tmp/err")"
	fi
	expect_error "--run-netns: a file, not a directory" 3 \
		"tcpstat: $tmp/names/stale: Not a directory" \
		--proc "$tmp/nsproc" --backend kmod --all-netns --run-netns "$tmp/names/stale"
else
	ok "--run-netns names # SKIP no /proc/self/ns/net"
fi

expect_error "kmod --all-netns: no tcpstat_netns" 3 \
	"tcpstat: $B/net/tcpstat_netns: No such file or directory (--all-netns with the kmod backend needs the tcpstat module, and runs in the initial network namespace)" \
	--proc "$B" --backend kmod --all-netns
expect_error "kmod --all-netns: a namespace's rows apart" 3 \
	"tcpstat: $FIX/proc-netns-split/net/tcpstat_netns:4: netns 4026531840: missing ipv6 row" \
	--proc "$FIX/proc-netns-split" --backend kmod --all-netns

run --proc "$NS" --backend kmod --all-netns --run-netns "$tmp/no-names" --format prometheus \
	--interval 0.05 --count 2
if [ "$rc" -eq 0 ] && [ "$(grep -c '^# TYPE' "$tmp/out")" -eq 2 ] &&
   [ "$(wc -l <"$tmp/out")" -eq $((2 * $(wc -l <"$EXP/netns.prom"))) ]; then
	ok "--all-netns --interval --count 2: two expositions"
else
	not_ok "--all-netns --interval" "status $rc" "$(cat "$tmp/err")"
fi

# Without privilege: the module's file is root-only, setns needs CAP_SYS_ADMIN.
as_nobody=
if [ "$(id -u)" -ne 0 ]; then
	as_nobody=" "
elif command -v setpriv >/dev/null 2>&1 &&
     setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
fi
mkdir -p "$tmp/rootonly/net"
cp "$NS/net/tcpstat_netns" "$tmp/rootonly/net/"
chmod 0400 "$tmp/rootonly/net/tcpstat_netns"
chmod 0755 "$tmp" "$tmp/rootonly" "$tmp/rootonly/net"
if [ -n "$as_nobody" ] && $as_nobody test -x "$TCPSTAT" 2>/dev/null &&
   ! $as_nobody test -r "$tmp/rootonly/net/tcpstat_netns"; then
	# shellcheck disable=SC2086
	$as_nobody "$TCPSTAT" --proc "$tmp/rootonly" --backend kmod --all-netns >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 3 ] && [ ! -s "$tmp/out" ] &&
	   [ "$(cat "$tmp/err")" = "tcpstat: $tmp/rootonly/net/tcpstat_netns: Permission denied (--all-netns reads a file only root can read: run as root)" ]; then
		ok "kmod --all-netns without root: exit 3, needs root"
	else
		not_ok "kmod --all-netns without root" "status $rc" "$(cat "$tmp/err")"
	fi
	for b in netlink procfs; do
		# shellcheck disable=SC2086
		$as_nobody "$TCPSTAT" --backend $b --all-netns --interval 1 >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [ "$rc" -eq 3 ] && [ ! -s "$tmp/out" ] &&
		   [ "$(cat "$tmp/err")" = "tcpstat: --all-netns: setns: Operation not permitted (the $b backend enters every network namespace, which needs CAP_SYS_ADMIN: run as root)" ]; then
			ok "$b --all-netns without CAP_SYS_ADMIN: exit 3 at once, even for a stream"
		else
			not_ok "$b --all-netns without CAP_SYS_ADMIN" "status $rc" "$(cat "$tmp/err")"
		fi
	done
else
	ok "--all-netns without privilege # SKIP cannot run as an unprivileged user here"
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
expect_usage "port 0" "tcpstat: --port: '0' in '0' is not a port (1-65535)" --port 0
expect_usage "port out of range" "tcpstat: --port: '65536' in '80,65536' is not a port (1-65535)" --port 80,65536
expect_usage "port empty item" "tcpstat: --port: '' in '80,,81' is not a port (1-65535)" --port 80,,81
expect_usage "port not a number" "tcpstat: --port: 'http' in 'http' is not a port (1-65535)" --port http
expect_usage "all-netns with netns" "tcpstat: --all-netns and --netns cannot be used together" \
	--all-netns --netns /proc/self/ns/net
expect_usage "all-netns with ports" "tcpstat: --ports and --port cannot be used with --all-netns" \
	--all-netns --ports
expect_usage "all-netns with port" "tcpstat: --ports and --port cannot be used with --all-netns" \
	--port 80 --all-netns
expect_usage "run-netns without all-netns" "tcpstat: --run-netns needs --all-netns" --run-netns /run/netns
expect_usage "run-netns empty" "tcpstat: --run-netns: empty directory name" --all-netns --run-netns ""
expect_usage "tag port reserved" "tcpstat: --tag 'port=1': key \"port\" is reserved" --tag port=1
expect_usage "tag netns_name reserved" "tcpstat: --tag 'netns_name=x': key \"netns_name\" is reserved" --tag netns_name=x
expect_usage "unknown option" "tcpstat: unknown option '--frobnicate'" --frobnicate
expect_usage "missing value" "tcpstat: option '--format' needs a value" --format
expect_usage "stray argument" "tcpstat: unexpected argument 'json'" json

run --help
if [ "$rc" -eq 0 ] && grep -q '^Exit status:' "$tmp/out" && grep -q -- '--netns PATH' "$tmp/out" &&
   grep -q -- '--ports ' "$tmp/out" && grep -q -- '--port LIST' "$tmp/out" &&
   grep -q -- '--all-netns ' "$tmp/out" && grep -q -- '--run-netns DIR' "$tmp/out" &&
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
