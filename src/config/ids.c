/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ids.c: the one grammar of gattd's attribute ids (ids.h), for the config
 * loader, which names every attribute by one, and the Persist= store, which
 * makes file names of characteristic ids.
 */
#include "config/ids.h"

#include <glib.h>
#include <string.h>

bool config_id_part_is_valid(const char *part, size_t len)
{
	if (len == 0 || len > CONFIG_ID_PART_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isalnum(part[i]) && part[i] != '_')
			return false;
	return true;
}

bool config_id_is_valid(const char *id, unsigned n_parts)
{
	g_auto(GStrv) parts = g_strsplit(id, "/", -1);

	if (g_strv_length(parts) != n_parts)
		return false;
	for (unsigned i = 0; i < n_parts; i++)
		if (!config_id_part_is_valid(parts[i], strlen(parts[i])))
			return false;
	return true;
}

char *config_id_parent(const char *id)
{
	const char *slash = strrchr(id, '/');

	return g_strndup(id, (gsize) (slash - id));
}

char *config_id_last_part(const char *id)
{
	const char *slash = strrchr(id, '/');

	return g_strdup(slash ? slash + 1 : id);
}
