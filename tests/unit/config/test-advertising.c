/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-advertising.c: the advertisement as a value (config/advertising.h): the bytes
 * bluetoothd makes of it, a client's change checked and applied, the
 * configuration's own size check with its message, and the [Advertising NAME] groups.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib/gstdio.h>

#include <cmocka.h>

#include "test-util.h"
#include "config/advertising.h"
#include "config/config.h"

#define BATTERY_UUID "0000180f-0000-1000-8000-00805f9b34fb"
#define NUS_UUID "6e400001-b5a3-f393-e0a9-e50e24dcca9e"

/* A peripheral advertisement with nothing in it. */
static void empty_advertising(CfgAdvertising *adv)
{
	*adv = (CfgAdvertising){
		.enabled = true,
		.type = g_strdup("peripheral"),
		.discoverable = true,
		.includes = g_new0(char *, 1),
		.manufacturer_data = config_manufacturer_data_list_new(),
		.service_data = config_service_data_list_new(),
		.solicit_uuids = g_new0(char *, 1),
	};
}

static GBytes *bytes_of(size_t n)
{
	return g_bytes_new_take(g_malloc0(n), n);
}

static void test_size_counts_what_bluetoothd_counts(void **state)
{
	CfgAdvertising adv;
	const char *const uuids[] = { BATTERY_UUID, NUS_UUID, "0000feed-0000-1000-8000-00805f9b34fb", NULL };
	g_autoptr(GString) parts = g_string_new(NULL);
	g_autoptr(GBytes) two = bytes_of(2);

	empty_advertising(&adv);
	assert_int_equal(config_advertising_size(&adv, NULL, NULL), 3); /* flags */
	/* Two 16-bit UUIDs in one structure (2 + 4), a 128-bit one in another (2 + 16). */
	assert_int_equal(config_advertising_size(&adv, uuids, NULL), 3 + 6 + 18);
	g_ptr_array_add(adv.manufacturer_data, config_manufacturer_data_new(0x05f1, two));
	g_ptr_array_add(adv.service_data, config_service_data_new(BATTERY_UUID, two));
	g_ptr_array_add(adv.service_data, config_service_data_new(NUS_UUID, two));
	/* Manufacturer data 2 + 2 + 2; service data 2 + 2 + 2 and 2 + 16 + 2. */
	assert_int_equal(config_advertising_size(&adv, NULL, parts), 3 + 6 + 6 + 20);
	assert_string_equal(parts->str, "flags 3 + manufacturer data 6 + service data 26");
	/* The local name goes into the scan response; tx-power and appearance take room. */
	adv.local_name = g_strdup("a-long-name-in-the-scan-response");
	g_strfreev(adv.includes);
	adv.includes = g_strsplit("tx-power,appearance", ",", -1);
	assert_int_equal(config_advertising_size(&adv, NULL, NULL), 3 + 3 + 8 + 6 + 26);
	/* A broadcast advertisement has no flags. */
	g_free(adv.type);
	adv.type = g_strdup("broadcast");
	assert_int_equal(config_advertising_size(&adv, NULL, NULL), 3 + 8 + 6 + 26);
	config_advertising_clear(&adv);
}

static void test_check_size_names_the_byte_count_and_its_parts(void **state)
{
	CfgAdvertising adv;
	g_autoptr(GBytes) data = bytes_of(25);
	g_autofree char *error = NULL;

	empty_advertising(&adv);
	g_ptr_array_add(adv.manufacturer_data, config_manufacturer_data_new(1, data));
	assert_int_equal(config_advertising_check_size(&adv, NULL, &error), -EMSGSIZE);
	assert_string_equal(error, "the advertising data would be 32 bytes (flags 3 + manufacturer data 29); at most "
	                           "31 fit in a legacy advertisement");
	g_ptr_array_set_size(adv.manufacturer_data, 0);
	assert_int_equal(config_advertising_check_size(&adv, NULL, NULL), 0);
	config_advertising_clear(&adv);
}

