/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-protocol.c: decoding requests (good and every kind of bad) and encoding replies and events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "socket/protocol.h"

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

/* Parse a bad line; check the code and that the message contains needle. */
static void expect_error(const char *line, size_t len, const char *code, const char *needle)
{
	ProtoError err;
	ProtoRequest *req = proto_parse_request(line, len, &err);

	if (req) {
		proto_request_free(req);
		fail_msg("'%.*s' was accepted, expected %s: ...%s...", (int)MIN(len, 200), line, code, needle);
	}
	if (strcmp(err.code, code) != 0)
		fail_msg("'%.*s' gave %s (%s), expected %s", (int)MIN(len, 200), line, err.code, err.message, code);
	if (!strstr(err.message, needle))
		fail_msg("message '%s' lacks '%s'", err.message, needle);
	proto_error_clear(&err);
}

#define EXPECT_ERROR(line, code, needle) expect_error(line, strlen(line), code, needle)

static void test_every_command_parses(void **state)
{
	static const struct {
		const char *line;
		ProtoCommand cmd;
	} cases[] = {
		{ "{\"cmd\":\"hello\"}", PROTO_CMD_HELLO },
		{ "{\"cmd\":\"status\"}", PROTO_CMD_STATUS },
		{ "{\"cmd\":\"list\"}", PROTO_CMD_LIST },
		{ "{\"cmd\":\"get\",\"char\":\"a/b\"}", PROTO_CMD_GET },
		{ "{\"cmd\":\"set\",\"char\":\"a/b\",\"value\":\"00\"}", PROTO_CMD_SET },
		{ "{\"cmd\":\"watch\"}", PROTO_CMD_WATCH },
		{ "{\"cmd\":\"unwatch\"}", PROTO_CMD_UNWATCH },
		{ "{\"cmd\":\"next-write\",\"char\":\"a/b\"}", PROTO_CMD_NEXT_WRITE },
		{ "{\"cmd\":\"reload\"}", PROTO_CMD_RELOAD },
		{ "{\"cmd\":\"handle\",\"chars\":[\"a/b\"]}", PROTO_CMD_HANDLE },
		{ "{\"cmd\":\"unhandle\"}", PROTO_CMD_UNHANDLE },
		{ "{\"cmd\":\"answer\",\"request\":1}", PROTO_CMD_ANSWER },
		{ "{\"cmd\":\"devices\"}", PROTO_CMD_DEVICES },
		{ "{\"cmd\":\"disconnect\",\"address\":\"aa:BB:cc:00:11:22\"}", PROTO_CMD_DISCONNECT },
		{ "{\"cmd\":\"channel\"}", PROTO_CMD_CHANNEL },
		{ "{\"cmd\":\"pairable\"}", PROTO_CMD_PAIRABLE },
		{ "{\"cmd\":\"bonds\"}", PROTO_CMD_BONDS },
		{ "{\"cmd\":\"forget\",\"address\":\"aa:BB:cc:00:11:22\"}", PROTO_CMD_FORGET },
		{ "{\"cmd\":\"handle-pairing\"}", PROTO_CMD_HANDLE_PAIRING },
		{ "{\"cmd\":\"unhandle-pairing\"}", PROTO_CMD_UNHANDLE_PAIRING },
		{ "{\"cmd\":\"answer-pairing\",\"request\":1,\"accept\":false}", PROTO_CMD_ANSWER_PAIRING },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(ProtoRequest) req = parse(cases[i].line);

		assert_int_equal(req->cmd, cases[i].cmd);
		assert_string_equal(proto_command_name(req->cmd), proto_command_name(cases[i].cmd));
	}
}

static void test_id_is_kept_for_the_reply(void **state)
{
	g_autoptr(ProtoRequest) req = parse("{\"cmd\":\"hello\",\"id\":\"abc\"}");
	g_autoptr(ProtoRequest) num = parse("{\"cmd\":\"hello\",\"id\":17}");
	g_autoptr(JWriter) b = proto_reply_begin(req->id);
	g_autoptr(JWriter) b2 = proto_reply_begin(num->id);
	g_autofree char *line = proto_finish(b);
	g_autofree char *line2 = proto_finish(b2);

	assert_string_equal(line, "{\"id\":\"abc\",\"ok\":true}\n");
	assert_string_equal(line2, "{\"id\":17,\"ok\":true}\n");
}

static void test_surrogate_pairs_are_accepted(void **state)
{
	g_autoptr(ProtoRequest) req = parse("{\"cmd\":\"get\",\"char\":\"\\ud83d\\ude00\"}");

	assert_string_equal(req->chr, "\xf0\x9f\x98\x80");
}

static void test_large_doubles_are_numbers_that_read_back(void **state)
{
	double d = 1e17;
	g_autoptr(JWriter) b = proto_event_begin("write");
	g_autofree char *line = NULL;
	g_autoptr(json_t) back = NULL;

	proto_write_value(b, true, VALUE_TYPE_F64, (const uint8_t *)&d, sizeof(d));
	line = proto_finish(b);
	assert_non_null(strstr(line, "\"typed\":1e+17"));
	back = jread_object(line, strlen(line), NULL);
	assert_non_null(back);
	assert_true(json_is_real(json_object_get(back, "typed")));
	assert_true(json_real_value(json_object_get(back, "typed")) == d);
}

static void test_set_fields(void **state)
{
	g_autoptr(ProtoRequest) req = parse("{\"cmd\":\"set\",\"char\":\"battery/level\",\"typed\":42,\"notify\":false}");

	assert_string_equal(req->chr, "battery/level");
	assert_null(req->hex);
	assert_non_null(req->typed);
	assert_true(req->has_notify);
	assert_false(req->notify);
}

static void test_watch_with_chars_and_next_write_timeout(void **state)
{
	g_autoptr(ProtoRequest) watch = parse("{\"cmd\":\"watch\",\"chars\":[\"a/b\",\"c/d\"]}");
	g_autoptr(ProtoRequest) all = parse("{\"cmd\":\"watch\"}");
	g_autoptr(ProtoRequest) wait = parse("{\"cmd\":\"next-write\",\"char\":\"a/b\",\"timeout_ms\":250}");
	g_autoptr(ProtoRequest) forever = parse("{\"cmd\":\"next-write\",\"char\":\"a/b\"}");

	assert_int_equal(g_strv_length((char **)watch->chars), 2);
	assert_string_equal(watch->chars[1], "c/d");
	assert_null(all->chars);
	assert_int_equal(wait->timeout_ms, 250);
	assert_int_equal(forever->timeout_ms, -1);
}

