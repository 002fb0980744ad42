/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon/reload.c: reading the configuration again for a reload (see daemon/reload.h). */
#include "daemon/reload.h"

#include "shared/log.h"

void reload_apply_socket_override(GattdConfig *config, const char *socket_override)
{
	if (!socket_override)
		return;
	g_free(config->socket_path);
	config->socket_path = g_strdup(socket_override);
}

/* Settings that only a restart applies: keep the running ones, say so. */
static void keep_restart_only_settings(const GattdConfig *old, GattdConfig *new)
{
	if (g_strcmp0(old->socket_path, new->socket_path) != 0 || old->socket_mode != new->socket_mode ||
	    g_strcmp0(old->socket_group, new->socket_group) != 0)
		log_notice("reload: Socket, SocketMode and SocketGroup changes take effect at the next start");
	g_free(new->socket_path);
	new->socket_path = g_strdup(old->socket_path);
	new->socket_mode = old->socket_mode;
	g_free(new->socket_group);
	new->socket_group = g_strdup(old->socket_group);

	if (old->adapter_match != new->adapter_match || g_strcmp0(old->adapter, new->adapter) != 0)
		log_notice("reload: an Adapter= change takes effect at the next start");
	new->adapter_match = old->adapter_match;
	g_free(new->adapter);
	new->adapter = g_strdup(old->adapter);
}

GattdConfig *reload_read_config(const GattdConfig *running, const char *socket_override, GStrv *ret_problems)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	GattdConfig *config = config_load(running->config_dir, errors);

	if (!config) {
		for (unsigned i = 0; i < errors->len; i++)
			log_error("reload: %s", (const char *)errors->pdata[i]);
		g_ptr_array_add(errors, NULL);
		*ret_problems = (GStrv)g_ptr_array_free(g_steal_pointer(&errors), FALSE);
		return NULL;
	}
	reload_apply_socket_override(config, socket_override);
	keep_restart_only_settings(running, config);
	return config;
}
