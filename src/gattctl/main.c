/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* main.c: gattctl's global options, then hand over to the verb named on the command line, or to the shell. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "gattctl.h"
#include "shared/escape.h"
#include "gattd-build-config.h"

static char *commands_help(void)
{
	GString *s = g_string_new("Commands:\n");

	gattctl_verbs_help_append(s);
	g_string_append(s, "\nWithout a command gattctl is an interactive shell (type 'help' there).\n"
	                   "'gattctl COMMAND --help' describes a command's arguments and options.\n\n");
	g_string_append(s, GATTCTL_EXIT_HELP);
	return g_string_free(s, FALSE);
}

/* "unknown command 'stauts' (did you mean 'status'?)": the nearest verb within two edits, or one it begins. */
static int unknown_command(const char *name)
{
	g_autofree char *shown = escape_text(name);
	const char *best = gattctl_verb_suggest(name);

	if (best)
		return gattctl_usage_error("unknown command '%s' (did you mean '%s'?)", shown, best);
	return gattctl_usage_error("unknown command '%s'", shown);
}

int main(int argc, char **argv)
{
	Gattctl ctl = { 0 };
	const GattctlVerbInfo *verb;
	gboolean version = FALSE;
	g_autofree char *timeout_text = NULL;
	GOptionEntry entries[] = {
		{ "socket", 's', 0, G_OPTION_ARG_FILENAME, &ctl.socket_path,
		  "Connect to gattd's socket at PATH (default $GATTD_SOCKET, else " GATTD_CLIENT_DEFAULT_SOCKET ")",
		  "PATH" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &ctl.json, "Print gattd's JSON lines as they are", NULL },
		{ "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
		  "How long each request waits for gattd's answer (default 25000; 0: no limit)", "MS" },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) context = g_option_context_new("[COMMAND [ARGS...]]");
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
	if (timeout_text) {
		r = gattctl_set_timeout(&ctl, timeout_text);
		if (r != GATTCTL_EXIT_OK)
			goto out;
	}
	if (version) {
		printf("gattctl %s\n", GATTD_VERSION);
		r = GATTCTL_EXIT_OK;
		goto out;
	}
	if (argc < 2) {
		r = gattctl_shell(&ctl);
		goto out;
	}

	verb = gattctl_verb_find(argv[1]);
	if (!verb) {
		r = unknown_command(argv[1]);
		goto out;
	}
	prgname = g_strdup_printf("gattctl %s", verb->name);
	g_set_prgname(prgname);
	r = verb->run(&ctl, argc - 1, argv + 1);
out:
	gattctl_clear(&ctl);
	return r;
}
