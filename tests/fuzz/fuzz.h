/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz.h: what the fuzz targets share.
 *
 * Each fuzz-*.c defines LLVMFuzzerTestOneInput() for one parser. The same file
 * links either with libFuzzer (clang, tests/fuzz/run) or with replay.c, a plain
 * main() that feeds it the corpus and regression inputs in the normal test run
 * with whatever compiler builds gattd. Targets whose parser reads files get a
 * scratch directory of their own here.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * An assertion that NDEBUG does not remove. abort() is what libFuzzer and the
 * replay test both treat as a crash, with the input saved or named.
 */
#define FUZZ_CHECK(cond)                                                                         \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

/*
 * An empty directory that only this process uses:
 * $GATTD_FUZZ_SCRATCH (else /dev/shm, else $TMPDIR)/gattd-fuzz-NAME.PID, created
 * at the first call and removed with everything in it at exit. Directories that
 * processes which died (a crash found by the fuzzer) left behind are removed
 * at the first call too. Aborts if it cannot be created.
 */
const char *fuzz_scratch_dir(const char *name);

/* Remove everything inside the scratch directory, keeping the directory. */
void fuzz_scratch_clear(void);

/* Write len bytes to path (created 0600, replaced if present). Aborts on failure. */
void fuzz_write_file(const char *path, const void *data, size_t len);
