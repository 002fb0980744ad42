/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-flags.c: which flag names BlueZ accepts where, and what they permit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "config/flags.h"

static const char *const all_characteristic_flags[] = {
	"broadcast", "read", "write-without-response", "write", "notify", "indicate",
	"authenticated-signed-writes", "extended-properties", "reliable-write", "writable-auxiliaries",
	"encrypt-read", "encrypt-write", "encrypt-notify", "encrypt-indicate",
	"encrypt-authenticated-read", "encrypt-authenticated-write", "encrypt-authenticated-notify",
	"encrypt-authenticated-indicate", "secure-read", "secure-write", "secure-notify",
	"secure-indicate", "authorize", NULL,
};

static const char *const all_descriptor_flags[] = {
	"read", "write", "encrypt-read", "encrypt-write", "encrypt-authenticated-read",
	"encrypt-authenticated-write", "secure-read", "secure-write", "authorize", NULL,
};

static size_t count(const char *const *list)
{
	size_t n = 0;

	while (list[n])
		n++;
	return n;
}

static void test_every_bluez_characteristic_flag_is_accepted(void **state)
{
	for (size_t i = 0; all_characteristic_flags[i]; i++)
		assert_true(flags_valid_for_characteristic(all_characteristic_flags[i]));
}

static void test_every_bluez_descriptor_flag_is_accepted(void **state)
{
	for (size_t i = 0; all_descriptor_flags[i]; i++)
		assert_true(flags_valid_for_descriptor(all_descriptor_flags[i]));
}

static void test_characteristic_only_flags_are_refused_on_descriptors(void **state)
{
	assert_false(flags_valid_for_descriptor("notify"));
	assert_false(flags_valid_for_descriptor("indicate"));
	assert_false(flags_valid_for_descriptor("write-without-response"));
	assert_false(flags_valid_for_descriptor("reliable-write"));
	assert_false(flags_valid_for_descriptor("secure-notify"));
	assert_false(flags_valid_for_descriptor("broadcast"));
}

static void test_misspelt_flags_are_refused(void **state)
{
	const char *bad[] = { "reed", "Read", "READ", " read", "read ", "", "write_without_response",
	                      "encrypt-authenticated-signed-writes", NULL };

	for (size_t i = 0; bad[i]; i++) {
		assert_false(flags_valid_for_characteristic(bad[i]));
		assert_false(flags_valid_for_descriptor(bad[i]));
	}
	assert_false(flags_valid_for_characteristic(NULL));
	assert_false(flags_valid_for_descriptor(NULL));
}

static void test_name_lists_match_what_is_accepted(void **state)
{
	const char *const *chars = flags_characteristic_names();
	const char *const *descs = flags_descriptor_names();

	assert_int_equal(count(chars), count(all_characteristic_flags));
	assert_int_equal(count(descs), count(all_descriptor_flags));
	for (size_t i = 0; chars[i]; i++) {
		assert_string_equal(chars[i], all_characteristic_flags[i]);
		assert_true(flags_valid_for_characteristic(chars[i]));
	}
	for (size_t i = 0; descs[i]; i++) {
		assert_string_equal(descs[i], all_descriptor_flags[i]);
		assert_true(flags_valid_for_descriptor(descs[i]));
	}
}

static void assert_permissions(unsigned expected, const char *flag)
{
	const char *list[] = { flag, NULL };

	if (flags_permissions(list) != expected)
		fail_msg("flag %s grants 0x%x, expected 0x%x", flag, flags_permissions(list), expected);
}

static void test_each_flag_grants_its_permission(void **state)
{
	assert_permissions(GATT_PERM_READ, "read");
	assert_permissions(GATT_PERM_READ, "encrypt-read");
	assert_permissions(GATT_PERM_READ, "encrypt-authenticated-read");
	assert_permissions(GATT_PERM_READ, "secure-read");
	assert_permissions(GATT_PERM_WRITE, "write");
	assert_permissions(GATT_PERM_WRITE, "write-without-response");
	assert_permissions(GATT_PERM_WRITE, "authenticated-signed-writes");
	assert_permissions(GATT_PERM_WRITE, "reliable-write");
	assert_permissions(GATT_PERM_WRITE, "encrypt-write");
	assert_permissions(GATT_PERM_WRITE, "encrypt-authenticated-write");
	assert_permissions(GATT_PERM_WRITE, "secure-write");
	assert_permissions(GATT_PERM_NOTIFY, "notify");
	assert_permissions(GATT_PERM_NOTIFY, "encrypt-notify");
	assert_permissions(GATT_PERM_NOTIFY, "encrypt-authenticated-notify");
	assert_permissions(GATT_PERM_NOTIFY, "secure-notify");
	assert_permissions(GATT_PERM_INDICATE, "indicate");
	assert_permissions(GATT_PERM_INDICATE, "encrypt-indicate");
	assert_permissions(GATT_PERM_INDICATE, "encrypt-authenticated-indicate");
	assert_permissions(GATT_PERM_INDICATE, "secure-indicate");
	assert_permissions(0, "broadcast");
	assert_permissions(0, "extended-properties");
	assert_permissions(0, "writable-auxiliaries");
	assert_permissions(0, "authorize");
	assert_permissions(0, "bogus");
}

static void test_permissions_combine_across_flags(void **state)
{
	const char *list[] = { "read", "notify", "write-without-response", NULL };
	const char *empty[] = { NULL };

	assert_int_equal(flags_permissions(list), GATT_PERM_READ | GATT_PERM_NOTIFY | GATT_PERM_WRITE);
	assert_int_equal(flags_permissions(empty), 0);
	assert_int_equal(flags_permissions(NULL), 0);
}

/* bluetoothd 5.55 refuses these six (gatt-database.c parse_chrc_flags); 5.62 added them. */
static void test_security_forms_of_notify_and_indicate_need_bluez_5_62(void **state)
{
	const char *newer[] = { "encrypt-notify", "encrypt-indicate", "encrypt-authenticated-notify",
		                "encrypt-authenticated-indicate", "secure-notify", "secure-indicate" };
	unsigned n = 0;

	for (size_t i = 0; i < sizeof(newer) / sizeof(newer[0]); i++)
		assert_string_equal(flags_bluez_since(newer[i]), "5.62");
	for (const char *const *name = flags_characteristic_names(); *name; name++)
		n += flags_bluez_since(*name) != NULL;
	assert_int_equal(n, 6);
	assert_null(flags_bluez_since("bogus"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_bluez_characteristic_flag_is_accepted),
		cmocka_unit_test(test_every_bluez_descriptor_flag_is_accepted),
		cmocka_unit_test(test_characteristic_only_flags_are_refused_on_descriptors),
		cmocka_unit_test(test_misspelt_flags_are_refused),
		cmocka_unit_test(test_name_lists_match_what_is_accepted),
		cmocka_unit_test(test_each_flag_grants_its_permission),
		cmocka_unit_test(test_permissions_combine_across_flags),
		cmocka_unit_test(test_security_forms_of_notify_and_indicate_need_bluez_5_62),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
