/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/server.c: the Server object (server.h) that ties the socket server
 * together: its options, the GATT application and capture queues it follows across
 * reloads, its listeners, its clients' way in (lines to commands.c) and out
 * (closing), and shutdown. Listening is listen.c, one connection client.c, the
 * requests commands.c, events events.c, next-write waiters waiters.c, the capture
 * policy capture.c, the JSON protocol.c.
 */
#include "socket/server.h"

#include <unistd.h>

#include "socket/commands.h"
#include "socket/devices.h"
#include "socket/events.h"
#include "socket/handlers.h"
#include "socket/pairing.h"
#include "socket/listen.h"
#include "socket/protocol.h"
#include "socket/server-private.h"
#include "socket/waiters.h"

/* A client was closed: it leaves the list, and what it never got goes back to the queues. */
static void on_client_closed(Client *client, void *user_data)
{
	Server *server = user_data;

	server_waiters_clear(client);
	server_handlers_client_closed(server, client);
	server_devices_client_closed(server, client);
	server_pairing_client_closed(server, client);
	server->clients = g_list_remove(server->clients, client);
	server->n_clients--;
	/* At shutdown every queue is about to go: nothing to tell. */
	server_waiters_give_back(client, server->captures, server->shutting_down);
	server_listen_resume(server);
}

static void on_client_line(Client *client, const char *line, size_t len, void *user_data)
{
	server_commands_handle_line(client, line, len);
}

static void on_client_frame(Client *client, const uint8_t *body, size_t len, void *user_data)
{
	server_handlers_frame(client, body, len);
}

static const ServerClientListener client_listener = {
	.line = on_client_line,
	.frame = on_client_frame,
	.closed = on_client_closed,
};

/* Follow app's characteristics: the captures no longer wanted, their waiters still in (capture_set_rebuild). */
static GPtrArray *follow_captures(Server *server, GattApp *app)
{
	GPtrArray *chars = gatt_app_get_chars(app);
	g_autoptr(GPtrArray) cfgs = g_ptr_array_sized_new(chars->len);

	for (unsigned i = 0; i < chars->len; i++)
		g_ptr_array_add(cfgs, (gpointer)((GattChar *)chars->pdata[i])->cfg);
	return capture_set_rebuild(server->captures, cfgs);
}

/* ---- following the GATT application: what centrals did becomes events (events.c) ---- */

static void on_central_write(GattChar *chr, const uint8_t *data, size_t len, uint16_t offset, const char *device,
                             void *user_data)
{
	server_events_write(user_data, chr, data, len, offset, device);
}

static void on_subscription(GattChar *chr, bool subscribed, const char *device, void *user_data)
{
	server_events_subscription(user_data, chr, subscribed, device);
}

static void on_confirm(GattChar *chr, void *user_data)
{
	server_events_confirm(user_data, chr);
}

static const GattAppListener app_listener = {
	.write = on_central_write,
	.subscription = on_subscription,
	.confirm = on_confirm,
};

/* ---- following the roster (events.c) ---- */

static void on_central_connected(GattCentrals *centrals, const GattCentral *central, void *user_data)
{
	server_events_connected(user_data, central);
}

static void on_central_disconnected(GattCentrals *centrals, const GattCentral *central, const char *reason,
                                    void *user_data)
{
	server_events_disconnected(user_data, central, reason);
}

static void on_central_paired(GattCentrals *centrals, const GattCentral *central, void *user_data)
{
	server_pairing_paired(user_data, central);
}

static const GattCentralsListener centrals_listener = {
	.connected = on_central_connected,
	.disconnected = on_central_disconnected,
	.paired = on_central_paired,
};

static void follow_app(Server *server, GattApp *app)
{
	server_handlers_follow(server, server->app, app);
	if (server->app)
		gatt_app_remove_listener(server->app, server->app_listener_id);
	server->app = app;
	server->app_listener_id = gatt_app_add_listener(app, &app_listener, server);
}

Server *server_new(const ServerOptions *options, GattApp *app, GattCentrals *centrals)
{
	Server *server = g_new0(Server, 1);

	server->opts = *options;
	server->path = g_strdup(options->path);
	server->group = g_strdup(options->group);
	server->opts.path = server->path;
	server->opts.group = server->group;
	server->listen_fd = -1;
	server->generation = 1;
	server->client_listener = &client_listener;
	server->captures = capture_set_new();
	g_ptr_array_unref(follow_captures(server, app));
	listener_list_init(&server->listeners);
	follow_app(server, app);
	server->centrals = centrals;
	server->centrals_listener_id = gatt_centrals_add_listener(centrals, &centrals_listener, server);
	server->disconnects = g_ptr_array_new_with_free_func((GDestroyNotify)server_disconnect_free);
	return server;
}

void server_free(Server *server)
{
	if (!server)
		return;
	gatt_app_remove_listener(server->app, server->app_listener_id);
	gatt_centrals_remove_listener(server->centrals, server->centrals_listener_id);
	/* First, so that the iterations below cannot accept a new client. */
	server_listen_stop(server);
	while (server->clients)
		server_client_close(server->clients->data, "gattd is stopping");
	/* Run the pending frees now: the main loop is over. */
	while (g_main_context_iteration(NULL, FALSE))
		;
	server_handlers_follow(server, server->app, NULL);
	g_hash_table_unref(server->handlers);
	g_hash_table_unref(server->requests);
	if (server->created_path)
		unlink(server->path);
	capture_set_free(server->captures);
	g_ptr_array_unref(server->disconnects);
	g_free(server->path);
	g_free(server->group);
	listener_list_clear(&server->listeners);
	g_free(server);
}

int server_start(Server *server, char **ret_error)
{
	return server_listen_start(server, ret_error);
}

LISTENERS_DEFINE_ADD_REMOVE(Server, server, ServerListener)

void server_reload(Server *server, const GattdConfig *config, GattApp *app, unsigned generation)
{
	g_autoptr(GPtrArray) removed = NULL;

	follow_app(server, app);
	server->generation = generation;
	server->opts.max_clients = config->max_clients;
	server->opts.max_line = config->max_line_length;
	server->opts.max_queue = config->max_client_queue;
	server->opts.max_requests = config->max_client_requests;
	removed = follow_captures(server, app);
	server_waiters_fail(removed, PROTO_ERR_NOT_FOUND,
	                    "the characteristic no longer has a Capture= queue after a reload");
}

void server_shutdown(Server *server)
{
	g_autoptr(GPtrArray) caps = capture_set_list(server->captures);

	server->shutting_down = true;
	server_waiters_fail(caps, PROTO_ERR_SHUTTING_DOWN, "gattd is stopping");
	server_devices_shutdown(server);
}
