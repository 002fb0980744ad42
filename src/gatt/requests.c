/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/requests.c: the requests local handlers answer (gatt/requests.h): held calls,
 * time limits, the limit on pending requests, and the fallback.
 */
#include "gatt/requests.h"

#include <errno.h>
#include <inttypes.h>

#include "config/config.h"
#include "dbus/message.h"
#include "gatt/node.h"
#include "gatt/serve.h"
#include "shared/att.h"
#include "shared/log.h"

/*
 * Every request lives HandlerTimeoutMs from its start, so those pending, in the order
 * they started, are also in the order they expire: one timer, armed for the first of
 * them, serves all (a timer per request cost as much as the rest of its bookkeeping).
 */
struct GattRequests {
	GattApp *app;
	GQueue pending;          /* Pending* handed to a handler, by deadline (Pending.link), owned */
	guint timer_id;          /* for the first one's deadline, or later */
	const GattHandlerDelegate *delegate;
	void *delegate_data;
	unsigned timeout_ms;     /* [Daemon] HandlerTimeoutMs */
	unsigned max_pending;    /* [Daemon] MaxHandlerRequests */
	bool full;               /* at max_pending: logged once, until one is settled */
};

/* A request with what only this file touches: the held call, its place among the pending. */
typedef struct {
	GattRequest pub;
	GattNode *node;
	GattRequests *requests;
	BusExporter *exporter;
	DBusMessage *msg;
	GList link;              /* in requests->pending, while queued */
	bool queued;
} Pending;

static Pending *pending_of(GattRequest *req)
{
	return (Pending *)req;
}

/* Request ids are never reused, across reloads too: a late answer cannot be taken for a newer request. */
static uint64_t last_request_id;

static const char *const kind_names[] = {
	[GATT_REQUEST_READ] = "read",
	[GATT_REQUEST_WRITE] = "write",
};

static void request_free(GattRequest *req)
{
	if (!req)
		return;
	if (pending_of(req)->msg)
		dbus_message_unref(pending_of(req)->msg);
	if (req->data)
		g_bytes_unref(req->data);
	if (req->value)
		g_bytes_unref(req->value);
	g_free(req->device);
	g_free(pending_of(req));
}

static void requests_free(GattRequests *requests)
{
	gatt_app_drop_requests(requests->app);
	g_clear_handle_id(&requests->timer_id, g_source_remove);
	g_free(requests);
}

/* app's table, made when first needed. */
static GattRequests *requests_of(GattApp *app)
{
	GattRequests *requests = gatt_app_get_requests(app);
	const GattdConfig *config = gatt_app_get_config(app);

	if (requests)
		return requests;
	requests = g_new0(GattRequests, 1);
	requests->app = app;
	requests->timeout_ms = config->handler_timeout_ms;
	requests->max_pending = config->max_handler_requests;
	gatt_app_set_requests(app, requests, requests_free);
	return requests;
}

void gatt_app_set_handler_delegate(GattApp *app, const GattHandlerDelegate *delegate, void *user_data)
{
	GattRequests *requests = requests_of(app);

	requests->delegate = delegate;
	requests->delegate_data = user_data;
}

static void enqueue(GattRequests *requests, Pending *pending)
{
	pending->link.data = pending;
	g_queue_push_tail_link(&requests->pending, &pending->link);
	pending->queued = true;
}

static void unqueue(Pending *pending)
{
	if (pending->queued)
		g_queue_unlink(&pending->requests->pending, &pending->link);
	pending->queued = false;
}

/* The central gets reply (taken; NULL: none), and req is gone. */
static void settle(GattRequest *req, DBusMessage *reply)
{
	GattRequests *requests = pending_of(req)->requests;

	unqueue(pending_of(req));
	requests->full = requests->full && requests->pending.length >= requests->max_pending;
	if (reply) {
		if (req->reply_expected)
			bus_exporter_send(pending_of(req)->exporter, reply);
		dbus_message_unref(reply);
	}
	request_free(req);
}

static GattWriteRequest write_of(const GattRequest *req)
{
	gsize len = 0;
	const uint8_t *data = g_bytes_get_data(req->data, &len);

	return (GattWriteRequest){
		.data = data, .len = len, .offset = req->offset, .prepare_authorize = req->prepare_authorize,
	};
}

