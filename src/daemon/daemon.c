/* daemon.c: wires configuration, objects, the BlueZ driver and the client socket, and runs the loop. */
#include "daemon/daemon.h"

#include <errno.h>
#include <glib-unix.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gatt/advertisement.h"
#include "bluez/bluez.h"
#include "dbus/exporter.h"
#include "shared/escape.h"
#include "gatt/app.h"
#include "gattd-build-config.h"
#include "shared/log.h"
#include "config/persist.h"
#include "socket/server.h"
#include "daemon/service-manager.h"

#define EXPORT_ROOT "/org/gattd"

struct Daemon {
	GattdConfig *config;
	BusExporter *exporter;
	GattApp *app;
	unsigned app_listener_id;  /* on app: removed first when freeing, as the server goes before the app */
	Advertisement *adv;
	Bluez *bluez;
	Server *server;
	ServiceManager *sm;
	unsigned generation;     /* configuration generation: 1 at start, +1 per applied reload */
	char *socket_override;   /* --socket */
	PersistStore *persist;   /* NULL when no characteristic has Persist=true, or the state dir is unusable */
	GMainLoop *loop;
	guint sigterm_id, sigint_id, sighup_id;
	bool stopping;
};

/* ---- from the GATT objects (centrals) ---- */

static void on_central_write(GattChar *chr, const uint8_t *data, size_t len, uint16_t offset, const char *device,
                             void *user_data)
{
	Daemon *daemon = user_data;

	server_on_write(daemon->server, chr, data, len, offset, device);
}

static void on_notifying_changed(GattChar *chr, void *user_data)
{
	Daemon *daemon = user_data;

	server_on_notifying_changed(daemon->server, chr);
}

static void on_confirm(GattChar *chr, void *user_data)
{
	Daemon *daemon = user_data;

	server_on_confirm(daemon->server, chr);
}

/* Store what chr serves now (Persist=true). */
static void save_persisted_value(Daemon *daemon, GattChar *chr)
{
	int r = persist_store_save(daemon->persist, chr->cfg->id, chr->cfg->uuid, value_type_name(chr->cfg->type),
	                           chr->value->data, chr->value->len);

	if (r < 0)
		log_warning("%s: cannot save its value in %s: %s; it will not survive a restart", chr->cfg->id,
		            persist_store_get_path(daemon->persist), g_strerror(-r));
}

static void on_value_changed(GattChar *chr, void *user_data)
{
	Daemon *daemon = user_data;

	if (chr->cfg->persist && daemon->persist)
		save_persisted_value(daemon, chr);
}

static const GattAppListener app_listener = {
	.value_changed = on_value_changed,
	.write = on_central_write,
	.notifying_changed = on_notifying_changed,
	.confirm = on_confirm,
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

/* ---- persistence ---- */

static bool any_persist(const GattdConfig *config)
{
	for (unsigned i = 0; i < config->services->len; i++) {
		const CfgService *service = config->services->pdata[i];

		for (unsigned j = 0; j < service->characteristics->len; j++)
			if (((const CfgCharacteristic *)service->characteristics->pdata[j])->persist)
				return true;
	}
	return false;
}

/* systemd's StateDirectory= sets $STATE_DIRECTORY (a ':'-separated list; the first is ours). */
static char *state_directory(void)
{
	const char *env = getenv("STATE_DIRECTORY");

	if (env && *env)
		return g_strndup(env, strcspn(env, ":"));
	return g_strdup(GATTD_DEFAULT_STATE_DIR);
}

static void open_persist_store(Daemon *daemon, const GattdConfig *config)
{
	g_autofree char *dir = NULL;
	g_autofree char *error = NULL;

	if (daemon->persist || !any_persist(config))
		return;
	dir = state_directory();
	daemon->persist = persist_store_open(dir, &error);
	if (!daemon->persist)
		log_warning("cannot keep Persist=true values: %s; serving configured values", error);
}

/* The stored value in place of Value=, if it still fits (persist_store_load_for() has the rule). */
static void restore_persisted_value(Daemon *daemon, GattChar *chr)
{
	g_autoptr(GBytes) value = NULL;
	g_autofree char *reason = NULL;
	const uint8_t *data;
	gsize len;
	int r;

	r = persist_store_load_for(daemon->persist, chr->cfg, &value, &reason);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		log_warning("%s: stored value ignored: %s; serving Value=", chr->cfg->id, reason);
		return;
	}
	data = g_bytes_get_data(value, &len);
	r = gatt_char_restore_value(chr, data, len);
	if (r < 0) {
		log_warning("%s: stored value of %zu bytes ignored: %s; serving Value=", chr->cfg->id, (size_t)len,
		            g_strerror(-r));
		return;
	}
	log_info("%s: restored its last value (%zu bytes)", chr->cfg->id, (size_t)len);
}

