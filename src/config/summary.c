/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * summary.c: config_summary(), the human-readable account of a loaded
 * configuration that --check-config prints: the adapter and socket settings,
 * the advertisement, pairing, and every service, characteristic and descriptor with its
 * UUID, flags and initial value. Values are cut short and text escaped, so the
 * summary stays readable and no value can forge a line of it.
 */
#include "config/config.h"

#include "config/advertising.h"
#include "config/presentation.h"

#include <string.h>

#include "shared/escape.h"

/* Longest values shown in full in a summary; the rest is elided. */
#define SUMMARY_HEX_MAX 32
#define SUMMARY_TEXT_MAX 80

static char *uuid_display_dup(const char *uuid)
{
	char out[UUID_STR_LEN + 1];

	uuid_to_display(uuid, out);
	return g_strdup(out);
}

static char *summary_hex(const guint8 *data, size_t len)
{
	g_autofree char *hex = value_to_hex(data, MIN(len, (size_t) SUMMARY_HEX_MAX));

	if (len > SUMMARY_HEX_MAX)
		return g_strdup_printf("%s... (%zu bytes)", hex, len);
	return g_steal_pointer(&hex);
}

/*
 * "u8:100 (hex 64)", "utf8:hi (hex 6869)", "hex:0102" or "empty". Text is
 * escaped so a value with a newline cannot forge summary lines.
 */
static char *summary_value(ValueType type, GBytes *value)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(value, &len);
	g_autofree char *hex = summary_hex(data, len);
	g_autofree char *text = NULL;

	if (len == 0 && value_type_size(type) == 0)
		return g_strdup("empty");
	if (type != VALUE_TYPE_HEX)
		text = value_format(type, data, len);
	if (text) {
		g_autofree char *shown = escape_text_cut(text, SUMMARY_TEXT_MAX);
		return g_strdup_printf("%s:%s (hex %s)", value_type_name(type), shown, hex);
	}
	return g_strdup_printf("hex:%s", hex);
}

static void summary_adapter(GString *out, const GattdConfig *config)
{
	g_autofree char *socket_path = escape_text(config->socket_path);

	switch (config->adapter_match) {
	case ADAPTER_MATCH_AUTO:
		g_string_append(out, "Adapter: auto (the first adapter that offers GATT)\n");
		break;
	case ADAPTER_MATCH_NAME:
		g_string_append_printf(out, "Adapter: %s\n", config->adapter);
		break;
	case ADAPTER_MATCH_ADDRESS:
		g_string_append_printf(out, "Adapter: address %s\n", config->adapter);
		break;
	}
	g_string_append(out, config->auto_power_on ? "Adapter power: turned on when found off (AutoPowerOn=true)\n"
	                                           : "Adapter power: left as found (AutoPowerOn=false)\n");
	g_string_append_printf(out, "BlueZ retries: after %u ms, backing off to %u ms\n", config->retry_min_ms,
	                       config->retry_max_ms);
	g_string_append_printf(out, "Client socket: %s (mode %04o%s%s), at most %u clients\n", socket_path,
	                       config->socket_mode, config->socket_group ? ", group " : "",
	                       config->socket_group ? config->socket_group : "", config->max_clients);
}

/* One line per manufacturer data and service data item, each label after prefix. */
static void summary_data(GString *out, const char *prefix, const GPtrArray *manufacturer_data,
                         const GPtrArray *service_data)
{
	for (guint i = 0; i < manufacturer_data->len; i++) {
		const CfgManufacturerData *m = g_ptr_array_index(manufacturer_data, i);
		g_autofree char *value = summary_value(VALUE_TYPE_HEX, m->data);

		g_string_append_printf(out, "  %smanufacturer data 0x%04x: %s\n", prefix, m->company_id, value);
	}
	for (guint i = 0; i < service_data->len; i++) {
		const CfgServiceData *sd = g_ptr_array_index(service_data, i);
		g_autofree char *uuid = uuid_display_dup(sd->uuid);
		g_autofree char *value = summary_value(VALUE_TYPE_HEX, sd->data);

		g_string_append_printf(out, "  %sservice data %s: %s\n", prefix, uuid, value);
	}
}

