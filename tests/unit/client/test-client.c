/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-client.c: libgattd-client against a scripted fake gattd (fake-gattd.h): the
 * connection, the raw layer and the typed calls up to 0.2; test-client-typed.c has
 * the typed results of 0.3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gattd/client.h>

#include "fake-gattd.h"

/* ---- replies are matched by id ---- */

static void script_stray_reply_then_the_right_one(FakeServer *srv)
{
	gint64 id = srv_id(srv, srv_read_request(srv));

	srv_reply(srv, id + 100, ",\"char\":\"stray\"");
	srv_reply(srv, id, ",\"char\":\"battery/level\",\"value\":\"64\",\"typed\":100");
	srv_wait_for_close(srv);
}

static void test_call_returns_the_reply_with_its_own_id(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_stray_reply_then_the_right_one);
	GattdClient *c = server_connect(srv);
	char *reply = NULL, *stray;

	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"get\",\"char\":\"battery/level\"}", 5000, &reply), 0);
	assert_string_equal(string_member(parse(reply), "char"), "battery/level");
	assert_null(gattd_client_error_code(c));
	free(reply);

	/* The reply to someone else's id stays for the raw layer. */
	stray = gattd_client_pop_message(c);
	assert_non_null(stray);
	assert_string_equal(string_member(parse(stray), "char"), "stray");
	free(stray);
	assert_null(gattd_client_pop_message(c));
	server_finish(srv, c);

	assert_string_equal(string_member(recorded(srv, 0), "cmd"), "get");
}

static void script_echo_two(FakeServer *srv)
{
	gint64 first = srv_id(srv, srv_read_request(srv));
	gint64 second = srv_id(srv, srv_read_request(srv));

	srv_reply(srv, first, "");
	srv_reply(srv, second, "");
	srv_wait_for_close(srv);
}

static void test_send_gives_each_request_a_fresh_id_replacing_the_callers(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_echo_two);
	GattdClient *c = server_connect(srv);
	uint64_t id1 = 0, id2 = 0;
	char *lines[2] = { NULL, NULL };
	int got = 0;

	assert_int_equal(gattd_client_send(c, "{\"cmd\":\"hello\",\"id\":\"mine\"}", &id1), 0);
	assert_int_equal(gattd_client_send(c, "{\"cmd\":\"status\"}", &id2), 0);
	assert_true(id1 > 0);
	assert_true(id2 > id1);
	assert_int_equal(gattd_client_flush(c, 5000), 0);
	assert_int_equal(gattd_client_has_pending_output(c), 0);

	/* The caller's own main loop: poll the fd, process, pop. */
	while (got < 2) {
		struct pollfd pfd = { .fd = gattd_client_get_fd(c), .events = POLLIN };
		char *line;

		assert_int_equal(poll(&pfd, 1, 5000), 1);
		assert_true(gattd_client_process(c) >= 0);
		while (got < 2 && (line = gattd_client_pop_message(c)))
			lines[got++] = line;
	}
	assert_int_equal(int_member(parse(lines[0]), "id"), (gint64)id1);
	assert_int_equal(int_member(parse(lines[1]), "id"), (gint64)id2);
	free(lines[0]);
	free(lines[1]);
	server_finish(srv, c);

	assert_int_equal(int_member(recorded(srv, 0), "id"), (gint64)id1);
}

static void test_send_refuses_what_is_not_a_json_object(void **state)
{
	g_autoptr(FakeServer) srv = server_start(srv_wait_for_close);
	GattdClient *c = server_connect(srv);

	assert_int_equal(gattd_client_send(c, "[1,2]", NULL), -EINVAL);
	assert_int_equal(gattd_client_send(c, "{\"cmd\":", NULL), -EINVAL);
	assert_int_equal(gattd_client_call(c, "\"get\"", 100, NULL), -EINVAL);
	server_finish(srv, c);
	assert_int_equal(srv->requests->len, 0);
}

/* ---- events ---- */

static void script_events_before_reply(FakeServer *srv)
{
	gint64 id = srv_id(srv, srv_read_request(srv));

	srv_write(srv, "{\"event\":\"write\",\"char\":\"console/rx\",\"value\":\"6869\",\"offset\":0,\"device\":null}\n"
	               "{\"event\":\"unregistered\",\"reason\":\"adapter-down\"}\n");
	srv_reply(srv, id, ",\"chars\":null");
	srv_wait_for_close(srv);
}

static void test_events_arriving_before_a_reply_are_kept_for_wait_event(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_events_before_reply);
	GattdClient *c = server_connect(srv);
	char *reply = NULL, *event = NULL;

	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"watch\"}", 5000, &reply), 0);
	assert_true(bool_member(parse(reply), "ok"));
	free(reply);

	assert_int_equal(gattd_client_wait_event(c, 0, &event), 0);
	assert_string_equal(string_member(parse(event), "event"), "write");
	free(event);
	assert_int_equal(gattd_client_wait_event(c, 0, &event), 0);
	assert_string_equal(string_member(parse(event), "reason"), "adapter-down");
	free(event);

	event = NULL;
	assert_int_equal(gattd_client_wait_event(c, 50, &event), -ETIMEDOUT);
	assert_null(event);
	server_finish(srv, c);
}

static void script_event_unasked(FakeServer *srv)
{
	srv_write(srv, "{\"event\":\"adapter\",\"name\":\"hci0\",\"address\":\"00:AA:01:02:00:01\",\"powered\":true}\n");
	srv_wait_for_close(srv);
}

static void test_wait_event_with_zero_timeout_still_reads_the_socket(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_event_unasked);
	GattdClient *c = server_connect(srv);
	struct pollfd pfd = { .fd = gattd_client_get_fd(c), .events = POLLIN };
	char *event = NULL;

	/* The event sits in the socket, not yet read: a 0 timeout must still take it. */
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(gattd_client_wait_event(c, 0, &event), 0);
	assert_string_equal(string_member(parse(event), "name"), "hci0");
	free(event);
	assert_int_equal(gattd_client_wait_event(c, 0, &event), -ETIMEDOUT);
	server_finish(srv, c);
}

static void script_flood_then_reply(FakeServer *srv)
{
	gint64 id = srv_id(srv, srv_read_request(srv));
	const char *event = "{\"event\":\"confirm\",\"char\":\"a/b\"}\n";
	size_t len = strlen(event);
	g_autoptr(GString) batch = g_string_new(NULL);

	for (unsigned i = 0; i < 1024; i++)
		g_string_append_len(batch, event, len);
	/* One batch more than fits, so the reply is not in the read that fills the queue. */
	for (unsigned i = 0; i < GATTD_CLIENT_MAX_QUEUED_MESSAGES / 1024 + 1; i++)
		srv_write_len(srv, batch->str, batch->len);
	srv_reply(srv, id, ",\"which\":\"after the flood\"");
	srv_wait_for_close(srv);
}

static void test_full_queue_is_reported_instead_of_growing(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_flood_then_reply);
	GattdClient *c = server_connect(srv);
	unsigned events = 0;
	char *line, *reply = NULL;

	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"watch\"}", 20000, NULL), -ENOBUFS);
	assert_int_equal(gattd_client_process(c), -ENOBUFS);
	/* Once the caller takes what is queued, reading resumes and the reply arrives. */
	while (!reply) {
		struct pollfd pfd = { .fd = gattd_client_get_fd(c), .events = POLLIN };

		while ((line = gattd_client_pop_message(c))) {
			if (strstr(line, "\"event\""))
				events++;
			else
				reply = line;
			if (line != reply)
				free(line);
		}
		if (!reply) {
			assert_int_equal(poll(&pfd, 1, 5000), 1);
			assert_true(gattd_client_process(c) >= 0);
		}
	}
	assert_int_equal(events, GATTD_CLIENT_MAX_QUEUED_MESSAGES + 1024);
	assert_string_equal(string_member(parse(reply), "which"), "after the flood");
	free(reply);
	server_finish(srv, c);
}

/* ---- errors ---- */

static const struct {
	const char *code;
	int error;
} error_table[] = {
	{ "not-found", -ENOENT },       { "invalid-value", -EINVAL },   { "bad-request", -EBADMSG },
	{ "unknown-command", -ENOSYS }, { "not-supported", -EOPNOTSUPP }, { "not-capture", -ENOTTY },
	{ "busy", -EBUSY },             { "timeout", -ETIMEDOUT },      { "disconnected", -ENOTCONN },
	{ "too-many-clients", -EUSERS }, { "line-too-long", -EMSGSIZE }, { "shutting-down", -ESHUTDOWN },
	{ "not-handled", -EPERM },      { "expired", -ETIME },          { "failed", -EIO },
	{ "something-new", -EPROTO },
};

