/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-lifecycle.c: the BlueZ lifecycle state machine's transitions, called directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>

#include "bluez/lifecycle.h"

#define RETRY_MIN 100
#define RETRY_MAX 1000

static LcOutput feed(Lifecycle *lc, LcEventType type)
{
	LcEvent ev = { .type = type };

	return lifecycle_handle(lc, &ev);
}

static LcOutput feed_adapter(Lifecycle *lc, LcEventType type, bool powered, bool adv_manager)
{
	LcEvent ev = { .type = type, .adapter = true, .powered = powered, .adv_manager = adv_manager };

	return lifecycle_handle(lc, &ev);
}

/* A fresh machine, started and connected to the bus: looking for bluetoothd. */
static void drive_to_looking_for_bluez(Lifecycle *lc, bool adv_enabled)
{
	lifecycle_init(lc, adv_enabled, RETRY_MIN, RETRY_MAX);
	feed(lc, LC_EV_START);
	feed(lc, LC_EV_BUS_CONNECTED);
	assert_int_equal(lc->state, LC_STATE_LOOKING_FOR_BLUEZ);
}

/* Drive a fresh machine to the point where RegisterApplication is in flight. */
static void drive_to_registering(Lifecycle *lc, bool adv_enabled, bool powered, bool adv_manager)
{
	drive_to_looking_for_bluez(lc, adv_enabled);
	feed(lc, LC_EV_BLUEZ_APPEARED);
	feed_adapter(lc, LC_EV_DISCOVERED, powered, adv_manager);
	assert_int_equal(lc->state, LC_STATE_REGISTERING);
}

static void drive_to_advertising(Lifecycle *lc)
{
	drive_to_registering(lc, true, true, true);
	feed(lc, LC_EV_REGISTER_OK);
	feed(lc, LC_EV_ADVERTISE_OK);
	assert_int_equal(lc->state, LC_STATE_ADVERTISING);
}

static void test_start_connects_to_the_bus(void **state)
{
	Lifecycle lc;
	LcOutput out;

	lifecycle_init(&lc, true, RETRY_MIN, RETRY_MAX);
	out = feed(&lc, LC_EV_START);
	assert_int_equal(out.new_state, LC_STATE_NO_BUS);
	assert_true(out.actions & LC_ACT_CONNECT_BUS);
}

static void test_first_registration_then_advertising(void **state)
{
	Lifecycle lc;
	LcOutput out;

	lifecycle_init(&lc, true, RETRY_MIN, RETRY_MAX);
	feed(&lc, LC_EV_START);
	out = feed(&lc, LC_EV_BUS_CONNECTED);
	assert_int_equal(out.new_state, LC_STATE_LOOKING_FOR_BLUEZ);
	out = feed(&lc, LC_EV_BLUEZ_APPEARED);
	assert_int_equal(out.new_state, LC_STATE_DISCOVERING);
	assert_int_equal(out.actions, LC_ACT_DISCOVER);
	out = feed_adapter(&lc, LC_EV_DISCOVERED, true, true);
	assert_int_equal(out.new_state, LC_STATE_REGISTERING);
	assert_int_equal(out.actions, LC_ACT_REGISTER_APP);
	assert_false(lifecycle_is_on_air(&lc));

	out = feed(&lc, LC_EV_REGISTER_OK);
	assert_int_equal(out.new_state, LC_STATE_ADVERTISE_START);
	/* Nothing held yet: no UnregisterAdvertisement before the first Register. */
	assert_int_equal(out.actions, LC_ACT_REGISTER_ADV | LC_ACT_NOTIFY_UP);
	assert_true(lifecycle_is_on_air(&lc));

	out = feed(&lc, LC_EV_ADVERTISE_OK);
	assert_int_equal(out.new_state, LC_STATE_ADVERTISING);
	assert_int_equal(out.actions, 0);
	assert_true(lifecycle_is_advertising(&lc));
}

static void test_no_adapter_waits_then_registers_when_one_appears(void **state)
{
	Lifecycle lc;
	LcEvent none = { .type = LC_EV_DISCOVERED, .adapter = false };
	LcOutput out;

	drive_to_looking_for_bluez(&lc, true);
	feed(&lc, LC_EV_BLUEZ_APPEARED);
	out = lifecycle_handle(&lc, &none);
	assert_int_equal(out.new_state, LC_STATE_NO_ADAPTER);
	assert_int_equal(out.actions, 0);

	out = feed_adapter(&lc, LC_EV_ADAPTER_ADDED, false, false);
	assert_int_equal(out.new_state, LC_STATE_REGISTERING);
	assert_int_equal(out.actions, LC_ACT_REGISTER_APP);
}

static void test_power_cycle_keeps_app_and_reregisters_advertisement(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_advertising(&lc);
	for (int cycle = 0; cycle < 3; cycle++) {
		out = feed(&lc, LC_EV_POWERED_OFF);
		assert_int_equal(out.new_state, LC_STATE_REGISTERED);
		assert_int_equal(out.actions, LC_ACT_NOTIFY_DOWN);
		assert_int_equal(out.reason, LC_REASON_ADAPTER_DOWN);
		assert_true(lifecycle_is_registered(&lc));

		out = feed(&lc, LC_EV_POWERED_ON);
		assert_int_equal(out.new_state, LC_STATE_ADVERTISE_START);
		/* BlueZ still holds the registration the controller forgot: unregister, then register. */
		assert_int_equal(out.actions, LC_ACT_UNREGISTER_ADV | LC_ACT_REGISTER_ADV | LC_ACT_NOTIFY_UP);
		assert_false(out.actions & LC_ACT_REGISTER_APP);

		out = feed(&lc, LC_EV_ADVERTISE_OK);
		assert_int_equal(out.new_state, LC_STATE_ADVERTISING);
	}
}

static void test_registration_while_unpowered_advertises_at_power_on(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_registering(&lc, true, false, true);
	out = feed(&lc, LC_EV_REGISTER_OK);
	assert_int_equal(out.new_state, LC_STATE_REGISTERED);
	assert_int_equal(out.actions, 0);
	assert_false(lifecycle_is_on_air(&lc));

	out = feed(&lc, LC_EV_POWERED_ON);
	assert_int_equal(out.new_state, LC_STATE_ADVERTISE_START);
	assert_int_equal(out.actions, LC_ACT_REGISTER_ADV | LC_ACT_NOTIFY_UP);
}

static void test_power_on_during_registration_is_remembered(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_registering(&lc, true, false, true);
	out = feed(&lc, LC_EV_POWERED_ON);
	assert_int_equal(out.new_state, LC_STATE_REGISTERING);
	assert_int_equal(out.actions, 0);
	out = feed(&lc, LC_EV_REGISTER_OK);
	assert_int_equal(out.new_state, LC_STATE_ADVERTISE_START);
}

static void test_advertising_disabled_stays_registered(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_registering(&lc, false, true, true);
	out = feed(&lc, LC_EV_REGISTER_OK);
	assert_int_equal(out.new_state, LC_STATE_REGISTERED);
	assert_int_equal(out.actions, LC_ACT_NOTIFY_UP);
	out = feed(&lc, LC_EV_POWERED_OFF);
	assert_int_equal(out.actions, LC_ACT_NOTIFY_DOWN);
	out = feed(&lc, LC_EV_POWERED_ON);
	assert_int_equal(out.new_state, LC_STATE_REGISTERED);
	assert_int_equal(out.actions, LC_ACT_NOTIFY_UP);
}

static void test_late_advertising_manager_starts_advertising(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_registering(&lc, true, true, false);
	out = feed(&lc, LC_EV_REGISTER_OK);
	assert_int_equal(out.new_state, LC_STATE_REGISTERED);
	out = feed(&lc, LC_EV_ADV_MANAGER_ADDED);
	assert_int_equal(out.new_state, LC_STATE_ADVERTISE_START);
	assert_int_equal(out.actions, LC_ACT_REGISTER_ADV);
}

