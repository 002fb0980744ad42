/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bluez.c: following BlueZ over the bus (bus.c) and executing the lifecycle's actions. */
#include "bluez/bluez.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bluez/adapter.h"
#include "bluez/adv-pacing.h"
#include "bluez/adv-sets.h"
#include "bluez/bus.h"
#include "bluez/devices.h"
#include "bluez/pairing.h"
#include "bluez/power.h"
#include "config/flags.h"
#include "dbus/message.h"
#include "shared/listeners.h"
#include "shared/log.h"

#define OBJECT_MANAGER_IFACE "org.freedesktop.DBus.ObjectManager"

/* How long shutdown waits for BlueZ to acknowledge the unregistrations. */
#define SHUTDOWN_TIMEOUT_MS 3000

typedef struct Registration Registration;

struct Bluez {
	GattApp *app;
	ListenerList listeners;       /* BluezListener */

	Lifecycle lc;
	BluezBus *bus;
	DBusPendingCall *pending;     /* the lifecycle's one in-flight BlueZ call */
	const Registration *registering; /* what it registers, when it does */
	GPtrArray *stopping_calls;    /* DBusPendingCall*: unregistrations on shutdown */
	AdapterPower *power;          /* AutoPowerOn's requests */
	BluezDevices *devices;        /* the centrals (Device1), into the roster */
	BluezPairing *pairing;        /* the pairing agent ([Pairing]) */
	AdvPacing *adv_pacing;        /* when the advertisement's Register goes out */
	BluezAdvSets *adv_sets;       /* the [Advertising NAME] ones, beside the lifecycle */
	guint power_check_id;         /* LC_ACT_SCHEDULE_POWER_CHECK */
	guint retry_id;
	guint shutdown_timeout_id;

	AdapterTable table;           /* BlueZ's adapters and the selected one */
	char *registered_on;          /* adapter path the app was registered on, for shutdown */
	bool stop_reported;
	bool flag_hint_given;         /* hint_unknown_flags() said it since the last registration */
};

static void handle_event(Bluez *bluez, const LcEvent *ev);

static void emit_simple(Bluez *bluez, LcEventType type)
{
	LcEvent ev = { .type = type };

	handle_event(bluez, &ev);
}

/* ---- BlueZ's adapters (adapter.c decides what a change means) ---- */

static void log_table_full(int error, const char *path)
{
	if (error == -ENOSPC)
		log_warning("more than %d adapters; ignoring %s", ADAPTER_TABLE_MAX, path);
}

static void notify_adapter_changed(Bluez *bluez)
{
	const AdapterInfo *info = bluez->table.selected;

	bluez_devices_set_adapter(bluez->devices, info ? info->path : NULL,
	                          lifecycle_reason_name(LC_REASON_ADAPTER_REMOVED));
	LISTENERS_REPORT(&bluez->listeners, BluezListener, adapter_changed, bluez);
}

/*
 * Forget what bluetoothd told us of its adapters (it left, or the bus did). Returns
 * whether an adapter was selected, so callers can report it gone.
 */
static bool forget_bluez(Bluez *bluez)
{
	bluez_adv_pacing_forget(bluez->adv_pacing);
	bluez_adv_sets_forget(bluez->adv_sets);
	adapter_power_cancel(bluez->power);
	g_clear_pointer(&bluez->registered_on, g_free);
	return adapter_table_forget(&bluez->table);
}

/* ---- timers and pending calls ---- */

/* (Re)arm one of the lifecycle's timers: the earlier one, if any, no longer counts. */
static void restart_timer(Bluez *bluez, guint *id, unsigned ms, GSourceFunc fired)
{
	g_clear_handle_id(id, g_source_remove);
	*id = g_timeout_add(ms, fired, bluez);
}

static gboolean retry_fired(gpointer data)
{
	Bluez *bluez = data;

	bluez->retry_id = 0;
	emit_simple(bluez, LC_EV_RETRY_TIMER);
	return G_SOURCE_REMOVE;
}

