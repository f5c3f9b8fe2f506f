// SPDX-License-Identifier: GPL-2.0
/* test_lines.c - line splitting across chunks with a bounded carry-over. */
#include "unit.h"

#include "lines.h"

struct seen {
	char text[1024];
	unsigned long last;
	int stop_at;
};

static int collect(void *ctx, const char *line, size_t len, unsigned long ln)
{
	struct seen *s = ctx;
	size_t o = strlen(s->text);

	assert_int_equal(ln, s->last + 1);
	s->last = ln;
	assert_true(o + len + 2 < sizeof(s->text));
	memcpy(s->text + o, line, len);
	s->text[o + len] = '|';
	s->text[o + len + 1] = '\0';
	if (s->stop_at && (int)ln == s->stop_at)
		return -1;
	return 0;
}

static void test_chunks(void **state)
{
	const char *in = "a\nbb\n\nccc\ndddd\n";
	size_t len = strlen(in);

	(void)state;
	for (size_t chunk = 1; chunk <= len; chunk++) {
		struct lines l;
		struct parse_err err;
		struct seen s = { "", 0, 0 };

		lines_init(&l, 16, collect, &s, &err);
		for (size_t off = 0; off < len; off += chunk)
			assert_int_equal(lines_feed(&l, in + off,
						    len - off < chunk ? len - off : chunk), 0);
		assert_string_equal(s.text, "a|bb||ccc|dddd|");
		assert_int_equal(l.lineno, 5);
		assert_int_equal(lines_pending(&l), 0);
	}
}

static void test_pending(void **state)
{
	struct lines l;
	struct parse_err err;
	struct seen s = { "", 0, 0 };

	(void)state;
	lines_init(&l, 16, collect, &s, &err);
	assert_int_equal(lines_feed(&l, "x\nyz", 4), 0);
	assert_int_equal(lines_pending(&l), 2);
	assert_int_equal(lines_feed(&l, "", 0), 0);
	assert_int_equal(lines_feed(&l, "w\n", 2), 0);
	assert_string_equal(s.text, "x|yzw|");
}

static void test_max(void **state)
{
	struct lines l;
	struct parse_err err;
	struct seen s = { "", 0, 0 };

	(void)state;
	/* exactly max bytes: whole, and split across chunks */
	lines_init(&l, 4, collect, &s, &err);
	assert_int_equal(lines_feed(&l, "abcd\n", 5), 0);
	assert_int_equal(lines_feed(&l, "ab", 2), 0);
	assert_int_equal(lines_feed(&l, "cd", 2), 0);
	assert_int_equal(lines_feed(&l, "\n", 1), 0);
	assert_string_equal(s.text, "abcd|abcd|");

	/* one more: in a chunk, in the carry, and as an unterminated tail */
	memset(&s, 0, sizeof(s));
	lines_init(&l, 4, collect, &s, &err);
	assert_int_equal(lines_feed(&l, "x\nabcde\n", 8), -1);
	assert_int_equal(err.line, 2);
	assert_contains(err.what, "longer than 4 bytes");

	memset(&s, 0, sizeof(s));
	lines_init(&l, 4, collect, &s, &err);
	assert_int_equal(lines_feed(&l, "abc", 3), 0);
	assert_int_equal(lines_feed(&l, "de\n", 3), -1);
	assert_int_equal(err.line, 1);

	memset(&s, 0, sizeof(s));
	lines_init(&l, 4, collect, &s, &err);
	assert_int_equal(lines_feed(&l, "\nabcde", 6), -1);
	assert_int_equal(err.line, 2);

	/* LINES_MAX caps what a caller may ask for */
	memset(&s, 0, sizeof(s));
	lines_init(&l, LINES_MAX * 2, collect, &s, &err);
	assert_int_equal(l.max, LINES_MAX);
}

static void test_callback_stops(void **state)
{
	struct lines l;
	struct parse_err err;
	struct seen s = { "", 0, 2 };

	(void)state;
	lines_init(&l, 16, collect, &s, &err);
	assert_int_equal(lines_feed(&l, "a\nb\nc\n", 6), -1);
	assert_string_equal(s.text, "a|b|");

	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	lines_init(&l, 16, collect, &s, &err);
	assert_int_equal(lines_feed(&l, "a", 1), 0);
	assert_int_equal(lines_feed(&l, "\nb\n", 3), -1);
	assert_string_equal(s.text, "a|");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_callback_stops),
	};

	return cmocka_run_group_tests_name("lines", tests, NULL, NULL);
}