static void test_adapter_removal_forgets_registration_and_waits(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_advertising(&lc);
	out = feed(&lc, LC_EV_ADAPTER_REMOVED);
	assert_int_equal(out.new_state, LC_STATE_NO_ADAPTER);
	assert_true(out.actions & LC_ACT_NOTIFY_DOWN);
	assert_int_equal(out.reason, LC_REASON_ADAPTER_REMOVED);
	assert_true(out.actions & LC_ACT_CANCEL_PENDING);
	assert_false(lifecycle_is_registered(&lc));

	out = feed_adapter(&lc, LC_EV_ADAPTER_ADDED, true, false);
	assert_int_equal(out.actions, LC_ACT_REGISTER_APP);
	out = feed(&lc, LC_EV_REGISTER_OK);
	assert_int_equal(out.new_state, LC_STATE_REGISTERED);
	out = feed(&lc, LC_EV_ADV_MANAGER_ADDED);
	/* The old adapter took our advertisement with it: no unregister first. */
	assert_int_equal(out.actions, LC_ACT_REGISTER_ADV);
}

static void test_bluez_restart_rediscovers_and_registers_again(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_advertising(&lc);
	out = feed(&lc, LC_EV_BLUEZ_VANISHED);
	assert_int_equal(out.new_state, LC_STATE_NO_BLUEZ);
	assert_int_equal(out.reason, LC_REASON_BLUEZ_GONE);
	assert_true(out.actions & LC_ACT_NOTIFY_DOWN);

	out = feed(&lc, LC_EV_BLUEZ_APPEARED);
	assert_int_equal(out.actions, LC_ACT_DISCOVER);
	feed_adapter(&lc, LC_EV_DISCOVERED, true, true);
	out = feed(&lc, LC_EV_REGISTER_OK);
	assert_int_equal(out.actions, LC_ACT_REGISTER_ADV | LC_ACT_NOTIFY_UP);
}

static void test_bus_loss_reconnects_with_growing_backoff(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_advertising(&lc);
	out = feed(&lc, LC_EV_BUS_LOST);
	assert_int_equal(out.new_state, LC_STATE_NO_BUS);
	assert_int_equal(out.reason, LC_REASON_BUS_LOST);
	assert_true(out.actions & LC_ACT_SCHEDULE_RETRY);
	assert_int_equal(out.retry_ms, RETRY_MIN);

	out = feed(&lc, LC_EV_RETRY_TIMER);
	assert_int_equal(out.actions, LC_ACT_CONNECT_BUS);
	out = feed(&lc, LC_EV_BUS_LOST); /* the connect attempt failed */
	assert_int_equal(out.retry_ms, 2 * RETRY_MIN);
	feed(&lc, LC_EV_RETRY_TIMER);
	out = feed(&lc, LC_EV_BUS_CONNECTED);
	assert_int_equal(out.new_state, LC_STATE_LOOKING_FOR_BLUEZ);
	assert_int_equal(lc.attempts, 0);
}

static void test_register_failures_retry_with_backoff_and_fresh_handles(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_registering(&lc, true, true, true);
	out = feed(&lc, LC_EV_REGISTER_FAILED);
	assert_int_equal(out.new_state, LC_STATE_REGISTER_RETRY);
	assert_int_equal(out.actions, LC_ACT_RESET_HANDLES | LC_ACT_SCHEDULE_RETRY);
	assert_int_equal(out.retry_ms, RETRY_MIN);
	out = feed(&lc, LC_EV_RETRY_TIMER);
	assert_int_equal(out.actions, LC_ACT_REGISTER_APP);
	out = feed(&lc, LC_EV_REGISTER_FAILED);
	assert_int_equal(out.retry_ms, 2 * RETRY_MIN);
	feed(&lc, LC_EV_RETRY_TIMER);
	out = feed(&lc, LC_EV_REGISTER_OK);
	assert_int_equal(out.new_state, LC_STATE_ADVERTISE_START);
	assert_int_equal(lc.attempts, 0);
}

static void test_backoff_doubles_and_is_capped(void **state)
{
	assert_int_equal(lifecycle_backoff_ms(100, 1000, 0), 100);
	assert_int_equal(lifecycle_backoff_ms(100, 1000, 1), 200);
	assert_int_equal(lifecycle_backoff_ms(100, 1000, 3), 800);
	assert_int_equal(lifecycle_backoff_ms(100, 1000, 4), 1000);
	assert_int_equal(lifecycle_backoff_ms(100, 1000, 1000), 1000);
	assert_int_equal(lifecycle_backoff_ms(500, 30000, 40), 30000);
	assert_int_equal(lifecycle_backoff_ms(3000000000u, 4000000000u, 5), 4000000000u);
}

static void test_advertise_failure_retries_unregistering_first(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_registering(&lc, true, true, true);
	feed(&lc, LC_EV_REGISTER_OK);
	out = feed(&lc, LC_EV_ADVERTISE_FAILED);
	assert_int_equal(out.new_state, LC_STATE_ADVERTISE_RETRY);
	assert_int_equal(out.actions, LC_ACT_SCHEDULE_RETRY);
	assert_true(lifecycle_is_on_air(&lc));
	out = feed(&lc, LC_EV_RETRY_TIMER);
	assert_int_equal(out.new_state, LC_STATE_ADVERTISE_START);
	assert_int_equal(out.actions, LC_ACT_UNREGISTER_ADV | LC_ACT_REGISTER_ADV);
}

static void test_released_advertisement_is_registered_again_after_a_delay(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_advertising(&lc);
	out = feed(&lc, LC_EV_ADV_RELEASED);
	assert_int_equal(out.new_state, LC_STATE_ADVERTISE_RETRY);
	assert_int_equal(out.actions, LC_ACT_SCHEDULE_RETRY);
	out = feed(&lc, LC_EV_RETRY_TIMER);
	/* Released means BlueZ no longer holds it. */
	assert_int_equal(out.actions, LC_ACT_REGISTER_ADV);
}

static void test_power_off_while_advertising_starts_drops_the_call(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_registering(&lc, true, true, true);
	feed(&lc, LC_EV_REGISTER_OK);
	out = feed(&lc, LC_EV_POWERED_OFF);
	assert_int_equal(out.new_state, LC_STATE_REGISTERED);
	assert_true(out.actions & LC_ACT_CANCEL_PENDING);
	/* The cancelled reply can't arrive, but a stale one must not count anyway. */
	out = feed(&lc, LC_EV_ADVERTISE_OK);
	assert_true(out.ignored);
	assert_int_equal(lc.state, LC_STATE_REGISTERED);
}

static void test_late_register_reply_after_adapter_removal_is_ignored(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_registering(&lc, true, true, true);
	feed(&lc, LC_EV_ADAPTER_REMOVED);
	out = feed(&lc, LC_EV_REGISTER_OK);
	assert_true(out.ignored);
	assert_int_equal(out.actions, 0);
	assert_int_equal(lc.state, LC_STATE_NO_ADAPTER);
}

static void test_bus_loss_is_handled_in_every_state(void **state)
{
	for (LcState s = LC_STATE_NO_BUS; s < LC_STATE_STOPPING; s++) {
		Lifecycle lc;
		LcOutput out;

		lifecycle_init(&lc, true, RETRY_MIN, RETRY_MAX);
		lc.state = s;
		lc.powered = true;
		out = feed(&lc, LC_EV_BUS_LOST);
		assert_int_equal(out.new_state, LC_STATE_NO_BUS);
		assert_true(out.actions & LC_ACT_SCHEDULE_RETRY);
		assert_true(out.actions & LC_ACT_CANCEL_PENDING);
		assert_false(lc.adv_maybe_held);
	}
}

static void test_shutdown_unregisters_advertisement_and_application(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_advertising(&lc);
	out = feed(&lc, LC_EV_SHUTDOWN);
	assert_int_equal(out.new_state, LC_STATE_STOPPING);
	assert_true(out.actions & LC_ACT_UNREGISTER_ADV);
	assert_true(out.actions & LC_ACT_UNREGISTER_APP);
	assert_false(out.actions & LC_ACT_STOPPED);
	assert_int_equal(out.reason, LC_REASON_SHUTDOWN);
	/* bluetoothd leaving meanwhile ends the wait. */
	out = feed(&lc, LC_EV_BLUEZ_VANISHED);
	assert_int_equal(out.actions, LC_ACT_STOPPED);
	out = feed(&lc, LC_EV_POWERED_ON);
	assert_true(out.ignored);
}

static void test_shutdown_without_bluez_stops_at_once(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_looking_for_bluez(&lc, true);
	out = feed(&lc, LC_EV_SHUTDOWN);
	assert_int_equal(out.new_state, LC_STATE_STOPPING);
	assert_true(out.actions & LC_ACT_STOPPED);
	assert_false(out.actions & (LC_ACT_UNREGISTER_APP | LC_ACT_UNREGISTER_ADV));
}

