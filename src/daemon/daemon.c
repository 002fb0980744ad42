/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon.c: wires configuration, objects, the BlueZ driver and the client socket, and runs the loop. */
#include "daemon/daemon.h"

#include <errno.h>
#include <glib-unix.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>

#include "bluez/bluez.h"
#include "config/compare.h"
#include "daemon/advertisements.h"
#include "daemon/handles.h"
#include "daemon/persistence.h"
#include "daemon/reload.h"
#include "daemon/service-manager.h"
#include "daemon/signals.h"
#include "dbus/exporter.h"
#include "gatt/advertisement.h"
#include "gatt/app.h"
#include "gatt/centrals.h"
#include "gatt/objects.h"
#include "gattd-build-config.h"
#include "shared/escape.h"
#include "shared/log.h"
#include "socket/server.h"

#define EXPORT_ROOT "/org/gattd"

struct Daemon {
	GattdConfig *config;
	BusExporter *exporter;
	GattApp *app;
	GattCentrals *centrals;    /* the roster: BlueZ fills it, clients read it; lives as long as the process */
	GattObjects *objects;      /* app on the bus */
	unsigned app_listener_id;  /* on app: its values to persistence (the server follows app by itself) */
	unsigned centrals_listener_id; /* on centrals: PauseWhileConnected */
	Advertisement *adv;        /* [Advertising], with the lifecycle */
	Advertisements *adverts;   /* [Advertising NAME], beside it */
	Bluez *bluez;
	Server *server;
	ServiceManager *sm;
	unsigned generation;     /* configuration generation: 1 at start, +1 per applied reload */
	char *socket_override;   /* --socket */
	Persistence *persistence;
	Handles *handles;          /* the ATT handles bluetoothd gave, kept in the state directory */
	GMainLoop *loop;
	guint sigterm_id, sigint_id, sighup_id;
	guint held_signals_id;     /* acting on the signals that arrived during start-up */
	sigset_t held_signals;
	bool stopping;
	bool was_advertising;      /* at the last state change: to see bluetoothd take the advertisement */
	bool was_registered;       /* likewise for the application (its handles are known then) */
};

/* ---- from the GATT application and the advertisement ---- */

static void on_value_changed(GattChar *chr, void *user_data)
{
	Daemon *daemon = user_data;

	persistence_value_changed(daemon->persistence, chr);
}

static void on_mtu(const char *device, uint16_t mtu, void *user_data)
{
	Daemon *daemon = user_data;

	gatt_centrals_saw_mtu(daemon->centrals, device, mtu);
}

static const GattAppListener app_listener = {
	.value_changed = on_value_changed,
	.mtu = on_mtu,
};

static void on_adv_released(Advertisement *adv, void *user_data)
{
	Daemon *daemon = user_data;

	if (daemon->bluez)
		bluez_advertisement_released(daemon->bluez);
}

static const AdvertisementListener adv_listener = {
	.released = on_adv_released,
};

/* Whether BlueZ should have the main advertisement: enabled, and not paused for a connected central. */
static bool advertising_wanted(Daemon *daemon)
{
	return advertisements_wanted(daemon->adv, daemon->centrals);
}

static void update_advertising(Daemon *daemon)
{
	bluez_set_advertising(daemon->bluez, advertising_wanted(daemon));
	advertisements_update(daemon->adverts);
}

/* PauseWhileConnected: the first central in stops advertising, the last one out starts it again. */
static void on_central_connected(GattCentrals *centrals, const GattCentral *central, void *user_data)
{
	update_advertising(user_data);
}

static void on_central_disconnected(GattCentrals *centrals, const GattCentral *central, const char *reason,
                                    void *user_data)
{
	update_advertising(user_data);
}

static const GattCentralsListener centrals_listener = {
	.connected = on_central_connected,
	.disconnected = on_central_disconnected,
};

/* ---- memory ---- */

