/*
 * server.c: the local client socket: listening, client connections and their
 * limits, capture queues and their waiters, events to watchers. The requests
 * themselves are in socket/commands.c.
 */
#include "socket/server.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <grp.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "socket/capture.h"
#include "shared/fd-source.h"
#include "config/flags.h"
#include "gattd-build-config.h"
#include "shared/log.h"
#include "socket/protocol.h"
#include "socket/server-private.h"

#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#define READ_CHUNK 65536
/* Bytes read from one client per wakeup, so one busy client can't starve others. */
#define READ_BUDGET (4 * READ_CHUNK)
/* Lines handed to one sendmsg (well under IOV_MAX). */
#define SEND_IOV_MAX 64
/* How long the stale-socket probe waits for a connection in progress. */
#define PROBE_TIMEOUT_MS 1000
/* Accepting paused after accept() failed (out of descriptors, memory): first and longest pause. */
#define ACCEPT_RETRY_MIN_MS 100
#define ACCEPT_RETRY_MAX_MS 1000


/* ---- captures ---- */

static void capture_free(Capture *cap)
{
	capture_queue_clear(&cap->queue);
	g_queue_clear(&cap->waiters);
	g_free(cap);
}

Capture *capture_for(Server *server, GattChar *chr)
{
	return g_hash_table_lookup(server->captures, chr->cfg->id);
}

/*
 * A write taken for a client that never got it (closed before its reply was sent)
 * goes back to the queue of char_id, in its place by seq: the head, unless others
 * went back first. Returns that capture, or NULL when the characteristic no longer
 * captures (a reload removed its Capture=): then the write is gone, and logged.
 */
static Capture *capture_give_back(Client *taker, const char *char_id, CapturedWrite *w)
{
	Capture *cap = g_hash_table_lookup(taker->server->captures, char_id);

	if (!cap) {
		log_warning("%s: write %" G_GUINT64_FORMAT " is lost: client %u (pid %d) took it but was closed "
		            "before getting it, and a reload removed the characteristic's Capture= queue",
		            char_id, w->seq, taker->id, (int)taker->pid);
		captured_write_free(w);
		return NULL;
	}
	/* At shutdown every queue is about to go: nothing to tell. */
	if (!taker->server->shutting_down)
		log_info("%s: write %" G_GUINT64_FORMAT " goes back to the front of the queue: client %u (pid %d) "
		         "took it but was closed before getting it", char_id, w->seq, taker->id, (int)taker->pid);
	capture_queue_unpop(&cap->queue, w);
	return cap;
}

/* ---- replies ---- */

void reply_error(Client *client, const json_t *id, const char *code, const char *fmt, ...)
{
	g_autofree char *message = NULL;
	va_list ap;

	va_start(ap, fmt);
	message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	client_send(client, proto_error_line(id, code, message));
}

void add_char_value(JWriter *b, GattChar *chr)
{
	proto_write_value(b, chr->cfg->has_type, chr->cfg->type, chr->value->data, chr->value->len);
}

/* ---- next-write waiters ---- */

static void client_send_write(Client *client, char *line, Capture *cap, CapturedWrite *w);
static void client_send_event(Client *client, char *line);

static void waiter_clear(Client *client)
{
	if (client->waiting_on)
		g_queue_remove(&client->waiting_on->waiters, client);
	client->waiting_on = NULL;
	g_clear_pointer(&client->wait_id, json_decref);
	if (client->wait_timeout) {
		g_source_remove(client->wait_timeout);
		client->wait_timeout = 0;
	}
}

/*
 * Hand w (taken from cap's queue) to client. The reply carries the write until the
 * kernel has taken all of its bytes: only then is the write consumed. If the client is
 * closed before (it left, or was dropped for not reading), the write goes back to the
 * front of the queue for the next taker.
 */
void reply_next_write(Client *client, const json_t *id, Capture *cap, CapturedWrite *w)
{
	g_autoptr(JWriter) b = proto_reply_begin(id);

	{
		gsize len = 0;
		const guint8 *data = g_bytes_get_data(w->value, &len);

		proto_write_write(b, cap->chr->cfg, data, len, w->offset, w->device);
	}
	jwrite_member(b, "seq");
	jwrite_int(b, (gint64)w->seq);
	jwrite_member(b, "queued");
	jwrite_int(b, capture_queue_length(&cap->queue));
	client_send_write(client, proto_finish(b), cap, w);
}

static void waiter_fail(Client *client, const char *code, const char *message)
{
	g_autoptr(json_t) id = json_incref(client->wait_id);

	waiter_clear(client);
	client_send(client, proto_error_line(id, code, message));
}

