/* disconnect.c: `gattctl disconnect ADDR`: have gattd drop a connected central's link. */
#include "gattctl.h"

#include <stdio.h>

#include "shared/escape.h"

int gattctl_disconnect(Gattctl *ctl, int argc, char **argv)
{
	static const GattctlVerbSpec spec = {
		.params = "ADDR",
		.summary = "Disconnect the central with address ADDR (AA:BB:CC:DD:EE:FF, either case;\n"
		           "see gattctl devices) and wait until BlueZ has dropped the link, a couple of\n"
		           "seconds. gattd gives BlueZ 10 s: then exit status 4. Exit status 1 when no\n"
		           "connected central has ADDR, one is being disconnected already, or BlueZ\n"
		           "refuses; 5 when BlueZ goes away first.",
		.min_args = 1,
		.max_args = 1,
	};
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	g_autofree char *what = NULL;
	g_autofree char *shown = NULL;
	const char *address;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	address = argv[1];
	r = gattctl_check_address(address);
	if (r != GATTCTL_EXIT_OK)
		return r;

	request = gattctl_request_new("disconnect", NULL);
	json_object_set_new(request, "address", json_string(address));
	what = g_strdup_printf("disconnect %s", address);
	/* gattd answers within 10 s whatever BlueZ does; the call's own limit is longer. */
	r = gattctl_call(ctl, request, GATTD_CLIENT_CALL_TIMEOUT_MS, what, &reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;
	shown = escape_text(jread_string(reply, "address") ? jread_string(reply, "address") : address);
	printf("disconnected %s\n", shown);
	return GATTCTL_EXIT_OK;
}
