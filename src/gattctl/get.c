/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* get.c: `gattctl get CHAR`: print a characteristic's value, typed if it has a Type. */
#include "gattctl.h"

#include <stdio.h>

int gattctl_get(Gattctl *ctl, int argc, char **argv)
{
	static const GattctlVerbSpec spec = {
		.params = "CHAR",
		.summary = "Print the value of characteristic CHAR (an id like battery/level): as its\n"
		           "Type's text (100, true, hello) if it has a Type, else as hex bytes.",
		.min_args = 1,
		.max_args = 1,
	};
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	g_autofree char *what = NULL;
	g_autofree char *text = NULL;
	json_t *typed;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	request = gattctl_request_new("get", argv[1]);
	what = g_strdup_printf("get %s", argv[1]);
	r = gattctl_call(ctl, request, GATTD_CLIENT_CALL_TIMEOUT_MS, what, &reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;

	/* Unquoted, so $(gattctl get dev/name) is the text itself, unless it holds
	 * what a terminal would act on: then quoted and escaped, as watch shows it. */
	typed = json_object_get(reply, "typed");
	if (typed)
		text = gattctl_format_typed(typed);
	else if (json_object_get(reply, "value"))
		text = gattctl_format_node(json_object_get(reply, "value"), true);
	printf("%s\n", text ? text : "");
	return GATTCTL_EXIT_OK;
}
