/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluez/agent-manager.h: registering gattd's pairing agent (agent.h) with
 * bluetoothd's org.bluez.AgentManager1 on /org/bluez: RegisterAgent with the
 * method's IO capability, then RequestDefaultAgent, since a central's pairing
 * goes to the default agent only (src/device.c new_auth). One chain at a time;
 * the lifecycle decides when (LC_ACT_REGISTER_AGENT and friends).
 */
#pragma once

#include "bluez/bus.h"

typedef struct BluezAgentManager BluezAgentManager;

/* The chain's end: 0, or -EIO with BlueZ's error name and text in error (borrowed). */
typedef void (*BluezAgentManagerDone)(int err, const char *error, void *data);

BluezAgentManager *bluez_agent_manager_new(BluezBus *bus, BluezAgentManagerDone done, void *data);
void bluez_agent_manager_free(BluezAgentManager *manager);
/* Start the chain (cancelling one in flight); done follows, never from inside. */
void bluez_agent_manager_register(BluezAgentManager *manager, const char *capability);
/* UnregisterAgent, no reply awaited (bluetoothd also drops an agent whose connection goes). */
void bluez_agent_manager_unregister(BluezAgentManager *manager);
/* Forget the chain in flight: done is not called for it. */
void bluez_agent_manager_cancel(BluezAgentManager *manager);
