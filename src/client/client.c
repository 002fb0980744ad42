/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client.c: one connection to gattd: the socket, the outgoing buffer, the queue of
 * received lines, and the blocking waits (call, wait_event, flush) built on them.
 *
 * Everything goes through the queue: a reply or event that arrives while the caller
 * waits for something else is kept in arrival order, so the raw layer and the
 * blocking helpers can be mixed on one connection without losing lines.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* secure_getenv(); the build defines it, standalone builds may not */
#endif
#include "client-private.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* On the stack, so modest: the library may run on threads with small stacks. */
#define READ_CHUNK (16 * 1024)
/* 4 MiB per gattd_client_process() call, so a flood can't starve the caller's
 * other sources; poll() reports the rest. */
#define MAX_READS_PER_PROCESS 256
/* Calls that timed out and whose late replies are still to be dropped. */
#define MAX_ABANDONED 64
/* connect() blocks while gattd's listen backlog is full; a hung gattd must not
 * hang its clients forever. */
#define CONNECT_TIMEOUT_S 5

typedef bool (*ClientMatch)(const ClientMessage *m, const void *data);

const char *gattd_client_default_socket(void)
{
	const char *path = secure_getenv("GATTD_SOCKET");

	return path && *path ? path : GATTD_CLIENT_DEFAULT_SOCKET;
}

/* ---- lifecycle ---- */

static int connect_unix(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval timeout = { .tv_sec = CONNECT_TIMEOUT_S };
	size_t len = strlen(path);
	int fd, flags;

	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, len + 1);

	/* Blocking for the connect only: a Unix connect() either completes at once or
	 * waits for backlog room, which SO_SNDTIMEO bounds. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	while (connect(fd, (const struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int r = -errno;

		if (r == -EINTR)
			continue;
		if (r == -EISCONN) /* an interrupted attempt completed after all */
			break;
		close(fd);
		return r;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

int gattd_client_connect(const char *path, GattdClient **ret)
{
	g_autoptr(GattdClient) c = NULL;
	int fd;

	if (!ret)
		return -EINVAL;
	fd = connect_unix(path ? path : gattd_client_default_socket());
	if (fd < 0)
		return fd;

	c = g_new0(GattdClient, 1);
	c->fd = fd;
	c->out = g_byte_array_new();
	line_reader_init(&c->in, GATTD_CLIENT_MAX_LINE_LENGTH);
	g_queue_init(&c->messages);
	c->abandoned = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	*ret = g_steal_pointer(&c);
	return 0;
}

static void client_clear_error(GattdClient *c)
{
	g_clear_pointer(&c->error_code, g_free);
	g_clear_pointer(&c->error_message, g_free);
}

void gattd_client_free(GattdClient *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->out)
		g_byte_array_unref(c->out);
	line_reader_clear(&c->in);
	g_queue_clear_full(&c->messages, (GDestroyNotify)client_message_free);
	if (c->abandoned)
		g_array_unref(c->abandoned);
	client_clear_error(c);
	g_free(c);
}

int gattd_client_get_fd(GattdClient *c)
{
	return c ? c->fd : -EINVAL;
}

/* The first failure sticks: later calls report what broke the connection. */
static int client_fail(GattdClient *c, int r)
{
	if (!c->broken)
		c->broken = r;
	return c->broken;
}

/* ---- received lines ---- */

static bool queue_full(const GattdClient *c)
{
	return c->messages.length >= GATTD_CLIENT_MAX_QUEUED_MESSAGES ||
	       c->queued_bytes >= GATTD_CLIENT_MAX_QUEUED_BYTES;
}

static bool abandoned_take(GattdClient *c, uint64_t id)
{
	for (guint i = 0; i < c->abandoned->len; i++) {
		if (g_array_index(c->abandoned, uint64_t, i) == id) {
			g_array_remove_index(c->abandoned, i);
			return true;
		}
	}
	return false;
}

