// SPDX-License-Identifier: GPL-2.0
/*
 * umlclock - the host's CPU time of this User-Mode Linux, for the native
 * benchmark only (ARCH=um; never installed).
 *
 * Inside UML every clock is the host's wall clock: a sample's time
 * includes whatever time the host gave to its other processes, and the
 * CPU times of tasks are counted in whole ticks. The host, though, knows
 * exactly how much CPU UML used. Reading /proc/umlclock asks it (through
 * the host's own system calls, which UML exports to modules) and prints
 *   <kernel ns> <user ns>
 * kernel: the host CPU time of the thread that runs UML's kernel, the
 *         kernel's own code at hardware speed plus UML's work to enter
 *         and leave it (CLOCK_THREAD_CPUTIME_ID, to the nanosecond);
 * user:   the host CPU time of the host processes that ran UML's user
 *         space and have exited (a UML process's host process is reaped
 *         when its address space goes away), RUSAGE_CHILDREN, to the µs.
 * The difference of two reads around a sample is its cost on the host,
 * without the time the host gave to others.
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/resource.h>
#include <linux/seq_file.h>
#include <linux/time.h>
#include <asm/unistd.h>

#include <os.h> /* long syscall(long number, ...): the host libc's */

/* The host's struct timespec and struct rusage (x86_64 ABI). */
struct umlclock_timespec {
	long sec, nsec;
};

struct umlclock_rusage {
	struct {
		long sec, usec;
	} utime, stime;
	long rest[14];
};

static int umlclock_show(struct seq_file *seq, void *v)
{
	struct umlclock_timespec ts;
	struct umlclock_rusage ru;

	if (syscall(__NR_clock_gettime, CLOCK_THREAD_CPUTIME_ID, &ts) ||
	    syscall(__NR_getrusage, RUSAGE_CHILDREN, &ru))
		return -EIO;
	seq_printf(seq, "%lld %lld\n", (long long)ts.sec * NSEC_PER_SEC + ts.nsec,
		   ((long long)ru.utime.sec + ru.stime.sec) * NSEC_PER_SEC +
		   (ru.utime.usec + ru.stime.usec) * NSEC_PER_USEC);
	return 0;
}

static int __init umlclock_init(void)
{
	return proc_create_single("umlclock", 0444, NULL, umlclock_show) ? 0 : -ENOMEM;
}

static void __exit umlclock_exit(void)
{
	remove_proc_entry("umlclock", NULL);
}

module_init(umlclock_init);
module_exit(umlclock_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tcpstat benchmark: the host's CPU time of this User-Mode Linux");
