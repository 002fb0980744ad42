/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lifecycle.c: the BlueZ lifecycle state machine.
 *
 * Why the rules are what they are (bluetoothd 5.66's behaviour, which tests/bus/fakebluez.py
 * reproduces and tests/bus/test_power.py, test_adapters.py, test_bluetoothd.py and
 * test_bus_restart.py pin against gattd):
 * - BlueZ keeps a GATT application registered across adapter power cycles, but the
 *   controller forgets the advertisement at power-off while bluetoothd keeps its
 *   registration: on power-on we unregister and register the advertisement again.
 * - Adapter removal, bluetoothd leaving the bus and our own bus connection dropping all
 *   free the registration on BlueZ's side: we start over from the matching step.
 * - A gadget must come up on the air by itself: bluetoothd before 5.65 leaves controllers
 *   off unless main.conf says AutoEnable=true, so with AutoPowerOn an adapter found off
 *   (at start, when it appears, when bluetoothd starts) is powered on. A power-off while
 *   gattd follows the adapter is someone's decision and is obeyed (held_off). An answer
 *   that leaves it off (success or Busy while bluetoothd has a power change pending,
 *   and before 5.66 a failed one stays pending) is checked again after the backoff, up
 *   to LC_POWER_ON_TRIES Sets.
 * - Every failed call is retried with bounded exponential backoff; the handles BlueZ
 *   wrote back are forgotten on a failed registration, since a clash of requested
 *   handles is one way for it to fail.
 */
#include "bluez/lifecycle.h"

#include <stddef.h>

#include <glib.h>

void lifecycle_init(Lifecycle *lc, bool adv_enabled, unsigned retry_min_ms, unsigned retry_max_ms)
{
	*lc = (Lifecycle){
		.state = LC_STATE_NO_BUS,
		.adv_enabled = adv_enabled,
		.retry_min_ms = retry_min_ms ? retry_min_ms : 1,
		.retry_max_ms = retry_max_ms < retry_min_ms ? retry_min_ms : retry_max_ms,
	};
}

unsigned lifecycle_backoff_ms(unsigned retry_min_ms, unsigned retry_max_ms, unsigned attempt)
{
	unsigned delay = retry_min_ms;

	for (unsigned i = 0; i < attempt && delay < retry_max_ms; i++)
		delay = delay > retry_max_ms / 2 ? retry_max_ms : delay * 2;

	return delay < retry_max_ms ? delay : retry_max_ms;
}

static bool state_is_registered(LcState state)
{
	return state == LC_STATE_REGISTERED || state == LC_STATE_ADVERTISE_START ||
	       state == LC_STATE_ADVERTISE_RETRY || state == LC_STATE_ADVERTISING;
}

bool lifecycle_is_registered(const Lifecycle *lc)
{
	return state_is_registered(lc->state);
}

bool lifecycle_is_on_air(const Lifecycle *lc)
{
	return state_is_registered(lc->state) && lc->powered;
}

bool lifecycle_is_advertising(const Lifecycle *lc)
{
	return lc->state == LC_STATE_ADVERTISING;
}

bool lifecycle_is_settled(const Lifecycle *lc)
{
	switch (lc->state) {
	case LC_STATE_NO_BLUEZ:
	case LC_STATE_DISCOVER_RETRY:
	case LC_STATE_NO_ADAPTER:
	case LC_STATE_REGISTER_RETRY:
	case LC_STATE_REGISTERED:
	case LC_STATE_ADVERTISE_RETRY:
	case LC_STATE_ADVERTISING:
		return true;
	case LC_STATE_NO_BUS:
	case LC_STATE_LOOKING_FOR_BLUEZ:
	case LC_STATE_DISCOVERING:
	case LC_STATE_REGISTERING:
	case LC_STATE_ADVERTISE_START:
	case LC_STATE_STOPPING:
		break;
	}
	return false;
}

static bool wants_advertising(const Lifecycle *lc)
{
	return lc->adv_enabled && lc->powered && lc->adv_manager;
}

static void schedule_retry(Lifecycle *lc, LcOutput *out, LcState wait_state)
{
	lc->state = wait_state;
	out->actions |= LC_ACT_SCHEDULE_RETRY;
	out->retry_ms = lifecycle_backoff_ms(lc->retry_min_ms, lc->retry_max_ms, lc->attempts);
	lc->attempts++;
}

