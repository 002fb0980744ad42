/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bluez/devices.c: Device1 objects into the roster, Device1.Disconnect and Adapter1.RemoveDevice (bluez/devices.h). */
#include "bluez/devices.h"

#include <errno.h>
#include <string.h>

#include "dbus/message.h"
#include "shared/log.h"

#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"

struct BluezDevices {
	BluezBus *bus;
	unsigned bus_listener_id;
	GattCentrals *centrals;
	GHashTable *fetching;    /* path -> DBusPendingCall*: GetAll(Device1) in flight */
	GPtrArray *calls;        /* DoneCall*: Disconnect and RemoveDevice in flight */
	bool full_logged;        /* the table-full warning was given since the table last had room */
};

typedef struct {
	BluezDevices *devices;
	DBusPendingCall *call;   /* NULL: finishes from idle_id */
	guint idle_id;
	int error;               /* for idle_id */
	BluezDoneFunc done;
	void *data;
	char *removed;           /* RemoveDevice: the device's path, out of the roster once BlueZ answers */
} DoneCall;

/* ---- into the roster ---- */

static void fetch_reply(DBusPendingCall *call, void *data);

/* Ask BlueZ for every Device1 property of path (a connected central whose address we do not know). */
static void fetch(BluezDevices *devices, const char *path)
{
	g_autoptr(DBusMessage) msg = NULL;
	const char *iface = DEVICE_IFACE;
	DBusPendingCall *call;

	if (g_hash_table_contains(devices->fetching, path))
		return;
	msg = dbus_message_new_method_call(BLUEZ_SERVICE, path, PROPERTIES_IFACE, "GetAll");
	dbus_message_append_args(msg, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID);
	call = bluez_bus_call(devices->bus, msg, fetch_reply, devices);
	if (call)
		g_hash_table_insert(devices->fetching, g_strdup(path), call);
}

/* fetched: props are a GetAll's reply, after which there is nothing more to ask. */
static void apply(BluezDevices *devices, const char *path, const GattCentralProps *props, bool fetched)
{
	int r = gatt_centrals_apply(devices->centrals, path, props, g_get_real_time());

	if (r == 1 && !fetched) {
		fetch(devices, path);
	} else if (r == 1) {
		log_info("BlueZ gives no usable Address for the connected device %s; not listing it", path);
	} else if (r == -ENOSPC && !devices->full_logged) {
		log_warning("more than %d Bluetooth devices known to BlueZ; not following %s and others until some "
		            "leave", GATT_CENTRALS_MAX, path);
		devices->full_logged = true;
	} else if (devices->full_logged && gatt_centrals_has_room(devices->centrals)) {
		devices->full_logged = false;
	}
}

static void fetch_reply(DBusPendingCall *call, void *data)
{
	BluezDevices *devices = data;
	g_autoptr(DBusMessage) reply = dbus_pending_call_steal_reply(call);
	GattCentralProps props = { 0 };
	g_autofree char *path = NULL;
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, devices->fetching);
	while (!path && g_hash_table_iter_next(&it, &key, &value)) {
		if (value == call) {
			path = key;
			g_hash_table_iter_steal(&it);
		}
	}
	dbus_pending_call_unref(call);
	if (!path)
		return;
	if (bluez_bus_read_device(reply, &props) == 0)
		apply(devices, path, &props, true);
	else
		log_info("cannot read device %s: %s", path,
		         dbus_message_get_error_name(reply) ? bluez_bus_error_text(reply) : "unexpected reply");
}

static void on_interfaces_added(BluezBus *bus, const char *path, const char *const *ifaces, size_t n,
                                const BluezObjectProps *props, void *data)
{
	if (props->has_device)
		apply(data, path, &props->device, false);
}

static void on_interfaces_removed(BluezBus *bus, const char *path, const char *const *ifaces, size_t n, void *data)
{
	BluezDevices *devices = data;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(ifaces[i], DEVICE_IFACE) == 0) {
			g_hash_table_remove(devices->fetching, path);
			gatt_centrals_remove(devices->centrals, path);
		}
	}
}

static void on_properties_changed(BluezBus *bus, const char *path, const GattCentralProps *props, void *data)
{
	apply(data, path, props, false);
}

static void on_disconnected(BluezBus *bus, const char *path, const char *reason, const char *message, void *data)
{
	BluezDevices *devices = data;
	const GattCentral *central = gatt_centrals_lookup(devices->centrals, path);

	if (central && central->announced)
		log_info("central %s disconnecting: %s (%s)", central->address, message, reason);
	gatt_centrals_disconnect_reason(devices->centrals, path, reason);
}

static const BluezBusListener bus_listener = {
	.interfaces_added = on_interfaces_added,
	.interfaces_removed = on_interfaces_removed,
	.device_properties_changed = on_properties_changed,
	.device_disconnected = on_disconnected,
};

void bluez_devices_object(BluezDevices *devices, const char *path, const BluezObjectProps *props)
{
	on_interfaces_added(devices->bus, path, NULL, 0, props, devices);
}

