/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-json-writer.c: the JSON line writer (shared/jwrite.c), which writes every
 * reply and event gattd sends, read back by the strict reader (shared/jread.h).
 *
 * The input is any bytes. Written into one line:
 *   {"s":TEXT,"raw":RAW,"name":{TEXT:true},"i":I,"d":D}
 * TEXT is the input made valid UTF-8 (g_utf8_make_valid()), RAW the input up to
 * its first NUL as it is (maybe not UTF-8), I and D its first 8 bytes as an
 * integer and a double (when there are 8). Checks, besides the sanitizers:
 * - the line is one line of UTF-8 and RFC 8259 JSON that jread_object() reads;
 * - TEXT comes back the same as a string and as a member name;
 * - RAW comes back as g_utf8_make_valid() makes it: the writer never writes
 *   invalid UTF-8, whatever it is given;
 * - I comes back the same integer; D the very same double (sign of zero
 *   included) when finite, else null.
 */
#include <math.h>
#include <string.h>

#include <glib.h>
#include "shared/jread.h"

#include "fuzz.h"
#include "shared/jwrite.h"

static char *write_line(const char *text, const char *raw, const gint64 *i, const double *d)
{
	g_autoptr(JWriter) w = jwrite_new();

	jwrite_begin_object(w);
	jwrite_member(w, "s");
	jwrite_string(w, text);
	jwrite_member(w, "raw");
	jwrite_string(w, raw);
	jwrite_member(w, "name");
	jwrite_begin_object(w);
	jwrite_member(w, text);
	jwrite_bool(w, true);
	jwrite_end_object(w);
	if (i) {
		jwrite_member(w, "i");
		jwrite_int(w, *i);
		jwrite_member(w, "d");
		jwrite_double(w, *d);
	}
	jwrite_end_object(w);
	return jwrite_finish(w);
}

static bool string_member_is(const json_t *obj, const char *name, const char *expected)
{
	const char *s = jread_string(obj, name);

	return s && strcmp(s, expected) == 0;
}

static void check_numbers(const json_t *obj, gint64 i, double d)
{
	json_t *node = json_object_get(obj, "i");

	FUZZ_CHECK(json_is_integer(node));
	FUZZ_CHECK(json_integer_value(node) == i);

	node = json_object_get(obj, "d");
	FUZZ_CHECK(node);
	if (!isfinite(d)) {
		FUZZ_CHECK(json_is_null(node));
	} else {
		double back;

		FUZZ_CHECK(json_is_real(node));
		back = json_real_value(node);
		if (memcmp(&back, &d, sizeof(d)) != 0)
			fprintf(stderr, "%.17g read back as %.17g\n", d, back);
		FUZZ_CHECK(memcmp(&back, &d, sizeof(d)) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *text = g_utf8_make_valid((const char *)data, (gssize)size);
	g_autofree char *raw = g_strndup((const char *)data, size);
	g_autofree char *raw_valid = g_utf8_make_valid(raw, -1);
	g_autoptr(json_t) obj = NULL;
	g_autofree char *error = NULL;
	g_autofree char *line = NULL;
	gint64 i = 0;
	double d = 0;
	bool numbers = size >= 8;
	size_t len;
	json_t *name;

	if (numbers) {
		memcpy(&i, data, sizeof(i));
		memcpy(&d, data, sizeof(d));
	}
	line = write_line(text, raw, numbers ? &i : NULL, numbers ? &d : NULL);

	len = strlen(line);
	FUZZ_CHECK(len > 0 && line[len - 1] == '\n');
	FUZZ_CHECK(memchr(line, '\n', len - 1) == NULL);
	FUZZ_CHECK(g_utf8_validate(line, (gssize)len, NULL));
	obj = jread_object(line, len - 1, &error);
	if (!obj)
		fprintf(stderr, "the reader refuses %s: %s\n", line, error);
	FUZZ_CHECK(obj);

	FUZZ_CHECK(string_member_is(obj, "s", text));
	FUZZ_CHECK(string_member_is(obj, "raw", raw_valid));
	name = json_object_get(obj, "name");
	FUZZ_CHECK(json_is_object(name));
	FUZZ_CHECK(json_object_size(name) == 1);
	FUZZ_CHECK(json_object_get(name, text));
	if (numbers)
		check_numbers(obj, i, d);
	return 0;
}
