/*
 * test-json-writer.c: the JSON line writer (json-writer.c). json-glib's
 * JsonParser is the oracle: every line written must read back, with
 * json_node_equal(), as the value meant, and with the same JSON types (an
 * integer stays an integer, a float a float).
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json-writer.h"

/*
 * Same JSON types all the way down, and the very same doubles: json_node_equal()
 * takes 2 and 2.0, and 0.0 and -0.0, as equal.
 */
static bool identical(JsonNode *a, JsonNode *b)
{
	if (json_node_get_node_type(a) != json_node_get_node_type(b))
		return false;
	if (JSON_NODE_HOLDS_VALUE(a)) {
		double x, y;

		if (json_node_get_value_type(a) != json_node_get_value_type(b))
			return false;
		if (json_node_get_value_type(a) != G_TYPE_DOUBLE)
			return true;
		x = json_node_get_double(a);
		y = json_node_get_double(b);
		return memcmp(&x, &y, sizeof(x)) == 0;
	}
	if (JSON_NODE_HOLDS_ARRAY(a)) {
		JsonArray *x = json_node_get_array(a), *y = json_node_get_array(b);

		if (json_array_get_length(x) != json_array_get_length(y))
			return false;
		for (guint i = 0; i < json_array_get_length(x); i++)
			if (!identical(json_array_get_element(x, i), json_array_get_element(y, i)))
				return false;
	}
	if (JSON_NODE_HOLDS_OBJECT(a)) {
		JsonObject *x = json_node_get_object(a), *y = json_node_get_object(b);
		g_autoptr(GList) names = json_object_get_members(x);

		for (GList *l = names; l; l = l->next) {
			JsonNode *other = json_object_get_member(y, l->data);

			if (!other || !identical(json_object_get_member(x, l->data), other))
				return false;
		}
	}
	return true;
}

/* line: one line of UTF-8 JSON, newline-terminated, that json-glib reads back as expected. */
static void assert_reads_back(const char *line, JsonNode *expected)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	size_t len = strlen(line);
	JsonNode *root;

	assert_true(len > 0 && line[len - 1] == '\n');
	assert_null(memchr(line, '\n', len - 1));
	assert_true(g_utf8_validate(line, (gssize)len, NULL));
	if (!json_parser_load_from_data(parser, line, (gssize)len - 1, &error))
		fail_msg("json-glib cannot read %s: %s", line, error->message);
	root = json_parser_get_root(parser);
	assert_non_null(root);
	if (!json_node_equal(root, expected) || !identical(root, expected)) {
		g_autoptr(JsonGenerator) gen = json_generator_new();
		g_autofree char *want = NULL;

		json_generator_set_root(gen, expected);
		want = json_generator_to_data(gen, NULL);
		fail_msg("%s reads back as something else than %s", line, want);
	}
}

/* Finish w: the line is text and a newline (unless text is NULL), and reads back as expected. */
static void finish_checked(JsonWriter *w, const char *text, JsonNode *expected)
{
	g_autofree char *line = json_writer_finish(w);

	assert_non_null(line);
	if (text) {
		g_autofree char *want = g_strconcat(text, "\n", NULL);

		assert_string_equal(line, want);
	}
	assert_reads_back(line, expected);
}

static JsonNode *string_node(const char *s)
{
	return json_node_init_string(json_node_alloc(), s);
}

static JsonNode *int_node(gint64 i)
{
	return json_node_init_int(json_node_alloc(), i);
}

static JsonNode *double_node(double d)
{
	return json_node_init_double(json_node_alloc(), d);
}

static JsonNode *parse_node(const char *json)
{
	g_autoptr(JsonParser) parser = json_parser_new();

	assert_true(json_parser_load_from_data(parser, json, -1, NULL));
	return json_node_copy(json_parser_get_root(parser));
}

/* s written as a top-level string: the exact text, and what json-glib reads back. */
static void check_string(const char *s, const char *text, const char *reads_as)
{
	g_autoptr(JsonWriter) w = json_writer_new();
	g_autoptr(JsonNode) expected = string_node(reads_as);

	json_writer_string(w, s);
	finish_checked(w, text, expected);
}

static void test_nesting_and_commas(void **state)
{
	g_autoptr(JsonWriter) w = json_writer_new();
	g_autoptr(JsonNode) expected = parse_node(
		"{\"a\":[1,[],{},[true,null],\"x\"],\"b\":{\"c\":\"d\",\"e\":{\"f\":[[[]]]}},\"g\":[],\"h\":false}");

	json_writer_begin_object(w);
	json_writer_member(w, "a");
	json_writer_begin_array(w);
	json_writer_int(w, 1);
	json_writer_begin_array(w);
	json_writer_end_array(w);
	json_writer_begin_object(w);
	json_writer_end_object(w);
	json_writer_begin_array(w);
	json_writer_bool(w, true);
	json_writer_null(w);
	json_writer_end_array(w);
	json_writer_string(w, "x");
	json_writer_end_array(w);
	json_writer_member(w, "b");
	json_writer_begin_object(w);
	json_writer_member(w, "c");
	json_writer_string(w, "d");
	json_writer_member(w, "e");
	json_writer_begin_object(w);
	json_writer_member(w, "f");
	json_writer_begin_array(w);
	json_writer_begin_array(w);
	json_writer_begin_array(w);
	json_writer_end_array(w);
	json_writer_end_array(w);
	json_writer_end_array(w);
	json_writer_end_object(w);
	json_writer_end_object(w);
	json_writer_member(w, "g");
	json_writer_begin_array(w);
	json_writer_end_array(w);
	json_writer_member(w, "h");
	json_writer_bool(w, false);
	json_writer_end_object(w);
	finish_checked(w,
		"{\"a\":[1,[],{},[true,null],\"x\"],\"b\":{\"c\":\"d\",\"e\":{\"f\":[[[]]]}},\"g\":[],\"h\":false}",
		expected);
}

