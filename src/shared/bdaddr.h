/*
 * bdaddr.h: a Bluetooth device address as BlueZ writes it ("AA:BB:CC:DD:EE:FF"), the
 * one syntax gattd's protocol, the client library and gattctl check it by.
 */
#pragma once

#include <stdbool.h>

/* Whether text is six hex pairs (either case) joined by ':'. */
bool bdaddr_is_valid(const char *text);
