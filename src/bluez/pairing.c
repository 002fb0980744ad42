/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bluez/pairing.c: the driver's pairing duty (pairing.h). */
#include "bluez/pairing.h"

#include <string.h>

#include "bluez/adapter.h"
#include "bluez/agent-manager.h"
#include "dbus/message.h"
#include "shared/log.h"

struct BluezPairing {
	BluezAgent *agent;
	BluezAgentManager *manager;
	BluezBus *bus;
	DBusPendingCall *pairable_call; /* Set(Pairable, true) in flight */
	char *pairable_path;            /* its adapter */
	guint retry_id;               /* LC_ACT_SCHEDULE_AGENT_RETRY */
	BluezPairingEmit emit;
	void *data;
};

static void registered(int err, const char *error, void *data)
{
	BluezPairing *pairing = data;

	if (err < 0)
		log_warning("cannot register the pairing agent: %s; retrying", error);
	else
		log_info("pairing agent registered as bluetoothd's default (%s)", bluez_agent_capability(pairing->agent));
	pairing->emit(err < 0 ? LC_EV_AGENT_FAILED : LC_EV_AGENT_OK, pairing->data);
}

static gboolean retry_fired(gpointer data)
{
	BluezPairing *pairing = data;

	pairing->retry_id = 0;
	pairing->emit(LC_EV_AGENT_RETRY_TIMER, pairing->data);
	return G_SOURCE_REMOVE;
}

static void released(BluezAgent *agent, void *data)
{
	BluezPairing *pairing = data;

	pairing->emit(LC_EV_AGENT_RELEASED, pairing->data);
}

static const BluezAgentListener agent_listener = {
	.released = released,
};

void bluez_pairing_execute(BluezPairing *pairing, const LcOutput *out)
{
	unsigned a = out->actions;

	if (a & LC_ACT_CANCEL_AGENT) {
		bluez_agent_manager_cancel(pairing->manager);
		g_clear_handle_id(&pairing->retry_id, g_source_remove);
		/* The agent is no longer bluetoothd's default: Pairable is no longer ours to keep. */
		bluez_bus_cancel(&pairing->pairable_call);
	}
	if (a & LC_ACT_UNREGISTER_AGENT)
		bluez_agent_manager_unregister(pairing->manager);
	if (a & LC_ACT_REGISTER_AGENT)
		bluez_agent_manager_register(pairing->manager, bluez_agent_capability(pairing->agent));
	if (a & LC_ACT_SCHEDULE_AGENT_RETRY) {
		g_clear_handle_id(&pairing->retry_id, g_source_remove);
		pairing->retry_id = g_timeout_add(out->agent_retry_ms, retry_fired, pairing);
	}
}

bool bluez_pairing_reload(BluezPairing *pairing, const CfgPairing *cfg, bool was_enabled)
{
	g_autofree char *capability = g_strdup(bluez_agent_capability(pairing->agent));
	bool enabled = cfg->method != PAIRING_OFF;

	bluez_agent_set_config(pairing->agent, cfg);
	return enabled != was_enabled || (enabled && strcmp(capability, bluez_agent_capability(pairing->agent)) != 0);
}

BluezAgent *bluez_pairing_agent(BluezPairing *pairing)
{
	return pairing->agent;
}

static void pairable_reply(DBusPendingCall *call, void *data)
{
	BluezPairing *pairing = data;
	g_autoptr(DBusMessage) reply = dbus_pending_call_steal_reply(call);
	const char *name = adapter_name_for_path(pairing->pairable_path);

	dbus_pending_call_unref(pairing->pairable_call);
	pairing->pairable_call = NULL;
	if (dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_ERROR) {
		log_debug("%s: Set(Pairable) answered", name);
		return;
	}
	log_warning("cannot make %s pairable again: %s%s%s; centrals' pairing is refused (\"Pairing not supported\") "
	            "until it is (bluetoothctl pairable on)",
	            name, dbus_message_get_error_name(reply), *bluez_bus_error_text(reply) ? ": " : "",
	            bluez_bus_error_text(reply));
}

void bluez_pairing_keep_pairable(BluezPairing *pairing, const char *path)
{
	g_autoptr(DBusMessage) msg = NULL;
	dbus_bool_t on = TRUE;

	if (pairing->pairable_call)
		return;
	log_notice("%s is not pairable while gattd is bluetoothd's pairing agent: making it pairable (gattd keeps it "
	           "so; [Pairing] Method=off or Pairable=on-request stop pairing)",
	           adapter_name_for_path(path));
	g_free(pairing->pairable_path);
	pairing->pairable_path = g_strdup(path);
	msg = bus_new_property_set(BLUEZ_SERVICE, path, ADAPTER_IFACE, "Pairable", DBUS_TYPE_BOOLEAN, &on);
	pairing->pairable_call = bluez_bus_call(pairing->bus, msg, pairable_reply, pairing);
}

BluezPairing *bluez_pairing_new(BusExporter *exporter, BluezBus *bus, const CfgPairing *cfg, GattCentrals *centrals,
                                BluezPairingEmit emit, void *data)
{
	BluezPairing *pairing = g_new0(BluezPairing, 1);

	pairing->emit = emit;
	pairing->data = data;
	pairing->bus = bus;
	pairing->agent = bluez_agent_new(exporter, cfg, centrals);
	bluez_agent_add_listener(pairing->agent, &agent_listener, pairing);
	pairing->manager = bluez_agent_manager_new(bus, registered, pairing);
	return pairing;
}

void bluez_pairing_free(BluezPairing *pairing)
{
	if (!pairing)
		return;
	g_clear_handle_id(&pairing->retry_id, g_source_remove);
	bluez_bus_cancel(&pairing->pairable_call);
	g_free(pairing->pairable_path);
	bluez_agent_manager_free(pairing->manager);
	bluez_agent_free(pairing->agent);
	g_free(pairing);
}
