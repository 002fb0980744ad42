/* protocol.c: decoding requests and encoding replies/events of the local client protocol. */
#include "protocol.h"

#include "json-flat.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static const char *const command_names[] = {
	[PROTO_CMD_HELLO] = "hello",
	[PROTO_CMD_STATUS] = "status",
	[PROTO_CMD_LIST] = "list",
	[PROTO_CMD_GET] = "get",
	[PROTO_CMD_SET] = "set",
	[PROTO_CMD_WATCH] = "watch",
	[PROTO_CMD_UNWATCH] = "unwatch",
	[PROTO_CMD_NEXT_WRITE] = "next-write",
	[PROTO_CMD_RELOAD] = "reload",
};

/* Which fields each command takes besides "cmd" and "id". */
typedef enum {
	F_CHAR = 1 << 0,
	F_VALUE = 1 << 1,
	F_TYPED = 1 << 2,
	F_NOTIFY = 1 << 3,
	F_CHARS = 1 << 4,
	F_TIMEOUT = 1 << 5,
} ProtoField;

static const unsigned command_fields[] = {
	[PROTO_CMD_HELLO] = 0,
	[PROTO_CMD_STATUS] = 0,
	[PROTO_CMD_LIST] = 0,
	[PROTO_CMD_GET] = F_CHAR,
	[PROTO_CMD_SET] = F_CHAR | F_VALUE | F_TYPED | F_NOTIFY,
	[PROTO_CMD_WATCH] = F_CHARS,
	[PROTO_CMD_UNWATCH] = 0,
	[PROTO_CMD_NEXT_WRITE] = F_CHAR | F_TIMEOUT,
	[PROTO_CMD_RELOAD] = 0,
};

static const struct {
	const char *name;
	ProtoField field;
} field_names[] = {
	{ "char", F_CHAR }, { "value", F_VALUE }, { "typed", F_TYPED },
	{ "notify", F_NOTIFY }, { "chars", F_CHARS }, { "timeout_ms", F_TIMEOUT },
};

const char *proto_command_name(ProtoCommand cmd)
{
	if ((size_t)cmd < G_N_ELEMENTS(command_names))
		return command_names[cmd];
	return "?";
}

void proto_request_free(ProtoRequest *req)
{
	if (!req)
		return;
	if (req->id)
		json_node_unref(req->id);
	if (req->typed)
		json_node_unref(req->typed);
	g_free(req->chr);
	g_free(req->hex);
	g_strfreev(req->chars);
	g_free(req);
}

void proto_error_clear(ProtoError *err)
{
	g_clear_pointer(&err->message, g_free);
	g_clear_pointer(&err->id, json_node_unref);
	err->code = NULL;
}

static ProtoRequest *fail(ProtoError *err, const char *code, char *message)
{
	err->code = code;
	g_free(err->message);
	err->message = message;
	return NULL;
}

static bool is_scalar(JsonNode *node)
{
	return JSON_NODE_HOLDS_VALUE(node) || JSON_NODE_HOLDS_NULL(node);
}

static bool get_string(JsonObject *obj, const char *name, char **ret, ProtoError *err)
{
	JsonNode *node = json_object_get_member(obj, name);

	if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
		fail(err, PROTO_ERR_BAD_REQUEST, g_strdup_printf("field '%s' must be a string", name));
		return false;
	}
	*ret = g_strdup(json_node_get_string(node));
	return true;
}

