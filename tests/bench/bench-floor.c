/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-floor.c: the benchmarks' floor, the cost of D-Bus itself.
 *
 * One characteristic-shaped object on the bus (DBUS_SYSTEM_BUS_ADDRESS) with no logic:
 * ReadValue answers a fixed 20-byte value, WriteValue copies the bytes and answers,
 * StartNotify makes it emit PropertiesChanged(GattCharacteristic1, {Value}) in a loop, as
 * fast as the bus takes them, COUNT times (or until StopNotify). Anything gattd does beyond
 * this (checking the caller, options, limits, events to local clients) is gattd's own cost.
 *
 * So that bench-central can drive it like any GATT application, it registers with
 * GattManager1.RegisterApplication on the adapter and answers GetManagedObjects with its
 * one service and characteristic. That happens once, before anything is measured.
 *
 *   bench-floor [--notify-count COUNT] [ADAPTER_PATH]     (default: no limit, /org/bluez/hci0)
 *
 * An exact count lets bench-central divide the floor's CPU time by the signals it really
 * emitted, not by those that had arrived when it looked.
 */
#include <dbus/dbus.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP_PATH "/org/bench/floor"
#define SERVICE_PATH APP_PATH "/service0"
#define CHAR_PATH SERVICE_PATH "/char0"
#define IFACE_CHRC "org.bluez.GattCharacteristic1"
#define VALUE_MAX 512
#define EMIT_BATCH 16

static DBusConnection *conn;
static uint8_t value[VALUE_MAX] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	                            0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14 };
static int value_len = 20;
static bool notifying;
static unsigned long notify_count;   /* per StartNotify; 0: until StopNotify */
static unsigned long to_emit;

static void send_and_unref(DBusMessage *msg)
{
	if (!msg || !dbus_connection_send(conn, msg, NULL)) {
		fprintf(stderr, "bench-floor: out of memory\n");
		exit(1);
	}
	dbus_message_unref(msg);
}

static void append_value(DBusMessageIter *iter)
{
	DBusMessageIter array;
	const uint8_t *p = value;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "y", &array);
	dbus_message_iter_append_fixed_array(&array, DBUS_TYPE_BYTE, &p, value_len);
	dbus_message_iter_close_container(iter, &array);
}

static void emit_value_changed(void)
{
	DBusMessage *sig = dbus_message_new_signal(CHAR_PATH, DBUS_INTERFACE_PROPERTIES, "PropertiesChanged");
	DBusMessageIter iter, dict, entry, variant, invalidated;
	const char *iface = IFACE_CHRC, *key = "Value";

	dbus_message_iter_init_append(sig, &iter);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &iface);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
	dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
	dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "ay", &variant);
	append_value(&variant);
	dbus_message_iter_close_container(&entry, &variant);
	dbus_message_iter_close_container(&dict, &entry);
	dbus_message_iter_close_container(&iter, &dict);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "s", &invalidated);
	dbus_message_iter_close_container(&iter, &invalidated);
	send_and_unref(sig);
}

static DBusHandlerResult char_message(DBusConnection *c, DBusMessage *msg, void *data)
{
	DBusMessage *reply;
	DBusMessageIter iter, array;

	if (dbus_message_is_method_call(msg, IFACE_CHRC, "ReadValue")) {
		reply = dbus_message_new_method_return(msg);
		dbus_message_iter_init_append(reply, &iter);
		append_value(&iter);
	} else if (dbus_message_is_method_call(msg, IFACE_CHRC, "WriteValue")) {
		const uint8_t *data_ = NULL;
		int len = 0;

		dbus_message_iter_init(msg, &iter);
		if (dbus_message_iter_get_arg_type(&iter) == DBUS_TYPE_ARRAY) {
			dbus_message_iter_recurse(&iter, &array);
			dbus_message_iter_get_fixed_array(&array, &data_, &len);
			if (len > 0 && len <= VALUE_MAX) {
				memcpy(value, data_, (size_t)len);
				value_len = len;
			}
		}
		reply = dbus_message_new_method_return(msg);
	} else if (dbus_message_is_method_call(msg, IFACE_CHRC, "StartNotify")) {
		notifying = true;
		to_emit = notify_count;
		reply = dbus_message_new_method_return(msg);
	} else if (dbus_message_is_method_call(msg, IFACE_CHRC, "StopNotify")) {
		notifying = false;
		reply = dbus_message_new_method_return(msg);
	} else {
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	}
	send_and_unref(reply);
	return DBUS_HANDLER_RESULT_HANDLED;
}

/* ---- registration (once, before any measurement) ---- */

static void dict_entry(DBusMessageIter *dict, const char *key, int type, const void *val)
{
	DBusMessageIter entry, variant;
	char sig[2] = { (char)type, 0 };

	dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
	dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, sig, &variant);
	dbus_message_iter_append_basic(&variant, type, val);
	dbus_message_iter_close_container(&entry, &variant);
	dbus_message_iter_close_container(dict, &entry);
}