/*
 * Persist=false: what is stored for chr is forgotten, so that no old value comes back
 * when Persist is turned on again later (at a reload or a restart).
 */
static void forget_persisted_value(Daemon *daemon, GattChar *chr)
{
	int r = persist_store_forget(daemon->persist, chr->cfg->id);

	if (r < 0)
		log_warning("%s: cannot remove its stored value from %s: %s", chr->cfg->id,
		            persist_store_get_path(daemon->persist), g_strerror(-r));
}

/*
 * After start (previous NULL) or a reload, bring the store and the served values in
 * line with the configuration:
 * - Persist=true, new or changed definition: the stored value in place of Value=
 *   (gatt_app_adopt() kept the current value of unchanged ones), so that a reload and
 *   a restart serve the same value;
 * - Persist=false: the stored value, if any, is removed, so that turning Persist on
 *   again later cannot bring back a value older than what was served meanwhile.
 */
static void restore_persisted_values(Daemon *daemon, const GattdConfig *previous)
{
	GPtrArray *chars = gatt_app_get_chars(daemon->app);

	if (!daemon->persist)
		return;
	for (unsigned i = 0; i < chars->len; i++) {
		GattChar *chr = chars->pdata[i];
		const CfgCharacteristic *was = previous ? config_find_characteristic(previous, chr->cfg->id) : NULL;

		if (!chr->cfg->persist)
			forget_persisted_value(daemon, chr);
		else if (!was || !config_characteristic_equal(chr->cfg, was))
			restore_persisted_value(daemon, chr);
	}
}

/* ---- memory ---- */

/*
 * Parsing the configuration peaks the heap well above what stays live (GKeyFile's
 * per-group tables: 15.3 MB for 10,000 characteristics, 8.8 MB live afterwards, massif in
 * tests/bench/RESULTS.md), and glibc keeps freed pages in its arena for later. Hand the
 * whole free pages back once a load is over: at start and after each reload, applied or
 * refused. Both are rare; with 10,000 characteristics a trim takes 0.1-2.5 ms.
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

	server_on_down(daemon->server, reason);
}

static void on_up(Bluez *bluez, void *user_data)
{
	Daemon *daemon = user_data;

	server_on_up(daemon->server);
}

static void on_adapter_changed(Bluez *bluez, void *user_data)
{
	Daemon *daemon = user_data;

	server_on_adapter_changed(daemon->server);
	update_service_status(daemon);
}

static void on_state_changed(Bluez *bluez, void *user_data)
{
	update_service_status(user_data);
}

static void on_stopped(Bluez *bluez, void *user_data)
{
	Daemon *daemon = user_data;

	log_info("stopped; exiting");
	service_manager_stopping(daemon->sm);
	g_main_loop_quit(daemon->loop);
}

static const BluezListener bluez_listener = {
	.state_changed = on_state_changed,
	.down = on_down,
	.up = on_up,
	.adapter_changed = on_adapter_changed,
	.stopped = on_stopped,
};

/* ---- reload ---- */

