/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* main.c: options, then build the daemon, run it, tear it down. */
#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"
#include "daemon/daemon.h"
#include "daemon/handles.h"
#include "daemon/signals.h"
#include "shared/escape.h"
#include "gattd-build-config.h"
#include "shared/log.h"


int main(int argc, char **argv)
{
	g_autofree char *config_dir = NULL;
	g_autofree char *socket_path = NULL;
	g_autofree char *shown_dir = NULL;
	gboolean check_config = FALSE, verbose = FALSE, version = FALSE;
	GOptionEntry entries[] = {
		{ "config-dir", 'c', 0, G_OPTION_ARG_FILENAME, &config_dir,
		  "Read gattd.conf and services.d/*.conf from DIR (default " GATTD_SYSCONFDIR ")", "DIR" },
		{ "socket", 's', 0, G_OPTION_ARG_FILENAME, &socket_path,
		  "Listen for local clients on PATH (overrides [Daemon] Socket=)", "PATH" },
		{ "check-config", 't', 0, G_OPTION_ARG_NONE, &check_config,
		  "Validate the configuration, print what would be served, and exit", NULL },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) context = g_option_context_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GattdConfig) config = NULL;
	g_autoptr(Daemon) daemon = NULL;

	signals_hold();
	setlocale(LC_ALL, "");
	g_option_context_set_summary(context, "Serve GATT services declared in config files over BlueZ.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		fprintf(stderr, "gattd: %s (see --help)\n", error->message);
		return DAEMON_EXIT_USAGE;
	}
	if (argc > 1) {
		fprintf(stderr, "gattd: unexpected argument '%s' (see --help)\n", argv[1]);
		return DAEMON_EXIT_USAGE;
	}
	if (version || check_config)
		signals_default();
	if (version) {
		printf("gattd " GATTD_VERSION "\n");
		return 0;
	}

	log_setup(verbose);
	if (!config_dir)
		config_dir = g_strdup(GATTD_SYSCONFDIR);

	shown_dir = escape_text(config_dir);
	config = config_load(config_dir, errors);
	if (!config) {
		/* Problems name files relative to the directory, which the last line names. */
		for (unsigned i = 0; i < errors->len; i++)
			fprintf(stderr, "gattd: %s\n", (const char *)errors->pdata[i]);
		fprintf(stderr, "gattd: configuration in %s is invalid (%u problem%s)\n", shown_dir, errors->len,
		        errors->len == 1 ? "" : "s");
		return DAEMON_EXIT_BAD_CONFIG;
	}
	if (check_config) {
		g_autofree char *summary = config_summary(config);
		g_autofree char *handles_error = NULL;
		g_autofree char *handles = handles_describe(config, &handles_error);

		fputs(summary, stdout);
		/* What the saved handles become: whether a bonded phone's cached layout stays valid. */
		if (handles)
			printf("ATT handles, as bluetoothd gave them before:\n%s", handles);
		else if (handles_error)
			printf("ATT handles: the saved ones cannot be read (%s); bluetoothd gives new ones\n", handles_error);
		printf("configuration in %s is valid\n", shown_dir);
		return 0;
	}

	daemon = daemon_new(g_steal_pointer(&config), socket_path);
	return daemon_run(daemon);
}
