/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/handlers.c: local clients answer centrals' reads and writes (handlers.h).
 * A client claims characteristics with `handle`; each request of one of them reaches
 * it as a read-request or write-request event and is settled by its `answer` or, on a
 * handler channel (`"frames": true`), as a request frame settled by an answer frame.
 */
#include "socket/handlers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "gatt/requests.h"
#include "shared/att.h"
#include "shared/frame.h"
#include "shared/log.h"
#include "socket/devices.h"
#include "socket/server-private.h"

/* Whether chr or one of its descriptors has Handler=. */
static bool char_has_handler(const GattChar *chr)
{
	if (chr->cfg->handler)
		return true;
	for (unsigned i = 0; i < chr->descs->len; i++)
		if (((GattDesc *)chr->descs->pdata[i])->cfg->handler)
			return true;
	return false;
}

/* ---- requests to handlers (the GattHandlerDelegate) ---- */

static char *request_event_line(const GattRequest *req, const char *address)
{
	bool write = req->kind == GATT_REQUEST_WRITE;
	g_autoptr(JWriter) w = proto_event_begin(write ? "write-request" : "read-request");

	jwrite_member(w, "request");
	jwrite_int(w, (int64_t)req->id);
	jwrite_member(w, "char");
	jwrite_string(w, req->chr->cfg->id);
	if (req->desc) {
		jwrite_member(w, "desc");
		jwrite_string(w, req->desc->cfg->id);
	}
	proto_write_device(w, req->device, address);
	jwrite_member(w, "offset");
	jwrite_int(w, req->offset);
	proto_write_mtu(w, req->mtu);
	jwrite_member(w, "deadline");
	jwrite_int(w, req->deadline);
	if (write) {
		gsize data_len = 0, value_len = 0;
		const uint8_t *data = g_bytes_get_data(req->data, &data_len);
		const uint8_t *value = g_bytes_get_data(req->value, &value_len);
		g_autofree char *hex = value_to_hex(data, data_len);
		const CfgCharacteristic *cfg = req->chr->cfg;

		jwrite_member(w, "data");
		jwrite_string(w, hex);
		/* The whole value the write leaves, typed when it is the characteristic's own. */
		proto_write_value(w, !req->desc && cfg->has_type, cfg->type, value, value_len);
		jwrite_member(w, "prepared");
		jwrite_bool(w, req->offset > 0);
		jwrite_member(w, "authorize");
		jwrite_bool(w, req->prepare_authorize);
		jwrite_member(w, "response");
		jwrite_bool(w, req->reply_expected);
	}
	return proto_finish(w);
}

/* req as a handler channel's request frame. */
static GByteArray *request_frame(const GattRequest *req, const char *address)
{
	GByteArray *out = g_byte_array_new();
	FrameRequest r = {
		.type = req->kind == GATT_REQUEST_WRITE ? FRAME_WRITE_REQUEST : FRAME_READ_REQUEST,
		.offset = req->offset,
		.mtu = req->mtu,
		.request = req->id,
		.deadline = req->deadline,
		.char_id = req->chr->cfg->id,
		.char_len = strlen(req->chr->cfg->id),
		.desc_id = req->desc ? req->desc->cfg->id : NULL,
		.desc_len = req->desc ? strlen(req->desc->cfg->id) : 0,
		.address = address,
		.address_len = address ? strlen(address) : 0,
	};

	if (r.type == FRAME_WRITE_REQUEST) {
		r.flags = (req->offset > 0 ? FRAME_FLAG_PREPARED : 0) | (req->prepare_authorize ? FRAME_FLAG_AUTHORIZE : 0) |
		          (req->reply_expected ? FRAME_FLAG_RESPONSE : 0);
		r.data = g_bytes_get_data(req->data, &r.data_len);
		r.value = g_bytes_get_data(req->value, &r.value_len);
	}
	frame_put_request(out, &r);
	return out;
}

