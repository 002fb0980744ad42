# SPDX-License-Identifier: LGPL-2.1-or-later
"""Local clients across power cycles, adapter removal and bluetoothd restarts:
next-write gets `disconnected`, watchers see it happen and keep their watch,
captured writes stay queued."""

import unittest

from clients import LocalClient
from harness import COMMAND, HCI0_ADDRESS, HCI1_ADDRESS, GattdTestCase


class WaiterDisconnectedTest(GattdTestCase):
    """A next-write waiting while the services go off the air gets `disconnected`."""

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.client = LocalClient(self)
        self.request = self.client.send('next-write', char='battery/command')
        self.client.sync()

    def assert_disconnected(self, reason):
        error = self.client.expect_error(self.client.wait_reply(self.request), 'disconnected')
        self.assertIn(reason, error['message'])

    def test_next_write_waiting_across_power_down_gets_disconnected(self):
        self.fake.set_powered('hci0', False)
        self.assert_disconnected('adapter-down')

    def test_next_write_waiting_across_adapter_removal_gets_disconnected(self):
        # bluetoothd 5.66 signals Powered false before it removes the adapter
        # (VM tier), so the waiter hears adapter-down, as at a clean stop.
        self.fake.remove_adapter('hci0')
        self.assert_disconnected('adapter-down')

    def test_next_write_waiting_when_bluetoothd_crashes_gets_disconnected(self):
        self.fake.stop(clean=False)
        self.assert_disconnected('bluez-gone')

    def test_next_write_waiting_when_bluetoothd_stops_gets_disconnected(self):
        self.fake.stop(clean=True)          # powers the adapter off first
        self.assert_disconnected('adapter-down')

    def test_next_write_waiting_when_gattd_stops_gets_shutting_down(self):
        self.stop_gattd()
        self.client.expect_error(self.client.wait_reply(self.request), 'shutting-down')

    def test_every_waiting_client_gets_disconnected(self):
        other = LocalClient(self)
        other_request = other.send('next-write', char='battery/command', timeout_ms=60000)
        other.sync()
        self.fake.set_powered('hci0', False)
        self.assert_disconnected('adapter-down')
        other.expect_error(other.wait_reply(other_request), 'disconnected')

    def test_next_write_asked_again_after_disconnected_gets_the_write_made_after_power_on(self):
        self.fake.set_powered('hci0', False)
        self.assert_disconnected('adapter-down')
        again = self.client.send('next-write', char='battery/command')
        self.client.sync()
        self.fake.set_powered('hci0', True)
        self.wait_on_air()
        self.fake.write_value(COMMAND, b'after')
        self.assertEqual(self.client.wait_reply(again)['value'], b'after'.hex())

    def test_next_write_asked_while_powered_off_waits_for_the_write_after_power_on(self):
        self.fake.set_powered('hci0', False)
        self.assert_disconnected('adapter-down')
        again = self.client.send('next-write', char='battery/command')
        self.client.sync()
        self.assertNotIn(again, self.client.replies)
        self.fake.set_powered('hci0', True)
        self.wait_on_air()
        self.client.sync()
        self.assertNotIn(again, self.client.replies, 'power-on alone must not end the wait')
        self.fake.write_value(COMMAND, b'x')
        self.assertEqual(self.client.wait_reply(again)['value'], '78')