gboolean waiter_timed_out(gpointer data)
{
	Client *client = data;

	client->wait_timeout = 0;
	waiter_fail(client, PROTO_ERR_TIMEOUT, "no write arrived before timeout_ms");
	return G_SOURCE_REMOVE;
}

/* Hand queued writes to waiting clients, oldest waiter first. */
static void capture_serve_waiters(Capture *cap)
{
	while (cap->waiters.length > 0 && capture_queue_length(&cap->queue) > 0) {
		Client *client = g_queue_peek_head(&cap->waiters);
		g_autoptr(json_t) id = json_incref(client->wait_id);

		waiter_clear(client);
		reply_next_write(client, id, cap, capture_queue_pop(&cap->queue));
	}
}

/* ---- events ---- */

static bool client_watches(Client *client, GattChar *chr)
{
	if (!client->watching || client->dead)
		return false;
	return !chr || !client->watch_chars || g_hash_table_contains(client->watch_chars, chr->cfg->id);
}

/* Send the event to every watcher interested in chr (NULL: every watcher). Takes the writer. */
static void broadcast(Server *server, GattChar *chr, JWriter *event)
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
			client_send_event(client, g_strdup(line));
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

void server_on_write(Server *server, GattChar *chr, const uint8_t *data, size_t len, uint16_t offset,
                     const char *device)
{
	Capture *cap = capture_for(server, chr);
	JWriter *b;

	/* Most writes have no watcher: don't build an event nobody gets. */
	if (any_watcher(server, chr)) {
		b = proto_event_begin("write");
		proto_write_write(b, chr->cfg, data, len, offset, device);
		broadcast(server, chr, b);
	}

	if (!cap)
		return;
	if (capture_queue_push(&cap->queue, data, len, offset, device, g_get_real_time())) {
		log_warning("%s: capture queue full (%u writes); dropped the oldest, %" G_GUINT64_FORMAT
		            " dropped so far", chr->cfg->id, cap->queue.capacity, cap->queue.overflows);
		b = char_event("capture-overflow", chr);
		jwrite_member(b, "dropped");
		jwrite_int(b, 1);
		jwrite_member(b, "overflows");
		jwrite_int(b, (gint64)cap->queue.overflows);
		broadcast(server, chr, b);
	}
	capture_serve_waiters(cap);
}

void server_on_notifying_changed(Server *server, GattChar *chr)
{
	broadcast(server, chr, char_event(chr->notifying ? "subscribed" : "unsubscribed", chr));
}

void server_on_confirm(Server *server, GattChar *chr)
{
	broadcast(server, chr, char_event("confirm", chr));
}

static void fail_all_waiters(Server *server, const char *code, const char *message)
{
	GHashTableIter it;
	Capture *cap;

	g_hash_table_iter_init(&it, server->captures);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&cap))
		while (cap->waiters.length > 0)
			waiter_fail(g_queue_peek_head(&cap->waiters), code, message);
}

void server_on_down(Server *server, const char *reason, bool shutdown)
{
	g_autofree char *message = g_strdup_printf(
		"services went off the air (%s) while waiting; ask again to wait for the next write", reason);
	JWriter *b = proto_event_begin("unregistered");

	jwrite_member(b, "reason");
	jwrite_string(b, reason);
	broadcast(server, NULL, b);
	fail_all_waiters(server, shutdown ? PROTO_ERR_SHUTTING_DOWN : PROTO_ERR_DISCONNECTED, message);
}

void server_on_up(Server *server, const char *adapter_name)
{
	JWriter *b = proto_event_begin("registered");

	jwrite_member(b, "adapter");
	jwrite_string(b, adapter_name);
	broadcast(server, NULL, b);
}

void server_on_adapter_changed(Server *server, const ServerAdapter *adapter)
{
	JWriter *b = proto_event_begin("adapter");

	proto_write_adapter(b, adapter);
	broadcast(server, NULL, b);
}

void server_shutdown(Server *server)
{
	server->shutting_down = true;
	fail_all_waiters(server, PROTO_ERR_SHUTTING_DOWN, "gattd is stopping");
}

/* ---- client I/O ---- */

static OutLine *out_line_new(char *line)
{
	OutLine *ol = g_new0(OutLine, 1);

	ol->data = line;
	ol->len = strlen(line);
	return ol;
}

static void out_line_free(OutLine *ol)
{
	captured_write_free(ol->write);
	g_free(ol->write_char);
	g_free(ol->data);
	g_free(ol);
}

