/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lifecycle.h: the BlueZ lifecycle state machine (pure: no I/O, no D-Bus).
 *
 * One enum of states and one transition function. The driver (bluez.c) feeds
 * it what it observes on the bus and executes the actions it returns, in the
 * order of the LcAction bits. Every rule about *when* gattd registers, advertises
 * or retries lives here, so it is unit-tested without a bus.
 */
#pragma once

#include <stdbool.h>

typedef enum {
	LC_STATE_NO_BUS,            /* not connected to the bus; (re)connect pending */
	LC_STATE_LOOKING_FOR_BLUEZ, /* connected; asking the bus who owns org.bluez */
	LC_STATE_NO_BLUEZ,          /* connected; org.bluez has no owner */
	LC_STATE_DISCOVERING,       /* GetManagedObjects on org.bluez in flight */
	LC_STATE_DISCOVER_RETRY,    /* GetManagedObjects failed; waiting to retry */
	LC_STATE_NO_ADAPTER,        /* BlueZ up, no adapter matching Adapter= with GattManager1 */
	LC_STATE_REGISTERING,       /* RegisterApplication in flight */
	LC_STATE_REGISTER_RETRY,    /* RegisterApplication failed; waiting to retry */
	LC_STATE_REGISTERED,        /* application registered, not advertising (unpowered, disabled, or no LEAdvertisingManager1) */
	LC_STATE_ADVERTISE_START,   /* RegisterAdvertisement in flight */
	LC_STATE_ADVERTISE_RETRY,   /* RegisterAdvertisement failed or advertisement released; waiting to retry */
	LC_STATE_ADVERTISING,       /* registered and advertising */
	LC_STATE_STOPPING,          /* shutting down: unregistering */
} LcState;

/*
 * The pairing agent ([Pairing] Method= other than off): a duty beside the
 * application's, tied to bluetoothd alone (AgentManager1 is on /org/bluez, not an
 * adapter). bluetoothd keeps agents in memory only, so each new bluetoothd (or bus)
 * needs a new registration.
 */
typedef enum {
	LC_AGENT_NONE,              /* not registered: pairing off, or bluetoothd not found yet */
	LC_AGENT_REGISTERING,       /* RegisterAgent, then RequestDefaultAgent, in flight */
	LC_AGENT_RETRY,             /* that failed, or bluetoothd released the agent; waiting to retry */
	LC_AGENT_REGISTERED,        /* bluetoothd's default agent */
} LcAgentState;

typedef enum {
	LC_EV_START,                /* daemon start */
	LC_EV_BUS_CONNECTED,
	LC_EV_BUS_LOST,             /* connection dropped, or a connect attempt failed */
	LC_EV_BLUEZ_APPEARED,       /* org.bluez got an owner */
	LC_EV_BLUEZ_VANISHED,       /* org.bluez lost its owner */
	LC_EV_BLUEZ_ABSENT,         /* the bus says org.bluez has no owner (answer to our question) */
	LC_EV_DISCOVERED,           /* GetManagedObjects done; .adapter says if one matched */
	LC_EV_DISCOVER_FAILED,
	LC_EV_ADAPTER_ADDED,        /* a matching adapter with GattManager1 appeared */
	LC_EV_ADAPTER_REMOVED,      /* the selected adapter (or its GattManager1) went away */
	LC_EV_POWERED_ON,
	LC_EV_POWERED_OFF,
	LC_EV_ADV_MANAGER_ADDED,    /* LEAdvertisingManager1 appeared on the selected adapter */
	LC_EV_ADV_MANAGER_REMOVED,
	LC_EV_REGISTER_OK,          /* RegisterApplication replied (or AlreadyExists) */
	LC_EV_REGISTER_FAILED,
	LC_EV_ADVERTISE_OK,
	LC_EV_ADVERTISE_FAILED,
	LC_EV_ADV_RELEASED,         /* BlueZ called Release on our advertisement */
	LC_EV_RETRY_TIMER,          /* the timer from LC_ACT_SCHEDULE_RETRY fired */
	LC_EV_APP_CHANGED,          /* a reload changed the GATT tree: register it afresh */
	LC_EV_ADV_CHANGED,          /* a reload or a client changed the advertisement; .adv_enabled is the new setting */
	LC_EV_POWER_ANSWERED,       /* Set(Powered) from LC_ACT_POWER_ON answered success, Busy or InProgress */
	LC_EV_POWER_TIMER,          /* the timer from LC_ACT_SCHEDULE_POWER_CHECK fired */
	LC_EV_AGENT_OK,             /* RegisterAgent and RequestDefaultAgent both answered */
	LC_EV_AGENT_FAILED,         /* either failed */
	LC_EV_AGENT_RELEASED,       /* bluetoothd called Agent1.Release */
	LC_EV_AGENT_RETRY_TIMER,    /* the timer from LC_ACT_SCHEDULE_AGENT_RETRY fired */
	LC_EV_AGENT_CHANGED,        /* a reload changed [Pairing]; .agent_enabled is the new setting */
	LC_EV_SHUTDOWN,             /* the last one */
} LcEventType;

