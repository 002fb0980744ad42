/*
 * advertisement.h: gattd's one org.bluez.LEAdvertisement1 object, built from
 * [Advertising] and the services marked Advertise=true. Like the GATT objects it
 * lives as long as the process and is registered again after every power-on.
 */
#pragma once

#include <glib.h>

#include "config/config.h"
#include "dbus/exporter.h"

#define ADVERTISEMENT_PATH "/org/gattd/advertisement"

typedef struct Advertisement Advertisement;

/* Called when BlueZ releases the advertisement (adapter removed, bluetoothd stopping). */
typedef void (*AdvertisementReleasedFunc)(void *user_data);

Advertisement *advertisement_new(const GattdConfig *config, BusExporter *exporter,
                                 AdvertisementReleasedFunc released, void *user_data);
void advertisement_free(Advertisement *adv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Advertisement, advertisement_free)
