/* gatt/app.c: the persistent GATT object tree and its org.bluez.Gatt*1 methods. */
#include "gatt/app.h"

#include <errno.h>
#include <string.h>

#include "dbus/message.h"
#include "config/compare.h"
#include "config/flags.h"
#include "gatt/access.h"
#include "gatt/options.h"
#include "shared/listeners.h"
#include "shared/log.h"

#define GATT_SERVICE_IFACE "org.bluez.GattService1"
#define GATT_CHAR_IFACE "org.bluez.GattCharacteristic1"
#define GATT_DESC_IFACE "org.bluez.GattDescriptor1"

struct GattApp {
	const GattdConfig *config;
	BusExporter *exporter;
	GPtrArray *services;       /* GattService* */
	GPtrArray *chars;          /* GattChar*, borrowed from services: every one, in tree order */
	GHashTable *chars_by_id;   /* id -> GattChar* */
	ListenerList listeners;    /* GattAppListener */
};

/* ---- value access shared by characteristics and descriptors ---- */

static DBusMessage *read_value(DBusMessage *msg, const GattAccess *access)
{
	g_autofree char *error = NULL;
	DBusMessageIter iter;
	GattOptions opts = { 0 };
	DBusMessage *reply;
	int r;

	dbus_message_iter_init(msg, &iter);
	r = gatt_options_parse(&iter, &opts, &error);
	if (r < 0)
		return bus_error_reply(msg, r, "%s: ReadValue: %s", access->id, error);
	r = gatt_access_read(access, opts.offset, &error);
	if (r < 0)
		return bus_error_reply(msg, r, "%s", error);

	reply = dbus_message_new_method_return(msg);
	dbus_message_iter_init_append(reply, &iter);
	bus_append_bytes(&iter, access->value->data + opts.offset, (size_t)r);
	return reply;
}

/* WriteValue's arguments, the bytes and the options. Returns 0 or -EINVAL with *ret_error. */
static int parse_write(DBusMessage *msg, const char *id, GattWriteRequest *req, GattOptions *opts,
                       char **ret_error)
{
	g_autofree char *options_error = NULL;
	DBusMessageIter iter;
	const uint8_t *data;
	int len, r;

	dbus_message_iter_init(msg, &iter);
	r = bus_read_bytes(&iter, G_MAXINT, &data, &len);
	if (r < 0) {
		*ret_error = g_strdup_printf("%s: WriteValue: expected a byte array", id);
		return r;
	}
	dbus_message_iter_next(&iter);
	r = gatt_options_parse(&iter, opts, &options_error);
	if (r < 0) {
		*ret_error = g_strdup_printf("%s: WriteValue: %s", id, options_error);
		return r;
	}
	*req = (GattWriteRequest){
		.data = data, .len = (size_t)len, .offset = opts->offset, .prepare_authorize = opts->prepare_authorize,
	};
	return 0;
}

/*
 * Parse a write and check it against the rules of access (gatt/access.c); on success it
 * is stored unless it is only a prepare-authorize probe. Returns 1 when stored, 0 when
 * not, or -errno with *ret_error.
 */
static int write_value(DBusMessage *msg, const GattAccess *access, GattWriteRequest *req, GattOptions *opts,
                       char **ret_error)
{
	int r = parse_write(msg, access->id, req, opts, ret_error);

	if (r < 0)
		return r;
	return gatt_access_write(access, req, ret_error);
}

static size_t char_fixed_size(const GattChar *chr)
{
	return chr->cfg->has_type ? value_type_size(chr->cfg->type) : 0;
}

/* ---- GattService1 ---- */

static void service_get_uuid(DBusMessageIter *iter, void *object)
{
	const char *uuid = ((GattService *)object)->cfg->uuid;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &uuid);
}

static void service_get_primary(DBusMessageIter *iter, void *object)
{
	dbus_bool_t primary = ((GattService *)object)->cfg->primary;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_BOOLEAN, &primary);
}

