/* status.c: `gattctl status`: gattd's state as aligned "key: value" lines. */
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

int gattctl_status(Gattctl *ctl, int argc, char **argv)
{
	static const GattctlVerbSpec spec = {
		.params = "",
		.summary = "Print gattd's state: lifecycle state, adapter, registration and advertising,\n"
		           "clients, watchers, subscribed characteristics and captured writes.",
	};
	static const char *const not_shown[] = { "id", "ok", NULL };
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	const char *name;
	json_t *node;
	size_t width = 0;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	request = gattctl_request_new("status", NULL);
	r = gattctl_call(ctl, request, GATTD_CLIENT_CALL_TIMEOUT_MS, "status", &reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;

	json_object_foreach(reply, name, node)
		if (!g_strv_contains(not_shown, name))
			width = MAX(width, strlen(name));
	json_object_foreach(reply, name, node) {
		g_autofree char *shown_name = NULL;
		g_autofree char *value = NULL;

		if (g_strv_contains(not_shown, name))
			continue;
		shown_name = escape_text(name);
		value = status_value(node);
		printf("%s:%*s %s\n", shown_name, (int)(width - MIN(width, strlen(name))), "", value);
	}
	return GATTCTL_EXIT_OK;
}
