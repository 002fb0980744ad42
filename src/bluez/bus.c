/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluez/bus.c: the system bus connection, org.bluez's owner, the access check, and
 * BlueZ's ObjectManager, Adapter1 and Device1 data read into plain values.
 */
#include "bluez/bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bluez/adapter.h"
#include "config/advertising.h"
#include "dbus/loop.h"
#include "dbus/message.h"
#include "shared/listeners.h"
#include "shared/log.h"

#define DBUS_SERVICE_DBUS_NAME "org.freedesktop.DBus"
#define OBJECT_MANAGER_IFACE "org.freedesktop.DBus.ObjectManager"
#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"

/* libdbus does not export its default; this is the standard system bus socket. */
#define SYSTEM_BUS_DEFAULT_ADDRESS "unix:path=/run/dbus/system_bus_socket"

static const char *const bluez_matches[] = {
	"type='signal',sender='" DBUS_SERVICE_DBUS_NAME "',interface='" DBUS_SERVICE_DBUS_NAME
	"',member='NameOwnerChanged',arg0='" BLUEZ_SERVICE "'",
	"type='signal',sender='" BLUEZ_SERVICE "',interface='" OBJECT_MANAGER_IFACE "'",
	"type='signal',sender='" BLUEZ_SERVICE "',interface='" PROPERTIES_IFACE
	"',member='PropertiesChanged',arg0='" ADAPTER_IFACE "'",
	"type='signal',sender='" BLUEZ_SERVICE "',interface='" PROPERTIES_IFACE
	"',member='PropertiesChanged',arg0='" DEVICE_IFACE "'",
	"type='signal',sender='" BLUEZ_SERVICE "',interface='" DEVICE_IFACE "',member='Disconnected'",
};

struct BluezBus {
	BusExporter *exporter;
	unsigned exporter_listener_id; /* the access check, on exporter */
	ListenerList listeners;       /* BluezBusListener */
	DBusConnection *conn;
	DBusPendingCall *hello;       /* Hello to the bus daemon in flight */
	DBusPendingCall *owner_query; /* GetNameOwner(org.bluez) in flight */
	guint lost_id;
	char *owner;                  /* unique name of org.bluez's owner, or NULL */
};

void bluez_bus_cancel_one(DBusPendingCall *call)
{
	dbus_pending_call_cancel(call);
	dbus_pending_call_unref(call);
}

DBusMessage *bluez_bus_take_reply(DBusPendingCall **pending, DBusPendingCall *call)
{
	DBusMessage *reply;

	if (call != *pending)
		return NULL;
	reply = dbus_pending_call_steal_reply(call);
	g_clear_pointer(pending, dbus_pending_call_unref);
	return reply;
}

void bluez_bus_cancel(DBusPendingCall **call)
{
	if (*call)
		bluez_bus_cancel_one(g_steal_pointer(call));
}

DBusPendingCall *bluez_bus_call(BluezBus *bus, DBusMessage *msg, DBusPendingCallNotifyFunction func, void *data)
{
	return bluez_bus_call_timeout(bus, msg, DBUS_TIMEOUT_USE_DEFAULT, func, data);
}

DBusPendingCall *bluez_bus_call_timeout(BluezBus *bus, DBusMessage *msg, int timeout_ms,
                                        DBusPendingCallNotifyFunction func, void *data)
{
	DBusPendingCall *call = NULL;

	if (!bus->conn || !dbus_connection_send_with_reply(bus->conn, msg, &call, timeout_ms) || !call)
		return NULL;
	if (!dbus_pending_call_set_notify(call, func, data, NULL)) {
		dbus_pending_call_cancel(call);
		dbus_pending_call_unref(call);
		return NULL;
	}
	return call;
}

void bluez_bus_send(BluezBus *bus, DBusMessage *msg)
{
	if (bus->conn)
		dbus_connection_send(bus->conn, msg, NULL);
}

void bluez_bus_flush(BluezBus *bus)
{
	if (bus->conn)
		dbus_connection_flush(bus->conn);
}

DBusMessage *bluez_bus_path_call(const char *adapter_path, const char *iface, const char *method, const char *path,
                                 bool with_options)
{
	DBusMessage *msg = dbus_message_new_method_call(BLUEZ_SERVICE, adapter_path, iface, method);
	DBusMessageIter iter, opts;

	dbus_message_iter_init_append(msg, &iter);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_OBJECT_PATH, &path);
	if (with_options) {
		dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &opts);
		dbus_message_iter_close_container(&iter, &opts);
	}
	return msg;
}

