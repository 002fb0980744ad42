/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * section.h: reading one group of a configuration file, for the loaders
 * (load-daemon.c, load-advertising.c, load-services.c, files.c): where a
 * problem is (ConfigSection), how it is reported, and getters that check a
 * key's text and report what is wrong with it. Private to src/config/.
 *
 * Every getter reports its own problems and returns false after one; an absent
 * key is not a problem unless the getter says "required".
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "shared/uuid.h"
#include "shared/value.h"

/* Where a problem is: file (relative to the config dir), group, and the key file. */
typedef struct {
	GPtrArray *errors;
	const char *file;
	const char *group;
	GKeyFile *keyfile;
} ConfigSection;

/* Appends "FILE: [GROUP] KEY: problem" to s->errors; group and key are left out when NULL. */
void config_section_report(const ConfigSection *s, const char *key, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* Unknown keys and keys given twice (GKeyFile keeps only the last one). */
void config_section_check_keys(const ConfigSection *s, const char *const *valid);
/* The text after '=' as written (no escape processing), NULL if absent. */
char *config_section_get_raw(const ConfigSection *s, const char *key);
/* A hint to append to a message about raw, for values that hold a '#'; "" otherwise. */
const char *config_section_comment_hint(const char *raw);

/* Absent: *inout keeps its default. */
bool config_section_get_bool(const ConfigSection *s, const char *key, bool *inout);
/* Absent: *inout keeps its default and *ret_given (optional) is false. */
bool config_section_get_uint(const ConfigSection *s, const char *key, uint64_t min, uint64_t max,
                             unsigned *inout, bool *ret_given);
bool config_section_get_int(const ConfigSection *s, const char *key, int64_t min, int64_t max,
                            int64_t *inout, bool *ret_given);
/* With GKeyFile escapes (\s, \n, \t, \\) applied. Absent: *ret = NULL. */
bool config_section_get_string(const ConfigSection *s, const char *key, char **ret);
/*
 * A ';'-separated list without empty items. strip_blanks trims each item, for
 * lists of names where "read; notify" can only mean "read;notify"; data lists
 * only lose leading blanks, as trailing ones may belong to a utf8 literal.
 * Absent: *ret = NULL.
 */
bool config_section_get_list(const ConfigSection *s, const char *key, bool strip_blanks, char ***ret);
/* A list whose items must come from valid and appear once; always returns a vector. */
char **config_section_get_name_set(const ConfigSection *s, const char *key, const char *const *valid);

/* text as a UUID of any length into out (normalised), reported against key. */
bool config_section_parse_uuid(const ConfigSection *s, const char *key, const char *text,
                               char out[UUID_STR_LEN + 1]);
/* UUID=, which must be there. */
bool config_section_get_required_uuid(const ConfigSection *s, char out[UUID_STR_LEN + 1]);
/* Flags=: required, non-empty, each name valid for the attribute kind, none twice. */
bool config_section_get_flags(const ConfigSection *s, bool descriptor, char ***ret);

/*
 * Type=, Value= and MaxLength=, which characteristics and descriptors share
 * (descriptors have no Type=). Always fills *ret with usable values, even after
 * a problem, so later checks can go on.
 */
typedef struct {
	bool has_type;
	ValueType type;
	GBytes *value;
	unsigned max_length;
} ConfigValueSettings;

bool config_section_get_value_settings(const ConfigSection *s, bool with_type, ConfigValueSettings *ret);
