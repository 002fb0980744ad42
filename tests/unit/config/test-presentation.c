/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-presentation.c: the 0x2904 value (config/presentation.h): the SIG format of
 * each Type=, Unit= by name or number, the seven bytes, and what --check-config
 * says of a value. The loader's rules (where the descriptor goes, clashes) are in
 * test-config.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/presentation.h"

static void assert_value(GBytes *value, const char *expected_hex)
{
	g_autofree char *hex = value_to_hex(g_bytes_get_data(value, NULL), g_bytes_get_size(value));

	assert_string_equal(hex, expected_hex);
	g_bytes_unref(value);
}

static void test_every_type_but_hex_has_a_format(void **state)
{
	static const struct {
		ValueType type;
		uint8_t format;
	} expected[] = {
		{ VALUE_TYPE_BOOL, 0x01 }, { VALUE_TYPE_U8, 0x04 },  { VALUE_TYPE_U16, 0x06 }, { VALUE_TYPE_U32, 0x08 },
		{ VALUE_TYPE_U64, 0x0a },  { VALUE_TYPE_I8, 0x0c },  { VALUE_TYPE_I16, 0x0e }, { VALUE_TYPE_I32, 0x10 },
		{ VALUE_TYPE_I64, 0x12 },  { VALUE_TYPE_F32, 0x14 }, { VALUE_TYPE_F64, 0x15 }, { VALUE_TYPE_UTF8, 0x19 },
	};
	uint8_t format = 0xee;

	for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
		assert_true(config_presentation_format(expected[i].type, &format));
		assert_int_equal(format, expected[i].format);
	}
	format = 0xee;
	assert_false(config_presentation_format(VALUE_TYPE_HEX, &format));
	assert_int_equal(format, 0xee);
	assert_false(config_presentation_format((ValueType) 99, &format));
}

static void test_which_types_take_unit_and_exponent(void **state)
{
	assert_true(config_presentation_takes_exponent(VALUE_TYPE_U8));
	assert_true(config_presentation_takes_exponent(VALUE_TYPE_I64));
	assert_false(config_presentation_takes_exponent(VALUE_TYPE_F32));
	assert_false(config_presentation_takes_exponent(VALUE_TYPE_BOOL));
	assert_false(config_presentation_takes_exponent(VALUE_TYPE_UTF8));
	assert_false(config_presentation_takes_exponent(VALUE_TYPE_HEX));
	assert_true(config_presentation_takes_unit(VALUE_TYPE_U16));
	assert_true(config_presentation_takes_unit(VALUE_TYPE_F64));
	assert_false(config_presentation_takes_unit(VALUE_TYPE_BOOL));
	assert_false(config_presentation_takes_unit(VALUE_TYPE_UTF8));
	assert_false(config_presentation_takes_unit(VALUE_TYPE_HEX));
}

static void test_units_by_name_and_number(void **state)
{
	g_autofree char *names = config_unit_names_joined();
	g_auto(GStrv) list = g_strsplit(names, ", ", -1);
	uint16_t unit = 0;
	char *error = NULL;

	assert_true(config_unit_parse("celsius", &unit, &error));
	assert_int_equal(unit, 0x272f);
	assert_true(config_unit_parse("PERCENT", &unit, &error));
	assert_int_equal(unit, 0x27ad);
	assert_true(config_unit_parse("meter", &unit, &error));
	assert_int_equal(unit, 0x2701);
	assert_true(config_unit_parse("0x27C4", &unit, &error));
	assert_int_equal(unit, 0x27c4);
	assert_true(config_unit_parse("10031", &unit, &error)); /* 0x272f in decimal */
	assert_int_equal(unit, 0x272f);
	assert_true(config_unit_parse("0x27ff", &unit, &error));
	assert_int_equal(unit, 0x27ff);
	assert_null(error);

	/* Every name in the list parses, and its number's name parses to the same number. */
	assert_true(g_strv_length(list) > 40);
	for (size_t i = 0; list[i]; i++) {
		uint16_t again = 0;

		assert_true(config_unit_parse(list[i], &unit, &error));
		assert_non_null(config_unit_name(unit));
		assert_true(config_unit_parse(config_unit_name(unit), &again, &error));
		assert_int_equal(again, unit);
	}
	assert_string_equal(config_unit_name(0x2700), "unitless");
	assert_string_equal(config_unit_name(0x2701), "metre"); /* the first of its names */
	assert_null(config_unit_name(0x27fe));
}

