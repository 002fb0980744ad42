/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * adv-pacing.c: holding the advertisement's RegisterAdvertisement back until the
 * queued signals are handled and the UnregisterAdvertisement before it is
 * answered (adv-pacing.h says why).
 */
#include "bluez/adv-pacing.h"

#include "dbus/message.h"

struct AdvPacing {
	BluezBus *bus;
	AdvPacingStart start;
	void *data;
	guint start_id;                 /* idle: start */
	bool start_unregister;          /* ... with unregister_first */
	DBusPendingCall *unregistering; /* UnregisterAdvertisement, until answered */
	bool register_held;             /* a Register waits for its answer */
};

AdvPacing *bluez_adv_pacing_new(BluezBus *bus, AdvPacingStart start, void *data)
{
	AdvPacing *pacing = g_new0(AdvPacing, 1);

	pacing->bus = bus;
	pacing->start = start;
	pacing->data = data;
	return pacing;
}

void bluez_adv_pacing_free(AdvPacing *pacing)
{
	if (!pacing)
		return;
	g_clear_handle_id(&pacing->start_id, g_source_remove);
	bluez_bus_cancel(&pacing->unregistering);
	g_free(pacing);
}

static gboolean start_now(gpointer data)
{
	AdvPacing *pacing = data;

	pacing->start_id = 0;
	pacing->start(pacing->data, pacing->start_unregister);
	return G_SOURCE_REMOVE;
}

void bluez_adv_pacing_start_soon(AdvPacing *pacing, bool unregister_first)
{
	pacing->start_unregister = unregister_first;
	if (!pacing->start_id)
		pacing->start_id = g_idle_add(start_now, pacing);
}

static void unregister_reply(DBusPendingCall *call, void *data)
{
	AdvPacing *pacing = data;
	g_autoptr(DBusMessage) reply = bluez_bus_take_reply(&pacing->unregistering, call);

	/* An error (DoesNotExist: bluetoothd had dropped it already) holds nothing either. */
	if (!reply || !pacing->register_held)
		return;
	pacing->register_held = false;
	if (!pacing->start_id) /* else start comes anyway */
		pacing->start(pacing->data, false);
}

void bluez_adv_pacing_unregister(AdvPacing *pacing, DBusMessage *msg)
{
	bluez_bus_cancel(&pacing->unregistering);
	pacing->unregistering = bluez_bus_call(pacing->bus, msg, unregister_reply, pacing);
}

bool bluez_adv_pacing_hold_register(AdvPacing *pacing)
{
	if (!pacing->unregistering)
		return false;
	pacing->register_held = true;
	return true;
}

void bluez_adv_pacing_drop_register(AdvPacing *pacing)
{
	pacing->register_held = false;
}

void bluez_adv_pacing_forget(AdvPacing *pacing)
{
	bluez_bus_cancel(&pacing->unregistering);
	pacing->register_held = false;
}