static void test_malformed_input_is_named(void **state)
{
	EXPECT_ERROR("", PROTO_ERR_BAD_REQUEST, "not a JSON object");
	EXPECT_ERROR("{\"cmd\":", PROTO_ERR_BAD_REQUEST, "malformed JSON");
	EXPECT_ERROR("{\"cmd\":\"status\"}{\"cmd\":\"hello\"}", PROTO_ERR_BAD_REQUEST, "one object per line");
	EXPECT_ERROR("\"x\"{\"cmd\":\"watch\"}", PROTO_ERR_BAD_REQUEST, "not a JSON object");
	EXPECT_ERROR("{\"cmd\":\"get\",\"char\":\"x/\\777\"}", PROTO_ERR_BAD_REQUEST, "malformed JSON");
	EXPECT_ERROR("{\"cmd\":\"get\",\"char\":\"a\\ud800b\"}", PROTO_ERR_BAD_REQUEST, "malformed JSON");
	EXPECT_ERROR("{\"cmd\":\"get\",\"char\":\"\\ud800\\ud800\"}", PROTO_ERR_BAD_REQUEST, "malformed JSON");
	EXPECT_ERROR("{\"cmd\":\"get\",\"char\":\"\\u12\"}", PROTO_ERR_BAD_REQUEST, "malformed JSON");
	EXPECT_ERROR("[1,2]", PROTO_ERR_BAD_REQUEST, "JSON object");
	EXPECT_ERROR("\"hello\"", PROTO_ERR_BAD_REQUEST, "not a JSON object");
	EXPECT_ERROR("{}", PROTO_ERR_BAD_REQUEST, "missing field 'cmd'");
	EXPECT_ERROR("{\"cmd\":5}", PROTO_ERR_BAD_REQUEST, "'cmd' must be a string");
	EXPECT_ERROR("{\"cmd\":\"fly\"}", PROTO_ERR_UNKNOWN_COMMAND, "unknown command 'fly'");
	EXPECT_ERROR("{\"cmd\":\"get\"}", PROTO_ERR_BAD_REQUEST, "needs field 'char'");
	EXPECT_ERROR("{\"cmd\":\"get\",\"char\":1}", PROTO_ERR_BAD_REQUEST, "'char' must be a string");
	EXPECT_ERROR("{\"cmd\":\"get\",\"char\":\"a/b\",\"chr\":1}", PROTO_ERR_BAD_REQUEST, "unknown field 'chr'");
	EXPECT_ERROR("{\"cmd\":\"hello\",\"char\":\"a/b\"}", PROTO_ERR_BAD_REQUEST, "unknown field 'char'");
	EXPECT_ERROR("{\"cmd\":\"set\",\"char\":\"a/b\"}", PROTO_ERR_BAD_REQUEST, "exactly one of");
	EXPECT_ERROR("{\"cmd\":\"set\",\"char\":\"a/b\",\"value\":\"00\",\"typed\":1}", PROTO_ERR_BAD_REQUEST,
	             "exactly one of");
	EXPECT_ERROR("{\"cmd\":\"set\",\"char\":\"a/b\",\"value\":7}", PROTO_ERR_BAD_REQUEST, "'value' must be a string");
	EXPECT_ERROR("{\"cmd\":\"set\",\"char\":\"a/b\",\"typed\":[1]}", PROTO_ERR_BAD_REQUEST, "'typed' must be");
	EXPECT_ERROR("{\"cmd\":\"set\",\"char\":\"a/b\",\"value\":\"00\",\"notify\":\"yes\"}", PROTO_ERR_BAD_REQUEST,
	             "'notify' must be true or false");
	EXPECT_ERROR("{\"cmd\":\"watch\",\"chars\":\"a/b\"}", PROTO_ERR_BAD_REQUEST, "array of strings");
	EXPECT_ERROR("{\"cmd\":\"watch\",\"chars\":[\"a/b\",3]}", PROTO_ERR_BAD_REQUEST, "entry 1 is not a string");
	EXPECT_ERROR("{\"cmd\":\"next-write\",\"char\":\"a/b\",\"timeout_ms\":-1}", PROTO_ERR_BAD_REQUEST, "within");
	EXPECT_ERROR("{\"cmd\":\"next-write\",\"char\":\"a/b\",\"timeout_ms\":1.5}", PROTO_ERR_BAD_REQUEST,
	             "must be an integer");
	EXPECT_ERROR("{\"cmd\":\"next-write\",\"char\":\"a/b\",\"timeout_ms\":99999999999}", PROTO_ERR_BAD_REQUEST,
	             "within");
	EXPECT_ERROR("{\"cmd\":\"hello\",\"id\":{\"a\":1}}", PROTO_ERR_BAD_REQUEST, "'id' must be");
}

static void test_invalid_utf8_and_nul_are_refused(void **state)
{
	expect_error("{\"cmd\":\"he\xffllo\"}", 15, PROTO_ERR_BAD_REQUEST, "UTF-8");
	expect_error("{\"cmd\":\"hello\"}\0x", 17, PROTO_ERR_BAD_REQUEST, "NUL");
}

static void test_error_keeps_the_id_when_readable(void **state)
{
	ProtoError err;
	const char *line = "{\"cmd\":\"fly\",\"id\":9}";
	g_autofree char *reply = NULL;

	assert_null(proto_parse_request(line, strlen(line), &err));
	assert_non_null(err.id);
	reply = proto_error_line(err.id, err.code, err.message);
	assert_string_equal(reply, "{\"id\":9,\"ok\":false,\"error\":{\"code\":\"unknown-command\","
	                           "\"message\":\"unknown command 'fly'\"}}\n");
	proto_error_clear(&err);
}

static void test_integers_beyond_64_bits_are_refused_not_wrapped(void **state)
{
	g_autoptr(ProtoRequest) max = parse("{\"cmd\":\"hello\",\"id\":9223372036854775807}");
	g_autoptr(ProtoRequest) text = parse("{\"cmd\":\"hello\",\"id\":\"99999999999999999999999\"}");
	g_autoptr(ProtoRequest) dbl = parse("{\"cmd\":\"set\",\"char\":\"a/b\",\"typed\":1.5e300}");

	assert_int_equal(json_integer_value(max->id), G_MAXINT64);
	EXPECT_ERROR("{\"cmd\":\"hello\",\"id\":9223372036854775808}", PROTO_ERR_BAD_REQUEST, "fit 64 bits");
	EXPECT_ERROR("{\"cmd\":\"hello\",\"id\":-9223372036854775809}", PROTO_ERR_BAD_REQUEST, "fit 64 bits");
	EXPECT_ERROR("{\"cmd\":\"set\",\"char\":\"a/b\",\"typed\":18446744073709551616}", PROTO_ERR_BAD_REQUEST,
	             "fit 64 bits");
}

/* Issue 11, defect 11: what RFC 8259 does not allow is refused, not guessed at. */
static void test_only_rfc8259_json_is_accepted(void **state)
{
	static const char *const not_json[] = {
		"{'cmd':'hello'}",
		"{\"cmd\":\"hello\",\"id\":0x10}",
		"{\"cmd\":\"hello\",\"id\":01}",
		"{\"cmd\":\"hello\",\"id\":.5}",
		"{\"cmd\":\"hello\",\"id\":5.}",
		"{\"cmd\":\"hello\",\"id\":+5}",
		"{\"cmd\":\"hello\",\"id\":NaN}",
		"{\"cmd\":\"hello\",\"id\":Infinity}",
		"{\"cmd\":\"get\",\"char\":\"a\tb\"}",      /* a raw tab in a string */
		"{\"cmd\":\"get\",\"char\":\"a\x01" "b\"}", /* a raw control character */
		"{\"cmd\":\"hello\",}",
		"{\"cmd\":\"watch\",\"chars\":[\"a/b\",]}",
		"{cmd:\"hello\"}",
		"{\"cmd\":\"hello\" /* comment */}",
		"{\"cmd\":\"hello\",\"id\":tru}",
		"{\"cmd\":\"hello\",\"id\":\"\\x41\"}",
		"{\"cmd\":\"hello\"\v}",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(not_json); i++)
		EXPECT_ERROR(not_json[i], PROTO_ERR_BAD_REQUEST, "malformed JSON");
	EXPECT_ERROR("{\"cmd\":\"hello\"} // comment", PROTO_ERR_BAD_REQUEST, "one object per line");
}

