// SPDX-License-Identifier: GPL-2.0
/*
 * harden.c - the guest's tools for the module's hardening and fault tests
 * (tests/vm/hardening.sh, tests/vm/faults.sh).
 *
 *   harden listen N
 *       N listening sockets on ephemeral ports of 127.0.0.1 (N ports of
 *       the per-port view); prints "ready", holds them until SIGTERM.
 *   harden holdopen FILE N
 *       opens FILE N times and reads one byte of each (a snapshot file
 *       then holds its text per open file); stops at the first failure;
 *       prints "held K" and, if it stopped early, "error ERRNO-NAME", then
 *       "ready", and holds the files until SIGTERM.
 *   harden reads FILE N
 *       N times: open FILE, read it whole, close. Exit 1 on any failure.
 *   harden writes FILE VALUE1 VALUE2
 *       writes VALUE1, then VALUE2, then VALUE1... to FILE (opened anew
 *       each time) as fast as it can until SIGTERM, whether or not FILE
 *       exists; prints how many writes succeeded.
 *   harden failnth-unshare [MAX]
 *   harden failnth-read FILE [MAX]
 *   harden failnth-load KO [MAX]
 *       Fault injection (/proc/thread-self/fail-nth, a kernel with
 *       CONFIG_FAULT_INJECTION): for n = 1, 2, ... run the operation in a
 *       child whose n-th fault-injection point fails (an allocation, with
 *       failslab and fail_page_alloc), until a run completes with no fault
 *       left to inject (or MAX runs, default 5000). The operations:
 *       unshare(CLONE_NEWNET); open, read whole and close FILE; load the
 *       module KO (finit_module), and unload it when loaded. Every run
 *       must either fail cleanly (an error, nothing half done: no partial
 *       read, no module left behind) or succeed completely. One line per
 *       run that did not succeed plainly, a summary line, exit 0 if every
 *       run was clean.
 *
 * Static, libc only: gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define FAILNTH "/proc/thread-self/fail-nth"
#define READ_MAX (64 << 20)
/* A file read under fault injection: its buffer is touched before. */
#define FAILNTH_READ_MAX (1 << 20)

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("harden: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static long parse_count(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 10000000)
		die("%s: '%s' is not a count (1-10000000)", what, s);
	return v;
}

static void raise_nofile(long need)
{
	struct rlimit r = { .rlim_cur = need + 64, .rlim_max = need + 64 };

	if (setrlimit(RLIMIT_NOFILE, &r))
		die("setrlimit(RLIMIT_NOFILE, %ld): %s", need + 64, strerror(errno));
}

static void hold_until_signal(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
}

static int cmd_listen(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	long i, n;

	if (argc != 3)
		die("usage: harden listen N");
	n = parse_count(argv[2], "listen");
	raise_nofile(n);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16))
			die("listener %ld: %s", i + 1, strerror(errno));
	}
	hold_until_signal();
	return 0;
}

static int cmd_holdopen(int argc, char **argv)
{
	const char *file;
	long i, n;
	int err = 0;
	char c;

	if (argc != 4)
		die("usage: harden holdopen FILE N");
	file = argv[2];
	n = parse_count(argv[3], "holdopen");
	raise_nofile(n);
	for (i = 0; i < n; i++) {
		int fd = open(file, O_RDONLY);
		ssize_t r;

		if (fd < 0) {
			err = errno;
			break;
		}
		r = read(fd, &c, 1);
		if (r != 1) {
			err = r < 0 ? errno : EIO;
			close(fd);
			break;
		}
	}
	printf("held %ld\n", i);
	if (err)
		printf("error %s\n", strerrorname_np(err) ? strerrorname_np(err) : "?");
	hold_until_signal();
	return 0;
}