class WatcherAcrossLifecycleTest(GattdTestCase):
    """A watcher sees the services go and come back, and keeps getting writes
    without sending anything again."""

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.client = LocalClient(self)
        self.client.watch()

    def lifecycle_events(self):
        return [(e['event'], e.get('reason'), e.get('powered'), e.get('adapter'))
                for e in self.client.events_named('adapter', 'registered', 'unregistered')]

    def test_watcher_sees_power_down_and_power_on_as_adapter_unregistered_registered(self):
        self.fake.set_powered('hci0', False)
        self.client.wait_event('unregistered', reason='adapter-down')
        self.fake.set_powered('hci0', True)
        self.client.wait_event('registered', adapter='hci0')
        self.assertEqual(self.lifecycle_events(), [
            ('adapter', None, False, None),
            ('unregistered', 'adapter-down', None, None),
            ('adapter', None, True, None),
            ('registered', None, None, 'hci0'),
        ])
        adapter_event = self.client.events_named('adapter')[0]
        self.assertEqual(adapter_event, {'event': 'adapter', 'name': 'hci0', 'address': HCI0_ADDRESS,
                                         'powered': False})

    def assert_return_announced(self):
        """The adapter (powered) then registered, after the unregistered event."""
        self.client.wait_event('registered', adapter='hci0')
        events = self.lifecycle_events()
        self.assertEqual(events[-2:], [('adapter', None, True, None), ('registered', None, None, 'hci0')])
        self.assertEqual(self.client.events_named('adapter')[-1],
                         {'event': 'adapter', 'name': 'hci0', 'address': HCI0_ADDRESS, 'powered': True})

    def assert_removal_announced(self):
        """bluetoothd 5.66 signals Powered false, then removes the adapter (VM
        tier): unregistered adapter-down, then an adapter event naming none."""
        self.client.wait_event('unregistered', reason='adapter-down')
        self.client.wait_event('adapter', name=None)
        self.assertEqual([e['reason'] for e in self.client.events_named('unregistered')], ['adapter-down'])

    def test_watcher_sees_adapter_removal_and_return(self):
        self.fake.remove_adapter('hci0')
        self.assert_removal_announced()
        self.fake.add_adapter('hci0', HCI0_ADDRESS)
        self.assert_return_announced()

    def test_watcher_sees_registered_on_the_adapter_that_replaced_the_removed_one(self):
        self.fake.remove_adapter('hci0')
        self.assert_removal_announced()
        self.fake.add_adapter('hci1', HCI1_ADDRESS)
        self.client.wait_event('registered', adapter='hci1')
        self.assertEqual(self.client.events_named('adapter')[-1],
                         {'event': 'adapter', 'name': 'hci1', 'address': HCI1_ADDRESS, 'powered': True})
        self.wait_app_registered('hci1')
        self.fake.write_value(COMMAND, b'via hci1')
        self.assertEqual(self.client.wait_event('write')['device'], self.fake.device_path('hci1'))

    def test_watcher_sees_bluetoothd_crash_and_restart(self):
        self.fake.stop(clean=False)
        self.client.wait_event('unregistered', reason='bluez-gone')
        self.fake.start()
        self.assert_return_announced()

    def test_watcher_sees_clean_bluetoothd_stop_as_adapter_down_and_restart(self):
        self.fake.stop(clean=True)          # bluetoothd powers the adapter off first
        self.client.wait_event('unregistered', reason='adapter-down')
        self.fake.start()
        self.assert_return_announced()
        self.assertEqual([e['reason'] for e in self.client.events_named('unregistered')], ['adapter-down'])

    def test_watcher_sees_unregistered_shutdown_when_gattd_stops(self):
        self.stop_gattd()
        self.client.wait_event('unregistered', reason='shutdown')
        self.client.wait_closed()

    # README (protocol): `adapter` carries name, address and powered, null/false when gone.
    def test_adapter_event_for_a_removed_adapter_has_every_documented_field(self):
        self.fake.remove_adapter('hci0')
        self.assert_removal_announced()
        events = self.client.events_named('adapter')
        self.assertTrue(events)
        for event in events:
            self.assertEqual(sorted(event), ['address', 'event', 'name', 'powered'], event)
        self.assertEqual(events[-1], {'event': 'adapter', 'name': None, 'address': None, 'powered': False})

    def test_watcher_gets_writes_after_a_power_cycle_without_a_new_command(self):
        self.fake.write_value(COMMAND, b'before')
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.client.wait_event('registered')
        self.wait_on_air()
        self.fake.write_value(COMMAND, b'after')
        self.client.wait_event('write', value=b'after'.hex())
        self.assertEqual([e['value'] for e in self.client.events_named('write')],
                         [b'before'.hex(), b'after'.hex()])

    def test_watcher_gets_writes_after_a_bluetoothd_restart_without_a_new_command(self):
        self.fake.stop(clean=True)
        self.fake.start()
        self.client.wait_event('registered')
        self.wait_app_registered()
        self.fake.write_value(COMMAND, b'after restart')
        self.assertEqual(self.client.wait_event('write')['value'], b'after restart'.hex())

    def test_watch_filter_stays_in_force_across_a_power_cycle(self):
        self.client.watch(['battery/command'])
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.client.wait_event('registered')
        self.wait_on_air()
        self.fake.write_value('/org/gattd/app/settings/label', b'other')
        self.fake.write_value(COMMAND, b'mine')
        self.client.wait_event('write')
        self.assertEqual([e['char'] for e in self.client.events_named('write')], ['battery/command'])


class CaptureAcrossLifecycleTest(GattdTestCase):
    """Writes queued before the services went off the air are still there after."""

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.client = LocalClient(self)

    def take(self, count):
        return [bytes.fromhex(self.client.ok('next-write', char='battery/command')['value'])
                for _ in range(count)]

    def test_writes_queued_before_a_power_cycle_are_delivered_after_it(self):
        self.fake.write_values(COMMAND, [b'a', b'b'])
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.wait_on_air()
        self.fake.write_value(COMMAND, b'c')
        self.assertEqual(self.take(3), [b'a', b'b', b'c'])

    def test_writes_queued_before_a_bluetoothd_restart_are_delivered_after_it(self):
        self.fake.write_value(COMMAND, b'before')
        self.fake.stop(clean=False)
        self.fake.start()
        self.wait_app_registered('hci0')
        self.fake.write_value(COMMAND, b'after')
        self.assertEqual(self.take(2), [b'before', b'after'])

    def test_writes_queued_before_adapter_removal_are_delivered_after_it_returns(self):
        self.fake.write_value(COMMAND, b'before')
        self.fake.remove_adapter('hci0')
        self.fake.add_adapter('hci0', HCI0_ADDRESS)
        self.wait_app_registered('hci0')
        self.fake.write_value(COMMAND, b'after')
        self.assertEqual(self.take(2), [b'before', b'after'])

    def test_queued_writes_can_be_taken_while_powered_off(self):
        self.fake.write_value(COMMAND, b'queued')
        self.fake.set_powered('hci0', False)
        self.assertEqual(self.client.ok('status')['captured'], 1)
        self.assertEqual(self.take(1), [b'queued'])

    def test_seq_keeps_counting_across_a_power_cycle(self):
        self.fake.write_value(COMMAND, b'1')
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.wait_on_air()
        self.fake.write_value(COMMAND, b'2')
        seqs = [self.client.ok('next-write', char='battery/command')['seq'] for _ in range(2)]
        self.assertEqual(seqs, [1, 2])


if __name__ == '__main__':
    unittest.main()
