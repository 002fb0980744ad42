# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattd_client.py: a local client of gattd's Unix socket (docs/protocol.md).

Newline-delimited JSON. Replies are matched to requests by id; event lines
(after `watch`) are kept in order for the test to inspect. A `next-write` can be
sent and its reply collected later, which is how the tests hold one open across
a power cycle.
"""
import itertools
import json
import socket
import time


class GattdClientError(Exception):
    pass


class GattdClient:
    def __init__(self, path, name='client'):
        self.path, self.name = path, name
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(path)
        self.buffer = b''
        self.replies = {}
        self.events = []   # events not yet taken by wait_event()
        self.history = []  # every event ever received, in order
        self.ids = itertools.count(1)

    def close(self):
        self.sock.close()

    def send(self, cmd, **fields):
        """Send a request; returns its id (collect the reply with reply())."""
        request_id = f'{self.name}-{next(self.ids)}'
        line = json.dumps({'cmd': cmd, 'id': request_id, **fields}) + '\n'
        self.sock.sendall(line.encode())
        return request_id

    def reply(self, request_id, timeout=10.0):
        """The reply to request_id; raises GattdClientError when none comes in time."""
        deadline = time.monotonic() + timeout
        while request_id not in self.replies:
            if not self._read_line(deadline):
                raise GattdClientError(f'gattd did not answer request {request_id} within {timeout:.0f} s')
        return self.replies.pop(request_id)

    def request(self, cmd, timeout=10.0, **fields):
        return self.reply(self.send(cmd, **fields), timeout)

    def ok(self, cmd, timeout=10.0, **fields):
        """request() that insists on ok:true."""
        reply = self.request(cmd, timeout, **fields)
        if not reply.get('ok'):
            raise GattdClientError(f'{cmd} failed: {reply.get("error")}')
        return reply

    def wait_event(self, predicate, timeout=10.0):
        """The first queued or arriving event for which predicate(event) holds (consumed)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if predicate(event):
                    return self.events.pop(i)
            if not self._read_line(deadline):
                return None

    def drain(self, seconds=0.0):
        deadline = time.monotonic() + seconds
        while self._read_line(deadline):
            pass

    def _read_line(self, deadline):
        while b'\n' not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            if not chunk:
                raise GattdClientError('gattd closed the connection')
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b'\n', 1)
        message = json.loads(line)
        if 'event' in message:
            self.events.append(message)
            self.history.append(message)
        else:
            self.replies[message.get('id')] = message
        return True
