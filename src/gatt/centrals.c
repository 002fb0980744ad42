/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gatt/centrals.c: the roster of connected centrals, fed with what BlueZ says of its Device1 objects. */
#include "gatt/centrals.h"

#include <errno.h>
#include <string.h>

#include "shared/bdaddr.h"
#include "shared/listeners.h"

struct GattCentrals {
	GHashTable *by_path;     /* path -> GattCentral* (every Device1 known, of any adapter) */
	char *adapter;           /* the selected adapter's path, or NULL */
	GHashTable *by_address;  /* address -> GattCentral*, the entries announced (keys: their own address) */
	unsigned in_roster;      /* entries announced */
	ListenerList listeners;  /* GattCentralsListener */
};

static void central_free(GattCentral *central)
{
	g_free(central->path);
	g_free(central->adapter);
	g_free(central->address);
	g_free(central->address_type);
	g_free(central->name);
	g_free(central->alias);
	g_free(central->reason);
	g_free(central);
}

GattCentrals *gatt_centrals_new(void)
{
	GattCentrals *centrals = g_new0(GattCentrals, 1);

	centrals->by_path = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)central_free);
	centrals->by_address = g_hash_table_new(g_str_hash, g_str_equal);
	listener_list_init(&centrals->listeners);
	return centrals;
}

void gatt_centrals_free(GattCentrals *centrals)
{
	if (!centrals)
		return;
	g_hash_table_unref(centrals->by_address);
	g_hash_table_unref(centrals->by_path);
	g_free(centrals->adapter);
	listener_list_clear(&centrals->listeners);
	g_free(centrals);
}

LISTENERS_DEFINE_ADD_REMOVE(GattCentrals, gatt_centrals, GattCentralsListener)

/* Every entry, in no order (the table may change while the caller walks them). */
static GPtrArray *all_entries(GattCentrals *centrals)
{
	GPtrArray *all = g_ptr_array_sized_new(g_hash_table_size(centrals->by_path));
	GHashTableIter it;
	gpointer central;

	g_hash_table_iter_init(&it, centrals->by_path);
	while (g_hash_table_iter_next(&it, NULL, &central))
		g_ptr_array_add(all, central);
	return all;
}

/* ---- joining and leaving the roster ---- */

/* Out of the address index (another entry may hold the same address: leave it). */
static void unindex(GattCentrals *centrals, GattCentral *central)
{
	if (g_hash_table_lookup(centrals->by_address, central->address) == central)
		g_hash_table_remove(centrals->by_address, central->address);
}

/* Under the selected adapter (bluetoothd's other adapters are not gattd's business). */
static bool on_adapter(const GattCentrals *centrals, const GattCentral *central)
{
	return centrals->adapter && strcmp(central->adapter, centrals->adapter) == 0;
}

static bool belongs(const GattCentrals *centrals, const GattCentral *central)
{
	return central->connected && central->address && on_adapter(centrals, central);
}

static void leave(GattCentrals *centrals, GattCentral *central, const char *reason)
{
	g_autofree char *why = g_steal_pointer(&central->reason);

	if (!central->announced)
		return;
	central->announced = false;
	centrals->in_roster--;
	unindex(centrals, central);
	/* What BlueZ said of the link comes first: gattd's reasons are only what it saw. */
	LISTENERS_REPORT(&centrals->listeners, GattCentralsListener, disconnected, centrals, central,
	                 why ? why : reason);
}

/* Join or leave as the entry now is; reason: for leaving, unless BlueZ said why. */
static void update(GattCentrals *centrals, GattCentral *central, const char *reason)
{
	if (belongs(centrals, central) && !central->announced) {
		central->announced = true;
		centrals->in_roster++;
		g_hash_table_insert(centrals->by_address, central->address, central);
		LISTENERS_REPORT(&centrals->listeners, GattCentralsListener, connected, centrals, central);
	} else if (!belongs(centrals, central) && central->announced) {
		leave(centrals, central, reason);
	}
}

void gatt_centrals_set_adapter(GattCentrals *centrals, const char *adapter_path, const char *reason)
{
	g_autoptr(GPtrArray) all = NULL;

	if (g_strcmp0(adapter_path, centrals->adapter) == 0)
		return;
	g_free(centrals->adapter);
	centrals->adapter = g_strdup(adapter_path);
	all = all_entries(centrals);
	for (unsigned i = 0; i < all->len; i++)
		update(centrals, all->pdata[i], reason);
}

