/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-jwrite.c: the JSON line writer (shared/jwrite.c). jansson is the
 * oracle, in its strict mode (json_loadb() with JSON_REJECT_DUPLICATES): every
 * line written must read back as the value meant, with the same JSON types (an
 * integer stays an integer, a real a real), the very same doubles, and object
 * members in the order they were written. A line holding an object must also
 * pass jread_object() (shared/jread.h), the reader of gattd's clients.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shared/jread.h"
#include "shared/jwrite.h"

/*
 * Same JSON types all the way down, the very same doubles, and object members
 * in the same order: json_equal() takes 0.0 and -0.0 as equal and ignores the
 * order of members.
 */
static bool identical(const json_t *a, const json_t *b)
{
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_REAL: {
		double x = json_real_value(a), y = json_real_value(b);

		return memcmp(&x, &y, sizeof(x)) == 0;
	}
	case JSON_INTEGER:
		return json_integer_value(a) == json_integer_value(b);
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!identical(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	case JSON_OBJECT: {
		/* jansson keeps members in the order they were added or read. */
		void *x = json_object_iter((json_t *)a), *y = json_object_iter((json_t *)b);

		if (json_object_size(a) != json_object_size(b))
			return false;
		for (; x && y; x = json_object_iter_next((json_t *)a, x), y = json_object_iter_next((json_t *)b, y))
			if (strcmp(json_object_iter_key(x), json_object_iter_key(y)) != 0 ||
			    !identical(json_object_iter_value(x), json_object_iter_value(y)))
				return false;
		return !x && !y;
	}
	default: /* true, false, null */
		return true;
	}
}

/* What a reference value looks like, for failure messages. */
static char *dump(const json_t *value)
{
	char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
	char *copy = g_strdup(text ? text : "(nothing)");

	free(text);
	return copy;
}

/* line: one line of UTF-8 JSON, newline-terminated, that jansson reads back as expected. */
static void assert_reads_back(const char *line, const json_t *expected)
{
	g_autoptr(json_t) root = NULL;
	json_error_t error;
	size_t len = strlen(line);

	assert_true(len > 0 && line[len - 1] == '\n');
	assert_null(memchr(line, '\n', len - 1));
	assert_true(g_utf8_validate(line, (gssize)len, NULL));
	root = json_loadb(line, len - 1, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);
	if (!root)
		fail_msg("jansson cannot read %s: %s at byte %d", line, error.text, error.position);
	if (!json_equal(root, expected) || !identical(root, expected)) {
		g_autofree char *want = dump(expected);

		fail_msg("%s reads back as something else than %s", line, want);
	}
	if (json_is_object(expected)) {
		g_autofree char *why = NULL;
		g_autoptr(json_t) object = jread_object(line, len - 1, &why);

		if (!object)
			fail_msg("jread_object() refuses %s: %s", line, why);
		assert_true(identical(object, expected));
	}
}

/* Finish w: the line is text and a newline (unless text is NULL), and reads back as expected. */
static void finish_checked(JWriter *w, const char *text, const json_t *expected)
{
	g_autofree char *line = jwrite_finish(w);

	assert_non_null(line);
	if (text) {
		g_autofree char *want = g_strconcat(text, "\n", NULL);

		assert_string_equal(line, want);
	}
	assert_reads_back(line, expected);
}

/* Reference values are built by jansson: it must have made them. */
static json_t *made(json_t *value)
{
	assert_non_null(value);
	return value;
}

static json_t *parse_value(const char *json)
{
	json_error_t error;
	json_t *value = json_loads(json, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);

	if (!value)
		fail_msg("jansson cannot read the reference %s: %s", json, error.text);
	return value;
}

/* s written as a top-level string: the exact text, and what jansson reads back. */
static void check_string(const char *s, const char *text, const char *reads_as)
{
	g_autoptr(JWriter) w = jwrite_new();
	g_autoptr(json_t) expected = made(json_string(reads_as));

	jwrite_string(w, s);
	finish_checked(w, text, expected);
}

