/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * advertise.c: `gattctl advertise [on | off | reset] [OPTIONS]`: the advertisement
 * as gattd offers it to BlueZ, and changing it at run time (the `advertise` command),
 * the main one or, with --advertisement NAME, an [Advertising NAME] one (whose state
 * line then starts "advertisement NAME: ", as in `gattctl status`):
 *
 *   advertising (changed at run time)
 *   type:              peripheral
 *   local name:        gattd-test
 *   service UUIDs:     180f
 *   manufacturer data: 0x05F1 0102
 *   service data:      180f 64
 *   size:              18 of 31 bytes
 */
#include "gattctl.h"

#include <stdio.h>
#include <string.h>

#include "shared/escape.h"
#include "shared/uuid.h"
#include "shared/value.h"

static void print_line(const char *key, const char *value)
{
	printf("%-18s %s\n", key, value);
}

/* A UUID from gattd (normalised) as people write it: "180f" on the base UUID. */
static char *short_uuid(const char *uuid)
{
	char shown[UUID_STR_LEN + 1];

	uuid_to_display(uuid, shown);
	return g_strdup(shown);
}

static void print_data(const char *key, const json_t *object, bool uuid_keys)
{
	g_autoptr(GString) line = g_string_new(NULL);
	const char *name;
	json_t *hex;

	json_object_foreach((json_t *)object, name, hex) {
		g_autofree char *shown = uuid_keys ? short_uuid(name) : g_strdup(name);

		g_string_append_printf(line, "%s%s %s", line->len ? ", " : "", shown, json_string_value(hex));
	}
	print_line(key, line->len ? line->str : "none");
}

static void print_advertisement(const json_t *reply)
{
	const json_t *uuids = json_object_get(reply, "service_uuids");
	const char *name = jread_string(reply, "local_name");
	g_autoptr(GString) uuid_line = g_string_new(NULL);
	g_autofree char *shown_name = name ? escape_text(name) : g_strdup("none");
	g_autofree char *size = NULL;
	g_autofree char *state = gattctl_format_advertising(reply);
	const char *advertisement = jread_string(reply, "advertisement");
	json_t *uuid;
	size_t i;

	if (advertisement) {
		g_autofree char *shown = escape_text(advertisement);

		printf("advertisement %s: ", shown);
	}
	printf("%s%s\n", state, json_is_true(json_object_get(reply, "changed")) ? " (changed at run time)" : "");
	print_line("type:", jread_string(reply, "type"));
	print_line("local name:", shown_name);
	json_array_foreach(uuids, i, uuid) {
		g_autofree char *shown = short_uuid(json_string_value(uuid));

		g_string_append_printf(uuid_line, "%s%s", i ? ", " : "", shown);
	}
	print_line("service UUIDs:", uuid_line->len ? uuid_line->str : "none");
	print_data("manufacturer data:", json_object_get(reply, "manufacturer_data"), false);
	print_data("service data:", json_object_get(reply, "service_data"), true);
	size = g_strdup_printf("%" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT " bytes",
	                       json_integer_value(json_object_get(reply, "bytes")),
	                       json_integer_value(json_object_get(reply, "max_bytes")));
	print_line("size:", size);
}

/*
 * KEY:LITERAL items (--service-data, --manufacturer-data) into a JSON object of KEY
 * to hex; the literal parses as the configuration's (value.h). gattd checks the keys.
 */
static int data_option(const char *option, char **items, json_t **ret)
{
	g_autoptr(json_t) object = json_object();

	for (size_t i = 0; items && items[i]; i++) {
		const char *colon = strchr(items[i], ':');
		g_autofree char *key = NULL;
		g_autofree char *error = NULL;
		g_autofree char *hex = NULL;
		g_autoptr(GBytes) data = NULL;

		if (!colon)
			return gattctl_usage_error("--%s: '%s' is not KEY:LITERAL (e.g. 180F:u8:100)", option, items[i]);
		if (!(data = value_parse_literal(colon + 1, &error)))
			return gattctl_usage_error("--%s: '%s': %s", option, items[i], error);
		key = g_strndup(items[i], (gsize)(colon - items[i]));
		hex = value_to_hex(g_bytes_get_data(data, NULL), g_bytes_get_size(data));
		json_object_set_new(object, key, json_string(hex));
	}
	*ret = g_steal_pointer(&object);
	return GATTCTL_EXIT_OK;
}

/* GATTCTL_EXIT_OK for an [Advertising NAME] group's NAME as gattd.conf takes it, else the usage error. */
static int check_advertisement_name(const char *name)
{
	g_autofree char *shown = NULL;
	size_t len = strlen(name);
	bool valid = len >= 1 && len <= GATTD_CLIENT_ADVERTISEMENT_NAME_MAX;

	for (const char *p = name; valid && *p; p++)
		valid = g_ascii_isalnum(*p) || *p == '_';
	if (valid)
		return GATTCTL_EXIT_OK;
	shown = escape_text(name);
	return gattctl_usage_error("--advertisement: '%s' is not the NAME of an [Advertising NAME] group "
	                           "(1 to %d letters, digits or '_')", shown, GATTD_CLIENT_ADVERTISEMENT_NAME_MAX);
}