static void summary_advertising(GString *out, const GattdConfig *config, const CfgAdvertising *adv)
{
	g_auto(GStrv) advertised = config_advertising_uuids(config, adv);
	g_autofree char *title = config_advertising_group(adv);

	if (!adv->enabled) {
		g_string_append_printf(out, "%s: disabled\n", title);
		return;
	}
	g_string_append_printf(out, "%s: %s", title, adv->type);
	if (adv->local_name)
		g_string_append_printf(out, ", local name \"%s\"", adv->local_name);
	if (adv->has_appearance)
		g_string_append_printf(out, ", appearance 0x%04x", adv->appearance);
	if (!adv->discoverable)
		g_string_append(out, ", not discoverable");
	else if (adv->discoverable_timeout)
		g_string_append_printf(out, ", discoverable for %u s", adv->discoverable_timeout);
	else
		g_string_append(out, ", discoverable");
	if (adv->pause_while_connected)
		g_string_append(out, ", paused while a central is connected");
	g_string_append_c(out, '\n');

	if (advertised[0]) {
		g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func(g_free);
		g_autofree char *list = NULL;

		for (size_t i = 0; advertised[i]; i++)
			g_ptr_array_add(uuids, uuid_display_dup(advertised[i]));
		g_ptr_array_add(uuids, NULL);
		list = g_strjoinv(", ", (char **)uuids->pdata);
		g_string_append_printf(out, "  service UUIDs: %s\n", list);
	}
	if (adv->includes[0]) {
		g_autofree char *list = g_strjoinv(", ", adv->includes);
		g_string_append_printf(out, "  includes: %s\n", list);
	}
	summary_data(out, "", adv->manufacturer_data, adv->service_data);
	if (adv->solicit_uuids[0]) {
		g_string_append(out, "  solicit UUIDs:");
		for (size_t i = 0; adv->solicit_uuids[i]; i++) {
			g_autofree char *uuid = uuid_display_dup(adv->solicit_uuids[i]);
			g_string_append_printf(out, "%s %s", i > 0 ? "," : "", uuid);
		}
		g_string_append_c(out, '\n');
	}
	if (adv->min_interval_ms)
		g_string_append_printf(out, "  interval: %u..%u ms\n", adv->min_interval_ms, adv->max_interval_ms);
	if (adv->has_tx_power)
		g_string_append_printf(out, "  tx power: %d dBm\n", adv->tx_power);
	if (adv->secondary_channel)
		g_string_append_printf(out, "  secondary channel: %s (where the adapter offers it)\n",
		                       config_secondary_channel_name(adv->secondary_channel));
	{
		g_autoptr(GString) parts = g_string_new(NULL);
		unsigned bytes = config_advertising_size(adv, (const char *const *)advertised, parts);

		g_string_append_printf(out, "  advertising data: %u of %d bytes (%s)\n", bytes, CONFIG_ADV_LEGACY_MAX,
		                       parts->str);
	}
	summary_data(out, "scan response ", adv->scan_manufacturer_data, adv->scan_service_data);
	{
		g_autoptr(GString) parts = g_string_new(NULL);
		unsigned bytes = config_advertising_scan_size(adv, parts);

		if (bytes)
			g_string_append_printf(out, "  scan response: %u of %d bytes (%s)\n", bytes, CONFIG_ADV_LEGACY_MAX,
			                       parts->str);
	}
}

/* "reads and writes" for Handler= bits. */
static const char *handler_text(unsigned handler)
{
	if (handler == (CFG_HANDLE_READ | CFG_HANDLE_WRITE))
		return "reads and writes";
	return handler == CFG_HANDLE_READ ? "reads" : "writes";
}

static void summary_descriptor(GString *out, const CfgDescriptor *d)
{
	g_autofree char *uuid = uuid_display_dup(d->uuid);
	g_autofree char *flags = g_strjoinv(", ", d->flags);
	/* A user description is text by definition; other descriptors have no Type=. */
	ValueType type = strcmp(d->uuid, CONFIG_UUID_USER_DESCRIPTION) == 0 ? VALUE_TYPE_UTF8 : VALUE_TYPE_HEX;
	g_autofree char *value = summary_value(type, d->value);

	g_string_append_printf(out, "    Descriptor %s: UUID %s, flags %s\n", d->id, uuid, flags);
	g_string_append_printf(out, "      value %s, max length %u\n", value, d->max_length);
	if (strcmp(d->uuid, CONFIG_UUID_PRESENTATION_FORMAT) == 0) {
		g_autofree char *presentation = config_presentation_describe(d->value);

		if (presentation)
			g_string_append_printf(out, "      presentation: %s\n", presentation);
	}
	if (d->handler) {
		g_autofree char *chr_id = g_path_get_dirname(d->id);

		g_string_append_printf(out, "      handler: %s answered by the local client handling %s\n",
		                       handler_text(d->handler), chr_id);
	}
}