/* Take the reply of the lifecycle's pending call; NULL if it was not ours. */
static DBusMessage *steal_reply(Bluez *bluez, DBusPendingCall *call)
{
	return bluez_bus_take_reply(&bluez->pending, call);
}

/* ---- GetManagedObjects ---- */

static void apply_object(const char *path, const char *const *ifaces, size_t n, const BluezObjectProps *props,
                         void *data)
{
	Bluez *bluez = data;

	log_table_full(adapter_table_apply(&bluez->table, path, ifaces, n, &props->adapter), path);
	bluez_devices_object(bluez->devices, path, props);
}

static void discover_reply(DBusPendingCall *call, void *data)
{
	Bluez *bluez = data;
	g_autoptr(DBusMessage) reply = steal_reply(bluez, call);
	LcEvent ev;
	AdapterInfo *info;

	if (!reply)
		return;
	if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR || !dbus_message_has_signature(reply, "a{oa{sa{sv}}}")) {
		log_warning("GetManagedObjects on " BLUEZ_SERVICE " failed: %s %s; retrying in %u ms",
		            dbus_message_get_error_name(reply) ? dbus_message_get_error_name(reply)
		                                               : "unexpected reply signature",
		            dbus_message_get_error_name(reply) ? bluez_bus_error_text(reply) : dbus_message_get_signature(reply),
		            lifecycle_backoff_ms(bluez->lc.retry_min_ms, bluez->lc.retry_max_ms, bluez->lc.attempts));
		emit_simple(bluez, LC_EV_DISCOVER_FAILED);
		return;
	}

	adapter_table_forget(&bluez->table);
	bluez_bus_read_objects(reply, apply_object, bluez);

	ev = adapter_table_discovered(&bluez->table);
	info = bluez->table.selected;
	if (info) {
		log_info("using adapter %s (%s), %s", adapter_info_name(info), info->address ? info->address : "?",
		         info->powered ? "powered" : "not powered");
		notify_adapter_changed(bluez);
	} else {
		log_notice("BlueZ has no adapter matching %s (%u adapters seen); waiting for one",
		           adapter_table_wanted(&bluez->table), g_hash_table_size(bluez->table.adapters));
	}
	handle_event(bluez, &ev);
}

static void start_discovery(Bluez *bluez)
{
	g_autoptr(DBusMessage) msg = dbus_message_new_method_call(BLUEZ_SERVICE, "/", OBJECT_MANAGER_IFACE,
	                                                          "GetManagedObjects");

	bluez->pending = bluez_bus_call(bluez->bus, msg, discover_reply, bluez);
}

/* What a failed registration step logs before the state machine schedules its retry. */
static void log_call_failed(Bluez *bluez, const char *method, DBusMessage *reply)
{
	log_warning("%s on %s failed: %s: %s; retrying in %u ms", method, adapter_info_name(bluez->table.selected),
	            dbus_message_get_error_name(reply), bluez_bus_error_text(reply),
	            lifecycle_backoff_ms(bluez->lc.retry_min_ms, bluez->lc.retry_max_ms, bluez->lc.attempts));
}

/* ---- registering with BlueZ: the application and the advertisement ---- */

struct Registration {
	const char *iface;              /* the adapter's manager */
	const char *register_method;
	const char *unregister_method;
	const char *path;               /* our object */
	LcEventType ok, failed;         /* the event the reply means */
	bool already_ok;                /* org.bluez.Error.AlreadyExists counts as success */
	/* Outside shutdown, unregister from the adapter registered on (else the selected one). */
	bool unregister_where_registered;
	/* What success logs and records; already: BlueZ said AlreadyExists. */
	void (*registered)(Bluez *bluez, bool already);
};

static void app_registered(Bluez *bluez, bool already)
{
	log_info("application %s registered on %s%s", GATT_APP_ROOT, adapter_info_name(bluez->table.selected),
	         already ? " (already registered)" : "");
	g_free(bluez->registered_on);
	bluez->registered_on = g_strdup(bluez->table.selected->path);
}

static void adv_registered(Bluez *bluez, bool already)
{
	log_info("advertising on %s", adapter_info_name(bluez->table.selected));
}

