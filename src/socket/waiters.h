/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/waiters.h: next-write as the clients live it: waiting for a Capture=N
 * characteristic's next write (with a timeout), the reply that hands a write over,
 * failing waiters (off the air, shutdown, a reload removed the queue), and the
 * writes a closed client never got going back to their queues. The policy (which
 * write, which waiter, in which order) is capture.h's; this is the talking.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "socket/capture.h"
#include "socket/client.h"

/*
 * Hand w (taken from cap's queue) to client. The reply carries the write until the
 * kernel has taken all of its bytes: only then is the write consumed. If the client is
 * closed before (it left, or was dropped for not reading), the write goes back to the
 * front of the queue for the next taker.
 */
void server_waiters_reply(Client *client, const json_t *id, Capture *cap, CapturedWrite *w);
/* client waits for cap's next write, timeout_ms at most (-1: for ever); id is its request's. */
void server_waiters_wait(Client *client, Capture *cap, json_t *id, int64_t timeout_ms);
/* client no longer waits (it was answered, or is closed). */
void server_waiters_clear(Client *client);
/* Hand queued writes to waiting clients, oldest waiter first. */
void server_waiters_serve(Capture *cap);
/* Answer every waiter of every capture in caps (Capture*) with an error. */
void server_waiters_fail(GPtrArray *caps, const char *code, const char *message);
/*
 * client was closed (ServerClientListener.closed): the writes its undelivered next-write
 * replies carry go back to their queues in set, in order, and waiting clients get
 * them. quiet: gattd is stopping, every queue is about to go: nothing to log.
 */
void server_waiters_give_back(Client *client, CaptureSet *set, bool quiet);
