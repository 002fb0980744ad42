/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * load-advertising.c: the [Advertising] and [Advertising NAME] groups of
 * gattd.conf (loader.h): what each advertisement carries (name, appearance,
 * included fields, manufacturer and service data, solicited UUIDs; a named one
 * its ServiceUUIDs=), its type, interval and power, each checked against what
 * fits in an advertisement and what BlueZ accepts.
 */
#include <errno.h>
#include <string.h>

#include "config/advertising.h"
#include "config/ids.h"
#include "config/loader.h"

#define INTERVAL_MS_MIN 20
#define INTERVAL_MS_MAX 10485
#define TX_POWER_MIN (-127)
#define TX_POWER_MAX 20

/* ServiceUUIDs= is an [Advertising NAME]'s: [Advertising] lists the Advertise=true services. */
static const char *const advertising_keys[] = {
	"Enabled", "Type", "LocalName", "Appearance", "Discoverable", "DiscoverableTimeout",
	"Includes", "ManufacturerData", "ServiceData", "SolicitUUIDs", "MinIntervalMs",
	"MaxIntervalMs", "TxPower", "PauseWhileConnected", "ServiceUUIDs", "SecondaryChannel",
	"ScanResponseManufacturerData", "ScanResponseServiceData", NULL,
};
static const char *const advertising_types[] = { "peripheral", "broadcast", NULL };
static const char *const advertising_includes[] = { "tx-power", "appearance", "local-name", NULL };

/*
 * An item of key (ManufacturerData=, ServiceData=, their ScanResponse* twins) into
 * list: the text before its first ':' and the data after it.
 */
typedef void (*DataItemAdd)(GPtrArray *list, const ConfigSection *s, const char *key, const char *head,
                            GBytes *data);

/*
 * A list of "COMPANY:LITERAL" or "UUID:LITERAL" items, each split at the first
 * ':' (a literal has its own) and handed to add, which references data if it keeps it.
 */
static void load_data_list(GPtrArray *list, const ConfigSection *s, const char *key, const char *example,
                           DataItemAdd add)
{
	g_auto(GStrv) items = NULL;

	if (!config_section_get_list(s, key, false, &items) || !items)
		return;
	for (size_t i = 0; items[i]; i++) {
		const char *colon = strchr(items[i], ':');
		g_autofree char *error = NULL;
		g_autofree char *head = NULL;
		g_autoptr(GBytes) data = NULL;

		if (!colon) {
			config_section_report(s, key, "'%s' is not %s", items[i], example);
			continue;
		}
		data = value_parse_literal(colon + 1, &error);
		if (!data) {
			config_section_report(s, key, "'%s': %s", items[i], error);
			continue;
		}
		head = g_strndup(items[i], (gsize) (colon - items[i]));
		add(list, s, key, head, data);
	}
}

static void add_manufacturer_data(GPtrArray *list, const ConfigSection *s, const char *key, const char *company,
                                  GBytes *data)
{
	uint64_t id;
	int r = value_parse_uint(company, 0xffff, &id);

	if (r < 0) {
		config_section_report(s, key, "company id '%s' is not %s", company,
		                      r == -ERANGE ? "in range 0..0xFFFF" : "a decimal or 0x-hex integer");
		return;
	}
	for (guint j = 0; j < list->len; j++) {
		const CfgManufacturerData *other = g_ptr_array_index(list, j);

		if (other->company_id == id) {
			config_section_report(s, key, "company id 0x%04X given more than once", (unsigned) id);
			return;
		}
	}
	g_ptr_array_add(list, config_manufacturer_data_new((uint16_t)id, data));
}

static void add_service_data(GPtrArray *list, const ConfigSection *s, const char *key, const char *uuid_text,
                             GBytes *data)
{
	char uuid[UUID_STR_LEN + 1];

	if (!config_section_parse_uuid(s, key, uuid_text, uuid))
		return;
	for (guint j = 0; j < list->len; j++) {
		const CfgServiceData *other = g_ptr_array_index(list, j);

		if (strcmp(other->uuid, uuid) == 0) {
			config_section_report(s, key, "UUID %s given more than once", uuid_text);
			return;
		}
	}
	g_ptr_array_add(list, config_service_data_new(uuid, data));
}

