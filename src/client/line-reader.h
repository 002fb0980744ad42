/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * line-reader.h: splitting a received byte stream into newline-terminated lines,
 * with a cap on line length (pure: no I/O).
 *
 * gattd is trusted, but a client must not grow without bound on whatever arrives
 * on its socket (a wrong socket path, a bug), hence the cap.
 */
#pragma once

#include <glib.h>
#include <stddef.h>

typedef struct {
	GByteArray *buf;   /* unconsumed bytes start at buf->data + start */
	size_t start;
	size_t scanned;    /* bytes after start already searched for '\n' */
	size_t max_line;
} LineReader;

void line_reader_init(LineReader *r, size_t max_line);
void line_reader_clear(LineReader *r);

void line_reader_feed(LineReader *r, const void *data, size_t len);

/*
 * The next complete line without its '\n', NUL-terminated, g_malloc()ed.
 * Returns 1 and *ret_line, *ret_len; 0 if no complete line is buffered, -EMSGSIZE
 * if the line being received is longer than max_line (the reader is then useless).
 */
int line_reader_next(LineReader *r, char **ret_line, size_t *ret_len);

/* Bytes buffered that are not yet part of a complete line. */
size_t line_reader_pending(const LineReader *r);
