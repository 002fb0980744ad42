/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daemon/advertisements.h: the [Advertising NAME] advertisements as the daemon
 * keeps them: their objects (gatt/advertisement.h), built from the configuration and
 * changed by clients; whether each should be on the air (enabled, and not paused
 * while a central is connected), told to their registrar (bluez/adv-sets.h); and
 * what a reload keeps. The main [Advertising] one stays with the lifecycle (daemon.c).
 */
#pragma once

#include <glib.h>

#include "bluez/bluez.h"
#include "config/config.h"
#include "dbus/exporter.h"
#include "gatt/advertisement.h"
#include "gatt/centrals.h"
#include "socket/status.h"

typedef struct Advertisements Advertisements;

/* config, exporter, bluez and centrals outlive it (config until advertisements_reload). */
Advertisements *advertisements_new(const GattdConfig *config, BusExporter *exporter, Bluez *bluez,
                                   GattCentrals *centrals);
void advertisements_free(Advertisements *ads);

/* Whether BlueZ should have adv (any of gattd's): enabled, and not paused for a connected central. */
bool advertisements_wanted(const Advertisement *adv, GattCentrals *centrals);
/* What the selected adapter offers (advertisement_set_features), for each. */
void advertisements_set_features(Advertisements *ads, const GattBluezFeatures *features, const char *adapter);
/* Tell the registrar which should be on the air now (a central came or left, a client changed one). */
void advertisements_update(Advertisements *ads);
/*
 * A reload: new objects from config (old_config still alive). Those whose group is
 * the same and that no client changed keep their registration; changed ones are
 * registered again, removed ones unregistered, new ones registered.
 */
void advertisements_reload(Advertisements *ads, const GattdConfig *old_config, const GattdConfig *config);
/* The one called name; NULL when there is none. */
Advertisement *advertisements_find(Advertisements *ads, const char *name);
/* Whether bluetoothd has adv registered now. */
bool advertisements_is_registered(Advertisements *ads, const Advertisement *adv);
/* One ServerAdvertisementState* each, in configuration order, for `status`. */
GPtrArray *advertisements_status(Advertisements *ads);