static void start_advertising(Lifecycle *lc, LcOutput *out)
{
	if (lc->adv_maybe_held)
		out->actions |= LC_ACT_UNREGISTER_ADV;
	out->actions |= LC_ACT_REGISTER_ADV;
	lc->adv_maybe_held = true;
	lc->state = LC_STATE_ADVERTISE_START;
}

/* The application is registered: advertise if we can, else rest in REGISTERED. */
static void settle_registered(Lifecycle *lc, LcOutput *out)
{
	lc->attempts = 0;
	if (wants_advertising(lc))
		start_advertising(lc, out);
	else
		lc->state = LC_STATE_REGISTERED;
}

/* Stop checking whether the adapter came on (it did, it went, or someone turned it off). */
static void stop_power_checks(Lifecycle *lc, LcOutput *out)
{
	if (lc->power_tries)
		out->actions |= LC_ACT_CANCEL_POWER_CHECK;
	lc->power_tries = 0;
}

/* Still worth setting Powered: an adapter we follow, off, nobody turned it off. */
static bool wants_power_on(const Lifecycle *lc)
{
	return lc->power_tries && lc->power_on && !lc->held_off && !lc->powered &&
	       (lc->state == LC_STATE_REGISTERING || lc->state == LC_STATE_REGISTER_RETRY ||
	        state_is_registered(lc->state));
}

static void start_registering(Lifecycle *lc, LcOutput *out, const LcEvent *ev)
{
	/* Found: off, and nobody turned it off while we followed it. */
	lc->power_tries = 0;
	if (!ev->powered && lc->power_on && !lc->held_off) {
		out->actions |= LC_ACT_POWER_ON;
		lc->power_tries = 1;
	}
	lc->powered = ev->powered;
	lc->adv_manager = ev->adv_manager;
	lc->attempts = 0;
	lc->state = LC_STATE_REGISTERING;
	out->actions |= LC_ACT_REGISTER_APP;
}

/* BlueZ's side of everything is gone (bus, daemon or adapter): forget what it held. */
static void forget_bluez_side(Lifecycle *lc, LcOutput *out, LcState new_state)
{
	out->actions |= LC_ACT_CANCEL_PENDING | LC_ACT_CANCEL_RETRY;
	stop_power_checks(lc, out);
	lc->powered = false;
	lc->adv_manager = false;
	lc->adv_maybe_held = false;
	lc->attempts = 0;
	lc->state = new_state;
}

/* Leave any advertising state for REGISTERED (power-off, manager gone). */
static void stop_advertising(Lifecycle *lc, LcOutput *out)
{
	if (lc->state == LC_STATE_ADVERTISE_START)
		out->actions |= LC_ACT_CANCEL_PENDING;
	if (lc->state == LC_STATE_ADVERTISE_RETRY)
		out->actions |= LC_ACT_CANCEL_RETRY;
	if (state_is_registered(lc->state)) {
		lc->state = LC_STATE_REGISTERED;
		lc->attempts = 0;
	}
}

/* From registering on, the selected adapter's facts count. */
static bool knows_adapter(LcState s)
{
	return s == LC_STATE_REGISTERING || s == LC_STATE_REGISTER_RETRY || state_is_registered(s);
}

/* A fact advertising needs (lc->powered, lc->adv_manager) became true. */
static bool gain(Lifecycle *lc, LcOutput *out, bool *fact)
{
	if (!knows_adapter(lc->state) || *fact)
		return false;
	*fact = true;
	if (lc->state == LC_STATE_REGISTERED && wants_advertising(lc))
		start_advertising(lc, out);
	return true;
}

/* A fact advertising needs became false. */
static bool lose(Lifecycle *lc, LcOutput *out, bool *fact)
{
	if (!knows_adapter(lc->state) || !*fact)
		return false;
	*fact = false;
	stop_advertising(lc, out);
	return true;
}

