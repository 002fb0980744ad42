/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for gatt/centrals.c: the roster fed with what BlueZ says of its Device1 objects. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gatt/centrals.h"

#define HCI0 "/org/bluez/hci0"
#define HCI1 "/org/bluez/hci1"
#define DEV_A HCI0 "/dev_00_AA_01_01_00_42"
#define DEV_B HCI0 "/dev_00_AA_01_01_00_43"

/* What the listener heard, as one line per report: "+ADDRESS" or "-ADDRESS reason" (with " since N mtu M" when set). */
typedef struct {
	GPtrArray *heard;
} Recorder;

static void on_connected(GattCentrals *centrals, const GattCentral *central, void *user_data)
{
	Recorder *r = user_data;

	g_ptr_array_add(r->heard, g_strdup_printf("+%s", central->address));
}

static void on_disconnected(GattCentrals *centrals, const GattCentral *central, const char *reason, void *user_data)
{
	Recorder *r = user_data;

	g_autofree char *link = central->connected_since ? g_strdup_printf(" since %" G_GINT64_FORMAT " mtu %u",
	                                                                   central->connected_since, central->mtu)
	                                                 : g_strdup("");

	g_ptr_array_add(r->heard, g_strdup_printf("-%s %s%s", central->address, reason ? reason : "(none)", link));
}

static const GattCentralsListener listener = {
	.connected = on_connected,
	.disconnected = on_disconnected,
};

typedef struct {
	GattCentrals *centrals;
	Recorder rec;
} Fixture;

static int setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	f->centrals = gatt_centrals_new();
	f->rec.heard = g_ptr_array_new_with_free_func(g_free);
	gatt_centrals_add_listener(f->centrals, &listener, &f->rec);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;

	gatt_centrals_free(f->centrals);
	g_ptr_array_unref(f->rec.heard);
	g_free(f);
	return 0;
}

/* The reports since the last call, joined with "; ". */
static char *heard(Fixture *f)
{
	g_ptr_array_add(f->rec.heard, NULL);
	char *joined = g_strjoinv("; ", (char **)f->rec.heard->pdata);

	g_ptr_array_set_size(f->rec.heard, 0);
	return joined;
}

static void expect_heard(Fixture *f, const char *expected)
{
	g_autofree char *got = heard(f);

	if (strcmp(got, expected) != 0)
		fail_msg("heard \"%s\", expected \"%s\"", got, expected);
}

static GattCentralProps connected_device(const char *address)
{
	return (GattCentralProps){
		.address = address, .address_type = "public", .alias = "alias",
		.has_paired = true, .has_trusted = true, .has_connected = true, .connected = true,
	};
}

static const GattCentralProps now_disconnected = { .has_connected = true, .connected = false };
static const GattCentralProps now_connected = { .has_connected = true, .connected = true };

static void test_a_central_joins_when_connected_on_the_selected_adapter(void **state)
{
	Fixture *f = *state;
	GattCentralProps a = connected_device("00:aa:01:01:00:42");
	g_autoptr(GPtrArray) list = NULL;
	const GattCentral *c;

	/* Known before an adapter is selected (GetManagedObjects comes first). */
	assert_int_equal(gatt_centrals_apply(f->centrals, DEV_A, &a, 1000), 0);
	expect_heard(f, "");
	gatt_centrals_set_adapter(f->centrals, HCI0, "adapter-removed");
	expect_heard(f, "+00:AA:01:01:00:42");

	c = gatt_centrals_find_address(f->centrals, "00:aa:01:01:00:42");
	assert_non_null(c);
	assert_string_equal(c->path, DEV_A);
	assert_string_equal(c->adapter, HCI0);
	assert_string_equal(c->address, "00:AA:01:01:00:42");
	assert_int_equal(c->connected_since, 1000);
	assert_false(c->has_bonded);
	list = gatt_centrals_list(f->centrals);
	assert_int_equal(list->len, 1);
	assert_int_equal(gatt_centrals_count(f->centrals), 1);
}

