/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/objects.c: the GATT tree's D-Bus face for bluetoothd: the method and property
 * tables of org.bluez.GattService1, GattCharacteristic1 and GattDescriptor1, their
 * handlers (ReadValue, WriteValue, StartNotify, StopNotify, Confirm) and the Handle
 * BlueZ writes back. Every object is exported as its GattNode (gatt/node.h), so a
 * characteristic and a descriptor share each handler; the rules a read or a write must
 * meet are gatt/access.c's, answering from the stored value gatt/serve.c's, and what
 * a local handler answers gatt/requests.c's.
 */
#include "gatt/objects.h"

#include <errno.h>

#include "config/flags.h"
#include "dbus/message.h"
#include "gatt/links.h"
#include "gatt/node.h"
#include "gatt/options.h"
#include "gatt/serve.h"
#include "shared/log.h"

#define GATT_SERVICE_IFACE "org.bluez.GattService1"
#define GATT_CHAR_IFACE "org.bluez.GattCharacteristic1"
#define GATT_DESC_IFACE "org.bluez.GattDescriptor1"

/* ---- ReadValue and WriteValue of characteristics and descriptors ---- */

/*
 * The options dictionary that is a method's only argument (ReadValue, AcquireNotify,
 * AcquireWrite): NULL with *opts filled and the device's MTU reported, or the error reply.
 */
static DBusMessage *read_only_options(DBusMessage *msg, const GattNode *node, const char *method, GattOptions *opts)
{
	g_autofree char *error = NULL;
	DBusMessageIter iter;
	int r;

	dbus_message_iter_init(msg, &iter);
	r = gatt_options_parse(&iter, opts, &error);
	if (r < 0)
		return bus_error_reply(msg, r, "%s: %s: %s", node->id, method, error);
	gatt_app_report_mtu(gatt_node_get_app(node), opts->device, opts->mtu);
	return NULL;
}

static DBusMessage *node_read_value(BusExporter *exporter, DBusMessage *msg, void *object)
{
	GattNode *node = object;
	GattOptions opts = { 0 };
	DBusMessage *error = read_only_options(msg, node, "ReadValue", &opts);

	if (error)
		return error;
	/* The flags come first; the offset is checked against the value the handler gives. */
	if ((node->handler & CFG_HANDLE_READ) && (node->access.perms & GATT_PERM_READ))
		return gatt_requests_start(node, GATT_REQUEST_READ, exporter, msg, &opts, NULL);
	return gatt_serve_read(node, msg, opts.offset);
}

/* WriteValue's arguments, the bytes and the options. Returns 0 or -EINVAL with *ret_error. */
static int parse_write(DBusMessage *msg, const char *id, GattWriteRequest *req, GattOptions *opts,
                       char **ret_error)
{
	g_autofree char *options_error = NULL;
	DBusMessageIter iter;
	const uint8_t *data;
	int len, r;

	dbus_message_iter_init(msg, &iter);
	r = bus_read_bytes(&iter, G_MAXINT, &data, &len);
	if (r < 0) {
		*ret_error = g_strdup_printf("%s: WriteValue: expected a byte array", id);
		return r;
	}
	dbus_message_iter_next(&iter);
	r = gatt_options_parse(&iter, opts, &options_error);
	if (r < 0) {
		*ret_error = g_strdup_printf("%s: WriteValue: %s", id, options_error);
		return r;
	}
	*req = (GattWriteRequest){
		.data = data, .len = (size_t)len, .offset = opts->offset, .prepare_authorize = opts->prepare_authorize,
	};
	return 0;
}

/*
 * A write is stored unless it is only a prepare-authorize probe; a characteristic's is
 * reported. With a handler, the rules pass first and the handler decides.
 */
static DBusMessage *node_write_value(BusExporter *exporter, DBusMessage *msg, void *object)
{
	GattNode *node = object;
	g_autofree char *error = NULL;
	GattWriteRequest req = { 0 };
	GattOptions opts = { 0 };
	int r;

	r = parse_write(msg, node->id, &req, &opts, &error);
	if (r == 0)
		gatt_app_report_mtu(gatt_node_get_app(node), opts.device, opts.mtu);
	if (r == 0 && (node->handler & CFG_HANDLE_WRITE)) {
		GattWriteRequest check = req;

		check.prepare_authorize = true;
		r = gatt_access_write(&node->access, &check, &error);
		if (r >= 0)
			return gatt_requests_start(node, GATT_REQUEST_WRITE, exporter, msg, &opts, &req);
	} else if (r == 0) {
		r = gatt_serve_write(node, &req, opts.device, &error);
	}
	if (r < 0) {
		log_info("write from %s refused: %s", opts.device ? opts.device : "?", error);
		return bus_error_reply(msg, r, "%s", error);
	}
	return dbus_message_new_method_return(msg);
}

/* ---- the other methods of GattCharacteristic1 ---- */

