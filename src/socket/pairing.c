/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* socket/pairing.c: the `pairable` command and the pairing events (socket/pairing.h). */
#include "socket/pairing.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "shared/log.h"
#include "socket/events.h"

void server_pairing_cmd_pairable(Client *client, const ProtoRequest *req)
{
	Server *server = client->server;
	ServerPairableOp op = !req->has_open ? SERVER_PAIRABLE_ASK : req->open ? SERVER_PAIRABLE_OPEN
	                                                                        : SERVER_PAIRABLE_CLOSE;
	ServerPairing pairing = { .method = "off" };
	g_autoptr(JWriter) b = NULL;
	int r = -EOPNOTSUPP;

	LISTENERS_ASK(&server->listeners, ServerListener, pairable, r, server, op, req->seconds, &pairing);
	if (client->dead)
		return;
	if (r == -EOPNOTSUPP) {
		server_client_send_error(client, req->id, PROTO_ERR_NOT_SUPPORTED,
		                         "pairing is off ([Pairing] Method=off): gattd is not the pairing agent");
		return;
	}
	if (r == -EALREADY) {
		server_client_send_error(client, req->id, PROTO_ERR_NOT_SUPPORTED,
		                         "[Pairing] Pairable=always: the window is always open and cannot be closed");
		return;
	}
	if (op != SERVER_PAIRABLE_ASK)
		log_info("client %u (pid %d) %s the pairing window", client->id, (int)client->pid,
		         op == SERVER_PAIRABLE_OPEN ? "opened" : "closed");
	b = proto_reply_begin(req->id);
	proto_write_pairing(b, &pairing);
	server_client_send(client, proto_finish(b));
}

void server_pairing_paired(Server *server, const GattCentral *central)
{
	g_autoptr(GPtrArray) subscribed = gatt_app_subscriptions_of(server->app, central->path);
	JWriter *b = proto_event_begin("paired");

	log_notice("paired with %s (%s)", central->address ? central->address : central->path,
	           !central->has_bonded ? "paired" : central->bonded ? "bonded" : "not bonded: no keys kept");
	proto_write_central(b, central, subscribed);
	server_events_broadcast(server, NULL, b);
}

void server_on_pairing_passkey(Server *server, const char *device, const char *address, unsigned passkey)
{
	g_autofree char *digits = g_strdup_printf("%06u", passkey);
	JWriter *b = proto_event_begin("passkey");

	proto_write_device(b, device, address);
	jwrite_member(b, "passkey");
	jwrite_string(b, digits);
	server_events_broadcast(server, NULL, b);
}

static JWriter *failed_event(const char *device, const char *address, const char *reason, uint64_t request)
{
	JWriter *b = proto_event_begin("pairing-failed");

	proto_write_device(b, device, address);
	jwrite_member(b, "reason");
	jwrite_string(b, reason);
	jwrite_member(b, "request");
	if (request)
		jwrite_int(b, (int64_t)request);
	else
		jwrite_null(b);
	return b;
}

void server_on_pairing_failed(Server *server, const char *device, const char *address, const char *reason,
                              uint64_t request)
{
	Client *confirmer = server->confirmer;

	/* The confirmer hears how its request ended, watching or not. */
	if (request && request == server->confirming) {
		server->confirming = 0;
		if (confirmer && !confirmer->watching && !confirmer->dead) {
			g_autoptr(JWriter) b = failed_event(device, address, reason, request);

			server_client_send_event(confirmer, proto_finish(b));
		}
	}
	server_events_broadcast(server, NULL, failed_event(device, address, reason, request));
}

void server_on_pairable_changed(Server *server, const ServerPairing *pairing)
{
	JWriter *b = proto_event_begin("pairable");

	proto_write_pairing(b, pairing);
	server_events_broadcast(server, NULL, b);
}

/* ---- the confirm role (Method=confirm) ---- */

