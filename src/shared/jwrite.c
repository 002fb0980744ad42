/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shared/jwrite.c: one line of JSON written straight into a GString (see shared/jwrite.h). */
#include "shared/jwrite.h"

#include <math.h>
#include <string.h>

struct JWriter {
	GString *buf;        /* NULL once finished */
	unsigned depth;      /* containers open */
	guint32 objects;     /* bit n: the container at depth n + 1 is an object (else an array) */
	bool has_element;    /* the current container (or the top level) has had an element */
	bool after_member;   /* a member name was written: its value comes next */
};

/* Room for most replies and events without growing; list grows as it needs. */
#define INITIAL_SIZE 256

JWriter *jwrite_new(void)
{
	JWriter *w = g_new0(JWriter, 1);

	w->buf = g_string_sized_new(INITIAL_SIZE);
	return w;
}

void jwrite_free(JWriter *w)
{
	if (!w)
		return;
	if (w->buf)
		g_string_free(w->buf, TRUE);
	g_free(w);
}

static bool in_object(const JWriter *w)
{
	return w->depth > 0 && (w->objects & (1u << (w->depth - 1)));
}

/*
 * Before any value (scalar or container): check that one may come here, and
 * write the comma that separates it from the previous element. In an object
 * the member name already did that.
 */
static bool value_begin(JWriter *w)
{
	g_return_val_if_fail(w && w->buf, false);
	if (in_object(w)) {
		g_return_val_if_fail(w->after_member, false);
		w->after_member = false;
		w->has_element = true;
		return true;
	}
	/* The top level holds a single value. */
	g_return_val_if_fail(w->depth > 0 || !w->has_element, false);
	if (w->has_element)
		g_string_append_c(w->buf, ',');
	w->has_element = true;
	return true;
}

/*
 * g_string_append_len() without the call when the bytes fit: GLib 2.74 goes
 * through g_string_insert_len() for every append, a sixth of a line's cost
 * (2.76 inlines it the same way).
 */
static inline void append_bytes(GString *buf, const char *s, size_t n)
{
	if (buf->len + n >= buf->allocated_len) {
		g_string_append_len(buf, s, (gssize)n);
		return;
	}
	memcpy(buf->str + buf->len, s, n);
	buf->len += n;
	buf->str[buf->len] = '\0';
}

#define append_literal(buf, literal) append_bytes((buf), literal, sizeof(literal) - 1)

/* Short escapes JSON has; 0 for the control characters written as \u00xx. */
static const char short_escapes[0x20] = {
	['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
};

static void append_escape(GString *buf, guchar c)
{
	static const char hex[] = "0123456789abcdef";

	g_string_append_c(buf, '\\');
	if (c == '"' || c == '\\') {
		g_string_append_c(buf, (char)c);
	} else if (c < 0x20 && short_escapes[c]) {
		g_string_append_c(buf, short_escapes[c]);
	} else {
		append_literal(buf, "u00");
		g_string_append_c(buf, hex[c >> 4]);
		g_string_append_c(buf, hex[c & 0xf]);
	}
}

static bool needs_escape(guchar c)
{
	/* DEL needs no escape in JSON; escaped, it keeps lines readable where clients log them. */
	return c < 0x20 || c == '"' || c == '\\' || c == 0x7f;
}

/* len bytes of s (UTF-8) with escapes; runs of bytes that need none are copied at once. */
static void append_escaped(GString *buf, const char *s, size_t len)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		if (!needs_escape((guchar)s[i]))
			continue;
		append_bytes(buf, s + run, i - run);
		append_escape(buf, (guchar)s[i]);
		run = i + 1;
	}
	append_bytes(buf, s + run, len - run);
}

/*
 * s between quotes. One pass first, because most strings gattd writes (member
 * names, ids, hex) are ASCII with nothing to escape: those are copied at once,
 * and only strings with bytes above 0x7f are validated. Replacing invalid
 * sequences (see shared/jwrite.h) touches only such bytes, so what the pass saw
 * of the rest holds for the replacement too.
 */
static void append_string(GString *buf, const char *s)
{
	g_autofree char *valid = NULL;
	bool escape = false, ascii = true;
	size_t len;

	for (len = 0; s[len]; len++) {
		guchar c = (guchar)s[len];

		if (c >= 0x80)
			ascii = false;
		else if (needs_escape(c))
			escape = true;
	}
	if (!ascii && !g_utf8_validate_len(s, len, NULL)) {
		valid = g_utf8_make_valid(s, (gssize)len);
		s = valid;
		len = strlen(valid);
	}
	g_string_append_c(buf, '"');
	if (escape)
		append_escaped(buf, s, len);
	else
		append_bytes(buf, s, len);
	g_string_append_c(buf, '"');
}

