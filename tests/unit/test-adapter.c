/* test-adapter.c: Adapter= matching over the adapter table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bluez/adapter.h"

static AdapterInfo *add(GHashTable *table, const char *path, const char *address, bool gatt)
{
	AdapterInfo *info = adapter_info_new(path);

	info->address = g_strdup(address);
	info->adapter1 = true;
	info->gatt_manager = gatt;
	g_hash_table_insert(table, info->path, info);
	return info;
}

static GHashTable *new_table(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)adapter_info_free);
}

static void test_auto_picks_lowest_index_with_gatt_manager(void **state)
{
	g_autoptr(GHashTable) table = new_table();

	add(table, "/org/bluez/hci10", "00:00:00:00:00:10", true);
	add(table, "/org/bluez/hci2", "00:00:00:00:00:02", true);
	add(table, "/org/bluez/hci0", "00:00:00:00:00:00", false);
	assert_string_equal(adapter_select(table, ADAPTER_MATCH_AUTO, NULL)->path, "/org/bluez/hci2");
}

static void test_name_match_requires_that_adapter(void **state)
{
	g_autoptr(GHashTable) table = new_table();

	add(table, "/org/bluez/hci0", "00:00:00:00:00:00", true);
	assert_null(adapter_select(table, ADAPTER_MATCH_NAME, "hci1"));
	add(table, "/org/bluez/hci1", "00:00:00:00:00:01", true);
	assert_string_equal(adapter_select(table, ADAPTER_MATCH_NAME, "hci1")->path, "/org/bluez/hci1");
}

static void test_address_match_follows_renumbering(void **state)
{
	g_autoptr(GHashTable) table = new_table();

	add(table, "/org/bluez/hci0", "00:AA:01:01:00:01", true);
	add(table, "/org/bluez/hci1", "00:AA:01:02:00:02", true);
	assert_string_equal(adapter_select(table, ADAPTER_MATCH_ADDRESS, "00:aa:01:02:00:02")->path,
	                    "/org/bluez/hci1");
	g_hash_table_remove(table, "/org/bluez/hci1");
	assert_null(adapter_select(table, ADAPTER_MATCH_ADDRESS, "00:AA:01:02:00:02"));
	add(table, "/org/bluez/hci7", "00:AA:01:02:00:02", true);
	assert_string_equal(adapter_select(table, ADAPTER_MATCH_ADDRESS, "00:AA:01:02:00:02")->path,
	                    "/org/bluez/hci7");
}

static void test_adapter_without_adapter1_is_not_usable(void **state)
{
	g_autoptr(GHashTable) table = new_table();
	AdapterInfo *info = add(table, "/org/bluez/hci0", NULL, true);

	info->adapter1 = false;
	assert_null(adapter_select(table, ADAPTER_MATCH_AUTO, NULL));
	assert_string_equal(adapter_info_name(info), "hci0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_picks_lowest_index_with_gatt_manager),
		cmocka_unit_test(test_name_match_requires_that_adapter),
		cmocka_unit_test(test_address_match_follows_renumbering),
		cmocka_unit_test(test_adapter_without_adapter1_is_not_usable),
	};

	return cmocka_run_group_tests_name("adapter", tests, NULL, NULL);
}