static void test_discovery_failure_retries(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_looking_for_bluez(&lc, true);
	feed(&lc, LC_EV_BLUEZ_APPEARED);
	out = feed(&lc, LC_EV_DISCOVER_FAILED);
	assert_int_equal(out.new_state, LC_STATE_DISCOVER_RETRY);
	assert_int_equal(out.retry_ms, RETRY_MIN);
	out = feed(&lc, LC_EV_RETRY_TIMER);
	assert_int_equal(out.new_state, LC_STATE_DISCOVERING);
	assert_int_equal(out.actions, LC_ACT_DISCOVER);
}

static void test_changed_tree_is_registered_afresh(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_advertising(&lc);
	out = feed(&lc, LC_EV_APP_CHANGED);
	assert_int_equal(out.new_state, LC_STATE_REGISTERING);
	assert_true(out.actions & LC_ACT_UNREGISTER_APP);
	assert_true(out.actions & LC_ACT_REGISTER_APP);
	/* The daemon decides the new tree's handles (an unchanged service keeps its own). */
	assert_false(out.actions & LC_ACT_RESET_HANDLES);
	assert_true(out.actions & LC_ACT_NOTIFY_DOWN);
	assert_int_equal(out.reason, LC_REASON_RELOAD);
	out = feed(&lc, LC_EV_REGISTER_OK);
	/* The advertisement BlueZ still holds is replaced too. */
	assert_int_equal(out.actions, LC_ACT_UNREGISTER_ADV | LC_ACT_REGISTER_ADV | LC_ACT_NOTIFY_UP);
}

static void test_changed_tree_while_waiting_for_an_adapter_needs_nothing(void **state)
{
	Lifecycle lc;
	LcEvent none = { .type = LC_EV_DISCOVERED, .adapter = false };
	LcOutput out;

	drive_to_looking_for_bluez(&lc, true);
	feed(&lc, LC_EV_BLUEZ_APPEARED);
	lifecycle_handle(&lc, &none);
	out = feed(&lc, LC_EV_APP_CHANGED);
	assert_true(out.ignored);
	assert_int_equal(lc.state, LC_STATE_NO_ADAPTER);
}

static void test_changed_advertisement_is_replaced_or_withdrawn(void **state)
{
	Lifecycle lc;
	LcEvent on = { .type = LC_EV_ADV_CHANGED, .adv_enabled = true };
	LcEvent off = { .type = LC_EV_ADV_CHANGED, .adv_enabled = false };
	LcOutput out;

	drive_to_advertising(&lc);
	out = lifecycle_handle(&lc, &on);
	assert_int_equal(out.new_state, LC_STATE_ADVERTISE_START);
	assert_int_equal(out.actions, LC_ACT_UNREGISTER_ADV | LC_ACT_REGISTER_ADV);
	feed(&lc, LC_EV_ADVERTISE_OK);

	out = lifecycle_handle(&lc, &off);
	assert_int_equal(out.new_state, LC_STATE_REGISTERED);
	assert_int_equal(out.actions, LC_ACT_UNREGISTER_ADV);
	assert_true(lifecycle_is_on_air(&lc));

	out = lifecycle_handle(&lc, &on);
	assert_int_equal(out.actions, LC_ACT_REGISTER_ADV);
}

static void test_settled_states_are_the_waiting_and_registered_ones(void **state)
{
	Lifecycle lc;

	lifecycle_init(&lc, true, RETRY_MIN, RETRY_MAX);
	assert_false(lifecycle_is_settled(&lc));
	drive_to_registering(&lc, true, true, true);
	assert_false(lifecycle_is_settled(&lc));
	feed(&lc, LC_EV_REGISTER_OK);
	assert_false(lifecycle_is_settled(&lc)); /* advertising starts */
	feed(&lc, LC_EV_ADVERTISE_OK);
	assert_true(lifecycle_is_settled(&lc));
	feed(&lc, LC_EV_BLUEZ_VANISHED);
	assert_true(lifecycle_is_settled(&lc)); /* waiting for bluetoothd */
}

static void test_absent_bluez_is_waited_for_and_settles(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_looking_for_bluez(&lc, true);
	/* Not settled until the bus answered who owns org.bluez: readiness must wait. */
	assert_false(lifecycle_is_settled(&lc));
	out = feed(&lc, LC_EV_BLUEZ_ABSENT);
	assert_int_equal(out.new_state, LC_STATE_NO_BLUEZ);
	assert_int_equal(out.actions, 0);
	assert_true(lifecycle_is_settled(&lc));
	out = feed(&lc, LC_EV_BLUEZ_APPEARED);
	assert_int_equal(out.actions, LC_ACT_DISCOVER);
	/* A late answer changes nothing. */
	out = feed(&lc, LC_EV_BLUEZ_ABSENT);
	assert_true(out.ignored);
}

static void test_names_cover_every_state_and_event(void **state)
{
	for (LcState s = LC_STATE_NO_BUS; s <= LC_STATE_STOPPING; s++)
		assert_string_not_equal(lifecycle_state_name(s), "?");
	for (LcEventType e = LC_EV_START; e <= LC_EV_SHUTDOWN; e++)
		assert_string_not_equal(lifecycle_event_name(e), "?");
	assert_string_equal(lifecycle_reason_name(LC_REASON_ADAPTER_DOWN), "adapter-down");
	assert_string_equal(lifecycle_reason_name(LC_REASON_BLUEZ_GONE), "bluez-gone");
}

static void test_describe_says_the_state_in_words(void **state)
{
	Lifecycle lc;
	char *text;

	lifecycle_init(&lc, true, RETRY_MIN, RETRY_MAX);
	text = lifecycle_describe(&lc, NULL, "hci1");
	assert_string_equal(text, "waiting for the system bus");
	g_free(text);
	lc.state = LC_STATE_NO_ADAPTER;
	text = lifecycle_describe(&lc, NULL, "hci1");
	assert_string_equal(text, "waiting for adapter hci1");
	g_free(text);
	lc.state = LC_STATE_REGISTERED;
	lc.powered = false;
	text = lifecycle_describe(&lc, "hci0", "hci1");
	assert_string_equal(text, "registered on hci0, adapter powered off");
	g_free(text);
	lc.state = LC_STATE_REGISTERING;
	text = lifecycle_describe(&lc, NULL, "hci1");
	assert_string_equal(text, "registering on no adapter");
	g_free(text);
	lc.state = LC_STATE_ADVERTISING;
	text = lifecycle_describe(&lc, "hci0", NULL);
	assert_string_equal(text, "registered on hci0, advertising");
	g_free(text);
}

/* ---- AutoPowerOn: an adapter found off is powered on; a power-off while followed is obeyed ---- */

/* Started with AutoPowerOn, bluetoothd on the bus: the next event is what it finds. */
static void drive_to_discovering_with_power_on(Lifecycle *lc)
{
	drive_to_looking_for_bluez(lc, true);
	lc->power_on = true;
	feed(lc, LC_EV_BLUEZ_APPEARED);
	assert_int_equal(lc->state, LC_STATE_DISCOVERING);
}

static void test_adapter_found_off_is_powered_on_while_registering(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_discovering_with_power_on(&lc);
	out = feed_adapter(&lc, LC_EV_DISCOVERED, false, true);
	assert_int_equal(out.new_state, LC_STATE_REGISTERING);
	assert_int_equal(out.actions, LC_ACT_REGISTER_APP | LC_ACT_POWER_ON);
	feed(&lc, LC_EV_REGISTER_OK);
	assert_int_equal(lc.state, LC_STATE_REGISTERED);
	out = feed(&lc, LC_EV_POWERED_ON);
	assert_int_equal(out.new_state, LC_STATE_ADVERTISE_START);
	assert_true(out.actions & LC_ACT_NOTIFY_UP);
}

static void test_adapter_found_on_or_without_auto_power_on_is_left_alone(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_discovering_with_power_on(&lc);
	out = feed_adapter(&lc, LC_EV_DISCOVERED, true, true);
	assert_false(out.actions & LC_ACT_POWER_ON);

	drive_to_looking_for_bluez(&lc, true);
	feed(&lc, LC_EV_BLUEZ_APPEARED);
	out = feed_adapter(&lc, LC_EV_DISCOVERED, false, true);
	assert_int_equal(out.actions, LC_ACT_REGISTER_APP);
}