static void apply_socket_override(Daemon *daemon, GattdConfig *config)
{
	if (!daemon->socket_override)
		return;
	g_free(config->socket_path);
	config->socket_path = g_strdup(daemon->socket_override);
}

/* Settings that only a restart applies: keep the running ones, say so. */
static void keep_restart_only_settings(const GattdConfig *old, GattdConfig *new)
{
	if (g_strcmp0(old->socket_path, new->socket_path) != 0 || old->socket_mode != new->socket_mode ||
	    g_strcmp0(old->socket_group, new->socket_group) != 0)
		log_notice("reload: Socket, SocketMode and SocketGroup changes take effect at the next start");
	g_free(new->socket_path);
	new->socket_path = g_strdup(old->socket_path);
	new->socket_mode = old->socket_mode;
	g_free(new->socket_group);
	new->socket_group = g_strdup(old->socket_group);

	if (old->adapter_match != new->adapter_match || g_strcmp0(old->adapter, new->adapter) != 0)
		log_notice("reload: an Adapter= change takes effect at the next start");
	new->adapter_match = old->adapter_match;
	g_free(new->adapter);
	new->adapter = g_strdup(old->adapter);
}

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
static int daemon_reload(Daemon *daemon, bool *ret_reregistered, char **ret_error)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	GattdConfig *old_config = daemon->config, *config;
	GattApp *old_app = daemon->app;
	bool same_tree, same_adv;

	service_manager_reloading(daemon->sm);
	config = config_load(old_config->config_dir, errors);
	if (!config) {
		g_autofree char *shown_dir = escape_text(old_config->config_dir);
		g_autoptr(GString) text = g_string_new(NULL);

		/* Problems name files relative to the directory, as at start. */
		for (unsigned i = 0; i < errors->len; i++) {
			log_error("reload: %s", (const char *)errors->pdata[i]);
			g_string_append_printf(text, "%s%s", i ? "; " : "", (const char *)errors->pdata[i]);
		}
		log_error("reload refused: the configuration in %s is invalid (%u problem%s); still serving generation %u",
		          shown_dir, errors->len, errors->len == 1 ? "" : "s", daemon->generation);
		release_freed_heap();
		report_reloaded(daemon);
		*ret_error = g_string_free(g_steal_pointer(&text), FALSE);
		return -EINVAL;
	}
	apply_socket_override(daemon, config);
	keep_restart_only_settings(old_config, config);
	same_tree = config_same_tree(old_config, config);
	same_adv = config_same_advertising(old_config, config);

	daemon->app = gatt_app_new(config);
	gatt_app_adopt(daemon->app, old_app, same_tree);
	open_persist_store(daemon, config);
	restore_persisted_values(daemon, old_config);
	gatt_app_free(old_app);
	gatt_app_export(daemon->app, daemon->exporter);
	daemon->app_listener_id = gatt_app_add_listener(daemon->app, &app_listener, daemon);

	advertisement_free(daemon->adv);
	daemon->adv = advertisement_new(config, daemon->exporter);
	advertisement_add_listener(daemon->adv, &adv_listener, daemon);

	daemon->config = config;
	daemon->generation++;
	/* Server first: re-registering reports events about the new application. */
	server_reload(daemon->server, config, daemon->app, daemon->generation);
	bluez_reload(daemon->bluez, config, daemon->app, same_tree, same_adv);
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

static int on_reload_request(Server *server, bool *ret_reregistered, char **ret_error, void *user_data)
{
	return daemon_reload(user_data, ret_reregistered, ret_error);
}

static const ServerListener server_listener = {
	.reload = on_reload_request,
};

/* ---- signals ---- */

/* The signals gattd acts on, and what it does, for the log. */
static const struct {
	int signo;
	const char *name;
	const char *action;
} handled_signals[] = {
	{ SIGTERM, "SIGTERM", "stopping" },
	{ SIGINT, "SIGINT", "stopping" },
	{ SIGHUP, "SIGHUP", "reloading the configuration" },
};

