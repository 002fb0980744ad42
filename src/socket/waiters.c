/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/waiters.c: next-write as the clients live it (waiters.h): waiting with a
 * timeout, the reply that hands a write over, failing waiters, and the writes of a
 * closed client going back to their capture queues.
 */
#include "socket/waiters.h"

#include "shared/log.h"
#include "socket/protocol.h"

void server_waiters_clear(Client *client)
{
	if (client->waiting_on)
		capture_unwait(client->waiting_on, client);
	client->waiting_on = NULL;
	g_clear_pointer(&client->wait_id, json_decref);
	if (client->wait_timeout) {
		g_source_remove(client->wait_timeout);
		client->wait_timeout = 0;
	}
}

/*
 * A write taken for a client that never got it (closed before its reply was sent)
 * goes back to cap, the queue of char_id, in its place by seq: the head, unless
 * others went back first. Returns cap; NULL when the characteristic no longer
 * captures (a reload removed its Capture=, cap is NULL): then the write is gone, and logged.
 */
static Capture *give_back(Capture *cap, Client *taker, const char *char_id, CapturedWrite *w, bool quiet)
{
	if (!cap) {
		log_warning("%s: write %" G_GUINT64_FORMAT " is lost: client %u (pid %d) took it but was closed "
		            "before getting it, and a reload removed the characteristic's Capture= queue",
		            char_id, w->seq, taker->id, (int)taker->pid);
		capture_write_free(w);
		return NULL;
	}
	if (!quiet)
		log_info("%s: write %" G_GUINT64_FORMAT " goes back to the front of the queue: client %u (pid %d) "
		         "took it but was closed before getting it", char_id, w->seq, taker->id, (int)taker->pid);
	capture_queue_unpop(&cap->queue, w);
	return cap;
}

void server_waiters_give_back(Client *client, CaptureSet *set, bool quiet)
{
	g_autoptr(GPtrArray) caps = g_ptr_array_new();
	CapturedWrite *w;
	char *char_id;

	/* From the newest: each goes in front of those given back after it. */
	while ((w = server_client_take_write(client, &char_id))) {
		Capture *cap = give_back(capture_set_lookup(set, char_id), client, char_id, w, quiet);

		if (cap && !g_ptr_array_find(caps, cap, NULL))
			g_ptr_array_add(caps, cap);
		g_free(char_id);
	}
	for (unsigned i = 0; i < caps->len; i++)
		server_waiters_serve(caps->pdata[i]);
}

void server_waiters_reply(Client *client, const json_t *id, Capture *cap, CapturedWrite *w)
{
	g_autoptr(JWriter) b = NULL;
	gsize len = 0;
	const guint8 *data;

	if (client->dead) {
		/* Closed meanwhile: the write is the next taker's. */
		give_back(cap, client, cap->cfg->id, w, false);
		server_waiters_serve(cap);
		return;
	}
	data = g_bytes_get_data(w->value, &len);
	b = proto_reply_begin(id);
	proto_write_write(b, cap->cfg, data, len, w->offset, w->device, w->address);
	jwrite_member(b, "seq");
	jwrite_int(b, (gint64)w->seq);
	jwrite_member(b, "queued");
	jwrite_int(b, capture_queue_length(&cap->queue));
	server_client_send_write(client, proto_finish(b), w, cap->cfg->id);
}

static void waiter_fail(Client *client, const char *code, const char *message)
{
	g_autoptr(json_t) id = json_incref(client->wait_id);

	server_waiters_clear(client);
	server_client_send(client, proto_error_line(id, code, message));
}

/* A next-write waiter's timeout_ms passed. */
static gboolean waiter_timed_out(gpointer data)
{
	Client *client = data;

	client->wait_timeout = 0;
	waiter_fail(client, PROTO_ERR_TIMEOUT, "no write arrived before timeout_ms");
	return G_SOURCE_REMOVE;
}

void server_waiters_wait(Client *client, Capture *cap, json_t *id, int64_t timeout_ms)
{
	client->waiting_on = cap;
	client->wait_id = json_incref(id);
	if (timeout_ms > 0)
		client->wait_timeout = g_timeout_add((guint)timeout_ms, waiter_timed_out, client);
	capture_wait(cap, client);
}

void server_waiters_serve(Capture *cap)
{
	Client *client;
	CapturedWrite *w;

	while ((w = capture_serve(cap, (void **)&client))) {
		g_autoptr(json_t) id = json_incref(client->wait_id);

		/* capture_serve took it out of the waiters already. */
		client->waiting_on = NULL;
		server_waiters_clear(client);
		server_waiters_reply(client, id, cap, w);
	}
}

void server_waiters_fail(GPtrArray *caps, const char *code, const char *message)
{
	for (unsigned i = 0; i < caps->len; i++) {
		Capture *cap = caps->pdata[i];

		while (cap->waiters.length > 0)
			waiter_fail(g_queue_peek_head(&cap->waiters), code, message);
	}
}
