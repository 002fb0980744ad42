/*
 * dbus-loop.h: runs a libdbus-1 connection on the GLib main loop.
 *
 * Watches become fd sources, timeouts become timeout sources, and dispatching
 * happens from an idle callback whenever libdbus says data remains, the way
 * BlueZ's gdbus/mainloop.c does it.
 */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>

/* Attach conn to the default GLib main context. Returns 0 or -ENOMEM. */
int dbus_loop_attach(DBusConnection *conn);
/* Detach (before the last unref); safe on a connection never attached. */
void dbus_loop_detach(DBusConnection *conn);