void server_pairing_cmd_handle(Client *client, const ProtoRequest *req)
{
	Server *server = client->server;
	ServerPairing pairing = { .method = "off" };
	g_autoptr(JWriter) b = NULL;
	int r = -EOPNOTSUPP;

	LISTENERS_ASK(&server->listeners, ServerListener, pairable, r, server, SERVER_PAIRABLE_ASK, 0, &pairing);
	if (r < 0 || strcmp(pairing.method, "confirm") != 0) {
		server_client_send_error(client, req->id, PROTO_ERR_NOT_SUPPORTED,
		                         "pairing requests come with [Pairing] Method=confirm only (Method=%s)",
		                         pairing.method);
		return;
	}
	if (server->confirmer && server->confirmer != client) {
		server_client_send_error(client, req->id, PROTO_ERR_BUSY, "pairings are confirmed by client %u (pid %d)",
		                         server->confirmer->id, (int)server->confirmer->pid);
		return;
	}
	if (!server->confirmer)
		log_info("client %u (pid %d) confirms pairings", client->id, (int)client->pid);
	server->confirmer = client;
	b = proto_reply_begin(req->id);
	server_client_send(client, proto_finish(b));
}

/* The confirmer is leaving (unhandle-pairing, or gone): what it left unanswered is rejected now. */
static void confirmer_leaves(Server *server)
{
	uint64_t id = server->confirming;
	int r = -ENOENT;

	server->confirmer = NULL;
	server->confirming = 0;
	if (!id)
		return;
	LISTENERS_ASK(&server->listeners, ServerListener, pairing_answer, r, server, id, SERVER_PAIRING_NO_CONFIRMER);
	if (r < 0)
		log_debug("pairing request %" PRIu64 " was settled already when its confirmer left", id);
}

void server_pairing_cmd_unhandle(Client *client, const ProtoRequest *req)
{
	Server *server = client->server;
	g_autoptr(JWriter) b = NULL;

	if (server->confirmer != client) {
		server_client_send_error(client, req->id, PROTO_ERR_NOT_HANDLED, "this connection does not confirm pairings");
		return;
	}
	log_info("client %u (pid %d) no longer confirms pairings", client->id, (int)client->pid);
	confirmer_leaves(server);
	b = proto_reply_begin(req->id);
	server_client_send(client, proto_finish(b));
}

void server_pairing_cmd_answer(Client *client, const ProtoRequest *req)
{
	Server *server = client->server;
	g_autoptr(JWriter) b = NULL;
	int r = -ENOENT;

	if (server->confirmer != client) {
		server_client_send_error(client, req->id, PROTO_ERR_NOT_HANDLED,
		                         "this connection does not confirm pairings (handle-pairing)");
		return;
	}
	LISTENERS_ASK(&server->listeners, ServerListener, pairing_answer, r, server, req->request,
	              req->accept ? SERVER_PAIRING_ACCEPT : SERVER_PAIRING_REJECT);
	if (client->dead)
		return;
	if (r == -ESTALE) {
		server_client_send_error(client, req->id, PROTO_ERR_EXPIRED,
		                         "pairing request %" PRIu64 " is settled already (answered, timed out or cancelled)",
		                         req->request);
		return;
	}
	if (r < 0) {
		server_client_send_error(client, req->id, PROTO_ERR_NOT_FOUND, "no pairing request %" PRIu64 " was sent",
		                         req->request);
		return;
	}
	if (server->confirming == req->request)
		server->confirming = 0;
	log_info("client %u (pid %d) %s pairing request %" PRIu64, client->id, (int)client->pid,
	         req->accept ? "accepted" : "rejected", req->request);
	b = proto_reply_begin(req->id);
	server_client_send(client, proto_finish(b));
}

int server_on_pairing_request(Server *server, const ServerPairingRequest *req)
{
	Client *client = server->confirmer;
	g_autoptr(JWriter) b = NULL;

	if (!client || client->dead || server->shutting_down)
		return -ENOENT;
	b = proto_event_begin("pairing-request");
	jwrite_member(b, "request");
	jwrite_int(b, (int64_t)req->id);
	jwrite_member(b, "kind");
	jwrite_string(b, req->kind);
	proto_write_device(b, req->device, req->address);
	jwrite_member(b, "passkey");
	if (req->passkey >= 0) {
		g_autofree char *digits = g_strdup_printf("%06d", req->passkey);

		jwrite_string(b, digits);
	} else {
		jwrite_null(b);
	}
	jwrite_member(b, "deadline");
	jwrite_int(b, req->deadline);
	server->confirming = req->id;
	server_client_send_event(client, proto_finish(b));
	return 0;
}

void server_pairing_client_closed(Server *server, Client *client)
{
	if (server->confirmer != client)
		return;
	log_info("client %u (pid %d), which confirmed pairings, left%s", client->id, (int)client->pid,
	         server->confirming ? ": its unanswered pairing request is rejected" : "");
	confirmer_leaves(server);
}
