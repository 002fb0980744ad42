/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-gatt-access.c: the read and write rules of gatt/access.c (flags, offsets,
 * MaxLength, a fixed Type size, prepared and long writes) and the -errno and message
 * each refusal gets, on plain byte arrays (no bus).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include <cmocka.h>

#include "config/config.h"
#include "config/flags.h"
#include "gatt/access.h"

typedef struct {
	GByteArray *value;
	GattAccess access;
} Fixture;

static int setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	static const uint8_t initial[] = { 1, 2, 3, 4 };

	f->value = g_byte_array_new();
	g_byte_array_append(f->value, initial, sizeof(initial));
	f->access = (GattAccess){
		.id = "s/c", .value = f->value, .perms = GATT_PERM_READ | GATT_PERM_WRITE, .max_length = 8,
	};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;

	g_byte_array_unref(f->value);
	g_free(f);
	return 0;
}

static void assert_value(const GByteArray *value, const uint8_t *expected, size_t len)
{
	assert_int_equal(value->len, len);
	assert_memory_equal(value->data, expected, len);
}

static int write_bytes(Fixture *f, uint16_t offset, const uint8_t *data, size_t len, char **error)
{
	GattWriteRequest req = { .data = data, .len = len, .offset = offset };

	return gatt_access_write(&f->access, &req, error);
}

static void test_read_whole_and_from_offset(void **state)
{
	Fixture *f = *state;
	char *error = NULL;

	assert_int_equal(gatt_access_read(&f->access, 0, &error), 4);
	assert_int_equal(gatt_access_read(&f->access, 3, &error), 1);
	/* At the end: an empty read, not an error. */
	assert_int_equal(gatt_access_read(&f->access, 4, &error), 0);
	assert_null(error);
}

static void test_read_refused_without_read_flag(void **state)
{
	Fixture *f = *state;
	g_autofree char *error = NULL;

	f->access.perms = GATT_PERM_WRITE | GATT_PERM_NOTIFY;
	assert_int_equal(gatt_access_read(&f->access, 0, &error), -EPERM);
	assert_string_equal(error, "s/c is not readable");
}

static void test_read_offset_beyond_value(void **state)
{
	Fixture *f = *state;
	g_autofree char *error = NULL;

	assert_int_equal(gatt_access_read(&f->access, 5, &error), -ENXIO);
	assert_string_equal(error, "s/c: offset 5 is beyond the value's 4 bytes");
}

static void test_read_capped_at_att_maximum(void **state)
{
	Fixture *f = *state;
	char *error = NULL;

	g_byte_array_set_size(f->value, GATTD_MAX_VALUE_LEN + 88);
	assert_int_equal(gatt_access_read(&f->access, 0, &error), GATTD_MAX_VALUE_LEN);
	assert_int_equal(gatt_access_read(&f->access, 88, &error), GATTD_MAX_VALUE_LEN);
	assert_int_equal(gatt_access_read(&f->access, 89, &error), GATTD_MAX_VALUE_LEN - 1);
	assert_null(error);
}

static void test_write_replaces_value(void **state)
{
	Fixture *f = *state;
	static const uint8_t data[] = { 9, 8 };
	char *error = NULL;

	assert_int_equal(write_bytes(f, 0, data, sizeof(data), &error), 1);
	assert_null(error);
	assert_value(f->value, data, sizeof(data));
}

static void test_write_at_offset_keeps_prefix_drops_rest(void **state)
{
	Fixture *f = *state;
	static const uint8_t data[] = { 7 };
	static const uint8_t expected[] = { 1, 2, 7 };
	char *error = NULL;

	assert_int_equal(write_bytes(f, 2, data, sizeof(data), &error), 1);
	assert_value(f->value, expected, sizeof(expected));
}

static void test_long_write_in_pieces(void **state)
{
	Fixture *f = *state;
	static const uint8_t first[] = { 10, 11, 12 }, second[] = { 13, 14, 15 };
	static const uint8_t expected[] = { 10, 11, 12, 13, 14, 15 };
	char *error = NULL;

	assert_int_equal(write_bytes(f, 0, first, sizeof(first), &error), 1);
	assert_int_equal(write_bytes(f, 3, second, sizeof(second), &error), 1);
	assert_value(f->value, expected, sizeof(expected));
	/* Appending right at the end is allowed. */
	assert_int_equal(write_bytes(f, 6, NULL, 0, &error), 1);
	assert_null(error);
}

