/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client-services.c: what gattd serves (include/gattd/client.h, "status and
 * services"): the `list` reply as GattdServices holding their characteristics and
 * descriptors.
 */
#include "client-private.h"

#include <errno.h>
#include <stdlib.h>

/* ---- descriptors ---- */

static void descriptor_clear(void *item)
{
	GattdDescriptor *d = item;

	free(d->id);
	free(d->uuid);
	client_strv_free(d->flags);
	free(d->value);
	*d = (GattdDescriptor){ 0 };
}

static int parse_descriptor(json_t *obj, void *item)
{
	GattdDescriptor *d = item;
	int r;

	if ((r = client_member_string(obj, "id", false, &d->id)) < 0 ||
	    (r = client_member_string(obj, "uuid", false, &d->uuid)) < 0 ||
	    (r = client_member_strv(obj, "flags", &d->flags)) < 0 ||
	    (r = client_member_hex(obj, "value", &d->value, &d->len)) < 0)
		return r;
	return 0;
}

/* ---- characteristics ---- */

static void characteristic_clear(void *item)
{
	GattdCharacteristic *chr = item;

	free(chr->id);
	free(chr->uuid);
	client_strv_free(chr->flags);
	free(chr->type);
	free(chr->value);
	client_array_free(chr->descriptors, chr->n_descriptors, sizeof(GattdDescriptor), descriptor_clear);
	*chr = (GattdCharacteristic){ 0 };
}

static int parse_characteristic(json_t *obj, void *item)
{
	GattdCharacteristic *chr = item;
	uint64_t max_length, capture;
	int r;

	if ((r = client_member_string(obj, "id", false, &chr->id)) < 0 ||
	    (r = client_member_string(obj, "uuid", false, &chr->uuid)) < 0 ||
	    (r = client_member_strv(obj, "flags", &chr->flags)) < 0 ||
	    (r = client_member_string(obj, "type", true, &chr->type)) < 0 ||
	    (r = client_member_uint(obj, "max_length", UINT32_MAX, &max_length)) < 0 ||
	    (r = client_member_uint(obj, "capture", UINT32_MAX, &capture)) < 0 ||
	    (r = client_member_bool(obj, "notifying", &chr->notifying)) < 0 ||
	    (r = client_member_hex(obj, "value", &chr->value, &chr->len)) < 0 ||
	    (r = client_member_array(obj, "descriptors", sizeof(GattdDescriptor), parse_descriptor, descriptor_clear,
	                             (void **)&chr->descriptors, &chr->n_descriptors)) < 0)
		return r;
	chr->max_length = (unsigned)max_length;
	chr->capture = (unsigned)capture;
	return 0;
}

/* ---- services ---- */

static void service_clear(void *item)
{
	GattdService *service = item;

	free(service->id);
	free(service->uuid);
	client_array_free(service->characteristics, service->n_characteristics, sizeof(GattdCharacteristic),
	                  characteristic_clear);
	*service = (GattdService){ 0 };
}

static int parse_service(json_t *obj, void *item)
{
	GattdService *service = item;
	int r;

	if ((r = client_member_string(obj, "id", false, &service->id)) < 0 ||
	    (r = client_member_string(obj, "uuid", false, &service->uuid)) < 0 ||
	    (r = client_member_bool(obj, "primary", &service->primary)) < 0 ||
	    (r = client_member_array(obj, "characteristics", sizeof(GattdCharacteristic), parse_characteristic,
	                             characteristic_clear, (void **)&service->characteristics,
	                             &service->n_characteristics)) < 0)
		return r;
	return 0;
}

void gattd_services_free(GattdService *services, size_t n)
{
	client_array_free(services, n, sizeof(*services), service_clear);
}

int gattd_client_list(GattdClient *c, GattdService **ret, size_t *ret_n)
{
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	int r;

	if (!c || !ret || !ret_n)
		return -EINVAL;
	request = client_request_new("list", NULL);
	if (!request)
		return -ENOMEM;
	r = client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, &reply);
	if (r < 0)
		return r;
	return client_member_array(reply, "services", sizeof(GattdService), parse_service, service_clear, (void **)ret,
	                           ret_n);
}