static bool on_handled(const GattChar *chr, void *user_data)
{
	Server *server = user_data;

	return g_hash_table_contains(server->handlers, chr->cfg->id);
}

static int on_request(GattRequest *req, void *user_data)
{
	Server *server = user_data;
	Client *client = g_hash_table_lookup(server->handlers, req->chr->cfg->id);
	g_autofree char *address = NULL;

	if (!client)
		return -ENOTCONN;
	if (client->n_requests >= server->opts.max_requests) {
		if (!client->handler_full)
			log_info("client %u (pid %d) has %u requests unanswered (MaxClientRequests); centrals get ATT "
			         "0xfe (in progress) until it answers one", client->id, (int)client->pid,
			         client->n_requests);
		client->handler_full = true;
		return -EBUSY;
	}
	/* The requests of one batch of D-Bus calls go out together, before the loop sleeps. */
	address = server_device_address(server, req->device);
	if (client->frames)
		server_client_send_frames(client, request_frame(req, address), SERVER_FRAME_BATCHED);
	else
		server_client_send_event_batched(client, request_event_line(req, address));
	/* A client that stopped reading is closed when the event is queued: nobody has the request. */
	if (client->dead)
		return -ENOTCONN;
	req->owner = client;
	client->n_requests++;
	g_hash_table_insert(server->requests, &req->id, req);
	return 0;
}

/* How many of its settled requests a handler's late or second answer is told `expired` for. */
#define SETTLED_MEMORY 256

/* req, sent to client, is settled: a late or second answer gets `expired`. */
static void remember_settled(Client *client, const GattRequest *req)
{
	if (!client->settled_ids)
		client->settled_ids = g_new0(uint64_t, SETTLED_MEMORY);
	client->settled_ids[client->n_settled++ % SETTLED_MEMORY] = req->id;
}

static bool was_settled(const Client *client, uint64_t id)
{
	for (unsigned i = 0; client->settled_ids && i < MIN(client->n_settled, SETTLED_MEMORY); i++)
		if (client->settled_ids[i] == id)
			return true;
	return false;
}

/* req is settled, or about to be: its handler's (further) answers get `expired`. */
static void forget(Server *server, GattRequest *req)
{
	Client *client = req->owner;

	g_hash_table_remove(server->requests, &req->id);
	client->n_requests--;
	client->handler_full = false;
	remember_settled(client, req);
}

static void on_dropped(GattRequest *req, void *user_data)
{
	Server *server = user_data;
	Client *client = req->owner;

	forget(server, req);
	if (req->timed_out && !client->handler_late)
		log_info("client %u (pid %d) did not answer %s request %" PRIu64 " within its time (HandlerTimeoutMs); "
		         "the central got ATT 0x0e, a late answer gets 'expired' (logged once until it answers in time)",
		         client->id, (int)client->pid, req->chr->cfg->id, req->id);
	client->handler_late = client->handler_late || req->timed_out;
}

static const GattHandlerDelegate delegate = {
	.handled = on_handled,
	.request = on_request,
	.dropped = on_dropped,
};

static gint compare_request_ids(gconstpointer a, gconstpointer b)
{
	uint64_t x = (*(GattRequest *const *)a)->id, y = (*(GattRequest *const *)b)->id;

	return x < y ? -1 : x > y;
}

/*
 * Settle by the fallback every pending request of client on one of chars (every one:
 * NULL). Returns how many. They leave the table before any is settled: a write that
 * HandlerFallback=store stores reaches watchers, and a send that fails closes that
 * client at once, which settles its own requests and drops its claims.
 */
