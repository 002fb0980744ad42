/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-config.c: the config loader, one test per rule.
 *
 * Each test writes a config directory into a fresh temporary directory and
 * loads it. Refusals are checked by the message: it must start with
 * "FILE: [GROUP] KEY: " and contain the problem, so an operator can find the line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <cmocka.h>

#include "test-util.h"
#include "config/config.h"

#define SERVICE_S "[Service s]\nUUID=180F\n"
#define UUID_BASE(x) "0000" x "-0000-1000-8000-00805f9b34fb"

typedef struct {
	char *dir;
	GPtrArray *errors;
	GattdConfig *config;
} Fixture;

static int setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autofree char *services = NULL;

	f->dir = g_dir_make_tmp("gattd-test-config-XXXXXX", NULL);
	assert_non_null(f->dir);
	services = g_build_filename(f->dir, "services.d", NULL);
	assert_int_equal(g_mkdir(services, 0700), 0);
	f->errors = g_ptr_array_new_with_free_func(g_free);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;

	test_remove_tree(f->dir);
	g_free(f->dir);
	g_ptr_array_unref(f->errors);
	config_free(f->config);
	g_free(f);
	return 0;
}

static char *path_in(Fixture *f, const char *relative)
{
	return g_build_filename(f->dir, relative, NULL);
}

/* Write relative (e.g. "services.d/a.conf") under the config dir, creating folders. */
static void write_file(Fixture *f, const char *relative, const char *content)
{
	g_autofree char *path = path_in(f, relative);
	g_autofree char *parent = g_path_get_dirname(path);
	g_autoptr(GError) error = NULL;

	assert_int_equal(g_mkdir_with_parents(parent, 0700), 0);
	if (!g_file_set_contents(path, content, -1, &error))
		fail_msg("writing %s: %s", path, error->message);
}

static char *joined_errors(Fixture *f)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < f->errors->len; i++)
		g_string_append_printf(s, "\n  %s", (const char *) g_ptr_array_index(f->errors, i));
	return g_string_free(s, FALSE);
}

static GattdConfig *load(Fixture *f)
{
	config_free(f->config);
	g_ptr_array_set_size(f->errors, 0);
	f->config = config_load(f->dir, f->errors);
	return f->config;
}

static const GattdConfig *assert_loads(Fixture *f)
{
	if (!load(f)) {
		g_autofree char *all = joined_errors(f);
		fail_msg("config refused:%s", all);
	}
	assert_int_equal(f->errors->len, 0);
	return f->config;
}

/*
 * The config is refused and one message starts with where ("FILE: [GROUP] KEY: ")
 * and contains what.
 */
static void assert_problem(Fixture *f, const char *where, const char *what)
{
	if (load(f))
		fail_msg("config accepted, expected '%s%s'", where, what);
	for (guint i = 0; i < f->errors->len; i++) {
		const char *e = g_ptr_array_index(f->errors, i);
		if (g_str_has_prefix(e, where) && strstr(e + strlen(where), what))
			return;
	}
	{
		g_autofree char *all = joined_errors(f);
		fail_msg("no message '%s...%s' among:%s", where, what, all);
	}
}

/* As assert_problem(), and it is the only message: no cascade of follow-up errors. */
static void assert_only_problem(Fixture *f, const char *where, const char *what)
{
	assert_problem(f, where, what);
	if (f->errors->len != 1) {
		g_autofree char *all = joined_errors(f);
		fail_msg("expected one message, got %u:%s", f->errors->len, all);
	}
}

static const CfgCharacteristic *characteristic(Fixture *f, const char *id)
{
	const CfgCharacteristic *c = config_find_characteristic(f->config, id);

	if (!c)
		fail_msg("no characteristic %s", id);
	return c;
}

static void assert_bytes(GBytes *bytes, const char *expected_hex)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	g_autofree char *hex = value_to_hex(data, len);

	assert_string_equal(hex, expected_hex);
}

/* ---- what loads, and into what ---- */

static void test_minimal_config_gets_defaults(void **state)
{
	Fixture *f = *state;
	const GattdConfig *c;
	const CfgService *s;

	write_file(f, "services.d/a.conf", SERVICE_S);
	c = assert_loads(f);

	assert_string_equal(c->config_dir, f->dir);
	assert_int_equal(c->adapter_match, ADAPTER_MATCH_AUTO);
	assert_null(c->adapter);
	assert_int_equal(c->retry_min_ms, 500);
	assert_int_equal(c->retry_max_ms, 30000);

	assert_true(c->advertising.enabled);
	assert_string_equal(c->advertising.type, "peripheral");
	assert_null(c->advertising.local_name);
	assert_false(c->advertising.has_appearance);
	assert_true(c->advertising.discoverable);
	assert_int_equal(c->advertising.discoverable_timeout, 0);
	assert_non_null(c->advertising.includes);
	assert_null(c->advertising.includes[0]);
	assert_int_equal(c->advertising.manufacturer_data->len, 0);
	assert_int_equal(c->advertising.service_data->len, 0);
	assert_non_null(c->advertising.solicit_uuids);
	assert_null(c->advertising.solicit_uuids[0]);
	assert_int_equal(c->advertising.min_interval_ms, 0);
	assert_int_equal(c->advertising.max_interval_ms, 0);
	assert_false(c->advertising.has_tx_power);

	assert_int_equal(c->services->len, 1);
	s = g_ptr_array_index(c->services, 0);
	assert_string_equal(s->id, "s");
	assert_string_equal(s->uuid, UUID_BASE("180f"));
	assert_true(s->primary);
	assert_false(s->advertise);
	assert_int_equal(s->characteristics->len, 0);
	assert_string_equal(s->origin, "services.d/a.conf [Service s]");
}

static const char full_gattd_conf[] =
	"# all keys\n"
	"[Daemon]\n"
	"Adapter=00:aa:01:01:00:0f\n"
	"RetryMinMs=100\n"
	"RetryMaxMs=0x2710\n"
	"\n"
	"[Advertising]\n"
	"Enabled=false\n"
	"Type=broadcast\n"
	"LocalName=my gattd\n"
	"Appearance=0x03C0\n"
	"Discoverable=false\n"
	"DiscoverableTimeout=30\n"
	"Includes=tx-power\n"
	"ManufacturerData=0x05F1:hex:0102;0x004C:utf8:hi\n"
	"ServiceData=180F:u8:100\n"
	"SolicitUUIDs=180D;0X180A\n"
	"MinIntervalMs=100\n"
	"MaxIntervalMs=200\n"
	"TxPower=-10\n";

static const char battery_conf[] =
	"[Service battery]\n"
	"UUID=180f\n"
	"Primary=false\n"
	"Advertise=true\n"
	"\n"
	"[Characteristic battery/level]\n"
	"UUID=2A19\n"
	"Flags=read;notify\n"
	"Type=u8\n"
	"Value=u8:100\n"
	"Description=Battery Level\n"
	"\n"
	"[Characteristic battery/command]\n"
	"UUID=6e400002-b5a3-f393-e0a9-e50e24dcca9e\n"
	"Flags=write;write-without-response\n"
	"MaxLength=20\n"
	"Capture=16\n"
	"\n"
	"[Descriptor battery/level/valid_range]\n"
	"UUID=2906\n"
	"Flags=read\n"
	"Value=hex:0064\n"
	"MaxLength=2\n";

static void test_every_daemon_and_advertising_key_is_modelled(void **state)
{
	Fixture *f = *state;
	const GattdConfig *c;
	const CfgManufacturerData *m;
	const CfgServiceData *sd;

	/* broadcast: tx-power 3 + appearance 4 + solicit UUIDs 6 + manufacturer data 12 + service data 5. */
	write_file(f, "gattd.conf", full_gattd_conf);
	write_file(f, "services.d/battery.conf", "[Service battery]\nUUID=180f\n"
	                                         "[Characteristic battery/level]\nUUID=2A19\nFlags=read\n");
	c = assert_loads(f);

	assert_int_equal(c->adapter_match, ADAPTER_MATCH_ADDRESS);
	assert_string_equal(c->adapter, "00:AA:01:01:00:0F");
	assert_int_equal(c->retry_min_ms, 100);
	assert_int_equal(c->retry_max_ms, 10000);

	assert_false(c->advertising.enabled);
	assert_string_equal(c->advertising.type, "broadcast");
	assert_string_equal(c->advertising.local_name, "my gattd");
	assert_true(c->advertising.has_appearance);
	assert_int_equal(c->advertising.appearance, 0x03c0);
	assert_false(c->advertising.discoverable);
	assert_int_equal(c->advertising.discoverable_timeout, 30);
	assert_int_equal(g_strv_length(c->advertising.includes), 1);
	assert_string_equal(c->advertising.includes[0], "tx-power");

	assert_int_equal(c->advertising.manufacturer_data->len, 2);
	m = g_ptr_array_index(c->advertising.manufacturer_data, 0);
	assert_int_equal(m->company_id, 0x05f1);
	assert_bytes(m->data, "0102");
	m = g_ptr_array_index(c->advertising.manufacturer_data, 1);
	assert_int_equal(m->company_id, 0x004c);
	assert_bytes(m->data, "6869");

	assert_int_equal(c->advertising.service_data->len, 1);
	sd = g_ptr_array_index(c->advertising.service_data, 0);
	assert_string_equal(sd->uuid, UUID_BASE("180f"));
	assert_bytes(sd->data, "64");

	assert_int_equal(g_strv_length(c->advertising.solicit_uuids), 2);
	assert_string_equal(c->advertising.solicit_uuids[0], UUID_BASE("180d"));
	assert_string_equal(c->advertising.solicit_uuids[1], UUID_BASE("180a"));
	assert_int_equal(c->advertising.min_interval_ms, 100);
	assert_int_equal(c->advertising.max_interval_ms, 200);
	assert_true(c->advertising.has_tx_power);
	assert_int_equal(c->advertising.tx_power, -10);
}

static void test_services_characteristics_and_descriptors_are_modelled(void **state)
{
	Fixture *f = *state;
	const CfgService *s;
	const CfgCharacteristic *level, *command;
	const CfgDescriptor *d;

	write_file(f, "services.d/battery.conf", battery_conf);
	assert_loads(f);

	s = config_find_service(f->config, "battery");
	assert_non_null(s);
	assert_string_equal(s->uuid, UUID_BASE("180f"));
	assert_false(s->primary);
	assert_true(s->advertise);
	assert_int_equal(s->characteristics->len, 2);

	level = characteristic(f, "battery/level");
	assert_ptr_equal(level, g_ptr_array_index(s->characteristics, 0));
	assert_string_equal(level->name, "level");
	assert_string_equal(level->uuid, UUID_BASE("2a19"));
	assert_int_equal(g_strv_length(level->flags), 2);
	assert_string_equal(level->flags[0], "read");
	assert_string_equal(level->flags[1], "notify");
	assert_true(level->has_type);
	assert_int_equal(level->type, VALUE_TYPE_U8);
	assert_bytes(level->value, "64");
	assert_int_equal(level->max_length, 1);
	assert_int_equal(level->capture, 0);
	assert_string_equal(level->description, "Battery Level");
	assert_string_equal(level->origin, "services.d/battery.conf [Characteristic battery/level]");

	/* Description='s 0x2901, Type='s 0x2904, then the file's. */
	assert_int_equal(level->descriptors->len, 3);
	d = g_ptr_array_index(level->descriptors, 1);
	assert_string_equal(d->id, "battery/level/presentation");
	assert_string_equal(d->uuid, UUID_BASE("2904"));
	assert_bytes(d->value, "04000027010000");
	d = g_ptr_array_index(level->descriptors, 2);
	assert_string_equal(d->id, "battery/level/valid_range");
	assert_string_equal(d->name, "valid_range");
	assert_string_equal(d->uuid, UUID_BASE("2906"));
	assert_int_equal(g_strv_length(d->flags), 1);
	assert_string_equal(d->flags[0], "read");
	assert_bytes(d->value, "0064");
	assert_int_equal(d->max_length, 2);
	assert_string_equal(d->origin, "services.d/battery.conf [Descriptor battery/level/valid_range]");

	command = characteristic(f, "battery/command");
	assert_string_equal(command->uuid, "6e400002-b5a3-f393-e0a9-e50e24dcca9e");
	assert_false(command->has_type);
	assert_int_equal(command->type, VALUE_TYPE_HEX);
	assert_bytes(command->value, "");
	assert_int_equal(command->max_length, 20);
	assert_int_equal(command->capture, 16);
	assert_null(command->description);
	assert_int_equal(command->descriptors->len, 0);
}

static void test_description_generates_first_read_only_descriptor(void **state)
{
	Fixture *f = *state;
	const CfgCharacteristic *c;
	const CfgDescriptor *d;

	/* The user descriptor's group comes first in the file; the generated one still leads. */
	write_file(f, "services.d/a.conf",
	           SERVICE_S
	           "[Descriptor s/c/fmt]\nUUID=2904\nFlags=read\nValue=hex:04\n"
	           "[Characteristic s/c]\nUUID=2A19\nFlags=read\nDescription=Caf\xc3\xa9 level\n");
	assert_loads(f);

	c = characteristic(f, "s/c");
	assert_int_equal(c->descriptors->len, 2);
	d = g_ptr_array_index(c->descriptors, 0);
	assert_string_equal(d->id, "s/c/description");
	assert_string_equal(d->name, "description");
	assert_string_equal(d->uuid, UUID_BASE("2901"));
	assert_int_equal(g_strv_length(d->flags), 1);
	assert_string_equal(d->flags[0], "read");
	assert_bytes(d->value, "436166c3a9206c6576656c");
	assert_ptr_equal(config_find_descriptor(f->config, "s/c/description"), d);
	d = g_ptr_array_index(c->descriptors, 1);
	assert_string_equal(d->id, "s/c/fmt");
}

