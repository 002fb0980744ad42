/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/serve.h: private to src/gatt. Answering a central's ReadValue or WriteValue
 * from the stored value, as gattd does alone (gatt/objects.c) and as a request no
 * handler answers falls back to (gatt/requests.c).
 */
#pragma once

#include <dbus/dbus.h>

#include "gatt/access.h"
#include "gatt/node.h"

/* The reply to a read of node at offset from its stored value, or the error the rules give. */
DBusMessage *gatt_serve_read(const GattNode *node, DBusMessage *msg, uint16_t offset);
/*
 * Store a write of node (unless it only asks, req->prepare_authorize) and report a
 * characteristic's to the listeners. Returns 1 stored, 0 accepted, or -errno with
 * *ret_error (gatt_access_write).
 */
int gatt_serve_write(GattNode *node, const GattWriteRequest *req, const char *device, char **ret_error);