/* Fields in struct Registration's order. */
static const Registration app_registration = {
	GATT_MANAGER_IFACE, "RegisterApplication", "UnregisterApplication", GATT_APP_ROOT,
	LC_EV_REGISTER_OK, LC_EV_REGISTER_FAILED, true, true, app_registered,
};
static const Registration adv_registration = {
	ADV_MANAGER_IFACE, "RegisterAdvertisement", "UnregisterAdvertisement", ADVERTISEMENT_PATH,
	LC_EV_ADVERTISE_OK, LC_EV_ADVERTISE_FAILED, false, false, adv_registered,
};

/*
 * bluetoothd before 5.62 does not know the security forms of notify and indicate
 * (gatt-database.c parse_chrc_flags): one of them fails the whole RegisterApplication
 * with "No valid service object found", at every retry. Name every such flag in one
 * line, once until a registration succeeds (the error text alone does not say that
 * bluetoothd is that old: it may have refused for another reason).
 */
static void hint_unknown_flags(Bluez *bluez, DBusMessage *reply)
{
	GPtrArray *chars = gatt_app_get_chars(bluez->app);
	g_autoptr(GString) found = g_string_new(NULL);
	const char *newest = NULL;

	if (bluez->flag_hint_given || !strstr(bluez_bus_error_text(reply), "No valid service object found"))
		return;
	for (unsigned i = 0; i < chars->len; i++) {
		const CfgCharacteristic *cfg = ((const GattChar *)chars->pdata[i])->cfg;

		for (char **flag = cfg->flags; *flag; flag++) {
			const char *since = flags_bluez_since(*flag);

			if (!since)
				continue;
			g_string_append_printf(found, "%s[Characteristic %s] '%s'", found->len ? ", " : "", cfg->id,
			                       *flag);
			if (!newest || strverscmp(since, newest) > 0)
				newest = since;
		}
	}
	if (!newest)
		return;
	log_warning("RegisterApplication: \"No valid service object found\": if bluetoothd is older than %s, it is "
	            "refusing the whole application for flags it does not know: %s; update bluetoothd, or drop "
	            "the security requirement from those flags (plain 'notify' or 'indicate')",
	            newest, found->str);
	bluez->flag_hint_given = true;
}

static void register_reply(DBusPendingCall *call, void *data)
{
	Bluez *bluez = data;
	const Registration *reg = bluez->registering;
	g_autoptr(DBusMessage) reply = steal_reply(bluez, call);
	const char *error;

	if (!reply)
		return;
	error = dbus_message_get_error_name(reply);
	if (!error || (reg->already_ok && strcmp(error, BLUEZ_ERROR_PREFIX "AlreadyExists") == 0)) {
		if (reg == &app_registration)
			bluez->flag_hint_given = false;
		reg->registered(bluez, error != NULL);
		emit_simple(bluez, reg->ok);
		return;
	}
	log_call_failed(bluez, reg->register_method, reply);
	if (reg == &app_registration)
		hint_unknown_flags(bluez, reply);
	emit_simple(bluez, reg->failed);
}

/* The advertisement's Register may wait for the Unregister before it (adv-pacing.h). */
static void register_with(Bluez *bluez, const Registration *reg)
{
	g_autoptr(DBusMessage) msg = NULL;

	if (reg == &adv_registration && bluez_adv_pacing_hold_register(bluez->adv_pacing))
		return;
	msg = bluez_bus_path_call(bluez->table.selected->path, reg->iface, reg->register_method, reg->path, true);
	bluez->registering = reg;
	bluez->pending = bluez_bus_call(bluez->bus, msg, register_reply, bluez);
}

static void stopping_reply(DBusPendingCall *call, void *data);

/*
 * On shutdown the unregistration is waited for (stopping_calls). Otherwise BlueZ may
 * or may not still hold the object and its error is ignored: the application's is fire
 * and forget (the Register that follows is ordered after it); the advertisement's
 * Register waits for its answer (register_with).
 */
