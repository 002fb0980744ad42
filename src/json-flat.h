/*
 * json-flat.h: a fast reader for the flat JSON objects local clients send (pure).
 *
 * Nearly every request is one object whose members are strings, integers, true,
 * false, null or arrays of strings. json-glib's JsonParser spends ~28k instructions
 * on such a line (it builds a scanner per call; profiled in tests/bench), four times
 * what the rest of a request costs. This reader builds the same json-glib tree for
 * exactly those lines and declines everything else, and the caller then uses
 * JsonParser, which stays the reference: its errors are the ones clients see.
 *
 * Accepted, in strict JSON (RFC 8259) only: one object, blanks (space, tab, CR, LF)
 * around and between tokens; member names and string values without \u escapes or
 * raw control characters; integers without fraction or exponent, within 64 bits;
 * true, false, null; arrays of such strings; no member name twice. The result
 * equals JsonParser's for the same line, member order included: tests/fuzz's
 * json-flat target checks that on every input.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <stddef.h>

/* An object node for line (UTF-8, no NUL), or NULL when declined. */
JsonNode *json_flat_parse(const char *line, size_t len);
