/*
 * test-json-flat.c: the flat-object fast path in front of json-glib: what it takes
 * (and the tree it builds) and what it leaves to json-glib. tests/fuzz's json-flat
 * target checks the trees against json-glib on arbitrary input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "json-flat.h"

static JsonNode *flat(const char *line)
{
	return json_flat_parse(line, strlen(line));
}

static void test_typical_request(void **state)
{
	g_autoptr(JsonNode) root = flat("{\"cmd\":\"set\",\"char\":\"battery/level\",\"value\":\"2a\",\"notify\":true,\"id\":17}");
	JsonObject *obj;
	g_autoptr(GList) names = NULL;
	const char *expected[] = { "cmd", "char", "value", "notify", "id" };
	GList *l;
	size_t i = 0;

	assert_non_null(root);
	obj = json_node_get_object(root);
	assert_string_equal(json_object_get_string_member(obj, "cmd"), "set");
	assert_string_equal(json_object_get_string_member(obj, "char"), "battery/level");
	assert_string_equal(json_object_get_string_member(obj, "value"), "2a");
	assert_true(json_object_get_boolean_member(obj, "notify"));
	assert_int_equal(json_node_get_value_type(json_object_get_member(obj, "id")), G_TYPE_INT64);
	assert_int_equal(json_object_get_int_member(obj, "id"), 17);
	/* Member order is the line's (unknown-field errors name the first). */
	names = json_object_get_members(obj);
	for (l = names; l; l = l->next)
		assert_string_equal(l->data, expected[i++]);
	assert_int_equal(i, G_N_ELEMENTS(expected));
}

static void test_every_kind_of_member(void **state)
{
	g_autoptr(JsonNode) root = flat(" {\t\"a\" : [ \"x\" , \"y\\n\\\"\\\\\\/\\b\\f\\r\\t\" ] ,\"b\":-9223372036854775808,"
	                                "\"c\":9223372036854775807,\"d\":null,\"e\":false,\"f\":[],\"g\":-0,"
	                                "\"h\":\"\xc3\xa9\xe2\x82\xac\"}\r\n");
	JsonObject *obj;
	JsonArray *a;

	assert_non_null(root);
	obj = json_node_get_object(root);
	a = json_object_get_array_member(obj, "a");
	assert_int_equal(json_array_get_length(a), 2);
	assert_string_equal(json_array_get_string_element(a, 0), "x");
	assert_string_equal(json_array_get_string_element(a, 1), "y\n\"\\/\b\f\r\t");
	assert_true(json_object_get_int_member(obj, "b") == INT64_MIN);
	assert_true(json_object_get_int_member(obj, "c") == INT64_MAX);
	assert_true(json_object_get_null_member(obj, "d"));
	assert_false(json_object_get_boolean_member(obj, "e"));
	assert_int_equal(json_array_get_length(json_object_get_array_member(obj, "f")), 0);
	assert_int_equal(json_object_get_int_member(obj, "g"), 0);
	assert_string_equal(json_object_get_string_member(obj, "h"), "\xc3\xa9\xe2\x82\xac");

	json_node_unref(root);
	root = flat("{}");
	assert_non_null(root);
	assert_int_equal(json_object_get_size(json_node_get_object(root)), 0);
}

/* Everything outside the flat subset of strict JSON is json-glib's to judge. */
static void test_declines(void **state)
{
	static const char *const lines[] = {
		"",
		"   ",
		"[]",
		"\"cmd\"",
		"{",
		"{\"a\"}",
		"{\"a\":}",
		"{\"a\":1,}",
		"{,\"a\":1}",
		"{\"a\":1 \"b\":2}",
		"{\"a\":1}x",
		"{\"a\":1}{\"b\":2}",
		"{\"a\":1,\"a\":2}",         /* duplicate: json-glib's rule applies */
		"{\"\":1}",                 /* json-glib refuses empty names */
		"{\"a\":01}",
		"{\"a\":-}",
		"{\"a\":+1}",
		"{\"a\":1.5}",
		"{\"a\":1e3}",
		"{\"a\":1E3}",
		"{\"a\":9223372036854775808}",
		"{\"a\":-9223372036854775809}",
		"{\"a\":99999999999999999999}",
		"{\"a\":0x10}",
		"{\"a\":tru}",
		"{\"a\":truex}",
		"{\"a\":nul}",
		"{\"a\":True}",
		"{\"a\":\"\\u0041\"}",
		"{\"a\":\"\\x41\"}",
		"{\"a\":\"\\\"}",
		"{\"a\":\"tab\there\"}",     /* raw control character */
		"{\"a\":\"unterminated}",
		"{\"a\":'x'}",
		"{a:1}",
		"{\"a\":{\"b\":1}}",
		"{\"a\":[1]}",
		"{\"a\":[\"x\",]}",
		"{\"a\":[[\"x\"]]}",
		"{\"a\":1}\f",               /* not a JSON blank */
		"\v{\"a\":1}",
		"{\"a\":1} /* comment */",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
		g_autoptr(JsonNode) root = flat(lines[i]);

		if (root)
			fail_msg("accepted %s", lines[i]);
	}
}

/* Lengths, not terminators, bound the line (server.c hands over a buffer slice). */
static void test_length_bounds_the_line(void **state)
{
	const char *buffer = "{\"a\":1}{\"b\":2}";
	g_autoptr(JsonNode) first = json_flat_parse(buffer, 7);
	g_autoptr(JsonNode) cut = json_flat_parse(buffer, 6);
	g_autoptr(JsonNode) cut_number = json_flat_parse("{\"a\":12}", 6);

	assert_non_null(first);
	assert_false(json_object_has_member(json_node_get_object(first), "b"));
	assert_null(cut);
	assert_null(cut_number);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typical_request),
		cmocka_unit_test(test_every_kind_of_member),
		cmocka_unit_test(test_declines),
		cmocka_unit_test(test_length_bounds_the_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
