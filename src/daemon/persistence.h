/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daemon/persistence.h: the Persist=true policy: which values are restored from the
 * store (config/persist.c) at start and after a reload, which are saved when they
 * change, and which stored values are forgotten.
 */
#pragma once

#include <glib.h>

#include "config/config.h"
#include "gatt/app.h"

typedef struct Persistence Persistence;

Persistence *persistence_new(void);
void persistence_free(Persistence *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Persistence, persistence_free)

/*
 * After start (previous NULL) or a reload to config, bring the store and the values
 * app serves in line with config. The store, in systemd's StateDirectory= (else the
 * built-in state directory), is opened the first time a characteristic has
 * Persist=true; if it cannot be, that is logged and configured values are served.
 * - Persist=true, new or changed definition: the stored value in place of Value=
 *   (gatt_app_adopt() kept the current value of unchanged ones), so that a reload and
 *   a restart serve the same value;
 * - Persist=false: the stored value, if any, is removed, so that turning Persist on
 *   again later cannot bring back a value older than what was served meanwhile.
 */
void persistence_apply(Persistence *p, const GattdConfig *config, GattApp *app, const GattdConfig *previous);

/* Where gattd keeps its state: $STATE_DIRECTORY's first entry, else the built-in one. */
char *persistence_state_directory(void);

/* chr's value changed (a central's write or a local set): store it if it has Persist=true. */
void persistence_value_changed(Persistence *p, GattChar *chr);
