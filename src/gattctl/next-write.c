/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* next-write.c: `gattctl next-write CHAR`: take the oldest write queued for a Capture= characteristic. */
#include "gattctl.h"

#include <stdio.h>

#include "shared/value.h"

int gattctl_next_write(Gattctl *ctl, int argc, char **argv)
{
	g_autofree char *timeout_text = NULL;
	const GOptionEntry entries[] = {
		{ "timeout", 't', 0, G_OPTION_ARG_STRING, &timeout_text,
		  "Give up after MS milliseconds (0..86400000; exit status 4). Default: wait forever", "MS" },
		G_OPTION_ENTRY_NULL,
	};
	const GattctlVerbSpec spec = {
		.params = "CHAR",
		.summary = "Print the oldest write a central made to CHAR, a characteristic with Capture=,\n"
		           "waiting for one if none is queued. gattd queues writes while nobody asks, so\n"
		           "a loop of next-write sees every write in order. If the adapter or BlueZ goes\n"
		           "away meanwhile, exits with status 5: just run it again.",
		.entries = entries,
		.min_args = 1,
		.max_args = 1,
	};
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	g_autofree char *what = NULL;
	g_autofree char *line = NULL;
	uint64_t timeout_ms = 0;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	if (timeout_text && value_parse_uint(timeout_text, GATTD_CLIENT_NEXT_WRITE_MAX_TIMEOUT_MS, &timeout_ms) < 0)
		return gattctl_usage_error("--timeout wants milliseconds 0..%d, not '%s'",
		                           GATTD_CLIENT_NEXT_WRITE_MAX_TIMEOUT_MS, timeout_text);

	request = gattctl_request_new("next-write", argv[1]);
	if (timeout_text)
		json_object_set_new(request, "timeout_ms", json_integer((json_int_t)timeout_ms));
	what = g_strdup_printf("next-write %s", argv[1]);
	/* gattd answers by itself when the timeout passes; the grace is for a hung gattd. */
	r = gattctl_call(ctl, request, timeout_text ? (int)timeout_ms + GATTD_CLIENT_NEXT_WRITE_GRACE_MS : -1, what,
	                 &reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;

	line = gattctl_format_line("write", reply);
	printf("%s\n", line);
	return GATTCTL_EXIT_OK;
}