/* The kernel took all of ol: a write it carries is delivered, so consumed. */
static void out_line_sent(Client *client, OutLine *ol)
{
	if (ol->event)
		client->out_event_bytes -= ol->len;
	if (ol->write)
		log_debug("client %u: write %" G_GUINT64_FORMAT " of %s delivered", client->id, ol->write->seq,
		          ol->write_char);
	out_line_free(ol);
}

/*
 * client is closed with lines still queued: the writes its next-write replies carry
 * go back to their capture queues, in order, and waiting clients get them.
 */
static void client_give_back_writes(Client *client)
{
	g_autoptr(GPtrArray) caps = g_ptr_array_new();

	/* From the newest: each goes in front of those given back after it. */
	for (GList *l = client->out.tail; l; l = l->prev) {
		OutLine *ol = l->data;
		Capture *cap;

		if (!ol->write)
			continue;
		cap = capture_give_back(client, ol->write_char, g_steal_pointer(&ol->write));
		if (cap && !g_ptr_array_find(caps, cap, NULL))
			g_ptr_array_add(caps, cap);
	}
	g_queue_clear_full(&client->out, (GDestroyNotify)out_line_free);
	client->out_bytes = 0;
	client->out_event_bytes = 0;
	client->out_offset = 0;
	for (unsigned i = 0; i < caps->len; i++)
		capture_serve_waiters(caps->pdata[i]);
}

static void accept_resume(Server *server);

static gboolean client_free_idle(gpointer data)
{
	Client *client = data;

	g_byte_array_unref(client->in);
	g_queue_clear_full(&client->out, (GDestroyNotify)out_line_free);
	g_free(client);
	return G_SOURCE_REMOVE;
}

/* Close now; the struct is freed from an idle callback, so callers up the stack stay safe. */
static void client_close(Client *client, const char *why)
{
	Server *server = client->server;

	if (client->dead)
		return;
	client->dead = true;
	log_info("client %u (pid %d) disconnected: %s", client->id, (int)client->pid, why);
	waiter_clear(client);
	g_clear_pointer(&client->watch_chars, g_hash_table_unref);
	if (client->in_source)
		g_source_remove(client->in_source);
	if (client->out_source)
		g_source_remove(client->out_source);
	if (client->resume_source)
		g_source_remove(client->resume_source);
	if (client->hup_source)
		g_source_remove(client->hup_source);
	client->in_source = client->out_source = client->resume_source = client->hup_source = 0;
	close(client->fd);
	client->fd = -1;
	server->clients = g_list_remove(server->clients, client);
	server->n_clients--;
	g_idle_add(client_free_idle, client);
	client_give_back_writes(client);
	accept_resume(server);
}

static gboolean client_writable(gint fd, GIOCondition cond, gpointer data);
static gboolean client_resume(gpointer data);

/* More than MaxClientQueue bytes (replies and events) wait for client. */
static bool client_over_queue(Client *client)
{
	return client->out_bytes > client->server->opts.max_queue;
}

/* Every request of client is answered: nothing queued, no next-write waiting. */
static bool client_answered(Client *client)
{
	return client->out.length == 0 && !client->waiting_on;
}

/* Write what the socket takes now. Returns false if the client was closed. */
static bool client_flush(Client *client)
{
	while (client->out.length > 0) {
		struct iovec iov[SEND_IOV_MAX];
		struct msghdr msg = { .msg_iov = iov };
		ssize_t n;

		/* Queued lines in one sendmsg: corked replies, events that piled up. */
		for (GList *l = client->out.head; l && msg.msg_iovlen < SEND_IOV_MAX; l = l->next) {
			OutLine *ol = l->data;
			size_t skip = l == client->out.head ? client->out_offset : 0;

			iov[msg.msg_iovlen].iov_base = ol->data + skip;
			iov[msg.msg_iovlen].iov_len = ol->len - skip;
			msg.msg_iovlen++;
		}
		n = sendmsg(client->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			client_close(client, g_strerror(errno));
			return false;
		}
		client->out_bytes -= (size_t)n;
		while (n > 0) {
			OutLine *ol = g_queue_peek_head(&client->out);
			size_t left = ol->len - client->out_offset;

			if ((size_t)n < left) {
				client->out_offset += (size_t)n;
				break;
			}
			n -= (ssize_t)left;
			out_line_sent(client, g_queue_pop_head(&client->out));
			client->out_offset = 0;
		}
	}

	if (client->out.length > 0 && !client->out_source)
		client->out_source = fd_source_add(client->fd, G_IO_OUT, client_writable, client, NULL);
	else if (client->out.length == 0 && client->out_source) {
		g_source_remove(client->out_source);
		client->out_source = 0;
	}
	if (client->closing && client_answered(client)) {
		client_close(client, client->closing_why);
		return false;
	}
	/* Not from here: this may run while its requests are being handled. */
	if (client->held && !client_over_queue(client) && !client->resume_source)
		client->resume_source = g_idle_add(client_resume, client);
	return true;
}