static void abandon(GattdClient *c, uint64_t id)
{
	if (c->abandoned->len >= MAX_ABANDONED)
		g_array_remove_index(c->abandoned, 0);
	g_array_append_val(c->abandoned, id);
}

/* Move complete lines from the reader to the queue. Returns how many, or -errno. */
static int client_take_lines(GattdClient *c)
{
	int count = 0;

	for (;;) {
		ClientMessage *m;
		char *line;
		size_t len;
		int r = line_reader_next(&c->in, &line, &len);

		if (r == 0)
			return count;
		if (r < 0)
			return client_fail(c, r);
		r = client_message_new(line, len, &m);
		if (r < 0)
			return client_fail(c, r);
		if (m->kind == CLIENT_MESSAGE_REPLY && m->has_id && abandoned_take(c, m->id)) {
			client_message_free(m);
			continue;
		}
		g_queue_push_tail(&c->messages, m);
		c->queued_bytes += m->len;
		count++;
	}
}

int gattd_client_process(GattdClient *c)
{
	int count = 0;

	if (!c)
		return -EINVAL;
	if (c->broken)
		return c->broken;

	for (int i = 0; i < MAX_READS_PER_PROCESS; i++) {
		char buf[READ_CHUNK];
		ssize_t n;
		int r;

		if (queue_full(c))
			return count > 0 ? count : -ENOBUFS;
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return client_fail(c, errno == EPIPE ? -ECONNRESET : -errno);
		}
		if (n == 0)
			return client_fail(c, -ECONNRESET);
		line_reader_feed(&c->in, buf, (size_t)n);
		r = client_take_lines(c);
		if (r < 0)
			return r;
		count += r;
	}
	return count;
}

static ClientMessage *queue_take(GattdClient *c, ClientMatch match, const void *data)
{
	for (GList *l = c->messages.head; l; l = l->next) {
		ClientMessage *m = l->data;

		if (match(m, data)) {
			g_queue_delete_link(&c->messages, l);
			c->queued_bytes -= m->len;
			return m;
		}
	}
	return NULL;
}

static bool match_any(G_GNUC_UNUSED const ClientMessage *m, G_GNUC_UNUSED const void *data)
{
	return true;
}

static bool match_event(const ClientMessage *m, G_GNUC_UNUSED const void *data)
{
	return m->kind == CLIENT_MESSAGE_EVENT;
}

static bool match_handler_request(const ClientMessage *m, G_GNUC_UNUSED const void *data)
{
	return m->kind == CLIENT_MESSAGE_EVENT && m->handler_request;
}

static bool match_pairing_request(const ClientMessage *m, G_GNUC_UNUSED const void *data)
{
	return m->kind == CLIENT_MESSAGE_EVENT && m->pairing_request;
}

char *gattd_client_pop_message(GattdClient *c)
{
	g_autoptr(ClientMessage) m = c ? queue_take(c, match_any, NULL) : NULL;

	/* g_malloc() is the system malloc() since GLib 2.46, so the caller's free() fits. */
	return m ? g_steal_pointer(&m->line) : NULL;
}

/* ---- requests ---- */

static bool out_pending(const GattdClient *c)
{
	return c->out_start < c->out->len;
}

int gattd_client_has_pending_output(GattdClient *c)
{
	return c && out_pending(c) ? 1 : 0;
}

/* gattd may have said why it closed (too-many-clients, line-too-long) before the
 * write failed: receive that line so a waiting call can report it. */
static int client_lost_on_write(GattdClient *c, int r)
{
	if (r == -EPIPE || r == -ECONNRESET) {
		(void)gattd_client_process(c);
		r = -ECONNRESET;
	}
	return client_fail(c, r);
}

/* Write what the socket takes now. 0 (maybe with bytes left) or -errno. */
static int client_write_some(GattdClient *c)
{
	if (c->broken)
		return c->broken;
	while (out_pending(c)) {
		ssize_t n = send(c->fd, c->out->data + c->out_start, c->out->len - c->out_start,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return client_lost_on_write(c, -errno);
		}
		c->out_start += (size_t)n;
	}
	g_byte_array_set_size(c->out, 0);
	c->out_start = 0;
	return 0;
}

