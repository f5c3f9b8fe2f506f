// SPDX-License-Identifier: GPL-2.0
/* test_output.c - atomic --output files and writes to stdout/pipes. */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tcpstat-unit-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
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
	static volatile sig_atomic_t stop = 1;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write_all(p[1], "abc", 3, NULL), 0);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 3);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_relative_name),
		cmocka_unit_test(test_missing_dir),
		cmocka_unit_test(test_rename_fails),
		cmocka_unit_test(test_write_all),
		cmocka_unit_test(test_nonblocking_pipe),
	};

	return cmocka_run_group_tests_name("output", tests, setup, teardown);
}