/* Read @fd whole into @buf (@size bytes). Bytes read, or -1 (errno). */
static long read_whole(int fd, char *buf, long size)
{
	long len = 0;

	for (;;) {
		ssize_t r = read(fd, buf + len, size - len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return len;
		len += r;
		if (len == size) {
			errno = EFBIG;
			return -1;
		}
	}
}

static int cmd_reads(int argc, char **argv)
{
	char *buf = malloc(READ_MAX);
	long i, n;

	if (argc != 4)
		die("usage: harden reads FILE N");
	n = parse_count(argv[3], "reads");
	if (!buf)
		die("out of memory");
	for (i = 0; i < n; i++) {
		int fd = open(argv[2], O_RDONLY);

		if (fd < 0 || read_whole(fd, buf, READ_MAX) <= 0) {
			fprintf(stderr, "harden: read %ld of %s: %s\n", i + 1, argv[2], strerror(errno));
			return 1;
		}
		close(fd);
	}
	printf("read %ld\n", n);
	free(buf);
	return 0;
}

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static int cmd_writes(int argc, char **argv)
{
	long ok = 0, i;

	if (argc != 5)
		die("usage: harden writes FILE VALUE1 VALUE2");
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	for (i = 0; !stop; i++) {
		const char *v = argv[3 + (i & 1)];
		int fd = open(argv[2], O_WRONLY);

		if (fd < 0)
			continue;
		if (write(fd, v, strlen(v)) == (ssize_t)strlen(v))
			ok++;
		close(fd);
	}
	printf("wrote %ld\n", ok);
	return 0;
}

/* ---- fault injection ---- */

/*
 * The child's fail-nth file, opened before a fault is armed: once it is,
 * every allocation counts, those of opening a file included, so the file
 * is then only written and read through this descriptor (which allocates
 * nothing).
 */
static int failnth_fd = -1;

static void failnth_set(long n)
{
	char s[32];
	int len = snprintf(s, sizeof(s), "%ld", n);

	if (failnth_fd < 0)
		failnth_fd = open(FAILNTH, O_RDWR | O_CLOEXEC);
	if (failnth_fd < 0 || pwrite(failnth_fd, s, len, 0) != len)
		_exit(100);	/* no fault injection: reported by the parent */
}

/* Was the fault set by failnth_set injected? Also disarms it. */
static bool failnth_injected(void)
{
	char s[32] = "";
	ssize_t r;

	r = pread(failnth_fd, s, sizeof(s) - 1, 0);
	if (r < 0 || pwrite(failnth_fd, "0", 1, 0) != 1)
		_exit(100);
	return strtol(s, NULL, 10) == 0;
}

/* What one child run reports to the parent. */
struct run {
	int rc;		/* 0 the operation succeeded, else its errno */
	bool injected;	/* the n-th fault was injected */
	bool clean;	/* nothing half done */
	char what[96];	/* why it was not clean */
};

enum op { OP_UNSHARE, OP_READ, OP_LOAD };

static const char *file_arg;
static char *read_buf;

/* The content of a complete read: the human file's 11 lines, or "end". */
static bool read_complete(const char *buf, long len)
{
	const char *base = strrchr(file_arg, '/');
	long lines = 0, i;

	base = base ? base + 1 : file_arg;
	if (!strcmp(base, "tcpstat")) {
		for (i = 0; i < len; i++)
			lines += buf[i] == '\n';
		return lines == 11 && buf[len - 1] == '\n';
	}
	return len >= 5 && !memcmp(buf + len - 5, "\nend\n", 5);
}

static bool module_present(void)
{
	struct stat st;

	return !stat("/sys/module/tcpstat", &st) || !lstat("/proc/tcpstat", &st);
}

/*
 * After fork() the child's first write to a page copies it, an allocation
 * that fail-nth counts: the pages the run writes are written before the
 * fault is armed (the stack it will use, errno's, the result's).
 */
static void __attribute__((noinline)) prefault(void)
{
	volatile char stack[64 << 10];
	size_t i;

	for (i = 0; i < sizeof(stack); i += 1024)
		stack[i] = 0;
	errno = 0;
}

static void run_op(enum op op, long n, struct run *r)
{
	long len;
	int fd;

	prefault();
	memset(r, 0, sizeof(*r));
	r->clean = true;
	switch (op) {
	case OP_UNSHARE:
		failnth_set(n);
		r->rc = unshare(CLONE_NEWNET) ? errno : 0;
		r->injected = failnth_injected();
		break;
	case OP_READ:
		/*
		 * Every page of the buffer faulted in first: a page fault
		 * allocates too, and a fault injected there is not the file's.
		 */
		memset(read_buf, 0, FAILNTH_READ_MAX);
		failnth_set(n);
		fd = open(file_arg, O_RDONLY);
		if (fd < 0) {
			r->rc = errno;
			r->injected = failnth_injected();
			break;
		}
		len = read_whole(fd, read_buf, FAILNTH_READ_MAX);
		r->rc = len < 0 ? errno : 0;
		close(fd);
		r->injected = failnth_injected();
		if (len == 0 || (len > 0 && !read_complete(read_buf, len))) {
			r->clean = false;
			snprintf(r->what, sizeof(r->what), "a read returned %ld bytes of an incomplete file",
				 len);
		}
		break;
	case OP_LOAD:
		fd = open(file_arg, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(101);
		failnth_set(n);
		r->rc = syscall(SYS_finit_module, fd, "", 0) ? errno : 0;
		r->injected = failnth_injected();
		close(fd);
		if (r->rc && module_present()) {
			r->clean = false;
			snprintf(r->what, sizeof(r->what), "a failed load left the module behind");
		} else if (!r->rc && syscall(SYS_delete_module, "tcpstat", O_NONBLOCK)) {
			r->clean = false;
			snprintf(r->what, sizeof(r->what), "cannot unload the loaded module: %s",
				 strerror(errno));
		} else if (module_present()) {
			r->clean = false;
			snprintf(r->what, sizeof(r->what), "the module is still there after the unload");
		}
		break;
	}
}

static const char *errname(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "?";
}

static int cmd_failnth(enum op op, const char *name, long max)
{
	long n, failed = 0, recovered = 0, unclean = 0;
	long by_errno[256] = { 0 };
	bool converged = false;
	char errs[512] = "";
	size_t len = 0;
	int e;

	if (access(FAILNTH, W_OK))
		die("%s: %s (a kernel with CONFIG_FAULT_INJECTION)", FAILNTH, strerror(errno));
	for (n = 1; n <= max && !converged; n++) {
		struct run r;
		int p[2], status;
		pid_t pid;

		if (pipe(p))
			die("pipe: %s", strerror(errno));
		pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			close(p[0]);
			run_op(op, n, &r);
			if (write(p[1], &r, sizeof(r)) != sizeof(r))
				_exit(102);
			_exit(0);
		}
		close(p[1]);
		if (read(p[0], &r, sizeof(r)) != sizeof(r)) {
			waitpid(pid, &status, 0);
			printf("%s: run %ld: the child died (%s %d)\n", name, n,
			       WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			close(p[0]);
			return 1;
		}
		close(p[0]);
		waitpid(pid, &status, 0);
		if (!r.clean) {
			unclean++;
			printf("%s: run %ld: NOT CLEAN: %s\n", name, n, r.what);
		}
		if (r.rc && !r.injected) {
			unclean++;
			printf("%s: run %ld: failed with %s and no fault injected\n", name, n,
			       errname(r.rc));
		} else if (r.rc) {
			failed++;
			by_errno[r.rc & 255]++;
		} else if (r.injected) {
			recovered++;
		} else {
			converged = true;
		}
	}
	for (e = 1; e < 256; e++)
		if (by_errno[e] && len < sizeof(errs) - 64)
			len += snprintf(errs + len, sizeof(errs) - len, " %s:%ld", errname(e),
					by_errno[e]);
	printf("%s: %ld runs: %ld failed with the fault (%s ), %ld succeeded despite it, %ld not clean, %s\n",
	       name, n - 1, failed, errs, recovered, unclean,
	       converged ? "the last with no fault left to inject" : "STOPPED at the run limit");
	return unclean || !converged;
}

int main(int argc, char **argv)
{
	long max = 5000;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		die("usage: harden listen|holdopen|reads|writes|failnth-unshare|failnth-read|failnth-load ...");
	if (!strcmp(argv[1], "listen"))
		return cmd_listen(argc, argv);
	if (!strcmp(argv[1], "holdopen"))
		return cmd_holdopen(argc, argv);
	if (!strcmp(argv[1], "reads"))
		return cmd_reads(argc, argv);
	if (!strcmp(argv[1], "writes"))
		return cmd_writes(argc, argv);
	if (!strcmp(argv[1], "failnth-unshare")) {
		if (argc > 2)
			max = parse_count(argv[2], argv[1]);
		return cmd_failnth(OP_UNSHARE, "unshare(CLONE_NEWNET)", max);
	}
	if (!strcmp(argv[1], "failnth-read") || !strcmp(argv[1], "failnth-load")) {
		bool load = !strcmp(argv[1], "failnth-load");

		if (argc < 3)
			die("usage: harden %s %s [MAX]", argv[1], load ? "KO" : "FILE");
		file_arg = argv[2];
		if (argc > 3)
			max = parse_count(argv[3], argv[1]);
		read_buf = malloc(FAILNTH_READ_MAX);
		if (!read_buf)
			die("out of memory");
		return cmd_failnth(load ? OP_LOAD : OP_READ, file_arg, max);
	}
	die("unknown command '%s'", argv[1]);
}
