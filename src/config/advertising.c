/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * advertising.c: the advertisement as a value (config/advertising.h): copies,
 * the bytes bluetoothd makes of it, and a client's change checked and applied.
 */
#include "config/advertising.h"

#include <errno.h>
#include <string.h>

/* Each AD structure: its length byte and its type byte. */
#define AD_HEADER 2
/* Company identifier of a Manufacturer Specific Data structure. */
#define AD_COMPANY_ID 2
/* bluetoothd (advertising.c calc_max_adv_len) keeps room for what the kernel adds. */
#define AD_FLAGS 3
#define AD_TX_POWER 3
#define AD_APPEARANCE 4

/* ---- items and lists ---- */

static void manufacturer_data_free(CfgManufacturerData *m)
{
	if (!m)
		return;
	if (m->data)
		g_bytes_unref(m->data);
	g_free(m);
}

static void service_data_free(CfgServiceData *sd)
{
	if (!sd)
		return;
	if (sd->data)
		g_bytes_unref(sd->data);
	g_free(sd);
}

GPtrArray *config_manufacturer_data_list_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)manufacturer_data_free);
}

GPtrArray *config_service_data_list_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)service_data_free);
}

CfgManufacturerData *config_manufacturer_data_new(uint16_t company_id, GBytes *data)
{
	CfgManufacturerData *m = g_new0(CfgManufacturerData, 1);

	m->company_id = company_id;
	m->data = g_bytes_ref(data);
	return m;
}

CfgServiceData *config_service_data_new(const char uuid[UUID_STR_LEN + 1], GBytes *data)
{
	CfgServiceData *sd = g_new0(CfgServiceData, 1);

	memcpy(sd->uuid, uuid, sizeof(sd->uuid));
	sd->data = g_bytes_ref(data);
	return sd;
}

static GPtrArray *copy_manufacturer_data(const GPtrArray *list)
{
	GPtrArray *copy = config_manufacturer_data_list_new();

	for (unsigned i = 0; list && i < list->len; i++) {
		const CfgManufacturerData *m = list->pdata[i];

		g_ptr_array_add(copy, config_manufacturer_data_new(m->company_id, m->data));
	}
	return copy;
}

static GPtrArray *copy_service_data(const GPtrArray *list)
{
	GPtrArray *copy = config_service_data_list_new();

	for (unsigned i = 0; list && i < list->len; i++) {
		const CfgServiceData *sd = list->pdata[i];

		g_ptr_array_add(copy, config_service_data_new(sd->uuid, sd->data));
	}
	return copy;
}

void config_advertising_change_clear(CfgAdvertisingChange *change)
{
	g_free(change->name);
	g_free(change->local_name);
	g_strfreev(change->service_uuids);
	if (change->manufacturer_data)
		g_ptr_array_unref(change->manufacturer_data);
	if (change->service_data)
		g_ptr_array_unref(change->service_data);
	*change = (CfgAdvertisingChange){ .enabled = -1 };
}

bool config_advertising_change_is_empty(const CfgAdvertisingChange *change)
{
	return !change->reset && change->enabled < 0 && !change->has_local_name && !change->service_uuids &&
	       !change->manufacturer_data && !change->service_data;
}

/* ---- SecondaryChannel ---- */

static const char *const secondary_names[] = { "1M", "2M", "Coded" };

unsigned config_secondary_channel_bit(const char *name)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(secondary_names); i++)
		if (g_ascii_strcasecmp(name, secondary_names[i]) == 0)
			return 1u << i;
	return 0;
}

const char *config_secondary_channel_name(unsigned bit)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(secondary_names); i++)
		if (bit == 1u << i)
			return secondary_names[i];
	return NULL;
}

void config_secondary_channels_text(unsigned bits, GString *out)
{
	bool first = true;

	for (unsigned i = 0; i < G_N_ELEMENTS(secondary_names); i++) {
		if (!(bits & (1u << i)))
			continue;
		g_string_append_printf(out, "%s%s", first ? "" : ", ", secondary_names[i]);
		first = false;
	}
	if (first)
		g_string_append(out, "none");
}

/* ---- the whole advertisement ---- */

void config_advertising_init(CfgAdvertising *adv)
{
	adv->enabled = true;
	adv->type = g_strdup("peripheral");
	adv->discoverable = true;
	adv->includes = g_new0(char *, 1);
	adv->manufacturer_data = config_manufacturer_data_list_new();
	adv->service_data = config_service_data_list_new();
	adv->solicit_uuids = g_new0(char *, 1);
	adv->scan_manufacturer_data = config_manufacturer_data_list_new();
	adv->scan_service_data = config_service_data_list_new();
}

