/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shared/att.h: the ATT error codes a local handler may answer a central with, by the
 * names of the client protocol (README, "Handlers"). Pure: the protocol codec, gattctl
 * and the unit tests use it; dbus/message.c's bus_att_error_reply() carries a code to
 * bluetoothd.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define ATT_READ_NOT_PERMITTED 0x02
#define ATT_WRITE_NOT_PERMITTED 0x03
#define ATT_NOT_SUPPORTED 0x06
#define ATT_INVALID_OFFSET 0x07
#define ATT_NOT_AUTHORIZED 0x08
#define ATT_INVALID_VALUE_LENGTH 0x0D
#define ATT_UNLIKELY 0x0E
#define ATT_APP_FIRST 0x80
#define ATT_APP_LAST 0x9F
#define ATT_IMPROPERLY_CONFIGURED 0xFD
#define ATT_IN_PROGRESS 0xFE

/*
 * bluetoothd answers the central ATT 0x0e itself this long after a read or write reached
 * it, on every version (ATTRIBUTE_TIMEOUT in its src/shared/gatt-db.c), and drops the
 * application's later reply.
 */
#define ATT_BLUEZ_ANSWER_TIMEOUT_MS 5000
/*
 * The longest a local handler may take ([Daemon] HandlerTimeoutMs, gattctl handle
 * --cmd-timeout): an answer after bluetoothd's own would store a write the central was
 * told failed. 1 s is left for the calls' way through the bus.
 */
#define ATT_HANDLER_TIMEOUT_MAX_MS (ATT_BLUEZ_ANSWER_TIMEOUT_MS - 1000)

/*
 * The code for a handler's error name ("not-permitted", ...) on a read or a write.
 * Returns 0, or -EINVAL when name is none of them.
 */
int att_from_name(const char *name, bool write, uint8_t *ret_code);
/* Whether a handler may answer with code: a named one, or one of the application range 0x80-0x9F. */
bool att_is_allowed(uint8_t code);
/* The protocol's name of code ("unlikely"), or NULL for the application range and unknown codes. */
const char *att_name(uint8_t code);
/* Every name, space-separated, for error messages. */
const char *att_names(void);
