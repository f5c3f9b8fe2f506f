# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Variables are shared with the scripts that source this file ($tmp is
# theirs; FARM_NS, NE_PID... are set for them).
# shellcheck disable=SC2034,SC2154
# tests/integration/lib.bash - helpers for the integration tests: the
# kselftest helpers of tests/host/lib.bash (ok, not_ok, check, skip,
# wait_for, finish, prom_to_rows, ss_rows), the project's scripts/lib.sh
# (need_host_pkgs, APT_OPTS, log, die), and:
#
#   farm_start DIR             sockfarm build in a fresh netns; FARM_PID, FARM_NS,
#                              DIR/farm.view ("ipv4 <11>" and "ipv6 <11>")
#   farm_stop                  SIGTERM and reap it
#   bg NAME CMD...             start CMD in the background, log in $tmp/NAME.log,
#                              stopped by stop_all (cleanup); BG_LAST is its pid
#   bg_wait PID                wait for it to end by itself, return its status
#   free_port                  a free TCP port on 127.0.0.1, chosen now
#   http_ok URL                the URL answers 2xx
#   start_node_exporter DIR    Debian's node_exporter on a free loopback port,
#                              textfile collector on DIR; NE_PORT
#   testroot_mount DIR         a throw-away overlay root on the cached test root
#                              (scripts/prepare-testroot.sh) at DIR/root
#   in_root DIR CMD...         run CMD chrooted into DIR (with /proc)
#
# Tests that mount re-exec themselves in a private mount namespace
# (private_mounts), so nothing stays mounted however they end.

INTEG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/host/lib.bash
. "$INTEG_TOP/tests/host/lib.bash"
# shellcheck source=scripts/lib.sh
. "$INTEG_TOP/scripts/lib.sh"

SOCKFARM=${SOCKFARM:-$INTEG_TOP/tests/vm/sockfarm}
INTEG_RELEASE=${TCPSTAT_INTEGRATION_RELEASE:-bookworm}

# Every background process the test started, stopped at cleanup.
BG_PIDS=()

bg() {
	local name=$1
	shift
	"$@" >"$tmp/$name.log" 2>&1 &
	BG_PIDS+=($!)
	BG_LAST=$!
}

# bg_wait PID: wait for a background process that ends by itself; returns
# its exit status and forgets it (stop_all never signals a reused pid).
bg_wait() {
	local p=$1 rc keep=() q
	wait "$p"
	rc=$?
	for q in "${BG_PIDS[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
	BG_PIDS=("${keep[@]}")
	return $rc
}

# stop_all: SIGTERM every background process, SIGKILL what is left after
# 10 s, and reap them all.
stop_all() {
	local p i
	for p in "${BG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${BG_PIDS[@]}"; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	BG_PIDS=()
}

# Re-run the calling script in a private mount namespace (once).
private_mounts() {
	if [ -z "${TCPSTAT_INTEG_PRIVATE_MNT:-}" ]; then
		TCPSTAT_INTEG_PRIVATE_MNT=1 exec unshare -m --propagation private bash "$0" "$@"
	fi
}

farm_start() {
	local dir=$1
	[ -x "$SOCKFARM" ] || return 1
	# sockfarm is exec'ed, so its pid names the netns.
	unshare -n sh -c 'ip link set lo up && exec "$0" build' "$SOCKFARM" \
		>"$dir/farm.out" 2>"$dir/farm.err" &
	FARM_PID=$!
	BG_PIDS+=("$FARM_PID")
	FARM_NS=/proc/$FARM_PID/ns/net
	wait_for 60 grep -qx ready "$dir/farm.out" || return 1
	grep -E '^ipv[46] ' "$dir/farm.out" >"$dir/farm.view"
	[ "$(wc -l <"$dir/farm.view")" -eq 2 ]
}

farm_stop() {
	[ -n "${FARM_PID:-}" ] || return 0
	kill -TERM "$FARM_PID" 2>/dev/null
	wait "$FARM_PID" 2>/dev/null
	FARM_PID=
}

# A port nothing listens on at 127.0.0.1, picked at random. The server
# that gets it fails to bind if another grabs it first, and the test then
# fails on its readiness wait, naming the port.
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		if [ -z "$(ss -Htan "( sport = :$p or dport = :$p )")" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

http_ok() {
	curl -fsS -o /dev/null --max-time 5 "$1" 2>/dev/null
}

# start_node_exporter TEXTFILE_DIR: Debian's node_exporter, only its
# textfile collector, on 127.0.0.1:$NE_PORT; waits until it answers.
start_node_exporter() {
	NE_PORT=$(free_port) || return 1
	bg node_exporter prometheus-node-exporter \
		--web.listen-address="127.0.0.1:$NE_PORT" \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$1"
	NE_PID=$BG_LAST
	wait_for 30 http_ok "http://127.0.0.1:$NE_PORT/metrics"
}

# The "ipv4 <11>"/"ipv6 <11>" rows of the tcpstat_connections samples of
# a scrape, in the tcpstat order ("?" for a missing one).
scrape_rows() {
	curl -fsS --max-time 5 "$1" | prom_to_rows
}

# ---- throw-away roots on the cached test root ----

in_root() {
	local dir=$1
	shift
	LC_ALL=C DEBIAN_FRONTEND=noninteractive chroot "$dir" "$@"
}

# testroot_mount DIR: mount at DIR/root an overlay whose lower layer is the
# cached test root (read-only) and whose upper layer is DIR/upper; bind the
# cache's package archive on its /var/cache/apt/archives (downloads are
# kept for the next run) and mount /proc. Call from a private mount
# namespace (private_mounts).
testroot_mount() {
	local dir=$1 base
	base=$("$INTEG_TOP/scripts/prepare-testroot.sh" "$INTEG_RELEASE") || return 1
	TESTROOT_BASE=$base
	mkdir -p "$dir/upper" "$dir/work" "$dir/root"
	mount -t overlay overlay \
		-o "lowerdir=$base/root,upperdir=$dir/upper,workdir=$dir/work" "$dir/root" ||
		return 1
	mount --bind "$base/archives" "$dir/root/var/cache/apt/archives" || return 1
	mount -t proc proc "$dir/root/proc"
}

# apt-get in a test root, no network when the archive has the packages.
root_apt() {
	local dir=$1
	shift
	in_root "$dir" apt-get "${APT_OPTS[@]}" -o APT::Sandbox::User=root "$@"
}

# integ_start NAME: a new directory $tmp (removed at exit, with every
# process bg started: stop_all), the traps, the TAP header, and the sockfarm
# built in a fresh namespace (its rows as diagnostics); a test with more to
# undo first defines cleanup_more.
integ_start() {
	tmp=$(mktemp -d "/tmp/tcpstat-$1.XXXXXX") || exit "$KSFT_FAIL"
	trap integ_cleanup EXIT
	trap 'exit "$KSFT_FAIL"' INT TERM
	echo "TAP version 13"
	if farm_start "$tmp"; then
		ok "sockfarm ready in a fresh netns"
	else
		not_ok "sockfarm ready in a fresh netns" "$(cat "$tmp/farm.out" "$tmp/farm.err")"
		finish
	fi
	sed 's/^/# built: /' "$tmp/farm.view"
}

integ_cleanup() {
	declare -F cleanup_more >/dev/null && cleanup_more
	stop_all
	rm -rf "$tmp"
}
