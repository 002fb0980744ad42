/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluez/agent.c: org.bluez.Agent1 (agent.h). bluetoothd calls the default agent
 * for a central's pairing (src/device.c new_auth; with Linux 5.8 and later the
 * kernel asks even for Just Works with NoInputNoOutput), so every pairing passes
 * through here: the window check happens before any answer, and any D-Bus error
 * rejects the pairing (device.c confirm_cb, passkey_cb), leaving no bond.
 *
 * Method=confirm holds bluetoothd's call while a local client decides. bluetoothd
 * asks an agent one thing at a time (src/agent.c: a second request is EBUSY), so
 * one held call is all there is; a second is refused rather than queued. bluetoothd
 * gives an agent 60 s, and the kernel ends the pairing 30 s after it began: hence
 * ConfirmTimeoutMs's range.
 */
#include "bluez/agent.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <glib.h>

#include "bluez/pairable.h"
#include "dbus/message.h"
#include "shared/bdaddr.h"
#include "shared/log.h"

#define AGENT_IFACE "org.bluez.Agent1"

struct BluezAgent {
	BusExporter *exporter;
	CfgPairing cfg;
	BluezPairable window;
	guint window_timer_id;        /* closes an on-request window */
	GattCentrals *centrals;       /* device paths to addresses */
	ListenerList listeners;       /* BluezAgentListener */
	/* Method=confirm: the call held for the confirmer (held NULL when none) */
	DBusMessage *held;
	BluezConfirmRequest asked;    /* its request (device and address: the two below) */
	char *asked_device, *asked_address;
	guint held_timer_id;          /* ConfirmTimeoutMs */
	uint64_t next_request;        /* ids handed out so far + 1 */
};

#define REPORT(agent, member, ...) LISTENERS_REPORT(&(agent)->listeners, BluezAgentListener, member, agent, ##__VA_ARGS__)

/* The central's address for messages: the roster's, else the path's own, else the path. */
static char *device_address(BluezAgent *agent, const char *device)
{
	const GattCentral *central = gatt_centrals_lookup(agent->centrals, device);
	char *address;

	if (central && central->address)
		return g_strdup(central->address);
	address = bdaddr_from_device_path(device);
	return address ? address : g_strdup(device);
}

static const char *device_arg(DBusMessage *msg)
{
	const char *device = NULL;

	/* The exporter checked the signature: the first argument is the device's path. */
	dbus_message_get_args(msg, NULL, DBUS_TYPE_OBJECT_PATH, &device, DBUS_TYPE_INVALID);
	return device ? device : "";
}

static bool window_open(const BluezAgent *agent)
{
	return bluez_pairable_is_open(&agent->window, g_get_monotonic_time());
}

/* Refuse a pairing step: the central's pairing fails and nothing is stored. */
static DBusMessage *refuse(BluezAgent *agent, DBusMessage *msg, const char *reason, const char *why)
{
	const char *device = device_arg(msg);
	g_autofree char *address = device_address(agent, device);

	log_notice("pairing with %s refused: %s", address, why);
	REPORT(agent, failed, device, address, reason, 0);
	return bus_error_reply(msg, -ECONNREFUSED, "%s", why);
}

/*
 * Refused while the window is closed, or for a device of another adapter (as the
 * default agent gattd is asked for every adapter of bluetoothd); NULL when it may go on.
 */
static DBusMessage *refuse_if_closed(BluezAgent *agent, DBusMessage *msg)
{
	if (!gatt_centrals_on_adapter(agent->centrals, device_arg(msg)))
		return refuse(agent, msg, "rejected", "the device is not on gattd's adapter");
	if (window_open(agent))
		return NULL;
	return refuse(agent, msg, "not-pairable",
	              "not pairable now (Pairable=on-request: open a window with the pairable command)");
}

/* ---- Method=confirm: the held call ---- */