/* Replug: the adapter that appears off is powered on, whatever the one before had been told. */
static void test_adapter_that_appears_off_is_powered_on(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_discovering_with_power_on(&lc);
	feed(&lc, LC_EV_DISCOVERED);
	assert_int_equal(lc.state, LC_STATE_NO_ADAPTER);
	out = feed_adapter(&lc, LC_EV_ADAPTER_ADDED, false, true);
	assert_int_equal(out.actions, LC_ACT_REGISTER_APP | LC_ACT_POWER_ON);

	/* Powered off (as a removal first shows), removed, back: powered on again. */
	feed(&lc, LC_EV_REGISTER_OK);
	feed(&lc, LC_EV_POWERED_ON);
	feed(&lc, LC_EV_POWERED_OFF);
	feed(&lc, LC_EV_ADAPTER_REMOVED);
	assert_int_equal(lc.state, LC_STATE_NO_ADAPTER);
	out = feed_adapter(&lc, LC_EV_ADAPTER_ADDED, false, true);
	assert_true(out.actions & LC_ACT_POWER_ON);
}

static void test_power_off_while_followed_is_obeyed_until_power_comes_back(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_advertising(&lc);
	lc.power_on = true;
	out = feed(&lc, LC_EV_POWERED_OFF);
	assert_false(out.actions & LC_ACT_POWER_ON);
	assert_true(lc.held_off);
	/* Our bus connection drops and comes back: the same adapter is still off by choice. */
	feed(&lc, LC_EV_BUS_LOST);
	feed(&lc, LC_EV_RETRY_TIMER);
	feed(&lc, LC_EV_BUS_CONNECTED);
	feed(&lc, LC_EV_BLUEZ_APPEARED);
	out = feed_adapter(&lc, LC_EV_DISCOVERED, false, true);
	assert_int_equal(out.actions, LC_ACT_REGISTER_APP);
	feed(&lc, LC_EV_REGISTER_OK);
	/* Someone powers it on, and off again later: still obeyed, and on again at once. */
	feed(&lc, LC_EV_POWERED_ON);
	assert_false(lc.held_off);
	feed(&lc, LC_EV_ADVERTISE_OK);
	out = feed(&lc, LC_EV_POWERED_OFF);
	assert_false(out.actions & LC_ACT_POWER_ON);
}

/* bluetoothd stops (Powered false first, then it leaves) and starts with the adapter off. */
static void test_bluetoothd_restart_finds_the_adapter_afresh(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_advertising(&lc);
	lc.power_on = true;
	feed(&lc, LC_EV_POWERED_OFF);
	feed(&lc, LC_EV_BLUEZ_VANISHED);
	assert_false(lc.held_off);
	feed(&lc, LC_EV_BLUEZ_APPEARED);
	out = feed_adapter(&lc, LC_EV_DISCOVERED, false, true);
	assert_int_equal(out.actions, LC_ACT_REGISTER_APP | LC_ACT_POWER_ON);
}

/* ---- AutoPowerOn: an answer that leaves the adapter off is checked again, a bounded number of times ---- */

/* Found off with AutoPowerOn: registering, and the first Set(Powered) sent. */
static void drive_to_powering_on(Lifecycle *lc)
{
	LcOutput out;

	drive_to_discovering_with_power_on(lc);
	out = feed_adapter(lc, LC_EV_DISCOVERED, false, true);
	assert_true(out.actions & LC_ACT_POWER_ON);
	assert_int_equal(lc->power_tries, 1);
}

/* bluetoothd before 5.66 answers Busy (or success, 5.55) to every Set after a failed power-on. */
static void test_answer_that_leaves_the_adapter_off_is_checked_again_then_given_up(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_powering_on(&lc);
	feed(&lc, LC_EV_REGISTER_OK);
	for (unsigned try = 1; try < LC_POWER_ON_TRIES; try++) {
		out = feed(&lc, LC_EV_POWER_ANSWERED);
		assert_int_equal(out.actions, LC_ACT_SCHEDULE_POWER_CHECK);
		assert_int_equal(out.power_check_ms, lifecycle_backoff_ms(RETRY_MIN, RETRY_MAX, try - 1));
		out = feed(&lc, LC_EV_POWER_TIMER);
		assert_int_equal(out.actions, LC_ACT_POWER_ON);
		assert_int_equal(lc.power_tries, try + 1);
		assert_int_equal(lc.state, LC_STATE_REGISTERED);
	}
	/* The last Set answered, the adapter still off after the backoff: given up, once. */
	out = feed(&lc, LC_EV_POWER_ANSWERED);
	assert_int_equal(out.actions, LC_ACT_SCHEDULE_POWER_CHECK);
	out = feed(&lc, LC_EV_POWER_TIMER);
	assert_int_equal(out.actions, LC_ACT_POWER_GAVE_UP);
	assert_int_equal(lc.power_tries, 0);
	assert_true(feed(&lc, LC_EV_POWER_ANSWERED).ignored);
	assert_true(feed(&lc, LC_EV_POWER_TIMER).ignored);
	/* Someone powers it on: on the air. */
	out = feed(&lc, LC_EV_POWERED_ON);
	assert_true(out.actions & LC_ACT_NOTIFY_UP);
}

/* The checks end when the adapter comes on, goes, is turned off, or gattd stops. */
static void test_power_checks_end_when_the_adapter_comes_on_goes_or_is_turned_off(void **state)
{
	Lifecycle lc;
	LcOutput out;

	/* On, while a check waits: the timer is cancelled, and would mean nothing anyway. */
	drive_to_powering_on(&lc);
	feed(&lc, LC_EV_POWER_ANSWERED);
	out = feed(&lc, LC_EV_POWERED_ON);
	assert_true(out.actions & LC_ACT_CANCEL_POWER_CHECK);
	assert_true(feed(&lc, LC_EV_POWER_TIMER).ignored);
	assert_true(feed(&lc, LC_EV_POWER_ANSWERED).ignored);

	/* Turned off by someone after a success that had not acted yet: obeyed. */
	drive_to_powering_on(&lc);
	feed(&lc, LC_EV_REGISTER_OK);
	feed(&lc, LC_EV_POWER_ANSWERED);
	feed(&lc, LC_EV_POWERED_ON);
	feed(&lc, LC_EV_ADVERTISE_OK);
	out = feed(&lc, LC_EV_POWERED_OFF);
	assert_false(out.actions & (LC_ACT_POWER_ON | LC_ACT_SCHEDULE_POWER_CHECK));
	assert_true(feed(&lc, LC_EV_POWER_TIMER).ignored);

	/* bluetoothd goes away and comes back with it off: counted afresh. */
	drive_to_powering_on(&lc);
	feed(&lc, LC_EV_POWER_ANSWERED);
	feed(&lc, LC_EV_POWER_TIMER);
	assert_int_equal(lc.power_tries, 2);
	out = feed(&lc, LC_EV_BLUEZ_VANISHED);
	assert_true(out.actions & LC_ACT_CANCEL_POWER_CHECK);
	assert_true(feed(&lc, LC_EV_POWER_TIMER).ignored);
	feed(&lc, LC_EV_BLUEZ_APPEARED);
	out = feed_adapter(&lc, LC_EV_DISCOVERED, false, true);
	assert_true(out.actions & LC_ACT_POWER_ON);
	assert_int_equal(lc.power_tries, 1);

	/* Removed while a check waits, or gattd stops: cancelled. */
	feed(&lc, LC_EV_POWER_ANSWERED);
	out = feed(&lc, LC_EV_ADAPTER_REMOVED);
	assert_true(out.actions & LC_ACT_CANCEL_POWER_CHECK);
	drive_to_powering_on(&lc);
	feed(&lc, LC_EV_POWER_ANSWERED);
	out = feed(&lc, LC_EV_SHUTDOWN);
	assert_true(out.actions & LC_ACT_CANCEL_POWER_CHECK);
}

