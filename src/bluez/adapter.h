/*
 * adapter.h: what gattd knows about BlueZ's adapters, and which one it uses
 * (pure: the driver fills the table from ObjectManager data).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "config/config.h"

typedef struct {
	char *path;         /* "/org/bluez/hci0" */
	char *address;      /* upper case, NULL until known */
	bool adapter1;      /* org.bluez.Adapter1 present */
	bool gatt_manager;  /* org.bluez.GattManager1 present */
	bool adv_manager;   /* org.bluez.LEAdvertisingManager1 present */
	bool powered;
} AdapterInfo;

AdapterInfo *adapter_info_new(const char *path);
void adapter_info_free(AdapterInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AdapterInfo, adapter_info_free)

/* "hci0" for "/org/bluez/hci0". */
const char *adapter_info_name(const AdapterInfo *info);

/* Usable: an adapter with GattManager1. */
bool adapter_info_usable(const AdapterInfo *info);

/*
 * Pick the adapter to use from a table (path -> AdapterInfo*) per Adapter=:
 * auto = the usable adapter with the lowest index (hci0 before hci1 before hci10),
 * name = that hciN if usable, address = the usable adapter with that address,
 * whatever its hciN. NULL when none matches.
 */
AdapterInfo *adapter_select(GHashTable *adapters, AdapterMatch match, const char *wanted);
