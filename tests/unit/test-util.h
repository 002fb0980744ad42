/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-util.h: helpers the unit tests share. */
#pragma once

/* Remove a file or a directory tree (files made unreadable by a test included). */
void test_remove_tree(const char *path);