static bool parse_fields(JsonObject *obj, ProtoRequest *req, ProtoError *err)
{
	unsigned allowed = command_fields[req->cmd];
	JsonObjectIter iter;
	const char *name;

	/* In the line's order, so that the first unknown field is the one named. */
	json_object_iter_init_ordered(&iter, obj);
	while (json_object_iter_next_ordered(&iter, &name, NULL)) {
		ProtoField field = 0;

		if (strcmp(name, "cmd") == 0 || strcmp(name, "id") == 0)
			continue;
		for (size_t i = 0; i < G_N_ELEMENTS(field_names); i++) {
			if (strcmp(field_names[i].name, name) == 0) {
				field = field_names[i].field;
				break;
			}
		}
		if (!(field & allowed)) {
			fail(err, PROTO_ERR_BAD_REQUEST,
			     g_strdup_printf("unknown field '%s' for command '%s'", name, proto_command_name(req->cmd)));
			return false;
		}
	}

	if (allowed & F_CHAR) {
		if (!json_object_has_member(obj, "char")) {
			fail(err, PROTO_ERR_BAD_REQUEST,
			     g_strdup_printf("command '%s' needs field 'char'", proto_command_name(req->cmd)));
			return false;
		}
		if (!get_string(obj, "char", &req->chr, err))
			return false;
	}

	if (json_object_has_member(obj, "value") && !get_string(obj, "value", &req->hex, err))
		return false;
	if (json_object_has_member(obj, "typed")) {
		JsonNode *typed = json_object_get_member(obj, "typed");

		if (!JSON_NODE_HOLDS_VALUE(typed)) {
			fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'typed' must be a number, string or boolean"));
			return false;
		}
		req->typed = json_node_copy(typed);
	}
	if (req->cmd == PROTO_CMD_SET && !req->hex == !req->typed) {
		fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("command 'set' needs exactly one of 'value' (hex) and 'typed'"));
		return false;
	}

	if (json_object_has_member(obj, "notify")) {
		JsonNode *node = json_object_get_member(obj, "notify");

		if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN) {
			fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'notify' must be true or false"));
			return false;
		}
		req->has_notify = true;
		req->notify = json_node_get_boolean(node);
	}

	if (json_object_has_member(obj, "chars")) {
		JsonNode *node = json_object_get_member(obj, "chars");
		JsonArray *array;
		unsigned n;

		if (!JSON_NODE_HOLDS_ARRAY(node)) {
			fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'chars' must be an array of strings"));
			return false;
		}
		array = json_node_get_array(node);
		n = json_array_get_length(array);
		if (n > PROTO_MAX_WATCH_CHARS) {
			fail(err, PROTO_ERR_BAD_REQUEST,
			     g_strdup_printf("field 'chars' has %u entries, at most %d allowed", n, PROTO_MAX_WATCH_CHARS));
			return false;
		}
		req->chars = g_new0(char *, n + 1);
		for (unsigned i = 0; i < n; i++) {
			JsonNode *elem = json_array_get_element(array, i);

			if (!JSON_NODE_HOLDS_VALUE(elem) || json_node_get_value_type(elem) != G_TYPE_STRING) {
				fail(err, PROTO_ERR_BAD_REQUEST, g_strdup_printf("field 'chars' entry %u is not a string", i));
				return false;
			}
			req->chars[i] = g_strdup(json_node_get_string(elem));
		}
	}

	req->timeout_ms = -1;
	if (json_object_has_member(obj, "timeout_ms")) {
		JsonNode *node = json_object_get_member(obj, "timeout_ms");
		gint64 ms;

		if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64) {
			fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'timeout_ms' must be an integer"));
			return false;
		}
		ms = json_node_get_int(node);
		if (ms < 0 || ms > PROTO_MAX_TIMEOUT_MS) {
			fail(err, PROTO_ERR_BAD_REQUEST,
			     g_strdup_printf("field 'timeout_ms' must be within 0..%d", PROTO_MAX_TIMEOUT_MS));
			return false;
		}
		req->timeout_ms = ms;
	}
	return true;
}