/* A reload turning AutoPowerOn off stops the checks; an adapter found on was never counted. */
static void test_power_checks_need_auto_power_on_and_a_set_of_our_own(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_powering_on(&lc);
	feed(&lc, LC_EV_POWER_ANSWERED);
	lc.power_on = false;
	assert_true(feed(&lc, LC_EV_POWER_TIMER).ignored);

	drive_to_discovering_with_power_on(&lc);
	out = feed_adapter(&lc, LC_EV_DISCOVERED, true, true);
	assert_false(out.actions & LC_ACT_POWER_ON);
	assert_int_equal(lc.power_tries, 0);
	assert_true(feed(&lc, LC_EV_POWER_ANSWERED).ignored);
}

/* ---- the pairing agent ---- */

#define AGENT_ACTIONS (LC_ACT_CANCEL_AGENT | LC_ACT_UNREGISTER_AGENT | LC_ACT_REGISTER_AGENT | \
                       LC_ACT_SCHEDULE_AGENT_RETRY)
/* Every action bit that is not the agent's. */
#define APP_ACTIONS ((unsigned)LC_ACT_CANCEL_AGENT - 1)

static LcOutput feed_agent_changed(Lifecycle *lc, bool agent_enabled)
{
	LcEvent ev = { .type = LC_EV_AGENT_CHANGED, .agent_enabled = agent_enabled };

	return lifecycle_handle(lc, &ev);
}

static LcOutput feed_no_adapter(Lifecycle *lc)
{
	LcEvent ev = { .type = LC_EV_DISCOVERED, .adapter = false };

	return lifecycle_handle(lc, &ev);
}

/* A fresh machine with pairing on or off, GetManagedObjects in flight. */
static void drive_to_discovering_with_agent(Lifecycle *lc, bool agent_enabled)
{
	drive_to_looking_for_bluez(lc, true);
	lc->agent_enabled = agent_enabled;
	feed(lc, LC_EV_BLUEZ_APPEARED);
	assert_int_equal(lc->state, LC_STATE_DISCOVERING);
	assert_int_equal(lc->agent, LC_AGENT_NONE);
}

/* Pairing on, the application registering and the agent bluetoothd's default one. */
static void drive_to_agent_registered(Lifecycle *lc)
{
	drive_to_discovering_with_agent(lc, true);
	feed_adapter(lc, LC_EV_DISCOVERED, true, true);
	feed(lc, LC_EV_AGENT_OK);
	assert_int_equal(lc->agent, LC_AGENT_REGISTERED);
}

static void test_agent_is_registered_once_bluetoothd_answered(void **state)
{
	Lifecycle lc;
	LcOutput out;

	/* Nothing before bluetoothd answered GetManagedObjects: AgentManager1 may not be there. */
	lifecycle_init(&lc, true, RETRY_MIN, RETRY_MAX);
	lc.agent_enabled = true;
	assert_int_equal(feed(&lc, LC_EV_START).actions & AGENT_ACTIONS, 0);
	assert_int_equal(feed(&lc, LC_EV_BUS_CONNECTED).actions & AGENT_ACTIONS, 0);
	out = feed(&lc, LC_EV_BLUEZ_APPEARED);
	assert_int_equal(out.actions, LC_ACT_DISCOVER);
	assert_int_equal(lc.agent, LC_AGENT_NONE);

	out = feed_adapter(&lc, LC_EV_DISCOVERED, true, true);
	assert_int_equal(out.new_state, LC_STATE_REGISTERING);
	assert_int_equal(out.actions, LC_ACT_REGISTER_APP | LC_ACT_REGISTER_AGENT);
	assert_int_equal(out.old_agent, LC_AGENT_NONE);
	assert_int_equal(out.new_agent, LC_AGENT_REGISTERING);
	assert_int_equal(lc.agent, LC_AGENT_REGISTERING);

	/* The agent is bluetoothd's, not an adapter's: no adapter is needed. */
	drive_to_discovering_with_agent(&lc, true);
	out = feed_no_adapter(&lc);
	assert_int_equal(out.new_state, LC_STATE_NO_ADAPTER);
	assert_int_equal(out.actions, LC_ACT_REGISTER_AGENT);
	assert_int_equal(out.new_agent, LC_AGENT_REGISTERING);
	assert_false(out.ignored);
}

static void test_agent_is_not_registered_with_pairing_off(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_discovering_with_agent(&lc, false);
	out = feed_adapter(&lc, LC_EV_DISCOVERED, true, true);
	assert_int_equal(out.actions, LC_ACT_REGISTER_APP);
	assert_int_equal(out.new_agent, LC_AGENT_NONE);

	drive_to_discovering_with_agent(&lc, false);
	out = feed_no_adapter(&lc);
	assert_int_equal(out.actions, 0);
	assert_int_equal(out.new_agent, LC_AGENT_NONE);
	assert_false(out.ignored); /* the application's side took it */
}

static void test_agent_ok_makes_it_the_registered_agent(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_discovering_with_agent(&lc, true);
	feed_adapter(&lc, LC_EV_DISCOVERED, true, true);
	out = feed(&lc, LC_EV_AGENT_OK);
	assert_false(out.ignored);
	assert_int_equal(out.actions, 0);
	assert_int_equal(out.old_agent, LC_AGENT_REGISTERING);
	assert_int_equal(out.new_agent, LC_AGENT_REGISTERED);
	assert_int_equal(out.new_state, LC_STATE_REGISTERING);
	assert_string_equal(lifecycle_agent_name(lc.agent), "registered");
	/* A second answer means nothing. */
	assert_true(feed(&lc, LC_EV_AGENT_OK).ignored);
	assert_int_equal(lc.agent, LC_AGENT_REGISTERED);
}

static void test_agent_failures_retry_with_backoff_reset_after_success(void **state)
{
	static const unsigned delays[] = { RETRY_MIN, 2 * RETRY_MIN, 4 * RETRY_MIN, 8 * RETRY_MIN, RETRY_MAX, RETRY_MAX };
	Lifecycle lc;
	LcOutput out;

	drive_to_discovering_with_agent(&lc, true);
	feed_adapter(&lc, LC_EV_DISCOVERED, true, true);
	feed(&lc, LC_EV_REGISTER_OK);
	feed(&lc, LC_EV_ADVERTISE_OK);
	for (size_t i = 0; i < G_N_ELEMENTS(delays); i++) {
		out = feed(&lc, LC_EV_AGENT_FAILED);
		assert_false(out.ignored);
		assert_int_equal(out.actions, LC_ACT_SCHEDULE_AGENT_RETRY);
		assert_int_equal(out.agent_retry_ms, delays[i]);
		assert_int_equal(out.new_agent, LC_AGENT_RETRY);
		assert_int_equal(out.new_state, LC_STATE_ADVERTISING);
		/* A failure's late twin, and a retry timer out of turn, mean nothing. */
		assert_true(feed(&lc, LC_EV_AGENT_FAILED).ignored);
		assert_true(feed(&lc, LC_EV_AGENT_OK).ignored);

		out = feed(&lc, LC_EV_AGENT_RETRY_TIMER);
		assert_false(out.ignored);
		assert_int_equal(out.actions, LC_ACT_REGISTER_AGENT);
		assert_int_equal(out.new_agent, LC_AGENT_REGISTERING);
		assert_true(feed(&lc, LC_EV_AGENT_RETRY_TIMER).ignored);
	}
	/* The application's own backoff is not the agent's. */
	assert_int_equal(lc.attempts, 0);

	feed(&lc, LC_EV_AGENT_OK);
	assert_int_equal(lc.agent, LC_AGENT_REGISTERED);
	out = feed(&lc, LC_EV_AGENT_RELEASED);
	assert_int_equal(out.agent_retry_ms, RETRY_MIN);
	feed(&lc, LC_EV_AGENT_RETRY_TIMER);
	out = feed(&lc, LC_EV_AGENT_FAILED);
	assert_int_equal(out.agent_retry_ms, 2 * RETRY_MIN);
}

