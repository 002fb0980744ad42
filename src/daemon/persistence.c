/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon/persistence.c: the Persist=true policy (see daemon/persistence.h). */
#include "daemon/persistence.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/compare.h"
#include "config/persist.h"
#include "gattd-build-config.h"
#include "shared/log.h"

struct Persistence {
	PersistStore *store;     /* NULL until a characteristic has Persist=true, or when the state dir is unusable */
};

Persistence *persistence_new(void)
{
	return g_new0(Persistence, 1);
}

void persistence_free(Persistence *p)
{
	if (!p)
		return;
	persist_store_free(p->store);
	g_free(p);
}

static bool any_persist(const GattdConfig *config)
{
	for (unsigned i = 0; i < config->characteristics->len; i++)
		if (((const CfgCharacteristic *)config->characteristics->pdata[i])->persist)
			return true;
	return false;
}

/* systemd's StateDirectory= sets $STATE_DIRECTORY (a ':'-separated list; the first is ours). */
char *persistence_state_directory(void)
{
	const char *env = getenv("STATE_DIRECTORY");

	if (env && *env)
		return g_strndup(env, strcspn(env, ":"));
	return g_strdup(GATTD_DEFAULT_STATE_DIR);
}

static void open_store(Persistence *p, const GattdConfig *config)
{
	g_autofree char *dir = NULL;
	g_autofree char *error = NULL;

	if (p->store || !any_persist(config))
		return;
	dir = persistence_state_directory();
	p->store = persist_store_open(dir, &error);
	if (!p->store)
		log_warning("cannot keep Persist=true values: %s; serving configured values", error);
}

/* The stored value in place of Value=, if it still fits (persist_store_load_for() has the rule). */
static void restore_value(Persistence *p, GattChar *chr)
{
	g_autoptr(GBytes) value = NULL;
	g_autofree char *reason = NULL;
	const uint8_t *data;
	gsize len;
	int r;

	r = persist_store_load_for(p->store, chr->cfg, &value, &reason);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		log_warning("%s: stored value ignored: %s; serving Value=", chr->cfg->id, reason);
		return;
	}
	data = g_bytes_get_data(value, &len);
	r = gatt_char_restore_value(chr, data, len);
	if (r < 0) {
		log_warning("%s: stored value of %zu byte%s ignored: %s; serving Value=", chr->cfg->id, (size_t)len,
		            value_plural(len), g_strerror(-r));
		return;
	}
	log_info("%s: restored its last value (%zu byte%s)", chr->cfg->id, (size_t)len, value_plural(len));
}

/* Persist=false: what is stored for chr is forgotten (see persistence_apply()). */
static void forget_value(Persistence *p, GattChar *chr)
{
	int r = persist_store_forget(p->store, chr->cfg->id);

	if (r < 0)
		log_warning("%s: cannot remove its stored value from %s: %s", chr->cfg->id,
		            persist_store_get_path(p->store), g_strerror(-r));
}

void persistence_apply(Persistence *p, const GattdConfig *config, GattApp *app, const GattdConfig *previous)
{
	GPtrArray *chars = gatt_app_get_chars(app);

	open_store(p, config);
	if (!p->store)
		return;
	for (unsigned i = 0; i < chars->len; i++) {
		GattChar *chr = chars->pdata[i];
		const CfgCharacteristic *was = previous ? config_find_characteristic(previous, chr->cfg->id) : NULL;

		if (!chr->cfg->persist)
			forget_value(p, chr);
		else if (!was || !config_characteristic_equal(chr->cfg, was))
			restore_value(p, chr);
	}
}

void persistence_value_changed(Persistence *p, GattChar *chr)
{
	int r;

	if (!chr->cfg->persist || !p->store)
		return;
	r = persist_store_save(p->store, chr->cfg->id, chr->cfg->uuid, value_type_name(chr->cfg->type),
	                       chr->value->data, chr->value->len);
	if (r < 0)
		log_warning("%s: cannot save its value in %s: %s; it will not survive a restart", chr->cfg->id,
		            persist_store_get_path(p->store), g_strerror(-r));
}
