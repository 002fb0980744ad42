/* server-commands.c: the requests of the local client protocol (README, "Local client protocol"). */
#include <errno.h>

#include "gattd-build-config.h"
#include "log.h"
#include "server-private.h"

static GattChar *find_char(Client *client, const ProtoRequest *req)
{
	GattChar *chr = gatt_app_find_char(client->server->app, req->chr);

	if (!chr)
		reply_error(client, req->id, PROTO_ERR_NOT_FOUND, "no characteristic '%s'", req->chr);
	return chr;
}

static void cmd_hello(Client *client, const ProtoRequest *req)
{
	g_autoptr(JsonWriter) b = proto_reply_begin(req->id);

	json_writer_member(b, "protocol");
	json_writer_int(b, PROTOCOL_VERSION);
	json_writer_member(b, "version");
	json_writer_string(b, GATTD_VERSION);
	json_writer_member(b, "daemon");
	json_writer_string(b, "gattd");
	client_send(client, proto_finish(b));
}

static void cmd_status(Client *client, const ProtoRequest *req)
{
	Server *server = client->server;
	g_autoptr(JsonWriter) b = proto_reply_begin(req->id);
	g_autofree char *description = bluez_describe(server->bluez);
	unsigned watchers = 0;
	guint64 captured = 0, overflows = 0;
	GHashTableIter it;
	Capture *cap;

	for (GList *l = server->clients; l; l = l->next)
		watchers += ((Client *)l->data)->watching;
	g_hash_table_iter_init(&it, server->captures);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&cap)) {
		captured += capture_queue_length(&cap->queue);
		overflows += cap->queue.overflows;
	}

	json_writer_member(b, "state");
	json_writer_string(b, lifecycle_state_name(bluez_get_state(server->bluez)));
	json_writer_member(b, "description");
	json_writer_string(b, description);
	json_writer_member(b, "adapter");
	if (bluez_get_adapter_name(server->bluez)) {
		g_autofree char *path = g_strconcat("/org/bluez/", bluez_get_adapter_name(server->bluez), NULL);

		json_writer_begin_object(b);
		add_adapter(b, server->bluez);
		json_writer_member(b, "path");
		json_writer_string(b, path);
		json_writer_end_object(b);
	} else {
		json_writer_null(b);
	}
	json_writer_member(b, "registered");
	json_writer_bool(b, bluez_is_registered(server->bluez));
	json_writer_member(b, "advertising");
	json_writer_bool(b, bluez_is_advertising(server->bluez));
	json_writer_member(b, "on_air");
	json_writer_bool(b, bluez_is_on_air(server->bluez));
	json_writer_member(b, "clients");
	json_writer_int(b, server->n_clients);
	json_writer_member(b, "watchers");
	json_writer_int(b, watchers);
	json_writer_member(b, "subscriptions");
	json_writer_int(b, gatt_app_count_notifying(server->app));
	json_writer_member(b, "captured");
	json_writer_int(b, (gint64)captured);
	json_writer_member(b, "overflows");
	json_writer_int(b, (gint64)overflows);
	json_writer_member(b, "generation");
	json_writer_int(b, server->generation);
	client_send(client, proto_finish(b));
}

static void add_strv(JsonWriter *b, const char *name, char **strv)
{
	json_writer_member(b, name);
	json_writer_begin_array(b);
	for (; strv && *strv; strv++)
		json_writer_string(b, *strv);
	json_writer_end_array(b);
}

