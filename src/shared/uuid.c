/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * uuid.c: Bluetooth UUID parsing and normalisation.
 *
 * Everything inside gattd carries UUIDs in one spelling (128-bit, lower case,
 * dashed), the form BlueZ reports, so UUIDs compare with strcmp() and go onto
 * D-Bus unchanged. Short forms exist only at the edges: config input and the
 * human-readable summary.
 */
#include "shared/uuid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "shared/value.h"

/* Everything after the first group of a UUID on the Bluetooth base UUID. */
#define BASE_UUID_SUFFIX "-0000-1000-8000-00805f9b34fb"

/* Parse exactly n hex digits (n <= 8) with nothing after them. */
static bool parse_hex_exact(const char *text, size_t n, uint32_t *ret)
{
	uint32_t v = 0;

	if (strlen(text) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int d = value_hex_digit(text[i]);
		if (d < 0)
			return false;
		v = (v << 4) | (uint32_t) d;
	}
	*ret = v;
	return true;
}

/* 8-4-4-4-12 hex digits with dashes at fixed places, nothing else. */
static bool is_dashed_uuid128(const char *text)
{
	if (strlen(text) != UUID_STR_LEN)
		return false;
	for (size_t i = 0; i < UUID_STR_LEN; i++) {
		bool dash_here = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash_here ? text[i] != '-' : value_hex_digit(text[i]) < 0)
			return false;
	}
	return true;
}

int uuid_normalize(const char *text, char out[UUID_STR_LEN + 1])
{
	const char *digits;
	uint32_t short_value;

	if (!text)
		return -EINVAL;

	if (is_dashed_uuid128(text)) {
		for (size_t i = 0; i <= UUID_STR_LEN; i++)
			out[i] = (text[i] >= 'A' && text[i] <= 'F') ? (char) (text[i] - 'A' + 'a') : text[i];
		return 0;
	}

	/* Short forms: exactly 4 or 8 digits, so a typo such as "18F" is refused
	 * instead of silently naming another UUID. */
	digits = text;
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		digits += 2;
	if (!parse_hex_exact(digits, 4, &short_value) && !parse_hex_exact(digits, 8, &short_value))
		return -EINVAL;

	snprintf(out, UUID_STR_LEN + 1, "%08x" BASE_UUID_SUFFIX, short_value);
	return 0;
}

bool uuid_get_short(const char *normalized, uint32_t *ret_short)
{
	char head[9];
	uint32_t v;

	if (!normalized || !is_dashed_uuid128(normalized))
		return false;
	if (strcmp(normalized + 8, BASE_UUID_SUFFIX) != 0)
		return false;
	memcpy(head, normalized, 8);
	head[8] = '\0';
	if (!parse_hex_exact(head, 8, &v))
		return false;
	if (ret_short)
		*ret_short = v;
	return true;
}

bool uuid_is_short(const char *text, uint32_t short_uuid)
{
	char normalized[UUID_STR_LEN + 1];
	uint32_t v;

	return text && uuid_normalize(text, normalized) == 0 && uuid_get_short(normalized, &v) && v == short_uuid;
}

void uuid_to_display(const char *normalized, char out[UUID_STR_LEN + 1])
{
	uint32_t v;

	if (uuid_get_short(normalized, &v))
		snprintf(out, UUID_STR_LEN + 1, v <= 0xffff ? "%04x" : "%08x", v);
	else
		snprintf(out, UUID_STR_LEN + 1, "%s", normalized ? normalized : "");
}