static void test_apply_changes_only_what_is_given(void **state)
{
	CfgAdvertising base, live, out = { 0 };
	CfgAdvertisingChange change = { .enabled = -1 };
	const char *const base_uuids[] = { BATTERY_UUID, NULL };
	g_auto(GStrv) uuids = NULL;
	g_auto(GStrv) uuids2 = NULL;
	g_autoptr(GBytes) one = bytes_of(1);
	g_autofree char *error = NULL;

	empty_advertising(&base);
	base.local_name = g_strdup("gadget");
	config_advertising_copy(&live, &base);
	change.service_data = config_service_data_list_new();
	g_ptr_array_add(change.service_data, config_service_data_new(BATTERY_UUID, one));
	assert_int_equal(config_advertising_apply(&live, base_uuids, &base, base_uuids, &change, &out, &uuids, &error),
	                 0);
	assert_string_equal(out.local_name, "gadget");
	assert_int_equal(out.service_data->len, 1);
	assert_true(g_strv_equal((const char *const *)uuids, base_uuids));
	assert_false(config_advertising_equal(&out, (const char *const *)uuids, &base, base_uuids));
	config_advertising_change_clear(&change);

	/* "" removes the name, an empty list the UUIDs; reset starts from base. */
	change.has_local_name = true;
	change.local_name = g_strdup("");
	change.service_uuids = g_new0(char *, 1);
	config_advertising_clear(&live);
	live = out;
	out = (CfgAdvertising){ 0 };
	assert_int_equal(config_advertising_apply(&live, (const char *const *)uuids, &base, base_uuids, &change, &out,
	                                          &uuids2, &error),
	                 0);
	assert_null(out.local_name);
	assert_null(uuids2[0]);
	assert_int_equal(out.service_data->len, 1);
	config_advertising_clear(&out);
	g_clear_pointer(&uuids2, g_strfreev);
	config_advertising_change_clear(&change);
	change.reset = true;
	assert_int_equal(config_advertising_apply(&live, (const char *const *)uuids, &base, base_uuids, &change, &out,
	                                          &uuids2, &error),
	                 0);
	assert_true(config_advertising_equal(&out, (const char *const *)uuids2, &base, base_uuids));
	config_advertising_clear(&out);
	config_advertising_clear(&live);
	config_advertising_clear(&base);
}

static void test_apply_refuses_and_leaves_nothing_changed(void **state)
{
	CfgAdvertising base, out = { 0 };
	CfgAdvertisingChange change = { .enabled = -1 };
	g_auto(GStrv) uuids = NULL;
	g_autoptr(GBytes) big = bytes_of(28);
	g_autoptr(GBytes) one = bytes_of(1);
	g_autofree char *error = NULL;

	empty_advertising(&base);
	change.manufacturer_data = config_manufacturer_data_list_new();
	g_ptr_array_add(change.manufacturer_data, config_manufacturer_data_new(1, big));
	assert_int_equal(config_advertising_apply(&base, NULL, &base, NULL, &change, &out, &uuids, &error), -EMSGSIZE);
	assert_non_null(strstr(error, "35 bytes"));
	assert_null(out.type);
	assert_null(uuids);
	g_clear_pointer(&error, g_free);
	config_advertising_change_clear(&change);

	change.manufacturer_data = config_manufacturer_data_list_new();
	g_ptr_array_add(change.manufacturer_data, config_manufacturer_data_new(0x05f1, one));
	g_ptr_array_add(change.manufacturer_data, config_manufacturer_data_new(0x05f1, one));
	assert_int_equal(config_advertising_apply(&base, NULL, &base, NULL, &change, &out, &uuids, &error), -EINVAL);
	assert_string_equal(error, "manufacturer data: company 0x05F1 given more than once");
	g_clear_pointer(&error, g_free);
	config_advertising_change_clear(&change);

	change.service_data = config_service_data_list_new();
	g_ptr_array_add(change.service_data, config_service_data_new(BATTERY_UUID, one));
	g_ptr_array_add(change.service_data, config_service_data_new(BATTERY_UUID, one));
	assert_int_equal(config_advertising_apply(&base, NULL, &base, NULL, &change, &out, &uuids, &error), -EINVAL);
	assert_string_equal(error, "service data: UUID 180f given more than once");
	g_clear_pointer(&error, g_free);
	config_advertising_change_clear(&change);

	/* bluetoothd takes no LocalName beside Includes=local-name. */
	g_strfreev(base.includes);
	base.includes = g_strsplit("local-name", ",", -1);
	change.has_local_name = true;
	change.local_name = g_strdup("named");
	assert_int_equal(config_advertising_apply(&base, NULL, &base, NULL, &change, &out, &uuids, &error), -EINVAL);
	assert_string_equal(error, "local name: [Advertising] Includes=local-name sends the adapter's name, and BlueZ "
	                           "takes no local name beside it");
	g_clear_pointer(&error, g_free);
	config_advertising_change_clear(&change);

	change.has_local_name = true;
	change.local_name = g_strnfill(30, 'n');
	assert_int_equal(config_advertising_apply(&base, NULL, &base, NULL, &change, &out, &uuids, &error), -EMSGSIZE);
	assert_string_equal(error, "local name is 30 bytes; at most 29 fit in a scan response");
	config_advertising_change_clear(&change);
	assert_true(config_advertising_change_is_empty(&change));
	config_advertising_clear(&base);
}

