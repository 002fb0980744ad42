/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-value.c: typed literals to bytes and back, exact encodings and error messages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shared/value.h"

#define BYTES(...) ((const guint8[]) { __VA_ARGS__ }), sizeof((const guint8[]) { __VA_ARGS__ })

static void assert_bytes(GBytes *bytes, const guint8 *expected, size_t expected_len)
{
	gsize len = 0;
	const guint8 *data;

	assert_non_null(bytes);
	data = g_bytes_get_data(bytes, &len);
	if (len != expected_len || (len > 0 && memcmp(data, expected, len) != 0)) {
		g_autofree char *got = value_to_hex(data, len);
		g_autofree char *want = value_to_hex(expected, expected_len);
		fail_msg("got bytes %s, expected %s", got, want);
	}
}

static void assert_literal(const char *literal, const guint8 *expected, size_t expected_len)
{
	g_autofree char *error = NULL;
	g_autoptr(GBytes) bytes = value_parse_literal(literal, &error);

	if (!bytes)
		fail_msg("'%s' refused: %s", literal, error);
	assert_null(error);
	assert_bytes(bytes, expected, expected_len);
}

/* The exact message, so a test fails when wording or numbers drift. */
static void assert_literal_error(const char *literal, const char *expected_message)
{
	g_autofree char *error = NULL;
	g_autoptr(GBytes) bytes = value_parse_literal(literal, &error);

	if (bytes)
		fail_msg("'%s' was accepted", literal);
	assert_non_null(error);
	assert_string_equal(error, expected_message);
}

/* parse(text) -> bytes -> format() must give text back, and the literal form agrees. */
static void assert_round_trip(ValueType type, const char *text)
{
	g_autofree char *error = NULL;
	g_autoptr(GBytes) bytes = value_parse_typed(type, text, &error);
	g_autofree char *formatted = NULL;
	g_autofree char *literal = NULL;
	g_autofree char *expected_literal = g_strdup_printf("%s:%s", value_type_name(type), text);
	gsize len;
	const guint8 *data;

	if (!bytes)
		fail_msg("%s '%s' refused: %s", value_type_name(type), text, error);
	data = g_bytes_get_data(bytes, &len);
	formatted = value_format(type, data, len);
	assert_non_null(formatted);
	assert_string_equal(formatted, text);
	literal = value_format_literal(type, data, len);
	assert_string_equal(literal, expected_literal);
}

/* format(bytes) -> text -> parse() must give the same bytes. */
static void assert_bytes_round_trip(ValueType type, const guint8 *data, size_t len)
{
	g_autofree char *text = value_format(type, data, len);
	g_autofree char *error = NULL;
	g_autoptr(GBytes) back = NULL;

	if (!text)
		fail_msg("%s refused to format %zu bytes", value_type_name(type), len);
	back = value_parse_typed(type, text, &error);
	if (!back)
		fail_msg("%s '%s' does not parse back: %s", value_type_name(type), text, error);
	assert_bytes(back, data, len);
}

