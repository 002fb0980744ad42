/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* protocol.c: decoding requests and encoding replies/events of the local client protocol. */
#include "socket/protocol.h"

#include <math.h>
#include <string.h>

#include "shared/bdaddr.h"

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
	[PROTO_CMD_HANDLE] = "handle",
	[PROTO_CMD_UNHANDLE] = "unhandle",
	[PROTO_CMD_ANSWER] = "answer",
	[PROTO_CMD_DEVICES] = "devices",
	[PROTO_CMD_DISCONNECT] = "disconnect",
	[PROTO_CMD_CHANNEL] = "channel",
	[PROTO_CMD_PAIRABLE] = "pairable",
	[PROTO_CMD_BONDS] = "bonds",
	[PROTO_CMD_FORGET] = "forget",
	[PROTO_CMD_HANDLE_PAIRING] = "handle-pairing",
	[PROTO_CMD_UNHANDLE_PAIRING] = "unhandle-pairing",
	[PROTO_CMD_ANSWER_PAIRING] = "answer-pairing",
	[PROTO_CMD_ADVERTISE] = "advertise",
};

/* Which fields each command takes besides "cmd" and "id". */
typedef enum {
	F_CHAR = 1 << 0,
	F_VALUE = 1 << 1,
	F_TYPED = 1 << 2,
	F_NOTIFY = 1 << 3,
	F_CHARS = 1 << 4,
	F_TIMEOUT = 1 << 5,
	F_REQUEST = 1 << 6,
	F_ERROR = 1 << 7,
	F_FRAMES = 1 << 8,
	F_ADDRESS = 1 << 9,
	F_OPEN = 1 << 10,
	F_SECONDS = 1 << 11,
	F_ACCEPT = 1 << 12,
	F_LOCAL_NAME = 1 << 13,
	F_SERVICE_UUIDS = 1 << 14,
	F_MANUFACTURER_DATA = 1 << 15,
	F_SERVICE_DATA = 1 << 16,
	F_ENABLED = 1 << 17,
	F_RESET = 1 << 18,
	F_ADVERTISEMENT = 1 << 19,
} ProtoField;

static const unsigned command_fields[] = {
	[PROTO_CMD_HELLO] = 0,
	[PROTO_CMD_STATUS] = 0,
	[PROTO_CMD_LIST] = 0,
	[PROTO_CMD_GET] = F_CHAR,
	[PROTO_CMD_SET] = F_CHAR | F_VALUE | F_TYPED | F_NOTIFY | F_ADDRESS,
	[PROTO_CMD_WATCH] = F_CHARS,
	[PROTO_CMD_UNWATCH] = 0,
	[PROTO_CMD_NEXT_WRITE] = F_CHAR | F_TIMEOUT,
	[PROTO_CMD_RELOAD] = 0,
	[PROTO_CMD_HANDLE] = F_CHARS | F_FRAMES,
	[PROTO_CMD_UNHANDLE] = F_CHARS,
	[PROTO_CMD_ANSWER] = F_REQUEST | F_VALUE | F_TYPED | F_ERROR,
	[PROTO_CMD_DEVICES] = 0,
	[PROTO_CMD_DISCONNECT] = F_ADDRESS,
	[PROTO_CMD_CHANNEL] = 0,
	[PROTO_CMD_PAIRABLE] = F_OPEN | F_SECONDS,
	[PROTO_CMD_BONDS] = 0,
	[PROTO_CMD_FORGET] = F_ADDRESS,
	[PROTO_CMD_HANDLE_PAIRING] = 0,
	[PROTO_CMD_UNHANDLE_PAIRING] = 0,
	[PROTO_CMD_ANSWER_PAIRING] = F_REQUEST | F_ACCEPT,
	[PROTO_CMD_ADVERTISE] = F_LOCAL_NAME | F_SERVICE_UUIDS | F_MANUFACTURER_DATA | F_SERVICE_DATA | F_ENABLED | F_RESET |
	                        F_ADVERTISEMENT,
};

