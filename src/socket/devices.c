/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* socket/devices.c: the roster for clients (see socket/devices.h). */
#include "socket/devices.h"

#include <errno.h>
#include <stdarg.h>

#include "shared/bdaddr.h"
#include "shared/frame.h"
#include "shared/log.h"
#include "socket/server-private.h"

/* A `disconnect` or `forget` waiting for BlueZ's answer. */
struct ServerDisconnect {
	Server *server;
	Client *client;         /* NULL once it left */
	json_t *id;
	char *address;
	char *path;
	bool forget;            /* Adapter1.RemoveDevice, not Device1.Disconnect */
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

/* ---- notifying one central ---- */

static const char *refuse(char **ret_message, const char *code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static const char *refuse(char **ret_message, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*ret_message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return code;
}

const char *server_devices_notify(Server *server, GattChar *chr, const char *address, const uint8_t *data,
                                  size_t len, bool *ret_notified, char **ret_message)
{
	const GattCentral *central = gatt_centrals_find_address(server->centrals, address);
	const char *id = chr->cfg->id;
	g_autofree char *path = NULL;
	int r;

	*ret_notified = false;
	if (!gatt_char_can_notify(chr))
		return refuse(ret_message, PROTO_ERR_NOT_SUPPORTED, "%s has neither notify nor indicate", id);
	if (!central)
		return refuse(ret_message, PROTO_ERR_NOT_FOUND, "no connected central %s", address);
	switch (gatt_char_notify_device(chr, central->path, true)) {
	case 0:
		break;
	case -EOPNOTSUPP:
		if (chr->cfg->acquire & CFG_ACQUIRE_NOTIFY)
			return refuse(ret_message, PROTO_ERR_NOT_SUPPORTED,
			              "the bluetoothd in use sends what is written to one central's socket to every "
			              "subscriber (BlueZ before 5.76; gattd recognises 5.79 and later): %s cannot be notified "
			              "to %s alone", id, central->address);
		return refuse(ret_message, PROTO_ERR_NOT_SUPPORTED,
		              "%s has no Acquire=notify: notifying one central needs the socket BlueZ acquires for it", id);
	default:
		return refuse(ret_message, PROTO_ERR_NOT_SUBSCRIBED,
		              "%s has no notify socket for %s: it has not subscribed (or is a bonded central that came "
		              "back without subscribing again)", central->address, id);
	}
	if (len == 0)
		return refuse(ret_message, PROTO_ERR_INVALID_VALUE, "an empty value cannot be notified to one central");
	/* Storing may tell listeners, and they may change the roster: keep what names the central. */
	path = g_strdup(central->path);
	if (gatt_char_set_value(chr, data, len, false) < 0) {
		*ret_message = proto_value_fit_message(chr->cfg, len);
		return PROTO_ERR_INVALID_VALUE;
	}
	r = gatt_char_notify_device(chr, path, false);
	if (r < 0)
		return refuse(ret_message, r == -EAGAIN ? PROTO_ERR_BUSY : PROTO_ERR_FAILED,
		              "stored, but not notified to %s: %s", address,
		              r == -EAGAIN ? "its socket is full" : g_strerror(-r));
	*ret_notified = true;
	return NULL;
}

void server_devices_frame_notify(Client *client, const uint8_t *body, size_t len)
{
	g_autofree char *problem = NULL;
	g_autofree char *id = NULL;
	g_autofree char *address = NULL;
	const char *code = NULL;
	GattChar *chr;
	FrameNotify n;
	bool notified;

	if (frame_parse_notify(body, len, &n, &problem) < 0) {
		server_client_send_error_frame(client, n.tag, PROTO_ERR_BAD_REQUEST, problem);
		return;
	}
	id = g_strndup(n.char_id, n.char_len);
	if (!(chr = gatt_app_find_char(client->server->app, id))) {
		g_autofree char *shown = g_utf8_make_valid(id, -1);
		g_autofree char *message = g_strdup_printf("no characteristic '%s'", shown);

		server_client_send_error_frame(client, n.tag, PROTO_ERR_NOT_FOUND, message);
		return;
	}
	if (n.address) {
		address = g_strndup(n.address, n.address_len);
		if (!bdaddr_is_valid(address))
			code = refuse(&problem, PROTO_ERR_BAD_REQUEST, "notify frame: the address is not AA:BB:CC:DD:EE:FF");
		else
			code = server_devices_notify(client->server, chr, address, n.value, n.value_len, &notified, &problem);
	} else if (!gatt_char_can_notify(chr)) {
		code = refuse(&problem, PROTO_ERR_NOT_SUPPORTED, "%s has neither notify nor indicate", id);
	} else if (gatt_char_set_value(chr, n.value, n.value_len, true) < 0) {
		code = PROTO_ERR_INVALID_VALUE;
		problem = proto_value_fit_message(chr->cfg, n.value_len);
	}
	if (code)
		server_client_send_error_frame(client, n.tag, code, problem);
}

/* ---- commands ---- */

/* Reply with the centrals of list as the array member; with_connected: each says whether it is. */
static void send_centrals(Client *client, const ProtoRequest *req, const char *member, GPtrArray *list,
                          bool with_connected)
{
	g_autoptr(JWriter) b = proto_reply_begin(req->id);

	jwrite_member(b, member);
	jwrite_begin_array(b);
	for (unsigned i = 0; i < list->len; i++) {
		const GattCentral *central = list->pdata[i];
		g_autoptr(GPtrArray) subscribed = gatt_app_subscriptions_of(client->server->app, central->path);

		jwrite_begin_object(b);
		proto_write_central(b, central, subscribed);
		if (with_connected) {
			jwrite_member(b, "connected");
			jwrite_bool(b, central->connected);
		}
		jwrite_end_object(b);
	}
	jwrite_end_array(b);
	server_client_send(client, proto_finish(b));
}

void server_devices_cmd_devices(Client *client, const ProtoRequest *req)
{
	g_autoptr(GPtrArray) list = gatt_centrals_list(client->server->centrals);

	send_centrals(client, req, "devices", list, false);
}

void server_disconnect_done(int error, const char *message, void *data)
{
	ServerDisconnect *d = data;
	Client *client = d->client;
	const char *verb = d->forget ? "forget" : "disconnect";

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
		server_client_send_error(client, d->id, PROTO_ERR_TIMEOUT, "BlueZ did not answer in time to %s %s", verb,
		                         d->address);
	} else if (error == -ENOTCONN) {
		server_client_send_error(client, d->id, PROTO_ERR_DISCONNECTED, "BlueZ went away before it would %s %s (%s)",
		                         verb, d->address, message);
	} else {
		server_client_send_error(client, d->id, PROTO_ERR_FAILED, "BlueZ refused to %s %s: %s", verb, d->address,
		                         message);
	}
	if (error)
		log_info("%s %s: %s", verb, d->address, message ? message : g_strerror(-error));
	else if (d->forget)
		log_notice("forgot %s: BlueZ removed the device and its keys", d->address);
	g_ptr_array_remove_fast(d->server->disconnects, d);
}

/* Ask BlueZ to disconnect or forget central for client; the answer comes in server_disconnect_done(). */
static void ask_bluez(Client *client, const ProtoRequest *req, const GattCentral *central, bool forget)
{
	Server *server = client->server;
	ServerDisconnect *d;
	bool asked = false;

	for (unsigned i = 0; i < server->disconnects->len; i++) {
		d = server->disconnects->pdata[i];
		if (g_strcmp0(d->path, central->path) == 0) {
			server_client_send_error(client, req->id, PROTO_ERR_BUSY, "%s is already being %s", central->address,
			                         d->forget ? "forgotten" : "disconnected");
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
		.forget = forget,
	};
	g_ptr_array_add(server->disconnects, d);
	client->n_owed++;
	log_info("client %u asks to %s %s", client->id, forget ? "forget" : "disconnect central", d->address);
	if (forget)
		LISTENERS_ASK(&server->listeners, ServerListener, forget, asked, server, d->path, d);
	else
		LISTENERS_ASK(&server->listeners, ServerListener, disconnect, asked, server, d->path, d);
	if (!asked)
		server_disconnect_done(-EIO, forget ? "forgetting is not available" : "disconnecting is not available", d);
}

void server_devices_cmd_disconnect(Client *client, const ProtoRequest *req)
{
	const GattCentral *central = gatt_centrals_find_address(client->server->centrals, req->address);

	if (!central) {
		server_client_send_error(client, req->id, PROTO_ERR_NOT_FOUND, "no connected central %s", req->address);
		return;
	}
	ask_bluez(client, req, central, false);
}

void server_devices_cmd_forget(Client *client, const ProtoRequest *req)
{
	const GattCentral *central = gatt_centrals_find_known(client->server->centrals, req->address);

	if (!central) {
		server_client_send_error(client, req->id, PROTO_ERR_NOT_FOUND, "BlueZ knows no device %s on the adapter",
		                         req->address);
		return;
	}
	ask_bluez(client, req, central, true);
}

void server_devices_cmd_bonds(Client *client, const ProtoRequest *req)
{
	g_autoptr(GPtrArray) bonds = gatt_centrals_bonds(client->server->centrals);

	send_centrals(client, req, "bonds", bonds, true);
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