/* The descriptor with the given id part of characteristic id, failing if there is none. */
static const CfgDescriptor *descriptor(Fixture *f, const char *id)
{
	const CfgDescriptor *d = config_find_descriptor(f->config, id);

	if (!d)
		fail_msg("no descriptor %s", id);
	return d;
}

static void test_type_generates_presentation_format(void **state)
{
	Fixture *f = *state;
	const CfgCharacteristic *c;
	const CfgDescriptor *d;

	write_file(f, "services.d/a.conf",
	           SERVICE_S
	           "[Characteristic s/temp]\nUUID=2A6E\nFlags=read\nType=i16\nUnit=celsius\nExponent=-2\n"
	           "Description=Temperature\n"
	           "[Descriptor s/temp/range]\nUUID=2906\nFlags=read\nValue=hex:00\n"
	           "[Characteristic s/volts]\nUUID=2B18\nFlags=read\nType=f32\nUnit=0x2728\n"
	           "[Characteristic s/pct]\nUUID=2A19\nFlags=read\nType=u8\nUnit=Percent\nExponent=0\n"
	           "[Characteristic s/name]\nUUID=2A00\nFlags=read\nType=utf8\n"
	           "[Characteristic s/on]\nUUID=2AE2\nFlags=read\nType=bool\n"
	           "[Characteristic s/raw]\nUUID=2A19\nFlags=read\nType=hex\n"
	           "[Characteristic s/untyped]\nUUID=2A19\nFlags=read\n"
	           "[Characteristic s/quiet]\nUUID=2A19\nFlags=read\nType=u16\nPresentation=false\n");
	assert_loads(f);

	/* After Description='s 0x2901, before the files' descriptors; read only, seven bytes. */
	c = characteristic(f, "s/temp");
	assert_int_equal(c->descriptors->len, 3);
	assert_string_equal(((CfgDescriptor *) g_ptr_array_index(c->descriptors, 0))->id, "s/temp/description");
	d = g_ptr_array_index(c->descriptors, 1);
	assert_ptr_equal(d, descriptor(f, "s/temp/presentation"));
	assert_string_equal(d->name, "presentation");
	assert_string_equal(d->uuid, UUID_BASE("2904"));
	assert_int_equal(g_strv_length(d->flags), 1);
	assert_string_equal(d->flags[0], "read");
	assert_int_equal(d->max_length, 7);
	/* sint16 (0x0e), exponent -2, degree Celsius 0x272f, SIG name space, description 0 */
	assert_bytes(d->value, "0efe2f27010000");
	assert_string_equal(d->origin, "services.d/a.conf [Characteristic s/temp] Type=");
	assert_string_equal(((CfgDescriptor *) g_ptr_array_index(c->descriptors, 2))->id, "s/temp/range");

	assert_bytes(descriptor(f, "s/volts/presentation")->value, "14002827010000");
	assert_bytes(descriptor(f, "s/pct/presentation")->value, "0400ad27010000");
	assert_bytes(descriptor(f, "s/name/presentation")->value, "19000027010000");
	assert_bytes(descriptor(f, "s/on/presentation")->value, "01000027010000");
	/* No format to tell (hex), none asked for, or turned off: no 0x2904. */
	assert_int_equal(characteristic(f, "s/raw")->descriptors->len, 0);
	assert_int_equal(characteristic(f, "s/untyped")->descriptors->len, 0);
	assert_int_equal(characteristic(f, "s/quiet")->descriptors->len, 0);
}

static void test_own_presentation_format_is_kept(void **state)
{
	Fixture *f = *state;
	const CfgCharacteristic *c;
	const CfgDescriptor *d;

	/* Written before gattd made one: the file's own 0x2904 stays, and is the only one. */
	write_file(f, "services.d/a.conf",
	           SERVICE_S
	           "[Characteristic s/c]\nUUID=2A19\nFlags=read\nType=u8\n"
	           "[Descriptor s/c/fmt]\nUUID=2904\nFlags=read\nValue=hex:04ff2f27010000\n");
	assert_loads(f);
	c = characteristic(f, "s/c");
	assert_int_equal(c->descriptors->len, 1);
	d = g_ptr_array_index(c->descriptors, 0);
	assert_string_equal(d->id, "s/c/fmt");
	assert_bytes(d->value, "04ff2f27010000");
	assert_null(config_find_descriptor(f->config, "s/c/presentation"));

	/* Asking for gattd's beside one's own is a clash, named where the descriptor is. */
	write_file(f, "services.d/a.conf",
	           SERVICE_S
	           "[Characteristic s/c]\nUUID=2A19\nFlags=read\nType=u8\nUnit=percent\n"
	           "[Descriptor s/c/fmt]\nUUID=2904\nFlags=read\nValue=hex:04ff2f27010000\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/fmt] UUID: ",
	                    "0x2904 (Presentation Format) clashes with the one Unit= in services.d/a.conf "
	                    "[Characteristic s/c] makes; use one of them");
	write_file(f, "services.d/a.conf",
	           SERVICE_S
	           "[Characteristic s/c]\nUUID=2A19\nFlags=read\nType=u8\nPresentation=true\n"
	           "[Descriptor s/c/fmt]\nUUID=2904\nFlags=read\nValue=hex:04ff2f27010000\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/fmt] UUID: ",
	                    "clashes with the one Presentation=true in");

	/* The generated one's id is taken by a descriptor of the files. */
	write_file(f, "services.d/a.conf",
	           SERVICE_S
	           "[Characteristic s/c]\nUUID=2A19\nFlags=read\nType=u8\n"
	           "[Descriptor s/c/presentation]\nUUID=2906\nFlags=read\nValue=hex:00\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/presentation]: ",
	                    "id 's/c/presentation' is already used by the 0x2904 descriptor that Type= in "
	                    "services.d/a.conf [Characteristic s/c] generates (Presentation=false turns it off)");
	write_file(f, "services.d/a.conf",
	           SERVICE_S
	           "[Characteristic s/c]\nUUID=2A19\nFlags=read\nType=u8\nPresentation=false\n"
	           "[Descriptor s/c/presentation]\nUUID=2906\nFlags=read\nValue=hex:00\n");
	assert_loads(f);
}

static void test_unit_and_exponent_are_checked(void **state)
{
	static const struct {
		const char *keys;
		const char *where;
		const char *what;
	} cases[] = {
		{ "Unit=celsius\n", "Unit: ", "needs Type= of a number (u8 to i64, f32, f64); Type= is none" },
		{ "Type=utf8\nUnit=celsius\n", "Unit: ", "needs Type= of a number (u8 to i64, f32, f64); Type= is utf8" },
		{ "Type=bool\nUnit=percent\n", "Unit: ", "Type= is bool" },
		{ "Type=u8\nUnit=furlong\n", "Unit: ",
		  "unknown unit 'furlong' (a name such as celsius, percent, volt, or the SIG's number 0x2700-0x27FF)" },
		{ "Type=u8\nUnit=0x2800\n", "Unit: ", "0x2800 is not a unit: the SIG's units are 0x2700-0x27FF" },
		{ "Type=u8\nUnit=2728\n", "Unit: ", "2728 is not a unit: the SIG's units are 0x2700-0x27FF" },
		{ "Type=u8\nUnit=0x27zz\n", "Unit: ", "'0x27zz' is not a unit number (0x2700-0x27FF)" },
		{ "Type=u8\nUnit=\n", "Unit: ", "unknown unit ''" },
		{ "Type=f32\nExponent=-1\n", "Exponent: ", "needs Type= of an integer (u8 to i64); Type= is f32" },
		{ "Exponent=1\n", "Exponent: ", "Type= is none" },
		{ "Type=i16\nExponent=-129\n", "Exponent: ", "-129" },
		{ "Type=i16\nExponent=128\n", "Exponent: ", "128" },
		{ "Type=i16\nExponent=two\n", "Exponent: ", "two" },
		{ "Type=u8\nPresentation=false\nUnit=percent\n", "Unit: ",
		  "describes the 0x2904 descriptor that Presentation=false turns off" },
		{ "Type=u8\nPresentation=false\nExponent=1\n", "Exponent: ", "Presentation=false turns off" },
		{ "Type=hex\nPresentation=true\n", "Presentation: ",
		  "true needs Type= of a format (bool, u8 to i64, f32, f64, utf8); Type= is hex" },
		{ "Presentation=true\n", "Presentation: ", "Type= is none" },
		{ "Type=u8\nPresentation=yes\n", "Presentation: ", "'yes' is not true or false" },
	};
	Fixture *f = *state;

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *conf = g_strdup_printf(SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\n%s",
		                                        cases[i].keys);
		g_autofree char *where = g_strdup_printf("services.d/a.conf: [Characteristic s/c] %s", cases[i].where);

		write_file(f, "services.d/a.conf", conf);
		assert_only_problem(f, where, cases[i].what);
	}
}

static void test_fixed_size_type_defaults_max_length_and_zero_value(void **state)
{
	Fixture *f = *state;
	const CfgCharacteristic *c;

	write_file(f, "services.d/a.conf",
	           SERVICE_S
	           "[Characteristic s/u16]\nUUID=2A19\nFlags=read\nType=u16\n"
	           "[Characteristic s/f64]\nUUID=2A19\nFlags=read\nType=f64\n"
	           "[Characteristic s/wide]\nUUID=2A19\nFlags=read\nType=u16\nMaxLength=4\n");
	assert_loads(f);

	c = characteristic(f, "s/u16");
	assert_int_equal(c->max_length, 2);
	assert_bytes(c->value, "0000");
	c = characteristic(f, "s/f64");
	assert_int_equal(c->max_length, 8);
	assert_bytes(c->value, "0000000000000000");
	c = characteristic(f, "s/wide");
	assert_int_equal(c->max_length, 4);
	assert_bytes(c->value, "0000");
}

static void test_variable_size_value_defaults_to_empty_and_512(void **state)
{
	Fixture *f = *state;
	const CfgCharacteristic *c;
	const CfgDescriptor *d;

	write_file(f, "services.d/a.conf",
	           SERVICE_S
	           "[Characteristic s/raw]\nUUID=2A19\nFlags=read\n"
	           "[Characteristic s/text]\nUUID=2A19\nFlags=read\nType=utf8\n"
	           "[Descriptor s/raw/d]\nUUID=2904\nFlags=read\n");
	assert_loads(f);

	c = characteristic(f, "s/raw");
	assert_false(c->has_type);
	assert_int_equal(c->max_length, 512);
	assert_bytes(c->value, "");
	c = characteristic(f, "s/text");
	assert_true(c->has_type);
	assert_int_equal(c->type, VALUE_TYPE_UTF8);
	assert_int_equal(c->max_length, 512);
	assert_bytes(c->value, "");
	d = config_find_descriptor(f->config, "s/raw/d");
	assert_non_null(d);
	assert_int_equal(d->max_length, 512);
	assert_bytes(d->value, "");
}

static void test_value_of_exactly_max_length_is_accepted(void **state)
{
	Fixture *f = *state;
	g_autofree char *hex = g_strnfill(1024, 'a');
	g_autofree char *conf = g_strdup_printf(SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\n"
	                                        "Value=hex:%s\n", hex);

	write_file(f, "services.d/a.conf", conf);
	assert_loads(f);
	assert_int_equal(g_bytes_get_size(characteristic(f, "s/c")->value), 512);
}

static void test_load_order_is_file_names_lexically_then_groups_in_file_order(void **state)
{
	Fixture *f = *state;
	const CfgService *a, *b;

	write_file(f, "services.d/10-a.conf", "[Service a]\nUUID=1234\n[Characteristic a/x]\nUUID=2A19\nFlags=read\n");
	write_file(f, "services.d/20-b.conf",
	           "[Service b]\nUUID=1235\n"
	           "[Characteristic b/y2]\nUUID=2A19\nFlags=read\n"
	           "[Characteristic b/y1]\nUUID=2A19\nFlags=read\n"
	           "[Characteristic a/z]\nUUID=2A19\nFlags=read\n");
	/* "9-" sorts after "20-": lexical, not numeric. */
	write_file(f, "services.d/9-c.conf", "[Characteristic a/w]\nUUID=2A19\nFlags=read\n[Service c]\nUUID=1236\n");
	assert_loads(f);

	assert_int_equal(f->config->services->len, 3);
	a = g_ptr_array_index(f->config->services, 0);
	b = g_ptr_array_index(f->config->services, 1);
	assert_string_equal(a->id, "a");
	assert_string_equal(b->id, "b");
	assert_string_equal(((CfgService *) g_ptr_array_index(f->config->services, 2))->id, "c");
	assert_int_equal(a->characteristics->len, 3);
	assert_string_equal(((CfgCharacteristic *) g_ptr_array_index(a->characteristics, 0))->id, "a/x");
	assert_string_equal(((CfgCharacteristic *) g_ptr_array_index(a->characteristics, 1))->id, "a/z");
	assert_string_equal(((CfgCharacteristic *) g_ptr_array_index(a->characteristics, 2))->id, "a/w");
	assert_string_equal(((CfgCharacteristic *) g_ptr_array_index(b->characteristics, 0))->id, "b/y2");
	assert_string_equal(((CfgCharacteristic *) g_ptr_array_index(b->characteristics, 1))->id, "b/y1");
}