static void service_get_includes(DBusMessageIter *iter, void *object)
{
	DBusMessageIter array;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "o", &array);
	dbus_message_iter_close_container(iter, &array);
}

static void get_handle(DBusMessageIter *iter, uint16_t handle)
{
	dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT16, &handle);
}

static void service_get_handle(DBusMessageIter *iter, void *object)
{
	get_handle(iter, ((GattService *)object)->handle);
}

static int service_set_handle(DBusMessageIter *iter, void *object)
{
	dbus_message_iter_get_basic(iter, &((GattService *)object)->handle);
	return 0;
}

static const BusProperty service_properties[] = {
	{ "UUID", "s", service_get_uuid, NULL, NULL },
	{ "Primary", "b", service_get_primary, NULL, NULL },
	{ "Includes", "ao", service_get_includes, NULL, NULL },
	{ "Handle", "q", service_get_handle, service_set_handle, NULL },
	{ NULL },
};

static const BusInterface service_interface = {
	.name = GATT_SERVICE_IFACE,
	.properties = service_properties,
};

/* ---- GattCharacteristic1 ---- */

static GattAccess char_access(GattChar *chr)
{
	return (GattAccess){ chr->cfg->id, chr->value, chr->perms, chr->cfg->max_length, char_fixed_size(chr) };
}

static DBusMessage *char_read_value(DBusMessage *msg, void *object)
{
	GattAccess access = char_access(object);

	return read_value(msg, &access);
}

static DBusMessage *char_write_value(DBusMessage *msg, void *object)
{
	GattChar *chr = object;
	GattApp *app = chr->service->app;
	GattAccess access = char_access(chr);
	g_autofree char *error = NULL;
	GattWriteRequest req = { 0 };
	GattOptions opts = { 0 };
	int r;

	r = write_value(msg, &access, &req, &opts, &error);
	if (r < 0) {
		log_info("write from %s refused: %s", opts.device ? opts.device : "?", error);
		return bus_error_reply(msg, r, "%s", error);
	}
	if (r > 0) {
		log_debug("%s written by %s: %zu bytes at offset %u", chr->cfg->id,
		          opts.device ? opts.device : "?", req.len, opts.offset);
		LISTENERS_REPORT(&app->listeners, GattAppListener, value_changed, chr);
		LISTENERS_REPORT(&app->listeners, GattAppListener, write, chr, req.data, req.len, opts.offset, opts.device);
	}
	return dbus_message_new_method_return(msg);
}

static void set_notifying(GattChar *chr, bool notifying)
{
	static const char *const changed[] = { "Notifying", NULL };
	GattApp *app = chr->service->app;

	if (chr->notifying == notifying)
		return;
	chr->notifying = notifying;
	log_info("%s: centrals %s", chr->cfg->id, notifying ? "subscribed" : "unsubscribed");
	bus_exporter_emit_properties_changed(app->exporter, chr->path, GATT_CHAR_IFACE, changed);
	LISTENERS_REPORT(&app->listeners, GattAppListener, notifying_changed, chr);
}

static DBusMessage *char_start_notify(DBusMessage *msg, void *object)
{
	GattChar *chr = object;

	if (!gatt_char_can_notify(chr))
		return bus_error_reply(msg, -EOPNOTSUPP, "%s has neither notify nor indicate", chr->cfg->id);
	set_notifying(chr, true);
	return dbus_message_new_method_return(msg);
}

static DBusMessage *char_stop_notify(DBusMessage *msg, void *object)
{
	GattChar *chr = object;

	if (!gatt_char_can_notify(chr))
		return bus_error_reply(msg, -EOPNOTSUPP, "%s has neither notify nor indicate", chr->cfg->id);
	set_notifying(chr, false);
	return dbus_message_new_method_return(msg);
}

