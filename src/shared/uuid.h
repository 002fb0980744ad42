/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* uuid.h: Bluetooth UUID parsing and normalisation (pure, no I/O). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Length of a normalised UUID string, without the terminating NUL. */
#define UUID_STR_LEN 36

/*
 * Parse a 16-bit ("180F", "0x180f"), 32-bit ("0000180F") or 128-bit
 * ("6e400002-b5a3-f393-e0a9-e50e24dcca9e") UUID, case-insensitive, and write
 * its normalised form (128-bit, lower case, dashed) to out (UUID_STR_LEN + 1
 * bytes). Returns 0 or -EINVAL; out is untouched on failure.
 */
int uuid_normalize(const char *text, char out[UUID_STR_LEN + 1]);

/*
 * If a normalised UUID is on the Bluetooth base UUID, store its 16/32-bit
 * short value in *ret_short and return true.
 */
bool uuid_get_short(const char *normalized, uint32_t *ret_short);

/* Whether text (any spelling uuid_normalize() takes; NULL is fine) is short_uuid on the base UUID. */
bool uuid_is_short(const char *text, uint32_t short_uuid);

/*
 * The shortest conventional spelling of a normalised UUID, for messages and
 * summaries: "180f" or "0000feed" on the base UUID, the full form otherwise.
 */
void uuid_to_display(const char *normalized, char out[UUID_STR_LEN + 1]);