static void unregister_from(Bluez *bluez, const Registration *reg)
{
	bool stopping = bluez->lc.state == LC_STATE_STOPPING;
	const char *adapter = bluez->table.selected ? bluez->table.selected->path : NULL;
	g_autoptr(DBusMessage) msg = NULL;
	DBusPendingCall *call;

	if (bluez->registered_on && (stopping || reg->unregister_where_registered))
		adapter = bluez->registered_on;
	if (!adapter)
		return;
	msg = bluez_bus_path_call(adapter, reg->iface, reg->unregister_method, reg->path, false);
	if (!stopping && reg == &adv_registration) {
		bluez_adv_pacing_unregister(bluez->adv_pacing, msg);
		return;
	}
	if (!stopping) {
		dbus_message_set_no_reply(msg, TRUE);
		bluez_bus_send(bluez->bus, msg);
		return;
	}
	call = bluez_bus_call(bluez->bus, msg, stopping_reply, bluez);
	if (call)
		g_ptr_array_add(bluez->stopping_calls, call);
}

/*
 * The lifecycle wants the advertisement (re)registered (adv-pacing.c calls when). The
 * lifecycle state stays ADVERTISE_START meanwhile; if the events take it elsewhere,
 * nothing is sent (adv_maybe_held stays set, so the next start unregisters first).
 */
static void start_advertising(void *data, bool unregister_first)
{
	Bluez *bluez = data;

	if (bluez->lc.state != LC_STATE_ADVERTISE_START || bluez->pending || !bluez->table.selected)
		return;
	if (unregister_first)
		unregister_from(bluez, &adv_registration);
	register_with(bluez, &adv_registration);
}

/* ---- shutdown ---- */

static void finish_stopping(Bluez *bluez)
{
	if (bluez->stop_reported)
		return;
	bluez->stop_reported = true;
	g_clear_handle_id(&bluez->shutdown_timeout_id, g_source_remove);
	for (unsigned i = 0; i < bluez->stopping_calls->len; i++)
		dbus_pending_call_cancel(bluez->stopping_calls->pdata[i]);
	g_ptr_array_set_size(bluez->stopping_calls, 0);
	bluez_bus_flush(bluez->bus);
	LISTENERS_REPORT(&bluez->listeners, BluezListener, stopped, bluez);
}

static void stopping_reply(DBusPendingCall *call, void *data)
{
	Bluez *bluez = data;
	g_autoptr(DBusMessage) reply = dbus_pending_call_steal_reply(call);

	if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR)
		log_info("unregistering: %s: %s, ignoring", dbus_message_get_error_name(reply), bluez_bus_error_text(reply));
	g_ptr_array_remove(bluez->stopping_calls, call);
	if (bluez->stopping_calls->len == 0)
		finish_stopping(bluez);
}

static gboolean shutdown_timed_out(gpointer data)
{
	Bluez *bluez = data;

	bluez->shutdown_timeout_id = 0;
	log_warning("BlueZ did not acknowledge unregistration within %d ms; exiting anyway", SHUTDOWN_TIMEOUT_MS);
	finish_stopping(bluez);
	return G_SOURCE_REMOVE;
}

static void on_interfaces_added(BluezBus *bus, const char *path, const char *const *ifaces, size_t n,
                                const BluezObjectProps *props, void *data)
{
	Bluez *bluez = data;
	AdapterUpdate update = adapter_table_interfaces_added(&bluez->table, path, ifaces, n, &props->adapter,
	                                                      bluez->lc.state == LC_STATE_NO_ADAPTER);

	log_table_full(update.error, path);
	if (update.has_event && update.event.type == LC_EV_ADAPTER_ADDED) {
		const AdapterInfo *info = bluez->table.selected;

		log_info("adapter %s (%s) appeared, %s", adapter_info_name(info), info->address ? info->address : "?",
		         info->powered ? "powered" : "not powered");
	}
	/* Before the lifecycle registers there: what the adapter offers shapes the advertisements. */
	if (update.has_event && (update.event.type == LC_EV_ADAPTER_ADDED || update.event.type == LC_EV_ADV_MANAGER_ADDED))
		notify_adapter_changed(bluez);
	if (update.has_event)
		handle_event(bluez, &update.event);
}