static void test_characteristic_may_precede_its_service_in_another_file(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", "[Characteristic s/c]\nUUID=2A19\nFlags=read\n");
	write_file(f, "services.d/b.conf", SERVICE_S "[Descriptor s/c/d]\nUUID=2904\nFlags=read\n");
	assert_loads(f);
	assert_non_null(config_find_descriptor(f->config, "s/c/d"));
}

static void test_non_conf_files_in_services_d_are_ignored(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "services.d/README", "not a key file at all\n");
	write_file(f, "services.d/b.conf.bak", "[Service s]\nUUID=180F\n");
	write_file(f, "services.d/b.conf~", "garbage\n");
	write_file(f, "services.d/sub/c.conf", "garbage\n");
	assert_loads(f);
	assert_int_equal(f->config->services->len, 1);
}

static void test_missing_gattd_conf_means_defaults_but_empty_one_is_fine_too(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	assert_loads(f);
	write_file(f, "gattd.conf", "");
	assert_loads(f);
	write_file(f, "gattd.conf", "# only comments\n\n[Daemon]\n[Advertising]\n");
	assert_loads(f);
	assert_true(f->config->advertising.enabled);
}

static void test_lookups_and_counts(void **state)
{
	Fixture *f = *state;
	unsigned ns = 0, nc = 0, nd = 0;

	write_file(f, "services.d/battery.conf", battery_conf);
	write_file(f, "services.d/other.conf", "[Service other]\nUUID=1234\n");
	assert_loads(f);

	assert_non_null(config_find_service(f->config, "other"));
	assert_null(config_find_service(f->config, "nope"));
	assert_null(config_find_service(f->config, NULL));
	assert_non_null(config_find_characteristic(f->config, "battery/command"));
	assert_null(config_find_characteristic(f->config, "battery/nope"));
	assert_null(config_find_characteristic(f->config, "battery"));
	assert_null(config_find_characteristic(f->config, "nope/level"));
	assert_non_null(config_find_descriptor(f->config, "battery/level/valid_range"));
	assert_null(config_find_descriptor(f->config, "battery/level/nope"));
	assert_null(config_find_descriptor(f->config, "battery/level"));

	config_count(f->config, &ns, &nc, &nd);
	assert_int_equal(ns, 2);
	assert_int_equal(nc, 2);
	assert_int_equal(nd, 3); /* valid_range + generated description and presentation format */
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("'%s' not in:\n%s", needle, haystack);
}

static void test_summary_shows_what_would_be_served(void **state)
{
	Fixture *f = *state;
	g_autofree char *summary = NULL;
	g_auto(GStrv) lines = NULL;
	guint n;

	write_file(f, "gattd.conf",
	           "[Daemon]\nAdapter=hci1\n[Advertising]\nLocalName=gattd\nAppearance=0x03C0\n"
	           "ManufacturerData=0x05F1:hex:0102\nServiceData=180F:u8:100\nIncludes=tx-power\n"
	           "SolicitUUIDs=180D\nMinIntervalMs=100\nMaxIntervalMs=200\nTxPower=-10\n");
	write_file(f, "services.d/battery.conf", battery_conf);
	write_file(f, "services.d/console.conf",
	           "[Service console]\nUUID=6e400001-b5a3-f393-e0a9-e50e24dcca9e\n"
	           "[Characteristic console/tx]\nUUID=6e400003-b5a3-f393-e0a9-e50e24dcca9e\nFlags=read;notify\n"
	           "Type=utf8\nValue=utf8:hello\n"
	           "[Characteristic console/temp]\nUUID=2A6E\nFlags=read\nType=i16\nValue=i16:-2\n");
	assert_loads(f);
	summary = config_summary(f->config);

	assert_contains(summary, "Adapter: hci1\n");
	assert_contains(summary, "BlueZ retries: after 500 ms, backing off to 30000 ms\n");
	assert_contains(summary, "Advertising: peripheral, local name \"gattd\", appearance 0x03c0, discoverable\n");
	assert_contains(summary, "  service UUIDs: 180f\n");
	assert_contains(summary, "  includes: tx-power\n");
	assert_contains(summary, "  manufacturer data 0x05f1: hex:0102\n");
	assert_contains(summary, "  service data 180f: hex:64\n");
	assert_contains(summary, "  solicit UUIDs: 180d\n");
	assert_contains(summary, "  interval: 100..200 ms\n");
	assert_contains(summary, "  tx power: -10 dBm\n");
	assert_contains(summary, "  advertising data: 29 of 31 bytes (flags 3 + tx-power 3 + appearance 4 + service "
	                         "UUIDs 4 + solicit UUIDs 4 + manufacturer data 6 + service data 5)\n");
	assert_contains(summary, "Service battery: UUID 180f, secondary, advertised\n");
	assert_contains(summary, "  Characteristic battery/level: UUID 2a19, flags read, notify\n");
	assert_contains(summary, "    type u8, value u8:100 (hex 64), max length 1\n");
	assert_contains(summary, "    Descriptor battery/level/description: UUID 2901, flags read\n");
	assert_contains(summary, "      value utf8:Battery Level (hex 42617474657279204c6576656c), max length 512\n");
	assert_contains(summary, "    Descriptor battery/level/presentation: UUID 2904, flags read\n"
	                         "      value hex:04000027010000, max length 7\n"
	                         "      presentation: format u8, exponent 0, unit unitless (0x2700)\n");
	assert_contains(summary, "    Descriptor console/temp/presentation: UUID 2904, flags read\n"
	                         "      value hex:0e000027010000, max length 7\n"
	                         "      presentation: format i16, exponent 0, unit unitless (0x2700)\n");
	assert_contains(summary, "    Descriptor battery/level/valid_range: UUID 2906, flags read\n");
	assert_contains(summary, "      value hex:0064, max length 2\n");
	assert_contains(summary, "  Characteristic battery/command: UUID 6e400002-b5a3-f393-e0a9-e50e24dcca9e, "
	                         "flags write, write-without-response\n");
	assert_contains(summary, "    type hex (none given), value empty, max length 20\n");
	assert_contains(summary, "    capture: up to 16 writes queued for local clients\n");
	assert_contains(summary, "Service console: UUID 6e400001-b5a3-f393-e0a9-e50e24dcca9e, primary\n");
	assert_contains(summary, "    type utf8, value utf8:hello (hex 68656c6c6f), max length 512\n");
	assert_contains(summary, "    type i16, value i16:-2 (hex feff), max length 2\n");

	lines = g_strsplit(summary, "\n", -1);
	n = g_strv_length(lines);
	assert_true(n >= 2);
	assert_string_equal(lines[n - 1], "");
	assert_string_equal(lines[n - 2], "2 services, 4 characteristics, 5 descriptors");
}

static void test_summary_says_when_advertising_is_off(void **state)
{
	Fixture *f = *state;
	g_autofree char *summary = NULL;

	write_file(f, "gattd.conf", "[Daemon]\nAdapter=00:aa:01:01:00:01\n[Advertising]\nEnabled=false\n");
	write_file(f, "services.d/a.conf", SERVICE_S);
	assert_loads(f);
	summary = config_summary(f->config);
	assert_contains(summary, "Adapter: address 00:AA:01:01:00:01\n");
	assert_contains(summary, "Advertising: disabled\n");
	assert_contains(summary, "Pairing: off (gattd is not the pairing agent; bluetoothd refuses pairings)\n");
	assert_contains(summary, "1 services, 0 characteristics, 0 descriptors\n");
}

static void test_example_configuration_loads(void **state)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GattdConfig) config = config_load(GATTD_EXAMPLE_CONF_DIR, errors);
	const CfgCharacteristic *rx, *tx, *level;
	const CfgService *battery;

	if (!config) {
		GString *s = g_string_new(NULL);
		for (guint i = 0; i < errors->len; i++)
			g_string_append_printf(s, "\n  %s", (const char *) g_ptr_array_index(errors, i));
		fail_msg("example config refused:%s", s->str);
	}
	assert_true(config->advertising.enabled);
	assert_string_equal(config->advertising.local_name, "gattd");

	battery = config_find_service(config, "battery");
	assert_non_null(battery);
	assert_string_equal(battery->uuid, UUID_BASE("180f"));
	assert_true(battery->advertise);
	level = config_find_characteristic(config, "battery/level");
	assert_non_null(level);
	assert_int_equal(level->type, VALUE_TYPE_U8);
	assert_non_null(level->description);

	assert_non_null(config_find_service(config, "device_info"));
	assert_non_null(config_find_characteristic(config, "device_info/manufacturer"));
	assert_non_null(config_find_characteristic(config, "device_info/model"));
	assert_non_null(config_find_characteristic(config, "device_info/firmware"));

	rx = config_find_characteristic(config, "console/rx");
	tx = config_find_characteristic(config, "console/tx");
	assert_non_null(rx);
	assert_non_null(tx);
	assert_string_equal(rx->uuid, "6e400002-b5a3-f393-e0a9-e50e24dcca9e");
	assert_int_equal(rx->max_length, 244);
	assert_int_equal(rx->capture, 64);
	assert_string_equal(tx->uuid, "6e400003-b5a3-f393-e0a9-e50e24dcca9e");
	assert_int_equal(tx->type, VALUE_TYPE_UTF8);
	assert_true(config_find_service(config, "console")->advertise);
}

static void test_errors_array_is_optional(void **state)
{
	Fixture *f = *state;
	GattdConfig *config;

	write_file(f, "services.d/a.conf", SERVICE_S);
	config = config_load(f->dir, NULL);
	assert_non_null(config);
	config_free(config);
	config_free(NULL);

	write_file(f, "services.d/a.conf", "[Service s]\nUUID=bad\n");
	assert_null(config_load(f->dir, NULL));
}

/* ---- file-level problems ---- */

/* No message quotes text (a passkey, or a near miss of one). */
static void assert_not_quoted(Fixture *f, const char *text)
{
	for (guint i = 0; i < f->errors->len; i++) {
		const char *e = g_ptr_array_index(f->errors, i);

		if (strstr(e, text))
			fail_msg("'%s' is quoted in: %s", text, e);
	}
}

static void test_syntax_error_names_file_and_line(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "this is not a key\n");
	assert_only_problem(f, "services.d/a.conf: ", "\xe2\x80\x9cthis is not a key\xe2\x80\x9d");

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "Adapter=auto\n");
	assert_only_problem(f, "gattd.conf: ", "does not start with a group");

	/* gattd.conf may hold a passkey: a line it cannot read is named, never quoted. */
	write_file(f, "gattd.conf", "[Pairing]\nMethod=passkey\n# the label says\nPasskey 314159\n");
	assert_only_problem(f, "gattd.conf: ", "line 4 is not a key=value line, a [group] or a comment");
	assert_not_quoted(f, "314159");
}

static void test_problems_in_all_files_are_collected(void **state)
{
	Fixture *f = *state;

	write_file(f, "gattd.conf", "[Daemon]\nRetryMinMs=1\n[Advertising]\nTxPower=30\n");
	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=reed\n");
	write_file(f, "services.d/b.conf", "[Service t]\nUUID=1800\n");
	write_file(f, "services.d/c.conf", "[Service u]\nUUID=1234\nbroken\n");
	assert_null(load(f));
	if (f->errors->len != 5) {
		g_autofree char *all = joined_errors(f);
		fail_msg("expected 5 messages, got %u:%s", f->errors->len, all);
	}
	assert_problem(f, "gattd.conf: [Daemon] RetryMinMs: ", "1 is out of range 10..600000");
	assert_problem(f, "gattd.conf: [Advertising] TxPower: ", "30 is out of range -127..20");
	assert_problem(f, "services.d/a.conf: [Characteristic s/c] Flags: ", "unknown flag 'reed'");
	assert_problem(f, "services.d/b.conf: [Service t] UUID: ", "0x1800 is the Generic Access (GAP) service");
	assert_problem(f, "services.d/c.conf: ", "broken");
}

static void test_messages_name_files_relative_to_config_dir(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", "[Service s]\nUUID=nope\n");
	assert_null(load(f));
	for (guint i = 0; i < f->errors->len; i++)
		assert_null(strstr(g_ptr_array_index(f->errors, i), f->dir));
}

static void test_missing_services_dir_is_refused(void **state)
{
	Fixture *f = *state;
	g_autofree char *services = path_in(f, "services.d");

	assert_int_equal(g_rmdir(services), 0);
	assert_only_problem(f, "services.d: ", "cannot read directory: No such file or directory");

	write_file(f, "services.d", "a file, not a directory\n");
	assert_only_problem(f, "services.d: ", "cannot read directory: Not a directory");
}

static void test_no_services_is_refused(void **state)
{
	Fixture *f = *state;

	assert_only_problem(f, "services.d/*.conf: ", "no services defined");
	write_file(f, "services.d/a.conf", "# nothing yet\n");
	assert_only_problem(f, "services.d/*.conf: ", "no services defined");
}

static void test_huge_file_is_refused(void **state)
{
	Fixture *f = *state;
	g_autofree char *padding = g_strnfill(1024 * 1024, '#');
	g_autofree char *huge = g_strconcat(SERVICE_S, padding, NULL);

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "services.d/huge.conf", huge);
	assert_only_problem(f, "services.d/huge.conf: ", "larger than 1048576 bytes");

	write_file(f, "gattd.conf", huge);
	assert_problem(f, "gattd.conf: ", "larger than 1048576 bytes");
}