static const struct {
	const char *name;
	ProtoField field;
} field_names[] = {
	{ "char", F_CHAR }, { "value", F_VALUE }, { "typed", F_TYPED },
	{ "notify", F_NOTIFY }, { "chars", F_CHARS }, { "timeout_ms", F_TIMEOUT },
	{ "request", F_REQUEST }, { "error", F_ERROR }, { "frames", F_FRAMES },
	{ "address", F_ADDRESS }, { "open", F_OPEN }, { "seconds", F_SECONDS },
	{ "accept", F_ACCEPT }, { "local_name", F_LOCAL_NAME }, { "service_uuids", F_SERVICE_UUIDS },
	{ "manufacturer_data", F_MANUFACTURER_DATA }, { "service_data", F_SERVICE_DATA },
	{ "enabled", F_ENABLED }, { "reset", F_RESET }, { "advertisement", F_ADVERTISEMENT },
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
	json_decref(req->id);
	json_decref(req->typed);
	g_free(req->chars);
	config_advertising_change_clear(&req->advertise);
	json_decref(req->root);
	g_free(req);
}

void proto_error_clear(ProtoError *err)
{
	g_clear_pointer(&err->message, g_free);
	g_clear_pointer(&err->id, json_decref);
	err->code = NULL;
	err->answer_request = 0;
}

static ProtoRequest *fail(ProtoError *err, const char *code, char *message)
{
	err->code = code;
	g_free(err->message);
	err->message = message;
	return NULL;
}

static bool is_scalar(const json_t *node)
{
	return !json_is_object(node) && !json_is_array(node);
}

/* The members of a request, found in one walk over the object (what jansson's lookups would repeat). */
typedef struct {
	json_t *id, *cmd;
	json_t *fields[G_N_ELEMENTS(field_names)]; /* by index in field_names */
	size_t positions[G_N_ELEMENTS(field_names)];
	const char *unknown;                        /* the first name that is no field at all */
	size_t unknown_position;
} Members;

static void collect_members(json_t *obj, Members *m)
{
	const char *name;
	json_t *value;
	size_t position = 0;

	*m = (Members){ .unknown_position = SIZE_MAX };
	json_object_foreach(obj, name, value) {
		size_t i;

		position++;
		if (strcmp(name, "cmd") == 0) {
			m->cmd = value;
			continue;
		}
		if (strcmp(name, "id") == 0) {
			m->id = value;
			continue;
		}
		/* Every request comes here: the first letter sorts out most names before strcmp(). */
		for (i = 0; i < G_N_ELEMENTS(field_names); i++)
			if (field_names[i].name[0] == name[0] && strcmp(field_names[i].name, name) == 0)
				break;
		if (i < G_N_ELEMENTS(field_names)) {
			m->fields[i] = value;
			m->positions[i] = position;
		} else if (!m->unknown) {
			m->unknown = name;
			m->unknown_position = position;
		}
	}
}

static json_t *member(const Members *m, ProtoField field)
{
	for (size_t i = 0; i < G_N_ELEMENTS(field_names); i++)
		if (field_names[i].field == field)
			return m->fields[i];
	return NULL;
}

/* The first member, in the line's order, that the command does not take; NULL if none. */
static const char *first_unknown_field(const Members *m, unsigned allowed)
{
	const char *name = m->unknown;
	size_t position = m->unknown_position;

	for (size_t i = 0; i < G_N_ELEMENTS(field_names); i++) {
		if (m->fields[i] && !(field_names[i].field & allowed) && m->positions[i] < position) {
			name = field_names[i].name;
			position = m->positions[i];
		}
	}
	return name;
}

/* The string node holds, borrowed: it lives as long as the request's root. */
static bool get_string(json_t *node, const char *name, const char **ret, ProtoError *err)
{
	const char *s = json_string_value(node);

	if (!s) {
		fail(err, PROTO_ERR_BAD_REQUEST, g_strdup_printf("field '%s' must be a string", name));
		return false;
	}
	*ret = s;
	return true;
}

static bool parse_chars(json_t *array, ProtoRequest *req, ProtoError *err)
{
	size_t n;

	if (!json_is_array(array)) {
		fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'chars' must be an array of strings"));
		return false;
	}
	n = json_array_size(array);
	if (n > PROTO_MAX_WATCH_CHARS) {
		fail(err, PROTO_ERR_BAD_REQUEST,
		     g_strdup_printf("field 'chars' has %zu entries, at most %d allowed", n, PROTO_MAX_WATCH_CHARS));
		return false;
	}
	req->chars = g_new0(const char *, n + 1);
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(array, i));

		if (!s) {
			fail(err, PROTO_ERR_BAD_REQUEST, g_strdup_printf("field 'chars' entry %zu is not a string", i));
			return false;
		}
		req->chars[i] = s;
	}
	return true;
}