static void summary_characteristic(GString *out, const CfgCharacteristic *c)
{
	g_autofree char *uuid = uuid_display_dup(c->uuid);
	g_autofree char *flags = g_strjoinv(", ", c->flags);
	g_autofree char *value = summary_value(c->type, c->value);

	g_string_append_printf(out, "  Characteristic %s: UUID %s, flags %s\n", c->id, uuid, flags);
	g_string_append_printf(out, "    type %s, value %s, max length %u\n",
	                       c->has_type ? value_type_name(c->type) : "hex (none given)", value, c->max_length);
	if (c->capture)
		g_string_append_printf(out, "    capture: up to %u writes queued for local clients\n", c->capture);
	if (c->handler & CFG_HANDLE_WRITE)
		g_string_append_printf(out, "    handler: %s answered by a local client; without one, writes are %s%s\n",
		                       handler_text(c->handler), c->handler_store ? "stored" : "refused",
		                       g_strv_contains((const char *const *)c->flags, "write-without-response")
		                               ? " (write-without-response: centrals never hear of a refusal)"
		                               : "");
	else if (c->handler)
		g_string_append(out, "    handler: reads answered by a local client; without one, the stored value\n");
	for (guint i = 0; i < c->descriptors->len; i++)
		summary_descriptor(out, g_ptr_array_index(c->descriptors, i));
}

/* "Pairing: passkey (KeyboardOnly), pairable on request for 120 s"; never the passkey itself. */
static void summary_pairing(GString *out, const GattdConfig *config)
{
	const CfgPairing *p = &config->pairing;

	if (p->method == PAIRING_OFF) {
		g_string_append(out, "Pairing: off (gattd is not the pairing agent; bluetoothd refuses pairings)\n");
		return;
	}
	g_string_append_printf(out, "Pairing: %s", config_pairing_method_name(p->method));
	if (p->method == PAIRING_PASSKEY)
		g_string_append(out, " (the configured passkey)");
	else if (p->method == PAIRING_CONFIRM)
		g_string_append_printf(out, " (a local client answers within %u ms)", p->confirm_timeout_ms);
	if (p->pairable_always)
		g_string_append(out, ", always pairable\n");
	else
		g_string_append_printf(out, ", pairable on request (windows of %u s by default)\n", p->pairable_seconds);
}

char *config_summary(const GattdConfig *config)
{
	g_autofree char *dir = escape_text(config->config_dir);
	GString *out = g_string_new(NULL);
	unsigned n_services, n_characteristics, n_descriptors;

	g_string_append_printf(out, "Configuration: %s\n", dir);
	summary_adapter(out, config);
	summary_advertising(out, config, &config->advertising);
	for (guint i = 0; i < config->advertisements->len; i++)
		summary_advertising(out, config, config->advertisements->pdata[i]);
	summary_pairing(out, config);

	for (guint i = 0; i < config->services->len; i++) {
		const CfgService *service = g_ptr_array_index(config->services, i);
		g_autofree char *uuid = uuid_display_dup(service->uuid);

		g_string_append_printf(out, "Service %s: UUID %s, %s%s\n", service->id, uuid,
		                       service->primary ? "primary" : "secondary",
		                       service->advertise ? ", advertised" : "");
		for (guint j = 0; j < service->characteristics->len; j++)
			summary_characteristic(out, g_ptr_array_index(service->characteristics, j));
	}

	config_count(config, &n_services, &n_characteristics, &n_descriptors);
	g_string_append_printf(out, "%u services, %u characteristics, %u descriptors\n", n_services,
	                       n_characteristics, n_descriptors);
	return g_string_free(out, FALSE);
}

