/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-proto-advertise.c: the `advertise` command's fields decoded into a change (good
 * and every kind of bad, each naming its field) and its reply encoded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "socket/protocol.h"

#define BATTERY_UUID "0000180f-0000-1000-8000-00805f9b34fb"

static ProtoRequest *parse(const char *line)
{
	ProtoError err;
	ProtoRequest *req = proto_parse_request(line, strlen(line), &err);

	if (!req) {
		print_error("unexpected error %s: %s\n", err.code, err.message);
		proto_error_clear(&err);
	}
	assert_non_null(req);
	return req;
}

static void expect_bad(const char *line, const char *needle)
{
	ProtoError err;
	ProtoRequest *req = proto_parse_request(line, strlen(line), &err);

	if (req) {
		proto_request_free(req);
		fail_msg("'%s' was accepted", line);
	}
	assert_string_equal(err.code, PROTO_ERR_BAD_REQUEST);
	if (!strstr(err.message, needle))
		fail_msg("message '%s' lacks '%s'", err.message, needle);
	proto_error_clear(&err);
}

static void test_advertise_alone_changes_nothing(void **state)
{
	g_autoptr(ProtoRequest) req = parse("{\"cmd\":\"advertise\"}");

	assert_int_equal(req->cmd, PROTO_CMD_ADVERTISE);
	assert_true(config_advertising_change_is_empty(&req->advertise));
	assert_int_equal(req->advertise.enabled, -1);
}

static void test_every_field_decodes(void **state)
{
	g_autoptr(ProtoRequest) req = parse(
		"{\"cmd\":\"advertise\",\"local_name\":\"sensor\",\"service_uuids\":[\"180F\",\"feed\"],"
		"\"manufacturer_data\":{\"0x05F1\":\"0102\",\"76\":\"\"},\"service_data\":{\"180f\":\"64\"},"
		"\"enabled\":false,\"reset\":true}");
	const CfgAdvertisingChange *c = &req->advertise;
	const CfgManufacturerData *m;
	const CfgServiceData *sd;

	assert_true(c->reset);
	assert_int_equal(c->enabled, 0);
	assert_true(c->has_local_name);
	assert_string_equal(c->local_name, "sensor");
	assert_string_equal(c->service_uuids[0], BATTERY_UUID);
	assert_string_equal(c->service_uuids[1], "0000feed-0000-1000-8000-00805f9b34fb");
	assert_null(c->service_uuids[2]);
	assert_int_equal(c->manufacturer_data->len, 2);
	m = c->manufacturer_data->pdata[0];
	assert_int_equal(m->company_id, 0x05f1);
	assert_int_equal(g_bytes_get_size(m->data), 2);
	m = c->manufacturer_data->pdata[1];
	assert_int_equal(m->company_id, 76);
	assert_int_equal(g_bytes_get_size(m->data), 0);
	sd = c->service_data->pdata[0];
	assert_string_equal(sd->uuid, BATTERY_UUID);
	assert_int_equal(((const uint8_t *)g_bytes_get_data(sd->data, NULL))[0], 0x64);
}

static void test_null_and_empty_remove(void **state)
{
	g_autoptr(ProtoRequest) a = parse("{\"cmd\":\"advertise\",\"local_name\":null,\"service_uuids\":[],"
	                                  "\"service_data\":{}}");
	g_autoptr(ProtoRequest) b = parse("{\"cmd\":\"advertise\",\"local_name\":\"\"}");

	assert_true(a->advertise.has_local_name);
	assert_null(a->advertise.local_name);
	assert_null(a->advertise.service_uuids[0]);
	assert_int_equal(a->advertise.service_data->len, 0);
	assert_null(a->advertise.manufacturer_data);
	assert_true(b->advertise.has_local_name);
	assert_null(b->advertise.local_name);
}

static void test_bad_fields_name_the_field(void **state)
{
	expect_bad("{\"cmd\":\"advertise\",\"local_name\":1}", "field 'local_name' must be a string or null");
	expect_bad("{\"cmd\":\"advertise\",\"service_uuids\":\"180F\"}", "field 'service_uuids' must be an array");
	expect_bad("{\"cmd\":\"advertise\",\"service_uuids\":[1]}", "field 'service_uuids': entry 0 is not a string");
	expect_bad("{\"cmd\":\"advertise\",\"service_uuids\":[\"xyz\"]}", "field 'service_uuids': 'xyz' is not a UUID");
	expect_bad("{\"cmd\":\"advertise\",\"service_uuids\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\","
	           "\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\"]}",
	           "field 'service_uuids' has 17 entries, at most 16 allowed");
	expect_bad("{\"cmd\":\"advertise\",\"manufacturer_data\":[]}",
	           "field 'manufacturer_data' must be an object of company ids to hex strings");
	expect_bad("{\"cmd\":\"advertise\",\"manufacturer_data\":{\"x\":\"00\"}}", "company 'x' is not a decimal");
	expect_bad("{\"cmd\":\"advertise\",\"manufacturer_data\":{\"65536\":\"00\"}}", "company '65536'");
	expect_bad("{\"cmd\":\"advertise\",\"manufacturer_data\":{\"1\":0}}", "'1' must map to a hex string");
	expect_bad("{\"cmd\":\"advertise\",\"service_data\":{\"180F\":\"0g\"}}", "field 'service_data': '180F': ");
	expect_bad("{\"cmd\":\"advertise\",\"service_data\":{\"nope\":\"00\"}}", "'nope' is not a UUID");
	expect_bad("{\"cmd\":\"advertise\",\"enabled\":1}", "field 'enabled' must be true or false");
	expect_bad("{\"cmd\":\"advertise\",\"reset\":\"yes\"}", "field 'reset' must be true or false");
	expect_bad("{\"cmd\":\"advertise\",\"char\":\"a/b\"}", "unknown field 'char' for command 'advertise'");
	expect_bad("{\"cmd\":\"status\",\"enabled\":true}", "unknown field 'enabled' for command 'status'");
}