/* The code point of a \\uXXXX escape at p, or -1 if there is none. */
static int unicode_escape(const char *p, size_t len)
{
	int u = 0;

	if (len < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	for (int k = 2; k < 6; k++) {
		if (!g_ascii_isxdigit(p[k]))
			return -1;
		u = u << 4 | g_ascii_xdigit_value(p[k]);
	}
	return u;
}

/*
 * Skip a string starting at line[*i] (the opening quote); leave *i on the closing
 * quote. False for escapes json-glib 1.6 mishandles: octal ones (invalid UTF-8),
 * malformed \\u, and surrogates that are not a high-low pair (leaked or turned
 * into invalid UTF-8). Pairs stay accepted: encoders send emoji that way.
 */
static bool skip_string(const char *line, size_t len, size_t *i)
{
	for ((*i)++; *i < len && line[*i] != '"'; (*i)++) {
		int u;

		if (line[*i] != '\\')
			continue;
		if (*i + 1 >= len || !strchr("\"\\/bfnrtu", line[*i + 1]))
			return false;
		if (line[*i + 1] == 'u') {
			u = unicode_escape(line + *i, len - *i);
			if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
				return false;
			if (u >= 0xd800 && u <= 0xdbff) {
				int low = unicode_escape(line + *i + 6, len - *i - 6);

				if (low < 0xdc00 || low > 0xdfff)
					return false;
				*i += 6;
			}
			*i += 4;
		}
		(*i)++;
	}
	return *i < len;
}

/*
 * An integer literal at line[*i]: false if it lies outside the 64-bit range, which
 * json-glib would silently wrap (2^63 reads back as -2^63). Leaves *i on its last
 * character. Fractions and exponents make a double, which does not wrap.
 */
static bool integer_fits(const char *line, size_t len, size_t *i)
{
	size_t start = *i, end = start + (line[start] == '-');

	while (end < len && g_ascii_isdigit(line[end]))
		end++;
	*i = end - 1;
	if (end < len && (line[end] == '.' || line[end] == 'e' || line[end] == 'E')) {
		while (*i + 1 < len && (g_ascii_isalnum(line[*i + 1]) || strchr(".+-", line[*i + 1])))
			(*i)++;
		return true;
	}
	if (end - start > 18) {
		g_autofree char *token = g_strndup(line + start, end - start);

		errno = 0;
		g_ascii_strtoll(token, NULL, 10);
		return errno != ERANGE;
	}
	return true;
}

/*
 * What json-glib 1.6 gets wrong, checked on the raw line first: a line must hold
 * exactly one object (json-glib reads every value, keeps the first and leaks the
 * rest), strings must use only JSON escapes, integers must fit 64 bits. NULL if
 * fine, else the message for the error reply.
 */
char *proto_check_raw_request(const char *line, size_t len)
{
	size_t i = 0;
	int depth = 0;

	while (i < len && g_ascii_isspace(line[i]))
		i++;
	if (i == len || line[i] != '{')
		return g_strdup("a request must be a JSON object");
	for (; i < len; i++) {
		char c = line[i];

		if (c == '"') {
			if (!skip_string(line, len, &i))
				return g_strdup("malformed JSON: bad string (unterminated, or an escape JSON does not allow)");
		} else if (c == '-' || g_ascii_isdigit(c)) {
			size_t start = i;

			if (!integer_fits(line, len, &i))
				return g_strdup_printf("integer %.40s%s is outside the 64-bit range; send it as a string",
				                       line + start, i - start >= 40 ? "..." : "");
		} else if (c == '{' || c == '[') {
			depth++;
		} else if ((c == '}' || c == ']') && --depth == 0) {
			break;
		}
	}
	for (i++; i < len; i++)
		if (!g_ascii_isspace(line[i]))
			return g_strdup("a request must be one JSON object per line");
	return NULL;
}

/*
 * The line as JSON: most requests take the flat fast path; anything else goes to
 * json-glib, after the raw checks for what json-glib 1.6 gets wrong.
 */
static JsonNode *parse_json(const char *line, size_t len, ProtoError *err)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) error = NULL;
	JsonNode *root = json_flat_parse(line, len);
	char *problem;

	if (root)
		return root;
	problem = proto_check_raw_request(line, len);
	if (problem) {
		fail(err, PROTO_ERR_BAD_REQUEST, problem);
		return NULL;
	}
	parser = json_parser_new_immutable();
	if (!json_parser_load_from_data(parser, line, (gssize)len, &error)) {
		fail(err, PROTO_ERR_BAD_REQUEST, g_strdup_printf("malformed JSON: %s", error->message));
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
		fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("a request must be a JSON object"));
		return NULL;
	}
	return json_node_ref(root);
}

