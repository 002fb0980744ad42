/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-adapter.c: Adapter= matching over the adapter table, and which lifecycle event
 * a change BlueZ reports about its adapters means (adapter_table_*).
 */
#include <errno.h>
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

/* ---- AdapterTable: what a signal means ---- */

#define HCI0 "/org/bluez/hci0"
#define HCI1 "/org/bluez/hci1"

static const char *const all_ifaces[] = { ADAPTER_IFACE, GATT_MANAGER_IFACE, ADV_MANAGER_IFACE };
static const char *const gatt_ifaces[] = { ADAPTER_IFACE, GATT_MANAGER_IFACE };
static const char *const adv_only[] = { ADV_MANAGER_IFACE };
static const char *const gatt_only[] = { GATT_MANAGER_IFACE };

static const AdapterProps powered_on = { .has_powered = true, .powered = true, .address = "00:aa:00:00:00:01" };
static const AdapterProps powered_off = { .has_powered = true, .powered = false };

static AdapterUpdate added(AdapterTable *t, const char *path, const char *const *ifaces, size_t n,
                           const AdapterProps *props, bool waiting)
{
	return adapter_table_interfaces_added(t, path, ifaces, n, props, waiting);
}

/* A table after a discovery that found hci0 (powered, all three interfaces). */
static void discovered_hci0(AdapterTable *t, AdapterMatch match, const char *wanted)
{
	LcEvent ev;

	adapter_table_init(t, match, wanted);
	assert_int_equal(adapter_table_apply(t, HCI0, all_ifaces, 3, &powered_on), 0);
	ev = adapter_table_discovered(t);
	assert_int_equal(ev.type, LC_EV_DISCOVERED);
	assert_true(ev.adapter);
	assert_true(ev.powered);
	assert_true(ev.adv_manager);
	assert_string_equal(t->selected->path, HCI0);
	assert_string_equal(t->selected->address, "00:AA:00:00:00:01");
}

static void test_discovery_without_a_match_reports_no_adapter(void **state)
{
	AdapterTable t;
	LcEvent ev;

	adapter_table_init(&t, ADAPTER_MATCH_NAME, "hci1");
	assert_int_equal(adapter_table_apply(&t, HCI0, all_ifaces, 3, &powered_on), 0);
	ev = adapter_table_discovered(&t);
	assert_int_equal(ev.type, LC_EV_DISCOVERED);
	assert_false(ev.adapter);
	assert_null(t.selected);
	adapter_table_clear(&t);
}

static void test_irrelevant_objects_and_interfaces_are_ignored(void **state)
{
	const char *const other[] = { "org.bluez.Media1", "org.freedesktop.DBus.Properties" };
	AdapterTable t;
	AdapterUpdate u;

	adapter_table_init(&t, ADAPTER_MATCH_AUTO, NULL);
	/* A device below an adapter, and an object outside /org/bluez/. */
	assert_int_equal(adapter_table_apply(&t, HCI0 "/dev_11_22_33_44_55_66", all_ifaces, 3, &powered_on), 0);
	assert_int_equal(adapter_table_apply(&t, "/org/other/hci0", all_ifaces, 3, &powered_on), 0);
	/* An adapter object with none of the three interfaces. */
	u = added(&t, HCI1, other, 2, NULL, true);
	assert_false(u.has_event);
	assert_int_equal(g_hash_table_size(t.adapters), 0);
	u = adapter_table_interfaces_removed(&t, HCI1, other, 2);
	assert_false(u.has_event);
	adapter_table_clear(&t);
}