/* ---- what BlueZ says ---- */

static void set_string(char **field, const char *value)
{
	if (!value || g_strcmp0(*field, value) == 0)
		return;
	g_free(*field);
	*field = g_strdup(value);
}

/* Some entry that is not connected, to make room; NULL if every one is. */
static GattCentral *find_evictable(GattCentrals *centrals)
{
	GHashTableIter it;
	GattCentral *central;

	g_hash_table_iter_init(&it, centrals->by_path);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&central))
		if (!central->connected)
			return central;
	return NULL;
}

static GattCentral *add_entry(GattCentrals *centrals, const char *path, const char *slash, bool connected)
{
	GattCentral *central;

	if (g_hash_table_size(centrals->by_path) >= GATT_CENTRALS_MAX) {
		GattCentral *victim = connected ? find_evictable(centrals) : NULL;

		if (!victim)
			return NULL;
		g_hash_table_remove(centrals->by_path, victim->path);
	}
	central = g_new0(GattCentral, 1);
	central->path = g_strdup(path);
	central->adapter = g_strndup(path, (size_t)(slash - path));
	g_hash_table_insert(centrals->by_path, central->path, central);
	return central;
}

int gatt_centrals_apply(GattCentrals *centrals, const char *path, const GattCentralProps *props, int64_t now)
{
	GattCentral *central = g_hash_table_lookup(centrals->by_path, path);
	const char *slash = strrchr(path, '/');
	/* Only a change is a pairing: a bond BlueZ loaded at its start is not news. */
	bool was_paired = !central || central->paired || central->bonded;

	if (!central) {
		if (!slash || slash == path || !slash[1])
			return -EINVAL;
		central = add_entry(centrals, path, slash, props->has_connected && props->connected);
		if (!central)
			return -ENOSPC;
	}
	/* Trusted, but what reaches clients and frames must have the shape BlueZ documents. */
	if (props->address && bdaddr_is_valid(props->address)) {
		g_autofree char *upper = g_ascii_strup(props->address, -1);

		/* The index's key is the entry's own string: out before it changes, in after. */
		if (central->announced && g_strcmp0(central->address, upper) != 0) {
			unindex(centrals, central);
			set_string(&central->address, upper);
			g_hash_table_insert(centrals->by_address, central->address, central);
		} else {
			set_string(&central->address, upper);
		}
	}
	if (g_strcmp0(props->address_type, "public") == 0 || g_strcmp0(props->address_type, "random") == 0)
		set_string(&central->address_type, props->address_type);
	set_string(&central->name, props->name);
	set_string(&central->alias, props->alias);
	if (props->has_paired)
		central->paired = props->paired;
	if (props->has_bonded) {
		central->has_bonded = true;
		central->bonded = props->bonded;
	}
	if (props->has_trusted)
		central->trusted = props->trusted;
	if (props->has_connected && props->connected != central->connected) {
		central->connected = props->connected;
		if (props->connected)
			central->connected_since = now;
	}
	update(centrals, central, NULL);
	if (!was_paired && (central->paired || central->bonded) && on_adapter(centrals, central))
		LISTENERS_REPORT(&centrals->listeners, GattCentralsListener, paired, centrals, central);
	/* After `disconnected` told what the link was. */
	if (!central->connected) {
		central->connected_since = 0;
		central->mtu = 0;
		g_clear_pointer(&central->reason, g_free);
	}
	return central->connected && !central->address ? 1 : 0;
}

void gatt_centrals_disconnect_reason(GattCentrals *centrals, const char *path, const char *bluez_reason)
{
	GattCentral *central = g_hash_table_lookup(centrals->by_path, path);

	if (central && central->connected)
		set_string(&central->reason, gatt_centrals_reason_name(bluez_reason));
}

void gatt_centrals_remove(GattCentrals *centrals, const char *path)
{
	GattCentral *central = g_hash_table_lookup(centrals->by_path, path);

	if (!central)
		return;
	leave(centrals, central, "removed");
	g_hash_table_remove(centrals->by_path, path);
}

