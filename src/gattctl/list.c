/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* list.c: `gattctl list`: services, their characteristics and descriptors as a tree. */
#include "gattctl.h"

#include "shared/escape.h"

#include <stdio.h>

typedef struct {
	const char *branch, *last_branch; /* before a child: more follow / it is the last */
	const char *pipe, *space;         /* below a child: more follow / it was the last */
} TreeGlyphs;

static const TreeGlyphs utf8_glyphs = { "├─ ", "└─ ", "│  ", "   " };
static const TreeGlyphs ascii_glyphs = { "|- ", "`- ", "|  ", "   " };

/* One node: its id, then its other members as fields; children printed below. */
static void print_node(const json_t *obj, const char *children_member, const char *prefix, const char *branch)
{
	const char *const skip[] = { "id", children_member, NULL };
	g_autofree char *fields = gattctl_format_fields(obj, skip, GATTCTL_FIELDS_BARE_BOOLS);
	const char *id = jread_string(obj, "id");
	g_autofree char *shown_id = id ? escape_text(id) : g_strdup("?");

	printf("%s%s%s%s%s\n", prefix, branch, shown_id, *fields ? "  " : "", fields);
}

static json_t *children(const json_t *obj, const char *member)
{
	json_t *node = member ? json_object_get(obj, member) : NULL;

	return json_is_array(node) ? node : NULL;
}

/*
 * levels[0] is the member holding the children of nodes ("characteristics" for
 * services), levels[1] theirs, and so on. Top-level nodes hang from no branch.
 */
static void print_tree(const json_t *nodes, const char *const *levels, const char *prefix, bool top,
                       const TreeGlyphs *g)
{
	size_t n = json_array_size(nodes);

	for (size_t i = 0; i < n; i++) {
		json_t *node = json_array_get(nodes, i);
		bool last = i + 1 == n;
		const char *branch = top ? "" : last ? g->last_branch : g->branch;
		g_autofree char *child_prefix = NULL;
		json_t *kids;

		if (!json_is_object(node))
			continue;
		print_node(node, levels[0], prefix, branch);
		kids = children(node, levels[0]);
		if (!kids)
			continue;
		child_prefix = g_strconcat(prefix, top ? "" : last ? g->space : g->pipe, NULL);
		print_tree(kids, levels + 1, child_prefix, false, g);
	}
}

int gattctl_list(Gattctl *ctl, int argc, char **argv)
{
	static const GattctlVerbSpec spec = {
		.params = "",
		.summary = "Print the services gattd serves, with each characteristic's flags, Type,\n"
		           "MaxLength, Capture, whether it notifies, and its current value.",
	};
	static const char *const levels[] = { "characteristics", "descriptors", NULL };
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	json_t *services;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	request = gattctl_request_new("list", NULL);
	r = gattctl_call(ctl, request, GATTD_CLIENT_CALL_TIMEOUT_MS, "list", &reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;

	services = children(reply, "services");
	if (!services || json_array_size(services) == 0) {
		printf("(no services)\n");
		return GATTCTL_EXIT_OK;
	}
	print_tree(services, levels, "", true, g_get_charset(NULL) ? &utf8_glyphs : &ascii_glyphs);
	return GATTCTL_EXIT_OK;
}