static DBusMessage *set_notify(DBusMessage *msg, GattChar *chr, bool notifying)
{
	if (!gatt_char_can_notify(chr))
		return bus_error_reply(msg, -EOPNOTSUPP, "%s has neither notify nor indicate", chr->cfg->id);
	gatt_char_set_notifying(chr, notifying);
	return dbus_message_new_method_return(msg);
}

static DBusMessage *char_start_notify(BusExporter *exporter, DBusMessage *msg, void *object)
{
	return set_notify(msg, &((GattNode *)object)->chr, true);
}

static DBusMessage *char_stop_notify(BusExporter *exporter, DBusMessage *msg, void *object)
{
	return set_notify(msg, &((GattNode *)object)->chr, false);
}

static DBusMessage *char_confirm(BusExporter *exporter, DBusMessage *msg, void *object)
{
	GattChar *chr = &((GattNode *)object)->chr;

	if (!(chr->perms & GATT_PERM_INDICATE))
		return bus_error_reply(msg, -EOPNOTSUPP, "%s does not indicate", chr->cfg->id);
	gatt_app_report_confirm(chr);
	return dbus_message_new_method_return(msg);
}

/* AcquireNotify / AcquireWrite (Acquire=): a socket instead of D-Bus calls (gatt/links.c). */
static DBusMessage *char_acquire(DBusMessage *msg, GattNode *node, GattLinkKind kind)
{
	GattOptions opts = { 0 };
	DBusMessage *error = read_only_options(msg, node, kind == GATT_LINK_NOTIFY ? "AcquireNotify" : "AcquireWrite",
	                                       &opts);

	if (error)
		return error;
	return gatt_links_acquire(node, kind, msg, &opts);
}

static DBusMessage *char_acquire_notify(BusExporter *exporter, DBusMessage *msg, void *object)
{
	return char_acquire(msg, object, GATT_LINK_NOTIFY);
}

static DBusMessage *char_acquire_write(BusExporter *exporter, DBusMessage *msg, void *object)
{
	return char_acquire(msg, object, GATT_LINK_WRITE);
}

/* ---- properties ---- */

static void append_string(DBusMessageIter *iter, int type, const char *s)
{
	dbus_message_iter_append_basic(iter, type, &s);
}

static void append_bool(DBusMessageIter *iter, bool b)
{
	dbus_bool_t value = b;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_BOOLEAN, &value);
}

static void node_get_uuid(DBusMessageIter *iter, void *object)
{
	append_string(iter, DBUS_TYPE_STRING, ((GattNode *)object)->uuid);
}

static void node_get_handle(DBusMessageIter *iter, void *object)
{
	dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT16, ((GattNode *)object)->handle);
}

static int node_set_handle(DBusMessageIter *iter, void *object)
{
	dbus_message_iter_get_basic(iter, ((GattNode *)object)->handle);
	return 0;
}

/* A characteristic's Service, a descriptor's Characteristic. */
static void node_get_parent(DBusMessageIter *iter, void *object)
{
	append_string(iter, DBUS_TYPE_OBJECT_PATH, ((GattNode *)object)->parent->path);
}

static void node_get_value(DBusMessageIter *iter, void *object)
{
	const GByteArray *value = ((GattNode *)object)->access.value;

	bus_append_bytes(iter, value->data, MIN(value->len, GATTD_MAX_VALUE_LEN));
}

static void node_get_flags(DBusMessageIter *iter, void *object)
{
	DBusMessageIter array;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "s", &array);
	for (char **flag = ((GattNode *)object)->flags; flag && *flag; flag++)
		dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, flag);
	dbus_message_iter_close_container(iter, &array);
}

static void service_get_primary(DBusMessageIter *iter, void *object)
{
	append_bool(iter, ((GattNode *)object)->service.cfg->primary);
}

static void service_get_includes(DBusMessageIter *iter, void *object)
{
	DBusMessageIter array;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "o", &array);
	dbus_message_iter_close_container(iter, &array);
}

static void char_get_notifying(DBusMessageIter *iter, void *object)
{
	append_bool(iter, ((GattNode *)object)->chr.notifying);
}

static bool char_can_notify(void *object)
{
	return gatt_char_can_notify(&((GattNode *)object)->chr);
}

/*
 * NotifyAcquired / WriteAcquired: bluetoothd looks only at whether the property is
 * there (its proxy cache), never at the value (tests/vm/bluez-versions.md 8.2).
 */
static void char_get_acquired(DBusMessageIter *iter, void *object)
{
	append_bool(iter, false);
}

static bool char_acquires_notify(void *object)
{
	return ((GattNode *)object)->chr.cfg->acquire & CFG_ACQUIRE_NOTIFY;
}

static bool char_acquires_write(void *object)
{
	return ((GattNode *)object)->chr.cfg->acquire & CFG_ACQUIRE_WRITE;
}

/* ---- the tables ---- */

