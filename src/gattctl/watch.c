/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * watch.c: `gattctl watch [CHAR...] [--timestamps] [--follow]`: print events as they
 * come, one line each, until interrupted (exit 0) or the connection closes (exit 3;
 * with --follow: connect again every second and watch on).
 *
 * Centrals connecting and disconnecting have lines of their own ("connected
 * 5A:3C:11:22:33:44 (random) \"Pixel 7\"", "disconnected 5A:3C:11:22:33:44: remote").
 * Adapter power cycles and bluetoothd restarts are events like any other
 * ("unregistered reason=adapter-down", later "registered adapter=hci0"): gattd
 * keeps the watch across them, so watch keeps printing. gattd itself restarting
 * ends the connection, and with it the watch: --follow makes a new one. This verb
 * runs its own poll() loop on the library's raw layer, with SIGINT/SIGTERM taken
 * through a signalfd so an interrupt ends the loop cleanly instead of killing the process.
 */
#include "gattctl.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* How long --follow waits between attempts to connect. */
#define WATCH_RETRY_MS 1000

typedef struct {
	Gattctl *ctl;
	json_t *request;   /* the watch request, sent again on each connection */
	int signal_fd;
	gboolean timestamps;
	gboolean follow;
} Watch;

/* "2026-12-06T12:00:01.123 " (local time) with --timestamps, else "". */
static char *timestamp(const Watch *w)
{
	g_autoptr(GDateTime) now = NULL;
	g_autofree char *seconds = NULL;

	if (!w->timestamps)
		return g_strdup("");
	now = g_date_time_new_now_local();
	seconds = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");
	return g_strdup_printf("%s.%03d ", seconds, g_date_time_get_microsecond(now) / 1000);
}

/* What watch says about the connection itself, on stderr (stdout holds only events). */
static void say(const Watch *w, const char *format, ...) G_GNUC_PRINTF(2, 3);
static void say(const Watch *w, const char *format, ...)
{
	g_autofree char *stamp = timestamp(w);
	g_autofree char *message = NULL;
	va_list ap;

	va_start(ap, format);
	message = g_strdup_vprintf(format, ap);
	va_end(ap);
	fprintf(stderr, "%sgattctl: watch: %s\n", stamp, message);
}

static void print_message(const Watch *w, const char *line)
{
	g_autoptr(json_t) root = NULL;
	g_autofree char *text = NULL;
	g_autofree char *stamp = NULL;

	if (w->ctl->json) {
		/* Each line stays one JSON object: --timestamps does not touch them. */
		printf("%s\n", line);
		return;
	}
	root = jread_object(line, strlen(line), NULL);
	if (!root)
		return;
	if (!jread_string(root, "event"))
		return; /* a reply; watch sends nothing after its first request */
	text = gattctl_format_event(root);
	stamp = timestamp(w);
	printf("%s%s\n", stamp, text);
}

static void print_queued(const Watch *w)
{
	char *line;

	while ((line = gattd_client_pop_message(w->ctl->client))) {
		print_message(w, line);
		free(line);
	}
	/* A reader at the other end of a pipe wants each event when it happens. */
	fflush(stdout);
}

