/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * set.c: `gattctl set CHAR VALUE`: store a value, notifying subscribed centrals.
 *
 * VALUE is read the way a person means it: "42" for a u8 characteristic, "hello"
 * for a utf8 one, hex bytes for one without Type, or an explicit literal
 * ("u16:300", "hex:0a0b", "utf8:text") whatever the Type. Parsing uses the
 * daemon's own value codec, so a VALUE gattctl accepts is one gattd accepts, and a
 * mistake is reported before anything reaches the air.
 */
#include "gattctl.h"

#include <stdio.h>
#include <string.h>

#include "shared/value.h"
#include "socket/protocol.h"

/* "u16:300", "hex:0a", "utf8:x": a prefix naming a type selects it. */
static bool has_type_prefix(const char *text)
{
	const char *colon = strchr(text, ':');
	g_autofree char *name = colon ? g_strndup(text, (gsize)(colon - text)) : NULL;

	return name && value_type_from_name(name, NULL);
}

/* The characteristic's Type, from a list request (the only reply that says it). */
static int lookup_type(Gattctl *ctl, const char *chr, const char *what, bool *ret_has_type, ValueType *ret_type)
{
	g_autoptr(json_t) request = gattctl_request_new("list", NULL);
	g_autoptr(json_t) reply = NULL;
	json_t *found;
	const char *type;
	int r;

	r = gattctl_call_quiet(ctl, request, gattctl_timeout_ms(ctl), what, &reply);
	if (r != GATTCTL_EXIT_OK)
		return r;
	found = gattctl_find_node(reply, chr, NULL);
	if (!found) {
		fprintf(stderr, "gattctl: %s: no characteristic '%s' (see gattctl list)\n", what, chr);
		return GATTCTL_EXIT_ERROR;
	}
	type = jread_string(found, "type");
	*ret_has_type = type && value_type_from_name(type, ret_type);
	return GATTCTL_EXIT_OK;
}

/*
 * text parsed as type, as the JSON "typed" member: gattd's own reply encoder
 * (proto_write_value()) writes it and shared/jread.h reads it back, so gattctl sends
 * exactly what gattd would send back for these bytes: a number, a boolean, or a
 * string for utf8 and for what JSON numbers can't carry exactly (u64 above
 * 2^63-1, NaN, infinities). NULL + *ret_error if text does not parse.
 */
static json_t *typed_node(ValueType type, const char *text, char **ret_error)
{
	g_autoptr(GBytes) bytes = value_parse_typed(type, text, ret_error);
	g_autoptr(JWriter) writer = NULL;
	g_autoptr(json_t) obj = NULL;
	g_autofree char *line = NULL;
	g_autofree char *problem = NULL;
	const guint8 *data;
	gsize len;

	if (!bytes)
		return NULL;
	data = g_bytes_get_data(bytes, &len);
	writer = jwrite_new();
	jwrite_begin_object(writer);
	proto_write_value(writer, true, type, data, len);
	jwrite_end_object(writer);
	line = jwrite_finish(writer);
	/* Neither can fail: the writer's lines are JSON, and the bytes came from parsing this type. */
	obj = jread_object(line, strlen(line), &problem);
	if (!obj) {
		*ret_error = g_strdup_printf("gattd's encoder wrote a line gattctl cannot read (%s): %s", problem, line);
		return NULL;
	}
	if (!json_object_get(obj, "typed")) {
		*ret_error = g_strdup_printf("'%s' has no %s form", text, value_type_name(type));
		return NULL;
	}
	return json_incref(json_object_get(obj, "typed"));
}

/* A VALUE that does not parse: a usage error, but the message itself says what to fix. */
static int value_error(const char *what, const char *error, const char *hint)
{
	fprintf(stderr, "gattctl: %s: %s%s\n", what, error, hint ? hint : "");
	return GATTCTL_EXIT_USAGE;
}

