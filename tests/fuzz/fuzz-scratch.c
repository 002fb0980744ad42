/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-scratch.c: the per-process scratch directory of the fuzz targets that
 * hand their input to a parser as files (config, persist).
 *
 * The fuzzer runs millions of inputs, so the files of one input are removed
 * before the next one (fuzz_scratch_clear()), the directory itself at exit.
 * A crash skips the exit handler; the next target started on the same base
 * directory removes what the dead process left, and tests/fuzz/run gives each
 * run a base directory of its own and removes it at the end.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#define PREFIX "gattd-fuzz-"

static char *scratch_dir;
/* nftw() passes no user data: whether remove_tree() keeps the directory itself. */
static bool keep_root;

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	/* Depth first: the root comes last. */
	if (ftw->level == 0 && keep_root)
		return 0;
	if (remove(path) < 0 && errno != ENOENT) {
		fprintf(stderr, "fuzz: cannot remove %s: %s\n", path, strerror(errno));
		abort();
	}
	return 0;
}

static void remove_tree(const char *path, bool keep)
{
	keep_root = keep;
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT) {
		fprintf(stderr, "fuzz: cannot walk %s: %s\n", path, strerror(errno));
		abort();
	}
}

static void remove_scratch_dir(void)
{
	if (!scratch_dir)
		return;
	remove_tree(scratch_dir, false);
	g_clear_pointer(&scratch_dir, g_free);
}

/* Directories of earlier targets that died without running their exit handler. */
static void remove_dead_processes_dirs(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *entry;

	if (!d)
		return;
	while ((entry = readdir(d))) {
		const char *dot = strrchr(entry->d_name, '.');
		char *end = NULL;
		long pid;

		if (!g_str_has_prefix(entry->d_name, PREFIX) || !dot)
			continue;
		errno = 0;
		pid = strtol(dot + 1, &end, 10);
		if (errno || !end || *end || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			g_autofree char *path = g_build_filename(base, entry->d_name, NULL);
			remove_tree(path, false);
		}
	}
	closedir(d);
}

static const char *scratch_base(void)
{
	const char *base = g_getenv("GATTD_FUZZ_SCRATCH");

	if (base && *base)
		return base;
	/* tmpfs: the fuzzer writes and removes files at every input. */
	if (access("/dev/shm", W_OK | X_OK) == 0)
		return "/dev/shm";
	return g_get_tmp_dir();
}

const char *fuzz_scratch_dir(const char *name)
{
	const char *base;

	if (scratch_dir)
		return scratch_dir;
	base = scratch_base();
	remove_dead_processes_dirs(base);
	scratch_dir = g_strdup_printf("%s/" PREFIX "%s.%ld", base, name, (long)getpid());
	/* A pid reused after a crash: whatever is there is a dead process's. */
	remove_tree(scratch_dir, false);
	if (mkdir(scratch_dir, 0700) < 0) {
		fprintf(stderr, "fuzz: cannot create %s: %s\n", scratch_dir, strerror(errno));
		abort();
	}
	atexit(remove_scratch_dir);
	return scratch_dir;
}

void fuzz_scratch_clear(void)
{
	if (scratch_dir)
		remove_tree(scratch_dir, true);
}

void fuzz_write_file(const char *path, const void *data, size_t len)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		fprintf(stderr, "fuzz: cannot create %s: %s\n", path, strerror(errno));
		abort();
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno));
			abort();
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}
