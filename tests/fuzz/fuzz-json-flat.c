/*
 * fuzz-json-flat.c: the flat-object fast path (json-flat.c) against json-glib.
 *
 * json_flat_parse() may decline any line. Whatever it accepts must pass the raw
 * checks protocol.c makes before json-glib reads a line (integers within 64 bits,
 * JSON escapes only), and json-glib's JsonParser must accept it too, with the
 * same tree: same node kinds, same value types (an integer is never a double),
 * same values, same member order. That is what keeps the fast path invisible to
 * clients: the protocol's behaviour is json-glib's behind the raw checks
 * (src/protocol.c falls back to both for every declined line).
 * Input: one line, as proto_parse_request() hands it over (UTF-8, no NUL).
 */
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "fuzz.h"
#include "json-flat.h"
#include "protocol.h"

static void check_same(JsonNode *fast, JsonNode *ref);

static void check_same_object(JsonObject *fast, JsonObject *ref)
{
	g_autoptr(GList) fast_names = json_object_get_members(fast);
	g_autoptr(GList) ref_names = json_object_get_members(ref);
	GList *f = fast_names, *r = ref_names;

	for (; f && r; f = f->next, r = r->next) {
		FUZZ_CHECK(strcmp(f->data, r->data) == 0);
		check_same(json_object_get_member(fast, f->data), json_object_get_member(ref, r->data));
	}
	FUZZ_CHECK(!f && !r);
}

static void check_same_array(JsonArray *fast, JsonArray *ref)
{
	guint n = json_array_get_length(fast);

	FUZZ_CHECK(n == json_array_get_length(ref));
	for (guint i = 0; i < n; i++)
		check_same(json_array_get_element(fast, i), json_array_get_element(ref, i));
}

static void check_same(JsonNode *fast, JsonNode *ref)
{
	GType type;

	FUZZ_CHECK(fast && ref);
	FUZZ_CHECK(JSON_NODE_TYPE(fast) == JSON_NODE_TYPE(ref));
	switch (JSON_NODE_TYPE(fast)) {
	case JSON_NODE_OBJECT:
		check_same_object(json_node_get_object(fast), json_node_get_object(ref));
		return;
	case JSON_NODE_ARRAY:
		check_same_array(json_node_get_array(fast), json_node_get_array(ref));
		return;
	case JSON_NODE_NULL:
		return;
	case JSON_NODE_VALUE:
		break;
	}
	type = json_node_get_value_type(fast);
	FUZZ_CHECK(type == json_node_get_value_type(ref));
	if (type == G_TYPE_STRING)
		FUZZ_CHECK(strcmp(json_node_get_string(fast), json_node_get_string(ref)) == 0);
	else if (type == G_TYPE_INT64)
		FUZZ_CHECK(json_node_get_int(fast) == json_node_get_int(ref));
	else if (type == G_TYPE_BOOLEAN)
		FUZZ_CHECK(json_node_get_boolean(fast) == json_node_get_boolean(ref));
	else
		FUZZ_CHECK(!"the fast path made a value of another type");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	g_autoptr(JsonNode) fast = NULL;
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) error = NULL;

	if (memchr(line, '\0', size) || !g_utf8_validate(line, (gssize)size, NULL))
		return 0;
	fast = json_flat_parse(line, size);
	if (!fast)
		return 0;
	/*
	 * json-glib 1.6 wraps integers past 64 bits and mangles some escapes, so agreeing
	 * with it is not enough: the line must also pass the checks protocol.c makes
	 * before it lets json-glib read one.
	 */
	{
		g_autofree char *problem = proto_check_raw_request(line, size);

		if (problem)
			fprintf(stderr, "fast path accepted what the raw checks refuse: %s\n", problem);
		FUZZ_CHECK(!problem);
	}
	parser = json_parser_new_immutable();
	if (!json_parser_load_from_data(parser, line, (gssize)size, &error)) {
		fprintf(stderr, "fast path accepted what json-glib refuses: %s\n", error->message);
		FUZZ_CHECK(!"json-glib accepts the line");
	}
	check_same(fast, json_parser_get_root(parser));
	return 0;
}
