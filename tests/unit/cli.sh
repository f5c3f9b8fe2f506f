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

# shellcheck source=tests/unit/lib.sh
. "$TOP/tests/unit/lib.sh"

# run ARGS...: stdout to $tmp/out, stderr to $tmp/err, status in $rc
# (124 if it hangs: a test fails, never waits for ever); as the user
# $runas sets ("setpriv ..."), if any
runas=
run() {
	# shellcheck disable=SC2086
	$runas timeout 60 "$TCPSTAT" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# norm FILE: the output with what changes from run to run fixed: the
# sample duration as 0, an Influx timestamp as TIMESTAMP
norm() {
	sed -E 's/("sample_duration_seconds":)[-0-9.e+]+/\10/
		s/^(tcpstat_sample_duration_seconds(\{[^}]*\})?) [-0-9.e+]+$/\1 0/
		s/(,duration_seconds=)[-0-9.e+]+/\10/
		s/ [0-9]{19}$/ TIMESTAMP/' "$1"
}

# expected FILE ARGS...: an expected output, with the backend the
# arguments ask for (auto: kmod, which the fixtures have) and the version
expected() {
	f=$1 backend=kmod prev=
	shift
	for a in "$@"; do
		[ "$prev" = --backend ] && backend=$a
		prev=$a
	done
	sed "s/@BACKEND@/$backend/g; s/@VERSION@/$VERSION/g" "$f"
}

# self_json BACKEND: the self-metrics a JSON sample read by BACKEND ends
# with (normalised)
self_json() {
	printf ',"up":1,"sample_duration_seconds":0,"build_info":{"version":"%s","backend":"%s"}' \
		"$VERSION" "$1"
}

# same_as FILE WANT ARGS...: FILE (normalised) is the expected WANT
same_as() {
	got=$1 want=$2
	shift 2
	norm "$got" >"$tmp/norm.got"
	expected "$want" "$@" >"$tmp/norm.want"
	cmp -s "$tmp/norm.got" "$tmp/norm.want"
}

# expect_output DESC FILE ARGS...: exit 0, stdout == FILE, stderr empty
expect_output() {
	desc=$1 want=$2
	shift 2
	run "$@"
	if [ "$rc" -eq 0 ] && same_as "$tmp/out" "$want" "$@" && [ ! -s "$tmp/err" ]; then
		ok "$desc"
	else
		not_ok "$desc" "status $rc" "stdout: $(head -c 300 "$tmp/out")" \
			"want:   $(head -c 300 "$tmp/norm.want")" "stderr: $(cat "$tmp/err")"
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
ts=$(head -n 1 "$tmp/out" | awk '{ print substr($NF, 1, 10) }')
if [ "$rc" -eq 0 ] && same_as "$tmp/out" "$EXP/basic.influx" --backend procfs &&
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
*'"LISTEN":4,"CLOSING":1,"up":1,"sample_duration_seconds":'*',"build_info":{"version":"'"$VERSION"'","backend":"kmod"},"timestamp":"'????-??-??T??:??:??.???'Z","host":"'"$host"'","tags":{"a":"1","b":"x/y"}}')
	ok "json --meta --tag: timestamp, host, tags" ;;
*)
	not_ok "json --meta --tag: timestamp, host, backend, tags" "$line" ;;
esac

if command -v jq >/dev/null 2>&1; then
	run --proc "$B" --backend kmod --family --meta --tag k=v
	keys=$(jq -c keys_unsorted "$tmp/out" 2>&1)
	if [ "$keys" = '["ESTABLISHED","SYN_SENT","SYN_RECV","FIN_WAIT1","FIN_WAIT2","TIME_WAIT","CLOSE","CLOSE_WAIT","LAST_ACK","LISTEN","CLOSING","ipv4","ipv6","up","sample_duration_seconds","build_info","timestamp","host","tags"]' ] &&
	   jq -e --arg v "$VERSION" '.up == 1 and (.sample_duration_seconds | type == "number" and . >= 0) and .build_info == {"version": $v, "backend": "kmod"}' "$tmp/out" >/dev/null; then
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
	if [ "$rc" -eq 0 ] && same_as "$tmp/out" "$want" "$@" && [ ! -s "$tmp/err" ] &&
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
	common='del(.ports[].backlog, .ports[].fullest_queue, .ports[].fullest_backlog, .ports[].saturated, .sample_duration_seconds, .build_info)'
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
   [ "$(norm "$tmp/out" | sort -u)" = "$(expected "$EXP/ports-procfs.json" --backend procfs)" ]; then
	ok "--ports --interval --count 2: two NDJSON lines"
else
	not_ok "--ports --interval" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
