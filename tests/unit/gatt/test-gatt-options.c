/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-gatt-options.c: the ReadValue/WriteValue options parser (gatt/options.c).
 *
 * Each test builds a method call message as bluetoothd would send it (no bus
 * needed) and parses its a{sv}. The result is poisoned beforehand, so a parser
 * that leaves any field as it found it fails, refusals included.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include <cmocka.h>

#include "gatt/options.h"

#define DEVICE "/org/bluez/hci0/dev_11_22_33_44_55_66"

typedef struct {
	const char *key;
	int type;
	const void *value;
} Entry;

static DBusMessage *options_message(const Entry *entries, size_t n)
{
	DBusMessage *msg = dbus_message_new_method_call("org.gattd", "/org/gattd/app/s/c",
	                                                "org.bluez.GattCharacteristic1", "ReadValue");
	DBusMessageIter iter, dict;

	assert_non_null(msg);
	dbus_message_iter_init_append(msg, &iter);
	assert_true(dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &dict));
	for (size_t i = 0; i < n; i++) {
		char sig[2] = { (char)entries[i].type, '\0' };
		DBusMessageIter entry, variant;

		assert_true(dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry));
		assert_true(dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &entries[i].key));
		assert_true(dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, sig, &variant));
		assert_true(dbus_message_iter_append_basic(&variant, entries[i].type, entries[i].value));
		assert_true(dbus_message_iter_close_container(&entry, &variant));
		assert_true(dbus_message_iter_close_container(&dict, &entry));
	}
	assert_true(dbus_message_iter_close_container(&iter, &dict));
	return msg;
}

/* Parse entries into a poisoned *opts; returns what the parser returned. */
static int parse(const Entry *entries, size_t n, GattOptions *opts, char **error)
{
	DBusMessage *msg = options_message(entries, n);
	DBusMessageIter iter;
	int r;

	memset(opts, 0xa5, sizeof(*opts));
	*error = NULL;
	assert_true(dbus_message_iter_init(msg, &iter));
	r = gatt_options_parse(&iter, opts, error);
	/* Strings are borrowed from the message: check them before it goes. */
	if (r == 0 && opts->device)
		assert_string_equal(opts->device, DEVICE);
	dbus_message_unref(msg);
	return r;
}

static void assert_all_zero(const GattOptions *opts)
{
	assert_int_equal(opts->offset, 0);
	assert_int_equal(opts->mtu, 0);
	assert_null(opts->device);
	assert_null(opts->link);
	assert_null(opts->type);
	assert_false(opts->prepare_authorize);
}

static void assert_refused(const Entry *entries, size_t n, const char *message)
{
	g_autofree char *error = NULL;
	GattOptions opts;

	assert_int_equal(parse(entries, n, &opts, &error), -EINVAL);
	assert_non_null(error);
	if (!strstr(error, message))
		fail_msg("expected '%s' in '%s'", message, error);
	assert_all_zero(&opts);
}

static void test_options_as_bluetoothd_sends_them_are_parsed(void **state)
{
	const char *device = DEVICE, *link = "LE", *type = "request";
	uint16_t offset = 3, mtu = 185;
	dbus_bool_t prepare = TRUE;
	const Entry entries[] = {
		{ "device", DBUS_TYPE_OBJECT_PATH, &device }, { "offset", DBUS_TYPE_UINT16, &offset },
		{ "link", DBUS_TYPE_STRING, &link },          { "mtu", DBUS_TYPE_UINT16, &mtu },
		{ "type", DBUS_TYPE_STRING, &type },          { "prepare-authorize", DBUS_TYPE_BOOLEAN, &prepare },
	};
	g_autofree char *error = NULL;
	GattOptions opts;

	assert_int_equal(parse(entries, G_N_ELEMENTS(entries), &opts, &error), 0);
	assert_null(error);
	assert_int_equal(opts.offset, 3);
	assert_int_equal(opts.mtu, 185);
	assert_non_null(opts.device);
	assert_true(opts.prepare_authorize);
}

static void test_options_not_given_are_zero_or_null(void **state)
{
	g_autofree char *error = NULL;
	GattOptions opts;

	assert_int_equal(parse(NULL, 0, &opts, &error), 0);
	assert_all_zero(&opts);
}

