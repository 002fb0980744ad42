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
 *   -EACCES      org.freedesktop.DBus.Error.AccessDenied
 *   -EINVAL      org.freedesktop.DBus.Error.InvalidArgs
 *   -EROFS       org.freedesktop.DBus.Error.PropertyReadOnly
 *   -ENOENT      org.freedesktop.DBus.Error.UnknownProperty
 *   -ENOSYS      org.freedesktop.DBus.Error.UnknownMethod
 *   -EPROTONOSUPPORT org.freedesktop.DBus.Error.UnknownInterface
 *   -ENODEV      org.freedesktop.DBus.Error.UnknownObject
 *   -ENOMEM      org.freedesktop.DBus.Error.NoMemory
 *   anything else org.bluez.Error.Failed
 */
const char *bus_error_name_from_errno(int err);

/* Error reply to msg for -errno err with a printf message. Never NULL (aborts on OOM as GLib does). */
DBusMessage *bus_error_reply(DBusMessage *msg, int err, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

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
