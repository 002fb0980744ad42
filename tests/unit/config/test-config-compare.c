/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-config-compare.c: what a reload changes (config/compare.h), on pairs of
 * configurations loaded from text: which differences BlueZ must see again
 * (config_same_tree), which the advertisement must (config_same_advertising),
 * and which keep a current value (config_characteristic_equal,
 * config_descriptor_equal).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <glib/gstdio.h>

#include <cmocka.h>

#include "test-util.h"
#include "config/compare.h"
#include "config/config.h"

#define SERVICE "[Service battery]\nUUID=180F\n"
#define LEVEL(uuid, flags) "[Characteristic battery/level]\nUUID=" uuid "\nFlags=" flags "\n"
#define RANGE(name) "[Descriptor battery/level/" name "]\nUUID=2906\nFlags=read\n"
#define STATE "[Characteristic battery/state]\nUUID=2A1A\nFlags=read\n"
#define S_C "[Service s]\nUUID=180F\n[Characteristic s/c]\nUUID=2A19\nFlags=write\n"
#define BATTERY \
	SERVICE \
	"[Characteristic battery/level]\nUUID=2A19\nFlags=read;notify\nType=u8\nValue=u8:100\n" \
	"[Descriptor battery/level/range]\nUUID=2906\nFlags=read\nValue=hex:0064\n" \
	"[Characteristic battery/state]\nUUID=2A1A\nFlags=read\n"
#define CONSOLE \
	"[Service console]\nUUID=6e400001-b5a3-f393-e0a9-e50e24dcca9e\n" \
	"[Characteristic console/rx]\nUUID=6e400002-b5a3-f393-e0a9-e50e24dcca9e\nFlags=write\n"

/* gattd.conf (NULL: none) and one services.d file, loaded; the test fails if they do not load. */
static GattdConfig *load_text(const char *daemon_conf, const char *services)
{
	g_autofree char *dir = g_dir_make_tmp("gattd-test-compare-XXXXXX", NULL);
	g_autofree char *services_dir = g_build_filename(dir, "services.d", NULL);
	g_autofree char *services_file = g_build_filename(services_dir, "a.conf", NULL);
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	GattdConfig *config;

	assert_non_null(dir);
	assert_int_equal(g_mkdir(services_dir, 0700), 0);
	assert_true(g_file_set_contents(services_file, services, -1, NULL));
	if (daemon_conf) {
		g_autofree char *daemon_file = g_build_filename(dir, "gattd.conf", NULL);
		assert_true(g_file_set_contents(daemon_file, daemon_conf, -1, NULL));
	}
	config = config_load(dir, errors);
	test_remove_tree(dir);
	if (!config)
		fail_msg("config refused: %s", errors->len ? (const char *) errors->pdata[0] : "?");
	return config;
}

static void test_a_configuration_is_the_same_as_itself(void **state)
{
	g_autoptr(GattdConfig) a = load_text("[Advertising]\nLocalName=x\nManufacturerData=1:hex:01\n",
	                                     BATTERY CONSOLE);
	g_autoptr(GattdConfig) b = load_text("[Advertising]\nLocalName=x\nManufacturerData=1:hex:01\n",
	                                     BATTERY CONSOLE);

	(void) state;
	assert_true(config_same_tree(a, b));
	assert_true(config_same_advertising(a, b));
	for (guint i = 0; i < a->characteristics->len; i++) {
		const CfgCharacteristic *ca = a->characteristics->pdata[i], *cb = b->characteristics->pdata[i];

		assert_true(config_characteristic_equal(ca, cb));
		for (guint j = 0; j < ca->descriptors->len; j++)
			assert_true(config_descriptor_equal(ca->descriptors->pdata[j], cb->descriptors->pdata[j]));
	}
}

static void test_values_change_the_definition_not_the_tree(void **state)
{
	g_autoptr(GattdConfig) a = load_text(NULL, BATTERY);
	g_autoptr(GattdConfig) b = load_text(NULL,
		"[Service battery]\nUUID=180F\n"
		"[Characteristic battery/level]\nUUID=2A19\nFlags=read;notify\nType=u8\nValue=u8:50\n"
		"[Descriptor battery/level/range]\nUUID=2906\nFlags=read\nValue=hex:0032\n"
		"[Characteristic battery/state]\nUUID=2A1A\nFlags=read\nMaxLength=20\n");
	const CfgCharacteristic *level_a = config_find_characteristic(a, "battery/level");
	const CfgCharacteristic *level_b = config_find_characteristic(b, "battery/level");

	(void) state;
	assert_true(config_same_tree(a, b));
	assert_true(config_same_advertising(a, b));
	assert_false(config_characteristic_equal(level_a, level_b));
	assert_false(config_descriptor_equal(config_find_descriptor(a, "battery/level/range"),
	                                     config_find_descriptor(b, "battery/level/range")));
	assert_false(config_characteristic_equal(config_find_characteristic(a, "battery/state"),
	                                         config_find_characteristic(b, "battery/state")));
}

static void test_each_key_of_a_characteristic_counts(void **state)
{
	static const char *const changed[] = {
		"Type=u16\n", "Value=hex:01\n", "MaxLength=5\n", "Capture=4\n", "Persist=true\n", "Description=x\n",
	};
	g_autoptr(GattdConfig) a = load_text(NULL, S_C);

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(changed); i++) {
		g_autofree char *text = g_strconcat(S_C, changed[i], NULL);
		g_autoptr(GattdConfig) b = load_text(NULL, text);

		assert_false(config_characteristic_equal(config_find_characteristic(a, "s/c"),
		                                         config_find_characteristic(b, "s/c")));
	}
}