typedef struct {
	LcEventType type;
	/* For LC_EV_DISCOVERED and LC_EV_ADAPTER_ADDED: what the adapter looks like. */
	bool adapter;               /* LC_EV_DISCOVERED: a matching adapter exists */
	bool powered;
	bool adv_manager;
	/* For LC_EV_ADV_CHANGED. */
	bool adv_enabled;
	/* For LC_EV_AGENT_CHANGED. */
	bool agent_enabled;
} LcEvent;

/* Actions, executed by the driver in this bit order. */
typedef enum {
	LC_ACT_CANCEL_RETRY     = 1 << 0,  /* stop the retry timer */
	LC_ACT_CANCEL_PENDING   = 1 << 1,  /* drop the in-flight BlueZ call's reply */
	LC_ACT_RESET_HANDLES    = 1 << 2,  /* forget the handles BlueZ assigned (a retry may need fresh ones) */
	LC_ACT_CONNECT_BUS      = 1 << 3,
	LC_ACT_DISCOVER         = 1 << 4,  /* GetManagedObjects on org.bluez "/" */
	LC_ACT_UNREGISTER_ADV   = 1 << 5,  /* errors are ignored; the next REGISTER_ADV waits for the answer */
	LC_ACT_UNREGISTER_APP   = 1 << 6,  /* before registering a changed tree, or on shutdown (waited for) */
	LC_ACT_REGISTER_APP     = 1 << 7,
	LC_ACT_REGISTER_ADV     = 1 << 8,
	LC_ACT_SCHEDULE_RETRY   = 1 << 9,  /* after LcOutput.retry_ms */
	LC_ACT_NOTIFY_DOWN      = 1 << 10, /* services left the air; LcOutput.reason says why */
	LC_ACT_NOTIFY_UP        = 1 << 11, /* services are on the air (registered + powered) */
	LC_ACT_STOPPED          = 1 << 12, /* shutdown may complete once pending unregisters answered */
	LC_ACT_POWER_ON         = 1 << 13, /* set the selected adapter's Powered (found off, AutoPowerOn) */
	LC_ACT_CANCEL_POWER_CHECK = 1 << 14, /* stop the power check timer */
	LC_ACT_SCHEDULE_POWER_CHECK = 1 << 15, /* after LcOutput.power_check_ms */
	LC_ACT_POWER_GAVE_UP    = 1 << 16, /* still off after LC_POWER_ON_TRIES Sets: log it; gattd waits */
	/* The agent's, executed after the above, in this order. */
	LC_ACT_CANCEL_AGENT     = 1 << 17, /* drop the agent call's reply and stop the agent's retry timer */
	LC_ACT_UNREGISTER_AGENT = 1 << 18, /* fire and forget: the reload changed it, or shutdown */
	LC_ACT_REGISTER_AGENT   = 1 << 19, /* RegisterAgent with the method's capability, then RequestDefaultAgent */
	LC_ACT_SCHEDULE_AGENT_RETRY = 1 << 20, /* after LcOutput.agent_retry_ms */
} LcAction;

/*
 * How many times gattd sets Powered on an adapter found off, while bluetoothd answers
 * without powering it on (success or Busy): each answer is followed by a check after the
 * retry backoff. bluetoothd before 5.66 keeps a failed power-on pending until the power
 * changes, answering every later Set with Busy (5.57-5.65) or success (5.55) and doing
 * nothing (adapter.c property_set_mode / property_set_mode_complete), so the number is
 * bounded.
 */
