/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/client.c: one client connection (client.h): reading its requests and cutting
 * them into lines, or frames on a handler channel (with MaxLineLength, and a read budget
 * per wakeup), the outgoing queue of replies and events (OutLine) with its flush, its
 * cork while requests are read, batched events written before the main loop sleeps, and its hold
 * over MaxClientQueue, the end of stream, and closing.
 */
#include "socket/client.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shared/fd-source.h"
#include "shared/frame.h"
#include "shared/log.h"
#include "socket/protocol.h"

#define READ_CHUNK 65536
/* Bytes read from one client per wakeup, so one busy client can't starve others. */
#define READ_BUDGET (4 * READ_CHUNK)
/* Lines handed to one sendmsg (well under IOV_MAX). */
#define SEND_IOV_MAX 64

/*
 * One line queued for a client. A next-write reply carries the write it hands over:
 * the write is consumed once the whole line has gone to the kernel, and goes back to
 * its capture queue if the client is closed before that.
 */
typedef struct {
	char *data;
	size_t len;
	bool event;              /* an event, not a reply: counts against MaxClientQueue */
	CapturedWrite *write;    /* a next-write reply's write, or NULL */
	char *write_char;        /* the id of the characteristic it was captured for */
} OutLine;

/* A line (or a handler channel's frames): len bytes of data, taken. */
static OutLine *out_line_new(char *data, size_t len)
{
	OutLine *ol = g_new0(OutLine, 1);

	ol->data = data;
	ol->len = len;
	return ol;
}

