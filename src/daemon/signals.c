/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon/signals.c: holding and releasing the signals gattd acts on (see daemon/signals.h). */
#include "daemon/signals.h"

#include <pthread.h>
#include <signal.h>

#include <glib.h>

#include "shared/log.h"

/* The signals gattd acts on, and what it does, for the log. */
static const struct {
	int signo;
	const char *name;
	const char *action;
} handled_signals[] = {
	{ SIGTERM, "SIGTERM", "stopping" },
	{ SIGINT, "SIGINT", "stopping" },
	{ SIGHUP, "SIGHUP", "reloading the configuration" },
};

static void handled_signal_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < G_N_ELEMENTS(handled_signals); i++)
		sigaddset(set, handled_signals[i].signo);
}

static void set_disposition(int signo, void (*handler)(int))
{
	struct sigaction action = { .sa_handler = handler };

	sigemptyset(&action.sa_mask);
	sigaction(signo, &action, NULL);
}

void signals_hold(void)
{
	sigset_t handled;

	set_disposition(SIGPIPE, SIG_IGN);
	handled_signal_set(&handled);
	pthread_sigmask(SIG_BLOCK, &handled, NULL);
}

void signals_default(void)
{
	sigset_t handled;

	set_disposition(SIGPIPE, SIG_DFL);
	handled_signal_set(&handled);
	pthread_sigmask(SIG_UNBLOCK, &handled, NULL);
}

void signals_release_held(sigset_t *ret_arrived)
{
	const struct timespec no_wait = { 0 };
	sigset_t handled, pending;

	handled_signal_set(&handled);
	sigemptyset(ret_arrived);
	if (sigpending(&pending) == 0)
		for (size_t i = 0; i < G_N_ELEMENTS(handled_signals); i++)
			if (sigismember(&pending, handled_signals[i].signo)) {
				log_notice("%s arrived during start-up; %s now that gattd runs", handled_signals[i].name,
				           handled_signals[i].action);
				sigaddset(ret_arrived, handled_signals[i].signo);
			}
	/* Take them while they are still blocked, so that GLib never sees them. */
	while (sigtimedwait(&handled, NULL, &no_wait) > 0)
		;
	pthread_sigmask(SIG_UNBLOCK, &handled, NULL);
}