static gboolean client_writable(gint fd, GIOCondition cond, gpointer data)
{
	Client *client = data;

	client->out_source = 0;
	client_flush(client);
	/* client_flush re-adds the source if more remains. */
	return G_SOURCE_REMOVE;
}

/* Queue ol and write what we can. Returns false if the client was closed. */
static bool client_queue_line(Client *client, OutLine *ol)
{
	g_queue_push_tail(&client->out, ol);
	client->out_bytes += ol->len;
	if (ol->event)
		client->out_event_bytes += ol->len;
	/* Corked lines wait for one send, unless they pile up: then the socket takes what it can now. */
	if (!client->corked || client_over_queue(client))
		return client_flush(client);
	return true;
}

/*
 * Queue an event line (takes ownership). Events are what a client did not ask for one
 * by one: one that lets more than MaxClientQueue bytes of them pile up (beyond what the
 * socket holds) has stopped reading, and is disconnected. Replies never count here.
 */
static void client_send_event(Client *client, char *line)
{
	OutLine *ol;

	if (client->dead) {
		g_free(line);
		return;
	}
	ol = out_line_new(line);
	ol->event = true;
	if (!client_queue_line(client, ol))
		return;
	if (client->out_event_bytes > client->server->opts.max_queue) {
		g_autofree char *why = g_strdup_printf("not reading: %zu bytes queued (limit %zu) in events it did "
		                                       "not take, %zu bytes in all", client->out_event_bytes,
		                                       client->server->opts.max_queue, client->out_bytes);

		log_warning("client %u (pid %d) %s; disconnecting it", client->id, (int)client->pid, why);
		client_close(client, why);
	}
}

/* Queue a reply line (takes ownership) and write what we can. Replies are queued whole. */
void client_send(Client *client, char *line)
{
	if (client->dead) {
		g_free(line);
		return;
	}
	client_queue_line(client, out_line_new(line));
}

/* Queue a next-write reply carrying w, taken from cap's queue (takes both). */
static void client_send_write(Client *client, char *line, Capture *cap, CapturedWrite *w)
{
	OutLine *ol;

	if (client->dead) {
		g_free(line);
		if (capture_give_back(client, cap->chr->cfg->id, w))
			capture_serve_waiters(cap);
		return;
	}
	ol = out_line_new(line);
	ol->write = w;
	ol->write_char = g_strdup(cap->chr->cfg->id);
	client_queue_line(client, ol);
}

/* A closing client closed its end entirely: what it is still owed cannot reach it. */
static gboolean client_hung_up(gint fd, GIOCondition cond, gpointer data)
{
	Client *client = data;

	client->hup_source = 0;
	client_close(client, client->waiting_on ? "closed the connection while waiting in next-write"
	                                        : "closed the connection before its replies were sent");
	return G_SOURCE_REMOVE;
}

/*
 * Read no more from client. client_flush() closes it once every request is answered:
 * what is queued sent, and a waiting next-write's reply (the write, or its error) too.
 */
static void client_close_when_flushed(Client *client, const char *why)
{
	client->closing = true;
	client->closing_why = why;
	if (client->in_source) {
		g_source_remove(client->in_source);
		client->in_source = 0;
	}
	/* Only POLLHUP (both directions shut) wakes this, not the end of stream it sent. */
	client->hup_source = fd_source_add(client->fd, G_IO_HUP | G_IO_ERR, client_hung_up, client, NULL);
}

/* client shut its side (printf ... | socat - UNIX-CONNECT:...): answer it all, then close. */
static void client_end_of_stream(Client *client)
{
	if (client->waiting_on)
		log_info("client %u (pid %d) shut its side while waiting in next-write on %s; closing once that "
		         "is answered", client->id, (int)client->pid, client->waiting_on->chr->cfg->id);
	client_close_when_flushed(client, "end of stream");
}

/*
 * More than MaxClientQueue bytes wait for client: read none of its requests until it
 * has taken enough (client_flush schedules client_resume). So the replies queued for a
 * client that sends requests without reading them stay bounded, and it is not dropped.
 */