mkdir -p "$tmp/portsout"
run --proc "$P" --backend kmod --ports --format prometheus --output "$tmp/portsout/p.prom"
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && same_as "$tmp/portsout/p.prom" "$EXP/ports.prom"; then
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
	want="{\"netns\":[{\"inode\":1,\"ESTABLISHED\":0,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":0,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":1,\"CLOSING\":0},{\"inode\":$self_ino,\"name\":\"blue\",\"ESTABLISHED\":1,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":0,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":1,\"CLOSING\":0}]$(self_json kmod)}"
	if [ "$rc" -eq 0 ] && [ "$(norm "$tmp/out")" = "$want" ]; then
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
{ expected "$EXP/netns.prom"; echo "# EOF"; expected "$EXP/netns.prom"; echo "# EOF"; } >"$tmp/want"
if [ "$rc" -eq 0 ] && [ "$(norm "$tmp/out")" = "$(cat "$tmp/want")" ]; then
	ok "--all-netns --interval --count 2: two expositions, each ending with # EOF"
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
	# auto: one line that says why, not one per backend tried (the
	# module's file is root-only; the others need CAP_SYS_ADMIN)
	# shellcheck disable=SC2086
	$as_nobody "$TCPSTAT" --all-netns >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 3 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	   grep -q 'CAP_SYS_ADMIN: run as root)$' "$tmp/err"; then
		ok "auto --all-netns without privilege: exit 3, one line naming the reason"
	else
		not_ok "auto --all-netns without privilege: one line" "status $rc" "$(cat "$tmp/err")"
	fi
	ln -s /proc/self "$tmp/rootonly/self"
	runas=$as_nobody
	expect_error "auto --all-netns, module loaded, not root: exit 3, one line naming the reason" 3 \
		"tcpstat: --all-netns: $tmp/rootonly/net/tcpstat_netns: Permission denied (only root may read it; entering every network namespace instead needs CAP_SYS_ADMIN: run as root)" \
		--proc "$tmp/rootonly" --all-netns
	runas=
	# bpf without CAP_BPF and CAP_PERFMON: one line, before any sample
	for args in "" "--all-netns" "--ports"; do
		# shellcheck disable=SC2086
		$as_nobody "$TCPSTAT" --backend bpf $args --interval 1 >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [ "$rc" -eq 3 ] && [ ! -s "$tmp/out" ] &&
		   [ "$(cat "$tmp/err")" = "tcpstat: bpf: the bpf backend needs CAP_BPF and CAP_PERFMON, or root (it loads a BPF program)" ]; then
			ok "bpf ${args:+$args }without CAP_BPF and CAP_PERFMON: exit 3 at once, one line, even for a stream"
		else
			not_ok "bpf ${args:+$args }without CAP_BPF and CAP_PERFMON" "status $rc" "$(cat "$tmp/err")"
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
	--proc "$FIX/proc-procfs-bad6" --backend procfs --output "$tmp/failed.json"
# a failed sample replaces the --output file with one that says so, no counts
if [ "$(norm "$tmp/failed.json")" = '{"up":0,"sample_duration_seconds":0,"build_info":{"version":"'"$VERSION"'","backend":"procfs"}}' ]; then
	ok "source error: the --output file says up 0, without counts"
else
	not_ok "source error: the --output file says up 0, without counts" "$(cat "$tmp/failed.json")"
fi
mkdir -p "$tmp/stale"
"$TCPSTAT" --proc "$B" --backend kmod --format prometheus --output "$tmp/stale/t.prom" 2>/dev/null
run --proc "$FIX/proc-kmod-truncated" --backend kmod --format prometheus --output "$tmp/stale/t.prom"
if [ "$rc" -eq 3 ] && grep -qx 'tcpstat_up 0' "$tmp/stale/t.prom" &&
   ! grep -q '^tcpstat_connections' "$tmp/stale/t.prom" &&
   grep -qx 'tcpstat_build_info{version="'"$VERSION"'",backend="kmod"} 1' "$tmp/stale/t.prom" &&
   { ! command -v promtool >/dev/null || promtool check metrics <"$tmp/stale/t.prom" >/dev/null 2>&1; } &&
   [ "$(ls -A "$tmp/stale")" = t.prom ]; then
	ok "source error: an old --output exposition is replaced by tcpstat_up 0, no old counts"
else
	not_ok "source error: old --output exposition replaced" "status $rc" "$(cat "$tmp/stale/t.prom" "$tmp/err")"
fi
run --netns /etc/passwd --format influx --tag host=h --output "$tmp/stale/t.influx"
if [ "$rc" -eq 3 ] && [ "$(norm "$tmp/stale/t.influx")" = \
	"tcpstat_sample,backend=none,version=$VERSION,host=h up=0i,duration_seconds=0 TIMESTAMP" ]; then
	ok "no sample at all (--netns fails): the --output file says up 0, backend none"
else
	not_ok "no sample at all: --output up 0" "status $rc" "$(cat "$tmp/stale/t.influx" "$tmp/err")"
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

# A FIFO (or any file that is not a regular one) where a /proc file
# should be: refused at once, never read (a FIFO would block for ever).
mkdir -p "$tmp/fifo/net"
mkfifo "$tmp/fifo/net/tcpstat_data" "$tmp/fifo/net/tcp"
expect_error "kmod: a FIFO in place of tcpstat_data is refused, never read" 3 \
	"tcpstat: $tmp/fifo/net/tcpstat_data: not a regular file (a FIFO, device, socket or directory)" \
	--proc "$tmp/fifo" --backend kmod
