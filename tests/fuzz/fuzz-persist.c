/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-persist.c: persist_store_load() on a value file whose content is the
 * input: what gattd reads back at start from its state directory, which a
 * crash, a full disk or a person may have left in any shape.
 *
 * The file is DIR/values/battery.level, loaded for characteristic
 * battery/level with UUID 2a19 and Type u8 (corpus/persist/ has files that
 * persist_store_save() writes for it). Checks, besides the sanitizers:
 * - 0 with a value and no message, or -EINVAL with a message and no value
 *   (the file exists, so never -ENOENT); never more than
 *   PERSIST_MAX_FILE_SIZE bytes accepted;
 * - a value that loads, saved again, loads as the same value.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "config/persist.h"

#define ID "battery/level"
#define FILE_NAME "battery.level"
#define UUID "00002a19-0000-1000-8000-00805f9b34fb"
#define TYPE_NAME "u8"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)fuzz_scratch_dir("persist");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_scratch_dir("persist");
	g_autofree char *open_error = NULL;
	g_autofree char *error = NULL;
	g_autofree char *path = NULL;
	g_autoptr(PersistStore) store = persist_store_open(dir, &open_error);
	GBytes *untouched = (GBytes *)&error; /* any pointer the load must leave alone */
	GBytes *value = untouched;
	int r;

	FUZZ_CHECK(store && !open_error);
	path = g_build_filename(persist_store_get_path(store), FILE_NAME, NULL);
	fuzz_write_file(path, data, size);

	r = persist_store_load(store, ID, UUID, TYPE_NAME, &value, &error);
	if (r == 0) {
		g_autoptr(GBytes) saved = value;
		g_autofree char *error_again = NULL;
		GBytes *again = NULL;

		FUZZ_CHECK(value != untouched && value && !error);
		FUZZ_CHECK(size <= PERSIST_MAX_FILE_SIZE);
		FUZZ_CHECK(persist_store_save(store, ID, UUID, TYPE_NAME, g_bytes_get_data(saved, NULL),
		                              g_bytes_get_size(saved)) == 0);
		FUZZ_CHECK(persist_store_load(store, ID, UUID, TYPE_NAME, &again, &error_again) == 0);
		FUZZ_CHECK(g_bytes_equal(saved, again));
		g_bytes_unref(again);
	} else {
		FUZZ_CHECK(r == -EINVAL);
		FUZZ_CHECK(value == untouched && error && *error);
	}
	fuzz_scratch_clear();
	return 0;
}
