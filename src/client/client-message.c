/*
 * client-message.c: classifying received lines into replies and events.
 *
 * A line is parsed once when it arrives; the queue then holds the few facts
 * the waits match on (kind, id, ok) next to the text handed to the caller.
 */
#include "client-private.h"

#include <errno.h>

void client_message_free(ClientMessage *m)
{
	if (!m)
		return;
	g_free(m->line);
	g_free(m);
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
	if (json_object_get(obj, "event")) {
		m->kind = CLIENT_MESSAGE_EVENT;
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