/* A list of UUIDs (SolicitUUIDs=, ServiceUUIDs=), normalised; the bad ones are reported and left out. */
static char **load_uuid_list(const ConfigSection *s, const char *key)
{
	g_auto(GStrv) items = NULL;
	g_autoptr(GStrvBuilder) kept = g_strv_builder_new();

	if (config_section_get_list(s, key, true, &items) && items) {
		for (size_t i = 0; items[i]; i++) {
			char uuid[UUID_STR_LEN + 1];

			if (config_section_parse_uuid(s, key, items[i], uuid))
				g_strv_builder_add(kept, uuid);
		}
	}
	return g_strv_builder_end(kept);
}

static void load_advertisement(CfgAdvertising *adv, const ConfigSection *s)
{
	g_autofree char *type = config_section_get_raw(s, "Type");
	g_autofree char *secondary = config_section_get_raw(s, "SecondaryChannel");
	g_autofree char *local_name = NULL;
	unsigned appearance = 0, min_interval = 0, max_interval = 0;
	bool min_given = false, max_given = false, min_ok, max_ok;
	int64_t tx_power = 0;

	config_section_check_keys(s, advertising_keys);
	config_section_get_bool(s, "Enabled", &adv->enabled);
	config_section_get_bool(s, "PauseWhileConnected", &adv->pause_while_connected);

	if (type && !g_strv_contains(advertising_types, type)) {
		config_section_report(s, "Type", "'%s' is not peripheral or broadcast%s", type,
		                      config_section_comment_hint(type));
	} else if (type) {
		g_free(adv->type);
		adv->type = g_steal_pointer(&type);
	}

	if (config_section_get_string(s, "LocalName", &local_name) && local_name) {
		if (local_name[0] == '\0')
			config_section_report(s, "LocalName", "empty; leave LocalName out to advertise no name");
		else if (strlen(local_name) > CONFIG_ADV_LOCAL_NAME_MAX)
			config_section_report(s, "LocalName", "'%s' is %zu bytes; at most %d fit in an advertisement",
			                      local_name,
			                      strlen(local_name), CONFIG_ADV_LOCAL_NAME_MAX);
		else
			adv->local_name = g_steal_pointer(&local_name);
	}

	if (config_section_get_uint(s, "Appearance", 0, 0xffff, &appearance,
	                            &adv->has_appearance) && adv->has_appearance)
		adv->appearance = (uint16_t) appearance;
	else
		adv->has_appearance = false;

	config_section_get_bool(s, "Discoverable", &adv->discoverable);
	config_section_get_uint(s, "DiscoverableTimeout", 0, 0xffff, &adv->discoverable_timeout, NULL);

	g_strfreev(adv->includes);
	adv->includes = config_section_get_name_set(s, "Includes", advertising_includes);
	/* bluetoothd (parse_local_name, parse_appearance) refuses the advertisement with both. */
	if (adv->local_name && g_strv_contains((const char *const *)adv->includes, "local-name"))
		config_section_report(s, "LocalName", "does not go with Includes=local-name, which sends the adapter's "
		                                      "name: BlueZ refuses an advertisement with both");
	if (adv->has_appearance && g_strv_contains((const char *const *)adv->includes, "appearance"))
		config_section_report(s, "Appearance", "does not go with Includes=appearance, which sends the adapter's "
		                                       "appearance: BlueZ refuses an advertisement with both");

	load_data_list(adv->manufacturer_data, s, "ManufacturerData", "COMPANY:LITERAL (e.g. 0x05F1:hex:0102)",
	               add_manufacturer_data);
	load_data_list(adv->service_data, s, "ServiceData", "UUID:LITERAL (e.g. 180F:u8:100)", add_service_data);
	load_data_list(adv->scan_manufacturer_data, s, "ScanResponseManufacturerData",
	               "COMPANY:LITERAL (e.g. 0x05F1:hex:0102)", add_manufacturer_data);
	load_data_list(adv->scan_service_data, s, "ScanResponseServiceData", "UUID:LITERAL (e.g. 180F:u8:100)",
	               add_service_data);

	g_strfreev(adv->solicit_uuids);
	adv->solicit_uuids = load_uuid_list(s, "SolicitUUIDs");
	if (adv->name) {
		g_strfreev(adv->service_uuids);
		adv->service_uuids = load_uuid_list(s, "ServiceUUIDs");
	} else if (g_key_file_has_key(s->keyfile, s->group, "ServiceUUIDs", NULL)) {
		config_section_report(s, "ServiceUUIDs", "only in [Advertising NAME] groups; [Advertising] lists the "
		                                         "services with Advertise=true");
	}

	/* Both or neither: BlueZ has no sensible partner for a lone bound. */
	min_ok = config_section_get_uint(s, "MinIntervalMs", INTERVAL_MS_MIN, INTERVAL_MS_MAX, &min_interval,
	                                 &min_given);
	max_ok = config_section_get_uint(s, "MaxIntervalMs", INTERVAL_MS_MIN, INTERVAL_MS_MAX, &max_interval,
	                                 &max_given);
	if (min_given && !max_given)
		config_section_report(s, "MaxIntervalMs", "missing; MinIntervalMs and MaxIntervalMs go together");
	else if (max_given && !min_given)
		config_section_report(s, "MinIntervalMs", "missing; MinIntervalMs and MaxIntervalMs go together");
	else if (min_ok && max_ok && max_interval < min_interval)
		config_section_report(s, "MaxIntervalMs", "%u is below MinIntervalMs (%u)", max_interval, min_interval);
	else if (min_ok && max_ok) {
		adv->min_interval_ms = min_interval;
		adv->max_interval_ms = max_interval;
	}

	if (secondary) {
		adv->secondary_channel = config_secondary_channel_bit(secondary);
		if (!adv->secondary_channel)
			config_section_report(s, "SecondaryChannel", "'%s' is not 1M, 2M or Coded%s", secondary,
			                      config_section_comment_hint(secondary));
	}

	/* advertising.c adv_client_has_scan_response: none for a connectable one on a secondary PHY. */
	if (adv->secondary_channel && g_strcmp0(adv->type, "broadcast") != 0 &&
	    (adv->scan_manufacturer_data->len || adv->scan_service_data->len))
		config_section_report(s, "SecondaryChannel", "does not go with ScanResponseManufacturerData= or "
		                                             "ScanResponseServiceData= on a peripheral advertisement: "
		                                             "extended connectable advertising has no scan response");

	if (config_section_get_int(s, "TxPower", TX_POWER_MIN, TX_POWER_MAX, &tx_power, &adv->has_tx_power) &&
	    adv->has_tx_power)
		adv->tx_power = (int16_t) tx_power;
	else
		adv->has_tx_power = false;
}

