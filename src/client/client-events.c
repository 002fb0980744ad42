/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client-events.c: event lines as GattdEvents (include/gattd/client.h, "events as C
 * values"): one table from gattd's event names to a kind and the reader of its
 * fields, and next_event on top of wait_event.
 *
 * The readers are the typed calls' own (a write as next-write reads it, a central as
 * devices does, ...), so an event and the reply it mirrors can't be read differently.
 * A name missing from the table is a newer gattd's event: GATTD_EVENT_UNKNOWN, not an
 * error, so that programs built today keep running against it.
 */
#include "client-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef int (*EventParse)(json_t *obj, GattdEvent *event);

void gattd_event_clear(GattdEvent *event)
{
	if (!event)
		return;
	free(event->name);
	free(event->json);
	free(event->chr);
	free(event->device);
	free(event->address);
	free(event->reason);
	gattd_write_clear(&event->write);
	free(event->adapter);
	free(event->adapter_address);
	client_device_clear(&event->central);
	free(event->passkey);
	gattd_pairing_clear(&event->pairing);
	free(event->advertisement_name);
	gattd_advertisement_clear(&event->advertisement);
	gattd_request_clear(&event->handler_request);
	gattd_pairing_request_clear(&event->pairing_request);
	*event = (GattdEvent){ 0 };
}

/* ---- the fields of each kind ---- */

/* A member that must be there, as a string or null (what gattd does not know). */
static bool has_string_or_null(json_t *obj, const char *name)
{
	json_t *node = json_object_get(obj, name);

	return json_is_string(node) || json_is_null(node);
}

/* "char" (as what every event may carry) was read by parse_common(): here it is required. */
static int parse_char(G_GNUC_UNUSED json_t *obj, GattdEvent *event)
{
	return event->chr ? 0 : -EPROTO;
}

static int parse_write(json_t *obj, GattdEvent *event)
{
	return client_write_parse(obj, false, &event->write);
}

static int parse_subscription(json_t *obj, GattdEvent *event)
{
	/* device and address: null when BlueZ did not say, but always there. */
	if (!has_string_or_null(obj, "device") || !has_string_or_null(obj, "address"))
		return -EPROTO;
	return parse_char(obj, event);
}

static int parse_capture_overflow(json_t *obj, GattdEvent *event)
{
	int r;

	if ((r = client_member_uint(obj, "dropped", UINT64_MAX, &event->dropped)) < 0 ||
	    (r = client_member_uint(obj, "overflows", UINT64_MAX, &event->overflows)) < 0)
		return r;
	return parse_char(obj, event);
}

static int parse_adapter(json_t *obj, GattdEvent *event)
{
	int r;

	if ((r = client_member_string(obj, "name", true, &event->adapter)) < 0 ||
	    (r = client_member_string(obj, "address", true, &event->adapter_address)) < 0 ||
	    (r = client_member_bool(obj, "powered", &event->adapter_powered)) < 0)
		return r;
	return 0;
}

static int parse_registered(json_t *obj, GattdEvent *event)
{
	return client_member_string(obj, "adapter", false, &event->adapter);
}

static int parse_reason(G_GNUC_UNUSED json_t *obj, GattdEvent *event)
{
	return event->reason ? 0 : -EPROTO;
}

static int parse_reloaded(json_t *obj, GattdEvent *event)
{
	return client_member_uint(obj, "generation", UINT64_MAX, &event->generation);
}

static int parse_central(json_t *obj, GattdEvent *event)
{
	return client_device_parse(obj, &event->central);
}

static int parse_disconnected(json_t *obj, GattdEvent *event)
{
	/* "reason": null when nobody said why, but always there. */
	if (!has_string_or_null(obj, "reason"))
		return -EPROTO;
	return parse_central(obj, event);
}

static int parse_pairing_failed(json_t *obj, GattdEvent *event)
{
	int r = client_member_uint_or_null(obj, "request", INT64_MAX, &event->request);

	if (r < 0)
		return r;
	if (!has_string_or_null(obj, "device") || !has_string_or_null(obj, "address"))
		return -EPROTO;
	return parse_reason(obj, event);
}

static int parse_passkey(json_t *obj, GattdEvent *event)
{
	return client_member_string(obj, "passkey", false, &event->passkey);
}

static int parse_pairable(json_t *obj, GattdEvent *event)
{
	return client_pairing_parse(obj, &event->pairing);
}

static int parse_advertisement(json_t *obj, GattdEvent *event)
{
	int r = client_member_string(obj, "advertisement", true, &event->advertisement_name);

	if (r < 0)
		return r;
	return client_advertisement_parse(obj, &event->advertisement);
}

static int parse_unhandled(json_t *obj, GattdEvent *event)
{
	int r = parse_char(obj, event);

	if (r < 0)
		return r;
	return parse_reason(obj, event);
}

