/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config/presentation.h: the Characteristic Presentation Format descriptor (0x2904)
 * that Type=, Unit= and Exponent= make (pure, no I/O). Generic apps (nRF Connect,
 * LightBlue) read it to show "23.50 °C" instead of "2e 09".
 *
 * Its value is seven bytes, little-endian (Core Specification Vol 3 Part G 3.3.3.5):
 * Format (the SIG's format code of Type=), Exponent (value = raw x 10^Exponent),
 * Unit (a SIG unit, 0x2700-0x27FF), Name Space (0x01, the Bluetooth SIG) and
 * Description (0x0000, "unknown").
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "shared/value.h"

#define CONFIG_UUID_PRESENTATION_FORMAT "00002904-0000-1000-8000-00805f9b34fb"
#define CONFIG_PRESENTATION_SIZE 7
#define CONFIG_UNIT_UNITLESS 0x2700
#define CONFIG_UNIT_FIRST 0x2700
#define CONFIG_UNIT_LAST 0x27FF

/* The SIG format code of type (0x04 for u8, 0x19 for utf8, ...); false for hex, which has none. */
bool config_presentation_format(ValueType type, uint8_t *ret_format);

/* Whether Exponent= means something for type: the integer types (the specification's rule). */
bool config_presentation_takes_exponent(ValueType type);
/* Whether Unit= means something for type: the numbers, integer or floating point. */
bool config_presentation_takes_unit(ValueType type);

/*
 * Unit=: a name from the table ("celsius", "percent", ...; case-insensitive) or a
 * number 0x2700-0x27FF (hex with 0x, or decimal). false and *ret_error naming what
 * is wrong otherwise.
 */
bool config_unit_parse(const char *text, uint16_t *ret_unit, char **ret_error);
/* The table's name of unit ("celsius"), or NULL for a unit the table does not name. */
const char *config_unit_name(uint16_t unit);
/* The names Unit= takes, comma-separated, for messages and documentation. */
char *config_unit_names_joined(void);

/*
 * What a 0x2904 value says, for people: "format i16, exponent -2, unit celsius
 * (0x272f)"; NULL when value is not seven bytes. Formats gattd has no Type= for are
 * shown by their code ("format 0x16").
 */
char *config_presentation_describe(GBytes *value);

/* The seven bytes of the 0x2904 value. type must have a format (config_presentation_format). */
GBytes *config_presentation_value(ValueType type, int8_t exponent, uint16_t unit);
