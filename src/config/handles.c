/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* handles.c: the saved ATT handles' text and the services' layouts (config/handles.h). */
#include "config/handles.h"

#include <string.h>

#include "config/ids.h"
#include "shared/value.h"

#define SERVICE_WORD "service"

CfgHandles *config_handles_new(void)
{
	CfgHandles *h = g_new0(CfgHandles, 1);

	h->layouts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	h->handles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return h;
}

void config_handles_free(CfgHandles *h)
{
	if (!h)
		return;
	g_hash_table_unref(h->handles);
	g_hash_table_unref(h->layouts);
	g_free(h);
}

void config_handles_add_service(CfgHandles *h, const char *service_id, const char *layout)
{
	g_hash_table_replace(h->layouts, g_strdup(service_id), g_strdup(layout));
}

/* Whether id is service's own or one of its attributes'. */
static bool id_in_service(const char *id, const char *service)
{
	size_t len = strlen(service);

	return strncmp(id, service, len) == 0 && (id[len] == '\0' || id[len] == '/');
}

void config_handles_add(CfgHandles *h, const char *service_id, const char *id, uint16_t handle)
{
	if (!g_hash_table_contains(h->layouts, service_id) || !id_in_service(id, service_id))
		return;
	g_hash_table_replace(h->handles, g_strdup(id), GUINT_TO_POINTER(handle));
}

static int compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static GPtrArray *sorted_keys(GHashTable *table)
{
	GPtrArray *keys = g_ptr_array_new();
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, table);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(keys, key);
	g_ptr_array_sort(keys, compare_strings);
	return keys;
}

char *config_handles_format(const CfgHandles *h)
{
	g_autoptr(GString) out = g_string_new("# gattd: the ATT handles bluetoothd gave each service, asked for again "
	                                      "while its layout stays the same\n");
	g_autoptr(GPtrArray) services = sorted_keys(h->layouts);
	g_autoptr(GPtrArray) ids = sorted_keys(h->handles);

	for (unsigned i = 0; i < services->len; i++) {
		const char *service = services->pdata[i];

		g_string_append_printf(out, SERVICE_WORD " %s %s\n", service,
		                       (const char *)g_hash_table_lookup(h->layouts, service));
		for (unsigned j = 0; j < ids->len; j++)
			if (id_in_service(ids->pdata[j], service))
				g_string_append_printf(out, "%s 0x%04x\n", (const char *)ids->pdata[j],
				                       GPOINTER_TO_UINT(g_hash_table_lookup(h->handles, ids->pdata[j])));
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static bool is_layout(const char *text)
{
	if (strlen(text) != CONFIG_LAYOUT_LEN)
		return false;
	for (const char *c = text; *c; c++)
		if (!g_ascii_isxdigit(*c) || g_ascii_isupper(*c))
			return false;
	return true;
}

/* One line's words; fails past 3. */
static bool split_words(char *line, char **words, unsigned *ret_n)
{
	unsigned n = 0;
	char *save = NULL;

	for (char *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (n == 3)
			return false;
		words[n++] = w;
	}
	*ret_n = n;
	return true;
}

CfgHandles *config_handles_parse(const char *text, size_t len, char **ret_error)
{
	g_autoptr(CfgHandles) h = config_handles_new();
	g_auto(GStrv) lines = NULL;
	g_autofree char *copy = NULL;
	const char *service = NULL;

	if (len > CONFIG_HANDLES_MAX_FILE_SIZE || memchr(text, '\0', len)) {
		*ret_error = g_strdup(len > CONFIG_HANDLES_MAX_FILE_SIZE ? "larger than 1 MiB" : "holds a NUL byte");
		return NULL;
	}
	copy = g_strndup(text, len);
	lines = g_strsplit(copy, "\n", -1);
	for (unsigned i = 0; lines[i]; i++) {
		char *words[3];
		unsigned n = 0;
		uint64_t handle;

		if (lines[i][0] == '#' || lines[i][0] == '\0')
			continue;
		if (!split_words(lines[i], words, &n) || n < 2) {
			*ret_error = g_strdup_printf("line %u: not 'service ID LAYOUT' nor 'ID HANDLE'", i + 1);
			return NULL;
		}
		if (n == 3 && strcmp(words[0], SERVICE_WORD) == 0) {
			if (!config_id_is_valid(words[1], 1) || !is_layout(words[2])) {
				*ret_error = g_strdup_printf("line %u: not 'service ID LAYOUT'", i + 1);
				return NULL;
			}
			if (g_hash_table_contains(h->layouts, words[1])) {
				*ret_error = g_strdup_printf("line %u: service %s given twice", i + 1, words[1]);
				return NULL;
			}
			config_handles_add_service(h, words[1], words[2]);
			g_hash_table_lookup_extended(h->layouts, words[1], (gpointer *)&service, NULL);
			continue;
		}
		if (n != 2 || !service) {
			*ret_error = g_strdup_printf("line %u: a handle comes after its 'service ID LAYOUT'", i + 1);
			return NULL;
		}
		if (!(config_id_is_valid(words[0], 1) || config_id_is_valid(words[0], 2) ||
		      config_id_is_valid(words[0], 3)) ||
		    !id_in_service(words[0], service)) {
			*ret_error = g_strdup_printf("line %u: not an id of service %s", i + 1, service);
			return NULL;
		}
		if (value_parse_uint(words[1], 0xffff, &handle) < 0 || handle == 0) {
			*ret_error = g_strdup_printf("line %u: not a handle 0x0001..0xffff", i + 1);
			return NULL;
		}
		if (g_hash_table_contains(h->handles, words[0])) {
			*ret_error = g_strdup_printf("line %u: %s given twice", i + 1, words[0]);
			return NULL;
		}
		config_handles_add(h, service, words[0], (uint16_t)handle);
	}
	return g_steal_pointer(&h);
}

static void append_flags(GString *s, char **flags)
{
	g_autoptr(GPtrArray) sorted = g_ptr_array_new();

	for (; flags && *flags; flags++)
		g_ptr_array_add(sorted, *flags);
	g_ptr_array_sort(sorted, compare_strings);
	for (unsigned i = 0; i < sorted->len; i++)
		g_string_append_printf(s, "%s%s", i ? "," : "", (const char *)sorted->pdata[i]);
}

char *config_service_layout(const CfgService *service)
{
	g_autoptr(GString) s = g_string_new(NULL);

	g_string_append_printf(s, "service %s %s %s\n", service->id, service->uuid,
	                       service->primary ? "primary" : "secondary");
	for (unsigned i = 0; i < service->characteristics->len; i++) {
		const CfgCharacteristic *c = service->characteristics->pdata[i];

		g_string_append_printf(s, "characteristic %s %s ", c->id, c->uuid);
		append_flags(s, c->flags);
		g_string_append_c(s, '\n');
		for (unsigned j = 0; j < c->descriptors->len; j++) {
			const CfgDescriptor *d = c->descriptors->pdata[j];

			g_string_append_printf(s, "descriptor %s %s\n", d->id, d->uuid);
		}
	}
	return g_compute_checksum_for_string(G_CHECKSUM_SHA256, s->str, (gssize)s->len);
}
