/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/centrals.h: the roster, the centrals connected to gattd's adapter.
 *
 * BlueZ shows a central that connects to us as an org.bluez.Device1 object under the
 * adapter, with Connected = true (tests/vm/bluez-versions.md 8.3). The BlueZ driver
 * (bluez/bluez.c) feeds what BlueZ says of its Device1 objects in here as plain values;
 * the GATT objects add the MTU the calls of a device carry; the socket server reads the
 * roster and reports its changes (listeners). Pure: no D-Bus, no I/O; times are given.
 *
 * Entries are keyed by object path, never by address: a central's Address can change on
 * the same path after pairing (an RPA resolved to its identity). Every Device1 of every
 * adapter is kept (up to GATT_CENTRALS_MAX), so that a central's address and name are
 * known when it connects; only the selected adapter's connected ones are the roster.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Device1 objects kept; org.bluez is trusted, but scanning can make many. */
#define GATT_CENTRALS_MAX 1024

/* Device1 properties as a signal or reply carried them (NULL / has_ false: not carried). */
typedef struct {
	const char *address;
	const char *address_type;  /* "public" or "random" */
	const char *name;
	const char *alias;
	bool has_paired, paired;
	bool has_bonded, bonded;   /* BlueZ 5.65 and later */
	bool has_trusted, trusted;
	bool has_connected, connected;
} GattCentralProps;

typedef struct {
	char *path;              /* "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF" */
	char *adapter;           /* the adapter's path (the object's parent) */
	char *address;           /* upper case; NULL until known */
	char *address_type;
	char *name;              /* NULL when BlueZ does not know it */
	char *alias;
	bool paired, trusted, connected;
	bool has_bonded, bonded;
	int64_t connected_since; /* wall clock, microseconds, when gattd saw it connect; 0 when not */
	uint16_t mtu;            /* from the latest call naming it; 0 when none did yet */
	char *reason;            /* what Device1.Disconnected said, until Connected = false */
	bool announced;          /* in the roster: `connected` was reported */
} GattCentral;

typedef struct GattCentrals GattCentrals;

/* Changes of the roster. A disconnected central is still readable during the call. */
typedef struct {
	void (*connected)(GattCentrals *centrals, const GattCentral *central, void *user_data);
	/* reason: BlueZ's ("remote", "timeout", ... 5.83+) or gattd's ("adapter-removed", ...), NULL when unknown. */
	void (*disconnected)(GattCentrals *centrals, const GattCentral *central, const char *reason,
	                     void *user_data);
	/* A known device became paired or bonded (BlueZ says Bonded first, Paired once it has looked around). */
	void (*paired)(GattCentrals *centrals, const GattCentral *central, void *user_data);
} GattCentralsListener;

GattCentrals *gatt_centrals_new(void);
void gatt_centrals_free(GattCentrals *centrals);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GattCentrals, gatt_centrals_free)

unsigned gatt_centrals_add_listener(GattCentrals *centrals, const GattCentralsListener *listener,
                                    void *user_data);
void gatt_centrals_remove_listener(GattCentrals *centrals, unsigned id);

/*
 * The adapter whose connected devices are the roster (path, or NULL for none). Those
 * of the old one leave it (disconnected, with reason), those of the new one join.
 */
void gatt_centrals_set_adapter(GattCentrals *centrals, const char *adapter_path, const char *reason);

/*
 * Device1 at path (a child of its adapter's path) as GetManagedObjects, InterfacesAdded,
 * PropertiesChanged or GetAll carried it, at time now. An Address that is not six hex
 * pairs, or an AddressType other than public/random, is ignored. A central of the selected
 * adapter joins the roster once connected with a known address, and leaves it when no
 * longer connected. Returns 0; 1 when the central is connected but its address is not
 * known (the caller should ask BlueZ for all of its properties); -EINVAL for a path
 * without a parent; -ENOSPC when the table is full and this device was not kept.
 */
int gatt_centrals_apply(GattCentrals *centrals, const char *path, const GattCentralProps *props, int64_t now);

/* Device1.Disconnected (BlueZ 5.83+, before Connected = false): BlueZ's reason name. */
void gatt_centrals_disconnect_reason(GattCentrals *centrals, const char *path, const char *bluez_reason);

/* Device1 left (InterfacesRemoved): it leaves the roster with reason "removed" if it was in. */
void gatt_centrals_remove(GattCentrals *centrals, const char *path);

/* BlueZ or the bus left: every central leaves the roster with reason, and all are forgotten. */
void gatt_centrals_forget(GattCentrals *centrals, const char *reason);

/* A call from BlueZ named the device at path with this MTU (ignored for unknown devices and 0). */
void gatt_centrals_saw_mtu(GattCentrals *centrals, const char *path, uint16_t mtu);

/* The central at path, whether in the roster or not; NULL if unknown. */
const GattCentral *gatt_centrals_lookup(GattCentrals *centrals, const char *path);
/* The central in the roster with this address (any case); NULL if none. */
const GattCentral *gatt_centrals_find_address(GattCentrals *centrals, const char *address);
/* The roster, oldest connection first (borrowed GattCentral*, valid until the next change). */
GPtrArray *gatt_centrals_list(GattCentrals *centrals);
unsigned gatt_centrals_count(GattCentrals *centrals);
/* Whether the device path is under the selected adapter. */
bool gatt_centrals_on_adapter(GattCentrals *centrals, const char *path);
/*
 * The bonded devices under the selected adapter (Bonded, or Paired before BlueZ
 * 5.65), connected or not, by address; free the array only.
 */
GPtrArray *gatt_centrals_bonds(GattCentrals *centrals);
/* Any device BlueZ holds under the selected adapter with this address (any case), connected or not; NULL if none. */
const GattCentral *gatt_centrals_find_known(GattCentrals *centrals, const char *address);
/* Whether a device that is not connected would still be kept. */
bool gatt_centrals_has_room(GattCentrals *centrals);

/* "remote" for "org.bluez.Reason.Remote"; "unknown" for names that are not one of BlueZ's. */
const char *gatt_centrals_reason_name(const char *bluez_reason);
