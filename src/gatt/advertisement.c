/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/advertisement.c: the org.bluez.LEAdvertisement1 object (gatt/advertisement.h):
 * its properties, read from the live advertisement (first [Advertising] and the
 * advertised services, then what clients change), their changes told to bluetoothd
 * at a bounded rate, and Release.
 */
#include "gatt/advertisement.h"

#include <errno.h>
#include <string.h>

#include "config/advertising.h"
#include "dbus/message.h"
#include "shared/listeners.h"
#include "shared/log.h"

#define ADVERTISEMENT_IFACE "org.bluez.LEAdvertisement1"

/* What clients may change, as properties bluetoothd re-reads (a bit each in pending). */
enum {
	PROP_LOCAL_NAME = 1 << 0,
	PROP_SERVICE_UUIDS = 1 << 1,
	PROP_MANUFACTURER_DATA = 1 << 2,
	PROP_SERVICE_DATA = 1 << 3,
	PROP_ALL_CHANGEABLE = (1 << 4) - 1,
};
static const char *const changeable_names[] = { "LocalName", "ServiceUUIDs", "ManufacturerData", "ServiceData" };

struct Advertisement {
	char *path;
	const CfgAdvertising *base;  /* the configuration's [Advertising] or [Advertising NAME] */
	char **base_uuids;           /* the configuration's service UUIDs for it */
	CfgAdvertising live;         /* what is advertised: base with the clients' changes */
	char **service_uuids;        /* likewise; NULL-terminated */
	BusExporter *exporter;
	unsigned pending;            /* PROP_* changed but not yet told to bluetoothd */
	guint flush_id;              /* timer: tell bluetoothd (ADVERTISEMENT_UPDATE_INTERVAL_MS apart) */
	int64_t last_flush;          /* CLOCK_MONOTONIC µs of the last PropertiesChanged, 0 = none */
	unsigned told;               /* PROP_* changed since bluetoothd last registered it */
	bool secondary_ok;           /* the adapter's bluetoothd takes SecondaryChannel= as configured */
	char *said_on;               /* the adapter last told of what its bluetoothd leaves out (once per adapter) */
	ListenerList listeners;      /* AdvertisementListener */
};

static void get_type(DBusMessageIter *iter, void *object)
{
	const char *type = ((Advertisement *)object)->live.type;

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
	append_string_array(iter, (const char *const *)((Advertisement *)object)->service_uuids);
}

static bool strv_nonempty(char **strv)
{
	return strv && strv[0];
}

static bool has_service_uuids(void *object)
{
	return strv_nonempty(((Advertisement *)object)->service_uuids);
}

static void get_solicit_uuids(DBusMessageIter *iter, void *object)
{
	append_string_array(iter, (const char *const *)((Advertisement *)object)->live.solicit_uuids);
}

static bool has_solicit_uuids(void *object)
{
	return strv_nonempty(((Advertisement *)object)->live.solicit_uuids);
}

static void get_includes(DBusMessageIter *iter, void *object)
{
	append_string_array(iter, (const char *const *)((Advertisement *)object)->live.includes);
}

