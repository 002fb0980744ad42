/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* main.c: gattctl's global options, then hand over to the verb named on the command line. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "gattctl.h"
#include "shared/escape.h"
#include "gattd-build-config.h"

static const struct {
	const char *name;
	GattctlVerb run;
	const char *synopsis;
} verbs[] = {
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

static char *commands_help(void)
{
	GString *s = g_string_new("Commands:\n");

	for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++)
		g_string_append_printf(s, "  %s\n", verbs[i].synopsis);
	g_string_append(s, "\n'gattctl COMMAND --help' describes a command's arguments and options.\n\n");
	g_string_append(s, GATTCTL_EXIT_HELP);
	return g_string_free(s, FALSE);
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

/* "unknown command 'stauts' (did you mean 'status'?)": the nearest verb within two edits, or one it begins. */
static int unknown_command(const char *name)
{
	g_autofree char *shown = escape_text(name);
	const char *best = NULL;
	unsigned best_distance = 3;

	for (size_t i = 0; i < G_N_ELEMENTS(verbs) && strlen(name) < 64; i++) {
		unsigned d = name[0] && g_str_has_prefix(verbs[i].name, name) ? 1 : edit_distance(name, verbs[i].name);

		if (d < best_distance) {
			best = verbs[i].name;
			best_distance = d;
		}
	}
	if (best)
		return gattctl_usage_error("unknown command '%s' (did you mean '%s'?)", shown, best);
	return gattctl_usage_error("unknown command '%s'", shown);
}

int main(int argc, char **argv)
{
	Gattctl ctl = { 0 };
	gboolean version = FALSE;
	GOptionEntry entries[] = {
		{ "socket", 's', 0, G_OPTION_ARG_FILENAME, &ctl.socket_path,
		  "Connect to gattd's socket at PATH (default $GATTD_SOCKET, else " GATTD_CLIENT_DEFAULT_SOCKET ")",
		  "PATH" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &ctl.json, "Print gattd's JSON lines as they are", NULL },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) context = g_option_context_new("COMMAND [ARGS...]");
	g_autofree char *description = commands_help();
	g_autoptr(GError) error = NULL;
	g_autofree char *prgname = NULL;
	int r;

	setlocale(LC_ALL, "");
	g_set_prgname("gattctl");
	g_option_context_set_summary(context, "Read and set gattd's characteristics, watch centrals, take captured writes.");
	g_option_context_set_description(context, description);
	g_option_context_add_main_entries(context, entries, NULL);
	/* Stop at COMMAND: what follows are the verb's own options. */
	g_option_context_set_strict_posix(context, TRUE);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		r = gattctl_usage_error("%s", error->message);
		goto out;
	}
	if (version) {
		printf("gattctl %s\n", GATTD_VERSION);
		r = GATTCTL_EXIT_OK;
		goto out;
	}
	if (argc < 2) {
		r = gattctl_usage_error("no command given");
		goto out;
	}

	for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++) {
		if (strcmp(verbs[i].name, argv[1]) == 0) {
			prgname = g_strdup_printf("gattctl %s", verbs[i].name);
			g_set_prgname(prgname);
			r = verbs[i].run(&ctl, argc - 1, argv + 1);
			goto out;
		}
	}
	r = unknown_command(argv[1]);
out:
	gattctl_clear(&ctl);
	return r;
}
