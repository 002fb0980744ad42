/* socket/pairing.c: the `pairable` command and the pairing events (socket/pairing.h). */
#include "socket/pairing.h"

#include <errno.h>

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

void server_on_pairing_failed(Server *server, const char *device, const char *address, const char *reason)
{
	JWriter *b = proto_event_begin("pairing-failed");

	proto_write_device(b, device, address);
	jwrite_member(b, "reason");
	jwrite_string(b, reason);
	server_events_broadcast(server, NULL, b);
}

void server_on_pairable_changed(Server *server, const ServerPairing *pairing)
{
	JWriter *b = proto_event_begin("pairable");

	proto_write_pairing(b, pairing);
	server_events_broadcast(server, NULL, b);
}