static void on_interfaces_removed(BluezBus *bus, const char *path, const char *const *ifaces, size_t n, void *data)
{
	Bluez *bluez = data;
	g_autoptr(AdapterInfo) gone = NULL;
	AdapterUpdate update;
	LcEvent ev;

	if (!adapter_table_lookup(&bluez->table, path))
		return;
	update = adapter_table_interfaces_removed(&bluez->table, path, ifaces, n);
	gone = update.gone;
	if (gone) {
		log_notice("adapter %s (%s) removed; waiting for it to return", adapter_info_name(gone),
		           gone->address ? gone->address : "?");
		g_clear_pointer(&bluez->registered_on, g_free);
		handle_event(bluez, &update.event);
		notify_adapter_changed(bluez);
	} else if (update.has_event) {
		handle_event(bluez, &update.event);
	}

	/* In auto mode another adapter may take over at once. */
	if (bluez->lc.state == LC_STATE_NO_ADAPTER && adapter_table_take_over(&bluez->table, &ev)) {
		log_info("switching to adapter %s", adapter_info_name(bluez->table.selected));
		notify_adapter_changed(bluez);
		handle_event(bluez, &ev);
	}
}

/* The selected adapter must stay pairable while gattd's agent is bluetoothd's default (pairing.h). */
static void keep_pairable(Bluez *bluez)
{
	const AdapterInfo *info = bluez->table.selected;

	if (info && !info->pairable && bluez->lc.agent == LC_AGENT_REGISTERED)
		bluez_pairing_keep_pairable(bluez->pairing, info->path);
}

static void on_adapter_properties_changed(BluezBus *bus, const char *path, const AdapterProps *props, void *data)
{
	Bluez *bluez = data;
	AdapterUpdate update = adapter_table_properties_changed(&bluez->table, path, props);
	const AdapterInfo *info = bluez->table.selected;

	if (props->has_pairable && info && strcmp(info->path, path) == 0)
		keep_pairable(bluez);
	if (!update.has_event)
		return;
	log_info("adapter %s powered %s", adapter_info_name(info), info->powered ? "on" : "off");
	notify_adapter_changed(bluez);
	handle_event(bluez, &update.event);
}

/* ---- the bus connection and org.bluez's owner (bus.c) ---- */

static void connect_bus(Bluez *bluez)
{
	g_autofree char *error = NULL;

	if (bluez_bus_connect(bluez->bus, &error) == 0)
		return;
	if (error)
		log_warning("cannot connect to the system bus at %s: %s; retrying in %u ms", bluez_bus_address(), error,
		            lifecycle_backoff_ms(bluez->lc.retry_min_ms, bluez->lc.retry_max_ms, bluez->lc.attempts));
	emit_simple(bluez, LC_EV_BUS_LOST);
}

static void on_bus_connected(BluezBus *bus, void *data)
{
	emit_simple(data, LC_EV_BUS_CONNECTED);
}

static void on_bus_lost(BluezBus *bus, void *data)
{
	Bluez *bluez = data;

	bluez_bus_cancel(&bluez->pending);
	bluez_devices_forget(bluez->devices, lifecycle_reason_name(LC_REASON_BUS_LOST));
	if (forget_bluez(bluez))
		notify_adapter_changed(bluez);
	emit_simple(bluez, LC_EV_BUS_LOST);
}

static void on_bluez_appeared(BluezBus *bus, void *data)
{
	emit_simple(data, LC_EV_BLUEZ_APPEARED);
}

static void on_bluez_vanished(BluezBus *bus, void *data)
{
	Bluez *bluez = data;

	bluez_devices_forget(bluez->devices, lifecycle_reason_name(LC_REASON_BLUEZ_GONE));
	if (forget_bluez(bluez))
		notify_adapter_changed(bluez);
	emit_simple(bluez, LC_EV_BLUEZ_VANISHED);
}

static void on_bluez_absent(BluezBus *bus, void *data)
{
	emit_simple(data, LC_EV_BLUEZ_ABSENT);
}