static DBusMessage *char_confirm(DBusMessage *msg, void *object)
{
	GattChar *chr = object;
	GattApp *app = chr->service->app;

	if (!(chr->perms & GATT_PERM_INDICATE))
		return bus_error_reply(msg, -EOPNOTSUPP, "%s does not indicate", chr->cfg->id);
	LISTENERS_REPORT(&app->listeners, GattAppListener, confirm, chr);
	return dbus_message_new_method_return(msg);
}

static void char_get_uuid(DBusMessageIter *iter, void *object)
{
	const char *uuid = ((GattChar *)object)->cfg->uuid;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &uuid);
}

static void char_get_service(DBusMessageIter *iter, void *object)
{
	const char *path = ((GattChar *)object)->service->path;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_OBJECT_PATH, &path);
}

static void char_get_value(DBusMessageIter *iter, void *object)
{
	GattChar *chr = object;

	bus_append_bytes(iter, chr->value->data, MIN(chr->value->len, GATTD_MAX_VALUE_LEN));
}

static void append_strv(DBusMessageIter *iter, char **strv)
{
	DBusMessageIter array;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "s", &array);
	for (; strv && *strv; strv++)
		dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, strv);
	dbus_message_iter_close_container(iter, &array);
}

static void char_get_flags(DBusMessageIter *iter, void *object)
{
	append_strv(iter, ((GattChar *)object)->cfg->flags);
}

static void char_get_notifying(DBusMessageIter *iter, void *object)
{
	dbus_bool_t notifying = ((GattChar *)object)->notifying;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_BOOLEAN, &notifying);
}

static bool char_can_notify(void *object)
{
	return gatt_char_can_notify(object);
}

static void char_get_handle(DBusMessageIter *iter, void *object)
{
	get_handle(iter, ((GattChar *)object)->handle);
}

static int char_set_handle(DBusMessageIter *iter, void *object)
{
	dbus_message_iter_get_basic(iter, &((GattChar *)object)->handle);
	return 0;
}

static const BusMethod char_methods[] = {
	{ "ReadValue", "a{sv}", "ay", char_read_value },
	{ "WriteValue", "aya{sv}", "", char_write_value },
	{ "StartNotify", "", "", char_start_notify },
	{ "StopNotify", "", "", char_stop_notify },
	{ "Confirm", "", "", char_confirm },
	{ NULL },
};

static const BusProperty char_properties[] = {
	{ "UUID", "s", char_get_uuid, NULL, NULL },
	{ "Service", "o", char_get_service, NULL, NULL },
	{ "Value", "ay", char_get_value, NULL, NULL },
	{ "Notifying", "b", char_get_notifying, NULL, char_can_notify },
	{ "Flags", "as", char_get_flags, NULL, NULL },
	{ "Handle", "q", char_get_handle, char_set_handle, NULL },
	{ NULL },
};

static const BusInterface char_interface = {
	.name = GATT_CHAR_IFACE,
	.methods = char_methods,
	.properties = char_properties,
};

/* ---- GattDescriptor1 ---- */

static GattAccess desc_access(GattDesc *desc)
{
	return (GattAccess){ desc->cfg->id, desc->value, desc->perms, desc->cfg->max_length, 0 };
}

static DBusMessage *desc_read_value(DBusMessage *msg, void *object)
{
	GattAccess access = desc_access(object);

	return read_value(msg, &access);
}

static DBusMessage *desc_write_value(DBusMessage *msg, void *object)
{
	GattDesc *desc = object;
	GattAccess access = desc_access(desc);
	g_autofree char *error = NULL;
	GattWriteRequest req = { 0 };
	GattOptions opts = { 0 };
	int r;

	r = write_value(msg, &access, &req, &opts, &error);
	if (r < 0) {
		log_info("write from %s refused: %s", opts.device ? opts.device : "?", error);
		return bus_error_reply(msg, r, "%s", error);
	}
	if (r > 0)
		log_debug("%s written by %s: %zu bytes at offset %u", desc->cfg->id,
		          opts.device ? opts.device : "?", req.len, opts.offset);
	return dbus_message_new_method_return(msg);
}