static void test_adapter_appearing_while_waiting_is_selected(void **state)
{
	AdapterTable t;
	AdapterUpdate u;

	adapter_table_init(&t, ADAPTER_MATCH_AUTO, NULL);
	assert_string_equal(adapter_table_wanted(&t), "any adapter with GattManager1");
	assert_false(adapter_table_discovered(&t).adapter);
	/* Adapter1 alone is not usable. */
	u = added(&t, HCI0, (const char *const[]){ ADAPTER_IFACE }, 1, &powered_off, true);
	assert_false(u.has_event);
	u = added(&t, HCI0, gatt_only, 1, NULL, true);
	assert_true(u.has_event);
	assert_int_equal(u.event.type, LC_EV_ADAPTER_ADDED);
	assert_false(u.event.powered);
	assert_false(u.event.adv_manager);
	assert_string_equal(t.selected->path, HCI0);
	/* Its LEAdvertisingManager1 arriving late. */
	u = added(&t, HCI0, adv_only, 1, NULL, true);
	assert_true(u.has_event);
	assert_int_equal(u.event.type, LC_EV_ADV_MANAGER_ADDED);
	/* Again: nothing new. */
	u = added(&t, HCI0, adv_only, 1, NULL, true);
	assert_false(u.has_event);
	adapter_table_clear(&t);
}

static void test_adapter_appearing_when_not_waiting_is_not_selected(void **state)
{
	AdapterTable t;
	AdapterUpdate u;

	adapter_table_init(&t, ADAPTER_MATCH_AUTO, NULL);
	u = added(&t, HCI0, all_ifaces, 3, &powered_on, false);
	assert_false(u.has_event);
	assert_null(t.selected);
	assert_non_null(adapter_table_lookup(&t, HCI0));
	adapter_table_clear(&t);
}

static void test_other_adapter_appearing_changes_nothing(void **state)
{
	AdapterTable t;
	AdapterUpdate u;

	discovered_hci0(&t, ADAPTER_MATCH_AUTO, NULL);
	u = added(&t, HCI1, all_ifaces, 3, &powered_on, false);
	assert_false(u.has_event);
	assert_string_equal(t.selected->path, HCI0);
	adapter_table_clear(&t);
}

static void test_wanted_adapter_by_name_or_address(void **state)
{
	const AdapterProps hci1_props = { .has_powered = true, .powered = true, .address = "00:bb:00:00:00:02" };
	AdapterTable t;
	AdapterUpdate u;

	adapter_table_init(&t, ADAPTER_MATCH_NAME, "hci1");
	assert_string_equal(adapter_table_wanted(&t), "hci1");
	u = added(&t, HCI0, all_ifaces, 3, &powered_on, true);
	assert_false(u.has_event);
	u = added(&t, HCI1, all_ifaces, 3, &hci1_props, true);
	assert_true(u.has_event);
	assert_int_equal(u.event.type, LC_EV_ADAPTER_ADDED);
	assert_true(u.event.powered);
	assert_string_equal(t.selected->path, HCI1);
	adapter_table_clear(&t);

	adapter_table_init(&t, ADAPTER_MATCH_ADDRESS, "00:BB:00:00:00:02");
	u = added(&t, HCI0, all_ifaces, 3, &powered_on, true);
	assert_false(u.has_event);
	u = added(&t, "/org/bluez/hci5", all_ifaces, 3, &hci1_props, true);
	assert_true(u.has_event);
	assert_string_equal(t.selected->path, "/org/bluez/hci5");
	/* A reload that wants another adapter selects it at the next chance. */
	adapter_table_set_wanted(&t, ADAPTER_MATCH_NAME, "hci0");
	assert_string_equal(t.selected->path, "/org/bluez/hci5");
	adapter_table_forget(&t);
	u = added(&t, HCI0, all_ifaces, 3, &powered_on, true);
	assert_true(u.has_event);
	assert_string_equal(t.selected->path, HCI0);
	adapter_table_clear(&t);
}

static void test_selected_adapter_vanishing(void **state)
{
	AdapterTable t;
	AdapterUpdate u;
	LcEvent ev;

	discovered_hci0(&t, ADAPTER_MATCH_AUTO, NULL);
	assert_int_equal(adapter_table_apply(&t, HCI1, gatt_ifaces, 2, &powered_off), 0);
	u = adapter_table_interfaces_removed(&t, HCI0, all_ifaces, 3);
	assert_true(u.has_event);
	assert_int_equal(u.event.type, LC_EV_ADAPTER_REMOVED);
	assert_non_null(u.gone);
	assert_string_equal(adapter_info_name(u.gone), "hci0");
	assert_string_equal(u.gone->address, "00:AA:00:00:00:01");
	adapter_info_free(u.gone);
	assert_null(t.selected);
	assert_null(adapter_table_lookup(&t, HCI0));
	/* In auto mode hci1 takes over; then nothing more to take over. */
	assert_true(adapter_table_take_over(&t, &ev));
	assert_int_equal(ev.type, LC_EV_ADAPTER_ADDED);
	assert_false(ev.powered);
	assert_false(ev.adv_manager);
	assert_string_equal(t.selected->path, HCI1);
	assert_false(adapter_table_take_over(&t, &ev));
	adapter_table_clear(&t);
}

