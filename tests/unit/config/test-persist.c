/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-persist.c: the value store of Persist=true characteristics.
 *
 * Each test opens a store in a fresh temporary directory. Refusals are checked
 * by errno and by the reason, which must name the file and the problem, since
 * it ends up in gattd's warning.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <cmocka.h>

#include "test-util.h"
#include "config/persist.h"

#define ID "battery/level"
#define FILE_NAME "battery.level"
#define UUID "00002a19-0000-1000-8000-00805f9b34fb"
#define OTHER_UUID "00002a1a-0000-1000-8000-00805f9b34fb"

typedef struct {
	char *dir;
	char *values; /* dir/values */
	PersistStore *store;
} Fixture;

static int setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autofree char *error = NULL;

	f->dir = g_dir_make_tmp("gattd-test-persist-XXXXXX", NULL);
	assert_non_null(f->dir);
	f->values = g_build_filename(f->dir, "values", NULL);
	f->store = persist_store_open(f->dir, &error);
	assert_null(error);
	assert_non_null(f->store);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;

	persist_store_free(f->store);
	g_chmod(f->values, 0700);
	test_remove_tree(f->dir);
	g_free(f->values);
	g_free(f->dir);
	g_free(f);
	return 0;
}

static char *value_path(Fixture *f, const char *name)
{
	return g_build_filename(f->values, name, NULL);
}

/* Plain write, no fsync: the mutation test writes thousands of files. */
static void write_raw(Fixture *f, const char *name, const char *content, gssize len)
{
	g_autofree char *path = value_path(f, name);
	FILE *file = fopen(path, "w");
	size_t size = len < 0 ? strlen(content) : (size_t)len;

	assert_non_null(file);
	assert_int_equal(fwrite(content, 1, size, file), size);
	assert_int_equal(fclose(file), 0);
}

static char *read_raw(Fixture *f, const char *name, gsize *ret_len)
{
	g_autofree char *path = value_path(f, name);
	char *content = NULL;

	assert_true(g_file_get_contents(path, &content, ret_len, NULL));
	return content;
}

static void save_ok(Fixture *f, const char *type, const void *data, size_t len)
{
	assert_int_equal(persist_store_save(f->store, ID, UUID, type, data, len), 0);
}

/* Loads ID as (UUID, type) and checks the bytes. */
static void assert_loads(Fixture *f, const char *type, const void *data, size_t len)
{
	g_autoptr(GBytes) value = NULL;
	g_autofree char *error = NULL;
	gsize got_len;
	const void *got;

	assert_int_equal(persist_store_load(f->store, ID, UUID, type, &value, &error), 0);
	assert_null(error);
	assert_non_null(value);
	got = g_bytes_get_data(value, &got_len);
	assert_int_equal(got_len, len);
	if (len)
		assert_memory_equal(got, data, len);
}

/* Loading ID as (uuid, type) is refused with -EINVAL, a reason naming the file, and containing `part`. */
static void assert_refused_as(Fixture *f, const char *uuid, const char *type, const char *part)
{
	GBytes *value = NULL;
	g_autofree char *error = NULL;

	assert_int_equal(persist_store_load(f->store, ID, uuid, type, &value, &error), -EINVAL);
	assert_null(value);
	assert_non_null(error);
	if (!strstr(error, FILE_NAME) || !strstr(error, part))
		fail_msg("reason '%s' should name " FILE_NAME " and contain '%s'", error, part);
}

static void assert_refused(Fixture *f, const char *part)
{
	assert_refused_as(f, UUID, "u16", part);
}

/* ---- round trip ---- */

static void test_saved_value_loads_back(void **state)
{
	Fixture *f = *state;
	const uint8_t value[] = { 0x2c, 0x01 };

	save_ok(f, "u16", value, sizeof(value));
	assert_loads(f, "u16", value, sizeof(value));
}

static void test_empty_and_512_byte_values_load_back(void **state)
{
	Fixture *f = *state;
	uint8_t big[512];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	save_ok(f, "hex", NULL, 0);
	assert_loads(f, "hex", NULL, 0);
	save_ok(f, "hex", big, sizeof(big));
	assert_loads(f, "hex", big, sizeof(big));
}

static void test_uuid_matches_whatever_its_case(void **state)
{
	Fixture *f = *state;
	const uint8_t value[] = { 42 };
	g_autoptr(GBytes) loaded = NULL;
	g_autofree char *error = NULL;

	save_ok(f, "u8", value, 1);
	assert_int_equal(persist_store_load(f->store, ID, "00002A19-0000-1000-8000-00805F9B34FB", "u8", &loaded, &error),
	                 0);
	assert_null(error);
}

