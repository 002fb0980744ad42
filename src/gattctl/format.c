/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * format.c: gattd's JSON as text for people: quoting, scalars, values, key=value
 * fields, the one-line form shared by watch, next-write and set, centrals
 * (their name, their connected and disconnected events), and how an advertisement
 * stands (advertise and status).
 *
 * Output is meant to be read and grepped, so every line is self-contained, and
 * text that came from a central is always quoted and escaped: a write containing a
 * newline or an escape sequence must not forge extra lines or repaint the terminal.
 */
#include "gattctl.h"

#include <string.h>

#include "shared/bdaddr.h"
#include "shared/escape.h"
#include "shared/value.h"

char *gattctl_quote(const char *text, size_t len)
{
	GString *s = g_string_sized_new(len + 2);

	g_string_append_c(s, '"');
	escape_append(s, text, len, true);
	g_string_append_c(s, '"');
	return g_string_free(s, FALSE);
}

static bool needs_quotes(const char *s)
{
	if (!escape_is_plain(s, strlen(s)))
		return true;
	for (const guchar *p = (const guchar *)s; *p; p++)
		if (*p == ' ' || *p == '"' || *p == '\\' || *p == '=' || *p == ',')
			return true;
	return false;
}

/* value.c owns the shortest text that reads back as the same double; borrow it
 * by handing it the number as an f64 value. */
static char *format_double(double d)
{
	guint8 le[8];
	uint64_t bits;

	memcpy(&bits, &d, sizeof(bits));
	for (int i = 0; i < 8; i++)
		le[i] = (guint8)(bits >> (8 * i));
	return value_format(VALUE_TYPE_F64, le, sizeof(le));
}

static char *format_scalar(const json_t *node, bool quote_if_needed)
{
	switch (json_typeof(node)) {
	case JSON_NULL:
		return g_strdup("null");
	case JSON_STRING: {
		const char *s = json_string_value(node);
		size_t len = json_string_length(node);

		/* Plain only when nothing in it can act on a terminal. */
		if ((quote_if_needed && needs_quotes(s)) || (len > 0 && !escape_is_plain(s, len)))
			return gattctl_quote(s, len);
		return g_strdup(s);
	}
	case JSON_INTEGER:
		return g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(node));
	case JSON_REAL:
		return format_double(json_real_value(node));
	case JSON_TRUE:
		return g_strdup("true");
	case JSON_FALSE:
		return g_strdup("false");
	default:
		return jread_dump(node);
	}
}

char *gattctl_format_node(const json_t *node, bool quote_if_needed)
{
	if (json_is_array(node)) {
		g_autoptr(GString) s = g_string_new(NULL);
		size_t i;
		json_t *elem;

		json_array_foreach(node, i, elem) {
			g_autofree char *text = NULL;

			if (json_is_array(elem) || json_is_object(elem))
				return jread_dump(node);
			text = format_scalar(elem, quote_if_needed);
			if (i > 0)
				g_string_append_c(s, ',');
			g_string_append(s, text);
		}
		return g_string_free(g_steal_pointer(&s), FALSE);
	}
	return format_scalar(node, quote_if_needed);
}

char *gattctl_format_typed(const json_t *typed)
{
	return gattctl_format_node(typed, false);
}

bool gattctl_is_printable_text(const guint8 *data, size_t len)
{
	const char *p = (const char *)data;
	const char *end = p + len;

	if (len == 0 || !g_utf8_validate_len(p, len, NULL))
		return false;
	for (; p < end; p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char(p);

		if (!g_unichar_isprint(u) && u != '\n' && u != '\r' && u != '\t')
			return false;
	}
	return true;
}

char *gattctl_format_value(const json_t *obj)
{
	json_t *value = json_object_get(obj, "value");
	json_t *typed = json_object_get(obj, "typed");
	const char *hex = json_string_value(value);
	g_autoptr(GBytes) bytes = NULL;
	const guint8 *data;
	gsize len;

	if (!value)
		return g_strdup("");
	if (!hex)
		return gattctl_format_node(value, true);
	bytes = value_from_hex(hex, NULL);
	if (!bytes)
		return gattctl_quote(hex, strlen(hex)); /* not hex: not gattd's, shown escaped */
	if (*hex == '\0')
		hex = "(empty)";
	if (typed) {
		g_autofree char *text = NULL;

		if (json_is_string(typed))
			text = gattctl_quote(json_string_value(typed), json_string_length(typed));
		else
			text = gattctl_format_node(typed, true);
		return g_strdup_printf("%s %s", hex, text);
	}

	data = g_bytes_get_data(bytes, &len);
	if (gattctl_is_printable_text(data, len)) {
		g_autofree char *text = gattctl_quote((const char *)data, len);

		return g_strdup_printf("%s %s", hex, text);
	}
	return g_strdup(hex);
}

static bool skipped(const char *name, const char *const *skip)
{
	for (size_t i = 0; skip && skip[i]; i++)
		if (strcmp(skip[i], name) == 0)
			return true;
	return false;
}

