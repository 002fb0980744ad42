/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* value.h: typed value literals <-> bytes (pure, no I/O). Multi-byte numbers are little-endian, as in BLE. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
	VALUE_TYPE_HEX = 0, /* raw bytes; also the type of characteristics without Type= */
	VALUE_TYPE_UTF8,
	VALUE_TYPE_BOOL,    /* one byte, 0 or 1 */
	VALUE_TYPE_U8,
	VALUE_TYPE_U16,
	VALUE_TYPE_U32,
	VALUE_TYPE_U64,
	VALUE_TYPE_I8,
	VALUE_TYPE_I16,
	VALUE_TYPE_I32,
	VALUE_TYPE_I64,
	VALUE_TYPE_F32,
	VALUE_TYPE_F64,
} ValueType;

/*
 * 0..15 for a hex digit of either case, -1 for any other character (also used by
 * uuid.c). Inline: every hex value a client sends goes through it digit by digit.
 */
static inline int value_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "u8" -> VALUE_TYPE_U8 etc. Returns false for unknown names. */
bool value_type_from_name(const char *name, ValueType *ret_type);
const char *value_type_name(ValueType type);
/* Encoded size for fixed-size types, 0 for hex and utf8. */
size_t value_type_size(ValueType type);

/*
 * Parse "TYPE:TEXT" (e.g. "u16:300", "hex:0a0b", "utf8:hello").
 * On failure returns NULL and sets *ret_error to a message naming the problem
 * (e.g. "u8 value 300 is out of range 0..255").
 */
GBytes *value_parse_literal(const char *literal, char **ret_error);

/* Parse TEXT as a value of type (no "TYPE:" prefix). Same error convention. */
GBytes *value_parse_typed(ValueType type, const char *text, char **ret_error);

/* Lower-case hex, no separators ("" for empty). Never NULL. */
char *value_to_hex(const guint8 *data, size_t len);
/* Parse hex with optional separators ' ', ':' or '-' between bytes; NULL + *ret_error on error. */
GBytes *value_from_hex(const char *hex, char **ret_error);

/*
 * Format bytes as text of type (the inverse of value_parse_typed), e.g. "300" for
 * u16 0x2c 0x01. Returns NULL if the bytes don't fit the type (wrong size, invalid
 * UTF-8). For VALUE_TYPE_HEX returns the hex string.
 */
char *value_format(ValueType type, const guint8 *data, size_t len);

/* "TYPE:TEXT" for bytes of type, e.g. "u16:300"; NULL where value_format() is NULL. */
char *value_format_literal(ValueType type, const guint8 *data, size_t len);


/* All type names in ValueType order joined by separator ("hex, utf8, bool, ..."), for messages. */
char *value_type_names_joined(const char *separator);

/*
 * The plural ending of a count in a message: "s" unless n is 1, so that every size
 * reads right: printf("%zu byte%s", n, value_plural(n)) gives "1 byte", "2 bytes".
 */
const char *value_plural(uint64_t n);

/*
 * Strict integers, shared with the config loader: decimal or 0x-hex, '-' allowed
 * (value_parse_uint() accepts only "-0"), no blanks, '+', octal or trailing text.
 * Return 0, -EINVAL if text is not such an integer, -ERANGE if it is outside
 * 0..max / min..max; *ret is untouched on failure.
 */
int value_parse_uint(const char *text, uint64_t max, uint64_t *ret);
int value_parse_int(const char *text, int64_t min, int64_t max, int64_t *ret);
