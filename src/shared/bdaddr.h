/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bdaddr.h: a Bluetooth device address as BlueZ writes it ("AA:BB:CC:DD:EE:FF"), the
 * one syntax gattd's protocol, the client library and gattctl check it by.
 */
#pragma once

#include <stdbool.h>

/* Whether text is six hex pairs (either case) joined by ':'. */
bool bdaddr_is_valid(const char *text);
/*
 * The address in a BlueZ device path, "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF" ->
 * "AA:BB:CC:DD:EE:FF" (g_free it); NULL when path (may be NULL) is not one.
 */
char *bdaddr_from_device_path(const char *path);
