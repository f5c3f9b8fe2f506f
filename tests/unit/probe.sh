#!/usr/bin/env bash
# kmod/probe.sh against made-up header trees: each API difference gives its
# flag, and a listener layout the module does not know (listening_hash[]
# without icsk_listen_portaddr_node, or the other way round) gives the
# conflict flag that stops the build in compat.h. The real headers of every
# supported kernel are probed by every module build.
set -u
cd "$(dirname "$0")/../.."
n=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# tree NAME LISTENING_HASH(0/1) PORTADDR_NODE(0/1) DEATH_ROW_PTR(0/1) PDE_LOWER(0/1)
tree() {
	local d=$tmp/$1
	mkdir -p "$d/include/net/netns" "$d/include/linux"
	{
		echo 'struct inet_hashinfo {'
		[ "$2" = 1 ] && echo '	struct inet_listen_hashbucket	listening_hash[INET_LHTABLE_SIZE];'
		echo '	struct inet_listen_hashbucket	*lhash2;'
		echo '};'
	} >"$d/include/net/inet_hashtables.h"
	{
		echo 'struct inet_connection_sock {'
		[ "$3" = 1 ] && echo '	struct hlist_node	  icsk_listen_portaddr_node;'
		echo '};'
	} >"$d/include/net/inet_connection_sock.h"
	if [ "$4" = 1 ]; then
		echo '	struct inet_timewait_death_row *tcp_death_row;' >"$d/include/net/netns/ipv4.h"
	else
		echo '	struct inet_timewait_death_row tcp_death_row;' >"$d/include/net/netns/ipv4.h"
	fi
	if [ "$5" = 1 ]; then
		echo 'static inline void *pde_data(const struct inode *inode)' >"$d/include/linux/proc_fs.h"
	else
		echo 'static inline void *PDE_DATA(const struct inode *inode)' >"$d/include/linux/proc_fs.h"
	fi
	echo "$d"
}

# expect DESCRIPTION TREE FLAGS...: probe.sh prints exactly these flags.
expect() {
	local desc=$1 dir=$2 got want
	shift 2
	got=$(sh kmod/probe.sh "$dir" 2>/dev/null | tr ' ' '\n' | grep . | sort | paste -sd' ')
	want=$(printf '%s\n' "$@" | grep . | sort | paste -sd' ')
	n=$((n + 1))
	if [ "$got" = "$want" ]; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc (got '$got', want '$want')"
		failed=$((failed + 1))
	fi
}

expect "5.10: listening_hash[] and icsk_listen_portaddr_node" "$(tree a 1 1 0 0)" \
	-DTCPSTAT_HAVE_LISTENING_HASH
expect "5.18: the death row a pointer" "$(tree b 1 1 1 1)" \
	-DTCPSTAT_HAVE_LISTENING_HASH -DTCPSTAT_HAVE_DEATH_ROW_PTR -DTCPSTAT_HAVE_PDE_DATA_LOWER
expect "6.1 and later: lhash2 only" "$(tree c 0 0 0 1)" -DTCPSTAT_HAVE_PDE_DATA_LOWER
expect "listening_hash[] without icsk_listen_portaddr_node: conflict" "$(tree d 1 0 0 1)" \
	-DTCPSTAT_PROBE_LISTENER_CONFLICT -DTCPSTAT_HAVE_PDE_DATA_LOWER
expect "icsk_listen_portaddr_node without listening_hash[]: conflict" "$(tree e 0 1 0 1)" \
	-DTCPSTAT_PROBE_LISTENER_CONFLICT -DTCPSTAT_HAVE_PDE_DATA_LOWER
rm "$tmp/c/include/net/inet_connection_sock.h"
expect "a header missing: the probe fails" "$tmp/c" -DTCPSTAT_PROBE_FAILED
grep -q '^#ifdef TCPSTAT_PROBE_LISTENER_CONFLICT' kmod/compat.h
n=$((n + 1))
if grep -A1 '^#ifdef TCPSTAT_PROBE_LISTENER_CONFLICT' kmod/compat.h | grep -q '#error'; then
	echo "ok $n - compat.h stops the build on the conflict"
else
	echo "not ok $n - compat.h stops the build on the conflict"
	failed=$((failed + 1))
fi
echo "probe: $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]
