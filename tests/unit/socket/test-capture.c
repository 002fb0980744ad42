/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-capture.c: the capture policy: the queue keeps writes in order and counts
 * what it drops; waiters are served oldest first; the set of captures follows a
 * reload, keeping queues.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "socket/capture.h"

static void push_byte(CaptureQueue *q, uint8_t b, bool expect_drop)
{
	assert_int_equal(capture_queue_push(q, &b, 1, 0, "/org/bluez/hci0/dev_1", "11:22:33:44:55:66", 1), expect_drop);
}

static uint8_t pop_byte(CaptureQueue *q, uint64_t expect_seq)
{
	g_autoptr(CapturedWrite) w = capture_queue_pop(q);
	gsize len;
	const uint8_t *data;

	assert_non_null(w);
	data = g_bytes_get_data(w->value, &len);
	assert_int_equal(len, 1);
	assert_int_equal(w->seq, expect_seq);
	assert_string_equal(w->device, "/org/bluez/hci0/dev_1");
	return data[0];
}

static void test_writes_come_out_in_order(void **state)
{
	CaptureQueue q;

	capture_queue_init(&q, 4);
	push_byte(&q, 10, false);
	push_byte(&q, 11, false);
	push_byte(&q, 12, false);
	assert_int_equal(capture_queue_length(&q), 3);
	assert_int_equal(pop_byte(&q, 1), 10);
	assert_int_equal(pop_byte(&q, 2), 11);
	assert_int_equal(pop_byte(&q, 3), 12);
	assert_null(capture_queue_pop(&q));
	assert_int_equal(q.overflows, 0);
	assert_int_equal(q.total, 3);
	capture_queue_clear(&q);
}

static void test_overflow_drops_the_oldest_and_counts_it(void **state)
{
	CaptureQueue q;

	capture_queue_init(&q, 2);
	push_byte(&q, 1, false);
	push_byte(&q, 2, false);
	push_byte(&q, 3, true);
	push_byte(&q, 4, true);
	assert_int_equal(q.overflows, 2);
	assert_int_equal(capture_queue_length(&q), 2);
	/* Sequence numbers show the gap: 1 and 2 were dropped. */
	assert_int_equal(pop_byte(&q, 3), 3);
	assert_int_equal(pop_byte(&q, 4), 4);
	capture_queue_clear(&q);
}

static void test_write_keeps_its_bytes_and_offset(void **state)
{
	CaptureQueue q;
	const uint8_t data[] = { 'h', 'i', '\n' };
	g_autoptr(CapturedWrite) w = NULL;
	gsize len;

	capture_queue_init(&q, 1);
	capture_queue_push(&q, data, sizeof(data), 7, NULL, NULL, 42);
	w = capture_queue_pop(&q);
	assert_memory_equal(g_bytes_get_data(w->value, &len), data, sizeof(data));
	assert_int_equal(len, 3);
	assert_int_equal(w->offset, 7);
	assert_null(w->device);
	assert_int_equal(w->time_us, 42);
	capture_queue_clear(&q);
}

static void test_undelivered_write_goes_back_to_the_head_with_its_seq(void **state)
{
	CaptureQueue q;
	CapturedWrite *w;

	capture_queue_init(&q, 4);
	push_byte(&q, 1, false);
	push_byte(&q, 2, false);
	w = capture_queue_pop(&q);
	assert_int_equal(w->seq, 1);
	capture_queue_unpop(&q, w);
	assert_int_equal(capture_queue_length(&q), 2);
	assert_int_equal(pop_byte(&q, 1), 1);
	assert_int_equal(pop_byte(&q, 2), 2);
	capture_queue_clear(&q);
}

static void test_writes_given_back_in_any_order_are_queued_in_seq_order(void **state)
{
	CaptureQueue q;
	CapturedWrite *first, *second;

	capture_queue_init(&q, 4);
	push_byte(&q, 1, false);
	push_byte(&q, 2, false);
	push_byte(&q, 3, false);
	first = capture_queue_pop(&q);
	second = capture_queue_pop(&q);
	/* Two takers: the one of the first write is closed first, then the one of the second. */
	capture_queue_unpop(&q, first);
	capture_queue_unpop(&q, second);
	assert_int_equal(pop_byte(&q, 1), 1);
	assert_int_equal(pop_byte(&q, 2), 2);
	assert_int_equal(pop_byte(&q, 3), 3);
	capture_queue_clear(&q);
}

static void test_write_given_back_to_a_full_queue_is_kept_ahead_of_it(void **state)
{
	CaptureQueue q;
	CapturedWrite *w;

	capture_queue_init(&q, 2);
	push_byte(&q, 1, false);
	w = capture_queue_pop(&q);
	push_byte(&q, 2, false);
	push_byte(&q, 3, false);
	capture_queue_unpop(&q, w);
	assert_int_equal(capture_queue_length(&q), 3);
	assert_int_equal(q.overflows, 0);
	assert_int_equal(pop_byte(&q, 1), 1);
	assert_int_equal(pop_byte(&q, 2), 2);
	assert_int_equal(pop_byte(&q, 3), 3);
	capture_queue_clear(&q);
}

static void test_zero_capacity_captures_nothing(void **state)
{
	CaptureQueue q;
	uint8_t b = 1;

	capture_queue_init(&q, 0);
	assert_false(capture_queue_push(&q, &b, 1, 0, NULL, NULL, 0));
	assert_int_equal(capture_queue_length(&q), 0);
	capture_queue_clear(&q);
}

static GPtrArray *chars_of(CfgCharacteristic *cfgs, size_t n)
{
	GPtrArray *chars = g_ptr_array_new();

	for (size_t i = 0; i < n; i++)
		g_ptr_array_add(chars, &cfgs[i]);
	return chars;
}

