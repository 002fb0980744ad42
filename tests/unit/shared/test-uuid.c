/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-uuid.c: UUID normalisation, short forms and their display spelling. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "shared/uuid.h"

static void assert_normalizes(const char *text, const char *expected)
{
	char out[UUID_STR_LEN + 1];

	assert_int_equal(uuid_normalize(text, out), 0);
	assert_string_equal(out, expected);
}

static void assert_refused(const char *text)
{
	char out[UUID_STR_LEN + 1] = "untouched";

	assert_int_equal(uuid_normalize(text, out), -EINVAL);
	assert_string_equal(out, "untouched");
}

static void test_uuid16_expands_onto_base_uuid(void **state)
{
	assert_normalizes("180F", "0000180f-0000-1000-8000-00805f9b34fb");
	assert_normalizes("180f", "0000180f-0000-1000-8000-00805f9b34fb");
	assert_normalizes("0x2A19", "00002a19-0000-1000-8000-00805f9b34fb");
	assert_normalizes("0X2a19", "00002a19-0000-1000-8000-00805f9b34fb");
	assert_normalizes("0000", "00000000-0000-1000-8000-00805f9b34fb");
	assert_normalizes("FFFF", "0000ffff-0000-1000-8000-00805f9b34fb");
}

static void test_uuid32_expands_onto_base_uuid(void **state)
{
	assert_normalizes("0000180F", "0000180f-0000-1000-8000-00805f9b34fb");
	assert_normalizes("DEADBEEF", "deadbeef-0000-1000-8000-00805f9b34fb");
	assert_normalizes("0x12345678", "12345678-0000-1000-8000-00805f9b34fb");
}

static void test_uuid128_is_lowercased(void **state)
{
	assert_normalizes("6E400002-B5A3-F393-E0A9-E50E24DCCA9E", "6e400002-b5a3-f393-e0a9-e50e24dcca9e");
	assert_normalizes("6e400002-b5a3-f393-e0a9-e50e24dcca9e", "6e400002-b5a3-f393-e0a9-e50e24dcca9e");
}

static void test_malformed_uuids_are_refused(void **state)
{
	assert_refused("");
	assert_refused("18F");          /* 3 digits */
	assert_refused("180F0");        /* 5 digits */
	assert_refused("0x");
	assert_refused("180G");
	assert_refused(" 180F");
	assert_refused("180F ");
	assert_refused("-180F");
	assert_refused("0x0x180F");
	assert_refused("6e400002b5a3f393e0a9e50e24dcca9e");        /* no dashes */
	assert_refused("6e400002-b5a3-f393-e0a9-e50e24dcca9");     /* short */
	assert_refused("6e400002-b5a3-f393-e0a9-e50e24dcca9ef");   /* long */
	assert_refused("6e40000-2b5a3-f393-e0a9-e50e24dcca9e");    /* dash misplaced */
	assert_refused("6e400002-b5a3-f393-e0a9-e50e24dcca9g");
	assert_int_equal(uuid_normalize(NULL, (char[UUID_STR_LEN + 1]) { 0 }), -EINVAL);
}

static void test_short_value_only_on_base_uuid(void **state)
{
	uint32_t v = 0;

	assert_true(uuid_get_short("0000180f-0000-1000-8000-00805f9b34fb", &v));
	assert_int_equal(v, 0x180f);
	assert_true(uuid_get_short("deadbeef-0000-1000-8000-00805f9b34fb", &v));
	assert_int_equal(v, 0xdeadbeef);

	v = 7;
	assert_false(uuid_get_short("6e400002-b5a3-f393-e0a9-e50e24dcca9e", &v));
	assert_false(uuid_get_short("0000180f-0000-1000-8000-00805f9b34fc", &v));
	assert_false(uuid_get_short("180F", &v));
	assert_false(uuid_get_short(NULL, &v));
	assert_int_equal(v, 7);
}

static void test_is_short_takes_any_spelling(void **state)
{
	(void)state;
	assert_true(uuid_is_short("2901", 0x2901));
	assert_true(uuid_is_short("00002901-0000-1000-8000-00805F9B34FB", 0x2901));
	assert_false(uuid_is_short("2902", 0x2901));
	assert_false(uuid_is_short("6e400003-b5a3-f393-e0a9-e50e24dcca9e", 0x2901));
	assert_false(uuid_is_short("not a uuid", 0x2901));
	assert_false(uuid_is_short(NULL, 0x2901));
}

static void test_display_uses_shortest_form(void **state)
{
	char out[UUID_STR_LEN + 1];

	uuid_to_display("0000180f-0000-1000-8000-00805f9b34fb", out);
	assert_string_equal(out, "180f");
	uuid_to_display("0001180f-0000-1000-8000-00805f9b34fb", out);
	assert_string_equal(out, "0001180f");
	uuid_to_display("6e400002-b5a3-f393-e0a9-e50e24dcca9e", out);
	assert_string_equal(out, "6e400002-b5a3-f393-e0a9-e50e24dcca9e");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid16_expands_onto_base_uuid),
		cmocka_unit_test(test_uuid32_expands_onto_base_uuid),
		cmocka_unit_test(test_uuid128_is_lowercased),
		cmocka_unit_test(test_malformed_uuids_are_refused),
		cmocka_unit_test(test_short_value_only_on_base_uuid),
		cmocka_unit_test(test_is_short_takes_any_spelling),
		cmocka_unit_test(test_display_uses_shortest_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
