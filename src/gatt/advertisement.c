/*
 * gatt/advertisement.c: the org.bluez.LEAdvertisement1 object (gatt/advertisement.h):
 * its properties, read from [Advertising] and the advertised services, and Release.
 */
#include "gatt/advertisement.h"

#include <string.h>

#include "dbus/message.h"
#include "shared/listeners.h"
#include "shared/log.h"

#define ADVERTISEMENT_IFACE "org.bluez.LEAdvertisement1"

struct Advertisement {
	const CfgAdvertising *cfg;
	BusExporter *exporter;
	GPtrArray *service_uuids;   /* const char*, borrowed from the config; NULL-terminated */
	ListenerList listeners;     /* AdvertisementListener */
};

static void get_type(DBusMessageIter *iter, void *object)
{
	const char *type = ((Advertisement *)object)->cfg->type;

	if (!type)
		type = "peripheral";
	dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &type);
}

static void append_string_array(DBusMessageIter *iter, const char *const *strv)
{
	DBusMessageIter array;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "s", &array);
	for (; strv && *strv; strv++)
		dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, strv);
	dbus_message_iter_close_container(iter, &array);
}

static void get_service_uuids(DBusMessageIter *iter, void *object)
{
	append_string_array(iter, (const char *const *)((Advertisement *)object)->service_uuids->pdata);
}

static bool has_service_uuids(void *object)
{
	return ((Advertisement *)object)->service_uuids->len > 1;
}

static void get_solicit_uuids(DBusMessageIter *iter, void *object)
{
	append_string_array(iter, (const char *const *)((Advertisement *)object)->cfg->solicit_uuids);
}

static bool strv_nonempty(char **strv)
{
	return strv && strv[0];
}

static bool has_solicit_uuids(void *object)
{
	return strv_nonempty(((Advertisement *)object)->cfg->solicit_uuids);
}

static void get_includes(DBusMessageIter *iter, void *object)
{
	append_string_array(iter, (const char *const *)((Advertisement *)object)->cfg->includes);
}

static bool has_includes(void *object)
{
	return strv_nonempty(((Advertisement *)object)->cfg->includes);
}

/* Append one {key: <ay>} entry of ManufacturerData or ServiceData to dict. */
static void append_data_entry(DBusMessageIter *dict, int key_type, const void *key, GBytes *data)
{
	DBusMessageIter entry;
	gsize len = 0;
	const guint8 *bytes = g_bytes_get_data(data, &len);

	dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
	dbus_message_iter_append_basic(&entry, key_type, key);
	bus_append_variant_bytes(&entry, bytes, len);
	dbus_message_iter_close_container(dict, &entry);
}

static void get_manufacturer_data(DBusMessageIter *iter, void *object)
{
	GPtrArray *list = ((Advertisement *)object)->cfg->manufacturer_data;
	DBusMessageIter dict;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{qv}", &dict);
	for (unsigned i = 0; list && i < list->len; i++) {
		const CfgManufacturerData *md = list->pdata[i];

		append_data_entry(&dict, DBUS_TYPE_UINT16, &md->company_id, md->data);
	}
	dbus_message_iter_close_container(iter, &dict);
}

static bool list_nonempty(const GPtrArray *list)
{
	return list && list->len > 0;
}

static bool has_manufacturer_data(void *object)
{
	return list_nonempty(((Advertisement *)object)->cfg->manufacturer_data);
}

static void get_service_data(DBusMessageIter *iter, void *object)
{
	GPtrArray *list = ((Advertisement *)object)->cfg->service_data;
	DBusMessageIter dict;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
	for (unsigned i = 0; list && i < list->len; i++) {
		const CfgServiceData *sd = list->pdata[i];
		const char *uuid = sd->uuid;

		append_data_entry(&dict, DBUS_TYPE_STRING, &uuid, sd->data);
	}
	dbus_message_iter_close_container(iter, &dict);
}

static bool has_service_data(void *object)
{
	return list_nonempty(((Advertisement *)object)->cfg->service_data);
}

static void get_local_name(DBusMessageIter *iter, void *object)
{
	const char *name = ((Advertisement *)object)->cfg->local_name;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &name);
}

static bool has_local_name(void *object)
{
	return ((Advertisement *)object)->cfg->local_name != NULL;
}

static void get_appearance(DBusMessageIter *iter, void *object)
{
	uint16_t appearance = ((Advertisement *)object)->cfg->appearance;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT16, &appearance);
}

static bool has_appearance(void *object)
{
	return ((Advertisement *)object)->cfg->has_appearance;
}

static bool is_broadcast(const Advertisement *adv)
{
	return g_strcmp0(adv->cfg->type, "broadcast") == 0;
}