/* "request": the id of a request gattd sent (answer, answer-pairing). */
static bool parse_request_id(const Members *m, ProtoRequest *req, ProtoError *err)
{
	json_t *node = member(m, F_REQUEST);

	if (!node) {
		fail(err, PROTO_ERR_BAD_REQUEST,
		     g_strdup_printf("command '%s' needs field 'request'", proto_command_name(req->cmd)));
		return false;
	}
	if (!json_is_integer(node) || json_integer_value(node) < 1) {
		fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'request' must be a request id, an integer from 1"));
		return false;
	}
	req->request = (uint64_t)json_integer_value(node);
	return true;
}

/* answer-pairing: "request" and "accept", both required: no answer by default. */
static bool parse_answer_pairing(const Members *m, ProtoRequest *req, ProtoError *err)
{
	json_t *node = member(m, F_ACCEPT);

	if (!parse_request_id(m, req, err))
		return false;
	if (!node || !json_is_boolean(node)) {
		fail(err, PROTO_ERR_BAD_REQUEST, g_strdup(node ? "field 'accept' must be true or false"
		                                               : "command 'answer-pairing' needs field 'accept' (true or false)"));
		return false;
	}
	req->accept = json_is_true(node);
	return true;
}

/* answer: "request" (its id), and at most one of "value"/"typed" (a read's) and "error". */
static bool parse_answer(const Members *m, ProtoRequest *req, ProtoError *err)
{
	json_t *node;

	if (!parse_request_id(m, req, err))
		return false;
	if ((node = member(m, F_ERROR))) {
		if (json_is_string(node)) {
			req->error_name = json_string_value(node);
		} else if (json_is_integer(node)) {
			json_int_t code = json_integer_value(node);

			if (code < ATT_APP_FIRST || code > ATT_APP_LAST) {
				fail(err, PROTO_ERR_BAD_REQUEST,
				     g_strdup_printf("field 'error': %" JSON_INTEGER_FORMAT " is outside the application "
				                     "range 128..159 (0x80..0x9f)", code));
				return false;
			}
			req->error_code = (uint8_t)code;
		} else {
			fail(err, PROTO_ERR_BAD_REQUEST,
			     g_strdup("field 'error' must be an error name or an application code 128..159"));
			return false;
		}
		req->has_error = true;
		if (req->hex || req->typed) {
			fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("command 'answer' takes 'error' or a value, not both"));
			return false;
		}
	}
	if (req->hex && req->typed) {
		fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("command 'answer' takes one of 'value' (hex) and 'typed'"));
		return false;
	}
	return true;
}

