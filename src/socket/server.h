/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/server.h: the socket server as the daemon sees it (its whole public API):
 * the local client socket, listening (or socket activation), client connections
 * with their limits, the commands of README.md, "Local client protocol", events to
 * watchers, and the capture queues of Capture=N characteristics with the clients
 * waiting on them in next-write. What it needs of the BlueZ side comes from the
 * daemon: as arguments of server_on_*, and as a ServerStatus (status.h) from
 * ServerListener.status.
 *
 * The capture queues and client watches belong to the server, which lives as long as
 * the process: they outlast every re-registration with BlueZ.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/advertising.h"
#include "gatt/app.h"
#include "gatt/centrals.h"
#include "socket/status.h"

typedef struct {
	const char *path;       /* socket path */
	unsigned mode;          /* permissions of the socket file */
	const char *group;      /* group owning the socket file, NULL to leave as is */
	unsigned max_clients;
	size_t max_line;        /* longest request line accepted */
	size_t max_queue;       /* queued to a client: over it, its requests wait; over it in events, dropped */
	unsigned max_requests;  /* pending requests per handler ([Daemon] MaxClientRequests) */
} ServerOptions;

typedef struct Server Server;
typedef enum { SERVER_PAIRABLE_ASK, SERVER_PAIRABLE_OPEN, SERVER_PAIRABLE_CLOSE } ServerPairableOp;
/* How a pairing-request ends on the client side: the confirmer's answer, or its leaving. */
typedef enum { SERVER_PAIRING_ACCEPT, SERVER_PAIRING_REJECT, SERVER_PAIRING_NO_CONFIRMER } ServerPairingAnswer;

/* Method=confirm: one pairing for the confirmer to accept or reject (the `pairing-request` event). */
typedef struct {
	uint64_t id;             /* for answer-pairing */
	const char *kind;        /* "compare" (numeric comparison: passkey set) or "just-works" */
	const char *device;      /* BlueZ's device path */
	const char *address;     /* the central's */
	int passkey;             /* "compare": 0..999999; -1 otherwise */
	int64_t deadline;        /* CLOCK_MONOTONIC µs */
} ServerPairingRequest;

/* A client's `disconnect` in flight (socket/devices.c). */
typedef struct ServerDisconnect ServerDisconnect;

typedef struct {
	/*
	 * A client's `reload` command: reload the configuration. Returns the new
	 * generation, or -errno with *ret_problems naming every problem (the reply
	 * lists them in "problems" and joins them with "; "). The first listener
	 * with reload answers; with none, reloading is not available.
	 */
	int (*reload)(Server *server, bool *ret_reregistered, GStrv *ret_problems, void *user_data);
	/*
	 * A client's `status` command: fill the BlueZ side of out (state, description,
	 * adapter, registered, advertising, on_air) and return true. The first listener
	 * with status answers; with none, those stay empty (null, false).
	 */
	bool (*status)(Server *server, ServerStatus *out, void *user_data);
	/*
	 * A client's `disconnect`: ask BlueZ to disconnect the central at path (its
	 * Device1), and call server_disconnect_done(error, message, token) once BlueZ
	 * answered, never from inside this call. Returns true. The first listener with
	 * disconnect answers; with none, disconnecting is not available.
	 */
	bool (*disconnect)(Server *server, const char *path, ServerDisconnect *token, void *user_data);
	/*
	 * A client's `pairable`: op SERVER_PAIRABLE_ASK, _OPEN (for seconds; 0: [Pairing]
	 * PairableSeconds) or _CLOSE the pairing window. Fills out and returns 0, or
	 * -EOPNOTSUPP (Method=off) or -EALREADY (closing with Pairable=always). The first
	 * listener with pairable answers; with none, pairing is off.
	 */
	int (*pairable)(Server *server, ServerPairableOp op, unsigned seconds, ServerPairing *out, void *user_data);
	/*
	 * A client's `forget`: ask BlueZ to remove the device at path with its keys
	 * (Adapter1.RemoveDevice), answering as disconnect does (server_disconnect_done).
	 */
	bool (*forget)(Server *server, const char *path, ServerDisconnect *token, void *user_data);
	/*
	 * The confirmer's answer to pairing request id (answer-pairing), or its leaving with
	 * the request unanswered (SERVER_PAIRING_NO_CONFIRMER). Returns 0, -ENOENT (no such
	 * request) or -ESTALE (settled already).
	 */
	int (*pairing_answer)(Server *server, uint64_t id, ServerPairingAnswer answer, void *user_data);
	/*
	 * A client's `advertise`: apply change (nothing when it is empty: the client only
	 * asks), fill out (borrowed: valid until the advertisement changes again) and
	 * return 0; or -EINVAL / -EMSGSIZE with *ret_error saying why (nothing changed).
	 * The first listener with advertise answers; with none, advertising is not available.
	 */
	int (*advertise)(Server *server, const CfgAdvertisingChange *change, ServerAdvertisement *out, char **ret_error,
	                 void *user_data);
} ServerListener;

/*
 * Serve app: the server follows it (a GattAppListener) until server_reload() or
 * server_free(); and centrals, the roster, which must outlive the server.
 */
Server *server_new(const ServerOptions *options, GattApp *app, GattCentrals *centrals);
void server_free(Server *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Server, server_free)

/*
 * Listen: on the socket systemd passed (socket activation) or on options->path.
 * Returns 0, or -errno with *ret_error naming what failed.
 */
int server_start(Server *server, char **ret_error);

/* Add a listener (shared/listeners.h); returns its id for server_remove_listener(). */
unsigned server_add_listener(Server *server, const ServerListener *listener, void *user_data);
void server_remove_listener(Server *server, unsigned id);
/*
 * A reload swapped configuration and application: follow them (capture queues of
 * characteristics that still capture are kept; waiters on removed ones are told).
 * Call while the old application still lives, before anything can report events
 * about the new one.
 */
void server_reload(Server *server, const GattdConfig *config, GattApp *app, unsigned generation);
/* Tell watchers the reload is applied (the `reloaded` event). */
void server_announce_reload(Server *server);

/* What happened on the BlueZ side, from the daemon. */
/* Off the air for reason, the name clients see ("adapter-down", ...); shutdown: gattd is stopping. */
void server_on_down(Server *server, const char *reason, bool shutdown);
/* Registered with BlueZ on the adapter named adapter_name ("hci0"). */
void server_on_up(Server *server, const char *adapter_name);
/* The selected adapter changed: which one, or its address or power. */
void server_on_adapter_changed(Server *server, const ServerAdapter *adapter);
/*
 * BlueZ answered a disconnect (ServerListener.disconnect): 0, or -ETIMEDOUT (no answer
 * in time), -ENOTCONN (BlueZ or the bus left first), -EIO (refused; message says how).
 */
void server_disconnect_done(int error, const char *message, void *token);
/* Pairing (socket/pairing.c): a passkey for clients to show, a refused or cancelled pairing, the window. */
void server_on_pairing_passkey(Server *server, const char *device, const char *address, unsigned passkey);
/* request: the pairing-request it settles, or 0. */
void server_on_pairing_failed(Server *server, const char *device, const char *address, const char *reason,
                              uint64_t request);
/* Send req to the confirmer: 0, or -ENOENT when no client confirms pairings. */
int server_on_pairing_request(Server *server, const ServerPairingRequest *req);
void server_on_pairable_changed(Server *server, const ServerPairing *pairing);

/* gattd is stopping: answer waiters, refuse new requests. */
void server_shutdown(Server *server);
