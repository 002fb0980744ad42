/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proto-advertise.c: the `advertise` command's fields and its reply (protocol.h,
 * README "advertise"): advertisement, local_name, service_uuids, manufacturer_data,
 * service_data, enabled and reset, decoded into a CfgAdvertisingChange (config/advertising.h).
 */
#include "socket/protocol.h"

#include <errno.h>
#include <string.h>

#include "config/advertising.h"

/* At most this much of a bad key or value goes into an error message. */
#define SHOWN_MAX 64

static bool failed(char **ret_error, char *message)
{
	*ret_error = message;
	return false;
}

static char *shown(const char *text)
{
	return g_utf8_make_valid(text, MIN((gssize)strlen(text), SHOWN_MAX));
}

static bool parse_local_name(json_t *node, CfgAdvertisingChange *out, char **ret_error)
{
	const char *name;

	if (json_is_null(node)) {
		out->has_local_name = true;
		return true;
	}
	/* The reader refuses \u0000: the name is a C string as it stands. */
	if (!(name = json_string_value(node)))
		return failed(ret_error, g_strdup("field 'local_name' must be a string or null"));
	out->has_local_name = true;
	out->local_name = name[0] ? g_strdup(name) : NULL;
	return true;
}

static bool parse_uuids(json_t *node, CfgAdvertisingChange *out, char **ret_error)
{
	g_autoptr(GStrvBuilder) uuids = g_strv_builder_new();
	json_t *item;
	size_t i;

	if (!json_is_array(node))
		return failed(ret_error, g_strdup("field 'service_uuids' must be an array of UUID strings"));
	if (json_array_size(node) > CONFIG_ADV_MAX_ITEMS)
		return failed(ret_error, g_strdup_printf("field 'service_uuids' has %zu entries, at most %d allowed",
		                                         json_array_size(node), CONFIG_ADV_MAX_ITEMS));
	json_array_foreach(node, i, item) {
		char uuid[UUID_STR_LEN + 1];
		const char *text = json_string_value(item);

		if (!text)
			return failed(ret_error, g_strdup_printf("field 'service_uuids': entry %zu is not a string", i));
		if (uuid_normalize(text, uuid) < 0) {
			g_autofree char *bad = shown(text);

			return failed(ret_error, g_strdup_printf("field 'service_uuids': '%s' is not a UUID", bad));
		}
		g_strv_builder_add(uuids, uuid);
	}
	out->service_uuids = g_strv_builder_end(uuids);
	return true;
}

/* An object of KEY: "hex" members, each key given to add (which reports its own problems). */
typedef bool (*DataAdd)(GPtrArray *list, const char *key, GBytes *data, char **ret_error);

static bool parse_data(json_t *node, const char *field, const char *keys, GPtrArray *list, DataAdd add,
                       char **ret_error)
{
	const char *key;
	json_t *value;

	if (!json_is_object(node))
		return failed(ret_error, g_strdup_printf("field '%s' must be an object of %s to hex strings", field, keys));
	if (json_object_size(node) > CONFIG_ADV_MAX_ITEMS)
		return failed(ret_error, g_strdup_printf("field '%s' has %zu entries, at most %d allowed", field,
		                                         json_object_size(node), CONFIG_ADV_MAX_ITEMS));
	json_object_foreach(node, key, value) {
		g_autofree char *problem = NULL;
		g_autoptr(GBytes) data = NULL;
		const char *hex = json_string_value(value);

		if (!hex) {
			g_autofree char *bad = shown(key);

			return failed(ret_error, g_strdup_printf("field '%s': '%s' must map to a hex string", field, bad));
		}
		if (!(data = value_from_hex(hex, &problem))) {
			g_autofree char *bad = shown(key);

			return failed(ret_error, g_strdup_printf("field '%s': '%s': %s", field, bad, problem));
		}
		if (!add(list, key, data, ret_error))
			return false;
	}
	return true;
}

static bool add_manufacturer(GPtrArray *list, const char *key, GBytes *data, char **ret_error)
{
	uint64_t company;

	if (value_parse_uint(key, 0xffff, &company) < 0) {
		g_autofree char *bad = shown(key);

		return failed(ret_error, g_strdup_printf("field 'manufacturer_data': company '%s' is not a decimal or "
		                                         "0x-hex integer 0..0xFFFF", bad));
	}
	g_ptr_array_add(list, config_manufacturer_data_new((uint16_t)company, data));
	return true;
}

