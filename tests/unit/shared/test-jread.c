/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-jread.c: the strict reader every JSON line of gattd, its library and gattctl goes through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "shared/jread.h"

static json_t *read_ok(const char *text)
{
	g_autofree char *error = NULL;
	json_t *obj = jread_object(text, strlen(text), &error);

	if (!obj)
		fail_msg("'%s' refused: %s", text, error);
	return obj;
}

static void expect_refused(const char *text, size_t len, const char *needle)
{
	g_autofree char *error = NULL;
	json_t *obj = jread_object(text, len, &error);

	if (obj) {
		json_decref(obj);
		fail_msg("'%s' accepted", text);
	}
	if (!strstr(error, needle))
		fail_msg("'%s': error '%s' lacks '%s'", text, error, needle);
}

#define REFUSED(text, needle) expect_refused(text, strlen(text), needle)

static void test_objects_in_order_with_their_types(void **state)
{
	g_autoptr(json_t) obj = read_ok(" {\"s\":\"\\u00e9\\ud83d\\ude00\",\"i\":-9223372036854775808,\"r\":1e+17,"
	                                "\"t\":true,\"n\":null,\"a\":[1,{\"b\":[]}]}\r\n");
	static const char *const order[] = { "s", "i", "r", "t", "n", "a" };
	const char *name;
	json_t *value;
	size_t k = 0;

	assert_string_equal(jread_string(obj, "s"), "\xc3\xa9\xf0\x9f\x98\x80");
	assert_true(json_is_integer(json_object_get(obj, "i")));
	assert_int_equal(json_integer_value(json_object_get(obj, "i")), G_MININT64);
	assert_true(json_is_real(json_object_get(obj, "r")));
	assert_true(json_is_true(json_object_get(obj, "t")));
	assert_true(json_is_null(json_object_get(obj, "n")));
	assert_null(jread_string(obj, "i"));
	assert_null(jread_string(obj, "missing"));
	assert_null(jread_string(json_object_get(obj, "a"), "b"));
	json_object_foreach(obj, name, value)
		assert_string_equal(name, order[k++]);
	assert_int_equal(k, G_N_ELEMENTS(order));
}

static void test_what_is_not_json_is_refused_with_its_position(void **state)
{
	REFUSED("{'a':1}", "malformed JSON near byte 2");
	REFUSED("{\"a\":0x10}", "malformed JSON");
	REFUSED("{\"a\":01}", "malformed JSON");
	REFUSED("{\"a\":.5}", "malformed JSON");
	REFUSED("{\"a\":-}", "malformed JSON");
	REFUSED("{\"a\":\"\x1b[2J\"}", "malformed JSON");
	REFUSED("{\"a\":1,}", "malformed JSON");
	REFUSED("{\"a\":1", "malformed JSON");
	REFUSED("{\"a\":1} x", "one object per line");
	REFUSED("{\"a\":1}{}", "one object per line");
	REFUSED("{\"a\":\"\xff\"}", "UTF-8");
	REFUSED("[1]", "not a JSON object");
	REFUSED("\"a\"", "not a JSON object");
	REFUSED("", "not a JSON object");
	REFUSED(" \t", "not a JSON object");
	expect_refused("{\"a\":1}\0", 8, "NUL byte at byte 7");
	/* jansson 2.14 reads this one as {"a":1}; found by the json-read fuzz target. */
	expect_refused("{\"a\":1\0\n\r}", 10, "NUL byte at byte 6");
}

static void test_strictness_beyond_the_grammar(void **state)
{
	REFUSED("{\"a\":\"x\\u0000y\"}", "\\u0000");
	REFUSED("{\"a\":1,\"b\":2,\"a\":3}", "appears twice");
	REFUSED("{\"o\":{\"k\":1,\"k\":1}}", "appears twice");
	REFUSED("{\"a\":9223372036854775808}", "fit 64 bits");
	REFUSED("{\"a\":1e400}", "out of range");
}

static void test_depth_is_bounded_before_parsing(void **state)
{
	g_autoptr(GString) ok = g_string_new(NULL);
	g_autoptr(GString) deep = g_string_new(NULL);
	g_autoptr(json_t) obj = NULL;

	for (int i = 0; i < JREAD_MAX_DEPTH; i++)
		g_string_append(ok, i == 0 ? "{\"a\":" : "[");
	g_string_append(ok, "1");
	for (int i = JREAD_MAX_DEPTH - 1; i >= 0; i--)
		g_string_append(ok, i == 0 ? "}" : "]");
	obj = read_ok(ok->str);

	for (int i = 0; i < 1000000; i++)
		g_string_append_c(deep, i % 2 ? '[' : '{');
	expect_refused(deep->str, deep->len, "nested deeper than");

	assert_int_equal(jread_depth("{\"[[[\\\"[[\":[{}]}", 15, 64), 3);
	assert_int_equal(jread_depth("]]]{", 4, 64), 1);
	assert_int_equal(jread_depth("[[[[[[", 6, 2), 3);
}

static void test_dump_is_ascii_and_compact(void **state)
{
	g_autoptr(json_t) obj = read_ok("{\"k\":\"\xc2\x9b" "1m\\u001b]0;x\\u0007\",\"n\":[1, 2.5]}");
	g_autofree char *text = jread_dump(obj);
	g_autofree char *scalar = jread_dump(json_object_get(obj, "n"));

	assert_string_equal(text, "{\"k\":\"\\u009B1m\\u001B]0;x\\u0007\",\"n\":[1,2.5]}");
	assert_string_equal(scalar, "[1,2.5]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objects_in_order_with_their_types),
		cmocka_unit_test(test_what_is_not_json_is_refused_with_its_position),
		cmocka_unit_test(test_strictness_beyond_the_grammar),
		cmocka_unit_test(test_depth_is_bounded_before_parsing),
		cmocka_unit_test(test_dump_is_ascii_and_compact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