static bool has_includes(void *object)
{
	return strv_nonempty(((Advertisement *)object)->live.includes);
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

/* a{qv}: company id -> bytes. */
static void append_manufacturer_data(DBusMessageIter *iter, const GPtrArray *list)
{
	DBusMessageIter dict;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{qv}", &dict);
	for (unsigned i = 0; list && i < list->len; i++) {
		const CfgManufacturerData *md = list->pdata[i];

		append_data_entry(&dict, DBUS_TYPE_UINT16, &md->company_id, md->data);
	}
	dbus_message_iter_close_container(iter, &dict);
}

static void get_manufacturer_data(DBusMessageIter *iter, void *object)
{
	append_manufacturer_data(iter, ((Advertisement *)object)->live.manufacturer_data);
}

static void get_scan_manufacturer_data(DBusMessageIter *iter, void *object)
{
	append_manufacturer_data(iter, ((Advertisement *)object)->live.scan_manufacturer_data);
}

static bool list_nonempty(const GPtrArray *list)
{
	return list && list->len > 0;
}

static bool has_manufacturer_data(void *object)
{
	return list_nonempty(((Advertisement *)object)->live.manufacturer_data);
}

static bool has_scan_manufacturer_data(void *object)
{
	return list_nonempty(((Advertisement *)object)->live.scan_manufacturer_data);
}

/* a{sv}: service UUID -> bytes. */
static void append_service_data(DBusMessageIter *iter, const GPtrArray *list)
{
	DBusMessageIter dict;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
	for (unsigned i = 0; list && i < list->len; i++) {
		const CfgServiceData *sd = list->pdata[i];
		const char *uuid = sd->uuid;

		append_data_entry(&dict, DBUS_TYPE_STRING, &uuid, sd->data);
	}
	dbus_message_iter_close_container(iter, &dict);
}

static void get_service_data(DBusMessageIter *iter, void *object)
{
	append_service_data(iter, ((Advertisement *)object)->live.service_data);
}

static void get_scan_service_data(DBusMessageIter *iter, void *object)
{
	append_service_data(iter, ((Advertisement *)object)->live.scan_service_data);
}

static bool has_service_data(void *object)
{
	return list_nonempty(((Advertisement *)object)->live.service_data);
}

static bool has_scan_service_data(void *object)
{
	return list_nonempty(((Advertisement *)object)->live.scan_service_data);
}

static void get_local_name(DBusMessageIter *iter, void *object)
{
	const char *name = ((Advertisement *)object)->live.local_name;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &name);
}

static bool has_local_name(void *object)
{
	return ((Advertisement *)object)->live.local_name != NULL;
}

static void get_appearance(DBusMessageIter *iter, void *object)
{
	uint16_t appearance = ((Advertisement *)object)->live.appearance;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT16, &appearance);
}

static bool has_appearance(void *object)
{
	return ((Advertisement *)object)->live.has_appearance;
}

static bool is_broadcast(const Advertisement *adv)
{
	return g_strcmp0(adv->live.type, "broadcast") == 0;
}

static void get_discoverable(DBusMessageIter *iter, void *object)
{
	dbus_bool_t discoverable = ((Advertisement *)object)->live.discoverable;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_BOOLEAN, &discoverable);
}

/* BlueZ refuses discoverable flags on a broadcast advertisement. */
static bool has_discoverable(void *object)
{
	return !is_broadcast(object);
}

static void get_discoverable_timeout(DBusMessageIter *iter, void *object)
{
	uint16_t timeout = (uint16_t)((Advertisement *)object)->live.discoverable_timeout;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT16, &timeout);
}

static bool has_discoverable_timeout(void *object)
{
	const Advertisement *adv = object;

	return !is_broadcast(adv) && adv->live.discoverable && adv->live.discoverable_timeout > 0;
}

static void get_min_interval(DBusMessageIter *iter, void *object)
{
	uint32_t ms = ((Advertisement *)object)->live.min_interval_ms;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT32, &ms);
}

static bool has_min_interval(void *object)
{
	return ((Advertisement *)object)->live.min_interval_ms > 0;
}

static void get_max_interval(DBusMessageIter *iter, void *object)
{
	uint32_t ms = ((Advertisement *)object)->live.max_interval_ms;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT32, &ms);
}

static bool has_max_interval(void *object)
{
	return ((Advertisement *)object)->live.max_interval_ms > 0;
}

static void get_tx_power(DBusMessageIter *iter, void *object)
{
	int16_t tx = ((Advertisement *)object)->live.tx_power;

	dbus_message_iter_append_basic(iter, DBUS_TYPE_INT16, &tx);
}

static bool has_tx_power(void *object)
{
	return ((Advertisement *)object)->live.has_tx_power;
}

static void get_secondary_channel(DBusMessageIter *iter, void *object)
{
	const char *name = config_secondary_channel_name(((Advertisement *)object)->live.secondary_channel);

	dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &name);
}

static bool has_secondary_channel(void *object)
{
	Advertisement *adv = object;

	return adv->live.secondary_channel && adv->secondary_ok;
}

static DBusMessage *adv_release(BusExporter *exporter, DBusMessage *msg, void *object)
{
	Advertisement *adv = object;

	if (adv->base->name)
		log_info("BlueZ released the advertisement %s", adv->base->name);
	else
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
	{ "SecondaryChannel", "s", get_secondary_channel, NULL, has_secondary_channel },
	/* 5.80 on, and only from a bluetoothd run with --experimental (5.80-5.87 at least). */
	{ "ScanResponseManufacturerData", "a{qv}", get_scan_manufacturer_data, NULL, has_scan_manufacturer_data },
	{ "ScanResponseServiceData", "a{sv}", get_scan_service_data, NULL, has_scan_service_data },
	{ NULL },
};

