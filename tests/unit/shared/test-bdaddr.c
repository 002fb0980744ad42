/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-bdaddr.c: what counts as a Bluetooth device address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <glib.h>

#include "shared/bdaddr.h"

static void test_six_hex_pairs_joined_by_colons_in_either_case_are_addresses(void **state)
{
	assert_true(bdaddr_is_valid("00:AA:01:01:00:42"));
	assert_true(bdaddr_is_valid("ff:ee:dd:cc:bb:aa"));
	assert_true(bdaddr_is_valid("aa:BB:cc:00:11:22"));
}

static void test_anything_else_is_no_address(void **state)
{
	assert_false(bdaddr_is_valid("00:AA:01:01:00:4"));
	assert_false(bdaddr_is_valid("00:AA:01:01:00:421"));
	assert_false(bdaddr_is_valid("00:AA:01:01:00:42:"));
	assert_false(bdaddr_is_valid("00_AA_01_01_00_42"));
	assert_false(bdaddr_is_valid("00-AA-01-01-00-42"));
	assert_false(bdaddr_is_valid("0G:AA:01:01:00:42"));
	assert_false(bdaddr_is_valid("00AA:01:01:00:42:"));
	assert_false(bdaddr_is_valid(" 00:AA:01:01:00:4"));
	assert_false(bdaddr_is_valid(""));
	assert_false(bdaddr_is_valid(NULL));
}

/* bdaddr_from_device_path(path) is expected (NULL: no address in it). */
static void expect_from_path(const char *path, const char *expected)
{
	g_autofree char *address = bdaddr_from_device_path(path);

	if (g_strcmp0(address, expected) != 0)
		fail_msg("bdaddr_from_device_path(%s) = %s, expected %s", path ? path : "NULL",
		         address ? address : "NULL", expected ? expected : "NULL");
}

static void test_device_path_gives_its_address_with_the_case_kept(void **state)
{
	expect_from_path("/org/bluez/hci0/dev_00_AA_01_01_00_42", "00:AA:01:01:00:42");
	expect_from_path("/org/bluez/hci3/dev_ff_ee_dd_cc_bb_aa", "ff:ee:dd:cc:bb:aa");
	expect_from_path("/org/bluez/hci0/dev_aA_Bb_0c_D0_e1_F2", "aA:Bb:0c:D0:e1:F2");
	/* Only the last element counts: no adapter is needed in front of it. */
	expect_from_path("/dev_01_23_45_67_89_AB", "01:23:45:67:89:AB");
}

static void test_anything_else_gives_no_address(void **state)
{
	static const char *const not_devices[] = {
		"",
		"/",
		"/org/bluez/hci0",
		"/org/bluez/hci0/dev_",
		"dev_00_AA_01_01_00_42",                       /* no '/' before dev_ */
		"/org/bluez/hci0/device_00_AA_01_01_00_42",    /* no "/dev_" */
		"/org/bluez/hci0/Dev_00_AA_01_01_00_42",
		"/org/bluez/hci0/dev_00_AA_01_01_00_4",        /* one digit short */
		"/org/bluez/hci0/dev_00_AA_01_01_00",          /* one byte short */
		"/org/bluez/hci0/dev_00_AA_01_01_00_421",      /* one digit over */
		"/org/bluez/hci0/dev_00_AA_01_01_00_42_",
		"/org/bluez/hci0/dev_00:AA:01:01:00:42",       /* colons, not underscores */
		"/org/bluez/hci0/dev_00_AA:01_01_00_42",       /* one colon among underscores */
		"/org/bluez/hci0/dev_00-AA-01-01-00-42",
		"/org/bluez/hci0/dev_0G_AA_01_01_00_42",       /* not hex */
		"/org/bluez/hci0/dev_00_AA_01_01_00_4z",
		"/org/bluez/hci0/dev_00_AA_01_01_00_ 4",
		"/org/bluez/hci0/dev_000_AA_01_01_0042",       /* right length, '_' in the wrong places */
		"/org/bluez/hci0/dev_00_AA_01_01_00_42/service0001",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(not_devices); i++)
		expect_from_path(not_devices[i], NULL);
	expect_from_path(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_six_hex_pairs_joined_by_colons_in_either_case_are_addresses),
		cmocka_unit_test(test_anything_else_is_no_address),
		cmocka_unit_test(test_device_path_gives_its_address_with_the_case_kept),
		cmocka_unit_test(test_anything_else_gives_no_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
