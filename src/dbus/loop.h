/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbus/loop.h: runs a libdbus-1 connection on the GLib main loop.
 *
 * Watches become fd sources, timeouts become timeout sources. What a watch
 * reads is dispatched right after, in the same callback; messages queued
 * otherwise (a pending call's timeout) are dispatched from an idle callback, the
 * way BlueZ's gdbus/mainloop.c does it for all.
 */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>

/* Attach conn to the default GLib main context. Returns 0 or -ENOMEM. */
int bus_loop_attach(DBusConnection *conn);
/* Detach (before the last unref); safe on a connection never attached. */
void bus_loop_detach(DBusConnection *conn);