static void script_error_for_each_code(FakeServer *srv)
{
	for (size_t i = 0; i < G_N_ELEMENTS(error_table); i++) {
		g_autofree char *message = g_strdup_printf("message for %s", error_table[i].code);
		gint64 id = srv_id(srv, srv_read_request(srv));

		srv_error(srv, id, error_table[i].code, message);
	}
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), "");
	srv_wait_for_close(srv);
}

static void test_error_codes_map_to_errno_with_code_and_message_kept(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_error_for_each_code);
	GattdClient *c = server_connect(srv);

	for (size_t i = 0; i < G_N_ELEMENTS(error_table); i++) {
		g_autofree char *message = g_strdup_printf("message for %s", error_table[i].code);
		char *reply = NULL;

		assert_int_equal(gattd_client_call(c, "{\"cmd\":\"get\",\"char\":\"x\"}", 5000, &reply), error_table[i].error);
		assert_string_equal(gattd_client_error_code(c), error_table[i].code);
		assert_string_equal(gattd_client_error_message(c), message);
		/* The error reply itself is returned too. */
		assert_non_null(reply);
		assert_false(bool_member(parse(reply), "ok"));
		free(reply);
	}
	/* A later success clears the error. */
	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"hello\"}", 5000, NULL), 0);
	assert_null(gattd_client_error_code(c));
	assert_null(gattd_client_error_message(c));
	server_finish(srv, c);
}

static void test_each_error_code_has_its_own_errno(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(error_table); i++) {
		assert_int_equal(gattd_client_errno_from_code(error_table[i].code), error_table[i].error);
		for (size_t k = 0; k < i; k++)
			assert_int_not_equal(error_table[i].error, error_table[k].error);
	}
	assert_int_equal(gattd_client_errno_from_code(NULL), -EPROTO);
}

static void script_refuse_as_too_many_clients(FakeServer *srv)
{
	srv_write(srv, "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"too-many-clients\","
	               "\"message\":\"gattd serves at most MaxClients clients at once\"}}\n");
}

static void test_too_many_clients_line_answers_the_first_call(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_refuse_as_too_many_clients);
	GattdClient *c = server_connect(srv);

	struct pollfd pfd = { .fd = gattd_client_get_fd(c), .events = POLLIN };

	/* gattd's refusal arrives before the request is even written. */
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"status\"}", 5000, NULL), -EUSERS);
	assert_string_equal(gattd_client_error_code(c), "too-many-clients");
	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"status\"}", 5000, NULL), -ECONNRESET);
	assert_null(gattd_client_error_code(c));
	server_finish(srv, c);
}

/* ---- framing ---- */

#define SPLIT_REPLY_TAIL ",\"ok\":true,\"char\":\"dev/name\",\"value\":\"c3a9\",\"typed\":\"\xc3\xa9\"}\n"

static void script_reply_in_pieces(FakeServer *srv)
{
	gint64 id = srv_id(srv, srv_read_request(srv));
	g_autofree char *text = g_strdup_printf("{\"id\":%" G_GINT64_FORMAT SPLIT_REPLY_TAIL
	                                        "{\"event\":\"subscribed\",\"char\":\"dev/name\"}\n", id);
	const char *typed = strstr(text, "\xc3\xa9\"}");
	/* Cut inside the id, inside the two-byte "é", and just before the newline. */
	const char *cuts[] = { text + 3, typed + 1, typed + 3, text + strlen(text) - 5 };
	const char *from = text;

	for (size_t i = 0; i < G_N_ELEMENTS(cuts); i++) {
		srv_write_len(srv, from, (size_t)(cuts[i] - from));
		from = cuts[i];
		g_usleep(20 * 1000);
	}
	srv_write(srv, from);
	srv_wait_for_close(srv);
}

static void test_lines_split_across_reads_are_put_together(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_reply_in_pieces);
	GattdClient *c = server_connect(srv);
	char *reply = NULL, *event = NULL;

	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"get\",\"char\":\"dev/name\"}", 5000, &reply), 0);
	assert_string_equal(string_member(parse(reply), "typed"), "\xc3\xa9");
	assert_null(strchr(reply, '\n'));
	free(reply);
	assert_int_equal(gattd_client_wait_event(c, 5000, &event), 0);
	assert_string_equal(string_member(parse(event), "event"), "subscribed");
	free(event);
	server_finish(srv, c);
}

/* A reply whose whole line is exactly pad + the JSON around it. */
static void srv_write_padded_reply(FakeServer *srv, gint64 id, size_t line_len, bool newline)
{
	g_autofree char *head = g_strdup_printf("{\"id\":%" G_GINT64_FORMAT ",\"ok\":true,\"pad\":\"", id);
	const char *tail = "\"}";
	size_t pad = line_len - strlen(head) - strlen(tail);
	size_t chunk = 1024 * 1024;
	g_autofree char *as = g_malloc(chunk);

	memset(as, 'a', chunk);
	srv_write(srv, head);
	for (size_t done = 0; done < pad; done += chunk)
		srv_write_len(srv, as, MIN(chunk, pad - done));
	srv_write(srv, tail);
	if (newline)
		srv_write(srv, "\n");
}

static void script_line_at_limit(FakeServer *srv)
{
	srv_write_padded_reply(srv, srv_id(srv, srv_read_request(srv)), GATTD_CLIENT_MAX_LINE_LENGTH, true);
	srv_wait_for_close(srv);
}

static void test_line_at_the_limit_is_accepted(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_line_at_limit);
	GattdClient *c = server_connect(srv);
	char *reply = NULL;

	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"status\"}", 20000, &reply), 0);
	assert_int_equal(strlen(reply), GATTD_CLIENT_MAX_LINE_LENGTH);
	free(reply);
	server_finish(srv, c);
}

static void script_line_over_limit(FakeServer *srv)
{
	/* No newline ever comes: the client must give up once the line is too long,
	 * not buffer forever. Blocks once the client stops reading, until it closes. */
	srv_write_padded_reply(srv, srv_id(srv, srv_read_request(srv)), 2 * GATTD_CLIENT_MAX_LINE_LENGTH, false);
}

static void test_line_over_the_limit_makes_the_connection_unusable(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_line_over_limit);
	GattdClient *c = server_connect(srv);

	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"status\"}", 20000, NULL), -EMSGSIZE);
	/* Ours, not gattd's line-too-long. */
	assert_null(gattd_client_error_code(c));
	assert_int_equal(gattd_client_process(c), -EMSGSIZE);
	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"status\"}", 1000, NULL), -EMSGSIZE);
	server_finish(srv, c);
}

static void script_not_json(FakeServer *srv)
{
	srv_read_request(srv);
	srv_write(srv, "HTTP/1.1 400 Bad Request\n");
	srv_wait_for_close(srv);
}

static void test_a_line_that_is_not_json_is_a_protocol_error(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_not_json);
	GattdClient *c = server_connect(srv);

	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"status\"}", 5000, NULL), -EPROTO);
	server_finish(srv, c);
}

/* ---- end of stream and timeouts ---- */

static void script_event_then_close(FakeServer *srv)
{
	srv_read_request(srv);
	srv_write(srv, "{\"event\":\"unregistered\",\"reason\":\"shutdown\"}\n");
}

static void test_end_of_stream_is_connection_reset_after_what_arrived(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_event_then_close);
	GattdClient *c = server_connect(srv);
	char *event = NULL;

	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"status\"}", 5000, NULL), -ECONNRESET);
	assert_null(gattd_client_error_code(c));
	/* What came before the end is still there. */
	assert_int_equal(gattd_client_wait_event(c, 0, &event), 0);
	assert_string_equal(string_member(parse(event), "reason"), "shutdown");
	free(event);
	assert_int_equal(gattd_client_process(c), -ECONNRESET);
	assert_int_equal(gattd_client_wait_event(c, 1000, &event), -ECONNRESET);
	assert_int_equal(gattd_client_send(c, "{\"cmd\":\"status\"}", NULL), -ECONNRESET);
	server_finish(srv, c);
}

static void script_answer_late(FakeServer *srv)
{
	gint64 first = srv_id(srv, srv_read_request(srv));
	gint64 second = srv_id(srv, srv_read_request(srv));

	srv_reply(srv, first, ",\"which\":\"late\"");
	srv_reply(srv, second, ",\"which\":\"second\"");
	srv_wait_for_close(srv);
}