static void test_nul_in_a_string_is_refused_not_cut(void **state)
{
	EXPECT_ERROR("{\"cmd\":\"get\",\"char\":\"acc/fixed\\u0000garbage\"}", PROTO_ERR_BAD_REQUEST, "\\u0000");
	EXPECT_ERROR("{\"cmd\":\"hel\\u0000lo\"}", PROTO_ERR_BAD_REQUEST, "NUL");
}

static void test_a_member_name_twice_is_refused(void **state)
{
	EXPECT_ERROR("{\"cmd\":\"get\",\"char\":\"a/b\",\"char\":\"c/d\"}", PROTO_ERR_BAD_REQUEST, "appears twice");
	EXPECT_ERROR("{\"cmd\":\"hello\",\"cmd\":\"status\"}", PROTO_ERR_BAD_REQUEST, "appears twice");
	EXPECT_ERROR("{\"id\":1,\"cmd\":\"hello\",\"id\":2}", PROTO_ERR_BAD_REQUEST, "appears twice");
}

/* Issue 11, defect 1: json-glib recursed once per level and ran out of stack. */
static void test_deep_nesting_is_refused_without_recursing(void **state)
{
	static const size_t depths[] = { JREAD_MAX_DEPTH + 1, 80000, 4000000 };

	for (size_t k = 0; k < G_N_ELEMENTS(depths); k++) {
		g_autoptr(GString) line = g_string_new("{\"cmd\":\"hello\",\"id\":");

		for (size_t i = 0; i < depths[k]; i++)
			g_string_append_c(line, k == 1 ? '{' : '[');
		expect_error(line->str, line->len, PROTO_ERR_BAD_REQUEST, "nested deeper");
	}
	/* Brackets inside strings are text, not nesting. */
	{
		g_autoptr(GString) line = g_string_new("{\"cmd\":\"get\",\"char\":\"");
		g_autoptr(ProtoRequest) req = NULL;

		for (size_t i = 0; i < 10000; i++)
			g_string_append(line, "[\\\"{");
		g_string_append(line, "\"}");
		req = parse(line->str);
		assert_int_equal(strlen(req->chr), 3 * 10000);
	}
}

static void test_many_watch_chars_are_refused(void **state)
{
	g_autoptr(GString) line = g_string_new("{\"cmd\":\"watch\",\"chars\":[");

	for (int i = 0; i <= PROTO_MAX_WATCH_CHARS; i++)
		g_string_append_printf(line, "%s\"s/c%d\"", i ? "," : "", i);
	g_string_append(line, "]}");
	expect_error(line->str, line->len, PROTO_ERR_BAD_REQUEST, "at most");
}

static void test_values_encode_hex_and_typed(void **state)
{
	const uint8_t u16[] = { 0x2c, 0x01 };
	const uint8_t text[] = { 'h', 'i' };
	g_autoptr(JWriter) b = proto_event_begin("write");
	g_autoptr(JWriter) t = proto_event_begin("write");
	g_autoptr(JWriter) h = proto_event_begin("write");
	g_autofree char *l1 = NULL, *l2 = NULL, *l3 = NULL;

	proto_write_value(b, true, VALUE_TYPE_U16, u16, sizeof(u16));
	l1 = proto_finish(b);
	assert_string_equal(l1, "{\"event\":\"write\",\"value\":\"2c01\",\"typed\":300}\n");
	proto_write_value(t, true, VALUE_TYPE_UTF8, text, sizeof(text));
	l2 = proto_finish(t);
	assert_string_equal(l2, "{\"event\":\"write\",\"value\":\"6869\",\"typed\":\"hi\"}\n");
	/* Bytes that don't fit the type: hex only. */
	proto_write_value(h, true, VALUE_TYPE_U16, u16, 1);
	l3 = proto_finish(h);
	assert_string_equal(l3, "{\"event\":\"write\",\"value\":\"2c\"}\n");
}

static void test_decode_value_typed_and_hex(void **state)
{
	g_autoptr(ProtoRequest) n = parse("{\"cmd\":\"set\",\"char\":\"a/b\",\"typed\":300}");
	g_autoptr(ProtoRequest) big = parse("{\"cmd\":\"set\",\"char\":\"a/b\",\"typed\":70000}");
	g_autoptr(ProtoRequest) s = parse("{\"cmd\":\"set\",\"char\":\"a/b\",\"typed\":\"hi\"}");
	g_autoptr(ProtoRequest) f = parse("{\"cmd\":\"set\",\"char\":\"a/b\",\"typed\":1.5}");
	g_autoptr(ProtoRequest) bo = parse("{\"cmd\":\"set\",\"char\":\"a/b\",\"typed\":true}");
	g_autoptr(GBytes) v1 = NULL, v2 = NULL, v3 = NULL, v4 = NULL, v5 = NULL;
	g_autofree char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;
	gsize len;
	const uint8_t *d;

	v1 = proto_decode_value(NULL, n->typed, true, VALUE_TYPE_U16, &e1);
	assert_non_null(v1);
	d = g_bytes_get_data(v1, &len);
	assert_int_equal(len, 2);
	assert_int_equal(d[0], 0x2c);
	assert_int_equal(d[1], 0x01);

	assert_null(proto_decode_value(NULL, big->typed, true, VALUE_TYPE_U16, &e2));
	assert_non_null(strstr(e2, "range"));

	v2 = proto_decode_value(NULL, s->typed, true, VALUE_TYPE_UTF8, &e3);
	assert_non_null(v2);
	assert_int_equal(g_bytes_get_size(v2), 2);

	assert_null(proto_decode_value(NULL, f->typed, true, VALUE_TYPE_U8, &e4));
	v3 = proto_decode_value(NULL, f->typed, true, VALUE_TYPE_F32, &e4);
	assert_non_null(v3);
	assert_int_equal(g_bytes_get_size(v3), 4);

	v4 = proto_decode_value(NULL, bo->typed, true, VALUE_TYPE_BOOL, &e4);
	assert_non_null(v4);
	assert_int_equal(((const uint8_t *)g_bytes_get_data(v4, NULL))[0], 1);

	v5 = proto_decode_value("0a0b", NULL, true, VALUE_TYPE_U16, &e4);
	assert_int_equal(g_bytes_get_size(v5), 2);
}

static void test_decode_value_without_type_needs_hex(void **state)
{
	g_autoptr(ProtoRequest) n = parse("{\"cmd\":\"set\",\"char\":\"a/b\",\"typed\":3}");
	g_autofree char *error = NULL, *error2 = NULL;

	assert_null(proto_decode_value(NULL, n->typed, false, VALUE_TYPE_HEX, &error));
	assert_non_null(strstr(error, "hex"));
	assert_null(proto_decode_value("zz", NULL, false, VALUE_TYPE_HEX, &error2));
	assert_non_null(error2);
}

