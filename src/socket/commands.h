/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/commands.h: the requests of the local client protocol (commands.c), as
 * the socket server hands them over from a client (ServerClientListener.line).
 */
#pragma once

#include <stddef.h>

#include "socket/client.h"

/* One request line (without its newline) from client: parse, do, answer. */
void server_commands_handle_line(Client *client, const char *line, size_t len);
