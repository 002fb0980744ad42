/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * adapter.c: the adapter table, Adapter= matching, and which lifecycle event a change
 * BlueZ reports about its adapters means.
 */
#include "bluez/adapter.h"

#include <errno.h>
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
	return adapter_name_for_path(info->path);
}

const char *adapter_name_for_path(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
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

/* ---- the table ---- */

void adapter_table_init(AdapterTable *table, AdapterMatch match, const char *wanted)
{
	*table = (AdapterTable){
		.adapters = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)adapter_info_free),
	};
	adapter_table_set_wanted(table, match, wanted);
}

void adapter_table_clear(AdapterTable *table)
{
	g_clear_pointer(&table->adapters, g_hash_table_unref);
	table->selected = NULL;
	g_clear_pointer(&table->wanted, g_free);
}

void adapter_table_set_wanted(AdapterTable *table, AdapterMatch match, const char *wanted)
{
	table->match = match;
	g_free(table->wanted);
	table->wanted = g_strdup(wanted);
}

const char *adapter_table_wanted(const AdapterTable *table)
{
	switch (table->match) {
	case ADAPTER_MATCH_NAME:
	case ADAPTER_MATCH_ADDRESS:
		return table->wanted;
	case ADAPTER_MATCH_AUTO:
		break;
	}
	return "any adapter with GattManager1";
}

bool adapter_table_forget(AdapterTable *table)
{
	bool had_adapter = table->selected != NULL;

	g_hash_table_remove_all(table->adapters);
	table->selected = NULL;
	return had_adapter;
}

AdapterInfo *adapter_table_lookup(const AdapterTable *table, const char *path)
{
	return g_hash_table_lookup(table->adapters, path);
}

static AdapterInfo *table_select(AdapterTable *table)
{
	table->selected = adapter_select(table->adapters, table->match, table->wanted);
	return table->selected;
}

static void apply_properties(AdapterInfo *info, const AdapterProps *props)
{
	if (!props)
		return;
	if (props->has_powered)
		info->powered = props->powered;
	if (props->has_pairable)
		info->pairable = props->pairable;
	if (props->address) {
		g_free(info->address);
		info->address = g_ascii_strup(props->address, -1);
	}
	if (props->complete) {
		info->per_device_fds = props->has_manufacturer || props->has_connectable;
		info->targeted_notify = props->has_connectable;
		info->secondary_keeps_flags = props->has_power_state;
	}
}

GattBluezFeatures adapter_info_features(const AdapterInfo *info)
{
	if (!info)
		return (GattBluezFeatures){ 0 };
	return (GattBluezFeatures){
		.per_device_fds = info->per_device_fds,
		.targeted_notify = info->targeted_notify,
		.advertising = info->adv_manager,
		.secondary_channels = info->secondary_channels,
		.secondary_keeps_flags = info->secondary_keeps_flags,
		/* Connectable (5.79) is the newest property it reads: the nearest to 5.80. */
		.scan_response = info->targeted_notify,
	};
}

int adapter_table_apply(AdapterTable *table, const char *path, const char *const *ifaces, size_t n,
                        const AdapterProps *props)
{
	AdapterInfo *info;

	if (!g_str_has_prefix(path, "/org/bluez/") || strchr(path + strlen("/org/bluez/"), '/'))
		return 0; /* devices and other objects below adapters */

	for (size_t i = 0; i < n; i++) {
		const char *iface = ifaces[i];

		if (strcmp(iface, ADAPTER_IFACE) != 0 && strcmp(iface, GATT_MANAGER_IFACE) != 0 &&
		    strcmp(iface, ADV_MANAGER_IFACE) != 0)
			continue;
		info = adapter_table_lookup(table, path);
		if (!info) {
			if (g_hash_table_size(table->adapters) >= ADAPTER_TABLE_MAX)
				return -ENOSPC;
			info = adapter_info_new(path);
			g_hash_table_insert(table->adapters, info->path, info);
		}
		if (strcmp(iface, ADAPTER_IFACE) == 0) {
			info->adapter1 = true;
			apply_properties(info, props);
		} else if (strcmp(iface, GATT_MANAGER_IFACE) == 0) {
			info->gatt_manager = true;
		} else {
			info->adv_manager = true;
			info->secondary_channels = props ? props->secondary_channels : 0;
		}
	}
	return 0;
}

