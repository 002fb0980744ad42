/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * adapter.h: what gattd knows about BlueZ's adapters, which one it uses, and what a
 * change BlueZ reports about them means for the lifecycle (pure: the driver parses
 * the ObjectManager and Properties signals and feeds the values in here; no D-Bus
 * types, no I/O).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "bluez/lifecycle.h"
#include "config/config.h"
#include "gatt/app.h"

#define ADAPTER_IFACE "org.bluez.Adapter1"
#define GATT_MANAGER_IFACE "org.bluez.GattManager1"
#define ADV_MANAGER_IFACE "org.bluez.LEAdvertisingManager1"

/* Limit on what org.bluez sends us (it is trusted, but bugs happen). */
#define ADAPTER_TABLE_MAX 64

typedef struct {
	char *path;         /* "/org/bluez/hci0" */
	char *address;      /* upper case, NULL until known */
	bool adapter1;      /* org.bluez.Adapter1 present */
	bool gatt_manager;  /* org.bluez.GattManager1 present */
	bool adv_manager;   /* org.bluez.LEAdvertisingManager1 present */
	bool powered;
	bool pairable;      /* Adapter1.Pairable (bondable) */
	/*
	 * What its bluetoothd does with acquired sockets, told by properties only newer
	 * versions have (tests/vm/bluez-versions.md 8.7): Manufacturer (5.71) means one
	 * socket per central (5.69+), Connectable (5.79) also that a notification written to
	 * it reaches only that central (5.76+). Versions in between count as older.
	 */
	bool per_device_fds;
	bool targeted_notify;
	/* LEAdvertisingManager1.SupportedSecondaryChannels (CONFIG_ADV_SECONDARY_* bits; 0: legacy only). */
	unsigned secondary_channels;
	/*
	 * Adapter1.PowerState is there (5.66+): its bluetoothd's parse_secondary keeps the
	 * flags parsed before it; before 5.66 it cleared connectable, discoverable and the
	 * Includes (mask 0xfe00, bluez 2e4327816).
	 */
	bool secondary_keeps_flags;
} AdapterInfo;

AdapterInfo *adapter_info_new(const char *path);
void adapter_info_free(AdapterInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AdapterInfo, adapter_info_free)

/* "hci0" for "/org/bluez/hci0". */
const char *adapter_info_name(const AdapterInfo *info);
/* "hci0" of "/org/bluez/hci0" (the last part of an adapter's path). */
const char *adapter_name_for_path(const char *path);

/* What its bluetoothd does, as the rest of gattd reads it (all false and 0 for NULL: none known). */
GattBluezFeatures adapter_info_features(const AdapterInfo *info);

/* Usable: an adapter with GattManager1. */
bool adapter_info_usable(const AdapterInfo *info);

/*
 * Pick the adapter to use from a table (path -> AdapterInfo*) per Adapter=:
 * auto = the usable adapter with the lowest index (hci0 before hci1 before hci10),
 * name = that hciN if usable, address = the usable adapter with that address,
 * whatever its hciN. NULL when none matches.
 */
AdapterInfo *adapter_select(GHashTable *adapters, AdapterMatch match, const char *wanted);

/* Adapter1 properties as a signal or reply carried them (the ones gattd reads). */
typedef struct {
	bool has_powered;
	bool powered;
	bool has_pairable;
	bool pairable;        /* bondable: with AlwaysPairable=false, bluetoothd's default agent turns it on */
	const char *address;  /* NULL: not carried */
	/* Every property is there (InterfacesAdded, GetManagedObjects), so absence means something. */
	bool complete;
	bool has_manufacturer; /* 5.71+ */
	bool has_connectable;  /* 5.79+ */
	bool has_power_state;  /* 5.66+ */
	/* LEAdvertisingManager1 (also in the object's InterfacesAdded or GetManagedObjects entry). */
	unsigned secondary_channels; /* SupportedSecondaryChannels as CONFIG_ADV_SECONDARY_* bits */
} AdapterProps;

/* The adapters BlueZ has told us of and the one selected per Adapter=. */
typedef struct {
	GHashTable *adapters;   /* path -> AdapterInfo* */
	AdapterInfo *selected;  /* borrowed from adapters, or NULL */
	AdapterMatch match;
	char *wanted;           /* Adapter= name or address; NULL for auto */
} AdapterTable;

/* What a change means: at most one lifecycle event. */
typedef struct {
	bool has_event;
	LcEvent event;
	/* -ENOSPC: the table is full (ADAPTER_TABLE_MAX) and the object was ignored. */
	int error;
	/* LC_EV_ADAPTER_REMOVED: the selected adapter as it was (the caller frees it). */
	AdapterInfo *gone;
} AdapterUpdate;

void adapter_table_init(AdapterTable *table, AdapterMatch match, const char *wanted);
void adapter_table_clear(AdapterTable *table);
/* Adapter= changed (a reload); the selection stays until the next one. */
void adapter_table_set_wanted(AdapterTable *table, AdapterMatch match, const char *wanted);
/* What Adapter= asks for, in words: "hci1", an address, or "any adapter with GattManager1". */
const char *adapter_table_wanted(const AdapterTable *table);
/* Forget every adapter (BlueZ or the bus left). Returns whether one was selected. */
bool adapter_table_forget(AdapterTable *table);
AdapterInfo *adapter_table_lookup(const AdapterTable *table, const char *path);

/*
 * Apply an object's interfaces (n names; props: Adapter1's properties, may be NULL)
 * as GetManagedObjects or InterfacesAdded carried them. Objects other than
 * /org/bluez/<name> (devices below adapters, ...) and other interfaces are ignored.
 * Returns 0 or -ENOSPC (table full; the object is ignored).
 */
int adapter_table_apply(AdapterTable *table, const char *path, const char *const *ifaces, size_t n,
                        const AdapterProps *props);

/* GetManagedObjects was applied: select an adapter; the LC_EV_DISCOVERED event. */
LcEvent adapter_table_discovered(AdapterTable *table);

/*
 * With no adapter selected, select one: true and the LC_EV_ADAPTER_ADDED event in
 * *ret_event when one matches (the lifecycle waits for one in LC_STATE_NO_ADAPTER).
 */
bool adapter_table_take_over(AdapterTable *table, LcEvent *ret_event);

/*
 * InterfacesAdded at path. waiting: the lifecycle waits for an adapter. The event:
 * LC_EV_ADAPTER_ADDED (an adapter got selected) or LC_EV_ADV_MANAGER_ADDED (the
 * selected adapter gained LEAdvertisingManager1).
 */
AdapterUpdate adapter_table_interfaces_added(AdapterTable *table, const char *path, const char *const *ifaces,
                                             size_t n, const AdapterProps *props, bool waiting);

/*
 * InterfacesRemoved at path. The event: LC_EV_ADAPTER_REMOVED (the selected adapter
 * lost Adapter1 or GattManager1: nothing is selected any more, .gone says which it
 * was) or LC_EV_ADV_MANAGER_REMOVED. An object left with none of the three
 * interfaces leaves the table.
 */
AdapterUpdate adapter_table_interfaces_removed(AdapterTable *table, const char *path, const char *const *ifaces,
                                               size_t n);

/* PropertiesChanged of Adapter1 at path: LC_EV_POWERED_ON/OFF when the selected adapter's Powered changed. */
AdapterUpdate adapter_table_properties_changed(AdapterTable *table, const char *path, const AdapterProps *props);
