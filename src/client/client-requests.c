/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client-requests.c: the typed helpers (get, set, watch, next_write): a request
 * built from C arguments, one blocking call, the reply's fields back as C values
 * (client-message.c reads them).
 */
#include "client-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/value.h"

json_t *client_request_new(const char *cmd, const char *chr)
{
	g_autoptr(json_t) request = json_object();

	if (!request || json_object_set_new(request, "cmd", json_string(cmd)) < 0)
		return NULL;
	if (chr && json_object_set_new(request, "char", json_string(chr)) < 0)
		return NULL;
	return g_steal_pointer(&request);
}

int client_request_set_chars(json_t *request, const char *const *chars)
{
	json_t *array = json_array();

	/* json_string() refuses what is not UTF-8: such a name is the caller's error. */
	for (size_t i = 0; chars[i]; i++)
		if (json_array_append_new(array, json_string(chars[i])) < 0) {
			json_decref(array);
			return -EINVAL;
		}
	return json_object_set_new(request, "chars", array) < 0 ? -ENOMEM : 0;
}

/* ---- helpers ---- */

int gattd_client_get(GattdClient *c, const char *chr, uint8_t **ret_value, size_t *ret_len)
{
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	int r;

	if (!c || !chr || !ret_value || !ret_len)
		return -EINVAL;
	request = client_request_new("get", chr);
	if (!request)
		return -EINVAL;
	r = client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, &reply);
	if (r < 0)
		return r;
	return client_member_hex(reply, "value", ret_value, ret_len);
}

int gattd_client_set(GattdClient *c, const char *chr, const uint8_t *value, size_t len, int notify,
                     int *ret_notified)
{
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	g_autofree char *hex = NULL;
	int notified, r;

	if (!c || !chr || (len > 0 && !value) || notify < -1 || notify > 1)
		return -EINVAL;
	hex = value_to_hex(value, len);
	request = client_request_new("set", chr);
	if (!request || json_object_set_new(request, "value", json_string(hex)) < 0)
		return -EINVAL;
	if (notify >= 0 && json_object_set_new(request, "notify", json_boolean(notify)) < 0)
		return -ENOMEM;
	r = client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, &reply);
	if (r < 0)
		return r;
	r = client_member_bool(reply, "notified", &notified);
	if (r < 0)
		return r;
	if (ret_notified)
		*ret_notified = notified;
	return 0;
}

int gattd_client_watch(GattdClient *c, const char *const *chars)
{
	g_autoptr(json_t) request = NULL;

	if (!c)
		return -EINVAL;
	request = client_request_new("watch", NULL);
	if (!request)
		return -ENOMEM;
	if (chars) {
		int r = client_request_set_chars(request, chars);

		if (r < 0)
			return r;
	}
	return client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, NULL);
}

void gattd_write_clear(GattdWrite *w)
{
	if (!w)
		return;
	free(w->value);
	free(w->device);
	free(w->chr);
	free(w->address);
	*w = (GattdWrite){ 0 };
}

int client_write_parse(json_t *reply, bool queue_fields, GattdWrite *w)
{
	uint64_t offset;
	int r;

	if ((r = client_member_hex(reply, "value", &w->value, &w->len)) < 0 ||
	    (r = client_member_uint(reply, "offset", UINT16_MAX, &offset)) < 0 ||
	    (r = client_member_string(reply, "device", true, &w->device)) < 0 ||
	    (r = client_member_string(reply, "char", false, &w->chr)) < 0)
		return r;
	if (queue_fields && ((r = client_member_uint(reply, "seq", UINT64_MAX, &w->seq)) < 0 ||
	                     (r = client_member_uint(reply, "queued", UINT64_MAX, &w->queued)) < 0))
		return r;
	/* "address": null when not known; absent from a gattd older than the field. */
	if (json_object_get(reply, "address") && (r = client_member_string(reply, "address", true, &w->address)) < 0)
		return r;
	w->offset = (uint16_t)offset;
	return 0;
}

int gattd_client_next_write(GattdClient *c, const char *chr, int timeout_ms, GattdWrite *ret)
{
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	GattdWrite w = { 0 };
	int wait_ms, r;

	if (!c || !chr || !ret || timeout_ms < -1 || timeout_ms > GATTD_CLIENT_NEXT_WRITE_MAX_TIMEOUT_MS)
		return -EINVAL;
	request = client_request_new("next-write", chr);
	if (!request)
		return -EINVAL;
	if (timeout_ms >= 0 && json_object_set_new(request, "timeout_ms", json_integer(timeout_ms)) < 0)
		return -ENOMEM;
	wait_ms = timeout_ms < 0 ? -1 : timeout_ms + GATTD_CLIENT_NEXT_WRITE_GRACE_MS;

	r = client_call_object(c, request, wait_ms, NULL, &reply);
	if (r < 0)
		return r;
	r = client_write_parse(reply, true, &w);
	if (r < 0) {
		gattd_write_clear(&w);
		return r;
	}
	*ret = w;
	return 0;
}