expect_error "procfs: a FIFO in place of tcp is refused, never read" 3 \
	"tcpstat: $tmp/fifo/net/tcp: not a regular file (a FIFO, device, socket or directory)" \
	--proc "$tmp/fifo" --backend procfs

# The bytes of a garbled file (and a path) never reach the terminal raw.
mkdir -p "$tmp/garbled/net" "$tmp/tab	dir/net"
printf 'tcpstat 1 0.1.0\nstates family ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\nstates ipv4 1 1 1 1 1 1 1 1 1 1 \033[2J\377\nend\n' \
	>"$tmp/garbled/net/tcpstat_data"
expect_error "garbled bytes in a message are escaped" 3 \
	"tcpstat: $tmp/garbled/net/tcpstat_data:3: states ipv4 CLOSING: count \"\\x1b[2J\\xff\" is not a decimal number" \
	--proc "$tmp/garbled" --backend kmod
expect_error "a control character in a path is escaped" 3 \
	"tcpstat: $tmp/tab\\x09dir/net/tcp: No such file or directory" \
	--proc "$tmp/tab	dir" --backend procfs

# A total that does not fit is the source's error, never wrapped.
mkdir -p "$tmp/huge/net"
printf 'tcpstat 1 0.1.0\nstates family ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\nstates ipv4 18446744073709551615 0 0 0 0 0 0 0 0 1 0\nstates ipv6 5 0 0 0 0 0 0 0 0 1 0\nend\n' \
	>"$tmp/huge/net/tcpstat_data"
for f in json prometheus influx; do
	expect_error "a total above 2^64-1 ($f): exit 3" 3 \
		"tcpstat: $tmp/huge/net/tcpstat_data: ESTABLISHED: the total of ipv4 18446744073709551615 and ipv6 5 does not fit in 64 bits" \
		--proc "$tmp/huge" --backend kmod --format $f
done
sed -i 's/^states ipv6 5 /states ipv6 0 /' "$tmp/huge/net/tcpstat_data"
expect_error "influx: a count above 2^63-1 does not fit its integers: exit 3" 3 \
	"tcpstat: $tmp/huge/net/tcpstat_data: ESTABLISHED ipv4: 18446744073709551615 does not fit an Influx integer (at most 9223372036854775807)" \
	--proc "$tmp/huge" --backend kmod --format influx
run --proc "$tmp/huge" --backend kmod --format prometheus
if [ "$rc" -eq 0 ] && grep -qx 'tcpstat_connections{family="ipv4",state="established"} 18446744073709551615' "$tmp/out"; then
	ok "prometheus: the same count fits its float values, exact digits"
else
	not_ok "prometheus: a count above 2^63-1" "status $rc" "$(cat "$tmp/err")"
fi

# ---- --counters: the namespace's counters from net/snmp and net/netstat ----

# set_field FILE SECTION FIELD VALUE: the value of FIELD in the pair of
# lines headed "SECTION:", found by its name in the header
set_field() {
	awk -v sec="$2:" -v f="$3" -v v="$4" '
		$1 == sec && !hdr { for (i = 2; i <= NF; i++) if ($i == f) col = i; hdr = 1; print; next }
		$1 == sec && hdr && col { $col = v; col = 0 }
		{ print }' "$1" >"$1.new" && mv "$1.new" "$1"
}

# a tree with proc-basic's sockets and 6.12's MIB files, every counter a
# value of its own (so a column taken by position instead of name shows)
C=$tmp/proc-counters
mkdir -p "$C/net"
cp "$B/net/tcp" "$B/net/tcp6" "$B/net/tcpstat_data" "$FIX/proc-counters-6.12/net/snmp" \
	"$FIX/proc-counters-6.12/net/netstat" "$C/net/"
n=101
for f in ActiveOpens PassiveOpens AttemptFails EstabResets RetransSegs; do
	set_field "$C/net/snmp" Tcp "$f" $n
	n=$((n + 1))
done
set_field "$C/net/netstat" TcpExt ListenOverflows 106
set_field "$C/net/netstat" TcpExt ListenDrops 18446744073709551615
set_field "$C/net/snmp" Tcp CurrEstab 999 # read for the VM's cross-check, not printed
COUNTERS='"counters":{"active_opens":101,"passive_opens":102,"attempt_fails":103,"estab_resets":104,"retrans_segs":105,"listen_overflows":106,"listen_drops":18446744073709551615}'
sed "s/,\"up\":/,$COUNTERS,\"up\":/" "$EXP/basic.json" >"$tmp/counters.json"
for b in kmod procfs; do
	expect_output "$b --counters: json, after the states" "$tmp/counters.json" \
		--proc "$C" --backend "$b" --counters
