/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dbus-loop.c: dbus/loop.c running both ends of a peer-to-peer D-Bus link.
 *
 * Each test listens with a DBusServer on a socket in a fresh temporary
 * directory (no dbus-daemon) and connects a client to it; the client and the
 * server's end of the link are attached with bus_loop_attach() to the default
 * GLib main context. Only the listening socket is the test's own (server_watch_*).
 *
 * Every wait runs the main context until a condition holds or DEADLINE_MS
 * passes, so a message that is never dispatched fails the test instead of
 * hanging it. GLib criticals and warnings (g_source_remove() of a stale id, say)
 * and libdbus warnings abort the test. The drop tests are meant for ASan and
 * valgrind as well: there a use after free or a leaked connection fails them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <glib-unix.h>
#include <glib.h>

#include <cmocka.h>

#include "dbus/loop.h"
#include "test-util.h"

#define TEST_PATH "/org/gattd/Test"
#define TEST_IFACE "org.gattd.Test"
#define DEADLINE_MS 5000
#define N_TICKS 200

/* A pending call of the client and what its notify got. */
typedef struct {
	DBusPendingCall *pending;
	DBusMessage *msg;
	gint64 at;       /* g_get_monotonic_time() when the notify ran */
	unsigned count;  /* notifies: must never exceed 1 */
} Reply;

typedef struct {
	char *dir;
	DBusServer *server;
	DBusConnection *server_conn; /* the server's end, once accepted */
	DBusConnection *client;      /* NULL once a test has dropped it */
	bool client_freed;           /* the client connection was finalized */
	unsigned calls_seen;         /* method calls the server's filter got */
	unsigned ticks;              /* Tick signals the client got */
	unsigned ticks_out_of_order;
	GPtrArray *signals;          /* the other signals the client got, by member */
	Reply reply;
	Reply timeout_reply;
	bool idle_ran;
} Fixture;

/* Tells when a client connection is finalized: its data is freed then. */
static dbus_int32_t finalize_slot = -1;

/* ---- running the main context ---- */