static void test_type_names_map_both_ways(void **state)
{
	const struct {
		const char *name;
		ValueType type;
		size_t size;
	} types[] = {
		{ "hex", VALUE_TYPE_HEX, 0 }, { "utf8", VALUE_TYPE_UTF8, 0 }, { "bool", VALUE_TYPE_BOOL, 1 },
		{ "u8", VALUE_TYPE_U8, 1 },   { "u16", VALUE_TYPE_U16, 2 },   { "u32", VALUE_TYPE_U32, 4 },
		{ "u64", VALUE_TYPE_U64, 8 }, { "i8", VALUE_TYPE_I8, 1 },     { "i16", VALUE_TYPE_I16, 2 },
		{ "i32", VALUE_TYPE_I32, 4 }, { "i64", VALUE_TYPE_I64, 8 },   { "f32", VALUE_TYPE_F32, 4 },
		{ "f64", VALUE_TYPE_F64, 8 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
		ValueType t = VALUE_TYPE_HEX;
		assert_true(value_type_from_name(types[i].name, &t));
		assert_int_equal(t, types[i].type);
		assert_string_equal(value_type_name(types[i].type), types[i].name);
		assert_int_equal(value_type_size(types[i].type), types[i].size);
	}
}

static void test_unknown_type_names_are_refused(void **state)
{
	ValueType t = VALUE_TYPE_U32;

	assert_false(value_type_from_name("U8", &t));
	assert_false(value_type_from_name("uint8", &t));
	assert_false(value_type_from_name("", &t));
	assert_false(value_type_from_name(NULL, &t));
	assert_int_equal(t, VALUE_TYPE_U32);
}

static void test_literal_u8_boundaries(void **state)
{
	assert_literal("u8:0", BYTES(0x00));
	assert_literal("u8:255", BYTES(0xff));
	assert_literal("u8:0xff", BYTES(0xff));
	assert_literal("u8:0XfF", BYTES(0xff));
	assert_literal("u8:007", BYTES(0x07)); /* decimal, not octal */
	assert_literal_error("u8:256", "u8 value 256 is out of range 0..255");
	assert_literal_error("u8:300", "u8 value 300 is out of range 0..255");
	assert_literal_error("u8:0x100", "u8 value 0x100 is out of range 0..255");
	assert_literal_error("u8:-1", "u8 value -1 is out of range 0..255");
}

static void test_literal_u16_is_little_endian(void **state)
{
	assert_literal("u16:300", BYTES(0x2c, 0x01));
	assert_literal("u16:0x1234", BYTES(0x34, 0x12));
	assert_literal("u16:65535", BYTES(0xff, 0xff));
	assert_literal_error("u16:65536", "u16 value 65536 is out of range 0..65535");
}

static void test_literal_u32_is_little_endian(void **state)
{
	assert_literal("u32:0x12345678", BYTES(0x78, 0x56, 0x34, 0x12));
	assert_literal("u32:4294967295", BYTES(0xff, 0xff, 0xff, 0xff));
	assert_literal_error("u32:4294967296", "u32 value 4294967296 is out of range 0..4294967295");
}

static void test_literal_u64_covers_full_range(void **state)
{
	assert_literal("u64:0x0102030405060708", BYTES(0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01));
	assert_literal("u64:18446744073709551615", BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
	assert_literal_error("u64:18446744073709551616",
	                     "u64 value 18446744073709551616 is out of range 0..18446744073709551615");
	assert_literal_error("u64:0x10000000000000000",
	                     "u64 value 0x10000000000000000 is out of range 0..18446744073709551615");
}

static void test_literal_signed_integers_are_twos_complement(void **state)
{
	assert_literal("i8:-1", BYTES(0xff));
	assert_literal("i8:-128", BYTES(0x80));
	assert_literal("i8:127", BYTES(0x7f));
	assert_literal("i8:-0x80", BYTES(0x80));
	assert_literal_error("i8:-129", "i8 value -129 is out of range -128..127");
	assert_literal_error("i8:128", "i8 value 128 is out of range -128..127");

	assert_literal("i16:-2", BYTES(0xfe, 0xff));
	assert_literal("i16:-32768", BYTES(0x00, 0x80));
	assert_literal_error("i16:32768", "i16 value 32768 is out of range -32768..32767");

	assert_literal("i32:-2147483648", BYTES(0x00, 0x00, 0x00, 0x80));
	assert_literal("i32:0x7fffffff", BYTES(0xff, 0xff, 0xff, 0x7f));
	assert_literal_error("i32:-2147483649", "i32 value -2147483649 is out of range -2147483648..2147483647");

	assert_literal("i64:-9223372036854775808", BYTES(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80));
	assert_literal("i64:9223372036854775807", BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f));
	assert_literal_error("i64:9223372036854775808",
	                     "i64 value 9223372036854775808 is out of range -9223372036854775808..9223372036854775807");
	assert_literal_error("i64:-9223372036854775809",
	                     "i64 value -9223372036854775809 is out of range -9223372036854775808..9223372036854775807");
}

static void test_integer_with_trailing_junk_is_refused(void **state)
{
	assert_literal_error("u8:12abc", "u8 value '12abc' is not a decimal or 0x-hex integer");
	assert_literal_error("u8:1 ", "u8 value '1 ' is not a decimal or 0x-hex integer");
	assert_literal_error("u8: 1", "u8 value ' 1' is not a decimal or 0x-hex integer");
	assert_literal_error("u8:+1", "u8 value '+1' is not a decimal or 0x-hex integer");
	assert_literal_error("u8:1.0", "u8 value '1.0' is not a decimal or 0x-hex integer");
	assert_literal_error("u8:0x", "u8 value '0x' is not a decimal or 0x-hex integer");
	assert_literal_error("u8:0xg", "u8 value '0xg' is not a decimal or 0x-hex integer");
	assert_literal_error("i16:--1", "i16 value '--1' is not a decimal or 0x-hex integer");
	assert_literal_error("i16:-", "i16 value '-' is not a decimal or 0x-hex integer");
	assert_literal_error("u8:", "u8 value is empty");
}

static void test_strict_integer_helpers(void **state)
{
	uint64_t u = 42;
	int64_t i = 42;

	assert_int_equal(value_parse_uint("0x10", 100, &u), 0);
	assert_int_equal(u, 16);
	assert_int_equal(value_parse_uint("101", 100, &u), -ERANGE);
	assert_int_equal(value_parse_uint("10 ", 100, &u), -EINVAL);
	assert_int_equal(value_parse_uint("-3", 100, &u), -ERANGE);
	assert_int_equal(value_parse_uint(NULL, 100, &u), -EINVAL);
	assert_int_equal(u, 16);

	assert_int_equal(value_parse_int("-127", -127, 20, &i), 0);
	assert_int_equal(i, -127);
	assert_int_equal(value_parse_int("-128", -127, 20, &i), -ERANGE);
	assert_int_equal(value_parse_int("21", -127, 20, &i), -ERANGE);
	assert_int_equal(value_parse_int("2x", -127, 20, &i), -EINVAL);
	assert_int_equal(i, -127);
}

static void test_literal_bool_is_one_byte(void **state)
{
	assert_literal("bool:true", BYTES(0x01));
	assert_literal("bool:false", BYTES(0x00));
	assert_literal("bool:1", BYTES(0x01));
	assert_literal("bool:0", BYTES(0x00));
	assert_literal_error("bool:yes", "bool value 'yes' is not true, false, 1 or 0");
	assert_literal_error("bool:TRUE", "bool value 'TRUE' is not true, false, 1 or 0");
	assert_literal_error("bool:", "bool value '' is not true, false, 1 or 0");
}

static void test_literal_utf8_is_raw_text(void **state)
{
	assert_literal("utf8:hi", BYTES('h', 'i'));
	assert_literal("utf8:h\xc3\xa9", BYTES('h', 0xc3, 0xa9));
	assert_literal("utf8:a:b", BYTES('a', ':', 'b'));
	assert_literal("utf8: x ", BYTES(' ', 'x', ' '));
	assert_literal("utf8:", NULL, 0);
	assert_literal_error("utf8:\xff", "utf8 value is not valid UTF-8");
	assert_literal_error("utf8:\xc3", "utf8 value is not valid UTF-8");
}

static void test_literal_hex_accepts_separators_between_bytes(void **state)
{
	assert_literal("hex:0a0B", BYTES(0x0a, 0x0b));
	assert_literal("hex:01 02", BYTES(0x01, 0x02));
	assert_literal("hex:01:02", BYTES(0x01, 0x02));
	assert_literal("hex:01-02:03 0405", BYTES(0x01, 0x02, 0x03, 0x04, 0x05));
	assert_literal("hex:", NULL, 0);
}

static void test_literal_hex_errors_name_the_offset(void **state)
{
	assert_literal_error("hex:abc", "hex value 'abc' has an incomplete byte at offset 2 (two digits per byte)");
	assert_literal_error("hex:0 1", "hex value '0 1' has an incomplete byte at offset 0 (two digits per byte)");
	assert_literal_error("hex:0g", "hex value '0g' has a non-hex character at offset 1");
	assert_literal_error("hex:0x01", "hex value '0x01' has a non-hex character at offset 1");
	assert_literal_error("hex::01", "hex value ':01' has a misplaced separator at offset 0");
	assert_literal_error("hex:01:", "hex value '01:' has a misplaced separator at offset 2");
	assert_literal_error("hex:01::02", "hex value '01::02' has a misplaced separator at offset 3");
	assert_literal_error("hex:01 ", "hex value '01 ' has a misplaced separator at offset 2");
}

static void test_literal_without_known_type_is_refused(void **state)
{
	assert_literal_error("100", "literal '100' has no TYPE: prefix (e.g. u8:1, hex:0a0b, utf8:text)");
	assert_literal_error("", "literal '' has no TYPE: prefix (e.g. u8:1, hex:0a0b, utf8:text)");
	assert_literal_error("uint8:1",
	                     "unknown value type 'uint8' (valid: hex, utf8, bool, u8, u16, u32, u64, i8, i16, i32, "
	                     "i64, f32, f64)");
	assert_literal_error(":1",
	                     "unknown value type '' (valid: hex, utf8, bool, u8, u16, u32, u64, i8, i16, i32, "
	                     "i64, f32, f64)");
}

static void test_literal_floats_are_little_endian_ieee(void **state)
{
	assert_literal("f32:1.5", BYTES(0x00, 0x00, 0xc0, 0x3f));
	assert_literal("f32:0.1", BYTES(0xcd, 0xcc, 0xcc, 0x3d));
	assert_literal("f32:-2", BYTES(0x00, 0x00, 0x00, 0xc0));
	assert_literal("f64:1.5", BYTES(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f));
	assert_literal("f64:0.1", BYTES(0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f));
	assert_literal("f64:-0", BYTES(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80));
	assert_literal("f32:inf", BYTES(0x00, 0x00, 0x80, 0x7f));
	assert_literal("f32:-inf", BYTES(0x00, 0x00, 0x80, 0xff));
	assert_literal("f64:inf", BYTES(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x7f));
}

static void test_float_nan_is_accepted_and_formats_as_nan(void **state)
{
	g_autoptr(GBytes) bytes = value_parse_literal("f32:nan", NULL);
	g_autofree char *text = NULL;
	gsize len;
	const guint8 *data;

	assert_non_null(bytes);
	data = g_bytes_get_data(bytes, &len);
	assert_int_equal(len, 4);
	/* exponent all ones, mantissa non-zero */
	assert_int_equal(data[3] & 0x7f, 0x7f);
	assert_true((data[2] & 0x80) != 0);
	text = value_format(VALUE_TYPE_F32, data, len);
	assert_string_equal(text, "nan");
	assert_round_trip(VALUE_TYPE_F64, "nan");
}

static void test_float_errors(void **state)
{
	assert_literal_error("f32:1.5x", "f32 value '1.5x' is not a number");
	assert_literal_error("f32: 1.5", "f32 value ' 1.5' is not a number");
	assert_literal_error("f32:1.5 ", "f32 value '1.5 ' is not a number");
	assert_literal_error("f64:one", "f64 value 'one' is not a number");
	assert_literal_error("f32:", "f32 value is empty");
	assert_literal_error("f32:1e39", "f32 value 1e39 is out of range");
	assert_literal_error("f32:-1e39", "f32 value -1e39 is out of range");
	assert_literal_error("f64:1e400", "f64 value 1e400 is out of range");
}

static void test_floats_format_as_shortest_round_trip_text(void **state)
{
	assert_round_trip(VALUE_TYPE_F32, "0.1");
	assert_round_trip(VALUE_TYPE_F32, "1.5");
	assert_round_trip(VALUE_TYPE_F32, "-2");
	assert_round_trip(VALUE_TYPE_F32, "3.4028235e+38");  /* FLT_MAX */
	assert_round_trip(VALUE_TYPE_F32, "1e-45");          /* smallest denormal */
	assert_round_trip(VALUE_TYPE_F32, "16777216");
	assert_round_trip(VALUE_TYPE_F32, "inf");
	assert_round_trip(VALUE_TYPE_F32, "-inf");
	assert_round_trip(VALUE_TYPE_F32, "-0");
	assert_round_trip(VALUE_TYPE_F64, "0.1");
	assert_round_trip(VALUE_TYPE_F64, "1.7976931348623157e+308");
	assert_round_trip(VALUE_TYPE_F64, "5e-324");
	assert_round_trip(VALUE_TYPE_F64, "123456789.125");
}

static void test_every_type_round_trips_through_text(void **state)
{
	assert_round_trip(VALUE_TYPE_HEX, "");
	assert_round_trip(VALUE_TYPE_HEX, "00ff10");
	assert_round_trip(VALUE_TYPE_UTF8, "");
	assert_round_trip(VALUE_TYPE_UTF8, "Battery Level \xe2\x9c\x93");
	assert_round_trip(VALUE_TYPE_BOOL, "true");
	assert_round_trip(VALUE_TYPE_BOOL, "false");
	assert_round_trip(VALUE_TYPE_U8, "0");
	assert_round_trip(VALUE_TYPE_U8, "255");
	assert_round_trip(VALUE_TYPE_U16, "300");
	assert_round_trip(VALUE_TYPE_U16, "65535");
	assert_round_trip(VALUE_TYPE_U32, "4294967295");
	assert_round_trip(VALUE_TYPE_U64, "18446744073709551615");
	assert_round_trip(VALUE_TYPE_I8, "-128");
	assert_round_trip(VALUE_TYPE_I8, "127");
	assert_round_trip(VALUE_TYPE_I16, "-32768");
	assert_round_trip(VALUE_TYPE_I16, "-2");
	assert_round_trip(VALUE_TYPE_I32, "-2147483648");
	assert_round_trip(VALUE_TYPE_I32, "2147483647");
	assert_round_trip(VALUE_TYPE_I64, "-9223372036854775808");
	assert_round_trip(VALUE_TYPE_I64, "9223372036854775807");
	assert_round_trip(VALUE_TYPE_I64, "0");
}

static void test_every_byte_pattern_round_trips_through_text(void **state)
{
	const ValueType fixed[] = { VALUE_TYPE_U8,  VALUE_TYPE_U16, VALUE_TYPE_U32, VALUE_TYPE_U64,
	                            VALUE_TYPE_I8,  VALUE_TYPE_I16, VALUE_TYPE_I32, VALUE_TYPE_I64,
	                            VALUE_TYPE_F32, VALUE_TYPE_F64 };
	const guint8 patterns[][8] = {
		/* no pattern is a NaN as f32 or f64: NaN payloads do not survive text */
		{ 0 }, { 0xff, 0xff, 0x7f, 0x7f, 0xff, 0xff, 0xef, 0x7f }, { 0x01, 0x80, 0x7f, 0x80, 0x01, 0x02, 0x03, 0x40 },
		{ 0x55, 0xaa, 0x55, 0xaa, 0x55, 0xaa, 0x55, 0xaa }, { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0x3f },
	};

	for (size_t t = 0; t < G_N_ELEMENTS(fixed); t++)
		for (size_t p = 0; p < G_N_ELEMENTS(patterns); p++)
			assert_bytes_round_trip(fixed[t], patterns[p], value_type_size(fixed[t]));

	assert_bytes_round_trip(VALUE_TYPE_HEX, BYTES(0xde, 0xad, 0xbe, 0xef));
	assert_bytes_round_trip(VALUE_TYPE_BOOL, BYTES(0x01));
	assert_bytes_round_trip(VALUE_TYPE_UTF8, BYTES('o', 'k'));
}

static void test_format_refuses_bytes_that_do_not_fit_the_type(void **state)
{
	assert_null(value_format(VALUE_TYPE_U16, BYTES(0x01)));
	assert_null(value_format(VALUE_TYPE_U16, BYTES(0x01, 0x02, 0x03)));
	assert_null(value_format(VALUE_TYPE_U8, NULL, 0));
	assert_null(value_format(VALUE_TYPE_F32, BYTES(0, 0, 0, 0, 0, 0, 0, 0)));
	assert_null(value_format(VALUE_TYPE_BOOL, BYTES(0x02)));
	assert_null(value_format(VALUE_TYPE_UTF8, BYTES(0xff)));
	assert_null(value_format(VALUE_TYPE_UTF8, BYTES('a', 0x00, 'b')));
	assert_null(value_format_literal(VALUE_TYPE_U16, BYTES(0x01)));
}

static void test_format_gives_decimal_for_integers(void **state)
{
	g_autofree char *u16 = value_format(VALUE_TYPE_U16, BYTES(0x2c, 0x01));
	g_autofree char *i16 = value_format(VALUE_TYPE_I16, BYTES(0xfe, 0xff));
	g_autofree char *u8 = value_format(VALUE_TYPE_U8, BYTES(0x64));
	g_autofree char *hex = value_format(VALUE_TYPE_HEX, BYTES(0xAB, 0x01));

	assert_string_equal(u16, "300");
	assert_string_equal(i16, "-2");
	assert_string_equal(u8, "100");
	assert_string_equal(hex, "ab01");
}

static void test_to_hex_is_lower_case_without_separators(void **state)
{
	g_autofree char *hex = value_to_hex(BYTES(0x00, 0xAB, 0xcd, 0x0f));
	g_autofree char *empty = value_to_hex(NULL, 0);

	assert_string_equal(hex, "00abcd0f");
	assert_string_equal(empty, "");
}

static void test_hex_digit_takes_both_cases_and_nothing_else(void **state)
{
	const char *digits = "0123456789abcdef";

	(void) state;
	for (int i = 0; i < 16; i++) {
		assert_int_equal(value_hex_digit(digits[i]), i);
		assert_int_equal(value_hex_digit(g_ascii_toupper(digits[i])), i);
	}
	for (int c = -128; c < 128; c++)
		if (!g_ascii_isxdigit((char) c))
			assert_int_equal(value_hex_digit((char) c), -1);
}

static void test_from_hex_matches_hex_literal(void **state)
{
	g_autofree char *error = NULL;
	g_autoptr(GBytes) bytes = value_from_hex("de:ad be-ef", &error);

	assert_null(error);
	assert_bytes(bytes, BYTES(0xde, 0xad, 0xbe, 0xef));
	assert_null(value_from_hex("d", NULL)); /* no error out-parameter is fine */
}

static void test_messages_escape_control_characters(void **state)
{
	assert_literal_error("u8:1\n2", "u8 value '1\\n2' is not a decimal or 0x-hex integer");
	assert_literal_error("u8:\xff", "u8 value '\\xff' is not a decimal or 0x-hex integer");
	assert_literal_error("u8:\xc3\xa9", "u8 value '\xc3\xa9' is not a decimal or 0x-hex integer");
}

static void test_messages_do_not_grow_with_input(void **state)
{
	g_autofree char *digits = g_strnfill(5000, '9');
	g_autofree char *literal = g_strconcat("u8:", digits, NULL);
	g_autofree char *junk = g_strconcat("hex:", digits, "z", NULL);
	g_autofree char *error = NULL;
	g_autofree char *error2 = NULL;

	assert_null(value_parse_literal(literal, &error));
	assert_non_null(strstr(error, "u8 value 9999999999"));
	assert_non_null(strstr(error, "... is out of range 0..255"));
	assert_true(strlen(error) < 100);
	assert_null(value_parse_literal(junk, &error2));
	assert_true(strlen(error2) < 150);
	assert_non_null(strstr(error2, "non-hex character at offset 5000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_names_map_both_ways),
		cmocka_unit_test(test_unknown_type_names_are_refused),
		cmocka_unit_test(test_literal_u8_boundaries),
		cmocka_unit_test(test_literal_u16_is_little_endian),
		cmocka_unit_test(test_literal_u32_is_little_endian),
		cmocka_unit_test(test_literal_u64_covers_full_range),
		cmocka_unit_test(test_literal_signed_integers_are_twos_complement),
		cmocka_unit_test(test_integer_with_trailing_junk_is_refused),
		cmocka_unit_test(test_strict_integer_helpers),
		cmocka_unit_test(test_literal_bool_is_one_byte),
		cmocka_unit_test(test_literal_utf8_is_raw_text),
		cmocka_unit_test(test_literal_hex_accepts_separators_between_bytes),
		cmocka_unit_test(test_literal_hex_errors_name_the_offset),
		cmocka_unit_test(test_literal_without_known_type_is_refused),
		cmocka_unit_test(test_literal_floats_are_little_endian_ieee),
		cmocka_unit_test(test_float_nan_is_accepted_and_formats_as_nan),
		cmocka_unit_test(test_float_errors),
		cmocka_unit_test(test_floats_format_as_shortest_round_trip_text),
		cmocka_unit_test(test_every_type_round_trips_through_text),
		cmocka_unit_test(test_every_byte_pattern_round_trips_through_text),
		cmocka_unit_test(test_format_refuses_bytes_that_do_not_fit_the_type),
		cmocka_unit_test(test_format_gives_decimal_for_integers),
		cmocka_unit_test(test_to_hex_is_lower_case_without_separators),
		cmocka_unit_test(test_hex_digit_takes_both_cases_and_nothing_else),
		cmocka_unit_test(test_from_hex_matches_hex_literal),
		cmocka_unit_test(test_messages_escape_control_characters),
		cmocka_unit_test(test_messages_do_not_grow_with_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
