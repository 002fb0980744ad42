/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon/handles.c: stable ATT handles (daemon/handles.h). */
#include "daemon/handles.h"

#include <errno.h>

#include "config/handles.h"
#include "config/persist.h"
#include "daemon/persistence.h"
#include "shared/log.h"

#define HANDLES_SUBDIR "handles"
#define HANDLES_FILE "layout"

struct Handles {
	PersistStore *store;   /* NULL until first used, or when the state directory is unusable */
	bool store_failed;     /* said once */
	char *written;         /* the file's text as last written or read */
};

Handles *handles_new(void)
{
	return g_new0(Handles, 1);
}

void handles_free(Handles *h)
{
	if (!h)
		return;
	persist_store_free(h->store);
	g_free(h->written);
	g_free(h);
}

static PersistStore *open_store(char **ret_error)
{
	g_autofree char *dir = persistence_state_directory();

	return persist_store_open_subdir(dir, HANDLES_SUBDIR, ret_error);
}

static bool have_store(Handles *h)
{
	g_autofree char *error = NULL;

	if (h->store || h->store_failed)
		return h->store != NULL;
	h->store = open_store(&error);
	if (!h->store) {
		h->store_failed = true;
		log_warning("cannot keep the ATT handles bluetoothd gives the services: %s; they may move when gattd "
		            "restarts", error);
	}
	return h->store != NULL;
}

/* The saved handles, NULL when there are none or they cannot be read (*ret_error says). */
static CfgHandles *read_saved(PersistStore *store, char **ret_text, char **ret_error)
{
	g_autoptr(GString) text = NULL;
	g_autofree char *problem = NULL;
	CfgHandles *saved;
	int r;

	r = persist_store_read_file(store, HANDLES_FILE, CONFIG_HANDLES_MAX_FILE_SIZE, &text, ret_error);
	if (r < 0)
		return NULL;
	saved = config_handles_parse(text->str, text->len, &problem);
	if (!saved) {
		*ret_error = g_strdup_printf("%s/%s: %s", persist_store_get_path(store), HANDLES_FILE, problem);
		return NULL;
	}
	if (ret_text)
		*ret_text = g_strdup(text->str);
	return saved;
}

/* Each id of service: its own, its characteristics' and their descriptors'. */
static GPtrArray *service_ids(const CfgService *service)
{
	GPtrArray *ids = g_ptr_array_new();

	g_ptr_array_add(ids, service->id);
	for (unsigned i = 0; i < service->characteristics->len; i++) {
		const CfgCharacteristic *c = service->characteristics->pdata[i];

		g_ptr_array_add(ids, c->id);
		for (unsigned j = 0; j < c->descriptors->len; j++)
			g_ptr_array_add(ids, ((const CfgDescriptor *)c->descriptors->pdata[j])->id);
	}
	return ids;
}

/* Whether saved holds service with this layout and a handle for each of its ids; its range. */
static bool saved_fits(const CfgHandles *saved, const CfgService *service, const char *layout, unsigned *ret_low,
                       unsigned *ret_high)
{
	g_autoptr(GPtrArray) ids = service_ids(service);
	const char *was = g_hash_table_lookup(saved->layouts, service->id);
	unsigned low = 0xffff, high = 0;

	if (!was || g_strcmp0(was, layout) != 0)
		return false;
	for (unsigned i = 0; i < ids->len; i++) {
		unsigned handle = GPOINTER_TO_UINT(g_hash_table_lookup(saved->handles, ids->pdata[i]));

		if (!handle)
			return false;
		low = MIN(low, handle);
		high = MAX(high, handle);
	}
	*ret_low = low;
	*ret_high = high;
	return true;
}

void handles_restore(Handles *h, const GattdConfig *config, GattApp *app)
{
	g_autoptr(CfgHandles) saved = NULL;
	g_autofree char *error = NULL;

	if (!have_store(h))
		return;
	g_clear_pointer(&h->written, g_free);
	saved = read_saved(h->store, &h->written, &error);
	if (!saved) {
		if (error)
			log_warning("the saved ATT handles are ignored: %s; bluetoothd gives new ones", error);
		return;
	}
	for (unsigned i = 0; i < config->services->len; i++) {
		const CfgService *service = config->services->pdata[i];
		g_autofree char *layout = config_service_layout(service);
		g_autoptr(GPtrArray) ids = NULL;
		unsigned low, high;

		if (!g_hash_table_contains(saved->layouts, service->id))
			continue;
		if (!saved_fits(saved, service, layout, &low, &high)) {
			log_notice("%s: its layout changed since bluetoothd gave it handles: it gets new ones (bonded "
			           "centrals learn of it by Service Changed)", service->id);
			continue;
		}
		ids = service_ids(service);
		for (unsigned j = 0; j < ids->len; j++)
			*gatt_app_find_handle(app, ids->pdata[j]) =
			        (uint16_t)GPOINTER_TO_UINT(g_hash_table_lookup(saved->handles, ids->pdata[j]));
		log_info("%s: asking bluetoothd for the handles it had (0x%04x..0x%04x)", service->id, low, high);
	}
}

