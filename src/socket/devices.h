/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/devices.h: the centrals (the roster, gatt/centrals.h) as clients see them:
 * the `devices` and `disconnect` commands, the `connected` and `disconnected` events,
 * and the address that names a central in write events and handler requests.
 */
#pragma once

#include "gatt/centrals.h"
#include "socket/client.h"
#include "socket/protocol.h"
#include "socket/server.h"

/* A `disconnect` in flight, forgotten (server_free: BlueZ's answer will not come). */
void server_disconnect_free(ServerDisconnect *d);

/* The address of the central at path: the roster's, else the one in BlueZ's path; NULL when neither. */
char *server_device_address(Server *server, const char *path);

/*
 * Store data as chr's value and notify it to the connected central at address alone,
 * through its notify socket. Returns NULL (*ret_notified true), or the error code
 * (PROTO_ERR_*) with *ret_message: busy or failed when the value was stored but not
 * notified; any other before anything was stored.
 */
const char *server_devices_notify(Server *server, GattChar *chr, const char *address, const uint8_t *data,
                                  size_t len, bool *ret_notified, char **ret_message);
/* A notify frame from a channel: done, or an error frame naming its tag. */
void server_devices_frame_notify(Client *client, const uint8_t *body, size_t len);

void server_devices_cmd_devices(Client *client, const ProtoRequest *req);
void server_devices_cmd_disconnect(Client *client, const ProtoRequest *req);
/* bonds: the bonded devices, connected or not; forget: Adapter1.RemoveDevice of one, by address. */
void server_devices_cmd_bonds(Client *client, const ProtoRequest *req);
void server_devices_cmd_forget(Client *client, const ProtoRequest *req);

/* gattd is stopping: answer the disconnects in flight (shutting-down); BlueZ's answers go to nobody. */
void server_devices_shutdown(Server *server);
/* The client left: its disconnects in flight will answer nobody. */
void server_devices_client_closed(Server *server, Client *client);