/* A write stored as gattd stores one alone: the reply for the central. */
static DBusMessage *store_write(GattRequest *req, int *ret_r, char **ret_error)
{
	GattWriteRequest write = write_of(req);
	int r = gatt_serve_write(pending_of(req)->node, &write, req->device, ret_error);

	*ret_r = r;
	if (r < 0)
		return bus_error_reply(pending_of(req)->msg, r, "%s", *ret_error);
	return dbus_message_new_method_return(pending_of(req)->msg);
}

/* What a request no handler answers gets: the stored value, or HandlerFallback=. */
static DBusMessage *fallback_reply(GattRequest *req)
{
	g_autofree char *error = NULL;
	DBusMessage *reply;
	int r;

	if (req->kind == GATT_REQUEST_READ)
		return gatt_serve_read(pending_of(req)->node, pending_of(req)->msg, req->offset);
	if (req->chr->cfg->handler_store) {
		reply = store_write(req, &r, &error);
		if (r < 0)
			log_info("%s: write from %s refused: %s", pending_of(req)->node->id, req->device ? req->device : "?", error);
		return reply;
	}
	log_info("%s: write from %s refused: no handler (HandlerFallback=refuse), the central gets ATT 0x0e",
	         pending_of(req)->node->id, req->device ? req->device : "?");
	return bus_att_error_reply(pending_of(req)->msg, ATT_UNLIKELY);
}

static void expire(GattRequest *req)
{
	GattRequests *requests = pending_of(req)->requests;

	req->timed_out = true;
	log_debug("%s: %s request %" PRIu64 " got no answer from its handler within %u ms (HandlerTimeoutMs); "
	          "the central gets ATT 0x0e", pending_of(req)->node->id, kind_names[req->kind], req->id,
	          requests->timeout_ms);
	if (requests->delegate && requests->delegate->dropped)
		requests->delegate->dropped(req, requests->delegate_data);
	settle(req, bus_att_error_reply(pending_of(req)->msg, ATT_UNLIKELY));
}

static void arm_timer(GattRequests *requests);

static gboolean on_timer(gpointer user_data)
{
	GattRequests *requests = user_data;
	gint64 now = g_get_monotonic_time();
	Pending *first;

	requests->timer_id = 0;
	while ((first = g_queue_peek_head(&requests->pending)) && first->pub.deadline <= now)
		expire(&first->pub);
	arm_timer(requests);
	return G_SOURCE_REMOVE;
}

/* Unless armed already (for an earlier deadline, which comes first): for the first pending one's. */
static void arm_timer(GattRequests *requests)
{
	Pending *first = g_queue_peek_head(&requests->pending);
	gint64 left;

	if (!first || requests->timer_id)
		return;
	left = first->pub.deadline - g_get_monotonic_time();
	requests->timer_id = g_timeout_add(left > 0 ? (guint)((left + 999) / 1000) : 0, on_timer, requests);
}

static GattRequest *request_new(GattRequests *requests, GattNode *node, GattRequestKind kind,
                                BusExporter *exporter, DBusMessage *msg, const GattOptions *opts,
                                const GattWriteRequest *write)
{
	Pending *pending = g_new0(Pending, 1);
	GattRequest *req = &pending->pub;

	req->id = ++last_request_id;
	req->kind = kind;
	pending_of(req)->node = node;
	pending_of(req)->requests = requests;
	req->chr = node->kind == GATT_NODE_CHAR ? &node->chr : node->desc.chr;
	req->desc = node->kind == GATT_NODE_DESC ? &node->desc : NULL;
	req->device = g_strdup(opts->device);
	req->offset = opts->offset;
	req->mtu = opts->mtu;
	req->prepare_authorize = write && write->prepare_authorize;
	req->reply_expected = !dbus_message_get_no_reply(msg);
	req->deadline = g_get_monotonic_time() + (gint64)requests->timeout_ms * 1000;
	pending_of(req)->exporter = exporter;
	pending_of(req)->msg = dbus_message_ref(msg);
	if (write) {
		GByteArray *value = g_byte_array_sized_new((guint)(write->offset + write->len));

		/* The rules passed: offset is within the stored value. */
		g_byte_array_append(value, node->access.value->data, write->offset);
		g_byte_array_append(value, write->data, (guint)write->len);
		req->data = g_bytes_new(write->data, write->len);
		req->value = g_byte_array_free_to_bytes(value);
	}
	return req;
}