static bool add_service(GPtrArray *list, const char *key, GBytes *data, char **ret_error)
{
	char uuid[UUID_STR_LEN + 1];

	if (uuid_normalize(key, uuid) < 0) {
		g_autofree char *bad = shown(key);

		return failed(ret_error, g_strdup_printf("field 'service_data': '%s' is not a UUID", bad));
	}
	g_ptr_array_add(list, config_service_data_new(uuid, data));
	return true;
}

static bool parse_bool(json_t *node, const char *field, bool *ret, char **ret_error)
{
	if (!json_is_boolean(node))
		return failed(ret_error, g_strdup_printf("field '%s' must be true or false", field));
	*ret = json_is_true(node);
	return true;
}

bool proto_parse_advertise(const ProtoAdvertiseFields *f, CfgAdvertisingChange *out, char **ret_error)
{
	bool enabled;

	*out = (CfgAdvertisingChange){ .enabled = -1 };
	if (f->advertisement) {
		const char *name = json_string_value(f->advertisement);

		/* Which one is the daemon's to say (not-found); only the shape is checked here. */
		if (!name || !name[0] || strlen(name) > CONFIG_ADV_NAME_MAX)
			return failed(ret_error, g_strdup_printf("field 'advertisement' must be the NAME of an [Advertising "
			                                         "NAME] group, a string of 1 to %d characters",
			                                         CONFIG_ADV_NAME_MAX));
		out->name = g_strdup(name);
	}
	if (f->reset && !parse_bool(f->reset, "reset", &out->reset, ret_error))
		goto fail;
	if (f->enabled) {
		if (!parse_bool(f->enabled, "enabled", &enabled, ret_error))
			goto fail;
		out->enabled = enabled;
	}
	if (f->local_name && !parse_local_name(f->local_name, out, ret_error))
		goto fail;
	if (f->service_uuids && !parse_uuids(f->service_uuids, out, ret_error))
		goto fail;
	if (f->manufacturer_data) {
		out->manufacturer_data = config_manufacturer_data_list_new();
		if (!parse_data(f->manufacturer_data, "manufacturer_data", "company ids", out->manufacturer_data,
		                add_manufacturer, ret_error))
			goto fail;
	}
	if (f->service_data) {
		out->service_data = config_service_data_list_new();
		if (!parse_data(f->service_data, "service_data", "UUIDs", out->service_data, add_service, ret_error))
			goto fail;
	}
	return true;
fail:
	config_advertising_change_clear(out);
	return false;
}

void proto_write_advertisement(JWriter *w, const ServerAdvertisement *a)
{
	const CfgAdvertising *live = a->live;

	/* null: the main one, [Advertising] */
	jwrite_member_string(w, "advertisement", live->name);
	jwrite_member_bool(w, "enabled", live->enabled);
	jwrite_member_bool(w, "advertising", a->advertising);
	jwrite_member_bool(w, "paused", a->paused);
	jwrite_member_bool(w, "changed", a->changed);
	jwrite_member_string(w, "type", live->type);
	/* null without a name */
	jwrite_member_string(w, "local_name", live->local_name);
	jwrite_member(w, "service_uuids");
	jwrite_begin_array(w);
	for (const char *const *uuid = a->service_uuids; uuid && *uuid; uuid++)
		jwrite_string(w, *uuid);
	jwrite_end_array(w);
	jwrite_member(w, "manufacturer_data");
	jwrite_begin_object(w);
	for (unsigned i = 0; i < live->manufacturer_data->len; i++) {
		const CfgManufacturerData *m = live->manufacturer_data->pdata[i];
		g_autofree char *company = g_strdup_printf("0x%04X", m->company_id);
		g_autofree char *hex = value_to_hex(g_bytes_get_data(m->data, NULL), g_bytes_get_size(m->data));

		jwrite_member_string(w, company, hex);
	}
	jwrite_end_object(w);
	jwrite_member(w, "service_data");
	jwrite_begin_object(w);
	for (unsigned i = 0; i < live->service_data->len; i++) {
		const CfgServiceData *sd = live->service_data->pdata[i];
		g_autofree char *hex = value_to_hex(g_bytes_get_data(sd->data, NULL), g_bytes_get_size(sd->data));

		jwrite_member_string(w, sd->uuid, hex);
	}
	jwrite_end_object(w);
	jwrite_member_int(w, "bytes", config_advertising_size(live, a->service_uuids, NULL));
	jwrite_member_int(w, "max_bytes", CONFIG_ADV_LEGACY_MAX);
}