static void test_the_configuration_is_refused_over_31_bytes(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("gattd-test-adv-XXXXXX", NULL);
	g_autofree char *services = g_build_filename(dir, "services.d", NULL);
	g_autofree char *service_file = g_build_filename(services, "a.conf", NULL);
	g_autofree char *daemon_file = g_build_filename(dir, "gattd.conf", NULL);
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GattdConfig) config = NULL;

	assert_int_equal(g_mkdir(services, 0700), 0);
	/* flags 3 + a 128-bit service UUID 18 + service data 2 + 2 + 7 = 32. */
	assert_true(g_file_set_contents(service_file, "[Service s]\nUUID=" NUS_UUID "\nAdvertise=true\n"
	                                              "[Characteristic s/c]\nUUID=2A19\nFlags=read\n", -1, NULL));
	assert_true(g_file_set_contents(daemon_file, "[Advertising]\nServiceData=180F:hex:00010203040506\n", -1, NULL));
	config = config_load(dir, errors);
	assert_null(config);
	assert_int_equal(errors->len, 1);
	assert_string_equal(errors->pdata[0], "gattd.conf: [Advertising]: the advertising data would be 32 bytes (flags 3 "
	                                      "+ service UUIDs 18 + service data 11); at most 31 fit in a legacy "
	                                      "advertisement");
	/* One byte less fits. */
	assert_true(g_file_set_contents(daemon_file, "[Advertising]\nServiceData=180F:hex:000102030405\n", -1, NULL));
	g_ptr_array_set_size(errors, 0);
	config = config_load(dir, errors);
	assert_non_null(config);
	test_remove_tree(dir);
}

/* A config dir with one service (Advertise=true) and gattd.conf holding text; errors gets the problems. */
static GattdConfig *load_with(const char *text, GPtrArray *errors, char **ret_dir)
{
	g_autofree char *dir = g_dir_make_tmp("gattd-test-adv-XXXXXX", NULL);
	g_autofree char *services = g_build_filename(dir, "services.d", NULL);
	g_autofree char *service_file = g_build_filename(services, "a.conf", NULL);
	g_autofree char *daemon_file = g_build_filename(dir, "gattd.conf", NULL);

	assert_int_equal(g_mkdir(services, 0700), 0);
	assert_true(g_file_set_contents(service_file, "[Service s]\nUUID=180F\nAdvertise=true\n"
	                                              "[Characteristic s/c]\nUUID=2A19\nFlags=read\n", -1, NULL));
	assert_true(g_file_set_contents(daemon_file, text, -1, NULL));
	*ret_dir = g_steal_pointer(&dir);
	return config_load(*ret_dir, errors);
}