/* Drop the held call, answering it (accept, or Rejected with why) unless bluetoothd gave up on it. */
static void settle(BluezAgent *agent, bool answer, bool accept, const char *why)
{
	g_autoptr(DBusMessage) msg = g_steal_pointer(&agent->held);

	g_clear_handle_id(&agent->held_timer_id, g_source_remove);
	if (answer && msg) {
		g_autoptr(DBusMessage) reply = accept ? dbus_message_new_method_return(msg)
		                                      : bus_error_reply(msg, -ECONNREFUSED, "%s", why);

		bus_exporter_send(agent->exporter, reply);
	}
}

/* The held request ended without the confirmer's yes: tell the listeners, then forget it. */
static void settle_failed(BluezAgent *agent, bool answer, const char *reason, const char *why)
{
	g_autofree char *device = g_steal_pointer(&agent->asked_device);
	g_autofree char *address = g_steal_pointer(&agent->asked_address);
	uint64_t id = agent->asked.id;

	log_notice("pairing with %s refused: %s", address, why);
	settle(agent, answer, false, why);
	REPORT(agent, failed, device, address, reason, id);
}

static gboolean held_timed_out(gpointer data)
{
	BluezAgent *agent = data;

	agent->held_timer_id = 0;
	settle_failed(agent, true, "timeout", "the confirmer did not answer within ConfirmTimeoutMs");
	return G_SOURCE_REMOVE;
}

/* RequestConfirmation or RequestAuthorization with Method=confirm: ask the confirmer, answer later. */
static DBusMessage *ask_confirmer(BluezAgent *agent, DBusMessage *msg, BluezConfirmKind kind, unsigned passkey)
{
	DBusMessage *closed = refuse_if_closed(agent, msg);
	const char *device = device_arg(msg);
	int r = -ENOENT;

	if (closed)
		return closed;
	if (agent->held)
		return refuse(agent, msg, "rejected", "another pairing is waiting for its confirmation");
	if (kind == BLUEZ_CONFIRM_NUMBER && passkey > PAIRING_PASSKEY_MAX)
		return refuse(agent, msg, "rejected", "bluetoothd's number to compare is out of range");
	agent->asked_device = g_strdup(device);
	agent->asked_address = device_address(agent, device);
	agent->asked = (BluezConfirmRequest){
		.id = agent->next_request++,
		.kind = kind,
		.device = agent->asked_device,
		.address = agent->asked_address,
		.passkey = kind == BLUEZ_CONFIRM_NUMBER ? passkey : 0,
		.deadline = g_get_monotonic_time() + (int64_t)agent->cfg.confirm_timeout_ms * 1000,
	};
	agent->held = dbus_message_ref(msg);
	agent->held_timer_id = g_timeout_add(agent->cfg.confirm_timeout_ms, held_timed_out, agent);
	log_info("pairing with %s: request %" PRIu64 " (%s) goes to the confirmer", agent->asked.address,
	         agent->asked.id, kind == BLUEZ_CONFIRM_NUMBER ? "numeric comparison" : "Just Works");
	LISTENERS_ASK(&agent->listeners, BluezAgentListener, confirm, r, agent, &agent->asked);
	/* Still held (one at a time: this request): nobody answered from inside the call. */
	if (r < 0 && agent->held) {
		settle_failed(agent, false, "no-confirmer",
		              "Method=confirm, but no local client confirms pairings (handle-pairing)");
		return bus_error_reply(msg, -ECONNREFUSED, "no local client confirms pairings");
	}
	return NULL;
}

int bluez_agent_answer(BluezAgent *agent, uint64_t id, BluezConfirmAnswer answer)
{
	if (id == 0 || id >= agent->next_request)
		return -ENOENT;
	if (!agent->held || agent->asked.id != id)
		return -ESTALE;
	if (answer == BLUEZ_CONFIRM_NOBODY) {
		settle_failed(agent, true, "no-confirmer", "the confirmer left without answering");
		return 0;
	}
	if (answer == BLUEZ_CONFIRM_REJECT) {
		settle_failed(agent, true, "rejected", "the confirmer rejected it");
		return 0;
	}
	log_info("pairing with %s: request %" PRIu64 " accepted by the confirmer", agent->asked.address, id);
	settle(agent, true, true, NULL);
	g_clear_pointer(&agent->asked_device, g_free);
	g_clear_pointer(&agent->asked_address, g_free);
	return 0;
}

