/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daemon/handles.h: stable ATT handles. bluetoothd writes back the handles it gives
 * gattd's objects (Handle), and honours a non-zero Handle at the next registration
 * where it can (tests/vm/bluez-handles-advertising.md): gattd keeps them in its state
 * directory (DIR/handles/layout, config/handles.h) and asks for them again, service
 * by service while the service's layout is unchanged, so the layout a bonded phone
 * cached stays valid across gattd's restarts and reboots. A service whose layout
 * changed gets new handles from bluetoothd (logged: bonded centrals learn of it by
 * Service Changed). When bluetoothd refuses them all the same (another service in
 * the way), the lifecycle's retry asks with none.
 */
#pragma once

#include <glib.h>

#include "config/config.h"
#include "gatt/app.h"

typedef struct Handles Handles;

Handles *handles_new(void);
void handles_free(Handles *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Handles, handles_free)

/* At start: app asks for the saved handles of each service whose layout is unchanged. */
void handles_restore(Handles *h, const GattdConfig *config, GattApp *app);
/*
 * A reload: app takes old's handles for each service whose layout is unchanged; a
 * service that changed, or is new, gets new ones (logged). Call before registering app.
 */
void handles_adopt(Handles *h, const GattdConfig *config, GattApp *app, const GattdConfig *old_config,
                   GattApp *old);
/* bluetoothd registered app: its handles are known; saved when they changed. */
void handles_registered(Handles *h, const GattdConfig *config, GattApp *app);

/*
 * For --check-config: how the saved handles stand with config, one line per service
 * ("battery: keeps its handles 0x0010..0x0016"), or NULL when none are saved (or the
 * file cannot be read: then *ret_error says why).
 */
char *handles_describe(const GattdConfig *config, char **ret_error);