static void client_hold(Client *client)
{
	client->held = true;
	if (client->in_source) {
		g_source_remove(client->in_source);
		client->in_source = 0;
	}
	log_debug("client %u (pid %d): %zu bytes queued, over MaxClientQueue (%zu); reading no more of its "
	          "requests until it takes them", client->id, (int)client->pid, client->out_bytes,
	          client->server->opts.max_queue);
}

static void client_process_input(Client *client)
{
	size_t max_line = client->server->opts.max_line;
	size_t start = 0;

	while (!client->dead && !client->closing) {
		const uint8_t *nl;
		size_t len;

		if (client_over_queue(client)) {
			client_hold(client);
			break;
		}
		nl = memchr(client->in->data + start, '\n', client->in->len - start);
		if (!nl)
			break;
		len = (size_t)(nl - (client->in->data + start));
		if (len > max_line)
			break;
		server_handle_line(client, (const char *)client->in->data + start, len);
		start += len + 1;
	}
	if (client->dead)
		return;
	g_byte_array_remove_range(client->in, 0, (guint)start);

	if (!client->held && !client->closing && client->in->len > max_line) {
		log_warning("client %u (pid %d) sent a line over %zu bytes; closing it", client->id, (int)client->pid,
		            max_line);
		client_send(client, proto_error_line(NULL, PROTO_ERR_LINE_TOO_LONG,
		                                     "request line exceeds MaxLineLength; closing the connection"));
		if (!client->dead)
			client_close_when_flushed(client, "sent a line over MaxLineLength");
	}
}

/*
 * Read and handle what the client sent. Its replies are queued while it is read and
 * sent together at the end: a client that pipelines requests gets one send() for
 * all of them instead of one each (profiled in tests/bench, "set + notify").
 */
static gboolean client_readable(gint fd, GIOCondition cond, gpointer data)
{
	Client *client = data;
	size_t budget = READ_BUDGET;
	gboolean keep = G_SOURCE_CONTINUE;

	client->corked = true;
	while (budget > 0) {
		size_t old = client->in->len;
		ssize_t n;

		g_byte_array_set_size(client->in, (guint)(old + READ_CHUNK));
		n = recv(fd, client->in->data + old, READ_CHUNK, MSG_DONTWAIT);
		g_byte_array_set_size(client->in, (guint)(old + (n > 0 ? (size_t)n : 0)));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			client_close(client, g_strerror(errno));
			return G_SOURCE_REMOVE;
		}
		if (n == 0) {
			/* POLLHUP too: both directions are shut, nothing pending can reach it any more. */
			if ((cond & G_IO_HUP) && (client->waiting_on || client->out.length > 0)) {
				client_hung_up(fd, cond, client);
				return G_SOURCE_REMOVE;
			}
			/* The client shut its side only: the replies to what it sent still go out, all of them. */
			client_end_of_stream(client);
			keep = G_SOURCE_REMOVE;
			break;
		}
		budget -= MIN(budget, (size_t)n);
		client_process_input(client);
		if (client->dead)
			return G_SOURCE_REMOVE;
		if (client->closing || client->held) {
			keep = G_SOURCE_REMOVE;
			break;
		}
		/* A short read emptied the socket: another recv would only say EAGAIN. */
		if ((size_t)n < READ_CHUNK)
			break;
	}
	client->corked = false;
	client_flush(client);
	return keep;
}

/* client took enough of what was queued for it: handle the requests held back, read on. */
static gboolean client_resume(gpointer data)
{
	Client *client = data;

	client->resume_source = 0;
	/* Events came meanwhile: client_flush() calls again once they are taken. */
	if (client_over_queue(client))
		return G_SOURCE_REMOVE;
	log_debug("client %u (pid %d) took its replies; reading its requests again", client->id, (int)client->pid);
	client->held = false;
	client->corked = true;
	client_process_input(client);
	client->corked = false;
	if (client->dead)
		return G_SOURCE_REMOVE;
	if (!client->held && !client->closing && !client->in_source)
		client->in_source = fd_source_add(client->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, client_readable, client, NULL);
	client_flush(client);
	return G_SOURCE_REMOVE;
}

static void set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* ---- accepting ---- */

static gboolean server_accept(gint fd, GIOCondition cond, gpointer data);

static void accept_watch(Server *server)
{
	if (!server->listen_source && server->listen_fd >= 0)
		server->listen_source = fd_source_add(server->listen_fd, G_IO_IN, server_accept, server, NULL);
}

static gboolean accept_retry(gpointer data)
{
	Server *server = data;

	server->accept_retry_id = 0;
	accept_watch(server);
	return G_SOURCE_REMOVE;
}