static DBusMessage *agent_release(BusExporter *exporter, DBusMessage *msg, void *object)
{
	BluezAgent *agent = object;

	log_info("bluetoothd released the pairing agent");
	if (agent->held)
		settle_failed(agent, false, "canceled", "bluetoothd released the agent");
	REPORT(agent, released);
	return dbus_message_new_method_return(msg);
}

/* Accepted with Method=just-works while pairable (how: for the log); else refused with why_not. */
static DBusMessage *answer_just_works(BluezAgent *agent, DBusMessage *msg, const char *how, const char *why_not)
{
	DBusMessage *closed = refuse_if_closed(agent, msg);
	g_autofree char *address = NULL;

	if (closed)
		return closed;
	if (agent->cfg.method != PAIRING_JUST_WORKS)
		return refuse(agent, msg, "rejected", why_not);
	address = device_address(agent, device_arg(msg));
	log_info("pairing with %s: %s", address, how);
	return dbus_message_new_method_return(msg);
}

/* Just Works: the central has no way to show or enter a number, or asked for no protection. */
static DBusMessage *agent_request_authorization(BusExporter *exporter, DBusMessage *msg, void *object)
{
	BluezAgent *agent = object;

	if (agent->cfg.method == PAIRING_CONFIRM)
		return ask_confirmer(agent, msg, BLUEZ_CONFIRM_JUST_WORKS, 0);
	g_autofree char *why_not = g_strdup_printf("the central asked for Just Works, which Method=%s does not allow",
	                                           config_pairing_method_name(agent->cfg.method));

	return answer_just_works(agent, msg, "Just Works accepted", why_not);
}

/* Numeric comparison: with NoInputNoOutput bluetoothd asks this only if the central insists. */
static DBusMessage *agent_request_confirmation(BusExporter *exporter, DBusMessage *msg, void *object)
{
	BluezAgent *agent = object;
	const char *device = NULL;
	dbus_uint32_t passkey = 0;

	if (agent->cfg.method == PAIRING_CONFIRM) {
		dbus_message_get_args(msg, NULL, DBUS_TYPE_OBJECT_PATH, &device, DBUS_TYPE_UINT32, &passkey,
		                      DBUS_TYPE_INVALID);
		return ask_confirmer(agent, msg, BLUEZ_CONFIRM_NUMBER, passkey);
	}
	return answer_just_works(object, msg, "accepted as Just Works (nobody here can compare the numbers)",
	                         "numeric comparison needs someone to compare; nobody here can");
}

static DBusMessage *agent_request_passkey(BusExporter *exporter, DBusMessage *msg, void *object)
{
	BluezAgent *agent = object;
	DBusMessage *closed = refuse_if_closed(agent, msg);
	g_autofree char *address = NULL;
	dbus_uint32_t passkey = agent->cfg.passkey;
	DBusMessage *reply;

	if (closed)
		return closed;
	if (agent->cfg.method != PAIRING_PASSKEY)
		return refuse(agent, msg, "rejected", "asked to enter a passkey, but Method= is not passkey");
	address = device_address(agent, device_arg(msg));
	log_info("pairing with %s: entering the configured passkey", address);
	reply = dbus_message_new_method_return(msg);
	dbus_message_append_args(reply, DBUS_TYPE_UINT32, &passkey, DBUS_TYPE_INVALID);
	return reply;
}