static void test_nesting_and_commas(void **state)
{
	g_autoptr(JWriter) w = jwrite_new();
	g_autoptr(json_t) expected = parse_value(
		"{\"a\":[1,[],{},[true,null],\"x\"],\"b\":{\"c\":\"d\",\"e\":{\"f\":[[[]]]}},\"g\":[],\"h\":false}");

	jwrite_begin_object(w);
	jwrite_member(w, "a");
	jwrite_begin_array(w);
	jwrite_int(w, 1);
	jwrite_begin_array(w);
	jwrite_end_array(w);
	jwrite_begin_object(w);
	jwrite_end_object(w);
	jwrite_begin_array(w);
	jwrite_bool(w, true);
	jwrite_null(w);
	jwrite_end_array(w);
	jwrite_string(w, "x");
	jwrite_end_array(w);
	jwrite_member(w, "b");
	jwrite_begin_object(w);
	jwrite_member(w, "c");
	jwrite_string(w, "d");
	jwrite_member(w, "e");
	jwrite_begin_object(w);
	jwrite_member(w, "f");
	jwrite_begin_array(w);
	jwrite_begin_array(w);
	jwrite_begin_array(w);
	jwrite_end_array(w);
	jwrite_end_array(w);
	jwrite_end_array(w);
	jwrite_end_object(w);
	jwrite_end_object(w);
	jwrite_member(w, "g");
	jwrite_begin_array(w);
	jwrite_end_array(w);
	jwrite_member(w, "h");
	jwrite_bool(w, false);
	jwrite_end_object(w);
	finish_checked(w,
		"{\"a\":[1,[],{},[true,null],\"x\"],\"b\":{\"c\":\"d\",\"e\":{\"f\":[[[]]]}},\"g\":[],\"h\":false}",
		expected);
}

static void test_empty_object_and_array(void **state)
{
	g_autoptr(JWriter) o = jwrite_new();
	g_autoptr(JWriter) a = jwrite_new();
	g_autoptr(json_t) empty_object = parse_value("{}");
	g_autoptr(json_t) empty_array = parse_value("[]");

	jwrite_begin_object(o);
	jwrite_end_object(o);
	finish_checked(o, "{}", empty_object);
	jwrite_begin_array(a);
	jwrite_end_array(a);
	finish_checked(a, "[]", empty_array);
}

static void test_every_control_character_is_escaped(void **state)
{
	g_autoptr(GString) input = g_string_new(NULL);
	g_autoptr(GString) text = g_string_new("\"");

	for (int c = 0x01; c < 0x20; c++) {
		g_string_append_c(input, (char)c);
		switch (c) {
		case '\b': g_string_append(text, "\\b"); break;
		case '\f': g_string_append(text, "\\f"); break;
		case '\n': g_string_append(text, "\\n"); break;
		case '\r': g_string_append(text, "\\r"); break;
		case '\t': g_string_append(text, "\\t"); break;
		default: g_string_append_printf(text, "\\u%04x", (unsigned)c); break;
		}
	}
	/* DEL: allowed raw in JSON, escaped all the same (shared/jwrite.h). */
	g_string_append_c(input, 0x7f);
	g_string_append(text, "\\u007f\"");
	check_string(input->str, text->str, input->str);
}

static void test_control_characters_alone_and_between_text(void **state)
{
	check_string("\x1f", "\"\\u001f\"", "\x1f");
	check_string("a\nb", "\"a\\nb\"", "a\nb");
	check_string("\x01x\x02", "\"\\u0001x\\u0002\"", "\x01x\x02");
	check_string("", "\"\"", "");
}

static void test_quotes_backslash_and_non_ascii(void **state)
{
	check_string("\"", "\"\\\"\"", "\"");
	check_string("\\", "\"\\\\\"", "\\");
	check_string("say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\"", "say \"hi\" \\o/");
	/* Non-ASCII is copied as it is: é, €, U+2028, an emoji. */
	check_string("\xc3\xa9\xe2\x82\xac\xe2\x80\xa8\xf0\x9f\x98\x80", "\"\xc3\xa9\xe2\x82\xac\xe2\x80\xa8\xf0\x9f\x98\x80\"",
	             "\xc3\xa9\xe2\x82\xac\xe2\x80\xa8\xf0\x9f\x98\x80");
}