static void out_line_free(OutLine *ol)
{
	capture_write_free(ol->write);
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
 * Clients with batched events not yet written (server_client_send_event_batched). One
 * source's prepare(), which GLib runs before every poll, writes them: after everything
 * the loop dispatched in this iteration, before it sleeps (as GDK's Wayland source flushes
 * its display). The source lives as long as the process, and costs a call per iteration.
 */
static GQueue batched_clients = G_QUEUE_INIT;
static GSource *batch_source;

static bool client_flush(Client *client);

static gboolean batch_prepare(GSource *source, gint *timeout)
{
	Client *client;

	while ((client = g_queue_pop_head(&batched_clients))) {
		client->batched = false;
		client_flush(client);
	}
	*timeout = -1;
	return FALSE;
}

/* Never ready: prepare() does the work. */
static gboolean batch_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs batch_funcs = {
	.prepare = batch_prepare,
	.dispatch = batch_dispatch,
};

static gboolean client_free_idle(gpointer data)
{
	Client *client = data;

	g_byte_array_unref(client->in);
	g_queue_clear_full(&client->out, (GDestroyNotify)out_line_free);
	listener_list_clear(&client->listeners);
	g_free(client->settled_ids);
	g_free(client);
	return G_SOURCE_REMOVE;
}

void server_client_close(Client *client, const char *why)
{
	if (client->dead)
		return;
	client->dead = true;
	/* Debug: a client per `gattctl get` each second is 86400 lines a day; limits and errors warn by themselves. */
	log_debug("client %u (pid %d) disconnected: %s", client->id, (int)client->pid, why);
	if (client->batched)
		g_queue_remove(&batched_clients, client);
	client->batched = false;
	g_clear_pointer(&client->watch_chars, g_hash_table_unref);
	g_clear_handle_id(&client->in_source, g_source_remove);
	g_clear_handle_id(&client->out_source, g_source_remove);
	g_clear_handle_id(&client->resume_source, g_source_remove);
	g_clear_handle_id(&client->hup_source, g_source_remove);
	close(client->fd);
	client->fd = -1;
	g_idle_add(client_free_idle, client);
	/* The owner takes back the writes still queued (server_client_take_write), then the rest goes. */
	LISTENERS_REPORT(&client->listeners, ServerClientListener, closed, client);
	g_queue_clear_full(&client->out, (GDestroyNotify)out_line_free);
	client->out_bytes = 0;
	client->out_event_bytes = 0;
	client->out_offset = 0;
}

CapturedWrite *server_client_take_write(Client *client, char **ret_char_id)
{
	OutLine *ol;

	while ((ol = g_queue_pop_tail(&client->out))) {
		CapturedWrite *w = g_steal_pointer(&ol->write);

		if (w)
			*ret_char_id = g_steal_pointer(&ol->write_char);
		out_line_free(ol);
		if (w)
			return w;
	}
	return NULL;
}

static gboolean client_writable(gint fd, GIOCondition cond, gpointer data);
static gboolean client_resume(gpointer data);

/* More than MaxClientQueue bytes (replies and events) wait for client. */
static bool client_over_queue(Client *client)
{
	return client->out_bytes > client->opts->max_queue;
}

/* Every request of client is answered: nothing queued, no next-write waiting. */
static bool client_answered(Client *client)
{
	return client->out.length == 0 && !client->waiting_on && client->n_owed == 0;
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
			server_client_close(client, g_strerror(errno));
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
		server_client_close(client, client->closing_why);
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

/* Queue ol and write what we can (later: before the loop sleeps). Returns false if the client was closed. */
static bool client_queue_line(Client *client, OutLine *ol, bool later)
{
	g_queue_push_tail(&client->out, ol);
	client->out_bytes += ol->len;
	if (ol->event)
		client->out_event_bytes += ol->len;
	/* Corked and batched lines wait for one send, unless they pile up: then the socket takes what it can now. */
	if ((!client->corked && !later) || client_over_queue(client))
		return client_flush(client);
	return true;
}

static void client_queue_event(Client *client, char *data, size_t len, bool later)
{
	OutLine *ol;

	if (client->dead) {
		g_free(data);
		return;
	}
	ol = out_line_new(data, len);
	ol->event = true;
	if (!client_queue_line(client, ol, later))
		return;
	if (client->out_event_bytes > client->opts->max_queue) {
		g_autofree char *why = g_strdup_printf("not reading: %zu bytes queued (limit %zu) in events it did "
		                                       "not take, %zu bytes in all", client->out_event_bytes,
		                                       client->opts->max_queue, client->out_bytes);

		log_warning("client %u (pid %d) %s; disconnecting it", client->id, (int)client->pid, why);
		server_client_close(client, why);
	}
}

void server_client_send_event(Client *client, char *line)
{
	client_queue_event(client, line, strlen(line), false);
}

/* Queue the event (len bytes of data, taken) to go out before the main loop sleeps. */
static void client_queue_batched(Client *client, char *data, size_t len)
{
	if (client->dead) {
		g_free(data);
		return;
	}
	if (!batch_source) {
		batch_source = g_source_new(&batch_funcs, sizeof(GSource));
		/* GLib prepares no source of lower priority than one found ready: at HIGH, every iteration. */
		g_source_set_priority(batch_source, G_PRIORITY_HIGH);
		g_source_attach(batch_source, NULL);
	}
	if (!client->batched) {
		g_queue_push_tail(&batched_clients, client);
		client->batched = true;
	}
	client_queue_event(client, data, len, true);
}

void server_client_send_event_batched(Client *client, char *line)
{
	client_queue_batched(client, line, strlen(line));
}

void server_client_send(Client *client, char *line)
{
	if (client->dead) {
		g_free(line);
		return;
	}
	client_queue_line(client, out_line_new(line, strlen(line)), false);
}

void server_client_send_frames(Client *client, GByteArray *frame, ServerFrameKind kind)
{
	size_t len = frame->len;
	char *data = (char *)g_byte_array_free(frame, FALSE);

	switch (kind) {
	case SERVER_FRAME_REPLY:
		if (client->dead)
			g_free(data);
		else
			client_queue_line(client, out_line_new(data, len), false);
		break;
	case SERVER_FRAME_EVENT:
		client_queue_event(client, data, len, false);
		break;
	case SERVER_FRAME_BATCHED:
		client_queue_batched(client, data, len);
		break;
	}
}

void server_client_send_error_frame(Client *client, uint64_t request, const char *code, const char *message)
{
	GByteArray *frame = g_byte_array_new();

	frame_put_error(frame, request, code, message);
	server_client_send_frames(client, frame, SERVER_FRAME_REPLY);
}

void server_client_send_error(Client *client, const json_t *id, const char *code, const char *fmt, ...)
{
	g_autofree char *message = NULL;
	va_list ap;

	va_start(ap, fmt);
	message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	server_client_send(client, proto_error_line(id, code, message));
}

void server_client_send_write(Client *client, char *line, CapturedWrite *w, const char *char_id)
{
	OutLine *ol = out_line_new(line, strlen(line));

	ol->write = w;
	ol->write_char = g_strdup(char_id);
	client_queue_line(client, ol, false);
}

/* A closing client closed its end entirely: what it is still owed cannot reach it. */
static gboolean client_hung_up(gint fd, GIOCondition cond, gpointer data)
{
	Client *client = data;

	client->hup_source = 0;
	server_client_close(client, client->waiting_on ? "closed the connection while waiting in next-write"
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
		         "is answered", client->id, (int)client->pid, client->waiting_on->cfg->id);
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
	          client->opts->max_queue);
}

/*
 * On a handler channel: hand over the frame at start of what client sent and set *ret_used
 * to its bytes. Returns false when there is none yet, or when its size is 0 or over
 * MaxLineLength: then the stream cannot be followed, and the client is closed once told.
 */
static bool client_next_frame(Client *client, size_t start, size_t *ret_used)
{
	size_t max = client->opts->max_line;
	const uint8_t *body = NULL;
	size_t len = 0;
	int r = frame_next(client->in->data + start, client->in->len - start, max, &body, &len, ret_used);
	g_autoptr(GByteArray) error = NULL;
	g_autofree char *message = NULL;

	if (r > 0) {
		LISTENERS_REPORT(&client->listeners, ServerClientListener, frame, client, body, len);
		return true;
	}
	if (r == 0)
		return false;
	message = len ? g_strdup_printf("frame of %zu bytes, over MaxLineLength (%zu); closing the connection", len, max)
	              : g_strdup("frame of size 0 (a frame holds at least its type); closing the connection");
	log_warning("client %u (pid %d) sent a %s", client->id, (int)client->pid, message);
	error = g_byte_array_new();
	frame_put_error(error, 0, len ? PROTO_ERR_LINE_TOO_LONG : PROTO_ERR_BAD_REQUEST, message);
	server_client_send_frames(client, g_steal_pointer(&error), SERVER_FRAME_REPLY);
	if (!client->dead)
		client_close_when_flushed(client, len ? "sent a frame over MaxLineLength" : "sent a frame of size 0");
	return false;
}

static void client_process_input(Client *client)
{
	size_t max_line = client->opts->max_line;
	size_t start = 0;

	while (!client->dead && !client->closing) {
		const uint8_t *nl;
		size_t len;

		if (client_over_queue(client)) {
			client_hold(client);
			break;
		}
		/* A `handle` with frames turns the connection into a handler channel from the next byte on. */
		if (client->frames) {
			size_t used;

			if (!client_next_frame(client, start, &used))
				break;
			start += used;
			continue;
		}
		nl = memchr(client->in->data + start, '\n', client->in->len - start);
		if (!nl)
			break;
		len = (size_t)(nl - (client->in->data + start));
		if (len > max_line)
			break;
		LISTENERS_REPORT(&client->listeners, ServerClientListener, line, client,
		                 (const char *)client->in->data + start, len);
		start += len + 1;
	}
	if (client->dead)
		return;
	g_byte_array_remove_range(client->in, 0, (guint)start);

	if (!client->frames && !client->held && !client->closing && client->in->len > max_line) {
		log_warning("client %u (pid %d) sent a line over %zu bytes; closing it", client->id, (int)client->pid,
		            max_line);
		server_client_send(client, proto_error_line(NULL, PROTO_ERR_LINE_TOO_LONG,
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
			server_client_close(client, g_strerror(errno));
			return G_SOURCE_REMOVE;
		}
		if (n == 0) {
			/* POLLHUP too: both directions are shut, nothing pending can reach it any more. */
			if ((cond & G_IO_HUP) && (client->waiting_on || client->n_owed || client->out.length > 0)) {
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

Client *server_client_new(Server *server, const ServerOptions *opts, unsigned id, int fd, const struct ucred *cred)
{
	Client *client = g_new0(Client, 1);

	client->server = server;
	client->opts = opts;
	listener_list_init(&client->listeners);
	client->id = id;
	client->fd = fd;
	client->pid = cred->pid;
	client->uid = cred->uid;
	client->in = g_byte_array_new();
	g_queue_init(&client->out);
	client->in_source = fd_source_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, client_readable, client, NULL);
	return client;
}

LISTENERS_DEFINE_ADD_REMOVE(Client, server_client, ServerClientListener)
