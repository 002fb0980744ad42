/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * value.c: the typed value codec, text literals <-> attribute bytes.
 *
 * The same literals appear in config files (Value=u8:100) and, later, from
 * local clients, so parsing is strict: one spelling error must not quietly turn
 * into a different value on the air. Numbers are little-endian as in BLE, floats
 * IEEE 754. value_format() is the inverse of value_parse_typed(): formatting
 * bytes and parsing the text again yields the same bytes (NaN payloads aside).
 */
#include "shared/value.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "shared/escape.h"


typedef struct {
	const char *name;
	size_t size; /* 0 = variable */
} TypeInfo;

/* Indexed by ValueType. */
static const TypeInfo type_table[] = {
	[VALUE_TYPE_HEX] = { "hex", 0 },
	[VALUE_TYPE_UTF8] = { "utf8", 0 },
	[VALUE_TYPE_BOOL] = { "bool", 1 },
	[VALUE_TYPE_U8] = { "u8", 1 },
	[VALUE_TYPE_U16] = { "u16", 2 },
	[VALUE_TYPE_U32] = { "u32", 4 },
	[VALUE_TYPE_U64] = { "u64", 8 },
	[VALUE_TYPE_I8] = { "i8", 1 },
	[VALUE_TYPE_I16] = { "i16", 2 },
	[VALUE_TYPE_I32] = { "i32", 4 },
	[VALUE_TYPE_I64] = { "i64", 8 },
	[VALUE_TYPE_F32] = { "f32", 4 },
	[VALUE_TYPE_F64] = { "f64", 8 },
};

#define N_TYPES (sizeof(type_table) / sizeof(type_table[0]))

/* Longest piece of user text quoted back in an error message, in characters. */
#define QUOTE_MAX 40

static bool type_is_valid(ValueType type)
{
	return (unsigned) type < N_TYPES;
}

bool value_type_from_name(const char *name, ValueType *ret_type)
{
	for (size_t i = 0; name && i < N_TYPES; i++) {
		if (strcmp(type_table[i].name, name) == 0) {
			if (ret_type)
				*ret_type = (ValueType) i;
			return true;
		}
	}
	return false;
}

const char *value_type_name(ValueType type)
{
	return type_is_valid(type) ? type_table[type].name : "invalid";
}

size_t value_type_size(ValueType type)
{
	return type_is_valid(type) ? type_table[type].size : 0;
}

const char *value_plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

char *value_type_names_joined(const char *separator)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (size_t i = 0; i < N_TYPES; i++) {
		if (i > 0)
			g_string_append(s, separator);
		g_string_append(s, type_table[i].name);
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static GBytes *fail(char **ret_error, const char *format, ...) G_GNUC_PRINTF(2, 3);

static GBytes *fail(char **ret_error, const char *format, ...)
{
	va_list ap;

	if (ret_error) {
		va_start(ap, format);
		*ret_error = g_strdup_vprintf(format, ap);
		va_end(ap);
	}
	return NULL;
}

/* ---- integers ---- */

/*
 * An optional '-' then decimal digits or 0x and hex digits, nothing else: no
 * whitespace, no '+', no octal (strtoul() would read "010" as 8).
 */
static int parse_integer(const char *text, bool *ret_negative, uint64_t *ret_magnitude)
{
	bool negative = false;
	unsigned base = 10;
	uint64_t v = 0;
	const char *p = text;

	if (!p)
		return -EINVAL;
	if (*p == '-') {
		negative = true;
		p++;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == '\0')
		return -EINVAL;
	for (; *p; p++) {
		int d = value_hex_digit(*p);
		if (d < 0 || (unsigned) d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t) d) / base)
			return -ERANGE;
		v = v * base + (uint64_t) d;
	}
	*ret_negative = negative;
	*ret_magnitude = v;
	return 0;
}

