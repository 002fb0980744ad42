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
 * Call first in main(). SIGPIPE is ignored: a reader of stderr or a client that
 * went away is an EPIPE for the writer to handle, never the end of gattd.
 * SIGTERM, SIGINT and SIGHUP are blocked: one that arrives while gattd starts
 * (loads the configuration, sets up its socket) waits, and daemon_run() acts on
 * it once the main loop runs: a stop then stops, a SIGHUP then reloads.
 */
void daemon_signals_init(void);
/* Not a daemon after all (--check-config, --version): the default dispositions, nothing blocked. */
void daemon_signals_default(void);

/*
 * Takes ownership of config. socket_override (--socket) replaces [Daemon] Socket=
 * in this and every reloaded configuration; NULL for none.
 */
Daemon *daemon_new(GattdConfig *config, const char *socket_override);
void daemon_free(Daemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Daemon, daemon_free)

/*
 * Run until SIGTERM/SIGINT and a clean unregistration. Returns the process exit status.
 * Installs the signal handlers, then lets the signals daemon_signals_init() blocked in.
 */
int daemon_run(Daemon *daemon);