DBusMessage *gatt_requests_start(GattNode *node, GattRequestKind kind, BusExporter *exporter, DBusMessage *msg,
                                 const GattOptions *opts, const GattWriteRequest *write)
{
	GattRequests *requests = requests_of(gatt_node_get_app(node));
	GattRequest *req = request_new(requests, node, kind, exporter, msg, opts, write);
	DBusMessage *reply;
	int r;

	/* The limit is on requests waiting for handlers: one nobody handles settles now. */
	if (!requests->delegate || !requests->delegate->handled(req->chr, requests->delegate_data)) {
		reply = fallback_reply(req);
		request_free(req);
		return reply;
	}
	if (requests->pending.length >= requests->max_pending) {
		if (!requests->full)
			log_info("%u requests wait for their handlers (MaxHandlerRequests); centrals get ATT 0xfe "
			         "(in progress) until one is answered", requests->max_pending);
		requests->full = true;
		reply = bus_att_error_reply(msg, ATT_IN_PROGRESS);
		request_free(req);
		return reply;
	}
	r = requests->delegate->request(req, requests->delegate_data);
	if (r == 0) {
		enqueue(requests, pending_of(req));
		arm_timer(requests);
		return NULL;
	}
	reply = r == -EBUSY ? bus_att_error_reply(msg, ATT_IN_PROGRESS) : fallback_reply(req);
	request_free(req);
	return reply;
}

void gatt_app_drop_requests(GattApp *app)
{
	GattRequests *requests = requests_of(app);
	Pending *first;

	/* Each settle() takes the first off the queue. */
	while ((first = g_queue_peek_head(&requests->pending))) {
		GattRequest *req = &first->pub;

		if (requests->delegate && requests->delegate->dropped)
			requests->delegate->dropped(req, requests->delegate_data);
		if (req->kind == GATT_REQUEST_READ)
			settle(req, gatt_serve_read(pending_of(req)->node, pending_of(req)->msg, req->offset));
		else
			settle(req, bus_att_error_reply(pending_of(req)->msg, ATT_UNLIKELY));
	}
}

int gatt_request_answer_read(GattRequest *req, const uint8_t *data, size_t len, char **ret_error)
{
	g_autofree char *reason = NULL;
	DBusMessageIter iter;
	DBusMessage *reply;
	int r;

	if (req->desc)
		r = len > req->desc->cfg->max_length ? -EMSGSIZE : 0;
	else
		r = config_characteristic_value_fits(req->chr->cfg, len, &reason);
	if (r < 0) {
		*ret_error = reason ? g_strdup_printf("%s: %s", pending_of(req)->node->id, reason)
		                    : g_strdup_printf("%s: %zu byte%s exceed%s MaxLength %u", pending_of(req)->node->id, len,
		                                      value_plural(len), len == 1 ? "s" : "", req->desc->cfg->max_length);
		settle(req, bus_att_error_reply(pending_of(req)->msg, ATT_UNLIKELY));
		return r;
	}
	if (req->offset > len) {
		*ret_error = g_strdup_printf("%s: the read's offset %u is beyond the %zu bytes answered", pending_of(req)->node->id,
		                             req->offset, len);
		settle(req, bus_att_error_reply(pending_of(req)->msg, ATT_INVALID_OFFSET));
		return -ENXIO;
	}
	reply = dbus_message_new_method_return(pending_of(req)->msg);
	dbus_message_iter_init_append(reply, &iter);
	bus_append_bytes(&iter, data + req->offset, len - req->offset);
	settle(req, reply);
	return 0;
}

int gatt_request_accept(GattRequest *req, char **ret_error)
{
	int r;
	DBusMessage *reply = store_write(req, &r, ret_error);

	settle(req, reply);
	return r;
}

void gatt_request_refuse(GattRequest *req, uint8_t att)
{
	settle(req, bus_att_error_reply(pending_of(req)->msg, att));
}

void gatt_request_fallback(GattRequest *req)
{
	settle(req, fallback_reply(req));
}