static void test_added_then_connected_and_disconnected_with_a_reason(void **state)
{
	Fixture *f = *state;
	GattCentralProps a = connected_device("00:AA:01:01:00:42");

	gatt_centrals_set_adapter(f->centrals, HCI0, NULL);
	/* InterfacesAdded with Connected = false, then PropertiesChanged(Connected = true). */
	a.connected = false;
	assert_int_equal(gatt_centrals_apply(f->centrals, DEV_A, &a, 5), 0);
	expect_heard(f, "");
	assert_int_equal(gatt_centrals_apply(f->centrals, DEV_A, &now_connected, 7), 0);
	expect_heard(f, "+00:AA:01:01:00:42");
	assert_int_equal(gatt_centrals_lookup(f->centrals, DEV_A)->connected_since, 7);

	/* 5.83+: Disconnected(name, message) before Connected = false. */
	gatt_centrals_disconnect_reason(f->centrals, DEV_A, "org.bluez.Reason.Remote");
	expect_heard(f, "");
	gatt_centrals_apply(f->centrals, DEV_A, &now_disconnected, 9);
	expect_heard(f, "-00:AA:01:01:00:42 remote since 7 mtu 0");
	assert_null(gatt_centrals_find_address(f->centrals, "00:AA:01:01:00:42"));
	/* Still known (a temporary device lingers in BlueZ): the next connection reuses it, without the old reason. */
	assert_int_equal(gatt_centrals_lookup(f->centrals, DEV_A)->connected_since, 0);
	gatt_centrals_apply(f->centrals, DEV_A, &now_connected, 11);
	gatt_centrals_apply(f->centrals, DEV_A, &now_disconnected, 12);
	expect_heard(f, "+00:AA:01:01:00:42; -00:AA:01:01:00:42 (none) since 11 mtu 0");
}

static void test_devices_of_other_adapters_are_not_in_the_roster(void **state)
{
	Fixture *f = *state;
	GattCentralProps a = connected_device("00:AA:01:01:00:42");
	GattCentralProps b = connected_device("00:AA:01:01:00:43");

	gatt_centrals_set_adapter(f->centrals, HCI0, NULL);
	gatt_centrals_apply(f->centrals, HCI1 "/dev_00_AA_01_01_00_42", &a, 1);
	expect_heard(f, "");
	gatt_centrals_apply(f->centrals, DEV_B, &b, 2);
	expect_heard(f, "+00:AA:01:01:00:43");
	/* Switching adapters: the old one's centrals leave, the new one's join. */
	gatt_centrals_set_adapter(f->centrals, HCI1, "adapter-removed");
	expect_heard(f, "-00:AA:01:01:00:43 adapter-removed since 2 mtu 0; +00:AA:01:01:00:42");
	gatt_centrals_set_adapter(f->centrals, NULL, "adapter-removed");
	expect_heard(f, "-00:AA:01:01:00:42 adapter-removed since 1 mtu 0");
	assert_int_equal(gatt_centrals_count(f->centrals), 0);
}

static void test_an_unknown_address_asks_for_every_property(void **state)
{
	Fixture *f = *state;
	GattCentralProps all = connected_device("00:AA:01:01:00:42");

	gatt_centrals_set_adapter(f->centrals, HCI0, NULL);
	/* Connected = true for a device never announced: no address, so not in the roster yet. */
	assert_int_equal(gatt_centrals_apply(f->centrals, DEV_A, &now_connected, 3), 1);
	expect_heard(f, "");
	assert_int_equal(gatt_centrals_apply(f->centrals, DEV_A, &all, 4), 0);
	expect_heard(f, "+00:AA:01:01:00:42");
	/* Connected since it was seen connected, not since its address came. */
	assert_int_equal(gatt_centrals_lookup(f->centrals, DEV_A)->connected_since, 3);
	assert_int_equal(gatt_centrals_apply(f->centrals, "dev_no_parent", &all, 4), -EINVAL);
	assert_int_equal(gatt_centrals_apply(f->centrals, "/dev_at_root", &all, 4), -EINVAL);
}

