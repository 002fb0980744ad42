/* daemon.c: wires configuration, objects, the BlueZ driver and the client socket, and runs the loop. */
#include "daemon.h"

#include <glib-unix.h>
#include <signal.h>

#include "advertisement.h"
#include "bluez.h"
#include "dbus-export.h"
#include "gatt-app.h"
#include "gattd-build-config.h"
#include "log.h"
#include "server.h"

#define EXPORT_ROOT "/org/gattd"

struct Daemon {
	GattdConfig *config;
	DbusExporter *exporter;
	GattApp *app;
	Advertisement *adv;
	Bluez *bluez;
	Server *server;
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

static const GattAppListener app_listener = {
	.write = on_central_write,
	.notifying_changed = on_notifying_changed,
	.confirm = on_confirm,
};

static void on_adv_released(void *user_data)
{
	Daemon *daemon = user_data;

	if (daemon->bluez)
		bluez_advertisement_released(daemon->bluez);
}

/* ---- from the BlueZ driver ---- */

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
}

static void on_stopped(Bluez *bluez, void *user_data)
{
	Daemon *daemon = user_data;

	log_info("unregistered; exiting");
	g_main_loop_quit(daemon->loop);
}

static const BluezListener bluez_listener = {
	.down = on_down,
	.up = on_up,
	.adapter_changed = on_adapter_changed,
	.stopped = on_stopped,
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
	log_notice("SIGHUP: this version cannot reload its configuration; restart gattd to apply changes, ignoring");
	return G_SOURCE_CONTINUE;
}

Daemon *daemon_new(GattdConfig *config)
{
	Daemon *daemon = g_new0(Daemon, 1);
	ServerOptions server_options = {
		.path = config->socket_path,
		.mode = config->socket_mode,
		.group = config->socket_group,
		.max_clients = config->max_clients,
		.max_line = config->max_line_length,
		.max_queue = config->max_client_queue,
	};

	daemon->config = config;
	daemon->loop = g_main_loop_new(NULL, FALSE);
	daemon->exporter = dbus_exporter_new(EXPORT_ROOT);
	daemon->app = gatt_app_new(config, daemon->exporter);
	daemon->adv = advertisement_new(config, daemon->exporter, on_adv_released, daemon);
	daemon->bluez = bluez_new(config, daemon->exporter, daemon->app, &bluez_listener, daemon);
	daemon->server = server_new(&server_options, config, daemon->app, daemon->bluez);
	gatt_app_set_listener(daemon->app, &app_listener, daemon);
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
	gatt_app_set_listener(daemon->app, NULL, NULL);
	server_free(daemon->server);
	bluez_free(daemon->bluez);
	advertisement_free(daemon->adv);
	gatt_app_free(daemon->app);
	dbus_exporter_free(daemon->exporter);
	config_free(daemon->config);
	g_main_loop_unref(daemon->loop);
	g_free(daemon);
}

int daemon_run(Daemon *daemon)
{
	g_autofree char *error = NULL;
	unsigned services, chars, descs;

	if (server_start(daemon->server, &error) < 0) {
		log_error("cannot serve local clients: %s", error);
		return DAEMON_EXIT_SOCKET;
	}
	daemon->sigterm_id = g_unix_signal_add(SIGTERM, on_stop_signal, daemon);
	daemon->sigint_id = g_unix_signal_add(SIGINT, on_stop_signal, daemon);
	daemon->sighup_id = g_unix_signal_add(SIGHUP, on_sighup, daemon);

	config_count(daemon->config, &services, &chars, &descs);
	log_info("gattd " GATTD_VERSION " serving %u services, %u characteristics, %u descriptors from %s", services,
	         chars, descs, daemon->config->config_dir);
	bluez_start(daemon->bluez);
	g_main_loop_run(daemon->loop);
	return 0;
}