static void desc_get_uuid(DBusMessageIter *iter, void *object)
{
	const char *uuid = ((GattDesc *)object)->cfg->uuid;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &uuid);
}

static void desc_get_characteristic(DBusMessageIter *iter, void *object)
{
	const char *path = ((GattDesc *)object)->chr->path;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_OBJECT_PATH, &path);
}

static void desc_get_value(DBusMessageIter *iter, void *object)
{
	GattDesc *desc = object;

	bus_append_bytes(iter, desc->value->data, MIN(desc->value->len, GATTD_MAX_VALUE_LEN));
}

static void desc_get_flags(DBusMessageIter *iter, void *object)
{
	append_strv(iter, ((GattDesc *)object)->cfg->flags);
}

static void desc_get_handle(DBusMessageIter *iter, void *object)
{
	get_handle(iter, ((GattDesc *)object)->handle);
}

static int desc_set_handle(DBusMessageIter *iter, void *object)
{
	dbus_message_iter_get_basic(iter, &((GattDesc *)object)->handle);
	return 0;
}

static const BusMethod desc_methods[] = {
	{ "ReadValue", "a{sv}", "ay", desc_read_value },
	{ "WriteValue", "aya{sv}", "", desc_write_value },
	{ NULL },
};

static const BusProperty desc_properties[] = {
	{ "UUID", "s", desc_get_uuid, NULL, NULL },
	{ "Characteristic", "o", desc_get_characteristic, NULL, NULL },
	{ "Value", "ay", desc_get_value, NULL, NULL },
	{ "Flags", "as", desc_get_flags, NULL, NULL },
	{ "Handle", "q", desc_get_handle, desc_set_handle, NULL },
	{ NULL },
};

static const BusInterface desc_interface = {
	.name = GATT_DESC_IFACE,
	.methods = desc_methods,
	.properties = desc_properties,
};

/* ---- the tree ---- */

static GByteArray *byte_array_from_bytes(GBytes *bytes)
{
	gsize len = 0;
	const guint8 *data = bytes ? g_bytes_get_data(bytes, &len) : NULL;
	GByteArray *array = g_byte_array_sized_new((guint)len);

	if (len)
		g_byte_array_append(array, data, (guint)len);
	return array;
}

static void desc_free(GattDesc *desc)
{
	if (!desc)
		return;
	g_free(desc->path);
	if (desc->value)
		g_byte_array_unref(desc->value);
	g_free(desc);
}

static void char_free(GattChar *chr)
{
	if (!chr)
		return;
	g_free(chr->path);
	if (chr->value)
		g_byte_array_unref(chr->value);
	if (chr->descs)
		g_ptr_array_unref(chr->descs);
	g_free(chr);
}

static void service_free(GattService *service)
{
	if (!service)
		return;
	g_free(service->path);
	if (service->chars)
		g_ptr_array_unref(service->chars);
	g_free(service);
}

/* "battery/level" -> "/org/gattd/app/battery/level": IDs are valid path elements by construction. */
static char *path_for_id(const char *id)
{
	return g_strconcat(GATT_APP_ROOT "/", id, NULL);
}

static void export_or_die(BusExporter *exporter, const char *path, const BusInterface *iface, void *object)
{
	int r = bus_exporter_add(exporter, path, iface, object);

	/* Paths come from validated, unique IDs: a failure here is a bug, not bad input. */
	if (r < 0)
		g_error("cannot export %s at %s: %s", iface->name, path, g_strerror(-r));
}