/*
 * Parsing the configuration peaks the heap well above what stays live (GKeyFile's
 * per-group tables; massif figures in tests/bench/RESULTS.md), and glibc keeps freed
 * pages in its arena for later. Hand the whole free pages back once a load is over:
 * at start and after each reload, applied or refused. Both are rare.
 */
static void release_freed_heap(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* ---- from the BlueZ driver ---- */

/* READY=1 once settled (after registration when BlueZ is there); STATUS= always. */
static void update_service_status(Daemon *daemon)
{
	g_autofree char *status = bluez_describe(daemon->bluez);

	if (daemon->stopping)
		return;
	if (!service_manager_is_ready(daemon->sm) && bluez_is_settled(daemon->bluez))
		service_manager_ready(daemon->sm, status);
	else
		service_manager_status(daemon->sm, status);
}

static void on_down(Bluez *bluez, LcReason reason, void *user_data)
{
	Daemon *daemon = user_data;

	server_on_down(daemon->server, lifecycle_reason_name(reason), reason == LC_REASON_SHUTDOWN);
}

static void on_up(Bluez *bluez, void *user_data)
{
	Daemon *daemon = user_data;

	server_on_up(daemon->server, bluez_get_adapter_name(bluez));
}

/* The selected adapter as the socket server tells it (the snapshot owns its strings). */
static void get_adapter(Bluez *bluez, ServerAdapter *out)
{
	out->name = g_strdup(bluez_get_adapter_name(bluez));
	out->address = g_strdup(bluez_get_adapter_address(bluez));
	out->powered = bluez_get_adapter_powered(bluez);
	out->path = g_strdup(bluez_get_adapter_path(bluez));
}

/* What the selected adapter offers, to every advertisement (before BlueZ reads them). */
static void set_advertising_features(Daemon *daemon)
{
	GattBluezFeatures features = bluez_get_features(daemon->bluez);
	const char *adapter = bluez_get_adapter_name(daemon->bluez);

	advertisement_set_features(daemon->adv, &features, adapter);
	advertisements_set_features(daemon->adverts, &features, adapter);
}

static void on_adapter_changed(Bluez *bluez, void *user_data)
{
	Daemon *daemon = user_data;
	ServerAdapter adapter = { 0 };
	GattBluezFeatures features = bluez_get_features(bluez);

	gatt_app_set_features(daemon->app, &features);
	set_advertising_features(daemon);
	get_adapter(bluez, &adapter);
	server_on_adapter_changed(daemon->server, &adapter);
	server_adapter_clear(&adapter);
	update_service_status(daemon);
}

static void on_state_changed(Bluez *bluez, void *user_data)
{
	Daemon *daemon = user_data;
	bool advertising = bluez_is_advertising(bluez);
	bool registered = bluez_is_registered(bluez);

	if (advertising && !daemon->was_advertising)
		advertisement_registered(daemon->adv);
	daemon->was_advertising = advertising;
	if (registered && !daemon->was_registered)
		handles_registered(daemon->handles, daemon->config, daemon->app);
	daemon->was_registered = registered;
	update_service_status(daemon);
}

static void on_stopped(Bluez *bluez, void *user_data)
{
	Daemon *daemon = user_data;

	log_info("stopped; exiting");
	service_manager_stopping(daemon->sm);
	g_main_loop_quit(daemon->loop);
}

/* ---- pairing (bluez/agent.c decides, the socket server tells clients) ---- */

static void get_pairing(Daemon *daemon, ServerPairing *out)
{
	const CfgPairing *cfg = &daemon->config->pairing;

	out->method = config_pairing_method_name(cfg->method);
	out->agent = bluez_agent_is_registered(daemon->bluez);
	out->always = cfg->pairable_always;
	out->pairable = bluez_agent_is_pairable(bluez_get_agent(daemon->bluez), &out->remaining_ms);
}

static void on_pairing_passkey(BluezAgent *agent, const char *device, const char *address, unsigned passkey,
                               void *user_data)
{
	server_on_pairing_passkey(((Daemon *)user_data)->server, device, address, passkey);
}

static void on_pairing_failed(BluezAgent *agent, const char *device, const char *address, const char *reason,
                              uint64_t request, void *user_data)
{
	server_on_pairing_failed(((Daemon *)user_data)->server, device, address, reason, request);
}

/* Method=confirm: the agent holds bluetoothd's call; the confirmer decides. */
static int on_pairing_confirm(BluezAgent *agent, const BluezConfirmRequest *req, void *user_data)
{
	ServerPairingRequest out = {
		.id = req->id,
		.kind = req->kind == BLUEZ_CONFIRM_NUMBER ? "compare" : "just-works",
		.device = req->device,
		.address = req->address,
		.passkey = req->kind == BLUEZ_CONFIRM_NUMBER ? (int)req->passkey : -1,
		.deadline = req->deadline,
	};

	return server_on_pairing_request(((Daemon *)user_data)->server, &out);
}

static int on_pairing_answer(Server *server, uint64_t id, ServerPairingAnswer answer, void *user_data)
{
	static const BluezConfirmAnswer answers[] = {
		[SERVER_PAIRING_ACCEPT] = BLUEZ_CONFIRM_ACCEPT,
		[SERVER_PAIRING_REJECT] = BLUEZ_CONFIRM_REJECT,
		[SERVER_PAIRING_NO_CONFIRMER] = BLUEZ_CONFIRM_NOBODY,
	};

	return bluez_agent_answer(bluez_get_agent(((Daemon *)user_data)->bluez), id, answers[answer]);
}

static void on_pairable_changed(BluezAgent *agent, void *user_data)
{
	Daemon *daemon = user_data;
	ServerPairing pairing = { 0 };

	get_pairing(daemon, &pairing);
	server_on_pairable_changed(daemon->server, &pairing);
}

static const BluezAgentListener agent_listener = {
	.passkey = on_pairing_passkey,
	.failed = on_pairing_failed,
	.confirm = on_pairing_confirm,
	.pairable_changed = on_pairable_changed,
};

static int on_pairable_request(Server *server, ServerPairableOp op, unsigned seconds, ServerPairing *out,
                               void *user_data)
{
	Daemon *daemon = user_data;
	BluezAgent *agent = bluez_get_agent(daemon->bluez);
	int r = 0;

	if (daemon->config->pairing.method == PAIRING_OFF)
		return -EOPNOTSUPP;
	/* Opening a window that is always open changes nothing: say how it stands. */
	if (op == SERVER_PAIRABLE_OPEN && !daemon->config->pairing.pairable_always)
		r = bluez_agent_open_window(agent, seconds);
	else if (op == SERVER_PAIRABLE_CLOSE)
		r = bluez_agent_close_window(agent);
	if (r < 0)
		return r;
	get_pairing(daemon, out);
	return 0;
}

static const BluezListener bluez_listener = {
	.state_changed = on_state_changed,
	.down = on_down,
	.up = on_up,
	.adapter_changed = on_adapter_changed,
	.stopped = on_stopped,
};

/* ---- reload ---- */

/* READY=1 again after RELOADING=1, whether the reload was applied or refused. */
static void report_reloaded(Daemon *daemon)
{
	g_autofree char *status = bluez_describe(daemon->bluez);

	service_manager_reloaded(daemon->sm, status);
}

/*
 * Re-read the configuration. An invalid one is refused and the running one stays.
 * A valid one replaces the objects: unchanged characteristics keep their current
 * values, and BlueZ sees the tree again only if it changed. Returns the generation.
 */
static int daemon_reload(Daemon *daemon, bool *ret_reregistered, GStrv *ret_problems)
{
	GattdConfig *old_config = daemon->config, *config;
	GattApp *old_app = daemon->app;
	bool same_tree, same_adv;

	service_manager_reloading(daemon->sm);
	config = reload_read_config(old_config, daemon->socket_override, ret_problems);
	if (!config) {
		g_autofree char *shown_dir = escape_text(old_config->config_dir);
		unsigned problems = g_strv_length(*ret_problems);

		log_error("reload refused: the configuration in %s is invalid (%u problem%s); still serving generation %u",
		          shown_dir, problems, problems == 1 ? "" : "s", daemon->generation);
		release_freed_heap();
		report_reloaded(daemon);
		return -EINVAL;
	}
	same_tree = config_same_tree(old_config, config);
	/* What clients changed goes with the old configuration: BlueZ must read the new one. */
	same_adv = config_same_advertising(old_config, config) && !advertisement_is_changed(daemon->adv);

	daemon->app = gatt_app_new(config);
	gatt_app_adopt(daemon->app, old_app, same_tree);
	handles_adopt(daemon->handles, config, daemon->app, old_config, old_app);
	persistence_apply(daemon->persistence, config, daemon->app, old_config);
	/* The new objects take the old ones' paths on the bus. */
	gatt_objects_free(daemon->objects);
	daemon->objects = gatt_objects_new(daemon->app, daemon->exporter);
	daemon->app_listener_id = gatt_app_add_listener(daemon->app, &app_listener, daemon);

	advertisement_free(daemon->adv);
	daemon->adv = advertisement_new(config, &config->advertising, daemon->exporter);
	advertisement_add_listener(daemon->adv, &adv_listener, daemon);
	advertisements_reload(daemon->adverts, old_config, config);
	set_advertising_features(daemon);

	daemon->config = config;
	daemon->generation++;
	/* Server first: re-registering reports events about the new application. */
	server_reload(daemon->server, config, daemon->app, daemon->generation);
	bluez_reload(daemon->bluez, config, daemon->app, same_tree, same_adv, advertising_wanted(daemon));
	/* Nobody follows the old application any more. */
	gatt_app_free(old_app);
	server_announce_reload(daemon->server);
	config_free(old_config);
	/* After the old configuration and objects are gone: their pages go back too. */
	release_freed_heap();

	log_notice("reloaded the configuration (generation %u): %s%s", daemon->generation,
	           same_tree ? "same services" : "services changed, registering again",
	           same_adv ? "" : ", advertisement changed");
	report_reloaded(daemon);
	*ret_reregistered = !same_tree;
	return (int)daemon->generation;
}

static int on_reload_request(Server *server, bool *ret_reregistered, GStrv *ret_problems, void *user_data)
{
	return daemon_reload(user_data, ret_reregistered, ret_problems);
}

/* A client's `status`: the BlueZ side of it. */
static bool on_status_request(Server *server, ServerStatus *out, void *user_data)
{
	Daemon *daemon = user_data;

	out->description = bluez_describe(daemon->bluez);
	out->state = g_strdup(lifecycle_state_name(bluez_get_state(daemon->bluez)));
	get_adapter(daemon->bluez, &out->adapter);
	out->registered = bluez_is_registered(daemon->bluez);
	out->advertising = bluez_is_advertising(daemon->bluez);
	out->on_air = bluez_is_on_air(daemon->bluez);
	out->advertisements = advertisements_status(daemon->adverts);
	if (bluez_get_adapter_path(daemon->bluez)) {
		GattBluezFeatures features = bluez_get_features(daemon->bluez);

		out->sockets = features.targeted_notify ? "targeted" : features.per_device_fds ? "per-central" : "shared";
	}
	get_pairing(daemon, &out->pairing);
	return true;
}

/* A client's `disconnect`: BlueZ's answer goes back to the server. */
static bool on_disconnect_request(Server *server, const char *path, ServerDisconnect *token, void *user_data)
{
	Daemon *daemon = user_data;

	bluez_devices_disconnect(bluez_get_devices(daemon->bluez), path, server_disconnect_done, token);
	return true;
}

/* A client's `forget`: Adapter1.RemoveDevice. */
static bool on_forget_request(Server *server, const char *path, ServerDisconnect *token, void *user_data)
{
	Daemon *daemon = user_data;

	bluez_devices_remove(bluez_get_devices(daemon->bluez), path, server_disconnect_done, token);
	return true;
}

/* A client's `advertise`: change the live advertisement, and start or stop advertising. */
static int on_advertise_request(Server *server, const CfgAdvertisingChange *change, ServerAdvertisement *out,
                                char **ret_error, void *user_data)
{
	Daemon *daemon = user_data;
	Advertisement *adv = change->name ? advertisements_find(daemon->adverts, change->name) : daemon->adv;
	const CfgAdvertising *live;
	int r;

	if (!adv) {
		*ret_error = g_strdup_printf("no advertisement '%s': gattd.conf has no [Advertising %s]", change->name,
		                             change->name);
		return -ENOENT;
	}
	if (!config_advertising_change_is_empty(change)) {
		r = advertisement_change(adv, change, ret_error);
		if (r < 0)
			return r;
		update_advertising(daemon);
	}
	live = advertisement_get(adv, &out->service_uuids);
	out->live = live;
	out->changed = advertisement_is_changed(adv);
	out->advertising = adv == daemon->adv ? bluez_is_advertising(daemon->bluez)
	                                      : advertisements_is_registered(daemon->adverts, adv);
	out->paused = live->enabled && !advertisements_wanted(adv, daemon->centrals);
	return 0;
}

static const ServerListener server_listener = {
	.reload = on_reload_request,
	.status = on_status_request,
	.disconnect = on_disconnect_request,
	.pairable = on_pairable_request,
	.pairing_answer = on_pairing_answer,
	.forget = on_forget_request,
	.advertise = on_advertise_request,
};

/* ---- signals ---- */

static gboolean on_stop_signal(gpointer data)
{
	Daemon *daemon = data;

	if (daemon->stopping) {
		log_notice("second stop signal; exiting without waiting for BlueZ");
		g_main_loop_quit(daemon->loop);
		return G_SOURCE_CONTINUE;
	}
	daemon->stopping = true;
	log_info("stopping: unregistering from BlueZ");
	server_shutdown(daemon->server);
	bluez_shutdown(daemon->bluez);
	return G_SOURCE_CONTINUE;
}

static gboolean on_sighup(gpointer data)
{
	Daemon *daemon = data;
	g_auto(GStrv) problems = NULL;
	bool reregistered;

	if (daemon->stopping)
		return G_SOURCE_CONTINUE;
	log_info("SIGHUP: reloading the configuration");
	/* Problems were logged one by one; the old configuration keeps running. */
	daemon_reload(daemon, &reregistered, &problems);
	return G_SOURCE_CONTINUE;
}

/* The first thing the main loop does: what the signals that arrived during start-up ask. */
static gboolean act_on_held_signals(gpointer data)
{
	Daemon *daemon = data;

	daemon->held_signals_id = 0;
	if (sigismember(&daemon->held_signals, SIGTERM) || sigismember(&daemon->held_signals, SIGINT))
		on_stop_signal(daemon);
	if (sigismember(&daemon->held_signals, SIGHUP))
		on_sighup(daemon);
	return G_SOURCE_REMOVE;
}

Daemon *daemon_new(GattdConfig *config, const char *socket_override)
{
	Daemon *daemon = g_new0(Daemon, 1);
	ServerOptions server_options;

	daemon->socket_override = g_strdup(socket_override);
	reload_apply_socket_override(config, socket_override);
	server_options = (ServerOptions){
		.path = config->socket_path,
		.mode = config->socket_mode,
		.group = config->socket_group,
		.max_clients = config->max_clients,
		.max_line = config->max_line_length,
		.max_queue = config->max_client_queue,
		.max_requests = config->max_client_requests,
	};

	daemon->config = config;
	daemon->generation = 1;
	daemon->loop = g_main_loop_new(NULL, FALSE);
	daemon->sm = service_manager_new();
	daemon->exporter = bus_exporter_new(EXPORT_ROOT);
	daemon->app = gatt_app_new(config);
	daemon->persistence = persistence_new();
	persistence_apply(daemon->persistence, config, daemon->app, NULL);
	daemon->handles = handles_new();
	handles_restore(daemon->handles, config, daemon->app);
	daemon->objects = gatt_objects_new(daemon->app, daemon->exporter);
	daemon->adv = advertisement_new(config, &config->advertising, daemon->exporter);
	advertisement_add_listener(daemon->adv, &adv_listener, daemon);
	daemon->centrals = gatt_centrals_new();
	daemon->bluez = bluez_new(config, daemon->exporter, daemon->app, daemon->centrals);
	daemon->adverts = advertisements_new(config, daemon->exporter, daemon->bluez, daemon->centrals);
	daemon->centrals_listener_id = gatt_centrals_add_listener(daemon->centrals, &centrals_listener, daemon);
	bluez_add_listener(daemon->bluez, &bluez_listener, daemon);
	bluez_agent_add_listener(bluez_get_agent(daemon->bluez), &agent_listener, daemon);
	daemon->server = server_new(&server_options, daemon->app, daemon->centrals);
	daemon->app_listener_id = gatt_app_add_listener(daemon->app, &app_listener, daemon);
	server_add_listener(daemon->server, &server_listener, daemon);
	/* After building: the objects first reuse the holes main()'s config_load() left. */
	release_freed_heap();
	return daemon;
}

void daemon_free(Daemon *daemon)
{
	if (!daemon)
		return;
	if (daemon->sigterm_id)
		g_source_remove(daemon->sigterm_id);
	if (daemon->sigint_id)
		g_source_remove(daemon->sigint_id);
	if (daemon->sighup_id)
		g_source_remove(daemon->sighup_id);
	if (daemon->held_signals_id)
		g_source_remove(daemon->held_signals_id);
	gatt_app_remove_listener(daemon->app, daemon->app_listener_id);
	gatt_centrals_remove_listener(daemon->centrals, daemon->centrals_listener_id);
	server_free(daemon->server);
	advertisements_free(daemon->adverts);
	bluez_free(daemon->bluez);
	gatt_centrals_free(daemon->centrals);
	advertisement_free(daemon->adv);
	gatt_objects_free(daemon->objects);
	gatt_app_free(daemon->app);
	bus_exporter_free(daemon->exporter);
	config_free(daemon->config);
	service_manager_free(daemon->sm);
	persistence_free(daemon->persistence);
	handles_free(daemon->handles);
	g_free(daemon->socket_override);
	g_main_loop_unref(daemon->loop);
	g_free(daemon);
}

int daemon_run(Daemon *daemon)
{
	g_autofree char *error = NULL;
	g_autofree char *shown_dir = escape_text(daemon->config->config_dir);
	unsigned services, chars, descs;

	if (server_start(daemon->server, &error) < 0) {
		log_error("cannot serve local clients: %s", error);
		return DAEMON_EXIT_SOCKET;
	}
	daemon->sigterm_id = g_unix_signal_add(SIGTERM, on_stop_signal, daemon);
	daemon->sigint_id = g_unix_signal_add(SIGINT, on_stop_signal, daemon);
	daemon->sighup_id = g_unix_signal_add(SIGHUP, on_sighup, daemon);
	signals_release_held(&daemon->held_signals);
	daemon->held_signals_id = g_idle_add_full(G_PRIORITY_HIGH, act_on_held_signals, daemon, NULL);

	config_count(daemon->config, &services, &chars, &descs);
	log_info("gattd " GATTD_VERSION " serving %u services, %u characteristics, %u descriptors from %s", services,
	         chars, descs, shown_dir);
	service_manager_start_watchdog(daemon->sm);
	bluez_start(daemon->bluez);
	g_main_loop_run(daemon->loop);
	return 0;
}