/* A client left: its descriptor is free, so a paused accept may succeed now. */
static void accept_resume(Server *server)
{
	if (!server->accept_retry_id)
		return;
	g_source_remove(server->accept_retry_id);
	server->accept_retry_id = 0;
	accept_watch(server);
}

/* What an operator can do about accept() failing with err ("" when nothing specific). */
static char *accept_failure_hint(int err)
{
	struct rlimit nofile;

	switch (err) {
	case EMFILE:
		if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY)
			return g_strdup_printf("; gattd uses all %llu descriptors it may open: raise its limit "
			                       "(LimitNOFILE=, ulimit -n) or lower MaxClients=",
			                       (unsigned long long)nofile.rlim_cur);
		return g_strdup("; raise gattd's open file limit (LimitNOFILE=, ulimit -n) or lower MaxClients=");
	case ENFILE:
		return g_strdup("; the system's open file table is full (fs.file-max)");
	case ENOBUFS:
	case ENOMEM:
		return g_strdup("; the system is short of memory");
	default:
		return g_strdup("");
	}
}

/*
 * accept() failed with err (out of descriptors or memory, say): the listening
 * socket stays readable while the cause lasts, so watching it would spin. Stop
 * watching until a client leaves (accept_resume) or a retry timer fires, its delay
 * doubling from ACCEPT_RETRY_MIN_MS to ACCEPT_RETRY_MAX_MS. Logged once until the
 * backlog has been served (server_accept logs the recovery). The caller returns
 * G_SOURCE_REMOVE.
 */
static void accept_pause(Server *server, int err)
{
	if (!server->accept_failing) {
		g_autofree char *hint = accept_failure_hint(err);

		server->accept_failing = true;
		log_warning("cannot accept clients on %s: %s (%u connected)%s. New clients wait until one leaves "
		            "(tried again at least every %u ms)", server->path, g_strerror(err), server->n_clients, hint,
		            ACCEPT_RETRY_MAX_MS);
	}
	server->listen_source = 0;
	if (!server->accept_retry_id) {
		server->accept_retry_ms = CLAMP(server->accept_retry_ms, ACCEPT_RETRY_MIN_MS, ACCEPT_RETRY_MAX_MS);
		server->accept_retry_id = g_timeout_add(server->accept_retry_ms, accept_retry, server);
		server->accept_retry_ms = MIN(server->accept_retry_ms * 2, ACCEPT_RETRY_MAX_MS);
	}
}

/* Every client waiting has been taken: a failure episode, if any, is over. */
static void accept_backlog_served(Server *server)
{
	if (!server->accept_failing)
		return;
	server->accept_failing = false;
	server->accept_retry_ms = ACCEPT_RETRY_MIN_MS;
	log_notice("accepting clients on %s again (%u connected)", server->path, server->n_clients);
}

static gboolean server_accept(gint fd, GIOCondition cond, gpointer data)
{
	Server *server = data;

	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ucred cred = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
		socklen_t cred_len = sizeof(cred);
		Client *client;

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				accept_backlog_served(server);
				break;
			}
			accept_pause(server, errno);
			return G_SOURCE_REMOVE;
		}
		/* Descriptors were freed: the next pause, if any, starts short again. */
		server->accept_retry_ms = ACCEPT_RETRY_MIN_MS;
		getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len);

		if (server->n_clients >= server->opts.max_clients) {
			g_autofree char *line = proto_error_line(NULL, PROTO_ERR_TOO_MANY_CLIENTS,
			                                         "gattd serves at most MaxClients clients at once");

			log_warning("refused client pid %d uid %u: %u clients already (MaxClients)", (int)cred.pid,
			            (unsigned)cred.uid, server->n_clients);
			if (send(cfd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				log_debug("could not tell the refused client why: %s", g_strerror(errno));
			close(cfd);
			continue;
		}

		client = g_new0(Client, 1);
		client->server = server;
		client->id = ++server->next_client_id;
		client->fd = cfd;
		client->pid = cred.pid;
		client->uid = cred.uid;
		client->in = g_byte_array_new();
		g_queue_init(&client->out);
		client->in_source = fd_source_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, client_readable, client, NULL);
		server->clients = g_list_prepend(server->clients, client);
		server->n_clients++;
		log_info("client %u connected: pid %d uid %u gid %u", client->id, (int)cred.pid, (unsigned)cred.uid,
		         (unsigned)cred.gid);
	}
	return G_SOURCE_CONTINUE;
}

/* ---- listening ---- */