static void test_prepare_authorize_checks_without_storing(void **state)
{
	Fixture *f = *state;
	static const uint8_t data[] = { 9, 9, 9 };
	static const uint8_t initial[] = { 1, 2, 3, 4 };
	GattWriteRequest req = { .data = data, .len = sizeof(data), .prepare_authorize = true };
	g_autofree char *error = NULL;

	assert_int_equal(gatt_access_write(&f->access, &req, &error), 0);
	assert_value(f->value, initial, sizeof(initial));
	/* A probe is refused on the same grounds as the write itself. */
	req.len = 9;
	assert_int_equal(gatt_access_write(&f->access, &req, &error), -EMSGSIZE);
	assert_value(f->value, initial, sizeof(initial));
}

static void test_write_refused_without_write_flag(void **state)
{
	Fixture *f = *state;
	static const uint8_t data[] = { 9 };
	static const uint8_t initial[] = { 1, 2, 3, 4 };
	g_autofree char *error = NULL;

	f->access.perms = GATT_PERM_READ | GATT_PERM_INDICATE;
	assert_int_equal(write_bytes(f, 0, data, sizeof(data), &error), -EPERM);
	assert_string_equal(error, "s/c is not writable");
	assert_value(f->value, initial, sizeof(initial));
}

static void test_write_offset_beyond_value(void **state)
{
	Fixture *f = *state;
	static const uint8_t data[] = { 9 };
	g_autofree char *error = NULL;

	assert_int_equal(write_bytes(f, 5, data, sizeof(data), &error), -ENXIO);
	assert_string_equal(error, "s/c: offset 5 is beyond the value's 4 bytes");
}

static void test_write_beyond_max_length(void **state)
{
	Fixture *f = *state;
	static const uint8_t data[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const uint8_t initial[] = { 1, 2, 3, 4 };
	char *error = NULL;

	assert_int_equal(write_bytes(f, 0, data, sizeof(data), &error), -EMSGSIZE);
	assert_string_equal(error, "s/c: 9 bytes exceed MaxLength 8");
	g_clear_pointer(&error, g_free);
	/* The offset counts: 4 kept + 5 written is 9 as well. */
	assert_int_equal(write_bytes(f, 4, data, 5, &error), -EMSGSIZE);
	assert_string_equal(error, "s/c: 9 bytes exceed MaxLength 8");
	g_free(error);
	assert_value(f->value, initial, sizeof(initial));
	/* Exactly MaxLength fits. */
	assert_int_equal(write_bytes(f, 4, data, 4, &error), 1);
	assert_int_equal(f->value->len, 8);
}

static void test_write_of_fixed_size(void **state)
{
	Fixture *f = *state;
	static const uint8_t data[] = { 5, 6 };
	static const uint8_t expected[] = { 1, 5, 6 };
	char *error = NULL;

	f->access.fixed_size = 3;
	assert_int_equal(write_bytes(f, 0, data, sizeof(data), &error), -EMSGSIZE);
	assert_string_equal(error, "s/c: value must be exactly 3 bytes, got 2");
	g_clear_pointer(&error, g_free);
	/* A piece of a long write that completes the size is accepted. */
	assert_int_equal(write_bytes(f, 1, data, sizeof(data), &error), 1);
	assert_value(f->value, expected, sizeof(expected));
	assert_null(error);
}

/* The order of the checks decides which error a write that breaks several rules gets. */
static void test_refusal_order(void **state)
{
	Fixture *f = *state;
	static const uint8_t data[16] = { 0 };
	char *error = NULL;

	f->access.fixed_size = 2;
	f->access.perms = GATT_PERM_READ;
	assert_int_equal(write_bytes(f, 9, data, sizeof(data), &error), -EPERM);
	g_clear_pointer(&error, g_free);
	f->access.perms = GATT_PERM_WRITE;
	assert_int_equal(write_bytes(f, 9, data, sizeof(data), &error), -ENXIO);
	g_clear_pointer(&error, g_free);
	assert_int_equal(write_bytes(f, 0, data, sizeof(data), &error), -EMSGSIZE);
	assert_string_equal(error, "s/c: 16 bytes exceed MaxLength 8");
	g_free(error);
}

static void test_value_replace(void **state)
{
	Fixture *f = *state;
	static const uint8_t data[] = { 42 };

	gatt_value_replace(f->value, data, sizeof(data));
	assert_value(f->value, data, sizeof(data));
	gatt_value_replace(f->value, NULL, 0);
	assert_int_equal(f->value->len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_whole_and_from_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_refused_without_read_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_offset_beyond_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_capped_at_att_maximum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_replaces_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_at_offset_keeps_prefix_drops_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_write_in_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_authorize_checks_without_storing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_refused_without_write_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_offset_beyond_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_beyond_max_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_of_fixed_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_value_replace, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
