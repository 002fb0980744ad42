# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python client (python/gattd, README "Python client") against the real gattd:
requests and their errors, events, next-write, the handler role, and the asyncio
client with requests in flight together."""

import asyncio
import os
import sys
import threading
import unittest

from harness import APP_PATH, GattdTestCase

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'python'))
import gattd  # noqa: E402
from gattd.aio import AsyncClient  # noqa: E402

PY_CONF = """\
[Service py]
UUID=7a2c0001-0000-4000-8000-00805f9b34fb

[Characteristic py/level]
UUID=7a2c0002-0000-4000-8000-00805f9b34fb
Flags=read;write;notify
Type=u8
Value=u8:5
Capture=4

[Characteristic py/live]
UUID=7a2c0003-0000-4000-8000-00805f9b34fb
Flags=read;write
Type=utf8
MaxLength=16
Value=utf8:stored
Handler=read;write
"""
LEVEL = APP_PATH + '/py/level'
LIVE = APP_PATH + '/py/live'


class PythonClientTestCase(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_gattd(services={'py.conf': PY_CONF})
        self.wait_app_registered()
        self.wait_on_air()

    def in_thread(self, target):
        """Run target in a thread (a handler answering while the fake central waits); join at cleanup."""
        result = {}

        def run():
            try:
                result['value'] = target()
            except BaseException as e:  # noqa: B902 - handed to the test
                result['error'] = e
        thread = threading.Thread(target=run, daemon=True)
        thread.start()

        def join():
            thread.join(20)
            self.assertFalse(thread.is_alive(), 'the client thread ended')
            if 'error' in result:
                raise result['error']
            return result.get('value')
        return join


class BlockingClientTest(PythonClientTestCase):

    def test_requests_return_the_reply_and_errors_raise_with_the_code(self):
        with gattd.Client(self.socket_path) as c:
            self.assertEqual(c.hello()['daemon'], 'gattd')
            self.assertIs(c.status()['registered'], True)
            self.assertEqual(c.get('py/level')['typed'], 5)
            self.assertEqual(c.set('py/level', typed=42)['value'], '2a')
            self.assertEqual(c.set('py/level', b'\x07')['typed'], 7)
            with self.assertRaises(gattd.GattdError) as caught:
                c.get('py/nope')
            self.assertEqual(caught.exception.code, 'not-found')
            self.assertIn('py/nope', caught.exception.message)
            with self.assertRaises(gattd.GattdError) as caught:
                c.set('py/level', typed=300)
            self.assertEqual(caught.exception.code, 'invalid-value')
            self.assertEqual([ch['id'] for ch in c.list()['services'][0]['characteristics']],
                             ['py/level', 'py/live'], 'the connection stays usable after errors')
            with self.assertRaises(ValueError):
                c.set('py/level', b'\x01', typed=1)

    def test_the_socket_comes_from_the_environment(self):
        os.environ['GATTD_SOCKET'] = self.socket_path
        self.addCleanup(os.environ.pop, 'GATTD_SOCKET')
        with gattd.Client() as c:
            self.assertEqual(c.path, self.socket_path)
            self.assertEqual(c.hello()['protocol'], 1)

    def test_events_wait_between_replies_and_next_write_takes_a_capture(self):
        with gattd.Client(self.socket_path) as c:
            c.watch(['py/level'])
            self.fake.write_value(LEVEL, b'\x09')
            self.assertEqual(c.status()['watchers'], 1, 'a request answered while an event waits')
            events = list(c.events(timeout=0.5))
            # The fake central connects with its first write: `connected`, then the write.
            self.assertEqual([e['event'] for e in events], ['connected', 'write'])
            self.assertEqual((events[1]['char'], events[1]['typed']), ('py/level', 9))
            self.assertEqual(c.next_write('py/level', timeout_ms=2000)['typed'], 9, 'the captured write')
            with self.assertRaises(gattd.GattdError) as caught:
                c.next_write('py/level', timeout_ms=100)
            self.assertEqual(caught.exception.code, 'timeout')

    def test_a_handler_answers_reads_and_refuses_writes(self):
        def handler():
            with gattd.Client(self.socket_path) as c:
                c.handle(['py/live'])
                ready.set()
                seen = []
                for request in c.requests(timeout=10):
                    seen.append(request)
                    if request['event'] == 'read-request':
                        c.answer(request, typed='live')
                    else:
                        c.answer(request, error='not-permitted')
                        return seen
        ready = threading.Event()
        join = self.in_thread(handler)
        self.assertTrue(ready.wait(10))
        self.assertEqual(self.fake.read_value(LIVE), b'live')
        self.assertAtt(0x03, True, self.fake.write_value, LIVE, b'nope')
        seen = join()
        self.assertEqual([(r['event'], r['char']) for r in seen], [('read-request', 'py/live'),
                                                                   ('write-request', 'py/live')])
        self.assertEqual(seen[1]['typed'], 'nope')
        with gattd.Client(self.socket_path) as c:
            self.assertEqual(c.get('py/live')['typed'], 'stored', 'the refused write changed nothing')

    def test_a_missing_socket_is_an_os_error(self):
        with self.assertRaises(FileNotFoundError):
            gattd.Client(os.path.join(self.tmpdir, 'nothing.sock'))

    def test_gattd_stopping_closes_the_connection(self):
        c = gattd.Client(self.socket_path)
        self.addCleanup(c.close)
        c.watch()
        self.stop_gattd()
        self.expect_gattd_running = False
        with self.assertRaises(gattd.ConnectionClosed):
            while True:
                if c.next_event(5) is None:
                    self.fail('no end of the connection')


class AsyncClientTest(PythonClientTestCase):

    def run_async(self, coroutine_function):
        return self.in_thread(lambda: asyncio.run(coroutine_function()))

    def test_requests_in_flight_together(self):
        async def main():
            async with await AsyncClient.connect(self.socket_path) as c:
                # next-write waits while other requests are answered.
                waiting = asyncio.ensure_future(c.next_write('py/level', timeout_ms=5000))
                status, level = await asyncio.gather(c.status(), c.get('py/level'))
                self.assertIs(status['registered'], True)
                self.assertEqual(level['typed'], 5)
                self.assertFalse(waiting.done())
                started.set()
                write = await waiting
                try:
                    await c.get('py/nope')
                except gattd.GattdError as e:
                    return write, e.code
        started = threading.Event()
        join = self.run_async(main)
        self.assertTrue(started.wait(10))
        self.fake.write_value(LEVEL, b'\x0b')
        write, code = join()
        self.assertEqual(write['typed'], 11)
        self.assertEqual(code, 'not-found')

    def test_events_and_the_handler_role(self):
        async def main():
            async with await AsyncClient.connect(self.socket_path) as c:
                await c.watch(['py/level'])
                await c.handle(['py/live'])
                started.set()
                got = []
                async for event in c.events(timeout=10):
                    if event['event'] == 'connected':
                        continue
                    got.append(event)
                    if event['event'] == 'read-request':
                        await c.answer(event, value=b'async')
                    if event['event'] == 'write':
                        return got
        started = threading.Event()
        join = self.run_async(main)
        self.assertTrue(started.wait(10))
        self.assertEqual(self.fake.read_value(LIVE), b'async')
        self.fake.write_value(LEVEL, b'\x03')
        got = join()
        self.assertEqual([e['event'] for e in got], ['read-request', 'write'])


if __name__ == '__main__':
    unittest.main()
