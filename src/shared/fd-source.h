/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fd-source.h: the GLib fd sources gattd's sockets (D-Bus and local clients) use.
 *
 * Like g_unix_fd_add(), but with recursion allowed: GLib otherwise blocks a
 * source while dispatching it and unblocks it afterwards, and each of the two
 * changes writes the main context's wake-up eventfd, so the next poll returns
 * at once for nothing: three syscalls and a loop iteration per message
 * (profiled in tests/bench/RESULTS.md). gattd never runs a nested main loop, so
 * no source can actually recurse.
 */
#pragma once

#include <glib-unix.h>
#include <glib.h>

static inline guint fd_source_add(int fd, GIOCondition cond, GUnixFDSourceFunc func, gpointer data,
                                  GDestroyNotify destroy)
{
	GSource *source = g_unix_fd_source_new(fd, cond);
	guint id;

	g_source_set_callback(source, G_SOURCE_FUNC(func), data, destroy);
	g_source_set_can_recurse(source, TRUE);
	id = g_source_attach(source, NULL);
	g_source_unref(source);
	return id;
}