static gboolean set_flag(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

/* Runs the default main context until done(f), failing after DEADLINE_MS. */
static void run_until(Fixture *f, bool (*done)(Fixture *))
{
	bool expired = false;
	guint id = g_timeout_add(DEADLINE_MS, set_flag, &expired);

	while (!done(f) && !expired)
		g_main_context_iteration(NULL, TRUE);
	if (!expired)
		g_source_remove(id);
	assert_true(done(f));
}

/* Runs the default main context for ms, for what must not happen meanwhile. */
static void run_for(unsigned ms)
{
	bool expired = false;

	g_timeout_add(ms, set_flag, &expired);
	while (!expired)
		g_main_context_iteration(NULL, TRUE);
}

/* ---- the listening socket (DBusServer watches are not dbus-loop's business) ---- */

static gboolean server_watch_ready(gint fd, GIOCondition cond, gpointer data)
{
	dbus_watch_handle(data, DBUS_WATCH_READABLE);
	return G_SOURCE_CONTINUE;
}

static void server_watch_remove(DBusWatch *watch, void *data)
{
	guint id = GPOINTER_TO_UINT(dbus_watch_get_data(watch));

	if (id)
		g_source_remove(id);
	dbus_watch_set_data(watch, NULL, NULL);
}

static dbus_bool_t server_watch_add(DBusWatch *watch, void *data)
{
	guint id;

	server_watch_remove(watch, data);
	if (!dbus_watch_get_enabled(watch))
		return TRUE;
	id = g_unix_fd_add(dbus_watch_get_unix_fd(watch), G_IO_IN, server_watch_ready, watch);
	dbus_watch_set_data(watch, GUINT_TO_POINTER(id), NULL);
	return TRUE;
}

static void server_watch_toggled(DBusWatch *watch, void *data)
{
	server_watch_add(watch, data);
}

/* ---- the server's end: answers Echo, never answers Ignore ---- */

static void reply_echo(DBusConnection *conn, DBusMessage *call)
{
	DBusMessage *reply = dbus_message_new_method_return(call);
	const char *text = NULL;

	assert_non_null(reply);
	assert_true(dbus_message_get_args(call, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID));
	assert_true(dbus_message_append_args(reply, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID));
	assert_true(dbus_connection_send(conn, reply, NULL));
	dbus_message_unref(reply);
}

static DBusHandlerResult server_filter(DBusConnection *conn, DBusMessage *msg, void *data)
{
	Fixture *f = data;

	if (dbus_message_is_method_call(msg, TEST_IFACE, "Echo")) {
		f->calls_seen++;
		reply_echo(conn, msg);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	/* Handled, but no reply ever: the caller's timeout has to end the call. */
	if (dbus_message_is_method_call(msg, TEST_IFACE, "Ignore")) {
		f->calls_seen++;
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static void server_accepted(DBusServer *server, DBusConnection *conn, void *data)
{
	Fixture *f = data;

	assert_null(f->server_conn);
	f->server_conn = dbus_connection_ref(conn);
	assert_int_equal(bus_loop_attach(conn), 0);
	assert_true(dbus_connection_add_filter(conn, server_filter, f, NULL));
}

static void emit(DBusConnection *conn, const char *member, dbus_uint32_t seq)
{
	DBusMessage *signal = dbus_message_new_signal(TEST_PATH, TEST_IFACE, member);

	assert_non_null(signal);
	assert_true(dbus_message_append_args(signal, DBUS_TYPE_UINT32, &seq, DBUS_TYPE_INVALID));
	assert_true(dbus_connection_send(conn, signal, NULL));
	dbus_message_unref(signal);
}

/* ---- the client's end ---- */

static DBusHandlerResult client_filter(DBusConnection *conn, DBusMessage *msg, void *data);

/* What gattd's drop_connection (bluez.c) does with its bus connection. */
static void drop_client(Fixture *f)
{
	DBusConnection *conn = f->client;

	f->client = NULL;
	dbus_connection_remove_filter(conn, client_filter, f);
	bus_loop_detach(conn);
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
}

static void record_tick(Fixture *f, DBusMessage *msg)
{
	dbus_uint32_t seq = UINT32_MAX;

	assert_true(dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT32, &seq, DBUS_TYPE_INVALID));
	if (seq != f->ticks)
		f->ticks_out_of_order++;
	f->ticks++;
}

static DBusHandlerResult client_filter(DBusConnection *conn, DBusMessage *msg, void *data)
{
	Fixture *f = data;
	const char *member = dbus_message_get_member(msg);

	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_SIGNAL ||
	    g_strcmp0(dbus_message_get_interface(msg), TEST_IFACE) != 0)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	if (g_strcmp0(member, "Tick") == 0) {
		record_tick(f, msg);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	g_ptr_array_add(f->signals, g_strdup(member));
	/* The connection goes away under the dispatch that is running this filter. */
	if (g_strcmp0(member, "Drop") == 0)
		drop_client(f);
	return DBUS_HANDLER_RESULT_HANDLED;
}

static void client_finalized(void *data)
{
	Fixture *f = data;

	f->client_freed = true;
}

static void reply_ready(DBusPendingCall *pending, void *data)
{
	Reply *r = data;

	r->count++;
	r->at = g_get_monotonic_time();
	r->msg = dbus_pending_call_steal_reply(pending);
}

/*
 * Calls method on the server with text as its argument. With r, r keeps the
 * pending call and reply_ready fills it in; without, the call is left to time
 * out unwatched.
 */
static void call(Fixture *f, const char *method, const char *text, int timeout_ms, Reply *r,
                 DBusPendingCallNotifyFunction notify, void *data)
{
	DBusMessage *msg = dbus_message_new_method_call(NULL, TEST_PATH, TEST_IFACE, method);
	DBusPendingCall *pending = NULL;

	assert_non_null(msg);
	assert_true(dbus_message_append_args(msg, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID));
	assert_true(dbus_connection_send_with_reply(f->client, msg, &pending, timeout_ms));
	dbus_message_unref(msg);
	/* NULL would mean the connection is already disconnected. */
	assert_non_null(pending);
	if (!r) {
		dbus_pending_call_unref(pending);
		return;
	}
	r->pending = pending;
	assert_true(dbus_pending_call_set_notify(pending, notify, data, NULL));
}

static void reply_clear(Reply *r)
{
	if (r->pending) {
		dbus_pending_call_cancel(r->pending);
		dbus_pending_call_unref(r->pending);
	}
	if (r->msg)
		dbus_message_unref(r->msg);
	*r = (Reply){ 0 };
}

/* ---- conditions to wait for ---- */

static bool linked(Fixture *f)
{
	return f->server_conn && dbus_connection_get_is_authenticated(f->server_conn) &&
	       dbus_connection_get_is_authenticated(f->client);
}

static bool got_reply(Fixture *f)
{
	return f->reply.count > 0;
}

static bool got_timeout_reply(Fixture *f)
{
	return f->timeout_reply.count > 0;
}

static bool got_all_ticks(Fixture *f)
{
	return f->ticks == N_TICKS;
}

static bool got_one_signal(Fixture *f)
{
	return f->signals->len == 1;
}

static bool got_two_signals(Fixture *f)
{
	return f->signals->len == 2;
}

static bool client_gone(Fixture *f)
{
	return f->client_freed;
}

static bool server_saw_disconnect(Fixture *f)
{
	return !dbus_connection_get_is_connected(f->server_conn);
}

static bool idle_ran(Fixture *f)
{
	return f->idle_ran;
}

/* ---- fixture ---- */

static void listen_tmp(Fixture *f)
{
	DBusError error = DBUS_ERROR_INIT;
	g_autofree char *address = NULL;

	f->dir = g_dir_make_tmp("gattd-test-dbus-loop-XXXXXX", NULL);
	assert_non_null(f->dir);
	/* dir=, not tmpdir=: a socket file, not an abstract name, removed with the directory. */
	address = g_strdup_printf("unix:dir=%s", f->dir);
	f->server = dbus_server_listen(address, &error);
	assert_false(dbus_error_is_set(&error));
	assert_non_null(f->server);
	assert_true(dbus_server_set_watch_functions(f->server, server_watch_add, server_watch_remove,
	                                            server_watch_toggled, NULL, NULL));
	dbus_server_set_new_connection_function(f->server, server_accepted, f, NULL);
}

static void connect_client(Fixture *f)
{
	DBusError error = DBUS_ERROR_INIT;
	char *address = dbus_server_get_address(f->server);

	assert_non_null(address);
	f->client = dbus_connection_open_private(address, &error);
	dbus_free(address);
	assert_false(dbus_error_is_set(&error));
	assert_non_null(f->client);
	assert_true(dbus_connection_set_data(f->client, finalize_slot, f, client_finalized));
	assert_int_equal(bus_loop_attach(f->client), 0);
	assert_true(dbus_connection_add_filter(f->client, client_filter, f, NULL));
}

static int setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	*state = f;
	f->signals = g_ptr_array_new_with_free_func(g_free);
	listen_tmp(f);
	connect_client(f);
	/* Accepting and the authentication handshake run on the main loop too. */
	run_until(f, linked);
	return 0;
}

static void drop_server_conn(Fixture *f)
{
	if (!f->server_conn)
		return;
	dbus_connection_remove_filter(f->server_conn, server_filter, f);
	bus_loop_detach(f->server_conn);
	dbus_connection_close(f->server_conn);
	dbus_connection_unref(f->server_conn);
	f->server_conn = NULL;
}

static int teardown(void **state)
{
	Fixture *f = *state;

	/* Pending calls hold a reference to the client: they go first. */
	reply_clear(&f->reply);
	reply_clear(&f->timeout_reply);
	if (f->client)
		drop_client(f);
	drop_server_conn(f);
	if (f->server) {
		dbus_server_disconnect(f->server);
		dbus_server_unref(f->server);
	}
	if (f->dir) {
		test_remove_tree(f->dir);
		g_free(f->dir);
	}
	g_ptr_array_unref(f->signals);
	g_free(f);
	return 0;
}

/* ---- tests ---- */

static void assert_echo(Reply *r, const char *text)
{
	const char *echoed = NULL;

	assert_int_equal(r->count, 1);
	assert_non_null(r->msg);
	assert_int_equal(dbus_message_get_type(r->msg), DBUS_MESSAGE_TYPE_METHOD_RETURN);
	assert_true(dbus_message_get_args(r->msg, NULL, DBUS_TYPE_STRING, &echoed, DBUS_TYPE_INVALID));
	assert_string_equal(echoed, text);
}

static void round_trip(Fixture *f, const char *text)
{
	reply_clear(&f->reply);
	call(f, "Echo", text, DBUS_TIMEOUT_USE_DEFAULT, &f->reply, reply_ready, &f->reply);
	run_until(f, got_reply);
	assert_echo(&f->reply, text);
	reply_clear(&f->reply);
}

/* 1. Call, the server's filter replies, the reply reaches the pending call's notify. */
static void test_round_trip(void **state)
{
	Fixture *f = *state;

	round_trip(f, "hello");
	assert_int_equal(f->calls_seen, 1);
	/* And again: the first exchange left the link in a state for more. */
	round_trip(f, "again");
	assert_int_equal(f->calls_seen, 2);
}

/*
 * 2. No reply ever: the pending call's GLib timeout source fires, libdbus queues
 * a NoReply error outside any watch callback, and only the idle dispatch gets it
 * to the notify.
 */
static void test_call_timeout(void **state)
{
	Fixture *f = *state;
	gint64 start = g_get_monotonic_time();

	call(f, "Ignore", "x", 100, &f->reply, reply_ready, &f->reply);
	run_until(f, got_reply);
	assert_int_equal(f->reply.count, 1);
	assert_int_equal(dbus_message_get_type(f->reply.msg), DBUS_MESSAGE_TYPE_ERROR);
	assert_string_equal(dbus_message_get_error_name(f->reply.msg), DBUS_ERROR_NO_REPLY);
	/* The timeout, not a lost call or a disconnect (which also end in NoReply). */
	assert_int_equal(f->calls_seen, 1);
	assert_true(dbus_connection_get_is_connected(f->client));
	/* Half the timeout, since GLib computes its expiry from the cached loop time. */
	assert_true(f->reply.at - start >= 50 * 1000);
	/* Exactly once, even with the loop running on. */
	run_for(200);
	assert_int_equal(f->reply.count, 1);
}

/*
 * 3. N_TICKS signals are in the client's socket before its loop runs: each read
 * brings several, and every one of them must be dispatched, in order, although
 * nothing more arrives to wake the loop up.
 */
static void test_many_messages_in_one_read(void **state)
{
	Fixture *f = *state;

	for (dbus_uint32_t i = 0; i < N_TICKS; i++)
		emit(f->server_conn, "Tick", i);
	dbus_connection_flush(f->server_conn);
	assert_int_equal(f->ticks, 0);

	run_until(f, got_all_ticks);
	assert_int_equal(f->ticks_out_of_order, 0);
	assert_int_equal(dbus_connection_get_dispatch_status(f->client), DBUS_DISPATCH_COMPLETE);
	run_for(50);
	assert_int_equal(f->ticks, N_TICKS);
}

static void after_drop_the_loop_runs(Fixture *f)
{
	g_idle_add(set_flag, &f->idle_ran);
	run_until(f, idle_ran);
}

/*
 * 4. A signal handler detaches, closes and unrefs its own connection, in the
 * watch callback's dispatch, with more messages queued behind its own.
 */
static void test_drop_in_watch_dispatch(void **state)
{
	Fixture *f = *state;

	emit(f->server_conn, "Drop", 0);
	for (dbus_uint32_t i = 0; i < 10; i++)
		emit(f->server_conn, "After", i);
	dbus_connection_flush(f->server_conn);

	run_until(f, client_gone);
	assert_null(f->client);
	/* The filter went with the connection: nothing after Drop reached it. */
	assert_int_equal(f->signals->len, 1);
	assert_string_equal(g_ptr_array_index(f->signals, 0), "Drop");
	/* The close reached the socket. */
	run_until(f, server_saw_disconnect);
	after_drop_the_loop_runs(f);
}

static void drop_in_notify(DBusPendingCall *pending, void *data)
{
	Fixture *f = data;

	reply_ready(pending, &f->reply);
	/* The pending call holds a reference to the connection too. */
	dbus_pending_call_unref(f->reply.pending);
	f->reply.pending = NULL;
	drop_client(f);
}

/* 4b. The same from a pending call's notify, dispatched from the idle source. */
static void test_drop_in_idle_dispatch(void **state)
{
	Fixture *f = *state;

	call(f, "Ignore", "x", 100, &f->reply, drop_in_notify, f);
	run_until(f, client_gone);
	assert_null(f->client);
	assert_int_equal(f->reply.count, 1);
	assert_string_equal(dbus_message_get_error_name(f->reply.msg), DBUS_ERROR_NO_REPLY);
	run_until(f, server_saw_disconnect);
	after_drop_the_loop_runs(f);
}

/*
 * Reads what the server sent into the client's queue without dispatching it,
 * the way a flush or a blocking call reads while waiting for its own business.
 * dbus_connection_read_write() does not report the new dispatch status; the
 * flush, with nothing to send, does.
 */
static void read_queued(Fixture *f)
{
	gint64 deadline = g_get_monotonic_time() + DEADLINE_MS * 1000;

	while (dbus_connection_get_dispatch_status(f->client) != DBUS_DISPATCH_DATA_REMAINS) {
		assert_true(g_get_monotonic_time() < deadline);
		assert_true(dbus_connection_read_write(f->client, 100));
	}
	dbus_connection_flush(f->client);
}

/*
 * 4c. Dropped outside dispatch with an idle dispatch scheduled and a call's
 * timeout armed: neither may fire once the connection is detached.
 */
static void test_drop_with_work_pending(void **state)
{
	Fixture *f = *state;

	call(f, "Ignore", "x", 100, &f->timeout_reply, reply_ready, &f->timeout_reply);
	emit(f->server_conn, "Queued", 0);
	dbus_connection_flush(f->server_conn);
	/* Read outside a watch callback: dispatch_status_changed schedules the idle. */
	read_queued(f);

	drop_client(f);
	/* Past the call's timeout: a dispatch would have run the notify (with NoReply). */
	run_for(300);
	assert_int_equal(f->timeout_reply.count, 0);
	assert_int_equal(f->signals->len, 0);
	/*
	 * The pending call still holds the closed connection: libdbus completes
	 * pending calls on a disconnect only once the incoming queue is empty, so
	 * only the cancel frees it (bluez.c cancels its calls before dropping too).
	 */
	assert_false(f->client_freed);
	reply_clear(&f->timeout_reply);
	assert_true(f->client_freed);
	after_drop_the_loop_runs(f);
}

/*
 * 5. Detached, the connection is left alone; attached again, it dispatches what
 * was queued meanwhile (no watch will report that) and its watches read again.
 */
static void test_detach_attach(void **state)
{
	Fixture *f = *state;

	round_trip(f, "before");
	bus_loop_detach(f->client);
	/* Twice is harmless. */
	bus_loop_detach(f->client);

	emit(f->server_conn, "Early", 0);
	dbus_connection_flush(f->server_conn);
	run_for(200);
	assert_int_equal(f->signals->len, 0);
	/* Queued while detached: the flush reported it to no one, so attaching has to look. */
	read_queued(f);

	assert_int_equal(bus_loop_attach(f->client), 0);
	run_until(f, got_one_signal);
	assert_string_equal(g_ptr_array_index(f->signals, 0), "Early");
	round_trip(f, "after");
	emit(f->server_conn, "Late", 1);
	run_until(f, got_two_signals);
	assert_string_equal(g_ptr_array_index(f->signals, 1), "Late");
}

/* 5b. A call's timeout armed across a detach and an attach fires, once. */
static void test_detach_attach_timeout(void **state)
{
	Fixture *f = *state;

	call(f, "Ignore", "x", 300, &f->timeout_reply, reply_ready, &f->timeout_reply);
	bus_loop_detach(f->client);
	run_for(100);
	assert_int_equal(bus_loop_attach(f->client), 0);

	run_until(f, got_timeout_reply);
	assert_string_equal(dbus_message_get_error_name(f->timeout_reply.msg), DBUS_ERROR_NO_REPLY);
	run_for(100);
	assert_int_equal(f->timeout_reply.count, 1);
	round_trip(f, "after");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_messages_in_one_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_in_watch_dispatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_in_idle_dispatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_with_work_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_attach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_attach_timeout, setup, teardown),
	};
	int failed;

	/* Misuse of GLib or libdbus aborts the test instead of printing a line. */
	setenv("DBUS_FATAL_WARNINGS", "1", 1);
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	if (!dbus_connection_allocate_data_slot(&finalize_slot))
		return 1;
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	dbus_connection_free_data_slot(&finalize_slot);
	return failed;
}