static void test_reply_arriving_after_its_call_timed_out_is_dropped(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_answer_late);
	GattdClient *c = server_connect(srv);
	char *reply = NULL;

	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"status\"}", 50, &reply), -ETIMEDOUT);
	assert_null(reply);
	assert_null(gattd_client_error_code(c));
	assert_int_equal(gattd_client_call(c, "{\"cmd\":\"status\"}", 5000, &reply), 0);
	assert_string_equal(string_member(parse(reply), "which"), "second");
	free(reply);
	assert_null(gattd_client_pop_message(c));
	server_finish(srv, c);
}

/* ---- typed helpers ---- */

static void script_get(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ",\"char\":\"a/b\",\"value\":\"00ff10\"");
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ",\"char\":\"a/b\",\"value\":\"\"");
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ",\"char\":\"a/b\",\"value\":\"0g\"");
	srv_wait_for_close(srv);
}

static void test_get_decodes_the_hex_value(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_get);
	GattdClient *c = server_connect(srv);
	uint8_t *value = NULL;
	size_t len = 99;

	assert_int_equal(gattd_client_get(c, "a/b", &value, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(value, ((const uint8_t[]){ 0x00, 0xff, 0x10 }), 3);
	free(value);

	value = NULL;
	assert_int_equal(gattd_client_get(c, "a/b", &value, &len), 0);
	assert_non_null(value);
	assert_int_equal(len, 0);
	free(value);

	value = NULL;
	assert_int_equal(gattd_client_get(c, "a/b", &value, &len), -EPROTO);
	assert_null(value);
	server_finish(srv, c);

	assert_string_equal(string_member(recorded(srv, 0), "cmd"), "get");
	assert_string_equal(string_member(recorded(srv, 0), "char"), "a/b");
}

static void script_set(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ",\"char\":\"b/l\",\"value\":\"2a\",\"notified\":false,\"subscribed\":true");
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ",\"char\":\"b/l\",\"value\":\"2a\",\"notified\":true,\"subscribed\":true");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "not-supported", "b/x has neither notify nor indicate");
	srv_wait_for_close(srv);
}

static void test_set_sends_hex_and_the_notify_choice(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_set);
	GattdClient *c = server_connect(srv);
	const uint8_t v = 0x2a;
	int notified = -1;

	assert_int_equal(gattd_client_set(c, "b/l", &v, 1, 0, &notified), 0);
	assert_int_equal(notified, 0);
	assert_int_equal(gattd_client_set(c, "b/l", &v, 1, -1, &notified), 0);
	assert_int_equal(notified, 1);
	assert_int_equal(gattd_client_set(c, "b/x", &v, 1, 1, &notified), -EOPNOTSUPP);
	assert_int_equal(notified, 1); /* untouched on failure */
	assert_int_equal(gattd_client_set(c, "b/x", &v, 1, 2, NULL), -EINVAL);
	server_finish(srv, c);

	assert_string_equal(string_member(recorded(srv, 0), "value"), "2a");
	assert_false(bool_member(recorded(srv, 0), "notify"));
	assert_false(has_member(recorded(srv, 1), "notify"));
	assert_true(bool_member(recorded(srv, 2), "notify"));
	assert_int_equal(srv->requests->len, 3);
}

static void script_watch(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ",\"chars\":[\"a/b\",\"c/d\"]");
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ",\"chars\":null");
	srv_wait_for_close(srv);
}

static void test_watch_sends_the_chars_or_none_for_all(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_watch);
	GattdClient *c = server_connect(srv);
	const char *const chars[] = { "a/b", "c/d", NULL };
	json_t *sent;

	assert_int_equal(gattd_client_watch(c, chars), 0);
	assert_int_equal(gattd_client_watch(c, NULL), 0);
	server_finish(srv, c);

	sent = json_object_get(recorded(srv, 0), "chars");
	assert_true(json_is_array(sent));
	assert_int_equal(json_array_size(sent), 2);
	assert_true(json_is_string(json_array_get(sent, 0)));
	assert_string_equal(json_string_value(json_array_get(sent, 0)), "a/b");
	assert_true(json_is_string(json_array_get(sent, 1)));
	assert_string_equal(json_string_value(json_array_get(sent, 1)), "c/d");
	assert_false(has_member(recorded(srv, 1), "chars"));
}

static void script_next_write(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)),
	          ",\"char\":\"console/rx\",\"value\":\"68690a\",\"offset\":3,"
	          "\"device\":\"/org/bluez/hci0/dev_00_AA_01_02_00_02\",\"address\":\"00:AA:01:02:00:02\","
	          "\"seq\":7,\"queued\":2");
	srv_reply(srv, srv_id(srv, srv_read_request(srv)),
	          ",\"char\":\"console/rx\",\"value\":\"\",\"offset\":0,\"device\":null,\"address\":null,"
	          "\"seq\":8,\"queued\":0");
	/* A gattd from before "address". */
	srv_reply(srv, srv_id(srv, srv_read_request(srv)),
	          ",\"char\":\"console/rx\",\"value\":\"01\",\"offset\":0,"
	          "\"device\":\"/org/bluez/hci0/dev_00_AA_01_02_00_02\",\"seq\":9,\"queued\":0");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "disconnected", "adapter hci0 powered off");
	/* A reply missing "seq" is not a write. */
	srv_reply(srv, srv_id(srv, srv_read_request(srv)),
	          ",\"char\":\"console/rx\",\"value\":\"00\",\"offset\":0,\"device\":null,\"queued\":0");
	srv_wait_for_close(srv);
}

static void test_next_write_parses_the_write_and_maps_disconnected(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_next_write);
	GattdClient *c = server_connect(srv);
	GattdWrite w = { 0 };

	assert_int_equal(gattd_client_next_write(c, "console/rx", 5000, &w), 0);
	assert_int_equal(w.len, 3);
	assert_memory_equal(w.value, "hi\n", 3);
	assert_int_equal(w.offset, 3);
	assert_string_equal(w.device, "/org/bluez/hci0/dev_00_AA_01_02_00_02");
	assert_string_equal(w.address, "00:AA:01:02:00:02");
	assert_int_equal(w.seq, 7);
	assert_int_equal(w.queued, 2);
	assert_string_equal(w.chr, "console/rx");
	gattd_write_clear(&w);
	assert_null(w.value);
	assert_null(w.address);

	assert_int_equal(gattd_client_next_write(c, "console/rx", -1, &w), 0);
	assert_int_equal(w.len, 0);
	assert_non_null(w.value);
	assert_null(w.device);
	assert_null(w.address);
	assert_int_equal(w.seq, 8);
	gattd_write_clear(&w);

	assert_int_equal(gattd_client_next_write(c, "console/rx", -1, &w), 0);
	assert_non_null(w.device);
	assert_null(w.address);
	assert_int_equal(w.seq, 9);
	gattd_write_clear(&w);

	assert_int_equal(gattd_client_next_write(c, "console/rx", -1, &w), -ENOTCONN);
	assert_string_equal(gattd_client_error_message(c), "adapter hci0 powered off");
	assert_null(w.value);
	assert_int_equal(gattd_client_next_write(c, "console/rx", -1, &w), -EPROTO);
	assert_null(w.chr);
	assert_int_equal(gattd_client_next_write(c, "console/rx", -2, &w), -EINVAL);
	gattd_write_clear(NULL);
	server_finish(srv, c);

	assert_string_equal(string_member(recorded(srv, 0), "cmd"), "next-write");
	assert_int_equal(int_member(recorded(srv, 0), "timeout_ms"), 5000);
	assert_false(has_member(recorded(srv, 1), "timeout_ms"));
}

/* ---- centrals ---- */

#define PIXEL_FIELDS \
	"\"address\":\"5A:3C:11:22:33:44\",\"address_type\":\"random\"," \
	"\"device\":\"/org/bluez/hci0/dev_5A_3C_11_22_33_44\",\"name\":\"Pixel 7\",\"alias\":\"Kitchen tablet\"," \
	"\"paired\":true,\"bonded\":true,\"trusted\":false,\"connected_since\":1764932400123,\"mtu\":517"

