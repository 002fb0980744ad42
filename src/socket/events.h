/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/events.h: what centrals did to the application the server follows, as
 * server.c (its GattAppListener) hands it to events.c: events to the watchers, and
 * writes into the capture queues on to their next-write waiters.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "gatt/app.h"
#include "shared/jwrite.h"
#include "socket/server.h"

/* Send event (the writer is taken) to every watcher interested in chr (NULL: every watcher). */
void server_events_broadcast(Server *server, GattChar *chr, JWriter *event);
void server_events_write(Server *server, GattChar *chr, const uint8_t *data, size_t len, uint16_t offset,
                         const char *device);
/* A central subscribed or unsubscribed; device: its path when BlueZ said, else NULL. */
void server_events_subscription(Server *server, GattChar *chr, bool subscribed, const char *device);
void server_events_connected(Server *server, const GattCentral *central);
void server_events_disconnected(Server *server, const GattCentral *central, const char *reason);
void server_events_confirm(Server *server, GattChar *chr);
