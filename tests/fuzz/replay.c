/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * replay.c: runs saved inputs through a fuzz target's LLVMFuzzerTestOneInput()
 * without libFuzzer, so every build (gcc too, with or without sanitizers)
 * checks the seed corpus and every crash ever found (tests/fuzz/regressions/)
 * in the normal test run.
 *
 *   fuzz-replay-TARGET PATH...   each PATH a file or a directory of files
 *
 * Each input is copied into a buffer of exactly its size, as libFuzzer does,
 * so a sanitizer build catches a read past its end. A failed check aborts;
 * the last "replay:" line names the input. Fails when no input was found.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "fuzz.h"

/* Optional in a target, as in libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static void replay_file(const char *path, unsigned *count)
{
	g_autofree char *contents = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree uint8_t *input = NULL;
	gsize len;

	if (!g_file_get_contents(path, &contents, &len, &error)) {
		fprintf(stderr, "replay: %s\n", error->message);
		exit(1);
	}
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, (size_t)len);
	/* malloc(0) may return NULL; libFuzzer passes a valid pointer even then. */
	input = g_malloc(MAX(len, 1));
	memcpy(input, contents, len);
	LLVMFuzzerTestOneInput(input, len);
	(*count)++;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void replay_path(const char *path, unsigned *count)
{
	g_autoptr(GPtrArray) names = NULL;
	struct stat st;
	DIR *d;
	struct dirent *entry;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: cannot stat %s: %s\n", path, g_strerror(errno));
		exit(1);
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path, count);
		return;
	}
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: cannot read %s: %s\n", path, g_strerror(errno));
		exit(1);
	}
	names = g_ptr_array_new_with_free_func(g_free);
	while ((entry = readdir(d)))
		if (entry->d_name[0] != '.')
			g_ptr_array_add(names, g_build_filename(path, entry->d_name, NULL));
	closedir(d);
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++)
		replay_path(g_ptr_array_index(names, i), count);
}

int main(int argc, char **argv)
{
	unsigned count = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		replay_path(argv[i], &count);
	if (count == 0) {
		fprintf(stderr, "replay: no input found in the paths given\n");
		return 1;
	}
	printf("replayed %u inputs\n", count);
	return 0;
}
