/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbus/exporter.h: exports objects described by const method/property tables on a
 * libdbus-1 connection, with org.freedesktop.DBus.Properties, Introspectable and
 * ObjectManager implemented once for all of them.
 *
 * Objects live in the exporter, independent of any connection: attaching to a new
 * connection (after the bus dropped) serves the very same objects again.
 * Every method call passes the access check first; argument signatures are checked
 * against the table before a handler runs.
 */
#pragma once

#include <dbus/dbus.h>
#include <glib.h>
#include <stdbool.h>

typedef struct BusExporter BusExporter;

/*
 * Returns the reply to send, or NULL when the method answers later: it keeps a
 * reference to msg and sends the reply with bus_exporter_send().
 */
typedef DBusMessage *(*BusMethodFunc)(BusExporter *exporter, DBusMessage *msg, void *object);

typedef struct {
	const char *name;
	const char *in_sig;  /* exact argument signature required */
	const char *out_sig; /* for introspection */
	BusMethodFunc func;
} BusMethod;

/* Append the property's value (of the property's signature) at iter. */
typedef void (*BusPropertyGetFunc)(DBusMessageIter *iter, void *object);
/* Set from iter (positioned inside the variant). Returns 0 or -errno (-EINVAL for a wrong type). */
typedef int (*BusPropertySetFunc)(DBusMessageIter *iter, void *object);
/* Whether the property currently exists (NULL: always). */
typedef bool (*BusPropertyExistsFunc)(void *object);

typedef struct {
	const char *name;
	const char *sig;
	BusPropertyGetFunc get;
	BusPropertySetFunc set;  /* NULL: read-only */
	BusPropertyExistsFunc exists;
} BusProperty;

typedef struct {
	const char *name;
	const BusMethod *methods;       /* terminated by an entry with name NULL; may be NULL */
	const BusProperty *properties;  /* likewise */
} BusInterface;

typedef struct {
	/*
	 * May sender (a unique bus name) call methods at all? The first listener with
	 * allow answers; with none, every sender may.
	 */
	bool (*allow)(BusExporter *exporter, const char *sender, void *user_data);
} BusExporterListener;

/* All exported paths must be at or below root (e.g. "/org/gattd"). */
BusExporter *bus_exporter_new(const char *root);
void bus_exporter_free(BusExporter *exporter);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BusExporter, bus_exporter_free)

/* Add a listener (shared/listeners.h); returns its id for bus_exporter_remove_listener(). */
unsigned bus_exporter_add_listener(BusExporter *exporter, const BusExporterListener *listener, void *user_data);
void bus_exporter_remove_listener(BusExporter *exporter, unsigned id);

/*
 * Add an interface at path (objects are listed by GetManagedObjects in the order they
 * were first added). Returns 0, -EEXIST if the interface is already there, -EINVAL
 * for a path outside the root.
 */
int bus_exporter_add(BusExporter *exporter, const char *path, const BusInterface *iface, void *object);
/* Remove every interface at path. */
void bus_exporter_remove(BusExporter *exporter, const char *path);
/* Serve org.freedesktop.DBus.ObjectManager at path, for the objects below it. */
void bus_exporter_add_object_manager(BusExporter *exporter, const char *path);

/*
 * The reply to a method call msg addressed below the root, as a connection gets it:
 * the access check, the standard interfaces, the argument checks, the handlers.
 * NULL when the handler answers later (BusMethodFunc). Needs no connection.
 */
DBusMessage *bus_exporter_dispatch(BusExporter *exporter, DBusMessage *msg);

/* Start serving on conn (replaces any previous connection). Returns 0 or -ENOMEM. */
int bus_exporter_attach(BusExporter *exporter, DBusConnection *conn);
void bus_exporter_detach(BusExporter *exporter);

/*
 * Send a reply made later (BusMethodFunc returned NULL) on the connection served now;
 * dropped when detached. The caller sends none to a call that expects no reply
 * (dbus_message_get_no_reply() of the call).
 */
void bus_exporter_send(BusExporter *exporter, DBusMessage *reply);

/*
 * Emit PropertiesChanged for the named properties (NULL-terminated) of iface at path:
 * with their values, or invalidated when one no longer exists. No-op when detached.
 */
void bus_exporter_emit_properties_changed(BusExporter *exporter, const char *path,
                                           const char *iface, const char *const *names);