done
run --proc "$C" --backend kmod --counters --format prometheus
want_prom=$(printf '%s\n' "tcpstat_active_opens_total 101" "tcpstat_passive_opens_total 102" \
	"tcpstat_attempt_fails_total 103" "tcpstat_estab_resets_total 104" "tcpstat_retrans_segs_total 105" \
	"tcpstat_listen_overflows_total 106" "tcpstat_listen_drops_total 18446744073709551615")
if [ "$rc" -eq 0 ] && [ "$(grep '^tcpstat_[a-z_]*_total ' "$tmp/out")" = "$want_prom" ] &&
   [ "$(grep -c '^# TYPE tcpstat_[a-z_]*_total counter$' "$tmp/out")" -eq 7 ] &&
   { ! command -v promtool >/dev/null 2>&1 || promtool check metrics <"$tmp/out" >/dev/null 2>&1; }; then
	ok "--counters: prometheus counters tcpstat_*_total (TYPE counter), promtool clean"
else
	not_ok "--counters: prometheus counters" "status $rc" "$(grep _total "$tmp/out")" "$(cat "$tmp/err")"
fi
# Influx integers stop at 2^63-1: a counter above is the source's error, never wrapped
expect_error "--counters: influx refuses a counter above 2^63-1" 3 \
	"tcpstat: $C/net/tcpstat_data: ListenDrops: 18446744073709551615 does not fit an Influx integer (at most 9223372036854775807)" \
	--proc "$C" --backend kmod --counters --format influx
set_field "$C/net/netstat" TcpExt ListenDrops 107
run --proc "$C" --backend procfs --counters --format influx --tag host=fixture
if [ "$rc" -eq 0 ] && grep -qx 'tcpstat_counters,host=fixture active_opens=101i,passive_opens=102i,attempt_fails=103i,estab_resets=104i,retrans_segs=105i,listen_overflows=106i,listen_drops=107i [0-9]\{19\}' "$tmp/out" &&
   [ "$(sed -n 3p "$tmp/out" | cut -c1-16)" = tcpstat_counters ]; then
	ok "--counters: influx tcpstat_counters line after the families"
else
	not_ok "--counters: influx tcpstat_counters line" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
# without the files, or with one the parser refuses: a source error naming it
rm "$C/net/snmp"
expect_error "--counters: no net/snmp" 3 "tcpstat: $C/net/snmp: No such file or directory" \
	--proc "$C" --backend procfs --counters
expect_error "--counters: no net/snmp, auto: the start fails" 3 "tcpstat: $C/net/snmp: No such file or directory" \
	--proc "$C" --counters
cp "$FIX/proc-counters-6.12/net/snmp" "$C/net/snmp"
sed -i '/^TcpExt: [0-9]/s/ [0-9]*$//' "$C/net/netstat"
tcpext=$(grep -n '^TcpExt: [0-9]' "$C/net/netstat" | cut -d: -f1)
run --proc "$C" --backend kmod --counters --output "$tmp/counters.out"
if [ "$rc" -eq 3 ] && [ ! -s "$tmp/out" ] &&
   grep -qx "tcpstat: $C/net/netstat:$tcpext: TcpExt: [0-9]* names on line $((tcpext - 1)) but [0-9]* values" "$tmp/err" &&
   [ "$(norm "$tmp/counters.out")" = '{"up":0,"sample_duration_seconds":0,"build_info":{"version":"'"$VERSION"'","backend":"kmod"}}' ]; then
	ok "--counters: a short TcpExt line: exit 3 naming the line; --output says up 0"
else
	not_ok "--counters: a short TcpExt line" "status $rc" "$(cat "$tmp/err")" "$(cat "$tmp/counters.out")"
fi

# ---- a big /proc/net/tcp: many 256 KiB reads, lines split across them ----

mkdir -p "$tmp/big/net"
head -n 1 "$B/net/tcp" >"$tmp/big/net/tcp"
awk 'BEGIN { for (i = 0; i < 30000; i++)
	printf "%6d: 0100007F:%04X 0100007F:9E5D %02X 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 20 4 30 10 -1                     \n",
		i, i % 65536, i % 13, 40000 + i }' >>"$tmp/big/net/tcp"
run --proc "$tmp/big" --backend procfs
# st = i % 13: 0 and 12 are not reported; 30000 = 13 * 2307 + 9, so
# states 1..8 have 2308 rows and 9..11 have 2307
if [ "$rc" -eq 0 ] && [ "$(norm "$tmp/out")" = '{"ESTABLISHED":2308,"SYN_SENT":2308,"SYN_RECV":2308,"FIN_WAIT1":2308,"FIN_WAIT2":2308,"TIME_WAIT":2308,"CLOSE":2308,"CLOSE_WAIT":2308,"LAST_ACK":2307,"LISTEN":2307,"CLOSING":2307'"$(self_json procfs)}" ]; then
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
expect_usage "missing value of an abbreviation: the option's name" \
	"tcpstat: option '--format' needs a value" --form
