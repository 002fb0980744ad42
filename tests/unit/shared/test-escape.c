/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-escape.c: escape_text(), the one escaping of outside text (file names,
 * values) before it reaches a log line, a message or a terminal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include <cmocka.h>

#include "shared/escape.h"

static void assert_escaped(const char *text, const char *expected)
{
	g_autofree char *shown = escape_text(text);

	assert_string_equal(shown, expected);
}

/* Nothing escape_text() returns holds a control character or invalid UTF-8. */
static void assert_clean(const char *shown)
{
	assert_true(g_utf8_validate(shown, -1, NULL));
	for (const char *p = shown; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f))
			fail_msg("control character U+%04X in '%s'", c, shown);
	}
}

static void test_plain_text_and_utf8_are_kept(void **state)
{
	assert_escaped("", "");
	assert_escaped("10-battery.conf", "10-battery.conf");
	assert_escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x8b", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x8b");
}

static void test_newline_tab_and_carriage_return_are_named(void **state)
{
	assert_escaped("a\nb", "a\\nb");
	assert_escaped("a\tb\r", "a\\tb\\r");
}

static void test_esc_and_other_control_characters_are_hex(void **state)
{
	assert_escaped("x\x1b[31mred", "x\\x1b[31mred");
	assert_escaped("\x01\x07\x7f", "\\x01\\x07\\x7f");
}

static void test_c1_controls_are_escaped_byte_by_byte(void **state)
{
	/* U+009B (CSI) and U+0085 (NEL), which some terminals act on. */
	assert_escaped("a\xc2\x9b" "31mb\xc2\x85", "a\\xc2\\x9b31mb\\xc2\\x85");
	/* U+00A0 is no control. */
	assert_escaped("\xc2\xa0", "\xc2\xa0");
}

static void test_bytes_that_are_not_utf8_are_hex_and_the_rest_is_kept(void **state)
{
	assert_escaped("b\xff.conf", "b\\xff.conf");
	assert_escaped("\xc3\xa9\xc3", "\xc3\xa9\\xc3");
	assert_escaped("\xe2\x82x", "\\xe2\\x82x");
}

static void test_backslash_is_doubled_so_that_every_name_reads_back(void **state)
{
	/* A file literally named a\nb is not shown as one with a newline. */
	assert_escaped("a\\nb", "a\\\\nb");
}

static void test_cut_counts_characters_and_marks_the_cut(void **state)
{
	g_autofree char *cut = escape_text_cut("\xc3\xa9\n\x1b" "abc", 3);
	g_autofree char *whole = escape_text_cut("abc", 3);
	g_autofree char *none = escape_text_cut("abc", 0);

	assert_string_equal(cut, "\xc3\xa9\\n\\x1b...");
	assert_string_equal(whole, "abc");
	assert_string_equal(none, "...");
}

static void test_every_byte_value_comes_out_clean(void **state)
{
	char text[3] = { 0 };

	for (unsigned a = 1; a < 256; a++) {
		for (unsigned b = 0; b < 256; b++) {
			g_autofree char *shown = NULL;

			text[0] = (char)a;
			text[1] = (char)b;
			shown = escape_text(text);
			assert_clean(shown);
		}
	}
}

static void test_has_control_tells_what_escaping_would_change_but_backslashes(void **state)
{
	assert_false(escape_text_has_control("plain caf\xc3\xa9 a\\b"));
	assert_true(escape_text_has_control("line\nbreak"));
	assert_true(escape_text_has_control("\x1b[2J"));
	assert_true(escape_text_has_control("\xc2\x9b"));
	assert_true(escape_text_has_control("\xff"));
}

static void test_format_characters_are_escaped_too(void **state)
{
	/* U+202E (right-to-left override) would reorder what follows on screen. */
	assert_escaped("a\xe2\x80\xae" "b", "a\\xe2\\x80\\xae" "b");
	assert_escaped("\xe2\x98\x83", "\xe2\x98\x83");
}

static void test_append_takes_a_length_and_quotes_on_request(void **state)
{
	g_autoptr(GString) plain = g_string_new(NULL);
	g_autoptr(GString) quoted = g_string_new(NULL);

	escape_append(plain, "a\"b\0c\x1b", 6, false);
	escape_append(quoted, "a\"b\0c\x1b", 6, true);
	assert_string_equal(plain->str, "a\"b\\x00c\\x1b");
	assert_string_equal(quoted->str, "a\\\"b\\x00c\\x1b");
}

static void test_is_plain_is_what_append_leaves_alone(void **state)
{
	static const char *const plain[] = { "gadget", "caf\xc3\xa9 \xe2\x98\x83", "a\"b" };
	static const char *const not_plain[] = { "", "a\nb", "a\\b", "\xc2\x9b" "1m", "\xff", "a\xe2\x80\xae" };

	for (size_t i = 0; i < G_N_ELEMENTS(plain); i++)
		assert_true(escape_is_plain(plain[i], strlen(plain[i])));
	for (size_t i = 0; i < G_N_ELEMENTS(not_plain); i++)
		assert_false(escape_is_plain(not_plain[i], strlen(not_plain[i])));
	assert_false(escape_is_plain("ab\0", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_and_utf8_are_kept),
		cmocka_unit_test(test_newline_tab_and_carriage_return_are_named),
		cmocka_unit_test(test_esc_and_other_control_characters_are_hex),
		cmocka_unit_test(test_c1_controls_are_escaped_byte_by_byte),
		cmocka_unit_test(test_bytes_that_are_not_utf8_are_hex_and_the_rest_is_kept),
		cmocka_unit_test(test_backslash_is_doubled_so_that_every_name_reads_back),
		cmocka_unit_test(test_cut_counts_characters_and_marks_the_cut),
		cmocka_unit_test(test_every_byte_value_comes_out_clean),
		cmocka_unit_test(test_has_control_tells_what_escaping_would_change_but_backslashes),
		cmocka_unit_test(test_format_characters_are_escaped_too),
		cmocka_unit_test(test_append_takes_a_length_and_quotes_on_request),
		cmocka_unit_test(test_is_plain_is_what_append_leaves_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
