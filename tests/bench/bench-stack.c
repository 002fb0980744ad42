/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-stack.c: the benchmarks' stack baseline, what gattd's libraries cost at rest.
 *
 * It links exactly the libraries gattd links (GLib, libdbus-1, libsystemd when gattd has it,
 * and jansson; meson's --as-needed keeps the same DT_NEEDED list) and uses each the least
 * that gattd inevitably does at start, with no gattd logic:
 *   - the locale and GLib's option parser (--bus ADDRESS),
 *   - a private connection to the bus (--bus, else DBUS_SYSTEM_BUS_ADDRESS) with one
 *     exported object, libdbus driven by a GLib main loop,
 *   - one jansson value, made and freed (gattd reads no request before it serves one),
 *   - sd_listen_fds() and sd_notify("READY=1") (harmless without systemd),
 *   - a SIGTERM source and one line logged through GLib (to a handler, as gattd does),
 * then idles in g_main_loop_run() until SIGTERM. Its RSS is the chosen stack at rest: the
 * part of gattd's RSS that no change to gattd's own code can remove.
 *
 *   bench-stack [--bus ADDRESS]
 *
 * Prints "ready" on stdout once all of the above is done, so the harness knows when to
 * read its memory.
 */
#include <dbus/dbus.h>
#include <glib-unix.h>
#include <glib.h>
#include <jansson.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#if BENCH_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#define OBJECT_ROOT "/org/bench/stack"
/* A request as gattd's local clients send them (README: the line protocol). */
#define REQUEST_LINE "{\"cmd\":\"get\",\"char\":\"battery/level\",\"id\":1}"

/* ---- libdbus on the GLib main loop: watches only (the least gattd's dbus/loop.c does) ---- */

static DBusConnection *conn;

static gboolean watch_ready(gint fd, GIOCondition cond, gpointer data)
{
	unsigned flags = 0;

	if (cond & G_IO_IN)
		flags |= DBUS_WATCH_READABLE;
	if (cond & G_IO_OUT)
		flags |= DBUS_WATCH_WRITABLE;
	if (cond & G_IO_HUP)
		flags |= DBUS_WATCH_HANGUP;
	if (cond & G_IO_ERR)
		flags |= DBUS_WATCH_ERROR;
	dbus_watch_handle(data, flags);
	while (dbus_connection_dispatch(conn) == DBUS_DISPATCH_DATA_REMAINS)
		;
	return G_SOURCE_CONTINUE;
}

/* One fd source per enabled watch; the watch itself is the source's user data. */
static void watch_stop(DBusWatch *watch)
{
	g_source_remove_by_user_data(watch);
}

static void watch_start(DBusWatch *watch)
{
	unsigned flags = dbus_watch_get_flags(watch);
	GIOCondition cond = G_IO_HUP | G_IO_ERR;

	watch_stop(watch);
	if (!dbus_watch_get_enabled(watch))
		return;
	if (flags & DBUS_WATCH_READABLE)
		cond |= G_IO_IN;
	if (flags & DBUS_WATCH_WRITABLE)
		cond |= G_IO_OUT;
	g_unix_fd_add(dbus_watch_get_unix_fd(watch), cond, watch_ready, watch);
}

static dbus_bool_t watch_add(DBusWatch *watch, void *data)
{
	watch_start(watch);
	return TRUE;
}

static void watch_remove(DBusWatch *watch, void *data)
{
	watch_stop(watch);
}

static void watch_toggled(DBusWatch *watch, void *data)
{
	watch_start(watch);
}

/*
 * No timeout functions: libdbus only needs them for pending calls, and the baseline
 * makes none once connected (dbus_bus_register blocks before the loop runs).
 */
static void attach_to_main_loop(void)
{
	if (!dbus_connection_set_watch_functions(conn, watch_add, watch_remove, watch_toggled, NULL, NULL)) {
		fprintf(stderr, "bench-stack: out of memory\n");
		exit(1);
	}
}

/* ---- the bus ---- */

static DBusHandlerResult object_message(DBusConnection *c, DBusMessage *msg, void *data)
{
	return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static void connect_bus(const char *address)
{
	static const DBusObjectPathVTable vtable = { .message_function = object_message };
	DBusError err = DBUS_ERROR_INIT;

	conn = dbus_connection_open_private(address, &err);
	if (!conn || !dbus_bus_register(conn, &err)) {
		fprintf(stderr, "bench-stack: cannot connect to %s: %s\n", address, err.message);
		exit(1);
	}
	dbus_connection_set_exit_on_disconnect(conn, FALSE);
	if (!dbus_connection_register_fallback(conn, OBJECT_ROOT, &vtable, NULL)) {
		fprintf(stderr, "bench-stack: cannot export " OBJECT_ROOT "\n");
		exit(1);
	}
	attach_to_main_loop();
}

/* ---- jansson, systemd ---- */

/*
 * gattd serves no request before the RSS at start is read, and calls jansson only for
 * requests (shared/jread.c, src/socket/protocol.c): at start nothing of jansson is certain to
 * run but its loading. One string value, made and freed, uses it the least there is, as
 * the json-glib node did before. Parsing REQUEST_LINE here, or making an object (the first
 * one seeds jansson's hash function from /dev/urandom), would count work that gattd at
 * start does not do.
 */
static void use_jansson(void)
{
	json_t *value = json_string(REQUEST_LINE);

	if (!json_is_string(value)) {
		fprintf(stderr, "bench-stack: jansson made no string value\n");
		exit(1);
	}
	json_decref(value);
}

static void tell_service_manager(void)
{
#if BENCH_HAVE_LIBSYSTEMD
	/* Both are no-ops outside systemd, as for gattd in the benchmarks. */
	sd_listen_fds(1);
	sd_notify(0, "READY=1");
#endif
}

/* ---- logging ---- */

/*
 * gattd hands GLib's messages to a handler of its own that writes lines to stderr;
 * GLib's default writer would touch code (structured fields, journald detection) that
 * gattd never runs, and so count pages that are not gattd's stack.
 */
static void log_handler(const char *domain, GLogLevelFlags flags, const char *message, gpointer data)
{
	fprintf(stderr, "%s%s%s\n", domain ? domain : "", domain ? ": " : "", message);
	fflush(stderr);
}

/* ---- main ---- */

static gboolean on_sigterm(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
	g_autofree char *bus = NULL;
	GOptionEntry entries[] = {
		{ "bus", 'b', 0, G_OPTION_ARG_STRING, &bus, "D-Bus address (default $DBUS_SYSTEM_BUS_ADDRESS)", "ADDRESS" },
		{ NULL },
	};
	GOptionContext *context = g_option_context_new(NULL);
	GError *error = NULL;
	GMainLoop *loop;

	setlocale(LC_ALL, "");
	g_log_set_default_handler(log_handler, NULL);
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error) || argc > 1) {
		fprintf(stderr, "bench-stack: %s\n", error ? error->message : "unexpected argument");
		return 2;
	}
	g_option_context_free(context);
	if (!bus && getenv("DBUS_SYSTEM_BUS_ADDRESS"))
		bus = g_strdup(getenv("DBUS_SYSTEM_BUS_ADDRESS"));
	if (!bus || !*bus) {
		fprintf(stderr, "bench-stack: DBUS_SYSTEM_BUS_ADDRESS is not set (or pass --bus)\n");
		return 2;
	}

	loop = g_main_loop_new(NULL, FALSE);
	connect_bus(bus);
	use_jansson();
	tell_service_manager();
	g_unix_signal_add(SIGTERM, on_sigterm, loop);
	g_message("bench-stack: on %s, exported " OBJECT_ROOT ", idling until SIGTERM", bus);
	printf("ready\n");
	fflush(stdout);

	g_main_loop_run(loop);

	dbus_connection_close(conn);
	dbus_connection_unref(conn);
	g_main_loop_unref(loop);
	return 0;
}