static void test_empty_object_and_array(void **state)
{
	g_autoptr(JsonWriter) o = json_writer_new();
	g_autoptr(JsonWriter) a = json_writer_new();
	g_autoptr(JsonNode) empty_object = parse_node("{}");
	g_autoptr(JsonNode) empty_array = parse_node("[]");

	json_writer_begin_object(o);
	json_writer_end_object(o);
	finish_checked(o, "{}", empty_object);
	json_writer_begin_array(a);
	json_writer_end_array(a);
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
	/* DEL: allowed raw in JSON, escaped as json-glib did. */
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
	g_autoptr(JsonWriter) w = json_writer_new();
	g_autoptr(JsonNode) expected = parse_node("{\"a\\\"b\\n\":1,\"\\u00e9\":2}");

	json_writer_begin_object(w);
	json_writer_member(w, "a\"b\n");
	json_writer_int(w, 1);
	json_writer_member(w, "\xc3\xa9");
	json_writer_int(w, 2);
	json_writer_end_object(w);
	finish_checked(w, "{\"a\\\"b\\n\":1,\"\xc3\xa9\":2}", expected);
}

static void test_null_string_writes_null(void **state)
{
	g_autoptr(JsonWriter) w = json_writer_new();
	g_autoptr(JsonNode) expected = parse_node("{\"device\":null}");

	json_writer_begin_object(w);
	json_writer_member(w, "device");
	json_writer_string(w, NULL);
	json_writer_end_object(w);
	finish_checked(w, "{\"device\":null}", expected);
}

static void check_int(gint64 i, const char *text)
{
	g_autoptr(JsonWriter) w = json_writer_new();
	g_autoptr(JsonNode) expected = int_node(i);

	json_writer_int(w, i);
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
	g_autoptr(JsonWriter) w = json_writer_new();
	g_autoptr(JsonNode) expected = double_node(d);

	json_writer_double(w, d);
	finish_checked(w, text, expected);
}

static void test_doubles_round_trip_exactly(void **state)
{
	check_double(0.1, "0.10000000000000001");
	/* json-glib 1.6 wrote "1e+17.0", which is not JSON. */
	check_double(1e17, "1e+17");
	check_double(-0.0, "-0.0");
	check_double(0.0, "0.0");
	/* Whole numbers keep a ".0", so that clients read a float, as json-glib wrote them. */
	check_double(2.0, "2.0");
	check_double(-1.5, "-1.5");
	check_double(5e-324, "4.9406564584124654e-324");
	check_double(DBL_MAX, "1.7976931348623157e+308");
	check_double(-DBL_MAX, "-1.7976931348623157e+308");
	check_double(DBL_MIN, NULL);
	check_double(1e-5, "1.0000000000000001e-05");
	check_double(123456789012345678.0, NULL);
	check_double(1.0 / 3.0, NULL);
}

static void test_non_finite_doubles_are_written_as_null(void **state)
{
	const double values[] = { NAN, INFINITY, -INFINITY };

	for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
		g_autoptr(JsonWriter) w = json_writer_new();
		g_autoptr(JsonNode) expected = json_node_init_null(json_node_alloc());

		json_writer_double(w, values[i]);
		finish_checked(w, "null", expected);
	}
}

/* An id as a request carries it, echoed with json_writer_node(). */
static void check_id(const char *request, const char *text)
{
	g_autoptr(JsonNode) root = parse_node(request);
	JsonNode *id = json_object_get_member(json_node_get_object(root), "id");
	g_autoptr(JsonWriter) w = json_writer_new();

	json_writer_begin_object(w);
	json_writer_member(w, "id");
	json_writer_node(w, id);
	json_writer_end_object(w);
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
	check_id("{\"id\":1e17}", "{\"id\":1e+17}");
	check_id("{\"id\":-0.0}", "{\"id\":-0.0}");
	check_id("{\"id\":true}", "{\"id\":true}");
	check_id("{\"id\":false}", "{\"id\":false}");
	check_id("{\"id\":null}", "{\"id\":null}");
}

static void test_absent_id_is_null(void **state)
{
	g_autoptr(JsonWriter) w = json_writer_new();
	g_autoptr(JsonNode) expected = parse_node("{\"id\":null,\"ok\":true}");

	json_writer_begin_object(w);
	json_writer_member(w, "id");
	json_writer_node(w, NULL);
	json_writer_member(w, "ok");
	json_writer_bool(w, true);
	json_writer_end_object(w);
	finish_checked(w, "{\"id\":null,\"ok\":true}", expected);
}

