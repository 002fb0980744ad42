/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.h: operator-facing logging.
 *
 * Lines go to stderr. Under systemd (JOURNAL_STREAM set in the environment) each
 * line carries an sd-daemon "<N>" priority prefix so the journal keeps priorities;
 * otherwise it starts with "gattd: " and a short level word.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef enum {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
} LogLevel;

void log_setup(bool verbose);
void log_msg(LogLevel level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#define log_error(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