static int parse_handler_request(json_t *obj, GattdEvent *event)
{
	int r = client_request_parse(obj, &event->handler_request);

	/* The table matched the name, so -ENOMSG cannot come; a bad field can. */
	return r == -ENOMSG ? -EPROTO : r;
}

static int parse_pairing_request(json_t *obj, GattdEvent *event)
{
	int r = client_pairing_request_parse(obj, &event->pairing_request);

	return r == -ENOMSG ? -EPROTO : r;
}

static const struct {
	const char *name;
	GattdEventKind kind;
	EventParse parse;
} event_table[] = {
	{ "write", GATTD_EVENT_WRITE, parse_write },
	{ "subscribed", GATTD_EVENT_SUBSCRIBED, parse_subscription },
	{ "unsubscribed", GATTD_EVENT_UNSUBSCRIBED, parse_subscription },
	{ "confirm", GATTD_EVENT_CONFIRM, parse_char },
	{ "capture-overflow", GATTD_EVENT_CAPTURE_OVERFLOW, parse_capture_overflow },
	{ "adapter", GATTD_EVENT_ADAPTER, parse_adapter },
	{ "registered", GATTD_EVENT_REGISTERED, parse_registered },
	{ "unregistered", GATTD_EVENT_UNREGISTERED, parse_reason },
	{ "reloaded", GATTD_EVENT_RELOADED, parse_reloaded },
	{ "connected", GATTD_EVENT_CONNECTED, parse_central },
	{ "disconnected", GATTD_EVENT_DISCONNECTED, parse_disconnected },
	{ "paired", GATTD_EVENT_PAIRED, parse_central },
	{ "pairing-failed", GATTD_EVENT_PAIRING_FAILED, parse_pairing_failed },
	{ "passkey", GATTD_EVENT_PASSKEY, parse_passkey },
	{ "pairable", GATTD_EVENT_PAIRABLE, parse_pairable },
	{ "advertisement", GATTD_EVENT_ADVERTISEMENT, parse_advertisement },
	{ "unhandled", GATTD_EVENT_UNHANDLED, parse_unhandled },
	{ "read-request", GATTD_EVENT_READ_REQUEST, parse_handler_request },
	{ "write-request", GATTD_EVENT_WRITE_REQUEST, parse_handler_request },
	{ "pairing-request", GATTD_EVENT_PAIRING_REQUEST, parse_pairing_request },
};

/* ---- parsing ---- */

/*
 * A top-level member any event may have, copied when it is a string: an unknown
 * event's "reason" may well be an object, which is its own business. The kinds that
 * need one check it is there.
 */
static int member_if_string(json_t *obj, const char *name, char **ret)
{
	const char *s = json_string_value(json_object_get(obj, name));

	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* What any event, known or not, has: its name, the line, and the common members when strings. */
static int parse_common(json_t *obj, const char *line, GattdEvent *event)
{
	json_t *name = json_object_get(obj, "event");
	int r;

	if (!name)
		return -ENOMSG;
	if (!json_is_string(name))
		return -EPROTO;
	if (!(event->name = strdup(json_string_value(name))) || !(event->json = strdup(line)))
		return -ENOMEM;
	if ((r = member_if_string(obj, "char", &event->chr)) < 0 ||
	    (r = member_if_string(obj, "device", &event->device)) < 0 ||
	    (r = member_if_string(obj, "address", &event->address)) < 0 ||
	    (r = member_if_string(obj, "reason", &event->reason)) < 0)
		return r;
	return 0;
}

static int parse_event(json_t *obj, const char *line, GattdEvent *event)
{
	int r = parse_common(obj, line, event);

	if (r < 0)
		return r;
	for (size_t i = 0; i < G_N_ELEMENTS(event_table); i++) {
		if (strcmp(event_table[i].name, event->name) == 0) {
			event->kind = event_table[i].kind;
			return event_table[i].parse(obj, event);
		}
	}
	event->kind = GATTD_EVENT_UNKNOWN;
	return 0;
}

int gattd_event_parse(const char *event_json, GattdEvent *ret)
{
	g_autoptr(json_t) obj = NULL;
	GattdEvent event = { 0 };
	int r;

	if (!event_json || !ret)
		return -EINVAL;
	obj = jread_object(event_json, strlen(event_json), NULL);
	if (!obj)
		return -EPROTO;
	r = parse_event(obj, event_json, &event);
	if (r < 0) {
		gattd_event_clear(&event);
		return r;
	}
	*ret = event;
	return 0;
}

int gattd_client_next_event(GattdClient *c, int timeout_ms, GattdEvent *ret)
{
	g_autofree char *line = NULL;
	int r;

	if (!c || !ret || timeout_ms < -1)
		return -EINVAL;
	r = gattd_client_wait_event(c, timeout_ms, &line);
	if (r < 0)
		return r;
	r = gattd_event_parse(line, ret);
	/* The line was classified as an event on arrival, so only a bad field fails. */
	return r == -ENOMSG ? -EPROTO : r;
}
