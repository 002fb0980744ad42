/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client-devices.c: the centrals (include/gattd/client.h, "centrals"): the roster
 * from the `devices` reply as GattdDevices, and `disconnect`; and pairing: the
 * `pairable` window, `bonds` (GattdDevices too) and `forget`.
 */
#include "client-private.h"

#include <errno.h>
#include <stdlib.h>

#include "shared/bdaddr.h"
#include "shared/value.h"

void client_device_clear(void *device)
{
	GattdDevice *d = device;

	free(d->address);
	free(d->address_type);
	free(d->device);
	free(d->name);
	free(d->alias);
	*d = (GattdDevice){ 0 };
}

void gattd_devices_free(GattdDevice *devices, size_t n)
{
	client_array_free(devices, n, sizeof(*devices), client_device_clear);
}

/* "bonded": true or false, or null (-1) from a BlueZ that does not say. */
static int member_bonded(json_t *obj, int *ret)
{
	if (json_is_null(json_object_get(obj, "bonded"))) {
		*ret = -1;
		return 0;
	}
	return client_member_bool(obj, "bonded", ret);
}

int client_device_parse(json_t *obj, void *device)
{
	GattdDevice *d = device;
	uint64_t since, mtu;
	int r;

	if ((r = client_member_string(obj, "address", false, &d->address)) < 0 ||
	    (r = client_member_string(obj, "address_type", true, &d->address_type)) < 0 ||
	    (r = client_member_string(obj, "device", false, &d->device)) < 0 ||
	    (r = client_member_string(obj, "name", true, &d->name)) < 0 ||
	    (r = client_member_string(obj, "alias", true, &d->alias)) < 0 ||
	    (r = client_member_bool(obj, "paired", &d->paired)) < 0 ||
	    (r = member_bonded(obj, &d->bonded)) < 0 ||
	    (r = client_member_bool(obj, "trusted", &d->trusted)) < 0 ||
	    (r = client_member_uint(obj, "connected_since", INT64_MAX, &since)) < 0 ||
	    (r = client_member_uint_or_null(obj, "mtu", UINT16_MAX, &mtu)) < 0)
		return r;
	d->connected_since_ms = (int64_t)since;
	d->mtu = (int)mtu;
	return 0;
}

/* The array member of a `devices` or `bonds` reply as GattdDevices. */
static int call_devices(GattdClient *c, const char *cmd, GattdDevice **ret, size_t *ret_n)
{
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	int r;

	if (!c || !ret || !ret_n)
		return -EINVAL;
	request = client_request_new(cmd, NULL);
	if (!request)
		return -ENOMEM;
	r = client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, &reply);
	if (r < 0)
		return r;
	return client_member_array(reply, cmd, sizeof(GattdDevice), client_device_parse, client_device_clear,
	                           (void **)ret, ret_n);
}

int gattd_client_devices(GattdClient *c, GattdDevice **ret, size_t *ret_n)
{
	return call_devices(c, "devices", ret, ret_n);
}

int gattd_client_bonds(GattdClient *c, GattdDevice **ret, size_t *ret_n)
{
	return call_devices(c, "bonds", ret, ret_n);
}

int gattd_client_notify_device(GattdClient *c, const char *chr, const uint8_t *value, size_t len,
                               const char *address)
{
	g_autoptr(json_t) request = NULL;
	g_autofree char *hex = NULL;

	if (!c || !chr || !value || len == 0 || !bdaddr_is_valid(address))
		return -EINVAL;
	hex = value_to_hex(value, len);
	request = client_request_new("set", chr);
	if (!request || json_object_set_new(request, "value", json_string(hex)) < 0 ||
	    json_object_set_new(request, "address", json_string(address)) < 0)
		return -ENOMEM;
	return client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, NULL);
}

/* cmd ("disconnect", "forget") for the device at address. */
static int call_address(GattdClient *c, const char *cmd, const char *address)
{
	g_autoptr(json_t) request = NULL;

	/* gattd refuses these too; refused here, they need no round trip. */
	if (!c || !bdaddr_is_valid(address))
		return -EINVAL;
	request = client_request_new(cmd, NULL);
	if (!request || json_object_set_new(request, "address", json_string(address)) < 0)
		return -ENOMEM;
	return client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, NULL);
}

int gattd_client_disconnect(GattdClient *c, const char *address)
{
	return call_address(c, "disconnect", address);
}

int gattd_client_forget(GattdClient *c, const char *address)
{
	return call_address(c, "forget", address);
}

void gattd_pairing_clear(GattdPairing *pairing)
{
	if (!pairing)
		return;
	free(pairing->method);
	*pairing = (GattdPairing){ 0 };
}

int client_pairing_parse(json_t *obj, GattdPairing *pairing)
{
	uint64_t remaining = 0;
	int r;

	if ((r = client_member_string(obj, "method", false, &pairing->method)) < 0 ||
	    (r = client_member_bool(obj, "agent", &pairing->agent)) < 0 ||
	    (r = client_member_bool(obj, "pairable", &pairing->pairable)) < 0 ||
	    (r = client_member_bool(obj, "always", &pairing->always)) < 0 ||
	    (r = client_member_uint_or_null(obj, "remaining_ms", INT64_MAX, &remaining)) < 0)
		return r;
	pairing->remaining_ms = json_is_null(json_object_get(obj, "remaining_ms")) ? -1 : (int64_t)remaining;
	return 0;
}

int gattd_client_pairable(GattdClient *c, int open, unsigned seconds, GattdPairing *ret)
{
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	GattdPairing pairing = { 0 };
	int r;

	if (!c || !ret || seconds > 86400 || (seconds && open <= 0))
		return -EINVAL;
	request = client_request_new("pairable", NULL);
	if (!request || (open >= 0 && json_object_set_new(request, "open", json_boolean(open > 0)) < 0) ||
	    (seconds && json_object_set_new(request, "seconds", json_integer(seconds)) < 0))
		return -ENOMEM;
	r = client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, &reply);
	if (r < 0)
		return r;
	r = client_pairing_parse(reply, &pairing);
	if (r < 0) {
		gattd_pairing_clear(&pairing);
		return r;
	}
	*ret = pairing;
	return 0;
}
