/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluez/agent.h: gattd as bluetoothd's pairing agent (org.bluez.Agent1 on
 * BLUEZ_AGENT_PATH), answering a central's pairing as [Pairing] says. The
 * lifecycle registers it (bluez.c); this file owns what it answers:
 *   just-works  NoInputNoOutput  RequestAuthorization accepted while pairable
 *   passkey     KeyboardOnly     RequestPasskey answered with Passkey=
 *   display     DisplayOnly      DisplayPasskey reported (`passkey` event) while pairable
 *   confirm     DisplayYesNo     RequestConfirmation (numeric comparison) and RequestAuthorization
 *                                (Just Works) held until the local confirmer answers (ConfirmTimeoutMs);
 *                                DisplayPasskey reported, as with display
 * Whatever else bluetoothd asks is refused (org.bluez.Error.Rejected), as is
 * everything while the pairing window is closed. Only org.bluez's owner may call
 * (the exporter's access check). The passkey is never logged.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "dbus/exporter.h"
#include "gatt/centrals.h"
#include "shared/listeners.h"

#define BLUEZ_AGENT_PATH "/org/gattd/agent"

typedef struct BluezAgent BluezAgent;

/* Method=confirm: what the confirmer is asked. */
typedef enum {
	BLUEZ_CONFIRM_NUMBER,      /* numeric comparison: does the central show the same six digits? */
	BLUEZ_CONFIRM_JUST_WORKS,  /* Just Works: no number to compare; pair (encrypted, not authenticated)? */
} BluezConfirmKind;

typedef struct {
	uint64_t id;               /* for bluez_agent_answer(); never reused */
	BluezConfirmKind kind;
	const char *device;        /* BlueZ's device path */
	const char *address;       /* the central's address, or the path when unknown */
	unsigned passkey;          /* BLUEZ_CONFIRM_NUMBER: the number both sides show */
	int64_t deadline;          /* CLOCK_MONOTONIC µs: unanswered by then, the pairing is rejected */
} BluezConfirmRequest;

typedef struct {
	/* bluetoothd called Release: it no longer knows the agent. */
	void (*released)(BluezAgent *agent, void *user_data);
	/* Method=display: bluetoothd shows passkey to the central's user through us. */
	void (*passkey)(BluezAgent *agent, const char *device, const char *address, unsigned passkey,
	                void *user_data);
	/*
	 * A pairing the agent refused or bluetoothd cancelled; reason: "not-pairable", "rejected",
	 * "canceled", and for a confirmation "timeout" or "no-confirmer". request: the
	 * BluezConfirmRequest id it settles, or 0.
	 */
	void (*failed)(BluezAgent *agent, const char *device, const char *address, const char *reason,
	               uint64_t request, void *user_data);
	/*
	 * Method=confirm: hand req to the local confirmer, who answers with bluez_agent_answer().
	 * Returns 0 when one has it; -ENOENT when there is none (the pairing is rejected at once).
	 */
	int (*confirm)(BluezAgent *agent, const BluezConfirmRequest *req, void *user_data);
	/* The pairing window opened or closed (a client, or its time ran out). */
	void (*pairable_changed)(BluezAgent *agent, void *user_data);
} BluezAgentListener;

BluezAgent *bluez_agent_new(BusExporter *exporter, const CfgPairing *cfg, GattCentrals *centrals);
void bluez_agent_free(BluezAgent *agent);
/* Add a listener (shared/listeners.h); returns its id for bluez_agent_remove_listener(). */
unsigned bluez_agent_add_listener(BluezAgent *agent, const BluezAgentListener *listener, void *user_data);
void bluez_agent_remove_listener(BluezAgent *agent, unsigned id);
/* A reload's [Pairing]; an open window stays open as long as it was to. */
void bluez_agent_set_config(BluezAgent *agent, const CfgPairing *cfg);
/* The IO capability RegisterAgent gets: "NoInputNoOutput", "KeyboardOnly", "DisplayOnly", "DisplayYesNo". */
const char *bluez_agent_capability(const BluezAgent *agent);

/*
 * The pairing window. open: for seconds (0: PairableSeconds); -EALREADY with
 * Pairable=always, -EOPNOTSUPP with Method=off.
 */
int bluez_agent_open_window(BluezAgent *agent, unsigned seconds);
int bluez_agent_close_window(BluezAgent *agent);
typedef enum {
	BLUEZ_CONFIRM_ACCEPT,
	BLUEZ_CONFIRM_REJECT,
	BLUEZ_CONFIRM_NOBODY,      /* the confirmer left without answering: rejected, "no-confirmer" */
} BluezConfirmAnswer;

/*
 * The confirmer's answer to request id: 0; -ENOENT if there never was such a request;
 * -ESTALE if it is settled already (answered, timed out, cancelled).
 */
int bluez_agent_answer(BluezAgent *agent, uint64_t id, BluezConfirmAnswer answer);

/* Whether pairing is accepted now; *ret_remaining_ms: -1 with always, else ms until it closes (0: closed). */
bool bluez_agent_is_pairable(const BluezAgent *agent, int64_t *ret_remaining_ms);
