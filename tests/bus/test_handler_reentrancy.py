# SPDX-License-Identifier: LGPL-2.1-or-later
"""Local handlers that go away while gattd settles their requests: the fallback of one
handler's requests reaches watchers, and a watcher that cannot take it is closed in the
middle (README, "Handlers"). Each case is made deterministic by stopping gattd
(SIGSTOP, harness.gattd_frozen) while the clients close, so that gattd finds both gone in one wakeup."""

import os
import unittest

from clients import LocalClient
from harness import APP_PATH, GattdTestCase

A = APP_PATH + '/r/a'
B = APP_PATH + '/r/b'

CONF = """\
[Service r]
UUID=7a2d0001-0000-4000-8000-00805f9b34fb

[Characteristic r/a]
UUID=7a2d0002-0000-4000-8000-00805f9b34fb
Flags=read;write
MaxLength=32
Handler=write
HandlerFallback=store

[Characteristic r/b]
UUID=7a2d0003-0000-4000-8000-00805f9b34fb
Flags=read;write
Value=hex:01
Handler=read;write

[Characteristic r/c]
UUID=7a2d0004-0000-4000-8000-00805f9b34fb
Flags=read
Value=hex:02
Handler=read
"""


class ReentrancyTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.config = self.config_dir(services={'r.conf': CONF})
        self.start_gattd(config_dir=self.config)
        self.wait_app_registered()
        self.wait_on_air()

    def frozen(self, action):
        """Run action with gattd stopped, so that it sees its effects in one wakeup."""
        with self.gattd_frozen():
            return action()

    def assert_gattd_serves(self):
        self.assertIsNone(self.gattd.poll(), 'gattd exited')
        LocalClient(self).ok('hello')

    def test_two_handlers_leaving_at_once_settle_every_request(self):
        first = LocalClient(self)
        first.ok('handle', chars=['r/a'])
        second = LocalClient(self)
        second.ok('handle', chars=['r/b'])
        second.watch()
        writes = [self.fake.begin_write_value(A, bytes([i])) for i in range(6)]
        reads = [self.fake.begin_read_value(B) for _ in range(6)]
        self.wait_until(lambda: len(first.events_named('write-request')) == 6
                        and len(second.events_named('read-request')) == 6, 'every request at its handler')

        def leave():
            first.close()
            second.close()
        self.frozen(leave)
        self.wait_until(lambda: all(p.done for p in writes + reads), 'every request settled')
        for write in writes:
            write.check()        # HandlerFallback=store stored each
        for read in reads:
            self.assertEqual(read.value(), b'\x01')
        self.assertEqual(LocalClient(self).ok('get', char='r/a')['value'], '05')
        self.assert_gattd_serves()

    def test_unhandle_while_a_watcher_is_gone_ends_the_claim(self):
        handler = LocalClient(self)
        handler.ok('handle', chars=['r/a', 'r/b'])
        watcher = LocalClient(self)
        watcher.ok('handle', chars=['r/c'])
        watcher.watch()
        write = self.fake.begin_write_value(A, b'q')
        self.wait_until(lambda: handler.events_named('write-request'), 'the request at the handler')

        def unhandle():
            watcher.close()
            return handler.send('unhandle', chars=['r/a'])
        request_id = self.frozen(unhandle)
        self.assertIs(handler.wait_reply(request_id)['ok'], True)
        self.wait_until(lambda: write.done, 'the write settled')
        write.check()
        LocalClient(self).ok('handle', chars=['r/a', 'r/c'])
        self.assert_gattd_serves()

    def test_reload_ending_claims_of_a_handler_that_is_gone(self):
        reloader = LocalClient(self)
        gone = LocalClient(self)
        gone.ok('handle', chars=['r/a', 'r/c'])
        stays = LocalClient(self)
        stays.ok('handle', chars=['r/b'])
        path = os.path.join(self.config, 'services.d', 'r.conf')
        with open(path) as f:
            conf = f.read()
        with open(path, 'w') as f:
            f.write(conf.replace('Handler=write\nHandlerFallback=store\n', '').replace('Handler=read;write\n', ''))

        def reload():
            gone.close()
            return reloader.send('reload')
        request_id = self.frozen(reload)
        self.assertIs(reloader.wait_reply(request_id)['ok'], True)
        self.assertEqual(stays.wait_event('unhandled')['char'], 'r/b')
        LocalClient(self).ok('handle', chars=['r/c'])
        self.assert_gattd_serves()


if __name__ == '__main__':
    unittest.main()