static void test_unreadable_files_are_refused(void **state)
{
	Fixture *f = *state;
	g_autofree char *dir_conf = path_in(f, "services.d/dir.conf");
	g_autofree char *fifo = path_in(f, "services.d/fifo.conf");
	g_autofree char *locked = path_in(f, "services.d/locked.conf");

	write_file(f, "services.d/a.conf", SERVICE_S);
	assert_int_equal(g_mkdir(dir_conf, 0700), 0);
	assert_only_problem(f, "services.d/dir.conf: ", "cannot read: Is a directory");
	assert_int_equal(g_rmdir(dir_conf), 0);

	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_only_problem(f, "services.d/fifo.conf: ", "cannot read: not a regular file");
	assert_int_equal(g_unlink(fifo), 0);

	/* root reads anything; the permission check only means something for others. */
	if (geteuid() != 0) {
		write_file(f, "services.d/locked.conf", SERVICE_S);
		assert_int_equal(g_chmod(locked, 0), 0);
		assert_only_problem(f, "services.d/locked.conf: ", "cannot read: Permission denied");
	}
}

/* No message holds a control character or invalid UTF-8, nor the config dir's own path. */
static void assert_messages_clean(Fixture *f)
{
	for (guint i = 0; i < f->errors->len; i++) {
		const char *e = g_ptr_array_index(f->errors, i);

		assert_true(g_utf8_validate(e, -1, NULL));
		for (const char *p = e; *p; p++)
			if ((guchar)*p < 0x20 || *p == 0x7f)
				fail_msg("control character 0x%02x in '%s'", (guchar)*p, e);
		if (strstr(e, f->dir))
			fail_msg("'%s' names the config dir, not a path relative to it", e);
	}
}

static void test_non_utf8_file_name_is_shown_with_the_bytes_escaped(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "services.d/b\xff.conf", "[Service t]\nUUID=bad\n");
	assert_only_problem(f, "services.d/b\\xff.conf: [Service t] UUID: ", "'bad' is not a UUID");
	assert_messages_clean(f);
}

static void test_file_name_with_newline_and_esc_is_shown_escaped_in_every_message(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a\n\x1b[31m.conf", "[Service s]\nUUID=bad\n");
	write_file(f, "services.d/b.conf", SERVICE_S);
	assert_problem(f, "services.d/a\\n\\x1b[31m.conf: [Service s] UUID: ", "'bad' is not a UUID");
	assert_problem(f, "services.d/b.conf: [Service s]: ",
	               "duplicate id 's', already defined in services.d/a\\n\\x1b[31m.conf");
	assert_messages_clean(f);
}

static void test_control_characters_in_keys_values_and_quoted_lines_are_escaped(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", "[Service s]\nUUID=\x1b[2J\nKe\x1by\x07=1\n");
	write_file(f, "services.d/b.conf", "[Service t]\nUUID=180F\nline \x1b[31m\n");
	write_file(f, "services.d/c.conf", "[Service u]\nUUID=180F\n[Service v\x1b]\n");
	assert_problem(f, "services.d/a.conf: [Service s] UUID: ", "'\\x1b[2J' is not a UUID");
	assert_problem(f, "services.d/a.conf: [Service s] Ke\\x1by\\x07: ", "unknown key");
	assert_problem(f, "services.d/b.conf: ", "line \\x1b[31m");
	assert_problem(f, "services.d/c.conf: ", "Service v\\x1b");
	assert_messages_clean(f);
}

static void test_non_utf8_content_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nDescription=\xff\n");
	assert_only_problem(f, "services.d/a.conf: ", "not valid UTF-8 (line 6)");
}

/* ---- groups and ids ---- */

static void test_unknown_group_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Servce t]\nUUID=1234\n");
	assert_only_problem(f, "services.d/a.conf: [Servce t]: ", "unknown group");

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Deamon]\nAdapter=auto\n");
	assert_only_problem(f, "gattd.conf: [Deamon]: ", "unknown group (expected [Daemon], [Advertising], "
	                                                   "[Advertising NAME] or [Pairing])");
}

static void test_daemon_groups_are_refused_in_services_d(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Daemon]\nAdapter=auto\n[Advertising]\nEnabled=true\n"
	                                   "[Pairing]\nMethod=just-works\n");
	assert_problem(f, "services.d/a.conf: [Daemon]: ", "belongs in gattd.conf");
	assert_problem(f, "services.d/a.conf: [Advertising]: ", "belongs in gattd.conf");
	assert_problem(f, "services.d/a.conf: [Pairing]: ", "belongs in gattd.conf");
	assert_int_equal(f->errors->len, 3);
}

static void test_service_groups_are_refused_in_gattd_conf(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Service t]\nUUID=1234\n[Characteristic t/c]\nUUID=2A19\nFlags=read\n");
	assert_problem(f, "gattd.conf: [Service t]: ", "belongs in services.d/*.conf");
	assert_problem(f, "gattd.conf: [Characteristic t/c]: ", "belongs in services.d/*.conf");
	assert_int_equal(f->errors->len, 2);
}

static void test_invalid_ids_are_refused(void **state)
{
	Fixture *f = *state;
	g_autofree char *part64 = g_strnfill(64, 'x');
	g_autofree char *part65 = g_strnfill(65, 'x');
	g_autofree char *ok = g_strdup_printf("[Service %s]\nUUID=1234\n", part64);
	g_autofree char *too_long = g_strdup_printf("[Service %s]\nUUID=1234\n", part65);

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "services.d/b.conf", ok);
	assert_loads(f);

	write_file(f, "services.d/b.conf", too_long);
	assert_only_problem(f, "services.d/b.conf: [Service xxxx", "]: invalid id");

	write_file(f, "services.d/b.conf", "[Service bat-tery]\nUUID=1234\n");
	assert_only_problem(f, "services.d/b.conf: [Service bat-tery]: ",
	                    "invalid id 'bat-tery': expected SERVICE, each part 1-64 characters of A-Z, a-z, 0-9 and _");

	write_file(f, "services.d/b.conf", "[Service ]\nUUID=1234\n");
	assert_only_problem(f, "services.d/b.conf: [Service ]: ", "invalid id ''");

	write_file(f, "services.d/b.conf", "[Characteristic s]\nUUID=2A19\nFlags=read\n");
	assert_only_problem(f, "services.d/b.conf: [Characteristic s]: ", "expected SERVICE/CHARACTERISTIC,");

	write_file(f, "services.d/b.conf", "[Characteristic s/c/d]\nUUID=2A19\nFlags=read\n");
	assert_only_problem(f, "services.d/b.conf: [Characteristic s/c/d]: ", "expected SERVICE/CHARACTERISTIC,");

	write_file(f, "services.d/b.conf", "[Characteristic s/]\nUUID=2A19\nFlags=read\n");
	assert_only_problem(f, "services.d/b.conf: [Characteristic s/]: ", "invalid id 's/'");

	write_file(f, "services.d/b.conf", "[Descriptor s/c]\nUUID=2904\nFlags=read\n");
	assert_only_problem(f, "services.d/b.conf: [Descriptor s/c]: ",
	                    "expected SERVICE/CHARACTERISTIC/DESCRIPTOR,");

	write_file(f, "services.d/b.conf", "[Service caf\xc3\xa9]\nUUID=1234\n");
	assert_only_problem(f, "services.d/b.conf: [Service caf\xc3\xa9]: ", "invalid id");
}

static void test_duplicate_service_id_across_files_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "services.d/b.conf", "[Service s]\nUUID=1234\n");
	assert_only_problem(f, "services.d/b.conf: [Service s]: ", "duplicate id 's', already defined in services.d/a.conf");
}

static void test_duplicate_characteristic_and_descriptor_ids_are_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=read\n");
	write_file(f, "services.d/b.conf", "[Characteristic s/c]\nUUID=2A19\nFlags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=read\n");
	assert_problem(f, "services.d/b.conf: [Characteristic s/c]: ", "duplicate id 's/c', already defined in services.d/a.conf");
	assert_problem(f, "services.d/b.conf: [Descriptor s/c/d]: ", "duplicate id 's/c/d'");
	assert_int_equal(f->errors->len, 2);
}

static void test_group_repeated_in_one_file_is_refused(void **state)
{
	Fixture *f = *state;

	/* GKeyFile would merge the two; the loader must notice. */
	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\n"
	                                   "[Service s]\nPrimary=false\n");
	assert_only_problem(f, "services.d/a.conf: [Service s]: ", "group appears more than once in this file");
}

static void test_characteristic_without_service_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic t/c]\nUUID=2A19\nFlags=read\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic t/c]: ",
	                    "service 't' is not defined (no [Service t] in services.d/*.conf)");
}

static void test_descriptor_without_characteristic_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Descriptor s/c/d]\nUUID=2904\nFlags=read\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/d]: ",
	                    "characteristic 's/c' is not defined (no [Characteristic s/c] in services.d/*.conf)");
}

/* ---- keys ---- */

static void test_unknown_keys_are_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", "[Service s]\nUUID=180F\nPrimay=true\n");
	assert_only_problem(f, "services.d/a.conf: [Service s] Primay: ", "unknown key (valid: UUID, Primary, Advertise)");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nDescription[de]=x\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Description[de]: ",
	                    "unknown key (valid: UUID, Flags, Type, Value, Description, MaxLength, Capture, Persist, Handler, HandlerFallback, "
	                    "Acquire, Presentation, Unit, Exponent)");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=read\nType=u8\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/d] Type: ", "unknown key (valid: UUID, Flags, Value, MaxLength, Handler)");

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Daemon]\nAdaptor=hci0\n");
	assert_only_problem(f, "gattd.conf: [Daemon] Adaptor: ", "unknown key (valid: Adapter, AutoPowerOn, RetryMinMs, RetryMaxMs, Socket, SocketMode, SocketGroup, MaxClients, MaxLineLength, MaxClientQueue, HandlerTimeoutMs, MaxHandlerRequests, MaxClientRequests)");

	write_file(f, "gattd.conf", "[Advertising]\nName=x\n");
	assert_only_problem(f, "gattd.conf: [Advertising] Name: ", "unknown key (valid: Enabled, Type, LocalName,");
}

static void test_key_given_twice_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nFlags=write\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Flags: ", "given more than once");
}

static void test_malformed_uuids_are_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", "[Service s]\nUUID=18F\n");
	assert_only_problem(f, "services.d/a.conf: [Service s] UUID: ",
	                    "'18F' is not a UUID (16-bit 180F, 32-bit 0000180F or 128-bit");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=6e400002-b5a3-f393-e0a9\nFlags=read\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] UUID: ", "'6e400002-b5a3-f393-e0a9' is not a UUID");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=29 04\nFlags=read\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/d] UUID: ", "'29 04' is not a UUID");
}

static void test_inline_comments_get_a_hint(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", "[Service s]\nUUID=180F   # battery\n");
	assert_only_problem(f, "services.d/a.conf: [Service s] UUID: ",
	                    "('#' starts a comment only at the beginning of a line)");
}

static void test_missing_uuid_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", "[Service s]\nPrimary=true\n[Characteristic s/c]\nFlags=read\n"
	                                   "[Descriptor s/c/d]\nFlags=read\n");
	assert_problem(f, "services.d/a.conf: [Service s] UUID: ", "missing");
	assert_problem(f, "services.d/a.conf: [Characteristic s/c] UUID: ", "missing");
	assert_problem(f, "services.d/a.conf: [Descriptor s/c/d] UUID: ", "missing");
	assert_int_equal(f->errors->len, 3);
}

static void test_gap_and_gatt_service_uuids_are_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", "[Service gap]\nUUID=1800\n[Service gatt]\nUUID=0x1801\n"
	                                   "[Service gap2]\nUUID=00001800-0000-1000-8000-00805F9B34FB\n");
	assert_problem(f, "services.d/a.conf: [Service gap] UUID: ", "0x1800 is the Generic Access (GAP) service, which BlueZ provides itself");
	assert_problem(f, "services.d/a.conf: [Service gatt] UUID: ", "0x1801 is the Generic Attribute (GATT) service");
	assert_problem(f, "services.d/a.conf: [Service gap2] UUID: ", "0x1800");
	assert_int_equal(f->errors->len, 3);
}

static void test_bluez_owned_descriptors_are_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read;notify\n"
	                                   "[Descriptor s/c/cccd]\nUUID=2902\nFlags=read;write\n"
	                                   "[Descriptor s/c/ext]\nUUID=0x2900\nFlags=read\n");
	assert_problem(f, "services.d/a.conf: [Descriptor s/c/cccd] UUID: ", "0x2902 (Client Characteristic Configuration) is created by BlueZ");
	assert_problem(f, "services.d/a.conf: [Descriptor s/c/ext] UUID: ", "0x2900 (Characteristic Extended Properties) is created by BlueZ");
	assert_int_equal(f->errors->len, 2);
}

static void test_user_description_descriptor_with_description_key_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nDescription=Level\n"
	                                   "[Descriptor s/c/name]\nUUID=2901\nFlags=read\nValue=utf8:Level\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/name] UUID: ",
	                    "0x2901 (User Description) clashes with Description= in services.d/a.conf [Characteristic s/c]");

	/* Without Description= a hand-written 0x2901 is fine. */
	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\n"
	                                   "[Descriptor s/c/name]\nUUID=2901\nFlags=read;write\nValue=utf8:Level\n");
	assert_loads(f);
}

static void test_descriptor_id_clashing_with_generated_description_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nDescription=Level\n"
	                                   "[Descriptor s/c/description]\nUUID=2904\nFlags=read\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/description]: ",
	                    "id 's/c/description' is already used by the descriptor that Description= in "
	                    "services.d/a.conf [Characteristic s/c] generates");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\n"
	                                   "[Descriptor s/c/description]\nUUID=2904\nFlags=read\n");
	assert_loads(f);
}