static void test_named_groups_are_advertisements_of_their_own(void **state)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *dir = NULL;
	g_autoptr(GattdConfig) config = load_with("[Advertising]\nLocalName=main\n"
	                                          "[Advertising beacon]\nType=broadcast\nServiceUUIDs=180A;180d\n"
	                                          "ManufacturerData=0x05F1:hex:0102\n"
	                                          "[Advertising Status_2]\nPauseWhileConnected=true\n",
	                                          errors, &dir);
	const CfgAdvertising *beacon, *status;
	g_auto(GStrv) main_uuids = NULL;
	g_auto(GStrv) beacon_uuids = NULL;
	g_auto(GStrv) status_uuids = NULL;
	g_autofree char *summary = NULL;
	CfgAdvertising copy;

	assert_non_null(config);
	assert_int_equal(config->advertisements->len, 2);
	beacon = config->advertisements->pdata[0];
	status = config->advertisements->pdata[1];
	assert_string_equal(beacon->name, "beacon");
	assert_string_equal(status->name, "Status_2");
	assert_ptr_equal(config_find_advertisement(config, "Status_2"), status);
	assert_null(config_find_advertisement(config, "status_2"));
	assert_null(config->advertising.name);
	/* Each group its own keys; the defaults as [Advertising]'s. */
	assert_string_equal(beacon->type, "broadcast");
	assert_int_equal(beacon->manufacturer_data->len, 1);
	assert_string_equal(status->type, "peripheral");
	assert_true(status->enabled && status->discoverable && status->pause_while_connected);
	assert_null(status->local_name);
	assert_string_equal(config->advertising.local_name, "main");
	/* A named one lists its ServiceUUIDs=; the main one the Advertise=true services. */
	main_uuids = config_advertising_uuids(config, &config->advertising);
	beacon_uuids = config_advertising_uuids(config, beacon);
	status_uuids = config_advertising_uuids(config, status);
	assert_int_equal(g_strv_length(main_uuids), 1);
	assert_string_equal(main_uuids[0], "0000180f-0000-1000-8000-00805f9b34fb");
	assert_int_equal(g_strv_length(beacon_uuids), 2);
	assert_string_equal(beacon_uuids[1], "0000180d-0000-1000-8000-00805f9b34fb");
	assert_int_equal(g_strv_length(status_uuids), 0);
	/* A copy is the same advertisement, name and UUIDs included. */
	config_advertising_copy(&copy, beacon);
	assert_string_equal(copy.name, "beacon");
	assert_true(config_advertising_equal(&copy, (const char *const *)copy.service_uuids, beacon,
	                                     (const char *const *)beacon->service_uuids));
	config_advertising_clear(&copy);
	/* --check-config shows each. */
	summary = config_summary(config);
	assert_non_null(strstr(summary, "Advertising beacon: broadcast"));
	assert_non_null(strstr(summary, "Advertising Status_2: peripheral"));
	assert_non_null(strstr(summary, "paused while a central is connected"));
	test_remove_tree(dir);
}

static void test_named_groups_are_checked_each_on_its_own(void **state)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *dir = NULL;
	g_autoptr(GString) many = g_string_new(NULL);
	g_autoptr(GattdConfig) config = load_with(
		"[Advertising]\nServiceUUIDs=180A\n"
		"[Advertising bad-name]\n"
		"[Advertising ok]\nServiceUUIDs=nope\n"
		"[Advertising big]\nManufacturerData=0x05F1:hex:000102030405060708090a0b0c0d0e0f1011121314\n"
		"ServiceUUIDs=180A\n"
		"[Advertising typo]\nServiceUUID=180A\n",
		errors, &dir);

	assert_null(config);
	assert_int_equal(errors->len, 5);
	assert_string_equal(errors->pdata[0], "gattd.conf: [Advertising] ServiceUUIDs: only in [Advertising NAME] "
	                                      "groups; [Advertising] lists the services with Advertise=true");
	assert_string_equal(errors->pdata[1], "gattd.conf: [Advertising bad-name]: 'bad-name' is not an advertisement "
	                                      "name: 1 to 32 letters, digits and '_'");
	assert_non_null(strstr(errors->pdata[2], "gattd.conf: [Advertising ok] ServiceUUIDs: 'nope' is not a UUID"));
	assert_non_null(strstr(errors->pdata[3], "gattd.conf: [Advertising typo] ServiceUUID: unknown key"));
	/* Counted alone: its own 4 bytes of UUIDs, not the main one's. */
	assert_string_equal(errors->pdata[4], "gattd.conf: [Advertising big]: the advertising data would be 32 bytes "
	                                      "(flags 3 + service UUIDs 4 + manufacturer data 25); at most 31 fit in a "
	                                      "legacy advertisement");
	test_remove_tree(dir);
	g_clear_pointer(&dir, g_free);

	/* At most CONFIG_ADV_MAX_SETS of them. */
	for (int i = 0; i <= CONFIG_ADV_MAX_SETS; i++)
		g_string_append_printf(many, "[Advertising a%d]\n", i);
	g_ptr_array_set_size(errors, 0);
	config = load_with(many->str, errors, &dir);
	assert_null(config);
	assert_int_equal(errors->len, 1);
	assert_string_equal(errors->pdata[0], "gattd.conf: [Advertising a16]: more than 16 [Advertising NAME] groups");
	test_remove_tree(dir);
}

