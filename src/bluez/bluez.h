/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluez.h: gattd's side of the relationship with BlueZ.
 *
 * Follows BlueZ over the bus connection (bus.c: connection, org.bluez's owner, access
 * check), keeps its adapters and their Powered property (adapter.c, which also says
 * what a change means), and executes what the lifecycle state machine (lifecycle.c)
 * decides: every call to BlueZ is a pending call with a callback; nothing blocks the loop.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "gatt/advertisement.h"
#include "config/config.h"
#include "dbus/exporter.h"
#include "gatt/app.h"
#include "gatt/centrals.h"
#include "bluez/adv-sets.h"
#include "bluez/agent.h"
#include "bluez/devices.h"
#include "bluez/lifecycle.h"

typedef struct Bluez Bluez;

typedef struct {
	/* After every state change (for status reporting). */
	void (*state_changed)(Bluez *bluez, void *user_data);
	/* Services left the air (reason as clients see it: "adapter-down", ...). */
	void (*down)(Bluez *bluez, LcReason reason, void *user_data);
	/* Services are on the air again. */
	void (*up)(Bluez *bluez, void *user_data);
	/* The selected adapter changed, appeared, vanished or changed Powered. */
	void (*adapter_changed)(Bluez *bluez, void *user_data);
	/* Shutdown finished: unregistered (or nothing left to unregister from). */
	void (*stopped)(Bluez *bluez, void *user_data);
} BluezListener;

/* centrals: the roster this fills with BlueZ's Device1 objects (it outlives the driver). */
Bluez *bluez_new(const GattdConfig *config, BusExporter *exporter, GattApp *app, GattCentrals *centrals);
void bluez_free(Bluez *bluez);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Bluez, bluez_free)

/* Add a listener (shared/listeners.h); returns its id for bluez_remove_listener(). */
unsigned bluez_add_listener(Bluez *bluez, const BluezListener *listener, void *user_data);
void bluez_remove_listener(Bluez *bluez, unsigned id);

/* Begin: connect to the bus and follow BlueZ from there. */
void bluez_start(Bluez *bluez);
/* Unregister from BlueZ, then report stopped. */
void bluez_shutdown(Bluez *bluez);

/*
 * A reload replaced the configuration and the GATT application (the old ones are
 * freed after this returns). same_tree: BlueZ's view of the tree is unchanged;
 * same_adv: the advertisement is unchanged; adv_enabled: whether BlueZ should have it
 * now (Enabled=, unless paused while a central is connected). Re-registers what changed.
 */
void bluez_reload(Bluez *bluez, const GattdConfig *config, GattApp *app, bool same_tree, bool same_adv,
                  bool adv_enabled);

/* Advertise (true) or not: a client's start or stop, or a pause while connected; a no-op when it stands so. */
void bluez_set_advertising(Bluez *bluez, bool enabled);

/* The advertisement told us BlueZ released it. */
void bluez_advertisement_released(Bluez *bluez);

/* The [Advertising NAME] advertisements' registrations (bluez/adv-sets.h). */
BluezAdvSets *bluez_get_adv_sets(Bluez *bluez);
/* BlueZ's devices, for Disconnect and RemoveDevice (bluez/devices.h). */
BluezDevices *bluez_get_devices(Bluez *bluez);

LcState bluez_get_state(Bluez *bluez);
bool bluez_is_registered(Bluez *bluez);
bool bluez_is_on_air(Bluez *bluez);
bool bluez_is_advertising(Bluez *bluez);
/* Not in the middle of a step of its own (see lifecycle_is_settled). */
bool bluez_is_settled(Bluez *bluez);
/* The selected adapter's name/path/address/powered (NULL/false when none). */
const char *bluez_get_adapter_name(Bluez *bluez);
const char *bluez_get_adapter_path(Bluez *bluez);
const char *bluez_get_adapter_address(Bluez *bluez);
bool bluez_get_adapter_powered(Bluez *bluez);
/* The pairing agent: its window, and its listeners (the pairing events; bluez/agent.h). */
BluezAgent *bluez_get_agent(Bluez *bluez);
/* bluetoothd's default agent is gattd's. */
bool bluez_agent_is_registered(Bluez *bluez);
/* What the selected adapter's bluetoothd does with acquired sockets (all false without one). */
GattBluezFeatures bluez_get_features(Bluez *bluez);
/* One line for operators: "registered on hci1, advertising", "waiting for an adapter", ... */
char *bluez_describe(Bluez *bluez);