static LcReason reason_for(LcEventType type)
{
	switch (type) {
	case LC_EV_POWERED_OFF:
		return LC_REASON_ADAPTER_DOWN;
	case LC_EV_ADAPTER_REMOVED:
		return LC_REASON_ADAPTER_REMOVED;
	case LC_EV_BLUEZ_VANISHED:
		return LC_REASON_BLUEZ_GONE;
	case LC_EV_BUS_LOST:
		return LC_REASON_BUS_LOST;
	case LC_EV_SHUTDOWN:
		return LC_REASON_SHUTDOWN;
	case LC_EV_APP_CHANGED:
		return LC_REASON_RELOAD;
	default:
		return LC_REASON_NONE;
	}
}

static void handle_shutdown(Lifecycle *lc, LcOutput *out)
{
	bool registered = lc->state == LC_STATE_REGISTERING || state_is_registered(lc->state);

	out->actions |= LC_ACT_CANCEL_PENDING | LC_ACT_CANCEL_RETRY;
	stop_power_checks(lc, out);
	if (registered && lc->adv_maybe_held)
		out->actions |= LC_ACT_UNREGISTER_ADV;
	if (registered)
		out->actions |= LC_ACT_UNREGISTER_APP;
	else
		out->actions |= LC_ACT_STOPPED;
	lc->adv_maybe_held = false;
	lc->state = LC_STATE_STOPPING;
}