static void test_selected_adapter_losing_gatt_manager_is_removed_but_kept_in_table(void **state)
{
	AdapterTable t;
	AdapterUpdate u;

	discovered_hci0(&t, ADAPTER_MATCH_NAME, "hci0");
	u = adapter_table_interfaces_removed(&t, HCI0, gatt_only, 1);
	assert_int_equal(u.event.type, LC_EV_ADAPTER_REMOVED);
	adapter_info_free(u.gone);
	assert_null(t.selected);
	assert_non_null(adapter_table_lookup(&t, HCI0));
	/* It comes back. */
	u = added(&t, HCI0, gatt_only, 1, NULL, true);
	assert_int_equal(u.event.type, LC_EV_ADAPTER_ADDED);
	assert_true(u.event.powered);
	assert_true(u.event.adv_manager);
	adapter_table_clear(&t);
}

static void test_adv_manager_removed_from_selected_adapter(void **state)
{
	AdapterTable t;
	AdapterUpdate u;

	discovered_hci0(&t, ADAPTER_MATCH_AUTO, NULL);
	u = adapter_table_interfaces_removed(&t, HCI0, adv_only, 1);
	assert_true(u.has_event);
	assert_int_equal(u.event.type, LC_EV_ADV_MANAGER_REMOVED);
	assert_null(u.gone);
	assert_string_equal(t.selected->path, HCI0);
	/* Removing what is not there means nothing. */
	u = adapter_table_interfaces_removed(&t, HCI0, adv_only, 1);
	assert_false(u.has_event);
	/* Another adapter's interfaces leaving mean nothing either. */
	assert_int_equal(adapter_table_apply(&t, HCI1, all_ifaces, 3, &powered_on), 0);
	u = adapter_table_interfaces_removed(&t, HCI1, all_ifaces, 3);
	assert_false(u.has_event);
	assert_null(adapter_table_lookup(&t, HCI1));
	adapter_table_clear(&t);
}

static void test_powered_changes_of_the_selected_adapter(void **state)
{
	const AdapterProps address_only = { .address = "00:aa:00:00:00:09" };
	AdapterTable t;
	AdapterUpdate u;

	discovered_hci0(&t, ADAPTER_MATCH_AUTO, NULL);
	u = adapter_table_properties_changed(&t, HCI0, &powered_off);
	assert_true(u.has_event);
	assert_int_equal(u.event.type, LC_EV_POWERED_OFF);
	assert_false(t.selected->powered);
	/* Unchanged: nothing. */
	u = adapter_table_properties_changed(&t, HCI0, &powered_off);
	assert_false(u.has_event);
	u = adapter_table_properties_changed(&t, HCI0, &address_only);
	assert_false(u.has_event);
	assert_false(t.selected->powered);
	assert_string_equal(t.selected->address, "00:AA:00:00:00:09");
	u = adapter_table_properties_changed(&t, HCI0, &powered_on);
	assert_int_equal(u.event.type, LC_EV_POWERED_ON);
	/* Another adapter, or an unknown one. */
	assert_int_equal(adapter_table_apply(&t, HCI1, all_ifaces, 3, &powered_on), 0);
	u = adapter_table_properties_changed(&t, HCI1, &powered_off);
	assert_false(u.has_event);
	assert_false(adapter_table_lookup(&t, HCI1)->powered);
	u = adapter_table_properties_changed(&t, "/org/bluez/hci9", &powered_off);
	assert_false(u.has_event);
	adapter_table_clear(&t);
}

