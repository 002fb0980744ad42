/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-gattd.h: a scripted fake gattd for the client library's unit tests
 * (test-client.c, test-client-typed.c).
 *
 * Each test starts a server thread on a Unix socket in a temporary directory. The
 * thread runs a script: read request lines, write canned replies and events,
 * byte by byte if need be. Scripts never assert (cmocka must only be used from
 * the test's thread); they record a failure text and the requests they saw, and
 * the test checks both after the thread ended.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>

#include <gattd/client.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_t, json_decref)

typedef struct FakeServer FakeServer;
typedef void (*ServerScript)(FakeServer *srv);

struct FakeServer {
	char *dir;
	char *path;
	int listen_fd;
	int fd;              /* the accepted client */
	GThread *thread;
	ServerScript script;
	GString *in;         /* received bytes not yet returned as lines */
	GPtrArray *requests; /* json_t* (an object) of every request line read, in order */
	char *failure;       /* set by the script when the client did something unexpected */
};

/* ---- the script's side (runs in the server thread) ---- */

/* Record what the client did wrong (the first one only); the test fails on it. */
void srv_fail(FakeServer *srv, const char *format, ...) G_GNUC_PRINTF(2, 3);
/*
 * text[0..len) as a JSON object, read as strictly as gattd reads requests
 * (shared/jread.h: RFC 8259, UTF-8 checked, a member name twice refused), or NULL.
 */
json_t *read_object(const char *text, size_t len, json_error_t *error);
/* The next request as an object (also recorded), or NULL at end of stream. */
json_t *srv_read_request(FakeServer *srv);
gint64 srv_id(FakeServer *srv, json_t *request);
void srv_write_len(FakeServer *srv, const char *data, size_t len);
void srv_write(FakeServer *srv, const char *text);
void srv_printf(FakeServer *srv, const char *format, ...) G_GNUC_PRINTF(2, 3);
/* {"id":ID,"ok":true<fields>}: fields is "" or starts with a comma. */
void srv_reply(FakeServer *srv, gint64 id, const char *fields);
void srv_error(FakeServer *srv, gint64 id, const char *code, const char *message);
/* Keep the connection open until the client closes it. */
void srv_wait_for_close(FakeServer *srv);

/* ---- the test's side ---- */

FakeServer *server_start(ServerScript script);
GattdClient *server_connect(FakeServer *srv);
/* Close the client (which ends any script waiting to read), wait for the server, check it. */
void server_finish(FakeServer *srv, GattdClient *c);
void server_free(FakeServer *srv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeServer, server_free)

/* The i-th request the server read. */
json_t *recorded(FakeServer *srv, guint i);
/* A line the library handed over, as an object; it lives until the next parse(). */
json_t *parse(const char *text);
/* Members that must be there with their type: a missing or mistyped one fails the test. */
const char *string_member(json_t *obj, const char *name);
gint64 int_member(json_t *obj, const char *name);
bool bool_member(json_t *obj, const char *name);
bool has_member(json_t *obj, const char *name);
