/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shared/jread.h: the one JSON reader of gattd, libgattd-client and gattctl (pure).
 *
 * jansson underneath, in its strictest mode: RFC 8259 only (no single quotes, hex,
 * leading zeros, bare fractions, raw control characters in strings, comments or
 * trailing data), UTF-8 checked, a raw NUL byte refused anywhere (jansson 2.14
 * itself lets one pass between tokens), a member name twice refused, \u0000 refused,
 * integers beyond 64 bits refused rather than wrapped, and nesting bounded
 * (JREAD_MAX_DEPTH) before the parser recurses, so that no line can exhaust
 * the stack of the daemon or of a client thread.
 *
 * Lines are read into jansson's json_t: g_autoptr(json_t) releases one.
 */
#pragma once

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Containers open at once. gattd's deepest line (a list reply) uses 8 and a
 * request 2; a line deeper than this is refused before parsing.
 */
#define JREAD_MAX_DEPTH 64

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_t, json_decref)

/*
 * The JSON object in text[0..len) (no terminating NUL needed). NULL otherwise,
 * with *ret_error (may be NULL) saying what is wrong and near which byte, for
 * example "malformed JSON near byte 9: '}' expected near 'x'".
 */
json_t *jread_object(const char *text, size_t len, char **ret_error);

/* How deep text nests, counting only brackets outside strings; stops counting past limit. */
unsigned jread_depth(const char *text, size_t len, unsigned limit);

/* Member name of obj as a string, or NULL when obj is not an object, or the member is absent or no string. */
const char *jread_string(const json_t *obj, const char *name);

/* JSON text of a scalar or container, compact and ASCII-only (\uXXXX escapes), for g_free(). */
char *jread_dump(const json_t *value);