static const BluezBusListener bus_listener = {
	.connected = on_bus_connected,
	.lost = on_bus_lost,
	.bluez_appeared = on_bluez_appeared,
	.bluez_vanished = on_bluez_vanished,
	.bluez_absent = on_bluez_absent,
	.interfaces_added = on_interfaces_added,
	.interfaces_removed = on_interfaces_removed,
	.adapter_properties_changed = on_adapter_properties_changed,
};

/* ---- powering the adapter on (AutoPowerOn; bluez/power.c asks) ---- */

static void on_power_answered(void *data)
{
	emit_simple(data, LC_EV_POWER_ANSWERED);
}

static gboolean power_check_fired(gpointer data)
{
	Bluez *bluez = data;

	bluez->power_check_id = 0;
	emit_simple(bluez, LC_EV_POWER_TIMER);
	return G_SOURCE_REMOVE;
}

/* ---- the pairing agent (bluez/pairing.c) ---- */

static void on_pairing_event(LcEventType type, void *data)
{
	emit_simple(data, type);
	if (type == LC_EV_AGENT_OK)
		keep_pairable(data);
}

/* ---- executing the state machine ---- */

static void execute(Bluez *bluez, const LcOutput *out)
{
	unsigned a = out->actions;

	if (a & LC_ACT_CANCEL_RETRY)
		g_clear_handle_id(&bluez->retry_id, g_source_remove);
	if (a & LC_ACT_CANCEL_PENDING) {
		bluez_bus_cancel(&bluez->pending);
		bluez_adv_pacing_drop_register(bluez->adv_pacing);
	}
	if (a & LC_ACT_RESET_HANDLES)
		gatt_app_reset_handles(bluez->app);
	if (a & LC_ACT_CONNECT_BUS)
		connect_bus(bluez);
	if (a & LC_ACT_DISCOVER)
		start_discovery(bluez);
	/* Starting to advertise waits for the signals already queued (adv-pacing.h). */
	if (a & LC_ACT_REGISTER_ADV && bluez->lc.state == LC_STATE_ADVERTISE_START) {
		bluez_adv_pacing_start_soon(bluez->adv_pacing, a & LC_ACT_UNREGISTER_ADV);
		a &= ~(unsigned)(LC_ACT_UNREGISTER_ADV | LC_ACT_REGISTER_ADV);
	}
	if (a & LC_ACT_UNREGISTER_ADV)
		unregister_from(bluez, &adv_registration);
	if (a & LC_ACT_UNREGISTER_APP)
		unregister_from(bluez, &app_registration);
	if (a & LC_ACT_REGISTER_APP)
		register_with(bluez, &app_registration);
	if (a & LC_ACT_REGISTER_ADV)
		register_with(bluez, &adv_registration);
	if (a & LC_ACT_SCHEDULE_RETRY)
		restart_timer(bluez, &bluez->retry_id, out->retry_ms, retry_fired);
	/* Before shutdown may finish below, so that UnregisterAgent leaves first. */
	bluez_pairing_execute(bluez->pairing, out);
	if (a & LC_ACT_NOTIFY_DOWN) {
		log_notice("services are off the air: %s", lifecycle_reason_name(out->reason));
		gatt_app_reset_notifying(bluez->app);
		LISTENERS_REPORT(&bluez->listeners, BluezListener, down, bluez, out->reason);
	}
	if (a & LC_ACT_NOTIFY_UP) {
		log_notice("services are on the air on %s", bluez_get_adapter_name(bluez));
		LISTENERS_REPORT(&bluez->listeners, BluezListener, up, bluez);
	}
	if (a & (LC_ACT_UNREGISTER_APP | LC_ACT_UNREGISTER_ADV) && bluez->lc.state == LC_STATE_STOPPING) {
		if (bluez->stopping_calls->len == 0)
			finish_stopping(bluez);
		else
			bluez->shutdown_timeout_id = g_timeout_add(SHUTDOWN_TIMEOUT_MS, shutdown_timed_out, bluez);
	}
	if (a & LC_ACT_STOPPED)
		finish_stopping(bluez);
	if (a & LC_ACT_POWER_ON)
		adapter_power_request(bluez->power, bluez->lc.power_tries, LC_POWER_ON_TRIES);
	if (a & LC_ACT_CANCEL_POWER_CHECK)
		g_clear_handle_id(&bluez->power_check_id, g_source_remove);
	if (a & LC_ACT_SCHEDULE_POWER_CHECK)
		restart_timer(bluez, &bluez->power_check_id, out->power_check_ms, power_check_fired);
	if (a & LC_ACT_POWER_GAVE_UP)
		adapter_power_log_gave_up(bluez->power, LC_POWER_ON_TRIES);
}