static const BusInterface adv_interface = {
	.name = ADVERTISEMENT_IFACE,
	.methods = adv_methods,
	.properties = adv_properties,
};

Advertisement *advertisement_new(const GattdConfig *config, const CfgAdvertising *base, BusExporter *exporter)
{
	Advertisement *adv = g_new0(Advertisement, 1);

	adv->path = base->name ? g_strdup_printf(ADVERTISEMENT_PATH "/%s", base->name) : g_strdup(ADVERTISEMENT_PATH);
	adv->base = base;
	adv->base_uuids = config_advertising_uuids(config, base);
	config_advertising_copy(&adv->live, adv->base);
	adv->service_uuids = g_strdupv(adv->base_uuids);
	adv->exporter = exporter;
	listener_list_init(&adv->listeners);

	if (bus_exporter_add(exporter, adv->path, &adv_interface, adv) < 0)
		g_error("cannot export the advertisement at %s", adv->path);
	return adv;
}

void advertisement_free(Advertisement *adv)
{
	if (!adv)
		return;
	g_clear_handle_id(&adv->flush_id, g_source_remove);
	bus_exporter_remove(adv->exporter, adv->path);
	config_advertising_clear(&adv->live);
	g_strfreev(adv->service_uuids);
	g_strfreev(adv->base_uuids);
	listener_list_clear(&adv->listeners);
	g_free(adv->said_on);
	g_free(adv->path);
	g_free(adv);
}

/* ---- changes at run time ---- */

/* Tell bluetoothd the pending properties in one PropertiesChanged. */
static void flush(Advertisement *adv)
{
	const char *names[G_N_ELEMENTS(changeable_names) + 1] = { NULL };
	unsigned n = 0;

	for (unsigned i = 0; i < G_N_ELEMENTS(changeable_names); i++)
		if (adv->pending & (1u << i))
			names[n++] = changeable_names[i];
	adv->pending = 0;
	adv->last_flush = g_get_monotonic_time();
	if (n)
		bus_exporter_emit_properties_changed(adv->exporter, adv->path, ADVERTISEMENT_IFACE, names);
}

static gboolean flush_timer(gpointer data)
{
	Advertisement *adv = data;

	adv->flush_id = 0;
	flush(adv);
	return G_SOURCE_REMOVE;
}

/*
 * bluetoothd turns each changed property into a command to the controller: tell it at
 * once, or when ADVERTISEMENT_UPDATE_INTERVAL_MS have passed since the last time,
 * with everything that changed in between.
 */
static void schedule_flush(Advertisement *adv, unsigned props)
{
	int64_t since_ms;

	adv->pending |= props;
	adv->told |= props;
	if (adv->flush_id || !adv->pending)
		return;
	since_ms = (g_get_monotonic_time() - adv->last_flush) / 1000;
	if (!adv->last_flush || since_ms >= ADVERTISEMENT_UPDATE_INTERVAL_MS)
		flush(adv);
	else
		adv->flush_id = g_timeout_add((guint)(ADVERTISEMENT_UPDATE_INTERVAL_MS - since_ms), flush_timer, adv);
}

/* The PROP_* whose values differ between a and b. */
static unsigned changed_props(const CfgAdvertising *a, char **a_uuids, const CfgAdvertising *b, char **b_uuids)
{
	unsigned props = 0;

	if (g_strcmp0(a->local_name, b->local_name) != 0)
		props |= PROP_LOCAL_NAME;
	if (!config_advertising_list_equal((const char *const *)a_uuids, (const char *const *)b_uuids))
		props |= PROP_SERVICE_UUIDS;
	if (!config_manufacturer_data_equal(a->manufacturer_data, b->manufacturer_data))
		props |= PROP_MANUFACTURER_DATA;
	if (!config_service_data_equal(a->service_data, b->service_data))
		props |= PROP_SERVICE_DATA;
	return props;
}

