/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * escape.h: text gattd did not write itself (file and directory names, values
 * from a configuration file or a peer) as it may appear in a log line, an error
 * message or --check-config's output: one line, no terminal control sequences,
 * every byte recoverable from what is shown.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * text with newline, tab and carriage return as \n, \t, \r, a backslash as \\,
 * every other control character (C0, DEL, and C1 such as the CSI U+009B), every
 * other character that is not printable (format characters such as U+202E,
 * unassigned code points), and every byte that is not part of valid UTF-8 as
 * \xNN per byte. Other UTF-8 is kept. Never NULL.
 */
char *escape_text(const char *text);

/*
 * The same for len bytes of text (NUL bytes shown as \x00), appended to out;
 * with quote, '"' is escaped as \" too, for text shown between double quotes.
 */
void escape_append(GString *out, const char *text, size_t len, bool quote);

/* Whether len bytes of text are non-empty and would come out of escape_append() unchanged. */
bool escape_is_plain(const char *text, size_t len);

/* escape_text() of at most max_chars characters of text, then "..." if it was longer. */
char *escape_text_cut(const char *text, size_t max_chars);

/* Whether text holds a control character or a byte escape_text() shows as \xNN. */
bool escape_text_has_control(const char *text);