static void append_object(DBusMessageIter *objects, const char *path, const char *iface, bool is_char)
{
	DBusMessageIter entry, ifaces, ientry, props;
	const char *uuid = is_char ? "6e400003-b5a3-f393-e0a9-e50e24dcca9e" : "6e400001-b5a3-f393-e0a9-e50e24dcca9e";

	dbus_message_iter_open_container(objects, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
	dbus_message_iter_append_basic(&entry, DBUS_TYPE_OBJECT_PATH, &path);
	dbus_message_iter_open_container(&entry, DBUS_TYPE_ARRAY, "{sa{sv}}", &ifaces);
	dbus_message_iter_open_container(&ifaces, DBUS_TYPE_DICT_ENTRY, NULL, &ientry);
	dbus_message_iter_append_basic(&ientry, DBUS_TYPE_STRING, &iface);
	dbus_message_iter_open_container(&ientry, DBUS_TYPE_ARRAY, "{sv}", &props);
	dict_entry(&props, "UUID", DBUS_TYPE_STRING, &uuid);
	if (is_char) {
		const char *service = SERVICE_PATH, *key = "Flags";
		const char *flags[] = { "read", "write", "notify" };
		DBusMessageIter e, v, a;

		dict_entry(&props, "Service", DBUS_TYPE_OBJECT_PATH, &service);
		dbus_message_iter_open_container(&props, DBUS_TYPE_DICT_ENTRY, NULL, &e);
		dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &key);
		dbus_message_iter_open_container(&e, DBUS_TYPE_VARIANT, "as", &v);
		dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "s", &a);
		for (size_t i = 0; i < 3; i++)
			dbus_message_iter_append_basic(&a, DBUS_TYPE_STRING, &flags[i]);
		dbus_message_iter_close_container(&v, &a);
		dbus_message_iter_close_container(&e, &v);
		dbus_message_iter_close_container(&props, &e);
	} else {
		dbus_bool_t primary = TRUE;

		dict_entry(&props, "Primary", DBUS_TYPE_BOOLEAN, &primary);
	}
	dbus_message_iter_close_container(&ientry, &props);
	dbus_message_iter_close_container(&ifaces, &ientry);
	dbus_message_iter_close_container(&entry, &ifaces);
	dbus_message_iter_close_container(objects, &entry);
}

static DBusHandlerResult app_message(DBusConnection *c, DBusMessage *msg, void *data)
{
	DBusMessage *reply;
	DBusMessageIter iter, objects;

	if (!dbus_message_is_method_call(msg, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects"))
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	reply = dbus_message_new_method_return(msg);
	dbus_message_iter_init_append(reply, &iter);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{oa{sa{sv}}}", &objects);
	append_object(&objects, SERVICE_PATH, "org.bluez.GattService1", false);
	append_object(&objects, CHAR_PATH, IFACE_CHRC, true);
	dbus_message_iter_close_container(&iter, &objects);
	send_and_unref(reply);
	return DBUS_HANDLER_RESULT_HANDLED;
}

static void registered(DBusPendingCall *pending, void *data)
{
	DBusMessage *reply = dbus_pending_call_steal_reply(pending);

	if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
		fprintf(stderr, "bench-floor: RegisterApplication failed: %s\n", dbus_message_get_error_name(reply));
		exit(1);
	}
	fprintf(stderr, "bench-floor: registered " APP_PATH "\n");
	dbus_message_unref(reply);
}

static void register_app(const char *adapter)
{
	DBusMessage *msg = dbus_message_new_method_call("org.bluez", adapter, "org.bluez.GattManager1",
	                                                "RegisterApplication");
	DBusMessageIter iter, opts;
	DBusPendingCall *pending = NULL;
	const char *path = APP_PATH;

	dbus_message_iter_init_append(msg, &iter);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_OBJECT_PATH, &path);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &opts);
	dbus_message_iter_close_container(&iter, &opts);
	if (!dbus_connection_send_with_reply(conn, msg, &pending, DBUS_TIMEOUT_INFINITE) || !pending) {
		fprintf(stderr, "bench-floor: cannot send RegisterApplication\n");
		exit(1);
	}
	dbus_pending_call_set_notify(pending, registered, NULL, NULL);
	dbus_pending_call_unref(pending);
	dbus_message_unref(msg);
}

int main(int argc, char **argv)
{
	static const DBusObjectPathVTable char_vtable = { .message_function = char_message };
	static const DBusObjectPathVTable app_vtable = { .message_function = app_message };
	const char *address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
	const char *adapter = "/org/bluez/hci0";
	DBusError err = DBUS_ERROR_INIT;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--notify-count") == 0 && i + 1 < argc)
			notify_count = strtoul(argv[++i], NULL, 10);
		else if (argv[i][0] == '/')
			adapter = argv[i];
		else {
			fprintf(stderr, "usage: bench-floor [--notify-count COUNT] [ADAPTER_PATH]\n");
			return 2;
		}
	}
	if (!address || !*address) {
		fprintf(stderr, "bench-floor: DBUS_SYSTEM_BUS_ADDRESS is not set\n");
		return 2;
	}
	conn = dbus_connection_open_private(address, &err);
	if (!conn || !dbus_bus_register(conn, &err)) {
		fprintf(stderr, "bench-floor: cannot connect to %s: %s\n", address, err.message);
		return 1;
	}
	if (!dbus_connection_register_object_path(conn, CHAR_PATH, &char_vtable, NULL) ||
	    !dbus_connection_register_object_path(conn, APP_PATH, &app_vtable, NULL))
		return 1;
	register_app(adapter);

	for (;;) {
		bool more;

		/* Emit only while nothing waits to be written: the bus sets the pace. */
		if (notifying && !dbus_connection_has_messages_to_send(conn)) {
			for (int i = 0; i < EMIT_BATCH && notifying; i++) {
				emit_value_changed();
				if (notify_count && --to_emit == 0)
					notifying = false;
			}
			more = dbus_connection_read_write_dispatch(conn, 0);
		} else {
			more = dbus_connection_read_write_dispatch(conn, -1);
		}
		if (!more)
			break;
	}
	return 0;
}
