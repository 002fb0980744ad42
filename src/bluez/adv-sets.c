/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * adv-sets.c: registering the [Advertising NAME] advertisements beside the main one
 * (adv-sets.h), one AdvPacing and one retry timer each.
 */
#include "bluez/adv-sets.h"

#include <string.h>

#include "bluez/adapter.h"
#include "bluez/adv-pacing.h"
#include "dbus/message.h"
#include "shared/log.h"

typedef struct {
	BluezAdvSets *sets;
	char *path;
	char *name;
	bool wanted;                /* the daemon's: enabled and not paused */
	bool registered;            /* bluetoothd answered the Register */
	DBusPendingCall *registering;
	char *held_on;              /* adapter whose bluetoothd may hold it: unregister there first */
	AdvPacing *pacing;
	guint retry_id;
	unsigned attempts;          /* consecutive refusals, for the backoff */
	char *error;                /* the last refusal, until a registration succeeds */
} AdvSet;

struct BluezAdvSets {
	BluezBus *bus;
	const Lifecycle *lc;
	char *adapter;              /* where they go now; NULL: off the air */
	GPtrArray *sets;            /* AdvSet*, in the order the daemon put them */
	BluezAdvSetRegistered registered;
	void *registered_data;
};

static void set_free(AdvSet *set)
{
	bluez_bus_cancel(&set->registering);
	g_clear_handle_id(&set->retry_id, g_source_remove);
	bluez_adv_pacing_free(set->pacing);
	g_free(set->path);
	g_free(set->name);
	g_free(set->held_on);
	g_free(set->error);
	g_free(set);
}

static AdvSet *find(BluezAdvSets *sets, const char *path)
{
	for (unsigned i = 0; i < sets->sets->len; i++) {
		AdvSet *set = sets->sets->pdata[i];

		if (strcmp(set->path, path) == 0)
			return set;
	}
	return NULL;
}

static const char *adapter_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : "?";
}

/* Stop what is in flight or waiting: the Register's answer, the retry, a held Register. */
static void settle(AdvSet *set)
{
	bluez_bus_cancel(&set->registering);
	g_clear_handle_id(&set->retry_id, g_source_remove);
	bluez_adv_pacing_drop_register(set->pacing);
	set->registered = false;
}

/* UnregisterAdvertisement of set where bluetoothd may hold it (held_on set). */
static DBusMessage *unregister_call(const AdvSet *set)
{
	return bluez_bus_path_call(set->held_on, ADV_MANAGER_IFACE, "UnregisterAdvertisement", set->path, false);
}

/* Unregister where bluetoothd may hold it; the next Register waits for the answer. */
static void unregister(AdvSet *set)
{
	g_autoptr(DBusMessage) msg = NULL;

	if (!set->held_on)
		return;
	msg = unregister_call(set);
	bluez_adv_pacing_unregister(set->pacing, msg);
	g_clear_pointer(&set->held_on, g_free);
}

static void start(void *data, bool unregister_first);

static gboolean retry_fired(gpointer data)
{
	AdvSet *set = data;

	set->retry_id = 0;
	start(set, false);
	return G_SOURCE_REMOVE;
}

/* Unregister where bluetoothd may hold it, with no answer awaited (shutdown, a removed object). */
static void unregister_and_forget(AdvSet *set)
{
	g_autoptr(DBusMessage) msg = NULL;

	if (!set->held_on)
		return;
	msg = unregister_call(set);
	dbus_message_set_no_reply(msg, TRUE);
	bluez_bus_send(set->sets->bus, msg);
	g_clear_pointer(&set->held_on, g_free);
}

static void register_reply(DBusPendingCall *call, void *data)
{
	AdvSet *set = data;
	g_autoptr(DBusMessage) reply = bluez_bus_take_reply(&set->registering, call);
	const char *error;
	unsigned delay;

	if (!reply)
		return;
	error = dbus_message_get_error_name(reply);
	if (!error || strcmp(error, BLUEZ_ERROR_PREFIX "AlreadyExists") == 0) {
		log_info("advertising %s on %s", set->name, adapter_name(set->sets->adapter));
		set->registered = true;
		set->attempts = 0;
		g_clear_pointer(&set->error, g_free);
		if (set->sets->registered)
			set->sets->registered(set->path, set->sets->registered_data);
		return;
	}
	delay = lifecycle_backoff_ms(set->sets->lc->retry_min_ms, set->sets->lc->retry_max_ms, set->attempts++);
	g_free(set->error);
	set->error = g_strdup_printf("%s: %s", error, bluez_bus_error_text(reply));
	log_warning("RegisterAdvertisement of advertisement %s on %s failed: %s%s; retrying in %u ms", set->name,
	            adapter_name(set->sets->adapter), set->error,
	            strcmp(error, BLUEZ_ERROR_PREFIX "NotPermitted") == 0
	                    ? " (the controller's advertising instances are taken, by gattd's other advertisements "
	                      "or other programs': LEAdvertisingManager1.SupportedInstances says how many it has)"
	                    : "",
	            delay);
	set->retry_id = g_timeout_add(delay, retry_fired, set);
}

