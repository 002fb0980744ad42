/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client-message.c: received lines: classifying them into replies and events,
 * and reading their members as C values.
 *
 * A line is parsed once when it arrives; the queue then holds the few facts
 * the waits match on (kind, id, ok) next to the text handed to the caller.
 * The member readers here are the one place a reply's or event's JSON becomes C
 * values: every typed call and parser builds on them.
 * Values travel as hex on the wire; the hex codec is the daemon's own (value.c),
 * so client and daemon can't disagree on it.
 */
#include "client-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/value.h"

void client_message_free(ClientMessage *m)
{
	if (!m)
		return;
	g_free(m->line);
	g_free(m);
}

static bool is_handler_request(const char *event)
{
	return event && (strcmp(event, "read-request") == 0 || strcmp(event, "write-request") == 0);
}

int client_message_new(char *line, size_t len, ClientMessage **ret)
{
	g_autofree char *owned = line;
	g_autoptr(json_t) obj = jread_object(line, len, NULL);
	ClientMessage *m;
	json_t *node;

	if (!obj)
		return -EPROTO;

	m = g_new0(ClientMessage, 1);
	if ((node = json_object_get(obj, "event"))) {
		m->kind = CLIENT_MESSAGE_EVENT;
		m->handler_request = is_handler_request(json_string_value(node));
		m->pairing_request = g_strcmp0(json_string_value(node), "pairing-request") == 0;
	} else if (json_is_boolean(node = json_object_get(obj, "ok"))) {
		m->kind = CLIENT_MESSAGE_REPLY;
		m->ok = json_is_true(node);
		node = json_object_get(obj, "id");
		if (json_is_integer(node) && json_integer_value(node) >= 0) {
			m->has_id = true;
			m->id = (uint64_t)json_integer_value(node);
		}
	} else {
		m->kind = CLIENT_MESSAGE_OTHER;
	}
	m->line = g_steal_pointer(&owned);
	m->len = len;
	*ret = m;
	return 0;
}

/* ---- members ---- */

int client_member_uint(json_t *obj, const char *name, uint64_t max, uint64_t *ret)
{
	json_t *node = json_object_get(obj, name);
	json_int_t v;

	if (!json_is_integer(node))
		return -EPROTO;
	v = json_integer_value(node);
	if (v < 0 || (uint64_t)v > max)
		return -EPROTO;
	*ret = (uint64_t)v;
	return 0;
}

int client_member_uint_or_null(json_t *obj, const char *name, uint64_t max, uint64_t *ret)
{
	if (json_is_null(json_object_get(obj, name))) {
		*ret = 0;
		return 0;
	}
	return client_member_uint(obj, name, max, ret);
}

int client_member_bool(json_t *obj, const char *name, int *ret)
{
	json_t *node = json_object_get(obj, name);

	if (!json_is_boolean(node))
		return -EPROTO;
	*ret = json_is_true(node) ? 1 : 0;
	return 0;
}

int client_member_string(json_t *obj, const char *name, bool nullable, char **ret)
{
	json_t *node = json_object_get(obj, name);
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

int client_member_hex(json_t *obj, const char *name, uint8_t **ret, size_t *ret_len)
{
	const char *hex = jread_string(obj, name);
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
	*ret = copy;
	*ret_len = len;
	return 0;
}

int client_member_strv(json_t *obj, const char *name, char ***ret)
{
	json_t *array = json_object_get(obj, name);
	char **strv;
	json_t *item;
	size_t i;

	if (!json_is_array(array))
		return -EPROTO;
	strv = calloc(json_array_size(array) + 1, sizeof(char *));
	if (!strv)
		return -ENOMEM;
	json_array_foreach(array, i, item) {
		int r = json_is_string(item) ? 0 : -EPROTO;

		if (r == 0 && !(strv[i] = strdup(json_string_value(item))))
			r = -ENOMEM;
		if (r < 0) {
			client_strv_free(strv);
			return r;
		}
	}
	*ret = strv;
	return 0;
}

void client_strv_free(char **strv)
{
	for (size_t i = 0; strv && strv[i]; i++)
		free(strv[i]);
	free(strv);
}

int client_member_array(json_t *obj, const char *name, size_t size, ClientParseItem parse, ClientClearItem clear,
                        void **ret, size_t *ret_n)
{
	json_t *array = json_object_get(obj, name);
	uint8_t *items = NULL;
	size_t n;

	if (!json_is_array(array))
		return -EPROTO;
	n = json_array_size(array);
	if (n > 0 && !(items = calloc(n, size)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(array, i);
		int r = json_is_object(item) ? parse(item, items + i * size) : -EPROTO;

		if (r < 0) {
			/* Items not reached are zero: clear() takes those too. */
			client_array_free(items, n, size, clear);
			return r;
		}
	}
	*ret = items;
	*ret_n = n;
	return 0;
}

void client_array_free(void *items, size_t n, size_t size, ClientClearItem clear)
{
	if (!items)
		return;
	for (size_t i = 0; i < n; i++)
		clear((uint8_t *)items + i * size);
	free(items);
}
