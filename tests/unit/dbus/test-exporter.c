/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-exporter.c: the exporter's checks before a handler runs (dbus/exporter.c), a
 * handler that answers later, the errno -> D-Bus error mapping and the ATT code ->
 * D-Bus error mapping (dbus/message.c).
 *
 * Each test builds a method call as a peer would send it (no bus needed) and hands it
 * to bus_exporter_dispatch(), then checks the error name and message of the reply.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include <cmocka.h>

#include "dbus/exporter.h"
#include "dbus/message.h"

#define ROOT "/org/gattd"
#define OBJ ROOT "/thing"
#define IFACE "org.gattd.Test1"
#define PROPS "org.freedesktop.DBus.Properties"

typedef struct {
	char *name;
	int set_result;
	int calls;
	bool has_extra;
	BusExporter *later_exporter; /* what Later was called with */
	DBusMessage *held;           /* the call Later answers later */
} Thing;

static void get_name(DBusMessageIter *iter, void *object)
{
	Thing *t = object;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &t->name);
}

static int set_name(DBusMessageIter *iter, void *object)
{
	Thing *t = object;
	const char *name;

	if (t->set_result < 0)
		return t->set_result;
	dbus_message_iter_get_basic(iter, &name);
	g_free(t->name);
	t->name = g_strdup(name);
	return 0;
}

static bool extra_exists(void *object)
{
	return ((Thing *)object)->has_extra;
}

static DBusMessage *poke(BusExporter *exporter, DBusMessage *msg, void *object)
{
	((Thing *)object)->calls++;
	return dbus_message_new_method_return(msg);
}

/* Keeps the call to answer it later, as gatt/requests.c does for a handled read. */
static DBusMessage *later(BusExporter *exporter, DBusMessage *msg, void *object)
{
	Thing *t = object;

	t->calls++;
	t->later_exporter = exporter;
	t->held = dbus_message_ref(msg);
	return NULL;
}

static const BusMethod thing_methods[] = {
	{ "Poke", "s", "", poke },
	{ "Later", "", "", later },
	{ NULL },
};

static const BusProperty thing_properties[] = {
	{ "Name", "s", get_name, set_name, NULL },
	{ "Fixed", "s", get_name, NULL, NULL },
	{ "Extra", "s", get_name, NULL, extra_exists },
	{ NULL },
};

static const BusInterface thing_iface = { IFACE, thing_methods, thing_properties };

typedef struct {
	BusExporter *exporter;
	Thing thing;
} Fixture;

static bool only_bluez(BusExporter *exporter, const char *sender, void *data)
{
	return g_strcmp0(sender, ":1.7") == 0;
}

static const BusExporterListener access_listener = { .allow = only_bluez };

static int setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	f->thing.name = g_strdup("one");
	f->exporter = bus_exporter_new(ROOT);
	assert_int_equal(bus_exporter_add(f->exporter, OBJ, &thing_iface, &f->thing), 0);
	bus_exporter_add_object_manager(f->exporter, ROOT);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;

	bus_exporter_free(f->exporter);
	if (f->thing.held)
		dbus_message_unref(f->thing.held);
	g_free(f->thing.name);
	g_free(f);
	return 0;
}

/* A call from ":1.7" with the given string arguments (NULL-terminated). */
static DBusMessage *call(const char *path, const char *iface, const char *member, ...)
{
	DBusMessage *msg = dbus_message_new_method_call("org.gattd", path, iface, member);
	DBusMessageIter iter;
	const char *arg;
	va_list ap;

	assert_non_null(msg);
	assert_true(dbus_message_set_sender(msg, ":1.7"));
	dbus_message_set_serial(msg, 1); /* as if sent: replies need it */
	dbus_message_iter_init_append(msg, &iter);
	va_start(ap, member);
	while ((arg = va_arg(ap, const char *)))
		assert_true(dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &arg));
	va_end(ap);
	return msg;
}