static void test_invalid_utf8_is_replaced_not_written(void **state)
{
	/* A lone continuation byte, a 0xff, a cut-short sequence at the end. */
	check_string("a\x80" "b\xff" "c\xc3", "\"a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\"",
	             "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd");
	/* An overlong '"' must not come out as a quote. */
	check_string("\xc0\xa2", "\"\xef\xbf\xbd\xef\xbf\xbd\"", "\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_member_names_are_escaped(void **state)
{
	g_autoptr(JWriter) w = jwrite_new();
	g_autoptr(json_t) expected = parse_value("{\"a\\\"b\\n\":1,\"\\u00e9\":2}");

	jwrite_begin_object(w);
	jwrite_member(w, "a\"b\n");
	jwrite_int(w, 1);
	jwrite_member(w, "\xc3\xa9");
	jwrite_int(w, 2);
	jwrite_end_object(w);
	finish_checked(w, "{\"a\\\"b\\n\":1,\"\xc3\xa9\":2}", expected);
}

static void test_null_string_writes_null(void **state)
{
	g_autoptr(JWriter) w = jwrite_new();
	g_autoptr(json_t) expected = parse_value("{\"device\":null}");

	jwrite_begin_object(w);
	jwrite_member(w, "device");
	jwrite_string(w, NULL);
	jwrite_end_object(w);
	finish_checked(w, "{\"device\":null}", expected);
}

static void check_int(gint64 i, const char *text)
{
	g_autoptr(JWriter) w = jwrite_new();
	g_autoptr(json_t) expected = made(json_integer(i));

	jwrite_int(w, i);
	finish_checked(w, text, expected);
}

static void test_integers_to_the_64_bit_limits(void **state)
{
	check_int(0, "0");
	check_int(7, "7");
	check_int(-1, "-1");
	check_int(1000000, "1000000");
	check_int(G_MAXINT64, "9223372036854775807");
	check_int(G_MININT64, "-9223372036854775808");
	check_int(G_MININT64 + 1, "-9223372036854775807");
}

/* d written alone reads back as the very same double (sign of zero included). */
static void check_double(double d, const char *text)
{
	g_autoptr(JWriter) w = jwrite_new();
	g_autoptr(json_t) expected = made(json_real(d));

	jwrite_double(w, d);
	finish_checked(w, text, expected);
}

static void test_doubles_round_trip_exactly(void **state)
{
	check_double(0.1, "0.10000000000000001");
	check_double(-0.0, "-0.0");
	check_double(0.0, "0.0");
	/* Whole numbers get a ".0", so that clients read a float (a JSON real), not an integer. */
	check_double(2.0, "2.0");
	check_double(-3.0, "-3.0");
	check_double(1e16, "10000000000000000.0");
	/*
	 * ...and only those "%.17g" writes without '.' or exponent: one with an
	 * exponent is a real already, and "1e+17.0" would not be JSON.
	 */
	check_double(1e17, "1e+17");
	check_double(-1e17, "-1e+17");
	check_double(1e21, "1e+21");
	check_double(123456789012345678.0, "1.2345678901234568e+17");
	check_double(-1.5, "-1.5");
	check_double(5e-324, "4.9406564584124654e-324");
	check_double(DBL_MAX, "1.7976931348623157e+308");
	check_double(-DBL_MAX, "-1.7976931348623157e+308");
	check_double(DBL_MIN, "2.2250738585072014e-308");
	check_double(1e-5, "1.0000000000000001e-05");
	check_double(1.0 / 3.0, "0.33333333333333331");
}

/* Every written double reads back as a real with the same bits: "%.17g" is exact. */
static void test_doubles_of_every_magnitude_read_back_as_the_same_real(void **state)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(20261125);
	double d;

	/* Whole numbers and powers of two, up to the largest; powers of ten, to the smallest. */
	for (d = 1.0; isfinite(d); d *= 2.0) {
		check_double(d, NULL);
		check_double(-d, NULL);
		check_double(d - 1.0, NULL);
		check_double(d + 1.0, NULL);
	}
	for (d = 1.0; d > 0.0; d /= 2.0)
		check_double(d, NULL);
	for (int e = -323; e <= 308; e++) {
		g_autofree char *text = g_strdup_printf("1e%d", e);

		check_double(g_ascii_strtod(text, NULL), NULL);
		check_double(-g_ascii_strtod(text, NULL), NULL);
	}
	/* Random bit patterns: every exponent, subnormals included. */
	for (int i = 0; i < 20000; i++) {
		guint64 bits = (guint64)g_rand_int(rand) << 32 | g_rand_int(rand);

		memcpy(&d, &bits, sizeof(d));
		if (isfinite(d))
			check_double(d, NULL);
	}
}

static void test_non_finite_doubles_are_written_as_null(void **state)
{
	const double values[] = { NAN, INFINITY, -INFINITY };

	for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
		g_autoptr(JWriter) w = jwrite_new();
		g_autoptr(json_t) expected = json_null();

		jwrite_double(w, values[i]);
		finish_checked(w, "null", expected);
	}
}

/* An id as a request carries it (read by jread_object(), as gattd does), echoed with jwrite_node(). */
static void check_id(const char *request, const char *text)
{
	g_autofree char *why = NULL;
	g_autoptr(json_t) root = jread_object(request, strlen(request), &why);
	json_t *id;
	g_autoptr(JWriter) w = jwrite_new();

	if (!root)
		fail_msg("jread_object() refuses %s: %s", request, why);
	id = json_object_get(root, "id");
	assert_non_null(id);

	jwrite_begin_object(w);
	jwrite_member(w, "id");
	jwrite_node(w, id);
	jwrite_end_object(w);
	finish_checked(w, text, root);
}