void gatt_centrals_forget(GattCentrals *centrals, const char *reason)
{
	g_autoptr(GPtrArray) all = all_entries(centrals);

	for (unsigned i = 0; i < all->len; i++)
		leave(centrals, all->pdata[i], reason);
	g_hash_table_remove_all(centrals->by_path);
}

void gatt_centrals_saw_mtu(GattCentrals *centrals, const char *path, uint16_t mtu)
{
	GattCentral *central = path ? g_hash_table_lookup(centrals->by_path, path) : NULL;

	if (central && central->connected && mtu)
		central->mtu = mtu;
}

/* ---- reading ---- */

const GattCentral *gatt_centrals_lookup(GattCentrals *centrals, const char *path)
{
	return path ? g_hash_table_lookup(centrals->by_path, path) : NULL;
}

const GattCentral *gatt_centrals_find_address(GattCentrals *centrals, const char *address)
{
	char upper[18];

	if (!address || strlen(address) >= sizeof(upper))
		return NULL;
	for (size_t i = 0; i <= strlen(address); i++)
		upper[i] = g_ascii_toupper(address[i]);
	return g_hash_table_lookup(centrals->by_address, upper);
}

static int compare_joined(gconstpointer a, gconstpointer b)
{
	const GattCentral *x = *(const GattCentral *const *)a, *y = *(const GattCentral *const *)b;

	if (x->connected_since != y->connected_since)
		return x->connected_since < y->connected_since ? -1 : 1;
	return strcmp(x->path, y->path);
}

GPtrArray *gatt_centrals_list(GattCentrals *centrals)
{
	GPtrArray *list = g_ptr_array_sized_new(centrals->in_roster);
	GHashTableIter it;
	GattCentral *central;

	g_hash_table_iter_init(&it, centrals->by_path);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&central))
		if (central->announced)
			g_ptr_array_add(list, central);
	g_ptr_array_sort(list, compare_joined);
	return list;
}

static bool is_bond(const GattCentrals *centrals, const GattCentral *central)
{
	/* Bonded from 5.65 on; before, BlueZ's Paired devices are the ones it keeps keys for. */
	return central->address && on_adapter(centrals, central) &&
	       (central->has_bonded ? central->bonded : central->paired);
}

static int compare_address(gconstpointer a, gconstpointer b)
{
	return strcmp((*(const GattCentral *const *)a)->address, (*(const GattCentral *const *)b)->address);
}

GPtrArray *gatt_centrals_bonds(GattCentrals *centrals)
{
	GPtrArray *list = g_ptr_array_new();
	GHashTableIter it;
	GattCentral *central;

	g_hash_table_iter_init(&it, centrals->by_path);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&central))
		if (is_bond(centrals, central))
			g_ptr_array_add(list, central);
	g_ptr_array_sort(list, compare_address);
	return list;
}

const GattCentral *gatt_centrals_find_known(GattCentrals *centrals, const char *address)
{
	g_autofree char *upper = g_ascii_strup(address, -1);
	const GattCentral *found = NULL;
	GHashTableIter it;
	GattCentral *central;

	/* A connected one first: BlueZ may hold an older object with the same address (an RPA's past). */
	g_hash_table_iter_init(&it, centrals->by_path);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&central))
		if (g_strcmp0(central->address, upper) == 0 && on_adapter(centrals, central) &&
		    (!found || central->connected))
			found = central;
	return found;
}

bool gatt_centrals_on_adapter(GattCentrals *centrals, const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash && centrals->adapter && strlen(centrals->adapter) == (size_t)(slash - path) &&
	       strncmp(path, centrals->adapter, (size_t)(slash - path)) == 0;
}

unsigned gatt_centrals_count(GattCentrals *centrals)
{
	return centrals->in_roster;
}

bool gatt_centrals_has_room(GattCentrals *centrals)
{
	return g_hash_table_size(centrals->by_path) < GATT_CENTRALS_MAX;
}

/* ---- names ---- */

const char *gatt_centrals_reason_name(const char *bluez_reason)
{
	/* device.c device_disconnected (5.83+). */
	static const char *const names[] = { "unknown", "timeout", "local", "remote", "authentication", "suspend" };
	const char *prefix = "org.bluez.Reason.";

	if (bluez_reason && g_str_has_prefix(bluez_reason, prefix))
		for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
			if (g_ascii_strcasecmp(bluez_reason + strlen(prefix), names[i]) == 0)
				return names[i];
	return "unknown";
}
