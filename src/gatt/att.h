/*
 * gatt/att.h: the ATT error codes a local handler may answer a central with, by the
 * names of the client protocol (README, "Handlers"). Pure: the protocol codec and the
 * unit tests use it; dbus/message.c's bus_att_error_reply() carries a code to bluetoothd.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define GATT_ATT_READ_NOT_PERMITTED 0x02
#define GATT_ATT_WRITE_NOT_PERMITTED 0x03
#define GATT_ATT_NOT_SUPPORTED 0x06
#define GATT_ATT_INVALID_OFFSET 0x07
#define GATT_ATT_NOT_AUTHORIZED 0x08
#define GATT_ATT_INVALID_VALUE_LENGTH 0x0D
#define GATT_ATT_UNLIKELY 0x0E
#define GATT_ATT_APP_FIRST 0x80
#define GATT_ATT_APP_LAST 0x9F
#define GATT_ATT_IMPROPERLY_CONFIGURED 0xFD
#define GATT_ATT_IN_PROGRESS 0xFE

/*
 * The code for a handler's error name ("not-permitted", ...) on a read or a write.
 * Returns 0, or -EINVAL when name is none of them.
 */
int gatt_att_from_name(const char *name, bool write, uint8_t *ret_code);
/* Whether a handler may answer with code: a named one, or one of the application range 0x80-0x9F. */
bool gatt_att_is_allowed(uint8_t code);
/* The protocol's name of code ("unlikely"), or NULL for the application range and unknown codes. */
const char *gatt_att_name(uint8_t code);
/* Every name, space-separated, for error messages. */
const char *gatt_att_names(void);