/* Returns false when the event means nothing in the current state. */
static bool dispatch(Lifecycle *lc, const LcEvent *ev, LcOutput *out)
{
	LcState s = lc->state;

	if (s == LC_STATE_STOPPING) {
		/* Nothing more to unregister from once the peer is gone. */
		if (ev->type == LC_EV_BUS_LOST || ev->type == LC_EV_BLUEZ_VANISHED) {
			out->actions |= LC_ACT_STOPPED;
			return true;
		}
		return false;
	}

	switch (ev->type) {
	case LC_EV_START:
		if (s != LC_STATE_NO_BUS)
			return false;
		out->actions |= LC_ACT_CONNECT_BUS;
		return true;

	case LC_EV_BUS_CONNECTED:
		if (s != LC_STATE_NO_BUS)
			return false;
		out->actions |= LC_ACT_CANCEL_RETRY;
		lc->attempts = 0;
		lc->state = LC_STATE_LOOKING_FOR_BLUEZ;
		return true;

	case LC_EV_BUS_LOST: {
		unsigned attempts = s == LC_STATE_NO_BUS ? lc->attempts : 0;

		forget_bluez_side(lc, out, LC_STATE_NO_BUS);
		lc->attempts = attempts;
		schedule_retry(lc, out, LC_STATE_NO_BUS);
		return true;
	}

	case LC_EV_BLUEZ_APPEARED:
		if (s != LC_STATE_NO_BLUEZ && s != LC_STATE_LOOKING_FOR_BLUEZ)
			return false;
		lc->attempts = 0;
		lc->state = LC_STATE_DISCOVERING;
		out->actions |= LC_ACT_DISCOVER;
		return true;

	case LC_EV_BLUEZ_VANISHED:
		if (s == LC_STATE_NO_BUS || s == LC_STATE_NO_BLUEZ)
			return false;
		forget_bluez_side(lc, out, LC_STATE_NO_BLUEZ);
		lc->held_off = false;
		return true;

	case LC_EV_BLUEZ_ABSENT:
		if (s != LC_STATE_LOOKING_FOR_BLUEZ)
			return false;
		lc->state = LC_STATE_NO_BLUEZ;
		return true;

	case LC_EV_DISCOVERED:
		if (s != LC_STATE_DISCOVERING)
			return false;
		if (ev->adapter) {
			start_registering(lc, out, ev);
		} else {
			lc->attempts = 0;
			lc->state = LC_STATE_NO_ADAPTER;
		}
		return true;

	case LC_EV_DISCOVER_FAILED:
		if (s != LC_STATE_DISCOVERING)
			return false;
		schedule_retry(lc, out, LC_STATE_DISCOVER_RETRY);
		return true;

	case LC_EV_ADAPTER_ADDED:
		if (s != LC_STATE_NO_ADAPTER)
			return false;
		start_registering(lc, out, ev);
		return true;

	case LC_EV_ADAPTER_REMOVED:
		if (!knows_adapter(s))
			return false;
		forget_bluez_side(lc, out, LC_STATE_NO_ADAPTER);
		lc->held_off = false;
		return true;

	case LC_EV_POWERED_ON:
		if (!gain(lc, out, &lc->powered))
			return false;
		lc->held_off = false;
		stop_power_checks(lc, out);
		return true;

	case LC_EV_POWERED_OFF:
		if (!lose(lc, out, &lc->powered))
			return false;
		lc->held_off = true;
		stop_power_checks(lc, out);
		return true;

	case LC_EV_POWER_ANSWERED:
		/* Success comes before PropertiesChanged(Powered), Busy while a change is pending: look again later. */
		if (!wants_power_on(lc))
			return false;
		out->actions |= LC_ACT_SCHEDULE_POWER_CHECK;
		out->power_check_ms = lifecycle_backoff_ms(lc->retry_min_ms, lc->retry_max_ms, lc->power_tries - 1);
		return true;

	case LC_EV_POWER_TIMER:
		if (!wants_power_on(lc))
			return false;
		if (lc->power_tries >= LC_POWER_ON_TRIES) {
			out->actions |= LC_ACT_POWER_GAVE_UP;
			lc->power_tries = 0;
			return true;
		}
		out->actions |= LC_ACT_POWER_ON;
		lc->power_tries++;
		return true;

	case LC_EV_ADV_MANAGER_ADDED:
		return gain(lc, out, &lc->adv_manager);

	case LC_EV_ADV_MANAGER_REMOVED:
		if (!knows_adapter(s) || !lc->adv_manager)
			return false;
		lc->adv_maybe_held = false;
		return lose(lc, out, &lc->adv_manager);

	case LC_EV_REGISTER_OK:
		if (s != LC_STATE_REGISTERING)
			return false;
		settle_registered(lc, out);
		return true;

	case LC_EV_REGISTER_FAILED:
		if (s != LC_STATE_REGISTERING)
			return false;
		out->actions |= LC_ACT_RESET_HANDLES;
		schedule_retry(lc, out, LC_STATE_REGISTER_RETRY);
		return true;

	case LC_EV_ADVERTISE_OK:
		if (s != LC_STATE_ADVERTISE_START)
			return false;
		lc->attempts = 0;
		lc->state = LC_STATE_ADVERTISING;
		return true;

	case LC_EV_ADVERTISE_FAILED:
		if (s != LC_STATE_ADVERTISE_START)
			return false;
		schedule_retry(lc, out, LC_STATE_ADVERTISE_RETRY);
		return true;

	case LC_EV_ADV_RELEASED:
		lc->adv_maybe_held = false;
		if (s != LC_STATE_ADVERTISING && s != LC_STATE_ADVERTISE_START)
			return true;
		if (s == LC_STATE_ADVERTISE_START)
			out->actions |= LC_ACT_CANCEL_PENDING;
		/* Not straight back: a release often precedes the adapter's removal. */
		schedule_retry(lc, out, LC_STATE_ADVERTISE_RETRY);
		return true;

	case LC_EV_RETRY_TIMER:
		switch (s) {
		case LC_STATE_NO_BUS:
			out->actions |= LC_ACT_CONNECT_BUS;
			return true;
		case LC_STATE_DISCOVER_RETRY:
			lc->state = LC_STATE_DISCOVERING;
			out->actions |= LC_ACT_DISCOVER;
			return true;
		case LC_STATE_REGISTER_RETRY:
			lc->state = LC_STATE_REGISTERING;
			out->actions |= LC_ACT_REGISTER_APP;
			return true;
		case LC_STATE_ADVERTISE_RETRY:
			if (wants_advertising(lc))
				start_advertising(lc, out);
			else
				lc->state = LC_STATE_REGISTERED;
			return true;
		default:
			return false;
		}

	case LC_EV_APP_CHANGED:
		if (!knows_adapter(s))
			return false;
		/*
		 * BlueZ reads the tree only at registration: drop the old one, register the new.
		 * The new tree asks for the handles the daemon kept for it (unchanged services).
		 */
		out->actions |= LC_ACT_CANCEL_PENDING | LC_ACT_CANCEL_RETRY | LC_ACT_UNREGISTER_APP |
		                LC_ACT_REGISTER_APP;
		lc->attempts = 0;
		lc->state = LC_STATE_REGISTERING;
		return true;

	case LC_EV_ADV_CHANGED:
		lc->adv_enabled = ev->adv_enabled;
		if (!state_is_registered(s))
			return true;
		if (s == LC_STATE_ADVERTISE_START)
			out->actions |= LC_ACT_CANCEL_PENDING;
		if (s == LC_STATE_ADVERTISE_RETRY)
			out->actions |= LC_ACT_CANCEL_RETRY;
		lc->attempts = 0;
		if (wants_advertising(lc)) {
			start_advertising(lc, out);
		} else {
			if (lc->adv_maybe_held)
				out->actions |= LC_ACT_UNREGISTER_ADV;
			lc->adv_maybe_held = false;
			lc->state = LC_STATE_REGISTERED;
		}
		return true;

	case LC_EV_SHUTDOWN:
		handle_shutdown(lc, out);
		return true;

	case LC_EV_AGENT_OK:
	case LC_EV_AGENT_FAILED:
	case LC_EV_AGENT_RELEASED:
	case LC_EV_AGENT_RETRY_TIMER:
	case LC_EV_AGENT_CHANGED:
		return false; /* dispatch_agent()'s */
	}

	return false;
}

