/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gatt/access.c: the read and write rules of gatt/access.h (permissions, offsets, lengths). */
#include "gatt/access.h"

#include <errno.h>

#include "config/config.h"
#include "config/flags.h"

int gatt_access_read(const GattAccess *access, uint16_t offset, char **ret_error)
{
	const GByteArray *value = access->value;

	if (!(access->perms & GATT_PERM_READ)) {
		*ret_error = g_strdup_printf("%s is not readable", access->id);
		return -EPERM;
	}
	if (offset > value->len) {
		*ret_error = g_strdup_printf("%s: offset %u is beyond the value's %u bytes", access->id, offset,
		                             value->len);
		return -ENXIO;
	}
	return (int)MIN(value->len - offset, GATTD_MAX_VALUE_LEN);
}

int gatt_access_write(const GattAccess *access, const GattWriteRequest *req, char **ret_error)
{
	GByteArray *value = access->value;
	size_t end;

	if (!(access->perms & GATT_PERM_WRITE)) {
		*ret_error = g_strdup_printf("%s is not writable", access->id);
		return -EPERM;
	}
	if (req->offset > value->len) {
		*ret_error = g_strdup_printf("%s: offset %u is beyond the value's %u bytes", access->id, req->offset,
		                             value->len);
		return -ENXIO;
	}
	end = (size_t)req->offset + req->len;
	if (end > access->max_length) {
		*ret_error = g_strdup_printf("%s: %zu byte%s exceed%s MaxLength %u", access->id, end, value_plural(end),
		                             end == 1 ? "s" : "", access->max_length);
		return -EMSGSIZE;
	}
	if (access->fixed_size && end != access->fixed_size) {
		*ret_error = g_strdup_printf("%s: value must be exactly %zu byte%s, got %zu", access->id,
		                             access->fixed_size, value_plural(access->fixed_size), end);
		return -EMSGSIZE;
	}
	if (req->prepare_authorize)
		return 0;
	/* A write at an offset continues a long write: keep what precedes it, drop the rest. */
	g_byte_array_set_size(value, req->offset);
	g_byte_array_append(value, req->data, (guint)req->len);
	return 1;
}

void gatt_value_replace(GByteArray *value, const uint8_t *data, size_t len)
{
	g_byte_array_set_size(value, 0);
	g_byte_array_append(value, data, (guint)len);
}
