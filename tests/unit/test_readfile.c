// SPDX-License-Identifier: GPL-2.0
/* test_readfile.c - what read_file_chunks() refuses, and its time bound. */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	/* a read that blocks for ever fails the test instead of hanging it */
	alarm(60);
	return unit_tmpdir(dir);
}

static int teardown(void **state)
{
	(void)state;
	alarm(0);
	return unit_rmtree(dir);
}

static int count_feed(void *ctx, const char *buf, size_t n)
{
	(void)buf;
	*(size_t *)ctx += n;
	return 0;
}

static void test_not_regular(void **state)
{
	char path[128], buf[64];
	size_t n = 0;
	int w;

	(void)state;
	/* a FIFO with a writer that never writes: refused, never read */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(read_file_chunks(path, buf, sizeof(buf), count_feed, &n),
			 READFILE_NOT_REGULAR);
	w = open(path, O_RDWR | O_CLOEXEC); /* holds it open, as a writer */
	assert_true(w >= 0);
	assert_int_equal(read_file_chunks(path, buf, sizeof(buf), count_feed, &n),
			 READFILE_NOT_REGULAR);
	close(w);
	assert_int_equal(read_file_chunks(dir, buf, sizeof(buf), count_feed, &n),
			 READFILE_NOT_REGULAR);
	assert_int_equal(read_file_chunks("/dev/null", buf, sizeof(buf), count_feed, &n),
			 READFILE_NOT_REGULAR);
	assert_int_equal(n, 0);
	assert_contains(readfile_strerror(READFILE_NOT_REGULAR), "not a regular file");

	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(read_file_chunks(path, buf, sizeof(buf), count_feed, &n), ENOENT);
	assert_string_equal(readfile_strerror(ENOENT), strerror(ENOENT));
}

/* 20 ms per chunk: a file of 25 chunks takes 500 ms */
static int slow_feed(void *ctx, const char *buf, size_t n)
{
	usleep(20 * 1000);
	return count_feed(ctx, buf, n);
}

static void test_time_bound(void **state)
{
	char path[128], buf[4];
	size_t n = 0;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/slow", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789012345678901234567890123456789"
			       "0123456789012345678901234567890123456789"
			       "01234567890123456789", 100), 100);
	close(fd);
	assert_int_equal(read_file_chunks_within(path, buf, sizeof(buf), slow_feed, &n, 50),
			 READFILE_TOO_SLOW);
	assert_true(n < 100);
	assert_contains(readfile_strerror(READFILE_TOO_SLOW), "within 60 s");
	n = 0;
	assert_int_equal(read_file_chunks(path, buf, sizeof(buf), count_feed, &n), 0);
	assert_int_equal(n, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_time_bound),
	};

	return cmocka_run_group_tests_name("readfile", tests, setup, teardown);
}
