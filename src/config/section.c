/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * section.c: one group of a configuration file, read key by key (section.h).
 *
 * Each getter checks the text of one key and reports what is wrong with it in
 * one line that names file, group and key, so that the loaders only state the
 * rules of their own groups. Values are read as written (GKeyFile's escapes
 * only where a getter says so) and quoted back escaped.
 */
#include "config/section.h"

#include <errno.h>
#include <string.h>

#include "config/config.h"
#include "config/flags.h"
#include "shared/escape.h"

/* Shown when a value that never contains '#' does, e.g. "UUID=180F  # battery". */
#define INLINE_COMMENT_HINT " ('#' starts a comment only at the beginning of a line)"

/*
 * "FILE: [GROUP] KEY: problem"; group and key are left out when NULL. FILE is
 * escaped already (load-services.c) and GKeyFile refuses control characters in
 * group names; a key name may hold any, and so may the values and GKeyFile's own
 * messages (which quote lines) a problem quotes as written: those are escaped here,
 * so that no message carries a control character to a log or a terminal.
 */
void config_section_report(const ConfigSection *s, const char *key, const char *format, ...)
{
	g_autofree char *problem = NULL;
	GString *msg = g_string_new(s->file);
	va_list ap;

	va_start(ap, format);
	problem = g_strdup_vprintf(format, ap);
	va_end(ap);
	if (escape_text_has_control(problem)) {
		g_autofree char *raw = g_steal_pointer(&problem);

		problem = escape_text(raw);
	}

	if (s->group)
		g_string_append_printf(msg, ": [%s]", s->group);
	if (key) {
		g_autofree char *shown_key = escape_text(key);

		g_string_append_printf(msg, " %s", shown_key);
	}
	g_string_append_printf(msg, ": %s", problem);
	g_ptr_array_add(s->errors, g_string_free(msg, FALSE));
}

static char *join_names(const char *const *names)
{
	return g_strjoinv(", ", (char **) names);
}

/* Unknown keys and keys given twice (GKeyFile keeps only the last one). */
void config_section_check_keys(const ConfigSection *s, const char *const *valid)
{
	g_auto(GStrv) keys = g_key_file_get_keys(s->keyfile, s->group, NULL, NULL);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (size_t i = 0; keys && keys[i]; i++) {
		if (!g_strv_contains(valid, keys[i])) {
			g_autofree char *list = join_names(valid);
			config_section_report(s, keys[i], "unknown key (valid: %s)", list);
		} else if (!g_hash_table_add(seen, keys[i])) {
			config_section_report(s, keys[i], "given more than once");
		}
	}
}

/* The text after '=' as written (no escape processing), NULL if absent. */
char *config_section_get_raw(const ConfigSection *s, const char *key)
{
	return g_key_file_get_value(s->keyfile, s->group, key, NULL);
}

const char *config_section_comment_hint(const char *raw)
{
	return strchr(raw, '#') ? INLINE_COMMENT_HINT : "";
}

/* Absent: *inout keeps its default. */
bool config_section_get_bool(const ConfigSection *s, const char *key, bool *inout)
{
	g_autofree char *raw = config_section_get_raw(s, key);

	if (!raw)
		return true;
	if (strcmp(raw, "true") != 0 && strcmp(raw, "false") != 0) {
		config_section_report(s, key, "'%s' is not true or false%s", raw, config_section_comment_hint(raw));
		return false;
	}
	*inout = strcmp(raw, "true") == 0;
	return true;
}

/* config_section_get_raw() that also tells *ret_given (optional) whether key is there. */
static char *get_raw_given(const ConfigSection *s, const char *key, bool *ret_given)
{
	char *raw = config_section_get_raw(s, key);

	if (ret_given)
		*ret_given = raw != NULL;
	return raw;
}

/*
 * Reports what r, from value_parse_uint() or value_parse_int() on raw, says is
 * wrong with it; range ("MIN..MAX", taken) is there when r is -ERANGE. True when r is 0.
 */
static bool integer_ok(const ConfigSection *s, const char *key, const char *raw, int r, char *range)
{
	g_autofree char *owned_range = range;

	if (r == -ERANGE)
		config_section_report(s, key, "%s is out of range %s", raw, range);
	else if (r < 0)
		config_section_report(s, key, "'%s' is not a decimal or 0x-hex integer%s", raw,
		                      config_section_comment_hint(raw));
	return r == 0;
}

