/*
 * client-example.c: a small program on libgattd-client, written the way a user
 * would write one; the bus tests (test_client_library.py) run it against gattd.
 *
 *   client-example [--socket PATH] watch [CHAR...]
 *       Print every write a central makes (and when the services go off and on
 *       the air) until SIGINT or SIGTERM. gattd keeps the watch across adapter
 *       power cycles and bluetoothd restarts, so this runs unattended.
 *   client-example [--socket PATH] take CHAR [COUNT]
 *       Take COUNT writes (default: forever) queued for CHAR, a characteristic
 *       with Capture=, oldest first. gattd queues writes while nobody asks, so
 *       none is missed; when the adapter or bluetoothd goes away while we wait,
 *       next_write says -ENOTCONN and we simply ask again.
 *
 * "watch" shows the raw layer in a poll() loop of the program's own (the way to
 * combine gattd with other file descriptors); "take" uses the blocking helpers.
 *
 * Events are JSON objects, one a line; jansson picks their fields here (any JSON
 * library would do: the client library hands over the lines as text).
 *
 * Build outside gattd's tree:
 *   cc client-example.c $(pkg-config --cflags --libs gattd-client jansson)
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gattd/client.h>
#include <jansson.h>

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	stop_requested = 1;
}

/* Report a failed call: gattd's error code and message if it answered, else errno's text. */
static int fail(GattdClient *client, const char *what, int r)
{
	const char *code = gattd_client_error_code(client);

	if (code)
		fprintf(stderr, "client-example: %s: %s (%s)\n", what, gattd_client_error_message(client), code);
	else
		fprintf(stderr, "client-example: %s: %s\n", what, strerror(-r));
	return 1;
}

/* A string member of an event, or "" (absent, null or not a string). */
static const char *member_string(json_t *obj, const char *name)
{
	const char *s = json_string_value(json_object_get(obj, name));

	return s ? s : "";
}

static void print_event(const char *line)
{
	json_t *event = json_loads(line, 0, NULL);
	const char *name;

	if (!json_is_object(event)) {
		json_decref(event);
		return;
	}
	name = member_string(event, "event");
	if (strcmp(name, "write") == 0)
		/* "value" is hex; "typed" would hold the value as a number or text if the characteristic had a Type. */
		printf("write %s %s offset=%" JSON_INTEGER_FORMAT " device=%s\n", member_string(event, "char"),
		       member_string(event, "value"), json_integer_value(json_object_get(event, "offset")),
		       member_string(event, "device"));
	else if (strcmp(name, "unregistered") == 0)
		printf("off the air: %s\n", member_string(event, "reason"));
	else if (strcmp(name, "registered") == 0)
		printf("on the air on %s\n", member_string(event, "adapter"));
	else if (*name) /* subscribed, adapter, capture-overflow, ... */
		printf("%s%s%s\n", name, json_object_get(event, "char") ? " " : "", member_string(event, "char"));
	fflush(stdout);
	json_decref(event);
}

static void print_queued_events(GattdClient *client)
{
	char *line;

	while ((line = gattd_client_pop_message(client))) {
		print_event(line);
		free(line);
	}
}

static int watch(GattdClient *client, char **chars)
{
	struct sigaction action = { .sa_handler = on_stop_signal };
	sigset_t stop_signals, unblocked;
	int r;

	/* SIGINT and SIGTERM stay blocked except inside ppoll(): none is lost between checks. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop_signals, &unblocked);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);

	r = gattd_client_watch(client, chars[0] ? (const char *const *)chars : NULL);
	if (r < 0)
		return fail(client, "watch", r);
	printf("watching\n");
	fflush(stdout);

	while (!stop_requested) {
		struct pollfd pfd = { .fd = gattd_client_get_fd(client), .events = POLLIN };

		/* Events that arrived while gattd_client_watch() waited for its reply come first. */
		print_queued_events(client);
		if (ppoll(&pfd, 1, NULL, &unblocked) < 0) {
			if (errno == EINTR)
				continue;
			perror("client-example: ppoll");
			return 1;
		}
		r = gattd_client_process(client);
		if (r < 0) {
			print_queued_events(client);
			if (r == -ECONNRESET) {
				fprintf(stderr, "client-example: gattd closed the connection\n");
				return 1;
			}
			return fail(client, "watch", r);
		}
	}
	return 0;
}

static int take(GattdClient *client, const char *chr, long count)
{
	for (long taken = 0; count < 0 || taken < count;) {
		GattdWrite w = { 0 };
		int r = gattd_client_next_write(client, chr, -1, &w);

		if (r == -ENOTCONN) {
			/* The adapter or bluetoothd went away while we waited; the queue is intact. */
			printf("interrupted: %s; asking again\n", gattd_client_error_message(client));
			fflush(stdout);
			continue;
		}
		if (r < 0)
			return fail(client, "next-write", r);
		printf("%s seq=%" PRIu64 " ", w.chr, w.seq);
		for (size_t i = 0; i < w.len; i++)
			printf("%02x", w.value[i]);
		printf(" offset=%u queued=%" PRIu64 "\n", (unsigned)w.offset, w.queued);
		fflush(stdout);
		gattd_write_clear(&w);
		taken++;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: client-example [--socket PATH] watch [CHAR...]\n"
	                "       client-example [--socket PATH] take CHAR [COUNT]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *socket_path = NULL; /* NULL: $GATTD_SOCKET, else /run/gattd/gattd.sock */
	GattdClient *client = NULL;
	long count = -1;
	int i = 1, r;

	if (argc > 2 && strcmp(argv[1], "--socket") == 0) {
		socket_path = argv[2];
		i = 3;
	}
	if (i >= argc)
		return usage();
	if (strcmp(argv[i], "take") == 0 && (argc - i == 2 || argc - i == 3)) {
		if (argc - i == 3 && (count = strtol(argv[i + 2], NULL, 10)) <= 0)
			return usage();
	} else if (strcmp(argv[i], "watch") != 0) {
		return usage();
	}

	r = gattd_client_connect(socket_path, &client);
	if (r < 0) {
		fprintf(stderr, "client-example: cannot connect to %s: %s\n",
		        socket_path ? socket_path : gattd_client_default_socket(), strerror(-r));
		return 1;
	}
	if (strcmp(argv[i], "watch") == 0)
		r = watch(client, argv + i + 1);
	else
		r = take(client, argv[i + 1], count);
	gattd_client_free(client);
	return r;
}
