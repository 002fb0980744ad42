/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-config-ids.c: the one id grammar (config/ids.h) the config loader and the Persist= store share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <glib.h>

#include <cmocka.h>

#include "config/ids.h"

static bool part_ok(const char *part)
{
	return config_id_part_is_valid(part, strlen(part));
}

static void test_a_part_is_1_to_64_letters_digits_or_underscores(void **state)
{
	g_autofree char *longest = g_strnfill(CONFIG_ID_PART_MAX, 'a');
	g_autofree char *too_long = g_strnfill(CONFIG_ID_PART_MAX + 1, 'a');

	(void) state;
	assert_true(part_ok("battery_2"));
	assert_true(part_ok("A"));
	assert_true(part_ok(longest));
	assert_false(part_ok(too_long));
	assert_false(part_ok(""));
	assert_false(part_ok("a-b"));
	assert_false(part_ok("a.b"));
	assert_false(part_ok("a b"));
	assert_false(part_ok("a/b"));
	assert_false(part_ok("\xc3\xa4"));
	/* Only len bytes count: the part may be the front of a longer id. */
	assert_true(config_id_part_is_valid("battery/level", 7));
}

static void test_an_id_has_exactly_its_number_of_parts(void **state)
{
	(void) state;
	assert_true(config_id_is_valid("battery", 1));
	assert_true(config_id_is_valid("battery/level", 2));
	assert_true(config_id_is_valid("battery/level/range", 3));
	assert_false(config_id_is_valid("battery/level", 1));
	assert_false(config_id_is_valid("battery/level", 3));
	assert_false(config_id_is_valid("battery//level", 2));
	assert_false(config_id_is_valid("battery/", 2));
	assert_false(config_id_is_valid("/level", 2));
	assert_false(config_id_is_valid("", 1));
	assert_false(config_id_is_valid("battery/le vel", 2));
}

static void test_parent_and_last_part(void **state)
{
	g_autofree char *parent = config_id_parent("battery/level/range");
	g_autofree char *grandparent = config_id_parent(parent);
	g_autofree char *last = config_id_last_part("battery/level/range");
	g_autofree char *alone = config_id_last_part("battery");

	(void) state;
	assert_string_equal(parent, "battery/level");
	assert_string_equal(grandparent, "battery");
	assert_string_equal(last, "range");
	assert_string_equal(alone, "battery");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_part_is_1_to_64_letters_digits_or_underscores),
		cmocka_unit_test(test_an_id_has_exactly_its_number_of_parts),
		cmocka_unit_test(test_parent_and_last_part),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
