/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.c: config_load(), which builds the model (model.c) with its defaults,
 * hands each part of the work to a loader (loader.h) and indexes the tree once it
 * is assembled.
 *
 * Every rule lives in the loaders so the rest of gattd may trust a GattdConfig:
 * anything BlueZ would refuse (unknown flags, GAP/GATT services, CCCDs) is
 * refused first, with a message naming file, group and key. Loading never
 * stops at the first problem; an operator fixing a config wants the whole list
 * in one go.
 */
#include "config/config.h"

#include "config/loader.h"

GattdConfig *config_load(const char *dir, GPtrArray *errors)
{
	g_autoptr(GPtrArray) own_errors = errors ? NULL : g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GattdConfig) config = NULL;
	guint errors_before;

	if (!errors)
		errors = own_errors; /* the caller only wants to know whether it loads */
	errors_before = errors->len;
	config = config_new_defaults(dir);

	config_daemon_load_file(config, dir, errors);
	config_services_load(config, dir, errors);
	config_index_characteristics(config);
	config_services_check_handles(config, errors);
	config_advertising_check_total(config, errors);

	if (errors->len > errors_before)
		return NULL;
	return g_steal_pointer(&config);
}