static void test_status_reply_with_and_without_adapter(void **state)
{
	ServerStatus status = {
		.state = g_strdup("registered"),
		.description = g_strdup("registered on hci0"),
		.adapter = { .name = g_strdup("hci0"), .address = g_strdup("00:AA:01:01:00:01"), .powered = true,
		             .path = g_strdup("/org/bluez/hci0") },
		.registered = true, .advertising = false, .on_air = true, .sockets = "targeted",
		.pairing = { .method = "just-works", .agent = true, .pairable = true, .remaining_ms = 1500 },
		.clients = 2, .watchers = 1, .subscriptions = 3, .captured = 4, .overflows = 5, .generation = 6,
	};
	json_t *id = json_integer(7);
	g_autofree char *line = proto_status_line(id, &status);
	g_autofree char *none = NULL;

	assert_string_equal(line, "{\"id\":7,\"ok\":true,\"state\":\"registered\",\"description\":\"registered on hci0\","
	                    "\"adapter\":{\"name\":\"hci0\",\"address\":\"00:AA:01:01:00:01\",\"powered\":true,"
	                    "\"path\":\"/org/bluez/hci0\"},\"registered\":true,\"advertising\":false,\"on_air\":true,"
	                    "\"advertisements\":[],\"sockets\":\"targeted\",\"pairing\":{\"method\":\"just-works\",\"agent\":true,"
	                    "\"pairable\":true,\"always\":false,\"remaining_ms\":1500},\"clients\":2,\"watchers\":1,\"subscriptions\":3,\"captured\":4,\"overflows\":5,"
	                    "\"generation\":6}\n");
	server_adapter_clear(&status.adapter);
	status.sockets = NULL;
	status.pairing = (ServerPairing){ .method = "passkey", .always = true, .pairable = true };
	/* The [Advertising NAME] ones, in order, null for an error that is not there. */
	status.advertisements = g_ptr_array_new_with_free_func((GDestroyNotify)server_advertisement_state_free);
	g_ptr_array_add(status.advertisements, g_memdup2(&(ServerAdvertisementState){
		.name = g_strdup("beacon"), .enabled = true, .advertising = true }, sizeof(ServerAdvertisementState)));
	g_ptr_array_add(status.advertisements, g_memdup2(&(ServerAdvertisementState){
		.name = g_strdup("full"), .enabled = true, .error = g_strdup("org.bluez.Error.NotPermitted: Maximum") },
		sizeof(ServerAdvertisementState)));
	none = proto_status_line(id, &status);
	assert_non_null(strstr(none, ",\"adapter\":null,\"registered\":true,"));
	assert_non_null(strstr(none, ",\"on_air\":true,\"advertisements\":[{\"name\":\"beacon\",\"enabled\":true,"
	                             "\"advertising\":true,\"paused\":false,\"error\":null},{\"name\":\"full\","
	                             "\"enabled\":true,\"advertising\":false,\"paused\":false,\"error\":"
	                             "\"org.bluez.Error.NotPermitted: Maximum\"}],\"sockets\":null,"));
	/* Pairable=always: no window to run out. */
	assert_non_null(strstr(none, "\"pairing\":{\"method\":\"passkey\",\"agent\":false,\"pairable\":true,"
	                             "\"always\":true,\"remaining_ms\":null}"));
	server_status_clear(&status);
	assert_null(status.state);
	json_decref(id);
}

static void test_adapter_event_writes_null_for_what_is_unknown(void **state)
{
	ServerAdapter adapter = { .powered = false };
	g_autoptr(JWriter) b = proto_event_begin("adapter");
	g_autofree char *line = NULL;

	proto_write_adapter(b, &adapter);
	line = proto_finish(b);
	assert_string_equal(line, "{\"event\":\"adapter\",\"name\":null,\"address\":null,\"powered\":false}\n");
}

static void test_write_is_typed_only_as_a_whole_value(void **state)
{
	CfgCharacteristic cfg = { .id = "env/temp", .has_type = true, .type = VALUE_TYPE_U8 };
	const uint8_t data[] = { 42 };
	g_autoptr(JWriter) whole = proto_event_begin("write");
	g_autoptr(JWriter) part = proto_event_begin("write");
	g_autofree char *l1 = NULL, *l2 = NULL;

	proto_write_write(whole, &cfg, data, 1, 0, "/org/bluez/hci0/dev_1", "11:22:33:44:55:66");
	proto_write_write(part, &cfg, data, 1, 1, NULL, NULL);
	l1 = proto_finish(whole);
	l2 = proto_finish(part);
	assert_string_equal(l1, "{\"event\":\"write\",\"char\":\"env/temp\",\"value\":\"2a\",\"typed\":42,"
	                    "\"offset\":0,\"device\":\"/org/bluez/hci0/dev_1\",\"address\":\"11:22:33:44:55:66\"}\n");
	assert_string_equal(l2, "{\"event\":\"write\",\"char\":\"env/temp\",\"value\":\"2a\",\"offset\":1,"
	                    "\"device\":null,\"address\":null}\n");
}

/* ---- handlers: handle, unhandle, answer ---- */

static void test_handle_and_unhandle_take_a_list_of_ids(void **state)
{
	g_autoptr(ProtoRequest) handle = parse("{\"cmd\":\"handle\",\"chars\":[\"prov/ssid\",\"prov/scan\"],\"id\":3}");
	g_autoptr(ProtoRequest) some = parse("{\"cmd\":\"unhandle\",\"chars\":[\"prov/ssid\"]}");
	g_autoptr(ProtoRequest) all = parse("{\"cmd\":\"unhandle\"}");

	assert_int_equal(handle->cmd, PROTO_CMD_HANDLE);
	assert_int_equal(g_strv_length((char **)handle->chars), 2);
	assert_string_equal(handle->chars[0], "prov/ssid");
	assert_string_equal(handle->chars[1], "prov/scan");
	assert_int_equal(json_integer_value(handle->id), 3);
	assert_int_equal(some->cmd, PROTO_CMD_UNHANDLE);
	assert_int_equal(g_strv_length((char **)some->chars), 1);
	/* No list: every claim of the connection. */
	assert_int_equal(all->cmd, PROTO_CMD_UNHANDLE);
	assert_null(all->chars);
}

static void test_handle_needs_a_non_empty_list_of_strings(void **state)
{
	EXPECT_ERROR("{\"cmd\":\"handle\"}", PROTO_ERR_BAD_REQUEST, "command 'handle' needs field 'chars', a non-empty array");
	EXPECT_ERROR("{\"cmd\":\"handle\",\"chars\":[]}", PROTO_ERR_BAD_REQUEST, "needs field 'chars', a non-empty array");
	EXPECT_ERROR("{\"cmd\":\"handle\",\"chars\":\"prov/ssid\"}", PROTO_ERR_BAD_REQUEST,
	             "field 'chars' must be an array of strings");
	EXPECT_ERROR("{\"cmd\":\"handle\",\"chars\":[\"prov/ssid\",null]}", PROTO_ERR_BAD_REQUEST,
	             "field 'chars' entry 1 is not a string");
	EXPECT_ERROR("{\"cmd\":\"unhandle\",\"chars\":[7]}", PROTO_ERR_BAD_REQUEST, "field 'chars' entry 0 is not a string");
	EXPECT_ERROR("{\"cmd\":\"handle\",\"char\":\"prov/ssid\"}", PROTO_ERR_BAD_REQUEST,
	             "unknown field 'char' for command 'handle'");
	EXPECT_ERROR("{\"cmd\":\"unhandle\",\"request\":1}", PROTO_ERR_BAD_REQUEST,
	             "unknown field 'request' for command 'unhandle'");
}