CfgAdvertising *config_advertising_new(const char *name)
{
	CfgAdvertising *adv = g_new0(CfgAdvertising, 1);

	config_advertising_init(adv);
	adv->name = g_strdup(name);
	adv->service_uuids = g_new0(char *, 1);
	return adv;
}

void config_advertising_free(CfgAdvertising *adv)
{
	if (!adv)
		return;
	config_advertising_clear(adv);
	g_free(adv);
}

char *config_advertising_group(const CfgAdvertising *adv)
{
	return adv->name ? g_strdup_printf("Advertising %s", adv->name) : g_strdup("Advertising");
}

const CfgAdvertising *config_find_advertisement(const GattdConfig *config, const char *name)
{
	for (unsigned i = 0; config->advertisements && i < config->advertisements->len; i++) {
		const CfgAdvertising *adv = config->advertisements->pdata[i];

		if (strcmp(adv->name, name) == 0)
			return adv;
	}
	return NULL;
}

void config_advertising_copy(CfgAdvertising *dst, const CfgAdvertising *src)
{
	*dst = *src;
	dst->name = g_strdup(src->name);
	dst->service_uuids = g_strdupv(src->service_uuids);
	dst->type = g_strdup(src->type);
	dst->local_name = g_strdup(src->local_name);
	dst->includes = g_strdupv(src->includes);
	dst->manufacturer_data = copy_manufacturer_data(src->manufacturer_data);
	dst->service_data = copy_service_data(src->service_data);
	dst->scan_manufacturer_data = copy_manufacturer_data(src->scan_manufacturer_data);
	dst->scan_service_data = copy_service_data(src->scan_service_data);
	dst->solicit_uuids = g_strdupv(src->solicit_uuids);
}

void config_advertising_clear(CfgAdvertising *adv)
{
	g_free(adv->name);
	g_strfreev(adv->service_uuids);
	g_free(adv->type);
	g_free(adv->local_name);
	g_strfreev(adv->includes);
	if (adv->manufacturer_data)
		g_ptr_array_unref(adv->manufacturer_data);
	if (adv->service_data)
		g_ptr_array_unref(adv->service_data);
	if (adv->scan_manufacturer_data)
		g_ptr_array_unref(adv->scan_manufacturer_data);
	if (adv->scan_service_data)
		g_ptr_array_unref(adv->scan_service_data);
	g_strfreev(adv->solicit_uuids);
	*adv = (CfgAdvertising){ 0 };
}

char **config_advertised_uuids(const GattdConfig *config)
{
	g_autoptr(GStrvBuilder) uuids = g_strv_builder_new();

	for (unsigned i = 0; i < config->services->len; i++) {
		const CfgService *service = config->services->pdata[i];

		if (service->advertise)
			g_strv_builder_add(uuids, service->uuid);
	}
	return g_strv_builder_end(uuids);
}

char **config_advertising_uuids(const GattdConfig *config, const CfgAdvertising *adv)
{
	if (adv->name)
		return g_strdupv(adv->service_uuids ? adv->service_uuids : (char *[]){ NULL });
	return config_advertised_uuids(config);
}

/* ---- size ---- */

/* bluetoothd sends a UUID on the base UUID with a 16-bit value in 2 bytes, any other in 16. */
static unsigned uuid_bytes(const char *uuid)
{
	uint32_t value;

	return uuid_get_short(uuid, &value) && value <= 0xffff ? 2 : 16;
}

/* A UUID list: one AD structure per UUID size present. */
static unsigned uuid_list_bytes(const char *const *uuids)
{
	unsigned short_n = 0, long_n = 0;

	for (; uuids && *uuids; uuids++)
		uuid_bytes(*uuids) == 2 ? short_n++ : long_n++;
	return (short_n ? AD_HEADER + 2 * short_n : 0) + (long_n ? AD_HEADER + 16 * long_n : 0);
}

static void add_part(GString *parts, const char *name, unsigned bytes, unsigned *total)
{
	if (!bytes)
		return;
	*total += bytes;
	if (parts)
		g_string_append_printf(parts, "%s%s %u", parts->len ? " + " : "", name, bytes);
}

static bool includes(const CfgAdvertising *adv, const char *name)
{
	return adv->includes && g_strv_contains((const char *const *)adv->includes, name);
}

