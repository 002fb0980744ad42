/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daemon/signals.h: the process signals gattd acts on (SIGTERM and SIGINT stop,
 * SIGHUP reloads) and SIGPIPE, which it never dies of.
 */
#pragma once

#include <signal.h>

/*
 * Call first in main(). SIGPIPE is ignored: a reader of stderr or a client that
 * went away is an EPIPE for the writer to handle, never the end of gattd.
 * SIGTERM, SIGINT and SIGHUP are blocked: one that arrives while gattd starts
 * (loads the configuration, sets up its socket) waits, and acts once
 * signals_release_held() lets it in: a stop then stops, a SIGHUP then reloads.
 */
void signals_hold(void);
/* Not a daemon after all (--check-config, --version): the default dispositions, nothing blocked. */
void signals_default(void);
/*
 * The handlers are in place (g_unix_signal_add): let in the signals held since
 * main() began (and any a parent left blocked). Those that arrived meanwhile are
 * taken out of the pending set, logged, and returned in *ret_arrived: the caller acts
 * on them in the main loop's first iteration, as if they had arrived then. (Left to
 * GLib, they would come through its worker thread, which may be late: under load
 * the loop could have registered with BlueZ and served clients before a held SIGHUP.)
 */
void signals_release_held(sigset_t *ret_arrived);