expect_usage "stray argument" "tcpstat: unexpected argument 'json'" json
expect_usage "an option without a value given one" "tcpstat: option '--ports' takes no value" --ports=1
expect_usage "an ambiguous abbreviation names the candidates" \
	"tcpstat: option '--po' is ambiguous (could be --ports or --port)" --po
expect_usage "an unknown short option" "tcpstat: unknown option '-x'" -x
expect_usage "tag version reserved (tcpstat_build_info)" "tcpstat: --tag 'version=1': key \"version\" is reserved" --tag version=1
expect_usage "tag backend reserved (tcpstat_build_info)" "tcpstat: --tag 'backend=x': key \"backend\" is reserved" --tag backend=x
for k in container_id pod_uid runtime unit; do
	expect_usage "tag $k reserved (--all-netns)" "tcpstat: --tag '$k=x': key \"$k\" is reserved" --tag "$k=x"
done
# --listen: each scrape takes its own sample, as Prometheus text or OpenMetrics
expect_usage "listen with interval" \
	"tcpstat: --listen cannot be used with --interval (each scrape takes its own sample)" \
	--listen 9100 --interval 1
expect_usage "listen with output" \
	"tcpstat: --listen cannot be used with --output (the samples go to the scrapers)" \
	--listen 9100 --output "$tmp/x"
expect_usage "listen with push" "tcpstat: --listen cannot be used with --push (run one tcpstat for each)" \
	--push http://127.0.0.1:1/ --listen 9100
expect_usage "listen with json" \
	"tcpstat: --listen serves Prometheus text or OpenMetrics: --format json cannot be used with it" \
	--format json --listen 9100
expect_usage "listen with influx" \
	"tcpstat: --listen serves Prometheus text or OpenMetrics: --format influx cannot be used with it" \
	--listen 9100 --format influx
expect_usage "listen: a port out of range" \
	"tcpstat: --listen 127.0.0.1:65536: the port must be a number from 0 to 65535" --listen 127.0.0.1:65536
expect_usage "listen: a name, not an address" \
	"tcpstat: --listen localhost:9100: \"localhost\" is not an IPv4 address" --listen localhost:9100
expect_usage "listen: IPv6 without brackets" \
	"tcpstat: --listen ::1:9100: an IPv6 address goes in brackets, [ADDR]:PORT" --listen ::1:9100
expect_usage "push: not http" "tcpstat: --push ftp://example.org/: only http:// and https:// URLs" \
	--push ftp://example.org/
expect_usage "push: not a URL" "tcpstat: --push http://: " --push http://
expect_usage "push with output" "tcpstat: --push cannot be used with --output (run one tcpstat for each)" \
	--push http://127.0.0.1:1/ --output "$tmp/x"

# every usage error: exactly one line naming the problem, then the hint
for args in "--po" "--ports=1" "-x" "--format" "--frobnicate" "--count 3" "--tag dc"; do
	# shellcheck disable=SC2086
	run $args
	if [ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" -eq 2 ] &&
	   [ "$(sed -n 2p "$tmp/err")" = "Try 'tcpstat --help' for more information." ]; then
		ok "usage error '$args': exit 2, one line and the hint"
	else
		not_ok "usage error '$args': exit 2, one line and the hint" "status $rc" "$(cat "$tmp/err")"
	fi
done

# Control characters in a tag: no format can carry them raw (Influx line
# protocol cannot at all), so they are refused for every format.
for c in tab:'\t' CR:'\r' SOH:'\001' DEL:'\177' CSI:'\302\233'; do
	v=$(printf "k=a${c#*:}b")
	c=${c%%:*}
	for f in json prometheus influx; do
		run --proc "$B" --backend kmod --format $f --tag "$v"
		case $(head -n 1 "$tmp/err") in
		"tcpstat: --tag 'k=a\x"*"b': value contains the control character U+00"??) match=1 ;;
		*) match=0 ;;
		esac
		if [ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] && [ "$match" -eq 1 ]; then
			ok "--tag with control character $c refused ($f), shown escaped"
		else
			not_ok "--tag with control character $c refused ($f)" "status $rc" "$(cat -v "$tmp/out" "$tmp/err")"
		fi
	done
done

run --help
if [ "$rc" -eq 0 ] && grep -q '^Exit status:' "$tmp/out" && grep -q -- '--netns PATH' "$tmp/out" &&
   grep -q -- '--ports ' "$tmp/out" && grep -q -- '--port LIST' "$tmp/out" &&
   grep -q -- '--all-netns ' "$tmp/out" && grep -q -- '--run-netns DIR' "$tmp/out" &&
   [ ! -s "$tmp/err" ]; then
	ok "--help"
else
	not_ok "--help" "status $rc"
fi
cp "$tmp/out" "$tmp/help"
# Every option --help lists is in tcpstat(8) (written \-\-NAME there)
# and in the README.
missing=
for o in $(grep -Eo '^  (-h, )?--[a-z-]+' "$tmp/help" | grep -Eo -- '--[a-z-]+'); do
	m=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
	grep -Eq -- "$m([^a-z-]|\$)" "$TOP/man/tcpstat.8" || missing="$missing man:$o"
	grep -Eq -- "$o([^a-z-]|\$)" "$TOP/README.md" || missing="$missing README:$o"
