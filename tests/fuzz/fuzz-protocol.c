/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-protocol.c: the local client protocol decoder (protocol.c), the bytes a
 * local client sends gattd.
 *
 * The input is one request line without its newline, handed over exactly as
 * server.c does (pointer and length, no NUL terminator). Checks, besides the
 * sanitizers:
 * - proto_parse_request() gives a request or an error code and message, and
 *   a request only for a line that is one JSON object (blanks around it aside),
 *   whose strings are UTF-8 (the line is; JSON escapes keep it so);
 * - a handle request has at least one id; an answer names a request (from 1)
 *   and carries at most one of a value, a typed value and an error, the error
 *   a name or a code of the application range 0x80..0x9f;
 * - every reply line gattd would send back, error or not, is one line of JSON
 *   and UTF-8 (the protocol's framing), and echoes the request's id;
 * - for a request that carries a value, proto_decode_value() for every Type
 *   (and for none) gives bytes or a message; decoded bytes put into a reply
 *   by proto_write_value() come back as the same bytes when a client sends that
 *   reply's "typed" (or "value") in a set request: what `get` shows, `set`
 *   takes (NaN payloads aside).
 */
#include <math.h>
#include <string.h>

#include <glib.h>
#include "shared/jread.h"

#include "fuzz.h"
#include "socket/protocol.h"
#include "shared/value.h"

#define N_TYPES (VALUE_TYPE_F64 + 1)

/* line is one JSON object, newline-terminated, with no other newline. */
static json_t *parse_reply_line(const char *line)
{
	size_t len = strlen(line);
	json_t *root;

	FUZZ_CHECK(len > 0 && line[len - 1] == '\n');
	FUZZ_CHECK(memchr(line, '\n', len - 1) == NULL);
	root = jread_object(line, len - 1, NULL);
	FUZZ_CHECK(root);
	return root;
}

static void check_error_reply(const ProtoError *err)
{
	g_autofree char *line = NULL;
	g_autoptr(json_t) reply = NULL;

	FUZZ_CHECK(err->code && err->message);
	line = proto_error_line(err->id, err->code, err->message);
	reply = parse_reply_line(line);
}

static bool is_json_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Whether line is one JSON object and blanks, judged by structure alone
 * (strings with their escapes, bracket depth): what the protocol calls a request.
 */
static bool is_one_object(const char *line, size_t len)
{
	size_t i = 0;
	int depth = 0;

	while (i < len && is_json_blank(line[i]))
		i++;
	if (i == len || line[i] != '{')
		return false;
	for (; i < len; i++) {
		char c = line[i];

		if (c == '"') {
			for (i++; i < len && line[i] != '"'; i++)
				if (line[i] == '\\')
					i++;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if ((c == '}' || c == ']') && --depth == 0) {
			break;
		}
	}
	for (i++; i < len; i++)
		if (!is_json_blank(line[i]))
			return false;
	return true;
}

static bool is_utf8(const char *text)
{
	return !text || g_utf8_validate(text, -1, NULL);
}

static bool is_non_finite(const json_t *node)
{
	return json_is_real(node) && !isfinite(json_real_value(node));
}

static void check_request_strings(const ProtoRequest *req)
{
	FUZZ_CHECK(is_utf8(req->chr) && is_utf8(req->hex) && is_utf8(req->error_name));
	for (const char **c = req->chars; c && *c; c++)
		FUZZ_CHECK(is_utf8(*c));
	if (json_is_string(req->id))
		FUZZ_CHECK(is_utf8(json_string_value(req->id)));
	if (json_is_string(req->typed))
		FUZZ_CHECK(is_utf8(json_string_value(req->typed)));
}

static void check_handler_fields(const ProtoRequest *req)
{
	if (req->cmd == PROTO_CMD_HANDLE)
		FUZZ_CHECK(req->chars && req->chars[0]);
	if (req->cmd != PROTO_CMD_ANSWER_PAIRING)
		FUZZ_CHECK(!req->accept);
	if (req->cmd == PROTO_CMD_ANSWER_PAIRING) {
		FUZZ_CHECK(req->request >= 1 && req->request <= G_MAXINT64 && !req->has_error);
		return;
	}
	if (req->cmd != PROTO_CMD_ANSWER) {
		FUZZ_CHECK(req->request == 0 && !req->has_error);
		return;
	}
	FUZZ_CHECK(req->request >= 1 && req->request <= G_MAXINT64);
	FUZZ_CHECK(!(req->hex && req->typed));
	if (req->has_error) {
		FUZZ_CHECK(!req->hex && !req->typed);
		FUZZ_CHECK(req->error_name || (req->error_code >= ATT_APP_FIRST && req->error_code <= ATT_APP_LAST));
	} else {
		FUZZ_CHECK(!req->error_name && req->error_code == 0);
	}
}

static bool is_nan(ValueType type, GBytes *bytes)
{
	g_autofree char *text = value_format(type, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));

	return (type == VALUE_TYPE_F32 || type == VALUE_TYPE_F64) && text && strcmp(text, "nan") == 0;
}

/* A set request carrying member (a node of a reply) as its field, decoded again. */
static GBytes *decode_as_set_request(const char *field, json_t *member, bool has_type, ValueType type)
{
	g_autoptr(json_t) root = json_object();
	g_autofree char *line = NULL;
	g_autofree char *error = NULL;
	g_autoptr(ProtoRequest) req = NULL;
	ProtoError err = { 0 };
	GBytes *bytes;

	/* As a client on jansson would send it back. */
	json_object_set_new(root, "cmd", json_string("set"));
	json_object_set_new(root, "char", json_string("s/c"));
	json_object_set(root, field, member);
	line = jread_dump(root);

	req = proto_parse_request(line, strlen(line), &err);
	FUZZ_CHECK(req && !err.code);
	bytes = proto_decode_value(req->hex, req->typed, has_type, type, &error);
	if (!bytes)
		fprintf(stderr, "%s reply %s does not decode again as %s: %s\n", field, line,
		        has_type ? value_type_name(type) : "no Type", error);
	FUZZ_CHECK(bytes);
	return bytes;
}

/* What a get reply shows for these bytes, sent back in a set, is these bytes. */
static void check_reply_round_trip(const json_t *id, bool has_type, ValueType type, GBytes *bytes)
{
	g_autoptr(JWriter) w = proto_reply_begin(id);
	g_autoptr(json_t) reply = NULL;
	g_autofree char *line = NULL;
	json_t *value, *typed;

	proto_write_value(w, has_type, type, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	line = proto_finish(w);
	reply = parse_reply_line(line);

	value = json_object_get(reply, "value");
	FUZZ_CHECK(value);
	{
		g_autoptr(GBytes) back = decode_as_set_request("value", value, has_type, type);
		FUZZ_CHECK(g_bytes_equal(bytes, back));
	}
	typed = json_object_get(reply, "typed");
	/* Present exactly when there is a Type other than hex and the bytes fit it. */
	if (typed) {
		g_autoptr(GBytes) back = decode_as_set_request("typed", typed, has_type, type);
		FUZZ_CHECK(has_type && type != VALUE_TYPE_HEX);
		FUZZ_CHECK(g_bytes_equal(bytes, back) || (is_nan(type, bytes) && is_nan(type, back)));
	}
}

static void check_decode(const ProtoRequest *req, bool has_type, ValueType type)
{
	g_autofree char *error = NULL;
	g_autoptr(GBytes) bytes = proto_decode_value(req->hex, req->typed, has_type, type, &error);
	size_t type_size = has_type ? value_type_size(type) : 0;

	FUZZ_CHECK(!bytes != !error);
	if (!bytes)
		return;
	/* Typed input of a fixed-size Type is exactly that size; hex may be anything. */
	if (!req->hex && type_size > 0)
		FUZZ_CHECK(g_bytes_get_size(bytes) == type_size);
	check_reply_round_trip(req->id, has_type, type, bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ProtoError err = { 0 };
	g_autoptr(ProtoRequest) req = proto_parse_request((const char *)data, size, &err);

	if (!req) {
		check_error_reply(&err);
		proto_error_clear(&err);
		return 0;
	}
	FUZZ_CHECK(!err.code && !err.message && !err.id);
	FUZZ_CHECK(is_one_object((const char *)data, size));
	check_request_strings(req);
	check_handler_fields(req);
	FUZZ_CHECK(strcmp(proto_command_name(req->cmd), "?") != 0);
	{
		g_autoptr(JWriter) w = proto_reply_begin(req->id);
		g_autofree char *line = proto_finish(w);
		g_autoptr(json_t) reply = parse_reply_line(line);

		/* The id comes back as the request gave it; JSON has no infinity to give back. */
		FUZZ_CHECK(json_object_get(reply, "id"));
		if (req->id && !is_non_finite(req->id))
			FUZZ_CHECK(json_equal(req->id, json_object_get(reply, "id")));
		else
			FUZZ_CHECK(json_is_null(json_object_get(reply, "id")));
	}
	if (req->hex || req->typed) {
		check_decode(req, false, VALUE_TYPE_HEX);
		for (int t = 0; t < N_TYPES; t++)
			check_decode(req, true, (ValueType)t);
	}
	return 0;
}
