/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-literal.c: the value codec (value.c) and UUIDs (uuid.c), the text a
 * user writes in Value=, ManufacturerData=, `gattctl set` and UUID=.
 *
 * The input up to its first NUL byte is one piece of text. Checks, besides the
 * sanitizers:
 * - value_parse_literal() gives bytes or a message, never both nor neither;
 * - text -> bytes -> text -> bytes: formatting parsed bytes as their type and
 *   parsing that text again gives the same bytes (NaN payloads aside, as
 *   value.c says), and formatting those gives the same text;
 * - bytes -> text -> bytes: the input's bytes formatted as each type, where
 *   they fit it, parse back to the same bytes;
 * - escape_text_cut(), which messages quoting a value use, is UTF-8 without
 *   control characters, whatever the text;
 * - a UUID that normalises is 36 lower-case characters, normalises to itself
 *   again, and its display form normalises back to it.
 */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "shared/uuid.h"
#include "shared/escape.h"
#include "shared/value.h"

#define N_TYPES (VALUE_TYPE_F64 + 1)

static bool is_nan(ValueType type, GBytes *bytes)
{
	const guint8 *p = g_bytes_get_data(bytes, NULL);
	uint64_t bits = 0;

	if (type != VALUE_TYPE_F32 && type != VALUE_TYPE_F64)
		return false;
	for (size_t i = g_bytes_get_size(bytes); i > 0; i--)
		bits = bits << 8 | p[i - 1];
	if (type == VALUE_TYPE_F32) {
		uint32_t b32 = (uint32_t)bits;
		float f;

		memcpy(&f, &b32, sizeof(f));
		return isnan(f);
	} else {
		double d;

		memcpy(&d, &bits, sizeof(d));
		return isnan(d);
	}
}

static bool same_value(ValueType type, GBytes *a, GBytes *b)
{
	return g_bytes_equal(a, b) || (is_nan(type, a) && is_nan(type, b));
}

static ValueType literal_type(const char *literal)
{
	const char *colon = strchr(literal, ':');
	g_autofree char *name = g_strndup(literal, (gsize)(colon - literal));
	ValueType type;

	FUZZ_CHECK(value_type_from_name(name, &type));
	return type;
}

/* bytes of type -> text -> bytes again, and the literal form the same way. */
static void check_format_round_trip(ValueType type, GBytes *bytes)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	g_autofree char *text = value_format(type, data, len);
	g_autofree char *literal = value_format_literal(type, data, len);
	g_autofree char *error = NULL, *literal_error = NULL;
	g_autoptr(GBytes) back = NULL;
	g_autoptr(GBytes) back_from_literal = NULL;
	g_autofree char *text_again = NULL;

	if (!text) {
		FUZZ_CHECK(!literal);
		return;
	}
	FUZZ_CHECK(literal);
	back = value_parse_typed(type, text, &error);
	if (!back)
		fprintf(stderr, "%s text '%s' does not parse back: %s\n", value_type_name(type), text, error);
	FUZZ_CHECK(back && !error);
	FUZZ_CHECK(same_value(type, bytes, back));

	text_again = value_format(type, g_bytes_get_data(back, NULL), g_bytes_get_size(back));
	FUZZ_CHECK(text_again && strcmp(text, text_again) == 0);

	back_from_literal = value_parse_literal(literal, &literal_error);
	FUZZ_CHECK(back_from_literal && !literal_error);
	FUZZ_CHECK(g_bytes_equal(back, back_from_literal));
}

static void check_literal(const char *text)
{
	g_autofree char *error = NULL;
	g_autoptr(GBytes) bytes = value_parse_literal(text, &error);
	ValueType type;
	g_autofree char *formatted = NULL;

	FUZZ_CHECK(!bytes != !error);
	if (!bytes) {
		FUZZ_CHECK(*error);
		return;
	}
	type = literal_type(text);
	if (value_type_size(type) > 0)
		FUZZ_CHECK(g_bytes_get_size(bytes) == value_type_size(type));
	/* Whatever the parser accepts, the formatter shows. */
	formatted = value_format(type, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	FUZZ_CHECK(formatted);
	check_format_round_trip(type, bytes);
}

static void check_bytes(const uint8_t *data, size_t size)
{
	for (int t = 0; t < N_TYPES; t++) {
		size_t type_size = value_type_size((ValueType)t);
		g_autoptr(GBytes) bytes = NULL;

		if (type_size > 0 && size < type_size)
			continue;
		bytes = g_bytes_new(data, type_size > 0 ? type_size : size);
		check_format_round_trip((ValueType)t, bytes);
	}
}

static void check_message_text(const char *text)
{
	static const size_t max_chars[] = { 0, 1, 40, G_MAXSIZE };

	for (size_t i = 0; i < G_N_ELEMENTS(max_chars); i++) {
		g_autofree char *shown = escape_text_cut(text, max_chars[i]);

		FUZZ_CHECK(g_utf8_validate(shown, -1, NULL));
		for (const char *p = shown; *p; p++)
			FUZZ_CHECK((guchar)*p >= 0x20 && *p != 0x7f);
	}
}

static void check_uuid(const char *text)
{
	char normalized[UUID_STR_LEN + 1];
	char again[UUID_STR_LEN + 1];
	char display[UUID_STR_LEN + 1];
	char from_display[UUID_STR_LEN + 1];

	if (uuid_normalize(text, normalized) < 0)
		return;
	FUZZ_CHECK(strlen(normalized) == UUID_STR_LEN);
	for (const char *p = normalized; *p; p++)
		FUZZ_CHECK(g_ascii_isdigit(*p) || (*p >= 'a' && *p <= 'f') || *p == '-');
	FUZZ_CHECK(uuid_normalize(normalized, again) == 0 && strcmp(normalized, again) == 0);
	uuid_to_display(normalized, display);
	FUZZ_CHECK(uuid_normalize(display, from_display) == 0 && strcmp(normalized, from_display) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *text = g_strndup((const char *)data, size);

	check_literal(text);
	check_bytes(data, size);
	check_message_text(text);
	check_uuid(text);
	return 0;
}
