/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-uuid-names.c: the SIG names of common UUIDs and how gattctl shows a UUID. */
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "shared/uuid-names.h"

static void assert_described(const char *uuid, const char *expected)
{
	g_autofree char *shown = uuid_describe(uuid);

	assert_string_equal(shown, expected);
}

static void test_common_numbers_have_their_sig_names(void **state)
{
	assert_string_equal(uuid_name_of_short(0x180F), "Battery");
	assert_string_equal(uuid_name_of_short(0x1800), "Generic Access");
	assert_string_equal(uuid_name_of_short(0x2A00), "Device Name");
	assert_string_equal(uuid_name_of_short(0x2A19), "Battery Level");
	assert_string_equal(uuid_name_of_short(0x2A29), "Manufacturer Name String");
	assert_string_equal(uuid_name_of_short(0x2901), "Characteristic User Description");
	assert_string_equal(uuid_name_of_short(0x2902), "Client Characteristic Configuration");
	assert_string_equal(uuid_name_of_short(0x2B3A), "Server Supported Features"); /* the last entry */
}

static void test_numbers_the_table_lacks_have_no_name(void **state)
{
	assert_null(uuid_name_of_short(0x0000));
	assert_null(uuid_name_of_short(0x18FF));
	assert_null(uuid_name_of_short(0xFFFF));
}

static void test_base_uuid_is_shown_short_with_its_name(void **state)
{
	assert_described("0000180f-0000-1000-8000-00805f9b34fb", "0x180F Battery");
	assert_described("00002A19-0000-1000-8000-00805F9B34FB", "0x2A19 Battery Level");
	assert_described("2a19", "0x2A19 Battery Level");
	assert_described("000018ff-0000-1000-8000-00805f9b34fb", "0x18FF");
	assert_described("0000feed-0000-1000-8000-00805f9b34fb", "0xFEED");
	assert_described("1234feed-0000-1000-8000-00805f9b34fb", "0x1234FEED");
}

static void test_other_uuids_are_shown_whole(void **state)
{
	assert_described("6E400001-B5A3-F393-E0A9-E50E24DCCA9E", "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
	assert_described("not a uuid", "not a uuid");
	assert_described(NULL, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_numbers_have_their_sig_names),
		cmocka_unit_test(test_numbers_the_table_lacks_have_no_name),
		cmocka_unit_test(test_base_uuid_is_shown_short_with_its_name),
		cmocka_unit_test(test_other_uuids_are_shown_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
