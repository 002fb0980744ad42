/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client-advertise.c: the advertisements (include/gattd/client.h, "advertising"): the
 * `advertise` request for the main one or an [Advertising NAME] one, built from a
 * GattdAdvertisingChange, its reply as a GattdAdvertisement.
 */
#include "client-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/value.h"

static void data_list_free(GattdAdvertisingData *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++) {
		free(list[i].uuid);
		free(list[i].data);
	}
	free(list);
}

void gattd_advertisement_clear(GattdAdvertisement *adv)
{
	if (!adv)
		return;
	free(adv->type);
	free(adv->local_name);
	client_strv_free(adv->service_uuids);
	data_list_free(adv->manufacturer_data, adv->n_manufacturer_data);
	data_list_free(adv->service_data, adv->n_service_data);
	*adv = (GattdAdvertisement){ 0 };
}

/* {"KEY": "hex", ...} of list: company ids ("0x05F1") or UUIDs. NULL when a UUID is not UTF-8. */
static json_t *data_object(const GattdAdvertisingData *list, size_t n, bool uuids)
{
	g_autoptr(json_t) object = json_object();

	for (size_t i = 0; i < n; i++) {
		g_autofree char *company = g_strdup_printf("0x%04X", list[i].company_id);
		g_autofree char *hex = value_to_hex(list[i].data, list[i].len);
		const char *key = uuids ? list[i].uuid : company;

		if (!key || !g_utf8_validate(key, -1, NULL) || json_object_set_new(object, key, json_string(hex)) < 0)
			return NULL;
	}
	return g_steal_pointer(&object);
}

static int build_request(const GattdAdvertisingChange *change, json_t *request)
{
	json_t *node;

	if (change->enabled >= 0 && json_object_set_new(request, "enabled", json_boolean(change->enabled > 0)) < 0)
		return -ENOMEM;
	if (change->reset && json_object_set_new(request, "reset", json_true()) < 0)
		return -ENOMEM;
	if (change->local_name) {
		if (!g_utf8_validate(change->local_name, -1, NULL))
			return -EINVAL;
		if (json_object_set_new(request, "local_name", json_string(change->local_name)) < 0)
			return -ENOMEM;
	}
	if (change->service_uuids) {
		node = json_array();
		if (!node || json_object_set_new(request, "service_uuids", node) < 0)
			return -ENOMEM;
		for (const char *const *uuid = change->service_uuids; *uuid; uuid++)
			if (!g_utf8_validate(*uuid, -1, NULL) || json_array_append_new(node, json_string(*uuid)) < 0)
				return -EINVAL;
	}
	if (change->set_manufacturer_data) {
		if (!(node = data_object(change->manufacturer_data, change->n_manufacturer_data, false)))
			return -EINVAL;
		if (json_object_set_new(request, "manufacturer_data", node) < 0)
			return -ENOMEM;
	}
	if (change->set_service_data) {
		if (!(node = data_object(change->service_data, change->n_service_data, true)))
			return -EINVAL;
		if (json_object_set_new(request, "service_data", node) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The reply's object of KEY: "hex" into a list; keys are company ids or UUIDs. */
static int parse_data(json_t *reply, const char *name, bool uuids, GattdAdvertisingData **ret, size_t *ret_n)
{
	json_t *object = json_object_get(reply, name);
	GattdAdvertisingData *list;
	const char *key;
	json_t *hex;
	size_t n = 0;

	if (!json_is_object(object))
		return -EPROTO;
	list = calloc(json_object_size(object) + 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	*ret = list;
	json_object_foreach(object, key, hex) {
		GattdAdvertisingData *d = &list[n];
		uint64_t company = 0;
		int r;

		if (!uuids && value_parse_uint(key, 0xffff, &company) < 0)
			return -EPROTO;
		d->company_id = (uint16_t)company;
		if (uuids && !(d->uuid = strdup(key)))
			return -ENOMEM;
		*ret_n = ++n;
		if ((r = client_member_hex(object, key, &d->data, &d->len)) < 0)
			return r;
	}
	return 0;
}

int client_advertisement_parse(json_t *reply, GattdAdvertisement *adv)
{
	uint64_t bytes = 0, max_bytes = 0;
	int r;

	if ((r = client_member_bool(reply, "enabled", &adv->enabled)) < 0 ||
	    (r = client_member_bool(reply, "advertising", &adv->advertising)) < 0 ||
	    (r = client_member_bool(reply, "changed", &adv->changed)) < 0 ||
	    (r = client_member_bool(reply, "paused", &adv->paused)) < 0 ||
	    (r = client_member_string(reply, "type", false, &adv->type)) < 0 ||
	    (r = client_member_string(reply, "local_name", true, &adv->local_name)) < 0 ||
	    (r = client_member_strv(reply, "service_uuids", &adv->service_uuids)) < 0 ||
	    (r = parse_data(reply, "manufacturer_data", false, &adv->manufacturer_data, &adv->n_manufacturer_data)) < 0 ||
	    (r = parse_data(reply, "service_data", true, &adv->service_data, &adv->n_service_data)) < 0 ||
	    (r = client_member_uint(reply, "bytes", UINT32_MAX, &bytes)) < 0 ||
	    (r = client_member_uint(reply, "max_bytes", UINT32_MAX, &max_bytes)) < 0)
		return r;
	adv->bytes = (unsigned)bytes;
	adv->max_bytes = (unsigned)max_bytes;
	return 0;
}

int gattd_client_advertise_named(GattdClient *c, const char *advertisement, const GattdAdvertisingChange *change,
                                 GattdAdvertisement *ret)
{
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	GattdAdvertisement adv = { 0 };
	int r;

	if (!c)
		return -EINVAL;
	/* gattd refuses these as bad-request: said here, before anything is sent. */
	if (advertisement && (!advertisement[0] || strlen(advertisement) > GATTD_CLIENT_ADVERTISEMENT_NAME_MAX ||
	                      !g_utf8_validate(advertisement, -1, NULL)))
		return -EINVAL;
	request = client_request_new("advertise", NULL);
	if (!request)
		return -ENOMEM;
	if (advertisement && json_object_set_new(request, "advertisement", json_string(advertisement)) < 0)
		return -ENOMEM;
	if (change && (r = build_request(change, request)) < 0)
		return r;
	r = client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, &reply);
	if (r < 0)
		return r;
	if (!ret)
		return 0;
	r = client_advertisement_parse(reply, &adv);
	if (r < 0) {
		gattd_advertisement_clear(&adv);
		return r;
	}
	*ret = adv;
	return 0;
}

int gattd_client_advertise(GattdClient *c, const GattdAdvertisingChange *change, GattdAdvertisement *ret)
{
	return gattd_client_advertise_named(c, NULL, change, ret);
}
