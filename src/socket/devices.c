/* socket/devices.c: the roster for clients (see socket/devices.h). */
#include "socket/devices.h"

#include <errno.h>

#include "shared/log.h"
#include "socket/server-private.h"

/* A `disconnect` waiting for BlueZ's answer. */
struct ServerDisconnect {
	Server *server;
	Client *client;         /* NULL once it left */
	json_t *id;
	char *address;
	char *path;
};

void server_disconnect_free(ServerDisconnect *d)
{
	json_decref(d->id);
	g_free(d->address);
	g_free(d->path);
	g_free(d);
}

char *server_device_address(Server *server, const char *path)
{
	const GattCentral *central = gatt_centrals_lookup(server->centrals, path);

	if (central && central->address)
		return g_strdup(central->address);
	return proto_device_address(path);
}

/* ---- commands ---- */

void server_devices_cmd_devices(Client *client, const ProtoRequest *req)
{
	g_autoptr(GPtrArray) list = gatt_centrals_list(client->server->centrals);
	g_autoptr(JWriter) b = proto_reply_begin(req->id);

	jwrite_member(b, "devices");
	jwrite_begin_array(b);
	for (unsigned i = 0; i < list->len; i++) {
		jwrite_begin_object(b);
		const GattCentral *central = list->pdata[i];
		g_autoptr(GPtrArray) subscribed = gatt_app_subscriptions_of(client->server->app, central->path);

		proto_write_central(b, central, subscribed);
		jwrite_end_object(b);
	}
	jwrite_end_array(b);
	server_client_send(client, proto_finish(b));
}

void server_disconnect_done(int error, const char *message, void *data)
{
	ServerDisconnect *d = data;
	Client *client = d->client;

	if (client)
		client->n_owed--;
	if (!client || client->dead) {
		/* Nobody to answer; the log says what happened. */
	} else if (error == 0) {
		g_autoptr(JWriter) b = proto_reply_begin(d->id);

		jwrite_member(b, "address");
		jwrite_string(b, d->address);
		jwrite_member(b, "device");
		jwrite_string(b, d->path);
		server_client_send(client, proto_finish(b));
	} else if (error == -ETIMEDOUT) {
		server_client_send_error(client, d->id, PROTO_ERR_TIMEOUT, "BlueZ did not answer in time to disconnect %s",
		                         d->address);
	} else if (error == -ENOTCONN) {
		server_client_send_error(client, d->id, PROTO_ERR_DISCONNECTED,
		                         "BlueZ went away before disconnecting %s (%s)", d->address, message);
	} else {
		server_client_send_error(client, d->id, PROTO_ERR_FAILED, "BlueZ refused to disconnect %s: %s", d->address,
		                         message);
	}
	if (error)
		log_info("disconnecting central %s: %s", d->address, message ? message : g_strerror(-error));
	g_ptr_array_remove_fast(d->server->disconnects, d);
}

void server_devices_cmd_disconnect(Client *client, const ProtoRequest *req)
{
	Server *server = client->server;
	const GattCentral *central = gatt_centrals_find_address(server->centrals, req->address);
	ServerDisconnect *d;
	bool asked = false;

	if (!central) {
		server_client_send_error(client, req->id, PROTO_ERR_NOT_FOUND, "no connected central %s", req->address);
		return;
	}
	for (unsigned i = 0; i < server->disconnects->len; i++) {
		d = server->disconnects->pdata[i];
		if (g_strcmp0(d->path, central->path) == 0) {
			server_client_send_error(client, req->id, PROTO_ERR_BUSY, "%s is already being disconnected",
			                         central->address);
			return;
		}
	}
	d = g_new0(ServerDisconnect, 1);
	*d = (ServerDisconnect){
		.server = server,
		.client = client,
		.id = json_incref(req->id),
		.address = g_strdup(central->address),
		.path = g_strdup(central->path),
	};
	g_ptr_array_add(server->disconnects, d);
	client->n_owed++;
	log_info("client %u asks to disconnect central %s", client->id, d->address);
	LISTENERS_ASK(&server->listeners, ServerListener, disconnect, asked, server, d->path, d);
	if (!asked)
		server_disconnect_done(-EIO, "disconnecting is not available", d);
}

void server_devices_shutdown(Server *server)
{
	for (unsigned i = 0; i < server->disconnects->len; i++) {
		ServerDisconnect *d = server->disconnects->pdata[i];
		Client *client = g_steal_pointer(&d->client);

		if (!client)
			continue;
		client->n_owed--;
		if (!client->dead)
			server_client_send_error(client, d->id, PROTO_ERR_SHUTTING_DOWN,
			                         "gattd is stopping; %s may or may not get disconnected", d->address);
	}
}

void server_devices_client_closed(Server *server, Client *client)
{
	for (unsigned i = 0; i < server->disconnects->len; i++) {
		ServerDisconnect *d = server->disconnects->pdata[i];

		if (d->client == client)
			d->client = NULL;
	}
}