static void cmd_list(Client *client, const ProtoRequest *req)
{
	GPtrArray *services = gatt_app_get_services(client->server->app);
	g_autoptr(JsonWriter) b = proto_reply_begin(req->id);

	json_writer_member(b, "services");
	json_writer_begin_array(b);
	for (unsigned i = 0; i < services->len; i++) {
		GattService *service = services->pdata[i];

		json_writer_begin_object(b);
		json_writer_member(b, "id");
		json_writer_string(b, service->cfg->id);
		json_writer_member(b, "uuid");
		json_writer_string(b, service->cfg->uuid);
		json_writer_member(b, "primary");
		json_writer_bool(b, service->cfg->primary);
		json_writer_member(b, "characteristics");
		json_writer_begin_array(b);
		for (unsigned j = 0; j < service->chars->len; j++) {
			GattChar *chr = service->chars->pdata[j];

			json_writer_begin_object(b);
			json_writer_member(b, "id");
			json_writer_string(b, chr->cfg->id);
			json_writer_member(b, "uuid");
			json_writer_string(b, chr->cfg->uuid);
			add_strv(b, "flags", chr->cfg->flags);
			json_writer_member(b, "type");
			if (chr->cfg->has_type)
				json_writer_string(b, value_type_name(chr->cfg->type));
			else
				json_writer_null(b);
			json_writer_member(b, "max_length");
			json_writer_int(b, chr->cfg->max_length);
			json_writer_member(b, "capture");
			json_writer_int(b, chr->cfg->capture);
			json_writer_member(b, "notifying");
			json_writer_bool(b, chr->notifying);
			add_char_value(b, chr);
			json_writer_member(b, "descriptors");
			json_writer_begin_array(b);
			for (unsigned k = 0; k < chr->descs->len; k++) {
				GattDesc *desc = chr->descs->pdata[k];

				json_writer_begin_object(b);
				json_writer_member(b, "id");
				json_writer_string(b, desc->cfg->id);
				json_writer_member(b, "uuid");
				json_writer_string(b, desc->cfg->uuid);
				add_strv(b, "flags", desc->cfg->flags);
				proto_write_value(b, false, VALUE_TYPE_HEX, desc->value->data, desc->value->len);
				json_writer_end_object(b);
			}
			json_writer_end_array(b);
			json_writer_end_object(b);
		}
		json_writer_end_array(b);
		json_writer_end_object(b);
	}
	json_writer_end_array(b);
	client_send(client, proto_finish(b));
}

static void cmd_get(Client *client, const ProtoRequest *req)
{
	GattChar *chr = find_char(client, req);
	g_autoptr(JsonWriter) b = NULL;

	if (!chr)
		return;
	b = proto_reply_begin(req->id);
	json_writer_member(b, "char");
	json_writer_string(b, chr->cfg->id);
	add_char_value(b, chr);
	client_send(client, proto_finish(b));
}

static void cmd_set(Client *client, const ProtoRequest *req)
{
	GattChar *chr = find_char(client, req);
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(JsonWriter) b = NULL;
	g_autofree char *error = NULL;
	const uint8_t *data;
	gsize len = 0;
	bool can_notify;
	int r;

	if (!chr)
		return;
	can_notify = gatt_char_can_notify(chr);
	if (req->has_notify && req->notify && !can_notify) {
		reply_error(client, req->id, PROTO_ERR_NOT_SUPPORTED, "%s has neither notify nor indicate",
		            chr->cfg->id);
		return;
	}
	bytes = proto_decode_value(req->hex, req->typed, chr->cfg->has_type, chr->cfg->type, &error);
	if (!bytes) {
		reply_error(client, req->id, PROTO_ERR_INVALID_VALUE, "%s: %s", chr->cfg->id, error);
		return;
	}
	data = g_bytes_get_data(bytes, &len);
	r = gatt_char_set_value(chr, data, len, can_notify && (!req->has_notify || req->notify));
	if (r == -EMSGSIZE) {
		size_t fixed = chr->cfg->has_type ? value_type_size(chr->cfg->type) : 0;

		if (fixed)
			reply_error(client, req->id, PROTO_ERR_INVALID_VALUE, "%s: a %s value is %zu bytes, got %zu",
			            chr->cfg->id, value_type_name(chr->cfg->type), fixed, (size_t)len);
		else
			reply_error(client, req->id, PROTO_ERR_INVALID_VALUE, "%s: %zu bytes exceed MaxLength %u",
			            chr->cfg->id, (size_t)len, chr->cfg->max_length);
		return;
	}

	b = proto_reply_begin(req->id);
	json_writer_member(b, "char");
	json_writer_string(b, chr->cfg->id);
	add_char_value(b, chr);
	json_writer_member(b, "notified");
	json_writer_bool(b, r > 0);
	json_writer_member(b, "subscribed");
	json_writer_bool(b, chr->notifying);
	client_send(client, proto_finish(b));
}