static unsigned settle_pending(Server *server, Client *client, const char *const *chars)
{
	g_autoptr(GPtrArray) mine = g_ptr_array_new();
	GHashTableIter it;
	GattRequest *req;

	g_hash_table_iter_init(&it, server->requests);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&req)) {
		if (req->owner != client || (chars && !g_strv_contains(chars, req->chr->cfg->id)))
			continue;
		g_hash_table_iter_remove(&it);
		g_ptr_array_add(mine, req);
	}
	client->n_requests -= mine->len;
	client->handler_full = false;
	/* In the order they came: with HandlerFallback=store the last write is the value. */
	g_ptr_array_sort(mine, compare_request_ids);
	for (guint i = 0; i < mine->len; i++) {
		remember_settled(client, mine->pdata[i]);
		gatt_request_fallback(mine->pdata[i]);
	}
	return mine->len;
}

/*
 * A claim stays where its characteristic stays, with a Handler=; the others end with an
 * `unhandled` event. They leave the table first: an event that cannot be sent closes
 * its client, which drops its own claims meanwhile.
 */
static void end_lost_claims(Server *server, GattApp *app)
{
	g_autoptr(GPtrArray) ended = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) holders = g_ptr_array_new();
	GHashTableIter it;
	const char *id;
	Client *client;

	g_hash_table_iter_init(&it, server->handlers);
	while (g_hash_table_iter_next(&it, (gpointer *)&id, (gpointer *)&client)) {
		GattChar *chr = app ? gatt_app_find_char(app, id) : NULL;

		if (chr && char_has_handler(chr))
			continue;
		log_info("client %u (pid %d) no longer handles %s: %s", client->id, (int)client->pid, id,
		         chr ? "it has no Handler= after the reload" : "it is gone after the reload");
		g_ptr_array_add(ended, g_strdup(id));
		g_ptr_array_add(holders, client);
		g_hash_table_iter_remove(&it);
	}
	for (guint i = 0; i < ended->len; i++) {
		Client *holder = holders->pdata[i];
		g_autoptr(JWriter) w = NULL;

		if (holder->frames) {
			GByteArray *frame = g_byte_array_new();

			frame_put_unhandled(frame, ended->pdata[i], "reload");
			server_client_send_frames(holder, frame, SERVER_FRAME_EVENT);
			continue;
		}
		w = proto_event_begin("unhandled");
		jwrite_member(w, "char");
		jwrite_string(w, ended->pdata[i]);
		jwrite_member(w, "reason");
		jwrite_string(w, "reload");
		/* A client closed meanwhile is not freed before the main loop runs again. */
		server_client_send_event(holder, proto_finish(w));
	}
}

void server_handlers_follow(Server *server, GattApp *old, GattApp *app)
{
	if (!server->handlers) {
		server->handlers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		server->requests = g_hash_table_new(g_int64_hash, g_int64_equal);
	}
	if (old) {
		/* Requests of the old objects settle now; their handlers' answers get 'expired'. */
		gatt_app_drop_requests(old);
		gatt_app_set_handler_delegate(old, NULL, NULL);
	}
	if (app)
		gatt_app_set_handler_delegate(app, &delegate, server);
	end_lost_claims(server, app);
}

/* Remove client's claims (of chars, NULL-terminated; every one: NULL), then settle their requests. */
static void release(Server *server, Client *client, const char *const *chars)
{
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	const char *id;
	Client *holder;

	g_hash_table_iter_init(&it, server->handlers);
	while (g_hash_table_iter_next(&it, (gpointer *)&id, (gpointer *)&holder)) {
		if (holder != client || (chars && !g_strv_contains(chars, id)))
			continue;
		g_ptr_array_add(ids, g_strdup(id));
		g_hash_table_iter_remove(&it);
	}
	if (ids->len == 0)
		return;
	g_ptr_array_add(ids, NULL);
	settle_pending(server, client, (const char *const *)ids->pdata);
}

void server_handlers_client_closed(Server *server, Client *client)
{
	unsigned n = settle_pending(server, client, NULL);

	if (n)
		log_info("client %u (pid %d) left with %u request%s unanswered; each settled by the fallback",
		         client->id, (int)client->pid, n, n == 1 ? "" : "s");
	release(server, client, NULL);
}

/* ---- the commands ---- */