static void test_unknown_flag_is_refused_with_valid_list(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=reed;notfy\n");
	assert_problem(f, "services.d/a.conf: [Characteristic s/c] Flags: ",
	               "unknown flag 'reed' (valid: broadcast, read, write-without-response, write, notify, indicate, "
	               "authenticated-signed-writes, extended-properties, reliable-write, writable-auxiliaries, "
	               "encrypt-read, encrypt-write, encrypt-notify, encrypt-indicate, encrypt-authenticated-read, "
	               "encrypt-authenticated-write, encrypt-authenticated-notify, encrypt-authenticated-indicate, "
	               "secure-read, secure-write, secure-notify, secure-indicate, authorize)");
	assert_problem(f, "services.d/a.conf: [Characteristic s/c] Flags: ", "unknown flag 'notfy'");
	assert_int_equal(f->errors->len, 2);
}

static void test_characteristic_only_flag_on_descriptor_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=read;notify\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/d] Flags: ",
	                    "characteristic-only flag 'notify' (valid: read, write, encrypt-read, encrypt-write, "
	                    "encrypt-authenticated-read, encrypt-authenticated-write, secure-read, secure-write, authorize)");
}

static void test_empty_or_missing_flags_are_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Flags: ", "empty; give at least one of: broadcast, read,");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=;\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Flags: ", "empty");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\n[Descriptor s/c/d]\nUUID=2904\n");
	assert_problem(f, "services.d/a.conf: [Characteristic s/c] Flags: ", "missing");
	assert_problem(f, "services.d/a.conf: [Descriptor s/c/d] Flags: ", "missing");
	assert_int_equal(f->errors->len, 2);
}

static void test_flag_given_twice_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read;notify;read\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Flags: ", "flag 'read' given more than once");
}

static void test_blanks_around_list_items_are_ignored(void **state)
{
	Fixture *f = *state;
	const CfgCharacteristic *c;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags= read ; notify;\n");
	assert_loads(f);
	c = characteristic(f, "s/c");
	assert_int_equal(g_strv_length(c->flags), 2);
	assert_string_equal(c->flags[0], "read");
	assert_string_equal(c->flags[1], "notify");
}

/* ---- values ---- */

static void test_bad_literal_is_refused_with_codec_message(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nValue=u8:300\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Value: ", "u8 value 300 is out of range 0..255");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nValue=100\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Value: ", "literal '100' has no TYPE: prefix");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=read\nValue=hex:0g\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/d] Value: ", "hex value '0g' has a non-hex character at offset 1");
}

static void test_unknown_type_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nType=uint8\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Type: ",
	                    "unknown type 'uint8' (valid: hex, utf8, bool, u8, u16, u32, u64, i8, i16, i32, i64, f32, f64)");
}

static void test_value_not_decoding_as_type_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nType=u16\nValue=u8:5\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Value: ", "'u8:5' is 1 byte, but Type=u16 needs 2");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nType=utf8\nValue=hex:ff\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Value: ", "'hex:ff' does not decode as Type=utf8");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nType=bool\nValue=u8:2\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Value: ", "'u8:2' does not decode as Type=bool");

	/* Any literal whose bytes fit is fine. */
	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nType=u16\nValue=hex:2c01\n");
	assert_loads(f);
	assert_bytes(characteristic(f, "s/c")->value, "2c01");
}

static void test_value_longer_than_max_length_is_refused(void **state)
{
	Fixture *f = *state;
	g_autofree char *hex = g_strnfill(1026, 'a');
	g_autofree char *conf = g_strdup_printf(SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nValue=hex:%s\n", hex);

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nMaxLength=2\nValue=hex:010203\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Value: ", "'hex:010203' is 3 bytes, longer than MaxLength=2");

	write_file(f, "services.d/a.conf", conf);
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Value: ", "is 513 bytes, longer than MaxLength=512 (the default)");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=read\nMaxLength=1\nValue=utf8:ab\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/d] Value: ", "'utf8:ab' is 2 bytes, longer than MaxLength=1");
}

static void test_max_length_out_of_range_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nMaxLength=0\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] MaxLength: ", "0 is out of range 1..512");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nMaxLength=513\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] MaxLength: ", "513 is out of range 1..512");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=read\nMaxLength=-1\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/d] MaxLength: ", "-1 is out of range 1..512");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nMaxLength=512\n");
	assert_loads(f);
}

static void test_max_length_below_type_size_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nType=u32\nMaxLength=2\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] MaxLength: ", "2 is smaller than the 4 bytes of Type=u32");
}

static void test_capture_needs_a_write_flag(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read;notify\nCapture=4\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Capture: ", "needs a write flag in Flags=");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read;secure-write\nCapture=4\n");
	assert_loads(f);
	assert_int_equal(characteristic(f, "s/c")->capture, 4);
}

static void test_capture_out_of_range_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=write\nCapture=0\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Capture: ", "0 is out of range 1..65536");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=write\nCapture=65537\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Capture: ", "65537 is out of range 1..65536");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=write-without-response\nCapture=65536\n");
	assert_loads(f);
	assert_int_equal(characteristic(f, "s/c")->capture, 65536);
}

static void test_description_longer_than_512_bytes_is_refused(void **state)
{
	Fixture *f = *state;
	g_autofree char *text = g_strnfill(513, 'd');
	g_autofree char *conf = g_strdup_printf(SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nDescription=%s\n", text);

	write_file(f, "services.d/a.conf", conf);
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Description: ", "513 bytes, longer than the 512");
}

static void test_booleans_must_be_true_or_false(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", "[Service s]\nUUID=180F\nPrimary=yes\nAdvertise=1\n");
	assert_problem(f, "services.d/a.conf: [Service s] Primary: ", "'yes' is not true or false");
	assert_problem(f, "services.d/a.conf: [Service s] Advertise: ", "'1' is not true or false");
	assert_int_equal(f->errors->len, 2);

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Advertising]\nEnabled=True\nDiscoverable=\n");
	assert_problem(f, "gattd.conf: [Advertising] Enabled: ", "'True' is not true or false");
	assert_problem(f, "gattd.conf: [Advertising] Discoverable: ", "'' is not true or false");
	assert_int_equal(f->errors->len, 2);
}

static void test_integers_are_parsed_strictly(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nMaxLength=20abc\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] MaxLength: ", "'20abc' is not a decimal or 0x-hex integer");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nMaxLength=+20\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] MaxLength: ", "'+20' is not a decimal or 0x-hex integer");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nMaxLength=20 # bytes\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] MaxLength: ", "'20 # bytes' is not a decimal");

	write_file(f, "services.d/a.conf", SERVICE_S "[Characteristic s/c]\nUUID=2A19\nFlags=read\nMaxLength=0x14\n");
	assert_loads(f);
	assert_int_equal(characteristic(f, "s/c")->max_length, 20);
}

/* ---- Handler= and HandlerFallback= ---- */

#define CHAR_SC "[Characteristic s/c]\nUUID=2A19\n"

/* A characteristic s/c with these extra lines (Flags= among them). */
static void write_characteristic(Fixture *f, const char *lines)
{
	g_autofree char *conf = g_strdup_printf(SERVICE_S CHAR_SC "%s", lines);

	write_file(f, "services.d/a.conf", conf);
}

static void test_handler_names_the_requests_a_local_client_answers(void **state)
{
	Fixture *f = *state;

	write_characteristic(f, "Flags=read;write\nHandler=read;write\n");
	assert_loads(f);
	assert_int_equal(characteristic(f, "s/c")->handler, CFG_HANDLE_READ | CFG_HANDLE_WRITE);

	write_characteristic(f, "Flags=read;write\nHandler= write ; read \n");
	assert_loads(f);
	assert_int_equal(characteristic(f, "s/c")->handler, CFG_HANDLE_READ | CFG_HANDLE_WRITE);

	write_characteristic(f, "Flags=read;write\nHandler=read\n");
	assert_loads(f);
	assert_int_equal(characteristic(f, "s/c")->handler, CFG_HANDLE_READ);

	write_characteristic(f, "Flags=read;write-without-response\nHandler=write\n");
	assert_loads(f);
	assert_int_equal(characteristic(f, "s/c")->handler, CFG_HANDLE_WRITE);

	/* Any form of the flag will do: the request still reaches gattd. */
	write_characteristic(f, "Flags=secure-read;encrypt-write\nHandler=read;write\n");
	assert_loads(f);
	assert_int_equal(characteristic(f, "s/c")->handler, CFG_HANDLE_READ | CFG_HANDLE_WRITE);

	/* Without Handler=, gattd answers alone and a write nobody handles is refused. */
	write_characteristic(f, "Flags=read;write\n");
	assert_loads(f);
	assert_int_equal(characteristic(f, "s/c")->handler, 0);
	assert_false(characteristic(f, "s/c")->handler_store);
}

static void test_acquire_names_the_sockets_bluetoothd_may_take(void **state)
{
	Fixture *f = *state;

	write_characteristic(f, "Flags=read;notify;write-without-response\nAcquire=notify;write\n");
	assert_loads(f);
	assert_int_equal(characteristic(f, "s/c")->acquire, CFG_ACQUIRE_NOTIFY | CFG_ACQUIRE_WRITE);

	write_characteristic(f, "Flags=secure-indicate\nAcquire=notify\n");
	assert_loads(f);
	assert_int_equal(characteristic(f, "s/c")->acquire, CFG_ACQUIRE_NOTIFY);

	write_characteristic(f, "Flags=read;notify\n");
	assert_loads(f);
	assert_int_equal(characteristic(f, "s/c")->acquire, 0);
}

static void test_acquire_that_gattd_could_not_honour_is_refused(void **state)
{
	Fixture *f = *state;

	write_characteristic(f, "Flags=read\nAcquire=notify\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Acquire: ",
	                    "'notify' needs notify or indicate in Flags=");
	/* bluetoothd answers a Write Request that comes by socket itself: gattd could refuse none. */
	write_characteristic(f, "Flags=write;write-without-response\nAcquire=write\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Acquire: ",
	                    "'write' needs write-without-response as the only write flag in Flags=");
	write_characteristic(f, "Flags=encrypt-write;write-without-response\nAcquire=write\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Acquire: ", "as the only write flag");
	write_characteristic(f, "Flags=read\nAcquire=write\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Acquire: ", "as the only write flag");
	write_characteristic(f, "Flags=write-without-response\nHandler=write\nAcquire=write\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Acquire: ",
	                    "'write' cannot go with Handler=write");
	write_characteristic(f, "Flags=notify\nAcquire=read\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Acquire: ",
	                    "unknown socket 'read' (expected notify, write or both: notify;write)");
	write_characteristic(f, "Flags=notify\nAcquire=\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Acquire: ",
	                    "empty; give notify, write or both (notify;write)");
}

static void test_handler_with_an_unknown_request_is_refused(void **state)
{
	Fixture *f = *state;

	write_characteristic(f, "Flags=read;write\nHandler=bogus\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Handler: ",
	                    "unknown request 'bogus' (expected read, write or both: read;write)");

	write_characteristic(f, "Flags=read;write\nHandler=read;notify\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Handler: ", "unknown request 'notify'");

	/* Case matters, as for every keyword of the configuration. */
	write_characteristic(f, "Flags=read;write\nHandler=Read\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Handler: ", "unknown request 'Read'");
}

static void test_empty_handler_is_refused(void **state)
{
	Fixture *f = *state;

	write_characteristic(f, "Flags=read;write\nHandler=\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Handler: ",
	                    "empty; give read, write or both (read;write)");

	write_characteristic(f, "Flags=read;write\nHandler= ; \n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Handler: ", "empty; give read, write or both");
}

static void test_handler_needs_the_flag_of_each_request_it_names(void **state)
{
	Fixture *f = *state;

	write_characteristic(f, "Flags=write\nHandler=read\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Handler: ", "'read' needs a read flag in Flags=");

	write_characteristic(f, "Flags=read;notify\nHandler=write\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Handler: ",
	                    "'write' needs a write flag in Flags=");

	write_characteristic(f, "Flags=notify\nHandler=read;write\n");
	assert_problem(f, "services.d/a.conf: [Characteristic s/c] Handler: ", "'read' needs a read flag in Flags=");
	assert_problem(f, "services.d/a.conf: [Characteristic s/c] Handler: ", "'write' needs a write flag in Flags=");
	assert_int_equal(f->errors->len, 2);

	/* Flags= that is itself wrong is reported once, not again through Handler=. */
	write_characteristic(f, "Flags=fly\nHandler=read\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] Flags: ", "unknown flag 'fly'");
}