static const BusProperty service_properties[] = {
	{ "UUID", "s", node_get_uuid, NULL, NULL },
	{ "Primary", "b", service_get_primary, NULL, NULL },
	{ "Includes", "ao", service_get_includes, NULL, NULL },
	{ "Handle", "q", node_get_handle, node_set_handle, NULL },
	{ NULL },
};

static const BusMethod char_methods[] = {
	{ "ReadValue", "a{sv}", "ay", node_read_value },
	{ "WriteValue", "aya{sv}", "", node_write_value },
	{ "StartNotify", "", "", char_start_notify },
	{ "StopNotify", "", "", char_stop_notify },
	{ "Confirm", "", "", char_confirm },
	{ "AcquireNotify", "a{sv}", "hq", char_acquire_notify },
	{ "AcquireWrite", "a{sv}", "hq", char_acquire_write },
	{ NULL },
};

static const BusProperty char_properties[] = {
	{ "UUID", "s", node_get_uuid, NULL, NULL },
	{ "Service", "o", node_get_parent, NULL, NULL },
	{ "Value", "ay", node_get_value, NULL, NULL },
	{ "Notifying", "b", char_get_notifying, NULL, char_can_notify },
	{ "NotifyAcquired", "b", char_get_acquired, NULL, char_acquires_notify },
	{ "WriteAcquired", "b", char_get_acquired, NULL, char_acquires_write },
	{ "Flags", "as", node_get_flags, NULL, NULL },
	{ "Handle", "q", node_get_handle, node_set_handle, NULL },
	{ NULL },
};

static const BusMethod desc_methods[] = {
	{ "ReadValue", "a{sv}", "ay", node_read_value },
	{ "WriteValue", "aya{sv}", "", node_write_value },
	{ NULL },
};

static const BusProperty desc_properties[] = {
	{ "UUID", "s", node_get_uuid, NULL, NULL },
	{ "Characteristic", "o", node_get_parent, NULL, NULL },
	{ "Value", "ay", node_get_value, NULL, NULL },
	{ "Flags", "as", node_get_flags, NULL, NULL },
	{ "Handle", "q", node_get_handle, node_set_handle, NULL },
	{ NULL },
};

/* By GattNodeKind. */
static const BusInterface interfaces[] = {
	[GATT_NODE_SERVICE] = { .name = GATT_SERVICE_IFACE, .properties = service_properties },
	[GATT_NODE_CHAR] = { .name = GATT_CHAR_IFACE, .methods = char_methods, .properties = char_properties },
	[GATT_NODE_DESC] = { .name = GATT_DESC_IFACE, .methods = desc_methods, .properties = desc_properties },
};

/* ---- export, and following the model ---- */

struct GattObjects {
	GattApp *app;
	BusExporter *exporter;
	unsigned listener_id;    /* on app */
};

static void char_changed(GattObjects *objects, const GattChar *chr, const char *property)
{
	const char *const changed[] = { property, NULL };

	bus_exporter_emit_properties_changed(objects->exporter, chr->path, GATT_CHAR_IFACE, changed);
}

static void on_notifying_changed(GattChar *chr, void *user_data)
{
	char_changed(user_data, chr, "Notifying");
}

/* BlueZ's notification is PropertiesChanged(Value) on the characteristic. */
static void on_notify(GattChar *chr, void *user_data)
{
	char_changed(user_data, chr, "Value");
}

static const GattAppListener app_listener = {
	.notifying_changed = on_notifying_changed,
	.notify = on_notify,
};

GattObjects *gatt_objects_new(GattApp *app, BusExporter *exporter)
{
	GattObjects *objects = g_new0(GattObjects, 1);
	unsigned n_nodes;
	GattNode *nodes = gatt_app_get_nodes(app, &n_nodes);

	objects->app = app;
	objects->exporter = exporter;
	bus_exporter_add_object_manager(exporter, GATT_APP_ROOT);
	for (unsigned i = 0; i < n_nodes; i++) {
		const BusInterface *iface = &interfaces[nodes[i].kind];
		int r = bus_exporter_add(exporter, nodes[i].path, iface, &nodes[i]);

		/* Paths come from validated, unique IDs: a failure here is a bug, not bad input. */
		if (r < 0)
			g_error("cannot export %s at %s: %s", iface->name, nodes[i].path, g_strerror(-r));
	}
	/* First of the app's listeners: BlueZ sees a change before local clients hear of it. */
	objects->listener_id = gatt_app_add_listener(app, &app_listener, objects);
	return objects;
}

void gatt_objects_free(GattObjects *objects)
{
	unsigned n_nodes;
	GattNode *nodes;

	if (!objects)
		return;
	gatt_app_remove_listener(objects->app, objects->listener_id);
	nodes = gatt_app_get_nodes(objects->app, &n_nodes);
	for (unsigned i = 0; i < n_nodes; i++)
		bus_exporter_remove(objects->exporter, nodes[i].path);
	bus_exporter_remove(objects->exporter, GATT_APP_ROOT);
	g_free(objects);
}