const char *bluez_bus_error_text(DBusMessage *reply)
{
	const char *text = NULL;

	if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID) || !text)
		text = "";
	return text;
}

/* ---- what BlueZ says of its objects, as plain values ---- */

/* Call func(name, variant iter, data) for each entry of the a{sv} at dict_iter. */
static void read_props(DBusMessageIter *dict_iter, void (*func)(const char *, DBusMessageIter *, void *), void *data)
{
	DBusMessageIter dict;

	dbus_message_iter_recurse(dict_iter, &dict);
	for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&dict)) {
		DBusMessageIter entry, variant;
		const char *name;

		dbus_message_iter_recurse(&dict, &entry);
		dbus_message_iter_get_basic(&entry, &name);
		dbus_message_iter_next(&entry);
		dbus_message_iter_recurse(&entry, &variant);
		func(name, &variant, data);
	}
}

/* The variant's value if it is a boolean: *has set, *value read. */
static void read_bool(DBusMessageIter *variant, bool *has, bool *value)
{
	dbus_bool_t b;

	if (dbus_message_iter_get_arg_type(variant) != DBUS_TYPE_BOOLEAN)
		return;
	dbus_message_iter_get_basic(variant, &b);
	*has = true;
	*value = b;
}

/* The variant's string (borrowed from the message), or NULL for another type. */
static const char *read_string(DBusMessageIter *variant)
{
	const char *s = NULL;

	if (dbus_message_iter_get_arg_type(variant) == DBUS_TYPE_STRING)
		dbus_message_iter_get_basic(variant, &s);
	return s;
}

/* Adapter1: Powered, Pairable and Address. */
static void read_adapter_prop(const char *name, DBusMessageIter *variant, void *data)
{
	AdapterProps *props = data;

	if (strcmp(name, "Powered") == 0)
		read_bool(variant, &props->has_powered, &props->powered);
	else if (strcmp(name, "Pairable") == 0)
		read_bool(variant, &props->has_pairable, &props->pairable);
	else if (strcmp(name, "Address") == 0)
		props->address = read_string(variant);
	else if (strcmp(name, "Manufacturer") == 0)
		props->has_manufacturer = true;
	else if (strcmp(name, "Connectable") == 0)
		props->has_connectable = true;
	else if (strcmp(name, "PowerState") == 0)
		props->has_power_state = true;
}

/* LEAdvertisingManager1: the secondary channels its controller offers. */
static void read_adv_manager_prop(const char *name, DBusMessageIter *variant, void *data)
{
	AdapterProps *props = data;
	DBusMessageIter array;

	if (strcmp(name, "SupportedSecondaryChannels") != 0 || dbus_message_iter_get_arg_type(variant) != DBUS_TYPE_ARRAY)
		return;
	dbus_message_iter_recurse(variant, &array);
	for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRING; dbus_message_iter_next(&array)) {
		const char *channel;

		dbus_message_iter_get_basic(&array, &channel);
		props->secondary_channels |= config_secondary_channel_bit(channel);
	}
}

/* Device1: what the roster shows. */
static void read_device_prop(const char *name, DBusMessageIter *variant, void *data)
{
	GattCentralProps *props = data;

	if (strcmp(name, "Address") == 0)
		props->address = read_string(variant);
	else if (strcmp(name, "AddressType") == 0)
		props->address_type = read_string(variant);
	else if (strcmp(name, "Name") == 0)
		props->name = read_string(variant);
	else if (strcmp(name, "Alias") == 0)
		props->alias = read_string(variant);
	else if (strcmp(name, "Paired") == 0)
		read_bool(variant, &props->has_paired, &props->paired);
	else if (strcmp(name, "Bonded") == 0)
		read_bool(variant, &props->has_bonded, &props->bonded);
	else if (strcmp(name, "Trusted") == 0)
		read_bool(variant, &props->has_trusted, &props->trusted);
	else if (strcmp(name, "Connected") == 0)
		read_bool(variant, &props->has_connected, &props->connected);
}

