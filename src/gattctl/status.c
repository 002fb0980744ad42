/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * status.c: `gattctl status`: gattd's state as aligned "key: value" lines, with a line
 * "advertisement NAME: ..." for each [Advertising NAME] advertisement in its place.
 */
#include "gattctl.h"

#include "shared/escape.h"

#include <stdio.h>
#include <string.h>

/* Status reads better with yes/no and "none" than with JSON's true/false/null/[]. */
static char *status_value(const json_t *node)
{
	if (json_is_null(node))
		return g_strdup("none");
	if (json_is_boolean(node))
		return g_strdup(json_is_true(node) ? "yes" : "no");
	if (json_is_array(node) && json_array_size(node) == 0)
		return g_strdup("none");
	if (json_is_object(node))
		return gattctl_format_fields(node, NULL, GATTCTL_FIELDS_PLAIN);
	return gattctl_format_node(node, false);
}

/* One line: the key (escaped) and the value to show. */
static void add_line(GPtrArray *keys, GPtrArray *values, char *key, char *value)
{
	g_ptr_array_add(keys, key);
	g_ptr_array_add(values, value);
}

/* "advertisement NAME: STATE" for each item of "advertisements", in its place. */
static void add_advertisements(GPtrArray *keys, GPtrArray *values, const json_t *advertisements)
{
	json_t *item;
	size_t i;

	json_array_foreach(advertisements, i, item) {
		const char *name = jread_string(item, "name");
		g_autofree char *shown = escape_text(name ? name : "?");

		add_line(keys, values, g_strdup_printf("advertisement %s", shown), gattctl_format_advertising(item));
	}
}

int gattctl_status(Gattctl *ctl, int argc, char **argv)
{
	static const GattctlVerbSpec spec = {
		.params = "",
		.summary = "Print gattd's state: lifecycle state, adapter, registration and advertising,\n"
		           "each [Advertising NAME] advertisement, clients, watchers, subscribed\n"
		           "characteristics and captured writes. Exit status 0 when the services are on the\n"
		           "air, 6 when gattd runs but they are not.",
	};
	static const char *const not_shown[] = { "id", "ok", NULL };
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	json_t *node;
	size_t width = 0;
	bool on_air;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	request = gattctl_request_new("status", NULL);
	r = gattctl_call(ctl, request, gattctl_timeout_ms(ctl), "status", &reply);
	if (r != GATTCTL_EXIT_OK)
		return r;
	/* As systemctl is-active: scripts test the exit status. */
	on_air = json_is_true(json_object_get(reply, "on_air"));
	if (ctl->json)
		return on_air ? GATTCTL_EXIT_OK : GATTCTL_EXIT_NOT_ON_AIR;

	json_object_foreach(reply, name, node) {
		if (g_strv_contains(not_shown, name))
			continue;
		if (strcmp(name, "advertisements") == 0 && json_is_array(node))
			add_advertisements(keys, values, node);
		else
			add_line(keys, values, escape_text(name), status_value(node));
	}
	for (unsigned i = 0; i < keys->len; i++)
		width = MAX(width, strlen(keys->pdata[i]));
	for (unsigned i = 0; i < keys->len; i++) {
		const char *key = keys->pdata[i];

		printf("%s:%*s %s\n", key, (int)(width - strlen(key)), "", (const char *)values->pdata[i]);
	}
	return on_air ? GATTCTL_EXIT_OK : GATTCTL_EXIT_NOT_ON_AIR;
}
