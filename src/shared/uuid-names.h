/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* uuid-names.h: the Bluetooth SIG's names of common 16-bit UUIDs, for people (pure, no I/O). */
#pragma once

#include <stdint.h>

/*
 * The assigned number's name ("Battery" for 0x180F, "Battery Level" for 0x2A19,
 * "Characteristic User Description" for 0x2901), or NULL for one the table lacks.
 * The table holds the common services, characteristics and descriptors, not all.
 */
const char *uuid_name_of_short(uint16_t short_uuid);

/*
 * How a UUID is shown to people: "0x180F Battery" for a UUID on the Bluetooth base
 * UUID the table names, "0x18FF" or "0x0000FEED" for others on the base UUID, else
 * the UUID as normalised (lower case, dashed); text that is no UUID as it is.
 * Free with g_free().
 */
char *uuid_describe(const char *uuid);