/* bluetoothd answered GetManagedObjects and has not left since: AgentManager1 is there. */
static bool bluez_known(LcState s)
{
	return s == LC_STATE_NO_ADAPTER || knows_adapter(s);
}

static void register_agent(Lifecycle *lc, LcOutput *out)
{
	out->actions |= LC_ACT_REGISTER_AGENT;
	lc->agent = LC_AGENT_REGISTERING;
}

static void schedule_agent_retry(Lifecycle *lc, LcOutput *out)
{
	out->actions |= LC_ACT_SCHEDULE_AGENT_RETRY;
	out->agent_retry_ms = lifecycle_backoff_ms(lc->retry_min_ms, lc->retry_max_ms, lc->agent_attempts);
	lc->agent_attempts++;
	lc->agent = LC_AGENT_RETRY;
}

/* bluetoothd's side of the agent is gone (it left, or the bus did): nothing to unregister. */
static bool forget_agent(Lifecycle *lc, LcOutput *out)
{
	if (lc->agent == LC_AGENT_NONE)
		return false;
	out->actions |= LC_ACT_CANCEL_AGENT;
	lc->agent = LC_AGENT_NONE;
	lc->agent_attempts = 0;
	return true;
}

/*
 * The agent's duty; runs after dispatch() on every event, so old_state is what the
 * application's side was in before it. Returns false when the event means nothing
 * to the agent.
 */
static bool dispatch_agent(Lifecycle *lc, const LcEvent *ev, LcState old_state, LcOutput *out)
{
	LcAgentState a = lc->agent;

	switch (ev->type) {
	case LC_EV_DISCOVERED:
		/* Only a GetManagedObjects the application's side asked for; it is now past it. */
		if (old_state != LC_STATE_DISCOVERING || !lc->agent_enabled || a != LC_AGENT_NONE)
			return false;
		lc->agent_attempts = 0;
		register_agent(lc, out);
		return true;

	case LC_EV_BUS_LOST:
	case LC_EV_BLUEZ_VANISHED:
		return forget_agent(lc, out);

	case LC_EV_AGENT_OK:
		if (a != LC_AGENT_REGISTERING)
			return false;
		lc->agent_attempts = 0;
		lc->agent = LC_AGENT_REGISTERED;
		return true;

	case LC_EV_AGENT_FAILED:
		if (a != LC_AGENT_REGISTERING)
			return false;
		schedule_agent_retry(lc, out);
		return true;

	case LC_EV_AGENT_RELEASED:
		/* Sent as bluetoothd exits (its name goes next, cancelling the retry), but not only then. */
		if (a != LC_AGENT_REGISTERED && a != LC_AGENT_REGISTERING)
			return false;
		if (a == LC_AGENT_REGISTERING)
			out->actions |= LC_ACT_CANCEL_AGENT;
		schedule_agent_retry(lc, out);
		return true;

	case LC_EV_AGENT_RETRY_TIMER:
		if (a != LC_AGENT_RETRY)
			return false;
		if (!lc->agent_enabled || !bluez_known(lc->state)) {
			lc->agent = LC_AGENT_NONE;
			return true;
		}
		register_agent(lc, out);
		return true;

	case LC_EV_AGENT_CHANGED:
		/* A new capability means a new registration (bluetoothd reads it at RegisterAgent only). */
		lc->agent_enabled = ev->agent_enabled;
		/*
		 * Retrying too: RegisterAgent may have worked and RequestDefaultAgent not
		 * (an agent that is not there is a harmless DoesNotExist, unanswered).
		 */
		if (a != LC_AGENT_NONE)
			out->actions |= LC_ACT_CANCEL_AGENT | LC_ACT_UNREGISTER_AGENT;
		lc->agent = LC_AGENT_NONE;
		lc->agent_attempts = 0;
		if (lc->agent_enabled && bluez_known(lc->state))
			register_agent(lc, out);
		return true;

	case LC_EV_SHUTDOWN:
		if (a == LC_AGENT_NONE)
			return false;
		out->actions |= LC_ACT_CANCEL_AGENT | LC_ACT_UNREGISTER_AGENT;
		lc->agent = LC_AGENT_NONE;
		return true;

	default:
		return false;
	}
}