/* Writes node (any JSON value) with the writer, as gattd's call sites do. */
static void write_tree(JsonWriter *w, JsonNode *node)
{
	if (JSON_NODE_HOLDS_OBJECT(node)) {
		JsonObject *obj = json_node_get_object(node);
		g_autoptr(GList) names = json_object_get_members(obj);

		json_writer_begin_object(w);
		for (GList *l = names; l; l = l->next) {
			json_writer_member(w, l->data);
			write_tree(w, json_object_get_member(obj, l->data));
		}
		json_writer_end_object(w);
	} else if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *array = json_node_get_array(node);

		json_writer_begin_array(w);
		for (guint i = 0; i < json_array_get_length(array); i++)
			write_tree(w, json_array_get_element(array, i));
		json_writer_end_array(w);
	} else {
		json_writer_node(w, node);
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

static void build_random(JsonBuilder *b, GRand *rand, int depth)
{
	int kind = g_rand_int_range(rand, 0, depth < 4 ? 8 : 6);
	int n;

	switch (kind) {
	case 0: {
		g_autofree char *s = random_string(rand);

		json_builder_add_string_value(b, s);
		break;
	}
	case 1:
		json_builder_add_int_value(b, (gint64)((guint64)g_rand_int(rand) << 32 | g_rand_int(rand)));
		break;
	case 2:
		json_builder_add_double_value(b, random_double(rand));
		break;
	case 3:
		json_builder_add_boolean_value(b, g_rand_boolean(rand));
		break;
	case 4:
		json_builder_add_null_value(b);
		break;
	case 5:
		json_builder_add_int_value(b, g_rand_int_range(rand, -1000, 1000));
		break;
	case 6:
		json_builder_begin_array(b);
		n = g_rand_int_range(rand, 0, 5);
		for (int i = 0; i < n; i++)
			build_random(b, rand, depth + 1);
		json_builder_end_array(b);
		break;
	default:
		json_builder_begin_object(b);
		n = g_rand_int_range(rand, 0, 5);
		for (int i = 0; i < n; i++) {
			/* Unique names: json-glib keeps one member per name. */
			g_autofree char *s = random_string(rand);
			g_autofree char *name = g_strdup_printf("%d%s", i, s);

			json_builder_set_member_name(b, name);
			build_random(b, rand, depth + 1);
		}
		json_builder_end_object(b);
		break;
	}
}

static void test_random_trees_read_back_equal(void **state)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(20240611);

	for (int round = 0; round < 2000; round++) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) tree = NULL;
		g_autoptr(JsonWriter) w = json_writer_new();
		g_autofree char *line = NULL;

		json_builder_begin_array(b);
		build_random(b, rand, 0);
		json_builder_end_array(b);
		tree = json_builder_get_root(b);
		write_tree(w, tree);
		line = json_writer_finish(w);
		assert_reads_back(line, tree);
	}
}

static void test_finish_gives_one_line_and_spends_the_writer(void **state)
{
	JsonWriter *w = json_writer_new();
	g_autofree char *line = NULL;

	json_writer_begin_object(w);
	json_writer_end_object(w);
	line = json_writer_finish(w);
	assert_string_equal(line, "{}\n");
	json_writer_free(w);
	json_writer_free(NULL);
}

static unsigned criticals;

static void count_criticals(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
	if (level & G_LOG_LEVEL_CRITICAL)
		criticals++;
}

static void test_calls_out_of_order_are_refused_not_written(void **state)
{
	g_autoptr(JsonWriter) w = json_writer_new();
	g_autoptr(JsonNode) expected = parse_node("{\"a\":[1]}");
	GLogFunc old = g_log_set_default_handler(count_criticals, NULL);

	criticals = 0;
	json_writer_begin_object(w);
	json_writer_int(w, 1);          /* a value without a member name */
	json_writer_member(w, "a");
	json_writer_member(w, "b");     /* a second name before the value */
	json_writer_begin_array(w);
	json_writer_member(w, "c");     /* a member name in an array */
	json_writer_int(w, 1);
	json_writer_end_object(w);      /* closes an array */
	json_writer_end_array(w);
	json_writer_end_object(w);
	json_writer_end_object(w);      /* nothing open */
	json_writer_int(w, 2);          /* a second value at the top level */
	g_log_set_default_handler(old, NULL);
	assert_int_equal(criticals, 6);
	finish_checked(w, "{\"a\":[1]}", expected);
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
		cmocka_unit_test(test_non_finite_doubles_are_written_as_null),
		cmocka_unit_test(test_ids_of_every_scalar_type_are_echoed),
		cmocka_unit_test(test_absent_id_is_null),
		cmocka_unit_test(test_random_trees_read_back_equal),
		cmocka_unit_test(test_finish_gives_one_line_and_spends_the_writer),
		cmocka_unit_test(test_calls_out_of_order_are_refused_not_written),
	};

	return cmocka_run_group_tests_name("json-writer", tests, NULL, NULL);
}
