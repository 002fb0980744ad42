/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/advertisement.h: one of gattd's org.bluez.LEAdvertisement1 objects, built
 * from [Advertising] and the services marked Advertise=true (the main one, at
 * ADVERTISEMENT_PATH), or from an [Advertising NAME] group (at
 * ADVERTISEMENT_PATH/NAME), and changed by local clients at run time (the
 * `advertise` command). Like the GATT objects each lives as long as the process,
 * with what clients changed, and is registered again after every power-on; a
 * reload builds new ones from the configuration.
 */
#pragma once

#include <glib.h>

#include "config/advertising.h"
#include "config/config.h"
#include "dbus/exporter.h"
#include "gatt/app.h"

#define ADVERTISEMENT_PATH "/org/gattd/advertisement"
/* bluetoothd hears of changes at most this often; changes in between go together. */
#define ADVERTISEMENT_UPDATE_INTERVAL_MS 200

typedef struct Advertisement Advertisement;

typedef struct {
	/* BlueZ released the advertisement (adapter removed, bluetoothd stopping). */
	void (*released)(Advertisement *adv, void *user_data);
} AdvertisementListener;

/* base: &config->advertising or one of config->advertisements; both must outlive the object. */
Advertisement *advertisement_new(const GattdConfig *config, const CfgAdvertising *base, BusExporter *exporter);
void advertisement_free(Advertisement *adv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Advertisement, advertisement_free)

/* Add a listener (shared/listeners.h); returns its id for advertisement_remove_listener(). */
unsigned advertisement_add_listener(Advertisement *adv, const AdvertisementListener *listener, void *user_data);
void advertisement_remove_listener(Advertisement *adv, unsigned id);

/*
 * Apply a client's change: 0, or -EINVAL / -EMSGSIZE with *ret_error (nothing
 * changed). bluetoothd hears of it by PropertiesChanged, at once or
 * ADVERTISEMENT_UPDATE_INTERVAL_MS after the last one. change->enabled only
 * updates the live copy: registering or not is the caller's.
 */
int advertisement_change(Advertisement *adv, const CfgAdvertisingChange *change, char **ret_error);
/* The live advertisement and, in *ret_uuids (may be NULL), its service UUIDs; valid until the next change. */
const CfgAdvertising *advertisement_get(const Advertisement *adv, const char *const **ret_uuids);
/*
 * What the selected adapter's bluetoothd offers (adapter: its name, NULL without one),
 * before it reads the advertisement: SecondaryChannel= is sent only where the controller
 * offers that channel and bluetoothd keeps the other flags beside it (5.66+); otherwise
 * it is left out, with a warning once per adapter.
 */
void advertisement_set_features(Advertisement *adv, const GattBluezFeatures *features, const char *adapter);
/* Its object path, and its NAME (NULL for the main one). */
const char *advertisement_get_path(const Advertisement *adv);
const char *advertisement_get_name(const Advertisement *adv);
/* Whether clients changed it from the configuration's. */
bool advertisement_is_changed(const Advertisement *adv);
/* bluetoothd registered it: tell again what changed since it registered it last. */
void advertisement_registered(Advertisement *adv);
