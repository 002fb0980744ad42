/* test-capture.c: the capture queue keeps writes in order and counts what it drops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "socket/capture.h"

static void push_byte(CaptureQueue *q, uint8_t b, bool expect_drop)
{
	assert_int_equal(capture_queue_push(q, &b, 1, 0, "/org/bluez/hci0/dev_1", 1), expect_drop);
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
	capture_queue_push(&q, data, sizeof(data), 7, NULL, 42);
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
	assert_false(capture_queue_push(&q, &b, 1, 0, NULL, 0));
	assert_int_equal(capture_queue_length(&q), 0);
	capture_queue_clear(&q);
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
	};

	return cmocka_run_group_tests_name("capture", tests, NULL, NULL);
}