static void script_devices(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)),
	          ",\"devices\":[{" PIXEL_FIELDS "},"
	          "{\"address\":\"00:AA:01:01:00:42\",\"address_type\":null,\"device\":\"/org/bluez/hci0/dev_00_AA_01_01_00_42\","
	          "\"name\":null,\"alias\":null,\"paired\":false,\"bonded\":null,\"trusted\":true,"
	          "\"connected_since\":1764932500000,\"mtu\":null}]");
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ",\"devices\":[]");
	/* The second central lacks "trusted": the whole reply is a protocol error. */
	srv_reply(srv, srv_id(srv, srv_read_request(srv)),
	          ",\"devices\":[{" PIXEL_FIELDS "},{\"address\":\"00:AA:01:01:00:42\"}]");
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ",\"devices\":null");
	srv_wait_for_close(srv);
}

static void test_devices_parses_each_central_with_what_is_unknown(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_devices);
	GattdClient *c = server_connect(srv);
	GattdDevice *devices = NULL, *untouched = (GattdDevice *)&untouched;
	size_t n = 99;

	assert_int_equal(gattd_client_devices(c, &devices, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(devices[0].address, "5A:3C:11:22:33:44");
	assert_string_equal(devices[0].address_type, "random");
	assert_string_equal(devices[0].device, "/org/bluez/hci0/dev_5A_3C_11_22_33_44");
	assert_string_equal(devices[0].name, "Pixel 7");
	assert_string_equal(devices[0].alias, "Kitchen tablet");
	assert_int_equal(devices[0].paired, 1);
	assert_int_equal(devices[0].bonded, 1);
	assert_int_equal(devices[0].trusted, 0);
	assert_int_equal(devices[0].connected_since_ms, 1764932400123);
	assert_int_equal(devices[0].mtu, 517);
	assert_string_equal(devices[1].address, "00:AA:01:01:00:42");
	assert_null(devices[1].address_type);
	assert_null(devices[1].name);
	assert_null(devices[1].alias);
	assert_int_equal(devices[1].paired, 0);
	assert_int_equal(devices[1].bonded, -1);
	assert_int_equal(devices[1].trusted, 1);
	assert_int_equal(devices[1].mtu, 0);
	gattd_devices_free(devices, n);

	devices = untouched;
	assert_int_equal(gattd_client_devices(c, &devices, &n), 0);
	assert_int_equal(n, 0);
	assert_null(devices);

	devices = untouched;
	n = 99;
	assert_int_equal(gattd_client_devices(c, &devices, &n), -EPROTO);
	assert_int_equal(gattd_client_devices(c, &devices, &n), -EPROTO);
	assert_ptr_equal(devices, untouched);
	assert_int_equal(n, 99);
	assert_int_equal(gattd_client_devices(c, NULL, &n), -EINVAL);
	gattd_devices_free(NULL, 0);
	server_finish(srv, c);

	assert_string_equal(string_member(recorded(srv, 0), "cmd"), "devices");
	assert_int_equal(srv->requests->len, 4);
}

static void script_disconnect(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)),
	          ",\"address\":\"5A:3C:11:22:33:44\",\"device\":\"/org/bluez/hci0/dev_5A_3C_11_22_33_44\"");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "not-found", "no connected central 00:AA:01:01:00:42");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "busy", "5A:3C:11:22:33:44 is already being disconnected");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "failed",
	          "BlueZ refused to disconnect 5A:3C:11:22:33:44: org.bluez.Error.Failed");
	srv_wait_for_close(srv);
}

static void test_disconnect_sends_the_address_and_maps_the_refusals(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_disconnect);
	GattdClient *c = server_connect(srv);

	assert_int_equal(gattd_client_disconnect(c, "5a:3c:11:22:33:44"), 0);
	assert_int_equal(gattd_client_disconnect(c, "00:AA:01:01:00:42"), -ENOENT);
	assert_int_equal(gattd_client_disconnect(c, "5A:3C:11:22:33:44"), -EBUSY);
	assert_int_equal(gattd_client_disconnect(c, "5A:3C:11:22:33:44"), -EIO);
	assert_string_equal(gattd_client_error_message(c),
	                    "BlueZ refused to disconnect 5A:3C:11:22:33:44: org.bluez.Error.Failed");
	/* What is not an address is refused before anything is sent. */
	assert_int_equal(gattd_client_disconnect(c, "5A-3C-11-22-33-44"), -EINVAL);
	assert_int_equal(gattd_client_disconnect(c, NULL), -EINVAL);
	assert_int_equal(gattd_client_disconnect(NULL, "5A:3C:11:22:33:44"), -EINVAL);
	server_finish(srv, c);

	assert_int_equal(srv->requests->len, 4);
	assert_string_equal(string_member(recorded(srv, 0), "cmd"), "disconnect");
	assert_string_equal(string_member(recorded(srv, 0), "address"), "5a:3c:11:22:33:44");
	assert_string_equal(string_member(recorded(srv, 1), "address"), "00:AA:01:01:00:42");
}

static void script_notify_device(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)),
	          ",\"char\":\"env/temp\",\"value\":\"2a\",\"notified\":true,\"subscribed\":true");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "not-subscribed",
	          "5A:3C:11:22:33:44 has no notify socket for env/temp");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "not-supported", "env/temp has no Acquire=notify");
	srv_wait_for_close(srv);
}

static void test_notify_device_sends_set_with_the_address(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_notify_device);
	GattdClient *c = server_connect(srv);
	const uint8_t value[] = { 0x2a };

	assert_int_equal(gattd_client_notify_device(c, "env/temp", value, 1, "5a:3c:11:22:33:44"), 0);
	assert_int_equal(gattd_client_notify_device(c, "env/temp", value, 1, "5A:3C:11:22:33:44"), -ENXIO);
	assert_int_equal(gattd_client_notify_device(c, "env/temp", value, 1, "5A:3C:11:22:33:44"), -EOPNOTSUPP);
	/* Refused before anything is sent: no address, an empty value (a socket cannot carry it). */
	assert_int_equal(gattd_client_notify_device(c, "env/temp", value, 1, "5A-3C-11-22-33-44"), -EINVAL);
	assert_int_equal(gattd_client_notify_device(c, "env/temp", value, 0, "5A:3C:11:22:33:44"), -EINVAL);
	assert_int_equal(gattd_client_notify_device(c, NULL, value, 1, "5A:3C:11:22:33:44"), -EINVAL);
	server_finish(srv, c);

	assert_int_equal(srv->requests->len, 3);
	assert_string_equal(string_member(recorded(srv, 0), "cmd"), "set");
	assert_string_equal(string_member(recorded(srv, 0), "char"), "env/temp");
	assert_string_equal(string_member(recorded(srv, 0), "value"), "2a");
	assert_string_equal(string_member(recorded(srv, 0), "address"), "5a:3c:11:22:33:44");
}

/* ---- handlers ---- */

/* An advertise reply for the advertisement named name ("null" for the main one). */
#define ADVERTISE_REPLY(name)                                                                                  \
	",\"advertisement\":" name ",\"enabled\":true,\"advertising\":true,\"paused\":false,\"changed\":true," \
	"\"type\":\"broadcast\",\"local_name\":null,\"service_uuids\":[],"                                        \
	"\"manufacturer_data\":{\"0x05F1\":\"0a0b\"},\"service_data\":{},\"bytes\":6,\"max_bytes\":31"

static void script_advertise_named(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ADVERTISE_REPLY("\"beacon\""));
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "not-found",
	          "no advertisement 'nope': gattd.conf has no [Advertising nope]");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "not-found", "no advertisement 'xxx...'");
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ADVERTISE_REPLY("null"));
	srv_wait_for_close(srv);
}

