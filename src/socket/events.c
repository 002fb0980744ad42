/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/events.c: what happened, told to the clients: events to the watchers
 * (write, subscribed/unsubscribed, confirm, capture-overflow, connected,
 * disconnected, unregistered, registered, adapter, reloaded), central writes into the capture queues and on to
 * their next-write waiters, and waiters answered when services go off the air.
 * The server_on_* and server_announce_reload of server.h, and events.h for server.c.
 */
#include "socket/events.h"

#include "shared/log.h"
#include "socket/devices.h"
#include "socket/protocol.h"
#include "socket/server-private.h"
#include "socket/waiters.h"

static bool client_watches(Client *client, GattChar *chr)
{
	if (!client->watching || client->dead)
		return false;
	return !chr || !client->watch_chars || g_hash_table_contains(client->watch_chars, chr->cfg->id);
}

void server_events_broadcast(Server *server, GattChar *chr, JWriter *event)
{
	g_autoptr(JWriter) b = event;
	g_autofree char *line = proto_finish(b);
	g_autoptr(GPtrArray) targets = g_ptr_array_new();

	/* Sending may drop a client that fell behind: iterate over a snapshot. */
	for (GList *l = server->clients; l; l = l->next)
		if (client_watches(l->data, chr))
			g_ptr_array_add(targets, l->data);
	for (unsigned i = 0; i < targets->len; i++) {
		Client *client = targets->pdata[i];

		if (!client->dead)
			server_client_send_event(client, g_strdup(line));
	}
}

static bool any_watcher(Server *server, GattChar *chr)
{
	for (GList *l = server->clients; l; l = l->next)
		if (client_watches(l->data, chr))
			return true;
	return false;
}

static JWriter *char_event(const char *name, GattChar *chr)
{
	JWriter *b = proto_event_begin(name);

	jwrite_member(b, "char");
	jwrite_string(b, chr->cfg->id);
	return b;
}

void server_events_write(Server *server, GattChar *chr, const uint8_t *data, size_t len, uint16_t offset,
                         const char *device)
{
	Capture *cap = capture_set_lookup(server->captures, chr->cfg->id);
	bool watched = any_watcher(server, chr);
	g_autofree char *address = NULL;
	JWriter *b;

	/* Most writes have no watcher and no capture: nothing to look up or build. */
	if (cap || watched)
		address = server_device_address(server, device);
	if (watched) {
		b = proto_event_begin("write");
		proto_write_write(b, chr->cfg, data, len, offset, device, address);
		server_events_broadcast(server, chr, b);
	}

	if (!cap)
		return;
	if (capture_queue_push(&cap->queue, data, len, offset, device, address, g_get_real_time())) {
		log_warning("%s: capture queue full (%u writes); dropped the oldest, %" G_GUINT64_FORMAT
		            " dropped so far", chr->cfg->id, cap->queue.capacity, cap->queue.overflows);
		b = char_event("capture-overflow", chr);
		jwrite_member(b, "dropped");
		jwrite_int(b, 1);
		jwrite_member(b, "overflows");
		jwrite_int(b, (gint64)cap->queue.overflows);
		server_events_broadcast(server, chr, b);
	}
	server_waiters_serve(cap);
}

void server_events_subscription(Server *server, GattChar *chr, bool subscribed, const char *device)
{
	g_autofree char *address = NULL;
	JWriter *b;

	if (!any_watcher(server, chr))
		return;
	address = server_device_address(server, device);
	b = char_event(subscribed ? "subscribed" : "unsubscribed", chr);
	proto_write_device(b, device, address);
	server_events_broadcast(server, chr, b);
}

void server_events_connected(Server *server, const GattCentral *central)
{
	g_autoptr(GPtrArray) subscribed = gatt_app_subscriptions_of(server->app, central->path);
	JWriter *b = proto_event_begin("connected");

	log_info("central %s (%s) connected", central->address, central->address_type ? central->address_type : "?");
	proto_write_central(b, central, subscribed);
	server_events_broadcast(server, NULL, b);
}

void server_events_disconnected(Server *server, const GattCentral *central, const char *reason)
{
	g_autoptr(GPtrArray) subscribed = gatt_app_subscriptions_of(server->app, central->path);
	JWriter *b = proto_event_begin("disconnected");

	log_info("central %s disconnected%s%s", central->address, reason ? ": " : "", reason ? reason : "");
	proto_write_central(b, central, subscribed);
	jwrite_member(b, "reason");
	jwrite_string(b, reason);
	server_events_broadcast(server, NULL, b);
}

void server_events_confirm(Server *server, GattChar *chr)
{
	server_events_broadcast(server, chr, char_event("confirm", chr));
}

void server_on_down(Server *server, const char *reason, bool shutdown)
{
	g_autofree char *message = g_strdup_printf(
		"services went off the air (%s) while waiting; ask again to wait for the next write", reason);
	g_autoptr(GPtrArray) caps = NULL;
	JWriter *b = proto_event_begin("unregistered");

	jwrite_member(b, "reason");
	jwrite_string(b, reason);
	server_events_broadcast(server, NULL, b);
	caps = capture_set_list(server->captures);
	server_waiters_fail(caps, shutdown ? PROTO_ERR_SHUTTING_DOWN : PROTO_ERR_DISCONNECTED, message);
}

void server_on_up(Server *server, const char *adapter_name)
{
	JWriter *b = proto_event_begin("registered");

	jwrite_member(b, "adapter");
	jwrite_string(b, adapter_name);
	server_events_broadcast(server, NULL, b);
}

void server_on_adapter_changed(Server *server, const ServerAdapter *adapter)
{
	JWriter *b = proto_event_begin("adapter");

	proto_write_adapter(b, adapter);
	server_events_broadcast(server, NULL, b);
}

void server_announce_reload(Server *server)
{
	JWriter *b = proto_event_begin("reloaded");

	jwrite_member(b, "generation");
	jwrite_int(b, server->generation);
	server_events_broadcast(server, NULL, b);
}