/* Properties.Set(IFACE, prop, variant of type, value). */
static DBusMessage *set_call(const char *prop, int type, const void *value)
{
	DBusMessage *msg = call(OBJ, PROPS, "Set", IFACE, prop, NULL);
	char sig[2] = { (char)type, '\0' };
	DBusMessageIter iter, variant;

	dbus_message_iter_init_append(msg, &iter);
	assert_true(dbus_message_iter_open_container(&iter, DBUS_TYPE_VARIANT, sig, &variant));
	assert_true(dbus_message_iter_append_basic(&variant, type, value));
	assert_true(dbus_message_iter_close_container(&iter, &variant));
	return msg;
}

/* Dispatch msg (consumed); assert an error reply with that name and text. */
static void expect_error(Fixture *f, DBusMessage *msg, const char *name, const char *text)
{
	DBusMessage *reply = bus_exporter_dispatch(f->exporter, msg);
	const char *got = NULL;

	assert_non_null(reply);
	assert_int_equal(dbus_message_get_type(reply), DBUS_MESSAGE_TYPE_ERROR);
	assert_string_equal(dbus_message_get_error_name(reply), name);
	assert_true(dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &got, DBUS_TYPE_INVALID));
	assert_string_equal(got, text);
	dbus_message_unref(reply);
	dbus_message_unref(msg);
}

/* Dispatch msg (consumed); assert a method return with signature sig. */
static void expect_return(Fixture *f, DBusMessage *msg, const char *sig)
{
	DBusMessage *reply = bus_exporter_dispatch(f->exporter, msg);

	assert_int_equal(dbus_message_get_type(reply), DBUS_MESSAGE_TYPE_METHOD_RETURN);
	assert_string_equal(dbus_message_get_signature(reply), sig);
	dbus_message_unref(reply);
	dbus_message_unref(msg);
}

static void test_paths_outside_the_root_are_refused(void **state)
{
	Fixture *f = *state;

	assert_int_equal(bus_exporter_add(f->exporter, "/org/gattdx", &thing_iface, &f->thing), -EINVAL);
	assert_int_equal(bus_exporter_add(f->exporter, "/org", &thing_iface, &f->thing), -EINVAL);
	assert_int_equal(bus_exporter_add(f->exporter, ROOT "//x", &thing_iface, &f->thing), -EINVAL);
	assert_int_equal(bus_exporter_add(f->exporter, OBJ, &thing_iface, &f->thing), -EEXIST);
	assert_int_equal(bus_exporter_add(f->exporter, ROOT, &thing_iface, &f->thing), 0);
}

static void test_only_the_allowed_sender_may_call(void **state)
{
	Fixture *f = *state;
	DBusMessage *msg = call(OBJ, IFACE, "Poke", "x", NULL);

	unsigned id = bus_exporter_add_listener(f->exporter, &access_listener, NULL);

	assert_true(dbus_message_set_sender(msg, ":1.8"));
	expect_error(f, msg, DBUS_ERROR_ACCESS_DENIED, "only the owner of org.bluez may call gattd's objects");
	expect_return(f, call(OBJ, IFACE, "Poke", "x", NULL), "");
	assert_int_equal(f->thing.calls, 1);
	/* Without the listener, any sender may call. */
	bus_exporter_remove_listener(f->exporter, id);
	msg = call(OBJ, IFACE, "Poke", "x", NULL);
	assert_true(dbus_message_set_sender(msg, ":1.8"));
	expect_return(f, msg, "");
	assert_int_equal(f->thing.calls, 2);
}