/* Manufacturer data (its length and type, the company, the bytes) and service data (likewise, with the UUID). */
static void add_data_parts(GString *parts, const GPtrArray *manufacturer_data, const GPtrArray *service_data,
                           unsigned *total)
{
	unsigned manufacturer = 0, service = 0;

	for (unsigned i = 0; manufacturer_data && i < manufacturer_data->len; i++) {
		const CfgManufacturerData *m = manufacturer_data->pdata[i];

		manufacturer += AD_HEADER + AD_COMPANY_ID + (unsigned)g_bytes_get_size(m->data);
	}
	add_part(parts, "manufacturer data", manufacturer, total);
	for (unsigned i = 0; service_data && i < service_data->len; i++) {
		const CfgServiceData *sd = service_data->pdata[i];

		service += AD_HEADER + uuid_bytes(sd->uuid) + (unsigned)g_bytes_get_size(sd->data);
	}
	add_part(parts, "service data", service, total);
}

unsigned config_advertising_size(const CfgAdvertising *adv, const char *const *service_uuids, GString *parts)
{
	unsigned total = 0, appearance = 0;

	/* A peripheral advertisement always carries Discoverable, which makes the flags. */
	add_part(parts, "flags", g_strcmp0(adv->type, "broadcast") != 0 ? AD_FLAGS : 0, &total);
	add_part(parts, "tx-power", includes(adv, "tx-power") ? AD_TX_POWER : 0, &total);
	/* bluetoothd adds Appearance= to the data and keeps room for the kernel's too. */
	if (adv->has_appearance || includes(adv, "appearance"))
		appearance += AD_APPEARANCE;
	if (includes(adv, "appearance"))
		appearance += AD_APPEARANCE;
	add_part(parts, "appearance", appearance, &total);
	add_part(parts, "service UUIDs", uuid_list_bytes(service_uuids), &total);
	add_part(parts, "solicit UUIDs", uuid_list_bytes((const char *const *)adv->solicit_uuids), &total);
	add_data_parts(parts, adv->manufacturer_data, adv->service_data, &total);
	return total;
}

unsigned config_advertising_scan_size(const CfgAdvertising *adv, GString *parts)
{
	unsigned total = 0;

	add_part(parts, "local name", adv->local_name ? AD_HEADER + (unsigned)strlen(adv->local_name) : 0, &total);
	add_data_parts(parts, adv->scan_manufacturer_data, adv->scan_service_data, &total);
	return total;
}

int config_advertising_check_size(const CfgAdvertising *adv, const char *const *service_uuids, char **ret_error)
{
	g_autoptr(GString) parts = g_string_new(NULL);
	unsigned bytes = config_advertising_size(adv, service_uuids, parts);

	if (bytes > CONFIG_ADV_LEGACY_MAX) {
		*ret_error = g_strdup_printf("the advertising data would be %u bytes (%s); at most %d fit in a legacy "
		                             "advertisement",
		                             bytes, parts->str, CONFIG_ADV_LEGACY_MAX);
		return -EMSGSIZE;
	}
	g_string_truncate(parts, 0);
	bytes = config_advertising_scan_size(adv, parts);
	if (bytes > CONFIG_ADV_LEGACY_MAX) {
		*ret_error = g_strdup_printf("the scan response would be %u bytes (%s); at most %d fit in a legacy "
		                             "scan response",
		                             bytes, parts->str, CONFIG_ADV_LEGACY_MAX);
		return -EMSGSIZE;
	}
	return 0;
}

/* ---- a client's change ---- */

static int check_change(const CfgAdvertisingChange *change, char **ret_error)
{
	if (change->has_local_name && change->local_name && strlen(change->local_name) > CONFIG_ADV_LOCAL_NAME_MAX) {
		*ret_error = g_strdup_printf("local name is %zu bytes; at most %d fit in a scan response",
		                             strlen(change->local_name), CONFIG_ADV_LOCAL_NAME_MAX);
		return -EMSGSIZE;
	}
	for (unsigned i = 0; change->manufacturer_data && i < change->manufacturer_data->len; i++)
		for (unsigned j = 0; j < i; j++) {
			const CfgManufacturerData *a = change->manufacturer_data->pdata[i];

			if (a->company_id == ((const CfgManufacturerData *)change->manufacturer_data->pdata[j])->company_id) {
				*ret_error = g_strdup_printf("manufacturer data: company 0x%04X given more than once",
				                             a->company_id);
				return -EINVAL;
			}
		}
	for (unsigned i = 0; change->service_data && i < change->service_data->len; i++)
		for (unsigned j = 0; j < i; j++) {
			const CfgServiceData *a = change->service_data->pdata[i];

			if (strcmp(a->uuid, ((const CfgServiceData *)change->service_data->pdata[j])->uuid) == 0) {
				char shown[UUID_STR_LEN + 1];

				uuid_to_display(a->uuid, shown);
				*ret_error = g_strdup_printf("service data: UUID %s given more than once", shown);
				return -EINVAL;
			}
		}
	return 0;
}

