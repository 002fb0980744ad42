/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* reload.c: `gattctl reload`: ask gattd to re-read its configuration. */
#include "gattctl.h"

#include <stdio.h>

int gattctl_reload(Gattctl *ctl, int argc, char **argv)
{
	static const GattctlVerbSpec spec = {
		.params = "",
		.summary = "Ask gattd to re-read its configuration (as SIGHUP does). An invalid\n"
		           "configuration is refused with every problem listed and gattd keeps\n"
		           "serving the old one (exit 1). Unchanged characteristics keep their values.",
	};
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	request = gattctl_request_new("reload", NULL);
	r = gattctl_call(ctl, request, gattctl_timeout_ms(ctl), "reload", &reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;
	printf("reloaded: configuration generation %" JSON_INTEGER_FORMAT "%s\n",
	       json_integer_value(json_object_get(reply, "generation")),
	       json_is_true(json_object_get(reply, "reregistered"))
	               ? ", services registered again with BlueZ"
	               : "");
	return GATTCTL_EXIT_OK;
}
