/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* line-reader.c: newline framing of the received stream, with a line-length cap. */
#include "line-reader.h"

#include <errno.h>
#include <string.h>

void line_reader_init(LineReader *r, size_t max_line)
{
	*r = (LineReader){ .buf = g_byte_array_new(), .max_line = max_line };
}

void line_reader_clear(LineReader *r)
{
	if (r->buf)
		g_byte_array_unref(r->buf);
	*r = (LineReader){ 0 };
}

void line_reader_feed(LineReader *r, const void *data, size_t len)
{
	/* Consumed lines are dropped lazily, once they are the larger part of the
	 * buffer, so many short lines don't each cost a memmove of the rest. */
	if (r->start > 0 && r->start >= r->buf->len / 2) {
		g_byte_array_remove_range(r->buf, 0, (guint)r->start);
		r->start = 0;
	}
	g_byte_array_append(r->buf, data, (guint)len);
}

size_t line_reader_pending(const LineReader *r)
{
	return r->buf->len - r->start;
}

int line_reader_next(LineReader *r, char **ret_line, size_t *ret_len)
{
	const guint8 *begin = r->buf->data + r->start;
	size_t avail = r->buf->len - r->start;
	const guint8 *nl;
	size_t len;
	char *line;

	/* Only the newly arrived bytes are searched: a huge line arriving in small
	 * pieces must not be rescanned from its start each time. */
	nl = memchr(begin + r->scanned, '\n', avail - r->scanned);
	if (!nl) {
		r->scanned = avail;
		return avail > r->max_line ? -EMSGSIZE : 0;
	}
	len = (size_t)(nl - begin);
	if (len > r->max_line)
		return -EMSGSIZE;

	line = g_malloc(len + 1);
	memcpy(line, begin, len);
	line[len] = '\0';
	r->start += len + 1;
	r->scanned = 0;
	*ret_line = line;
	*ret_len = len;
	return 1;
}
