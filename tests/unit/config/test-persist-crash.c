/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-persist-crash.c: a crash at any moment of a save leaves a value that was written.
 *
 * A child process saves numbered values in a tight loop and is killed with
 * SIGKILL after a random delay, 50 times over. After each kill the stored value
 * must load and be either the one found before this child ran or one of the
 * child's own: never a mix, never missing. Every value carries its sequence
 * number and a body derived from it, with a length that changes from save to
 * save, so a torn file cannot pass for a written value. Nothing here depends on
 * how fast the machine is: the delay only moves where the kill lands.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <cmocka.h>

#include "test-util.h"
#include "config/persist.h"

#define ID "console/state"
#define UUID "6e400005-b5a3-f393-e0a9-e50e24dcca9e"
#define TYPE "hex"
#define ROUNDS 50
/* Child k saves sequence numbers k * SEQ_BLOCK + 1, + 2, ...; round 0 is the parent's first save. */
#define SEQ_BLOCK 100000000ull

/* 8 bytes of sequence number (little-endian), then seq % 200 bytes derived from it. */
static GBytes *value_for_seq(uint64_t seq)
{
	size_t body = (size_t)(seq % 200);
	uint8_t *data = g_malloc(8 + body);

	for (int i = 0; i < 8; i++)
		data[i] = (uint8_t)(seq >> (8 * i));
	for (size_t i = 0; i < body; i++)
		data[8 + i] = (uint8_t)(seq * 31 + i);
	return g_bytes_new_take(data, 8 + body);
}

/* The sequence number of a value value_for_seq() made, or fails the test. */
static uint64_t seq_of_value(GBytes *value)
{
	g_autoptr(GBytes) expected = NULL;
	gsize len;
	const uint8_t *data = g_bytes_get_data(value, &len);
	uint64_t seq = 0;

	if (len < 8)
		fail_msg("loaded value has %zu bytes, no sequence number", (size_t)len);
	for (int i = 0; i < 8; i++)
		seq |= (uint64_t)data[i] << (8 * i);
	expected = value_for_seq(seq);
	if (!g_bytes_equal(value, expected))
		fail_msg("loaded value claims sequence %" G_GUINT64_FORMAT " but its bytes are not that value's", seq);
	return seq;
}

static int save_seq(PersistStore *store, uint64_t seq)
{
	g_autoptr(GBytes) value = value_for_seq(seq);
	gsize len;
	const uint8_t *data = g_bytes_get_data(value, &len);

	return persist_store_save(store, ID, UUID, TYPE, data, len);
}

static G_NORETURN void child_save_forever(PersistStore *store, uint64_t first_seq, int ready_fd)
{
	/* Tell the parent the loop starts; the kill lands somewhere inside it. */
	if (write(ready_fd, "x", 1) != 1)
		_exit(2);
	close(ready_fd);
	for (uint64_t seq = first_seq; seq < first_seq + SEQ_BLOCK - 1; seq++) {
		if (save_seq(store, seq) < 0)
			_exit(1);
	}
	_exit(0);
}

static void kill_child_and_reap(pid_t pid)
{
	int status;

	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fail_msg("the saving child stopped by itself (status %d): a save failed", status);
}

static void test_kill_during_save_burst_leaves_a_value_that_was_written(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("gattd-test-persist-crash-XXXXXX", NULL);
	g_autofree char *error = NULL;
	g_autoptr(PersistStore) store = NULL;
	g_autoptr(GRand) rand = g_rand_new();
	uint64_t current = 0;
	unsigned kept_old = 0, took_new = 0;

	assert_non_null(dir);
	store = persist_store_open(dir, &error);
	assert_non_null(store);
	assert_int_equal(save_seq(store, current), 0);

	for (uint64_t round = 1; round <= ROUNDS; round++) {
		g_autoptr(GBytes) loaded = NULL;
		g_autofree char *load_error = NULL;
		int ready[2];
		char byte;
		pid_t pid;
		uint64_t seq;

		assert_int_equal(pipe(ready), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(ready[0]);
			child_save_forever(store, round * SEQ_BLOCK + 1, ready[1]);
		}
		close(ready[1]);
		assert_int_equal(read(ready[0], &byte, 1), 1);
		close(ready[0]);
		g_usleep((gulong)g_rand_int_range(rand, 0, 20000));
		kill_child_and_reap(pid);

		assert_int_equal(persist_store_load(store, ID, UUID, TYPE, &loaded, &load_error), 0);
		seq = seq_of_value(loaded);
		if (seq == current) {
			kept_old++;
		} else if (seq > round * SEQ_BLOCK && seq < (round + 1) * SEQ_BLOCK) {
			took_new++;
		} else {
			fail_msg("round %" G_GUINT64_FORMAT ": loaded sequence %" G_GUINT64_FORMAT
			         ", neither the previous %" G_GUINT64_FORMAT " nor one this child wrote",
			         round, seq, current);
		}
		current = seq;
	}
	print_message("%u rounds ended on a value the killed child wrote, %u on the one before it\n", took_new,
	              kept_old);
	test_remove_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_during_save_burst_leaves_a_value_that_was_written),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
