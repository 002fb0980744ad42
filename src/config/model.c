/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * model.c: the configuration model (config.h): its defaults, its index of
 * characteristics, freeing it, and the queries on a loaded model. The loaders
 * (loader.h) build it; config.c's config_load() runs them.
 */
#include "config/config.h"

#include <errno.h>
#include <string.h>

#include "config/advertising.h"
#include "config/ids.h"
#include "config/loader.h"

/* ---- model ---- */

/* What a descriptor and a characteristic both own. */
static void attribute_fields_free(char *id, char *name, char **flags, GBytes *value, char *origin)
{
	g_free(id);
	g_free(name);
	g_strfreev(flags);
	if (value)
		g_bytes_unref(value);
	g_free(origin);
}

void config_descriptor_free(CfgDescriptor *d)
{
	if (!d)
		return;
	attribute_fields_free(d->id, d->name, d->flags, d->value, d->origin);
	g_free(d);
}

void config_characteristic_free(CfgCharacteristic *c)
{
	if (!c)
		return;
	attribute_fields_free(c->id, c->name, c->flags, c->value, c->origin);
	g_free(c->description);
	if (c->descriptors)
		g_ptr_array_unref(c->descriptors);
	g_free(c);
}

void config_service_free(CfgService *s)
{
	if (!s)
		return;
	g_free(s->id);
	if (s->characteristics)
		g_ptr_array_unref(s->characteristics);
	g_free(s->origin);
	g_free(s);
}

void config_free(GattdConfig *config)
{
	if (!config)
		return;
	g_free(config->config_dir);
	g_free(config->adapter);
	g_free(config->socket_path);
	g_free(config->socket_group);
	config_advertising_clear(&config->advertising);
	if (config->advertisements)
		g_ptr_array_unref(config->advertisements);
	if (config->characteristic_index)
		g_hash_table_unref(config->characteristic_index);
	if (config->characteristics)
		g_ptr_array_unref(config->characteristics);
	if (config->services)
		g_ptr_array_unref(config->services);
	g_free(config);
}

GattdConfig *config_new_defaults(const char *dir)
{
	GattdConfig *config = g_new0(GattdConfig, 1);
	CfgAdvertising *adv = &config->advertising;

	config->config_dir = g_strdup(dir);
	config->adapter_match = ADAPTER_MATCH_AUTO;
	config->retry_min_ms = 500;
	config->retry_max_ms = 30000;
	config->auto_power_on = true;
	config->socket_path = g_strdup(GATTD_DEFAULT_SOCKET);
	config->socket_mode = 0660;
	config->max_clients = 64;
	config->max_line_length = 65536;
	config->max_client_queue = 1024 * 1024;
	config->handler_timeout_ms = 3000;
	config->max_handler_requests = 256;
	config->max_client_requests = 64;

	config->pairing.method = PAIRING_OFF;
	config->pairing.pairable_always = true;
	config->pairing.pairable_seconds = 120;
	config->pairing.confirm_timeout_ms = 20000;

	config_advertising_init(adv);
	config->advertisements = g_ptr_array_new_with_free_func((GDestroyNotify)config_advertising_free);

	config->services = g_ptr_array_new_with_free_func((GDestroyNotify) config_service_free);
	return config;
}

/* config->characteristics and config->characteristic_index, once the tree is assembled. */
void config_index_characteristics(GattdConfig *config)
{
	config->characteristics = g_ptr_array_new();
	config->characteristic_index = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < config->services->len; i++) {
		const CfgService *service = g_ptr_array_index(config->services, i);

		for (guint j = 0; j < service->characteristics->len; j++) {
			CfgCharacteristic *c = g_ptr_array_index(service->characteristics, j);

			g_ptr_array_add(config->characteristics, c);
			g_hash_table_insert(config->characteristic_index, c->id, c);
		}
	}
}

/* ---- queries ---- */

/* Each of CfgService, CfgCharacteristic and CfgDescriptor starts with its id. */
G_STATIC_ASSERT(G_STRUCT_OFFSET(CfgService, id) == 0);
G_STATIC_ASSERT(G_STRUCT_OFFSET(CfgCharacteristic, id) == 0);
G_STATIC_ASSERT(G_STRUCT_OFFSET(CfgDescriptor, id) == 0);

/* The item of items (CfgService*, CfgCharacteristic* or CfgDescriptor*) whose id is id. */
static const void *find_by_id(const GPtrArray *items, const char *id)
{
	for (guint i = 0; id && i < items->len; i++)
		if (strcmp(*(char *const *) items->pdata[i], id) == 0)
			return items->pdata[i];
	return NULL;
}

const CfgService *config_find_service(const GattdConfig *config, const char *id)
{
	return config ? find_by_id(config->services, id) : NULL;
}

const CfgCharacteristic *config_find_characteristic(const GattdConfig *config, const char *id)
{
	return config && id ? g_hash_table_lookup(config->characteristic_index, id) : NULL;
}

const CfgDescriptor *config_find_descriptor(const GattdConfig *config, const char *id)
{
	g_autofree char *characteristic_id = NULL;
	const CfgCharacteristic *c;

	if (!id || !strchr(id, '/'))
		return NULL;
	characteristic_id = config_id_parent(id);
	c = config_find_characteristic(config, characteristic_id);
	return c ? find_by_id(c->descriptors, id) : NULL;
}

int config_characteristic_value_fits(const CfgCharacteristic *c, size_t len, char **ret_reason)
{
	size_t fixed = c->has_type ? value_type_size(c->type) : 0;

	/* A fixed-size Type first: its size says more than the MaxLength it implies. */
	if (fixed && len != fixed) {
		if (ret_reason)
			*ret_reason = g_strdup_printf("%zu byte%s, where Type=%s takes %zu", len, value_plural(len),
			                              value_type_name(c->type), fixed);
		return -EMSGSIZE;
	}
	if (len > c->max_length) {
		if (ret_reason)
			*ret_reason = g_strdup_printf("%zu byte%s, more than MaxLength=%u", len, value_plural(len),
			                              c->max_length);
		return -EMSGSIZE;
	}
	return 0;
}

void config_count(const GattdConfig *config, unsigned *ret_services, unsigned *ret_characteristics,
                  unsigned *ret_descriptors)
{
	unsigned n_descriptors = 0;

	for (guint i = 0; i < config->characteristics->len; i++) {
		const CfgCharacteristic *c = g_ptr_array_index(config->characteristics, i);

		n_descriptors += c->descriptors->len;
	}
	if (ret_services)
		*ret_services = config->services->len;
	if (ret_characteristics)
		*ret_characteristics = config->characteristics->len;
	if (ret_descriptors)
		*ret_descriptors = n_descriptors;
}