static void test_descriptor_handler_is_parsed_and_checked_against_its_flags(void **state)
{
	Fixture *f = *state;
	const CfgDescriptor *d;

	write_file(f, "services.d/a.conf", SERVICE_S CHAR_SC "Flags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=read;write\nHandler=read;write\n"
	                                   "[Descriptor s/c/e]\nUUID=2905\nFlags=read\n");
	assert_loads(f);
	/* A handled descriptor alone leaves its characteristic's own Handler= at 0. */
	assert_int_equal(characteristic(f, "s/c")->handler, 0);
	d = g_ptr_array_index(characteristic(f, "s/c")->descriptors, 0);
	assert_string_equal(d->id, "s/c/d");
	assert_int_equal(d->handler, CFG_HANDLE_READ | CFG_HANDLE_WRITE);
	d = g_ptr_array_index(characteristic(f, "s/c")->descriptors, 1);
	assert_int_equal(d->handler, 0);

	write_file(f, "services.d/a.conf", SERVICE_S CHAR_SC "Flags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=read\nHandler=write\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/d] Handler: ", "'write' needs a write flag in Flags=");

	write_file(f, "services.d/a.conf", SERVICE_S CHAR_SC "Flags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=write\nHandler=read\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/d] Handler: ", "'read' needs a read flag in Flags=");

	write_file(f, "services.d/a.conf", SERVICE_S CHAR_SC "Flags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=read\nHandler=\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/d] Handler: ", "empty; give read, write or both");

	write_file(f, "services.d/a.conf", SERVICE_S CHAR_SC "Flags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=read\nHandler=bogus\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/d] Handler: ", "unknown request 'bogus'");

	/* The fallback is a characteristic's only. */
	write_file(f, "services.d/a.conf", SERVICE_S CHAR_SC "Flags=read\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=write\nHandler=write\n"
	                                   "HandlerFallback=store\n");
	assert_only_problem(f, "services.d/a.conf: [Descriptor s/c/d] HandlerFallback: ", "unknown key");
}

static void test_handler_fallback_is_refuse_or_store(void **state)
{
	Fixture *f = *state;

	write_characteristic(f, "Flags=write\nHandler=write\nHandlerFallback=store\n");
	assert_loads(f);
	assert_true(characteristic(f, "s/c")->handler_store);

	write_characteristic(f, "Flags=write\nHandler=write\nHandlerFallback=refuse\n");
	assert_loads(f);
	assert_false(characteristic(f, "s/c")->handler_store);

	write_characteristic(f, "Flags=write\nHandler=write\nHandlerFallback=drop\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] HandlerFallback: ", "'drop' is not refuse or store");

	write_characteristic(f, "Flags=write\nHandler=write\nHandlerFallback=Store\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] HandlerFallback: ", "'Store' is not refuse or store");

	write_characteristic(f, "Flags=write\nHandler=write\nHandlerFallback=\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] HandlerFallback: ", "'' is not refuse or store");

	write_characteristic(f, "Flags=write\nHandler=write\nHandlerFallback=store # keep it\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] HandlerFallback: ",
	                    "'store # keep it' is not refuse or store ('#' starts a comment only at the beginning of a line)");

	/* store says what a handler's writes get without it: there must be one. */
	write_characteristic(f, "Flags=read;write\nHandler=read\nHandlerFallback=store\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] HandlerFallback: ",
	                    "store applies to writes a handler answers, and no Handler= of s/c or its descriptors names write");
	write_characteristic(f, "Flags=read;write\nHandlerFallback=store\n");
	assert_only_problem(f, "services.d/a.conf: [Characteristic s/c] HandlerFallback: ", "store applies to writes");
	write_characteristic(f, "Flags=read;write\nHandlerFallback=refuse\n");
	assert_loads(f);
	write_file(f, "services.d/a.conf", SERVICE_S CHAR_SC "Flags=read\nHandlerFallback=store\n"
	                                   "[Descriptor s/c/d]\nUUID=2904\nFlags=write\nHandler=write\n");
	assert_loads(f);
}

/* [Daemon] KEY within lo..hi, modelled at offset in GattdConfig: both bounds load, one past each is refused. */
static void check_daemon_range(Fixture *f, const char *key, size_t offset, unsigned lo, unsigned hi)
{
	const unsigned good[] = { lo, hi };
	const unsigned bad[] = { lo - 1, hi + 1 };
	g_autofree char *where = g_strdup_printf("gattd.conf: [Daemon] %s: ", key);

	write_file(f, "services.d/a.conf", SERVICE_S);
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autofree char *conf = g_strdup_printf("[Daemon]\n%s=%u\n", key, good[i]);

		write_file(f, "gattd.conf", conf);
		assert_loads(f);
		assert_int_equal(*(const unsigned *)((const char *)f->config + offset), good[i]);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *conf = g_strdup_printf("[Daemon]\n%s=%u\n", key, bad[i]);
		g_autofree char *what = g_strdup_printf("%u is out of range %u..%u", bad[i], lo, hi);

		write_file(f, "gattd.conf", conf);
		assert_only_problem(f, where, what);
	}
}

static void test_handler_limits_default_and_are_range_checked(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	assert_loads(f);
	assert_int_equal(f->config->handler_timeout_ms, 3000);
	assert_int_equal(f->config->max_handler_requests, 256);
	assert_int_equal(f->config->max_client_requests, 64);

	check_daemon_range(f, "HandlerTimeoutMs", offsetof(GattdConfig, handler_timeout_ms), 100, 4000);
	check_daemon_range(f, "MaxHandlerRequests", offsetof(GattdConfig, max_handler_requests), 1, 65536);
	check_daemon_range(f, "MaxClientRequests", offsetof(GattdConfig, max_client_requests), 1, 65536);

	write_file(f, "gattd.conf", "[Daemon]\nHandlerTimeoutMs=5s\n");
	assert_only_problem(f, "gattd.conf: [Daemon] HandlerTimeoutMs: ", "'5s' is not a decimal or 0x-hex integer");

	/* Each key is its own: setting one leaves the others at their defaults. */
	write_file(f, "gattd.conf", "[Daemon]\nMaxClientRequests=8\n");
	assert_loads(f);
	assert_int_equal(f->config->max_client_requests, 8);
	assert_int_equal(f->config->max_handler_requests, 256);
	assert_int_equal(f->config->handler_timeout_ms, 3000);
}

/* ---- ATT handle budget ---- */

/*
 * One service (1 handle) with n5 characteristics of 5 handles each
 * (declaration, value, CCCD, extended properties, description), one of 3
 * (declaration, value, CCCD) and extra descriptors on that last one.
 */
static void write_big_service(Fixture *f, unsigned n5, unsigned extra_descriptors)
{
	const unsigned per_file = 2000;

	write_file(f, "services.d/00-big.conf",
	           "[Service big]\nUUID=1234\n"
	           "[Characteristic big/last]\nUUID=2A19\nFlags=read;indicate\n");
	for (unsigned start = 0; start < n5; start += per_file) {
		GString *s = g_string_new(NULL);
		g_autofree char *name = g_strdup_printf("services.d/%05u.conf", start / per_file + 1);

		for (unsigned i = start; i < n5 && i < start + per_file; i++)
			g_string_append_printf(s, "[Characteristic big/c%u]\nUUID=2A19\nFlags=notify;reliable-write\n"
			                          "Description=d\n", i);
		write_file(f, name, s->str);
		g_string_free(s, TRUE);
	}
	if (extra_descriptors) {
		GString *s = g_string_new(NULL);
		for (unsigned i = 0; i < extra_descriptors; i++)
			g_string_append_printf(s, "[Descriptor big/last/d%u]\nUUID=2904\nFlags=read\n", i);
		write_file(f, "services.d/99-extra.conf", s->str);
		g_string_free(s, TRUE);
	}
}

static void test_att_handle_budget_is_enforced(void **state)
{
	Fixture *f = *state;

	/* 1 + 13106 * 5 + 3 = 65534 handles: the most that fit. */
	write_big_service(f, 13106, 0);
	assert_loads(f);

	/* One descriptor more is one handle too many. */
	write_big_service(f, 13106, 1);
	assert_only_problem(f, "services.d/*.conf: ", "the services need 65535 ATT handles, more than the 65534 available");
}

/* ---- [Daemon] ---- */

static void test_adapter_accepts_auto_name_and_address(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Daemon]\nAdapter=auto\n");
	assert_loads(f);
	assert_int_equal(f->config->adapter_match, ADAPTER_MATCH_AUTO);
	assert_null(f->config->adapter);

	write_file(f, "gattd.conf", "[Daemon]\nAdapter=hci12\n");
	assert_loads(f);
	assert_int_equal(f->config->adapter_match, ADAPTER_MATCH_NAME);
	assert_string_equal(f->config->adapter, "hci12");

	write_file(f, "gattd.conf", "[Daemon]\nAdapter=0a:bc:De:f0:12:34\n");
	assert_loads(f);
	assert_int_equal(f->config->adapter_match, ADAPTER_MATCH_ADDRESS);
	assert_string_equal(f->config->adapter, "0A:BC:DE:F0:12:34");
}

static void test_invalid_adapter_is_refused(void **state)
{
	Fixture *f = *state;
	const char *bad[] = { "hci", "hcix", "hci0x", "HCI0", "AUTO", "00:11:22:33:44", "00:11:22:33:44:GG",
	                      "00:11:22:33:44:555", "0:11:22:33:44:55:", "00-11-22-33-44-55", NULL };

	write_file(f, "services.d/a.conf", SERVICE_S);
	for (size_t i = 0; bad[i]; i++) {
		g_autofree char *conf = g_strdup_printf("[Daemon]\nAdapter=%s\n", bad[i]);
		g_autofree char *what = g_strdup_printf("'%s' is not auto, hciN or an address XX:XX:XX:XX:XX:XX", bad[i]);
		write_file(f, "gattd.conf", conf);
		assert_only_problem(f, "gattd.conf: [Daemon] Adapter: ", what);
	}
}

static void test_retry_delays_are_range_checked(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Daemon]\nRetryMinMs=9\nRetryMaxMs=600001\n");
	assert_problem(f, "gattd.conf: [Daemon] RetryMinMs: ", "9 is out of range 10..600000");
	assert_problem(f, "gattd.conf: [Daemon] RetryMaxMs: ", "600001 is out of range 10..600000");
	assert_int_equal(f->errors->len, 2);

	write_file(f, "gattd.conf", "[Daemon]\nRetryMinMs=200\nRetryMaxMs=100\n");
	assert_only_problem(f, "gattd.conf: [Daemon] RetryMaxMs: ", "100 is below RetryMinMs (200)");

	write_file(f, "gattd.conf", "[Daemon]\nRetryMinMs=40000\n");
	assert_only_problem(f, "gattd.conf: [Daemon] RetryMinMs: ", "40000 is above RetryMaxMs (30000 by default)");

	write_file(f, "gattd.conf", "[Daemon]\nRetryMinMs=10\nRetryMaxMs=600000\n");
	assert_loads(f);
	assert_int_equal(f->config->retry_min_ms, 10);
	assert_int_equal(f->config->retry_max_ms, 600000);
}

/* ---- [Advertising] ---- */

static void test_local_name_longer_than_29_bytes_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Advertising]\nLocalName=abcdefghijklmnopqrstuvwxyz123\n");
	assert_loads(f);
	assert_string_equal(f->config->advertising.local_name, "abcdefghijklmnopqrstuvwxyz123");

	write_file(f, "gattd.conf", "[Advertising]\nLocalName=abcdefghijklmnopqrstuvwxyz1234\n");
	assert_only_problem(f, "gattd.conf: [Advertising] LocalName: ", "is 30 bytes; at most 29 fit in an advertisement");

	/* 15 characters, 30 bytes: the limit is bytes. */
	write_file(f, "gattd.conf", "[Advertising]\nLocalName=\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	                            "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n");
	assert_only_problem(f, "gattd.conf: [Advertising] LocalName: ", "is 30 bytes");

	write_file(f, "gattd.conf", "[Advertising]\nLocalName=\n");
	assert_only_problem(f, "gattd.conf: [Advertising] LocalName: ", "empty");
}

static void test_advertising_type_must_be_peripheral_or_broadcast(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Advertising]\nType=central\n");
	assert_only_problem(f, "gattd.conf: [Advertising] Type: ", "'central' is not peripheral or broadcast");
}

static void test_appearance_and_timeout_are_uint16(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Advertising]\nAppearance=960\nDiscoverableTimeout=65535\n");
	assert_loads(f);
	assert_int_equal(f->config->advertising.appearance, 0x03c0);
	assert_int_equal(f->config->advertising.discoverable_timeout, 65535);

	write_file(f, "gattd.conf", "[Advertising]\nAppearance=0x10000\nDiscoverableTimeout=65536\n");
	assert_problem(f, "gattd.conf: [Advertising] Appearance: ", "0x10000 is out of range 0..65535");
	assert_problem(f, "gattd.conf: [Advertising] DiscoverableTimeout: ", "65536 is out of range 0..65535");
	assert_int_equal(f->errors->len, 2);
}

static void test_includes_must_be_known_names(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Advertising]\nIncludes=tx-power;name;tx-power\n");
	assert_problem(f, "gattd.conf: [Advertising] Includes: ", "unknown value 'name' (valid: tx-power, appearance, local-name)");
	assert_problem(f, "gattd.conf: [Advertising] Includes: ", "'tx-power' given more than once");
	assert_int_equal(f->errors->len, 2);

	write_file(f, "gattd.conf", "[Advertising]\nIncludes=\n");
	assert_loads(f);
	assert_null(f->config->advertising.includes[0]);
}


static void test_a_name_or_appearance_beside_its_include_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/battery.conf", battery_conf);
	write_file(f, "gattd.conf", "[Advertising]\nLocalName=x\nIncludes=local-name\n");
	assert_only_problem(f, "gattd.conf: [Advertising] LocalName: ", "does not go with Includes=local-name, which sends "
	                                                             "the adapter's name: BlueZ refuses an advertisement "
	                                                             "with both");
	write_file(f, "gattd.conf", "[Advertising]\nAppearance=0x03C0\nIncludes=appearance\n");
	assert_problem(f, "gattd.conf: [Advertising] Appearance: ", "does not go with Includes=appearance");
	write_file(f, "gattd.conf", "[Advertising]\nLocalName=x\nAppearance=0x03C0\nIncludes=tx-power\n");
	assert_loads(f);
}
static void test_manufacturer_data_splits_at_first_colon(void **state)
{
	Fixture *f = *state;
	const CfgManufacturerData *m;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Advertising]\nManufacturerData=76:utf8:a:b; 0xFFFF:u16:0x0102\n");
	assert_loads(f);
	assert_int_equal(f->config->advertising.manufacturer_data->len, 2);
	m = g_ptr_array_index(f->config->advertising.manufacturer_data, 0);
	assert_int_equal(m->company_id, 76);
	assert_bytes(m->data, "613a62");
	m = g_ptr_array_index(f->config->advertising.manufacturer_data, 1);
	assert_int_equal(m->company_id, 0xffff);
	assert_bytes(m->data, "0201");
}

