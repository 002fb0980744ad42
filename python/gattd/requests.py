# SPDX-License-Identifier: LGPL-2.1-or-later
"""The requests of README's table as methods, written once for both clients: each
calls self.request(cmd, **fields), which the blocking client answers with the reply
and the asyncio one with an awaitable of it."""
from gattd import protocol


class Requests:
    def request(self, cmd, timeout=None, **fields):
        raise NotImplementedError

    def hello(self):
        return self.request('hello')

    def status(self):
        return self.request('status')

    def list(self):
        return self.request('list')

    def get(self, char):
        """char: 'SERVICE/CHAR' or a descriptor's 'SERVICE/CHAR/DESC'."""
        return self.request('get', char=char)

    def set(self, char, value=None, typed=None, notify=None, address=None):
        """value: bytes (or hex); typed: the value as its Type= reads (42, 'text', ...)."""
        return self.request('set', char=char, **protocol.set_fields(value, typed, notify, address))

    def watch(self, chars=None):
        return self.request('watch', chars=chars)

    def unwatch(self):
        return self.request('unwatch')

    def next_write(self, char, timeout_ms=None):
        """Waits for a central's write to a Capture= characteristic (up to timeout_ms)."""
        wait = protocol.FOREVER if timeout_ms is None else timeout_ms / 1000 + 5
        return self.request('next-write', timeout=wait, char=char, timeout_ms=timeout_ms)

    def reload(self):
        return self.request('reload', timeout=60)

    def devices(self):
        return self.request('devices')

    def disconnect(self, address):
        return self.request('disconnect', timeout=30, address=address)

    def bonds(self):
        return self.request('bonds')

    def forget(self, address):
        return self.request('forget', timeout=30, address=address)

    def pairable(self, open=None, seconds=None):
        return self.request('pairable', open=open, seconds=seconds)

    def advertise(self, **fields):
        """advertisement=, local_name=, service_uuids=, manufacturer_data= {company: bytes},
        service_data= {uuid: bytes}, enabled=, reset=; none: only ask."""
        return self.request('advertise', **protocol.advertise_fields(**fields))

    def handle(self, chars):
        """Claim chars: their read-request and write-request events come to this client."""
        return self.request('handle', chars=list(chars))

    def unhandle(self, chars=None):
        return self.request('unhandle', chars=None if chars is None else list(chars))

    def answer(self, request, value=None, typed=None, error=None):
        """Answer a read-request (value or typed), or a write-request (nothing accepts it);
        error (a name such as 'not-permitted', or an ATT code 128..159) refuses either."""
        if isinstance(request, dict):
            request = request['request']
        return self.request('answer', **protocol.answer_fields(request, value, typed, error))