void handles_adopt(Handles *h, const GattdConfig *config, GattApp *app, const GattdConfig *old_config,
                   GattApp *old)
{
	for (unsigned i = 0; i < config->services->len; i++) {
		const CfgService *service = config->services->pdata[i];
		const CfgService *was = config_find_service(old_config, service->id);
		g_autofree char *layout = config_service_layout(service);
		g_autofree char *old_layout = was ? config_service_layout(was) : NULL;
		g_autoptr(GPtrArray) ids = NULL;

		if (!was) {
			log_info("%s: a new service; bluetoothd gives it handles", service->id);
			continue;
		}
		if (g_strcmp0(layout, old_layout) != 0) {
			log_notice("%s: the reload changed its layout: it gets new handles (connected and bonded "
			           "centrals learn of it by Service Changed)", service->id);
			continue;
		}
		ids = service_ids(service);
		for (unsigned j = 0; j < ids->len; j++)
			*gatt_app_find_handle(app, ids->pdata[j]) = *gatt_app_find_handle(old, ids->pdata[j]);
	}
}

void handles_registered(Handles *h, const GattdConfig *config, GattApp *app)
{
	g_autoptr(CfgHandles) now = config_handles_new();
	g_autofree char *text = NULL;
	int r;

	for (unsigned i = 0; i < config->services->len; i++) {
		const CfgService *service = config->services->pdata[i];
		g_autofree char *layout = config_service_layout(service);
		g_autoptr(GPtrArray) ids = service_ids(service);
		bool all = true;

		for (unsigned j = 0; j < ids->len && all; j++)
			all = *gatt_app_find_handle(app, ids->pdata[j]) != 0;
		/* bluetoothd writes back only what it chose; a service without them all is not kept. */
		if (!all)
			continue;
		config_handles_add_service(now, service->id, layout);
		for (unsigned j = 0; j < ids->len; j++)
			config_handles_add(now, service->id, ids->pdata[j], *gatt_app_find_handle(app, ids->pdata[j]));
	}
	text = config_handles_format(now);
	if (g_strcmp0(text, h->written) == 0 || !have_store(h))
		return;
	r = persist_store_write_file(h->store, HANDLES_FILE, text);
	if (r < 0) {
		log_warning("cannot save the ATT handles in %s: %s; they may move when gattd restarts",
		            persist_store_get_path(h->store), g_strerror(-r));
		return;
	}
	g_free(h->written);
	h->written = g_steal_pointer(&text);
	log_debug("saved the ATT handles in %s/%s", persist_store_get_path(h->store), HANDLES_FILE);
}

char *handles_describe(const GattdConfig *config, char **ret_error)
{
	g_autofree char *dir = persistence_state_directory();
	g_autofree char *path = g_build_filename(dir, HANDLES_SUBDIR, HANDLES_FILE, NULL);
	g_autoptr(CfgHandles) saved = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *text = NULL;
	g_autofree char *problem = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;

	/* Read only: --check-config creates nothing, and needs no right to write there. */
	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return NULL;
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR) || g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		*ret_error = g_strdup_printf("%s is not a regular file", path);
		return NULL;
	}
	if (!g_file_get_contents(path, &text, &len, &error)) {
		*ret_error = g_strdup(error->message);
		return NULL;
	}
	saved = config_handles_parse(text, len, &problem);
	if (!saved) {
		*ret_error = g_strdup_printf("%s: %s", path, problem);
		return NULL;
	}
	for (unsigned i = 0; i < config->services->len; i++) {
		const CfgService *service = config->services->pdata[i];
		g_autofree char *layout = config_service_layout(service);
		unsigned low, high;

		if (!g_hash_table_contains(saved->layouts, service->id))
			g_string_append_printf(out, "  %s: new; bluetoothd gives it handles\n", service->id);
		else if (saved_fits(saved, service, layout, &low, &high))
			g_string_append_printf(out, "  %s: keeps its handles 0x%04x..0x%04x\n", service->id, low, high);
		else
			g_string_append_printf(out, "  %s: its layout changed: it gets new handles (bonded centrals "
			                            "learn of it by Service Changed)\n", service->id);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}
