/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client-status.c: how gattd stands (include/gattd/client.h, "status and services"):
 * the `status` reply as a GattdStatus.
 */
#include "client-private.h"

#include <errno.h>
#include <stdlib.h>

static void advertisement_status_clear(void *item)
{
	GattdAdvertisementStatus *a = item;

	free(a->name);
	free(a->error);
	*a = (GattdAdvertisementStatus){ 0 };
}

static int parse_advertisement_status(json_t *obj, void *item)
{
	GattdAdvertisementStatus *a = item;
	int r;

	if ((r = client_member_string(obj, "name", false, &a->name)) < 0 ||
	    (r = client_member_bool(obj, "enabled", &a->enabled)) < 0 ||
	    (r = client_member_bool(obj, "advertising", &a->advertising)) < 0 ||
	    (r = client_member_bool(obj, "paused", &a->paused)) < 0 ||
	    (r = client_member_string(obj, "error", true, &a->error)) < 0)
		return r;
	return 0;
}

void gattd_status_clear(GattdStatus *status)
{
	if (!status)
		return;
	free(status->state);
	free(status->description);
	free(status->adapter);
	free(status->adapter_address);
	free(status->adapter_path);
	client_array_free(status->advertisements, status->n_advertisements, sizeof(GattdAdvertisementStatus),
	                  advertisement_status_clear);
	free(status->sockets);
	gattd_pairing_clear(&status->pairing);
	*status = (GattdStatus){ 0 };
}

/* "adapter": {name, address, powered, path}, or null without an adapter. */
static int parse_adapter(json_t *reply, GattdStatus *status)
{
	json_t *adapter = json_object_get(reply, "adapter");
	int r;

	if (json_is_null(adapter))
		return 0;
	if (!json_is_object(adapter))
		return -EPROTO;
	if ((r = client_member_string(adapter, "name", false, &status->adapter)) < 0 ||
	    (r = client_member_string(adapter, "address", true, &status->adapter_address)) < 0 ||
	    (r = client_member_string(adapter, "path", false, &status->adapter_path)) < 0 ||
	    (r = client_member_bool(adapter, "powered", &status->adapter_powered)) < 0)
		return r;
	return 0;
}

/* The counters: unsigned in C, whatever gattd's JSON integers could hold. */
static int parse_counts(json_t *reply, GattdStatus *status)
{
	uint64_t clients, watchers, subscriptions;
	int r;

	if ((r = client_member_uint(reply, "clients", UINT32_MAX, &clients)) < 0 ||
	    (r = client_member_uint(reply, "watchers", UINT32_MAX, &watchers)) < 0 ||
	    (r = client_member_uint(reply, "subscriptions", UINT32_MAX, &subscriptions)) < 0 ||
	    (r = client_member_uint(reply, "captured", UINT64_MAX, &status->captured)) < 0 ||
	    (r = client_member_uint(reply, "overflows", UINT64_MAX, &status->overflows)) < 0 ||
	    (r = client_member_uint(reply, "generation", UINT64_MAX, &status->generation)) < 0)
		return r;
	status->clients = (unsigned)clients;
	status->watchers = (unsigned)watchers;
	status->subscriptions = (unsigned)subscriptions;
	return 0;
}

static int parse_status(json_t *reply, GattdStatus *status)
{
	json_t *pairing = json_object_get(reply, "pairing");
	int r;

	if (!json_is_object(pairing))
		return -EPROTO;
	if ((r = client_member_string(reply, "state", false, &status->state)) < 0 ||
	    (r = client_member_string(reply, "description", false, &status->description)) < 0 ||
	    (r = parse_adapter(reply, status)) < 0 ||
	    (r = client_member_bool(reply, "registered", &status->registered)) < 0 ||
	    (r = client_member_bool(reply, "advertising", &status->advertising)) < 0 ||
	    (r = client_member_bool(reply, "on_air", &status->on_air)) < 0 ||
	    (r = client_member_array(reply, "advertisements", sizeof(GattdAdvertisementStatus),
	                             parse_advertisement_status, advertisement_status_clear,
	                             (void **)&status->advertisements, &status->n_advertisements)) < 0 ||
	    (r = client_member_string(reply, "sockets", true, &status->sockets)) < 0 ||
	    (r = client_pairing_parse(pairing, &status->pairing)) < 0 ||
	    (r = parse_counts(reply, status)) < 0)
		return r;
	return 0;
}

int gattd_client_status(GattdClient *c, GattdStatus *ret)
{
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	GattdStatus status = { 0 };
	int r;

	if (!c || !ret)
		return -EINVAL;
	request = client_request_new("status", NULL);
	if (!request)
		return -ENOMEM;
	r = client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, &reply);
	if (r < 0)
		return r;
	r = parse_status(reply, &status);
	if (r < 0) {
		gattd_status_clear(&status);
		return r;
	}
	*ret = status;
	return 0;
}