static void test_secondary_channel_names_and_the_key(void **state)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) text = g_string_new(NULL);
	g_autofree char *dir = NULL;
	g_autofree char *summary = NULL;
	g_autoptr(GattdConfig) config = NULL;

	assert_int_equal(config_secondary_channel_bit("1m"), CONFIG_ADV_SECONDARY_1M);
	assert_int_equal(config_secondary_channel_bit("CODED"), CONFIG_ADV_SECONDARY_CODED);
	assert_int_equal(config_secondary_channel_bit("3M"), 0);
	assert_int_equal(config_secondary_channel_bit(""), 0);
	assert_string_equal(config_secondary_channel_name(CONFIG_ADV_SECONDARY_2M), "2M");
	assert_null(config_secondary_channel_name(CONFIG_ADV_SECONDARY_1M | CONFIG_ADV_SECONDARY_2M));
	config_secondary_channels_text(CONFIG_ADV_SECONDARY_1M | CONFIG_ADV_SECONDARY_CODED, text);
	assert_string_equal(text->str, "1M, Coded");
	g_string_truncate(text, 0);
	config_secondary_channels_text(0, text);
	assert_string_equal(text->str, "none");

	config = load_with("[Advertising]\nSecondaryChannel=2m\n[Advertising far]\nSecondaryChannel=Coded\n", errors,
	                   &dir);
	assert_non_null(config);
	assert_int_equal(config->advertising.secondary_channel, CONFIG_ADV_SECONDARY_2M);
	assert_int_equal(((CfgAdvertising *)config->advertisements->pdata[0])->secondary_channel,
	                 CONFIG_ADV_SECONDARY_CODED);
	summary = config_summary(config);
	assert_non_null(strstr(summary, "  secondary channel: 2M (where the adapter offers it)\n"));
	test_remove_tree(dir);
	g_clear_pointer(&dir, g_free);
	g_clear_pointer(&config, config_free);

	config = load_with("[Advertising]\nSecondaryChannel=3M\n", errors, &dir);
	assert_null(config);
	assert_int_equal(errors->len, 1);
	assert_string_equal(errors->pdata[0], "gattd.conf: [Advertising] SecondaryChannel: '3M' is not 1M, 2M or Coded");
	test_remove_tree(dir);
}

