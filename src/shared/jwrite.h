/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shared/jwrite.h: writing one line of JSON (a reply or an event of the local
 * client protocol) straight into a string, the way it goes out (pure: no I/O).
 *
 * Building a tree for every line and then rendering it (json-glib's JsonBuilder
 * and JsonGenerator did, jansson's json_dumps() does) costs more than the rest
 * of a reply (tests/bench/RESULTS.md, "set + notify"), so gattd writes its lines
 * directly, in the order the text goes out:
 *
 *   g_autoptr(JWriter) w = jwrite_new();
 *   jwrite_begin_object(w);
 *   jwrite_member(w, "char");
 *   jwrite_string(w, "battery/level");
 *   jwrite_end_object(w);
 *   line = jwrite_finish(w);      -> {"char":"battery/level"}\n
 *
 * Commas and colons are placed by the writer. Output is compact JSON:
 * - strings: '"', '\\', every control character below 0x20 and DEL are
 *   escaped (\b \f \n \r \t, else \u00xx); everything else, non-ASCII
 *   included, is copied as it is.
 * - strings are meant to be UTF-8, and nearly all gattd writes are by
 *   construction: configuration files are validated as a whole (config/files.c),
 *   utf8 values are only formatted when valid (value_format()), request strings
 *   come from a line validated before parsing, D-Bus strings and object paths
 *   are validated by libdbus. Error messages are not: they may quote a cut
 *   piece of what a client sent. So the writer checks every string (a byte
 *   scan it makes anyway for escapes; only non-ASCII strings are validated) and
 *   replaces invalid sequences by U+FFFD, as g_utf8_make_valid() does: a line
 *   is always valid UTF-8 and valid JSON, whatever it is given.
 * - doubles: "%.17g" (round-trips exactly), with ".0" added to whole numbers so
 *   that clients read a float back; NaN and infinities are not JSON and are
 *   written as null (callers that mean to show them give them as strings).
 *
 * Calling these out of order (a value in an object without a member name,
 * end_array closing an object, nesting deeper than JWRITE_MAX_DEPTH) is a
 * bug in gattd: the call logs a critical and is ignored.
 */
#pragma once

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>

/* Containers open at once; gattd's deepest line (list: a descriptor's flags) uses 8. */
#define JWRITE_MAX_DEPTH 32

typedef struct JWriter JWriter;

JWriter *jwrite_new(void);
/* Accepts NULL, and a writer that is finished or half-written. */
void jwrite_free(JWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(JWriter, jwrite_free)

void jwrite_begin_object(JWriter *w);
void jwrite_end_object(JWriter *w);
void jwrite_begin_array(JWriter *w);
void jwrite_end_array(JWriter *w);

/* The name of the next member of the current object; its value comes next. */
void jwrite_member(JWriter *w, const char *name);

/* UTF-8 (see above); NULL writes null. */
void jwrite_string(JWriter *w, const char *s);
void jwrite_int(JWriter *w, gint64 i);
void jwrite_double(JWriter *w, double d);
void jwrite_bool(JWriter *w, bool b);
void jwrite_null(JWriter *w);
/* A member and its value at once: jwrite_member() then the value's writer. */
void jwrite_member_string(JWriter *w, const char *name, const char *s);
void jwrite_member_int(JWriter *w, const char *name, gint64 i);
void jwrite_member_bool(JWriter *w, const char *name, bool b);
/*
 * A scalar as it was read (a request's "id", shared/jread.h): string, integer,
 * real, boolean or null. NULL writes null. Objects and arrays are not scalars:
 * a critical, and null.
 */
void jwrite_node(JWriter *w, const json_t *scalar);

/*
 * The line written, with its "\n", for g_free() (client_send() takes it). Every
 * container must be closed. The writer is spent: only jwrite_free() may
 * follow.
 */
char *jwrite_finish(JWriter *w);