static void begin_container(JWriter *w, bool object, char open)
{
	g_return_if_fail(w && w->depth < JWRITE_MAX_DEPTH);
	if (!value_begin(w))
		return;
	if (object)
		w->objects |= 1u << w->depth;
	else
		w->objects &= ~(1u << w->depth);
	w->depth++;
	w->has_element = false;
	g_string_append_c(w->buf, open);
}

static void end_container(JWriter *w, bool object, char close)
{
	g_return_if_fail(w && w->buf && w->depth > 0);
	g_return_if_fail(in_object(w) == object);
	g_return_if_fail(!w->after_member);
	w->depth--;
	/* The closed container is an element of its parent. */
	w->has_element = true;
	g_string_append_c(w->buf, close);
}

void jwrite_begin_object(JWriter *w)
{
	begin_container(w, true, '{');
}

void jwrite_end_object(JWriter *w)
{
	end_container(w, true, '}');
}

void jwrite_begin_array(JWriter *w)
{
	begin_container(w, false, '[');
}

void jwrite_end_array(JWriter *w)
{
	end_container(w, false, ']');
}

void jwrite_member(JWriter *w, const char *name)
{
	g_return_if_fail(w && w->buf && name);
	g_return_if_fail(in_object(w) && !w->after_member);
	if (w->has_element)
		g_string_append_c(w->buf, ',');
	append_string(w->buf, name);
	g_string_append_c(w->buf, ':');
	w->after_member = true;
}

void jwrite_member_string(JWriter *w, const char *name, const char *s)
{
	jwrite_member(w, name);
	jwrite_string(w, s);
}

void jwrite_member_int(JWriter *w, const char *name, gint64 i)
{
	jwrite_member(w, name);
	jwrite_int(w, i);
}

void jwrite_member_bool(JWriter *w, const char *name, bool b)
{
	jwrite_member(w, name);
	jwrite_bool(w, b);
}

void jwrite_null(JWriter *w)
{
	if (value_begin(w))
		append_literal(w->buf, "null");
}

void jwrite_string(JWriter *w, const char *s)
{
	if (!s) {
		jwrite_null(w);
		return;
	}
	if (value_begin(w))
		append_string(w->buf, s);
}

/* Digits by hand: printf's format parsing would be most of the cost of an integer. */
void jwrite_int(JWriter *w, gint64 i)
{
	char digits[24];
	size_t n = sizeof(digits);
	/* Negated as unsigned, so that G_MININT64 has a magnitude too. */
	guint64 u = i < 0 ? -(guint64)i : (guint64)i;

	if (!value_begin(w))
		return;
	do {
		digits[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (i < 0)
		digits[--n] = '-';
	append_bytes(w->buf, digits + n, sizeof(digits) - n);
}

void jwrite_double(JWriter *w, double d)
{
	char text[G_ASCII_DTOSTR_BUF_SIZE];

	if (!isfinite(d)) {
		jwrite_null(w);
		return;
	}
	if (!value_begin(w))
		return;
	/* 17 significant digits always read back as the same double. */
	g_ascii_formatd(text, sizeof(text), "%.17g", d);
	append_bytes(w->buf, text, strlen(text));
	if (!strpbrk(text, ".e"))
		append_literal(w->buf, ".0");
}

void jwrite_bool(JWriter *w, bool b)
{
	if (!value_begin(w))
		return;
	if (b)
		append_literal(w->buf, "true");
	else
		append_literal(w->buf, "false");
}

void jwrite_node(JWriter *w, const json_t *scalar)
{
	switch (scalar ? json_typeof(scalar) : JSON_NULL) {
	case JSON_STRING:
		jwrite_string(w, json_string_value(scalar));
		break;
	case JSON_INTEGER:
		jwrite_int(w, json_integer_value(scalar));
		break;
	case JSON_REAL:
		jwrite_double(w, json_real_value(scalar));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		jwrite_bool(w, json_is_true(scalar));
		break;
	case JSON_NULL:
		jwrite_null(w);
		break;
	default:
		g_critical("jwrite_node: an object or array is not a scalar, writing null");
		jwrite_null(w);
		break;
	}
}

char *jwrite_finish(JWriter *w)
{
	g_return_val_if_fail(w && w->buf, NULL);
	g_warn_if_fail(w->depth == 0 && !w->after_member);
	g_string_append_c(w->buf, '\n');
	return g_string_free(g_steal_pointer(&w->buf), FALSE);
}
