/*
 * gatt/node.h: private to src/gatt. One view of the tree's services, characteristics
 * and descriptors (GattNode), so that gatt/ walks them with one loop and serves them
 * with one D-Bus handler each; and what the D-Bus face (objects.c) asks of the model
 * (app.c). The model never calls its face: the face listens to it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "gatt/access.h"
#include "gatt/app.h"

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
/* StartNotify/StopNotify: set Notifying and tell the listeners, objects.c first (no-op if unchanged). */
void gatt_char_set_notifying(GattChar *chr, bool notifying);

/* Every node of app, in tree order, for the D-Bus face to export. */
GattNode *gatt_app_get_nodes(GattApp *app, unsigned *ret_n_nodes);