/* No answer expected (bluetoothd sends it without waiting); an error still reaches its log only. */
static DBusMessage *agent_display_passkey(BusExporter *exporter, DBusMessage *msg, void *object)
{
	BluezAgent *agent = object;
	const char *device = NULL;
	dbus_uint32_t passkey = 0;
	dbus_uint16_t entered = 0;
	g_autofree char *address = NULL;

	dbus_message_get_args(msg, NULL, DBUS_TYPE_OBJECT_PATH, &device, DBUS_TYPE_UINT32, &passkey,
	                      DBUS_TYPE_UINT16, &entered, DBUS_TYPE_INVALID);
	address = device_address(agent, device);
	if (!gatt_centrals_on_adapter(agent->centrals, device)) {
		log_notice("pairing with %s: a passkey for a device of another adapter; shown to nobody", address);
		return dbus_message_new_method_return(msg);
	}
	if (agent->cfg.method != PAIRING_DISPLAY && agent->cfg.method != PAIRING_CONFIRM) {
		log_notice("pairing with %s: bluetoothd has a passkey shown, but Method= is not display or confirm: "
		           "nobody sees it and the pairing will fail", address);
		return dbus_message_new_method_return(msg);
	}
	if (!window_open(agent)) {
		log_notice("pairing with %s: not pairable now, so the passkey is shown to nobody", address);
		REPORT(agent, failed, device, address, "not-pairable", 0);
		return dbus_message_new_method_return(msg);
	}
	if (passkey > PAIRING_PASSKEY_MAX) {
		log_warning("pairing with %s: bluetoothd's passkey is out of range; not shown", address);
		return dbus_message_new_method_return(msg);
	}
	log_info("pairing with %s: passkey sent to clients for display", address);
	REPORT(agent, passkey, device, address, passkey);
	return dbus_message_new_method_return(msg);
}

/* PIN codes are BR/EDR legacy pairing; gattd serves LE. */
static DBusMessage *agent_request_pin_code(BusExporter *exporter, DBusMessage *msg, void *object)
{
	return refuse(object, msg, "rejected", "PIN codes are for BR/EDR; gattd pairs LE centrals");
}

static DBusMessage *agent_display_pin_code(BusExporter *exporter, DBusMessage *msg, void *object)
{
	return refuse(object, msg, "rejected", "PIN codes are for BR/EDR; gattd pairs LE centrals");
}

/* BR/EDR profile connections of untrusted devices; never GATT. */
static DBusMessage *agent_authorize_service(BusExporter *exporter, DBusMessage *msg, void *object)
{
	return refuse(object, msg, "rejected", "service authorization is for BR/EDR profiles");
}

static DBusMessage *agent_cancel(BusExporter *exporter, DBusMessage *msg, void *object)
{
	BluezAgent *agent = object;

	/* bluetoothd cancelled its own call: no answer to it. Only a held one says whose it was. */
	log_info("bluetoothd cancelled a pairing request (the link went, or it timed out)");
	if (agent->held)
		settle_failed(agent, false, "canceled", "bluetoothd cancelled it while the confirmer decided");
	else
		REPORT(agent, failed, NULL, NULL, "canceled", 0);
	return dbus_message_new_method_return(msg);
}

static const BusMethod agent_methods[] = {
	{ "Release", "", "", agent_release },
	{ "RequestPinCode", "o", "s", agent_request_pin_code },
	{ "DisplayPinCode", "os", "", agent_display_pin_code },
	{ "RequestPasskey", "o", "u", agent_request_passkey },
	{ "DisplayPasskey", "ouq", "", agent_display_passkey },
	{ "RequestConfirmation", "ou", "", agent_request_confirmation },
	{ "RequestAuthorization", "o", "", agent_request_authorization },
	{ "AuthorizeService", "os", "", agent_authorize_service },
	{ "Cancel", "", "", agent_cancel },
	{ NULL },
};

static const BusInterface agent_interface = {
	.name = AGENT_IFACE,
	.methods = agent_methods,
};

/* ---- the pairing window ---- */

static gboolean window_closed(gpointer data)
{
	BluezAgent *agent = data;

	agent->window_timer_id = 0;
	if (bluez_pairable_remaining_ms(&agent->window, g_get_monotonic_time()) > 0) {
		/* Woken early (timers round): wait out the rest. */
		agent->window_timer_id = g_timeout_add(
		        (guint)bluez_pairable_remaining_ms(&agent->window, g_get_monotonic_time()), window_closed,
		        agent);
		return G_SOURCE_REMOVE;
	}
	log_info("the pairing window closed");
	REPORT(agent, pairable_changed);
	return G_SOURCE_REMOVE;
}

