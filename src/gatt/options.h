/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/options.h: the options dictionary (a{sv}) bluetoothd sends with
 * GattCharacteristic1/GattDescriptor1 ReadValue and WriteValue.
 *
 * Parsing touches only the message, so the unit tests build messages and call it
 * without a bus.
 */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stdint.h>

/* Limit on the entries a caller may send; bluetoothd sends at most six. */
#define GATT_OPTIONS_MAX 32

typedef struct {
	uint16_t offset;
	uint16_t mtu;
	const char *device;        /* borrowed from the message; NULL if not given */
	const char *link;          /* borrowed; NULL if not given */
	const char *type;          /* borrowed; NULL if not given */
	bool prepare_authorize;
} GattOptions;

/*
 * Parse the a{sv} at iter. The options BlueZ documents must have the types it sends
 * (device: object path, offset and mtu: uint16, type and link: string,
 * prepare-authorize: boolean); other keys are ignored, newer BlueZ versions add some.
 *
 * *ret is always fully defined, also on failure: the options given on success, every
 * field zero or NULL otherwise, so that callers may log it whatever happened. Returns
 * 0, or -EINVAL with *ret_error naming the problem: a known option of another type
 * (which option, the type it must have, the type it has), more than
 * GATT_OPTIONS_MAX entries, or iter not at an a{sv}.
 */
int gatt_options_parse(DBusMessageIter *iter, GattOptions *ret, char **ret_error);