#define LC_POWER_ON_TRIES 6

typedef enum {
	LC_REASON_NONE,
	LC_REASON_ADAPTER_DOWN,
	LC_REASON_ADAPTER_REMOVED,
	LC_REASON_BLUEZ_GONE,
	LC_REASON_BUS_LOST,
	LC_REASON_SHUTDOWN,
	LC_REASON_RELOAD,
} LcReason;

typedef struct {
	LcState state;
	/* Facts about the selected adapter, valid from DISCOVERED/ADAPTER_ADDED on. */
	bool powered;
	bool adv_manager;
	/* BlueZ may still hold our advertisement registration: unregister before registering again. */
	bool adv_maybe_held;
	/*
	 * The selected adapter was powered off while gattd followed it (an operator,
	 * rfkill): obeyed, so it is not powered on again until someone else does, or
	 * until the adapter or bluetoothd goes away and is found afresh.
	 */
	bool held_off;
	/* Set(Powered) sent since the adapter was found off (0: none, or given up / powered). */
	unsigned power_tries;
	/* Consecutive failures of the current step, for backoff. */
	unsigned attempts;
	/* The pairing agent, and its consecutive failures for backoff. */
	LcAgentState agent;
	unsigned agent_attempts;
	/* Configuration. */
	bool agent_enabled;         /* [Pairing] Method= is not off */
	bool adv_enabled;
	bool power_on;              /* AutoPowerOn: power the adapter on when it is found off (default false here) */
	unsigned retry_min_ms;
	unsigned retry_max_ms;
} Lifecycle;

typedef struct {
	LcState old_state;
	LcState new_state;
	unsigned actions;           /* LcAction bits */
	unsigned retry_ms;          /* with LC_ACT_SCHEDULE_RETRY */
	unsigned power_check_ms;    /* with LC_ACT_SCHEDULE_POWER_CHECK */
	unsigned agent_retry_ms;    /* with LC_ACT_SCHEDULE_AGENT_RETRY */
	LcAgentState old_agent;
	LcAgentState new_agent;
	LcReason reason;            /* with LC_ACT_NOTIFY_DOWN */
	bool ignored;               /* the event means nothing in this state */
} LcOutput;

void lifecycle_init(Lifecycle *lc, bool adv_enabled, unsigned retry_min_ms, unsigned retry_max_ms);
/*
 * Apply one event; the returned actions must be executed before the next event. One
 * exception: LC_ACT_REGISTER_ADV (with its LC_ACT_UNREGISTER_ADV) entering
 * ADVERTISE_START may wait until the events already queued are applied; the driver then
 * sends it only if the state is still ADVERTISE_START (bluez.c, start_advertising_soon).
 */
LcOutput lifecycle_handle(Lifecycle *lc, const LcEvent *event);

/* Registered with BlueZ (advertising or not). */
bool lifecycle_is_registered(const Lifecycle *lc);
/* Registered and the adapter powered: centrals can reach the services. */
bool lifecycle_is_on_air(const Lifecycle *lc);
bool lifecycle_is_advertising(const Lifecycle *lc);

/*
 * Settled: not in the middle of a step gattd takes by itself (connecting,
 * discovering, registering, starting to advertise). Readiness waits for this, so it
 * comes after registration when BlueZ is there, and promptly when gattd has to wait.
 */
bool lifecycle_is_settled(const Lifecycle *lc);

/* Backoff delay for the n-th consecutive failure (0-based): min * 2^n, capped at max. */
unsigned lifecycle_backoff_ms(unsigned retry_min_ms, unsigned retry_max_ms, unsigned attempt);

const char *lifecycle_state_name(LcState state);
const char *lifecycle_agent_name(LcAgentState agent);
const char *lifecycle_event_name(LcEventType type);
const char *lifecycle_reason_name(LcReason reason); /* "adapter-down", ... as clients see them */

/*
 * One line for operators (g_free it): "registered on hci1, advertising", "waiting for
 * adapter hci0", ... adapter: the selected adapter's name (NULL: none); wanted: what
 * Adapter= asks for, in words.
 */
char *lifecycle_describe(const Lifecycle *lc, const char *adapter, const char *wanted);
