/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dbus/loop.c: libdbus-1 watches, timeouts and dispatch on the GLib main loop. */
#include "dbus/loop.h"

#include "shared/fd-source.h"

#include <errno.h>
#include <stdbool.h>
#include <glib-unix.h>
#include <glib.h>

typedef struct {
	DBusConnection *conn; /* not a reference: the slot lives as long as the connection */
	guint dispatch_id;
	bool in_watch;        /* watch_ready dispatches after reading: no idle needed */
} LoopGlue;

/* One GLib fd source per enabled DBusWatch. */
typedef struct {
	DBusWatch *watch;
	LoopGlue *glue;
	guint id;
} WatchSource;

static dbus_int32_t glue_slot = -1;

static void dispatch_all(DBusConnection *conn)
{
	while (dbus_connection_dispatch(conn) == DBUS_DISPATCH_DATA_REMAINS)
		;
}

/*
 * Read (or write), then dispatch what was read right here. Going through an idle
 * source instead costs a main-loop iteration and a poll per message at low load
 * (the profile is in tests/bench/RESULTS.md).
 */
static gboolean watch_ready(gint fd, GIOCondition cond, gpointer data)
{
	WatchSource *ws = data;
	LoopGlue *glue = ws->glue;
	/* Handlers may drop the connection: hold a ref until dispatching is over. */
	DBusConnection *conn = dbus_connection_ref(glue->conn);
	unsigned flags = 0;

	if (cond & G_IO_IN)
		flags |= DBUS_WATCH_READABLE;
	if (cond & G_IO_OUT)
		flags |= DBUS_WATCH_WRITABLE;
	if (cond & G_IO_HUP)
		flags |= DBUS_WATCH_HANGUP;
	if (cond & G_IO_ERR)
		flags |= DBUS_WATCH_ERROR;

	glue->in_watch = true;
	dbus_watch_handle(ws->watch, flags);
	glue->in_watch = false;
	dispatch_all(conn);
	dbus_connection_unref(conn);
	return G_SOURCE_CONTINUE;
}

static void watch_stop(DBusWatch *watch)
{
	WatchSource *ws = dbus_watch_get_data(watch);

	/* Frees ws, at once or, while it is dispatching, when its callback returns. */
	if (ws)
		g_source_remove(ws->id);
	dbus_watch_set_data(watch, NULL, NULL);
}

static void watch_start(DBusWatch *watch, LoopGlue *glue)
{
	unsigned flags = dbus_watch_get_flags(watch);
	GIOCondition cond = G_IO_HUP | G_IO_ERR;
	WatchSource *ws;

	watch_stop(watch);
	if (!dbus_watch_get_enabled(watch))
		return;
	if (flags & DBUS_WATCH_READABLE)
		cond |= G_IO_IN;
	if (flags & DBUS_WATCH_WRITABLE)
		cond |= G_IO_OUT;
	ws = g_new0(WatchSource, 1);
	ws->watch = watch;
	ws->glue = glue;
	ws->id = fd_source_add(dbus_watch_get_unix_fd(watch), cond, watch_ready, ws, g_free);
	dbus_watch_set_data(watch, ws, NULL);
}

static dbus_bool_t watch_add(DBusWatch *watch, void *data)
{
	watch_start(watch, data);
	return TRUE;
}

static void watch_remove(DBusWatch *watch, void *data)
{
	watch_stop(watch);
}

static void watch_toggled(DBusWatch *watch, void *data)
{
	watch_start(watch, data);
}

static gboolean timeout_fired(gpointer data)
{
	dbus_timeout_handle(data);
	return G_SOURCE_CONTINUE;
}

static void timeout_stop(DBusTimeout *timeout)
{
	guint id = GPOINTER_TO_UINT(dbus_timeout_get_data(timeout));

	if (id)
		g_source_remove(id);
	dbus_timeout_set_data(timeout, NULL, NULL);
}

static void timeout_start(DBusTimeout *timeout)
{
	guint id;

	timeout_stop(timeout);
	if (!dbus_timeout_get_enabled(timeout))
		return;
	id = g_timeout_add(dbus_timeout_get_interval(timeout), timeout_fired, timeout);
	dbus_timeout_set_data(timeout, GUINT_TO_POINTER(id), NULL);
}

static dbus_bool_t timeout_add(DBusTimeout *timeout, void *data)
{
	timeout_start(timeout);
	return TRUE;
}

static void timeout_remove(DBusTimeout *timeout, void *data)
{
	timeout_stop(timeout);
}

static void timeout_toggled(DBusTimeout *timeout, void *data)
{
	timeout_start(timeout);
}

static gboolean dispatch_idle(gpointer data)
{
	LoopGlue *glue = data;
	DBusConnection *conn = dbus_connection_ref(glue->conn);

	glue->dispatch_id = 0;
	/* Dispatching may run handlers that detach and drop the connection: hold a ref. */
	dispatch_all(conn);
	dbus_connection_unref(conn);
	return G_SOURCE_REMOVE;
}

static void dispatch_status_changed(DBusConnection *conn, DBusDispatchStatus status, void *data)
{
	LoopGlue *glue = data;

	/* Messages that arrive outside watch_ready: pending-call timeouts, blocking calls. */
	if (status == DBUS_DISPATCH_DATA_REMAINS && !glue->in_watch && !glue->dispatch_id)
		glue->dispatch_id = g_idle_add(dispatch_idle, glue);
}

static void glue_free(void *data)
{
	LoopGlue *glue = data;

	if (glue->dispatch_id)
		g_source_remove(glue->dispatch_id);
	g_free(glue);
}

int bus_loop_attach(DBusConnection *conn)
{
	LoopGlue *glue;

	if (!dbus_connection_allocate_data_slot(&glue_slot))
		return -ENOMEM;

	glue = g_new0(LoopGlue, 1);
	glue->conn = conn;
	if (!dbus_connection_set_data(conn, glue_slot, glue, glue_free)) {
		g_free(glue);
		return -ENOMEM;
	}

	if (!dbus_connection_set_watch_functions(conn, watch_add, watch_remove, watch_toggled, glue, NULL) ||
	    !dbus_connection_set_timeout_functions(conn, timeout_add, timeout_remove, timeout_toggled, NULL, NULL)) {
		bus_loop_detach(conn);
		return -ENOMEM;
	}
	dbus_connection_set_dispatch_status_function(conn, dispatch_status_changed, glue, NULL);
	dispatch_status_changed(conn, dbus_connection_get_dispatch_status(conn), glue);
	return 0;
}

void bus_loop_detach(DBusConnection *conn)
{
	if (glue_slot < 0 || !dbus_connection_get_data(conn, glue_slot))
		return;
	dbus_connection_set_dispatch_status_function(conn, NULL, NULL, NULL);
	/* Removing the functions calls watch_remove/timeout_remove for each. */
	dbus_connection_set_watch_functions(conn, NULL, NULL, NULL, NULL, NULL);
	dbus_connection_set_timeout_functions(conn, NULL, NULL, NULL, NULL, NULL);
	dbus_connection_set_data(conn, glue_slot, NULL, NULL);
}