static void test_agent_retry_timer_registers_only_with_bluetoothd_and_pairing_on(void **state)
{
	Lifecycle lc;
	LcOutput out;

	/* A timer that fired before bluetoothd's departure cancelled it: nothing to register with. */
	drive_to_agent_registered(&lc);
	feed(&lc, LC_EV_AGENT_RELEASED);
	assert_int_equal(lc.agent, LC_AGENT_RETRY);
	lc.state = LC_STATE_NO_BLUEZ;
	out = feed(&lc, LC_EV_AGENT_RETRY_TIMER);
	assert_false(out.ignored);
	assert_int_equal(out.actions, 0);
	assert_int_equal(out.new_agent, LC_AGENT_NONE);
	assert_int_equal(out.new_state, LC_STATE_NO_BLUEZ);
	/* The next bluetoothd gets it, and its failures back off from the start. */
	feed(&lc, LC_EV_BLUEZ_APPEARED);
	out = feed_adapter(&lc, LC_EV_DISCOVERED, true, true);
	assert_true(out.actions & LC_ACT_REGISTER_AGENT);
	out = feed(&lc, LC_EV_AGENT_FAILED);
	assert_int_equal(out.agent_retry_ms, RETRY_MIN);

	/* Likewise while discovering, and with pairing turned off meanwhile. */
	drive_to_agent_registered(&lc);
	feed(&lc, LC_EV_AGENT_RELEASED);
	lc.state = LC_STATE_DISCOVERING;
	out = feed(&lc, LC_EV_AGENT_RETRY_TIMER);
	assert_int_equal(out.actions, 0);
	assert_int_equal(out.new_agent, LC_AGENT_NONE);

	drive_to_agent_registered(&lc);
	feed(&lc, LC_EV_AGENT_RELEASED);
	lc.agent_enabled = false;
	out = feed(&lc, LC_EV_AGENT_RETRY_TIMER);
	assert_int_equal(out.actions, 0);
	assert_int_equal(out.new_agent, LC_AGENT_NONE);

	/* Waiting for an adapter, bluetoothd is there: register. */
	drive_to_discovering_with_agent(&lc, true);
	feed_no_adapter(&lc);
	feed(&lc, LC_EV_AGENT_FAILED);
	out = feed(&lc, LC_EV_AGENT_RETRY_TIMER);
	assert_int_equal(out.actions, LC_ACT_REGISTER_AGENT);
	assert_int_equal(out.new_state, LC_STATE_NO_ADAPTER);
}

static void test_bluetoothd_or_bus_loss_forgets_the_agent_and_the_next_one_gets_it(void **state)
{
	static const LcAgentState held[] = { LC_AGENT_REGISTERING, LC_AGENT_RETRY, LC_AGENT_REGISTERED };
	Lifecycle lc;
	LcOutput out;

	for (size_t i = 0; i < G_N_ELEMENTS(held); i++) {
		/* bluetoothd restarts: it kept agents in memory only. */
		drive_to_advertising(&lc);
		lc.agent_enabled = true;
		lc.agent = held[i];
		lc.agent_attempts = 3;
		out = feed(&lc, LC_EV_BLUEZ_VANISHED);
		assert_int_equal(out.new_state, LC_STATE_NO_BLUEZ);
		assert_true(out.actions & LC_ACT_CANCEL_AGENT);
		assert_false(out.actions & (LC_ACT_UNREGISTER_AGENT | LC_ACT_REGISTER_AGENT | LC_ACT_SCHEDULE_AGENT_RETRY));
		assert_int_equal(out.new_agent, LC_AGENT_NONE);
		assert_int_equal(lc.agent_attempts, 0);

		out = feed(&lc, LC_EV_BLUEZ_APPEARED);
		assert_int_equal(out.actions, LC_ACT_DISCOVER);
		out = feed_adapter(&lc, LC_EV_DISCOVERED, true, true);
		assert_int_equal(out.actions, LC_ACT_REGISTER_APP | LC_ACT_REGISTER_AGENT);
		assert_int_equal(out.new_agent, LC_AGENT_REGISTERING);

		/* The bus goes: the same, once bluetoothd is found again. */
		lc.agent = held[i];
		out = feed(&lc, LC_EV_BUS_LOST);
		assert_int_equal(out.new_state, LC_STATE_NO_BUS);
		assert_true(out.actions & LC_ACT_CANCEL_AGENT);
		assert_false(out.actions & (LC_ACT_UNREGISTER_AGENT | LC_ACT_REGISTER_AGENT | LC_ACT_SCHEDULE_AGENT_RETRY));
		assert_int_equal(out.new_agent, LC_AGENT_NONE);
		feed(&lc, LC_EV_RETRY_TIMER);
		assert_int_equal(feed(&lc, LC_EV_BUS_CONNECTED).actions & AGENT_ACTIONS, 0);
		assert_int_equal(feed(&lc, LC_EV_BLUEZ_APPEARED).actions & AGENT_ACTIONS, 0);
		out = feed_no_adapter(&lc);
		assert_int_equal(out.actions, LC_ACT_REGISTER_AGENT);
	}

	/* Nothing held, nothing to cancel. */
	drive_to_advertising(&lc);
	out = feed(&lc, LC_EV_BLUEZ_VANISHED);
	assert_false(out.actions & AGENT_ACTIONS);
	out = feed(&lc, LC_EV_BUS_LOST);
	assert_false(out.actions & AGENT_ACTIONS);
}

static void test_released_agent_is_registered_again_after_a_delay(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_agent_registered(&lc);
	out = feed(&lc, LC_EV_AGENT_RELEASED);
	assert_false(out.ignored);
	assert_int_equal(out.actions, LC_ACT_SCHEDULE_AGENT_RETRY);
	assert_int_equal(out.agent_retry_ms, RETRY_MIN);
	assert_int_equal(out.new_agent, LC_AGENT_RETRY);
	out = feed(&lc, LC_EV_AGENT_RETRY_TIMER);
	assert_int_equal(out.actions, LC_ACT_REGISTER_AGENT);

	/* Released while RequestDefaultAgent is in flight: its answer no longer counts. */
	out = feed(&lc, LC_EV_AGENT_RELEASED);
	assert_int_equal(out.actions, LC_ACT_CANCEL_AGENT | LC_ACT_SCHEDULE_AGENT_RETRY);
	assert_int_equal(out.new_agent, LC_AGENT_RETRY);

	/* Waiting to retry, or never registered: nothing to release. */
	out = feed(&lc, LC_EV_AGENT_RELEASED);
	assert_true(out.ignored);
	assert_int_equal(out.actions, 0);
	assert_int_equal(lc.agent, LC_AGENT_RETRY);
	drive_to_discovering_with_agent(&lc, false);
	out = feed(&lc, LC_EV_AGENT_RELEASED);
	assert_true(out.ignored);
	assert_int_equal(lc.agent, LC_AGENT_NONE);
}

static void test_changed_pairing_registers_unregisters_or_replaces_the_agent(void **state)
{
	Lifecycle lc;
	LcOutput out;

	/* Turned on with bluetoothd known: register, nothing to unregister. */
	drive_to_discovering_with_agent(&lc, false);
	feed_no_adapter(&lc);
	out = feed_agent_changed(&lc, true);
	assert_false(out.ignored);
	assert_int_equal(out.actions, LC_ACT_REGISTER_AGENT);
	assert_int_equal(out.new_agent, LC_AGENT_REGISTERING);
	assert_true(lc.agent_enabled);

	/* Turned off once registered: unregister. */
	feed(&lc, LC_EV_AGENT_OK);
	out = feed_agent_changed(&lc, false);
	assert_int_equal(out.actions, LC_ACT_CANCEL_AGENT | LC_ACT_UNREGISTER_AGENT);
	assert_int_equal(out.new_agent, LC_AGENT_NONE);
	assert_false(lc.agent_enabled);

	/* Off and staying off: nothing to do, but taken. */
	out = feed_agent_changed(&lc, false);
	assert_false(out.ignored);
	assert_int_equal(out.actions, 0);

	/* Another capability while registered: bluetoothd reads it at RegisterAgent only. */
	drive_to_agent_registered(&lc);
	lc.agent_attempts = 2;
	out = feed_agent_changed(&lc, true);
	assert_int_equal(out.actions, LC_ACT_CANCEL_AGENT | LC_ACT_UNREGISTER_AGENT | LC_ACT_REGISTER_AGENT);
	assert_int_equal(out.new_agent, LC_AGENT_REGISTERING);
	assert_int_equal(lc.agent_attempts, 0);
	/* ... while registering: the same. */
	out = feed_agent_changed(&lc, true);
	assert_int_equal(out.actions, LC_ACT_CANCEL_AGENT | LC_ACT_UNREGISTER_AGENT | LC_ACT_REGISTER_AGENT);
	/*
	 * ... while waiting to retry: stop waiting, and unregister too (RegisterAgent may
	 * have worked and RequestDefaultAgent not).
	 */
	feed(&lc, LC_EV_AGENT_FAILED);
	out = feed_agent_changed(&lc, true);
	assert_int_equal(out.actions, LC_ACT_CANCEL_AGENT | LC_ACT_UNREGISTER_AGENT | LC_ACT_REGISTER_AGENT);
	assert_int_equal(out.new_agent, LC_AGENT_REGISTERING);
	/* ... and turned off while waiting to retry. */
	feed(&lc, LC_EV_AGENT_FAILED);
	out = feed_agent_changed(&lc, false);
	assert_int_equal(out.actions, LC_ACT_CANCEL_AGENT | LC_ACT_UNREGISTER_AGENT);
	assert_int_equal(out.new_agent, LC_AGENT_NONE);
}

