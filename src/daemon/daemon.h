/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daemon.h: one running gattd: the configuration, the exported objects, the BlueZ
 * driver, and the signals that stop it. main() builds it, runs it, frees it.
 */
#pragma once

#include <glib.h>

#include "config/config.h"

typedef struct Daemon Daemon;

/* Exit statuses beyond 0 (documented in README and gattd(8)). */
enum {
	DAEMON_EXIT_BAD_CONFIG = 1,
	DAEMON_EXIT_USAGE = 2,
	DAEMON_EXIT_SOCKET = 3,   /* the client socket could not be set up */
};

/*
 * Takes ownership of config. socket_override (--socket) replaces [Daemon] Socket=
 * in this and every reloaded configuration; NULL for none.
 */
Daemon *daemon_new(GattdConfig *config, const char *socket_override);
void daemon_free(Daemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Daemon, daemon_free)

/*
 * Run until SIGTERM/SIGINT and a clean unregistration. Returns the process exit status.
 * Installs the signal handlers, then lets the signals signals_hold() held in.
 */
int daemon_run(Daemon *daemon);
