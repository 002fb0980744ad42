/*
 * format.c: gattd's JSON as text for people: quoting, scalars, values, key=value
 * fields, and the one-line form shared by watch, next-write and set.
 *
 * Output is meant to be read and grepped, so every line is self-contained, and
 * text that came from a central is always quoted and escaped: a write containing a
 * newline or an escape sequence must not forge extra lines or repaint the terminal.
 */
#include "gattctl.h"

#include <string.h>

#include "value.h"

char *gattctl_quote(const char *text, size_t len)
{
	GString *s = g_string_sized_new(len + 2);
	const char *end = text + len;
	const char *p = text;

	g_string_append_c(s, '"');
	while (p < end) {
		guchar c = (guchar)*p;
		gunichar u;

		switch (c) {
		case '\n': g_string_append(s, "\\n"); p++; continue;
		case '\r': g_string_append(s, "\\r"); p++; continue;
		case '\t': g_string_append(s, "\\t"); p++; continue;
		case '"': g_string_append(s, "\\\""); p++; continue;
		case '\\': g_string_append(s, "\\\\"); p++; continue;
		default: break;
		}
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				g_string_append_printf(s, "\\x%02x", c);
			else
				g_string_append_c(s, (char)c);
			p++;
			continue;
		}
		u = g_utf8_get_char_validated(p, end - p);
		if (u == (gunichar)-1 || u == (gunichar)-2 || !g_unichar_isprint(u)) {
			g_string_append_printf(s, "\\x%02x", c);
			p++;
			continue;
		}
		g_string_append_len(s, p, g_utf8_next_char(p) - p);
		p = g_utf8_next_char(p);
	}
	g_string_append_c(s, '"');
	return g_string_free(s, FALSE);
}

static bool needs_quotes(const char *s)
{
	if (*s == '\0')
		return true;
	for (const guchar *p = (const guchar *)s; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '\\' || *p == '=' || *p == ',' || *p == 0x7f)
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

static char *format_scalar(JsonNode *node, bool quote_if_needed)
{
	GType type;

	if (JSON_NODE_HOLDS_NULL(node))
		return g_strdup("null");
	type = json_node_get_value_type(node);
	if (type == G_TYPE_STRING) {
		const char *s = json_node_get_string(node);

		if (quote_if_needed && needs_quotes(s))
			return gattctl_quote(s, strlen(s));
		return g_strdup(s);
	}
	if (type == G_TYPE_INT64)
		return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
	if (type == G_TYPE_DOUBLE)
		return format_double(json_node_get_double(node));
	if (type == G_TYPE_BOOLEAN)
		return g_strdup(json_node_get_boolean(node) ? "true" : "false");
	return g_strdup("?");
}

static char *format_compact_json(JsonNode *node)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();

	json_generator_set_root(gen, node);
	return json_generator_to_data(gen, NULL);
}

char *gattctl_format_node(JsonNode *node, bool quote_if_needed)
{
	if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *array = json_node_get_array(node);
		g_autoptr(GString) s = g_string_new(NULL);

		for (guint i = 0; i < json_array_get_length(array); i++) {
			JsonNode *elem = json_array_get_element(array, i);
			g_autofree char *text = NULL;

			if (!JSON_NODE_HOLDS_VALUE(elem) && !JSON_NODE_HOLDS_NULL(elem))
				return format_compact_json(node);
			text = format_scalar(elem, quote_if_needed);
			if (i > 0)
				g_string_append_c(s, ',');
			g_string_append(s, text);
		}
		return g_string_free(g_steal_pointer(&s), FALSE);
	}
	if (JSON_NODE_HOLDS_OBJECT(node))
		return format_compact_json(node);
	return format_scalar(node, quote_if_needed);
}

char *gattctl_format_typed(JsonNode *typed)
{
	return gattctl_format_node(typed, false);
}

/* Bytes worth showing as text too: valid UTF-8, printable apart from line breaks and tabs. */
static bool is_printable_text(const guint8 *data, size_t len)
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

char *gattctl_format_value(JsonObject *obj)
{
	JsonNode *value = json_object_get_member(obj, "value");
	JsonNode *typed = json_object_get_member(obj, "typed");
	const char *hex = gattctl_object_string(obj, "value");
	g_autoptr(GBytes) bytes = NULL;

	if (!value)
		return g_strdup("");
	if (!hex)
		return gattctl_format_node(value, true);
	bytes = value_from_hex(hex, NULL);
	if (*hex == '\0')
		hex = "(empty)";
	if (typed) {
		g_autofree char *text = NULL;

		if (JSON_NODE_HOLDS_VALUE(typed) && json_node_get_value_type(typed) == G_TYPE_STRING) {
			const char *s = json_node_get_string(typed);

			text = gattctl_quote(s, strlen(s));
		} else {
			text = gattctl_format_node(typed, true);
		}
		return g_strdup_printf("%s %s", hex, text);
	}

	if (bytes) {
		gsize len;
		const guint8 *data = g_bytes_get_data(bytes, &len);

		if (is_printable_text(data, len)) {
			g_autofree char *text = gattctl_quote((const char *)data, len);

			return g_strdup_printf("%s %s", hex, text);
		}
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

char *gattctl_format_fields(JsonObject *obj, const char *const *skip, GattctlFieldsFlags flags)
{
	g_autoptr(GList) members = json_object_get_members(obj);
	g_autoptr(GString) s = g_string_new(NULL);

	for (GList *l = members; l; l = l->next) {
		const char *name = l->data;
		JsonNode *node = json_object_get_member(obj, name);
		g_autofree char *text = NULL;

		if (skipped(name, skip))
			continue;
		if (flags & GATTCTL_FIELDS_BARE_BOOLS) {
			if (JSON_NODE_HOLDS_NULL(node))
				continue;
			if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_BOOLEAN) {
				if (json_node_get_boolean(node))
					g_string_append_printf(s, "%s%s", s->len ? " " : "", name);
				continue;
			}
		}
		text = gattctl_format_node(node, true);
		g_string_append_printf(s, "%s%s=%s", s->len ? " " : "", name, text);
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

char *gattctl_format_line(const char *name, JsonObject *obj)
{
	static const char *const shown_first[] = { "event", "id", "ok", "char", "value", "typed", NULL };
	g_autoptr(GString) s = g_string_new(name);
	const char *chr = gattctl_object_string(obj, "char");
	g_autofree char *fields = gattctl_format_fields(obj, shown_first, GATTCTL_FIELDS_PLAIN);

	if (chr)
		g_string_append_printf(s, " %s", chr);
	if (json_object_has_member(obj, "value")) {
		g_autofree char *value = gattctl_format_value(obj);

		g_string_append_printf(s, " %s", value);
	}
	if (*fields)
		g_string_append_printf(s, " %s", fields);
	return g_string_free(g_steal_pointer(&s), FALSE);
}
