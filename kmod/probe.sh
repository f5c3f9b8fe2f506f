#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Probe the target kernel's headers for the API differences tcpstat cares
# about and print the matching -DTCPSTAT_HAVE_* flags for kmod/compat.h.
# Usage: probe.sh <kernel source tree> (kbuild's $(srctree)).
srctree=${1:?usage: probe.sh <srctree>}
hashtables=$srctree/include/net/inet_hashtables.h
netns_ipv4=$srctree/include/net/netns/ipv4.h
proc_fs=$srctree/include/linux/proc_fs.h

for f in "$hashtables" "$netns_ipv4" "$proc_fs"; do
	if [ ! -r "$f" ]; then
		echo "probe.sh: cannot read $f" >&2
		echo "-DTCPSTAT_PROBE_FAILED"
		exit 0
	fi
done

# Port-only listening_hash[INET_LHTABLE_SIZE] walked by /proc/net/tcp:
# present up to 5.18, retired by "net: inet: Retire port only
# listening_hash" (5.19, backported to 5.15.140), after which lhash2 is an
# hlist_nulls of every listener.
grep -q 'listening_hash\[' "$hashtables" && printf ' %s' -DTCPSTAT_HAVE_LISTENING_HASH

# netns_ipv4.tcp_death_row was a pointer from 5.18 ("tcp: allocate
# tcp_death_row outside of struct netns_ipv4") until 6.1 made it embedded
# again.
grep -Eq 'struct inet_timewait_death_row[[:space:]]*\*[[:space:]]*tcp_death_row' "$netns_ipv4" &&
	printf ' %s' -DTCPSTAT_HAVE_DEATH_ROW_PTR

# PDE_DATA() was renamed pde_data() in 5.17 ("proc: remove PDE_DATA()
# completely").
grep -q 'void \*pde_data(' "$proc_fs" && printf ' %s' -DTCPSTAT_HAVE_PDE_DATA_LOWER
echo