/* ---- what a change means ---- */

static AdapterUpdate event_update(LcEventType type)
{
	return (AdapterUpdate){ .has_event = true, .event = { .type = type } };
}

LcEvent adapter_table_discovered(AdapterTable *table)
{
	AdapterInfo *info = table_select(table);
	LcEvent event = { .type = LC_EV_DISCOVERED };

	if (info) {
		event.adapter = true;
		event.powered = info->powered;
		event.adv_manager = info->adv_manager;
	}
	return event;
}

bool adapter_table_take_over(AdapterTable *table, LcEvent *ret_event)
{
	if (table->selected || !table_select(table))
		return false;
	*ret_event = (LcEvent){ .type = LC_EV_ADAPTER_ADDED, .powered = table->selected->powered,
		                .adv_manager = table->selected->adv_manager };
	return true;
}

AdapterUpdate adapter_table_interfaces_added(AdapterTable *table, const char *path, const char *const *ifaces,
                                             size_t n, const AdapterProps *props, bool waiting)
{
	AdapterUpdate update = { 0 };
	AdapterInfo *info = adapter_table_lookup(table, path);
	bool had_adv = info && info->adv_manager;

	update.error = adapter_table_apply(table, path, ifaces, n, props);
	info = adapter_table_lookup(table, path);
	if (!info)
		return update;
	if (!table->selected) {
		if (waiting)
			update.has_event = adapter_table_take_over(table, &update.event);
		return update;
	}
	if (info == table->selected && !had_adv && info->adv_manager)
		return event_update(LC_EV_ADV_MANAGER_ADDED);
	return update;
}

static AdapterInfo *adapter_info_copy(const AdapterInfo *info)
{
	AdapterInfo *copy = adapter_info_new(info->path);

	copy->address = g_strdup(info->address);
	copy->adapter1 = info->adapter1;
	copy->gatt_manager = info->gatt_manager;
	copy->adv_manager = info->adv_manager;
	copy->powered = info->powered;
	copy->pairable = info->pairable;
	return copy;
}

AdapterUpdate adapter_table_interfaces_removed(AdapterTable *table, const char *path, const char *const *ifaces,
                                               size_t n)
{
	AdapterUpdate update = { 0 };
	AdapterInfo *info = adapter_table_lookup(table, path);
	bool lost_adapter = false, lost_adv = false;

	if (!info)
		return update;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ifaces[i], ADAPTER_IFACE) == 0) {
			info->adapter1 = false;
			lost_adapter = true;
		} else if (strcmp(ifaces[i], GATT_MANAGER_IFACE) == 0) {
			info->gatt_manager = false;
			lost_adapter = true;
		} else if (strcmp(ifaces[i], ADV_MANAGER_IFACE) == 0 && info->adv_manager) {
			info->adv_manager = false;
			lost_adv = true;
		}
	}

	if (info == table->selected && lost_adapter) {
		update = event_update(LC_EV_ADAPTER_REMOVED);
		update.gone = adapter_info_copy(info);
		table->selected = NULL;
	} else if (info == table->selected && lost_adv) {
		update = event_update(LC_EV_ADV_MANAGER_REMOVED);
	}
	if (!info->adapter1 && !info->gatt_manager && !info->adv_manager)
		g_hash_table_remove(table->adapters, path);
	return update;
}

AdapterUpdate adapter_table_properties_changed(AdapterTable *table, const char *path, const AdapterProps *props)
{
	AdapterInfo *info = adapter_table_lookup(table, path);
	bool was_powered;

	if (!info)
		return (AdapterUpdate){ 0 };
	was_powered = info->powered;
	apply_properties(info, props);
	if (info != table->selected || was_powered == info->powered)
		return (AdapterUpdate){ 0 };
	return event_update(info->powered ? LC_EV_POWERED_ON : LC_EV_POWERED_OFF);
}
