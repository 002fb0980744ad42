/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gatt/options.c: the options of ReadValue/WriteValue, checked against what bluetoothd sends. */
#include "gatt/options.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

typedef enum {
	OPTION_OFFSET,
	OPTION_MTU,
	OPTION_DEVICE,
	OPTION_LINK,
	OPTION_TYPE,
	OPTION_PREPARE_AUTHORIZE,
} OptionKind;

/* BlueZ's doc/org.bluez.GattCharacteristic.rst and src/gatt-database.c append_options(). */
static const struct {
	const char *key;
	int type;
} known_options[] = {
	[OPTION_OFFSET] = { "offset", DBUS_TYPE_UINT16 },
	[OPTION_MTU] = { "mtu", DBUS_TYPE_UINT16 },
	[OPTION_DEVICE] = { "device", DBUS_TYPE_OBJECT_PATH },
	[OPTION_LINK] = { "link", DBUS_TYPE_STRING },
	[OPTION_TYPE] = { "type", DBUS_TYPE_STRING },
	[OPTION_PREPARE_AUTHORIZE] = { "prepare-authorize", DBUS_TYPE_BOOLEAN },
};

/* "uint16 (q)": the words for the types above, and the signature for anything. */
static char *type_for_message(const char *sig)
{
	static const struct {
		const char *sig;
		const char *name;
	} names[] = {
		{ "y", "a byte" },     { "b", "a boolean" },     { "n", "an int16" },       { "q", "a uint16" },
		{ "i", "an int32" },   { "u", "a uint32" },      { "x", "an int64" },       { "t", "a uint64" },
		{ "d", "a double" },   { "s", "a string" },      { "o", "an object path" }, { "g", "a signature" },
		{ "h", "a file descriptor" }, { "v", "a variant" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		if (strcmp(sig, names[i].sig) == 0)
			return g_strdup_printf("%s (%s)", names[i].name, sig);
	}
	return g_strdup_printf("type %s", sig);
}

static int wrong_type(const char *key, int expected, DBusMessageIter *variant, char **ret_error)
{
	char expected_sig[2] = { (char)expected, '\0' };
	char *actual_sig = dbus_message_iter_get_signature(variant);
	g_autofree char *want = type_for_message(expected_sig);
	g_autofree char *got = type_for_message(actual_sig ? actual_sig : "?");

	dbus_free(actual_sig);
	*ret_error = g_strdup_printf("option '%s' must be %s, not %s", key, want, got);
	return -EINVAL;
}

/* Every ReadValue and WriteValue comes here with 2-4 options: the first letter sorts out most names. */
static int find_known_option(const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(known_options); i++) {
		if (key[0] == known_options[i].key[0] && strcmp(key, known_options[i].key) == 0)
			return (int)i;
	}
	return -1;
}

/* Store the value of a known option whose type has been checked. */
static void store_option(OptionKind kind, DBusMessageIter *variant, GattOptions *opts)
{
	dbus_bool_t b = FALSE;

	switch (kind) {
	case OPTION_OFFSET:
		dbus_message_iter_get_basic(variant, &opts->offset);
		break;
	case OPTION_MTU:
		dbus_message_iter_get_basic(variant, &opts->mtu);
		break;
	case OPTION_DEVICE:
		dbus_message_iter_get_basic(variant, &opts->device);
		break;
	case OPTION_LINK:
		dbus_message_iter_get_basic(variant, &opts->link);
		break;
	case OPTION_TYPE:
		dbus_message_iter_get_basic(variant, &opts->type);
		break;
	case OPTION_PREPARE_AUTHORIZE:
		dbus_message_iter_get_basic(variant, &b);
		opts->prepare_authorize = b;
		break;
	}
}

static int parse_entries(DBusMessageIter *iter, GattOptions *opts, char **ret_error)
{
	DBusMessageIter dict;
	unsigned count = 0;

	if (dbus_message_iter_get_arg_type(iter) != DBUS_TYPE_ARRAY ||
	    dbus_message_iter_get_element_type(iter) != DBUS_TYPE_DICT_ENTRY) {
		*ret_error = g_strdup("options must be a dictionary (a{sv})");
		return -EINVAL;
	}
	dbus_message_iter_recurse(iter, &dict);
	for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&dict)) {
		DBusMessageIter entry, variant;
		const char *key = NULL;
		int kind;

		if (++count > GATT_OPTIONS_MAX) {
			*ret_error = g_strdup_printf("more than %d options", GATT_OPTIONS_MAX);
			return -EINVAL;
		}
		dbus_message_iter_recurse(&dict, &entry);
		if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_STRING) {
			*ret_error = g_strdup("options must be a dictionary (a{sv})");
			return -EINVAL;
		}
		dbus_message_iter_get_basic(&entry, &key);
		dbus_message_iter_next(&entry);
		if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_VARIANT) {
			*ret_error = g_strdup("options must be a dictionary (a{sv})");
			return -EINVAL;
		}
		dbus_message_iter_recurse(&entry, &variant);

		/* Unknown options are ignored: newer BlueZ versions add some. */
		kind = find_known_option(key);
		if (kind < 0)
			continue;
		if (dbus_message_iter_get_arg_type(&variant) != known_options[kind].type)
			return wrong_type(key, known_options[kind].type, &variant, ret_error);
		store_option((OptionKind)kind, &variant, opts);
	}
	return 0;
}

int gatt_options_parse(DBusMessageIter *iter, GattOptions *ret, char **ret_error)
{
	GattOptions opts = { 0 };
	int r;

	r = parse_entries(iter, &opts, ret_error);
	/* Nothing half-parsed leaks out: callers log *ret whatever the outcome. */
	*ret = r < 0 ? (GattOptions){ 0 } : opts;
	return r;
}
