/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * list.c: `gattctl list`: services, their characteristics and descriptors as a tree
 * that fits 80 columns. Each node is a line: its id and UUID (16-bit ones short, with
 * the SIG's name), then its flags, details and value. When they do not fit beside the
 * UUID they go on a line of their own below it, and a long value is cut with "..."
 * (--json and get show it whole).
 */
#include "gattctl.h"

#include "shared/escape.h"
#include "shared/uuid-names.h"
#include "shared/uuid.h"
#include "shared/value.h"

#include <stdio.h>
#include <string.h>

/* The width lines are made to fit: a terminal's default. */
#define LIST_WIDTH 80

typedef struct {
	const char *branch, *last_branch; /* before a child: more follow / it is the last */
	const char *pipe, *space;         /* below a child: more follow / it was the last */
} TreeGlyphs;

static const TreeGlyphs utf8_glyphs = { "├─ ", "└─ ", "│  ", "   " };
static const TreeGlyphs ascii_glyphs = { "|- ", "`- ", "|  ", "   " };

typedef enum {
	LIST_SERVICE,
	LIST_CHAR,
	LIST_DESC,
} ListLevel;

static size_t width(const char *s)
{
	return g_utf8_strlen(s, -1);
}

/* s cut to at most max columns, "..." marking the cut. */
static char *fit(const char *s, size_t max)
{
	if (width(s) <= max)
		return g_strdup(s);
	if (max <= 3)
		return g_strdup("...");
	return g_strdup_printf("%.*s...", (int)(g_utf8_offset_to_pointer(s, (glong)(max - 3)) - s), s);
}

/*
 * The value as people want to read it in a list: what gattd says it means ("decoded",
 * for a 0x2904), the typed value, else the bytes as text when they are printable
 * (always for a Characteristic User Description), else hex; strings quoted and escaped.
 */
static char *format_list_value(const json_t *node, bool is_user_description)
{
	const char *decoded = jread_string(node, "decoded");
	json_t *typed = json_object_get(node, "typed");
	const char *hex = jread_string(node, "value");
	g_autoptr(GBytes) bytes = NULL;
	const char *data;
	gsize len;

	if (decoded)
		return escape_text(decoded);
	if (json_is_string(typed))
		return gattctl_quote(json_string_value(typed), json_string_length(typed));
	if (typed)
		return gattctl_format_node(typed, true);
	if (!hex)
		return g_strdup("");
	bytes = value_from_hex(hex, NULL);
	if (!bytes)
		return gattctl_quote(hex, strlen(hex));
	data = g_bytes_get_data(bytes, &len);
	if (len == 0)
		return g_strdup("(empty)");
	if (is_user_description || gattctl_is_printable_text((const guint8 *)data, len))
		return gattctl_quote(data, len);
	return g_strdup(hex);
}

/* Flags and details: "read,notify u8 capture=16 notifying"; for a service "secondary" or nothing. */
static char *format_details(const json_t *node, ListLevel level)
{
	g_autoptr(GString) s = g_string_new(NULL);
	json_t *flags = json_object_get(node, "flags");
	const char *type = jread_string(node, "type");
	json_int_t capture = json_integer_value(json_object_get(node, "capture"));
	ValueType value_type;

	if (level == LIST_SERVICE) {
		if (json_is_false(json_object_get(node, "primary")))
			g_string_append(s, "secondary");
		return g_string_free(g_steal_pointer(&s), FALSE);
	}
	if (json_is_array(flags)) {
		g_autofree char *text = gattctl_format_node(flags, true);

		g_string_append(s, json_array_size(flags) ? text : "(no flags)");
	}
	if (level == LIST_DESC)
		return g_string_free(g_steal_pointer(&s), FALSE);
	if (type) {
		g_autofree char *shown = escape_text(type);

		g_string_append_printf(s, " %s", shown);
	}
	/* A fixed-size Type says the length; MaxLength matters for the others. */
	if (!type || !value_type_from_name(type, &value_type) || value_type_size(value_type) == 0)
		g_string_append_printf(s, " max_length=%" JSON_INTEGER_FORMAT,
		                       json_integer_value(json_object_get(node, "max_length")));
	if (capture > 0)
		g_string_append_printf(s, " capture=%" JSON_INTEGER_FORMAT, capture);
	if (json_is_true(json_object_get(node, "notifying")))
		g_string_append(s, " notifying");
	return g_string_free(g_steal_pointer(&s), FALSE);
}

/*
 * One node: "PREFIX BRANCH ID  UUID  DETAILS  VALUE" when that fits, else the details
 * and value on a line of their own, below_prefix before them, the value cut to fit.
 */
static void print_node(const json_t *obj, ListLevel level, const char *head_prefix, const char *below_prefix)
{
	const char *id = jread_string(obj, "id");
	const char *uuid = jread_string(obj, "uuid");
	g_autofree char *shown_id = escape_text(id ? id : "?");
	g_autofree char *shown_uuid = uuid_describe(uuid);
	g_autofree char *safe_uuid = escape_text(shown_uuid);
	g_autofree char *head = g_strdup_printf("%s%s  %s", head_prefix, shown_id, safe_uuid);
	char *name = strchr(safe_uuid, ' ');
	g_autofree char *details = format_details(obj, level);
	g_autofree char *value = level == LIST_SERVICE ? g_strdup("")
	                                               : format_list_value(obj, uuid_is_short(uuid, 0x2901));
	g_autofree char *tail = g_strjoin("  ", details, value, NULL);
	g_autofree char *shown_value = NULL;
	size_t used;

	g_strstrip(tail);
	if (width(head) > LIST_WIDTH && name) {
		/* Deep down a long id, the number alone: "0x2904", not half of its name. */
		*name = '\0';
		g_free(head);
		head = g_strdup_printf("%s%s  %s", head_prefix, shown_id, safe_uuid);
	}
	if (!*tail) {
		printf("%s\n", head);
		return;
	}
	if (width(head) + 2 + width(tail) <= LIST_WIDTH) {
		printf("%s  %s\n", head, tail);
		return;
	}
	printf("%s\n", head);
	used = width(below_prefix) + width(details) + (*details && *value ? 2 : 0);
	shown_value = fit(value, used < LIST_WIDTH - 3 ? LIST_WIDTH - used : 3);
	printf("%s%s%s%s\n", below_prefix, details, *details && *value ? "  " : "", shown_value);
}

static json_t *children(const json_t *obj, const char *member)
{
	json_t *node = member ? json_object_get(obj, member) : NULL;

	return json_is_array(node) ? node : NULL;
}

/* What holds the children of a node of each level. */
static const char *const child_members[] = {
	[LIST_SERVICE] = "characteristics",
	[LIST_CHAR] = "descriptors",
	[LIST_DESC] = NULL,
};

/* nodes of one level, each below prefix; services (the top) hang from no branch. */
static void print_tree(const json_t *nodes, ListLevel level, const char *prefix, const TreeGlyphs *g)
{
	size_t n = json_array_size(nodes);
	bool top = level == LIST_SERVICE;

	for (size_t i = 0; i < n; i++) {
		json_t *node = json_array_get(nodes, i);
		bool last = i + 1 == n;
		g_autofree char *head_prefix = NULL;
		g_autofree char *child_prefix = NULL;
		g_autofree char *below_prefix = NULL;
		json_t *kids;

		if (!json_is_object(node))
			continue;
		kids = children(node, child_members[level]);
		head_prefix = g_strconcat(prefix, top ? "" : last ? g->last_branch : g->branch, NULL);
		child_prefix = g_strconcat(prefix, top ? "" : last ? g->space : g->pipe, NULL);
		/* A wrapped line sits under the node's id, the branch to its children drawn through it. */
		below_prefix = g_strconcat(child_prefix, kids && json_array_size(kids) ? g->pipe : g->space, NULL);
		print_node(node, level, head_prefix, below_prefix);
		if (kids)
			print_tree(kids, level + 1, child_prefix, g);
	}
}

int gattctl_list(Gattctl *ctl, int argc, char **argv)
{
	static const GattctlVerbSpec spec = {
		.params = "",
		.summary = "Print the services gattd serves as a tree that fits 80 columns: each\n"
		           "service, characteristic and descriptor by its id and UUID (16-bit ones as\n"
		           "0xXXXX with the SIG's name), then its flags, Type, MaxLength (without a\n"
		           "fixed-size Type), Capture, whether it notifies, and its value: typed, else\n"
		           "text when printable (a 0x2901 description always), else hex; a long value\n"
		           "is cut with \"...\" (--json and get show it whole).",
	};
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	json_t *services;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	request = gattctl_request_new("list", NULL);
	r = gattctl_call(ctl, request, gattctl_timeout_ms(ctl), "list", &reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;

	services = children(reply, "services");
	if (!services || json_array_size(services) == 0) {
		printf("(no services)\n");
		return GATTCTL_EXIT_OK;
	}
	print_tree(services, LIST_SERVICE, "", g_get_charset(NULL) ? &utf8_glyphs : &ascii_glyphs);
	return GATTCTL_EXIT_OK;
}