int gattctl_advertise(Gattctl *ctl, int argc, char **argv)
{
	g_autofree char *advertisement = NULL;
	g_autofree char *name = NULL;
	g_autofree char *uuids = NULL;
	g_auto(GStrv) service_data = NULL;
	g_auto(GStrv) manufacturer_data = NULL;
	gboolean no_service_data = FALSE, no_manufacturer_data = FALSE;
	const GOptionEntry entries[] = {
		{ "advertisement", 'a', 0, G_OPTION_ARG_STRING, &advertisement,
		  "The advertisement of gattd.conf's [Advertising NAME] (default: [Advertising])", "NAME" },
		{ "name", 'n', 0, G_OPTION_ARG_STRING, &name, "Advertise NAME as the local name ('' for none)", "NAME" },
		{ "uuids", 'u', 0, G_OPTION_ARG_STRING, &uuids,
		  "Advertise these service UUIDs, comma-separated ('' for none)", "UUID,..." },
		{ "service-data", 'd', 0, G_OPTION_ARG_STRING_ARRAY, &service_data,
		  "Service data for UUID (repeat for more; replaces all service data)", "UUID:LITERAL" },
		{ "manufacturer-data", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &manufacturer_data,
		  "Manufacturer data for COMPANY (repeat for more; replaces all)", "COMPANY:LITERAL" },
		{ "no-service-data", 0, 0, G_OPTION_ARG_NONE, &no_service_data, "Advertise no service data", NULL },
		{ "no-manufacturer-data", 0, 0, G_OPTION_ARG_NONE, &no_manufacturer_data,
		  "Advertise no manufacturer data", NULL },
		G_OPTION_ENTRY_NULL,
	};
	const GattctlVerbSpec spec = {
		.params = "[on | off | reset]",
		.summary = "Without arguments, print the advertisement: whether gattd advertises, what,\n"
		           "and how many of the 31 bytes of a legacy advertisement it takes. 'on' and\n"
		           "'off' start and stop advertising; 'reset' goes back to the configuration's\n"
		           "advertisement. The options change what is advertised, at once and without\n"
		           "re-registering: a LITERAL is as in the configuration (u8:100, hex:0102,\n"
		           "utf8:text). Changes stay until 'reset', a reload or gattd's restart.\n"
		           "--advertisement NAME does all this to the advertisement of gattd.conf's\n"
		           "[Advertising NAME] group instead of the main one ([Advertising]).\n"
		           "Exit status 1 when the result would not fit (gattd names the byte count)\n"
		           "or gattd.conf has no [Advertising NAME] (not-found).",
		.entries = entries,
		.max_args = 1,
	};
	g_autoptr(json_t) request = NULL;
	g_autoptr(json_t) reply = NULL;
	g_autofree char *what = NULL;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	if (advertisement && (r = check_advertisement_name(advertisement)) != GATTCTL_EXIT_OK)
		return r;
	request = gattctl_request_new("advertise", NULL);
	if (advertisement)
		json_object_set_new(request, "advertisement", json_string(advertisement));
	if (argc == 2) {
		if (strcmp(argv[1], "on") == 0 || strcmp(argv[1], "off") == 0)
			json_object_set_new(request, "enabled", json_boolean(strcmp(argv[1], "on") == 0));
		else if (strcmp(argv[1], "reset") == 0)
			json_object_set_new(request, "reset", json_true());
		else
			return gattctl_usage_error("'%s' is not on, off or reset", argv[1]);
	}
	if (name)
		json_object_set_new(request, "local_name", gattctl_json_string(name));
	if (uuids) {
		g_auto(GStrv) items = g_strsplit(uuids, ",", -1);
		json_t *array = json_array();

		for (size_t i = 0; items[i]; i++)
			if (items[i][0])
				json_array_append_new(array, gattctl_json_string(g_strstrip(items[i])));
		json_object_set_new(request, "service_uuids", array);
	}
	if (service_data && no_service_data)
		return gattctl_usage_error("--service-data and --no-service-data do not go together");
	if (manufacturer_data && no_manufacturer_data)
		return gattctl_usage_error("--manufacturer-data and --no-manufacturer-data do not go together");
	if (service_data || no_service_data) {
		json_t *object = NULL;

		if ((r = data_option("service-data", service_data, &object)) != GATTCTL_EXIT_OK)
			return r;
		json_object_set_new(request, "service_data", object);
	}
	if (manufacturer_data || no_manufacturer_data) {
		json_t *object = NULL;

		if ((r = data_option("manufacturer-data", manufacturer_data, &object)) != GATTCTL_EXIT_OK)
			return r;
		json_object_set_new(request, "manufacturer_data", object);
	}
	what = advertisement ? g_strdup_printf("advertise -a %s", advertisement) : g_strdup("advertise");
	r = gattctl_call(ctl, request, gattctl_timeout_ms(ctl), what, &reply);
	if (r != GATTCTL_EXIT_OK || ctl->json)
		return r;
	print_advertisement(reply);
	return GATTCTL_EXIT_OK;
}
