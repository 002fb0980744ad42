/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluez/adv-pacing.h: when the advertisement's RegisterAdvertisement goes out. The
 * lifecycle decides that it should (LC_ACT_REGISTER_ADV); this file holds it back:
 *
 * - until the signals already queued are handled (an idle callback), so a burst of
 *   power flips read at once ends in one Unregister/Register pair, not one per flip,
 *   which would flood bluetoothd and the bus;
 * - until bluetoothd has answered the UnregisterAdvertisement before it. bluetoothd
 *   frees the controller instance in an idle callback after answering
 *   (advertising.c client_remove, every version), so a Register queued right behind
 *   the Unregister gets the next instance number, one more at each power cycle. The
 *   kernel (seen on Debian 12's 6.1) does not report an instance numbered above its
 *   count of instances to the next bluetoothd (Read Advertising Features), which
 *   then does not reset it: after a bluetoothd restart the old data stayed on the
 *   air beside gattd's, and after `advertise` off, for as long as the kernel ran.
 *
 * bluez.c builds the calls and sends the Register; the callbacks ask it to.
 */
#pragma once

#include <stdbool.h>

#include "bluez/bus.h"

typedef struct AdvPacing AdvPacing;

/*
 * Send the Register if the lifecycle still wants it, after an Unregister if
 * unregister_first: called once the queued events are handled, and again (without
 * unregister_first) when the answer to the Unregister that held a Register back came.
 */
typedef void (*AdvPacingStart)(void *data, bool unregister_first);

/* Sends over bus (which outlives it). */
AdvPacing *bluez_adv_pacing_new(BluezBus *bus, AdvPacingStart start, void *data);
void bluez_adv_pacing_free(AdvPacing *pacing);

/* Call start once the events already queued are handled (once for several calls). */
void bluez_adv_pacing_start_soon(AdvPacing *pacing, bool unregister_first);
/* Send msg, an UnregisterAdvertisement; Registers wait for its answer (an error too). */
void bluez_adv_pacing_unregister(AdvPacing *pacing, DBusMessage *msg);
/* Whether a Register must wait for an Unregister's answer; then start follows it. */
bool bluez_adv_pacing_hold_register(AdvPacing *pacing);
/* The lifecycle moved on: a held Register is no longer wanted. */
void bluez_adv_pacing_drop_register(AdvPacing *pacing);
/* bluetoothd or the bus left: no answer to wait for (a new bluetoothd holds no instance of ours). */
void bluez_adv_pacing_forget(AdvPacing *pacing);