/* Whether client holds a claim. */
static bool handles_any(Server *server, Client *client)
{
	GHashTableIter it;
	Client *holder;

	g_hash_table_iter_init(&it, server->handlers);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&holder))
		if (holder == client)
			return true;
	return false;
}

/* Why client cannot become a handler channel (a `handle` with frames), or NULL if it can. */
static const char *why_no_channel(Server *server, Client *client)
{
	if (client->watching)
		return "it watches (a handler channel carries only requests and answers: use a connection of its own)";
	if (client->waiting_on)
		return "it waits in next-write";
	if (handles_any(server, client))
		return "it handles characteristics already, with JSON lines";
	if (server->confirmer == client)
		return "it confirms pairings (handle-pairing), with JSON lines";
	return NULL;
}

void server_handlers_cmd_handle(Client *client, const ProtoRequest *req)
{
	Server *server = client->server;
	g_autoptr(JWriter) b = NULL;
	g_autofree char *list = NULL;
	const char *why;

	if (req->frames && (why = why_no_channel(server, client))) {
		server_client_send_error(client, req->id, PROTO_ERR_BAD_REQUEST,
		                         "'frames': this connection cannot become a handler channel: %s", why);
		return;
	}
	/* All or nothing: check every one first. */
	for (const char **c = req->chars; *c; c++) {
		GattChar *chr = gatt_app_find_char(server->app, *c);
		Client *holder = g_hash_table_lookup(server->handlers, *c);

		if (!chr) {
			server_client_send_error(client, req->id, PROTO_ERR_NOT_FOUND, "no characteristic '%s'", *c);
			return;
		}
		if (!char_has_handler(chr)) {
			server_client_send_error(client, req->id, PROTO_ERR_NOT_HANDLED,
			                         "%s has no Handler= (nor any of its descriptors): gattd answers it alone", *c);
			return;
		}
		if (holder && holder != client) {
			server_client_send_error(client, req->id, PROTO_ERR_BUSY, "%s is handled by client %u (pid %d)", *c, holder->id,
			                         (int)holder->pid);
			return;
		}
	}
	for (const char **c = req->chars; *c; c++)
		g_hash_table_replace(server->handlers, g_strdup(*c), client);
	list = g_strjoinv(", ", (char **)req->chars);
	log_info("client %u (pid %d) handles %s%s", client->id, (int)client->pid, list,
	         req->frames ? " on a handler channel (frames)" : "");

	b = proto_reply_begin(req->id);
	jwrite_member(b, "chars");
	jwrite_begin_array(b);
	for (const char **c = req->chars; *c; c++)
		jwrite_string(b, *c);
	jwrite_end_array(b);
	if (req->frames) {
		jwrite_member(b, "frames");
		jwrite_bool(b, true);
	}
	server_client_send(client, proto_finish(b));
	/* This reply is the connection's last line: frames from the next byte on, both ways. */
	client->frames = req->frames;
}

void server_handlers_cmd_channel(Client *client, const ProtoRequest *req)
{
	g_autoptr(JWriter) b = NULL;
	const char *why = why_no_channel(client->server, client);

	if (client->frames) {
		server_client_send_error(client, req->id, PROTO_ERR_BAD_REQUEST, "this connection is a channel already");
		return;
	}
	if (why) {
		server_client_send_error(client, req->id, PROTO_ERR_BAD_REQUEST,
		                         "this connection cannot become a channel: %s", why);
		return;
	}
	log_info("client %u (pid %d) is a channel (frames)", client->id, (int)client->pid);
	b = proto_reply_begin(req->id);
	jwrite_member(b, "frames");
	jwrite_bool(b, true);
	server_client_send(client, proto_finish(b));
	/* As for `handle` with frames: frames from the next byte on, both ways. */
	client->frames = true;
}