static void test_advertise_named_sends_the_name_and_maps_not_found(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_advertise_named);
	GattdClient *c = server_connect(srv);
	GattdAdvertisingChange change = GATTD_ADVERTISING_UNCHANGED;
	GattdAdvertisingData data = { .company_id = 0x05f1, .data = (uint8_t[]){ 0x0a, 0x0b }, .len = 2 };
	GattdAdvertisement adv = { 0 };
	char *over = g_strnfill(GATTD_CLIENT_ADVERTISEMENT_NAME_MAX + 1, 'x');

	change.set_manufacturer_data = 1;
	change.manufacturer_data = &data;
	change.n_manufacturer_data = 1;
	assert_int_equal(gattd_client_advertise_named(c, "beacon", &change, &adv), 0);
	assert_string_equal(adv.type, "broadcast");
	assert_int_equal(adv.n_manufacturer_data, 1);
	assert_int_equal(adv.manufacturer_data[0].company_id, 0x05f1);
	gattd_advertisement_clear(&adv);
	assert_int_equal(gattd_client_advertise_named(c, "nope", NULL, NULL), -ENOENT);
	assert_string_equal(gattd_client_error_code(c), "not-found");
	/* A name gattd would refuse as bad-request is refused before anything is sent. */
	assert_int_equal(gattd_client_advertise_named(c, "", NULL, NULL), -EINVAL);
	assert_int_equal(gattd_client_advertise_named(c, over, NULL, NULL), -EINVAL);
	assert_int_equal(gattd_client_advertise_named(c, "\xff", NULL, NULL), -EINVAL);
	/* The longest name is gattd's to judge. */
	over[GATTD_CLIENT_ADVERTISEMENT_NAME_MAX] = '\0';
	assert_int_equal(gattd_client_advertise_named(c, over, NULL, NULL), -ENOENT);
	/* NULL is the main one, as gattd_client_advertise(). */
	assert_int_equal(gattd_client_advertise(c, NULL, NULL), 0);
	server_finish(srv, c);

	assert_int_equal(srv->requests->len, 4);
	assert_string_equal(string_member(recorded(srv, 0), "cmd"), "advertise");
	assert_string_equal(string_member(recorded(srv, 0), "advertisement"), "beacon");
	assert_string_equal(string_member(json_object_get(recorded(srv, 0), "manufacturer_data"), "0x05F1"), "0a0b");
	assert_string_equal(string_member(recorded(srv, 1), "advertisement"), "nope");
	assert_string_equal(string_member(recorded(srv, 2), "advertisement"), over);
	assert_false(has_member(recorded(srv, 3), "advertisement"));
	g_free(over);
}

static void script_handle(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ",\"chars\":[\"prov/ssid\",\"prov/scan\"]");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "busy", "prov/ssid is handled by client 3 (pid 77)");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "not-handled", "prov/plain has no Handler=");
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), "");
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), "");
	srv_wait_for_close(srv);
}

static void assert_chars_sent(json_t *request, const char *const *expected)
{
	json_t *sent = json_object_get(request, "chars");
	size_t n = g_strv_length((char **)expected);

	assert_true(json_is_array(sent));
	assert_int_equal(json_array_size(sent), n);
	for (size_t i = 0; i < n; i++) {
		assert_true(json_is_string(json_array_get(sent, i)));
		assert_string_equal(json_string_value(json_array_get(sent, i)), expected[i]);
	}
}

static void test_handle_and_unhandle_send_the_chars_and_map_the_refusals(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_handle);
	GattdClient *c = server_connect(srv);
	const char *const two[] = { "prov/ssid", "prov/scan", NULL };
	const char *const ssid[] = { "prov/ssid", NULL };
	const char *const plain[] = { "prov/plain", NULL };
	const char *const none[] = { NULL };

	assert_int_equal(gattd_client_handle(c, two), 0);
	assert_int_equal(gattd_client_handle(c, ssid), -EBUSY);
	assert_string_equal(gattd_client_error_message(c), "prov/ssid is handled by client 3 (pid 77)");
	assert_int_equal(gattd_client_handle(c, plain), -EPERM);
	assert_string_equal(gattd_client_error_code(c), "not-handled");
	/* Refused before sending: gattd would refuse them too. */
	assert_int_equal(gattd_client_handle(c, none), -EINVAL);
	assert_int_equal(gattd_client_handle(c, NULL), -EINVAL);
	assert_int_equal(gattd_client_unhandle(c, ssid), 0);
	assert_int_equal(gattd_client_unhandle(c, NULL), 0);
	assert_int_equal(gattd_client_unhandle(NULL, NULL), -EINVAL);
	server_finish(srv, c);

	assert_int_equal(srv->requests->len, 5);
	assert_string_equal(string_member(recorded(srv, 0), "cmd"), "handle");
	assert_chars_sent(recorded(srv, 0), two);
	assert_chars_sent(recorded(srv, 2), plain);
	assert_string_equal(string_member(recorded(srv, 3), "cmd"), "unhandle");
	assert_chars_sent(recorded(srv, 3), ssid);
	/* None given: every claim of this connection. */
	assert_false(has_member(recorded(srv, 4), "chars"));
}

#define READ_REQUEST "{\"event\":\"read-request\",\"request\":7,\"char\":\"prov/scan\",\"desc\":\"prov/scan/note\"," \
	"\"device\":\"/org/bluez/hci0/dev_11_22_33_44_55_66\",\"address\":\"11:22:33:44:55:66\",\"offset\":3,\"mtu\":185," \
	"\"deadline\":5291736402113}"
/* As a gattd older than "deadline" sends it. */
#define WRITE_REQUEST "{\"event\":\"write-request\",\"request\":8,\"char\":\"prov/ssid\",\"device\":null," \
	"\"address\":null,\"offset\":2,\"mtu\":null,\"data\":\"6869\",\"value\":\"61626869\",\"typed\":\"abhi\"," \
	"\"prepared\":true,\"authorize\":true,\"response\":false}"

static void test_request_parse_reads_a_read_request_with_its_descriptor_and_deadline(void **state)
{
	GattdRequest r = { 0 };

	assert_int_equal(gattd_request_parse(READ_REQUEST, &r), 0);
	assert_int_equal(r.kind, GATTD_REQUEST_READ);
	assert_int_equal(r.id, 7);
	assert_string_equal(r.chr, "prov/scan");
	assert_string_equal(r.desc, "prov/scan/note");
	assert_string_equal(r.device, "/org/bluez/hci0/dev_11_22_33_44_55_66");
	assert_string_equal(r.address, "11:22:33:44:55:66");
	assert_int_equal(r.offset, 3);
	assert_int_equal(r.mtu, 185);
	assert_true(r.deadline == INT64_C(5291736402113));
	assert_null(r.data);
	assert_null(r.value);
	gattd_request_clear(&r);
	assert_null(r.chr);
	gattd_request_clear(NULL);
}

static void test_request_parse_reads_a_write_request_with_nulls_for_what_is_unknown(void **state)
{
	GattdRequest r = { 0 };

	assert_int_equal(gattd_request_parse(WRITE_REQUEST, &r), 0);
	assert_int_equal(r.kind, GATTD_REQUEST_WRITE);
	assert_int_equal(r.id, 8);
	assert_string_equal(r.chr, "prov/ssid");
	assert_null(r.desc);
	assert_null(r.device);
	assert_null(r.address);
	assert_int_equal(r.offset, 2);
	assert_int_equal(r.mtu, 0);
	assert_true(r.deadline == 0);
	assert_int_equal(r.data_len, 2);
	assert_memory_equal(r.data, "hi", 2);
	assert_int_equal(r.value_len, 4);
	assert_memory_equal(r.value, "abhi", 4);
	assert_int_equal(r.prepared, 1);
	assert_int_equal(r.authorize, 1);
	assert_int_equal(r.response, 0);
	gattd_request_clear(&r);

	/* An empty write still has its (empty) bytes. */
	assert_int_equal(gattd_request_parse("{\"event\":\"write-request\",\"request\":9,\"char\":\"a/b\",\"device\":null,"
	                                     "\"address\":null,\"offset\":0,\"mtu\":23,\"data\":\"\",\"value\":\"\","
	                                     "\"prepared\":false,\"authorize\":false,\"response\":true}", &r), 0);
	assert_non_null(r.data);
	assert_int_equal(r.data_len, 0);
	assert_int_equal(r.response, 1);
	gattd_request_clear(&r);
}