static bool parse_fields(const Members *m, ProtoRequest *req, ProtoError *err)
{
	unsigned allowed = command_fields[req->cmd];
	const char *unknown = first_unknown_field(m, allowed);
	json_t *node;

	if (unknown) {
		g_autofree char *shown = g_utf8_make_valid(unknown, MIN((gssize)strlen(unknown), 64));

		fail(err, PROTO_ERR_BAD_REQUEST,
		     g_strdup_printf("unknown field '%s' for command '%s'", shown, proto_command_name(req->cmd)));
		return false;
	}

	if (allowed & F_CHAR) {
		if (!(node = member(m, F_CHAR))) {
			fail(err, PROTO_ERR_BAD_REQUEST,
			     g_strdup_printf("command '%s' needs field 'char'", proto_command_name(req->cmd)));
			return false;
		}
		if (!get_string(node, "char", &req->chr, err))
			return false;
	}
	node = member(m, F_ADDRESS);
	if ((req->cmd == PROTO_CMD_DISCONNECT || req->cmd == PROTO_CMD_FORGET) && !node) {
		fail(err, PROTO_ERR_BAD_REQUEST,
		     g_strdup_printf("command '%s' needs field 'address'", proto_command_name(req->cmd)));
		return false;
	}
	if (node) {
		if (!get_string(node, "address", &req->address, err))
			return false;
		if (!bdaddr_is_valid(req->address)) {
			g_autofree char *shown = g_utf8_make_valid(req->address, MIN((gssize)strlen(req->address), 64));

			fail(err, PROTO_ERR_BAD_REQUEST,
			     g_strdup_printf("field 'address': '%s' is not a Bluetooth address (AA:BB:CC:DD:EE:FF)",
			                     shown));
			return false;
		}
	}

	if ((node = member(m, F_VALUE)) && !get_string(node, "value", &req->hex, err))
		return false;
	if ((node = member(m, F_TYPED))) {
		if (!json_is_string(node) && !json_is_number(node) && !json_is_boolean(node)) {
			fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'typed' must be a number, string or boolean"));
			return false;
		}
		req->typed = json_incref(node);
	}
	if (req->cmd == PROTO_CMD_SET && !req->hex == !req->typed) {
		fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("command 'set' needs exactly one of 'value' (hex) and 'typed'"));
		return false;
	}

	if ((node = member(m, F_NOTIFY))) {
		if (!json_is_boolean(node)) {
			fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'notify' must be true or false"));
			return false;
		}
		req->has_notify = true;
		req->notify = json_is_true(node);
	}
	if (req->cmd == PROTO_CMD_SET && req->address && req->has_notify && !req->notify) {
		fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("command 'set' with 'address' notifies that central; "
		                                          "it cannot go with \"notify\": false"));
		return false;
	}

	if ((node = member(m, F_OPEN))) {
		if (!json_is_boolean(node)) {
			fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'open' must be true or false"));
			return false;
		}
		req->has_open = true;
		req->open = json_is_true(node);
	}
	if ((node = member(m, F_SECONDS))) {
		if (!json_is_integer(node) || json_integer_value(node) < 1 ||
		    json_integer_value(node) > PROTO_MAX_PAIRABLE_SECONDS) {
			fail(err, PROTO_ERR_BAD_REQUEST,
			     g_strdup_printf("field 'seconds' must be an integer from 1 to %d", PROTO_MAX_PAIRABLE_SECONDS));
			return false;
		}
		if (!req->has_open || !req->open) {
			fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'seconds' goes with \"open\": true"));
			return false;
		}
		req->seconds = (unsigned)json_integer_value(node);
	}

	if ((node = member(m, F_CHARS)) && !parse_chars(node, req, err))
		return false;
	if (req->cmd == PROTO_CMD_HANDLE && (!req->chars || !req->chars[0])) {
		fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("command 'handle' needs field 'chars', a non-empty array"));
		return false;
	}
	if (req->cmd == PROTO_CMD_ANSWER && !parse_answer(m, req, err))
		return false;
	if (req->cmd == PROTO_CMD_ANSWER_PAIRING && !parse_answer_pairing(m, req, err))
		return false;
	if (req->cmd == PROTO_CMD_ADVERTISE) {
		const ProtoAdvertiseFields fields = {
			member(m, F_LOCAL_NAME), member(m, F_SERVICE_UUIDS), member(m, F_MANUFACTURER_DATA),
			member(m, F_SERVICE_DATA), member(m, F_ENABLED), member(m, F_RESET), member(m, F_ADVERTISEMENT),
		};
		char *problem = NULL;

		if (!proto_parse_advertise(&fields, &req->advertise, &problem)) {
			fail(err, PROTO_ERR_BAD_REQUEST, problem);
			return false;
		}
	}
	if ((node = member(m, F_FRAMES))) {
		if (!json_is_boolean(node)) {
			fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'frames' must be true or false"));
			return false;
		}
		req->frames = json_is_true(node);
	}

	req->timeout_ms = -1;
	if ((node = member(m, F_TIMEOUT))) {
		json_int_t ms;

		if (!json_is_integer(node)) {
			fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'timeout_ms' must be an integer"));
			return false;
		}
		ms = json_integer_value(node);
		if (ms < 0 || ms > PROTO_MAX_TIMEOUT_MS) {
			fail(err, PROTO_ERR_BAD_REQUEST,
			     g_strdup_printf("field 'timeout_ms' must be within 0..%d", PROTO_MAX_TIMEOUT_MS));
			return false;
		}
		req->timeout_ms = ms;
	}
	return true;
}