done
if [ -z "$missing" ] && [ "$(grep -Ec '^  (-h, )?--[a-z-]+' "$tmp/help")" -ge 19 ]; then
	ok "every option of --help is in tcpstat(8) and the README"
else
	not_ok "every option of --help is in tcpstat(8) and the README" "missing:$missing"
fi
run -h
if [ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$tmp/help" && [ ! -s "$tmp/err" ]; then
	ok "-h: the usage on stdout, exit 0"
else
	not_ok "-h: the usage on stdout, exit 0" "status $rc" "$(cat "$tmp/err")"
fi
# --help and --version that cannot be written: exit 4, and say why
"$TCPSTAT" --version >&- 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 4 ] && [ "$(cat "$tmp/err")" = "tcpstat: stdout: write: Bad file descriptor" ]; then
	ok "--version >&-: exit 4, says why"
else
	not_ok "--version >&-: exit 4, says why" "status $rc" "$(cat "$tmp/err")"
fi
"$TCPSTAT" --help >/dev/full 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 4 ] && [ "$(cat "$tmp/err")" = "tcpstat: stdout: write: No space left on device" ]; then
	ok "--help >/dev/full: exit 4, says why"
else
	not_ok "--help >/dev/full: exit 4, says why" "status $rc" "$(cat "$tmp/err")"
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
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && same_as "$tmp/outdir/tcpstat.json" "$EXP/basic.json" &&
   [ "$mode" = 644 ] && [ "$(ls -A "$tmp/outdir")" = tcpstat.json ]; then
	ok "--output: file written (mode 644), nothing on stdout, no temp file left"
else
	not_ok "--output" "status $rc mode $mode" "$(ls -A "$tmp/outdir")" "$(cat "$tmp/err")"
fi
run --proc "$B" --backend kmod --format prometheus --output "$tmp/outdir/tcpstat.json"
if [ "$rc" -eq 0 ] && same_as "$tmp/outdir/tcpstat.json" "$EXP/basic.prom"; then
	ok "--output: replaces the file"
else
	not_ok "--output: replaces the file" "status $rc"
fi
expect_error "--output: missing directory" 4 \
	"tcpstat: $tmp/nodir/out.prom: cannot create a temporary file in $tmp/nodir/: No such file or directory" \
	--proc "$B" --backend kmod --output "$tmp/nodir/out.prom"

# --output through a symbolic link (what make install-systemd puts in the
# textfile directory): the link's target is replaced, the link stays
mkdir -p "$tmp/textfile" "$tmp/run" "$tmp/run2"
ln -s "$tmp/run/tcpstat.prom" "$tmp/textfile/tcpstat.prom"        # absolute, dangling
ln -s ../run2/t.prom "$tmp/textfile/rel.prom"                      # relative
ln -s rel.prom "$tmp/textfile/chain.prom"                          # a chain of links
for l in tcpstat.prom rel.prom chain.prom; do
	run --proc "$B" --backend kmod --format prometheus --output "$tmp/textfile/$l"
	rc1=$rc
	run --proc "$B" --backend kmod --format prometheus --output "$tmp/textfile/$l"
	case $l in
	tcpstat.prom) target=$tmp/run/tcpstat.prom ;;
	*) target=$tmp/run2/t.prom ;;
	esac
	if [ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ] && [ -L "$tmp/textfile/$l" ] && [ -f "$target" ] &&
	   same_as "$target" "$EXP/basic.prom" &&
	   [ "$(ls -A "$tmp/textfile" | tr '\n' ' ')" = "chain.prom rel.prom tcpstat.prom " ] &&
	   [ "$(ls -A "$(dirname "$target")")" = "$(basename "$target")" ]; then
		ok "--output through a link ($l -> $(readlink "$tmp/textfile/$l")): target replaced, link kept, no temp file"
	else
		not_ok "--output through a link ($l)" "status $rc1 $rc" "$(ls -lA "$tmp/textfile" "$(dirname "$target")")" "$(cat "$tmp/err")"
	fi
done

# SIGKILL at any moment leaves no temporary file for good: the next start
# removes what a killed one left (provably its own: the name, and no
# writer holds its lock), and nothing else.
mkdir -p "$tmp/killed"
kills=0 # (wait_for uses i)
while [ $kills -lt 40 ]; do
	"$TCPSTAT" --proc "$B" --backend kmod --format prometheus --interval 0.001 \
		--output "$tmp/killed/t.prom" 2>/dev/null &
	kpid=$!
	wait_for 10 test -e "$tmp/killed/t.prom"
	# a few more samples, killed at a different point each time
	[ $((kills % 7)) -gt 0 ] && sleep "0.00$((kills % 7))"
	kill -KILL "$kpid"
	wait "$kpid" 2>/dev/null
	kills=$((kills + 1))