static void test_method_arguments_must_match_the_table(void **state)
{
	Fixture *f = *state;

	expect_error(f, call(OBJ, IFACE, "Poke", NULL), DBUS_ERROR_INVALID_ARGS,
	             IFACE ".Poke expects arguments (s), got ()");
	expect_error(f, call(OBJ, IFACE, "Poke", "a", "b", NULL), DBUS_ERROR_INVALID_ARGS,
	             IFACE ".Poke expects arguments (s), got (ss)");
	assert_int_equal(f->thing.calls, 0);
	expect_return(f, call(OBJ, NULL, "Poke", "x", NULL), "");
	assert_int_equal(f->thing.calls, 1);
}

static void test_unknown_objects_interfaces_and_methods(void **state)
{
	Fixture *f = *state;

	expect_error(f, call(ROOT "/nothing", IFACE, "Poke", "x", NULL), DBUS_ERROR_UNKNOWN_OBJECT,
	             "no object at " ROOT "/nothing");
	expect_error(f, call(ROOT "/nothing", "org.freedesktop.DBus.Introspectable", "Introspect", NULL),
	             DBUS_ERROR_UNKNOWN_OBJECT, "no object at " ROOT "/nothing");
	expect_error(f, call(OBJ, "org.gattd.Other1", "Poke", "x", NULL), DBUS_ERROR_UNKNOWN_INTERFACE,
	             "no interface org.gattd.Other1 at " OBJ);
	expect_error(f, call(OBJ, IFACE, "Prod", NULL), DBUS_ERROR_UNKNOWN_METHOD,
	             "no method " IFACE ".Prod at " OBJ);
	expect_error(f, call(OBJ, NULL, "Prod", NULL), DBUS_ERROR_UNKNOWN_METHOD, "no method Prod at " OBJ);
	expect_error(f, call(OBJ, PROPS, "Frob", NULL), DBUS_ERROR_UNKNOWN_METHOD, "no method " PROPS ".Frob");
	expect_error(f, call(OBJ, "org.freedesktop.DBus.Introspectable", "Frob", NULL), DBUS_ERROR_UNKNOWN_METHOD,
	             "no method org.freedesktop.DBus.Introspectable.Frob");
	/* A path with objects below it can be introspected. */
	expect_return(f, call(ROOT, "org.freedesktop.DBus.Introspectable", "Introspect", NULL), "s");
}

static void test_get_and_get_all_check_their_arguments(void **state)
{
	Fixture *f = *state;

	expect_error(f, call(OBJ, PROPS, "Get", IFACE, NULL), DBUS_ERROR_INVALID_ARGS, "expected arguments (ss)");
	expect_error(f, call(OBJ, PROPS, "GetAll", NULL), DBUS_ERROR_INVALID_ARGS, "expected arguments (s)");
	expect_error(f, call(OBJ, PROPS, "Get", "org.gattd.Other1", "Name", NULL), DBUS_ERROR_UNKNOWN_INTERFACE,
	             "no interface org.gattd.Other1 at " OBJ);
	expect_error(f, call(OBJ, PROPS, "GetAll", "org.gattd.Other1", NULL), DBUS_ERROR_UNKNOWN_INTERFACE,
	             "no interface org.gattd.Other1 at " OBJ);
	expect_error(f, call(OBJ, PROPS, "Get", IFACE, "Nope", NULL), DBUS_ERROR_UNKNOWN_PROPERTY,
	             "no property Nope on " IFACE);
	/* A property that does not exist right now. */
	expect_error(f, call(OBJ, PROPS, "Get", IFACE, "Extra", NULL), DBUS_ERROR_UNKNOWN_PROPERTY,
	             "no property Extra on " IFACE);
	f->thing.has_extra = true;
	expect_return(f, call(OBJ, PROPS, "Get", IFACE, "Extra", NULL), "v");
	expect_return(f, call(OBJ, PROPS, "GetAll", IFACE, NULL), "a{sv}");
}