static void test_address_changes_on_the_same_path(void **state)
{
	Fixture *f = *state;
	GattCentralProps rpa = connected_device("5A:11:22:33:44:55");
	GattCentralProps identity = { .address = "00:AA:01:01:00:42", .address_type = "public" };

	gatt_centrals_set_adapter(f->centrals, HCI0, NULL);
	rpa.address_type = "random";
	gatt_centrals_apply(f->centrals, HCI0 "/dev_5A_11_22_33_44_55", &rpa, 1);
	gatt_centrals_apply(f->centrals, HCI0 "/dev_5A_11_22_33_44_55", &identity, 2);
	expect_heard(f, "+5A:11:22:33:44:55");
	assert_null(gatt_centrals_find_address(f->centrals, "5A:11:22:33:44:55"));
	assert_string_equal(gatt_centrals_find_address(f->centrals, "00:AA:01:01:00:42")->address_type, "public");
}

static void test_removal_and_forgetting_say_why(void **state)
{
	Fixture *f = *state;
	GattCentralProps a = connected_device("00:AA:01:01:00:42");
	GattCentralProps b = connected_device("00:AA:01:01:00:43");

	gatt_centrals_set_adapter(f->centrals, HCI0, NULL);
	gatt_centrals_apply(f->centrals, DEV_A, &a, 1);
	gatt_centrals_apply(f->centrals, DEV_B, &b, 2);
	gatt_centrals_remove(f->centrals, DEV_A);
	assert_null(gatt_centrals_lookup(f->centrals, DEV_A));
	gatt_centrals_remove(f->centrals, DEV_A);
	gatt_centrals_forget(f->centrals, "bluez-gone");
	expect_heard(f, "+00:AA:01:01:00:42; +00:AA:01:01:00:43; -00:AA:01:01:00:42 removed since 1 mtu 0; "
	                "-00:AA:01:01:00:43 bluez-gone since 2 mtu 0");
	/* What BlueZ said of the link (5.83+) wins over what gattd saw afterwards. */
	gatt_centrals_apply(f->centrals, DEV_A, &a, 3);
	gatt_centrals_disconnect_reason(f->centrals, DEV_A, "org.bluez.Reason.Timeout");
	gatt_centrals_remove(f->centrals, DEV_A);
	expect_heard(f, "+00:AA:01:01:00:42; -00:AA:01:01:00:42 timeout since 3 mtu 0");
	assert_null(gatt_centrals_lookup(f->centrals, DEV_B));
	assert_null(gatt_centrals_find_address(f->centrals, "00:AA:01:01:00:43"));
	/* The adapter stays selected: BlueZ's next GetManagedObjects fills the roster again. */
	gatt_centrals_apply(f->centrals, DEV_B, &b, 4);
	expect_heard(f, "+00:AA:01:01:00:43");
	assert_string_equal(gatt_centrals_find_address(f->centrals, "00:aa:01:01:00:43")->path, DEV_B);
	assert_null(gatt_centrals_find_address(f->centrals, "00:aa:01:01:00:43:ff"));
}

static void test_mtu_comes_from_calls_and_goes_with_the_link(void **state)
{
	Fixture *f = *state;
	GattCentralProps a = connected_device("00:AA:01:01:00:42");

	gatt_centrals_set_adapter(f->centrals, HCI0, NULL);
	gatt_centrals_saw_mtu(f->centrals, DEV_A, 185);
	gatt_centrals_saw_mtu(f->centrals, NULL, 185);
	gatt_centrals_apply(f->centrals, DEV_A, &a, 1);
	assert_int_equal(gatt_centrals_lookup(f->centrals, DEV_A)->mtu, 0);
	gatt_centrals_saw_mtu(f->centrals, DEV_A, 23);
	gatt_centrals_saw_mtu(f->centrals, DEV_A, 517);
	gatt_centrals_saw_mtu(f->centrals, DEV_A, 0);
	assert_int_equal(gatt_centrals_lookup(f->centrals, DEV_A)->mtu, 517);
	expect_heard(f, "+00:AA:01:01:00:42");
	/* `disconnected` tells what the link was; then it is gone. */
	gatt_centrals_apply(f->centrals, DEV_A, &now_disconnected, 2);
	expect_heard(f, "-00:AA:01:01:00:42 (none) since 1 mtu 517");
	assert_int_equal(gatt_centrals_lookup(f->centrals, DEV_A)->mtu, 0);
}