LcOutput lifecycle_handle(Lifecycle *lc, const LcEvent *event)
{
	LcOutput out = { .old_state = lc->state, .old_agent = lc->agent };
	bool was_on_air = lifecycle_is_on_air(lc);
	bool on_air, handled, agent_handled;

	handled = dispatch(lc, event, &out);
	/* Once stopping, the agent has been unregistered already. */
	agent_handled = out.old_state != LC_STATE_STOPPING && dispatch_agent(lc, event, out.old_state, &out);
	out.ignored = !handled && !agent_handled;
	out.new_state = lc->state;
	out.new_agent = lc->agent;

	on_air = lifecycle_is_on_air(lc);
	if (was_on_air && !on_air) {
		out.actions |= LC_ACT_NOTIFY_DOWN;
		out.reason = reason_for(event->type);
	} else if (!was_on_air && on_air) {
		out.actions |= LC_ACT_NOTIFY_UP;
	}

	return out;
}

const char *lifecycle_state_name(LcState state)
{
	static const char *const names[] = {
		[LC_STATE_NO_BUS] = "NO_BUS",
		[LC_STATE_LOOKING_FOR_BLUEZ] = "LOOKING_FOR_BLUEZ",
		[LC_STATE_NO_BLUEZ] = "NO_BLUEZ",
		[LC_STATE_DISCOVERING] = "DISCOVERING",
		[LC_STATE_DISCOVER_RETRY] = "DISCOVER_RETRY",
		[LC_STATE_NO_ADAPTER] = "NO_ADAPTER",
		[LC_STATE_REGISTERING] = "REGISTERING",
		[LC_STATE_REGISTER_RETRY] = "REGISTER_RETRY",
		[LC_STATE_REGISTERED] = "REGISTERED",
		[LC_STATE_ADVERTISE_START] = "ADVERTISE_START",
		[LC_STATE_ADVERTISE_RETRY] = "ADVERTISE_RETRY",
		[LC_STATE_ADVERTISING] = "ADVERTISING",
		[LC_STATE_STOPPING] = "STOPPING",
	};

	if ((size_t)state >= sizeof(names) / sizeof(names[0]) || !names[state])
		return "?";
	return names[state];
}

const char *lifecycle_agent_name(LcAgentState agent)
{
	switch (agent) {
	case LC_AGENT_NONE:
		return "none";
	case LC_AGENT_REGISTERING:
		return "registering";
	case LC_AGENT_RETRY:
		return "retrying";
	case LC_AGENT_REGISTERED:
		return "registered";
	}
	return "?";
}