static void test_set_checks_arguments_access_and_type(void **state)
{
	Fixture *f = *state;
	const char *two = "two";
	dbus_uint32_t number = 2;

	expect_error(f, call(OBJ, PROPS, "Set", IFACE, "Name", NULL), DBUS_ERROR_INVALID_ARGS,
	             "expected arguments (ssv)");
	expect_error(f, set_call("Fixed", DBUS_TYPE_STRING, &two), DBUS_ERROR_PROPERTY_READ_ONLY,
	             "property Fixed is read-only");
	expect_error(f, set_call("Name", DBUS_TYPE_UINT32, &number), DBUS_ERROR_INVALID_ARGS,
	             "property Name has type s");
	expect_error(f, set_call("Nope", DBUS_TYPE_STRING, &two), DBUS_ERROR_UNKNOWN_PROPERTY,
	             "no property Nope on " IFACE);
	assert_string_equal(f->thing.name, "one");
	f->thing.set_result = -EPERM;
	expect_error(f, set_call("Name", DBUS_TYPE_STRING, &two), BLUEZ_ERROR_PREFIX "NotPermitted",
	             "cannot set Name: Operation not permitted");
	f->thing.set_result = 0;
	expect_return(f, set_call("Name", DBUS_TYPE_STRING, &two), "");
	assert_string_equal(f->thing.name, "two");
}