int advertisement_change(Advertisement *adv, const CfgAdvertisingChange *change, char **ret_error)
{
	CfgAdvertising next = { 0 };
	g_auto(GStrv) next_uuids = NULL;
	unsigned props;
	int r;

	r = config_advertising_apply(&adv->live, (const char *const *)adv->service_uuids, adv->base,
	                             (const char *const *)adv->base_uuids, change, &next, &next_uuids, ret_error);
	if (r < 0)
		return r;
	next.enabled = change->enabled >= 0 ? change->enabled > 0 : change->reset ? adv->base->enabled
	                                                                          : adv->live.enabled;
	props = changed_props(&adv->live, adv->service_uuids, &next, next_uuids);
	config_advertising_clear(&adv->live);
	adv->live = next;
	g_strfreev(adv->service_uuids);
	adv->service_uuids = g_steal_pointer(&next_uuids);
	schedule_flush(adv, props);
	return 0;
}

const CfgAdvertising *advertisement_get(const Advertisement *adv, const char *const **ret_uuids)
{
	if (ret_uuids)
		*ret_uuids = (const char *const *)adv->service_uuids;
	return &adv->live;
}

/* Say once per adapter what its bluetoothd leaves out of the scan response. */
static void tell_scan_response(const char *group, const char *adapter, const GattBluezFeatures *features)
{
	if (!features->scan_response)
		log_warning("[%s] ScanResponseManufacturerData / ScanResponseServiceData: left out on %s: its bluetoothd "
		            "is older than 5.80, which has no scan response properties", group, adapter);
	else
		log_info("[%s] ScanResponseManufacturerData / ScanResponseServiceData: bluetoothd 5.80 and later puts "
		         "them on the air only when it runs with --experimental (-E); without it, it leaves them out "
		         "without saying so", group);
}

void advertisement_set_features(Advertisement *adv, const GattBluezFeatures *features, const char *adapter)
{
	unsigned wanted = adv->base->secondary_channel;
	bool scan_response = adv->base->scan_manufacturer_data->len || adv->base->scan_service_data->len;
	g_autofree char *group = config_advertising_group(adv->base);
	g_autoptr(GString) offered = g_string_new(NULL);

	adv->secondary_ok = wanted && features->secondary_keeps_flags && (features->secondary_channels & wanted);
	/* Judged once the advertising manager is there: its properties say what the controller offers. */
	if (!adapter || !features->advertising || g_strcmp0(adv->said_on, adapter) == 0)
		return;
	g_free(adv->said_on);
	adv->said_on = g_strdup(adapter);
	if (scan_response)
		tell_scan_response(group, adapter, features);
	if (!wanted || adv->secondary_ok)
		return;
	config_secondary_channels_text(features->secondary_channels, offered);
	if (!features->secondary_keeps_flags)
		log_warning("[%s] SecondaryChannel=%s: left out on %s: its bluetoothd is older than 5.66, whose "
		            "SecondaryChannel drops the advertisement's connectable and discoverable flags and its "
		            "Includes; advertising the legacy way", group, config_secondary_channel_name(wanted), adapter);
	else
		log_warning("[%s] SecondaryChannel=%s: left out on %s, whose controller offers %s "
		            "(LEAdvertisingManager1.SupportedSecondaryChannels); advertising the legacy way", group,
		            config_secondary_channel_name(wanted), adapter, offered->str);
}

const char *advertisement_get_path(const Advertisement *adv)
{
	return adv->path;
}

const char *advertisement_get_name(const Advertisement *adv)
{
	return adv->base->name;
}

bool advertisement_is_changed(const Advertisement *adv)
{
	return !config_advertising_equal(&adv->live, (const char *const *)adv->service_uuids, adv->base,
	                                 (const char *const *)adv->base_uuids);
}

void advertisement_registered(Advertisement *adv)
{
	/*
	 * bluetoothd re-reads changed properties only once it has registered the
	 * advertisement: one changed while it registered may have missed it. Tell again
	 * what changed since the last registration (once; bluetoothd keeps it after).
	 */
	unsigned props = adv->told & PROP_ALL_CHANGEABLE;

	adv->told = 0;
	if (props) {
		adv->pending |= props;
		g_clear_handle_id(&adv->flush_id, g_source_remove);
		flush(adv);
	}
}

LISTENERS_DEFINE_ADD_REMOVE(Advertisement, advertisement, AdvertisementListener)