bool config_section_get_uint(const ConfigSection *s, const char *key, uint64_t min, uint64_t max,
                             unsigned *inout, bool *ret_given)
{
	g_autofree char *raw = get_raw_given(s, key, ret_given);
	uint64_t v;
	int r;

	if (!raw)
		return true;
	r = value_parse_uint(raw, max, &v);
	if (r == 0 && v < min)
		r = -ERANGE;
	if (!integer_ok(s, key, raw, r, r == -ERANGE ? g_strdup_printf("%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT,
	                                                                min, max) : NULL))
		return false;
	*inout = (unsigned) v;
	return true;
}

bool config_section_get_int(const ConfigSection *s, const char *key, int64_t min, int64_t max,
                            int64_t *inout, bool *ret_given)
{
	g_autofree char *raw = get_raw_given(s, key, ret_given);
	int r;

	if (!raw)
		return true;
	r = value_parse_int(raw, min, max, inout);
	return integer_ok(s, key, raw, r, r == -ERANGE ? g_strdup_printf("%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT,
	                                                                  min, max) : NULL);
}

/* With GKeyFile escapes (\s, \n, \t, \\) applied. Absent: *ret = NULL. */
bool config_section_get_string(const ConfigSection *s, const char *key, char **ret)
{
	g_autoptr(GError) error = NULL;

	*ret = NULL;
	if (!g_key_file_has_key(s->keyfile, s->group, key, NULL))
		return true;
	*ret = g_key_file_get_string(s->keyfile, s->group, key, &error);
	if (!*ret) {
		config_section_report(s, key, "%s", error->message);
		return false;
	}
	return true;
}

/*
 * A ';'-separated list without empty items. strip_blanks trims each item, for
 * lists of names where "read; notify" can only mean "read;notify"; data lists
 * only lose leading blanks, as trailing ones may belong to a utf8 literal.
 * Absent: *ret = NULL.
 */
bool config_section_get_list(const ConfigSection *s, const char *key, bool strip_blanks, char ***ret)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) items = NULL;
	g_autoptr(GStrvBuilder) kept = g_strv_builder_new();

	*ret = NULL;
	if (!g_key_file_has_key(s->keyfile, s->group, key, NULL))
		return true;
	items = g_key_file_get_string_list(s->keyfile, s->group, key, NULL, &error);
	if (!items) {
		/* An empty value is an empty list, not an error. */
		if (g_error_matches(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE)) {
			config_section_report(s, key, "%s", error->message);
			return false;
		}
		*ret = g_new0(char *, 1);
		return true;
	}
	for (size_t i = 0; items[i]; i++) {
		if (strip_blanks)
			g_strstrip(items[i]);
		else
			g_strchug(items[i]);
		if (items[i][0] != '\0')
			g_strv_builder_add(kept, items[i]);
	}
	*ret = g_strv_builder_end(kept);
	return true;
}

bool config_section_parse_uuid(const ConfigSection *s, const char *key, const char *text, char out[UUID_STR_LEN + 1])
{
	if (uuid_normalize(text, out) < 0) {
		config_section_report(s, key, "'%s' is not a UUID (16-bit 180F, 32-bit 0000180F or 128-bit "
		                      "6e400001-b5a3-f393-e0a9-e50e24dcca9e)%s", text,
		                      config_section_comment_hint(text));
		return false;
	}
	return true;
}

bool config_section_get_required_uuid(const ConfigSection *s, char out[UUID_STR_LEN + 1])
{
	g_autofree char *raw = config_section_get_raw(s, "UUID");

	if (!raw) {
		config_section_report(s, "UUID", "missing");
		return false;
	}
	return config_section_parse_uuid(s, "UUID", raw, out);
}

/* Required, non-empty, each name valid for the attribute kind, none twice. */
bool config_section_get_flags(const ConfigSection *s, bool descriptor, char ***ret)
{
	const char *const *valid = descriptor ? flags_descriptor_names() : flags_characteristic_names();
	g_auto(GStrv) flags = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	bool ok = true;

	if (!config_section_get_list(s, "Flags", true, &flags))
		return false;
	if (!flags) {
		config_section_report(s, "Flags", "missing");
		return false;
	}
	if (!flags[0]) {
		g_autofree char *list = join_names(valid);
		config_section_report(s, "Flags", "empty; give at least one of: %s", list);
		return false;
	}
	for (size_t i = 0; flags[i]; i++) {
		if (!g_strv_contains(valid, flags[i])) {
			g_autofree char *list = join_names(valid);
			bool for_characteristic = descriptor && flags_valid_for_characteristic(flags[i]);
			config_section_report(s, "Flags", "%s flag '%s'%s (valid: %s)",
			                      for_characteristic ? "characteristic-only" : "unknown", flags[i],
			                      config_section_comment_hint(flags[i]), list);
			ok = false;
		} else if (!g_hash_table_add(seen, flags[i])) {
			config_section_report(s, "Flags", "flag '%s' given more than once", flags[i]);
			ok = false;
		}
	}
	if (ok)
		*ret = g_steal_pointer(&flags);
	return ok;
}

