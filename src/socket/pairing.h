/*
 * socket/pairing.h: pairing as clients see it: the `pairable` command (the
 * pairing window: ask, open, close) and the `passkey`, `pairing-failed` and
 * `pairable` events (server_on_pairing_* in server.h). What the agent does is
 * bluez/agent.c's; the daemon passes it on.
 */
#pragma once

#include "socket/protocol.h"
#include "socket/server-private.h"

void server_pairing_cmd_pairable(Client *client, const ProtoRequest *req);
/* A device under the adapter became paired or bonded: the `paired` event. */
void server_pairing_paired(Server *server, const GattCentral *central);
