/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * verbs.c: gattctl's commands, by name: the table main.c and the interactive shell
 * dispatch from, the commands' help, and the nearest command to a mistyped one.
 */
#include <string.h>

#include "gattctl.h"

static const GattctlVerbInfo verbs[] = {
	{ "status", gattctl_status, "status                      state of gattd, the adapter and the clients" },
	{ "list", gattctl_list, "list                        services, characteristics and their values" },
	{ "get", gattctl_get, "get CHAR                    print a characteristic's value" },
	{ "set", gattctl_set, "set CHAR VALUE              store a value, notifying subscribed centrals" },
	{ "watch", gattctl_watch, "watch [CHAR...]             print writes, subscriptions, connections and adapter events" },
	{ "next-write", gattctl_next_write, "next-write CHAR             take the oldest write queued for a Capture= characteristic" },
	{ "devices", gattctl_devices, "devices                     the centrals connected, oldest first" },
	{ "disconnect", gattctl_disconnect, "disconnect ADDR             disconnect a central by its address" },
	{ "pairable", gattctl_pairable, "pairable [on [SECS] | off]  whether centrals may pair; open or close the window" },
	{ "bonds", gattctl_bonds, "bonds                       the devices BlueZ keeps keys for" },
	{ "forget", gattctl_forget, "forget ADDR                 remove a device and its keys (a bond)" },
	{ "handle", gattctl_handle, "handle CHAR...              answer centrals' reads and writes of Handler= characteristics" },
	{ "confirm", gattctl_confirm, "confirm                     accept or reject each pairing ([Pairing] Method=confirm)" },
	{ "advertise", gattctl_advertise, "advertise [on|off|reset]    the advertisement; change it, start or stop it" },
	{ "wait", gattctl_wait, "wait [on-air|registered|...]  until gattd is on the air (or registered, advertising, connected)" },
	{ "reload", gattctl_reload, "reload                      re-read the configuration (like SIGHUP)" },
};

const GattctlVerbInfo *gattctl_verbs(size_t *ret_n)
{
	*ret_n = G_N_ELEMENTS(verbs);
	return verbs;
}

const GattctlVerbInfo *gattctl_verb_find(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

void gattctl_verbs_help_append(GString *s)
{
	for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++)
		g_string_append_printf(s, "  %s\n", verbs[i].synopsis);
}

/* Edits (insert, delete, substitute) from a to b, for suggesting a command. */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t n = strlen(b);
	g_autofree unsigned *row = g_new(unsigned, n + 1);

	for (size_t j = 0; j <= n; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; a[i - 1]; i++) {
		unsigned diagonal = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= n; j++) {
			unsigned above = row[j];

			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] != b[j - 1]));
			diagonal = above;
		}
	}
	return row[n];
}

const char *gattctl_verb_suggest(const char *name)
{
	const char *best = NULL;
	unsigned best_distance = 3;

	for (size_t i = 0; i < G_N_ELEMENTS(verbs) && strlen(name) < 64; i++) {
		unsigned d = name[0] && g_str_has_prefix(verbs[i].name, name) ? 1 : edit_distance(name, verbs[i].name);

		if (d < best_distance) {
			best = verbs[i].name;
			best_distance = d;
		}
	}
	return best;
}