static void test_characteristics_are_stored_apart(void **state)
{
	Fixture *f = *state;
	const uint8_t a = 1, b = 2;
	g_autoptr(GBytes) loaded = NULL;
	g_autofree char *error = NULL;

	save_ok(f, "u8", &a, 1);
	assert_int_equal(persist_store_save(f->store, "battery/level2", UUID, "u8", &b, 1), 0);
	assert_loads(f, "u8", &a, 1);
	assert_int_equal(persist_store_load(f->store, "battery/level2", UUID, "u8", &loaded, &error), 0);
	assert_int_equal(*(const uint8_t *)g_bytes_get_data(loaded, NULL), 2);
}

static void test_nothing_saved_is_enoent_without_reason(void **state)
{
	Fixture *f = *state;
	GBytes *value = NULL;
	char *error = NULL;

	assert_int_equal(persist_store_load(f->store, ID, UUID, "u8", &value, &error), -ENOENT);
	assert_null(value);
	assert_null(error);
}

static void test_files_are_private_to_gattd(void **state)
{
	Fixture *f = *state;
	g_autofree char *path = value_path(f, FILE_NAME);
	const uint8_t value = 1;
	struct stat st;

	save_ok(f, "u8", &value, 1);
	assert_int_equal(stat(f->values, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_a_store_opened_again_finds_the_value(void **state)
{
	Fixture *f = *state;
	const uint8_t value[] = { 0xde, 0xad };
	g_autofree char *error = NULL;

	save_ok(f, "hex", value, sizeof(value));
	persist_store_free(f->store);
	f->store = persist_store_open(f->dir, &error);
	assert_non_null(f->store);
	assert_loads(f, "hex", value, sizeof(value));
}

/* ---- atomic replace ---- */

static void test_save_replaces_the_value_and_leaves_no_temporary_file(void **state)
{
	Fixture *f = *state;
	const uint8_t old_value = 1, new_value = 2;
	g_autofree char *tmp = value_path(f, FILE_NAME ".tmp");

	save_ok(f, "u8", &old_value, 1);
	save_ok(f, "u8", &new_value, 1);
	assert_loads(f, "u8", &new_value, 1);
	assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
}

static void test_failed_save_keeps_the_old_value(void **state)
{
	Fixture *f = *state;
	const uint8_t old_value = 1, new_value = 2;
	g_autofree char *tmp = value_path(f, FILE_NAME ".tmp");

	save_ok(f, "u8", &old_value, 1);
	/* A directory where the temporary file goes makes the save fail before the rename. */
	assert_int_equal(g_mkdir(tmp, 0700), 0);
	assert_int_equal(persist_store_save(f->store, ID, UUID, "u8", &new_value, 1), -EISDIR);
	assert_loads(f, "u8", &old_value, 1);
}

static void test_temporary_file_left_by_a_crash_is_ignored_and_replaced(void **state)
{
	Fixture *f = *state;
	const uint8_t old_value = 1, new_value = 2;

	save_ok(f, "u8", &old_value, 1);
	write_raw(f, FILE_NAME ".tmp", "[Value]\nCharacteristic=batt", -1);
	assert_loads(f, "u8", &old_value, 1);
	save_ok(f, "u8", &new_value, 1);
	assert_loads(f, "u8", &new_value, 1);
}

/* ---- refusals ---- */

static void test_garbage_is_refused_with_reason(void **state)
{
	Fixture *f = *state;

	write_raw(f, FILE_NAME, "hello world\n", -1);
	assert_refused(f, FILE_NAME);
	write_raw(f, FILE_NAME, "\xff\xfe\x80[Value]\n", -1);
	assert_refused(f, FILE_NAME);
	write_raw(f, FILE_NAME, "[Value]\nCharacteristic=" ID "\0UUID=" UUID "\n", 50);
	assert_refused(f, "NUL");
	write_raw(f, FILE_NAME, "", 0);
	assert_refused(f, "no [Value] group");
}

static void test_every_truncation_is_refused(void **state)
{
	Fixture *f = *state;
	const uint8_t value[] = { 0x2c, 0x01 };
	g_autofree char *content = NULL;
	gsize len;

	save_ok(f, "u16", value, sizeof(value));
	content = read_raw(f, FILE_NAME, &len);
	assert_true(len > 0 && content[len - 1] == '\n');
	/* Every cut that loses more than the final newline must be refused. */
	for (gsize cut = 0; cut < len - 1; cut++) {
		GBytes *loaded = NULL;
		g_autofree char *error = NULL;

		write_raw(f, FILE_NAME, content, (gssize)cut);
		if (persist_store_load(f->store, ID, UUID, "u16", &loaded, &error) != -EINVAL)
			fail_msg("file cut after %zu of %zu bytes was accepted", (size_t)cut, (size_t)len);
		assert_null(loaded);
		assert_non_null(error);
	}
	write_raw(f, FILE_NAME, content, (gssize)len - 1);
	assert_loads(f, "u16", value, sizeof(value));
}

static void test_length_disagreeing_with_value_is_refused(void **state)
{
	Fixture *f = *state;

	write_raw(f, FILE_NAME, "[Value]\nCharacteristic=" ID "\nUUID=" UUID "\nType=u16\nLength=3\nHex=2c01\n", -1);
	assert_refused(f, "Length=3");
	write_raw(f, FILE_NAME, "[Value]\nCharacteristic=" ID "\nUUID=" UUID "\nType=u16\nLength=-1\nHex=2c01\n", -1);
	assert_refused(f, "not a byte count");
	write_raw(f, FILE_NAME, "[Value]\nCharacteristic=" ID "\nUUID=" UUID "\nType=u16\nLength=2\nHex=2c0x\n", -1);
	assert_refused(f, "non-hex");
}

static void test_unexpected_groups_and_keys_are_refused(void **state)
{
	Fixture *f = *state;

	write_raw(f, FILE_NAME,
	          "[Value]\nCharacteristic=" ID "\nUUID=" UUID "\nType=u16\nLength=2\nHex=2c01\n[Other]\nA=b\n", -1);
	assert_refused(f, "unexpected group [Other]");
	write_raw(f, FILE_NAME, "[Value]\nCharacteristic=" ID "\nUUID=" UUID "\nType=u16\nLength=2\nHex=2c01\nX=1\n", -1);
	assert_refused(f, "unexpected key X");
	write_raw(f, FILE_NAME, "[Value]\nCharacteristic=" ID "\nUUID=" UUID "\nLength=2\nHex=2c01\n", -1);
	assert_refused(f, "no Type=");
}

static void test_oversized_file_is_refused(void **state)
{
	Fixture *f = *state;
	const char *body = "[Value]\nCharacteristic=" ID "\nUUID=" UUID "\nType=u16\nLength=2\nHex=2c01\n";
	g_autoptr(GString) content = g_string_new(NULL);
	const uint8_t value[] = { 0x2c, 0x01 };

	/* Exactly at the limit (a long comment, then a valid body) still loads ... */
	g_string_append_c(content, '#');
	while (content->len < PERSIST_MAX_FILE_SIZE - strlen(body) - 1)
		g_string_append_c(content, 'x');
	g_string_append_c(content, '\n');
	g_string_append(content, body);
	assert_int_equal(content->len, PERSIST_MAX_FILE_SIZE);
	write_raw(f, FILE_NAME, content->str, (gssize)content->len);
	assert_loads(f, "u16", value, sizeof(value));

	/* ... one byte more does not, and neither does a huge file. */
	g_string_prepend_c(content, '#');
	write_raw(f, FILE_NAME, content->str, (gssize)content->len);
	assert_refused(f, "larger than 4096 bytes");
	while (content->len < 1024 * 1024)
		g_string_append(content, "Hex=00\n");
	write_raw(f, FILE_NAME, content->str, (gssize)content->len);
	assert_refused(f, "larger than 4096 bytes");
}

static void test_value_recorded_for_another_uuid_is_refused(void **state)
{
	Fixture *f = *state;
	const uint8_t value[] = { 0x2c, 0x01 };

	save_ok(f, "u16", value, sizeof(value));
	assert_refused_as(f, OTHER_UUID, "u16", "recorded for UUID " UUID ", not " OTHER_UUID);
}

static void test_value_recorded_for_another_type_is_refused(void **state)
{
	Fixture *f = *state;
	const uint8_t value[] = { 0x2c, 0x01 };

	save_ok(f, "u16", value, sizeof(value));
	assert_refused_as(f, UUID, "i16", "recorded for Type u16, not i16");
	assert_refused_as(f, UUID, "hex", "recorded for Type u16, not hex");
}

static void test_file_copied_from_another_characteristic_is_refused(void **state)
{
	Fixture *f = *state;
	const uint8_t value = 5;
	g_autofree char *content = NULL;
	gsize len;

	assert_int_equal(persist_store_save(f->store, "battery/other", UUID, "u16", &value, 1), 0);
	content = read_raw(f, "battery.other", &len);
	write_raw(f, FILE_NAME, content, (gssize)len);
	assert_refused(f, "recorded for Characteristic battery/other, not " ID);
}

static void test_symlink_fifo_and_directory_are_refused(void **state)
{
	Fixture *f = *state;
	g_autofree char *path = value_path(f, FILE_NAME);
	g_autofree char *target = value_path(f, "elsewhere");
	const uint8_t value[] = { 0x2c, 0x01 };

	save_ok(f, "u16", value, sizeof(value));
	assert_int_equal(rename(path, target), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_refused(f, "symbolic link");

	assert_int_equal(unlink(path), 0);
	/* A FIFO must be refused, not block the load waiting for a writer. */
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_refused(f, "not a regular file");

	assert_int_equal(unlink(path), 0);
	assert_int_equal(g_mkdir(path, 0700), 0);
	assert_refused(f, "not a regular file");
}

static void test_unreadable_file_is_refused_with_reason(void **state)
{
	Fixture *f = *state;
	g_autofree char *path = NULL;
	const uint8_t value[] = { 0x2c, 0x01 };

	if (geteuid() == 0)
		skip(); /* root reads mode 0000 files; skip() jumps out, so allocate after it */
	path = value_path(f, FILE_NAME);
	save_ok(f, "u16", value, sizeof(value));
	assert_int_equal(g_chmod(path, 0), 0);
	assert_refused(f, "Permission denied");
}

/* Random bytes flipped in a valid file: each load returns a value or a reason, never crashes. */
static void test_mutated_files_never_crash_the_loader(void **state)
{
	Fixture *f = *state;
	const uint8_t value[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	g_autoptr(GRand) rand = g_rand_new_with_seed(20240501);
	g_autofree char *original = NULL;
	gsize len;

	save_ok(f, "u64", value, sizeof(value));
	original = read_raw(f, FILE_NAME, &len);
	for (int round = 0; round < 2000; round++) {
		g_autofree char *mutated = g_memdup2(original, len);
		g_autoptr(GBytes) loaded = NULL;
		g_autofree char *error = NULL;
		int flips = g_rand_int_range(rand, 1, 4);
		int r;

		for (int i = 0; i < flips; i++)
			mutated[g_rand_int_range(rand, 0, (gint32)len)] = (char)g_rand_int_range(rand, 0, 256);
		write_raw(f, FILE_NAME, mutated, (gssize)len);
		r = persist_store_load(f->store, ID, UUID, "u64", &loaded, &error);
		assert_true(r == 0 || r == -EINVAL);
		assert_true(r == 0 ? loaded != NULL && error == NULL : loaded == NULL && error != NULL);
	}
}

/* ---- ids, arguments, directories ---- */

static void test_ids_that_are_not_service_slash_char_are_refused(void **state)
{
	Fixture *f = *state;
	static const char *const bad_ids[] = {
		"battery", "battery/level/extra", "../level", "battery/..", "/level", "battery/", "bat.tery/level",
		"battery/le vel", "",
	};
	const uint8_t value = 1;

	for (size_t i = 0; i < G_N_ELEMENTS(bad_ids); i++) {
		GBytes *loaded = NULL;
		g_autofree char *error = NULL;

		assert_int_equal(persist_store_save(f->store, bad_ids[i], UUID, "u8", &value, 1), -EINVAL);
		assert_int_equal(persist_store_load(f->store, bad_ids[i], UUID, "u8", &loaded, &error), -EINVAL);
		assert_non_null(strstr(error, "not a characteristic id"));
	}
}

static void test_save_refuses_fields_that_would_break_the_file(void **state)
{
	Fixture *f = *state;
	const uint8_t value = 1;
	g_autofree uint8_t *huge = g_malloc0(4096);

	assert_int_equal(persist_store_save(f->store, ID, "", "u8", &value, 1), -EINVAL);
	assert_int_equal(persist_store_save(f->store, ID, UUID "\nType=hex", "u8", &value, 1), -EINVAL);
	assert_int_equal(persist_store_save(f->store, ID, UUID, "u 8", &value, 1), -EINVAL);
	assert_int_equal(persist_store_save(f->store, ID, UUID, "hex", huge, 4096), -EFBIG);
}

static void test_store_opens_in_a_new_directory_with_mode_0700(void **state)
{
	Fixture *f = *state;
	g_autofree char *dir = g_build_filename(f->dir, "a", "b", NULL);
	g_autofree char *values = g_build_filename(dir, "values", NULL);
	g_autofree char *error = NULL;
	g_autoptr(PersistStore) store = persist_store_open(dir, &error);
	struct stat st;

	assert_non_null(store);
	assert_null(error);
	assert_string_equal(persist_store_get_path(store), values);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
}

static void test_directory_through_a_file_is_reported(void **state)
{
	Fixture *f = *state;
	g_autofree char *file = g_build_filename(f->dir, "file", NULL);
	g_autofree char *dir = g_build_filename(file, "state", NULL);
	g_autofree char *error = NULL;

	assert_true(g_file_set_contents(file, "", 0, NULL));
	assert_null(persist_store_open(dir, &error));
	assert_non_null(error);
	assert_non_null(strstr(error, file));
}

static void test_unwritable_directory_is_reported(void **state)
{
	Fixture *f = *state;
	g_autofree char *error = NULL;

	if (geteuid() == 0)
		skip(); /* root writes anywhere; the case above covers root */
	assert_int_equal(g_chmod(f->values, 0500), 0);
	assert_null(persist_store_open(f->dir, &error));
	assert_non_null(strstr(error, "cannot write to"));
	assert_non_null(strstr(error, f->values));
}

static void test_state_directory_with_control_characters_is_shown_escaped(void **state)
{
	Fixture *f = *state;
	g_autofree char *dir = g_build_filename(f->dir, "st\nate\x1b[31m", NULL);
	g_autofree char *file = g_build_filename(f->dir, "fi\nle\x1b[31m", NULL);
	g_autofree char *blocked = g_build_filename(file, "state", NULL);
	g_autofree char *expected = g_strdup_printf("%s/st\\nate\\x1b[31m/values", f->dir);
	g_autofree char *error = NULL;
	g_autofree char *reason = NULL;
	g_autoptr(PersistStore) store = persist_store_open(dir, &error);
	const uint8_t one = 1;
	GBytes *value = NULL;

	assert_non_null(store);
	assert_string_equal(persist_store_get_path(store), expected);
	assert_int_equal(persist_store_save(store, ID, UUID, "u8", &one, 1), 0);
	assert_int_equal(persist_store_load(store, ID, OTHER_UUID, "u8", &value, &reason), -EINVAL);
	assert_true(g_str_has_prefix(reason, expected));

	assert_true(g_file_set_contents(file, "", 0, NULL));
	assert_null(persist_store_open(blocked, &error));
	assert_non_null(strstr(error, "fi\\nle\\x1b[31m/state"));
	assert_null(strchr(error, '\n'));
	assert_null(strchr(error, '\x1b'));
}

/* ---- the rule for serving a stored value (persist_store_load_for) ---- */

/* The characteristic ID as a reload or restart may find it defined; only what the rule reads is set. */
static CfgCharacteristic definition(const char *uuid, bool has_type, ValueType type, unsigned max_length)
{
	CfgCharacteristic c = { .id = (char *)ID, .has_type = has_type, .type = type, .max_length = max_length,
		                .persist = true };

	g_strlcpy(c.uuid, uuid, sizeof(c.uuid));
	return c;
}

static void assert_served(Fixture *f, const CfgCharacteristic *c, const void *data, size_t len)
{
	g_autoptr(GBytes) value = NULL;
	g_autofree char *reason = NULL;
	gsize got_len;
	const void *got;

	assert_int_equal(persist_store_load_for(f->store, c, &value, &reason), 0);
	assert_null(reason);
	got = g_bytes_get_data(value, &got_len);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, data, len);
}

static void assert_not_served(Fixture *f, const CfgCharacteristic *c, const char *part)
{
	GBytes *value = NULL;
	g_autofree char *reason = NULL;

	assert_int_equal(persist_store_load_for(f->store, c, &value, &reason), -EINVAL);
	assert_null(value);
	if (!reason || !strstr(reason, FILE_NAME) || !strstr(reason, part))
		fail_msg("reason '%s' should name " FILE_NAME " and contain '%s'", reason, part);
}

static void test_stored_value_is_served_while_it_fits_whatever_else_changed(void **state)
{
	Fixture *f = *state;
	const uint8_t text[] = "twelve bytes";
	CfgCharacteristic c = definition(UUID, false, VALUE_TYPE_HEX, 20);

	save_ok(f, "hex", text, 12);
	/* Value=, Description=, Flags= and descriptors are not part of the rule. */
	c.value = g_bytes_new_static("other", 5);
	c.description = (char *)"Label";
	assert_served(f, &c, text, 12);
	g_bytes_unref(c.value);
	c.max_length = 12;
	assert_served(f, &c, text, 12);
	c.max_length = 512;
	assert_served(f, &c, text, 12);
}

static void test_stored_value_longer_than_max_length_is_not_served(void **state)
{
	Fixture *f = *state;
	const uint8_t text[] = "twelve bytes";
	CfgCharacteristic c = definition(UUID, false, VALUE_TYPE_HEX, 11);

	save_ok(f, "hex", text, 12);
	assert_not_served(f, &c, "12 bytes, more than MaxLength=11");
}

static void test_stored_value_of_another_uuid_or_type_is_not_served(void **state)
{
	Fixture *f = *state;
	const uint8_t value[] = { 0x2c, 0x01 };
	CfgCharacteristic c = definition(UUID, true, VALUE_TYPE_U16, 2);
	CfgCharacteristic other_uuid = definition(OTHER_UUID, true, VALUE_TYPE_U16, 2);
	CfgCharacteristic other_type = definition(UUID, true, VALUE_TYPE_I16, 2);
	CfgCharacteristic untyped = definition(UUID, false, VALUE_TYPE_HEX, 2);

	save_ok(f, "u16", value, sizeof(value));
	assert_served(f, &c, value, sizeof(value));
	assert_not_served(f, &other_uuid, OTHER_UUID);
	assert_not_served(f, &other_type, "i16");
	assert_not_served(f, &untyped, "hex");
}

static void test_stored_value_not_of_the_type_size_is_not_served(void **state)
{
	Fixture *f = *state;
	const uint8_t value[] = { 1, 2, 3 };
	CfgCharacteristic c = definition(UUID, true, VALUE_TYPE_U16, 2);

	/* Only a file not written by gattd's own checks holds this. */
	save_ok(f, "u16", value, sizeof(value));
	c.max_length = 512;
	assert_not_served(f, &c, "3 bytes, where Type=u16 takes 2");
}

static void test_nothing_stored_is_enoent_for_the_rule_too(void **state)
{
	Fixture *f = *state;
	CfgCharacteristic c = definition(UUID, true, VALUE_TYPE_U8, 1);
	GBytes *value = NULL;
	char *reason = NULL;

	assert_int_equal(persist_store_load_for(f->store, &c, &value, &reason), -ENOENT);
	assert_null(value);
	assert_null(reason);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_saved_value_loads_back),
		T(test_empty_and_512_byte_values_load_back),
		T(test_uuid_matches_whatever_its_case),
		T(test_characteristics_are_stored_apart),
		T(test_nothing_saved_is_enoent_without_reason),
		T(test_files_are_private_to_gattd),
		T(test_a_store_opened_again_finds_the_value),
		T(test_save_replaces_the_value_and_leaves_no_temporary_file),
		T(test_failed_save_keeps_the_old_value),
		T(test_temporary_file_left_by_a_crash_is_ignored_and_replaced),
		T(test_garbage_is_refused_with_reason),
		T(test_every_truncation_is_refused),
		T(test_length_disagreeing_with_value_is_refused),
		T(test_unexpected_groups_and_keys_are_refused),
		T(test_oversized_file_is_refused),
		T(test_value_recorded_for_another_uuid_is_refused),
		T(test_value_recorded_for_another_type_is_refused),
		T(test_file_copied_from_another_characteristic_is_refused),
		T(test_symlink_fifo_and_directory_are_refused),
		T(test_unreadable_file_is_refused_with_reason),
		T(test_mutated_files_never_crash_the_loader),
		T(test_ids_that_are_not_service_slash_char_are_refused),
		T(test_save_refuses_fields_that_would_break_the_file),
		T(test_store_opens_in_a_new_directory_with_mode_0700),
		T(test_directory_through_a_file_is_reported),
		T(test_unwritable_directory_is_reported),
		T(test_state_directory_with_control_characters_is_shown_escaped),
		T(test_stored_value_is_served_while_it_fits_whatever_else_changed),
		T(test_stored_value_longer_than_max_length_is_not_served),
		T(test_stored_value_of_another_uuid_or_type_is_not_served),
		T(test_stored_value_not_of_the_type_size_is_not_served),
		T(test_nothing_stored_is_enoent_for_the_rule_too),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