static void test_pairing_turned_on_registers_only_where_bluetoothd_is_known(void **state)
{
	for (LcState s = LC_STATE_NO_BUS; s < LC_STATE_STOPPING; s++) {
		bool known = s >= LC_STATE_NO_ADAPTER; /* it answered GetManagedObjects and has not left */
		Lifecycle lc;
		LcOutput out;

		lifecycle_init(&lc, true, RETRY_MIN, RETRY_MAX);
		lc.state = s;
		out = feed_agent_changed(&lc, true);
		assert_false(out.ignored);
		assert_int_equal(out.new_state, s);
		assert_true(lc.agent_enabled);
		if (known) {
			assert_int_equal(out.actions, LC_ACT_REGISTER_AGENT);
			assert_int_equal(out.new_agent, LC_AGENT_REGISTERING);
		} else {
			assert_int_equal(out.actions, 0);
			assert_int_equal(out.new_agent, LC_AGENT_NONE);
		}
	}

	/* Turned on before bluetoothd answered: registered when it does. */
	{
		Lifecycle lc;
		LcOutput out;

		drive_to_discovering_with_agent(&lc, false);
		feed_agent_changed(&lc, true);
		out = feed_adapter(&lc, LC_EV_DISCOVERED, false, false);
		assert_int_equal(out.actions, LC_ACT_REGISTER_APP | LC_ACT_REGISTER_AGENT);
	}
}

static void test_shutdown_unregisters_the_agent(void **state)
{
	Lifecycle lc;
	LcOutput out;

	drive_to_agent_registered(&lc);
	feed(&lc, LC_EV_REGISTER_OK);
	feed(&lc, LC_EV_ADVERTISE_OK);
	out = feed(&lc, LC_EV_SHUTDOWN);
	assert_false(out.ignored);
	assert_int_equal(out.new_state, LC_STATE_STOPPING);
	assert_int_equal(out.actions & AGENT_ACTIONS, LC_ACT_CANCEL_AGENT | LC_ACT_UNREGISTER_AGENT);
	assert_true(out.actions & LC_ACT_UNREGISTER_APP);
	assert_int_equal(out.new_agent, LC_AGENT_NONE);

	/* Registering: RegisterAgent may have been taken already. */
	drive_to_discovering_with_agent(&lc, true);
	feed_no_adapter(&lc);
	out = feed(&lc, LC_EV_SHUTDOWN);
	assert_false(out.ignored);
	assert_true(out.actions & LC_ACT_STOPPED);
	assert_int_equal(out.actions & AGENT_ACTIONS, LC_ACT_CANCEL_AGENT | LC_ACT_UNREGISTER_AGENT);

	/* Waiting to retry: the timer to stop, and a half-done registration to undo. */
	drive_to_discovering_with_agent(&lc, true);
	feed_no_adapter(&lc);
	feed(&lc, LC_EV_AGENT_FAILED);
	out = feed(&lc, LC_EV_SHUTDOWN);
	assert_int_equal(out.actions & AGENT_ACTIONS, LC_ACT_CANCEL_AGENT | LC_ACT_UNREGISTER_AGENT);

	/* No agent: nothing of the agent's. */
	drive_to_discovering_with_agent(&lc, false);
	feed_no_adapter(&lc);
	out = feed(&lc, LC_EV_SHUTDOWN);
	assert_false(out.ignored);
	assert_true(out.actions & LC_ACT_STOPPED);
	assert_int_equal(out.actions & AGENT_ACTIONS, 0);
}

static void test_agent_is_left_alone_once_stopping(void **state)
{
	static const LcEventType agent_events[] = {
		LC_EV_AGENT_OK, LC_EV_AGENT_FAILED, LC_EV_AGENT_RELEASED, LC_EV_AGENT_RETRY_TIMER,
	};
	Lifecycle lc;
	LcOutput out;

	drive_to_agent_registered(&lc);
	feed(&lc, LC_EV_SHUTDOWN);
	assert_int_equal(lc.state, LC_STATE_STOPPING);
	for (size_t i = 0; i < G_N_ELEMENTS(agent_events); i++) {
		out = feed(&lc, agent_events[i]);
		assert_true(out.ignored);
		assert_int_equal(out.actions, 0);
		assert_int_equal(lc.agent, LC_AGENT_NONE);
	}
	/* A reload during shutdown registers nothing, though bluetoothd is still there. */
	out = feed_agent_changed(&lc, true);
	assert_true(out.ignored);
	assert_int_equal(out.actions, 0);
	assert_int_equal(lc.agent, LC_AGENT_NONE);
	out = feed(&lc, LC_EV_SHUTDOWN);
	assert_true(out.ignored);

	/* Whatever the agent was left at, stopping does not touch it: not even bluetoothd's loss. */
	lc.agent = LC_AGENT_REGISTERED;
	out = feed(&lc, LC_EV_BLUEZ_VANISHED);
	assert_int_equal(out.actions, LC_ACT_STOPPED);
	out = feed(&lc, LC_EV_BUS_LOST);
	assert_int_equal(out.actions, LC_ACT_STOPPED);
	out = feed(&lc, LC_EV_AGENT_RELEASED);
	assert_true(out.ignored);
	assert_int_equal(lc.agent, LC_AGENT_REGISTERED);
}

static void test_agent_events_never_move_the_application(void **state)
{
	static const LcEventType agent_events[] = {
		LC_EV_AGENT_OK, LC_EV_AGENT_FAILED, LC_EV_AGENT_RELEASED, LC_EV_AGENT_RETRY_TIMER, LC_EV_AGENT_CHANGED,
	};

	for (LcState s = LC_STATE_NO_BUS; s <= LC_STATE_STOPPING; s++) {
		for (LcAgentState a = LC_AGENT_NONE; a <= LC_AGENT_REGISTERED; a++) {
			for (size_t i = 0; i < G_N_ELEMENTS(agent_events); i++) {
				Lifecycle lc;
				LcOutput out;
				LcEvent ev = { .type = agent_events[i], .agent_enabled = true };

				lifecycle_init(&lc, true, RETRY_MIN, RETRY_MAX);
				lc.state = s;
				lc.agent = a;
				lc.agent_enabled = true;
				lc.powered = true;
				lc.adv_manager = true;
				lc.attempts = 2;
				out = lifecycle_handle(&lc, &ev);
				if (out.new_state != s || (out.actions & APP_ACTIONS) || lc.attempts != 2 || !lc.powered ||
				    !lc.adv_manager)
					fail_msg("%s with the agent %s moved the application from %s to %s (actions 0x%x)",
					         lifecycle_event_name(agent_events[i]), lifecycle_agent_name(a),
					         lifecycle_state_name(s), lifecycle_state_name(out.new_state), out.actions);
			}
		}
	}
}