ProtoRequest *proto_parse_request(const char *line, size_t len, ProtoError *err)
{
	g_autoptr(ProtoRequest) req = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *cmd = NULL;
	JsonNode *id;
	JsonObject *obj;
	size_t i;

	*err = (ProtoError){ 0 };
	if (memchr(line, '\0', len))
		return fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("request contains a NUL byte"));
	if (!g_utf8_validate(line, (gssize)len, NULL))
		return fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("request is not valid UTF-8"));
	root = parse_json(line, len, err);
	if (!root)
		return NULL;
	obj = json_node_get_object(root);

	id = json_object_get_member(obj, "id");
	if (id) {
		if (!is_scalar(id))
			return fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'id' must be a string, number or null"));
		err->id = json_node_copy(id);
	}

	if (!json_object_has_member(obj, "cmd"))
		return fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("missing field 'cmd'"));
	if (!get_string(obj, "cmd", &cmd, err))
		return NULL;

	req = g_new0(ProtoRequest, 1);
	for (i = 0; i < G_N_ELEMENTS(command_names); i++)
		if (strcmp(cmd, command_names[i]) == 0)
			break;
	if (i == G_N_ELEMENTS(command_names)) {
		g_autofree char *shown = g_utf8_make_valid(cmd, MIN((gssize)strlen(cmd), 64));

		return fail(err, PROTO_ERR_UNKNOWN_COMMAND, g_strdup_printf("unknown command '%s'", shown));
	}
	req->cmd = (ProtoCommand)i;
	if (!parse_fields(obj, req, err))
		return NULL;
	req->id = id ? json_node_copy(id) : NULL;
	/* err->id is only for error replies. */
	proto_error_clear(err);
	return g_steal_pointer(&req);
}

/* ---- values ---- */

static GBytes *decode_typed_number(ValueType type, JsonNode *node, char **ret_error)
{
	GType gtype = json_node_get_value_type(node);
	g_autofree char *text = NULL;

	if (gtype == G_TYPE_INT64)
		text = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
	else if (gtype == G_TYPE_DOUBLE) {
		char buf[G_ASCII_DTOSTR_BUF_SIZE];

		if (type != VALUE_TYPE_F32 && type != VALUE_TYPE_F64) {
			*ret_error = g_strdup_printf("%s needs an integer", value_type_name(type));
			return NULL;
		}
		text = g_strdup(g_ascii_dtostr(buf, sizeof(buf), json_node_get_double(node)));
	} else if (gtype == G_TYPE_BOOLEAN) {
		if (type != VALUE_TYPE_BOOL) {
			*ret_error = g_strdup_printf("%s does not take true/false", value_type_name(type));
			return NULL;
		}
		text = g_strdup(json_node_get_boolean(node) ? "true" : "false");
	} else if (gtype == G_TYPE_STRING) {
		text = g_strdup(json_node_get_string(node));
	} else {
		*ret_error = g_strdup("unsupported JSON value");
		return NULL;
	}
	return value_parse_typed(type, text, ret_error);
}

GBytes *proto_decode_value(const char *hex, JsonNode *typed, bool has_type, ValueType type, char **ret_error)
{
	if (hex)
		return value_from_hex(hex, ret_error);
	if (!typed) {
		*ret_error = g_strdup("no value given");
		return NULL;
	}
	if (!has_type || type == VALUE_TYPE_HEX) {
		if (json_node_get_value_type(typed) == G_TYPE_STRING)
			return value_from_hex(json_node_get_string(typed), ret_error);
		*ret_error = g_strdup("this characteristic has no Type: give the value as hex");
		return NULL;
	}
	if (type == VALUE_TYPE_UTF8 && json_node_get_value_type(typed) != G_TYPE_STRING) {
		*ret_error = g_strdup("utf8 needs a string");
		return NULL;
	}
	return decode_typed_number(type, typed, ret_error);
}