GattApp *gatt_app_new(const GattdConfig *config)
{
	GattApp *app = g_new0(GattApp, 1);

	app->config = config;
	app->services = g_ptr_array_new_with_free_func((GDestroyNotify)service_free);
	app->chars = g_ptr_array_new();
	app->chars_by_id = g_hash_table_new(g_str_hash, g_str_equal);
	listener_list_init(&app->listeners);

	for (unsigned i = 0; i < config->services->len; i++) {
		const CfgService *cs = config->services->pdata[i];
		GattService *service = g_new0(GattService, 1);

		service->cfg = cs;
		service->app = app;
		service->path = path_for_id(cs->id);
		service->chars = g_ptr_array_new_with_free_func((GDestroyNotify)char_free);
		g_ptr_array_add(app->services, service);

		for (unsigned j = 0; j < cs->characteristics->len; j++) {
			const CfgCharacteristic *cc = cs->characteristics->pdata[j];
			GattChar *chr = g_new0(GattChar, 1);

			chr->cfg = cc;
			chr->service = service;
			chr->path = path_for_id(cc->id);
			chr->value = byte_array_from_bytes(cc->value);
			chr->perms = flags_permissions((const char *const *)cc->flags);
			chr->descs = g_ptr_array_new_with_free_func((GDestroyNotify)desc_free);
			g_ptr_array_add(service->chars, chr);
			g_ptr_array_add(app->chars, chr);
			g_hash_table_insert(app->chars_by_id, cc->id, chr);

			for (unsigned k = 0; k < cc->descriptors->len; k++) {
				const CfgDescriptor *cd = cc->descriptors->pdata[k];
				GattDesc *desc = g_new0(GattDesc, 1);

				desc->cfg = cd;
				desc->chr = chr;
				desc->path = path_for_id(cd->id);
				desc->value = byte_array_from_bytes(cd->value);
				desc->perms = flags_permissions((const char *const *)cd->flags);
				g_ptr_array_add(chr->descs, desc);
			}
		}
	}
	return app;
}

void gatt_app_export(GattApp *app, BusExporter *exporter)
{
	g_assert(!app->exporter);
	app->exporter = exporter;
	bus_exporter_add_object_manager(exporter, GATT_APP_ROOT);
	for (unsigned i = 0; i < app->services->len; i++) {
		GattService *service = app->services->pdata[i];

		export_or_die(exporter, service->path, &service_interface, service);
		for (unsigned j = 0; j < service->chars->len; j++) {
			GattChar *chr = service->chars->pdata[j];

			export_or_die(exporter, chr->path, &char_interface, chr);
			for (unsigned k = 0; k < chr->descs->len; k++) {
				GattDesc *desc = chr->descs->pdata[k];

				export_or_die(exporter, desc->path, &desc_interface, desc);
			}
		}
	}
}

static void copy_value(GByteArray *to, const GByteArray *from)
{
	g_byte_array_set_size(to, 0);
	g_byte_array_append(to, from->data, from->len);
}

static GattDesc *find_desc(GattChar *chr, const char *id)
{
	for (unsigned k = 0; chr && k < chr->descs->len; k++) {
		GattDesc *desc = chr->descs->pdata[k];

		if (strcmp(desc->cfg->id, id) == 0)
			return desc;
	}
	return NULL;
}

void gatt_app_adopt(GattApp *app, GattApp *old, bool same_tree)
{
	for (unsigned i = 0; i < app->services->len; i++) {
		GattService *service = app->services->pdata[i];

		if (same_tree)
			service->handle = ((GattService *)old->services->pdata[i])->handle;
		for (unsigned j = 0; j < service->chars->len; j++) {
			GattChar *chr = service->chars->pdata[j];
			GattChar *was = gatt_app_find_char(old, chr->cfg->id);

			if (!was)
				continue;
			if (config_characteristic_equal(chr->cfg, was->cfg))
				copy_value(chr->value, was->value);
			if (same_tree) {
				chr->handle = was->handle;
				chr->notifying = was->notifying;
			}
			for (unsigned k = 0; k < chr->descs->len; k++) {
				GattDesc *desc = chr->descs->pdata[k];
				GattDesc *dwas = find_desc(was, desc->cfg->id);

				if (!dwas)
					continue;
				if (config_descriptor_equal(desc->cfg, dwas->cfg))
					copy_value(desc->value, dwas->value);
				if (same_tree)
					desc->handle = dwas->handle;
			}
		}
	}
}

