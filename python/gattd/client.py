# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattd.Client: the blocking client."""
import collections
import socket
import time

from gattd import protocol
from gattd.requests import Requests


class Client(Requests):
    """One connection to gattd. timeout: seconds each request waits for its reply
    (next_write waits as long as it asks). Usable as a context manager.

        with gattd.Client() as c:
            print(c.get('battery/level')['typed'])
            c.set('battery/level', typed=87, notify=True)
    """

    def __init__(self, path=None, timeout=10.0):
        self.path = protocol.socket_path(path)
        self.timeout = timeout
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._sock.settimeout(timeout)
            self._sock.connect(self.path)
        except OSError:
            self._sock.close()
            raise
        self._buffer = b''
        self._events = collections.deque()
        self._next_id = 1

    def close(self):
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def fileno(self):
        """For select()/poll(): readable when gattd sent something (an event)."""
        return self._sock.fileno()

    def _read_message(self, deadline):
        """The next line gattd sends, as a dict; None when deadline (monotonic, or None:
        no limit) passes first."""
        while b'\n' not in self._buffer:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._sock.settimeout(left)
            else:
                self._sock.settimeout(None)
            try:
                chunk = self._sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                raise protocol.ConnectionClosed('gattd closed the connection')
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b'\n', 1)
        return protocol.decode(line)

    def request(self, cmd, timeout=None, **fields):
        """Send one request and return its reply (GattdError for an error reply). Events
        that arrive meanwhile wait for next_event()."""
        request_id = self._next_id
        self._next_id += 1
        self._sock.settimeout(self.timeout)
        self._sock.sendall(protocol.encode(request_id, cmd, fields))
        wait = self.timeout if timeout is None else timeout
        deadline = None if wait is None or wait == protocol.FOREVER else time.monotonic() + wait
        while True:
            message = self._read_message(deadline)
            if message is None:
                raise TimeoutError('gattd did not answer %s within %s s' % (cmd, wait))
            if 'event' in message:
                self._events.append(message)
            elif message.get('id') == request_id or (message.get('id') is None and message.get('ok') is False):
                return protocol.check(message)

    def next_event(self, timeout=None):
        """The next event (a dict with 'event'), or None after timeout seconds (None: wait)."""
        if self._events:
            return self._events.popleft()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            message = self._read_message(deadline)
            if message is None:
                return None
            if 'event' in message:
                return message

    def events(self, timeout=None):
        """Iterate over events until one does not come within timeout (None: for ever)."""
        while True:
            event = self.next_event(timeout)
            if event is None:
                return
            yield event

    def requests(self, timeout=None):
        """A handler's read-request and write-request events (other events are skipped)."""
        for event in self.events(timeout):
            if event['event'] in protocol.REQUEST_EVENTS:
                yield event
