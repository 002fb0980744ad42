/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pairable.c: `gattctl pairable [on [SECONDS] | off]`: how pairing stands, and
 * opening or closing the pairing window ([Pairing] Pairable=on-request):
 *
 *   pairable for 57 s more (just-works; agent registered)
 *   not pairable (passkey; agent registered)
 */
#include "gattctl.h"

#include <stdio.h>
#include <string.h>

#define SECONDS_MAX 86400

static void print_pairing(const json_t *reply)
{
	json_t *remaining = json_object_get(reply, "remaining_ms");
	const char *method = jread_string(reply, "method");
	const char *agent = json_is_true(json_object_get(reply, "agent")) ? "agent registered" : "agent not registered";
	g_autofree char *state = NULL;

	if (!json_is_true(json_object_get(reply, "pairable")))
		state = g_strdup("not pairable");
	else if (json_is_true(json_object_get(reply, "always")))
		state = g_strdup("pairable (always)");
	else
		state = g_strdup_printf("pairable for %" JSON_INTEGER_FORMAT " s more",
		                        (json_integer_value(remaining) + 999) / 1000);
	printf("%s (%s; %s)\n", state, method ? method : "off", agent);
}

int gattctl_pairable(Gattctl *ctl, int argc, char **argv)
{
	static const GattctlVerbSpec spec = {
		.params = "[on [SECONDS] | off]",
		.summary = "Without arguments, print whether a central's pairing is accepted now, the\n"
		           "pairing method and whether gattd is bluetoothd's agent. 'on' opens the\n"
		           "pairing window for SECONDS (1..86400; default [Pairing] PairableSeconds),\n"
		           "'off' closes it ([Pairing] Pairable=on-request). Exit status 1 with\n"
		           "Method=off, or 'off' with Pairable=always.",
		.max_args = 2,
	};
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	guint64 seconds = 0;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	request = gattctl_request_new("pairable", NULL);
	if (argc >= 2) {
		if (strcmp(argv[1], "on") != 0 && strcmp(argv[1], "off") != 0)
			return gattctl_usage_error("'%s' is not on or off", argv[1]);
		if (argc == 3 && strcmp(argv[1], "on") != 0)
			return gattctl_usage_error("SECONDS goes with 'on'");
		if (argc == 3 && (!g_ascii_string_to_unsigned(argv[2], 10, 1, SECONDS_MAX, &seconds, NULL)))
			return gattctl_usage_error("SECONDS: '%s' is not a number of seconds 1..%d", argv[2], SECONDS_MAX);
		json_object_set_new(request, "open", json_boolean(strcmp(argv[1], "on") == 0));
		if (seconds)
			json_object_set_new(request, "seconds", json_integer((json_int_t)seconds));
	}
	r = gattctl_call(ctl, request, gattctl_timeout_ms(ctl), "pairable", &reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;
	print_pairing(reply);
	return GATTCTL_EXIT_OK;
}