int value_parse_uint(const char *text, uint64_t max, uint64_t *ret)
{
	bool negative;
	uint64_t v;
	int r = parse_integer(text, &negative, &v);

	if (r < 0)
		return r;
	if ((negative && v != 0) || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int value_parse_int(const char *text, int64_t min, int64_t max, int64_t *ret)
{
	bool negative;
	uint64_t v;
	int64_t s;
	int r = parse_integer(text, &negative, &v);

	if (r < 0)
		return r;
	if (!negative) {
		if (v > (uint64_t) INT64_MAX)
			return -ERANGE;
		s = (int64_t) v;
	} else {
		if (v > (uint64_t) INT64_MAX + 1)
			return -ERANGE;
		/* -(v - 1) - 1 avoids overflowing on INT64_MIN. */
		s = v == 0 ? 0 : -(int64_t) (v - 1) - 1;
	}
	if (s < min || s > max)
		return -ERANGE;
	*ret = s;
	return 0;
}

static void put_le(guint8 *out, uint64_t v, size_t size)
{
	for (size_t i = 0; i < size; i++)
		out[i] = (guint8) (v >> (8 * i));
}

static uint64_t get_le(const guint8 *data, size_t size)
{
	uint64_t v = 0;

	for (size_t i = 0; i < size; i++)
		v |= (uint64_t) data[i] << (8 * i);
	return v;
}

static bool type_is_integer(ValueType type)
{
	return type >= VALUE_TYPE_U8 && type <= VALUE_TYPE_I64;
}

static bool type_is_signed(ValueType type)
{
	return type >= VALUE_TYPE_I8 && type <= VALUE_TYPE_I64;
}

static GBytes *parse_integer_value(ValueType type, const char *text, char **ret_error)
{
	size_t size = value_type_size(type);
	const char *name = value_type_name(type);
	g_autofree char *shown = escape_text_cut(text, QUOTE_MAX);
	guint8 buf[8];
	int r;

	if (type_is_signed(type)) {
		int64_t max = (int64_t) ((UINT64_C(1) << (8 * size - 1)) - 1);
		int64_t min = -max - 1;
		int64_t v;

		r = value_parse_int(text, min, max, &v);
		if (r == -ERANGE)
			return fail(ret_error, "%s value %s is out of range %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT,
			            name, shown, min, max);
		put_le(buf, (uint64_t) v, size);
	} else {
		uint64_t max = size == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * size)) - 1;
		uint64_t v;

		r = value_parse_uint(text, max, &v);
		if (r == -ERANGE)
			return fail(ret_error, "%s value %s is out of range 0..%" G_GUINT64_FORMAT, name, shown, max);
		put_le(buf, v, size);
	}
	if (r < 0) {
		if (*text == '\0')
			return fail(ret_error, "%s value is empty", name);
		return fail(ret_error, "%s value '%s' is not a decimal or 0x-hex integer", name, shown);
	}
	return g_bytes_new(buf, size);
}

static char *format_integer(ValueType type, const guint8 *data, size_t size)
{
	uint64_t raw = get_le(data, size);

	if (type_is_signed(type)) {
		unsigned shift = (unsigned) (64 - 8 * size);
		/* Sign-extend through the top bits; the cast is two's complement on
		 * every platform GLib supports. */
		int64_t v = (int64_t) (raw << shift) >> shift;
		return g_strdup_printf("%" G_GINT64_FORMAT, v);
	}
	return g_strdup_printf("%" G_GUINT64_FORMAT, raw);
}

/* ---- floats ---- */

