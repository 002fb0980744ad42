/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-handles.c: the saved ATT handles' text (config/handles.h): formatting and
 * reading back, every kind of bad line named by its number, and what changes a
 * service's layout and what does not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/handles.h"

#define LAYOUT_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LAYOUT_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_format_then_parse_gives_the_same(void **state)
{
	g_autoptr(CfgHandles) h = config_handles_new();
	g_autoptr(CfgHandles) back = NULL;
	g_autofree char *text = NULL;
	g_autofree char *again = NULL;
	g_autofree char *error = NULL;

	config_handles_add_service(h, "settings", LAYOUT_B);
	config_handles_add(h, "settings", "settings", 0x20);
	config_handles_add_service(h, "battery", LAYOUT_A);
	config_handles_add(h, "battery", "battery/level", 0x12);
	config_handles_add(h, "battery", "battery", 0x10);
	config_handles_add(h, "battery", "battery", 0x11); /* replaced */
	config_handles_add(h, "nothing", "nothing/x", 0x30); /* no such service: ignored */
	text = config_handles_format(h);
	assert_non_null(strstr(text, "service battery " LAYOUT_A "\nbattery 0x0011\nbattery/level 0x0012\n"
	                             "service settings " LAYOUT_B "\nsettings 0x0020\n"));
	back = config_handles_parse(text, strlen(text), &error);
	assert_non_null(back);
	again = config_handles_format(back);
	assert_string_equal(again, text);
	assert_int_equal(GPOINTER_TO_UINT(g_hash_table_lookup(back->handles, "battery/level")), 0x12);
	assert_false(g_hash_table_contains(back->handles, "nothing/x"));
}

static void expect_refused(const char *text, const char *message)
{
	g_autofree char *error = NULL;
	g_autoptr(CfgHandles) h = config_handles_parse(text, strlen(text), &error);

	assert_null(h);
	assert_string_equal(error, message);
}

static void test_bad_lines_are_named(void **state)
{
	expect_refused("battery 0x0010\n", "line 1: a handle comes after its 'service ID LAYOUT'");
	expect_refused("# c\nservice battery nothex\n", "line 2: not 'service ID LAYOUT'");
	expect_refused("service battery " LAYOUT_A "\nsettings/x 0x0010\n", "line 2: not an id of service battery");
	expect_refused("service battery " LAYOUT_A "\nbatteryx/y 0x0010\n", "line 2: not an id of service battery");
	expect_refused("service battery " LAYOUT_A "\nbattery 0x0000\n", "line 2: not a handle 0x0001..0xffff");
	expect_refused("service battery " LAYOUT_A "\nbattery 65536\n", "line 2: not a handle 0x0001..0xffff");
	expect_refused("service battery " LAYOUT_A "\nbattery 1\nbattery 2\n", "line 3: battery given twice");
	expect_refused("service battery " LAYOUT_A "\nservice battery " LAYOUT_A "\n",
	               "line 2: service battery given twice");
	expect_refused("service battery " LAYOUT_A " extra words\n",
	               "line 1: not 'service ID LAYOUT' nor 'ID HANDLE'");
	expect_refused("lonely\n", "line 1: not 'service ID LAYOUT' nor 'ID HANDLE'");
	{
		g_autofree char *error = NULL;

		assert_null(config_handles_parse("service\0x", 9, &error));
		assert_string_equal(error, "holds a NUL byte");
	}
}

static CfgService *service_with(const char *flags, const char *desc_id)
{
	CfgService *s = g_new0(CfgService, 1);
	CfgCharacteristic *c = g_new0(CfgCharacteristic, 1);

	s->id = g_strdup("battery");
	strcpy(s->uuid, "0000180f-0000-1000-8000-00805f9b34fb");
	s->primary = true;
	s->characteristics = g_ptr_array_new();
	c->id = g_strdup("battery/level");
	strcpy(c->uuid, "00002a19-0000-1000-8000-00805f9b34fb");
	c->flags = g_strsplit(flags, ";", -1);
	c->descriptors = g_ptr_array_new();
	if (desc_id) {
		CfgDescriptor *d = g_new0(CfgDescriptor, 1);

		d->id = g_strdup(desc_id);
		strcpy(d->uuid, "00002901-0000-1000-8000-00805f9b34fb");
		g_ptr_array_add(c->descriptors, d);
	}
	g_ptr_array_add(s->characteristics, c);
	return s;
}

static void service_free(CfgService *s)
{
	CfgCharacteristic *c = s->characteristics->pdata[0];

	for (unsigned i = 0; i < c->descriptors->len; i++) {
		g_free(((CfgDescriptor *)c->descriptors->pdata[i])->id);
		g_free(c->descriptors->pdata[i]);
	}
	g_ptr_array_unref(c->descriptors);
	g_strfreev(c->flags);
	g_free(c->id);
	g_free(c);
	g_ptr_array_unref(s->characteristics);
	g_free(s->id);
	g_free(s);
}

static void test_the_layout_follows_what_moves_handles(void **state)
{
	CfgService *a = service_with("read;notify", NULL);
	CfgService *same = service_with("notify;read", NULL);
	CfgService *flags = service_with("read", NULL);
	CfgService *desc = service_with("read;notify", "battery/level/description");
	g_autofree char *la = config_service_layout(a);
	g_autofree char *lsame = config_service_layout(same);
	g_autofree char *lflags = config_service_layout(flags);
	g_autofree char *ldesc = config_service_layout(desc);

	assert_int_equal(strlen(la), CONFIG_LAYOUT_LEN);
	assert_string_equal(la, lsame); /* the order of flags is no layout */
	assert_string_not_equal(la, lflags); /* no notify: no CCC */
	assert_string_not_equal(la, ldesc);
	service_free(a);
	service_free(same);
	service_free(flags);
	service_free(desc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_then_parse_gives_the_same),
		cmocka_unit_test(test_bad_lines_are_named),
		cmocka_unit_test(test_the_layout_follows_what_moves_handles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
