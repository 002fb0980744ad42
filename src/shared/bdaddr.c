/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bdaddr.c: Bluetooth device addresses (see bdaddr.h). */
#include "shared/bdaddr.h"

#include <glib.h>
#include <string.h>

#define BDADDR_LEN 17

bool bdaddr_is_valid(const char *text)
{
	if (!text || strlen(text) != BDADDR_LEN)
		return false;
	for (size_t i = 0; i < BDADDR_LEN; i++)
		if (i % 3 == 2 ? text[i] != ':' : !g_ascii_isxdigit(text[i]))
			return false;
	return true;
}

char *bdaddr_from_device_path(const char *path)
{
	const char *dev = path ? strrchr(path, '/') : NULL;
	char *address;

	if (!dev || !g_str_has_prefix(dev, "/dev_") || strlen(dev + 5) != BDADDR_LEN)
		return NULL;
	for (size_t i = 2; i < BDADDR_LEN; i += 3)
		if (dev[5 + i] != '_')
			return NULL;
	address = g_strdup(dev + 5);
	g_strdelimit(address, "_", ':');
	if (!bdaddr_is_valid(address))
		g_clear_pointer(&address, g_free);
	return address;
}
