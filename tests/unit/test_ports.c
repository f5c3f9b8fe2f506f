// SPDX-License-Identifier: GPL-2.0
/* test_ports.c - the per-port accumulators, the --port filter, the lists. */
#include "unit.h"

#include <stdlib.h>

#include "ports.h"

#define EST 0
#define SYN_RECV 2
#define TIME_WAIT 5
#define LISTEN 9

static struct port_table t;

static int setup(void **state)
{
	(void)state;
	return port_table_init(&t);
}

static int teardown(void **state)
{
	(void)state;
	port_table_free(&t);
	return 0;
}

static void test_fuller_order(void **state)
{
	(void)state;
	/* by ratio */
	assert_true(port_fuller(3, 2, 1, 1));	/* 1.5 > 1 */
	assert_false(port_fuller(1, 1, 3, 2));
	assert_true(port_fuller(1, 2, 1, 4));	/* 0.5 > 0.25 */
	/* a limit of 0 counts as 1 */
	assert_true(port_fuller(1, 0, 0, 0));
	assert_true(port_fuller(2, 0, 1, 1));
	/* as full: the longer queue, then the larger limit */
	assert_true(port_fuller(2, 4, 1, 2));
	assert_false(port_fuller(1, 2, 2, 4));
	assert_true(port_fuller(0, 32, 0, 16));
	assert_false(port_fuller(0, 16, 0, 32));
	/* the same is not fuller: the first one stays */
	assert_false(port_fuller(3, 7, 3, 7));
	/* no overflow with the largest values */
	assert_true(port_fuller(UINT32_MAX, UINT32_MAX - 1, UINT32_MAX - 1, UINT32_MAX));
}

/* Listeners in any order give the same fullest listener. */
static void test_order_independent(void **state)
{
	static const uint32_t q[] = { 0, 3, 1, 2, 0 }, m[] = { 16, 2, 1, 8, 0 };
	struct port_list l = { 0 };

	(void)state;
	for (int rot = 0; rot < 5; rot++) {
		port_table_begin(&t);
		/* connections first, listeners after (as a dump may give them) */
		port_table_add(&t, 80, EST, 99, 99);
		for (int i = 0; i < 5; i++) {
			int k = (i + rot) % 5;

			port_table_add(&t, 80, LISTEN, q[k], m[k]);
		}
		assert_int_equal(port_table_collect(&t, NULL, true, &l), 0);
		assert_int_equal(l.n, 1);
		assert_int_equal(l.row[0].listeners, 5);
		assert_int_equal(l.row[0].accept_queue, 6);
		assert_int_equal(l.row[0].backlog, 27);
		assert_int_equal(l.row[0].fullest_queue, 3);
		assert_int_equal(l.row[0].fullest_backlog, 2);
		assert_int_equal(l.row[0].n[EST], 1);
		assert_int_equal(l.row[0].n[LISTEN], 5);
		assert_true(port_row_saturated(&l.row[0]));
	}
	free(l.row);
}