ProtoRequest *proto_parse_request(const char *line, size_t len, ProtoError *err)
{
	g_autoptr(ProtoRequest) req = NULL;
	g_autoptr(json_t) obj = NULL;
	g_autofree char *problem = NULL;
	const char *cmd;
	Members m;
	size_t i;

	*err = (ProtoError){ 0 };
	/* NUL bytes and UTF-8 are checked by the reader, which names the byte. */
	obj = jread_object(line, len, &problem);
	if (!obj)
		return fail(err, PROTO_ERR_BAD_REQUEST, g_steal_pointer(&problem));
	collect_members(obj, &m);

	if (m.id) {
		if (!is_scalar(m.id))
			return fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("field 'id' must be a string, number or null"));
		err->id = json_incref(m.id);
	}

	if (!m.cmd)
		return fail(err, PROTO_ERR_BAD_REQUEST, g_strdup("missing field 'cmd'"));
	if (!get_string(m.cmd, "cmd", &cmd, err))
		return NULL;

	req = g_new0(ProtoRequest, 1);
	req->advertise.enabled = -1;
	for (i = 0; i < G_N_ELEMENTS(command_names); i++)
		if (cmd[0] == command_names[i][0] && strcmp(cmd, command_names[i]) == 0)
			break;
	if (i == G_N_ELEMENTS(command_names)) {
		g_autofree char *shown = g_utf8_make_valid(cmd, MIN((gssize)strlen(cmd), 64));

		return fail(err, PROTO_ERR_UNKNOWN_COMMAND, g_strdup_printf("unknown command '%s'", shown));
	}
	req->cmd = (ProtoCommand)i;
	req->root = json_incref(obj);
	if (req->cmd == PROTO_CMD_ANSWER) {
		json_t *request = member(&m, F_REQUEST);

		if (json_is_integer(request) && json_integer_value(request) > 0)
			err->answer_request = (uint64_t)json_integer_value(request);
	}
	if (!parse_fields(&m, req, err))
		return NULL;
	req->id = json_incref(m.id);
	/* err->id is only for error replies. */
	proto_error_clear(err);
	return g_steal_pointer(&req);
}

/* ---- values ---- */

static GBytes *decode_typed_number(ValueType type, const json_t *node, char **ret_error)
{
	g_autofree char *text = NULL;

	if (json_is_integer(node)) {
		text = g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(node));
	} else if (json_is_real(node)) {
		char buf[G_ASCII_DTOSTR_BUF_SIZE];

		if (type != VALUE_TYPE_F32 && type != VALUE_TYPE_F64) {
			*ret_error = g_strdup_printf("%s needs an integer", value_type_name(type));
			return NULL;
		}
		text = g_strdup(g_ascii_dtostr(buf, sizeof(buf), json_real_value(node)));
	} else if (json_is_boolean(node)) {
		if (type != VALUE_TYPE_BOOL) {
			*ret_error = g_strdup_printf("%s does not take true/false", value_type_name(type));
			return NULL;
		}
		text = g_strdup(json_is_true(node) ? "true" : "false");
	} else if (json_is_string(node)) {
		text = g_strdup(json_string_value(node));
	} else {
		*ret_error = g_strdup("unsupported JSON value");
		return NULL;
	}
	return value_parse_typed(type, text, ret_error);
}

GBytes *proto_decode_value(const char *hex, const json_t *typed, bool has_type, ValueType type, char **ret_error)
{
	if (hex)
		return value_from_hex(hex, ret_error);
	if (!typed) {
		*ret_error = g_strdup("no value given");
		return NULL;
	}
	if (!has_type || type == VALUE_TYPE_HEX) {
		if (json_is_string(typed))
			return value_from_hex(json_string_value(typed), ret_error);
		*ret_error = g_strdup("this characteristic has no Type: give the value as hex");
		return NULL;
	}
	if (type == VALUE_TYPE_UTF8 && !json_is_string(typed)) {
		*ret_error = g_strdup("utf8 needs a string");
		return NULL;
	}
	return decode_typed_number(type, typed, ret_error);
}

/* ---- encoding ---- */