done
left=$(ls -A "$tmp/killed" | grep -vcx t.prom)
printf 'stale' >"$tmp/killed/.t.prom.tcpstat-Xy12Z9"          # as a kill leaves one
printf 'mine' >"$tmp/killed/.t.prom.backup"                  # not ours
printf 'live' >"$tmp/killed/.t.prom.tcpstat-L1ve00"
if command -v flock >/dev/null 2>&1; then
	flock "$tmp/killed/.t.prom.tcpstat-L1ve00" sleep 30 &         # a writer at work
	lock_pid=$!
	wait_for 10 sh -c "! flock -n '$tmp/killed/.t.prom.tcpstat-L1ve00' true"
else
	lock_pid=
	rm -f "$tmp/killed/.t.prom.tcpstat-L1ve00"
fi
run --proc "$B" --backend kmod --format prometheus --output "$tmp/killed/t.prom"
want_left=".t.prom.backup ${lock_pid:+.t.prom.tcpstat-L1ve00 }t.prom "
got_left=$(ls -A "$tmp/killed" | sort | tr '\n' ' ')
[ -n "$lock_pid" ] && kill "$lock_pid" 2>/dev/null && wait "$lock_pid" 2>/dev/null
if [ "$rc" -eq 0 ] && [ "$got_left" = "$want_left" ] && same_as "$tmp/killed/t.prom" "$EXP/basic.prom"; then
	ok "40 SIGKILLs of an --output stream ($left temporary files left), the next run leaves none of its own"
else
	not_ok "SIGKILL leftovers removed at the next start" "status $rc" "left: $got_left" "want: $want_left"
fi

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
   [ "$(norm "$tmp/out" | sort -u)" = "$(expected "$EXP/basic.json" --backend procfs)" ] && [ ! -s "$tmp/err" ]; then
	ok "--interval 0.05 --count 3: three NDJSON lines"
else
	not_ok "--interval 0.05 --count 3" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi

# A stream to stdout frames each exposition with "# EOF", so that a
# consumer can split it (a single sample and --output files have none).
run --proc "$B" --backend kmod --format prometheus --interval 0.05 --count 2
{ expected "$EXP/basic.prom"; echo "# EOF"; expected "$EXP/basic.prom"; echo "# EOF"; } >"$tmp/want"
if [ "$rc" -eq 0 ] && [ "$(norm "$tmp/out")" = "$(cat "$tmp/want")" ]; then
	ok "--format prometheus --interval: one exposition per sample, each ending with # EOF"
else
	not_ok "--format prometheus --interval: # EOF after each exposition" "status $rc" "$(tail -n 3 "$tmp/out")"
fi
if command -v promtool >/dev/null 2>&1; then
	# each part on its own is what promtool takes; the whole stream is not
	awk -v dir="$tmp" '{ print > (dir "/part." n) } /^# EOF$/ { n++ }' n=0 "$tmp/out"
	if [ -s "$tmp/part.1" ] && [ ! -e "$tmp/part.2" ] &&
	   promtool check metrics <"$tmp/part.0" >/dev/null 2>&1 &&
	   promtool check metrics <"$tmp/part.1" >/dev/null 2>&1; then
		ok "prometheus stream: split at # EOF, each exposition passes promtool"
	else
		not_ok "prometheus stream: split at # EOF, each exposition passes promtool" \
			"$(promtool check metrics <"$tmp/part.0" 2>&1 | head -3)"
	fi
else
	ok "prometheus stream: split at # EOF # SKIP promtool not installed"
fi

# A source that fails in a stream: each new error reported once (a
# second, different error too), the recovery once; each failed sample is
# written as one without counts (up 0); the stream never stops for it.
mkdir -p "$tmp/flaky/net"
: >"$tmp/flaky.err"
"$TCPSTAT" --proc "$tmp/flaky" --backend kmod --interval 0.05 --count 400 \
	>"$tmp/flaky.out" 2>"$tmp/flaky.err" &