static void test_handle_with_too_many_ids_is_refused(void **state)
{
	g_autoptr(GString) line = g_string_new("{\"cmd\":\"handle\",\"chars\":[");

	for (int i = 0; i <= PROTO_MAX_WATCH_CHARS; i++)
		g_string_append_printf(line, "%s\"s/c%d\"", i ? "," : "", i);
	g_string_append(line, "]}");
	expect_error(line->str, line->len, PROTO_ERR_BAD_REQUEST, "at most");
}

static void test_answer_with_a_value_typed_an_error_or_nothing(void **state)
{
	g_autoptr(ProtoRequest) hex = parse("{\"cmd\":\"answer\",\"request\":5,\"value\":\"0a0b\"}");
	g_autoptr(ProtoRequest) typed = parse("{\"cmd\":\"answer\",\"request\":6,\"typed\":\"net-a\"}");
	g_autoptr(ProtoRequest) accept = parse("{\"cmd\":\"answer\",\"request\":7}");
	g_autoptr(ProtoRequest) named = parse("{\"cmd\":\"answer\",\"request\":8,\"error\":\"not-authorized\"}");
	g_autoptr(ProtoRequest) first = parse("{\"cmd\":\"answer\",\"request\":9,\"error\":128}");
	g_autoptr(ProtoRequest) last = parse("{\"cmd\":\"answer\",\"request\":9223372036854775807,\"error\":159}");
	g_autoptr(ProtoRequest) unknown = parse("{\"cmd\":\"answer\",\"request\":1,\"error\":\"no-such-error\"}");

	assert_int_equal(hex->cmd, PROTO_CMD_ANSWER);
	assert_int_equal(hex->request, 5);
	assert_string_equal(hex->hex, "0a0b");
	assert_null(hex->typed);
	assert_false(hex->has_error);

	assert_int_equal(typed->request, 6);
	assert_null(typed->hex);
	assert_string_equal(json_string_value(typed->typed), "net-a");

	/* Accepting a write: neither a value nor an error. */
	assert_int_equal(accept->request, 7);
	assert_null(accept->hex);
	assert_null(accept->typed);
	assert_false(accept->has_error);

	assert_true(named->has_error);
	assert_string_equal(named->error_name, "not-authorized");
	assert_int_equal(named->error_code, 0);

	assert_true(first->has_error);
	assert_null(first->error_name);
	assert_int_equal(first->error_code, 0x80);
	assert_int_equal(last->request, G_MAXINT64);
	assert_int_equal(last->error_code, 0x9f);

	/* The name is the command's to check (shared/att.h): the parser only takes a string. */
	assert_true(unknown->has_error);
	assert_string_equal(unknown->error_name, "no-such-error");
}

static void test_answer_needs_a_request_id_from_1(void **state)
{
	static const char *const bad_ids[] = { "0", "-1", "1.5", "1e3", "\"5\"", "true", "null", "[5]", "{}" };

	EXPECT_ERROR("{\"cmd\":\"answer\"}", PROTO_ERR_BAD_REQUEST, "command 'answer' needs field 'request'");
	EXPECT_ERROR("{\"cmd\":\"answer\",\"value\":\"00\"}", PROTO_ERR_BAD_REQUEST, "command 'answer' needs field 'request'");
	for (size_t i = 0; i < G_N_ELEMENTS(bad_ids); i++) {
		g_autofree char *line = g_strdup_printf("{\"cmd\":\"answer\",\"request\":%s}", bad_ids[i]);

		EXPECT_ERROR(line, PROTO_ERR_BAD_REQUEST, "field 'request' must be a request id, an integer from 1");
	}
	EXPECT_ERROR("{\"cmd\":\"answer\",\"request\":18446744073709551616}", PROTO_ERR_BAD_REQUEST, "fit 64 bits");
}

static void test_answer_takes_one_of_a_value_and_an_error(void **state)
{
	EXPECT_ERROR("{\"cmd\":\"answer\",\"request\":1,\"error\":\"unlikely\",\"value\":\"00\"}", PROTO_ERR_BAD_REQUEST,
	             "command 'answer' takes 'error' or a value, not both");
	EXPECT_ERROR("{\"cmd\":\"answer\",\"request\":1,\"typed\":3,\"error\":128}", PROTO_ERR_BAD_REQUEST,
	             "command 'answer' takes 'error' or a value, not both");
	EXPECT_ERROR("{\"cmd\":\"answer\",\"request\":1,\"value\":\"00\",\"typed\":0}", PROTO_ERR_BAD_REQUEST,
	             "command 'answer' takes one of 'value' (hex) and 'typed'");
	EXPECT_ERROR("{\"cmd\":\"answer\",\"request\":1,\"value\":0}", PROTO_ERR_BAD_REQUEST, "field 'value' must be a string");
	EXPECT_ERROR("{\"cmd\":\"answer\",\"request\":1,\"typed\":{}}", PROTO_ERR_BAD_REQUEST, "field 'typed' must be");
	EXPECT_ERROR("{\"cmd\":\"answer\",\"request\":1,\"char\":\"a/b\"}", PROTO_ERR_BAD_REQUEST,
	             "unknown field 'char' for command 'answer'");
	EXPECT_ERROR("{\"cmd\":\"answer\",\"request\":1,\"notify\":true}", PROTO_ERR_BAD_REQUEST,
	             "unknown field 'notify' for command 'answer'");
}

