/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* escape.c: the one escaping of outside text for logs and messages (see escape.h). */
#include "shared/escape.h"

#include <string.h>

/*
 * Length of the character at p (before end) if it is valid, printable UTF-8 (or
 * plain ASCII other than a control character and backslash), else 0: the byte
 * at p is to be escaped. Not printable covers the C1 controls (U+0080..U+009F,
 * which some terminals act on: U+009B is CSI) and format characters.
 */
static size_t plain_char_len(const char *p, const char *end)
{
	guchar c = (guchar)*p;
	gunichar u;

	if (c < 0x80)
		return c >= 0x20 && c != 0x7f && c != '\\' ? 1 : 0;
	u = g_utf8_get_char_validated(p, end - p);
	if (u == (gunichar)-1 || u == (gunichar)-2 || !g_unichar_isprint(u))
		return 0;
	return (size_t)(g_utf8_next_char(p) - p);
}

static void append_escaped_byte(GString *out, guchar c)
{
	switch (c) {
	case '\n':
		g_string_append(out, "\\n");
		break;
	case '\t':
		g_string_append(out, "\\t");
		break;
	case '\r':
		g_string_append(out, "\\r");
		break;
	case '\\':
		g_string_append(out, "\\\\");
		break;
	default:
		g_string_append_printf(out, "\\x%02x", c);
		break;
	}
}

/* Escape one character at p (all bytes of a valid one that is not printable); returns the bytes consumed. */
static size_t append_escaped_char(GString *out, const char *p, const char *end)
{
	gunichar u = g_utf8_get_char_validated(p, end - p);
	size_t len = 1;

	if ((guchar)*p >= 0x80 && u != (gunichar)-1 && u != (gunichar)-2)
		len = (size_t)(g_utf8_next_char(p) - p);
	for (size_t i = 0; i < len; i++)
		append_escaped_byte(out, (guchar)p[i]);
	return len;
}

char *escape_text_cut(const char *text, size_t max_chars)
{
	GString *out = g_string_new(NULL);
	size_t chars = 0;

	const char *end = text + strlen(text);

	for (const char *p = text; *p; chars++) {
		size_t len;

		if (chars == max_chars) {
			g_string_append(out, "...");
			break;
		}
		len = plain_char_len(p, end);
		if (len > 0)
			g_string_append_len(out, p, (gssize)len);
		else
			len = append_escaped_char(out, p, end);
		p += len;
	}
	return g_string_free(out, FALSE);
}

char *escape_text(const char *text)
{
	return escape_text_cut(text, G_MAXSIZE);
}

void escape_append(GString *out, const char *text, size_t len, bool quote)
{
	const char *end = text + len;

	for (const char *p = text; p < end;) {
		size_t n = plain_char_len(p, end);

		if (quote && *p == '"') {
			g_string_append(out, "\\\"");
			p++;
		} else if (n > 0) {
			g_string_append_len(out, p, (gssize)n);
			p += n;
		} else {
			p += append_escaped_char(out, p, end);
		}
	}
}

bool escape_is_plain(const char *text, size_t len)
{
	const char *end = text + len;

	if (len == 0)
		return false;
	for (const char *p = text; p < end;) {
		size_t n = plain_char_len(p, end);

		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

bool escape_text_has_control(const char *text)
{
	const char *end = text + strlen(text);

	for (const char *p = text; *p;) {
		size_t len = plain_char_len(p, end);

		if (len == 0 && *p != '\\')
			return true;
		p += len ? len : 1;
	}
	return false;
}
