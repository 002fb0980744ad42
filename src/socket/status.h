/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/status.h: what the daemon tells the socket server about the BlueZ side,
 * as plain data (types only): the snapshot behind the `status` reply and the
 * `adapter` event. The socket server never asks the BlueZ driver itself.
 *
 * A snapshot owns its strings; server_status_clear() / server_adapter_clear() free them.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

/* The selected adapter. */
typedef struct {
	char *name;          /* "hci0"; NULL when there is none (removed, BlueZ gone) */
	char *address;       /* NULL when not known */
	bool powered;
	char *path;          /* its D-Bus object path; NULL without name */
} ServerAdapter;

/* The pairing agent and its window ([Pairing]), for `status`, `pairable` and the `pairable` event. */
typedef struct {
	const char *method;      /* [Pairing] Method=: "off", "just-works", "passkey", "display" (static) */
	bool agent;              /* registered as bluetoothd's default agent */
	bool pairable;           /* a central's pairing is accepted now */
	bool always;             /* Pairable=always */
	int64_t remaining_ms;    /* on-request: until the window closes, 0 when closed */
} ServerPairing;

/*
 * The advertisement, for the `advertise` reply and event. Unlike the snapshots
 * below it borrows: valid only while the daemon's answer (ServerListener.advertise) lasts.
 */
typedef struct {
	const CfgAdvertising *live;        /* what is advertised, or offered to BlueZ (enabled) */
	const char *const *service_uuids;  /* NULL-terminated */
	bool changed;                      /* clients changed it from the configuration's */
	bool advertising;                  /* registered with BlueZ now */
	bool paused;                       /* enabled, but not offered: PauseWhileConnected and a central is connected */
} ServerAdvertisement;

/* An [Advertising NAME] advertisement, for `status` (the main one is ServerStatus.advertising). */
typedef struct {
	char *name;
	bool enabled;        /* enabled now (Enabled=, or a client's `advertise`) */
	bool advertising;    /* registered with BlueZ now */
	bool paused;         /* enabled, but not offered: PauseWhileConnected and a central is connected */
	char *error;         /* why bluetoothd last refused it, until it takes it; NULL when it did not */
} ServerAdvertisementState;

static inline void server_advertisement_state_free(ServerAdvertisementState *state)
{
	g_free(state->name);
	g_free(state->error);
	g_free(state);
}

/* Everything a `status` reply tells, in its order. */
typedef struct {
	/* Filled by the daemon (ServerListener.status). */
	char *state;         /* the lifecycle state's name, "registered", ... */
	char *description;   /* the state in words */
	ServerAdapter adapter;
	bool registered;
	bool advertising;
	bool on_air;
	GPtrArray *advertisements; /* ServerAdvertisementState*; NULL or empty without [Advertising NAME] groups */
	/* Acquired sockets on the adapter's bluetoothd: "shared", "per-central", "targeted"; NULL without one. */
	const char *sockets;
	ServerPairing pairing;
	/* Filled by the server. */
	unsigned clients;
	unsigned watchers;
	unsigned subscriptions;
	uint64_t captured;   /* writes waiting in the capture queues */
	uint64_t overflows;  /* writes the capture queues dropped */
	unsigned generation;
} ServerStatus;

static inline void server_adapter_clear(ServerAdapter *adapter)
{
	g_clear_pointer(&adapter->name, g_free);
	g_clear_pointer(&adapter->address, g_free);
	g_clear_pointer(&adapter->path, g_free);
}

static inline void server_status_clear(ServerStatus *status)
{
	g_clear_pointer(&status->state, g_free);
	g_clear_pointer(&status->description, g_free);
	server_adapter_clear(&status->adapter);
	g_clear_pointer(&status->advertisements, g_ptr_array_unref);
}
