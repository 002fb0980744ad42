/*
 * gatt/advertisement.h: gattd's one org.bluez.LEAdvertisement1 object, built from
 * [Advertising] and the services marked Advertise=true. Like the GATT objects it
 * lives as long as the process and is registered again after every power-on.
 */
#pragma once

#include <glib.h>

#include "config/config.h"
#include "dbus/exporter.h"

#define ADVERTISEMENT_PATH "/org/gattd/advertisement"

typedef struct Advertisement Advertisement;

typedef struct {
	/* BlueZ released the advertisement (adapter removed, bluetoothd stopping). */
	void (*released)(Advertisement *adv, void *user_data);
} AdvertisementListener;

Advertisement *advertisement_new(const GattdConfig *config, BusExporter *exporter);
void advertisement_free(Advertisement *adv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Advertisement, advertisement_free)

/* Add a listener (shared/listeners.h); returns its id for advertisement_remove_listener(). */
unsigned advertisement_add_listener(Advertisement *adv, const AdvertisementListener *listener, void *user_data);
void advertisement_remove_listener(Advertisement *adv, unsigned id);