/* The interface names of the a{sa{sv}} at ifaces_iter (borrowed from the message), and what gattd reads of them. */
static GPtrArray *read_interfaces(DBusMessageIter *ifaces_iter, BluezObjectProps *props)
{
	GPtrArray *names = g_ptr_array_new();
	DBusMessageIter dict;

	dbus_message_iter_recurse(ifaces_iter, &dict);
	for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&dict)) {
		DBusMessageIter entry;
		const char *iface;

		dbus_message_iter_recurse(&dict, &entry);
		dbus_message_iter_get_basic(&entry, &iface);
		dbus_message_iter_next(&entry);
		g_ptr_array_add(names, (char *)iface);
		if (strcmp(iface, ADAPTER_IFACE) == 0) {
			props->adapter.complete = true;
			read_props(&entry, read_adapter_prop, &props->adapter);
		} else if (strcmp(iface, ADV_MANAGER_IFACE) == 0) {
			read_props(&entry, read_adv_manager_prop, &props->adapter);
		} else if (strcmp(iface, DEVICE_IFACE) == 0) {
			props->has_device = true;
			read_props(&entry, read_device_prop, &props->device);
		}
	}
	return names;
}

int bluez_bus_read_device(DBusMessage *reply, GattCentralProps *props)
{
	DBusMessageIter iter;

	if (!dbus_message_has_signature(reply, "a{sv}"))
		return -EINVAL;
	dbus_message_iter_init(reply, &iter);
	read_props(&iter, read_device_prop, props);
	return 0;
}

int bluez_bus_read_objects(DBusMessage *reply, BluezObjectFunc func, void *data)
{
	DBusMessageIter iter, objects;

	if (!dbus_message_has_signature(reply, "a{oa{sa{sv}}}"))
		return -EINVAL;
	dbus_message_iter_init(reply, &iter);
	dbus_message_iter_recurse(&iter, &objects);
	for (; dbus_message_iter_get_arg_type(&objects) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&objects)) {
		DBusMessageIter entry;
		BluezObjectProps props = { 0 };
		g_autoptr(GPtrArray) names = NULL;
		const char *path;

		dbus_message_iter_recurse(&objects, &entry);
		dbus_message_iter_get_basic(&entry, &path);
		dbus_message_iter_next(&entry);
		names = read_interfaces(&entry, &props);
		func(path, (const char *const *)names->pdata, names->len, &props, data);
	}
	return 0;
}

/* An ObjectManager signal of signature sig: its object path, and iter at the next argument. */
static bool read_path(DBusMessage *msg, const char *sig, DBusMessageIter *iter, const char **path)
{
	if (!dbus_message_has_signature(msg, sig))
		return false;
	dbus_message_iter_init(msg, iter);
	dbus_message_iter_get_basic(iter, path);
	dbus_message_iter_next(iter);
	return true;
}

static void on_interfaces_added(BluezBus *bus, DBusMessage *msg)
{
	DBusMessageIter iter;
	BluezObjectProps props = { 0 };
	g_autoptr(GPtrArray) names = NULL;
	const char *path;

	if (!read_path(msg, "oa{sa{sv}}", &iter, &path))
		return;
	names = read_interfaces(&iter, &props);
	LISTENERS_REPORT(&bus->listeners, BluezBusListener, interfaces_added, bus, path,
	                 (const char *const *)names->pdata, names->len, &props);
}

static void on_interfaces_removed(BluezBus *bus, DBusMessage *msg)
{
	DBusMessageIter iter, array;
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	const char *path;

	if (!read_path(msg, "oas", &iter, &path))
		return;
	dbus_message_iter_recurse(&iter, &array);
	for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRING; dbus_message_iter_next(&array)) {
		const char *iface;

		dbus_message_iter_get_basic(&array, &iface);
		g_ptr_array_add(names, (char *)iface);
	}
	LISTENERS_REPORT(&bus->listeners, BluezBusListener, interfaces_removed, bus, path,
	                 (const char *const *)names->pdata, names->len);
}

static void on_properties_changed(BluezBus *bus, DBusMessage *msg)
{
	DBusMessageIter iter;
	const char *iface;

	if (!dbus_message_has_signature(msg, "sa{sv}as"))
		return;
	dbus_message_iter_init(msg, &iter);
	dbus_message_iter_get_basic(&iter, &iface);
	dbus_message_iter_next(&iter);
	if (strcmp(iface, ADAPTER_IFACE) == 0) {
		AdapterProps props = { 0 };

		read_props(&iter, read_adapter_prop, &props);
		LISTENERS_REPORT(&bus->listeners, BluezBusListener, adapter_properties_changed, bus,
		                 dbus_message_get_path(msg), &props);
	} else if (strcmp(iface, DEVICE_IFACE) == 0) {
		GattCentralProps props = { 0 };

		read_props(&iter, read_device_prop, &props);
		LISTENERS_REPORT(&bus->listeners, BluezBusListener, device_properties_changed, bus,
		                 dbus_message_get_path(msg), &props);
	}
}