static void test_request_parse_tells_other_lines_from_broken_requests(void **state)
{
	static const struct {
		const char *line;
		int error;
	} cases[] = {
		{ "{\"event\":\"write\",\"char\":\"a/b\",\"value\":\"00\",\"offset\":0,\"device\":null}", -ENOMSG },
		{ "{\"event\":\"unhandled\",\"char\":\"a/b\",\"reason\":\"reload\"}", -ENOMSG },
		{ "{\"id\":1,\"ok\":true}", -ENOMSG },
		{ "{\"event\":7}", -ENOMSG },
		{ "not json", -EPROTO },
		/* Each missing or mistyped field. */
		{ "{\"event\":\"read-request\",\"char\":\"a/b\",\"device\":null,\"address\":null,\"offset\":0,\"mtu\":23}",
		  -EPROTO },
		{ "{\"event\":\"read-request\",\"request\":0,\"char\":\"a/b\",\"device\":null,\"address\":null,"
		  "\"offset\":0,\"mtu\":23}", -EPROTO },
		{ "{\"event\":\"read-request\",\"request\":-1,\"char\":\"a/b\",\"device\":null,\"address\":null,"
		  "\"offset\":0,\"mtu\":23}", -EPROTO },
		{ "{\"event\":\"read-request\",\"request\":1,\"device\":null,\"address\":null,\"offset\":0,\"mtu\":23}",
		  -EPROTO },
		{ "{\"event\":\"read-request\",\"request\":1,\"char\":\"a/b\",\"device\":null,\"address\":null,"
		  "\"offset\":65536,\"mtu\":23}", -EPROTO },
		{ "{\"event\":\"read-request\",\"request\":1,\"char\":\"a/b\",\"device\":null,\"address\":null,"
		  "\"offset\":0,\"mtu\":\"23\"}", -EPROTO },
		{ "{\"event\":\"read-request\",\"request\":1,\"char\":\"a/b\",\"device\":null,\"address\":null,"
		  "\"offset\":0,\"mtu\":23,\"deadline\":\"5\"}", -EPROTO },
		{ "{\"event\":\"read-request\",\"request\":1,\"char\":\"a/b\",\"device\":null,\"address\":null,"
		  "\"offset\":0,\"mtu\":23,\"deadline\":-1}", -EPROTO },
		{ "{\"event\":\"read-request\",\"request\":1,\"char\":\"a/b\",\"device\":null,\"address\":null,"
		  "\"offset\":0,\"mtu\":23,\"deadline\":null}", -EPROTO },
		{ "{\"event\":\"read-request\",\"request\":1,\"char\":\"a/b\",\"desc\":null,\"device\":null,"
		  "\"address\":null,\"offset\":0,\"mtu\":23}", -EPROTO },
		{ "{\"event\":\"write-request\",\"request\":1,\"char\":\"a/b\",\"device\":null,\"address\":null,"
		  "\"offset\":0,\"mtu\":23,\"data\":\"0g\",\"value\":\"00\",\"prepared\":false,\"authorize\":false,"
		  "\"response\":true}", -EPROTO },
		{ "{\"event\":\"write-request\",\"request\":1,\"char\":\"a/b\",\"device\":null,\"address\":null,"
		  "\"offset\":0,\"mtu\":23,\"data\":\"00\",\"value\":\"00\",\"prepared\":false,\"authorize\":false}",
		  -EPROTO },
	};
	GattdRequest r = { .id = 42 };

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int got = gattd_request_parse(cases[i].line, &r);

		if (got != cases[i].error)
			fail_msg("gattd_request_parse(%s) = %d, expected %d", cases[i].line, got, cases[i].error);
		/* Untouched on failure. */
		assert_int_equal(r.id, 42);
		assert_null(r.chr);
	}
	assert_int_equal(gattd_request_parse(NULL, &r), -EINVAL);
	assert_int_equal(gattd_request_parse(READ_REQUEST, NULL), -EINVAL);
}

static void script_requests_among_other_events(FakeServer *srv)
{
	srv_write(srv, "{\"event\":\"subscribed\",\"char\":\"prov/scan\"}\n"
	               READ_REQUEST "\n"
	               "{\"event\":\"unhandled\",\"char\":\"prov/scan\",\"reason\":\"reload\"}\n"
	               WRITE_REQUEST "\n");
	srv_wait_for_close(srv);
}

static void test_next_request_takes_requests_and_leaves_other_events_queued(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_requests_among_other_events);
	GattdClient *c = server_connect(srv);
	GattdRequest r = { 0 };
	char *event = NULL;

	assert_int_equal(gattd_client_next_request(c, 5000, &r), 0);
	assert_int_equal(r.kind, GATTD_REQUEST_READ);
	assert_int_equal(r.id, 7);
	gattd_request_clear(&r);
	assert_int_equal(gattd_client_next_request(c, 5000, &r), 0);
	assert_int_equal(r.kind, GATTD_REQUEST_WRITE);
	assert_int_equal(r.id, 8);
	gattd_request_clear(&r);
	assert_int_equal(gattd_client_next_request(c, 50, &r), -ETIMEDOUT);
	assert_null(r.chr);
	assert_int_equal(gattd_client_next_request(c, -2, &r), -EINVAL);

	/* The other events, in their order. */
	assert_int_equal(gattd_client_wait_event(c, 0, &event), 0);
	assert_string_equal(string_member(parse(event), "event"), "subscribed");
	free(event);
	assert_int_equal(gattd_client_wait_event(c, 0, &event), 0);
	assert_string_equal(string_member(parse(event), "event"), "unhandled");
	free(event);
	assert_null(gattd_client_pop_message(c));
	server_finish(srv, c);
}

static void script_answers(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), "");                          /* answer_read */
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), "");                          /* empty read */
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ",\"stored\":true");          /* accept */
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ",\"stored\":false");         /* authorize only */
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), "");                          /* refuse */
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), "");                          /* refuse_code 0x80 */
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), "");                          /* refuse_code 0x9f */
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "expired", "request 5 is already settled");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "not-found", "no request 6 was sent to this connection");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "invalid-value", "prov/scan: too long");
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), "");                          /* no "stored" */
	srv_wait_for_close(srv);
}

static void test_answers_send_the_request_id_and_what_settles_it(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_answers);
	GattdClient *c = server_connect(srv);
	const uint8_t value[] = { 0x6e, 0x65, 0x74 };
	int stored = -1;

	assert_int_equal(gattd_client_answer_read(c, 1, value, sizeof(value)), 0);
	assert_int_equal(gattd_client_answer_read(c, 2, NULL, 0), 0);
	assert_int_equal(gattd_client_accept_write(c, 3, &stored), 0);
	assert_int_equal(stored, 1);
	assert_int_equal(gattd_client_accept_write(c, 4, &stored), 0);
	assert_int_equal(stored, 0);
	assert_int_equal(gattd_client_refuse(c, 5, "not-authorized"), 0);
	assert_int_equal(gattd_client_refuse_code(c, 6, 0x80), 0);
	assert_int_equal(gattd_client_refuse_code(c, 7, 0x9f), 0);
	assert_int_equal(gattd_client_refuse(c, 5, "unlikely"), -ETIME);
	assert_int_equal(gattd_client_refuse(c, 6, "unlikely"), -ENOENT);
	assert_int_equal(gattd_client_answer_read(c, 8, value, sizeof(value)), -EINVAL);
	assert_string_equal(gattd_client_error_code(c), "invalid-value");
	/* A reply to accept without "stored" is not gattd's. */
	stored = -1;
	assert_int_equal(gattd_client_accept_write(c, 9, &stored), -EPROTO);
	assert_int_equal(stored, -1);
	server_finish(srv, c);

	assert_int_equal(srv->requests->len, 11);
	for (guint i = 0; i < srv->requests->len; i++)
		assert_string_equal(string_member(recorded(srv, i), "cmd"), "answer");
	assert_int_equal(int_member(recorded(srv, 0), "request"), 1);
	assert_string_equal(string_member(recorded(srv, 0), "value"), "6e6574");
	assert_false(has_member(recorded(srv, 0), "error"));
	assert_string_equal(string_member(recorded(srv, 1), "value"), "");
	/* Accepting is an answer with neither value nor error. */
	assert_int_equal(int_member(recorded(srv, 2), "request"), 3);
	assert_false(has_member(recorded(srv, 2), "value"));
	assert_false(has_member(recorded(srv, 2), "error"));
	assert_string_equal(string_member(recorded(srv, 4), "error"), "not-authorized");
	assert_false(has_member(recorded(srv, 4), "value"));
	assert_int_equal(int_member(recorded(srv, 5), "error"), 0x80);
	assert_int_equal(int_member(recorded(srv, 6), "error"), 0x9f);
}