static JWriter *reply_begin(const json_t *id, bool ok)
{
	JWriter *w = jwrite_new();

	jwrite_begin_object(w);
	jwrite_member(w, "id");
	jwrite_node(w, id);
	jwrite_member(w, "ok");
	jwrite_bool(w, ok);
	return w;
}

JWriter *proto_reply_begin(const json_t *id)
{
	return reply_begin(id, true);
}

JWriter *proto_event_begin(const char *name)
{
	JWriter *w = jwrite_new();

	jwrite_begin_object(w);
	jwrite_member(w, "event");
	jwrite_string(w, name);
	return w;
}

char *proto_finish(JWriter *w)
{
	jwrite_end_object(w);
	return jwrite_finish(w);
}

char *proto_error_line_problems(const json_t *id, const char *code, const char *message,
                                const char *const *problems)
{
	g_autoptr(JWriter) w = reply_begin(id, false);

	jwrite_member(w, "error");
	jwrite_begin_object(w);
	jwrite_member(w, "code");
	jwrite_string(w, code);
	jwrite_member(w, "message");
	/* Messages may quote what a client sent: the writer replaces invalid UTF-8. */
	jwrite_string(w, message);
	if (problems) {
		jwrite_member(w, "problems");
		jwrite_begin_array(w);
		for (; *problems; problems++)
			jwrite_string(w, *problems);
		jwrite_end_array(w);
	}
	jwrite_end_object(w);
	return proto_finish(w);
}

char *proto_error_line(const json_t *id, const char *code, const char *message)
{
	return proto_error_line_problems(id, code, message, NULL);
}

/* "typed": the bytes as their Type's JSON value; nothing when they do not fit the type. */
static void write_typed(JWriter *w, ValueType type, const uint8_t *data, size_t len)
{
	g_autofree char *text = value_format(type, data, len);

	if (!text)
		return;
	jwrite_member(w, "typed");
	switch (type) {
	case VALUE_TYPE_UTF8:
		jwrite_string(w, text);
		break;
	case VALUE_TYPE_BOOL:
		jwrite_bool(w, data[0] != 0);
		break;
	case VALUE_TYPE_F32:
	case VALUE_TYPE_F64: {
		double d = g_ascii_strtod(text, NULL);

		/* NaN and infinities are not JSON. */
		if (isfinite(d))
			jwrite_double(w, d);
		else
			jwrite_string(w, text);
		break;
	}
	case VALUE_TYPE_U64: {
		guint64 u = g_ascii_strtoull(text, NULL, 10);

		/* Past what JSON parsers keep exactly: as a string. */
		if (u > (guint64)G_MAXINT64)
			jwrite_string(w, text);
		else
			jwrite_int(w, (gint64)u);
		break;
	}
	default:
		jwrite_int(w, g_ascii_strtoll(text, NULL, 10));
		break;
	}
}

void proto_write_value(JWriter *w, bool has_type, ValueType type, const uint8_t *data, size_t len)
{
	g_autofree char *hex = value_to_hex(data, len);

	jwrite_member(w, "value");
	jwrite_string(w, hex);
	if (has_type && type != VALUE_TYPE_HEX)
		write_typed(w, type, data, len);
}

void proto_write_write(JWriter *w, const CfgCharacteristic *cfg, const uint8_t *data, size_t len, uint16_t offset,
                       const char *device, const char *address)
{
	jwrite_member(w, "char");
	jwrite_string(w, cfg->id);
	/* Typed only when the write alone is a whole value of the type. */
	proto_write_value(w, cfg->has_type && offset == 0, cfg->type, data, len);
	jwrite_member(w, "offset");
	jwrite_int(w, offset);
	proto_write_device(w, device, address);
}

char *proto_device_address(const char *path)
{
	return bdaddr_from_device_path(path);
}

void proto_write_device(JWriter *w, const char *path, const char *address)
{
	jwrite_member(w, "device");
	jwrite_string(w, path);
	jwrite_member(w, "address");
	jwrite_string(w, address);
}

char *proto_value_fit_message(const CfgCharacteristic *cfg, size_t len)
{
	char *reason = NULL;

	/* The configuration's own words, as for a Value= or a stored value that does not fit. */
	if (config_characteristic_value_fits(cfg, len, &reason) < 0 && reason)
		return reason;
	return g_strdup_printf("%zu byte%s do not fit", len, value_plural(len));
}
