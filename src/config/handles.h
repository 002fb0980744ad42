/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config/handles.h: the ATT handles bluetoothd gave gattd's services, as gattd keeps
 * them in its state directory (DIR/handles/layout) to ask for the same ones at the next
 * registration (pure: the file's text, no I/O).
 *
 * bluetoothd honours a non-zero Handle where it can, but does not check that a saved
 * handle still fits a service whose attributes changed (tests/vm/bluez-handles-
 * advertising.md §1.2): handles are kept per service, with the service's layout, and
 * asked for only while the layout is the same.
 *
 * The file, one item a line:
 *   # comment
 *   service ID LAYOUT      a service and its layout (config_service_layout())
 *   ID 0xHHHH              a handle of that service: its own (ID = the service's) or one of
 *                          its characteristics' (the value's) or descriptors'
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

/* The longest file read. */
#define CONFIG_HANDLES_MAX_FILE_SIZE (1024 * 1024)
/* A layout: SHA-256 in hex. */
#define CONFIG_LAYOUT_LEN 64

/* An attribute's service is its id's first part ("battery" of "battery/level"). */
typedef struct {
	GHashTable *layouts;  /* service id -> layout (char *) */
	GHashTable *handles;  /* attribute id -> handle (GUINT_TO_POINTER) */
} CfgHandles;

CfgHandles *config_handles_new(void);
void config_handles_free(CfgHandles *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CfgHandles, config_handles_free)

/*
 * Record a service's layout (its first) and its attributes' handles (1..0xFFFF) after it;
 * an id that is not the service's or under it is ignored.
 */
void config_handles_add_service(CfgHandles *h, const char *service_id, const char *layout);
void config_handles_add(CfgHandles *h, const char *service_id, const char *id, uint16_t handle);

/* The file's text, services and then ids in order of their names (the same handles: the same text). */
char *config_handles_format(const CfgHandles *h);
/*
 * Read a file's text (len bytes, NUL-terminated or not): NULL + *ret_error naming the line
 * if it is not what config_handles_format() writes (an unknown line, a bad id or handle,
 * an id twice, a handle before any service).
 */
CfgHandles *config_handles_parse(const char *text, size_t len, char **ret_error);

/*
 * What fixes the handles inside a service: its id, UUID and kind, and in order each
 * characteristic's id, UUID and flags (notify/indicate add a CCC, reliable-write and
 * writable-auxiliaries a CEP), and each descriptor's id and UUID; as SHA-256 hex.
 */
char *config_service_layout(const CfgService *service);
