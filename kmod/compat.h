/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the only place with conditionals on kernel APIs. The
 * TCPSTAT_HAVE_* macros come from probe.sh, which reads the target
 * kernel's headers at build time; kernel versions are used only for the
 * supported floor.
 */
#ifndef TCPSTAT_COMPAT_H
#define TCPSTAT_COMPAT_H

#include <linux/proc_fs.h>
#include <linux/version.h>
#include <net/inet_hashtables.h>
#include <net/net_namespace.h>

/*
 * checkpatch: LINUX_VERSION_CODE CONSTANT_COMPARISON the supported floor,
 * the one version test (every API difference is probed).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
#error "tcpstat supports Linux 5.10 and newer"
#endif

#ifdef TCPSTAT_PROBE_FAILED
#error "tcpstat: kmod/probe.sh could not read the kernel headers (see the build log)"
#endif

#ifdef TCPSTAT_PROBE_LISTENER_CONFLICT
#error "tcpstat: unknown listener table layout (see kmod/probe.sh's message)"
#endif

/*
 * The TCP tables of a network namespace. Since 6.1 a netns may have its
 * own established table (net.ipv4.tcp_child_ehash_entries); the listener
 * table is always the global one. Never &tcp_hashinfo: it is not exported
 * from 6.12.94 and 6.15 on.
 */
static inline struct inet_hashinfo *tcpstat_hashinfo(const struct net *net)
{
#ifdef TCPSTAT_HAVE_DEATH_ROW_PTR
	return net->ipv4.tcp_death_row->hashinfo;
#else
	return net->ipv4.tcp_death_row.hashinfo;
#endif
}

/*
 * The listener buckets. Up to 5.18 (and 5.15.139) every listener is in the
 * port-only listening_hash[], the table /proc/net/tcp walks; after that,
 * in lhash2[0..lhash2_mask]. Both are hlist_nulls chains of sk_nulls_node
 * under the bucket's spinlock.
 */
static inline unsigned long tcpstat_lhash_size(const struct inet_hashinfo *h)
{
#ifdef TCPSTAT_HAVE_LISTENING_HASH
	return INET_LHTABLE_SIZE;
#else
	return (unsigned long)h->lhash2_mask + 1;
#endif
}

static inline struct inet_listen_hashbucket *
tcpstat_lhash_bucket(struct inet_hashinfo *h, unsigned long i)
{
#ifdef TCPSTAT_HAVE_LISTENING_HASH
	return &h->listening_hash[i];
#else
	return &h->lhash2[i];
#endif
}

/* The data pointer of a proc entry: PDE_DATA() became pde_data() in 5.17. */
static inline void *tcpstat_pde_data(const struct inode *inode)
{
#ifdef TCPSTAT_HAVE_PDE_DATA_LOWER
	return pde_data(inode);
#else
	return PDE_DATA(inode);
#endif
}

#endif /* TCPSTAT_COMPAT_H */