static void get_discoverable(DBusMessageIter *iter, void *object)
{
	dbus_bool_t discoverable = ((Advertisement *)object)->cfg->discoverable;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_BOOLEAN, &discoverable);
}

/* BlueZ refuses discoverable flags on a broadcast advertisement. */
static bool has_discoverable(void *object)
{
	return !is_broadcast(object);
}

static void get_discoverable_timeout(DBusMessageIter *iter, void *object)
{
	uint16_t timeout = (uint16_t)((Advertisement *)object)->cfg->discoverable_timeout;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT16, &timeout);
}

static bool has_discoverable_timeout(void *object)
{
	const Advertisement *adv = object;

	return !is_broadcast(adv) && adv->cfg->discoverable && adv->cfg->discoverable_timeout > 0;
}

static void get_min_interval(DBusMessageIter *iter, void *object)
{
	uint32_t ms = ((Advertisement *)object)->cfg->min_interval_ms;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT32, &ms);
}

static bool has_min_interval(void *object)
{
	return ((Advertisement *)object)->cfg->min_interval_ms > 0;
}

static void get_max_interval(DBusMessageIter *iter, void *object)
{
	uint32_t ms = ((Advertisement *)object)->cfg->max_interval_ms;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT32, &ms);
}

static bool has_max_interval(void *object)
{
	return ((Advertisement *)object)->cfg->max_interval_ms > 0;
}

static void get_tx_power(DBusMessageIter *iter, void *object)
{
	int16_t tx = ((Advertisement *)object)->cfg->tx_power;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_INT16, &tx);
}

static bool has_tx_power(void *object)
{
	return ((Advertisement *)object)->cfg->has_tx_power;
}

static DBusMessage *adv_release(BusExporter *exporter, DBusMessage *msg, void *object)
{
	Advertisement *adv = object;

	log_info("BlueZ released the advertisement");
	LISTENERS_REPORT(&adv->listeners, AdvertisementListener, released, adv);
	return dbus_message_new_method_return(msg);
}

static const BusMethod adv_methods[] = {
	{ "Release", "", "", adv_release },
	{ NULL },
};

static const BusProperty adv_properties[] = {
	{ "Type", "s", get_type, NULL, NULL },
	{ "ServiceUUIDs", "as", get_service_uuids, NULL, has_service_uuids },
	{ "SolicitUUIDs", "as", get_solicit_uuids, NULL, has_solicit_uuids },
	{ "ManufacturerData", "a{qv}", get_manufacturer_data, NULL, has_manufacturer_data },
	{ "ServiceData", "a{sv}", get_service_data, NULL, has_service_data },
	{ "Includes", "as", get_includes, NULL, has_includes },
	{ "LocalName", "s", get_local_name, NULL, has_local_name },
	{ "Appearance", "q", get_appearance, NULL, has_appearance },
	{ "Discoverable", "b", get_discoverable, NULL, has_discoverable },
	{ "DiscoverableTimeout", "q", get_discoverable_timeout, NULL, has_discoverable_timeout },
	{ "MinInterval", "u", get_min_interval, NULL, has_min_interval },
	{ "MaxInterval", "u", get_max_interval, NULL, has_max_interval },
	{ "TxPower", "n", get_tx_power, NULL, has_tx_power },
	{ NULL },
};

static const BusInterface adv_interface = {
	.name = ADVERTISEMENT_IFACE,
	.methods = adv_methods,
	.properties = adv_properties,
};

Advertisement *advertisement_new(const GattdConfig *config, BusExporter *exporter)
{
	Advertisement *adv = g_new0(Advertisement, 1);

	adv->cfg = &config->advertising;
	adv->exporter = exporter;
	listener_list_init(&adv->listeners);
	adv->service_uuids = g_ptr_array_new();
	for (unsigned i = 0; i < config->services->len; i++) {
		const CfgService *service = config->services->pdata[i];

		if (service->advertise)
			g_ptr_array_add(adv->service_uuids, (gpointer)service->uuid);
	}
	g_ptr_array_add(adv->service_uuids, NULL);

	if (bus_exporter_add(exporter, ADVERTISEMENT_PATH, &adv_interface, adv) < 0)
		g_error("cannot export the advertisement at " ADVERTISEMENT_PATH);
	return adv;
}

void advertisement_free(Advertisement *adv)
{
	if (!adv)
		return;
	bus_exporter_remove(adv->exporter, ADVERTISEMENT_PATH);
	g_ptr_array_unref(adv->service_uuids);
	listener_list_clear(&adv->listeners);
	g_free(adv);
}

LISTENERS_DEFINE_ADD_REMOVE(Advertisement, advertisement, AdvertisementListener)
