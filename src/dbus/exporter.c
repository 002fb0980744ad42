/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dbus/exporter.c: table-driven object export over libdbus-1 (Properties, Introspectable, ObjectManager). */
#include "dbus/exporter.h"

#include <errno.h>
#include <string.h>

#include "dbus/message.h"
#include "shared/listeners.h"

#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"
#define INTROSPECT_IFACE "org.freedesktop.DBus.Introspectable"
#define OBJECT_MANAGER_IFACE "org.freedesktop.DBus.ObjectManager"

typedef struct {
	const BusInterface *iface;
	void *object;
} ExportedIface;

typedef struct {
	char *path;
	GArray *ifaces;          /* ExportedIface */
	bool object_manager;
} ExportedObject;

struct BusExporter {
	char *root;
	GHashTable *objects;     /* path -> ExportedObject* */
	GPtrArray *ordered;      /* ExportedObject*, insertion order (NULLs after removal are compacted) */
	DBusConnection *conn;
	ListenerList listeners;  /* BusExporterListener */
};

static void exported_object_free(ExportedObject *obj)
{
	if (!obj)
		return;
	g_free(obj->path);
	g_array_unref(obj->ifaces);
	g_free(obj);
}

BusExporter *bus_exporter_new(const char *root)
{
	BusExporter *exporter = g_new0(BusExporter, 1);

	exporter->root = g_strdup(root);
	exporter->objects = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	                                          (GDestroyNotify)exported_object_free);
	exporter->ordered = g_ptr_array_new();
	listener_list_init(&exporter->listeners);
	return exporter;
}

void bus_exporter_free(BusExporter *exporter)
{
	if (!exporter)
		return;
	bus_exporter_detach(exporter);
	g_ptr_array_unref(exporter->ordered);
	g_hash_table_unref(exporter->objects);
	g_free(exporter->root);
	listener_list_clear(&exporter->listeners);
	g_free(exporter);
}

LISTENERS_DEFINE_ADD_REMOVE(BusExporter, bus_exporter, BusExporterListener)