/* Put VALUE into request as "value" (hex) or "typed", as the user meant it. */
static int add_value(Gattctl *ctl, json_t *request, const char *chr, const char *text, bool as_hex,
                     const char *what)
{
	g_autoptr(GBytes) bytes = NULL;
	g_autofree char *error = NULL;
	g_autofree char *hex = NULL;
	ValueType type = VALUE_TYPE_HEX;
	bool has_type = false;
	const void *data;
	gsize len;
	int r;

	if (as_hex) {
		bytes = value_from_hex(text, &error);
	} else if (has_type_prefix(text)) {
		bytes = value_parse_literal(text, &error);
	} else {
		r = lookup_type(ctl, chr, what, &has_type, &type);
		if (r != GATTCTL_EXIT_OK)
			return r;
		if (has_type && type != VALUE_TYPE_HEX) {
			json_t *typed = typed_node(type, text, &error);

			if (!typed) {
				g_autofree char *hint = g_strdup_printf(" (%s has Type=%s)", chr, value_type_name(type));

				return value_error(what, error, hint);
			}
			json_object_set_new(request, "typed", typed);
			return GATTCTL_EXIT_OK;
		}
		bytes = value_from_hex(text, &error);
		if (!bytes)
			return value_error(what, error, " (no Type: give hex bytes, or a literal like utf8:TEXT)");
	}
	if (!bytes)
		return value_error(what, error, NULL);

	data = g_bytes_get_data(bytes, &len);
	hex = value_to_hex(data, len);
	json_object_set_new(request, "value", json_string(hex));
	return GATTCTL_EXIT_OK;
}

int gattctl_set(Gattctl *ctl, int argc, char **argv)
{
	gboolean notify = FALSE, no_notify = FALSE, as_hex = FALSE;
	g_autofree char *device = NULL;
	const GOptionEntry entries[] = {
		{ "device", 0, 0, G_OPTION_ARG_STRING, &device,
		  "Notify only the connected central at ADDR (CHAR needs Acquire=notify)", "ADDR" },
		{ "notify", 0, 0, G_OPTION_ARG_NONE, &notify,
		  "Notify or indicate subscribed centrals (an error if CHAR has neither flag)", NULL },
		{ "no-notify", 0, 0, G_OPTION_ARG_NONE, &no_notify, "Store the value without notifying anyone", NULL },
		{ "hex", 0, 0, G_OPTION_ARG_NONE, &as_hex, "VALUE is hex bytes (0a0b, 0a:0b), whatever CHAR's Type", NULL },
		G_OPTION_ENTRY_NULL,
	};
	const GattctlVerbSpec spec = {
		.params = "CHAR VALUE",
		.summary = "Store VALUE as the value of characteristic CHAR. By default subscribed\n"
		           "centrals are notified if CHAR has notify or indicate.\n"
		           "\n"
		           "VALUE is read as CHAR's Type (42, -5, 3.5, true, hello) or, without Type, as\n"
		           "hex bytes. A TYPE: prefix selects the type explicitly: u8:42, u16:0x12c,\n"
		           "i32:-5, f32:0.5, bool:true, utf8:hello, hex:0a0b (so utf8:u8:1 is the\n"
		           "text \"u8:1\"). Use -- before a VALUE that starts with --.",
		.entries = entries,
		.min_args = 2,
		.max_args = 2,
		.dash_values = true,
	};
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	g_autofree char *what = NULL;
	g_autofree char *line = NULL;
	const char *chr;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	if (notify && no_notify)
		return gattctl_usage_error("--notify and --no-notify contradict each other");
	if (device && no_notify)
		return gattctl_usage_error("--device notifies that central; it cannot go with --no-notify");
	if (device && (r = gattctl_check_address(device)) != GATTCTL_EXIT_OK)
		return r;
	chr = argv[1];
	what = g_strdup_printf("set %s", chr);

	request = gattctl_request_new("set", chr);
	r = add_value(ctl, request, chr, argv[2], as_hex, what);
	if (r != GATTCTL_EXIT_OK)
		return r;
	if (notify || no_notify)
		json_object_set_new(request, "notify", json_boolean(notify));
	if (device)
		json_object_set_new(request, "address", json_string(device));

	r = gattctl_call(ctl, request, gattctl_timeout_ms(ctl), what, &reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;
	line = gattctl_format_line("set", reply);
	printf("%s\n", line);
	return GATTCTL_EXIT_OK;
}
