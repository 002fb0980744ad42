/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* flags.h: BlueZ GATT characteristic and descriptor flag names and what they permit. */
#pragma once

#include <stdbool.h>

typedef enum {
	GATT_PERM_READ = 1 << 0,   /* read, encrypt-read, encrypt-authenticated-read, secure-read */
	GATT_PERM_WRITE = 1 << 1,  /* write, write-without-response, authenticated-signed-writes,
	                              reliable-write, encrypt-/encrypt-authenticated-/secure-write */
	GATT_PERM_NOTIFY = 1 << 2, /* notify and its encrypt-/encrypt-authenticated-/secure- forms */
	GATT_PERM_INDICATE = 1 << 3, /* indicate and its encrypt-/encrypt-authenticated-/secure- forms */
} GattPerm;

/* True if name is a flag BlueZ accepts on a GattCharacteristic1 (verbatim spelling). */
bool flags_valid_for_characteristic(const char *name);
/* True if name is a flag BlueZ accepts on a GattDescriptor1. */
bool flags_valid_for_descriptor(const char *name);
/*
 * The first bluetoothd version that knows the flag ("5.62"), or NULL for one every
 * version gattd meets (5.55 on) knows. An older bluetoothd refuses the whole
 * application for it: RegisterApplication fails with "No valid service object found".
 */
const char *flags_bluez_since(const char *name);
/* OR of the GattPerm bits the NULL-terminated flag list grants. */
unsigned flags_permissions(const char *const *flags);
/* The list's one write flag is write-without-response: centrals write only by Write Command. */
bool flags_only_write_command(const char *const *flags);

/* NULL-terminated lists of the valid names, in BlueZ's documented order (for messages). */
const char *const *flags_characteristic_names(void);
const char *const *flags_descriptor_names(void);