/* Device1.Disconnected(s name, s message), 5.83+. */
static void on_device_disconnected(BluezBus *bus, DBusMessage *msg)
{
	const char *name, *message;

	if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &message, DBUS_TYPE_INVALID))
		return;
	LISTENERS_REPORT(&bus->listeners, BluezBusListener, device_disconnected, bus, dbus_message_get_path(msg),
	                 name, message);
}

/* ---- org.bluez's owner ---- */

static void set_owner(BluezBus *bus, const char *owner)
{
	if (g_strcmp0(owner, bus->owner) == 0)
		return;
	if (bus->owner) {
		log_notice("bluetoothd (%s) left the bus; waiting for it to return", bus->owner);
		g_clear_pointer(&bus->owner, g_free);
		LISTENERS_REPORT(&bus->listeners, BluezBusListener, bluez_vanished, bus);
	}
	if (owner) {
		bus->owner = g_strdup(owner);
		log_info("bluetoothd is on the bus as %s", owner);
		LISTENERS_REPORT(&bus->listeners, BluezBusListener, bluez_appeared, bus);
	}
}

static void query_owner_reply(DBusPendingCall *call, void *data)
{
	BluezBus *bus = data;
	g_autoptr(DBusMessage) reply = dbus_pending_call_steal_reply(call);
	const char *owner = NULL;

	dbus_pending_call_unref(bus->owner_query);
	bus->owner_query = NULL;
	/* A NameOwnerChanged that arrived first already told us. */
	if (bus->owner)
		return;
	if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR ||
	    !dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &owner, DBUS_TYPE_INVALID)) {
		log_notice(BLUEZ_SERVICE " is not on the bus; waiting for bluetoothd");
		LISTENERS_REPORT(&bus->listeners, BluezBusListener, bluez_absent, bus);
		return;
	}
	set_owner(bus, owner);
}

static void on_name_owner_changed(BluezBus *bus, DBusMessage *msg)
{
	const char *name, *old_owner, *new_owner;

	if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &old_owner,
	                           DBUS_TYPE_STRING, &new_owner, DBUS_TYPE_INVALID) ||
	    strcmp(name, BLUEZ_SERVICE) != 0)
		return;
	set_owner(bus, new_owner[0] ? new_owner : NULL);
}

/* The access check for exported objects: only org.bluez's owner may call them. */
static bool sender_is_bluez(BusExporter *exporter, const char *sender, void *data)
{
	BluezBus *bus = data;

	return sender && bus->owner && strcmp(sender, bus->owner) == 0;
}

static const BusExporterListener exporter_listener = {
	.allow = sender_is_bluez,
};

/* ---- the connection ---- */

static DBusHandlerResult bus_filter(DBusConnection *conn, DBusMessage *msg, void *data);

static void drop_connection(BluezBus *bus)
{
	DBusConnection *conn = bus->conn;

	if (!conn)
		return;
	bluez_bus_cancel(&bus->hello);
	bluez_bus_cancel(&bus->owner_query);
	bus_exporter_detach(bus->exporter);
	dbus_connection_remove_filter(conn, bus_filter, bus);
	bus_loop_detach(conn);
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
	bus->conn = NULL;
	g_clear_pointer(&bus->owner, g_free);
}

static gboolean lost_idle(gpointer data)
{
	BluezBus *bus = data;

	bus->lost_id = 0;
	drop_connection(bus);
	LISTENERS_REPORT(&bus->listeners, BluezBusListener, lost, bus);
	return G_SOURCE_REMOVE;
}

static void schedule_lost(BluezBus *bus)
{
	if (!bus->lost_id)
		bus->lost_id = g_idle_add(lost_idle, bus);
}