/* Give request the next id and append it to the outgoing buffer (nothing written yet). */
static int client_queue_request(GattdClient *c, json_t *request, uint64_t *ret_id)
{
	g_autofree char *text = NULL; /* malloc()ed by jansson; g_free() is free() */
	uint64_t id;
	size_t len;

	if (c->broken)
		return c->broken;
	id = c->last_id + 1;
	if (json_object_set_new(request, "id", json_integer((json_int_t)id)) < 0)
		return -ENOMEM;
	text = json_dumps(request, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	len = strlen(text);

	if (c->out->len - c->out_start + len + 1 > GATTD_CLIENT_MAX_OUTGOING_BYTES)
		return -ENOBUFS;
	g_byte_array_append(c->out, (const guint8 *)text, (guint)len);
	g_byte_array_append(c->out, (const guint8 *)"\n", 1);
	c->last_id = id;
	*ret_id = id;
	return 0;
}

/* The caller's request as an object the library can give an "id", or NULL if text is not a JSON object. */
static json_t *parse_request(const char *text)
{
	return text ? jread_object(text, strlen(text), NULL) : NULL;
}

int gattd_client_send(GattdClient *c, const char *request_json, uint64_t *ret_id)
{
	g_autoptr(json_t) request = NULL;
	uint64_t id;
	int r;

	if (!c)
		return -EINVAL;
	request = parse_request(request_json);
	if (!request)
		return -EINVAL;
	r = client_queue_request(c, request, &id);
	if (r < 0)
		return r;
	/* The request is queued even if the socket takes none of it now: the id is valid. */
	if (ret_id)
		*ret_id = id;
	return client_write_some(c);
}

/* ---- waiting ---- */

static int64_t deadline_after(int timeout_ms)
{
	if (timeout_ms < 0)
		return INT64_MAX;
	return g_get_monotonic_time() + (int64_t)timeout_ms * 1000;
}

/* poll() timeout until deadline: -1 for none, else at least 0, rounded up. */
static int remaining_ms(int64_t deadline)
{
	int64_t left;

	if (deadline == INT64_MAX)
		return -1;
	left = deadline - g_get_monotonic_time();
	if (left <= 0)
		return 0;
	return (int)MIN((left + 999) / 1000, (int64_t)INT_MAX);
}

/*
 * Do I/O until a queued message satisfies match (it is then taken into *ret), or,
 * with match NULL, until the outgoing buffer is written. -ETIMEDOUT at deadline.
 * The queue is checked before the connection's state, so a line that arrived
 * just before the end (an error telling why) is still found.
 */
static int client_wait(GattdClient *c, int64_t deadline, ClientMatch match, const void *data, ClientMessage **ret)
{
	bool last_look = false;

	for (;;) {
		struct pollfd pfd = { .fd = c->fd };
		int ms, r;

		if (match) {
			ClientMessage *m = queue_take(c, match, data);

			if (m) {
				*ret = m;
				return 0;
			}
		} else if (!out_pending(c)) {
			return 0;
		}
		if (c->broken)
			return c->broken;
		if (client_write_some(c) < 0)
			continue; /* broken now: look at what arrived first */
		if (!match && !out_pending(c))
			return 0;

		ms = remaining_ms(deadline);
		if (ms == 0) {
			/* Past the deadline, still take what is there already, once. */
			if (last_look)
				return -ETIMEDOUT;
			last_look = true;
		}
		pfd.events = (queue_full(c) ? 0 : POLLIN) | (out_pending(c) ? POLLOUT : 0);
		if (pfd.events == 0)
			return -ENOBUFS; /* nothing to write and no room to read into */
		r = poll(&pfd, 1, ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0) {
			last_look = true;
			if (ms == 0 || remaining_ms(deadline) == 0)
				return -ETIMEDOUT;
			continue;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
			(void)gattd_client_process(c); /* failures are in c->broken, seen above */
	}
}

int gattd_client_flush(GattdClient *c, int timeout_ms)
{
	if (!c)
		return -EINVAL;
	return client_wait(c, deadline_after(timeout_ms), NULL, NULL, NULL);
}

typedef struct {
	bool sent;
	uint64_t id;
} CallMatch;

/* The reply to our request, or an error line without id: gattd's word on the
 * whole connection (too-many-clients, line-too-long), which ends every call. */
static bool match_reply(const ClientMessage *m, const void *data)
{
	const CallMatch *want = data;

	if (m->kind != CLIENT_MESSAGE_REPLY)
		return false;
	if (m->has_id)
		return want->sent && m->id == want->id;
	return !m->ok;
}

static int client_record_error(GattdClient *c, json_t *reply)
{
	json_t *error = json_object_get(reply, "error");

	if (!json_is_object(error))
		return -EPROTO;
	c->error_code = g_strdup(jread_string(error, "code"));
	c->error_message = g_strdup(jread_string(error, "message"));
	return gattd_client_errno_from_code(c->error_code);
}

int client_call_object(GattdClient *c, json_t *request, int timeout_ms, char **ret_line, json_t **ret_reply)
{
	g_autoptr(ClientMessage) m = NULL;
	g_autoptr(json_t) root = NULL;
	int64_t deadline = deadline_after(timeout_ms);
	CallMatch want = { 0 };
	int r;

	if (!c || !request)
		return -EINVAL;
	client_clear_error(c);

	r = client_queue_request(c, request, &want.id);
	if (r < 0 && !c->broken)
		return r;
	want.sent = r == 0;
	/* Even on a broken connection, wait: it returns at once, with gattd's parting
	 * error line if one was received. */
	r = client_wait(c, deadline, match_reply, &want, &m);
	if (r < 0) {
		if (r == -ETIMEDOUT && want.sent)
			abandon(c, want.id);
		return r;
	}

	root = jread_object(m->line, m->len, NULL);
	if (!root)
		return -EPROTO; /* parsed on arrival already; cannot happen */
	r = m->ok ? 0 : client_record_error(c, root);
	if (ret_line)
		*ret_line = g_steal_pointer(&m->line);
	if (ret_reply)
		*ret_reply = g_steal_pointer(&root);
	return r;
}

int gattd_client_call(GattdClient *c, const char *request_json, int timeout_ms, char **ret_reply_json)
{
	g_autoptr(json_t) request = NULL;

	if (!c)
		return -EINVAL;
	request = parse_request(request_json);
	if (!request)
		return -EINVAL;
	return client_call_object(c, request, timeout_ms, ret_reply_json, NULL);
}

static int wait_event(GattdClient *c, int timeout_ms, ClientMatch match, char **ret_line)
{
	g_autoptr(ClientMessage) m = NULL;
	int r;

	if (!c || !ret_line)
		return -EINVAL;
	r = client_wait(c, deadline_after(timeout_ms), match, NULL, &m);
	if (r < 0)
		return r;
	*ret_line = g_steal_pointer(&m->line);
	return 0;
}

int gattd_client_wait_event(GattdClient *c, int timeout_ms, char **ret_event_json)
{
	return wait_event(c, timeout_ms, match_event, ret_event_json);
}

int client_wait_handler_request(GattdClient *c, int timeout_ms, char **ret_line)
{
	return wait_event(c, timeout_ms, match_handler_request, ret_line);
}

int client_wait_pairing_request(GattdClient *c, int timeout_ms, char **ret_line)
{
	return wait_event(c, timeout_ms, match_pairing_request, ret_line);
}

const char *gattd_client_error_code(GattdClient *c)
{
	return c ? c->error_code : NULL;
}

const char *gattd_client_error_message(GattdClient *c)
{
	return c ? c->error_message : NULL;
}