static void test_bad_manufacturer_data_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Advertising]\nManufacturerData=0x05F1;0x10000:hex:01;acme:hex:01;"
	                            "0x05F1:u8:300;0x004C:hex:01;76:hex:02\n");
	assert_problem(f, "gattd.conf: [Advertising] ManufacturerData: ", "'0x05F1' is not COMPANY:LITERAL (e.g. 0x05F1:hex:0102)");
	assert_problem(f, "gattd.conf: [Advertising] ManufacturerData: ", "company id '0x10000' is not in range 0..0xFFFF");
	assert_problem(f, "gattd.conf: [Advertising] ManufacturerData: ", "company id 'acme' is not a decimal or 0x-hex integer");
	assert_problem(f, "gattd.conf: [Advertising] ManufacturerData: ", "'0x05F1:u8:300': u8 value 300 is out of range 0..255");
	assert_problem(f, "gattd.conf: [Advertising] ManufacturerData: ", "company id 0x004C given more than once");
	assert_int_equal(f->errors->len, 5);
}

static void test_service_data_is_uuid_and_literal(void **state)
{
	Fixture *f = *state;
	const CfgServiceData *sd;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Advertising]\nServiceData=6e400001-b5a3-f393-e0a9-e50e24dcca9e:hex:01 02\n");
	assert_loads(f);
	sd = g_ptr_array_index(f->config->advertising.service_data, 0);
	assert_string_equal(sd->uuid, "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
	assert_bytes(sd->data, "0102");

	write_file(f, "gattd.conf", "[Advertising]\nServiceData=180F;18F:u8:1;180A:u8:x;180F:u8:1;0x180f:u8:2\n");
	assert_problem(f, "gattd.conf: [Advertising] ServiceData: ", "'180F' is not UUID:LITERAL");
	assert_problem(f, "gattd.conf: [Advertising] ServiceData: ", "'18F' is not a UUID");
	assert_problem(f, "gattd.conf: [Advertising] ServiceData: ", "'180A:u8:x': u8 value 'x' is not a decimal or 0x-hex integer");
	assert_problem(f, "gattd.conf: [Advertising] ServiceData: ", "UUID 0x180f given more than once");
	assert_int_equal(f->errors->len, 4);
}

static void test_solicit_uuids_are_normalised(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Advertising]\nSolicitUUIDs=180D;180X\n");
	assert_only_problem(f, "gattd.conf: [Advertising] SolicitUUIDs: ", "'180X' is not a UUID");
}

static void test_advertising_intervals_are_checked(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Advertising]\nMinIntervalMs=19\nMaxIntervalMs=10486\n");
	assert_problem(f, "gattd.conf: [Advertising] MinIntervalMs: ", "19 is out of range 20..10485");
	assert_problem(f, "gattd.conf: [Advertising] MaxIntervalMs: ", "10486 is out of range 20..10485");
	assert_int_equal(f->errors->len, 2);

	write_file(f, "gattd.conf", "[Advertising]\nMinIntervalMs=200\nMaxIntervalMs=100\n");
	assert_only_problem(f, "gattd.conf: [Advertising] MaxIntervalMs: ", "100 is below MinIntervalMs (200)");

	write_file(f, "gattd.conf", "[Advertising]\nMinIntervalMs=200\n");
	assert_only_problem(f, "gattd.conf: [Advertising] MaxIntervalMs: ", "missing; MinIntervalMs and MaxIntervalMs go together");

	write_file(f, "gattd.conf", "[Advertising]\nMinIntervalMs=20\nMaxIntervalMs=20\n");
	assert_loads(f);
	assert_int_equal(f->config->advertising.min_interval_ms, 20);
	assert_int_equal(f->config->advertising.max_interval_ms, 20);
}

static void test_tx_power_range(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_file(f, "gattd.conf", "[Advertising]\nTxPower=-128\n");
	assert_only_problem(f, "gattd.conf: [Advertising] TxPower: ", "-128 is out of range -127..20");

	write_file(f, "gattd.conf", "[Advertising]\nTxPower=-127\n");
	assert_loads(f);
	assert_int_equal(f->config->advertising.tx_power, -127);

	write_file(f, "gattd.conf", "[Advertising]\nTxPower=20\n");
	assert_loads(f);
	assert_int_equal(f->config->advertising.tx_power, 20);

	write_file(f, "gattd.conf", "[Advertising]\nTxPower=20dBm\n");
	assert_only_problem(f, "gattd.conf: [Advertising] TxPower: ", "'20dBm' is not a decimal or 0x-hex integer");
}

/* The rule a stored or set value must meet, one function for persist.c and gatt/app.c. */
static void test_value_fits_max_length_and_the_type_size(void **state)
{
	CfgCharacteristic text = { .id = "s/t", .max_length = 5 };
	CfgCharacteristic u16 = { .id = "s/n", .max_length = 2, .has_type = true, .type = VALUE_TYPE_U16 };
	g_autofree char *too_long = NULL, *wrong_size = NULL;

	assert_int_equal(config_characteristic_value_fits(&text, 0, NULL), 0);
	assert_int_equal(config_characteristic_value_fits(&text, 5, NULL), 0);
	assert_int_equal(config_characteristic_value_fits(&text, 6, &too_long), -EMSGSIZE);
	assert_string_equal(too_long, "6 bytes, more than MaxLength=5");
	assert_int_equal(config_characteristic_value_fits(&u16, 2, NULL), 0);
	assert_int_equal(config_characteristic_value_fits(&u16, 1, &wrong_size), -EMSGSIZE);
	assert_string_equal(wrong_size, "1 byte, where Type=u16 takes 2");
}

/* ---- [Pairing] ---- */

/* gattd.conf with its permission bits set (g_file_set_contents() leaves them to the umask). */
static void write_gattd_conf(Fixture *f, const char *content, mode_t mode)
{
	g_autofree char *path = path_in(f, "gattd.conf");

	write_file(f, "gattd.conf", content);
	assert_int_equal(g_chmod(path, mode), 0);
}

static void test_pairing_is_off_by_default(void **state)
{
	Fixture *f = *state;
	const GattdConfig *c;

	write_file(f, "services.d/a.conf", SERVICE_S);
	c = assert_loads(f);
	assert_int_equal(c->pairing.method, PAIRING_OFF);
	assert_int_equal(c->pairing.passkey, 0);
	assert_true(c->pairing.pairable_always);
	assert_int_equal(c->pairing.pairable_seconds, 120);
	assert_int_equal(c->pairing.confirm_timeout_ms, 20000);

	/* An empty group changes nothing. */
	write_gattd_conf(f, "[Pairing]\n", 0644);
	c = assert_loads(f);
	assert_int_equal(c->pairing.method, PAIRING_OFF);
	assert_true(c->pairing.pairable_always);
	assert_int_equal(c->pairing.pairable_seconds, 120);
}

static void test_every_pairing_key_is_modelled(void **state)
{
	Fixture *f = *state;
	const GattdConfig *c;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_gattd_conf(f, "[Pairing]\nMethod=passkey\nPasskey=012345\nPairable=on-request\nPairableSeconds=30\n"
	                 "ConfirmTimeoutMs=15000\n",
	                 0600);
	c = assert_loads(f);
	assert_int_equal(c->pairing.method, PAIRING_PASSKEY);
	assert_int_equal(c->pairing.passkey, 12345);
	assert_false(c->pairing.pairable_always);
	assert_int_equal(c->pairing.pairable_seconds, 30);
	assert_int_equal(c->pairing.confirm_timeout_ms, 15000);
}

static void test_each_pairing_method_loads(void **state)
{
	static const struct {
		const char *conf;
		PairingMethod method;
		unsigned passkey;
	} cases[] = {
		{ "[Pairing]\nMethod=off\n", PAIRING_OFF, 0 },
		{ "[Pairing]\nMethod=just-works\n", PAIRING_JUST_WORKS, 0 },
		{ "[Pairing]\nMethod=display\n", PAIRING_DISPLAY, 0 },
		{ "[Pairing]\nMethod=confirm\n", PAIRING_CONFIRM, 0 },
		{ "[Pairing]\nMethod=passkey\nPasskey=000000\n", PAIRING_PASSKEY, 0 },
		{ "[Pairing]\nMethod=passkey\nPasskey=999999\n", PAIRING_PASSKEY, 999999 },
		{ "[Pairing]\nPasskey=314159\nMethod=passkey\n", PAIRING_PASSKEY, 314159 },
	};
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const GattdConfig *c;

		write_gattd_conf(f, cases[i].conf, 0600);
		c = assert_loads(f);
		assert_int_equal(c->pairing.method, cases[i].method);
		assert_int_equal(c->pairing.passkey, cases[i].passkey);
	}
}

static void test_unknown_pairing_method_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_gattd_conf(f, "[Pairing]\nMethod=numeric-comparison\n", 0644);
	assert_only_problem(f, "gattd.conf: [Pairing] Method: ",
	                    "'numeric-comparison' is not off, just-works, passkey, display or confirm");
	write_gattd_conf(f, "[Pairing]\nMethod=Just-Works\n", 0644);
	assert_only_problem(f, "gattd.conf: [Pairing] Method: ", "'Just-Works' is not off, just-works, passkey, display or confirm");
	write_gattd_conf(f, "[Pairing]\nMethod=just-works # no screen\n", 0644);
	assert_only_problem(f, "gattd.conf: [Pairing] Method: ",
	                    "('#' starts a comment only at the beginning of a line)");
}

static void test_passkey_method_needs_a_passkey(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_gattd_conf(f, "[Pairing]\nMethod=passkey\n", 0600);
	assert_only_problem(f, "gattd.conf: [Pairing] Method: ", "passkey needs Passkey= (the 6 digits gattd enters)");
}

static void test_passkey_is_refused_with_other_methods(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_gattd_conf(f, "[Pairing]\nMethod=just-works\nPasskey=271828\n", 0600);
	assert_only_problem(f, "gattd.conf: [Pairing] Passkey: ", "used only with Method=passkey (Method=just-works)");
	assert_not_quoted(f, "271828");
	write_gattd_conf(f, "[Pairing]\nMethod=display\nPasskey=271828\n", 0600);
	assert_only_problem(f, "gattd.conf: [Pairing] Passkey: ", "used only with Method=passkey (Method=display)");
	/* Without Method=, pairing is off. */
	write_gattd_conf(f, "[Pairing]\nPasskey=271828\n", 0600);
	assert_only_problem(f, "gattd.conf: [Pairing] Passkey: ", "used only with Method=passkey (Method=off)");
	assert_not_quoted(f, "271828");
}

static void test_bad_passkey_is_refused_and_never_quoted(void **state)
{
	static const char *const bad[] = {
		"12345",        /* 5 digits */
		"1234567",      /* 7 digits */
		"12a456",       /* a letter */
		"abcdef",
		"-12345",
		"+12345",
		"0x1234",
		"12 345",
		"123\\s456",
	};
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *conf = g_strdup_printf("[Pairing]\nMethod=passkey\nPasskey=%s\n", bad[i]);

		write_gattd_conf(f, conf, 0600);
		assert_only_problem(f, "gattd.conf: [Pairing] Passkey: ", "not 6 digits (000000..999999)");
		assert_not_quoted(f, bad[i]);
	}
	/* Nor with an inline comment, which gets its hint without the line. */
	write_gattd_conf(f, "[Pairing]\nMethod=passkey\nPasskey=135790 # the gadget's\n", 0600);
	assert_only_problem(f, "gattd.conf: [Pairing] Passkey: ", "not 6 digits (000000..999999) (comments must be");
	assert_not_quoted(f, "135790");
	/* An empty one is no passkey either. */
	write_gattd_conf(f, "[Pairing]\nMethod=passkey\nPasskey=\n", 0600);
	assert_only_problem(f, "gattd.conf: [Pairing] Passkey: ", "not 6 digits");
}

static void test_passkey_needs_a_private_file(void **state)
{
	static const mode_t refused[] = { 0644, 0640, 0604, 0620, 0602, 0660, 0666, 0610 };
	static const mode_t accepted[] = { 0600, 0400, 0700 };
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
		g_autofree char *what = g_strdup_printf("the file can be read or written by others than its owner "
		                                        "(mode %04o): make it private (chmod 600)", (unsigned)refused[i]);

		write_gattd_conf(f, "[Pairing]\nMethod=passkey\nPasskey=424242\n", refused[i]);
		assert_only_problem(f, "gattd.conf: [Pairing] Passkey: ", what);
		assert_not_quoted(f, "424242");
	}
	for (size_t i = 0; i < G_N_ELEMENTS(accepted); i++) {
		write_gattd_conf(f, "[Pairing]\nMethod=passkey\nPasskey=424242\n", accepted[i]);
		assert_loads(f);
		assert_int_equal(f->config->pairing.passkey, 424242);
	}
	/* Without a passkey there is no secret: any mode will do. */
	write_gattd_conf(f, "[Pairing]\nMethod=just-works\n", 0644);
	assert_loads(f);
	assert_int_equal(f->config->pairing.method, PAIRING_JUST_WORKS);
	/* A bad passkey in a readable file gets both messages. */
	write_gattd_conf(f, "[Pairing]\nMethod=passkey\nPasskey=4242\n", 0644);
	assert_problem(f, "gattd.conf: [Pairing] Passkey: ", "not 6 digits");
	assert_problem(f, "gattd.conf: [Pairing] Passkey: ", "(mode 0644)");
	assert_int_equal(f->errors->len, 2);
}

