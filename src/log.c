/* log.c: operator-facing logging to stderr (journal priorities under systemd). */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>

static bool log_verbose;
static bool log_journal_prefix;

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

bool log_is_verbose(void)
{
	return log_verbose;
}

void log_msg(LogLevel level, const char *fmt, ...)
{
	g_autofree char *text = NULL;
	va_list ap;

	if (level == LOG_LEVEL_DEBUG && !log_verbose)
		return;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);

	if (log_journal_prefix)
		fprintf(stderr, "<%d>%s\n", (int)level, text);
	else
		fprintf(stderr, "gattd: %s%s\n", level_word(level), text);
	fflush(stderr);
}
