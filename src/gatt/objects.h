/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/objects.h: the GATT application on D-Bus, as bluetoothd reads and calls it
 * (org.bluez.GattService1, GattCharacteristic1, GattDescriptor1 under
 * GATT_APP_ROOT, with an ObjectManager). It follows its GattApp as a listener: a
 * change of Notifying and a notification become PropertiesChanged signals.
 */
#pragma once

#include <glib.h>

#include "dbus/exporter.h"
#include "gatt/app.h"

typedef struct GattObjects GattObjects;

/* Export app's tree on exporter; app must outlive the objects. */
GattObjects *gatt_objects_new(GattApp *app, BusExporter *exporter);
/* Remove the tree from the exporter (before the app is freed). */
void gatt_objects_free(GattObjects *objects);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GattObjects, gatt_objects_free)
