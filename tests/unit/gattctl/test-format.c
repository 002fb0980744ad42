/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-format.c: gattctl's one-line form of events (watch): centrals by address, no nulls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "gattctl.h"

static void assert_event_line(const char *json, const char *expected)
{
	g_autoptr(json_t) event = jread_object(json, strlen(json), NULL);
	g_autofree char *line = NULL;

	assert_non_null(event);
	line = gattctl_format_event(event);
	assert_string_equal(line, expected);
}

static void test_central_known_by_its_address_is_named_by_it_alone(void **state)
{
	assert_event_line("{\"event\":\"write\",\"char\":\"c/rx\",\"value\":\"6869\",\"offset\":0,"
	                  "\"device\":\"/org/bluez/hci0/dev_00_AA_01_02_00_02\",\"address\":\"00:AA:01:02:00:02\"}",
	                  "write c/rx 6869 \"hi\" offset=0 address=00:AA:01:02:00:02");
}

static void test_central_known_by_its_path_alone_is_named_by_the_address_in_it(void **state)
{
	assert_event_line("{\"event\":\"subscribed\",\"char\":\"b/level\","
	                  "\"device\":\"/org/bluez/hci1/dev_5A_3C_11_22_33_44\",\"address\":null}",
	                  "subscribed b/level address=5A:3C:11:22:33:44");
	assert_event_line("{\"event\":\"passkey\",\"device\":\"/org/bluez/hci0/dev_5A_3C_11_22_33_44\","
	                  "\"passkey\":\"004821\"}",
	                  "passkey passkey=004821 address=5A:3C:11:22:33:44");
}

static void test_a_path_that_names_no_device_is_shown_as_it_is(void **state)
{
	assert_event_line("{\"event\":\"subscribed\",\"char\":\"b/level\",\"device\":\"/org/bluez/hci0\","
	                  "\"address\":null}",
	                  "subscribed b/level device=/org/bluez/hci0");
}

static void test_what_gattd_does_not_know_is_left_out_not_printed_as_null(void **state)
{
	assert_event_line("{\"event\":\"adapter\",\"name\":null,\"address\":null,\"powered\":false}",
	                  "adapter powered=false");
	assert_event_line("{\"event\":\"pairing-failed\",\"device\":null,\"address\":null,\"reason\":\"canceled\","
	                  "\"request\":null}",
	                  "pairing-failed reason=canceled");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_central_known_by_its_address_is_named_by_it_alone),
		cmocka_unit_test(test_central_known_by_its_path_alone_is_named_by_the_address_in_it),
		cmocka_unit_test(test_a_path_that_names_no_device_is_shown_as_it_is),
		cmocka_unit_test(test_what_gattd_does_not_know_is_left_out_not_printed_as_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
