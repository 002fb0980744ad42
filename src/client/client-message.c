/*
 * client-message.c: classifying received lines into replies and events.
 *
 * A line is parsed once when it arrives; the queue then holds the few facts
 * the waits match on (kind, id, ok) next to the text handed to the caller.
 */
#include "client-private.h"

#include <errno.h>

JsonNode *client_parse_object(const char *text, size_t len)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	JsonNode *root;

	if (!g_utf8_validate(text, (gssize)len, NULL))
		return NULL;
	if (!json_parser_load_from_data(parser, text, (gssize)len, NULL))
		return NULL;
	root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root))
		return NULL;
	return json_node_ref(root);
}

const char *client_object_string(JsonObject *obj, const char *name)
{
	JsonNode *node = json_object_get_member(obj, name);

	if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

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
	g_autoptr(JsonNode) root = client_parse_object(line, len);
	ClientMessage *m;
	JsonObject *obj;
	JsonNode *node;

	if (!root)
		return -EPROTO;
	obj = json_node_get_object(root);

	m = g_new0(ClientMessage, 1);
	if (json_object_has_member(obj, "event")) {
		m->kind = CLIENT_MESSAGE_EVENT;
	} else if ((node = json_object_get_member(obj, "ok")) && JSON_NODE_HOLDS_VALUE(node) &&
	           json_node_get_value_type(node) == G_TYPE_BOOLEAN) {
		m->kind = CLIENT_MESSAGE_REPLY;
		m->ok = json_node_get_boolean(node);
		node = json_object_get_member(obj, "id");
		if (node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64 &&
		    json_node_get_int(node) >= 0) {
			m->has_id = true;
			m->id = (uint64_t)json_node_get_int(node);
		}
	} else {
		m->kind = CLIENT_MESSAGE_OTHER;
	}
	m->line = g_steal_pointer(&owned);
	m->len = len;
	*ret = m;
	return 0;
}
