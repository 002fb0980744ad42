/*
 * client-requests.c: the typed helpers (get, set, watch, next_write): a request
 * built from C arguments, one blocking call, the reply's fields back as C values.
 *
 * Values travel as hex on the wire; the hex codec is the daemon's own (value.c),
 * so client and daemon can't disagree on it.
 */
#include "client-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/value.h"

/* {"cmd": cmd, "char": chr}, chr may be NULL; NULL when chr is not valid UTF-8 (or no memory). */
static json_t *request_new(const char *cmd, const char *chr)
{
	g_autoptr(json_t) request = json_object();

	if (!request || json_object_set_new(request, "cmd", json_string(cmd)) < 0)
		return NULL;
	if (chr && json_object_set_new(request, "char", json_string(chr)) < 0)
		return NULL;
	return g_steal_pointer(&request);
}

/* ---- reply fields; a missing or mistyped one is a protocol error ---- */

static int reply_uint(json_t *reply, const char *name, uint64_t max, uint64_t *ret)
{
	json_t *node = json_object_get(reply, name);
	json_int_t v;

	if (!json_is_integer(node))
		return -EPROTO;
	v = json_integer_value(node);
	if (v < 0 || (uint64_t)v > max)
		return -EPROTO;
	*ret = (uint64_t)v;
	return 0;
}

static int reply_bool(json_t *reply, const char *name, int *ret)
{
	json_t *node = json_object_get(reply, name);

	if (!json_is_boolean(node))
		return -EPROTO;
	*ret = json_is_true(node) ? 1 : 0;
	return 0;
}

/* A string member as a malloc()ed copy; null gives NULL when nullable. */
static int reply_string(json_t *reply, const char *name, bool nullable, char **ret)
{
	json_t *node = json_object_get(reply, name);
	const char *s = json_string_value(node);

	if (!s) {
		if (nullable && json_is_null(node)) {
			*ret = NULL;
			return 0;
		}
		return -EPROTO;
	}
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* The hex "value" member as malloc()ed bytes, never NULL. */
static int reply_value(json_t *reply, uint8_t **ret_value, size_t *ret_len)
{
	const char *hex = jread_string(reply, "value");
	g_autoptr(GBytes) bytes = NULL;
	const void *data;
	uint8_t *copy;
	gsize len;

	if (!hex)
		return -EPROTO;
	bytes = value_from_hex(hex, NULL);
	if (!bytes)
		return -EPROTO;
	data = g_bytes_get_data(bytes, &len);
	copy = malloc(len > 0 ? len : 1);
	if (!copy)
		return -ENOMEM;
	if (len > 0)
		memcpy(copy, data, len);
	*ret_value = copy;
	*ret_len = len;
	return 0;
}

/* ---- helpers ---- */

int gattd_client_get(GattdClient *c, const char *chr, uint8_t **ret_value, size_t *ret_len)
{
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	int r;

	if (!c || !chr || !ret_value || !ret_len)
		return -EINVAL;
	request = request_new("get", chr);
	if (!request)
		return -EINVAL;
	r = client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, &reply);
	if (r < 0)
		return r;
	return reply_value(reply, ret_value, ret_len);
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
	request = request_new("set", chr);
	if (!request || json_object_set_new(request, "value", json_string(hex)) < 0)
		return -EINVAL;
	if (notify >= 0 && json_object_set_new(request, "notify", json_boolean(notify)) < 0)
		return -ENOMEM;
	r = client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, &reply);
	if (r < 0)
		return r;
	r = reply_bool(reply, "notified", &notified);
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
	request = request_new("watch", NULL);
	if (!request)
		return -ENOMEM;
	if (chars) {
		json_t *array = json_array();

		/* json_string() refuses what is not UTF-8: such a name is the caller's error. */
		for (size_t i = 0; chars[i]; i++)
			if (json_array_append_new(array, json_string(chars[i])) < 0) {
				json_decref(array);
				return -EINVAL;
			}
		if (json_object_set_new(request, "chars", array) < 0)
			return -ENOMEM;
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
	*w = (GattdWrite){ 0 };
}

static int parse_write(json_t *reply, GattdWrite *w)
{
	uint64_t offset;
	int r;

	if ((r = reply_value(reply, &w->value, &w->len)) < 0 ||
	    (r = reply_uint(reply, "offset", UINT16_MAX, &offset)) < 0 ||
	    (r = reply_string(reply, "device", true, &w->device)) < 0 ||
	    (r = reply_uint(reply, "seq", UINT64_MAX, &w->seq)) < 0 ||
	    (r = reply_string(reply, "char", false, &w->chr)) < 0 ||
	    (r = reply_uint(reply, "queued", UINT64_MAX, &w->queued)) < 0)
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
	request = request_new("next-write", chr);
	if (!request)
		return -EINVAL;
	if (timeout_ms >= 0 && json_object_set_new(request, "timeout_ms", json_integer(timeout_ms)) < 0)
		return -ENOMEM;
	wait_ms = timeout_ms < 0 ? -1 : timeout_ms + GATTD_CLIENT_NEXT_WRITE_GRACE_MS;

	r = client_call_object(c, request, wait_ms, NULL, &reply);
	if (r < 0)
		return r;
	r = parse_write(reply, &w);
	if (r < 0) {
		gattd_write_clear(&w);
		return r;
	}
	*ret = w;
	return 0;
}