static void test_get_managed_objects_takes_no_arguments(void **state)
{
	Fixture *f = *state;

	expect_error(f, call(ROOT, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", "x", NULL),
	             DBUS_ERROR_INVALID_ARGS, "expected no arguments");
	expect_return(f, call(ROOT, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL),
	              "a{oa{sa{sv}}}");
}

static void test_method_answering_later_gets_no_reply_from_dispatch(void **state)
{
	Fixture *f = *state;
	DBusMessage *msg = call(OBJ, IFACE, "Later", NULL);
	DBusMessage *reply;

	assert_null(bus_exporter_dispatch(f->exporter, msg));
	assert_int_equal(f->thing.calls, 1);
	assert_ptr_equal(f->thing.later_exporter, f->exporter);
	assert_ptr_equal(f->thing.held, msg);
	dbus_message_unref(msg);

	/* The checks before the method still answer at once. */
	expect_error(f, call(OBJ, IFACE, "Later", "x", NULL), DBUS_ERROR_INVALID_ARGS,
	             IFACE ".Later expects arguments (), got (s)");
	assert_int_equal(f->thing.calls, 1);

	/* The later reply, with no connection to send it on, is dropped. */
	reply = dbus_message_new_method_return(f->thing.held);
	bus_exporter_send(f->exporter, reply);
	dbus_message_unref(reply);
}

static void test_att_codes_become_the_errors_bluetoothd_maps_back(void **state)
{
	static const struct {
		uint8_t att;
		const char *name;
		const char *message;
	} cases[] = {
		{ 0x02, BLUEZ_ERROR_PREFIX "NotPermitted", "0x02" },
		{ 0x03, BLUEZ_ERROR_PREFIX "NotPermitted", "0x03" },
		{ 0x06, BLUEZ_ERROR_PREFIX "NotSupported", "0x06" },
		{ 0x07, BLUEZ_ERROR_PREFIX "InvalidOffset", "0x07" },
		{ 0x08, BLUEZ_ERROR_PREFIX "NotAuthorized", "0x08" },
		{ 0x0d, BLUEZ_ERROR_PREFIX "InvalidValueLength", "0x0d" },
		/* bluetoothd turns any error it does not know into 0x0E, unlikely error. */
		{ 0x0e, DBUS_ERROR_FAILED, "0x0e" },
		/* The application range: org.bluez.Error.Failed with the code as its message. */
		{ 0x80, BLUEZ_ERROR_PREFIX "Failed", "0x80" },
		{ 0x81, BLUEZ_ERROR_PREFIX "Failed", "0x81" },
		{ 0x9f, BLUEZ_ERROR_PREFIX "Failed", "0x9f" },
		{ 0xfd, BLUEZ_ERROR_PREFIX "ImproperlyConfigured", "0xfd" },
		{ 0xfe, BLUEZ_ERROR_PREFIX "InProgress", "0xfe" },
		/* Just outside the application range, and codes no handler gives: unlikely error. */
		{ 0x7f, DBUS_ERROR_FAILED, "0x7f" },
		{ 0xa0, DBUS_ERROR_FAILED, "0xa0" },
		{ 0x00, DBUS_ERROR_FAILED, "0x00" },
		{ 0x05, DBUS_ERROR_FAILED, "0x05" },
		{ 0xff, DBUS_ERROR_FAILED, "0xff" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		DBusMessage *msg = call(OBJ, IFACE, "Poke", "x", NULL);
		DBusMessage *reply = bus_att_error_reply(msg, cases[i].att);
		const char *text = NULL;

		assert_int_equal(dbus_message_get_type(reply), DBUS_MESSAGE_TYPE_ERROR);
		if (strcmp(dbus_message_get_error_name(reply), cases[i].name) != 0)
			fail_msg("ATT 0x%02x: %s, expected %s", cases[i].att, dbus_message_get_error_name(reply),
			         cases[i].name);
		assert_true(dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID));
		assert_string_equal(text, cases[i].message);
		assert_int_equal(dbus_message_get_reply_serial(reply), dbus_message_get_serial(msg));
		dbus_message_unref(reply);
		dbus_message_unref(msg);
	}
}

static void test_errno_mapping(void **state)
{
	static const struct {
		int err;
		const char *name;
	} cases[] = {
		{ -EPERM, BLUEZ_ERROR_PREFIX "NotPermitted" },
		{ -ENXIO, BLUEZ_ERROR_PREFIX "InvalidOffset" },
		{ -EMSGSIZE, BLUEZ_ERROR_PREFIX "InvalidValueLength" },
		{ -EOPNOTSUPP, BLUEZ_ERROR_PREFIX "NotSupported" },
		{ -EINPROGRESS, BLUEZ_ERROR_PREFIX "InProgress" },
		{ -EACCES, DBUS_ERROR_ACCESS_DENIED },
		{ -EINVAL, DBUS_ERROR_INVALID_ARGS },
		{ -EROFS, DBUS_ERROR_PROPERTY_READ_ONLY },
		{ -ENOENT, DBUS_ERROR_UNKNOWN_PROPERTY },
		{ -ENOSYS, DBUS_ERROR_UNKNOWN_METHOD },
		{ -EPROTONOSUPPORT, DBUS_ERROR_UNKNOWN_INTERFACE },
		{ -ENODEV, DBUS_ERROR_UNKNOWN_OBJECT },
		{ -ENOMEM, DBUS_ERROR_NO_MEMORY },
		{ -EIO, DBUS_ERROR_FAILED },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		assert_string_equal(bus_error_name_from_errno(cases[i].err), cases[i].name);
}

static void test_error_text_must_be_utf8(void **state)
{
	DBusMessage *msg = call(OBJ, IFACE, "Poke", NULL);
	DBusMessage *reply = bus_error_reply(msg, -EINVAL, "bad \xff byte");
	const char *text = NULL;

	assert_true(dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID));
	assert_string_equal(text, "invalid request");
	dbus_message_unref(reply);
	dbus_message_unref(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paths_outside_the_root_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_the_allowed_sender_may_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_method_arguments_must_match_the_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_objects_interfaces_and_methods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_and_get_all_check_their_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_checks_arguments_access_and_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_managed_objects_takes_no_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_method_answering_later_gets_no_reply_from_dispatch, setup, teardown),
		cmocka_unit_test(test_att_codes_become_the_errors_bluetoothd_maps_back),
		cmocka_unit_test(test_errno_mapping),
		cmocka_unit_test(test_error_text_must_be_utf8),
	};

	return cmocka_run_group_tests_name("exporter", tests, NULL, NULL);
}
