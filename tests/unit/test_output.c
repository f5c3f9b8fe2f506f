// SPDX-License-Identifier: GPL-2.0
/* test_output.c - atomic --output files and writes to stdout/pipes. */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	return unit_tmpdir(dir);
}

static int teardown(void **state)
{
	(void)state;
	return unit_rmtree(dir);
}

static size_t entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' || (strcmp(de->d_name, ".") &&
					      strcmp(de->d_name, ".."));
	closedir(d);
	return n;
}

static void slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

static void test_replace(void **state)
{
	char path[128], buf[64];
	struct tcpstat_err e;
	struct stat st;
	mode_t old = umask(077);

	(void)state;
	snprintf(path, sizeof(path), "%s/out.json", dir);
	assert_int_equal(output_file(path, "first\n", 6, &e), OUT_OK);
	slurp(path, buf, sizeof(buf));
	assert_string_equal(buf, "first\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644); /* whatever the umask */

	assert_int_equal(output_file(path, "second\n", 7, &e), OUT_OK);
	slurp(path, buf, sizeof(buf));
	assert_string_equal(buf, "second\n");
	assert_int_equal(entries(dir), 1); /* no temporary file left */
	umask(old);
}

static void test_relative_name(void **state)
{
	char cwd[4096], buf[64];
	struct tcpstat_err e;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(output_file("rel.prom", "x\n", 2, &e), OUT_OK);
	slurp("rel.prom", buf, sizeof(buf));
	assert_string_equal(buf, "x\n");
	assert_int_equal(unlink("rel.prom"), 0);
	assert_int_equal(chdir(cwd), 0);
}

static void test_missing_dir(void **state)
{
	char path[128];
	struct tcpstat_err e;

	(void)state;
	snprintf(path, sizeof(path), "%s/nope/out.json", dir);
	assert_int_equal(output_file(path, "x\n", 2, &e), OUT_ERROR);
	assert_contains(e.msg, path);
	assert_contains(e.msg, "cannot create a temporary file in");
	assert_contains(e.msg, strerror(ENOENT));
}

static void test_rename_fails(void **state)
{
	char path[128];
	struct tcpstat_err e;

	(void)state;
	/* FILE is a non-empty directory: rename fails, the temp file goes */
	snprintf(path, sizeof(path), "%s/isdir", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/isdir/keep", dir);
	assert_int_equal(output_file(path, "k\n", 2, &e), OUT_OK);
	snprintf(path, sizeof(path), "%s/isdir", dir);
	assert_int_equal(output_file(path, "x\n", 2, &e), OUT_ERROR);
	assert_contains(e.msg, "rename");
	assert_contains(e.msg, "file left unchanged");
	assert_int_equal(entries(dir), 2); /* out.json and isdir, no temp */
	snprintf(path, sizeof(path), "%s/isdir", dir);
	assert_int_equal(entries(path), 1);

	snprintf(path, sizeof(path), "%s/", dir);
	assert_int_equal(output_file(path, "x\n", 2, &e), OUT_ERROR);
	assert_contains(e.msg, "not a file name");
}

static void test_write_all(void **state)
{
	int p[2], full;
	char buf[8];
	static volatile sig_atomic_t stop;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write_all(p[1], "abc", 3, NULL), 0);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 3);
	/* asked to stop before the first byte: nothing is written */
	stop = 1;
	assert_int_equal(write_all(p[1], "abc", 3, &stop), -OUT_STOPPED);
	stop = 0;
	assert_int_equal(write_all(p[1], "de", 2, &stop), 0);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "de", 2);
	close(p[0]);
	assert_int_equal(write_all(p[1], "abc", 3, &stop), EPIPE);
	close(p[1]);

	full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (full >= 0) {
		assert_int_equal(write_all(full, "abc", 3, NULL), ENOSPC);
		close(full);
	}
	assert_int_equal(write_all(-1, "abc", 3, NULL), EBADF);
	assert_int_equal(write_all(-1, "", 0, NULL), 0);
}

static void test_nonblocking_pipe(void **state)
{
	int p[2];
	static char big[256 * 1024], back[256 * 1024];
	pid_t pid;
	size_t got = 0;

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(write_all(p[1], big, sizeof(big), NULL) ? 1 : 0);
	}
	close(p[1]);
	while (got < sizeof(back)) {
		ssize_t n = read(p[0], back + got, sizeof(back) - got);

		if (n < 0 && errno == EAGAIN) {
			usleep(1000);
			continue;
		}
		assert_true(n > 0);
		got += (size_t)n;
	}
	close(p[0]);
	{
		int status;

		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_memory_equal(big, back, sizeof(big));
}

static volatile sig_atomic_t child_stop;

static void child_alarm(int sig)
{
	(void)sig;
	child_stop = 1;
}

/*
 * A reader that holds the pipe and never reads: a stop asked mid-sample
 * still ends the write (cut), whatever the reader does. The child's exit
 * status is write_all()'s result.
 */
