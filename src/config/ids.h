/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ids.h: the one grammar of gattd's attribute ids, shared by the config loader
 * and the Persist= store: "SERVICE", "SERVICE/CHARACTERISTIC" or
 * "SERVICE/CHARACTERISTIC/DESCRIPTOR", each part 1..CONFIG_ID_PART_MAX
 * characters of A-Z, a-z, 0-9 and _. Ids become D-Bus object paths and file
 * names, which is why the alphabet is this small.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Longest part of an id ("battery" in "battery/level"). */
#define CONFIG_ID_PART_MAX 64

/* Whether the len bytes at part are one valid id part. */
bool config_id_part_is_valid(const char *part, size_t len);
/* Whether id is n_parts valid parts joined by '/'. */
bool config_id_is_valid(const char *id, unsigned n_parts);
/* "battery/level/range" -> "battery/level"; id must hold a '/'. */
char *config_id_parent(const char *id);
/* "battery/level/range" -> "range"; an id without '/' is its own last part. */
char *config_id_last_part(const char *id);
