/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * get.c: `gattctl get CHAR|DESC`: print a characteristic's value, typed if it has a
 * Type, or a descriptor's (a Characteristic User Description as its text).
 */
#include "gattctl.h"

#include "shared/uuid.h"
#include "shared/value.h"

#include <stdio.h>
#include <string.h>

/* A descriptor's value: what gattd says it means, a 0x2901's text, else hex. */
static char *format_descriptor(const json_t *reply)
{
	const char *decoded = jread_string(reply, "decoded");
	const char *uuid = jread_string(reply, "uuid");
	const char *hex = jread_string(reply, "value");
	g_autoptr(GBytes) bytes = hex ? value_from_hex(hex, NULL) : NULL;
	gsize len;
	const char *data;

	if (decoded) {
		g_autoptr(json_t) node = gattctl_json_string(decoded);

		return gattctl_format_typed(node);
	}
	if (bytes && uuid_is_short(uuid, 0x2901)) {
		data = g_bytes_get_data(bytes, &len);
		if (g_utf8_validate_len(data, len, NULL)) {
			g_autoptr(json_t) node = json_stringn(data, len);

			return gattctl_format_typed(node);
		}
	}
	return gattctl_format_node(json_object_get(reply, "value"), true);
}

int gattctl_get(Gattctl *ctl, int argc, char **argv)
{
	static const GattctlVerbSpec spec = {
		.params = "CHAR|DESC",
		.summary = "Print the value of characteristic CHAR (an id like battery/level): as its\n"
		           "Type's text (100, true, hello) if it has a Type, else as hex bytes.\n"
		           "Or of descriptor DESC (an id like battery/level/valid_range): a\n"
		           "Characteristic User Description (0x2901) as its text, a Presentation\n"
		           "Format (0x2904) as what it says, any other as hex bytes.",
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
	r = gattctl_call(ctl, request, gattctl_timeout_ms(ctl), what, &reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;

	/* Unquoted, so $(gattctl get dev/name) is the text itself, unless it holds
	 * what a terminal would act on: then quoted and escaped, as watch shows it. */
	typed = json_object_get(reply, "typed");
	if (jread_string(reply, "descriptor"))
		text = format_descriptor(reply);
	else if (typed)
		text = gattctl_format_typed(typed);
	else if (json_object_get(reply, "value"))
		text = gattctl_format_node(json_object_get(reply, "value"), true);
	printf("%s\n", text ? text : "");
	return GATTCTL_EXIT_OK;
}
