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
