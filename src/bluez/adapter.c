/* adapter.c: the adapter table entries and Adapter= matching. */
#include "bluez/adapter.h"

#include <stdlib.h>
#include <string.h>

AdapterInfo *adapter_info_new(const char *path)
{
	AdapterInfo *info = g_new0(AdapterInfo, 1);

	info->path = g_strdup(path);
	return info;
}

void adapter_info_free(AdapterInfo *info)
{
	if (!info)
		return;
	g_free(info->path);
	g_free(info->address);
	g_free(info);
}

const char *adapter_info_name(const AdapterInfo *info)
{
	const char *slash = strrchr(info->path, '/');

	return slash ? slash + 1 : info->path;
}

bool adapter_info_usable(const AdapterInfo *info)
{
	return info->adapter1 && info->gatt_manager;
}

/* Order hciN by N; anything else after, by name. */
static int compare_names(const char *a, const char *b)
{
	bool ha = g_str_has_prefix(a, "hci"), hb = g_str_has_prefix(b, "hci");

	if (ha && hb) {
		unsigned long na = strtoul(a + 3, NULL, 10), nb = strtoul(b + 3, NULL, 10);

		if (na != nb)
			return na < nb ? -1 : 1;
	} else if (ha != hb) {
		return ha ? -1 : 1;
	}
	return strcmp(a, b);
}

static bool matches(const AdapterInfo *info, AdapterMatch match, const char *wanted)
{
	switch (match) {
	case ADAPTER_MATCH_AUTO:
		return true;
	case ADAPTER_MATCH_NAME:
		return strcmp(adapter_info_name(info), wanted) == 0;
	case ADAPTER_MATCH_ADDRESS:
		return info->address && g_ascii_strcasecmp(info->address, wanted) == 0;
	}
	return false;
}

AdapterInfo *adapter_select(GHashTable *adapters, AdapterMatch match, const char *wanted)
{
	AdapterInfo *best = NULL, *info;
	GHashTableIter it;

	g_hash_table_iter_init(&it, adapters);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&info)) {
		if (!adapter_info_usable(info) || !matches(info, match, wanted))
			continue;
		if (!best || compare_names(adapter_info_name(info), adapter_info_name(best)) < 0)
			best = info;
	}
	return best;
}