static void test_scan_response_data_is_loaded_counted_and_checked(void **state)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) parts = g_string_new(NULL);
	g_autofree char *dir = NULL;
	g_autofree char *summary = NULL;
	g_autofree char *error = NULL;
	g_autoptr(GBytes) ten = g_bytes_new_static("0123456789", 10);
	g_autoptr(GattdConfig) config = load_with("[Advertising]\nLocalName=gadget\n"
	                                          "ScanResponseManufacturerData=0x0059:hex:cafe\n"
	                                          "ScanResponseServiceData=180A:u8:7\n",
	                                          errors, &dir);
	const CfgAdvertising *adv;
	CfgAdvertising copy;

	assert_non_null(config);
	adv = &config->advertising;
	assert_int_equal(adv->scan_manufacturer_data->len, 1);
	assert_int_equal(((CfgManufacturerData *)adv->scan_manufacturer_data->pdata[0])->company_id, 0x0059);
	assert_int_equal(adv->scan_service_data->len, 1);
	assert_int_equal(adv->manufacturer_data->len, 0);
	/* Name 2 + 6, manufacturer data 4 + 2, service data 2 + 2 + 1: not in the advertising data. */
	assert_int_equal(config_advertising_scan_size(adv, parts), 19);
	assert_string_equal(parts->str, "local name 8 + manufacturer data 6 + service data 5");
	summary = config_summary(config);
	assert_non_null(strstr(summary, "  scan response manufacturer data 0x0059: hex:cafe\n"));
	assert_non_null(strstr(summary, "  scan response: 19 of 31 bytes (local name 8 + manufacturer data 6 + "
	                                "service data 5)\n"));
	/* A copy is equal; one more byte of scan response data is not, and too many do not fit. */
	config_advertising_copy(&copy, adv);
	assert_true(config_advertising_equal(&copy, NULL, adv, NULL));
	g_ptr_array_add(copy.scan_manufacturer_data, config_manufacturer_data_new(1, ten));
	assert_false(config_advertising_equal(&copy, NULL, adv, NULL));
	assert_int_equal(config_advertising_check_size(&copy, NULL, &error), -EMSGSIZE);
	assert_string_equal(error, "the scan response would be 33 bytes (local name 8 + manufacturer data 20 + service "
	                           "data 5); at most 31 fit in a legacy scan response");
	config_advertising_clear(&copy);
	test_remove_tree(dir);
	g_clear_pointer(&dir, g_free);
	g_clear_pointer(&config, config_free);

	config = load_with("[Advertising]\nScanResponseManufacturerData=nope:hex:00;1:hex:00;1:hex:01\n"
	                   "ScanResponseServiceData=180A\nSecondaryChannel=2M\n"
	                   "[Advertising big]\nLocalName=a-name-of-twenty-bytes\n"
	                   "ScanResponseManufacturerData=0x0059:hex:0102030405060708\n",
	                   errors, &dir);
	assert_null(config);
	assert_int_equal(errors->len, 5);
	assert_string_equal(errors->pdata[0], "gattd.conf: [Advertising] ScanResponseManufacturerData: company id 'nope' "
	                                      "is not a decimal or 0x-hex integer");
	assert_string_equal(errors->pdata[1], "gattd.conf: [Advertising] ScanResponseManufacturerData: company id 0x0001 "
	                                      "given more than once");
	assert_non_null(strstr(errors->pdata[2], "gattd.conf: [Advertising] ScanResponseServiceData: '180A' is not "
	                                         "UUID:LITERAL"));
	assert_string_equal(errors->pdata[3], "gattd.conf: [Advertising] SecondaryChannel: does not go with "
	                                      "ScanResponseManufacturerData= or ScanResponseServiceData= on a peripheral "
	                                      "advertisement: extended connectable advertising has no scan response");
	assert_string_equal(errors->pdata[4], "gattd.conf: [Advertising big]: the scan response would be 36 bytes (local "
	                                      "name 24 + manufacturer data 12); at most 31 fit in a legacy scan "
	                                      "response");
	test_remove_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_counts_what_bluetoothd_counts),
		cmocka_unit_test(test_check_size_names_the_byte_count_and_its_parts),
		cmocka_unit_test(test_apply_changes_only_what_is_given),
		cmocka_unit_test(test_apply_refuses_and_leaves_nothing_changed),
		cmocka_unit_test(test_the_configuration_is_refused_over_31_bytes),
		cmocka_unit_test(test_named_groups_are_advertisements_of_their_own),
		cmocka_unit_test(test_named_groups_are_checked_each_on_its_own),
		cmocka_unit_test(test_secondary_channel_names_and_the_key),
		cmocka_unit_test(test_scan_response_data_is_loaded_counted_and_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
