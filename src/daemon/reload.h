/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daemon/reload.h: reading the configuration again for a reload (SIGHUP or a
 * client's `reload`), before anything running is touched: a configuration that
 * does not load is refused whole; --socket still applies; settings that only a
 * restart applies keep their running values, with a notice.
 */
#pragma once

#include <glib.h>

#include "config/config.h"

/* --socket (socket_override, NULL for none) replaces [Daemon] Socket=, at start and at every reload. */
void reload_apply_socket_override(GattdConfig *config, const char *socket_override);

/*
 * Load running's directory again. Returns the configuration to apply, or NULL
 * after logging each problem ("reload: ..."), with *ret_problems holding them all
 * (files named relative to the directory, as at start; g_strfreev() it).
 */
GattdConfig *reload_read_config(const GattdConfig *running, const char *socket_override, GStrv *ret_problems);
