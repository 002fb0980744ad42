/*
 * daemon/signals.h: the process signals gattd acts on (SIGTERM and SIGINT stop,
 * SIGHUP reloads) and SIGPIPE, which it never dies of.
 */
#pragma once

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
 * main() began (and any a parent left blocked), logging each that arrived meanwhile.
 * One that did is acted on in the main loop's first iteration, as if it had arrived then.
 */
void signals_release_held(void);