/* Pairable is kept (bluez.c keeps it on while the agent is registered) but is no lifecycle event. */
static void test_pairable_is_recorded_without_an_event(void **state)
{
	const AdapterProps pairable_off = { .has_pairable = true, .pairable = false };
	const AdapterProps pairable_on = { .has_pairable = true, .pairable = true };
	AdapterTable t;
	AdapterUpdate u;

	discovered_hci0(&t, ADAPTER_MATCH_AUTO, NULL);
	assert_false(t.selected->pairable);
	u = adapter_table_properties_changed(&t, HCI0, &pairable_on);
	assert_false(u.has_event);
	assert_true(t.selected->pairable);
	assert_true(t.selected->powered);
	/* Powered alone leaves Pairable as it was. */
	u = adapter_table_properties_changed(&t, HCI0, &powered_off);
	assert_int_equal(u.event.type, LC_EV_POWERED_OFF);
	assert_true(t.selected->pairable);
	u = adapter_table_properties_changed(&t, HCI0, &pairable_off);
	assert_false(u.has_event);
	assert_false(t.selected->pairable);
	adapter_table_clear(&t);
}

static void test_forget_reports_whether_one_was_selected(void **state)
{
	AdapterTable t;

	discovered_hci0(&t, ADAPTER_MATCH_AUTO, NULL);
	assert_true(adapter_table_forget(&t));
	assert_null(t.selected);
	assert_int_equal(g_hash_table_size(t.adapters), 0);
	assert_false(adapter_table_forget(&t));
	adapter_table_clear(&t);
}

static void test_table_is_bounded(void **state)
{
	AdapterTable t;
	AdapterUpdate u;

	adapter_table_init(&t, ADAPTER_MATCH_AUTO, NULL);
	for (int i = 0; i < ADAPTER_TABLE_MAX; i++) {
		g_autofree char *path = g_strdup_printf("/org/bluez/hci%d", i);

		assert_int_equal(adapter_table_apply(&t, path, (const char *const[]){ ADAPTER_IFACE }, 1, NULL), 0);
	}
	assert_int_equal(adapter_table_apply(&t, "/org/bluez/hci99", all_ifaces, 3, NULL), -ENOSPC);
	u = added(&t, "/org/bluez/hci99", all_ifaces, 3, NULL, true);
	assert_int_equal(u.error, -ENOSPC);
	assert_false(u.has_event);
	assert_null(adapter_table_lookup(&t, "/org/bluez/hci99"));
	/* Known adapters still take changes. */
	u = added(&t, HCI0, gatt_only, 1, NULL, true);
	assert_int_equal(u.error, 0);
	assert_int_equal(u.event.type, LC_EV_ADAPTER_ADDED);
	adapter_table_clear(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_picks_lowest_index_with_gatt_manager),
		cmocka_unit_test(test_name_match_requires_that_adapter),
		cmocka_unit_test(test_address_match_follows_renumbering),
		cmocka_unit_test(test_adapter_without_adapter1_is_not_usable),
		cmocka_unit_test(test_discovery_without_a_match_reports_no_adapter),
		cmocka_unit_test(test_irrelevant_objects_and_interfaces_are_ignored),
		cmocka_unit_test(test_adapter_appearing_while_waiting_is_selected),
		cmocka_unit_test(test_adapter_appearing_when_not_waiting_is_not_selected),
		cmocka_unit_test(test_other_adapter_appearing_changes_nothing),
		cmocka_unit_test(test_wanted_adapter_by_name_or_address),
		cmocka_unit_test(test_selected_adapter_vanishing),
		cmocka_unit_test(test_selected_adapter_losing_gatt_manager_is_removed_but_kept_in_table),
		cmocka_unit_test(test_adv_manager_removed_from_selected_adapter),
		cmocka_unit_test(test_powered_changes_of_the_selected_adapter),
		cmocka_unit_test(test_pairable_is_recorded_without_an_event),
		cmocka_unit_test(test_forget_reports_whether_one_was_selected),
		cmocka_unit_test(test_table_is_bounded),
	};

	return cmocka_run_group_tests_name("adapter", tests, NULL, NULL);
}