static void test_the_tree_is_ids_uuids_flags_and_order(void **state)
{
	static const char *const other_trees[] = {
		/* another UUID, flags, primary, id, order, and a characteristic less or more */
		SERVICE LEVEL("2A20", "read;notify") RANGE("range") STATE,
		SERVICE LEVEL("2A19", "read") RANGE("range") STATE,
		SERVICE "Primary=false\n" LEVEL("2A19", "read;notify") RANGE("range") STATE,
		SERVICE LEVEL("2A19", "read;notify") RANGE("limits") STATE,
		SERVICE STATE LEVEL("2A19", "read;notify") RANGE("range"),
		SERVICE LEVEL("2A19", "read;notify") RANGE("range"),
		BATTERY "[Characteristic battery/more]\nUUID=2A1B\nFlags=read\n",
		BATTERY "[Descriptor battery/state/d]\nUUID=2906\nFlags=read\n",
	};
	g_autoptr(GattdConfig) a = load_text(NULL, BATTERY);

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(other_trees); i++) {
		g_autoptr(GattdConfig) b = load_text(NULL, other_trees[i]);

		assert_false(config_same_tree(a, b));
		assert_false(config_same_tree(b, a));
	}
}

/* The flat lists line up only when each service has as many characteristics. */
static void test_characteristics_do_not_pair_across_services(void **state)
{
	g_autoptr(GattdConfig) a = load_text(NULL,
		"[Service s]\nUUID=180F\n[Characteristic s/a]\nUUID=2A19\nFlags=read\n"
		"[Characteristic s/b]\nUUID=2A19\nFlags=read\n[Service t]\nUUID=180A\n");
	g_autoptr(GattdConfig) b = load_text(NULL,
		"[Service s]\nUUID=180F\n[Characteristic s/a]\nUUID=2A19\nFlags=read\n"
		"[Service t]\nUUID=180A\n[Characteristic t/b]\nUUID=2A19\nFlags=read\n");

	(void) state;
	assert_false(config_same_tree(a, b));
}

static void test_the_advertisement_is_its_group_and_advertised_uuids(void **state)
{
	static const char *const other_groups[] = {
		"[Advertising]\nEnabled=false\n", "[Advertising]\nType=broadcast\n", "[Advertising]\nLocalName=y\n",
		"[Advertising]\nAppearance=0x03C0\n", "[Advertising]\nDiscoverable=false\n",
		"[Advertising]\nDiscoverableTimeout=30\n", "[Advertising]\nIncludes=tx-power\n",
		"[Advertising]\nManufacturerData=1:hex:02\n", "[Advertising]\nManufacturerData=2:hex:01\n",
		"[Advertising]\nServiceData=180F:hex:01\n", "[Advertising]\nSolicitUUIDs=180F\n",
		"[Advertising]\nMinIntervalMs=100\nMaxIntervalMs=200\n", "[Advertising]\nTxPower=0\n",
	};
	const char *base = "[Advertising]\nManufacturerData=1:hex:01\n";
	g_autoptr(GattdConfig) a = load_text(base, BATTERY);
	g_autoptr(GattdConfig) advertised = load_text(base, "[Service battery]\nUUID=180F\nAdvertise=true\n");
	g_autoptr(GattdConfig) other_uuid = load_text(base, "[Service battery]\nUUID=180A\nAdvertise=true\n");

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(other_groups); i++) {
		g_autoptr(GattdConfig) b = load_text(other_groups[i], BATTERY);

		assert_false(config_same_advertising(a, b));
		assert_true(config_same_tree(a, b));
	}
	assert_false(config_same_advertising(a, advertised));
	assert_false(config_same_advertising(advertised, a));
	assert_false(config_same_advertising(advertised, other_uuid));
}

/* Only the advertised UUIDs count, not which service carries them or the others. */
static void test_advertised_uuids_compare_in_order_whatever_the_services(void **state)
{
	g_autoptr(GattdConfig) a = load_text(NULL,
		"[Service a]\nUUID=180F\nAdvertise=true\n[Service b]\nUUID=180A\n"
		"[Service c]\nUUID=1812\nAdvertise=true\n");
	g_autoptr(GattdConfig) b = load_text(NULL,
		"[Service x]\nUUID=1234\n[Service y]\nUUID=180F\nAdvertise=true\n"
		"[Service z]\nUUID=1812\nAdvertise=true\n");
	g_autoptr(GattdConfig) swapped = load_text(NULL,
		"[Service a]\nUUID=1812\nAdvertise=true\n[Service c]\nUUID=180F\nAdvertise=true\n");

	(void) state;
	assert_true(config_same_advertising(a, b));
	assert_false(config_same_tree(a, b));
	assert_false(config_same_advertising(a, swapped));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_configuration_is_the_same_as_itself),
		cmocka_unit_test(test_values_change_the_definition_not_the_tree),
		cmocka_unit_test(test_each_key_of_a_characteristic_counts),
		cmocka_unit_test(test_the_tree_is_ids_uuids_flags_and_order),
		cmocka_unit_test(test_characteristics_do_not_pair_across_services),
		cmocka_unit_test(test_the_advertisement_is_its_group_and_advertised_uuids),
		cmocka_unit_test(test_advertised_uuids_compare_in_order_whatever_the_services),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