/* ---- encoding ---- */

static JsonWriter *reply_begin(JsonNode *id, bool ok)
{
	JsonWriter *w = json_writer_new();

	json_writer_begin_object(w);
	json_writer_member(w, "id");
	json_writer_node(w, id);
	json_writer_member(w, "ok");
	json_writer_bool(w, ok);
	return w;
}

JsonWriter *proto_reply_begin(JsonNode *id)
{
	return reply_begin(id, true);
}

JsonWriter *proto_event_begin(const char *name)
{
	JsonWriter *w = json_writer_new();

	json_writer_begin_object(w);
	json_writer_member(w, "event");
	json_writer_string(w, name);
	return w;
}

char *proto_finish(JsonWriter *w)
{
	json_writer_end_object(w);
	return json_writer_finish(w);
}

char *proto_error_line(JsonNode *id, const char *code, const char *message)
{
	g_autoptr(JsonWriter) w = reply_begin(id, false);

	json_writer_member(w, "error");
	json_writer_begin_object(w);
	json_writer_member(w, "code");
	json_writer_string(w, code);
	json_writer_member(w, "message");
	/* Messages may quote what a client sent: the writer replaces invalid UTF-8. */
	json_writer_string(w, message);
	json_writer_end_object(w);
	return proto_finish(w);
}

/*
 * A float as a JSON number, unless JSON or its parsers cannot carry it: NaN and
 * infinities are not JSON. Neither are numbers json-glib 1.6's generator writes
 * as "1e+17.0" (an exponent and no point in "%.17g"): gattd's writer gets them
 * right, but clients on json-glib (gattctl, libgattd-client) re-encode "typed"
 * with that generator when they send it back in a set, so these stay strings.
 */
static bool double_is_json_safe(double d)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (!isfinite(d))
		return false;
	g_ascii_formatd(buf, sizeof(buf), "%.17g", d);
	return !(strchr(buf, 'e') && !strchr(buf, '.'));
}

/* "typed": the bytes as their Type's JSON value; nothing when they do not fit the type. */
static void write_typed(JsonWriter *w, ValueType type, const uint8_t *data, size_t len)
{
	g_autofree char *text = value_format(type, data, len);

	if (!text)
		return;
	json_writer_member(w, "typed");
	switch (type) {
	case VALUE_TYPE_UTF8:
		json_writer_string(w, text);
		break;
	case VALUE_TYPE_BOOL:
		json_writer_bool(w, data[0] != 0);
		break;
	case VALUE_TYPE_F32:
	case VALUE_TYPE_F64: {
		double d = g_ascii_strtod(text, NULL);

		if (double_is_json_safe(d))
			json_writer_double(w, d);
		else
			json_writer_string(w, text);
		break;
	}
	case VALUE_TYPE_U64: {
		guint64 u = g_ascii_strtoull(text, NULL, 10);

		/* Past what JSON parsers keep exactly: as a string. */
		if (u > (guint64)G_MAXINT64)
			json_writer_string(w, text);
		else
			json_writer_int(w, (gint64)u);
		break;
	}
	default:
		json_writer_int(w, g_ascii_strtoll(text, NULL, 10));
		break;
	}
}

void proto_write_value(JsonWriter *w, bool has_type, ValueType type, const uint8_t *data, size_t len)
{
	g_autofree char *hex = value_to_hex(data, len);

	json_writer_member(w, "value");
	json_writer_string(w, hex);
	if (has_type && type != VALUE_TYPE_HEX)
		write_typed(w, type, data, len);
}
