/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/commands.c: the requests of the local client protocol (README, "Local
 * client protocol"): one line from a client (client.c) is parsed (protocol.c),
 * done on the GATT application or the capture queues, and answered.
 */
#include "socket/commands.h"

#include <errno.h>
#include <string.h>

#include "config/presentation.h"
#include "gattd-build-config.h"
#include "shared/log.h"
#include "socket/devices.h"
#include "socket/events.h"
#include "socket/handlers.h"
#include "socket/pairing.h"
#include "socket/protocol.h"
#include "socket/server-private.h"
#include "socket/waiters.h"

/* "value" (and "typed") of a characteristic's current value. */
static void add_char_value(JWriter *b, GattChar *chr)
{
	proto_write_value(b, chr->cfg->has_type, chr->cfg->type, chr->value->data, chr->value->len);
}

static GattChar *find_char(Client *client, const ProtoRequest *req)
{
	GattChar *chr = gatt_app_find_char(client->server->app, req->chr);

	if (!chr)
		server_client_send_error(client, req->id, PROTO_ERR_NOT_FOUND, "no characteristic '%s'", req->chr);
	return chr;
}

static void cmd_hello(Client *client, const ProtoRequest *req)
{
	g_autoptr(JWriter) b = proto_reply_begin(req->id);

	jwrite_member(b, "protocol");
	jwrite_int(b, PROTOCOL_VERSION);
	jwrite_member(b, "version");
	jwrite_string(b, GATTD_VERSION);
	jwrite_member(b, "daemon");
	jwrite_string(b, "gattd");
	server_client_send(client, proto_finish(b));
}

static void cmd_status(Client *client, const ProtoRequest *req)
{
	Server *server = client->server;
	ServerStatus status = { 0 };
	bool answered = false;

	/* No listener answering leaves the BlueZ side empty. */
	LISTENERS_ASK(&server->listeners, ServerListener, status, answered, server, &status);
	(void)answered;
	for (GList *l = server->clients; l; l = l->next)
		status.watchers += ((Client *)l->data)->watching;
	capture_set_count(server->captures, &status.captured, &status.overflows);
	status.clients = server->n_clients;
	status.subscriptions = gatt_app_count_notifying(server->app);
	status.generation = server->generation;
	server_client_send(client, proto_status_line(req->id, &status));
	server_status_clear(&status);
}

static void add_strv(JWriter *b, const char *name, char **strv)
{
	jwrite_member(b, name);
	jwrite_begin_array(b);
	for (; strv && *strv; strv++)
		jwrite_string(b, *strv);
	jwrite_end_array(b);
}

/* Open the object of a service, characteristic or descriptor in `list`. */
static void begin_attribute(JWriter *b, const char *id, const char *uuid)
{
	jwrite_begin_object(b);
	jwrite_member(b, "id");
	jwrite_string(b, id);
	jwrite_member(b, "uuid");
	jwrite_string(b, uuid);
}

/* Add the array name: add_one for each of items. */
static void add_list(JWriter *b, const char *name, GPtrArray *items, void (*add_one)(JWriter *b, void *item))
{
	jwrite_member(b, name);
	jwrite_begin_array(b);
	for (unsigned i = 0; i < items->len; i++)
		add_one(b, items->pdata[i]);
	jwrite_end_array(b);
}

/* "decoded": what a descriptor's value says, for people, where gattd knows its kind (0x2904). */
static void add_decoded(JWriter *b, GattDesc *desc)
{
	g_autoptr(GBytes) value = NULL;
	g_autofree char *decoded = NULL;

	if (strcmp(desc->cfg->uuid, CONFIG_UUID_PRESENTATION_FORMAT) != 0)
		return;
	value = g_bytes_new(desc->value->data, desc->value->len);
	decoded = config_presentation_describe(value);
	if (!decoded)
		return;
	jwrite_member(b, "decoded");
	jwrite_string(b, decoded);
}

static void add_descriptor(JWriter *b, void *item)
{
	GattDesc *desc = item;

	begin_attribute(b, desc->cfg->id, desc->cfg->uuid);
	add_strv(b, "flags", desc->cfg->flags);
	proto_write_value(b, false, VALUE_TYPE_HEX, desc->value->data, desc->value->len);
	add_decoded(b, desc);
	jwrite_end_object(b);
}

static void add_characteristic(JWriter *b, void *item)
{
	GattChar *chr = item;

	begin_attribute(b, chr->cfg->id, chr->cfg->uuid);
	add_strv(b, "flags", chr->cfg->flags);
	jwrite_member(b, "type");
	if (chr->cfg->has_type)
		jwrite_string(b, value_type_name(chr->cfg->type));
	else
		jwrite_null(b);
	jwrite_member(b, "max_length");
	jwrite_int(b, chr->cfg->max_length);
	jwrite_member(b, "capture");
	jwrite_int(b, chr->cfg->capture);
	jwrite_member(b, "notifying");
	jwrite_bool(b, chr->notifying);
	add_char_value(b, chr);
	add_list(b, "descriptors", chr->descs, add_descriptor);
	jwrite_end_object(b);
}

static void add_service(JWriter *b, void *item)
{
	GattService *service = item;

	begin_attribute(b, service->cfg->id, service->cfg->uuid);
	jwrite_member(b, "primary");
	jwrite_bool(b, service->cfg->primary);
	add_list(b, "characteristics", service->chars, add_characteristic);
	jwrite_end_object(b);
}

static void cmd_list(Client *client, const ProtoRequest *req)
{
	g_autoptr(JWriter) b = proto_reply_begin(req->id);

	add_list(b, "services", gatt_app_get_services(client->server->app), add_service);
	server_client_send(client, proto_finish(b));
}

/* The descriptor with this id ("battery/level/valid_range"), looked up under its characteristic. */
static GattDesc *find_desc(GattApp *app, const char *id, GattChar **ret_chr)
{
	const char *slash = strrchr(id, '/');
	g_autofree char *chr_id = slash ? g_strndup(id, (gsize)(slash - id)) : NULL;
	GattChar *chr = chr_id ? gatt_app_find_char(app, chr_id) : NULL;

	*ret_chr = chr;
	for (unsigned i = 0; chr && i < chr->descs->len; i++) {
		GattDesc *desc = chr->descs->pdata[i];

		if (strcmp(desc->cfg->id, id) == 0)
			return desc;
	}
	return NULL;
}

/* get of a descriptor: "char" names it (README, "Requests and replies"). */
static void get_desc(Client *client, const ProtoRequest *req)
{
	GattChar *chr = NULL;
	GattDesc *desc = find_desc(client->server->app, req->chr, &chr);
	g_autoptr(JWriter) b = NULL;

	if (!desc) {
		if (chr)
			server_client_send_error(client, req->id, PROTO_ERR_NOT_FOUND,
			                         "characteristic '%s' has no descriptor '%s'", chr->cfg->id, req->chr);
		else if (strchr(req->chr, '/') != strrchr(req->chr, '/'))
			server_client_send_error(client, req->id, PROTO_ERR_NOT_FOUND,
			                         "no characteristic or descriptor '%s'", req->chr);
		else
			server_client_send_error(client, req->id, PROTO_ERR_NOT_FOUND, "no characteristic '%s'",
			                         req->chr);
		return;
	}
	b = proto_reply_begin(req->id);
	jwrite_member(b, "char");
	jwrite_string(b, chr->cfg->id);
	jwrite_member(b, "descriptor");
	jwrite_string(b, desc->cfg->id);
	jwrite_member(b, "uuid");
	jwrite_string(b, desc->cfg->uuid);
	proto_write_value(b, false, VALUE_TYPE_HEX, desc->value->data, desc->value->len);
	add_decoded(b, desc);
	server_client_send(client, proto_finish(b));
}

static void cmd_get(Client *client, const ProtoRequest *req)
{
	GattChar *chr = gatt_app_find_char(client->server->app, req->chr);
	g_autoptr(JWriter) b = NULL;

	if (!chr) {
		get_desc(client, req);
		return;
	}
	b = proto_reply_begin(req->id);
	jwrite_member(b, "char");
	jwrite_string(b, chr->cfg->id);
	add_char_value(b, chr);
	server_client_send(client, proto_finish(b));
}

static void cmd_set(Client *client, const ProtoRequest *req)
{
	GattChar *chr = find_char(client, req);
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(JWriter) b = NULL;
	g_autofree char *error = NULL;
	const uint8_t *data;
	gsize len = 0;
	bool can_notify, notified = false;
	int r;

	if (!chr)
		return;
	can_notify = gatt_char_can_notify(chr);
	if (req->has_notify && req->notify && !can_notify) {
		server_client_send_error(client, req->id, PROTO_ERR_NOT_SUPPORTED, "%s has neither notify nor indicate",
		                         chr->cfg->id);
		return;
	}
	bytes = proto_decode_value(req->hex, req->typed, chr->cfg->has_type, chr->cfg->type, &error);
	if (!bytes) {
		server_client_send_error(client, req->id, PROTO_ERR_INVALID_VALUE, "%s: %s", chr->cfg->id, error);
		return;
	}
	data = g_bytes_get_data(bytes, &len);
	if (req->address) {
		const char *code = server_devices_notify(client->server, chr, req->address, data, len, &notified, &error);

		if (code) {
			server_client_send_error(client, req->id, code, "%s", error);
			return;
		}
	} else {
		r = gatt_char_set_value(chr, data, len, can_notify && (!req->has_notify || req->notify));
		if (r < 0) {
			g_autofree char *why = proto_value_fit_message(chr->cfg, len);

			server_client_send_error(client, req->id, PROTO_ERR_INVALID_VALUE, "%s: %s", chr->cfg->id, why);
			return;
		}
		notified = r > 0;
	}

	b = proto_reply_begin(req->id);
	jwrite_member(b, "char");
	jwrite_string(b, chr->cfg->id);
	add_char_value(b, chr);
	jwrite_member(b, "notified");
	jwrite_bool(b, notified);
	jwrite_member(b, "subscribed");
	jwrite_bool(b, chr->notifying);
	server_client_send(client, proto_finish(b));
}

static void cmd_watch(Client *client, const ProtoRequest *req)
{
	g_autoptr(GHashTable) chars = NULL;
	g_autoptr(JWriter) b = NULL;

	if (req->chars) {
		chars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		for (const char **c = req->chars; *c; c++) {
			if (!gatt_app_find_char(client->server->app, *c)) {
				server_client_send_error(client, req->id, PROTO_ERR_NOT_FOUND, "no characteristic '%s'", *c);
				return;
			}
			g_hash_table_add(chars, g_strdup(*c));
		}
	}
	g_clear_pointer(&client->watch_chars, g_hash_table_unref);
	client->watch_chars = g_steal_pointer(&chars);
	client->watching = true;

	b = proto_reply_begin(req->id);
	jwrite_member(b, "chars");
	if (req->chars) {
		jwrite_begin_array(b);
		for (const char **c = req->chars; *c; c++)
			jwrite_string(b, *c);
		jwrite_end_array(b);
	} else {
		jwrite_null(b);
	}
	server_client_send(client, proto_finish(b));
}

static void cmd_unwatch(Client *client, const ProtoRequest *req)
{
	g_autoptr(JWriter) b = proto_reply_begin(req->id);

	client->watching = false;
	g_clear_pointer(&client->watch_chars, g_hash_table_unref);
	server_client_send(client, proto_finish(b));
}

static void cmd_next_write(Client *client, const ProtoRequest *req)
{
	GattChar *chr = find_char(client, req);
	Capture *cap;

	if (!chr)
		return;
	cap = capture_set_lookup(client->server->captures, chr->cfg->id);
	if (!cap) {
		server_client_send_error(client, req->id, PROTO_ERR_NOT_CAPTURE, "%s has no Capture= queue", chr->cfg->id);
		return;
	}
	if (client->waiting_on) {
		server_client_send_error(client, req->id, PROTO_ERR_BUSY, "this connection already waits in next-write on %s",
		                         client->waiting_on->cfg->id);
		return;
	}
	if (capture_queue_length(&cap->queue) > 0) {
		server_waiters_reply(client, req->id, cap, capture_queue_pop(&cap->queue));
		return;
	}
	if (req->timeout_ms == 0) {
		server_client_send_error(client, req->id, PROTO_ERR_TIMEOUT, "no write queued");
		return;
	}
	server_waiters_wait(client, cap, req->id, req->timeout_ms);
}

static void cmd_reload(Client *client, const ProtoRequest *req)
{
	Server *server = client->server;
	g_autoptr(JWriter) b = NULL;
	g_auto(GStrv) problems = NULL;
	bool reregistered = false;
	int generation = -ENOTSUP;

	log_info("client %u (pid %d) asked for a reload", client->id, (int)client->pid);
	LISTENERS_ASK(&server->listeners, ServerListener, reload, generation, server, &reregistered, &problems);
	if (client->dead)
		return;
	if (generation < 0) {
		/* Refused with its problems; or no listener answered: nobody to reload (a
		 * server without a daemon). */
		static const char *const unavailable[] = { "reloading is not available", NULL };
		const char *const *said = problems ? (const char *const *)problems : unavailable;
		g_autofree char *message = g_strjoinv("; ", (char **)said);

		server_client_send(client, proto_error_line_problems(req->id, PROTO_ERR_INVALID_CONFIG, message, said));
		return;
	}
	b = proto_reply_begin(req->id);
	jwrite_member(b, "generation");
	jwrite_int(b, generation);
	jwrite_member(b, "reregistered");
	jwrite_bool(b, reregistered);
	server_client_send(client, proto_finish(b));
}

static void cmd_advertise(Client *client, const ProtoRequest *req)
{
	Server *server = client->server;
	const CfgAdvertisingChange *change = &req->advertise;
	ServerAdvertisement adv = { 0 };
	g_autofree char *error = NULL;
	g_autoptr(JWriter) b = NULL;
	int r = -EOPNOTSUPP;

	LISTENERS_ASK(&server->listeners, ServerListener, advertise, r, server, change, &adv, &error);
	if (client->dead)
		return;
	if (r == -EOPNOTSUPP) {
		server_client_send_error(client, req->id, PROTO_ERR_NOT_SUPPORTED, "advertising is not available");
		return;
	}
	if (r < 0) {
		server_client_send_error(client, req->id, r == -ENOENT ? PROTO_ERR_NOT_FOUND : PROTO_ERR_INVALID_VALUE, "%s",
		                         error);
		return;
	}
	b = proto_reply_begin(req->id);
	proto_write_advertisement(b, &adv);
	server_client_send(client, proto_finish(b));
	if (!config_advertising_change_is_empty(change)) {
		JWriter *event = proto_event_begin("advertisement");

		log_info("client %u (pid %d) changed the advertisement%s%s", client->id, (int)client->pid,
		         change->name ? " " : "", change->name ? change->name : "");
		proto_write_advertisement(event, &adv);
		server_events_broadcast(server, NULL, event);
	}
}

/* By ProtoCommand: protocol.c accepts no other. */
static void (*const handlers[])(Client *client, const ProtoRequest *req) = {
	[PROTO_CMD_HELLO] = cmd_hello,
	[PROTO_CMD_STATUS] = cmd_status,
	[PROTO_CMD_LIST] = cmd_list,
	[PROTO_CMD_GET] = cmd_get,
	[PROTO_CMD_SET] = cmd_set,
	[PROTO_CMD_WATCH] = cmd_watch,
	[PROTO_CMD_UNWATCH] = cmd_unwatch,
	[PROTO_CMD_NEXT_WRITE] = cmd_next_write,
	[PROTO_CMD_RELOAD] = cmd_reload,
	[PROTO_CMD_HANDLE] = server_handlers_cmd_handle,
	[PROTO_CMD_UNHANDLE] = server_handlers_cmd_unhandle,
	[PROTO_CMD_ANSWER] = server_handlers_cmd_answer,
	[PROTO_CMD_DEVICES] = server_devices_cmd_devices,
	[PROTO_CMD_DISCONNECT] = server_devices_cmd_disconnect,
	[PROTO_CMD_CHANNEL] = server_handlers_cmd_channel,
	[PROTO_CMD_PAIRABLE] = server_pairing_cmd_pairable,
	[PROTO_CMD_BONDS] = server_devices_cmd_bonds,
	[PROTO_CMD_FORGET] = server_devices_cmd_forget,
	[PROTO_CMD_HANDLE_PAIRING] = server_pairing_cmd_handle,
	[PROTO_CMD_UNHANDLE_PAIRING] = server_pairing_cmd_unhandle,
	[PROTO_CMD_ANSWER_PAIRING] = server_pairing_cmd_answer,
	[PROTO_CMD_ADVERTISE] = cmd_advertise,
};

void server_commands_handle_line(Client *client, const char *line, size_t len)
{
	g_autoptr(ProtoRequest) req = NULL;
	ProtoError err;

	req = proto_parse_request(line, len, &err);
	if (!req) {
		log_debug("client %u: bad request: %s", client->id, err.message);
		/* A handler's malformed answer still settles the central's request it names. */
		if (err.answer_request && server_handlers_refuse_bad_answer(client, err.answer_request))
			server_client_send_error(client, err.id, err.code, "%s; the central got ATT 0x0e", err.message);
		else
			server_client_send(client, proto_error_line(err.id, err.code, err.message));
		proto_error_clear(&err);
		return;
	}
	/* A handler's answer still settles what gattd holds until it exits. */
	if (client->server->shutting_down && req->cmd != PROTO_CMD_ANSWER) {
		server_client_send_error(client, req->id, PROTO_ERR_SHUTTING_DOWN, "gattd is stopping");
		return;
	}
	handlers[req->cmd](client, req);
}
