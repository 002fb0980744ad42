/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluez/adv-sets.h: the [Advertising NAME] advertisements on BlueZ. The main
 * advertisement is a step of the lifecycle state machine (lifecycle.c); these others
 * ride beside it: each is registered while the application is registered and the
 * adapter powered with an LEAdvertisingManager1 (what bluez.c tells sync), and while
 * the daemon wants it (enabled, not paused). Like the main one, each is unregistered
 * and registered again at every power-on (the kernel drops the instances at power-off
 * while bluetoothd keeps the registrations), with its Register after the answer to
 * its Unregister (adv-pacing.h), and retried with the lifecycle's backoff when
 * bluetoothd refuses it (most often: the controller has no instance left).
 */
#pragma once

#include <stdbool.h>

#include "bluez/bus.h"
#include "bluez/lifecycle.h"

typedef struct BluezAdvSets BluezAdvSets;

/* bluetoothd registered the advertisement at path (it reads changed properties from now on). */
typedef void (*BluezAdvSetRegistered)(const char *path, void *data);

/* Sends over bus; backoff from lc's RetryMinMs/RetryMaxMs (both outlive it). */
BluezAdvSets *bluez_adv_sets_new(BluezBus *bus, const Lifecycle *lc);
void bluez_adv_sets_free(BluezAdvSets *sets);

/* bluez.c: the adapter they go on now (app registered, powered, LEAdvertisingManager1), or NULL for none. */
void bluez_adv_sets_sync(BluezAdvSets *sets, const char *adapter);
/* bluez.c: bluetoothd or the bus left; a new bluetoothd holds none of them. */
void bluez_adv_sets_forget(BluezAdvSets *sets);
/* bluez.c: shutting down: unregister those bluetoothd may hold (no answer awaited). */
void bluez_adv_sets_stop(BluezAdvSets *sets);

/* The daemon: call registered after each registration (one callback; NULL: none). */
void bluez_adv_sets_set_callback(BluezAdvSets *sets, BluezAdvSetRegistered registered, void *data);
/*
 * The daemon: the advertisement at path (called name in logs) exists and should be on
 * the air (wanted) or not. changed: its object was replaced or its content changed in
 * a way bluetoothd reads at registration only (a reload): registered again.
 */
void bluez_adv_sets_put(BluezAdvSets *sets, const char *path, const char *name, bool wanted, bool changed);
/* The daemon: the advertisement at path is gone (a reload removed it): unregistered. */
void bluez_adv_sets_remove(BluezAdvSets *sets, const char *path);
/* bluetoothd called Release on it (adapter removed, bluetoothd stopping). */
void bluez_adv_sets_released(BluezAdvSets *sets, const char *path);
/* Whether bluetoothd has registered it; and why it last refused (NULL: it did not), for status. */
bool bluez_adv_sets_is_registered(BluezAdvSets *sets, const char *path);
const char *bluez_adv_sets_error(BluezAdvSets *sets, const char *path);
