/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * devices.c: `gattctl devices`: the centrals connected to gattd's adapter, one line
 * each under a header, oldest connection first, in 80 columns:
 *
 *   ADDRESS            TYPE    MTU  CONNECTED  FLAGS           NAME
 *   5A:3C:11:22:33:44  random  517  3m12s      bonded,trusted  "Pixel 7"
 *   00:AA:01:01:00:42  public  -    45s        -               -
 *
 * and `gattctl bonds`: the devices BlueZ keeps keys for, connected or not:
 *
 *   ADDRESS            TYPE    CONNECTED  FLAGS           NAME
 *   5A:3C:11:22:33:44  random  yes        bonded          "Pixel 7"
 */
#include "gattctl.h"

#include <stdio.h>

#include "shared/escape.h"

#define LINE_WIDTH 80
#define ROW_FORMAT "%-17s  %-6s  %-3s  %-9s  %-14s  %s\n"
/* What ROW_FORMAT takes before the name: the name gets the rest of the line. */
#define NAME_COLUMN (17 + 2 + 6 + 2 + 3 + 2 + 9 + 2 + 14 + 2)

/* A string member escaped, or "-" when gattd does not know it. */
static char *text_or_dash(const json_t *central, const char *member)
{
	const char *text = jread_string(central, member);

	return escape_text(text ? text : "-");
}

