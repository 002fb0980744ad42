/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluez/power.h: powering the selected adapter on (AutoPowerOn=true): the
 * Properties.Set(Adapter1, Powered, true) call, and what bluetoothd's answer means.
 * The lifecycle decides when to ask and when to look again (LC_ACT_POWER_ON,
 * LC_ACT_SCHEDULE_POWER_CHECK); this file asks and reads the answer.
 */
#pragma once

#include "bluez/adapter.h"
#include "bluez/bus.h"

typedef struct AdapterPower AdapterPower;

/*
 * Called when bluetoothd answered a request in a way after which the lifecycle should
 * look at the power again: success, or Busy/InProgress (a power change is pending).
 * Refusals (Blocked, Failed, ...) are logged with what the operator can do, and not reported.
 */
typedef void (*AdapterPowerAnswered)(void *user_data);

/* Asks over bus about table's selected adapter (both outlive it). */
AdapterPower *adapter_power_new(BluezBus *bus, const AdapterTable *table, AdapterPowerAnswered answered,
                                void *user_data);
void adapter_power_free(AdapterPower *power);

/* Ask bluetoothd to power the selected adapter on: request try of tries (for the log). Nothing without one. */
void adapter_power_request(AdapterPower *power, unsigned try, unsigned tries);
/* The adapter is still off after tries answers that did not power it on: say so, and what the operator can do. */
void adapter_power_log_gave_up(AdapterPower *power, unsigned tries);
/* Forget the request in flight, if any (bluetoothd or the bus left). */
void adapter_power_cancel(AdapterPower *power);