const char *lifecycle_event_name(LcEventType type)
{
	static const char *const names[] = {
		[LC_EV_START] = "start",
		[LC_EV_BUS_CONNECTED] = "bus-connected",
		[LC_EV_BUS_LOST] = "bus-lost",
		[LC_EV_BLUEZ_APPEARED] = "bluez-appeared",
		[LC_EV_BLUEZ_VANISHED] = "bluez-vanished",
		[LC_EV_BLUEZ_ABSENT] = "bluez-absent",
		[LC_EV_DISCOVERED] = "discovered",
		[LC_EV_DISCOVER_FAILED] = "discover-failed",
		[LC_EV_ADAPTER_ADDED] = "adapter-added",
		[LC_EV_ADAPTER_REMOVED] = "adapter-removed",
		[LC_EV_POWERED_ON] = "powered-on",
		[LC_EV_POWERED_OFF] = "powered-off",
		[LC_EV_ADV_MANAGER_ADDED] = "adv-manager-added",
		[LC_EV_ADV_MANAGER_REMOVED] = "adv-manager-removed",
		[LC_EV_REGISTER_OK] = "register-ok",
		[LC_EV_REGISTER_FAILED] = "register-failed",
		[LC_EV_ADVERTISE_OK] = "advertise-ok",
		[LC_EV_ADVERTISE_FAILED] = "advertise-failed",
		[LC_EV_ADV_RELEASED] = "adv-released",
		[LC_EV_RETRY_TIMER] = "retry-timer",
		[LC_EV_APP_CHANGED] = "app-changed",
		[LC_EV_ADV_CHANGED] = "adv-changed",
		[LC_EV_SHUTDOWN] = "shutdown",
		[LC_EV_POWER_ANSWERED] = "power-answered",
		[LC_EV_POWER_TIMER] = "power-timer",
		[LC_EV_AGENT_OK] = "agent-ok",
		[LC_EV_AGENT_FAILED] = "agent-failed",
		[LC_EV_AGENT_RELEASED] = "agent-released",
		[LC_EV_AGENT_RETRY_TIMER] = "agent-retry-timer",
		[LC_EV_AGENT_CHANGED] = "agent-changed",
	};

	if ((size_t)type >= sizeof(names) / sizeof(names[0]) || !names[type])
		return "?";
	return names[type];
}

const char *lifecycle_reason_name(LcReason reason)
{
	switch (reason) {
	case LC_REASON_ADAPTER_DOWN:
		return "adapter-down";
	case LC_REASON_ADAPTER_REMOVED:
		return "adapter-removed";
	case LC_REASON_BLUEZ_GONE:
		return "bluez-gone";
	case LC_REASON_BUS_LOST:
		return "bus-lost";
	case LC_REASON_SHUTDOWN:
		return "shutdown";
	case LC_REASON_RELOAD:
		return "reload";
	case LC_REASON_NONE:
		break;
	}
	return "none";
}

/* How advertising stands, for lifecycle_describe() in a registered state. */
static const char *advertising_words(const Lifecycle *lc)
{
	switch (lc->state) {
	case LC_STATE_ADVERTISE_START:
		return "starting advertising";
	case LC_STATE_ADVERTISE_RETRY:
		return "advertising failed, retrying";
	case LC_STATE_ADVERTISING:
		return "advertising";
	default:
		return lc->powered ? "not advertising" : "adapter powered off";
	}
}

char *lifecycle_describe(const Lifecycle *lc, const char *adapter, const char *wanted)
{
	/* Never NULL in a format: between an adapter's removal and its event there is none. */
	const char *name = adapter ? adapter : "no adapter";

	switch (lc->state) {
	case LC_STATE_NO_BUS:
		return g_strdup("waiting for the system bus");
	case LC_STATE_LOOKING_FOR_BLUEZ:
		return g_strdup("looking for bluetoothd");
	case LC_STATE_NO_BLUEZ:
		return g_strdup("waiting for bluetoothd");
	case LC_STATE_DISCOVERING:
	case LC_STATE_DISCOVER_RETRY:
		return g_strdup("looking for adapters");
	case LC_STATE_NO_ADAPTER:
		return g_strdup_printf("waiting for adapter %s", wanted);
	case LC_STATE_REGISTERING:
		return g_strdup_printf("registering on %s", name);
	case LC_STATE_REGISTER_RETRY:
		return g_strdup_printf("registration on %s failed, retrying", name);
	case LC_STATE_REGISTERED:
	case LC_STATE_ADVERTISE_START:
	case LC_STATE_ADVERTISE_RETRY:
	case LC_STATE_ADVERTISING:
		return g_strdup_printf("registered on %s, %s", name, advertising_words(lc));
	case LC_STATE_STOPPING:
		return g_strdup("stopping");
	}
	return g_strdup("?");
}