/* Wait up to timeout_ms (-1: forever) for fd or the signal fd: 1 fd readable, 0 not, -1 a signal came. */
static int wait_for(const Watch *w, int fd, int timeout_ms)
{
	struct pollfd fds[] = {
		{ .fd = w->signal_fd, .events = POLLIN },
		{ .fd = fd, .events = POLLIN },
	};
	int n = poll(fds, fd >= 0 ? 2 : 1, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -1;
	if (fds[0].revents)
		return -1;
	return fd >= 0 && fds[1].revents ? 1 : 0;
}

/* Print events until a signal (GATTCTL_EXIT_OK) or the connection ends (-errno, said by the caller). */
static int watch_loop(const Watch *w, int *ret_error)
{
	for (;;) {
		int r;

		print_queued(w);
		r = wait_for(w, gattd_client_get_fd(w->ctl->client), -1);
		if (r < 0)
			return GATTCTL_EXIT_OK;
		if (r == 0)
			continue;
		r = gattd_client_process(w->ctl->client);
		if (r < 0) {
			print_queued(w);
			*ret_error = r;
			return GATTCTL_EXIT_CONNECTION;
		}
	}
}

static void drop_client(Gattctl *ctl)
{
	g_clear_pointer(&ctl->client, gattd_client_free);
}

/* One watch over one connection, without --follow: every failure ends it. */
static int watch_once(Watch *w)
{
	int error = 0;
	int r = gattctl_call(w->ctl, w->request, gattctl_timeout_ms(w->ctl), "watch", NULL);

	if (r != GATTCTL_EXIT_OK)
		return r;
	r = watch_loop(w, &error);
	if (r == GATTCTL_EXIT_CONNECTION && error == -ECONNRESET) {
		fprintf(stderr, "gattctl: watch: gattd closed the connection\n");
		return r;
	}
	if (r == GATTCTL_EXIT_CONNECTION)
		return gattctl_exit_for_errno(error, "watch");
	return r;
}

/* --follow: connect, watch, and when the connection fails or ends, try again every second. */
static int watch_following(Watch *w)
{
	const char *path = gattctl_socket_path(w->ctl);
	bool was_connected = false, said_waiting = false;

	for (;;) {
		g_autofree char *text = NULL;
		g_autofree char *reply = NULL;
		int error = 0;
		int r = gattd_client_connect(path, &w->ctl->client);

		if (r >= 0) {
			text = jread_dump(w->request);
			r = gattd_client_call(w->ctl->client, text, gattctl_timeout_ms(w->ctl), &reply);
			if (r < 0 && reply) {
				/* gattd refused the watch: a CHAR it does not have ends it, being full or
				 * stopping (exit 3) is tried again. */
				int code = gattctl_exit_for_error_reply(w->ctl, "watch", reply);

				if (code != GATTCTL_EXIT_CONNECTION)
					return code;
				said_waiting = !was_connected;
			}
		}
		if (r >= 0) {
			if (w->ctl->json)
				print_message(w, reply);
			if (was_connected || said_waiting)
				say(w, was_connected ? "reconnected to gattd at %s" : "connected to gattd at %s", path);
			was_connected = true;
			said_waiting = false;
			if (watch_loop(w, &error) == GATTCTL_EXIT_OK)
				return GATTCTL_EXIT_OK;
			say(w, "connection to gattd lost (%s); trying again every second",
			    error == -ECONNRESET ? "gattd closed it" : g_strerror(-error));
		} else if (!said_waiting && !was_connected) {
			say(w, "cannot connect to gattd at %s: %s; trying again every second", path, g_strerror(-r));
			said_waiting = true;
		}
		drop_client(w->ctl);
		if (wait_for(w, -1, WATCH_RETRY_MS) < 0)
			return GATTCTL_EXIT_OK;
	}
}

int gattctl_watch(Gattctl *ctl, int argc, char **argv)
{
	Watch w = { .ctl = ctl, .signal_fd = -1 };
	const GOptionEntry entries[] = {
		{ "timestamps", 't', 0, G_OPTION_ARG_NONE, &w.timestamps,
		  "Begin each line with the local time it was printed (2026-12-06T12:00:01.123)", NULL },
		{ "follow", 'f', 0, G_OPTION_ARG_NONE, &w.follow,
		  "When gattd is not there or goes away, try again every second and watch on", NULL },
		G_OPTION_ENTRY_NULL,
	};
	const GattctlVerbSpec spec = {
		.params = "[CHAR...]",
		.summary = "Print gattd's events, one line each, until interrupted: writes by centrals,\n"
		           "subscriptions, indication confirmations and capture overflows for the given\n"
		           "characteristics (default: all), centrals connecting and disconnecting, and\n"
		           "adapter and registration changes. Centrals are named by their address;\n"
		           "what gattd does not know is left out.\n"
		           "Keeps going across adapter power cycles and bluetoothd restarts, and with\n"
		           "--follow across gattd restarts (said on stderr).\n"
		           "Exits 0 on SIGINT or SIGTERM, 3 when gattd closes the connection.",
		.entries = entries,
		.min_args = 0,
		.max_args = -1,
	};
	static const int signos[] = { SIGINT, SIGTERM, 0 };
	g_autoptr(json_t) request = NULL;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;

	/* Blocked before anything else, so an early Ctrl-C is not lost either. */
	w.signal_fd = gattctl_signalfd_open(signos);
	if (w.signal_fd < 0)
		return gattctl_exit_for_errno(w.signal_fd, "watch: signalfd");

	request = gattctl_request_new("watch", NULL);
	if (argc > 1) {
		json_t *chars = json_array();

		for (int i = 1; i < argc; i++)
			json_array_append_new(chars, gattctl_json_string(argv[i]));
		json_object_set_new(request, "chars", chars);
	}
	w.request = request;
	r = w.follow ? watch_following(&w) : watch_once(&w);
	close(w.signal_fd);
	return r;
}
