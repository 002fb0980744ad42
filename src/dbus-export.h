/*
 * dbus-export.h: exports objects described by const method/property tables on a
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

typedef struct DbusExporter DbusExporter;

/* Returns the reply to send (never NULL). */
typedef DBusMessage *(*DbusMethodFunc)(DBusMessage *msg, void *object);

typedef struct {
	const char *name;
	const char *in_sig;  /* exact argument signature required */
	const char *out_sig; /* for introspection */
	DbusMethodFunc func;
} DbusMethod;

/* Append the property's value (of the property's signature) at iter. */
typedef void (*DbusPropertyGetFunc)(DBusMessageIter *iter, void *object);
/* Set from iter (positioned inside the variant). Returns 0 or -errno (-EINVAL for a wrong type). */
typedef int (*DbusPropertySetFunc)(DBusMessageIter *iter, void *object);
/* Whether the property currently exists (NULL: always). */
typedef bool (*DbusPropertyExistsFunc)(void *object);

typedef struct {
	const char *name;
	const char *sig;
	DbusPropertyGetFunc get;
	DbusPropertySetFunc set;  /* NULL: read-only */
	DbusPropertyExistsFunc exists;
} DbusProperty;

typedef struct {
	const char *name;
	const DbusMethod *methods;       /* terminated by an entry with name NULL; may be NULL */
	const DbusProperty *properties;  /* likewise */
} DbusInterface;

/* Decides whether sender (a unique name) may call methods at all. */
typedef bool (*DbusAccessFunc)(const char *sender, void *user_data);

/* All exported paths must be at or below root (e.g. "/org/gattd"). */
DbusExporter *dbus_exporter_new(const char *root);
void dbus_exporter_free(DbusExporter *exporter);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DbusExporter, dbus_exporter_free)

void dbus_exporter_set_access(DbusExporter *exporter, DbusAccessFunc func, void *user_data);

/*
 * Add an interface at path (objects are listed by GetManagedObjects in the order they
 * were first added). Returns 0, -EEXIST if the interface is already there, -EINVAL
 * for a path outside the root.
 */
int dbus_exporter_add(DbusExporter *exporter, const char *path, const DbusInterface *iface, void *object);
/* Remove every interface at path. */
void dbus_exporter_remove(DbusExporter *exporter, const char *path);
/* Serve org.freedesktop.DBus.ObjectManager at path, for the objects below it. */
void dbus_exporter_add_object_manager(DbusExporter *exporter, const char *path);

/* Start serving on conn (replaces any previous connection). Returns 0 or -ENOMEM. */
int dbus_exporter_attach(DbusExporter *exporter, DBusConnection *conn);
void dbus_exporter_detach(DbusExporter *exporter);
DBusConnection *dbus_exporter_get_connection(DbusExporter *exporter);

/* Emit PropertiesChanged for the named properties (NULL-terminated) of iface at path. No-op when detached. */
void dbus_exporter_emit_properties_changed(DbusExporter *exporter, const char *path,
                                           const char *iface, const char *const *names);

/* Number of exported objects (paths). */
unsigned dbus_exporter_count(DbusExporter *exporter);
