/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-config.c: config_load() on a whole configuration directory made from
 * the input.
 *
 * The input is plain text, so seeds are written by hand (corpus/config/):
 *
 *   [Daemon]                   <- up to the first "--- " line: DIR/gattd.conf
 *   Adapter=hci1                  (no gattd.conf when the input starts with "--- ")
 *   --- 10-battery.conf        <- DIR/services.d/10-battery.conf: the lines up
 *   [Service battery]             to the next "--- " line
 *   ...
 *   --- 20-x.conf/             <- a trailing '/' makes a directory of that name
 *
 * Names: '/' becomes '_', at most NAME_MAX_LEN bytes, "", "." and ".." become
 * "_", a name given twice keeps its first file; at most MAX_ENTRIES entries, the
 * rest of the input is ignored. DIR/services.d always exists.
 *
 * Checks, besides the sanitizers: a refused directory has at least one problem
 * and a loaded one none; every message and the summary are UTF-8 (they go to
 * the terminal, the journal and, on reload, into a JSON reply); loading the same
 * directory twice gives the same messages, summary and tree.
 */
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "config/config.h"
#include "config/compare.h"
#include "fuzz.h"

#define SEPARATOR "--- "
#define MAX_ENTRIES 16
#define NAME_MAX_LEN 64

static char *services_dir;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	services_dir = g_build_filename(fuzz_scratch_dir("config"), "services.d", NULL);
	return 0;
}

/* The name a separator line (up to its newline or end) gives its entry. */
static char *entry_name(const char *line, const char *end, bool *ret_is_dir)
{
	const char *eol = memchr(line, '\n', (size_t)(end - line));
	size_t len = (size_t)((eol ? eol : end) - line) - strlen(SEPARATOR);
	char *name;

	*ret_is_dir = len > 0 && line[strlen(SEPARATOR) + len - 1] == '/';
	if (*ret_is_dir)
		len--;
	len = MIN(len, NAME_MAX_LEN);
	name = g_strndup(line + strlen(SEPARATOR), len); /* also stops at a NUL byte */
	g_strdelimit(name, "/", '_');
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		g_free(name);
		name = g_strdup("_");
	}
	return name;
}

static bool is_separator(const char *p, const char *end)
{
	return (size_t)(end - p) >= strlen(SEPARATOR) && memcmp(p, SEPARATOR, strlen(SEPARATOR)) == 0;
}

/* Start of the next separator line at or after p, or end. */
static const char *next_separator(const char *p, const char *end)
{
	if (is_separator(p, end))
		return p;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			return end;
		p = nl + 1;
		if (is_separator(p, end))
			return p;
	}
	return end;
}

static void write_config_dir(const char *dir, const char *data, size_t size)
{
	const char *end = data + size;
	const char *p = data;
	const char *next = next_separator(p, end);
	g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	if (next != p) {
		g_autofree char *path = g_build_filename(dir, "gattd.conf", NULL);
		fuzz_write_file(path, p, (size_t)(next - p));
	}
	FUZZ_CHECK(mkdir(services_dir, 0700) == 0);

	for (p = next; p < end && g_hash_table_size(names) < MAX_ENTRIES; p = next) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *content = eol ? eol + 1 : end;
		bool is_dir;
		char *name = entry_name(p, end, &is_dir);
		g_autofree char *path = g_build_filename(services_dir, name, NULL);

		next = next_separator(content, end);
		if (!g_hash_table_add(names, name))
			continue;
		if (is_dir)
			FUZZ_CHECK(mkdir(path, 0700) == 0);
		else
			fuzz_write_file(path, content, (size_t)(next - content));
	}
}

static void check_messages(GPtrArray *errors)
{
	for (guint i = 0; i < errors->len; i++) {
		const char *message = g_ptr_array_index(errors, i);

		FUZZ_CHECK(message && *message);
		FUZZ_CHECK(g_utf8_validate(message, -1, NULL));
	}
}

/* Everything a loaded configuration offers, read once. */
static char *check_loaded(const GattdConfig *config)
{
	char *summary = config_summary(config);
	unsigned n_services, n_characteristics, n_descriptors;

	FUZZ_CHECK(summary);
	FUZZ_CHECK(g_utf8_validate(summary, -1, NULL));
	config_count(config, &n_services, &n_characteristics, &n_descriptors);
	FUZZ_CHECK(n_services == config->services->len && n_services > 0);
	FUZZ_CHECK(config_same_tree(config, config));
	FUZZ_CHECK(config_same_advertising(config, config));

	for (guint i = 0; i < config->services->len; i++) {
		const CfgService *s = g_ptr_array_index(config->services, i);

		FUZZ_CHECK(config_find_service(config, s->id) == s);
		for (guint j = 0; j < s->characteristics->len; j++) {
			const CfgCharacteristic *c = g_ptr_array_index(s->characteristics, j);

			FUZZ_CHECK(config_find_characteristic(config, c->id) == c);
			FUZZ_CHECK(config_characteristic_equal(c, c));
			FUZZ_CHECK(g_bytes_get_size(c->value) <= c->max_length);
			/* A typed value is served as its Type's text from the start. */
			if (c->has_type) {
				g_autofree char *text = value_format(c->type, g_bytes_get_data(c->value, NULL),
				                                     g_bytes_get_size(c->value));
				FUZZ_CHECK(text);
			}
			for (guint k = 0; k < c->descriptors->len; k++) {
				const CfgDescriptor *d = g_ptr_array_index(c->descriptors, k);

				FUZZ_CHECK(config_find_descriptor(config, d->id) == d);
				FUZZ_CHECK(config_descriptor_equal(d, d));
			}
		}
	}
	return summary;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_scratch_dir("config");
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) errors_again = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GattdConfig) config = NULL;
	g_autoptr(GattdConfig) config_again = NULL;

	if (!services_dir)
		LLVMFuzzerInitialize(NULL, NULL);
	write_config_dir(dir, (const char *)data, size);

	config = config_load(dir, errors);
	config_again = config_load(dir, errors_again);
	fuzz_scratch_clear();

	check_messages(errors);
	FUZZ_CHECK(!config == (errors->len > 0));
	FUZZ_CHECK(!config == !config_again);
	FUZZ_CHECK(errors->len == errors_again->len);
	for (guint i = 0; i < errors->len; i++)
		FUZZ_CHECK(strcmp(g_ptr_array_index(errors, i), g_ptr_array_index(errors_again, i)) == 0);

	if (config) {
		g_autofree char *summary = check_loaded(config);
		g_autofree char *summary_again = config_summary(config_again);

		FUZZ_CHECK(strcmp(summary, summary_again) == 0);
		FUZZ_CHECK(config_same_tree(config, config_again));
		FUZZ_CHECK(config_same_advertising(config, config_again));
	}
	return 0;
}
