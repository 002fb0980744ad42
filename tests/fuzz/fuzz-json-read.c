/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-json-read.c: the strict reader (shared/jread.c, jansson underneath) against
 * an independent recognizer of RFC 8259 written here from the grammar.
 *
 * The recognizer says what gattd's reader must do with every input: accept it
 * exactly when it is one RFC 8259 JSON text (UTF-8, blanks around) whose value
 * is an object, nested at most JREAD_MAX_DEPTH deep, with no member name
 * twice in one object (compared after unescaping), no \u0000, no lone
 * surrogate escape, every integer within 64 bits and every other number finite
 * as a double. A reader that accepts more is lenient (what json-glib was); one
 * that accepts less refuses clients' valid requests. Both abort.
 * For what it accepts: its tree written back (jread_dump) reads again as
 * an equal tree, and every string in it is UTF-8 without NUL.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "shared/jread.h"

typedef struct {
	const char *p, *end;
	unsigned depth;
} Rec;

static bool value(Rec *r);

static void blanks(Rec *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* Step over c if it comes next. */
static bool take(Rec *r, char c)
{
	if (r->p >= r->end || *r->p != c)
		return false;
	r->p++;
	return true;
}

static int hex4(const char *p, const char *end)
{
	int u = 0;

	if (end - p < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		if (!g_ascii_isxdigit(p[k]))
			return -1;
		u = u << 4 | g_ascii_xdigit_value(p[k]);
	}
	return u;
}

/* A string at r->p (its opening quote); its decoded text appended to out when out is given. */
static bool string(Rec *r, GString *out)
{
	if (r->p >= r->end || *r->p != '"')
		return false;
	r->p++;
	while (r->p < r->end) {
		unsigned char c = (unsigned char)*r->p;

		if (c == '"') {
			r->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c != '\\') {
			if (out)
				g_string_append_c(out, (char)c);
			r->p++;
			continue;
		}
		if (++r->p >= r->end)
			return false;
		switch (*r->p) {
		case '"': case '\\': case '/':
			if (out)
				g_string_append_c(out, *r->p);
			r->p++;
			continue;
		case 'b': case 'f': case 'n': case 'r': case 't':
			if (out)
				g_string_append_c(out, "\b\f\n\r\t"[strchr("bfnrt", *r->p) - "bfnrt"]);
			r->p++;
			continue;
		case 'u': {
			int u = hex4(r->p + 1, r->end);

			if (u < 0 || u == 0 || (u >= 0xdc00 && u <= 0xdfff))
				return false; /* malformed, NUL, or a low surrogate alone */
			r->p += 5;
			if (u >= 0xd800 && u <= 0xdbff) {
				int low = r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u' ? hex4(r->p + 2, r->end) : -1;

				if (low < 0xdc00 || low > 0xdfff)
					return false;
				u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
				r->p += 6;
			}
			if (out)
				g_string_append_unichar(out, (gunichar)u);
			continue;
		}
		default:
			return false;
		}
	}
	return false;
}

static bool number(Rec *r)
{
	const char *start = r->p;
	bool integer = true;

	take(r, '-');
	if (r->p >= r->end || !g_ascii_isdigit(*r->p))
		return false;
	if (*r->p == '0')
		r->p++;
	else
		while (r->p < r->end && g_ascii_isdigit(*r->p))
			r->p++;
	if (take(r, '.')) {
		integer = false;
		if (r->p >= r->end || !g_ascii_isdigit(*r->p))
			return false;
		while (r->p < r->end && g_ascii_isdigit(*r->p))
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		integer = false;
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p >= r->end || !g_ascii_isdigit(*r->p))
			return false;
		while (r->p < r->end && g_ascii_isdigit(*r->p))
			r->p++;
	}
	{
		g_autofree char *token = g_strndup(start, (gsize)(r->p - start));

		errno = 0;
		if (integer) {
			(void)g_ascii_strtoll(token, NULL, 10);
			return errno != ERANGE;
		}
		return isfinite(g_ascii_strtod(token, NULL));
	}
}

static bool literal(Rec *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return false;
	r->p += n;
	return true;
}

static bool object(Rec *r)
{
	g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	r->p++;
	blanks(r);
	if (take(r, '}'))
		return true;
	for (;;) {
		g_autoptr(GString) name = g_string_new(NULL);

		blanks(r);
		if (!string(r, name))
			return false;
		if (!g_hash_table_add(names, g_string_free(g_steal_pointer(&name), FALSE)))
			return false; /* a member name twice */
		blanks(r);
		if (!take(r, ':') || !value(r))
			return false;
		blanks(r);
		if (!take(r, ','))
			return take(r, '}');
	}
}

static bool array(Rec *r)
{
	r->p++;
	blanks(r);
	if (take(r, ']'))
		return true;
	for (;;) {
		if (!value(r))
			return false;
		blanks(r);
		if (!take(r, ','))
			return take(r, ']');
	}
}

static bool value(Rec *r)
{
	bool ok;

	blanks(r);
	if (r->p >= r->end)
		return false;
	switch (*r->p) {
	case '{':
	case '[':
		/* Deeper than allowed: refused, so no need to recurse further. */
		if (++r->depth > JREAD_MAX_DEPTH)
			return false;
		ok = *r->p == '{' ? object(r) : array(r);
		r->depth--;
		return ok;
	case '"':
		return string(r, NULL);
	case 't':
		return literal(r, "true");
	case 'f':
		return literal(r, "false");
	case 'n':
		return literal(r, "null");
	default:
		return number(r);
	}
}

static bool should_accept(const char *text, size_t len)
{
	Rec r = { text, text + len, 0 };

	/* RFC 8259 texts are UTF-8; a raw NUL is no JSON character outside strings or in them. */
	if (!g_utf8_validate_len(text, len, NULL))
		return false;
	blanks(&r);
	if (r.p >= r.end || *r.p != '{' || !value(&r))
		return false;
	blanks(&r);
	return r.p == r.end;
}

static void check_strings(const json_t *v)
{
	const char *name;
	json_t *member;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, name, member) {
			FUZZ_CHECK(g_utf8_validate(name, -1, NULL));
			check_strings(member);
		}
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, member)
			check_strings(member);
		break;
	case JSON_STRING:
		FUZZ_CHECK(strlen(json_string_value(v)) == json_string_length(v));
		FUZZ_CHECK(g_utf8_validate(json_string_value(v), -1, NULL));
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	g_autofree char *error = NULL;
	g_autoptr(json_t) obj = jread_object(text, size, &error);
	bool expected = should_accept(text, size);

	if (!obj != !expected)
		fprintf(stderr, "jread_object %s what RFC 8259 and gattd's rules %s (%s)\n",
		        obj ? "accepted" : "refused", expected ? "accept" : "refuse", error ? error : "no error");
	FUZZ_CHECK(!obj == !expected);
	if (!obj) {
		FUZZ_CHECK(error && *error);
		return 0;
	}
	check_strings(obj);
	{
		g_autofree char *again_text = jread_dump(obj);
		g_autoptr(json_t) again = jread_object(again_text, strlen(again_text), NULL);

		FUZZ_CHECK(again && json_equal(obj, again));
	}
	return 0;
}