static void test_answer_error_code_must_be_in_the_application_range(void **state)
{
	static const struct {
		const char *code;
		const char *shown;
	} outside[] = {
		{ "127", "127" }, { "160", "160" }, { "0", "0" }, { "-128", "-128" }, { "14", "14" },
		{ "254", "254" }, { "9223372036854775807", "9223372036854775807" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(outside); i++) {
		g_autofree char *line = g_strdup_printf("{\"cmd\":\"answer\",\"request\":1,\"error\":%s}", outside[i].code);
		g_autofree char *what = g_strdup_printf("field 'error': %s is outside the application range 128..159 "
		                                        "(0x80..0x9f)", outside[i].shown);

		EXPECT_ERROR(line, PROTO_ERR_BAD_REQUEST, what);
	}
}

/* A refused answer still names the central's request it meant, when it could be read: gattd settles it. */
static void test_refused_answer_names_its_request(void **state)
{
	static const struct {
		const char *line;
		uint64_t request;
	} cases[] = {
		{ "{\"cmd\":\"answer\",\"request\":7,\"error\":200}", 7 },
		{ "{\"cmd\":\"answer\",\"request\":8,\"error\":\"unlikely\",\"value\":\"00\"}", 8 },
		{ "{\"cmd\":\"answer\",\"value\":0,\"request\":9}", 9 },
		{ "{\"cmd\":\"answer\",\"request\":10,\"char\":\"a/b\"}", 10 },
		{ "{\"cmd\":\"answer\",\"request\":0,\"error\":200}", 0 },
		{ "{\"cmd\":\"answer\",\"request\":\"7\",\"error\":200}", 0 },
		{ "{\"cmd\":\"set\",\"request\":7}", 0 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		ProtoError err;
		ProtoRequest *req = proto_parse_request(cases[i].line, strlen(cases[i].line), &err);

		assert_null(req);
		assert_string_equal(err.code, PROTO_ERR_BAD_REQUEST);
		if (err.answer_request != cases[i].request)
			fail_msg("'%s': answer_request %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT, cases[i].line,
			         err.answer_request, cases[i].request);
		proto_error_clear(&err);
		assert_int_equal(err.answer_request, 0);
	}
}

static void test_answer_error_of_another_type_is_refused(void **state)
{
	static const char *const wrong[] = { "true", "false", "null", "128.0", "1.5", "[128]", "{\"code\":128}" };

	for (size_t i = 0; i < G_N_ELEMENTS(wrong); i++) {
		g_autofree char *line = g_strdup_printf("{\"cmd\":\"answer\",\"request\":1,\"error\":%s}", wrong[i]);

		EXPECT_ERROR(line, PROTO_ERR_BAD_REQUEST,
		             "field 'error' must be an error name or an application code 128..159");
	}
}

/* ---- device addresses ---- */

static void expect_address(const char *path, const char *expected)
{
	g_autofree char *address = proto_device_address(path);

	if (g_strcmp0(address, expected) != 0)
		fail_msg("proto_device_address(%s) = %s, expected %s", path ? path : "NULL", address ? address : "NULL",
		         expected ? expected : "NULL");
}

static void test_device_address_comes_from_bluez_device_path(void **state)
{
	expect_address("/org/bluez/hci0/dev_11_22_33_44_55_66", "11:22:33:44:55:66");
	expect_address("/org/bluez/hci12/dev_AA_BB_CC_DD_EE_0F", "AA:BB:CC:DD:EE:0F");
	/* BlueZ writes upper case; lower case is taken as it is, not guessed at. */
	expect_address("/org/bluez/hci0/dev_aa_bb_cc_dd_ee_0f", "aa:bb:cc:dd:ee:0f");
}

static void test_device_address_is_null_for_what_is_no_device_path(void **state)
{
	static const char *const not_devices[] = {
		"",
		"/",
		"/org/bluez/hci0",
		"/org/bluez/hci0/dev_",
		"/org/bluez/hci0/dev_11_22_33_44_55",        /* too short */
		"/org/bluez/hci0/dev_11_22_33_44_55_667",    /* too long */
		"/org/bluez/hci0/dev_11_22_33_44_55_6",
		"/org/bluez/hci0/dev_1_22_33_44_55_66_",
		"/org/bluez/hci0/dev_11-22-33-44-55-66",     /* not '_' between */
		"/org/bluez/hci0/dev_11:22:33:44:55:66",
		"/org/bluez/hci0/dev_GG_22_33_44_55_66",     /* not hex */
		"/org/bluez/hci0/dev_11_22_33_44_55_6x",
		"/org/bluez/hci0/dev_11__2_33_44_55_66",
		"/org/bluez/hci0/dev_11_22_33_44_55_66/service0001", /* below a device */
		"/org/bluez/hci0/DEV_11_22_33_44_55_66",
		"/org/bluez/hci0/xdev_11_22_33_44_55_66",
		"dev_11_22_33_44_55_66",                     /* not a path */
	};

	for (size_t i = 0; i < G_N_ELEMENTS(not_devices); i++)
		expect_address(not_devices[i], NULL);
	expect_address(NULL, NULL);
}

static void test_device_and_address_are_written_or_null(void **state)
{
	g_autoptr(JWriter) known = proto_event_begin("read-request");
	g_autoptr(JWriter) unknown = proto_event_begin("read-request");
	g_autoptr(JWriter) odd = proto_event_begin("read-request");
	g_autofree char *l1 = NULL, *l2 = NULL, *l3 = NULL;

	proto_write_device(known, "/org/bluez/hci0/dev_11_22_33_44_55_66", "11:22:33:44:55:66");
	proto_write_device(unknown, NULL, NULL);
	proto_write_device(odd, "/org/bluez/hci0", NULL);
	l1 = proto_finish(known);
	l2 = proto_finish(unknown);
	l3 = proto_finish(odd);
	assert_string_equal(l1, "{\"event\":\"read-request\",\"device\":\"/org/bluez/hci0/dev_11_22_33_44_55_66\","
	                        "\"address\":\"11:22:33:44:55:66\"}\n");
	assert_string_equal(l2, "{\"event\":\"read-request\",\"device\":null,\"address\":null}\n");
	assert_string_equal(l3, "{\"event\":\"read-request\",\"device\":\"/org/bluez/hci0\",\"address\":null}\n");
}

static void test_disconnect_needs_a_bluetooth_address(void **state)
{
	g_autoptr(ProtoRequest) req = parse("{\"cmd\":\"disconnect\",\"address\":\"00:AA:01:01:00:42\",\"id\":1}");
	static const char *const bad[] = {
		"{\"cmd\":\"disconnect\",\"address\":\"00:AA:01:01:00\"}",
		"{\"cmd\":\"disconnect\",\"address\":\"00-AA-01-01-00-42\"}",
		"{\"cmd\":\"disconnect\",\"address\":\"00:AA:01:01:00:4G\"}",
		"{\"cmd\":\"disconnect\",\"address\":\"00:AA:01:01:00:42 \"}",
		"{\"cmd\":\"disconnect\",\"address\":\"\"}",
	};
	const char *line;

	assert_string_equal(req->address, "00:AA:01:01:00:42");
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		expect_error(bad[i], strlen(bad[i]), PROTO_ERR_BAD_REQUEST, "is not a Bluetooth address (AA:BB:CC:DD:EE:FF)");
	line = "{\"cmd\":\"disconnect\"}";
	expect_error(line, strlen(line), PROTO_ERR_BAD_REQUEST, "command 'disconnect' needs field 'address'");
	line = "{\"cmd\":\"disconnect\",\"address\":42}";
	expect_error(line, strlen(line), PROTO_ERR_BAD_REQUEST, "field 'address' must be a string");
	line = "{\"cmd\":\"devices\",\"address\":\"00:AA:01:01:00:42\"}";
	expect_error(line, strlen(line), PROTO_ERR_BAD_REQUEST, "unknown field 'address' for command 'devices'");
}

static void test_set_may_name_one_central(void **state)
{
	g_autoptr(ProtoRequest) req = parse("{\"cmd\":\"set\",\"char\":\"a/b\",\"value\":\"01\",\"address\":\"00:AA:01:01:00:42\"}");
	g_autoptr(ProtoRequest) plain = parse("{\"cmd\":\"set\",\"char\":\"a/b\",\"value\":\"01\"}");
	const char *line = "{\"cmd\":\"set\",\"char\":\"a/b\",\"value\":\"01\",\"address\":\"00:AA:01:01:00:42\","
	                   "\"notify\":false}";

	assert_string_equal(req->address, "00:AA:01:01:00:42");
	assert_null(plain->address);
	expect_error(line, strlen(line), PROTO_ERR_BAD_REQUEST, "it cannot go with \"notify\": false");
	line = "{\"cmd\":\"set\",\"char\":\"a/b\",\"value\":\"01\",\"address\":\"phone\"}";
	expect_error(line, strlen(line), PROTO_ERR_BAD_REQUEST, "'phone' is not a Bluetooth address");
}

static void test_a_central_is_written_with_every_field(void **state)
{
	GattCentral known = {
		.path = "/org/bluez/hci0/dev_11_22_33_44_55_66", .address = "11:22:33:44:55:66", .address_type = "random",
		.name = "Pixel \"7\"", .alias = "Pixel \"7\"", .paired = true, .has_bonded = true, .bonded = true,
		.connected_since = 1733390000123456, .mtu = 517,
	};
	GattCentral old = { .path = "/org/bluez/hci0/dev_1", .address = "11:22:33:44:55:66", .alias = "11-22-33-44-55-66" };
	g_autoptr(JWriter) w1 = proto_event_begin("connected");
	g_autoptr(JWriter) w2 = proto_event_begin("connected");
	g_autofree char *l1 = NULL, *l2 = NULL;

	g_autoptr(GPtrArray) subscribed = g_ptr_array_new();

	g_ptr_array_add(subscribed, "env/temp");
	g_ptr_array_add(subscribed, "env/humidity");
	proto_write_central(w1, &known, subscribed);
	proto_write_central(w2, &old, NULL);
	l1 = proto_finish(w1);
	l2 = proto_finish(w2);
	assert_string_equal(l1, "{\"event\":\"connected\",\"address\":\"11:22:33:44:55:66\",\"address_type\":\"random\","
	                        "\"device\":\"/org/bluez/hci0/dev_11_22_33_44_55_66\",\"name\":\"Pixel \\\"7\\\"\","
	                        "\"alias\":\"Pixel \\\"7\\\"\",\"paired\":true,\"bonded\":true,\"trusted\":false,"
	                        "\"connected_since\":1733390000123,\"mtu\":517,\"subscribed\":[\"env/temp\",\"env/humidity\"]}\n");
	/* BlueZ before 5.65 has no Bonded; no call named the MTU yet. */
	assert_string_equal(l2, "{\"event\":\"connected\",\"address\":\"11:22:33:44:55:66\",\"address_type\":null,"
	                        "\"device\":\"/org/bluez/hci0/dev_1\",\"name\":null,\"alias\":\"11-22-33-44-55-66\","
	                        "\"paired\":false,\"bonded\":null,\"trusted\":false,\"connected_since\":0,\"mtu\":null,"
	                        "\"subscribed\":[]}\n");
}

/* ---- pairable ---- */

static void test_pairable_asks_opens_or_closes(void **state)
{
	g_autoptr(ProtoRequest) ask = parse("{\"cmd\":\"pairable\",\"id\":1}");
	g_autoptr(ProtoRequest) opened = parse("{\"cmd\":\"pairable\",\"open\":true}");
	g_autoptr(ProtoRequest) timed = parse("{\"cmd\":\"pairable\",\"seconds\":30,\"open\":true}");
	g_autoptr(ProtoRequest) closed = parse("{\"cmd\":\"pairable\",\"open\":false}");
	g_autoptr(ProtoRequest) lowest = parse("{\"cmd\":\"pairable\",\"open\":true,\"seconds\":1}");
	g_autoptr(ProtoRequest) highest = parse("{\"cmd\":\"pairable\",\"open\":true,\"seconds\":86400}");

	assert_string_equal(proto_command_name(ask->cmd), "pairable");
	assert_false(ask->has_open);
	assert_int_equal(ask->seconds, 0);
	assert_true(opened->has_open);
	assert_true(opened->open);
	assert_int_equal(opened->seconds, 0); /* [Pairing] PairableSeconds */
	assert_true(timed->has_open);
	assert_true(timed->open);
	assert_int_equal(timed->seconds, 30);
	assert_true(closed->has_open);
	assert_false(closed->open);
	assert_int_equal(lowest->seconds, 1);
	assert_int_equal(highest->seconds, 86400);
}

static void test_answer_pairing_takes_a_request_and_a_verdict(void **state)
{
	g_autoptr(ProtoRequest) yes = parse("{\"cmd\":\"answer-pairing\",\"accept\":true,\"request\":7,\"id\":1}");
	g_autoptr(ProtoRequest) no = parse("{\"cmd\":\"answer-pairing\",\"request\":9007199254740991,\"accept\":false}");

	assert_int_equal(yes->request, 7);
	assert_true(yes->accept);
	assert_int_equal(no->request, 9007199254740991ULL);
	assert_false(no->accept);
	/* No verdict by default: silence is not consent. */
	EXPECT_ERROR("{\"cmd\":\"answer-pairing\",\"request\":7}", PROTO_ERR_BAD_REQUEST,
	             "command 'answer-pairing' needs field 'accept' (true or false)");
	EXPECT_ERROR("{\"cmd\":\"answer-pairing\",\"request\":7,\"accept\":1}", PROTO_ERR_BAD_REQUEST,
	             "field 'accept' must be true or false");
	EXPECT_ERROR("{\"cmd\":\"answer-pairing\",\"request\":7,\"accept\":\"yes\"}", PROTO_ERR_BAD_REQUEST,
	             "field 'accept' must be true or false");
	EXPECT_ERROR("{\"cmd\":\"answer-pairing\",\"accept\":true}", PROTO_ERR_BAD_REQUEST,
	             "command 'answer-pairing' needs field 'request'");
	EXPECT_ERROR("{\"cmd\":\"answer-pairing\",\"request\":0,\"accept\":true}", PROTO_ERR_BAD_REQUEST,
	             "field 'request' must be a request id, an integer from 1");
	EXPECT_ERROR("{\"cmd\":\"answer-pairing\",\"request\":\"7\",\"accept\":true}", PROTO_ERR_BAD_REQUEST,
	             "field 'request' must be a request id, an integer from 1");
	EXPECT_ERROR("{\"cmd\":\"answer-pairing\",\"request\":7,\"accept\":true,\"error\":\"x\"}",
	             PROTO_ERR_BAD_REQUEST, "unknown field 'error' for command 'answer-pairing'");
	EXPECT_ERROR("{\"cmd\":\"handle-pairing\",\"chars\":[\"a/b\"]}", PROTO_ERR_BAD_REQUEST,
	             "unknown field 'chars' for command 'handle-pairing'");
	EXPECT_ERROR("{\"cmd\":\"answer\",\"request\":7,\"accept\":true}", PROTO_ERR_BAD_REQUEST,
	             "unknown field 'accept' for command 'answer'");
	EXPECT_ERROR("{\"cmd\":\"answer\"}", PROTO_ERR_BAD_REQUEST, "command 'answer' needs field 'request'");
}

static void test_pairable_fields_are_checked(void **state)
{
	static const char *const bad_open[] = {
		"{\"cmd\":\"pairable\",\"open\":1}",
		"{\"cmd\":\"pairable\",\"open\":\"true\"}",
		"{\"cmd\":\"pairable\",\"open\":null}",
	};
	static const char *const bad_seconds[] = {
		"{\"cmd\":\"pairable\",\"open\":true,\"seconds\":0}",
		"{\"cmd\":\"pairable\",\"open\":true,\"seconds\":-1}",
		"{\"cmd\":\"pairable\",\"open\":true,\"seconds\":86401}",
		"{\"cmd\":\"pairable\",\"open\":true,\"seconds\":4294967326}",  /* 30 + 2^32 */
		"{\"cmd\":\"pairable\",\"open\":true,\"seconds\":1.5}",
		"{\"cmd\":\"pairable\",\"open\":true,\"seconds\":30.0}",
		"{\"cmd\":\"pairable\",\"open\":true,\"seconds\":\"30\"}",
		"{\"cmd\":\"pairable\",\"open\":true,\"seconds\":true}",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad_open); i++)
		EXPECT_ERROR(bad_open[i], PROTO_ERR_BAD_REQUEST, "field 'open' must be true or false");
	for (size_t i = 0; i < G_N_ELEMENTS(bad_seconds); i++)
		EXPECT_ERROR(bad_seconds[i], PROTO_ERR_BAD_REQUEST, "field 'seconds' must be an integer from 1 to 86400");
	/* A length only for a window being opened. */
	EXPECT_ERROR("{\"cmd\":\"pairable\",\"seconds\":30}", PROTO_ERR_BAD_REQUEST, "field 'seconds' goes with \"open\": true");
	EXPECT_ERROR("{\"cmd\":\"pairable\",\"open\":false,\"seconds\":30}", PROTO_ERR_BAD_REQUEST,
	             "field 'seconds' goes with \"open\": true");
	EXPECT_ERROR("{\"cmd\":\"pairable\",\"open\":true,\"for\":30}", PROTO_ERR_BAD_REQUEST,
	             "unknown field 'for' for command 'pairable'");
	EXPECT_ERROR("{\"cmd\":\"pairable\",\"address\":\"00:AA:01:01:00:42\"}", PROTO_ERR_BAD_REQUEST,
	             "unknown field 'address' for command 'pairable'");
	/* Its fields are the pairable command's alone. */
	EXPECT_ERROR("{\"cmd\":\"status\",\"open\":true}", PROTO_ERR_BAD_REQUEST, "unknown field 'open' for command 'status'");
	EXPECT_ERROR("{\"cmd\":\"devices\",\"seconds\":30}", PROTO_ERR_BAD_REQUEST,
	             "unknown field 'seconds' for command 'devices'");
}

static char *pairing_line(const ServerPairing *pairing)
{
	g_autoptr(json_t) id = json_integer(3);
	g_autoptr(JWriter) b = proto_reply_begin(id);

	proto_write_pairing(b, pairing);
	return proto_finish(b);
}

static void test_pairable_reply_says_how_the_window_stands(void **state)
{
	ServerPairing open = { .method = "just-works", .agent = true, .pairable = true, .remaining_ms = 119999 };
	ServerPairing closed = { .method = "display", .agent = true };
	ServerPairing always = { .method = "passkey", .agent = false, .pairable = true, .always = true, .remaining_ms = 5 };
	ServerPairing off = { .method = "off", .remaining_ms = 7 };
	ServerPairing unset = { 0 };
	g_autofree char *l1 = pairing_line(&open), *l2 = pairing_line(&closed), *l3 = pairing_line(&always);
	g_autofree char *l4 = pairing_line(&off), *l5 = pairing_line(&unset);

	assert_string_equal(l1, "{\"id\":3,\"ok\":true,\"method\":\"just-works\",\"agent\":true,\"pairable\":true,"
	                        "\"always\":false,\"remaining_ms\":119999}\n");
	assert_string_equal(l2, "{\"id\":3,\"ok\":true,\"method\":\"display\",\"agent\":true,\"pairable\":false,"
	                        "\"always\":false,\"remaining_ms\":0}\n");
	/* No window to run out with Pairable=always, nor without an agent at all. */
	assert_string_equal(l3, "{\"id\":3,\"ok\":true,\"method\":\"passkey\",\"agent\":false,\"pairable\":true,"
	                        "\"always\":true,\"remaining_ms\":null}\n");
	assert_string_equal(l4, "{\"id\":3,\"ok\":true,\"method\":\"off\",\"agent\":false,\"pairable\":false,"
	                        "\"always\":false,\"remaining_ms\":null}\n");
	assert_string_equal(l5, l4);
}

static void test_pairable_event_carries_the_same_fields(void **state)
{
	ServerPairing open = { .method = "passkey", .agent = true, .pairable = true, .remaining_ms = 1 };
	g_autoptr(JWriter) b = proto_event_begin("pairable");
	g_autofree char *line = NULL;

	proto_write_pairing(b, &open);
	line = proto_finish(b);
	assert_string_equal(line, "{\"event\":\"pairable\",\"method\":\"passkey\",\"agent\":true,\"pairable\":true,"
	                          "\"always\":false,\"remaining_ms\":1}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command_parses),
		cmocka_unit_test(test_disconnect_needs_a_bluetooth_address),
		cmocka_unit_test(test_a_central_is_written_with_every_field),
		cmocka_unit_test(test_set_may_name_one_central),
		cmocka_unit_test(test_id_is_kept_for_the_reply),
		cmocka_unit_test(test_surrogate_pairs_are_accepted),
		cmocka_unit_test(test_large_doubles_are_numbers_that_read_back),
		cmocka_unit_test(test_only_rfc8259_json_is_accepted),
		cmocka_unit_test(test_nul_in_a_string_is_refused_not_cut),
		cmocka_unit_test(test_a_member_name_twice_is_refused),
		cmocka_unit_test(test_deep_nesting_is_refused_without_recursing),
		cmocka_unit_test(test_set_fields),
		cmocka_unit_test(test_watch_with_chars_and_next_write_timeout),
		cmocka_unit_test(test_malformed_input_is_named),
		cmocka_unit_test(test_invalid_utf8_and_nul_are_refused),
		cmocka_unit_test(test_error_keeps_the_id_when_readable),
		cmocka_unit_test(test_integers_beyond_64_bits_are_refused_not_wrapped),
		cmocka_unit_test(test_many_watch_chars_are_refused),
		cmocka_unit_test(test_values_encode_hex_and_typed),
		cmocka_unit_test(test_decode_value_typed_and_hex),
		cmocka_unit_test(test_decode_value_without_type_needs_hex),
		cmocka_unit_test(test_status_reply_with_and_without_adapter),
		cmocka_unit_test(test_adapter_event_writes_null_for_what_is_unknown),
		cmocka_unit_test(test_write_is_typed_only_as_a_whole_value),
		cmocka_unit_test(test_handle_and_unhandle_take_a_list_of_ids),
		cmocka_unit_test(test_handle_needs_a_non_empty_list_of_strings),
		cmocka_unit_test(test_handle_with_too_many_ids_is_refused),
		cmocka_unit_test(test_answer_with_a_value_typed_an_error_or_nothing),
		cmocka_unit_test(test_answer_needs_a_request_id_from_1),
		cmocka_unit_test(test_answer_takes_one_of_a_value_and_an_error),
		cmocka_unit_test(test_answer_error_code_must_be_in_the_application_range),
		cmocka_unit_test(test_answer_error_of_another_type_is_refused),
		cmocka_unit_test(test_refused_answer_names_its_request),
		cmocka_unit_test(test_device_address_comes_from_bluez_device_path),
		cmocka_unit_test(test_pairable_asks_opens_or_closes),
		cmocka_unit_test(test_pairable_fields_are_checked),
		cmocka_unit_test(test_answer_pairing_takes_a_request_and_a_verdict),
		cmocka_unit_test(test_pairable_reply_says_how_the_window_stands),
		cmocka_unit_test(test_pairable_event_carries_the_same_fields),
		cmocka_unit_test(test_device_address_is_null_for_what_is_no_device_path),
		cmocka_unit_test(test_device_and_address_are_written_or_null),
	};

	return cmocka_run_group_tests_name("protocol", tests, NULL, NULL);
}