int bluez_agent_open_window(BluezAgent *agent, unsigned seconds)
{
	int r;

	if (agent->cfg.method == PAIRING_OFF)
		return -EOPNOTSUPP;
	if (!seconds)
		seconds = agent->cfg.pairable_seconds;
	r = bluez_pairable_open(&agent->window, seconds, g_get_monotonic_time());
	if (r < 0)
		return r;
	g_clear_handle_id(&agent->window_timer_id, g_source_remove);
	agent->window_timer_id = g_timeout_add_seconds(seconds, window_closed, agent);
	log_info("the pairing window is open for %u s", seconds);
	REPORT(agent, pairable_changed);
	return 0;
}

int bluez_agent_close_window(BluezAgent *agent)
{
	bool was_open;
	int r;

	if (agent->cfg.method == PAIRING_OFF)
		return -EOPNOTSUPP;
	was_open = window_open(agent);
	r = bluez_pairable_close(&agent->window);
	if (r < 0)
		return r;
	g_clear_handle_id(&agent->window_timer_id, g_source_remove);
	if (was_open) {
		log_info("the pairing window was closed");
		REPORT(agent, pairable_changed);
	}
	return 0;
}

bool bluez_agent_is_pairable(const BluezAgent *agent, int64_t *ret_remaining_ms)
{
	int64_t now = g_get_monotonic_time();

	if (ret_remaining_ms)
		*ret_remaining_ms = bluez_pairable_remaining_ms(&agent->window, now);
	return agent->cfg.method != PAIRING_OFF && bluez_pairable_is_open(&agent->window, now);
}

/* ---- public ---- */

const char *bluez_agent_capability(const BluezAgent *agent)
{
	switch (agent->cfg.method) {
	case PAIRING_PASSKEY:
		return "KeyboardOnly";
	case PAIRING_DISPLAY:
		return "DisplayOnly";
	case PAIRING_CONFIRM:
		return "DisplayYesNo";
	case PAIRING_JUST_WORKS:
	case PAIRING_OFF:
		break;
	}
	return "NoInputNoOutput";
}

void bluez_agent_set_config(BluezAgent *agent, const CfgPairing *cfg)
{
	bool was_open = bluez_agent_is_pairable(agent, NULL);
	PairingMethod was_method = agent->cfg.method;
	bool was_always = agent->cfg.pairable_always;

	agent->cfg = *cfg;
	if (agent->held && cfg->method != PAIRING_CONFIRM)
		settle_failed(agent, true, "canceled", "a reload turned Method=confirm off");
	bluez_pairable_set_always(&agent->window, cfg->pairable_always);
	/* An open on-request window stays as long as it was to; with always there is none to close. */
	if (cfg->pairable_always || cfg->method == PAIRING_OFF)
		g_clear_handle_id(&agent->window_timer_id, g_source_remove);
	if (was_open != bluez_agent_is_pairable(agent, NULL) || was_method != cfg->method ||
	    was_always != cfg->pairable_always)
		REPORT(agent, pairable_changed);
}

BluezAgent *bluez_agent_new(BusExporter *exporter, const CfgPairing *cfg, GattCentrals *centrals)
{
	BluezAgent *agent = g_new0(BluezAgent, 1);

	agent->exporter = exporter;
	agent->cfg = *cfg;
	agent->centrals = centrals;
	listener_list_init(&agent->listeners);
	agent->next_request = 1;
	bluez_pairable_init(&agent->window, cfg->pairable_always);
	/* Exported whatever Method= says: a reload may turn pairing on, and unregistered it is never called. */
	if (bus_exporter_add(exporter, BLUEZ_AGENT_PATH, &agent_interface, agent) < 0)
		g_error("cannot export the pairing agent at " BLUEZ_AGENT_PATH);
	return agent;
}

void bluez_agent_free(BluezAgent *agent)
{
	if (!agent)
		return;
	g_clear_handle_id(&agent->window_timer_id, g_source_remove);
	/* Told to nobody: the listeners may be gone already. */
	settle(agent, true, false, "gattd is stopping");
	g_free(agent->asked_device);
	g_free(agent->asked_address);
	bus_exporter_remove(agent->exporter, BLUEZ_AGENT_PATH);
	listener_list_clear(&agent->listeners);
	g_free(agent);
}

LISTENERS_DEFINE_ADD_REMOVE(BluezAgent, bluez_agent, BluezAgentListener)
