# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattd.aio.AsyncClient: the asyncio client. Requests may be in flight together
(a next_write waiting while others go on); each reply finds its request by id.

    async with await AsyncClient.connect() as c:
        await c.watch()
        async for event in c.events():
            print(event)
"""
import asyncio

from gattd import protocol
from gattd.requests import Requests


class AsyncClient(Requests):
    def __init__(self, reader, writer, timeout):
        self.timeout = timeout
        self._reader = reader
        self._writer = writer
        self._pending = {}
        self._events = asyncio.Queue()
        self._next_id = 1
        self._closed = None
        self._task = asyncio.get_running_loop().create_task(self._read_loop())

    @classmethod
    async def connect(cls, path=None, timeout=10.0):
        # A reply line may be long (list of a large configuration): no line limit here.
        reader, writer = await asyncio.open_unix_connection(protocol.socket_path(path), limit=2 ** 31 - 1)
        return cls(reader, writer, timeout)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def close(self):
        self._task.cancel()
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except OSError:
            pass
        self._fail_all(protocol.ConnectionClosed('closed'))

    def _fail_all(self, error):
        self._closed = error
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
        self._events.put_nowait(None)

    async def _read_loop(self):
        try:
            while True:
                line = await self._reader.readline()
                if not line:
                    raise protocol.ConnectionClosed('gattd closed the connection')
                message = protocol.decode(line)
                if 'event' in message:
                    self._events.put_nowait(message)
                    continue
                future = self._pending.pop(message.get('id'), None)
                if future is None and message.get('id') is None:
                    protocol.check(message)    # too-many-clients and the like: raises
                if future is not None and not future.done():
                    future.set_result(message)
        except asyncio.CancelledError:
            raise
        except (protocol.GattdError, protocol.ConnectionClosed, OSError, ValueError) as e:
            self._fail_all(e)

    async def _request(self, cmd, timeout, fields):
        if self._closed is not None:
            raise self._closed
        request_id = self._next_id
        self._next_id += 1
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        self._writer.write(protocol.encode(request_id, cmd, fields))
        await self._writer.drain()
        wait = self.timeout if timeout is None else timeout
        try:
            reply = await asyncio.wait_for(future, None if wait == protocol.FOREVER else wait)
        finally:
            self._pending.pop(request_id, None)
        return protocol.check(reply)

    def request(self, cmd, timeout=None, **fields):
        """A coroutine: the reply (GattdError for an error reply)."""
        return self._request(cmd, timeout, fields)

    async def next_event(self, timeout=None):
        """The next event, or None after timeout seconds (None: wait) or once closed."""
        if self._closed is not None and self._events.empty():
            return None
        try:
            return await asyncio.wait_for(self._events.get(), timeout)
        except asyncio.TimeoutError:
            return None

    async def events(self, timeout=None):
        while True:
            event = await self.next_event(timeout)
            if event is None:
                return
            yield event

    async def requests(self, timeout=None):
        async for event in self.events(timeout):
            if event['event'] in protocol.REQUEST_EVENTS:
                yield event