/*
 * A pending call failing synchronously (no connection) means the bus is gone; the
 * Disconnected signal will follow and drive the state machine.
 */
static void handle_event(Bluez *bluez, const LcEvent *ev)
{
	LcOutput out = lifecycle_handle(&bluez->lc, ev);

	if (out.ignored) {
		log_debug("lifecycle: %s ignored in %s", lifecycle_event_name(ev->type),
		          lifecycle_state_name(out.old_state));
		return;
	}
	if (out.old_state != out.new_state) {
		g_autofree char *desc = bluez_describe(bluez);

		log_info("lifecycle: %s -> %s (%s; %s)", lifecycle_state_name(out.old_state),
		         lifecycle_state_name(out.new_state), lifecycle_event_name(ev->type), desc);
	}
	execute(bluez, &out);
	bluez_adv_sets_sync(bluez->adv_sets, lifecycle_is_on_air(&bluez->lc) && bluez->lc.adv_manager && bluez->table.selected
	                                             ? bluez->table.selected->path : NULL);
	if (out.old_state != out.new_state)
		LISTENERS_REPORT(&bluez->listeners, BluezListener, state_changed, bluez);
}

/* ---- public ---- */

Bluez *bluez_new(const GattdConfig *config, BusExporter *exporter, GattApp *app, GattCentrals *centrals)
{
	Bluez *bluez = g_new0(Bluez, 1);

	bluez->app = app;
	listener_list_init(&bluez->listeners);
	adapter_table_init(&bluez->table, config->adapter_match, config->adapter);
	bluez->stopping_calls = g_ptr_array_new_with_free_func((GDestroyNotify)dbus_pending_call_unref);
	lifecycle_init(&bluez->lc, config->advertising.enabled, config->retry_min_ms, config->retry_max_ms);
	bluez->lc.power_on = config->auto_power_on;
	bluez->bus = bluez_bus_new(exporter);
	bluez_bus_add_listener(bluez->bus, &bus_listener, bluez);
	bluez->power = adapter_power_new(bluez->bus, &bluez->table, on_power_answered, bluez);
	bluez->adv_pacing = bluez_adv_pacing_new(bluez->bus, start_advertising, bluez);
	bluez->adv_sets = bluez_adv_sets_new(bluez->bus, &bluez->lc);
	bluez->devices = bluez_devices_new(bluez->bus, centrals);
	bluez->lc.agent_enabled = config->pairing.method != PAIRING_OFF;
	bluez->pairing = bluez_pairing_new(exporter, bluez->bus, &config->pairing, centrals, on_pairing_event, bluez);
	return bluez;
}

void bluez_free(Bluez *bluez)
{
	if (!bluez)
		return;
	g_clear_handle_id(&bluez->retry_id, g_source_remove);
	g_clear_handle_id(&bluez->shutdown_timeout_id, g_source_remove);
	g_clear_handle_id(&bluez->power_check_id, g_source_remove);
	for (unsigned i = 0; i < bluez->stopping_calls->len; i++)
		dbus_pending_call_cancel(bluez->stopping_calls->pdata[i]);
	g_ptr_array_unref(bluez->stopping_calls);
	bluez_bus_cancel(&bluez->pending);
	bluez_adv_pacing_free(bluez->adv_pacing);
	bluez_adv_sets_free(bluez->adv_sets);
	adapter_power_free(bluez->power);
	bluez_pairing_free(bluez->pairing);
	bluez_devices_free(bluez->devices);
	bluez_bus_free(bluez->bus);
	adapter_table_clear(&bluez->table);
	g_free(bluez->registered_on);
	listener_list_clear(&bluez->listeners);
	g_free(bluez);
}