static void test_reply_carries_the_advertisement(void **state)
{
	CfgAdvertising live = {
		.enabled = true,
		.type = (char *)"peripheral",
		.local_name = NULL,
		.manufacturer_data = config_manufacturer_data_list_new(),
		.service_data = config_service_data_list_new(),
	};
	const char *const uuids[] = { BATTERY_UUID, NULL };
	g_autoptr(GBytes) data = g_bytes_new("\x01\x02", 2);
	ServerAdvertisement adv = { .live = &live, .service_uuids = uuids, .changed = true, .advertising = false };
	g_autoptr(JWriter) b = proto_reply_begin(NULL);
	g_autofree char *line = NULL;

	g_ptr_array_add(live.manufacturer_data, config_manufacturer_data_new(0x05f1, data));
	g_ptr_array_add(live.service_data, config_service_data_new(BATTERY_UUID, data));
	proto_write_advertisement(b, &adv);
	line = proto_finish(b);
	assert_string_equal(line, "{\"id\":null,\"ok\":true,\"advertisement\":null,\"enabled\":true,\"advertising\":false,\"paused\":false,\"changed\":true,"
	                          "\"type\":\"peripheral\",\"local_name\":null,\"service_uuids\":[\"" BATTERY_UUID "\"],"
	                          "\"manufacturer_data\":{\"0x05F1\":\"0102\"},\"service_data\":{\"" BATTERY_UUID
	                          "\":\"0102\"},\"bytes\":19,\"max_bytes\":31}\n");
	g_ptr_array_unref(live.manufacturer_data);
	g_ptr_array_unref(live.service_data);
}

static void test_a_named_advertisement_is_chosen_and_told(void **state)
{
	g_autoptr(ProtoRequest) ask = parse("{\"cmd\":\"advertise\",\"advertisement\":\"beacon\"}");
	g_autoptr(ProtoRequest) change = parse("{\"cmd\":\"advertise\",\"advertisement\":\"b_2\",\"enabled\":false}");
	CfgAdvertising live = {
		.name = (char *)"beacon",
		.type = (char *)"broadcast",
		.manufacturer_data = config_manufacturer_data_list_new(),
		.service_data = config_service_data_list_new(),
	};
	ServerAdvertisement adv = { .live = &live };
	g_autoptr(JWriter) b = proto_reply_begin(NULL);
	g_autofree char *line = NULL;

	/* Naming one is not a change: it only asks. */
	assert_string_equal(ask->advertise.name, "beacon");
	assert_true(config_advertising_change_is_empty(&ask->advertise));
	assert_string_equal(change->advertise.name, "b_2");
	assert_int_equal(change->advertise.enabled, 0);
	/* Whether gattd has it is the daemon's to say (not-found); the shape is checked here. */
	expect_bad("{\"cmd\":\"advertise\",\"advertisement\":5}", "field 'advertisement' must be the NAME of an");
	expect_bad("{\"cmd\":\"advertise\",\"advertisement\":\"\"}", "a string of 1 to 32 characters");
	expect_bad("{\"cmd\":\"advertise\",\"advertisement\":\"123456789012345678901234567890123\"}",
	           "field 'advertisement'");
	expect_bad("{\"cmd\":\"status\",\"advertisement\":\"beacon\"}", "unknown field 'advertisement'");

	proto_write_advertisement(b, &adv);
	line = proto_finish(b);
	if (!g_str_has_prefix(line, "{\"id\":null,\"ok\":true,\"advertisement\":\"beacon\",\"enabled\":false,"))
		fail_msg("reply '%s'", line);
	g_ptr_array_unref(live.manufacturer_data);
	g_ptr_array_unref(live.service_data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_advertise_alone_changes_nothing),
		cmocka_unit_test(test_every_field_decodes),
		cmocka_unit_test(test_null_and_empty_remove),
		cmocka_unit_test(test_bad_fields_name_the_field),
		cmocka_unit_test(test_reply_carries_the_advertisement),
		cmocka_unit_test(test_a_named_advertisement_is_chosen_and_told),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
