/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-gatt-att.c: the ATT error names a local handler answers with and their codes
 * (shared/att.c): each name on a read and on a write, which codes a handler may use
 * (the application range's edges included), and the name of each code.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include <cmocka.h>

#include "shared/att.h"

/* Every name, with the code a central gets for it on a read and on a write. */
static const struct {
	const char *name;
	uint8_t read_code;
	uint8_t write_code;
} names[] = {
	{ "not-permitted", 0x02, 0x03 },
	{ "not-supported", 0x06, 0x06 },
	{ "invalid-offset", 0x07, 0x07 },
	{ "not-authorized", 0x08, 0x08 },
	{ "invalid-value-length", 0x0d, 0x0d },
	{ "unlikely", 0x0e, 0x0e },
	{ "improperly-configured", 0xfd, 0xfd },
	{ "in-progress", 0xfe, 0xfe },
};

static void test_every_name_gives_its_code_on_a_read_and_a_write(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		uint8_t read = 0, write = 0;

		assert_int_equal(att_from_name(names[i].name, false, &read), 0);
		assert_int_equal(att_from_name(names[i].name, true, &write), 0);
		if (read != names[i].read_code || write != names[i].write_code)
			fail_msg("%s: read 0x%02x write 0x%02x, expected 0x%02x and 0x%02x", names[i].name, read, write,
			         names[i].read_code, names[i].write_code);
	}
}

static void test_not_permitted_is_read_or_write_not_permitted_as_the_request_is(void **state)
{
	uint8_t code = 0;

	assert_int_equal(att_from_name("not-permitted", false, &code), 0);
	assert_int_equal(code, ATT_READ_NOT_PERMITTED);
	assert_int_equal(att_from_name("not-permitted", true, &code), 0);
	assert_int_equal(code, ATT_WRITE_NOT_PERMITTED);
}

static void test_unknown_names_are_refused_and_leave_the_code_alone(void **state)
{
	static const char *const unknown[] = {
		"", "Not-Permitted", "unlikely ", " unlikely", "not_permitted", "read-not-permitted",
		"write-not-permitted", "0x0e", "14", "128", "0x80", "failed", "in-progress\n",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(unknown); i++) {
		uint8_t code = 0x42;

		if (att_from_name(unknown[i], false, &code) != -EINVAL)
			fail_msg("'%s' was taken as an error name", unknown[i]);
		assert_int_equal(att_from_name(unknown[i], true, &code), -EINVAL);
		assert_int_equal(code, 0x42);
	}
}

static void test_named_codes_and_the_application_range_are_allowed(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		assert_true(att_is_allowed(names[i].read_code));
		assert_true(att_is_allowed(names[i].write_code));
	}
	/* The application range, 0x80..0x9f, and its edges. */
	assert_false(att_is_allowed(0x7f));
	assert_true(att_is_allowed(0x80));
	assert_true(att_is_allowed(0x81));
	assert_true(att_is_allowed(0x9f));
	assert_false(att_is_allowed(0xa0));
	/* Codes that belong to the ATT layer itself or to nobody. */
	for (unsigned code = 0; code <= 0xff; code++) {
		bool named = false;

		for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
			named = named || code == names[i].read_code || code == names[i].write_code;
		if (!named && (code < ATT_APP_FIRST || code > ATT_APP_LAST) && att_is_allowed((uint8_t)code))
			fail_msg("0x%02x is allowed, but is neither named nor in the application range", code);
	}
}

static void test_each_named_code_has_its_name_and_others_have_none(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		assert_string_equal(att_name(names[i].read_code), names[i].name);
		assert_string_equal(att_name(names[i].write_code), names[i].name);
	}
	/* The application range is numbers only. */
	assert_null(att_name(0x7f));
	assert_null(att_name(0x80));
	assert_null(att_name(0x9f));
	assert_null(att_name(0xa0));
	assert_null(att_name(0x00));
	assert_null(att_name(0x05));
	assert_null(att_name(0xff));
}

static void test_names_list_is_every_name_once(void **state)
{
	g_auto(GStrv) listed = g_strsplit(att_names(), " ", -1);

	assert_int_equal(g_strv_length(listed), G_N_ELEMENTS(names));
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (!g_strv_contains((const char *const *)listed, names[i].name))
			fail_msg("'%s' is missing from the list of names: %s", names[i].name, att_names());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_name_gives_its_code_on_a_read_and_a_write),
		cmocka_unit_test(test_not_permitted_is_read_or_write_not_permitted_as_the_request_is),
		cmocka_unit_test(test_unknown_names_are_refused_and_leave_the_code_alone),
		cmocka_unit_test(test_named_codes_and_the_application_range_are_allowed),
		cmocka_unit_test(test_each_named_code_has_its_name_and_others_have_none),
		cmocka_unit_test(test_names_list_is_every_name_once),
	};

	return cmocka_run_group_tests_name("gatt-att", tests, NULL, NULL);
}
