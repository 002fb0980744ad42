/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * flags.c: the GATT flag names BlueZ accepts and the access each one grants.
 *
 * The names are BlueZ's, verbatim: one unknown flag makes bluetoothd reject the
 * whole application, so the config loader refuses them up front using these
 * tables. Permissions tell the rest of gattd which operations to expect on an
 * attribute (e.g. Capture= needs some way to write).
 */
#include "config/flags.h"

#include <stddef.h>
#include <string.h>

typedef struct {
	const char *name;
	unsigned perm;
	bool descriptor; /* also accepted on a GattDescriptor1 */
	const char *since; /* the first bluetoothd that knows it, if later than 5.55 */
} FlagInfo;

/* gatt-database.c parse_chrc_flags learnt the security forms of notify and indicate in 5.62 (61576a8e7). */
#define SINCE_5_62 "5.62"

static const FlagInfo flag_table[] = {
	{ "broadcast", 0, false },
	{ "read", GATT_PERM_READ, true },
	{ "write-without-response", GATT_PERM_WRITE, false },
	{ "write", GATT_PERM_WRITE, true },
	{ "notify", GATT_PERM_NOTIFY, false },
	{ "indicate", GATT_PERM_INDICATE, false },
	{ "authenticated-signed-writes", GATT_PERM_WRITE, false },
	{ "extended-properties", 0, false },
	{ "reliable-write", GATT_PERM_WRITE, false },
	/* Lets peers write the 0x2901 user description, not the value itself. */
	{ "writable-auxiliaries", 0, false },
	{ "encrypt-read", GATT_PERM_READ, true },
	{ "encrypt-write", GATT_PERM_WRITE, true },
	{ "encrypt-notify", GATT_PERM_NOTIFY, false, SINCE_5_62 },
	{ "encrypt-indicate", GATT_PERM_INDICATE, false, SINCE_5_62 },
	{ "encrypt-authenticated-read", GATT_PERM_READ, true },
	{ "encrypt-authenticated-write", GATT_PERM_WRITE, true },
	{ "encrypt-authenticated-notify", GATT_PERM_NOTIFY, false, SINCE_5_62 },
	{ "encrypt-authenticated-indicate", GATT_PERM_INDICATE, false, SINCE_5_62 },
	{ "secure-read", GATT_PERM_READ, true },
	{ "secure-write", GATT_PERM_WRITE, true },
	{ "secure-notify", GATT_PERM_NOTIFY, false, SINCE_5_62 },
	{ "secure-indicate", GATT_PERM_INDICATE, false, SINCE_5_62 },
	{ "authorize", 0, true },
};

#define N_FLAGS (sizeof(flag_table) / sizeof(flag_table[0]))

static const FlagInfo *flag_lookup(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < N_FLAGS; i++)
		if (strcmp(flag_table[i].name, name) == 0)
			return &flag_table[i];
	return NULL;
}

bool flags_valid_for_characteristic(const char *name)
{
	return flag_lookup(name) != NULL;
}

bool flags_valid_for_descriptor(const char *name)
{
	const FlagInfo *info = flag_lookup(name);

	return info && info->descriptor;
}

const char *flags_bluez_since(const char *name)
{
	const FlagInfo *info = flag_lookup(name);

	return info ? info->since : NULL;
}

unsigned flags_permissions(const char *const *flags)
{
	unsigned perm = 0;

	for (size_t i = 0; flags && flags[i]; i++) {
		const FlagInfo *info = flag_lookup(flags[i]);
		if (info)
			perm |= info->perm;
	}
	return perm;
}

bool flags_only_write_command(const char *const *flags)
{
	bool command = false;

	for (size_t i = 0; flags && flags[i]; i++) {
		const FlagInfo *info = flag_lookup(flags[i]);

		if (strcmp(flags[i], "write-without-response") == 0)
			command = true;
		else if (info && (info->perm & GATT_PERM_WRITE))
			return false;
	}
	return command;
}

/*
 * Spelled out (rather than built from flag_table at run time) so they are
 * constant data; test-flags checks they agree with the table.
 */
static const char *const characteristic_names[] = {
	"broadcast", "read", "write-without-response", "write", "notify", "indicate",
	"authenticated-signed-writes", "extended-properties", "reliable-write",
	"writable-auxiliaries", "encrypt-read", "encrypt-write", "encrypt-notify",
	"encrypt-indicate", "encrypt-authenticated-read", "encrypt-authenticated-write",
	"encrypt-authenticated-notify", "encrypt-authenticated-indicate", "secure-read",
	"secure-write", "secure-notify", "secure-indicate", "authorize", NULL,
};

static const char *const descriptor_names[] = {
	"read", "write", "encrypt-read", "encrypt-write", "encrypt-authenticated-read",
	"encrypt-authenticated-write", "secure-read", "secure-write", "authorize", NULL,
};

const char *const *flags_characteristic_names(void)
{
	return characteristic_names;
}

const char *const *flags_descriptor_names(void)
{
	return descriptor_names;
}
