/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-util.c: helpers the unit tests share. */
#include "test-util.h"

#include <glib.h>
#include <glib/gstdio.h>

void test_remove_tree(const char *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	const char *name;

	if (dir) {
		while ((name = g_dir_read_name(dir))) {
			g_autofree char *child = g_build_filename(path, name, NULL);

			test_remove_tree(child);
		}
		g_dir_close(dir);
		g_rmdir(path);
	} else {
		/* A test may have taken the permissions away. */
		g_chmod(path, 0600);
		g_unlink(path);
	}
}
