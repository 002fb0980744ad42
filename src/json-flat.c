/* json-flat.c: the flat-object fast path in front of json-glib's parser (see json-flat.h). */
#include "json-flat.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct {
	const char *p;
	const char *end;
	GString *name;  /* the member name being read */
	GString *text;  /* a string value being read */
} Scan;

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_blanks(Scan *s)
{
	while (s->p < s->end && is_blank(*s->p))
		s->p++;
}

static bool take(Scan *s, char c)
{
	skip_blanks(s);
	if (s->p == s->end || *s->p != c)
		return false;
	s->p++;
	return true;
}

/* What may follow a number or literal: a blank, or what closes or separates. */
static bool at_delimiter(const Scan *s)
{
	if (s->p == s->end)
		return false;
	return is_blank(*s->p) || *s->p == ',' || *s->p == '}' || *s->p == ']';
}

/* A string into out; false for \u escapes and raw control characters (declined). */
static bool read_string(Scan *s, GString *out)
{
	g_string_truncate(out, 0);
	if (!take(s, '"'))
		return false;
	while (s->p < s->end) {
		const char *run = s->p;
		char c;

		while (s->p < s->end && *s->p != '"' && *s->p != '\\' && (unsigned char)*s->p >= 0x20)
			s->p++;
		g_string_append_len(out, run, s->p - run);
		if (s->p == s->end)
			return false;
		c = *s->p++;
		if (c == '"')
			return true;
		if (c != '\\' || s->p == s->end)
			return false;
		switch (*s->p++) {
		case '"': g_string_append_c(out, '"'); break;
		case '\\': g_string_append_c(out, '\\'); break;
		case '/': g_string_append_c(out, '/'); break;
		case 'b': g_string_append_c(out, '\b'); break;
		case 'f': g_string_append_c(out, '\f'); break;
		case 'n': g_string_append_c(out, '\n'); break;
		case 'r': g_string_append_c(out, '\r'); break;
		case 't': g_string_append_c(out, '\t'); break;
		default: return false;
		}
	}
	return false;
}

/* -?(0|[1-9][0-9]*) within 64 bits, not followed by a fraction or exponent. */
static bool read_integer(Scan *s, gint64 *ret)
{
	bool negative = false;
	uint64_t magnitude = 0, limit = (uint64_t)INT64_MAX;

	if (*s->p == '-') {
		negative = true;
		limit++;
		s->p++;
	}
	if (s->p == s->end || !g_ascii_isdigit(*s->p))
		return false;
	if (*s->p == '0') {
		s->p++;
	} else {
		while (s->p < s->end && g_ascii_isdigit(*s->p)) {
			unsigned digit = (unsigned)(*s->p++ - '0');

			if (magnitude > (limit - digit) / 10)
				return false;
			magnitude = magnitude * 10 + digit;
		}
	}
	if (!at_delimiter(s))
		return false;
	*ret = negative ? (gint64)(0 - magnitude) : (gint64)magnitude;
	return true;
}

static bool read_word(Scan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return false;
	s->p += n;
	return at_delimiter(s);
}

static JsonArray *read_string_array(Scan *s)
{
	g_autoptr(JsonArray) array = json_array_new();

	s->p++; /* '[' */
	if (take(s, ']'))
		return g_steal_pointer(&array);
	do {
		if (!read_string(s, s->text))
			return NULL;
		json_array_add_string_element(array, s->text->str);
	} while (take(s, ','));
	return take(s, ']') ? g_steal_pointer(&array) : NULL;
}

/* The value of member s->name, added to obj. */
static bool read_member_value(Scan *s, JsonObject *obj)
{
	const char *name = s->name->str;
	gint64 number;

	skip_blanks(s);
	if (s->p == s->end)
		return false;
	switch (*s->p) {
	case '"':
		if (!read_string(s, s->text))
			return false;
		json_object_set_string_member(obj, name, s->text->str);
		return true;
	case '[': {
		JsonArray *array = read_string_array(s);

		if (!array)
			return false;
		json_object_set_array_member(obj, name, array);
		return true;
	}
	case 't':
	case 'f': {
		bool value = *s->p == 't';

		if (!read_word(s, value ? "true" : "false"))
			return false;
		json_object_set_boolean_member(obj, name, value);
		return true;
	}
	case 'n':
		if (!read_word(s, "null"))
			return false;
		json_object_set_null_member(obj, name);
		return true;
	default:
		if (!read_integer(s, &number))
			return false;
		json_object_set_int_member(obj, name, number);
		return true;
	}
}

static bool read_object(Scan *s, JsonObject *obj)
{
	if (!take(s, '{'))
		return false;
	if (take(s, '}'))
		return true;
	do {
		guint size = json_object_get_size(obj);

		/* json-glib refuses empty names. */
		if (!read_string(s, s->name) || s->name->len == 0)
			return false;
		if (!take(s, ':') || !read_member_value(s, obj))
			return false;
		/* A repeated name replaced a member: that needs json-glib's rule for duplicates. */
		if (json_object_get_size(obj) == size)
			return false;
	} while (take(s, ','));
	return take(s, '}');
}

JsonNode *json_flat_parse(const char *line, size_t len)
{
	g_autoptr(GString) name = g_string_sized_new(16);
	g_autoptr(GString) text = g_string_sized_new(64);
	g_autoptr(JsonObject) obj = json_object_new();
	Scan s = { .p = line, .end = line + len, .name = name, .text = text };

	if (!read_object(&s, obj))
		return NULL;
	skip_blanks(&s);
	if (s.p != s.end)
		return NULL;
	return json_node_init_object(json_node_alloc(), obj);
}
