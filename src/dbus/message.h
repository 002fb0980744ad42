/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbus/message.h: small libdbus-1 helpers shared by every exported object, and the one
 * place where gattd's -errno codes become D-Bus error names.
 */
#pragma once

#include <dbus/dbus.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DBusMessage, dbus_message_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DBusPendingCall, dbus_pending_call_unref)

#define BLUEZ_SERVICE "org.bluez"
#define BLUEZ_ERROR_PREFIX "org.bluez.Error."

/*
 * The mapping of internal errors to D-Bus errors (and so, through bluetoothd, to ATT
 * error codes):
 *   -EPERM       org.bluez.Error.NotPermitted       (ATT 0x02/0x03)
 *   -ENXIO       org.bluez.Error.InvalidOffset      (ATT 0x07)
 *   -EMSGSIZE    org.bluez.Error.InvalidValueLength (ATT 0x0D)
 *   -EOPNOTSUPP  org.bluez.Error.NotSupported       (ATT 0x06)
 *   -EINPROGRESS org.bluez.Error.InProgress
 *   -ECONNREFUSED org.bluez.Error.Rejected          (an agent refusing a pairing step)
 *   -EACCES      org.freedesktop.DBus.Error.AccessDenied
 *   -EINVAL      org.freedesktop.DBus.Error.InvalidArgs
 *   -EROFS       org.freedesktop.DBus.Error.PropertyReadOnly
 *   -ENOENT      org.freedesktop.DBus.Error.UnknownProperty
 *   -ENOSYS      org.freedesktop.DBus.Error.UnknownMethod
 *   -EPROTONOSUPPORT org.freedesktop.DBus.Error.UnknownInterface
 *   -ENODEV      org.freedesktop.DBus.Error.UnknownObject
 *   -ENOMEM      org.freedesktop.DBus.Error.NoMemory
 *   anything else org.freedesktop.DBus.Error.Failed (ATT 0x0e, Unlikely Error, on every
 *                BlueZ version; org.bluez.Error.Failed would be the application error 0x80)
 */
const char *bus_error_name_from_errno(int err);

/*
 * The D-Bus error that bluetoothd turns into ATT error code att (the error a local
 * handler chose), per dbus_error_to_att_ecode() in its src/gatt-database.c:
 *   0x02, 0x03   org.bluez.Error.NotPermitted (bluetoothd picks 0x02 on a read, 0x03 on a write)
 *   0x06         org.bluez.Error.NotSupported
 *   0x07         org.bluez.Error.InvalidOffset
 *   0x08         org.bluez.Error.NotAuthorized
 *   0x0D         org.bluez.Error.InvalidValueLength
 *   0xFD         org.bluez.Error.ImproperlyConfigured (BlueZ 5.76 on; 0x0E before)
 *   0xFE         org.bluez.Error.InProgress
 *   0x80..0x9F   org.bluez.Error.Failed with the code as its message, "0x81" (BlueZ 5.66
 *                on; before, every Failed is 0x80)
 *   anything else org.freedesktop.DBus.Error.Failed, which every version turns into 0x0E
 * The caller logs why; the message carries only what bluetoothd parses.
 */
DBusMessage *bus_att_error_reply(DBusMessage *msg, uint8_t att);

/* Error reply to msg for -errno err with a printf message. Never NULL (aborts on OOM as GLib does). */
DBusMessage *bus_error_reply(DBusMessage *msg, int err, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* org.freedesktop.DBus.Properties.Set(iface, property, <value>) to dest at path; value a basic of type. */
DBusMessage *bus_new_property_set(const char *dest, const char *path, const char *iface, const char *property,
                                  int type, const void *value);
/* Append a variant holding a basic value (sig is one basic type char, e.g. "s", "q"). */
void bus_append_variant_basic(DBusMessageIter *iter, int type, const void *value);
/* Append a variant holding "ay". */
void bus_append_variant_bytes(DBusMessageIter *iter, const uint8_t *data, size_t len);
/* Append "ay" (not in a variant). */
void bus_append_bytes(DBusMessageIter *iter, const uint8_t *data, size_t len);

/*
 * Read "ay" at iter into *ret_data and *ret_len (borrowed from the message). Returns 0,
 * -EINVAL if iter is not at an ay, -EMSGSIZE if longer than max_len.
 */
int bus_read_bytes(DBusMessageIter *iter, size_t max_len, const uint8_t **ret_data, int *ret_len);