static void test_stop_stalled_reader(void **state)
{
	static char big[256 * 1024];
	struct sigaction sa;
	int p[2], status = 0;
	ssize_t got = 0, n;
	char sink[4096];
	pid_t pid;

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = child_alarm; /* no SA_RESTART, as main.c */
		sigaction(SIGALRM, &sa, NULL);
		close(p[0]);
		alarm(1);
		_exit(-write_all(p[1], big, sizeof(big), &child_stop));
	}
	close(p[1]);
	/* never read while it runs; it must end by itself (60 s: hung) */
	for (int i = 0; i < 600 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(100 * 1000);
	if (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("write_all() ignored the stop while the reader stalled");
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), OUT_CUT);
	while ((n = read(p[0], sink, sizeof(sink))) > 0)
		got += n;
	close(p[0]);
	assert_true(got > 0 && got < (ssize_t)sizeof(big)); /* a part: cut */
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_symlink(void **state)
{
	char path[160], target[160], link[160], buf[64], got[160];
	struct tcpstat_err e;
	struct stat st;

	(void)state;
	/* absolute: the target is replaced, the link stays a link */
	snprintf(path, sizeof(path), "%s/run", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(target, sizeof(target), "%s/run/t.prom", dir);
	write_file(target, "old\n");
	snprintf(link, sizeof(link), "%s/l.prom", dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(output_file(link, "new\n", 4, &e), OUT_OK);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	slurp(target, buf, sizeof(buf));
	assert_string_equal(buf, "new\n");
	assert_int_equal(entries(path), 1); /* no temporary file by the target */
	assert_int_equal(output_target(link, got, sizeof(got), &e), 0);
	assert_string_equal(got, target);

	/* relative, and a chain: l2 -> l.prom -> run/t.prom */
	snprintf(link, sizeof(link), "%s/rel.prom", dir);
	assert_int_equal(symlink("run/t.prom", link), 0);
	assert_int_equal(output_file(link, "rel\n", 4, &e), OUT_OK);
	slurp(target, buf, sizeof(buf));
	assert_string_equal(buf, "rel\n");
	snprintf(link, sizeof(link), "%s/run/l2", dir);
	assert_int_equal(symlink("../l.prom", link), 0);
	assert_int_equal(output_file(link, "chain\n", 6, &e), OUT_OK);
	slurp(target, buf, sizeof(buf));
	assert_string_equal(buf, "chain\n");
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));

	/* dangling: the target is created where the link points */
	assert_int_equal(unlink(target), 0);
	assert_int_equal(output_file(link, "first\n", 6, &e), OUT_OK);
	slurp(target, buf, sizeof(buf));
	assert_string_equal(buf, "first\n");

	/* a loop is an error, not a hang */
	snprintf(link, sizeof(link), "%s/loop1", dir);
	assert_int_equal(symlink("loop2", link), 0);
	snprintf(link, sizeof(link), "%s/loop2", dir);
	assert_int_equal(symlink("loop1", link), 0);
	assert_int_equal(output_file(link, "x\n", 2, &e), OUT_ERROR);
	assert_contains(e.msg, strerror(ELOOP));

	/* the temporary file goes next to the target, not the link */
	snprintf(link, sizeof(link), "%s/nodir.prom", dir);
	assert_int_equal(symlink("missing/t.prom", link), 0);
	assert_int_equal(output_file(link, "x\n", 2, &e), OUT_ERROR);
	assert_contains(e.msg, "cannot create a temporary file in");
	assert_contains(e.msg, "missing/");
}

static void test_cleanup(void **state)
{
	char path[160], name[200];
	struct stat st;
	int locked;

	(void)state;
	snprintf(path, sizeof(path), "%s/c", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	/* left by a killed writer: ours, unlocked */
	snprintf(name, sizeof(name), "%s/.t.prom.tcpstat-AbC123", path);
	write_file(name, "stale");
	snprintf(name, sizeof(name), "%s/.t.prom.tcpstat-zz9ZZ9", path);
	write_file(name, "stale");
	/* a live writer's: locked */
	snprintf(name, sizeof(name), "%s/.t.prom.tcpstat-LIVE00", path);
	write_file(name, "live");
	locked = open(name, O_RDONLY | O_CLOEXEC);
	assert_true(locked >= 0);
	assert_int_equal(flock(locked, LOCK_EX), 0);
	/* not ours: other names, another file's, a directory */
	snprintf(name, sizeof(name), "%s/.t.prom.backup", path);
	write_file(name, "keep");
	snprintf(name, sizeof(name), "%s/.t.prom.tcpstat-AbC1234", path);
	write_file(name, "keep");
	snprintf(name, sizeof(name), "%s/.u.prom.tcpstat-AbC123", path);
	write_file(name, "keep");
	snprintf(name, sizeof(name), "%s/.t.prom.tcpstat-dir000", path);
	assert_int_equal(mkdir(name, 0755), 0);

	snprintf(name, sizeof(name), "%s/t.prom", path);
	assert_int_equal(output_cleanup(name), 2);
	assert_int_equal(entries(path), 5);
	snprintf(name, sizeof(name), "%s/.t.prom.tcpstat-AbC123", path);
	assert_int_equal(stat(name, &st), -1);
	snprintf(name, sizeof(name), "%s/.t.prom.tcpstat-LIVE00", path);
	assert_int_equal(stat(name, &st), 0);
	close(locked);
	/* its writer gone (the lock with it): stale now */
	snprintf(name, sizeof(name), "%s/t.prom", path);
	assert_int_equal(output_cleanup(name), 1);
	assert_int_equal(entries(path), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_relative_name),
		cmocka_unit_test(test_missing_dir),
		cmocka_unit_test(test_rename_fails),
		cmocka_unit_test(test_write_all),
		cmocka_unit_test(test_nonblocking_pipe),
		cmocka_unit_test(test_stop_stalled_reader),
		cmocka_unit_test(test_symlink),
		cmocka_unit_test(test_cleanup),
	};

	return cmocka_run_group_tests_name("output", tests, setup, teardown);
}