void gatt_app_free(GattApp *app)
{
	if (!app)
		return;
	for (unsigned i = 0; app->exporter && i < app->services->len; i++) {
		GattService *service = app->services->pdata[i];

		for (unsigned j = 0; j < service->chars->len; j++) {
			GattChar *chr = service->chars->pdata[j];

			for (unsigned k = 0; k < chr->descs->len; k++)
				bus_exporter_remove(app->exporter, ((GattDesc *)chr->descs->pdata[k])->path);
			bus_exporter_remove(app->exporter, chr->path);
		}
		bus_exporter_remove(app->exporter, service->path);
	}
	if (app->exporter)
		bus_exporter_remove(app->exporter, GATT_APP_ROOT);
	g_hash_table_unref(app->chars_by_id);
	g_ptr_array_unref(app->chars);
	g_ptr_array_unref(app->services);
	listener_list_clear(&app->listeners);
	g_free(app);
}

unsigned gatt_app_add_listener(GattApp *app, const GattAppListener *listener, void *user_data)
{
	return listener_list_add(&app->listeners, listener, user_data);
}

void gatt_app_remove_listener(GattApp *app, unsigned id)
{
	listener_list_remove(&app->listeners, id);
}

GPtrArray *gatt_app_get_services(GattApp *app)
{
	return app->services;
}

GPtrArray *gatt_app_get_chars(GattApp *app)
{
	return app->chars;
}

GattChar *gatt_app_find_char(GattApp *app, const char *id)
{
	return g_hash_table_lookup(app->chars_by_id, id);
}

unsigned gatt_app_count_notifying(GattApp *app)
{
	unsigned n = 0;

	for (unsigned i = 0; i < app->chars->len; i++)
		n += ((GattChar *)app->chars->pdata[i])->notifying;
	return n;
}

void gatt_app_reset_handles(GattApp *app)
{
	for (unsigned i = 0; i < app->services->len; i++) {
		GattService *service = app->services->pdata[i];

		service->handle = 0;
		for (unsigned j = 0; j < service->chars->len; j++) {
			GattChar *chr = service->chars->pdata[j];

			chr->handle = 0;
			for (unsigned k = 0; k < chr->descs->len; k++)
				((GattDesc *)chr->descs->pdata[k])->handle = 0;
		}
	}
}

void gatt_app_reset_notifying(GattApp *app)
{
	for (unsigned i = 0; i < app->chars->len; i++)
		set_notifying(app->chars->pdata[i], false);
}

bool gatt_char_can_notify(const GattChar *chr)
{
	return chr->perms & (GATT_PERM_NOTIFY | GATT_PERM_INDICATE);
}

int gatt_char_restore_value(GattChar *chr, const uint8_t *data, size_t len)
{
	int r = config_characteristic_value_fits(chr->cfg, len, NULL);

	if (r < 0)
		return r;
	g_byte_array_set_size(chr->value, 0);
	g_byte_array_append(chr->value, data, (guint)len);
	return 0;
}

int gatt_char_set_value(GattChar *chr, const uint8_t *data, size_t len, bool notify)
{
	static const char *const changed[] = { "Value", NULL };
	GattApp *app = chr->service->app;
	int r = gatt_char_restore_value(chr, data, len);

	if (r < 0)
		return r;
	LISTENERS_REPORT(&app->listeners, GattAppListener, value_changed, chr);
	if (!notify || !chr->notifying)
		return 0;
	bus_exporter_emit_properties_changed(app->exporter, chr->path, GATT_CHAR_IFACE, changed);
	return 1;
}