static void test_the_roster_is_ordered_by_connection(void **state)
{
	Fixture *f = *state;
	GattCentralProps a = connected_device("00:AA:01:01:00:42");
	GattCentralProps b = connected_device("00:AA:01:01:00:43");
	g_autoptr(GPtrArray) list = NULL;

	gatt_centrals_set_adapter(f->centrals, HCI0, NULL);
	gatt_centrals_apply(f->centrals, DEV_A, &a, 20);
	gatt_centrals_apply(f->centrals, DEV_B, &b, 10);
	list = gatt_centrals_list(f->centrals);
	assert_int_equal(list->len, 2);
	assert_string_equal(((GattCentral *)list->pdata[0])->path, DEV_B);
	assert_string_equal(((GattCentral *)list->pdata[1])->path, DEV_A);
}

static void test_a_full_table_makes_room_only_for_connected_devices(void **state)
{
	Fixture *f = *state;
	GattCentralProps seen = { .address = "00:BB:00:00:00:00", .has_connected = true, .connected = false };
	GattCentralProps a = connected_device("00:AA:01:01:00:42");

	gatt_centrals_set_adapter(f->centrals, HCI0, NULL);
	for (unsigned i = 0; i < GATT_CENTRALS_MAX; i++) {
		g_autofree char *path = g_strdup_printf(HCI0 "/dev_%u", i);

		assert_int_equal(gatt_centrals_apply(f->centrals, path, &seen, 1), 0);
	}
	assert_int_equal(gatt_centrals_apply(f->centrals, HCI0 "/dev_scanned", &seen, 1), -ENOSPC);
	assert_null(gatt_centrals_lookup(f->centrals, HCI0 "/dev_scanned"));
	/* A connecting central takes the place of one that is not connected. */
	assert_int_equal(gatt_centrals_apply(f->centrals, DEV_A, &a, 2), 0);
	expect_heard(f, "+00:AA:01:01:00:42");
	/* Known entries keep being updated when full. */
	assert_int_equal(gatt_centrals_apply(f->centrals, DEV_A, &now_disconnected, 3), 0);
	expect_heard(f, "-00:AA:01:01:00:42 (none) since 2 mtu 0");
}

static void test_reason_names(void **state)
{
	assert_string_equal(gatt_centrals_reason_name("org.bluez.Reason.Remote"), "remote");
	assert_string_equal(gatt_centrals_reason_name("org.bluez.Reason.Timeout"), "timeout");
	assert_string_equal(gatt_centrals_reason_name("org.bluez.Reason.Local"), "local");
	assert_string_equal(gatt_centrals_reason_name("org.bluez.Reason.Authentication"), "authentication");
	assert_string_equal(gatt_centrals_reason_name("org.bluez.Reason.Suspend"), "suspend");
	assert_string_equal(gatt_centrals_reason_name("org.bluez.Reason.Unknown"), "unknown");
	assert_string_equal(gatt_centrals_reason_name("org.bluez.Reason.Teleported"), "unknown");
	assert_string_equal(gatt_centrals_reason_name("remote"), "unknown");
	assert_string_equal(gatt_centrals_reason_name(NULL), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_central_joins_when_connected_on_the_selected_adapter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_added_then_connected_and_disconnected_with_a_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices_of_other_adapters_are_not_in_the_roster, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_unknown_address_asks_for_every_property, setup, teardown),
		cmocka_unit_test_setup_teardown(test_address_changes_on_the_same_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removal_and_forgetting_say_why, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtu_comes_from_calls_and_goes_with_the_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_roster_is_ordered_by_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_full_table_makes_room_only_for_connected_devices, setup, teardown),
		cmocka_unit_test(test_reason_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
