/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* log.c: operator-facing logging to stderr (journal priorities under systemd). */
#include "shared/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool log_verbose;
static bool log_journal_prefix;
/* stderr's reader went away (EPIPE): nobody can read what gattd says any more. */
static bool log_lost;
/* A line was cut short (a full non-blocking stderr): the next one starts on a line of its own. */
static bool log_cut;

static const char *level_word(LogLevel level)
{
	switch (level) {
	case LOG_LEVEL_ERR:
		return "error: ";
	case LOG_LEVEL_WARNING:
		return "warning: ";
	case LOG_LEVEL_DEBUG:
		return "debug: ";
	default:
		return "";
	}
}

static void glib_log_handler(const char *domain, GLogLevelFlags flags, const char *message, gpointer data)
{
	LogLevel level = LOG_LEVEL_INFO;

	if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		level = LOG_LEVEL_ERR;
	else if (flags & G_LOG_LEVEL_WARNING)
		level = LOG_LEVEL_WARNING;
	else if (flags & G_LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_DEBUG;
	log_msg(level, "%s%s%s", domain ? domain : "", domain ? ": " : "", message);
}

void log_setup(bool verbose)
{
	log_verbose = verbose;
	log_journal_prefix = getenv("JOURNAL_STREAM") != NULL;
	g_log_set_default_handler(glib_log_handler, NULL);
}

/*
 * Write one whole line to stderr, in one write() when the reader keeps up (a pipe
 * takes up to PIPE_BUF bytes at once, so lines never interleave with another
 * writer's). Never retries a failure other than EINTR: a reader that is gone
 * (EPIPE, with SIGPIPE ignored) ends logging for good, and a non-blocking stderr
 * that is full loses the rest of the line rather than having gattd spin on it.
 */
static void log_write_line(const char *line, size_t len)
{
	if (log_cut) {
		log_cut = false;
		log_write_line("\n", 1);
		if (log_cut)
			return;
	}
	while (len > 0 && !log_lost) {
		ssize_t n = write(STDERR_FILENO, line, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE)
			log_lost = true;
		if (n <= 0) {
			log_cut = true;
			return;
		}
		line += n;
		len -= (size_t)n;
	}
}

void log_msg(LogLevel level, const char *fmt, ...)
{
	g_autofree char *text = NULL;
	g_autofree char *line = NULL;
	int saved_errno = errno;
	va_list ap;

	if (log_lost || (level == LOG_LEVEL_DEBUG && !log_verbose))
		return;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);

	if (log_journal_prefix)
		line = g_strdup_printf("<%d>%s\n", (int)level, text);
	else
		line = g_strdup_printf("gattd: %s%s\n", level_word(level), text);
	log_write_line(line, strlen(line));
	/* Callers may still look at errno after logging a failure. */
	errno = saved_errno;
}