static GBytes *parse_float_value(ValueType type, const char *text, char **ret_error)
{
	const char *name = value_type_name(type);
	g_autofree char *shown = escape_text_cut(text, QUOTE_MAX);
	char *end = NULL;
	double d;

	if (*text == '\0')
		return fail(ret_error, "%s value is empty", name);
	/* g_ascii_strtod() skips leading blanks; a literal has none. */
	if (g_ascii_isspace(*text))
		return fail(ret_error, "%s value '%s' is not a number", name, shown);
	errno = 0;
	d = g_ascii_strtod(text, &end);
	if (end == text || *end != '\0')
		return fail(ret_error, "%s value '%s' is not a number", name, shown);
	if (errno == ERANGE && isinf(d))
		return fail(ret_error, "%s value %s is out of range", name, shown);

	if (type == VALUE_TYPE_F32) {
		float f;
		uint32_t bits;
		guint8 buf[4];

		/* Finite doubles beyond FLT_MAX become inf as a float. */
		if (isfinite(d) && isinf((float) d))
			return fail(ret_error, "%s value %s is out of range", name, shown);
		f = (float) d;
		memcpy(&bits, &f, sizeof(bits));
		put_le(buf, bits, sizeof(buf));
		return g_bytes_new(buf, sizeof(buf));
	} else {
		uint64_t bits;
		guint8 buf[8];

		memcpy(&bits, &d, sizeof(bits));
		put_le(buf, bits, sizeof(buf));
		return g_bytes_new(buf, sizeof(buf));
	}
}

/*
 * The shortest "%g" text that reads back as exactly the same number, so the
 * user sees 0.1 rather than 0.100000001490116.
 */
static char *format_float(ValueType type, const guint8 *data)
{
	bool is_f32 = type == VALUE_TYPE_F32;
	int max_precision = is_f32 ? 9 : 17;
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	double d;

	if (is_f32) {
		uint32_t bits = (uint32_t) get_le(data, 4);
		float f;
		memcpy(&f, &bits, sizeof(f));
		d = f;
	} else {
		uint64_t bits = get_le(data, 8);
		memcpy(&d, &bits, sizeof(d));
	}

	/* NaN's sign and payload are not representable in the text form. */
	if (isnan(d))
		return g_strdup("nan");
	if (isinf(d))
		return g_strdup(d > 0 ? "inf" : "-inf");

	for (int precision = 1; precision <= max_precision; precision++) {
		char format[8];
		double back;

		g_snprintf(format, sizeof(format), "%%.%dg", precision);
		g_ascii_formatd(buf, sizeof(buf), format, d);
		back = g_ascii_strtod(buf, NULL);
		if (is_f32 ? (float) back == (float) d : back == d)
			break;
	}
	return g_strdup(buf);
}

/* ---- hex ---- */

static bool is_hex_separator(char c)
{
	return c == ' ' || c == ':' || c == '-';
}

char *value_to_hex(const guint8 *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *out = g_malloc(len * 2 + 1);

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[len * 2] = '\0';
	return out;
}

/* The error for hex at offset: problem is e.g. "a non-hex character". */
static GBytes *bad_hex(char **ret_error, const char *hex, const char *problem, size_t offset, const char *hint)
{
	g_autofree char *shown = escape_text_cut(hex, QUOTE_MAX);

	return fail(ret_error, "hex value '%s' has %s at offset %zu%s", shown, problem, offset, hint);
}

GBytes *value_from_hex(const char *hex, char **ret_error)
{
	/* At most one byte per two characters: written in place, no append per byte. */
	g_autofree guint8 *bytes = g_malloc(strlen(hex) / 2 + 1);
	size_t i = 0, n = 0;

	while (hex[i]) {
		int hi = value_hex_digit(hex[i]);
		int lo;
		guint8 byte;

		if (is_hex_separator(hex[i]))
			return bad_hex(ret_error, hex, "a misplaced separator", i, "");
		if (hi < 0)
			return bad_hex(ret_error, hex, "a non-hex character", i, "");
		if (hex[i + 1] == '\0' || is_hex_separator(hex[i + 1]))
			return bad_hex(ret_error, hex, "an incomplete byte", i, " (two digits per byte)");
		lo = value_hex_digit(hex[i + 1]);
		if (lo < 0)
			return bad_hex(ret_error, hex, "a non-hex character", i + 1, "");
		byte = (guint8)(hi << 4 | lo);
		bytes[n++] = byte;
		i += 2;

		/* One separator between bytes, never at either end. */
		if (is_hex_separator(hex[i])) {
			if (hex[i + 1] == '\0' || is_hex_separator(hex[i + 1]))
				return bad_hex(ret_error, hex, "a misplaced separator", hex[i + 1] == '\0' ? i : i + 1, "");
			i++;
		}
	}
	return g_bytes_new_take(g_steal_pointer(&bytes), n);
}

