/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-handles.c: the saved ATT handles (config/handles.c), the text of
 * DIR/handles/layout in gattd's state directory, which a damaged disk or a hand edit
 * may turn into anything. Checks, besides the sanitizers:
 * - config_handles_parse() gives handles or a message, never both nor neither;
 * - what it reads, formatted again, reads back to the same text (the file gattd
 *   writes is one it reads as it wrote it), every handle 1..0xFFFF and every id under
 *   its service.
 */
#include <string.h>

#include <glib.h>

#include "config/handles.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *error = NULL;
	g_autoptr(CfgHandles) h = config_handles_parse((const char *)data, size, &error);
	g_autofree char *text = NULL;
	g_autofree char *error_again = NULL;
	g_autoptr(CfgHandles) again = NULL;
	g_autofree char *text_again = NULL;
	GHashTableIter iter;
	gpointer id, handle;

	FUZZ_CHECK(!h != !error);
	if (!h)
		return 0;
	g_hash_table_iter_init(&iter, h->handles);
	while (g_hash_table_iter_next(&iter, &id, &handle)) {
		g_autofree char *service = g_strndup(id, strcspn(id, "/"));

		FUZZ_CHECK(GPOINTER_TO_UINT(handle) >= 1 && GPOINTER_TO_UINT(handle) <= 0xffff);
		FUZZ_CHECK(g_hash_table_contains(h->layouts, service));
	}
	text = config_handles_format(h);
	again = config_handles_parse(text, strlen(text), &error_again);
	FUZZ_CHECK(again && !error_again);
	text_again = config_handles_format(again);
	FUZZ_CHECK(strcmp(text, text_again) == 0);
	FUZZ_CHECK(g_hash_table_size(again->handles) == g_hash_table_size(h->handles));
	return 0;
}