static void cmd_watch(Client *client, const ProtoRequest *req)
{
	g_autoptr(GHashTable) chars = NULL;
	g_autoptr(JsonWriter) b = NULL;

	if (req->chars) {
		chars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		for (const char **c = req->chars; *c; c++) {
			if (!gatt_app_find_char(client->server->app, *c)) {
				reply_error(client, req->id, PROTO_ERR_NOT_FOUND, "no characteristic '%s'", *c);
				return;
			}
			g_hash_table_add(chars, g_strdup(*c));
		}
	}
	g_clear_pointer(&client->watch_chars, g_hash_table_unref);
	client->watch_chars = g_steal_pointer(&chars);
	client->watching = true;

	b = proto_reply_begin(req->id);
	json_writer_member(b, "chars");
	if (req->chars) {
		json_writer_begin_array(b);
		for (const char **c = req->chars; *c; c++)
			json_writer_string(b, *c);
		json_writer_end_array(b);
	} else {
		json_writer_null(b);
	}
	client_send(client, proto_finish(b));
}

static void cmd_unwatch(Client *client, const ProtoRequest *req)
{
	g_autoptr(JsonWriter) b = proto_reply_begin(req->id);

	client->watching = false;
	g_clear_pointer(&client->watch_chars, g_hash_table_unref);
	client_send(client, proto_finish(b));
}

static void cmd_next_write(Client *client, const ProtoRequest *req)
{
	GattChar *chr = find_char(client, req);
	Capture *cap;

	if (!chr)
		return;
	cap = capture_for(client->server, chr);
	if (!cap) {
		reply_error(client, req->id, PROTO_ERR_NOT_CAPTURE, "%s has no Capture= queue", chr->cfg->id);
		return;
	}
	if (client->waiting_on) {
		reply_error(client, req->id, PROTO_ERR_BUSY, "this connection already waits in next-write on %s",
		            client->waiting_on->chr->cfg->id);
		return;
	}
	if (capture_queue_length(&cap->queue) > 0) {
		reply_next_write(client, req->id, cap, capture_queue_pop(&cap->queue));
		return;
	}
	if (req->timeout_ms == 0) {
		reply_error(client, req->id, PROTO_ERR_TIMEOUT, "no write queued");
		return;
	}
	client->waiting_on = cap;
	client->wait_id = json_incref(req->id);
	if (req->timeout_ms > 0)
		client->wait_timeout = g_timeout_add((guint)req->timeout_ms, waiter_timed_out, client);
	g_queue_push_tail(&cap->waiters, client);
}

static void cmd_reload(Client *client, const ProtoRequest *req)
{
	Server *server = client->server;
	g_autoptr(JsonWriter) b = NULL;
	g_autofree char *error = NULL;
	bool reregistered = false;
	int generation;

	if (!server->reload) {
		reply_error(client, req->id, PROTO_ERR_INVALID_CONFIG, "reloading is not available");
		return;
	}
	log_info("client %u (pid %d) asked for a reload", client->id, (int)client->pid);
	generation = server->reload(server->reload_data, &reregistered, &error);
	if (client->dead)
		return;
	if (generation < 0) {
		reply_error(client, req->id, PROTO_ERR_INVALID_CONFIG, "%s", error);
		return;
	}
	b = proto_reply_begin(req->id);
	json_writer_member(b, "generation");
	json_writer_int(b, generation);
	json_writer_member(b, "reregistered");
	json_writer_bool(b, reregistered);
	client_send(client, proto_finish(b));
}

void server_handle_line(Client *client, const char *line, size_t len)
{
	g_autoptr(ProtoRequest) req = NULL;
	ProtoError err;

	req = proto_parse_request(line, len, &err);
	if (!req) {
		log_debug("client %u: bad request: %s", client->id, err.message);
		client_send(client, proto_error_line(err.id, err.code, err.message));
		proto_error_clear(&err);
		return;
	}
	if (client->server->shutting_down) {
		reply_error(client, req->id, PROTO_ERR_SHUTTING_DOWN, "gattd is stopping");
		return;
	}
	switch (req->cmd) {
	case PROTO_CMD_HELLO:
		cmd_hello(client, req);
		break;
	case PROTO_CMD_STATUS:
		cmd_status(client, req);
		break;
	case PROTO_CMD_LIST:
		cmd_list(client, req);
		break;
	case PROTO_CMD_GET:
		cmd_get(client, req);
		break;
	case PROTO_CMD_SET:
		cmd_set(client, req);
		break;
	case PROTO_CMD_WATCH:
		cmd_watch(client, req);
		break;
	case PROTO_CMD_UNWATCH:
		cmd_unwatch(client, req);
		break;
	case PROTO_CMD_NEXT_WRITE:
		cmd_next_write(client, req);
		break;
	case PROTO_CMD_RELOAD:
		cmd_reload(client, req);
		break;
	}
}