void server_handlers_cmd_unhandle(Client *client, const ProtoRequest *req)
{
	Server *server = client->server;
	g_autoptr(JWriter) b = NULL;

	for (const char **c = req->chars; c && *c; c++) {
		if (g_hash_table_lookup(server->handlers, *c) != client) {
			server_client_send_error(client, req->id, PROTO_ERR_NOT_HANDLED, "this connection does not handle '%s'", *c);
			return;
		}
	}
	release(server, client, req->chars);
	b = proto_reply_begin(req->id);
	server_client_send(client, proto_finish(b));
}

/*
 * Tell client what is wrong with its answer to request (0: none could be read): an error
 * reply to the line with id, or on a handler channel an error frame naming request.
 */
static void answer_error(Client *client, const json_t *id, uint64_t request, const char *code, const char *fmt, ...)
	G_GNUC_PRINTF(5, 6);

static void answer_error(Client *client, const json_t *id, uint64_t request, const char *code, const char *fmt, ...)
{
	g_autofree char *message = NULL;
	va_list ap;

	va_start(ap, fmt);
	message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (client->frames)
		server_client_send_error_frame(client, request, code, message);
	else
		server_client_send(client, proto_error_line(id, code, message));
}

/* The request of client's an answer names (it is then forgotten), or NULL after telling client why not. */
static GattRequest *answered(Client *client, const json_t *id, uint64_t request)
{
	GattRequest *req = g_hash_table_lookup(client->server->requests, &request);

	if (!req || req->owner != client) {
		if (was_settled(client, request))
			answer_error(client, id, request, PROTO_ERR_EXPIRED,
			             "request %" PRIu64 " is settled already (answered, no answer within "
			             "HandlerTimeoutMs, unhandle, or a reload)", request);
		else
			answer_error(client, id, request, PROTO_ERR_NOT_FOUND,
			             "no request %" PRIu64 " is pending for this connection", request);
		return NULL;
	}
	forget(client->server, req);
	client->handler_late = false;
	return req;
}

/*
 * Settle req as client's answer (checked for its encoding) says: refused with code, or
 * (code 0) a read with the value, a write accepted. A JSON answer gets its reply; on a
 * handler channel only a problem is told.
 */
static void settle_answer(Client *client, const json_t *id, GattRequest *req, uint8_t code, const uint8_t *value,
                          size_t len)
{
	bool write = req->kind == GATT_REQUEST_WRITE;
	uint64_t request_id = req->id;    /* req is freed once settled */
	g_autoptr(JWriter) b = NULL;
	g_autofree char *error = NULL;
	int stored = -1;

	if (code) {
		gatt_request_refuse(req, code);
	} else if (!write) {
		int r = gatt_request_answer_read(req, value, len, &error);

		if (r < 0) {
			answer_error(client, id, request_id, PROTO_ERR_INVALID_VALUE, "%s; the central got ATT 0x%02x", error,
			             r == -ENXIO ? ATT_INVALID_OFFSET : ATT_UNLIKELY);
			return;
		}
	} else {
		stored = gatt_request_accept(req, &error);
		if (stored < 0)
			log_info("an accepted write no longer fits: %s", error);
	}
	if (client->frames) {
		/* JSON says so with "stored": false; a channel has no reply to say it in. */
		if (write && !code && stored < 0)
			answer_error(client, NULL, request_id, PROTO_ERR_INVALID_VALUE,
			             "request %" PRIu64 ": the accepted write no longer fits (%s); nothing is stored and the "
			             "central got an error", request_id, error);
		return;
	}
	b = proto_reply_begin(id);
	if (write && !code) {
		jwrite_member(b, "stored");
		jwrite_bool(b, stored > 0);
	}
	server_client_send(client, proto_finish(b));
}