/* NAME of [Advertising NAME]: an id's letters, digits and '_' (ids.h; a D-Bus object path element), shorter. */
static bool valid_set_name(const char *name)
{
	size_t len = strlen(name);

	return len <= CONFIG_ADV_NAME_MAX && config_id_part_is_valid(name, len);
}

void config_advertising_load_group(GattdConfig *config, const ConfigSection *s)
{
	const char *name;
	g_autoptr(CfgAdvertising) set = NULL;

	if (strcmp(s->group, "Advertising") == 0) {
		load_advertisement(&config->advertising, s);
		return;
	}
	name = s->group + strlen("Advertising ");
	if (!valid_set_name(name)) {
		config_section_report(s, NULL, "'%s' is not an advertisement name: 1 to %d letters, digits and '_'",
		                      name, CONFIG_ADV_NAME_MAX);
		return;
	}
	if (config->advertisements->len >= CONFIG_ADV_MAX_SETS) {
		config_section_report(s, NULL, "more than %d [Advertising NAME] groups", CONFIG_ADV_MAX_SETS);
		return;
	}
	set = config_advertising_new(name);
	load_advertisement(set, s);
	g_ptr_array_add(config->advertisements, g_steal_pointer(&set));
}

void config_advertising_check_total(const GattdConfig *config, GPtrArray *errors)
{
	ConfigSection s = { .errors = errors, .file = CONFIG_DAEMON_FILE, .group = "Advertising" };
	g_auto(GStrv) uuids = config_advertised_uuids(config);
	g_autofree char *error = NULL;

	if (config_advertising_check_size(&config->advertising, (const char *const *)uuids, &error) < 0)
		config_section_report(&s, NULL, "%s", error);
	for (unsigned i = 0; i < config->advertisements->len; i++) {
		const CfgAdvertising *set = config->advertisements->pdata[i];
		g_autofree char *group = config_advertising_group(set);
		g_autofree char *set_error = NULL;

		s.group = group;
		if (config_advertising_check_size(set, (const char *const *)set->service_uuids, &set_error) < 0)
			config_section_report(&s, NULL, "%s", set_error);
	}
}
