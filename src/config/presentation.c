/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * presentation.c: the 0x2904 descriptor's value from Type=, Unit= and Exponent=
 * (presentation.h). The formats and units are the Bluetooth SIG's Assigned Numbers
 * (GATT Formats, 2.4.1; Units, 3.5).
 */
#include "config/presentation.h"

static const uint8_t formats[] = {
	[VALUE_TYPE_HEX] = 0, /* none: "struct" would tell a generic app nothing */
	[VALUE_TYPE_UTF8] = 0x19,
	[VALUE_TYPE_BOOL] = 0x01,
	[VALUE_TYPE_U8] = 0x04,
	[VALUE_TYPE_U16] = 0x06,
	[VALUE_TYPE_U32] = 0x08,
	[VALUE_TYPE_U64] = 0x0A,
	[VALUE_TYPE_I8] = 0x0C,
	[VALUE_TYPE_I16] = 0x0E,
	[VALUE_TYPE_I32] = 0x10,
	[VALUE_TYPE_I64] = 0x12,
	[VALUE_TYPE_F32] = 0x14,
	[VALUE_TYPE_F64] = 0x15,
};

/* The units a gadget measures most; any other by its number. A name per row, first one canonical. */
static const struct {
	const char *name;
	uint16_t unit;
} units[] = {
	{ "unitless", 0x2700 },
	{ "metre", 0x2701 },
	{ "meter", 0x2701 },
	{ "kilogram", 0x2702 },
	{ "second", 0x2703 },
	{ "ampere", 0x2704 },
	{ "kelvin", 0x2705 },
	{ "mole", 0x2706 },
	{ "candela", 0x2707 },
	{ "square-metre", 0x2710 },
	{ "cubic-metre", 0x2711 },
	{ "metre-per-second", 0x2712 },
	{ "metre-per-second-squared", 0x2713 },
	{ "radian", 0x2720 },
	{ "hertz", 0x2722 },
	{ "newton", 0x2723 },
	{ "pascal", 0x2724 },
	{ "joule", 0x2725 },
	{ "watt", 0x2726 },
	{ "coulomb", 0x2727 },
	{ "volt", 0x2728 },
	{ "farad", 0x2729 },
	{ "ohm", 0x272A },
	{ "siemens", 0x272B },
	{ "tesla", 0x272D },
	{ "celsius", 0x272F },
	{ "lumen", 0x2730 },
	{ "lux", 0x2731 },
	{ "minute", 0x2760 },
	{ "hour", 0x2761 },
	{ "day", 0x2762 },
	{ "degree", 0x2763 },
	{ "litre", 0x2767 },
	{ "liter", 0x2767 },
	{ "bar", 0x2780 },
	{ "millimetre-of-mercury", 0x2781 },
	{ "kilometre-per-hour", 0x27A6 },
	{ "mile-per-hour", 0x27A7 },
	{ "revolution-per-minute", 0x27A8 },
	{ "kilowatt-hour", 0x27AB },
	{ "fahrenheit", 0x27AC },
	{ "percent", 0x27AD },
	{ "per-mille", 0x27AE },
	{ "beats-per-minute", 0x27AF },
	{ "ampere-hour", 0x27B0 },
	{ "watt-per-square-metre", 0x27B6 },
	{ "decibel", 0x27C3 },
	{ "ppm", 0x27C4 },
	{ "ppb", 0x27C5 },
};

bool config_presentation_format(ValueType type, uint8_t *ret_format)
{
	if ((size_t) type >= G_N_ELEMENTS(formats) || formats[type] == 0)
		return false;
	*ret_format = formats[type];
	return true;
}

bool config_presentation_takes_exponent(ValueType type)
{
	return type >= VALUE_TYPE_U8 && type <= VALUE_TYPE_I64;
}

bool config_presentation_takes_unit(ValueType type)
{
	return type >= VALUE_TYPE_U8 && type <= VALUE_TYPE_F64;
}

bool config_unit_parse(const char *text, uint16_t *ret_unit, char **ret_error)
{
	uint64_t number;

	for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
		if (g_ascii_strcasecmp(text, units[i].name) == 0) {
			*ret_unit = units[i].unit;
			return true;
		}
	}
	if (!g_ascii_isdigit(text[0])) {
		*ret_error = g_strdup_printf("unknown unit '%s' (a name such as celsius, percent, volt, or the SIG's "
		                             "number 0x2700-0x27FF)", text);
		return false;
	}
	/* value.h's strict integers; a number beyond 64 bits is no unit number either. */
	if (value_parse_uint(text, UINT64_MAX, &number) < 0) {
		*ret_error = g_strdup_printf("'%s' is not a unit number (0x2700-0x27FF)", text);
		return false;
	}
	if (number < CONFIG_UNIT_FIRST || number > CONFIG_UNIT_LAST) {
		*ret_error = g_strdup_printf("%s is not a unit: the SIG's units are 0x2700-0x27FF", text);
		return false;
	}
	*ret_unit = (uint16_t) number;
	return true;
}

const char *config_unit_name(uint16_t unit)
{
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
		if (units[i].unit == unit)
			return units[i].name;
	}
	return NULL;
}

char *config_unit_names_joined(void)
{
	GString *out = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(units); i++)
		g_string_append_printf(out, "%s%s", i ? ", " : "", units[i].name);
	return g_string_free(out, FALSE);
}

GBytes *config_presentation_value(ValueType type, int8_t exponent, uint16_t unit)
{
	uint8_t v[CONFIG_PRESENTATION_SIZE] = { 0 };

	g_return_val_if_fail(config_presentation_format(type, &v[0]), NULL);
	v[1] = (uint8_t) exponent;
	v[2] = unit & 0xff;
	v[3] = unit >> 8;
	v[4] = 0x01; /* Name Space: Bluetooth SIG */
	v[5] = 0x00; /* Description 0x0000: unknown */
	v[6] = 0x00;
	return g_bytes_new(v, sizeof(v));
}

char *config_presentation_describe(GBytes *value)
{
	gsize len = 0;
	const uint8_t *v = value ? g_bytes_get_data(value, &len) : NULL;
	const char *format = NULL;
	const char *unit_name;
	uint16_t unit;
	GString *out;

	if (len != CONFIG_PRESENTATION_SIZE)
		return NULL;
	for (size_t t = 0; t < G_N_ELEMENTS(formats) && !format; t++) {
		if (formats[t] != 0 && formats[t] == v[0])
			format = value_type_name((ValueType) t);
	}
	unit = (uint16_t) (v[2] | v[3] << 8);
	unit_name = config_unit_name(unit);
	out = g_string_new(NULL);
	if (format)
		g_string_append_printf(out, "format %s", format);
	else
		g_string_append_printf(out, "format 0x%02x", v[0]);
	g_string_append_printf(out, ", exponent %d, unit ", (int8_t) v[1]);
	if (unit_name)
		g_string_append_printf(out, "%s (0x%04x)", unit_name, unit);
	else
		g_string_append_printf(out, "0x%04x", unit);
	return g_string_free(out, FALSE);
}
