/* test-bdaddr.c: what counts as a Bluetooth device address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_six_hex_pairs_joined_by_colons_in_either_case_are_addresses),
		cmocka_unit_test(test_anything_else_is_no_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