static void test_bad_units_say_why(void **state)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{ "furlong", "unknown unit 'furlong' (a name such as celsius, percent, volt, or the SIG's number "
		             "0x2700-0x27FF)" },
		{ "", "unknown unit ''" },
		{ "0x26ff", "0x26ff is not a unit: the SIG's units are 0x2700-0x27FF" },
		{ "0x2800", "0x2800 is not a unit: the SIG's units are 0x2700-0x27FF" },
		{ "272F", "'272F' is not a unit number (0x2700-0x27FF)" },
		{ "0x", "'0x' is not a unit number (0x2700-0x27FF)" },
		{ "0x-1", "'0x-1' is not a unit number (0x2700-0x27FF)" },
		{ "99999999999999999999999", "'99999999999999999999999' is not a unit number (0x2700-0x27FF)" },
		{ "0x272f ", "'0x272f ' is not a unit number (0x2700-0x27FF)" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		uint16_t unit = 0x1234;
		g_autofree char *error = NULL;

		assert_false(config_unit_parse(cases[i].text, &unit, &error));
		assert_int_equal(unit, 0x1234);
		assert_non_null(error);
		if (!strstr(error, cases[i].message))
			fail_msg("'%s': '%s' does not say '%s'", cases[i].text, error, cases[i].message);
	}
}

static void test_value_is_seven_little_endian_bytes(void **state)
{
	assert_value(config_presentation_value(VALUE_TYPE_I16, -2, 0x272f), "0efe2f27010000");
	assert_value(config_presentation_value(VALUE_TYPE_U8, 0, CONFIG_UNIT_UNITLESS), "04000027010000");
	assert_value(config_presentation_value(VALUE_TYPE_U32, 127, 0x27ad), "087fad27010000");
	assert_value(config_presentation_value(VALUE_TYPE_I64, -128, 0x27ff), "1280ff27010000");
	assert_value(config_presentation_value(VALUE_TYPE_UTF8, 0, CONFIG_UNIT_UNITLESS), "19000027010000");
}

static void test_describe_says_what_an_app_shows(void **state)
{
	static const struct {
		const char *hex;
		const char *text;
	} cases[] = {
		{ "0efe2f27010000", "format i16, exponent -2, unit celsius (0x272f)" },
		{ "14002827010000", "format f32, exponent 0, unit volt (0x2728)" },
		{ "1600fe27010000", "format 0x16, exponent 0, unit 0x27fe" },
		{ "00000000000000", "format 0x00, exponent 0, unit 0x0000" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) value = value_from_hex(cases[i].hex, NULL);
		g_autofree char *text = config_presentation_describe(value);

		assert_string_equal(text, cases[i].text);
	}
	{
		g_autoptr(GBytes) short_value = value_from_hex("0efe2f270100", NULL);
		g_autoptr(GBytes) long_value = value_from_hex("0efe2f2701000000", NULL);

		assert_null(config_presentation_describe(short_value));
		assert_null(config_presentation_describe(long_value));
		assert_null(config_presentation_describe(NULL));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type_but_hex_has_a_format),
		cmocka_unit_test(test_which_types_take_unit_and_exponent),
		cmocka_unit_test(test_units_by_name_and_number),
		cmocka_unit_test(test_bad_units_say_why),
		cmocka_unit_test(test_value_is_seven_little_endian_bytes),
		cmocka_unit_test(test_describe_says_what_an_app_shows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