static DBusHandlerResult bus_filter(DBusConnection *conn, DBusMessage *msg, void *data)
{
	BluezBus *bus = data;
	const char *sender = dbus_message_get_sender(msg);

	if (dbus_message_is_signal(msg, DBUS_INTERFACE_LOCAL, "Disconnected")) {
		schedule_lost(bus);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_SIGNAL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;

	if (dbus_message_is_signal(msg, DBUS_SERVICE_DBUS_NAME, "NameOwnerChanged")) {
		if (g_strcmp0(sender, DBUS_SERVICE_DBUS_NAME) == 0)
			on_name_owner_changed(bus, msg);
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	}

	/* Everything else must come from the current owner of org.bluez. */
	if (!bus->owner || g_strcmp0(sender, bus->owner) != 0)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;

	if (dbus_message_is_signal(msg, OBJECT_MANAGER_IFACE, "InterfacesAdded"))
		on_interfaces_added(bus, msg);
	else if (dbus_message_is_signal(msg, OBJECT_MANAGER_IFACE, "InterfacesRemoved"))
		on_interfaces_removed(bus, msg);
	else if (dbus_message_is_signal(msg, PROPERTIES_IFACE, "PropertiesChanged"))
		on_properties_changed(bus, msg);
	else if (dbus_message_is_signal(msg, DEVICE_IFACE, "Disconnected"))
		on_device_disconnected(bus, msg);
	return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static void hello_reply(DBusPendingCall *call, void *data)
{
	BluezBus *bus = data;
	g_autoptr(DBusMessage) reply = dbus_pending_call_steal_reply(call);
	g_autoptr(DBusMessage) query = NULL;
	const char *unique = NULL;
	const char *bluez_name = BLUEZ_SERVICE;

	dbus_pending_call_unref(bus->hello);
	bus->hello = NULL;
	if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR ||
	    !dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &unique, DBUS_TYPE_INVALID)) {
		log_warning("the bus refused Hello: %s", dbus_message_get_error_name(reply));
		schedule_lost(bus);
		return;
	}
	dbus_bus_set_unique_name(bus->conn, unique);
	log_info("connected to the system bus as %s", unique);

	/* Matches first, then the owner query: no NameOwnerChanged can slip between. */
	for (size_t i = 0; i < G_N_ELEMENTS(bluez_matches); i++)
		dbus_bus_add_match(bus->conn, bluez_matches[i], NULL);
	if (bus_exporter_attach(bus->exporter, bus->conn) < 0)
		g_error("out of memory");

	LISTENERS_REPORT(&bus->listeners, BluezBusListener, connected, bus);

	query = dbus_message_new_method_call(DBUS_SERVICE_DBUS_NAME, "/org/freedesktop/DBus",
	                                     DBUS_SERVICE_DBUS_NAME, "GetNameOwner");
	dbus_message_append_args(query, DBUS_TYPE_STRING, &bluez_name, DBUS_TYPE_INVALID);
	bus->owner_query = bluez_bus_call(bus, query, query_owner_reply, bus);
}

const char *bluez_bus_address(void)
{
	const char *address = getenv("DBUS_SYSTEM_BUS_ADDRESS");

	return address && *address ? address : SYSTEM_BUS_DEFAULT_ADDRESS;
}

int bluez_bus_connect(BluezBus *bus, char **ret_error)
{
	g_autoptr(DBusMessage) hello = NULL;
	DBusError error = DBUS_ERROR_INIT;
	DBusConnection *conn;

	*ret_error = NULL;
	conn = dbus_connection_open_private(bluez_bus_address(), &error);
	if (!conn) {
		*ret_error = g_strdup(error.message);
		dbus_error_free(&error);
		return -ENOTCONN;
	}
	dbus_connection_set_exit_on_disconnect(conn, FALSE);
	if (bus_loop_attach(conn) < 0 || !dbus_connection_add_filter(conn, bus_filter, bus, NULL))
		g_error("out of memory");
	bus->conn = conn;

	hello = dbus_message_new_method_call(DBUS_SERVICE_DBUS_NAME, "/org/freedesktop/DBus", DBUS_SERVICE_DBUS_NAME,
	                                     "Hello");
	bus->hello = bluez_bus_call(bus, hello, hello_reply, bus);
	if (!bus->hello) {
		drop_connection(bus);
		return -ENOTCONN;
	}
	return 0;
}

BluezBus *bluez_bus_new(BusExporter *exporter)
{
	BluezBus *bus = g_new0(BluezBus, 1);

	bus->exporter = exporter;
	listener_list_init(&bus->listeners);
	bus->exporter_listener_id = bus_exporter_add_listener(exporter, &exporter_listener, bus);
	return bus;
}

LISTENERS_DEFINE_ADD_REMOVE(BluezBus, bluez_bus, BluezBusListener)

void bluez_bus_free(BluezBus *bus)
{
	if (!bus)
		return;
	if (bus->lost_id)
		g_source_remove(bus->lost_id);
	drop_connection(bus);
	bus_exporter_remove_listener(bus->exporter, bus->exporter_listener_id);
	listener_list_clear(&bus->listeners);
	g_free(bus);
}
