#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Probe the target kernel's headers for the API differences tcpstat cares
# about and print the matching -DTCPSTAT_HAVE_* flags for kmod/compat.h.
# Usage: probe.sh <kernel source tree> (kbuild's $(srctree)).
srctree=${1:?usage: probe.sh <srctree>}
hashtables=$srctree/include/net/inet_hashtables.h
connection_sock=$srctree/include/net/inet_connection_sock.h
netns_ipv4=$srctree/include/net/netns/ipv4.h
proc_fs=$srctree/include/linux/proc_fs.h

for f in "$hashtables" "$connection_sock" "$netns_ipv4" "$proc_fs"; do
	if [ ! -r "$f" ]; then
		echo "probe.sh: cannot read $f" >&2
		echo "-DTCPSTAT_PROBE_FAILED"
		exit 0
	fi
done

# Port-only listening_hash[INET_LHTABLE_SIZE] walked by /proc/net/tcp:
# present up to 5.18, retired by "net: inet: Retire port only
# listening_hash" (5.19, backported to 5.15.140), after which lhash2 is an
# hlist_nulls of every listener, linked through sk_nulls_node. The same
# change removed icsk_listen_portaddr_node, which linked a listener into
# the old lhash2: the two must agree, or the headers are something this
# module does not know (compat.h stops the build).
lh=0 pa=0
grep -q 'listening_hash\[' "$hashtables" && lh=1
grep -q 'icsk_listen_portaddr_node' "$connection_sock" && pa=1
if [ $lh != $pa ]; then
	echo "probe.sh: listening_hash[] ($lh) and icsk_listen_portaddr_node ($pa) disagree" >&2
	printf ' %s' -DTCPSTAT_PROBE_LISTENER_CONFLICT
elif [ $lh = 1 ]; then
	printf ' %s' -DTCPSTAT_HAVE_LISTENING_HASH
fi

# netns_ipv4.tcp_death_row was a pointer from 5.18 ("tcp: allocate
# tcp_death_row outside of struct netns_ipv4") until 6.1 made it embedded
# again.
grep -Eq 'struct inet_timewait_death_row[[:space:]]*\*[[:space:]]*tcp_death_row' "$netns_ipv4" &&
	printf ' %s' -DTCPSTAT_HAVE_DEATH_ROW_PTR

# PDE_DATA() was renamed pde_data() in 5.17 ("proc: remove PDE_DATA()
# completely").
grep -q 'void \*pde_data(' "$proc_fs" && printf ' %s' -DTCPSTAT_HAVE_PDE_DATA_LOWER
echo