/* ---- entry points ---- */

GBytes *value_parse_typed(ValueType type, const char *text, char **ret_error)
{
	if (!text)
		return fail(ret_error, "value missing");

	switch (type) {
	case VALUE_TYPE_HEX:
		return value_from_hex(text, ret_error);
	case VALUE_TYPE_UTF8:
		if (!g_utf8_validate(text, -1, NULL))
			return fail(ret_error, "utf8 value is not valid UTF-8");
		return g_bytes_new(text, strlen(text));
	case VALUE_TYPE_BOOL:
		/* 1/0 too, as clients often write booleans that way; value_format() says true/false. */
		if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
			return g_bytes_new((const guint8[]) { 1 }, 1);
		if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
			return g_bytes_new((const guint8[]) { 0 }, 1);
		{
			g_autofree char *shown = escape_text_cut(text, QUOTE_MAX);
			return fail(ret_error, "bool value '%s' is not true, false, 1 or 0", shown);
		}
	case VALUE_TYPE_F32:
	case VALUE_TYPE_F64:
		return parse_float_value(type, text, ret_error);
	default:
		if (type_is_integer(type))
			return parse_integer_value(type, text, ret_error);
		break;
	}
	return fail(ret_error, "invalid value type %d", (int) type);
}

GBytes *value_parse_literal(const char *literal, char **ret_error)
{
	const char *colon;
	g_autofree char *type_name = NULL;
	ValueType type;

	if (!literal)
		return fail(ret_error, "value missing");
	colon = strchr(literal, ':');
	if (!colon) {
		g_autofree char *shown = escape_text_cut(literal, QUOTE_MAX);
		return fail(ret_error, "literal '%s' has no TYPE: prefix (e.g. u8:1, hex:0a0b, utf8:text)", shown);
	}
	type_name = g_strndup(literal, (gsize) (colon - literal));
	if (!value_type_from_name(type_name, &type)) {
		g_autofree char *shown = escape_text_cut(type_name, QUOTE_MAX);
		g_autofree char *valid = value_type_names_joined(", ");
		return fail(ret_error, "unknown value type '%s' (valid: %s)", shown, valid);
	}
	return value_parse_typed(type, colon + 1, ret_error);
}

char *value_format(ValueType type, const guint8 *data, size_t len)
{
	size_t size = value_type_size(type);

	if (!type_is_valid(type) || (len > 0 && !data))
		return NULL;
	if (size != 0 && len != size)
		return NULL;

	switch (type) {
	case VALUE_TYPE_HEX:
		return value_to_hex(data, len);
	case VALUE_TYPE_UTF8:
		/* A NUL byte would cut the text short, so it does not round-trip. */
		if (len == 0)
			return g_strdup("");
		if (!g_utf8_validate_len((const char *) data, len, NULL))
			return NULL; /* also refuses NUL bytes */
		return g_strndup((const char *) data, len);
	case VALUE_TYPE_BOOL:
		if (data[0] > 1)
			return NULL;
		return g_strdup(data[0] ? "true" : "false");
	case VALUE_TYPE_F32:
	case VALUE_TYPE_F64:
		return format_float(type, data);
	default: /* an integer type: type_is_valid() above */
		return format_integer(type, data, len);
	}
	return NULL;
}

char *value_format_literal(ValueType type, const guint8 *data, size_t len)
{
	g_autofree char *text = value_format(type, data, len);

	if (!text)
		return NULL;
	return g_strdup_printf("%s:%s", value_type_name(type), text);
}
