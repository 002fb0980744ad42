/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* advertisements.c: the [Advertising NAME] advertisements' objects and wishes (advertisements.h). */
#include "daemon/advertisements.h"

#include <string.h>

#include "config/advertising.h"

struct Advertisements {
	BusExporter *exporter;
	Bluez *bluez;
	GattCentrals *centrals;
	GPtrArray *list;            /* Advertisement*, in configuration order */
};

static void on_released(Advertisement *adv, void *user_data)
{
	Advertisements *ads = user_data;

	bluez_adv_sets_released(bluez_get_adv_sets(ads->bluez), advertisement_get_path(adv));
}

static const AdvertisementListener listener = {
	.released = on_released,
};

/* bluetoothd took one: it reads changed properties from now on. */
static void on_registered(const char *path, void *user_data)
{
	Advertisements *ads = user_data;

	for (unsigned i = 0; i < ads->list->len; i++)
		if (strcmp(advertisement_get_path(ads->list->pdata[i]), path) == 0)
			advertisement_registered(ads->list->pdata[i]);
}

/* Build config's, and tell the registrar; those named in changed (may be NULL) are registered again. */
static void build(Advertisements *ads, const GattdConfig *config, GHashTable *changed)
{
	BluezAdvSets *sets = bluez_get_adv_sets(ads->bluez);

	for (unsigned i = 0; i < config->advertisements->len; i++) {
		const CfgAdvertising *cfg = config->advertisements->pdata[i];
		Advertisement *adv = advertisement_new(config, cfg, ads->exporter);

		advertisement_add_listener(adv, &listener, ads);
		g_ptr_array_add(ads->list, adv);
		bluez_adv_sets_put(sets, advertisement_get_path(adv), cfg->name, advertisements_wanted(adv, ads->centrals),
		                   changed && g_hash_table_contains(changed, cfg->name));
	}
}

Advertisements *advertisements_new(const GattdConfig *config, BusExporter *exporter, Bluez *bluez,
                                   GattCentrals *centrals)
{
	Advertisements *ads = g_new0(Advertisements, 1);

	ads->exporter = exporter;
	ads->bluez = bluez;
	ads->centrals = centrals;
	ads->list = g_ptr_array_new_with_free_func((GDestroyNotify)advertisement_free);
	bluez_adv_sets_set_callback(bluez_get_adv_sets(bluez), on_registered, ads);
	build(ads, config, NULL);
	return ads;
}

void advertisements_free(Advertisements *ads)
{
	if (!ads)
		return;
	bluez_adv_sets_set_callback(bluez_get_adv_sets(ads->bluez), NULL, NULL);
	g_ptr_array_unref(ads->list);
	g_free(ads);
}

bool advertisements_wanted(const Advertisement *adv, GattCentrals *centrals)
{
	const CfgAdvertising *live = advertisement_get(adv, NULL);

	return live->enabled && !(live->pause_while_connected && gatt_centrals_count(centrals) > 0);
}

void advertisements_set_features(Advertisements *ads, const GattBluezFeatures *features, const char *adapter)
{
	for (unsigned i = 0; i < ads->list->len; i++)
		advertisement_set_features(ads->list->pdata[i], features, adapter);
}

void advertisements_update(Advertisements *ads)
{
	for (unsigned i = 0; i < ads->list->len; i++) {
		Advertisement *adv = ads->list->pdata[i];

		bluez_adv_sets_put(bluez_get_adv_sets(ads->bluez), advertisement_get_path(adv), advertisement_get_name(adv),
		                   advertisements_wanted(adv, ads->centrals), false);
	}
}

void advertisements_reload(Advertisements *ads, const GattdConfig *old_config, const GattdConfig *config)
{
	g_autoptr(GHashTable) changed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);

	for (unsigned i = 0; i < ads->list->len; i++) {
		Advertisement *old = ads->list->pdata[i];
		const char *name = advertisement_get_name(old);
		const CfgAdvertising *old_cfg = config_find_advertisement(old_config, name);
		const CfgAdvertising *cfg = config_find_advertisement(config, name);

		if (!cfg)
			g_ptr_array_add(gone, g_strdup(advertisement_get_path(old)));
		else if (advertisement_is_changed(old) ||
		         !config_advertising_equal(old_cfg, (const char *const *)old_cfg->service_uuids, cfg,
		                                   (const char *const *)cfg->service_uuids))
			g_hash_table_add(changed, g_strdup(name));
	}
	/* The old objects leave the bus before the new ones take their paths. */
	g_ptr_array_set_size(ads->list, 0);
	build(ads, config, changed);
	for (unsigned i = 0; i < gone->len; i++)
		bluez_adv_sets_remove(bluez_get_adv_sets(ads->bluez), gone->pdata[i]);
}

Advertisement *advertisements_find(Advertisements *ads, const char *name)
{
	for (unsigned i = 0; i < ads->list->len; i++)
		if (strcmp(advertisement_get_name(ads->list->pdata[i]), name) == 0)
			return ads->list->pdata[i];
	return NULL;
}

bool advertisements_is_registered(Advertisements *ads, const Advertisement *adv)
{
	return bluez_adv_sets_is_registered(bluez_get_adv_sets(ads->bluez), advertisement_get_path(adv));
}

GPtrArray *advertisements_status(Advertisements *ads)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)server_advertisement_state_free);
	BluezAdvSets *sets = bluez_get_adv_sets(ads->bluez);

	for (unsigned i = 0; i < ads->list->len; i++) {
		Advertisement *adv = ads->list->pdata[i];
		ServerAdvertisementState *state = g_new0(ServerAdvertisementState, 1);
		bool enabled = advertisement_get(adv, NULL)->enabled;

		state->name = g_strdup(advertisement_get_name(adv));
		state->enabled = enabled;
		state->advertising = bluez_adv_sets_is_registered(sets, advertisement_get_path(adv));
		state->paused = enabled && !advertisements_wanted(adv, ads->centrals);
		state->error = g_strdup(bluez_adv_sets_error(sets, advertisement_get_path(adv)));
		g_ptr_array_add(out, state);
	}
	return out;
}
