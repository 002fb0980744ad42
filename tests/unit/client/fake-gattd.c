/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-gattd.c: the scripted fake gattd of the client library's unit tests
 * (fake-gattd.h).
 */
#include "fake-gattd.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- the fake server (runs in its own thread) ---- */

void srv_fail(FakeServer *srv, const char *format, ...)
{
	va_list ap;

	if (srv->failure)
		return;
	va_start(ap, format);
	srv->failure = g_strdup_vprintf(format, ap);
	va_end(ap);
}

/*
 * text[0..len) as a JSON object, read as strictly as gattd reads requests
 * (shared/jread.h: RFC 8259, UTF-8 checked, a member name twice refused), or NULL.
 */
json_t *read_object(const char *text, size_t len, json_error_t *error)
{
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, error);

	if (root && !json_is_object(root)) {
		json_decref(root);
		snprintf(error->text, sizeof(error->text), "not an object");
		return NULL;
	}
	return root;
}

/* The next request as an object (also recorded), or NULL at end of stream. */
json_t *srv_read_request(FakeServer *srv)
{
	for (;;) {
		char *nl = memchr(srv->in->str, '\n', srv->in->len);
		char buf[4096];
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - srv->in->str);
			g_autofree char *line = g_strndup(srv->in->str, len);
			json_error_t error;
			json_t *request;

			g_string_erase(srv->in, 0, (gssize)len + 1);
			/* The whole line: a NUL byte in it must not pass for its end. */
			request = read_object(line, len, &error);
			if (!request) {
				srv_fail(srv, "request is not a JSON object (%s): %s", error.text, line);
				return NULL;
			}
			g_ptr_array_add(srv->requests, request);
			return request;
		}
		n = recv(srv->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		g_string_append_len(srv->in, buf, n);
	}
}

gint64 srv_id(FakeServer *srv, json_t *request)
{
	json_t *id = json_object_get(request, "id");

	if (!json_is_integer(id)) {
		srv_fail(srv, "request without an integer id");
		return -1;
	}
	return json_integer_value(id);
}

void srv_write_len(FakeServer *srv, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(srv->fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* the client went away; the test judges from its side */
		data += n;
		len -= (size_t)n;
	}
}

void srv_write(FakeServer *srv, const char *text)
{
	srv_write_len(srv, text, strlen(text));
}

void srv_printf(FakeServer *srv, const char *format, ...)
{
	g_autofree char *text = NULL;
	va_list ap;

	va_start(ap, format);
	text = g_strdup_vprintf(format, ap);
	va_end(ap);
	srv_write(srv, text);
}

/* {"id":ID,"ok":true<fields>}: fields is "" or starts with a comma. */
void srv_reply(FakeServer *srv, gint64 id, const char *fields)
{
	srv_printf(srv, "{\"id\":%" G_GINT64_FORMAT ",\"ok\":true%s}\n", id, fields);
}

void srv_error(FakeServer *srv, gint64 id, const char *code, const char *message)
{
	srv_printf(srv, "{\"id\":%" G_GINT64_FORMAT ",\"ok\":false,\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}\n",
	           id, code, message);
}

/* Keep the connection open until the client closes it. */
void srv_wait_for_close(FakeServer *srv)
{
	while (srv_read_request(srv))
		;
}

static gpointer server_thread(gpointer data)
{
	FakeServer *srv = data;

	srv->fd = accept(srv->listen_fd, NULL, NULL);
	if (srv->fd < 0) {
		srv_fail(srv, "accept: %s", g_strerror(errno));
		return NULL;
	}
	srv->script(srv);
	/* A script that returns ends the connection, as gattd closing it. */
	close(srv->fd);
	srv->fd = -1;
	return NULL;
}

FakeServer *server_start(ServerScript script)
{
	FakeServer *srv = g_new0(FakeServer, 1);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	srv->dir = g_dir_make_tmp("test-client-XXXXXX", NULL);
	assert_non_null(srv->dir);
	srv->path = g_build_filename(srv->dir, "gattd.sock", NULL);
	assert_true(strlen(srv->path) < sizeof(addr.sun_path));
	strcpy(addr.sun_path, srv->path);
	srv->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(srv->listen_fd >= 0);
	assert_int_equal(bind(srv->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(srv->listen_fd, 4), 0);
	srv->fd = -1;
	srv->script = script;
	srv->in = g_string_new(NULL);
	srv->requests = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
	srv->thread = g_thread_new("fake-gattd", server_thread, srv);
	return srv;
}

GattdClient *server_connect(FakeServer *srv)
{
	GattdClient *c = NULL;

	assert_int_equal(gattd_client_connect(srv->path, &c), 0);
	assert_non_null(c);
	return c;
}

/* Close the client (which ends any script waiting to read), wait for the server, check it. */
void server_finish(FakeServer *srv, GattdClient *c)
{
	gattd_client_free(c);
	g_thread_join(g_steal_pointer(&srv->thread));
	if (srv->failure)
		fail_msg("fake gattd: %s", srv->failure);
}

void server_free(FakeServer *srv)
{
	if (!srv)
		return;
	if (srv->thread)
		g_thread_join(srv->thread);
	close(srv->listen_fd);
	g_unlink(srv->path);
	g_rmdir(srv->dir);
	g_free(srv->path);
	g_free(srv->dir);
	g_string_free(srv->in, TRUE);
	g_ptr_array_unref(srv->requests);
	g_free(srv->failure);
	g_free(srv);
}

json_t *recorded(FakeServer *srv, guint i)
{
	assert_true(i < srv->requests->len);
	return g_ptr_array_index(srv->requests, i);
}

/* A line the library handed over, as an object; it lives until the next parse(). */
json_t *parse(const char *text)
{
	static json_t *root;
	json_error_t error;

	g_clear_pointer(&root, json_decref);
	root = read_object(text, strlen(text), &error);
	if (!root)
		fail_msg("not a JSON object (%s): %s", error.text, text);
	return root;
}

/* Members that must be there with their type: a missing or mistyped one fails the test. */
const char *string_member(json_t *obj, const char *name)
{
	json_t *member = json_object_get(obj, name);

	if (!json_is_string(member))
		fail_msg("\"%s\" is %s, not a string", name, member ? "of another type" : "missing");
	return json_string_value(member);
}

gint64 int_member(json_t *obj, const char *name)
{
	json_t *member = json_object_get(obj, name);

	if (!json_is_integer(member))
		fail_msg("\"%s\" is %s, not an integer", name, member ? "of another type" : "missing");
	return json_integer_value(member);
}

bool bool_member(json_t *obj, const char *name)
{
	json_t *member = json_object_get(obj, name);

	if (!json_is_boolean(member))
		fail_msg("\"%s\" is %s, not a boolean", name, member ? "of another type" : "missing");
	return json_is_true(member);
}

bool has_member(json_t *obj, const char *name)
{
	return json_object_get(obj, name) != NULL;
}
