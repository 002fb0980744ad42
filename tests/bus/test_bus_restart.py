# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattd's own bus connection lost: the system bus daemon dies and a new one starts
at the same address. gattd reconnects, exports the same objects, registers again,
keeps its values and captured writes, and serves its socket clients throughout."""

import unittest

from clients import LocalClient
from harness import APP_PATH, COMMAND, LABEL, GattdTestCase


def without_handles(tree):
    return {path: {iface: {k: v for k, v in props.items() if k != 'Handle'} for iface, props in ifaces.items()}
            for path, ifaces in tree.items()}


class BusRestartTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.app = self.start_registered()
        self.client = LocalClient(self)

    def restart_bus_and_wait_registered(self):
        self.restart_bus()
        app = self.wait_app_registered()
        self.wait_on_air()
        return app

    def test_bus_restart_registers_the_same_objects_again(self):
        app = self.restart_bus_and_wait_registered()
        self.assertEqual(app.instance, 2)
        self.assertEqual(app.path, APP_PATH)
        # The handles bluetoothd chose the first time come back with the objects.
        self.assertEqual(without_handles(app.tree), without_handles(self.app.tree))
        self.assertEqual(app.handles, self.app.handles)

    def test_bus_restart_keeps_the_value_a_central_wrote(self):
        self.fake.write_value(LABEL, b'before')
        self.restart_bus_and_wait_registered()
        self.assertEqual(self.fake.read_value(LABEL), b'before')

    def test_watcher_sees_unregistered_bus_lost_then_registered_after_a_bus_restart(self):
        self.client.watch()
        self.restart_bus()
        self.client.wait_event('unregistered', reason='bus-lost')
        self.client.wait_event('registered', adapter='hci0')
        self.wait_app_registered()
        self.fake.write_value(COMMAND, b'after')
        self.assertEqual(self.client.wait_event('write')['value'], b'after'.hex())

    def test_socket_clients_are_served_while_the_bus_is_away(self):
        self.client.watch()
        self.kill_bus()
        self.client.wait_event('unregistered', reason='bus-lost')
        status = self.client.ok('status')
        self.assertEqual((status['state'], status['registered'], status['adapter']), ('NO_BUS', False, None))
        self.client.ok('set', char='settings/label', value=b'offline'.hex())
        self.assertEqual(self.client.ok('get', char='settings/label')['value'], b'offline'.hex())
        self.start_bus_again()
        self.client.wait_event('registered')
        self.wait_app_registered()
        self.assertEqual(self.fake.read_value(LABEL), b'offline')

    def test_next_write_waiting_when_the_bus_is_lost_gets_disconnected(self):
        request = self.client.send('next-write', char='battery/command')
        self.client.sync()
        self.restart_bus()
        error = self.client.expect_error(self.client.wait_reply(request), 'disconnected')
        self.assertIn('bus-lost', error['message'])

    def test_captured_writes_survive_a_bus_restart(self):
        self.fake.write_value(COMMAND, b'before')
        self.restart_bus_and_wait_registered()
        self.fake.write_value(COMMAND, b'after')
        values = [self.client.ok('next-write', char='battery/command')['value'] for _ in range(2)]
        self.assertEqual(values, [b'before'.hex(), b'after'.hex()])

    def test_gattd_exits_cleanly_after_a_bus_restart(self):
        self.restart_bus_and_wait_registered()
        self.stop_gattd()


if __name__ == '__main__':
    unittest.main()
