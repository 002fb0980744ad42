/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-listeners.c: the one observer style (shared/listeners.c): order of calls,
 * removal and addition from inside a callback, ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include <cmocka.h>

#include "shared/listeners.h"

typedef struct {
	void (*ping)(int value, void *user_data);
	void (*other)(int value, void *user_data);
} PingListener;

typedef struct {
	ListenerList *list;
	GString *log;
	char name;
	unsigned remove_id;    /* removed when this one is pinged */
	bool add_one;          /* adds a listener when pinged */
	unsigned *added_id;
} Probe;

static void probe_ping(int value, void *user_data)
{
	Probe *p = user_data;

	g_string_append_printf(p->log, "%c%d ", p->name, value);
	if (p->remove_id)
		listener_list_remove(p->list, p->remove_id);
	p->remove_id = 0;
}

static const PingListener ping_only = { .ping = probe_ping };
static const PingListener other_only = { .other = probe_ping };

static void report(ListenerList *list, int value)
{
	LISTENERS_REPORT(list, PingListener, ping, value);
}

static void test_listeners_are_called_in_the_order_added_with_their_data(void **state)
{
	g_autoptr(GString) log = g_string_new(NULL);
	ListenerList list;
	Probe a = { .list = &list, .log = log, .name = 'a' }, b = { .list = &list, .log = log, .name = 'b' };
	Probe c = { .list = &list, .log = log, .name = 'c' };

	listener_list_init(&list);
	assert_int_not_equal(listener_list_add(&list, &ping_only, &a), 0);
	listener_list_add(&list, &other_only, &c);   /* no ping: skipped */
	listener_list_add(&list, &ping_only, &b);
	report(&list, 1);
	report(&list, 2);
	assert_string_equal(log->str, "a1 b1 a2 b2 ");
	assert_int_equal(listener_list_count(&list), 3);
	listener_list_clear(&list);
}

static void test_removed_listener_is_not_called_and_unknown_ids_are_ignored(void **state)
{
	g_autoptr(GString) log = g_string_new(NULL);
	ListenerList list;
	Probe a = { .list = &list, .log = log, .name = 'a' }, b = { .list = &list, .log = log, .name = 'b' };
	unsigned id_a;

	listener_list_init(&list);
	id_a = listener_list_add(&list, &ping_only, &a);
	listener_list_add(&list, &ping_only, &b);
	listener_list_remove(&list, id_a);
	listener_list_remove(&list, id_a);
	listener_list_remove(&list, 0);
	listener_list_remove(&list, 9999);
	report(&list, 1);
	assert_string_equal(log->str, "b1 ");
	assert_int_equal(listener_list_count(&list), 1);
	listener_list_clear(&list);
}

/* a removes b (later in the list) and itself while being called: neither is called again. */
static void test_removal_from_inside_a_callback(void **state)
{
	g_autoptr(GString) log = g_string_new(NULL);
	ListenerList list;
	Probe a = { .list = &list, .log = log, .name = 'a' }, b = { .list = &list, .log = log, .name = 'b' };
	Probe c = { .list = &list, .log = log, .name = 'c' };
	unsigned id_b;

	listener_list_init(&list);
	listener_list_add(&list, &ping_only, &a);
	id_b = listener_list_add(&list, &ping_only, &b);
	listener_list_add(&list, &ping_only, &c);
	a.remove_id = id_b;
	report(&list, 1);
	assert_string_equal(log->str, "a1 c1 ");
	assert_int_equal(listener_list_count(&list), 2);
	report(&list, 2);
	assert_string_equal(log->str, "a1 c1 a2 c2 ");
	listener_list_clear(&list);
}

static void adder_ping(int value, void *user_data)
{
	Probe *p = user_data;

	g_string_append_printf(p->log, "%c%d ", p->name, value);
	if (p->add_one) {
		static Probe late;

		late = (Probe){ .list = p->list, .log = p->log, .name = 'z' };
		p->add_one = false;
		/* Enough additions to make the array grow (move) during the report. */
		for (int i = 0; i < 64; i++)
			listener_list_add(p->list, &other_only, &late);
		*p->added_id = listener_list_add(p->list, &ping_only, &late);
	}
}

static const PingListener adder = { .ping = adder_ping };

static void test_listener_added_during_a_report_is_called_from_the_next_one(void **state)
{
	g_autoptr(GString) log = g_string_new(NULL);
	ListenerList list;
	unsigned added = 0;
	Probe a = { .list = &list, .log = log, .name = 'a', .add_one = true, .added_id = &added };
	Probe b = { .list = &list, .log = log, .name = 'b' };

	listener_list_init(&list);
	listener_list_add(&list, &adder, &a);
	listener_list_add(&list, &ping_only, &b);
	report(&list, 1);
	assert_string_equal(log->str, "a1 b1 ");
	assert_int_not_equal(added, 0);
	report(&list, 2);
	assert_string_equal(log->str, "a1 b1 a2 b2 z2 ");
	listener_list_clear(&list);
}

typedef struct {
	int (*answer)(int question, void *user_data);
} AskListener;

static int answer_plus(int question, void *user_data)
{
	return question + GPOINTER_TO_INT(user_data);
}

static const AskListener asker = { .answer = answer_plus };
static const AskListener silent = { 0 };

static void test_ask_takes_the_first_listener_that_answers(void **state)
{
	ListenerList list;
	int result = -1;
	unsigned first;

	listener_list_init(&list);
	LISTENERS_ASK(&list, AskListener, answer, result, 1);
	assert_int_equal(result, -1);   /* nobody answers: left as it was */
	listener_list_add(&list, &silent, NULL);
	first = listener_list_add(&list, &asker, GINT_TO_POINTER(10));
	listener_list_add(&list, &asker, GINT_TO_POINTER(100));
	LISTENERS_ASK(&list, AskListener, answer, result, 1);
	assert_int_equal(result, 11);
	listener_list_remove(&list, first);
	LISTENERS_ASK(&list, AskListener, answer, result, 1);
	assert_int_equal(result, 101);
	listener_list_clear(&list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listeners_are_called_in_the_order_added_with_their_data),
		cmocka_unit_test(test_removed_listener_is_not_called_and_unknown_ids_are_ignored),
		cmocka_unit_test(test_removal_from_inside_a_callback),
		cmocka_unit_test(test_listener_added_during_a_report_is_called_from_the_next_one),
		cmocka_unit_test(test_ask_takes_the_first_listener_that_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
