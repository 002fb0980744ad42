/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/access.h: the rules a central's read or write of a characteristic's or
 * descriptor's value must meet, and what a refused access gets as -errno.
 *
 * Pure: no D-Bus types. gatt/objects.c parses ReadValue/WriteValue and turns these
 * results into replies (dbus/message.h maps the -errno codes to BlueZ's errors);
 * the unit tests call them directly.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value a central reads or writes, and what it allows. */
typedef struct {
	const char *id;        /* names the object in error messages */
	GByteArray *value;     /* the current value; a stored write replaces it */
	unsigned perms;        /* GattPerm bits (config/flags.h) */
	unsigned max_length;   /* MaxLength= */
	size_t fixed_size;     /* the fixed size of its Type=, 0 when any length fits */
} GattAccess;

/* One WriteValue, its bytes borrowed from the message. */
typedef struct {
	const uint8_t *data;
	size_t len;
	uint16_t offset;         /* a write at an offset continues a long (prepared) write */
	bool prepare_authorize;  /* only ask whether the write would be accepted */
} GattWriteRequest;

/*
 * Check a read at offset. Returns how many bytes to send from offset (what is left of
 * the value, at most GATTD_MAX_VALUE_LEN), or -errno with *ret_error: -EPERM when the
 * flags grant no read, -ENXIO for an offset beyond the value.
 */
int gatt_access_read(const GattAccess *access, uint16_t offset, char **ret_error);

/*
 * Check a write; store it unless it only asks (prepare_authorize): the bytes before
 * the offset are kept, the rest is replaced by the written data. Returns 1 when
 * stored, 0 when accepted but not stored, or -errno with *ret_error: -EPERM when the
 * flags grant no write, -ENXIO for an offset beyond the value, -EMSGSIZE when offset
 * plus length exceeds MaxLength or is not the fixed Type size.
 */
int gatt_access_write(const GattAccess *access, const GattWriteRequest *req, char **ret_error);

/* Make value the len bytes at data (a local set, a restore, a reload's carry-over). */
void gatt_value_replace(GByteArray *value, const uint8_t *data, size_t len);