static void handled_signal_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < G_N_ELEMENTS(handled_signals); i++)
		sigaddset(set, handled_signals[i].signo);
}

static void set_disposition(int signo, void (*handler)(int))
{
	struct sigaction action = { .sa_handler = handler };

	sigemptyset(&action.sa_mask);
	sigaction(signo, &action, NULL);
}

void daemon_signals_init(void)
{
	sigset_t handled;

	set_disposition(SIGPIPE, SIG_IGN);
	handled_signal_set(&handled);
	pthread_sigmask(SIG_BLOCK, &handled, NULL);
}

void daemon_signals_default(void)
{
	sigset_t handled;

	set_disposition(SIGPIPE, SIG_DFL);
	handled_signal_set(&handled);
	pthread_sigmask(SIG_UNBLOCK, &handled, NULL);
}

/*
 * The handlers are in place: let in the signals held since main() began (and any a
 * parent left blocked). One that arrived meanwhile is acted on in the main loop's
 * first iteration, as if it had arrived then.
 */
static void release_held_signals(void)
{
	sigset_t handled, pending;

	handled_signal_set(&handled);
	if (sigpending(&pending) == 0)
		for (size_t i = 0; i < G_N_ELEMENTS(handled_signals); i++)
			if (sigismember(&pending, handled_signals[i].signo))
				log_notice("%s arrived during start-up; %s now that gattd runs", handled_signals[i].name,
				           handled_signals[i].action);
	pthread_sigmask(SIG_UNBLOCK, &handled, NULL);
}

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
	g_autofree char *error = NULL;
	bool reregistered;

	if (daemon->stopping)
		return G_SOURCE_CONTINUE;
	log_info("SIGHUP: reloading the configuration");
	/* Problems were logged one by one; the old configuration keeps running. */
	daemon_reload(daemon, &reregistered, &error);
	return G_SOURCE_CONTINUE;
}

Daemon *daemon_new(GattdConfig *config, const char *socket_override)
{
	Daemon *daemon = g_new0(Daemon, 1);
	ServerOptions server_options;

	daemon->socket_override = g_strdup(socket_override);
	apply_socket_override(daemon, config);
	server_options = (ServerOptions){
		.path = config->socket_path,
		.mode = config->socket_mode,
		.group = config->socket_group,
		.max_clients = config->max_clients,
		.max_line = config->max_line_length,
		.max_queue = config->max_client_queue,
	};

	daemon->config = config;
	daemon->generation = 1;
	daemon->loop = g_main_loop_new(NULL, FALSE);
	daemon->sm = service_manager_new();
	daemon->exporter = bus_exporter_new(EXPORT_ROOT);
	daemon->app = gatt_app_new(config);
	open_persist_store(daemon, config);
	restore_persisted_values(daemon, NULL);
	gatt_app_export(daemon->app, daemon->exporter);
	daemon->adv = advertisement_new(config, daemon->exporter);
	advertisement_add_listener(daemon->adv, &adv_listener, daemon);
	daemon->bluez = bluez_new(config, daemon->exporter, daemon->app);
	bluez_add_listener(daemon->bluez, &bluez_listener, daemon);
	daemon->server = server_new(&server_options, config, daemon->app, daemon->bluez);
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
	gatt_app_remove_listener(daemon->app, daemon->app_listener_id);
	server_free(daemon->server);
	bluez_free(daemon->bluez);
	advertisement_free(daemon->adv);
	gatt_app_free(daemon->app);
	bus_exporter_free(daemon->exporter);
	config_free(daemon->config);
	service_manager_free(daemon->sm);
	persist_store_free(daemon->persist);
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
	release_held_signals();

	config_count(daemon->config, &services, &chars, &descs);
	log_info("gattd " GATTD_VERSION " serving %u services, %u characteristics, %u descriptors from %s", services,
	         chars, descs, shown_dir);
	service_manager_start_watchdog(daemon->sm);
	bluez_start(daemon->bluez);
	g_main_loop_run(daemon->loop);
	return 0;
}
