/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-reload.c: re-reading the configuration for a reload (daemon/reload.c): a
 * configuration that does not load is refused with every problem; --socket still
 * applies; Socket=, SocketMode=, SocketGroup= and Adapter= keep their running values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include <cmocka.h>

#include "config/config.h"
#include "daemon/reload.h"
#include "test-util.h"

#define SERVICE "[Service s]\nUUID=180F\n[Characteristic s/c]\nUUID=2A19\nFlags=read\nValue=u8:0\n"

typedef struct {
	char *dir;
	GattdConfig *running;
} Fixture;

static void write_file(Fixture *f, const char *relative, const char *content)
{
	g_autofree char *path = g_build_filename(f->dir, relative, NULL);
	g_autofree char *parent = g_path_get_dirname(path);

	assert_int_equal(g_mkdir_with_parents(parent, 0700), 0);
	assert_true(g_file_set_contents(path, content, -1, NULL));
}

static int setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	f->dir = g_dir_make_tmp("gattd-test-reload-XXXXXX", NULL);
	assert_non_null(f->dir);
	write_file(f, "gattd.conf", "[Daemon]\nSocket=/run/a.sock\nSocketMode=0660\nAdapter=hci0\n");
	write_file(f, "services.d/s.conf", SERVICE);
	f->running = config_load(f->dir, NULL);
	assert_non_null(f->running);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;

	test_remove_tree(f->dir);
	g_free(f->dir);
	config_free(f->running);
	g_free(f);
	return 0;
}

static void test_restart_only_settings_keep_their_running_values(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) problems = NULL;
	g_autoptr(GattdConfig) config = NULL;

	write_file(f, "gattd.conf",
	           "[Daemon]\nSocket=/run/b.sock\nSocketMode=0600\nSocketGroup=nogroup\nAdapter=hci1\nMaxClients=7\n");
	config = reload_read_config(f->running, NULL, &problems);
	assert_non_null(config);
	assert_null(problems);
	assert_string_equal(config->socket_path, "/run/a.sock");
	assert_int_equal(config->socket_mode, 0660);
	assert_null(config->socket_group);
	assert_string_equal(config->adapter, "hci0");
	assert_int_equal(config->adapter_match, f->running->adapter_match);
	/* What a reload does apply, it applies. */
	assert_int_equal(config->max_clients, 7);
}

static void test_socket_override_applies_at_every_reload(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) problems = NULL;
	g_autoptr(GattdConfig) config = NULL;

	reload_apply_socket_override(f->running, "/tmp/override.sock");
	assert_string_equal(f->running->socket_path, "/tmp/override.sock");
	reload_apply_socket_override(f->running, NULL);
	assert_string_equal(f->running->socket_path, "/tmp/override.sock");
	config = reload_read_config(f->running, "/tmp/override.sock", &problems);
	assert_non_null(config);
	assert_string_equal(config->socket_path, "/tmp/override.sock");
}

static void test_invalid_configuration_is_refused_with_every_problem(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) problems = NULL;
	GattdConfig *config;

	write_file(f, "gattd.conf", "[Daemon]\nMaxClients=none\n");
	write_file(f, "services.d/s.conf", SERVICE "[Characteristic s/d]\nUUID=2A1A\nFlags=reed\n");
	config = reload_read_config(f->running, NULL, &problems);
	assert_null(config);
	assert_int_equal(g_strv_length(problems), 2);
	assert_non_null(strstr(problems[0], "gattd.conf: [Daemon] MaxClients"));
	assert_true(g_str_has_prefix(problems[1], "services.d/s.conf: [Characteristic s/d] Flags"));
	/* The running configuration is untouched. */
	assert_string_equal(f->running->socket_path, "/run/a.sock");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_restart_only_settings_keep_their_running_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_override_applies_at_every_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_configuration_is_refused_with_every_problem, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
