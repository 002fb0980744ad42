/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * watch.c: `gattctl watch [CHAR...]`: print events as they come, one line each,
 * until interrupted (exit 0) or the connection closes (exit 3).
 *
 * Centrals connecting and disconnecting have lines of their own ("connected
 * 5A:3C:11:22:33:44 (random) \"Pixel 7\"", "disconnected 5A:3C:11:22:33:44: remote").
 * Adapter power cycles and bluetoothd restarts are events like any other
 * ("unregistered reason=adapter-down", later "registered adapter=hci0"): gattd
 * keeps the watch across them, so watch keeps printing. This verb runs its own
 * poll() loop on the library's raw layer, with SIGINT/SIGTERM taken through a
 * signalfd so an interrupt ends the loop cleanly instead of killing the process.
 */
#include "gattctl.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void print_message(Gattctl *ctl, const char *line)
{
	g_autoptr(json_t) root = NULL;
	g_autofree char *text = NULL;

	if (ctl->json) {
		printf("%s\n", line);
		return;
	}
	root = jread_object(line, strlen(line), NULL);
	if (!root)
		return;
	if (!jread_string(root, "event"))
		return; /* a reply; watch sends nothing after its first request */
	text = gattctl_format_event(root);
	printf("%s\n", text);
}

static void print_queued(Gattctl *ctl)
{
	char *line;

	while ((line = gattd_client_pop_message(ctl->client))) {
		print_message(ctl, line);
		free(line);
	}
	/* A reader at the other end of a pipe wants each event when it happens. */
	fflush(stdout);
}

static int watch_loop(Gattctl *ctl, int signal_fd)
{
	for (;;) {
		struct pollfd fds[] = {
			{ .fd = gattd_client_get_fd(ctl->client), .events = POLLIN },
			{ .fd = signal_fd, .events = POLLIN },
		};
		int r;

		print_queued(ctl);
		if (poll(fds, G_N_ELEMENTS(fds), -1) < 0) {
			if (errno == EINTR)
				continue;
			return gattctl_exit_for_errno(-errno, "watch");
		}
		if (fds[1].revents)
			return GATTCTL_EXIT_OK;
		if (!fds[0].revents)
			continue;
		r = gattd_client_process(ctl->client);
		if (r < 0) {
			print_queued(ctl);
			if (r == -ECONNRESET) {
				fprintf(stderr, "gattctl: watch: gattd closed the connection\n");
				return GATTCTL_EXIT_CONNECTION;
			}
			return gattctl_exit_for_errno(r, "watch");
		}
	}
}

int gattctl_watch(Gattctl *ctl, int argc, char **argv)
{
	static const GattctlVerbSpec spec = {
		.params = "[CHAR...]",
		.summary = "Print gattd's events, one line each, until interrupted: writes by centrals,\n"
		           "subscriptions, indication confirmations and capture overflows for the given\n"
		           "characteristics (default: all), centrals connecting and disconnecting, and\n"
		           "adapter and registration changes.\n"
		           "Keeps going across adapter power cycles and bluetoothd restarts.\n"
		           "Exits 0 on SIGINT or SIGTERM, 3 when gattd closes the connection.",
		.min_args = 0,
		.max_args = -1,
	};
	g_autoptr(json_t) request = NULL;
	sigset_t mask;
	int signal_fd, r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;

	/* Blocked before anything else, so an early Ctrl-C is not lost either. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return gattctl_exit_for_errno(-errno, "watch: signalfd");

	request = gattctl_request_new("watch", NULL);
	if (argc > 1) {
		json_t *chars = json_array();

		for (int i = 1; i < argc; i++)
			json_array_append_new(chars, gattctl_json_string(argv[i]));
		json_object_set_new(request, "chars", chars);
	}
	r = gattctl_call(ctl, request, GATTD_CLIENT_CALL_TIMEOUT_MS, "watch", NULL);
	if (r == GATTCTL_EXIT_OK)
		r = watch_loop(ctl, signal_fd);
	close(signal_fd);
	return r;
}
