/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * disconnect.c: `gattctl disconnect ADDR`: have gattd drop a connected central's
 * link; `gattctl forget ADDR`: have it remove a device and its keys (a bond).
 */
#include "gattctl.h"

#include <stdio.h>

#include "shared/escape.h"

/* Ask gattd to cmd ("disconnect", "forget") the device at ADDR; print "done ADDR". */
static int ask(Gattctl *ctl, const GattctlVerbSpec *spec, int argc, char **argv, const char *cmd, const char *done)
{
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	g_autofree char *what = NULL;
	g_autofree char *shown = NULL;
	const char *address;
	int r;

	r = gattctl_parse_options(ctl, spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	address = argv[1];
	r = gattctl_check_address(address);
	if (r != GATTCTL_EXIT_OK)
		return r;

	request = gattctl_request_new(cmd, NULL);
	json_object_set_new(request, "address", json_string(address));
	what = g_strdup_printf("%s %s", cmd, address);
	/* gattd answers within 10 s whatever BlueZ does; the call's own limit is longer. */
	r = gattctl_call(ctl, request, gattctl_timeout_ms(ctl), what, &reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;
	shown = escape_text(jread_string(reply, "address") ? jread_string(reply, "address") : address);
	printf("%s %s\n", done, shown);
	return GATTCTL_EXIT_OK;
}

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

	return ask(ctl, &spec, argc, argv, "disconnect", "disconnected");
}

int gattctl_forget(Gattctl *ctl, int argc, char **argv)
{
	static const GattctlVerbSpec spec = {
		.params = "ADDR",
		.summary = "Remove the device with address ADDR and its keys from BlueZ (see gattctl\n"
		           "bonds): it must pair again to use encrypted characteristics. A connected\n"
		           "one is disconnected first. Exit status 1 when BlueZ knows no device ADDR or\n"
		           "refuses, 4 when BlueZ does not answer within 10 s, 5 when it goes away first.",
		.min_args = 1,
		.max_args = 1,
	};

	return ask(ctl, &spec, argc, argv, "forget", "forgot");
}