int config_advertising_apply(const CfgAdvertising *from, const char *const *from_uuids, const CfgAdvertising *base,
                             const char *const *base_uuids, const CfgAdvertisingChange *change, CfgAdvertising *out,
                             char ***ret_uuids, char **ret_error)
{
	g_auto(GStrv) uuids = NULL;
	int r;

	r = check_change(change, ret_error);
	if (r < 0)
		return r;
	if (change->reset) {
		from = base;
		from_uuids = base_uuids;
	}
	config_advertising_copy(out, from);
	uuids = g_strdupv((char **)(change->service_uuids ? (const char *const *)change->service_uuids : from_uuids));
	if (change->has_local_name) {
		g_free(out->local_name);
		out->local_name = change->local_name && *change->local_name ? g_strdup(change->local_name) : NULL;
	}
	if (change->manufacturer_data) {
		g_ptr_array_unref(out->manufacturer_data);
		out->manufacturer_data = copy_manufacturer_data(change->manufacturer_data);
	}
	if (change->service_data) {
		g_ptr_array_unref(out->service_data);
		out->service_data = copy_service_data(change->service_data);
	}
	if (out->local_name && includes(out, "local-name")) {
		*ret_error = g_strdup("local name: [Advertising] Includes=local-name sends the adapter's name, and BlueZ "
		                      "takes no local name beside it");
		config_advertising_clear(out);
		return -EINVAL;
	}
	r = config_advertising_check_size(out, (const char *const *)uuids, ret_error);
	if (r < 0) {
		config_advertising_clear(out);
		return r;
	}
	*ret_uuids = g_steal_pointer(&uuids);
	return 0;
}

/* ---- comparing ---- */

bool config_advertising_list_equal(const char *const *a, const char *const *b)
{
	static const char *const empty[] = { NULL };

	return g_strv_equal(a ? a : empty, b ? b : empty);
}

static bool bytes_equal(GBytes *a, GBytes *b)
{
	if (!a || !b)
		return a == b;
	return g_bytes_equal(a, b);
}

bool config_manufacturer_data_equal(const GPtrArray *a, const GPtrArray *b)
{
	if ((a ? a->len : 0) != (b ? b->len : 0))
		return false;
	for (unsigned i = 0; a && i < a->len; i++) {
		const CfgManufacturerData *ma = a->pdata[i], *mb = b->pdata[i];

		if (ma->company_id != mb->company_id || !bytes_equal(ma->data, mb->data))
			return false;
	}
	return true;
}

bool config_service_data_equal(const GPtrArray *a, const GPtrArray *b)
{
	if ((a ? a->len : 0) != (b ? b->len : 0))
		return false;
	for (unsigned i = 0; a && i < a->len; i++) {
		const CfgServiceData *sa = a->pdata[i], *sb = b->pdata[i];

		if (strcmp(sa->uuid, sb->uuid) != 0 || !bytes_equal(sa->data, sb->data))
			return false;
	}
	return true;
}

bool config_advertising_equal(const CfgAdvertising *a, const char *const *a_uuids, const CfgAdvertising *b,
                              const char *const *b_uuids)
{
	return a->enabled == b->enabled && g_strcmp0(a->type, b->type) == 0 &&
	       g_strcmp0(a->local_name, b->local_name) == 0 && a->has_appearance == b->has_appearance &&
	       a->appearance == b->appearance && a->discoverable == b->discoverable &&
	       a->discoverable_timeout == b->discoverable_timeout &&
	       config_advertising_list_equal((const char *const *)a->includes, (const char *const *)b->includes) &&
	       config_manufacturer_data_equal(a->manufacturer_data, b->manufacturer_data) &&
	       config_service_data_equal(a->service_data, b->service_data) &&
	       config_advertising_list_equal((const char *const *)a->solicit_uuids,
	                                     (const char *const *)b->solicit_uuids) &&
	       a->min_interval_ms == b->min_interval_ms && a->max_interval_ms == b->max_interval_ms &&
	       a->has_tx_power == b->has_tx_power && a->tx_power == b->tx_power &&
	       a->pause_while_connected == b->pause_while_connected && a->secondary_channel == b->secondary_channel &&
	       config_manufacturer_data_equal(a->scan_manufacturer_data, b->scan_manufacturer_data) &&
	       config_service_data_equal(a->scan_service_data, b->scan_service_data) &&
	       config_advertising_list_equal(a_uuids, b_uuids);
}
