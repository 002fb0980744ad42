/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shared/jread.c: strict JSON reading with jansson (see shared/jread.h). */
#include "shared/jread.h"

#include <string.h>

/* How many times c occurs in text, counting no further than limit + 1 (memchr is vectorised). */
static size_t count_byte(const char *text, size_t len, char c, size_t limit)
{
	const char *p = text, *end = text + len;
	size_t n = 0;

	while (n <= limit && (p = memchr(p, c, (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

/*
 * Whether text may nest deeper than limit: only if it holds more than limit
 * brackets that open ('[' or '{', strings included). Most lines hold a few, so
 * this answers no in two memchr() passes; the exact count walks the strings.
 */
static bool may_nest_deeper(const char *text, size_t len, unsigned limit)
{
	size_t braces = count_byte(text, len, '{', limit);

	if (braces + count_byte(text, len, '[', limit) <= limit)
		return false;
	return jread_depth(text, len, limit) > limit;
}

unsigned jread_depth(const char *text, size_t len, unsigned limit)
{
	unsigned depth = 0, deepest = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > deepest && (deepest = depth) > limit)
				break;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return deepest;
}

/* jansson's words for the cases a client is most likely to meet, in gattd's. */
static char *describe(const json_error_t *error)
{
	switch (json_error_code(error)) {
	case json_error_null_character:
		return g_strdup_printf("a string holds \\u0000 (NUL) near byte %d; gattd accepts none", error->position);
	case json_error_duplicate_key:
		return g_strdup_printf("a member name appears twice in one object (near byte %d)", error->position);
	case json_error_numeric_overflow:
		return g_strdup_printf("number out of range near byte %d: integers must fit 64 bits (send larger ones as strings)",
		                       error->position);
	case json_error_stack_overflow:
		return g_strdup_printf("JSON nested deeper than %d levels", JREAD_MAX_DEPTH);
	case json_error_end_of_input_expected:
		return g_strdup_printf("text after the JSON object near byte %d (one object per line)", error->position);
	case json_error_invalid_utf8:
		return g_strdup_printf("not valid UTF-8 near byte %d", error->position);
	default:
		/* jansson quotes the token it stopped at: the writer of the reply escapes it. */
		return g_strdup_printf("malformed JSON near byte %d: %s", error->position, error->text);
	}
}

json_t *jread_object(const char *text, size_t len, char **ret_error)
{
	json_error_t error;
	json_t *root;
	size_t i = 0;

	/* Whatever follows, text that does not start with '{' is no object: say so. */
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
		i++;
	if (i == len || text[i] != '{') {
		if (ret_error)
			*ret_error = g_strdup("not a JSON object (a line holds one object)");
		return NULL;
	}
	/* jansson 2.14 lets a raw NUL pass between tokens ({"a":1<NUL>}): no JSON text holds one. */
	const char *nul = memchr(text, '\0', len);

	if (nul) {
		if (ret_error)
			*ret_error = g_strdup_printf("a NUL byte at byte %td; JSON text holds none", nul - text);
		return NULL;
	}
	if (may_nest_deeper(text, len, JREAD_MAX_DEPTH)) {
		if (ret_error)
			*ret_error = g_strdup_printf("JSON nested deeper than %d levels", JREAD_MAX_DEPTH);
		return NULL;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
	if (!root) {
		if (ret_error)
			*ret_error = describe(&error);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		if (ret_error)
			*ret_error = g_strdup("not a JSON object (a line holds one object)");
		return NULL;
	}
	return root;
}

const char *jread_string(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

char *jread_dump(const json_t *value)
{
	/* malloc()ed by jansson: g_free() is free() (GLib >= 2.46). */
	char *text = json_dumps(value, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);

	return text ? text : g_strdup("null");
}