static void test_ids_of_every_scalar_type_are_echoed(void **state)
{
	check_id("{\"id\":\"abc\"}", "{\"id\":\"abc\"}");
	check_id("{\"id\":\"tab\\there \\u00e9 \\ud83d\\ude00\"}", "{\"id\":\"tab\\there \xc3\xa9 \xf0\x9f\x98\x80\"}");
	check_id("{\"id\":17}", "{\"id\":17}");
	check_id("{\"id\":-9223372036854775808}", "{\"id\":-9223372036854775808}");
	check_id("{\"id\":9223372036854775807}", "{\"id\":9223372036854775807}");
	check_id("{\"id\":2.5}", "{\"id\":2.5}");
	check_id("{\"id\":3.0}", "{\"id\":3.0}");
	check_id("{\"id\":1.5E3}", "{\"id\":1500.0}");
	check_id("{\"id\":1e17}", "{\"id\":1e+17}");
	check_id("{\"id\":-0.0}", "{\"id\":-0.0}");
	/* An integer stays one: -0 is the integer 0. */
	check_id("{\"id\":-0}", "{\"id\":0}");
	check_id("{\"id\":true}", "{\"id\":true}");
	check_id("{\"id\":false}", "{\"id\":false}");
	check_id("{\"id\":null}", "{\"id\":null}");
}

static void test_absent_id_is_null(void **state)
{
	g_autoptr(JWriter) w = jwrite_new();
	g_autoptr(json_t) expected = parse_value("{\"id\":null,\"ok\":true}");

	jwrite_begin_object(w);
	jwrite_member(w, "id");
	jwrite_node(w, NULL);
	jwrite_member(w, "ok");
	jwrite_bool(w, true);
	jwrite_end_object(w);
	finish_checked(w, "{\"id\":null,\"ok\":true}", expected);
}

/* Writes value (any JSON value) with the writer, as gattd's call sites do, members in their order. */
static void write_tree(JWriter *w, const json_t *value)
{
	const char *name;
	json_t *member;
	size_t i;

	switch (json_typeof(value)) {
	case JSON_OBJECT:
		jwrite_begin_object(w);
		json_object_foreach ((json_t *)value, name, member) {
			jwrite_member(w, name);
			write_tree(w, member);
		}
		jwrite_end_object(w);
		break;
	case JSON_ARRAY:
		jwrite_begin_array(w);
		for (i = 0; i < json_array_size(value); i++)
			write_tree(w, json_array_get(value, i));
		jwrite_end_array(w);
		break;
	default:
		jwrite_node(w, value);
		break;
	}
}

/* A random string of ASCII, control characters, quotes, backslashes and multi-byte UTF-8. */
static char *random_string(GRand *rand)
{
	static const char *const pieces[] = { "a", "Z", " ", "\"", "\\", "/", "\n", "\x01", "\x1f", "\x7f",
	                                      "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xe2\x80\xa8" };
	GString *s = g_string_new(NULL);
	int n = g_rand_int_range(rand, 0, 8);

	for (int i = 0; i < n; i++)
		g_string_append(s, pieces[g_rand_int_range(rand, 0, G_N_ELEMENTS(pieces))]);
	return g_string_free(s, FALSE);
}

static double random_double(GRand *rand)
{
	guint64 bits = (guint64)g_rand_int(rand) << 32 | g_rand_int(rand);
	double d;

	memcpy(&d, &bits, sizeof(d));
	return isfinite(d) ? d : g_rand_double_range(rand, -1e6, 1e6);
}

static json_t *build_random(GRand *rand, int depth)
{
	int kind = g_rand_int_range(rand, 0, depth < 4 ? 8 : 6);
	json_t *value;
	int n;

	switch (kind) {
	case 0: {
		g_autofree char *s = random_string(rand);

		return made(json_string(s));
	}
	case 1:
		return made(json_integer((json_int_t)((guint64)g_rand_int(rand) << 32 | g_rand_int(rand))));
	case 2:
		return made(json_real(random_double(rand)));
	case 3:
		return json_boolean(g_rand_boolean(rand));
	case 4:
		return json_null();
	case 5:
		return made(json_integer(g_rand_int_range(rand, -1000, 1000)));
	case 6:
		value = made(json_array());
		n = g_rand_int_range(rand, 0, 5);
		for (int i = 0; i < n; i++)
			assert_int_equal(json_array_append_new(value, build_random(rand, depth + 1)), 0);
		return value;
	default:
		value = made(json_object());
		n = g_rand_int_range(rand, 0, 5);
		for (int i = 0; i < n; i++) {
			/* Unique names: a jansson object holds one member per name, and the oracle refuses a name twice. */
			g_autofree char *s = random_string(rand);
			g_autofree char *name = g_strdup_printf("%d%s", i, s);

			assert_int_equal(json_object_set_new(value, name, build_random(rand, depth + 1)), 0);
		}
		return value;
	}
}