static void test_answers_gattd_would_refuse_are_refused_before_sending(void **state)
{
	g_autoptr(FakeServer) srv = server_start(srv_wait_for_close);
	GattdClient *c = server_connect(srv);
	const uint8_t value[] = { 1 };

	/* Only the application range; the request stays pending for a right answer. */
	assert_int_equal(gattd_client_refuse_code(c, 1, 0x7f), -EINVAL);
	assert_int_equal(gattd_client_refuse_code(c, 1, 0xa0), -EINVAL);
	assert_int_equal(gattd_client_refuse_code(c, 1, 0x0e), -EINVAL);
	assert_int_equal(gattd_client_refuse_code(c, 1, -0x80), -EINVAL);
	assert_int_equal(gattd_client_refuse_code(c, 1, 0x180), -EINVAL);
	/* Request ids start at 1 and fit JSON's 64-bit integers. */
	assert_int_equal(gattd_client_refuse_code(c, 0, 0x80), -EINVAL);
	assert_int_equal(gattd_client_answer_read(c, 0, value, 1), -EINVAL);
	assert_int_equal(gattd_client_answer_read(c, (uint64_t)INT64_MAX + 1, value, 1), -EINVAL);
	assert_int_equal(gattd_client_accept_write(c, 0, NULL), -EINVAL);
	assert_int_equal(gattd_client_refuse(c, 0, "unlikely"), -EINVAL);
	assert_int_equal(gattd_client_answer_read(c, 1, NULL, 1), -EINVAL);
	assert_int_equal(gattd_client_refuse(c, 1, NULL), -EINVAL);
	assert_int_equal(gattd_client_refuse(c, 1, "bad\xff"), -EINVAL);
	assert_int_equal(gattd_client_answer_read(NULL, 1, value, 1), -EINVAL);
	assert_int_equal(gattd_client_accept_write(NULL, 1, NULL), -EINVAL);
	assert_int_equal(gattd_client_refuse_code(NULL, 1, 0x80), -EINVAL);
	server_finish(srv, c);
	assert_int_equal(srv->requests->len, 0);
}

/* ---- the confirm role ---- */

static void script_handle_pairing(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), "");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "not-supported",
	          "pairing requests come with [Pairing] Method=confirm only (Method=just-works)");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "busy", "pairings are confirmed by client 3 (pid 77)");
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), "");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "not-handled", "this connection does not confirm pairings");
	srv_wait_for_close(srv);
}

static void test_handle_pairing_and_unhandle_pairing_map_the_refusals(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_handle_pairing);
	GattdClient *c = server_connect(srv);

	assert_int_equal(gattd_client_handle_pairing(c), 0);
	assert_int_equal(gattd_client_handle_pairing(c), -EOPNOTSUPP);
	assert_string_equal(gattd_client_error_code(c), "not-supported");
	assert_int_equal(gattd_client_handle_pairing(c), -EBUSY);
	assert_string_equal(gattd_client_error_message(c), "pairings are confirmed by client 3 (pid 77)");
	assert_int_equal(gattd_client_unhandle_pairing(c), 0);
	assert_int_equal(gattd_client_unhandle_pairing(c), -EPERM);
	assert_int_equal(gattd_client_handle_pairing(NULL), -EINVAL);
	assert_int_equal(gattd_client_unhandle_pairing(NULL), -EINVAL);
	server_finish(srv, c);

	assert_int_equal(srv->requests->len, 5);
	for (guint i = 0; i < 3; i++)
		assert_string_equal(string_member(recorded(srv, i), "cmd"), "handle-pairing");
	assert_string_equal(string_member(recorded(srv, 3), "cmd"), "unhandle-pairing");
	/* Nothing but the command and its id. */
	assert_int_equal(json_object_size(recorded(srv, 0)), 2);
}

#define COMPARE_REQUEST "{\"event\":\"pairing-request\",\"request\":3,\"kind\":\"compare\"," \
	"\"device\":\"/org/bluez/hci0/dev_5A_3C_11_22_33_44\",\"address\":\"5A:3C:11:22:33:44\",\"passkey\":\"004821\"," \
	"\"deadline\":5291736402113}"
#define JUST_WORKS_REQUEST "{\"event\":\"pairing-request\",\"request\":4,\"kind\":\"just-works\"," \
	"\"device\":\"/org/bluez/hci0/dev_5A_3C_11_22_33_44\",\"address\":null,\"passkey\":null,\"deadline\":17}"

static void test_pairing_request_parse_reads_both_kinds(void **state)
{
	GattdPairingRequest r = { 0 };

	assert_int_equal(gattd_pairing_request_parse(COMPARE_REQUEST, &r), 0);
	assert_true(r.id == 3);
	assert_int_equal(r.kind, GATTD_PAIRING_COMPARE);
	assert_string_equal(r.device, "/org/bluez/hci0/dev_5A_3C_11_22_33_44");
	assert_string_equal(r.address, "5A:3C:11:22:33:44");
	/* A string: the leading zeros are the number's. */
	assert_string_equal(r.passkey, "004821");
	assert_true(r.deadline == INT64_C(5291736402113));
	gattd_pairing_request_clear(&r);
	assert_null(r.device);
	assert_null(r.passkey);
	gattd_pairing_request_clear(NULL);

	assert_int_equal(gattd_pairing_request_parse(JUST_WORKS_REQUEST, &r), 0);
	assert_true(r.id == 4);
	assert_int_equal(r.kind, GATTD_PAIRING_JUST_WORKS);
	assert_null(r.address);
	assert_null(r.passkey);
	assert_true(r.deadline == 17);
	gattd_pairing_request_clear(&r);
}

/* A pairing-request with fields (after "request":1) as given. */
#define PAIRING_REQUEST_WITH(fields) "{\"event\":\"pairing-request\",\"request\":1," fields "}"

static void test_pairing_request_parse_tells_other_lines_from_broken_requests(void **state)
{
	static const struct {
		const char *line;
		int error;
	} cases[] = {
		{ "{\"event\":\"pairing-failed\",\"device\":null,\"address\":null,\"reason\":\"timeout\",\"request\":3}",
		  -ENOMSG },
		{ READ_REQUEST, -ENOMSG },
		{ "{\"id\":1,\"ok\":true}", -ENOMSG },
		{ "not json", -EPROTO },
		{ "{\"event\":\"pairing-request\",\"kind\":\"compare\",\"device\":null,\"address\":null,"
		  "\"passkey\":\"123456\",\"deadline\":1}", -EPROTO },
		{ "{\"event\":\"pairing-request\",\"request\":0,\"kind\":\"compare\",\"device\":null,\"address\":null,"
		  "\"passkey\":\"123456\",\"deadline\":1}", -EPROTO },
		{ PAIRING_REQUEST_WITH("\"kind\":\"passkey\",\"device\":null,\"address\":null,\"passkey\":null,"
		                       "\"deadline\":1"), -EPROTO },
		{ PAIRING_REQUEST_WITH("\"device\":null,\"address\":null,\"passkey\":null,\"deadline\":1"), -EPROTO },
		/* The passkey goes with the kind: six digits for compare, null for just-works. */
		{ PAIRING_REQUEST_WITH("\"kind\":\"compare\",\"device\":null,\"address\":null,\"passkey\":null,"
		                       "\"deadline\":1"), -EPROTO },
		{ PAIRING_REQUEST_WITH("\"kind\":\"compare\",\"device\":null,\"address\":null,\"passkey\":\"12345\","
		                       "\"deadline\":1"), -EPROTO },
		{ PAIRING_REQUEST_WITH("\"kind\":\"compare\",\"device\":null,\"address\":null,\"passkey\":\"12345x\","
		                       "\"deadline\":1"), -EPROTO },
		{ PAIRING_REQUEST_WITH("\"kind\":\"compare\",\"device\":null,\"address\":null,\"passkey\":123456,"
		                       "\"deadline\":1"), -EPROTO },
		{ PAIRING_REQUEST_WITH("\"kind\":\"just-works\",\"device\":null,\"address\":null,\"passkey\":\"123456\","
		                       "\"deadline\":1"), -EPROTO },
		{ PAIRING_REQUEST_WITH("\"kind\":\"just-works\",\"device\":7,\"address\":null,\"passkey\":null,"
		                       "\"deadline\":1"), -EPROTO },
		{ PAIRING_REQUEST_WITH("\"kind\":\"just-works\",\"device\":null,\"passkey\":null,\"deadline\":1"), -EPROTO },
		{ PAIRING_REQUEST_WITH("\"kind\":\"just-works\",\"device\":null,\"address\":null,\"passkey\":null"), -EPROTO },
		{ PAIRING_REQUEST_WITH("\"kind\":\"just-works\",\"device\":null,\"address\":null,\"passkey\":null,"
		                       "\"deadline\":-1"), -EPROTO },
	};
	GattdPairingRequest r = { .id = 42 };

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int got = gattd_pairing_request_parse(cases[i].line, &r);

		if (got != cases[i].error)
			fail_msg("gattd_pairing_request_parse(%s) = %d, expected %d", cases[i].line, got, cases[i].error);
		/* Untouched on failure. */
		assert_true(r.id == 42);
		assert_null(r.device);
	}
	assert_int_equal(gattd_pairing_request_parse(NULL, &r), -EINVAL);
	assert_int_equal(gattd_pairing_request_parse(COMPARE_REQUEST, NULL), -EINVAL);
}

