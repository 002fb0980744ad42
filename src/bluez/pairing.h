/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluez/pairing.h: the driver's pairing duty: the agent (agent.h) and its
 * registration (agent-manager.h), carried out as the lifecycle decides
 * (LC_ACT_*_AGENT), with the outcomes fed back to it as events.
 */
#pragma once

#include <stdbool.h>

#include "bluez/agent.h"
#include "bluez/bus.h"
#include "bluez/lifecycle.h"

typedef struct BluezPairing BluezPairing;

/* Feed one of the agent's events (LC_EV_AGENT_OK, _FAILED, _RELEASED, _RETRY_TIMER) to the lifecycle. */
typedef void (*BluezPairingEmit)(LcEventType type, void *data);

/* The agent's Release becomes LC_EV_AGENT_RELEASED; its other reports are for listeners of the agent. */
BluezPairing *bluez_pairing_new(BusExporter *exporter, BluezBus *bus, const CfgPairing *cfg, GattCentrals *centrals,
                                BluezPairingEmit emit, void *data);
void bluez_pairing_free(BluezPairing *pairing);
/* Carry out the lifecycle's agent actions. */
void bluez_pairing_execute(BluezPairing *pairing, const LcOutput *out);
/* A reload's [Pairing]; true when the agent must be registered afresh (turned on or off, new capability). */
bool bluez_pairing_reload(BluezPairing *pairing, const CfgPairing *cfg, bool was_enabled);
BluezAgent *bluez_pairing_agent(BluezPairing *pairing);
/*
 * The adapter at path is not Pairable while gattd's agent is bluetoothd's
 * default: set it true (one Set in flight at a time; the outcome is logged).
 * With AlwaysPairable=false bluetoothd turns bonding off as an agent leaves and
 * on as one becomes default, and can lose the second when the first is still in
 * flight (adapter_set_io_capability), as at a reload that changes the capability.
 */
void bluez_pairing_keep_pairable(BluezPairing *pairing, const char *path);