bg_pid=$!
F=$tmp/flaky/net/tcpstat_data
count_in() { grep -c "$1" "$tmp/flaky.err"; }
at_least() { [ "$(count_in "$1")" -ge "$2" ]; }
more_lines() { [ "$(wc -l <"$tmp/flaky.out")" -ge "$1" ]; }
garble() {
	printf 'tcpstat 1 0.1.0\nstates\n' >"$F.new"
	mv "$F.new" "$F"
}
wait_for 10 at_least 'No such file or directory' 1
garble # another error, with no good sample in between
wait_for 10 at_least 'second column' 1
wait_for 10 more_lines $(($(wc -l <"$tmp/flaky.out") + 3)) # the same error again, unsaid
cp "$B/net/tcpstat_data" "$F.new"
mv "$F.new" "$F"
wait_for 10 at_least recovered 1
garble
wait_for 10 at_least 'second column' 2
kill -TERM "$bg_pid"
wait "$bg_pid"
rc=$?
bg_pid=
errs=$(count_in 'No such file or directory')
recs=$(grep -c "^tcpstat: $F: recovered\$" "$tmp/flaky.err")
parse=$(grep -c "^tcpstat: $F:2: states header: second column must be \"family\"\$" "$tmp/flaky.err")
down='{"up":0,"sample_duration_seconds":0,"build_info":{"version":"'"$VERSION"'","backend":"kmod"}}'
good=$(norm "$tmp/flaky.out" | grep -c '"up":1')
bad=$(norm "$tmp/flaky.out" | grep -cxF "$down")
lines=$(wc -l <"$tmp/flaky.out")
if [ "$rc" -eq 0 ] && [ "$errs" -eq 1 ] && [ "$recs" -eq 1 ] && [ "$parse" -eq 2 ] &&
   [ "$good" -ge 1 ] && [ "$bad" -ge 5 ] && [ $((good + bad)) -eq "$lines" ] &&
   [ "$(norm "$tmp/flaky.out" | grep '"up":1' | sort -u)" = "$(expected "$EXP/basic.json")" ] &&
   [ "$(wc -l <"$tmp/flaky.err")" -eq 4 ]; then
	ok "stream: each new source error said once (a different one too), the recovery once; $good good samples, $bad up 0 without counts"
else
	not_ok "stream: transient source errors" \
		"status $rc, missing $errs, parse $parse, recovered $recs, good $good, up 0 $bad, lines $lines" \
		"$(cat "$tmp/flaky.err")"
fi

# SIGHUP (a closed terminal, a reload by habit) does not end a stream:
# there is nothing to reopen, --output is a new file at every sample.
: >"$tmp/hup.out"
"$TCPSTAT" --proc "$B" --backend kmod --interval 0.05 >>"$tmp/hup.out" 2>"$tmp/hup.err" &
bg_pid=$!
lines_over() { [ "$(wc -l <"$tmp/hup.out")" -gt "$1" ]; }
wait_for 10 lines_over 0
kill -HUP "$bg_pid"
before=$(wc -l <"$tmp/hup.out")
wait_for 10 lines_over $((before + 3))
alive=0
kill -0 "$bg_pid" 2>/dev/null && alive=1
kill -TERM "$bg_pid"
wait "$bg_pid"
rc=$?
bg_pid=
if [ "$alive" -eq 1 ] && [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/hup.out")" -gt $((before + 3)) ] &&
   ! grep -qv 'fell behind' "$tmp/hup.err"; then
	ok "SIGHUP is ignored: the stream goes on, SIGTERM then ends it with 0"
else
	not_ok "SIGHUP is ignored" "alive $alive, status $rc, lines $before -> $(wc -l <"$tmp/hup.out")" "$(cat "$tmp/hup.err")"
fi

# Under a systemd whose notify socket is gone: each failed sd_notify is
# said once, the watchdog's too (the loop retries it at every wake), and
# the stream goes on. $$ of the shell is tcpstat's pid after exec, as
# systemd's $WATCHDOG_PID names the main process.
NOTIFY_SOCKET=$tmp/no-such-dir/notify WATCHDOG_USEC=100000 \
	timeout 60 sh -c 'export WATCHDOG_PID=$$; exec "$@"' sh \
	"$TCPSTAT" --proc "$B" --backend kmod --interval 0.02 --count 50 \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
sdn="to $tmp/no-such-dir/notify: No such file or directory"
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 50 ] &&
   [ "$(grep -c "^tcpstat: sd_notify WATCHDOG=1 $sdn\$" "$tmp/err")" -eq 1 ] &&
   [ "$(grep -c "^tcpstat: sd_notify STATUS=sampling $sdn\$" "$tmp/err")" -eq 1 ] &&
   [ "$(grep -c "^tcpstat: sd_notify STOPPING=1 $sdn\$" "$tmp/err")" -eq 1 ] &&
   [ "$(grep -vc 'fell behind' "$tmp/err")" -eq 3 ]; then
	ok "systemd's notify socket gone: READY, WATCHDOG and STOPPING failures said once each, 50 samples all the same"
else
	not_ok "systemd's notify socket gone: each sd_notify failure said once" "status $rc" \
		"samples $(wc -l <"$tmp/out")" "$(sort "$tmp/err" | uniq -c | head -n 5)"
fi

run --proc "$FIX/proc-empty" --backend kmod --interval 0.02 --count 3
if [ "$rc" -eq 3 ] && [ "$(grep -vc 'fell behind' "$tmp/err")" -eq 1 ] &&
   [ "$(norm "$tmp/out" | sort | uniq -c | awk '{ print $1 }')" = 3 ] &&
   [ "$(norm "$tmp/out" | sort -u)" = '{"up":0,"sample_duration_seconds":0,"build_info":{"version":"'"$VERSION"'","backend":"kmod"}}' ]; then
	ok "stream --count whose last sample failed: exit 3, one message, three samples of up 0"
else
	not_ok "stream --count whose last sample failed" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi

finish cli