static void test_random_trees_read_back_equal(void **state)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(20240611);

	for (int round = 0; round < 2000; round++) {
		g_autoptr(json_t) tree = made(json_array());
		g_autoptr(JWriter) w = jwrite_new();
		g_autofree char *line = NULL;

		assert_int_equal(json_array_append_new(tree, build_random(rand, 0)), 0);
		write_tree(w, tree);
		line = jwrite_finish(w);
		assert_reads_back(line, tree);
	}
}

static void test_finish_gives_one_line_and_spends_the_writer(void **state)
{
	JWriter *w = jwrite_new();
	g_autofree char *line = NULL;

	jwrite_begin_object(w);
	jwrite_end_object(w);
	line = jwrite_finish(w);
	assert_string_equal(line, "{}\n");
	jwrite_free(w);
	jwrite_free(NULL);
}

static unsigned criticals;

static void count_criticals(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
	if (level & G_LOG_LEVEL_CRITICAL)
		criticals++;
}

static void test_calls_out_of_order_are_refused_not_written(void **state)
{
	g_autoptr(JWriter) w = jwrite_new();
	g_autoptr(json_t) expected = parse_value("{\"a\":[1]}");
	GLogFunc old = g_log_set_default_handler(count_criticals, NULL);

	criticals = 0;
	jwrite_begin_object(w);
	jwrite_int(w, 1);          /* a value without a member name */
	jwrite_member(w, "a");
	jwrite_member(w, "b");     /* a second name before the value */
	jwrite_begin_array(w);
	jwrite_member(w, "c");     /* a member name in an array */
	jwrite_int(w, 1);
	jwrite_end_object(w);      /* closes an array */
	jwrite_end_array(w);
	jwrite_end_object(w);
	jwrite_end_object(w);      /* nothing open */
	jwrite_int(w, 2);          /* a second value at the top level */
	g_log_set_default_handler(old, NULL);
	assert_int_equal(criticals, 6);
	finish_checked(w, "{\"a\":[1]}", expected);
}

static void test_node_that_is_not_a_scalar_is_refused_and_written_as_null(void **state)
{
	g_autoptr(JWriter) w = jwrite_new();
	g_autoptr(json_t) object = parse_value("{\"a\":1}");
	g_autoptr(json_t) array = parse_value("[1]");
	g_autoptr(json_t) expected = parse_value("{\"object\":null,\"array\":null}");
	GLogFunc old = g_log_set_default_handler(count_criticals, NULL);

	criticals = 0;
	jwrite_begin_object(w);
	jwrite_member(w, "object");
	jwrite_node(w, object);
	jwrite_member(w, "array");
	jwrite_node(w, array);
	jwrite_end_object(w);
	g_log_set_default_handler(old, NULL);
	assert_int_equal(criticals, 2);
	finish_checked(w, "{\"object\":null,\"array\":null}", expected);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting_and_commas),
		cmocka_unit_test(test_empty_object_and_array),
		cmocka_unit_test(test_every_control_character_is_escaped),
		cmocka_unit_test(test_control_characters_alone_and_between_text),
		cmocka_unit_test(test_quotes_backslash_and_non_ascii),
		cmocka_unit_test(test_invalid_utf8_is_replaced_not_written),
		cmocka_unit_test(test_member_names_are_escaped),
		cmocka_unit_test(test_null_string_writes_null),
		cmocka_unit_test(test_integers_to_the_64_bit_limits),
		cmocka_unit_test(test_doubles_round_trip_exactly),
		cmocka_unit_test(test_doubles_of_every_magnitude_read_back_as_the_same_real),
		cmocka_unit_test(test_non_finite_doubles_are_written_as_null),
		cmocka_unit_test(test_ids_of_every_scalar_type_are_echoed),
		cmocka_unit_test(test_absent_id_is_null),
		cmocka_unit_test(test_random_trees_read_back_equal),
		cmocka_unit_test(test_finish_gives_one_line_and_spends_the_writer),
		cmocka_unit_test(test_calls_out_of_order_are_refused_not_written),
		cmocka_unit_test(test_node_that_is_not_a_scalar_is_refused_and_written_as_null),
	};

	return cmocka_run_group_tests_name("json-writer", tests, NULL, NULL);
}
