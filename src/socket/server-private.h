/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/server-private.h: the Server object (server.h), shared by the files of
 * the socket server that work on all of it: server.c (the object), listen.c
 * (listening, accepting), events.c (what happened, to watchers and waiters) and
 * commands.c (the requests). Definitions only: no functions.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "gatt/app.h"
#include "shared/listeners.h"
#include "socket/capture.h"
#include "socket/client.h"
#include "socket/server.h"

struct Server {
	ServerOptions opts;
	char *path;
	char *group;
	GattApp *app;
	unsigned app_listener_id;  /* on app: centrals' writes, subscriptions, confirmations (server.c) */
	int listen_fd;
	bool created_path;       /* unlink the socket file at exit */
	guint listen_source;
	guint accept_retry_id;   /* accepting paused (accept() failed): when to try again */
	unsigned accept_retry_ms;  /* the next pause, doubling up to the longest (listen.c) */
	bool accept_failing;     /* accept() failed since the backlog was last empty (logged once) */
	const ServerClientListener *client_listener;  /* how the clients reach the server (server.c) */
	GList *clients;          /* Client* */
	unsigned n_clients;
	unsigned next_client_id;
	CaptureSet *captures;
	GHashTable *handlers;    /* characteristic id -> the Client* that claimed it (handlers.c) */
	GHashTable *requests;    /* &GattRequest.id -> GattRequest* sent to a handler, not yet answered */
	bool shutting_down;
	unsigned generation;     /* configuration generation, 1 at start */
	ListenerList listeners;  /* ServerListener */
	GattCentrals *centrals;  /* the roster (devices.c) */
	unsigned centrals_listener_id;
	GPtrArray *disconnects;  /* ServerDisconnect*: `disconnect` commands BlueZ has not answered yet */
	Client *confirmer;       /* the client that confirms pairings (handle-pairing), or NULL (pairing.c) */
	uint64_t confirming;     /* the pairing-request it was sent and has not settled, or 0 */
};