void bluez_devices_set_adapter(BluezDevices *devices, const char *adapter_path, const char *reason)
{
	gatt_centrals_set_adapter(devices->centrals, adapter_path, reason);
}

/* ---- calls ---- */

static void finish(DoneCall *dc, int error, const char *message)
{
	BluezDevices *devices = dc->devices;

	g_clear_handle_id(&dc->idle_id, g_source_remove);
	if (dc->call) {
		dbus_pending_call_cancel(dc->call);
		g_clear_pointer(&dc->call, dbus_pending_call_unref);
	}
	g_ptr_array_remove_fast(devices->calls, dc);
	/*
	 * bluetoothd answers RemoveDevice before its InterfacesRemoved: whoever asked
	 * must not find the device in the roster (its bonds) after the answer.
	 */
	if (error == 0 && dc->removed)
		gatt_centrals_remove(devices->centrals, dc->removed);
	dc->done(error, message, dc->data);
	g_free(dc->removed);
	g_free(dc);
}

void bluez_devices_forget(BluezDevices *devices, const char *reason)
{
	g_hash_table_remove_all(devices->fetching);
	while (devices->calls->len)
		finish(devices->calls->pdata[0], -ENOTCONN, reason);
	gatt_centrals_forget(devices->centrals, reason);
}

static void done_reply(DBusPendingCall *call, void *data)
{
	DoneCall *dc = data;
	g_autoptr(DBusMessage) reply = dbus_pending_call_steal_reply(call);
	const char *error = dbus_message_get_error_name(reply);
	g_autofree char *message = NULL;
	int r = 0;

	if (error) {
		message = g_strdup_printf("%s: %s", error, bluez_bus_error_text(reply));
		if (strcmp(error, DBUS_ERROR_NO_REPLY) == 0 || strcmp(error, DBUS_ERROR_TIMEOUT) == 0)
			r = -ETIMEDOUT;
		else if (strcmp(error, DBUS_ERROR_DISCONNECTED) == 0 || strcmp(error, DBUS_ERROR_SERVICE_UNKNOWN) == 0 ||
		         strcmp(error, DBUS_ERROR_NAME_HAS_NO_OWNER) == 0)
			r = -ENOTCONN;
		else
			r = -EIO;
	}
	finish(dc, r, message);
}

static gboolean done_idle(gpointer data)
{
	DoneCall *dc = data;

	dc->idle_id = 0;
	finish(dc, dc->error, "not connected to the system bus");
	return G_SOURCE_REMOVE;
}

/* Send msg; done follows with its outcome, never from inside. removed: see DoneCall. */
static void call_with_done(BluezDevices *devices, DBusMessage *msg, const char *removed, BluezDoneFunc done,
                           void *data)
{
	DoneCall *dc = g_new0(DoneCall, 1);

	*dc = (DoneCall){ .devices = devices, .done = done, .data = data, .removed = g_strdup(removed) };
	g_ptr_array_add(devices->calls, dc);
	dc->call = bluez_bus_call_timeout(devices->bus, msg, BLUEZ_DISCONNECT_TIMEOUT_MS, done_reply, dc);
	if (!dc->call) {
		dc->error = -ENOTCONN;
		dc->idle_id = g_idle_add(done_idle, dc);
	}
}

void bluez_devices_disconnect(BluezDevices *devices, const char *path, BluezDoneFunc done, void *data)
{
	g_autoptr(DBusMessage) msg = dbus_message_new_method_call(BLUEZ_SERVICE, path, DEVICE_IFACE, "Disconnect");

	call_with_done(devices, msg, NULL, done, data);
}

void bluez_devices_remove(BluezDevices *devices, const char *path, BluezDoneFunc done, void *data)
{
	g_autofree char *adapter = g_strndup(path, (gsize)(strrchr(path, '/') - path));
	g_autoptr(DBusMessage) msg = bluez_bus_path_call(adapter, ADAPTER_IFACE, "RemoveDevice", path, false);

	call_with_done(devices, msg, path, done, data);
}

/* ---- life ---- */

BluezDevices *bluez_devices_new(BluezBus *bus, GattCentrals *centrals)
{
	BluezDevices *devices = g_new0(BluezDevices, 1);

	devices->bus = bus;
	devices->centrals = centrals;
	devices->fetching = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)bluez_bus_cancel_one);
	devices->calls = g_ptr_array_new();
	devices->bus_listener_id = bluez_bus_add_listener(bus, &bus_listener, devices);
	return devices;
}

void bluez_devices_free(BluezDevices *devices)
{
	if (!devices)
		return;
	bluez_bus_remove_listener(devices->bus, devices->bus_listener_id);
	g_hash_table_unref(devices->fetching);
	for (unsigned i = 0; i < devices->calls->len; i++) {
		DoneCall *dc = devices->calls->pdata[i];

		g_clear_handle_id(&dc->idle_id, g_source_remove);
		bluez_bus_cancel(&dc->call);
		g_free(dc->removed);
		g_free(dc);
	}
	g_ptr_array_unref(devices->calls);
	g_free(devices);
}