static void script_pairing_requests_among_other_events(FakeServer *srv)
{
	srv_write(srv, "{\"event\":\"pairing-failed\",\"device\":null,\"address\":null,\"reason\":\"canceled\","
	               "\"request\":null}\n"
	               COMPARE_REQUEST "\n"
	               READ_REQUEST "\n"
	               PAIRING_REQUEST_WITH("\"kind\":\"other\",\"device\":null,\"address\":null,\"passkey\":null,"
	                                    "\"deadline\":1") "\n"
	               JUST_WORKS_REQUEST "\n");
	srv_wait_for_close(srv);
}

static void test_next_pairing_request_takes_pairing_requests_and_leaves_other_events_queued(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_pairing_requests_among_other_events);
	GattdClient *c = server_connect(srv);
	GattdPairingRequest r = { 0 };
	char *event = NULL;

	assert_int_equal(gattd_client_next_pairing_request(c, 5000, &r), 0);
	assert_true(r.id == 3);
	gattd_pairing_request_clear(&r);
	/* One gattd_pairing_request_parse() refuses is dropped. */
	assert_int_equal(gattd_client_next_pairing_request(c, 5000, &r), -EPROTO);
	assert_int_equal(gattd_client_next_pairing_request(c, 5000, &r), 0);
	assert_true(r.id == 4);
	gattd_pairing_request_clear(&r);
	assert_int_equal(gattd_client_next_pairing_request(c, 50, &r), -ETIMEDOUT);
	assert_null(r.device);
	assert_int_equal(gattd_client_next_pairing_request(c, -2, &r), -EINVAL);
	assert_int_equal(gattd_client_next_pairing_request(NULL, 0, &r), -EINVAL);
	assert_int_equal(gattd_client_next_pairing_request(c, 0, NULL), -EINVAL);

	/* The other events, in their order; a handler's request is not a pairing request. */
	assert_int_equal(gattd_client_wait_event(c, 0, &event), 0);
	assert_string_equal(string_member(parse(event), "event"), "pairing-failed");
	free(event);
	assert_int_equal(gattd_client_wait_event(c, 0, &event), 0);
	assert_string_equal(string_member(parse(event), "event"), "read-request");
	free(event);
	assert_null(gattd_client_pop_message(c));
	server_finish(srv, c);
}

static void script_answer_pairing(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), "");
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), "");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "expired", "pairing request 3 is settled already");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "not-found", "no pairing request 9 was sent");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "not-handled", "this connection does not confirm pairings");
	srv_wait_for_close(srv);
}

static void test_answer_pairing_sends_the_request_and_the_choice_and_maps_the_refusals(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_answer_pairing);
	GattdClient *c = server_connect(srv);

	assert_int_equal(gattd_client_answer_pairing(c, 3, 1), 0);
	/* Any non-zero accepts. */
	assert_int_equal(gattd_client_answer_pairing(c, 4, 0), 0);
	assert_int_equal(gattd_client_answer_pairing(c, 3, 7), -ETIME);
	assert_int_equal(gattd_client_answer_pairing(c, 9, 1), -ENOENT);
	assert_int_equal(gattd_client_answer_pairing(c, 5, 1), -EPERM);
	/* Refused before sending. */
	assert_int_equal(gattd_client_answer_pairing(c, 0, 1), -EINVAL);
	assert_int_equal(gattd_client_answer_pairing(c, (uint64_t)INT64_MAX + 1, 1), -EINVAL);
	assert_int_equal(gattd_client_answer_pairing(NULL, 1, 1), -EINVAL);
	server_finish(srv, c);

	assert_int_equal(srv->requests->len, 5);
	for (guint i = 0; i < srv->requests->len; i++)
		assert_string_equal(string_member(recorded(srv, i), "cmd"), "answer-pairing");
	assert_int_equal(int_member(recorded(srv, 0), "request"), 3);
	assert_true(bool_member(recorded(srv, 0), "accept"));
	assert_int_equal(int_member(recorded(srv, 1), "request"), 4);
	assert_false(bool_member(recorded(srv, 1), "accept"));
	assert_true(bool_member(recorded(srv, 2), "accept"));
	assert_int_equal(int_member(recorded(srv, 3), "request"), 9);
}

/* ---- connecting ---- */

static void test_connect_uses_gattd_socket_from_the_environment(void **state)
{
	g_autoptr(FakeServer) srv = server_start(srv_wait_for_close);
	GattdClient *c = NULL;

	g_setenv("GATTD_SOCKET", srv->path, TRUE);
	assert_string_equal(gattd_client_default_socket(), srv->path);
	assert_int_equal(gattd_client_connect(NULL, &c), 0);
	g_unsetenv("GATTD_SOCKET");
	assert_string_equal(gattd_client_default_socket(), GATTD_CLIENT_DEFAULT_SOCKET);
	server_finish(srv, c);
}

static void test_connect_to_a_missing_socket_fails_and_leaves_ret_alone(void **state)
{
	GattdClient *c = (GattdClient *)0x1;

	assert_int_equal(gattd_client_connect("/nonexistent/gattd.sock", &c), -ENOENT);
	assert_ptr_equal(c, (GattdClient *)0x1);
	assert_int_equal(gattd_client_connect(NULL, NULL), -EINVAL);
	gattd_client_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_returns_the_reply_with_its_own_id),
		cmocka_unit_test(test_send_gives_each_request_a_fresh_id_replacing_the_callers),
		cmocka_unit_test(test_send_refuses_what_is_not_a_json_object),
		cmocka_unit_test(test_events_arriving_before_a_reply_are_kept_for_wait_event),
		cmocka_unit_test(test_wait_event_with_zero_timeout_still_reads_the_socket),
		cmocka_unit_test(test_full_queue_is_reported_instead_of_growing),
		cmocka_unit_test(test_error_codes_map_to_errno_with_code_and_message_kept),
		cmocka_unit_test(test_each_error_code_has_its_own_errno),
		cmocka_unit_test(test_too_many_clients_line_answers_the_first_call),
		cmocka_unit_test(test_lines_split_across_reads_are_put_together),
		cmocka_unit_test(test_line_at_the_limit_is_accepted),
		cmocka_unit_test(test_line_over_the_limit_makes_the_connection_unusable),
		cmocka_unit_test(test_a_line_that_is_not_json_is_a_protocol_error),
		cmocka_unit_test(test_end_of_stream_is_connection_reset_after_what_arrived),
		cmocka_unit_test(test_reply_arriving_after_its_call_timed_out_is_dropped),
		cmocka_unit_test(test_get_decodes_the_hex_value),
		cmocka_unit_test(test_set_sends_hex_and_the_notify_choice),
		cmocka_unit_test(test_watch_sends_the_chars_or_none_for_all),
		cmocka_unit_test(test_next_write_parses_the_write_and_maps_disconnected),
		cmocka_unit_test(test_devices_parses_each_central_with_what_is_unknown),
		cmocka_unit_test(test_disconnect_sends_the_address_and_maps_the_refusals),
		cmocka_unit_test(test_notify_device_sends_set_with_the_address),
		cmocka_unit_test(test_advertise_named_sends_the_name_and_maps_not_found),
		cmocka_unit_test(test_handle_and_unhandle_send_the_chars_and_map_the_refusals),
		cmocka_unit_test(test_request_parse_reads_a_read_request_with_its_descriptor_and_deadline),
		cmocka_unit_test(test_request_parse_reads_a_write_request_with_nulls_for_what_is_unknown),
		cmocka_unit_test(test_request_parse_tells_other_lines_from_broken_requests),
		cmocka_unit_test(test_next_request_takes_requests_and_leaves_other_events_queued),
		cmocka_unit_test(test_answers_send_the_request_id_and_what_settles_it),
		cmocka_unit_test(test_answers_gattd_would_refuse_are_refused_before_sending),
		cmocka_unit_test(test_handle_pairing_and_unhandle_pairing_map_the_refusals),
		cmocka_unit_test(test_pairing_request_parse_reads_both_kinds),
		cmocka_unit_test(test_pairing_request_parse_tells_other_lines_from_broken_requests),
		cmocka_unit_test(test_next_pairing_request_takes_pairing_requests_and_leaves_other_events_queued),
		cmocka_unit_test(test_answer_pairing_sends_the_request_and_the_choice_and_maps_the_refusals),
		cmocka_unit_test(test_connect_uses_gattd_socket_from_the_environment),
		cmocka_unit_test(test_connect_to_a_missing_socket_fails_and_leaves_ret_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
