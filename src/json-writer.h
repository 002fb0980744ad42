/*
 * json-writer.h: writing one line of JSON (a reply or an event of the local
 * client protocol) straight into a string, the way it goes out (pure: no I/O).
 *
 * Building a tree for every line and then rendering it (json-glib's JsonBuilder
 * and JsonGenerator did, jansson's json_dumps() does) costs more than the rest
 * of a reply (tests/bench/RESULTS.md, "set + notify"), so gattd writes its lines
 * directly, in the order the text goes out:
 *
 *   g_autoptr(JsonWriter) w = json_writer_new();
 *   json_writer_begin_object(w);
 *   json_writer_member(w, "char");
 *   json_writer_string(w, "battery/level");
 *   json_writer_end_object(w);
 *   line = json_writer_finish(w);      -> {"char":"battery/level"}\n
 *
 * Commas and colons are placed by the writer. Output is compact JSON:
 * - strings: '"', '\\', every control character below 0x20 and DEL are
 *   escaped (\b \f \n \r \t, else \u00xx); everything else, non-ASCII
 *   included, is copied as it is.
 * - strings are meant to be UTF-8, and nearly all gattd writes are by
 *   construction: configuration files are validated as a whole (config.c),
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
 * end_array closing an object, nesting deeper than JSON_WRITER_MAX_DEPTH) is a
 * bug in gattd: the call logs a critical and is ignored.
 */
#pragma once

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>

/* Containers open at once; gattd's deepest line (list: a descriptor's flags) uses 8. */
#define JSON_WRITER_MAX_DEPTH 32

typedef struct JsonWriter JsonWriter;

JsonWriter *json_writer_new(void);
/* Accepts NULL, and a writer that is finished or half-written. */
void json_writer_free(JsonWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(JsonWriter, json_writer_free)

void json_writer_begin_object(JsonWriter *w);
void json_writer_end_object(JsonWriter *w);
void json_writer_begin_array(JsonWriter *w);
void json_writer_end_array(JsonWriter *w);

/* The name of the next member of the current object; its value comes next. */
void json_writer_member(JsonWriter *w, const char *name);

/* UTF-8 (see above); NULL writes null. */
void json_writer_string(JsonWriter *w, const char *s);
void json_writer_int(JsonWriter *w, gint64 i);
void json_writer_double(JsonWriter *w, double d);
void json_writer_bool(JsonWriter *w, bool b);
void json_writer_null(JsonWriter *w);
/*
 * A scalar as it was read (a request's "id", json-read.h): string, integer,
 * real, boolean or null. NULL writes null. Objects and arrays are not scalars:
 * a critical, and null.
 */
void json_writer_node(JsonWriter *w, const json_t *scalar);

/*
 * The line written, with its "\n", for g_free() (client_send() takes it). Every
 * container must be closed. The writer is spent: only json_writer_free() may
 * follow.
 */
char *json_writer_finish(JsonWriter *w);