static void test_collect(void **state)
{
	struct port_list l = { 0 };
	struct port_filter f = { .active = false };

	(void)state;
	port_table_begin(&t);
	/* no listener on 443: its sockets are not a row */
	port_table_add(&t, 443, EST, 0, 0);
	port_table_add(&t, 443, TIME_WAIT, 0, 0);
	port_table_add(&t, 65535, LISTEN, 0, 128);
	port_table_add(&t, 22, SYN_RECV, 0, 0);
	port_table_add(&t, 22, LISTEN, 1, 128);
	port_table_add(&t, 22, EST, 0, 0);
	port_table_add(&t, 1, LISTEN, 0, 0);
	port_table_add(&t, 0, LISTEN, 0, 0); /* never a row */
	assert_int_equal(port_table_collect(&t, NULL, true, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.row[0].port, 1);
	assert_int_equal(l.row[1].port, 22);
	assert_int_equal(l.row[2].port, 65535);
	assert_int_equal(l.row[1].n[SYN_RECV], 1);
	assert_int_equal(l.row[1].n[EST], 1);
	assert_int_equal(l.row[1].n[LISTEN], 1);
	assert_int_equal(l.row[1].accept_queue, 1);
	assert_int_equal(l.row[2].backlog, 128);
	assert_false(port_row_saturated(&l.row[1]));

	/* procfs: no limits known, left 0 (printed as unknown) */
	assert_int_equal(port_table_collect(&t, NULL, false, &l), 0);
	assert_false(l.backlog_known);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.row[1].accept_queue, 1);
	assert_int_equal(l.row[1].backlog, 0);
	assert_int_equal(l.row[1].fullest_queue, 0);

	/* the filter; a listed port without listener does not appear */
	port_filter_set(&f, 22);
	port_filter_set(&f, 443);
	assert_int_equal(port_table_collect(&t, &f, true, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.row[0].port, 22);

	/* the next sample starts from nothing */
	port_table_begin(&t);
	port_table_add(&t, 22, EST, 0, 0);
	assert_int_equal(port_table_collect(&t, NULL, true, &l), 0);
	assert_int_equal(l.n, 0);
	port_table_add(&t, 22, LISTEN, 0, 5);
	assert_int_equal(port_table_collect(&t, NULL, true, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.row[0].n[EST], 1);
	assert_int_equal(l.row[0].n[LISTEN], 1);
	assert_int_equal(l.row[0].backlog, 5);
	free(l.row);
}

static void test_generation_wrap(void **state)
{
	struct port_list l = { 0 };

	(void)state;
	port_table_begin(&t);
	port_table_add(&t, 80, LISTEN, 0, 1);
	/* the counter wraps: nothing from before may look current */
	t.gen = UINT32_MAX;
	port_table_begin(&t);
	assert_int_equal(t.gen, 1);
	port_table_add(&t, 80, EST, 0, 0);
	port_table_add(&t, 80, LISTEN, 0, 1);
	assert_int_equal(port_table_collect(&t, NULL, true, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.row[0].listeners, 1);
	assert_int_equal(l.row[0].n[EST], 1);
	free(l.row);
}

/* Every port listening: 65535 rows, the list grows as needed. */
static void test_every_port(void **state)
{
	struct port_list l = { 0 };

	(void)state;
	port_table_begin(&t);
	for (uint32_t p = 0; p < TCPSTAT_NPORTS; p++)
		port_table_add(&t, (uint16_t)p, LISTEN, p & 7, 4);
	assert_int_equal(port_table_collect(&t, NULL, true, &l), 0);
	assert_int_equal(l.n, 65535);
	for (uint32_t i = 0; i < l.n; i++)
		assert_int_equal(l.row[i].port, i + 1);
	free(l.row);
}

static void test_list_filter(void **state)
{
	struct port_list l = { 0 };
	struct port_filter f = { .active = false };

	(void)state;
	for (uint32_t p = 10; p <= 50; p += 10)
		port_list_add(&l)->port = p;
	port_list_filter(&l, NULL);
	assert_int_equal(l.n, 5);
	port_list_filter(&l, &f); /* inactive: keeps every port */
	assert_int_equal(l.n, 5);
	port_filter_set(&f, 20);
	port_filter_set(&f, 50);
	port_filter_set(&f, 60);
	port_list_filter(&l, &f);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.row[0].port, 20);
	assert_int_equal(l.row[1].port, 50);
	assert_true(port_filter_has(&f, 60));
	assert_false(port_filter_has(&f, 10));
	assert_false(port_filter_has(&f, 65536));
	free(l.row);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuller_order),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_collect),
		cmocka_unit_test(test_generation_wrap),
		cmocka_unit_test(test_every_port),
		cmocka_unit_test(test_list_filter),
	};

	return cmocka_run_group_tests_name("ports", tests, setup, teardown);
}