static void test_application_events_leave_a_registered_agent_alone(void **state)
{
	static const LcEventType app_events[] = {
		LC_EV_REGISTER_OK, LC_EV_ADVERTISE_OK, LC_EV_POWERED_OFF, LC_EV_POWERED_ON, LC_EV_ADV_RELEASED,
		LC_EV_RETRY_TIMER, LC_EV_ADVERTISE_OK, LC_EV_ADV_MANAGER_REMOVED, LC_EV_ADV_MANAGER_ADDED,
		LC_EV_APP_CHANGED, LC_EV_REGISTER_FAILED, LC_EV_RETRY_TIMER, LC_EV_REGISTER_OK, LC_EV_ADV_CHANGED,
		LC_EV_ADAPTER_REMOVED, LC_EV_ADAPTER_ADDED, LC_EV_REGISTER_OK, LC_EV_POWER_ANSWERED, LC_EV_POWER_TIMER,
		LC_EV_DISCOVER_FAILED, LC_EV_BLUEZ_APPEARED, LC_EV_BLUEZ_ABSENT, LC_EV_BUS_CONNECTED, LC_EV_START,
	};
	Lifecycle lc;
	LcOutput out;

	drive_to_agent_registered(&lc);
	for (size_t i = 0; i < G_N_ELEMENTS(app_events); i++) {
		LcEvent ev = { .type = app_events[i], .adapter = true, .powered = true, .adv_manager = true,
		               .adv_enabled = true };

		out = lifecycle_handle(&lc, &ev);
		if ((out.actions & AGENT_ACTIONS) || lc.agent != LC_AGENT_REGISTERED)
			fail_msg("%s in %s touched the agent (actions 0x%x, agent %s)", lifecycle_event_name(app_events[i]),
			         lifecycle_state_name(out.old_state), out.actions, lifecycle_agent_name(lc.agent));
	}
	/* A GetManagedObjects answer while registered (none is in flight) registers nothing more. */
	lc.state = LC_STATE_DISCOVERING;
	out = feed_adapter(&lc, LC_EV_DISCOVERED, true, true);
	assert_false(out.actions & AGENT_ACTIONS);
	assert_int_equal(lc.agent, LC_AGENT_REGISTERED);
	/* Only bluetoothd's (or the bus's) loss takes it. */
	out = feed(&lc, LC_EV_BLUEZ_VANISHED);
	assert_int_equal(out.new_agent, LC_AGENT_NONE);
}

static void test_agent_event_that_means_nothing_is_ignored(void **state)
{
	Lifecycle lc;
	LcOutput out;

	/* Pairing off: the agent's answers and timers mean nothing. */
	drive_to_discovering_with_agent(&lc, false);
	feed_no_adapter(&lc);
	for (LcEventType e = LC_EV_AGENT_OK; e <= LC_EV_AGENT_RETRY_TIMER; e++) {
		out = feed(&lc, e);
		if (!out.ignored || out.actions)
			fail_msg("%s with no agent was taken (actions 0x%x)", lifecycle_event_name(e), out.actions);
	}
	/* Registered: a failure or a retry timer is late. */
	drive_to_agent_registered(&lc);
	assert_true(feed(&lc, LC_EV_AGENT_FAILED).ignored);
	assert_true(feed(&lc, LC_EV_AGENT_RETRY_TIMER).ignored);
	assert_int_equal(lc.agent, LC_AGENT_REGISTERED);
	/* Registering: a retry timer is late. */
	drive_to_discovering_with_agent(&lc, true);
	feed_no_adapter(&lc);
	assert_true(feed(&lc, LC_EV_AGENT_RETRY_TIMER).ignored);
	assert_int_equal(lc.agent, LC_AGENT_REGISTERING);
	/* A DISCOVERED nobody asked for is ignored by both sides. */
	lc.state = LC_STATE_NO_ADAPTER;
	lc.agent = LC_AGENT_NONE;
	out = feed_no_adapter(&lc);
	assert_true(out.ignored);
	assert_int_equal(out.actions, 0);
	assert_int_equal(lc.agent, LC_AGENT_NONE);
	/* A bluetoothd loss with no agent is still the application's. */
	out = feed(&lc, LC_EV_BLUEZ_VANISHED);
	assert_false(out.ignored);
}

static void test_agent_states_have_names(void **state)
{
	assert_string_equal(lifecycle_agent_name(LC_AGENT_NONE), "none");
	assert_string_equal(lifecycle_agent_name(LC_AGENT_REGISTERING), "registering");
	assert_string_equal(lifecycle_agent_name(LC_AGENT_RETRY), "retrying");
	assert_string_equal(lifecycle_agent_name(LC_AGENT_REGISTERED), "registered");
	assert_string_equal(lifecycle_agent_name((LcAgentState)42), "?");
	assert_string_equal(lifecycle_event_name(LC_EV_AGENT_CHANGED), "agent-changed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_connects_to_the_bus),
		cmocka_unit_test(test_first_registration_then_advertising),
		cmocka_unit_test(test_no_adapter_waits_then_registers_when_one_appears),
		cmocka_unit_test(test_power_cycle_keeps_app_and_reregisters_advertisement),
		cmocka_unit_test(test_registration_while_unpowered_advertises_at_power_on),
		cmocka_unit_test(test_power_on_during_registration_is_remembered),
		cmocka_unit_test(test_advertising_disabled_stays_registered),
		cmocka_unit_test(test_late_advertising_manager_starts_advertising),
		cmocka_unit_test(test_adapter_removal_forgets_registration_and_waits),
		cmocka_unit_test(test_bluez_restart_rediscovers_and_registers_again),
		cmocka_unit_test(test_bus_loss_reconnects_with_growing_backoff),
		cmocka_unit_test(test_register_failures_retry_with_backoff_and_fresh_handles),
		cmocka_unit_test(test_backoff_doubles_and_is_capped),
		cmocka_unit_test(test_advertise_failure_retries_unregistering_first),
		cmocka_unit_test(test_released_advertisement_is_registered_again_after_a_delay),
		cmocka_unit_test(test_power_off_while_advertising_starts_drops_the_call),
		cmocka_unit_test(test_late_register_reply_after_adapter_removal_is_ignored),
		cmocka_unit_test(test_bus_loss_is_handled_in_every_state),
		cmocka_unit_test(test_shutdown_unregisters_advertisement_and_application),
		cmocka_unit_test(test_shutdown_without_bluez_stops_at_once),
		cmocka_unit_test(test_discovery_failure_retries),
		cmocka_unit_test(test_changed_tree_is_registered_afresh),
		cmocka_unit_test(test_changed_tree_while_waiting_for_an_adapter_needs_nothing),
		cmocka_unit_test(test_changed_advertisement_is_replaced_or_withdrawn),
		cmocka_unit_test(test_settled_states_are_the_waiting_and_registered_ones),
		cmocka_unit_test(test_absent_bluez_is_waited_for_and_settles),
		cmocka_unit_test(test_names_cover_every_state_and_event),
		cmocka_unit_test(test_describe_says_the_state_in_words),
		cmocka_unit_test(test_adapter_found_off_is_powered_on_while_registering),
		cmocka_unit_test(test_adapter_found_on_or_without_auto_power_on_is_left_alone),
		cmocka_unit_test(test_adapter_that_appears_off_is_powered_on),
		cmocka_unit_test(test_power_off_while_followed_is_obeyed_until_power_comes_back),
		cmocka_unit_test(test_bluetoothd_restart_finds_the_adapter_afresh),
		cmocka_unit_test(test_answer_that_leaves_the_adapter_off_is_checked_again_then_given_up),
		cmocka_unit_test(test_power_checks_end_when_the_adapter_comes_on_goes_or_is_turned_off),
		cmocka_unit_test(test_power_checks_need_auto_power_on_and_a_set_of_our_own),
		cmocka_unit_test(test_agent_is_registered_once_bluetoothd_answered),
		cmocka_unit_test(test_agent_is_not_registered_with_pairing_off),
		cmocka_unit_test(test_agent_ok_makes_it_the_registered_agent),
		cmocka_unit_test(test_agent_failures_retry_with_backoff_reset_after_success),
		cmocka_unit_test(test_agent_retry_timer_registers_only_with_bluetoothd_and_pairing_on),
		cmocka_unit_test(test_bluetoothd_or_bus_loss_forgets_the_agent_and_the_next_one_gets_it),
		cmocka_unit_test(test_released_agent_is_registered_again_after_a_delay),
		cmocka_unit_test(test_changed_pairing_registers_unregisters_or_replaces_the_agent),
		cmocka_unit_test(test_pairing_turned_on_registers_only_where_bluetoothd_is_known),
		cmocka_unit_test(test_shutdown_unregisters_the_agent),
		cmocka_unit_test(test_agent_is_left_alone_once_stopping),
		cmocka_unit_test(test_agent_events_never_move_the_application),
		cmocka_unit_test(test_application_events_leave_a_registered_agent_alone),
		cmocka_unit_test(test_agent_event_that_means_nothing_is_ignored),
		cmocka_unit_test(test_agent_states_have_names),
	};

	return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}
