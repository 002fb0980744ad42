/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/listen.h: the socket server's listening socket and accepting (listen.c).
 * Accepted clients join server->clients, reaching the server through
 * server->client_listener.
 */
#pragma once

#include "socket/server.h"

/*
 * Listen: on the socket systemd passed (socket activation) or on the server's
 * path, and accept clients from the main loop. Returns 0, or -errno with
 * *ret_error naming what failed.
 */
int server_listen_start(Server *server, char **ret_error);
/* A client left: its descriptor is free, so a paused accept may succeed now. */
void server_listen_resume(Server *server);
/* Stop accepting and close the listening socket (the socket file stays). */
void server_listen_stop(Server *server);