/*
 * Register it if it should be on the air and is not (nor on its way), after an
 * Unregister if unregister_first and bluetoothd may hold it: AdvPacing calls this
 * once the queued events are handled, and again once that Unregister is answered.
 */
static void start(void *data, bool unregister_first)
{
	AdvSet *set = data;
	const char *adapter = set->sets->adapter;
	g_autoptr(DBusMessage) msg = NULL;

	if (!adapter || !set->wanted || set->registered || set->registering || set->retry_id)
		return;
	if (unregister_first)
		unregister(set);
	if (bluez_adv_pacing_hold_register(set->pacing))
		return;
	msg = bluez_bus_path_call(adapter, ADV_MANAGER_IFACE, "RegisterAdvertisement", set->path, true);
	set->registering = bluez_bus_call(set->sets->bus, msg, register_reply, set);
	if (set->registering) {
		g_free(set->held_on);
		set->held_on = g_strdup(adapter);
	}
}

/* Bring set where it should be: on the air (after an Unregister when bluetoothd may hold it) or off. */
static void follow(AdvSet *set)
{
	if (set->sets->adapter && set->wanted) {
		bluez_adv_pacing_start_soon(set->pacing, set->held_on != NULL);
		return;
	}
	settle(set);
	/* Off the air by power-off or a lost adapter, bluetoothd keeps it: unregistered at the next start. */
	if (!set->wanted)
		unregister(set);
}

/* ---- from bluez.c ---- */

BluezAdvSets *bluez_adv_sets_new(BluezBus *bus, const Lifecycle *lc)
{
	BluezAdvSets *sets = g_new0(BluezAdvSets, 1);

	sets->bus = bus;
	sets->lc = lc;
	sets->sets = g_ptr_array_new_with_free_func((GDestroyNotify)set_free);
	return sets;
}

void bluez_adv_sets_free(BluezAdvSets *sets)
{
	if (!sets)
		return;
	g_ptr_array_unref(sets->sets);
	g_free(sets->adapter);
	g_free(sets);
}

void bluez_adv_sets_sync(BluezAdvSets *sets, const char *adapter)
{
	if (g_strcmp0(sets->adapter, adapter) == 0)
		return;
	g_free(sets->adapter);
	sets->adapter = g_strdup(adapter);
	for (unsigned i = 0; i < sets->sets->len; i++) {
		AdvSet *set = sets->sets->pdata[i];

		/* Another adapter, or this one after a power-off: bluetoothd reads them afresh. */
		settle(set);
		follow(set);
	}
}

void bluez_adv_sets_forget(BluezAdvSets *sets)
{
	for (unsigned i = 0; i < sets->sets->len; i++) {
		AdvSet *set = sets->sets->pdata[i];

		settle(set);
		bluez_adv_pacing_forget(set->pacing);
		g_clear_pointer(&set->held_on, g_free);
	}
}

void bluez_adv_sets_stop(BluezAdvSets *sets)
{
	g_clear_pointer(&sets->adapter, g_free);
	for (unsigned i = 0; i < sets->sets->len; i++) {
		AdvSet *set = sets->sets->pdata[i];

		settle(set);
		unregister_and_forget(set);
	}
}

/* ---- from the daemon ---- */

void bluez_adv_sets_set_callback(BluezAdvSets *sets, BluezAdvSetRegistered registered, void *data)
{
	sets->registered = registered;
	sets->registered_data = data;
}

void bluez_adv_sets_put(BluezAdvSets *sets, const char *path, const char *name, bool wanted, bool changed)
{
	AdvSet *set = find(sets, path);

	if (!set) {
		set = g_new0(AdvSet, 1);
		set->sets = sets;
		set->path = g_strdup(path);
		set->name = g_strdup(name);
		set->pacing = bluez_adv_pacing_new(sets->bus, start, set);
		g_ptr_array_add(sets->sets, set);
	}
	if (set->wanted == wanted && !changed)
		return;
	set->wanted = wanted;
	if (changed) {
		settle(set);
		set->attempts = 0;
	}
	follow(set);
}

void bluez_adv_sets_remove(BluezAdvSets *sets, const char *path)
{
	AdvSet *set = find(sets, path);

	if (!set)
		return;
	settle(set);
	/* Nothing waits for the answer: the object is gone. */
	unregister_and_forget(set);
	g_ptr_array_remove(sets->sets, set);
}

void bluez_adv_sets_released(BluezAdvSets *sets, const char *path)
{
	AdvSet *set = find(sets, path);

	if (!set)
		return;
	settle(set);
	g_clear_pointer(&set->held_on, g_free);
	if (sets->adapter && set->wanted)
		set->retry_id = g_timeout_add(lifecycle_backoff_ms(sets->lc->retry_min_ms, sets->lc->retry_max_ms,
		                                                   set->attempts++),
		                              retry_fired, set);
}

bool bluez_adv_sets_is_registered(BluezAdvSets *sets, const char *path)
{
	AdvSet *set = find(sets, path);

	return set && set->registered;
}

const char *bluez_adv_sets_error(BluezAdvSets *sets, const char *path)
{
	AdvSet *set = find(sets, path);

	return set ? set->error : NULL;
}
