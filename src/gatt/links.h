/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/links.h: private to src/gatt. The sockets bluetoothd takes with AcquireNotify
 * and AcquireWrite on characteristics with Acquire= (tests/vm/bluez-versions.md 8.2):
 * one per characteristic up to BlueZ 5.68, one per (characteristic, central) from 5.69.
 *
 * gattd makes a SOCK_SEQPACKET pair, hands one end to bluetoothd in the reply and keeps
 * the other (a GattLink in GattChar.links). A write socket brings one datagram per
 * Write Command, which is served as a WriteValue would be; a notify socket takes one
 * datagram per notification, and brings 0x01 for each indication a central confirmed
 * (5.80+). Either ends when bluetoothd closes its end.
 */
#pragma once

#include <dbus/dbus.h>

#include "gatt/node.h"
#include "gatt/options.h"

/* Sockets of one kind on one characteristic: bluetoothd asks once per central. */
#define GATT_LINKS_MAX 64

typedef enum {
	GATT_LINK_NOTIFY,
	GATT_LINK_WRITE,
} GattLinkKind;

typedef struct {
	GattLinkKind kind;
	GattChar *chr;
	char *device;      /* the central BlueZ named (options "device"), or NULL */
	bool shared;       /* BlueZ before 5.69 (as probed): one socket for every central */
	uint16_t mtu;
	int fd;            /* gattd's end */
	guint source;
} GattLink;

/* chr has a notify socket. (Inline: app.c reads the links, links.c calls app.c.) */
static inline bool gatt_links_notifying(const GattChar *chr)
{
	for (unsigned i = 0; chr->links && i < chr->links->len; i++)
		if (((const GattLink *)chr->links->pdata[i])->kind == GATT_LINK_NOTIFY)
			return true;
	return false;
}

/* A reload kept the tree: chr takes over was's sockets. */
static inline void gatt_links_move(GattChar *chr, GattChar *was)
{
	g_assert(!chr->links);
	chr->links = g_steal_pointer(&was->links);
	for (unsigned i = 0; chr->links && i < chr->links->len; i++)
		((GattLink *)chr->links->pdata[i])->chr = chr;
}

/* AcquireNotify or AcquireWrite on node: the reply, (h fd, q mtu), or an error that makes bluetoothd fall back to D-Bus. */
DBusMessage *gatt_links_acquire(GattNode *node, GattLinkKind kind, DBusMessage *msg, const GattOptions *opts);

