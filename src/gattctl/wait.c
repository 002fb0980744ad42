/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wait.c: `gattctl wait [on-air|registered|advertising|connected] [--timeout MS]`:
 * return once gattd says so, for scripts (a unit's ExecStartPost=, a test rig). It
 * waits for gattd itself too (its socket not there yet, or gattd restarting): the
 * connection is tried again until the time is up. gattd's events (a `watch`) wake the
 * check at once; a check a second catches what has no event (advertising).
 */
#include "gattctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "shared/escape.h"

/* Between connection attempts, and between checks without an event. */
#define RETRY_MS 200
#define RECHECK_MS 1000
#define DEFAULT_TIMEOUT_MS 30000

typedef struct {
	const char *name;
	const char *status_field;   /* the status reply's boolean; NULL: ask devices */
	const char *missing;        /* what the timeout message says is missing */
} WaitCondition;

static const WaitCondition conditions[] = {
	{ "on-air", "on_air", "not on the air (registered on a powered adapter)" },
	{ "registered", "registered", "not registered with BlueZ" },
	{ "advertising", "advertising", "not advertising" },
	{ "connected", NULL, "no central connected" },
};

static int64_t left_ms(int64_t deadline)
{
	int64_t left = (deadline - g_get_monotonic_time()) / 1000;

	return left < 0 ? 0 : left;
}

static void drop_client(Gattctl *ctl)
{
	gattd_client_free(ctl->client);
	ctl->client = NULL;
}

/* Connected and watching: 0; the socket not there yet (or gattd not answering): -errno, and try again. */
static int connect_and_watch(Gattctl *ctl)
{
	const char *path = gattctl_socket_path(ctl);
	int r;

	if (ctl->client)
		return 0;
	r = gattd_client_connect(path, &ctl->client);
	if (r < 0)
		return r;
	r = gattd_client_watch(ctl->client, NULL);
	if (r < 0)
		drop_client(ctl);
	return r;
}

/* 1 when the condition holds, 0 when not (*description: gattd's), -errno when the connection failed. */
static int check(Gattctl *ctl, const WaitCondition *cond, char **description)
{
	g_autofree char *reply_text = NULL;
	g_autoptr(json_t) reply = NULL;
	json_t *devices;
	int r;

	r = gattd_client_call(ctl->client, cond->status_field ? "{\"cmd\":\"status\"}" : "{\"cmd\":\"devices\"}",
	                      GATTD_CLIENT_CALL_TIMEOUT_MS, &reply_text);
	if (r < 0)
		return r;
	reply = json_loads(reply_text, 0, NULL);
	if (!reply)
		return -EBADMSG;
	if (!cond->status_field) {
		devices = json_object_get(reply, "devices");
		return json_is_array(devices) && json_array_size(devices) > 0;
	}
	g_free(*description);
	*description = g_strdup(jread_string(reply, "description"));
	return json_is_true(json_object_get(reply, cond->status_field));
}

int gattctl_wait(Gattctl *ctl, int argc, char **argv)
{
	int timeout = DEFAULT_TIMEOUT_MS;
	const GOptionEntry entries[] = {
		{ "timeout", 't', 0, G_OPTION_ARG_INT, &timeout, "Give up after MS milliseconds (default 30000; 0: never)",
		  "MS" },
		{ NULL },
	};
	const GattctlVerbSpec spec = {
		.params = "[on-air|registered|advertising|connected]",
		.summary = "Wait until gattd's services are on the air (the default: registered with BlueZ on a\n"
		           "powered adapter), registered, advertising, or a central is connected; exit 0 then,\n"
		           "4 when --timeout passes first. gattd not running yet is waited for too.",
		.entries = entries,
		.min_args = 0,
		.max_args = 1,
	};
	const WaitCondition *cond = &conditions[0];
	g_autofree char *description = NULL;
	int64_t deadline;
	int r, connect_error = 0;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	if (argc > 1) {
		cond = NULL;
		for (size_t i = 0; i < G_N_ELEMENTS(conditions) && !cond; i++)
			if (strcmp(argv[1], conditions[i].name) == 0)
				cond = &conditions[i];
		if (!cond) {
			g_autofree char *shown = escape_text(argv[1]);

			return gattctl_usage_error("'%s' is not on-air, registered, advertising or connected", shown);
		}
	}
	if (timeout < 0)
		return gattctl_usage_error("--timeout %d: not a number of milliseconds (0: no limit)", timeout);
	deadline = timeout ? g_get_monotonic_time() + (int64_t)timeout * 1000 : INT64_MAX;

	for (;;) {
		g_autofree char *event = NULL;

		r = connect_and_watch(ctl);
		if (r < 0) {
			connect_error = r;
		} else {
			connect_error = 0;
			r = check(ctl, cond, &description);
			if (r > 0)
				return GATTCTL_EXIT_OK;
			if (r < 0)
				drop_client(ctl); /* gattd went away: wait for the next one */
		}
		if (left_ms(deadline) == 0)
			break;
		if (!ctl->client) {
			g_usleep((gulong)MIN(RETRY_MS, left_ms(deadline)) * 1000);
			continue;
		}
		/* An event (registered, adapter, connected, ...) or a second: then look again. */
		r = gattd_client_wait_event(ctl->client, (int)MIN(RECHECK_MS, left_ms(deadline)), &event);
		if (r < 0 && r != -ETIMEDOUT)
			drop_client(ctl);
	}

	if (connect_error) {
		const char *path = gattctl_socket_path(ctl);

		fprintf(stderr, "gattctl: wait %s: gattd did not answer at %s within %d ms: %s\n", cond->name, path,
		        timeout, g_strerror(-connect_error));
	} else {
		g_autofree char *shown = escape_text(description ? description : "");

		fprintf(stderr, "gattctl: wait %s: %s after %d ms%s%s\n", cond->name, cond->missing, timeout,
		        description ? ": " : "", shown);
	}
	return GATTCTL_EXIT_TIMEOUT;
}