static void test_pairable_is_always_or_on_request(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_gattd_conf(f, "[Pairing]\nMethod=just-works\nPairable=on-request\n", 0644);
	assert_loads(f);
	assert_false(f->config->pairing.pairable_always);
	write_gattd_conf(f, "[Pairing]\nMethod=just-works\nPairable=always\n", 0644);
	assert_loads(f);
	assert_true(f->config->pairing.pairable_always);

	write_gattd_conf(f, "[Pairing]\nPairable=never\n", 0644);
	assert_only_problem(f, "gattd.conf: [Pairing] Pairable: ", "'never' is not always or on-request");
	write_gattd_conf(f, "[Pairing]\nPairable=true\n", 0644);
	assert_only_problem(f, "gattd.conf: [Pairing] Pairable: ", "'true' is not always or on-request");
	write_gattd_conf(f, "[Pairing]\nPairable=\n", 0644);
	assert_only_problem(f, "gattd.conf: [Pairing] Pairable: ", "'' is not always or on-request");
	write_gattd_conf(f, "[Pairing]\nPairable=always # for now\n", 0644);
	assert_only_problem(f, "gattd.conf: [Pairing] Pairable: ",
	                    "('#' starts a comment only at the beginning of a line)");
}

/* [Pairing] KEY within lo..hi, modelled at offset in CfgPairing: both bounds load, one past each is refused. */
static void check_pairing_range(Fixture *f, const char *key, size_t offset, unsigned lo, unsigned hi)
{
	const unsigned good[] = { lo, hi };
	const unsigned bad[] = { lo - 1, hi + 1 };
	g_autofree char *where = g_strdup_printf("gattd.conf: [Pairing] %s: ", key);

	write_file(f, "services.d/a.conf", SERVICE_S);
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autofree char *conf = g_strdup_printf("[Pairing]\n%s=%u\n", key, good[i]);

		write_gattd_conf(f, conf, 0644);
		assert_loads(f);
		assert_int_equal(*(const unsigned *)((const char *)&f->config->pairing + offset), good[i]);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *conf = g_strdup_printf("[Pairing]\n%s=%u\n", key, bad[i]);
		g_autofree char *what = g_strdup_printf("%u is out of range %u..%u", bad[i], lo, hi);

		write_gattd_conf(f, conf, 0644);
		assert_only_problem(f, where, what);
	}
}

/* conf/examples/encrypted-secret.conf in services.d, pairing.conf as gattd.conf (private), as README says. */
static void test_the_pairing_examples_load(void **state)
{
	Fixture *f = *state;
	g_autofree char *secret = NULL, *pairing = NULL;
	const CfgCharacteristic *passphrase;
	const GattdConfig *c;

	assert_true(g_file_get_contents(GATTD_EXAMPLE_CONF_DIR "/examples/encrypted-secret.conf", &secret, NULL, NULL));
	assert_true(g_file_get_contents(GATTD_EXAMPLE_CONF_DIR "/examples/pairing.conf", &pairing, NULL, NULL));
	write_file(f, "services.d/encrypted-secret.conf", secret);
	write_gattd_conf(f, pairing, 0600);
	c = assert_loads(f);
	assert_int_equal(c->pairing.method, PAIRING_PASSKEY);
	passphrase = config_find_characteristic(c, "secret/passphrase");
	assert_non_null(passphrase);
	assert_string_equal(passphrase->flags[1], "encrypt-write");
	/* As shipped, readable by others: refused for the passkey's sake. */
	write_gattd_conf(f, pairing, 0644);
	assert_only_problem(f, "gattd.conf: [Pairing] Passkey: ", "the file can be read or written by others than its owner "
	                    "(mode 0644): make it private (chmod 600) so the passkey stays secret");
}

static void test_pairing_durations_are_range_checked(void **state)
{
	Fixture *f = *state;

	check_pairing_range(f, "PairableSeconds", offsetof(CfgPairing, pairable_seconds), 1, 86400);
	check_pairing_range(f, "ConfirmTimeoutMs", offsetof(CfgPairing, confirm_timeout_ms), 1000, 30000);

	write_gattd_conf(f, "[Pairing]\nPairableSeconds=2m\n", 0644);
	assert_only_problem(f, "gattd.conf: [Pairing] PairableSeconds: ", "'2m' is not a decimal or 0x-hex integer");
	write_gattd_conf(f, "[Pairing]\nPairableSeconds=-1\n", 0644);
	assert_only_problem(f, "gattd.conf: [Pairing] PairableSeconds: ", "-1 is out of range 1..86400");

	write_gattd_conf(f, "[Pairing]\nPairableSeconds=0x3c\n", 0644);
	assert_loads(f);
	assert_int_equal(f->config->pairing.pairable_seconds, 60);
}

static void test_unknown_pairing_key_is_refused(void **state)
{
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	write_gattd_conf(f, "[Pairing]\nMethod=just-works\nPin=1234\n", 0644);
	assert_only_problem(f, "gattd.conf: [Pairing] Pin: ",
	                    "unknown key (valid: Method, Passkey, Pairable, PairableSeconds, ConfirmTimeoutMs)");
	assert_not_quoted(f, "1234");
	write_gattd_conf(f, "[Pairing]\nmethod=just-works\n", 0644);
	assert_only_problem(f, "gattd.conf: [Pairing] method: ", "unknown key");
	/* [Pairing]'s keys belong there alone. */
	write_gattd_conf(f, "[Daemon]\nPairable=always\n", 0644);
	assert_only_problem(f, "gattd.conf: [Daemon] Pairable: ", "unknown key");
}

static void test_pairing_method_names_are_method_words(void **state)
{
	assert_string_equal(config_pairing_method_name(PAIRING_OFF), "off");
	assert_string_equal(config_pairing_method_name(PAIRING_JUST_WORKS), "just-works");
	assert_string_equal(config_pairing_method_name(PAIRING_PASSKEY), "passkey");
	assert_string_equal(config_pairing_method_name(PAIRING_DISPLAY), "display");
	assert_string_equal(config_pairing_method_name(PAIRING_CONFIRM), "confirm");
	/* Not a method: the safe answer. */
	assert_string_equal(config_pairing_method_name((PairingMethod)42), "off");
}

static void test_summary_says_how_pairing_goes_and_never_the_passkey(void **state)
{
	static const struct {
		const char *conf;
		const char *line;
	} cases[] = {
		{ "[Pairing]\nMethod=just-works\n", "Pairing: just-works, always pairable\n" },
		{ "[Pairing]\nMethod=passkey\nPasskey=271828\nPairable=on-request\nPairableSeconds=45\n",
		  "Pairing: passkey (the configured passkey), pairable on request (windows of 45 s by default)\n" },
		{ "[Pairing]\nMethod=display\n", "Pairing: display, always pairable\n" },
		{ "[Pairing]\nMethod=confirm\nConfirmTimeoutMs=9000\n",
		  "Pairing: confirm (a local client answers within 9000 ms), always pairable\n" },
	};
	Fixture *f = *state;

	write_file(f, "services.d/a.conf", SERVICE_S);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *summary = NULL;

		write_gattd_conf(f, cases[i].conf, 0600);
		assert_loads(f);
		summary = config_summary(f->config);
		assert_contains(summary, cases[i].line);
		assert_null(strstr(summary, "271828"));
	}
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_minimal_config_gets_defaults),
		T(test_every_daemon_and_advertising_key_is_modelled),
		T(test_a_name_or_appearance_beside_its_include_is_refused),
		T(test_services_characteristics_and_descriptors_are_modelled),
		T(test_description_generates_first_read_only_descriptor),
		T(test_type_generates_presentation_format),
		T(test_own_presentation_format_is_kept),
		T(test_unit_and_exponent_are_checked),
		T(test_fixed_size_type_defaults_max_length_and_zero_value),
		T(test_variable_size_value_defaults_to_empty_and_512),
		T(test_value_of_exactly_max_length_is_accepted),
		T(test_load_order_is_file_names_lexically_then_groups_in_file_order),
		T(test_characteristic_may_precede_its_service_in_another_file),
		T(test_non_conf_files_in_services_d_are_ignored),
		T(test_missing_gattd_conf_means_defaults_but_empty_one_is_fine_too),
		T(test_lookups_and_counts),
		T(test_summary_shows_what_would_be_served),
		T(test_summary_says_when_advertising_is_off),
		T(test_summary_says_how_pairing_goes_and_never_the_passkey),
		cmocka_unit_test(test_example_configuration_loads),
		cmocka_unit_test(test_value_fits_max_length_and_the_type_size),
		T(test_errors_array_is_optional),
		T(test_syntax_error_names_file_and_line),
		T(test_problems_in_all_files_are_collected),
		T(test_messages_name_files_relative_to_config_dir),
		T(test_missing_services_dir_is_refused),
		T(test_no_services_is_refused),
		T(test_huge_file_is_refused),
		T(test_unreadable_files_are_refused),
		T(test_non_utf8_file_name_is_shown_with_the_bytes_escaped),
		T(test_file_name_with_newline_and_esc_is_shown_escaped_in_every_message),
		T(test_control_characters_in_keys_values_and_quoted_lines_are_escaped),
		T(test_non_utf8_content_is_refused),
		T(test_unknown_group_is_refused),
		T(test_daemon_groups_are_refused_in_services_d),
		T(test_service_groups_are_refused_in_gattd_conf),
		T(test_invalid_ids_are_refused),
		T(test_duplicate_service_id_across_files_is_refused),
		T(test_duplicate_characteristic_and_descriptor_ids_are_refused),
		T(test_group_repeated_in_one_file_is_refused),
		T(test_characteristic_without_service_is_refused),
		T(test_descriptor_without_characteristic_is_refused),
		T(test_unknown_keys_are_refused),
		T(test_key_given_twice_is_refused),
		T(test_malformed_uuids_are_refused),
		T(test_inline_comments_get_a_hint),
		T(test_missing_uuid_is_refused),
		T(test_gap_and_gatt_service_uuids_are_refused),
		T(test_bluez_owned_descriptors_are_refused),
		T(test_user_description_descriptor_with_description_key_is_refused),
		T(test_descriptor_id_clashing_with_generated_description_is_refused),
		T(test_unknown_flag_is_refused_with_valid_list),
		T(test_characteristic_only_flag_on_descriptor_is_refused),
		T(test_empty_or_missing_flags_are_refused),
		T(test_flag_given_twice_is_refused),
		T(test_blanks_around_list_items_are_ignored),
		T(test_bad_literal_is_refused_with_codec_message),
		T(test_unknown_type_is_refused),
		T(test_value_not_decoding_as_type_is_refused),
		T(test_value_longer_than_max_length_is_refused),
		T(test_max_length_out_of_range_is_refused),
		T(test_max_length_below_type_size_is_refused),
		T(test_capture_needs_a_write_flag),
		T(test_capture_out_of_range_is_refused),
		T(test_description_longer_than_512_bytes_is_refused),
		T(test_booleans_must_be_true_or_false),
		T(test_integers_are_parsed_strictly),
		T(test_handler_names_the_requests_a_local_client_answers),
		T(test_acquire_names_the_sockets_bluetoothd_may_take),
		T(test_acquire_that_gattd_could_not_honour_is_refused),
		T(test_handler_with_an_unknown_request_is_refused),
		T(test_empty_handler_is_refused),
		T(test_handler_needs_the_flag_of_each_request_it_names),
		T(test_descriptor_handler_is_parsed_and_checked_against_its_flags),
		T(test_handler_fallback_is_refuse_or_store),
		T(test_handler_limits_default_and_are_range_checked),
		T(test_att_handle_budget_is_enforced),
		T(test_adapter_accepts_auto_name_and_address),
		T(test_invalid_adapter_is_refused),
		T(test_retry_delays_are_range_checked),
		T(test_local_name_longer_than_29_bytes_is_refused),
		T(test_advertising_type_must_be_peripheral_or_broadcast),
		T(test_appearance_and_timeout_are_uint16),
		T(test_includes_must_be_known_names),
		T(test_manufacturer_data_splits_at_first_colon),
		T(test_bad_manufacturer_data_is_refused),
		T(test_service_data_is_uuid_and_literal),
		T(test_solicit_uuids_are_normalised),
		T(test_advertising_intervals_are_checked),
		T(test_tx_power_range),
		T(test_pairing_is_off_by_default),
		T(test_every_pairing_key_is_modelled),
		T(test_the_pairing_examples_load),
		T(test_each_pairing_method_loads),
		T(test_unknown_pairing_method_is_refused),
		T(test_passkey_method_needs_a_passkey),
		T(test_passkey_is_refused_with_other_methods),
		T(test_bad_passkey_is_refused_and_never_quoted),
		T(test_passkey_needs_a_private_file),
		T(test_pairable_is_always_or_on_request),
		T(test_pairing_durations_are_range_checked),
		T(test_unknown_pairing_key_is_refused),
		cmocka_unit_test(test_pairing_method_names_are_method_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
