/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/pairing.h: pairing as clients see it: the `pairable` command (the
 * pairing window: ask, open, close), the confirm role (handle-pairing,
 * unhandle-pairing, answer-pairing and the `pairing-request` event), and the
 * `passkey`, `pairing-failed` and `pairable` events (server_on_pairing_* in server.h). What the agent does is
 * bluez/agent.c's; the daemon passes it on.
 */
#pragma once

#include "socket/protocol.h"
#include "socket/server-private.h"

void server_pairing_cmd_pairable(Client *client, const ProtoRequest *req);
/* The confirm role (Method=confirm): claim it, give it up, answer a pairing-request. */
void server_pairing_cmd_handle(Client *client, const ProtoRequest *req);
void server_pairing_cmd_unhandle(Client *client, const ProtoRequest *req);
void server_pairing_cmd_answer(Client *client, const ProtoRequest *req);
/* client is gone: if it was the confirmer, its unanswered request is rejected now. */
void server_pairing_client_closed(Server *server, Client *client);
/* A device under the adapter became paired or bonded: the `paired` event. */
void server_pairing_paired(Server *server, const GattCentral *central);