/* A read's value from a JSON answer, or NULL after refusing req and telling client why. */
static GBytes *read_answer_value(Client *client, const ProtoRequest *req, GattRequest *request)
{
	const CfgCharacteristic *cfg = request->chr->cfg;
	const char *id = request->desc ? request->desc->cfg->id : cfg->id;
	g_autofree char *error = NULL;
	GBytes *bytes;

	if (!req->hex && !req->typed) {
		gatt_request_refuse(request, ATT_UNLIKELY);
		answer_error(client, req->id, req->request, PROTO_ERR_BAD_REQUEST,
		             "request %" PRIu64 " is a read: answer with 'value' (hex), 'typed' or 'error'; "
		             "the central got ATT 0x0e", req->request);
		return NULL;
	}
	bytes = proto_decode_value(req->hex, req->typed, !request->desc && cfg->has_type, cfg->type, &error);
	if (!bytes) {
		gatt_request_refuse(request, ATT_UNLIKELY);
		answer_error(client, req->id, req->request, PROTO_ERR_INVALID_VALUE, "%s: %s; the central got ATT 0x0e", id,
		             error);
	}
	return bytes;
}

bool server_handlers_refuse_bad_answer(Client *client, uint64_t id)
{
	GattRequest *request = g_hash_table_lookup(client->server->requests, &id);

	if (!request || request->owner != client)
		return false;
	forget(client->server, request);
	gatt_request_refuse(request, ATT_UNLIKELY);
	return true;
}

void server_handlers_cmd_answer(Client *client, const ProtoRequest *req)
{
	GattRequest *request = answered(client, req->id, req->request);
	g_autoptr(GBytes) bytes = NULL;
	const uint8_t *data = NULL;
	uint8_t code = req->error_code;
	gsize len = 0;

	if (!request)
		return;
	if (req->has_error && req->error_name && att_from_name(req->error_name, request->kind == GATT_REQUEST_WRITE,
	                                                       &code) < 0) {
		g_autofree char *shown = g_utf8_make_valid(req->error_name, MIN((gssize)strlen(req->error_name), 64));

		gatt_request_refuse(request, ATT_UNLIKELY);
		answer_error(client, req->id, req->request, PROTO_ERR_BAD_REQUEST,
		             "unknown error '%s': give one of %s, or an application code 128..159; the central got ATT 0x0e",
		             shown, att_names());
		return;
	}
	if (!req->has_error && request->kind == GATT_REQUEST_READ) {
		if (!(bytes = read_answer_value(client, req, request)))
			return;
		data = g_bytes_get_data(bytes, &len);
	} else if (!req->has_error && (req->hex || req->typed)) {
		gatt_request_refuse(request, ATT_UNLIKELY);
		answer_error(client, req->id, req->request, PROTO_ERR_BAD_REQUEST,
		             "request %" PRIu64 " is a write: accept it with no value, or refuse it with 'error'; the "
		             "central got ATT 0x0e", req->request);
		return;
	}
	settle_answer(client, req->id, request, req->has_error ? code : 0, data, len);
}

void server_handlers_frame(Client *client, const uint8_t *body, size_t len)
{
	g_autofree char *problem = NULL;
	GattRequest *request;
	FrameAnswer a;

	if (len && body[0] == FRAME_NOTIFY) {
		server_devices_frame_notify(client, body, len);
		return;
	}
	if (frame_parse_answer(body, len, &a, &problem) < 0) {
		if (a.request && server_handlers_refuse_bad_answer(client, a.request))
			answer_error(client, NULL, a.request, PROTO_ERR_BAD_REQUEST, "%s; the central got ATT 0x0e", problem);
		else
			answer_error(client, NULL, a.request, PROTO_ERR_BAD_REQUEST, "%s", problem);
		return;
	}
	if (!(request = answered(client, NULL, a.request)))
		return;
	if (!a.att && request->kind == GATT_REQUEST_WRITE && a.value_len) {
		gatt_request_refuse(request, ATT_UNLIKELY);
		answer_error(client, NULL, a.request, PROTO_ERR_BAD_REQUEST,
		             "request %" PRIu64 " is a write: accept it with no value, or refuse it with an ATT code; the "
		             "central got ATT 0x0e", a.request);
		return;
	}
	settle_answer(client, NULL, request, a.att, a.value, a.value_len);
}
