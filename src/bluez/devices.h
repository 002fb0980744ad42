/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluez/devices.h: the centrals BlueZ shows as Device1 objects, fed into the roster
 * (gatt/centrals.h), and the calls gattd makes on them (Device1.Disconnect).
 *
 * The driver (bluez.c) hands over the objects of a GetManagedObjects reply, which
 * adapter is selected, and when BlueZ or the bus left; this file follows Device1's
 * signals itself (a BluezBusListener).
 */
#pragma once

#include "bluez/bus.h"
#include "gatt/centrals.h"

/* How long a Disconnect or RemoveDevice may take: bluetoothd answers once the link is down, 2 s after the call, or never (8.3). */
#define BLUEZ_DISCONNECT_TIMEOUT_MS 10000

typedef struct BluezDevices BluezDevices;

/*
 * A call finished: 0, or -ETIMEDOUT (no answer in time), -ENOTCONN (bluetoothd or the
 * bus left first), -EIO (BlueZ refused; message says how). message is borrowed.
 */
typedef void (*BluezDoneFunc)(int error, const char *message, void *data);

/* Follows bus, feeding centrals (both outlive it). */
BluezDevices *bluez_devices_new(BluezBus *bus, GattCentrals *centrals);
/* Cancels the calls in flight without calling their done. */
void bluez_devices_free(BluezDevices *devices);

/* An object of a GetManagedObjects reply. */
void bluez_devices_object(BluezDevices *devices, const char *path, const BluezObjectProps *props);
/* The adapter selected changed (NULL: none; reason: why its centrals left, when they did). */
void bluez_devices_set_adapter(BluezDevices *devices, const char *adapter_path, const char *reason);
/* BlueZ or the bus left: every central leaves the roster with reason; calls in flight finish with -ENOTCONN. */
void bluez_devices_forget(BluezDevices *devices, const char *reason);

/* Device1.Disconnect on the central at path; done follows (never from inside this call). */
void bluez_devices_disconnect(BluezDevices *devices, const char *path, BluezDoneFunc done, void *data);
/*
 * Adapter1.RemoveDevice for the device at path (a device path under an adapter):
 * bluetoothd drops its keys, disconnects it if connected (answering once the link
 * is down) and removes the object. done follows (never from inside this call).
 */
void bluez_devices_remove(BluezDevices *devices, const char *path, BluezDoneFunc done, void *data);
