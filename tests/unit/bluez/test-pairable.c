/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-pairable.c: the pairing window (Pairable=always, or on-request windows that close by themselves). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bluez/pairable.h"

#define S (INT64_C(1000000)) /* one second in microseconds */
/* A monotonic clock well away from 0, as g_get_monotonic_time() is. */
#define T0 (INT64_C(5000) * S)

static void test_always_is_open_at_any_time_with_no_window_to_run_out(void **state)
{
	BluezPairable p;

	bluez_pairable_init(&p, true);
	assert_true(bluez_pairable_is_open(&p, 0));
	assert_true(bluez_pairable_is_open(&p, T0));
	assert_true(bluez_pairable_is_open(&p, INT64_MAX));
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0), -1);
}

static void test_on_request_is_closed_until_opened(void **state)
{
	BluezPairable p;

	bluez_pairable_init(&p, false);
	assert_false(bluez_pairable_is_open(&p, 0));
	assert_false(bluez_pairable_is_open(&p, T0));
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0), 0);
}

static void test_window_is_open_for_its_seconds_then_closes_by_itself(void **state)
{
	BluezPairable p;

	bluez_pairable_init(&p, false);
	assert_int_equal(bluez_pairable_open(&p, 30, T0), 0);
	assert_true(bluez_pairable_is_open(&p, T0));
	assert_true(bluez_pairable_is_open(&p, T0 + 30 * S - 1));
	assert_false(bluez_pairable_is_open(&p, T0 + 30 * S));
	assert_false(bluez_pairable_is_open(&p, T0 + 31 * S));
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0), 30000);
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0 + 30 * S), 0);
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0 + 3600 * S), 0);
}

static void test_remaining_ms_is_rounded_up(void **state)
{
	BluezPairable p;

	bluez_pairable_init(&p, false);
	assert_int_equal(bluez_pairable_open(&p, 2, T0), 0);
	/* 1.5 ms and 1 us left still count as open, so they are not shown as 0 (closed). */
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0 + 2 * S - 1500), 2);
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0 + 2 * S - 1), 1);
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0 + 2 * S - 1000), 1);
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0 + 1), 2000);
}

static void test_opening_again_restarts_the_window_from_now(void **state)
{
	BluezPairable p;

	bluez_pairable_init(&p, false);
	assert_int_equal(bluez_pairable_open(&p, 60, T0), 0);
	/* A shorter window opened later ends when it says, not when the first one would have. */
	assert_int_equal(bluez_pairable_open(&p, 10, T0 + 5 * S), 0);
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0 + 5 * S), 10000);
	assert_true(bluez_pairable_is_open(&p, T0 + 15 * S - 1));
	assert_false(bluez_pairable_is_open(&p, T0 + 15 * S));
}

static void test_the_longest_window_does_not_overflow(void **state)
{
	BluezPairable p;

	bluez_pairable_init(&p, false);
	assert_int_equal(bluez_pairable_open(&p, 86400, T0), 0);
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0), INT64_C(86400000));
	assert_true(bluez_pairable_is_open(&p, T0 + 86399 * S));
	assert_false(bluez_pairable_is_open(&p, T0 + 86400 * S));
}

static void test_close_ends_an_open_window_at_once(void **state)
{
	BluezPairable p;

	bluez_pairable_init(&p, false);
	assert_int_equal(bluez_pairable_open(&p, 120, T0), 0);
	assert_int_equal(bluez_pairable_close(&p), 0);
	assert_false(bluez_pairable_is_open(&p, T0 + 1));
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0 + 1), 0);
	/* Closing a closed window is no error. */
	assert_int_equal(bluez_pairable_close(&p), 0);
	assert_false(bluez_pairable_is_open(&p, T0 + 1));
}

static void test_always_cannot_be_opened_or_closed(void **state)
{
	BluezPairable p;

	bluez_pairable_init(&p, true);
	assert_int_equal(bluez_pairable_open(&p, 10, T0), -EALREADY);
	assert_int_equal(bluez_pairable_close(&p), -EALREADY);
	assert_true(bluez_pairable_is_open(&p, T0 + 3600 * S));
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0), -1);
}

static void test_set_always_switches_and_an_open_window_keeps_its_end(void **state)
{
	BluezPairable p;

	/* on-request -> always: open whatever the window said. */
	bluez_pairable_init(&p, false);
	bluez_pairable_set_always(&p, true);
	assert_true(bluez_pairable_is_open(&p, T0));
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0), -1);
	assert_int_equal(bluez_pairable_open(&p, 10, T0), -EALREADY);

	/* always -> on-request: closed, and now it can be opened and closed. */
	bluez_pairable_set_always(&p, false);
	assert_false(bluez_pairable_is_open(&p, T0));
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0), 0);
	assert_int_equal(bluez_pairable_open(&p, 10, T0), 0);
	assert_true(bluez_pairable_is_open(&p, T0 + 9 * S));

	/* A reload that keeps on-request leaves the open window open as long as it was to be. */
	bluez_pairable_set_always(&p, false);
	assert_true(bluez_pairable_is_open(&p, T0 + 9 * S));
	assert_int_equal(bluez_pairable_remaining_ms(&p, T0 + 9 * S), 1000);
	assert_false(bluez_pairable_is_open(&p, T0 + 10 * S));
	assert_int_equal(bluez_pairable_close(&p), 0);
	assert_false(bluez_pairable_is_open(&p, T0 + 9 * S));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_always_is_open_at_any_time_with_no_window_to_run_out),
		cmocka_unit_test(test_on_request_is_closed_until_opened),
		cmocka_unit_test(test_window_is_open_for_its_seconds_then_closes_by_itself),
		cmocka_unit_test(test_remaining_ms_is_rounded_up),
		cmocka_unit_test(test_opening_again_restarts_the_window_from_now),
		cmocka_unit_test(test_the_longest_window_does_not_overflow),
		cmocka_unit_test(test_close_ends_an_open_window_at_once),
		cmocka_unit_test(test_always_cannot_be_opened_or_closed),
		cmocka_unit_test(test_set_always_switches_and_an_open_window_keeps_its_end),
	};

	return cmocka_run_group_tests_name("pairable", tests, NULL, NULL);
}