LISTENERS_DEFINE_ADD_REMOVE(Bluez, bluez, BluezListener)

void bluez_start(Bluez *bluez)
{
	emit_simple(bluez, LC_EV_START);
}

void bluez_shutdown(Bluez *bluez)
{
	bluez_adv_sets_stop(bluez->adv_sets);
	emit_simple(bluez, LC_EV_SHUTDOWN);
}

void bluez_reload(Bluez *bluez, const GattdConfig *config, GattApp *app, bool same_tree, bool same_adv,
                  bool adv_enabled)
{
	bluez->app = app;
	/* bluetoothd reads the capability at RegisterAgent only. */
	if (bluez_pairing_reload(bluez->pairing, &config->pairing, bluez->lc.agent_enabled)) {
		LcEvent ev = { .type = LC_EV_AGENT_CHANGED, .agent_enabled = config->pairing.method != PAIRING_OFF };

		handle_event(bluez, &ev);
	}
	adapter_table_set_wanted(&bluez->table, config->adapter_match, config->adapter);
	bluez->lc.retry_min_ms = config->retry_min_ms;
	bluez->lc.retry_max_ms = config->retry_max_ms;
	/* From the next time the adapter is found off. */
	bluez->lc.power_on = config->auto_power_on;
	if (!same_tree)
		emit_simple(bluez, LC_EV_APP_CHANGED);
	if (!same_adv) {
		LcEvent ev = { .type = LC_EV_ADV_CHANGED, .adv_enabled = adv_enabled };

		handle_event(bluez, &ev);
	} else {
		bluez_set_advertising(bluez, adv_enabled);
	}
}

void bluez_set_advertising(Bluez *bluez, bool enabled)
{
	LcEvent ev = { .type = LC_EV_ADV_CHANGED, .adv_enabled = enabled };

	if (bluez->lc.adv_enabled != enabled)
		handle_event(bluez, &ev);
}

void bluez_advertisement_released(Bluez *bluez)
{
	emit_simple(bluez, LC_EV_ADV_RELEASED);
}

BluezDevices *bluez_get_devices(Bluez *bluez)
{
	return bluez->devices;
}

BluezAdvSets *bluez_get_adv_sets(Bluez *bluez)
{
	return bluez->adv_sets;
}

LcState bluez_get_state(Bluez *bluez)
{
	return bluez->lc.state;
}

bool bluez_is_registered(Bluez *bluez)
{
	return lifecycle_is_registered(&bluez->lc);
}

bool bluez_is_on_air(Bluez *bluez)
{
	return lifecycle_is_on_air(&bluez->lc);
}

bool bluez_is_advertising(Bluez *bluez)
{
	return lifecycle_is_advertising(&bluez->lc);
}

bool bluez_is_settled(Bluez *bluez)
{
	return lifecycle_is_settled(&bluez->lc);
}

const char *bluez_get_adapter_name(Bluez *bluez)
{
	return bluez->table.selected ? adapter_info_name(bluez->table.selected) : NULL;
}

const char *bluez_get_adapter_path(Bluez *bluez)
{
	return bluez->table.selected ? bluez->table.selected->path : NULL;
}

const char *bluez_get_adapter_address(Bluez *bluez)
{
	return bluez->table.selected ? bluez->table.selected->address : NULL;
}

GattBluezFeatures bluez_get_features(Bluez *bluez)
{
	return adapter_info_features(bluez->table.selected);
}

BluezAgent *bluez_get_agent(Bluez *bluez)
{
	return bluez_pairing_agent(bluez->pairing);
}

bool bluez_agent_is_registered(Bluez *bluez)
{
	return bluez->lc.agent == LC_AGENT_REGISTERED;
}

bool bluez_get_adapter_powered(Bluez *bluez)
{
	return bluez->table.selected && bluez->table.selected->powered;
}

char *bluez_describe(Bluez *bluez)
{
	return lifecycle_describe(&bluez->lc, bluez_get_adapter_name(bluez), adapter_table_wanted(&bluez->table));
}
