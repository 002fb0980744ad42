/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluez/bus.h: gattd's connection to the system bus, as far as following BlueZ needs it.
 *
 * Connects (to $DBUS_SYSTEM_BUS_ADDRESS, else the standard system bus socket) on the
 * GLib loop, says Hello, adds the match rules for BlueZ's signals, serves the
 * BusExporter's objects, follows who owns org.bluez (NameOwnerChanged, GetNameOwner)
 * and lets only that owner call gattd's objects. It reports to the driver (bluez.c)
 * through BluezBusListener (shared/listeners.h); reconnecting is the driver's
 * decision (the lifecycle's LC_ACT_CONNECT_BUS).
 */
#pragma once

#include <dbus/dbus.h>
#include <glib.h>
#include <stdbool.h>

#include "bluez/adapter.h"
#include "dbus/exporter.h"
#include "gatt/centrals.h"

#define DEVICE_IFACE "org.bluez.Device1"

/* What gattd reads of one object's interfaces (InterfacesAdded, GetManagedObjects). */
typedef struct {
	AdapterProps adapter;     /* Adapter1's, when it is one of them */
	bool has_device;          /* Device1 is one of them ... */
	GattCentralProps device;  /* ... with these properties */
} BluezObjectProps;

typedef struct BluezBus BluezBus;

typedef struct {
	/* Hello answered, match rules added, objects served; the owner query follows. */
	void (*connected)(BluezBus *bus, void *user_data);
	/* The connection dropped or the bus refused Hello; it is closed and the owner forgotten. */
	void (*lost)(BluezBus *bus, void *user_data);
	/* org.bluez got an owner (bluetoothd is on the bus). */
	void (*bluez_appeared)(BluezBus *bus, void *user_data);
	/* org.bluez lost its owner (already forgotten). */
	void (*bluez_vanished)(BluezBus *bus, void *user_data);
	/* The bus answered that org.bluez has no owner. */
	void (*bluez_absent)(BluezBus *bus, void *user_data);
	/*
	 * Signals from org.bluez's owner, read into plain values (borrowed for the call):
	 * InterfacesAdded (the interface names, and Adapter1's or Device1's properties
	 * when one of them is there), InterfacesRemoved, PropertiesChanged of Adapter1
	 * and of Device1, and Device1.Disconnected (5.83+: BlueZ's reason name and text).
	 */
	void (*interfaces_added)(BluezBus *bus, const char *path, const char *const *ifaces, size_t n,
	                         const BluezObjectProps *props, void *user_data);
	void (*interfaces_removed)(BluezBus *bus, const char *path, const char *const *ifaces, size_t n,
	                           void *user_data);
	void (*adapter_properties_changed)(BluezBus *bus, const char *path, const AdapterProps *props,
	                                   void *user_data);
	void (*device_properties_changed)(BluezBus *bus, const char *path, const GattCentralProps *props,
	                                  void *user_data);
	void (*device_disconnected)(BluezBus *bus, const char *path, const char *reason, const char *message,
	                            void *user_data);
} BluezBusListener;

/* Installs the access check on exporter (only org.bluez's owner may call). */
BluezBus *bluez_bus_new(BusExporter *exporter);
/* Closes the connection without reporting; removes the access check. */
void bluez_bus_free(BluezBus *bus);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BluezBus, bluez_bus_free)

unsigned bluez_bus_add_listener(BluezBus *bus, const BluezBusListener *listener, void *user_data);
void bluez_bus_remove_listener(BluezBus *bus, unsigned id);

/* The address connected to: $DBUS_SYSTEM_BUS_ADDRESS if set and not empty, else the standard socket. */
const char *bluez_bus_address(void);

/*
 * Connect and send Hello (connected or lost follows). Returns 0, or -ENOTCONN when
 * the connection could not be opened (*ret_error: why, for the log) or dropped at
 * once (*ret_error NULL). No listener is called on failure.
 */
int bluez_bus_connect(BluezBus *bus, char **ret_error);

/*
 * Send msg with func(call, data) as the reply callback. Returns the pending call (the
 * caller's), or NULL when not connected.
 */
DBusPendingCall *bluez_bus_call(BluezBus *bus, DBusMessage *msg, DBusPendingCallNotifyFunction func, void *data);
/* The same with its own timeout (the default is libdbus's, 25 s). */
DBusPendingCall *bluez_bus_call_timeout(BluezBus *bus, DBusMessage *msg, int timeout_ms,
                                        DBusPendingCallNotifyFunction func, void *data);
/* Send msg expecting no reply; nothing when not connected. */
void bluez_bus_send(BluezBus *bus, DBusMessage *msg);
/* Write out what is queued (before exiting). */
void bluez_bus_flush(BluezBus *bus);
/* Cancel and drop *call (NULL: nothing), setting it to NULL. */
void bluez_bus_cancel(DBusPendingCall **call);
/*
 * The reply of call when it is the one *pending holds (which is then cleared), else
 * NULL: the caller gave up on it meanwhile.
 */
DBusMessage *bluez_bus_take_reply(DBusPendingCall **pending, DBusPendingCall *call);
/* Cancel and drop call (a GDestroyNotify for tables of them). */
void bluez_bus_cancel_one(DBusPendingCall *call);

/* One object of a GetManagedObjects reply, read as interfaces_added reads its signal. */
typedef void (*BluezObjectFunc)(const char *path, const char *const *ifaces, size_t n,
                                const BluezObjectProps *props, void *data);
/* Call func for every object of a GetManagedObjects reply. Returns 0, or -EINVAL for another signature. */
int bluez_bus_read_objects(DBusMessage *reply, BluezObjectFunc func, void *data);
/* Device1's properties from a GetAll reply. Returns 0, or -EINVAL for another signature. */
int bluez_bus_read_device(DBusMessage *reply, GattCentralProps *props);

/* A call to org.bluez at adapter_path: iface.method(our object path[, empty a{sv} options]). */
DBusMessage *bluez_bus_path_call(const char *adapter_path, const char *iface, const char *method, const char *path,
                                 bool with_options);
/* An error reply's message ("" when it has none). */
const char *bluez_bus_error_text(DBusMessage *reply);
