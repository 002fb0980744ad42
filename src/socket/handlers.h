/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/handlers.h: local clients as handlers (README, "Handlers"): who claimed which
 * characteristic, the requests each was sent (read-request, write-request: JSON lines,
 * or frames on a handler channel) and their answers, the per-handler limit, and what a
 * handler leaving settles. gattd's side of a request (the held call, time limit,
 * fallback) is gatt/requests.c's.
 */
#pragma once

#include "gatt/app.h"
#include "socket/client.h"
#include "socket/protocol.h"
#include "socket/server.h"

/* Answer the requests of app's handled characteristics from now on (the server's app at start and after a reload). */
void server_handlers_follow(Server *server, GattApp *old, GattApp *app);
/* client is gone: its pending requests settle by the fallback, its claims end. */
void server_handlers_client_closed(Server *server, Client *client);

void server_handlers_cmd_handle(Client *client, const ProtoRequest *req);
/* `channel`: the connection becomes a channel of frames without claiming anything (it sends notify frames). */
void server_handlers_cmd_channel(Client *client, const ProtoRequest *req);
void server_handlers_cmd_unhandle(Client *client, const ProtoRequest *req);
void server_handlers_cmd_answer(Client *client, const ProtoRequest *req);
/* A frame from a handler channel (Client.frames): an answer, or an error frame back. */
void server_handlers_frame(Client *client, const uint8_t *body, size_t len);
/*
 * An `answer` to request id was refused before it could be read (ProtoError.answer_request):
 * if the request waits for client, the central gets 0x0e now. Returns whether it did.
 */
bool server_handlers_refuse_bad_answer(Client *client, uint64_t id);
