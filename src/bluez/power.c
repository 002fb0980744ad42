/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bluez/power.c: powering the selected adapter on (see bluez/power.h). */
#include "bluez/power.h"

#include <string.h>

#include "dbus/message.h"
#include "shared/log.h"

struct AdapterPower {
	BluezBus *bus;
	const AdapterTable *table;
	AdapterPowerAnswered answered;
	void *user_data;
	DBusPendingCall *call;   /* Set(Powered) on path in flight */
	char *path;
	unsigned try, tries;     /* which request that is, of how many the lifecycle makes */
};

AdapterPower *adapter_power_new(BluezBus *bus, const AdapterTable *table, AdapterPowerAnswered answered,
                                void *user_data)
{
	AdapterPower *power = g_new0(AdapterPower, 1);

	power->bus = bus;
	power->table = table;
	power->answered = answered;
	power->user_data = user_data;
	return power;
}

void adapter_power_free(AdapterPower *power)
{
	if (!power)
		return;
	bluez_bus_cancel(&power->call);
	g_free(power->path);
	g_free(power);
}

void adapter_power_cancel(AdapterPower *power)
{
	bluez_bus_cancel(&power->call);
}

static void power_on_reply(DBusPendingCall *call, void *data)
{
	AdapterPower *power = data;
	g_autoptr(DBusMessage) reply = dbus_pending_call_steal_reply(call);
	const AdapterInfo *info = power->table->selected;
	const char *name = adapter_name_for_path(power->path);
	const char *error, *text;

	g_clear_pointer(&power->call, dbus_pending_call_unref);
	/* Gone meanwhile (removed, replaced): the answer says nothing about the adapter we follow. */
	if (!info || strcmp(info->path, power->path) != 0)
		return;
	/*
	 * Usually done: "adapter hciN powered on" follows from the PropertiesChanged. The
	 * lifecycle looks again later: 5.55 also answers success and does nothing while a
	 * power change is pending (adapter.c property_set_mode).
	 */
	if (dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_ERROR) {
		log_debug("%s: Set(Powered) answered", name);
		power->answered(power->user_data);
		return;
	}
	error = dbus_message_get_error_name(reply);
	/*
	 * bluetoothd powers it on itself (AutoEnable) and refuses a second request meanwhile
	 * (5.57 on). Before 5.66 a failed power-on stays pending, and Busy comes back until
	 * the power changes: the lifecycle asks again, a bounded number of times.
	 */
	if (strcmp(error, BLUEZ_ERROR_PREFIX "Busy") == 0 || strcmp(error, BLUEZ_ERROR_PREFIX "InProgress") == 0) {
		log_info("%s: bluetoothd answered %s to request %u of %u (a power change is pending; gattd looks again "
		         "later)", name, error, power->try, power->tries);
		power->answered(power->user_data);
		return;
	}
	text = bluez_bus_error_text(reply);
	log_warning("cannot power %s on: %s%s%s; gattd waits until it is powered on (%s)", name, error, *text ? ": " : "",
	            text, strcmp(error, BLUEZ_ERROR_PREFIX "Blocked") == 0 ? "it is blocked: rfkill unblock bluetooth"
	                                                                    : "bluetoothctl power on");
}

void adapter_power_request(AdapterPower *power, unsigned try, unsigned tries)
{
	const AdapterInfo *info = power->table->selected;
	g_autoptr(DBusMessage) msg = NULL;
	dbus_bool_t on = TRUE;

	if (!info)
		return;
	msg = bus_new_property_set(BLUEZ_SERVICE, info->path, ADAPTER_IFACE, "Powered", DBUS_TYPE_BOOLEAN, &on);
	if (try <= 1)
		log_info("%s is powered off: powering it on (AutoPowerOn=true)", adapter_info_name(info));
	else
		log_info("%s is still powered off: asking bluetoothd again (%u of %u)", adapter_info_name(info), try, tries);
	bluez_bus_cancel(&power->call);
	g_free(power->path);
	power->path = g_strdup(info->path);
	power->try = try;
	power->tries = tries;
	power->call = bluez_bus_call(power->bus, msg, power_on_reply, power);
}

void adapter_power_log_gave_up(AdapterPower *power, unsigned tries)
{
	const AdapterInfo *info = power->table->selected;

	log_warning("%s is still powered off after %u requests to power it on; gattd waits until it is powered on "
	            "(bluetoothd before 5.66 ignores every request after a failed power-on, answering Busy or "
	            "success, until the power changes: btmgmt power on, or restart bluetoothd)",
	            info ? adapter_info_name(info) : "the adapter", tries);
}