static void test_unknown_options_of_any_type_are_ignored(void **state)
{
	const char *device = DEVICE, *text = "x";
	int32_t number = -1;
	const Entry entries[] = {
		{ "device", DBUS_TYPE_OBJECT_PATH, &device },
		{ "future-option", DBUS_TYPE_INT32, &number },
		{ "another", DBUS_TYPE_STRING, &text },
	};
	g_autofree char *error = NULL;
	GattOptions opts;

	assert_int_equal(parse(entries, G_N_ELEMENTS(entries), &opts, &error), 0);
	assert_non_null(opts.device);
	assert_int_equal(opts.offset, 0);
}

static void test_device_as_a_string_is_refused_naming_it_and_leaves_nothing_undefined(void **state)
{
	const char *device = DEVICE;
	const Entry entries[] = { { "device", DBUS_TYPE_STRING, &device } };

	assert_refused(entries, 1, "option 'device' must be an object path (o), not a string (s)");
}

static void test_offset_as_int32_is_refused_after_good_options_and_leaves_them_out(void **state)
{
	const char *device = DEVICE;
	uint16_t mtu = 185;
	int32_t offset = 2;
	const Entry entries[] = {
		{ "device", DBUS_TYPE_OBJECT_PATH, &device },
		{ "mtu", DBUS_TYPE_UINT16, &mtu },
		{ "offset", DBUS_TYPE_INT32, &offset },
	};

	assert_refused(entries, G_N_ELEMENTS(entries), "option 'offset' must be a uint16 (q), not an int32 (i)");
}

static void test_every_known_option_of_another_type_is_refused(void **state)
{
	static const char *const keys[] = { "offset", "mtu", "device", "link", "type", "prepare-authorize" };
	uint64_t number = 1;

	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		const Entry entries[] = { { keys[i], DBUS_TYPE_UINT64, &number } };
		g_autofree char *expected = g_strdup_printf("option '%s' must be ", keys[i]);

		assert_refused(entries, 1, expected);
		assert_refused(entries, 1, "not a uint64 (t)");
	}
}

static void test_more_than_the_limit_of_options_is_refused(void **state)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	Entry entries[GATT_OPTIONS_MAX + 1];
	uint16_t mtu = 23;
	g_autofree char *error = NULL;
	GattOptions opts;

	for (size_t i = 0; i < G_N_ELEMENTS(entries); i++) {
		g_ptr_array_add(keys, g_strdup_printf("x-%zu", i));
		entries[i] = (Entry){ keys->pdata[i], DBUS_TYPE_UINT16, &mtu };
	}
	entries[0].key = "mtu";
	/* Exactly the limit is fine. */
	assert_int_equal(parse(entries, GATT_OPTIONS_MAX, &opts, &error), 0);
	assert_int_equal(opts.mtu, 23);
	assert_refused(entries, GATT_OPTIONS_MAX + 1, "more than 32 options");
}

static void test_options_that_are_not_a_dictionary_are_refused(void **state)
{
	DBusMessage *msg = dbus_message_new_method_call("org.gattd", "/", "org.bluez.GattCharacteristic1", "ReadValue");
	const char *text = "not options";
	g_autofree char *error = NULL;
	DBusMessageIter iter;
	GattOptions opts;

	assert_true(dbus_message_append_args(msg, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID));
	memset(&opts, 0xa5, sizeof(opts));
	assert_true(dbus_message_iter_init(msg, &iter));
	assert_int_equal(gatt_options_parse(&iter, &opts, &error), -EINVAL);
	assert_non_null(strstr(error, "a{sv}"));
	assert_all_zero(&opts);
	dbus_message_unref(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_as_bluetoothd_sends_them_are_parsed),
		cmocka_unit_test(test_options_not_given_are_zero_or_null),
		cmocka_unit_test(test_unknown_options_of_any_type_are_ignored),
		cmocka_unit_test(test_device_as_a_string_is_refused_naming_it_and_leaves_nothing_undefined),
		cmocka_unit_test(test_offset_as_int32_is_refused_after_good_options_and_leaves_them_out),
		cmocka_unit_test(test_every_known_option_of_another_type_is_refused),
		cmocka_unit_test(test_more_than_the_limit_of_options_is_refused),
		cmocka_unit_test(test_options_that_are_not_a_dictionary_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