bool config_section_get_value_settings(const ConfigSection *s, bool with_type, ConfigValueSettings *ret)
{
	g_autofree char *type_name = NULL;
	g_autofree char *literal = NULL;
	g_autoptr(GBytes) value = NULL;
	unsigned max_length = GATTD_MAX_VALUE_LEN;
	bool max_length_given = false;
	size_t type_size = 0;
	bool ok = true;

	*ret = (ConfigValueSettings) { .type = VALUE_TYPE_HEX };

	if (with_type) {
		type_name = config_section_get_raw(s, "Type");
		if (type_name && !value_type_from_name(type_name, &ret->type)) {
			g_autofree char *list = value_type_names_joined(", ");
			config_section_report(s, "Type", "unknown type '%s'%s (valid: %s)", type_name,
			                      config_section_comment_hint(type_name), list);
			ok = false;
		} else if (type_name) {
			ret->has_type = true;
			type_size = value_type_size(ret->type);
		}
	}

	if (!config_section_get_uint(s, "MaxLength", 1, GATTD_MAX_VALUE_LEN, &max_length, &max_length_given)) {
		ok = false;
		max_length_given = false;
	}
	if (!max_length_given && type_size > 0)
		max_length = (unsigned) type_size;
	else if (max_length_given && max_length < type_size) {
		config_section_report(s, "MaxLength", "%u is smaller than the %zu byte%s of Type=%s", max_length,
		                      type_size, value_plural(type_size),
		                      value_type_name(ret->type));
		ok = false;
	}

	if (!config_section_get_string(s, "Value", &literal))
		ok = false;
	if (literal) {
		g_autofree char *error = NULL;

		value = value_parse_literal(literal, &error);
		if (!value) {
			config_section_report(s, "Value", "%s", error);
			ok = false;
		}
	}
	if (value) {
		gsize len = g_bytes_get_size(value);
		g_autofree char *decoded = ret->has_type
			? value_format(ret->type, g_bytes_get_data(value, NULL), len) : NULL;

		if (ret->has_type && !decoded) {
			if (type_size > 0 && len != type_size)
				config_section_report(s, "Value", "'%s' is %zu byte%s, but Type=%s needs %zu", literal,
				                      (size_t) len, value_plural(len),
				                      value_type_name(ret->type), type_size);
			else
				config_section_report(s, "Value", "'%s' does not decode as Type=%s", literal,
				                      value_type_name(ret->type));
			ok = false;
		}
		if (len > max_length) {
			config_section_report(s, "Value", "'%s' is %zu byte%s, longer than MaxLength=%u%s", literal,
			                      (size_t) len, value_plural(len),
			                      max_length, max_length_given ? "" : " (the default)");
			ok = false;
		}
	} else {
		/* Zeros keep a fixed-size value decodable before anyone writes it. */
		value = type_size > 0 ? g_bytes_new_take(g_malloc0(type_size), type_size) : g_bytes_new(NULL, 0);
	}

	ret->value = g_steal_pointer(&value);
	ret->max_length = max_length;
	return ok;
}

/* A list whose items must come from valid and appear once; always returns a vector. */
char **config_section_get_name_set(const ConfigSection *s, const char *key, const char *const *valid)
{
	g_auto(GStrv) items = NULL;
	g_autoptr(GStrvBuilder) kept = g_strv_builder_new();
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	if (config_section_get_list(s, key, true, &items) && items) {
		for (size_t i = 0; items[i]; i++) {
			if (!g_strv_contains(valid, items[i])) {
				g_autofree char *list = join_names(valid);
				config_section_report(s, key, "unknown value '%s'%s (valid: %s)", items[i],
				                      config_section_comment_hint(items[i]), list);
			} else if (!g_hash_table_add(seen, items[i])) {
				config_section_report(s, key, "'%s' given more than once", items[i]);
			} else {
				g_strv_builder_add(kept, items[i]);
			}
		}
	}
	return g_strv_builder_end(kept);
}