static void test_waiters_are_served_oldest_first_one_write_each(void **state)
{
	CfgCharacteristic cfg = { .id = "a", .capture = 4 };
	Capture cap = { .cfg = &cfg };
	int first, second;
	void *waiter = NULL;
	CapturedWrite *w;

	capture_queue_init(&cap.queue, 4);
	g_queue_init(&cap.waiters);
	capture_wait(&cap, &first);
	capture_wait(&cap, &second);
	/* Nothing queued: nobody is served, nobody taken out. */
	assert_null(capture_serve(&cap, &waiter));
	assert_int_equal(cap.waiters.length, 2);
	push_byte(&cap.queue, 1, false);
	w = capture_serve(&cap, &waiter);
	assert_non_null(w);
	assert_ptr_equal(waiter, &first);
	assert_int_equal(w->seq, 1);
	capture_write_free(w);
	assert_null(capture_serve(&cap, &waiter));
	assert_int_equal(cap.waiters.length, 1);
	capture_unwait(&cap, &second);
	assert_int_equal(cap.waiters.length, 0);
	capture_queue_clear(&cap.queue);
}

static void test_reload_keeps_queues_by_id_and_returns_the_removed(void **state)
{
	CfgCharacteristic before[] = { { .id = "a", .capture = 4 }, { .id = "b", .capture = 2 }, { .id = "x" } };
	CfgCharacteristic after[] = { { .id = "c", .capture = 1 }, { .id = "a", .capture = 4 } };
	g_autoptr(CaptureSet) set = capture_set_new();
	g_autoptr(GPtrArray) chars = chars_of(before, G_N_ELEMENTS(before));
	g_autoptr(GPtrArray) removed = capture_set_rebuild(set, chars);
	g_autoptr(GPtrArray) chars2 = chars_of(after, G_N_ELEMENTS(after));
	g_autoptr(GPtrArray) removed2 = NULL;
	Capture *a = capture_set_lookup(set, "a");
	int waiter;
	uint64_t queued, overflows;

	assert_int_equal(removed->len, 0);
	assert_non_null(a);
	assert_non_null(capture_set_lookup(set, "b"));
	assert_null(capture_set_lookup(set, "x"));
	push_byte(&a->queue, 1, false);
	push_byte(&a->queue, 2, false);
	capture_wait(capture_set_lookup(set, "b"), &waiter);

	removed2 = capture_set_rebuild(set, chars2);
	/* a is the same capture, now of the new configuration, its writes and seq kept. */
	assert_ptr_equal(capture_set_lookup(set, "a"), a);
	assert_ptr_equal(a->cfg, &after[1]);
	assert_int_equal(capture_queue_length(&a->queue), 2);
	push_byte(&a->queue, 3, false);
	assert_int_equal(pop_byte(&a->queue, 1), 1);
	assert_non_null(capture_set_lookup(set, "c"));
	/* b no longer captures: handed back with its waiter, to be told. */
	assert_null(capture_set_lookup(set, "b"));
	assert_int_equal(removed2->len, 1);
	assert_string_equal(((Capture *)removed2->pdata[0])->cfg->id, "b");
	assert_ptr_equal(g_queue_peek_head(&((Capture *)removed2->pdata[0])->waiters), &waiter);
	capture_set_count(set, &queued, &overflows);
	assert_int_equal(queued, 2);
	assert_int_equal(overflows, 0);
	{
		g_autoptr(GPtrArray) all = capture_set_list(set);

		assert_int_equal(all->len, 2);
	}
}

static void test_reload_shrinking_a_queue_drops_the_oldest_and_counts_them(void **state)
{
	CfgCharacteristic before[] = { { .id = "a", .capture = 4 } };
	CfgCharacteristic after[] = { { .id = "a", .capture = 1 } };
	g_autoptr(CaptureSet) set = capture_set_new();
	g_autoptr(GPtrArray) chars = chars_of(before, 1);
	g_autoptr(GPtrArray) chars2 = chars_of(after, 1);
	g_autoptr(GPtrArray) removed = capture_set_rebuild(set, chars);
	g_autoptr(GPtrArray) removed2 = NULL;
	Capture *a = capture_set_lookup(set, "a");
	uint64_t queued, overflows;

	push_byte(&a->queue, 1, false);
	push_byte(&a->queue, 2, false);
	push_byte(&a->queue, 3, false);
	removed2 = capture_set_rebuild(set, chars2);
	assert_int_equal(removed2->len, 0);
	assert_int_equal(a->queue.capacity, 1);
	capture_set_count(set, &queued, &overflows);
	assert_int_equal(queued, 1);
	assert_int_equal(overflows, 2);
	assert_int_equal(pop_byte(&a->queue, 3), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writes_come_out_in_order),
		cmocka_unit_test(test_overflow_drops_the_oldest_and_counts_it),
		cmocka_unit_test(test_write_keeps_its_bytes_and_offset),
		cmocka_unit_test(test_undelivered_write_goes_back_to_the_head_with_its_seq),
		cmocka_unit_test(test_writes_given_back_in_any_order_are_queued_in_seq_order),
		cmocka_unit_test(test_write_given_back_to_a_full_queue_is_kept_ahead_of_it),
		cmocka_unit_test(test_zero_capacity_captures_nothing),
		cmocka_unit_test(test_waiters_are_served_oldest_first_one_write_each),
		cmocka_unit_test(test_reload_keeps_queues_by_id_and_returns_the_removed),
		cmocka_unit_test(test_reload_shrinking_a_queue_drops_the_oldest_and_counts_them),
	};

	return cmocka_run_group_tests_name("capture", tests, NULL, NULL);
}
