/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dbus/message.c: libdbus-1 helpers and the errno -> D-Bus error and ATT code -> D-Bus error mappings. */
#include "dbus/message.h"

#include <errno.h>
#include <stdarg.h>

#include "shared/att.h"

const char *bus_error_name_from_errno(int err)
{
	switch (err) {
	case -EPERM:
		return BLUEZ_ERROR_PREFIX "NotPermitted";
	case -ENXIO:
		return BLUEZ_ERROR_PREFIX "InvalidOffset";
	case -EMSGSIZE:
		return BLUEZ_ERROR_PREFIX "InvalidValueLength";
	case -EOPNOTSUPP:
		return BLUEZ_ERROR_PREFIX "NotSupported";
	case -EINPROGRESS:
		return BLUEZ_ERROR_PREFIX "InProgress";
	case -ECONNREFUSED:
		return BLUEZ_ERROR_PREFIX "Rejected";
	case -EACCES:
		return DBUS_ERROR_ACCESS_DENIED;
	case -EINVAL:
		return DBUS_ERROR_INVALID_ARGS;
	case -EROFS:
		return DBUS_ERROR_PROPERTY_READ_ONLY;
	case -ENOENT:
		return DBUS_ERROR_UNKNOWN_PROPERTY;
	case -ENOSYS:
		return DBUS_ERROR_UNKNOWN_METHOD;
	case -EPROTONOSUPPORT:
		return DBUS_ERROR_UNKNOWN_INTERFACE;
	case -ENODEV:
		return DBUS_ERROR_UNKNOWN_OBJECT;
	case -ENOMEM:
		return DBUS_ERROR_NO_MEMORY;
	default:
		/* Not BlueZ's Failed: that is an ATT application error (0x80..), a local handler's to choose. */
		return DBUS_ERROR_FAILED;
	}
}

DBusMessage *bus_att_error_reply(DBusMessage *msg, uint8_t att)
{
	g_autofree char *code = g_strdup_printf("0x%02x", att);
	const char *name;
	DBusMessage *reply;

	switch (att) {
	case ATT_READ_NOT_PERMITTED:
	case ATT_WRITE_NOT_PERMITTED:
		name = BLUEZ_ERROR_PREFIX "NotPermitted";
		break;
	case ATT_NOT_SUPPORTED:
		name = BLUEZ_ERROR_PREFIX "NotSupported";
		break;
	case ATT_INVALID_OFFSET:
		name = BLUEZ_ERROR_PREFIX "InvalidOffset";
		break;
	case ATT_NOT_AUTHORIZED:
		name = BLUEZ_ERROR_PREFIX "NotAuthorized";
		break;
	case ATT_INVALID_VALUE_LENGTH:
		name = BLUEZ_ERROR_PREFIX "InvalidValueLength";
		break;
	case ATT_IMPROPERLY_CONFIGURED:
		name = BLUEZ_ERROR_PREFIX "ImproperlyConfigured";
		break;
	case ATT_IN_PROGRESS:
		name = BLUEZ_ERROR_PREFIX "InProgress";
		break;
	default:
		name = att >= ATT_APP_FIRST && att <= ATT_APP_LAST ? BLUEZ_ERROR_PREFIX "Failed" : DBUS_ERROR_FAILED;
		break;
	}
	reply = dbus_message_new_error(msg, name, code);
	if (!reply)
		g_error("out of memory");
	return reply;
}

DBusMessage *bus_error_reply(DBusMessage *msg, int err, const char *fmt, ...)
{
	g_autofree char *text = NULL;
	DBusMessage *reply;
	va_list ap;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);

	/* Message text must be valid UTF-8 or libdbus refuses it. */
	if (!g_utf8_validate(text, -1, NULL)) {
		g_free(text);
		text = g_strdup("invalid request");
	}
	reply = dbus_message_new_error(msg, bus_error_name_from_errno(err), text);
	if (!reply)
		g_error("out of memory");
	return reply;
}

void bus_append_variant_basic(DBusMessageIter *iter, int type, const void *value)
{
	char sig[2] = { (char)type, '\0' };
	DBusMessageIter variant;

	dbus_message_iter_open_container(iter, DBUS_TYPE_VARIANT, sig, &variant);
	dbus_message_iter_append_basic(&variant, type, value);
	dbus_message_iter_close_container(iter, &variant);
}

DBusMessage *bus_new_property_set(const char *dest, const char *path, const char *iface, const char *property,
                                  int type, const void *value)
{
	DBusMessage *msg = dbus_message_new_method_call(dest, path, DBUS_INTERFACE_PROPERTIES, "Set");
	DBusMessageIter iter;

	if (!msg)
		g_error("out of memory");
	dbus_message_iter_init_append(msg, &iter);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &iface);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &property);
	bus_append_variant_basic(&iter, type, value);
	return msg;
}

void bus_append_bytes(DBusMessageIter *iter, const uint8_t *data, size_t len)
{
	DBusMessageIter array;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE_AS_STRING, &array);
	if (len > 0)
		dbus_message_iter_append_fixed_array(&array, DBUS_TYPE_BYTE, &data, (int)len);
	dbus_message_iter_close_container(iter, &array);
}

void bus_append_variant_bytes(DBusMessageIter *iter, const uint8_t *data, size_t len)
{
	DBusMessageIter variant;

	dbus_message_iter_open_container(iter, DBUS_TYPE_VARIANT, "ay", &variant);
	bus_append_bytes(&variant, data, len);
	dbus_message_iter_close_container(iter, &variant);
}

int bus_read_bytes(DBusMessageIter *iter, size_t max_len, const uint8_t **ret_data, int *ret_len)
{
	DBusMessageIter array;
	const uint8_t *data = NULL;
	int len = 0;

	if (dbus_message_iter_get_arg_type(iter) != DBUS_TYPE_ARRAY ||
	    dbus_message_iter_get_element_type(iter) != DBUS_TYPE_BYTE)
		return -EINVAL;
	dbus_message_iter_recurse(iter, &array);
	dbus_message_iter_get_fixed_array(&array, &data, &len);
	if ((size_t)len > max_len)
		return -EMSGSIZE;
	*ret_data = data;
	*ret_len = len;
	return 0;
}