/* "45s", "3m12s", "2h05m", "3d04h": how long ago since_ms was, at now_ms. */
static char *format_age(int64_t since_ms, int64_t now_ms)
{
	int64_t s = MAX(now_ms - since_ms, 0) / 1000;

	if (s < 60)
		return g_strdup_printf("%" G_GINT64_FORMAT "s", s);
	if (s < 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s", s / 60, s % 60);
	if (s < 86400)
		return g_strdup_printf("%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT "m", s / 3600, s / 60 % 60);
	return g_strdup_printf("%" G_GINT64_FORMAT "d%02" G_GINT64_FORMAT "h", s / 86400, s / 3600 % 24);
}

/* bonded (which implies paired), else paired; trusted. "-" for none. */
static const char *format_flags(const json_t *central)
{
	bool bonded = json_is_true(json_object_get(central, "bonded"));
	bool paired = json_is_true(json_object_get(central, "paired"));
	bool trusted = json_is_true(json_object_get(central, "trusted"));

	if (bonded)
		return trusted ? "bonded,trusted" : "bonded";
	if (paired)
		return trusted ? "paired,trusted" : "paired";
	return trusted ? "trusted" : "-";
}

/* name quoted and escaped, cut to width columns at most ("..." after the quotes when cut). */
static char *fit_name(const char *name, size_t width)
{
	glong chars = g_utf8_strlen(name, -1);

	for (glong keep = chars;; keep--) {
		const char *end = g_utf8_offset_to_pointer(name, keep);
		g_autofree char *quoted = gattctl_quote(name, (size_t)(end - name));
		bool cut = keep < chars;

		if (keep == 0 || (size_t)g_utf8_strlen(quoted, -1) + (cut ? 3 : 0) <= width)
			return cut ? g_strconcat(quoted, "...", NULL) : g_steal_pointer(&quoted);
	}
}

static void print_central(const json_t *central, int64_t now_ms)
{
	json_t *mtu = json_object_get(central, "mtu");
	json_t *since = json_object_get(central, "connected_since");
	const char *name = gattctl_central_name(central);
	g_autofree char *address = text_or_dash(central, "address");
	g_autofree char *type = text_or_dash(central, "address_type");
	g_autofree char *shown_mtu = json_is_integer(mtu) ? gattctl_format_node(mtu, false) : g_strdup("-");
	g_autofree char *age = json_is_integer(since) ? format_age(json_integer_value(since), now_ms) : g_strdup("-");
	g_autofree char *shown_name = name ? fit_name(name, LINE_WIDTH - NAME_COLUMN) : g_strdup("-");

	printf(ROW_FORMAT, address, type, shown_mtu, age, format_flags(central), shown_name);
}

/*
 * Ask gattd for cmd ("devices", "bonds"), whose reply has an array of that name:
 * GATTCTL_EXIT_OK with *ret_list borrowed from *ret_reply and empty_text printed
 * when it is empty, else the exit status (with --json, the reply printed).
 */
static int fetch_list(Gattctl *ctl, const GattctlVerbSpec *spec, int argc, char **argv, const char *cmd,
                      const char *empty_text, json_t **ret_reply, json_t **ret_list)
{
	g_autoptr(json_t) request = NULL;
	int r;

	*ret_list = NULL;
	r = gattctl_parse_options(ctl, spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	request = gattctl_request_new(cmd, NULL);
	r = gattctl_call(ctl, request, gattctl_timeout_ms(ctl), cmd, ret_reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;
	*ret_list = json_object_get(*ret_reply, cmd);
	if (json_array_size(*ret_list) == 0) {
		printf("%s\n", empty_text);
		*ret_list = NULL;
	}
	return GATTCTL_EXIT_OK;
}

int gattctl_devices(Gattctl *ctl, int argc, char **argv)
{
	static const GattctlVerbSpec spec = {
		.params = "",
		.summary = "Print the centrals connected to gattd's adapter, oldest connection first:\n"
		           "address, address type, ATT MTU (once the central read or wrote), how long\n"
		           "it has been connected, whether it is bonded (or only paired) and trusted,\n"
		           "and its name (the alias given to it, else the name it told).",
	};
	g_autoptr(json_t) reply = NULL;
	int64_t now_ms;
	json_t *devices, *central;
	size_t i;
	int r;

	r = fetch_list(ctl, &spec, argc, argv, "devices", "no centrals connected", &reply, &devices);
	if (r != GATTCTL_EXIT_OK || !devices)
		return r;
	/* connected_since is gattd's wall clock, as this one is. */
	now_ms = g_get_real_time() / 1000;
	printf(ROW_FORMAT, "ADDRESS", "TYPE", "MTU", "CONNECTED", "FLAGS", "NAME");
	json_array_foreach(devices, i, central)
		print_central(central, now_ms);
	return GATTCTL_EXIT_OK;
}

#define BOND_FORMAT "%-17s  %-6s  %-9s  %-14s  %s\n"
#define BOND_NAME_COLUMN (17 + 2 + 6 + 2 + 9 + 2 + 14 + 2)

int gattctl_bonds(Gattctl *ctl, int argc, char **argv)
{
	static const GattctlVerbSpec spec = {
		.params = "",
		.summary = "Print the devices BlueZ keeps keys for on gattd's adapter (bonded; paired\n"
		           "before BlueZ 5.65), connected or not, by address: address type, whether\n"
		           "connected, bonded or paired and trusted, and the name.",
	};
	g_autoptr(json_t) reply = NULL;
	json_t *bonds, *bond;
	size_t i;
	int r;

	r = fetch_list(ctl, &spec, argc, argv, "bonds", "no bonds", &reply, &bonds);
	if (r != GATTCTL_EXIT_OK || !bonds)
		return r;
	printf(BOND_FORMAT, "ADDRESS", "TYPE", "CONNECTED", "FLAGS", "NAME");
	json_array_foreach(bonds, i, bond) {
		const char *name = gattctl_central_name(bond);
		g_autofree char *address = text_or_dash(bond, "address");
		g_autofree char *type = text_or_dash(bond, "address_type");
		g_autofree char *shown_name = name ? fit_name(name, LINE_WIDTH - BOND_NAME_COLUMN) : g_strdup("-");

		printf(BOND_FORMAT, address, type, json_is_true(json_object_get(bond, "connected")) ? "yes" : "no",
		       format_flags(bond), shown_name);
	}
	return GATTCTL_EXIT_OK;
}