char *gattctl_format_fields(const json_t *obj, const char *const *skip, GattctlFieldsFlags flags)
{
	g_autoptr(GString) s = g_string_new(NULL);
	const char *name;
	json_t *node;

	json_object_foreach((json_t *)obj, name, node) {
		g_autofree char *shown_name = NULL;
		g_autofree char *text = NULL;

		if (skipped(name, skip))
			continue;
		shown_name = escape_text(name);
		if ((flags & GATTCTL_FIELDS_NO_NULLS) && json_is_null(node))
			continue;
		if (flags & GATTCTL_FIELDS_BARE_BOOLS) {
			if (json_is_null(node))
				continue;
			if (json_is_boolean(node)) {
				if (json_is_true(node))
					g_string_append_printf(s, "%s%s", s->len ? " " : "", shown_name);
				continue;
			}
		}
		text = gattctl_format_node(node, true);
		g_string_append_printf(s, "%s%s=%s", s->len ? " " : "", shown_name, text);
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

/*
 * obj with the central named by its address: "address" from the BlueZ path in "device"
 * when gattd did not know it, and then no "device" (NULL when nothing changes).
 */
static json_t *with_device_address(const json_t *obj)
{
	g_autofree char *address = NULL;
	json_t *copy;

	if (jread_string(obj, "address"))
		return NULL;
	address = bdaddr_from_device_path(jread_string(obj, "device"));
	if (!address)
		return NULL;
	copy = json_copy((json_t *)obj);
	json_object_set_new(copy, "address", json_string(address));
	return copy;
}

char *gattctl_format_line(const char *name, const json_t *obj)
{
	static const char *const shown_first[] = { "event", "id", "ok", "char", "value", "typed", NULL };
	/* A central known by its address needs no BlueZ object path beside it. */
	static const char *const shown_first_and_device[] = { "event", "id", "ok", "char", "value", "typed",
		                                               "device", NULL };
	g_autoptr(json_t) converted = with_device_address(obj);
	const json_t *shown = converted ? converted : obj;
	const char *const *skip = jread_string(shown, "address") ? shown_first_and_device : shown_first;
	g_autoptr(GString) s = NULL;
	const char *chr = jread_string(shown, "char");
	/* null is JSON's word for "not known": said by leaving the field out. */
	g_autofree char *fields = gattctl_format_fields(shown, skip, GATTCTL_FIELDS_NO_NULLS);
	g_autofree char *shown_name = escape_text(name);

	s = g_string_new(shown_name);
	if (chr) {
		g_autofree char *shown_chr = escape_text(chr);

		g_string_append_printf(s, " %s", shown_chr);
	}
	if (json_object_get(shown, "value")) {
		g_autofree char *value = gattctl_format_value(shown);

		g_string_append_printf(s, " %s", value);
	}
	if (*fields)
		g_string_append_printf(s, " %s", fields);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

/* BlueZ's alias for a central nobody named: its address with '-' ("5A-3C-11-22-33-44"). */
static bool is_address_alias(const char *alias, const char *address)
{
	g_autofree char *dashed = address ? g_strdelimit(g_strdup(address), ":", '-') : NULL;

	return dashed && g_ascii_strcasecmp(alias, dashed) == 0;
}

const char *gattctl_central_name(const json_t *central)
{
	const char *alias = jread_string(central, "alias");

	/* BlueZ's alias is one the user gave, else the name, else made of the address. */
	if (alias && !is_address_alias(alias, jread_string(central, "address")))
		return alias;
	return jread_string(central, "name");
}

/* "connected 5A:3C:11:22:33:44 (random) "Pixel 7"", "disconnected 5A:3C:11:22:33:44: remote" */
static char *format_central_event(const char *event, const json_t *central)
{
	const char *address = jread_string(central, "address");
	g_autofree char *shown_address = escape_text(address ? address : "(unknown address)");
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "%s %s", event, shown_address);
	if (strcmp(event, "connected") == 0) {
		const char *type = jread_string(central, "address_type");
		const char *name = gattctl_central_name(central);

		if (type) {
			g_autofree char *shown = escape_text(type);

			g_string_append_printf(s, " (%s)", shown);
		}
		if (name) {
			g_autofree char *shown = gattctl_quote(name, strlen(name));

			g_string_append_printf(s, " %s", shown);
		}
	} else if (jread_string(central, "reason")) {
		g_autofree char *shown = escape_text(jread_string(central, "reason"));

		g_string_append_printf(s, ": %s", shown);
	}
	return g_string_free(s, FALSE);
}

char *gattctl_format_event(const json_t *event)
{
	const char *name = jread_string(event, "event");

	if (strcmp(name, "connected") == 0 || strcmp(name, "disconnected") == 0)
		return format_central_event(name, event);
	return gattctl_format_line(name, event);
}

char *gattctl_format_advertising(const json_t *adv)
{
	const char *error = jread_string(adv, "error");

	if (!json_is_true(json_object_get(adv, "enabled")))
		return g_strdup("not advertising (stopped)");
	if (json_is_true(json_object_get(adv, "paused")))
		return g_strdup("not advertising while a central is connected (PauseWhileConnected)");
	if (json_is_true(json_object_get(adv, "advertising")))
		return g_strdup("advertising");
	if (error) {
		g_autofree char *shown = escape_text(error);

		return g_strdup_printf("not advertising (bluetoothd refused it: %s)", shown);
	}
	return g_strdup("not advertising yet (BlueZ has not registered it)");
}
