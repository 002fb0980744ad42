# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattd: a client for gattd's local socket (README, "Local client protocol").

Standard library only. Two clients with the same requests:

- gattd.Client: blocking, one request at a time;
- gattd.aio.AsyncClient: asyncio, any number of requests in flight.

Every request returns gattd's reply as a dict (its fields as README gives them);
an error reply raises GattdError with its code ("not-found", ...) and message.
Events (after watch(), and a handler's read-request / write-request) queue up
between replies and are read with next_event() or events().
"""
from gattd.protocol import DEFAULT_SOCKET, ConnectionClosed, GattdError, socket_path
from gattd.client import Client

__all__ = ['Client', 'GattdError', 'ConnectionClosed', 'DEFAULT_SOCKET', 'socket_path']
