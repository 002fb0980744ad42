/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/node.h: private to src/gatt. One view of the tree's services, characteristics
 * and descriptors (GattNode), so that gatt/ walks them with one loop and serves them
 * with one D-Bus handler each; and what the D-Bus face (objects.c) asks of the model
 * (app.c). The model never calls its face: the face listens to it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "dbus/exporter.h"
#include "gatt/access.h"
#include "gatt/app.h"
#include "gatt/options.h"
#include "gatt/requests.h"

typedef enum {
	GATT_NODE_SERVICE,
	GATT_NODE_CHAR,
	GATT_NODE_DESC,
} GattNodeKind;

typedef struct GattNode GattNode;

/*
 * One object of the tree. app.c keeps every node in one array in tree order (each
 * service, then each of its characteristics followed by that one's descriptors): the
 * one walk over them. The node owns the object's path and value.
 */
struct GattNode {
	GattNodeKind kind;
	const char *id;              /* the configuration's id, "battery/level" */
	const char *uuid;
	char *path;                  /* "/org/gattd/app/battery/level" */
	uint16_t *handle;            /* the object's handle, as BlueZ writes it back */
	const GattNode *parent;      /* a characteristic's service, a descriptor's characteristic */
	char **flags;                /* characteristics and descriptors: the Flags= list */
	GattAccess access;           /* characteristics and descriptors: the value and its rules */
	unsigned handler;            /* Handler=: CFG_HANDLE_* bits of the requests a local handler answers */
	union {
		GattService service;
		GattChar chr;
		GattDesc desc;
	};
};

/* ---- app.c, for objects.c ---- */

/* A central's write of chr was stored: tell the listeners. */
void gatt_app_report_write(GattChar *chr, const GattWriteRequest *req, const char *device);
void gatt_app_report_confirm(GattChar *chr);
/* A call from BlueZ named device with this MTU (options "device" and "mtu"; nothing if either is missing). */
void gatt_app_report_mtu(GattApp *app, const char *device, uint16_t mtu);
/* StartNotify/StopNotify: set Notifying and tell the listeners, objects.c first (no-op if unchanged). */
void gatt_char_set_notifying(GattChar *chr, bool notifying);
/* A notify socket came or went (links.c): tell the listeners, and Notifying follows. */
void gatt_char_report_subscription(GattChar *chr, bool subscribed, const char *device);

/*
 * The requests local handlers answer, one table per app: requests.c makes it when
 * first needed and hands it to the app, which frees it (free_func) first thing in
 * gatt_app_free(), while the nodes its requests read still live.
 */
typedef struct GattRequests GattRequests;
GattRequests *gatt_app_get_requests(GattApp *app);
void gatt_app_set_requests(GattApp *app, GattRequests *requests, void (*free_func)(GattRequests *requests));
const GattdConfig *gatt_app_get_config(GattApp *app);
/* The app a characteristic's or descriptor's node belongs to. */
GattApp *gatt_node_get_app(const GattNode *node);

/* ---- requests.c, for objects.c ---- */

/*
 * A central's read or write of node, which a handler answers (node->handler): the
 * reply to send now (no handler, over a limit), or NULL when a handler has it and the
 * reply follows. For a write, req passed the rules; device and mtu from the options.
 */
DBusMessage *gatt_requests_start(GattNode *node, GattRequestKind kind, BusExporter *exporter, DBusMessage *msg,
                                 const GattOptions *opts, const GattWriteRequest *req);

/* Every node of app, in tree order, for the D-Bus face to export. */
GattNode *gatt_app_get_nodes(GattApp *app, unsigned *ret_n_nodes);