static int fail_errno(int err, char **ret_error, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static int fail_errno(int err, char **ret_error, const char *fmt, ...)
{
	g_autofree char *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	*ret_error = g_strdup_printf("%s: %s", what, g_strerror(err));
	return -err;
}

/*
 * Connect to the socket at path without ever blocking (a listener that does not
 * accept and whose backlog is full would hold a blocking connect() forever).
 * Returns 0 when connected, else -errno telling what is there: -EAGAIN is
 * Linux's answer for a full backlog; -ETIMEDOUT when a connection in progress
 * (EINPROGRESS, elsewhere) got no answer within PROBE_TIMEOUT_MS.
 */
static int probe_socket(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct pollfd pfd = { .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	pfd.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (pfd.fd < 0)
		return -errno;
	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	if (connect(pfd.fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		err = errno;
	if (err == EINPROGRESS || err == EINTR) {
		if (poll(&pfd, 1, PROBE_TIMEOUT_MS) != 1 || getsockopt(pfd.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = ETIMEDOUT;
	}
	close(pfd.fd);
	return -err;
}

/*
 * A socket file already at path: remove it if nobody listens there (connection
 * refused), else refuse with what was seen. When the probe cannot tell, the socket
 * counts as live: replacing one that is would cut off whoever serves it.
 */
static int clear_stale_socket(const char *path, char **ret_error)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : fail_errno(errno, ret_error, "cannot inspect %s", path);
	if (!S_ISSOCK(st.st_mode)) {
		*ret_error = g_strdup_printf("%s exists and is not a socket; remove it or choose another Socket=", path);
		return -EEXIST;
	}
	r = probe_socket(path);
	switch (r) {
	case -ECONNREFUSED:
	case -ENOENT:
		break;
	case 0:
		*ret_error = g_strdup_printf("another gattd is already listening on %s", path);
		return -EADDRINUSE;
	case -EAGAIN:
		*ret_error = g_strdup_printf("something listens on %s but does not accept connections (its backlog is "
		                             "full): a hung gattd or another program; stop it or choose another Socket=",
		                             path);
		return -EADDRINUSE;
	case -ETIMEDOUT:
		*ret_error = g_strdup_printf("a connection to %s got no answer within %d ms; taking it for a live socket: "
		                             "stop what listens there or choose another Socket=", path, PROBE_TIMEOUT_MS);
		return -EADDRINUSE;
	default:
		*ret_error = g_strdup_printf("cannot tell whether something listens on %s (connecting: %s); leaving it "
		                             "alone: remove it or choose another Socket=", path, g_strerror(-r));
		return -EADDRINUSE;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return fail_errno(errno, ret_error, "cannot remove stale socket %s", path);
	log_info("removed stale socket %s", path);
	return 0;
}

static int listen_on_path(Server *server, char **ret_error)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	g_autofree char *dir = g_path_get_dirname(server->path);
	int fd, r;

	if (strlen(server->path) >= sizeof(addr.sun_path)) {
		*ret_error = g_strdup_printf("socket path %s is longer than %zu bytes", server->path,
		                             sizeof(addr.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	if (g_mkdir_with_parents(dir, 0755) < 0)
		return fail_errno(errno, ret_error, "cannot create %s", dir);
	r = clear_stale_socket(server->path, ret_error);
	if (r < 0)
		return r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail_errno(errno, ret_error, "socket");
	g_strlcpy(addr.sun_path, server->path, sizeof(addr.sun_path));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		r = fail_errno(errno, ret_error, "cannot bind %s", server->path);
		close(fd);
		return r;
	}
	server->created_path = true;
	/* Permissions before listen(): nobody can connect in between. */
	if (chmod(server->path, server->opts.mode) < 0) {
		r = fail_errno(errno, ret_error, "cannot chmod %s", server->path);
		close(fd);
		return r;
	}
	if (server->group) {
		struct group *gr = getgrnam(server->group);

		if (!gr) {
			*ret_error = g_strdup_printf("SocketGroup=%s: no such group", server->group);
			close(fd);
			return -ENOENT;
		}
		if (chown(server->path, (uid_t)-1, gr->gr_gid) < 0) {
			r = fail_errno(errno, ret_error, "cannot give %s to group %s", server->path, server->group);
			close(fd);
			return r;
		}
	}
	if (listen(fd, SOMAXCONN) < 0) {
		r = fail_errno(errno, ret_error, "cannot listen on %s", server->path);
		close(fd);
		return r;
	}
	server->listen_fd = fd;
	log_info("listening for clients on %s (mode %04o%s%s)", server->path, server->opts.mode,
	         server->group ? ", group " : "", server->group ? server->group : "");
	return 0;
}

int server_start(Server *server, char **ret_error)
{
	int r;

#if HAVE_LIBSYSTEMD
	int n = sd_listen_fds(1);

	if (n < 0)
		log_warning("socket activation: %s, ignoring", g_strerror(-n));
	if (n > 1)
		log_warning("socket activation passed %d sockets; using the first", n);
	if (n >= 1) {
		int fd = SD_LISTEN_FDS_START;

		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
			*ret_error = g_strdup("socket activation passed something that is not a listening Unix stream socket");
			return -EINVAL;
		}
		set_nonblocking(fd);
		server->listen_fd = fd;
		log_info("listening for clients on the socket passed by systemd");
	}
#endif
	if (server->listen_fd < 0) {
		r = listen_on_path(server, ret_error);
		if (r < 0)
			return r;
	}
	accept_watch(server);
	return 0;
}

/* The capture queues for app, reusing those of old (by id) so queued writes survive a reload. */
static GHashTable *build_captures(GattApp *app, GHashTable *old)
{
	GHashTable *captures = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)capture_free);
	GPtrArray *chars = gatt_app_get_chars(app);

	for (unsigned i = 0; i < chars->len; i++) {
		GattChar *chr = chars->pdata[i];
		Capture *cap = NULL;

		if (!chr->cfg->capture)
			continue;
		if (old && g_hash_table_steal_extended(old, chr->cfg->id, NULL, (gpointer *)&cap)) {
			cap->queue.capacity = chr->cfg->capture;
			while (capture_queue_length(&cap->queue) > cap->queue.capacity) {
				captured_write_free(capture_queue_pop(&cap->queue));
				cap->queue.overflows++;
			}
		} else {
			cap = g_new0(Capture, 1);
			capture_queue_init(&cap->queue, chr->cfg->capture);
			g_queue_init(&cap->waiters);
		}
		cap->chr = chr;
		g_hash_table_insert(captures, chr->cfg->id, cap);
	}
	return captures;
}

unsigned server_add_listener(Server *server, const ServerListener *listener, void *user_data)
{
	return listener_list_add(&server->listeners, listener, user_data);
}

void server_remove_listener(Server *server, unsigned id)
{
	listener_list_remove(&server->listeners, id);
}

void server_reload(Server *server, const GattdConfig *config, GattApp *app, unsigned generation)
{
	g_autoptr(GHashTable) old = server->captures;
	GHashTableIter it;
	Capture *cap;

	server->app = app;
	server->generation = generation;
	server->opts.max_clients = config->max_clients;
	server->opts.max_line = config->max_line_length;
	server->opts.max_queue = config->max_client_queue;
	server->captures = build_captures(app, old);

	/* What is left in old belongs to characteristics that no longer capture. */
	g_hash_table_iter_init(&it, old);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&cap))
		while (cap->waiters.length > 0)
			waiter_fail(g_queue_peek_head(&cap->waiters), PROTO_ERR_NOT_FOUND,
			            "the characteristic no longer has a Capture= queue after a reload");
}

void server_announce_reload(Server *server)
{
	JWriter *b = proto_event_begin("reloaded");

	jwrite_member(b, "generation");
	jwrite_int(b, server->generation);
	broadcast(server, NULL, b);
}

Server *server_new(const ServerOptions *options, GattApp *app)
{
	Server *server = g_new0(Server, 1);

	server->opts = *options;
	server->path = g_strdup(options->path);
	server->group = g_strdup(options->group);
	server->opts.path = server->path;
	server->opts.group = server->group;
	server->app = app;
	server->listen_fd = -1;
	server->generation = 1;
	server->captures = build_captures(app, NULL);
	listener_list_init(&server->listeners);
	return server;
}

void server_free(Server *server)
{
	if (!server)
		return;
	/* First, so that the iterations below cannot accept a new client. */
	if (server->listen_source)
		g_source_remove(server->listen_source);
	if (server->accept_retry_id)
		g_source_remove(server->accept_retry_id);
	server->listen_source = server->accept_retry_id = 0;
	if (server->listen_fd >= 0)
		close(server->listen_fd);
	server->listen_fd = -1;
	while (server->clients)
		client_close(server->clients->data, "gattd is stopping");
	/* Run the pending frees now: the main loop is over. */
	while (g_main_context_iteration(NULL, FALSE))
		;
	if (server->created_path)
		unlink(server->path);
	g_hash_table_unref(server->captures);
	g_free(server->path);
	g_free(server->group);
	listener_list_clear(&server->listeners);
	g_free(server);
}

unsigned server_count_clients(Server *server)
{
	return server->n_clients;
}
