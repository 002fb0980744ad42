/* status.c: `gattctl status`: gattd's state as aligned "key: value" lines. */
#include "gattctl.h"

#include <stdio.h>
#include <string.h>

/* Status reads better with yes/no and "none" than with JSON's true/false/null/[]. */
static char *status_value(JsonNode *node)
{
	if (JSON_NODE_HOLDS_NULL(node))
		return g_strdup("none");
	if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_BOOLEAN)
		return g_strdup(json_node_get_boolean(node) ? "yes" : "no");
	if (JSON_NODE_HOLDS_ARRAY(node) && json_array_get_length(json_node_get_array(node)) == 0)
		return g_strdup("none");
	if (JSON_NODE_HOLDS_OBJECT(node))
		return gattctl_format_fields(json_node_get_object(node), NULL, GATTCTL_FIELDS_PLAIN);
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
	g_autoptr(JsonObject) request = NULL;
	g_autoptr(JsonObject) reply = NULL;
	g_autoptr(GList) members = NULL;
	size_t width = 0;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	request = gattctl_request_new("status", NULL);
	r = gattctl_call(ctl, request, GATTD_CLIENT_CALL_TIMEOUT_MS, "status", &reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;

	members = json_object_get_members(reply);
	for (GList *l = members; l; l = l->next)
		if (!g_strv_contains(not_shown, l->data))
			width = MAX(width, strlen(l->data));
	for (GList *l = members; l; l = l->next) {
		const char *name = l->data;
		g_autofree char *value = NULL;

		if (g_strv_contains(not_shown, name))
			continue;
		value = status_value(json_object_get_member(reply, name));
		printf("%s:%*s %s\n", name, (int)(width - strlen(name)), "", value);
	}
	return GATTCTL_EXIT_OK;
}