static bool path_in_root(const BusExporter *exporter, const char *path)
{
	size_t n = strlen(exporter->root);

	return dbus_validate_path(path, NULL) && strncmp(path, exporter->root, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

static ExportedObject *lookup_or_create(BusExporter *exporter, const char *path)
{
	ExportedObject *obj = g_hash_table_lookup(exporter->objects, path);

	if (obj)
		return obj;
	obj = g_new0(ExportedObject, 1);
	obj->path = g_strdup(path);
	obj->ifaces = g_array_new(FALSE, FALSE, sizeof(ExportedIface));
	g_hash_table_insert(exporter->objects, obj->path, obj);
	g_ptr_array_add(exporter->ordered, obj);
	return obj;
}

int bus_exporter_add(BusExporter *exporter, const char *path, const BusInterface *iface, void *object)
{
	ExportedObject *obj;
	ExportedIface entry = { .iface = iface, .object = object };

	if (!path_in_root(exporter, path))
		return -EINVAL;
	obj = lookup_or_create(exporter, path);
	for (unsigned i = 0; i < obj->ifaces->len; i++)
		if (strcmp(g_array_index(obj->ifaces, ExportedIface, i).iface->name, iface->name) == 0)
			return -EEXIST;
	g_array_append_val(obj->ifaces, entry);
	return 0;
}

void bus_exporter_remove(BusExporter *exporter, const char *path)
{
	ExportedObject *obj = g_hash_table_lookup(exporter->objects, path);

	if (!obj)
		return;
	g_ptr_array_remove(exporter->ordered, obj);
	g_hash_table_remove(exporter->objects, path);
}

void bus_exporter_add_object_manager(BusExporter *exporter, const char *path)
{
	if (path_in_root(exporter, path))
		lookup_or_create(exporter, path)->object_manager = true;
}

/* ---- properties ---- */

static const BusProperty *find_property(const BusInterface *iface, const char *name)
{
	for (const BusProperty *p = iface->properties; p && p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static const ExportedIface *find_iface(const ExportedObject *obj, const char *name)
{
	for (unsigned i = 0; i < obj->ifaces->len; i++) {
		const ExportedIface *e = &g_array_index(obj->ifaces, ExportedIface, i);

		if (strcmp(e->iface->name, name) == 0)
			return e;
	}
	return NULL;
}

static bool property_exists(const BusProperty *p, void *object)
{
	return !p->exists || p->exists(object);
}

static void append_property_value(DBusMessageIter *iter, const BusProperty *p, void *object)
{
	DBusMessageIter variant;

	dbus_message_iter_open_container(iter, DBUS_TYPE_VARIANT, p->sig, &variant);
	p->get(&variant, object);
	dbus_message_iter_close_container(iter, &variant);
}

static void append_properties_dict(DBusMessageIter *iter, const ExportedIface *e)
{
	DBusMessageIter dict, entry;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
	for (const BusProperty *p = e->iface->properties; p && p->name; p++) {
		if (!property_exists(p, e->object))
			continue;
		dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &p->name);
		append_property_value(&entry, p, e->object);
		dbus_message_iter_close_container(&dict, &entry);
	}
	dbus_message_iter_close_container(iter, &dict);
}

/* The property iface_name.prop_name at obj, or NULL with *ret_error set to the error reply. */
static const BusProperty *lookup_property(ExportedObject *obj, DBusMessage *msg, const char *iface_name,
                                           const char *prop_name, const ExportedIface **ret_iface,
                                           DBusMessage **ret_error)
{
	const ExportedIface *e = find_iface(obj, iface_name);
	const BusProperty *p;

	if (!e) {
		*ret_error = bus_error_reply(msg, -EPROTONOSUPPORT, "no interface %s at %s", iface_name, obj->path);
		return NULL;
	}
	p = find_property(e->iface, prop_name);
	if (!p || !property_exists(p, e->object)) {
		*ret_error = bus_error_reply(msg, -ENOENT, "no property %s on %s", prop_name, iface_name);
		return NULL;
	}
	*ret_iface = e;
	return p;
}

/*
 * The property a Get or Set call names: msg must have the signature sig; iter is left
 * at the argument after the property name. NULL with *ret_error set to the reply.
 */
static const BusProperty *property_of_call(ExportedObject *obj, DBusMessage *msg, const char *sig,
                                           DBusMessageIter *iter, const ExportedIface **ret_iface,
                                           DBusMessage **ret_error)
{
	const char *iface_name, *prop_name;

	if (!dbus_message_has_signature(msg, sig)) {
		*ret_error = bus_error_reply(msg, -EINVAL, "expected arguments (%s)", sig);
		return NULL;
	}
	dbus_message_iter_init(msg, iter);
	dbus_message_iter_get_basic(iter, &iface_name);
	dbus_message_iter_next(iter);
	dbus_message_iter_get_basic(iter, &prop_name);
	dbus_message_iter_next(iter);
	return lookup_property(obj, msg, iface_name, prop_name, ret_iface, ret_error);
}

static DBusMessage *properties_get(ExportedObject *obj, DBusMessage *msg)
{
	const ExportedIface *e;
	const BusProperty *p;
	DBusMessage *reply;
	DBusMessageIter iter;

	p = property_of_call(obj, msg, "ss", &iter, &e, &reply);
	if (!p)
		return reply;

	reply = dbus_message_new_method_return(msg);
	dbus_message_iter_init_append(reply, &iter);
	append_property_value(&iter, p, e->object);
	return reply;
}

static DBusMessage *properties_get_all(ExportedObject *obj, DBusMessage *msg)
{
	const char *iface_name;
	const ExportedIface *e;
	DBusMessage *reply;
	DBusMessageIter iter;

	if (!dbus_message_has_signature(msg, "s") ||
	    !dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface_name, DBUS_TYPE_INVALID))
		return bus_error_reply(msg, -EINVAL, "expected arguments (s)");
	e = find_iface(obj, iface_name);
	if (!e)
		return bus_error_reply(msg, -EPROTONOSUPPORT, "no interface %s at %s", iface_name, obj->path);
	reply = dbus_message_new_method_return(msg);
	dbus_message_iter_init_append(reply, &iter);
	append_properties_dict(&iter, e);
	return reply;
}

static bool variant_has_signature(DBusMessageIter *variant, const char *sig)
{
	char *actual = dbus_message_iter_get_signature(variant);
	bool same = actual && strcmp(actual, sig) == 0;

	dbus_free(actual);
	return same;
}

static DBusMessage *properties_set(ExportedObject *obj, DBusMessage *msg)
{
	const ExportedIface *e;
	const BusProperty *p;
	DBusMessage *error;
	DBusMessageIter iter, variant;
	int r;

	p = property_of_call(obj, msg, "ssv", &iter, &e, &error);
	if (!p)
		return error;
	if (!p->set)
		return bus_error_reply(msg, -EROFS, "property %s is read-only", p->name);
	dbus_message_iter_recurse(&iter, &variant);
	if (!variant_has_signature(&variant, p->sig))
		return bus_error_reply(msg, -EINVAL, "property %s has type %s", p->name, p->sig);
	r = p->set(&variant, e->object);
	if (r < 0)
		return bus_error_reply(msg, r, "cannot set %s: %s", p->name, g_strerror(-r));
	return dbus_message_new_method_return(msg);
}

/* ---- object manager ---- */

static DBusMessage *object_manager_get_managed_objects(BusExporter *exporter, ExportedObject *root,
                                                       DBusMessage *msg)
{
	size_t root_len = strlen(root->path);
	DBusMessage *reply;
	DBusMessageIter iter, objects, entry, ifaces, ientry;

	if (!dbus_message_has_signature(msg, ""))
		return bus_error_reply(msg, -EINVAL, "expected no arguments");

	reply = dbus_message_new_method_return(msg);
	dbus_message_iter_init_append(reply, &iter);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{oa{sa{sv}}}", &objects);
	for (unsigned i = 0; i < exporter->ordered->len; i++) {
		ExportedObject *obj = exporter->ordered->pdata[i];

		if (strncmp(obj->path, root->path, root_len) != 0 || obj->path[root_len] != '/' ||
		    obj->ifaces->len == 0)
			continue;
		dbus_message_iter_open_container(&objects, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_OBJECT_PATH, &obj->path);
		dbus_message_iter_open_container(&entry, DBUS_TYPE_ARRAY, "{sa{sv}}", &ifaces);
		for (unsigned j = 0; j < obj->ifaces->len; j++) {
			const ExportedIface *e = &g_array_index(obj->ifaces, ExportedIface, j);

			dbus_message_iter_open_container(&ifaces, DBUS_TYPE_DICT_ENTRY, NULL, &ientry);
			dbus_message_iter_append_basic(&ientry, DBUS_TYPE_STRING, &e->iface->name);
			append_properties_dict(&ientry, e);
			dbus_message_iter_close_container(&ifaces, &ientry);
		}
		dbus_message_iter_close_container(&entry, &ifaces);
		dbus_message_iter_close_container(&objects, &entry);
	}
	dbus_message_iter_close_container(&iter, &objects);
	return reply;
}

/* ---- introspection ---- */

static int compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void introspect_args(GString *xml, const char *sig, const char *direction)
{
	DBusSignatureIter it;
	unsigned n = 0;

	if (!sig || !*sig)
		return;
	dbus_signature_iter_init(&it, sig);
	do {
		g_autofree char *type = dbus_signature_iter_get_signature(&it);

		g_string_append_printf(xml, "      <arg name=\"arg%u\" type=\"%s\" direction=\"%s\"/>\n", n++,
		                       type, direction);
	} while (dbus_signature_iter_next(&it));
}

static void introspect_iface(GString *xml, const BusInterface *iface)
{
	g_string_append_printf(xml, "  <interface name=\"%s\">\n", iface->name);
	for (const BusMethod *m = iface->methods; m && m->name; m++) {
		g_string_append_printf(xml, "    <method name=\"%s\">\n", m->name);
		introspect_args(xml, m->in_sig, "in");
		introspect_args(xml, m->out_sig, "out");
		g_string_append(xml, "    </method>\n");
	}
	for (const BusProperty *p = iface->properties; p && p->name; p++)
		g_string_append_printf(xml, "    <property name=\"%s\" type=\"%s\" access=\"%s\"/>\n", p->name,
		                       p->sig, p->set ? "readwrite" : "read");
	g_string_append(xml, "  </interface>\n");
}

static const char standard_ifaces_xml[] =
	"  <interface name=\"" INTROSPECT_IFACE "\">\n"
	"    <method name=\"Introspect\"><arg name=\"xml\" type=\"s\" direction=\"out\"/></method>\n"
	"  </interface>\n"
	"  <interface name=\"" PROPERTIES_IFACE "\">\n"
	"    <method name=\"Get\"><arg type=\"s\" direction=\"in\"/><arg type=\"s\" direction=\"in\"/>"
	"<arg type=\"v\" direction=\"out\"/></method>\n"
	"    <method name=\"GetAll\"><arg type=\"s\" direction=\"in\"/><arg type=\"a{sv}\" direction=\"out\"/></method>\n"
	"    <method name=\"Set\"><arg type=\"s\" direction=\"in\"/><arg type=\"s\" direction=\"in\"/>"
	"<arg type=\"v\" direction=\"in\"/></method>\n"
	"    <signal name=\"PropertiesChanged\"><arg type=\"s\"/><arg type=\"a{sv}\"/><arg type=\"as\"/></signal>\n"
	"  </interface>\n";

static const char object_manager_xml[] =
	"  <interface name=\"" OBJECT_MANAGER_IFACE "\">\n"
	"    <method name=\"GetManagedObjects\"><arg type=\"a{oa{sa{sv}}}\" direction=\"out\"/></method>\n"
	"    <signal name=\"InterfacesAdded\"><arg type=\"o\"/><arg type=\"a{sa{sv}}\"/></signal>\n"
	"    <signal name=\"InterfacesRemoved\"><arg type=\"o\"/><arg type=\"as\"/></signal>\n"
	"  </interface>\n";

static DBusMessage *introspect(BusExporter *exporter, const char *path, ExportedObject *obj, DBusMessage *msg)
{
	g_autoptr(GString) xml = g_string_new(DBUS_INTROSPECT_1_0_XML_DOCTYPE_DECL_NODE);
	g_autoptr(GHashTable) children = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	size_t len = strlen(path);
	GHashTableIter it;
	const char *key;
	DBusMessage *reply;

	g_string_append_printf(xml, "<node name=\"%s\">\n", path);
	g_string_append(xml, standard_ifaces_xml);
	if (obj && obj->object_manager)
		g_string_append(xml, object_manager_xml);
	for (unsigned i = 0; obj && i < obj->ifaces->len; i++)
		introspect_iface(xml, g_array_index(obj->ifaces, ExportedIface, i).iface);

	/* Children: the next path element of every object below this path. */
	g_hash_table_iter_init(&it, exporter->objects);
	while (g_hash_table_iter_next(&it, (gpointer *)&key, NULL)) {
		const char *rest;
		const char *slash;

		if (strcmp(path, "/") == 0)
			rest = key + 1;
		else if (strncmp(key, path, len) == 0 && key[len] == '/')
			rest = key + len + 1;
		else
			continue;
		slash = strchr(rest, '/');
		g_hash_table_add(children, slash ? g_strndup(rest, slash - rest) : g_strdup(rest));
	}
	g_hash_table_iter_init(&it, children);
	while (g_hash_table_iter_next(&it, (gpointer *)&key, NULL))
		g_ptr_array_add(names, (gpointer)key);
	g_ptr_array_sort(names, compare_strings);
	for (unsigned i = 0; i < names->len; i++)
		g_string_append_printf(xml, "  <node name=\"%s\"/>\n", (const char *)names->pdata[i]);
	g_string_append(xml, "</node>\n");

	reply = dbus_message_new_method_return(msg);
	dbus_message_append_args(reply, DBUS_TYPE_STRING, &xml->str, DBUS_TYPE_INVALID);
	return reply;
}

/* ---- dispatch ---- */

static bool path_has_children(BusExporter *exporter, const char *path)
{
	GHashTableIter it;
	const char *key;
	size_t len = strlen(path);

	g_hash_table_iter_init(&it, exporter->objects);
	while (g_hash_table_iter_next(&it, (gpointer *)&key, NULL))
		if (strncmp(key, path, len) == 0 && (key[len] == '/' || len == 1))
			return true;
	return false;
}

DBusMessage *bus_exporter_dispatch(BusExporter *exporter, DBusMessage *msg)
{
	const char *path = dbus_message_get_path(msg);
	const char *iface = dbus_message_get_interface(msg);
	const char *member = dbus_message_get_member(msg);
	const char *sender = dbus_message_get_sender(msg);
	ExportedObject *obj = g_hash_table_lookup(exporter->objects, path);
	bool allowed = true;

	/* Introspection answers anyone (busctl tree, d-feet): it shows the shape, no value. */
	if (g_strcmp0(iface, INTROSPECT_IFACE) == 0 || (!iface && strcmp(member, "Introspect") == 0)) {
		if (strcmp(member, "Introspect") != 0)
			return bus_error_reply(msg, -ENOSYS, "no method %s.%s", iface, member);
		if (!obj && !path_has_children(exporter, path))
			return bus_error_reply(msg, -ENODEV, "no object at %s", path);
		return introspect(exporter, path, obj, msg);
	}

	LISTENERS_ASK(&exporter->listeners, BusExporterListener, allow, allowed, exporter, sender);
	if (!allowed)
		return bus_error_reply(msg, -EACCES,
		                        "only the owner of " BLUEZ_SERVICE " may call gattd's objects");

	if (!obj || (obj->ifaces->len == 0 && !obj->object_manager))
		return bus_error_reply(msg, -ENODEV, "no object at %s", path);

	if (g_strcmp0(iface, PROPERTIES_IFACE) == 0) {
		if (strcmp(member, "Get") == 0)
			return properties_get(obj, msg);
		if (strcmp(member, "GetAll") == 0)
			return properties_get_all(obj, msg);
		if (strcmp(member, "Set") == 0)
			return properties_set(obj, msg);
		return bus_error_reply(msg, -ENOSYS, "no method %s.%s", iface, member);
	}

	if (obj->object_manager && (g_strcmp0(iface, OBJECT_MANAGER_IFACE) == 0 ||
	                            (!iface && strcmp(member, "GetManagedObjects") == 0))) {
		if (strcmp(member, "GetManagedObjects") == 0)
			return object_manager_get_managed_objects(exporter, obj, msg);
		return bus_error_reply(msg, -ENOSYS, "no method %s.%s", iface, member);
	}

	for (unsigned i = 0; i < obj->ifaces->len; i++) {
		const ExportedIface *e = &g_array_index(obj->ifaces, ExportedIface, i);

		if (iface && strcmp(e->iface->name, iface) != 0)
			continue;
		for (const BusMethod *m = e->iface->methods; m && m->name; m++) {
			if (strcmp(m->name, member) != 0)
				continue;
			if (!dbus_message_has_signature(msg, m->in_sig))
				return bus_error_reply(msg, -EINVAL, "%s.%s expects arguments (%s), got (%s)",
				                        e->iface->name, member, m->in_sig,
				                        dbus_message_get_signature(msg));
			return m->func(exporter, msg, e->object);
		}
		if (iface)
			return bus_error_reply(msg, -ENOSYS, "no method %s.%s at %s", iface, member, path);
	}
	if (iface)
		return bus_error_reply(msg, -EPROTONOSUPPORT, "no interface %s at %s", iface, path);
	return bus_error_reply(msg, -ENOSYS, "no method %s at %s", member, path);
}

static DBusHandlerResult exporter_message(DBusConnection *conn, DBusMessage *msg, void *data)
{
	BusExporter *exporter = data;
	g_autoptr(DBusMessage) reply = NULL;

	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;

	reply = bus_exporter_dispatch(exporter, msg);
	if (reply && !dbus_message_get_no_reply(msg))
		dbus_connection_send(conn, reply, NULL);
	return DBUS_HANDLER_RESULT_HANDLED;
}

static const DBusObjectPathVTable exporter_vtable = {
	.message_function = exporter_message,
};

int bus_exporter_attach(BusExporter *exporter, DBusConnection *conn)
{
	bus_exporter_detach(exporter);
	if (!dbus_connection_register_fallback(conn, exporter->root, &exporter_vtable, exporter))
		return -ENOMEM;
	exporter->conn = dbus_connection_ref(conn);
	return 0;
}

void bus_exporter_detach(BusExporter *exporter)
{
	if (!exporter->conn)
		return;
	dbus_connection_unregister_object_path(exporter->conn, exporter->root);
	dbus_connection_unref(exporter->conn);
	exporter->conn = NULL;
}

void bus_exporter_send(BusExporter *exporter, DBusMessage *reply)
{
	if (exporter->conn)
		dbus_connection_send(exporter->conn, reply, NULL);
}

void bus_exporter_emit_properties_changed(BusExporter *exporter, const char *path, const char *iface_name,
                                           const char *const *names)
{
	g_autoptr(DBusMessage) signal = NULL;
	ExportedObject *obj;
	const ExportedIface *e;
	DBusMessageIter iter, dict, entry, invalidated;

	if (!exporter || !exporter->conn)
		return;
	obj = g_hash_table_lookup(exporter->objects, path);
	if (!obj || !(e = find_iface(obj, iface_name)))
		return;

	signal = dbus_message_new_signal(path, PROPERTIES_IFACE, "PropertiesChanged");
	dbus_message_iter_init_append(signal, &iter);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &iface_name);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
	for (const char *const *name = names; name && *name; name++) {
		const BusProperty *p = find_property(e->iface, *name);

		if (!p || !property_exists(p, e->object))
			continue;
		dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &p->name);
		append_property_value(&entry, p, e->object);
		dbus_message_iter_close_container(&dict, &entry);
	}
	dbus_message_iter_close_container(&iter, &dict);
	/* A property that no longer exists is invalidated: its reader drops it. */
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "s", &invalidated);
	for (const char *const *name = names; name && *name; name++) {
		const BusProperty *p = find_property(e->iface, *name);

		if (p && !property_exists(p, e->object))
			dbus_message_iter_append_basic(&invalidated, DBUS_TYPE_STRING, &p->name);
	}
	dbus_message_iter_close_container(&iter, &invalidated);
	dbus_connection_send(exporter->conn, signal, NULL);
}
