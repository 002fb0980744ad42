# SPDX-License-Identifier: LGPL-2.1-or-later
"""The roster of connected centrals: `devices`, `disconnect`, the `connected` and
`disconnected` events, and the address that names a central in write events, as the
fake BlueZ shows its Device1 objects the way each bluetoothd version does
(tests/vm/bluez-versions.md 8.3)."""

import socket
import time
import unittest

from clients import LocalClient
from harness import LABEL, GattdTestCase

PHONE = '5A:3C:11:22:33:44'
TABLET = '00:AA:01:01:00:99'
CENTRAL_FIELDS = {'address', 'address_type', 'device', 'name', 'alias', 'paired', 'bonded', 'trusted',
                  'connected_since', 'mtu', 'subscribed'}


class CentralsTestCase(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.client = LocalClient(self)
        self.client.watch()

    def devices(self, client=None):
        return (client or self.client).ok('devices')['devices']

    def addresses(self):
        return [d['address'] for d in self.devices()]

    def connect(self, address=PHONE, **kwargs):
        """A central connects; returns its path once gattd announced it."""
        path = self.fake.connect_central(address=address, **kwargs)
        self.client.wait_event('connected', address=address)
        return path


class RosterTest(CentralsTestCase):

    def test_a_central_that_connects_is_announced_and_listed(self):
        before = int(time.time() * 1000)
        path = self.fake.connect_central(address=PHONE, address_type='random', name='Pixel 7')
        event = self.client.wait_event('connected', address=PHONE)
        self.assertEqual(set(event) - {'event'}, CENTRAL_FIELDS)
        self.assertEqual((event['address_type'], event['device'], event['name'], event['alias']),
                         ('random', path, 'Pixel 7', 'Pixel 7'))
        self.assertEqual((event['paired'], event['bonded'], event['trusted'], event['mtu'], event['subscribed']),
                         (False, False, False, None, []))
        self.assertGreaterEqual(event['connected_since'], before)
        self.assertLessEqual(event['connected_since'], int(time.time() * 1000))
        self.assertEqual(self.devices(), [{k: v for k, v in event.items() if k != 'event'}])

    def test_both_orders_of_appearing_connected(self):
        self.fake.connect_central(address=PHONE, order='added-then-connected')
        self.fake.connect_central(address=TABLET, order='in-added')
        self.client.wait_event('connected', address=PHONE)
        self.client.wait_event('connected', address=TABLET)
        self.assertEqual(self.addresses(), [PHONE, TABLET], 'oldest connection first')
        self.assertEqual(len(self.client.events_named('connected')), 2)

    def test_a_disconnect_removes_it_and_a_reconnect_brings_it_back(self):
        path = self.fake.connect_central(address=PHONE)
        self.client.wait_event('connected', address=PHONE)
        self.fake.disconnect_central(path, 'remote')
        event = self.client.wait_event('disconnected', address=PHONE)
        # 5.66 has no Disconnected signal: nobody says why.
        self.assertIsNone(event['reason'])
        self.assertGreater(event['connected_since'], 0, 'the event tells when the link began')
        self.assertEqual(self.devices(), [])
        # A temporary device lingers in BlueZ; connecting again reuses the object.
        self.assertEqual(self.fake.connect_central(address=PHONE), path)
        self.client.wait_event('connected', address=PHONE)
        self.fake.disconnect_central(path)
        self.client.wait_event('disconnected', address=PHONE)
        self.fake.expire_device(path)
        # A later signal gattd reports: by then it has handled the removal too.
        self.connect(TABLET)
        self.assertEqual([e['event'] for e in self.client.events_named('connected', 'disconnected')
                          if e['address'] == PHONE], ['connected', 'disconnected'] * 2,
                         'an object that goes after its disconnection is not announced twice')

    def test_the_mtu_is_the_one_the_latest_call_carried(self):
        path = self.fake.connect_central(address=PHONE)
        self.fake.read_value(LABEL, mtu=23, device=path)
        self.assertEqual(self.devices()[0]['mtu'], 23)
        self.fake.write_value(LABEL, b'x', mtu=247, device=path)
        self.assertEqual(self.devices()[0]['mtu'], 247)
        self.fake.disconnect_central(path)
        self.assertEqual(self.client.wait_event('disconnected', address=PHONE)['mtu'], 247)

    def test_writes_name_the_central_by_its_current_address(self):
        path = self.fake.connect_central(address=PHONE, address_type='random')
        self.fake.write_value(LABEL, b'one', device=path)
        event = self.client.wait_event('write', char='settings/label')
        self.assertEqual((event['address'], event['device']), (PHONE, path))
        # Pairing resolved the RPA: same object, the identity address.
        self.fake.update_device_address(path, TABLET, 'public')
        self.fake.write_value(LABEL, b'two', device=path)
        event = self.client.wait_event('write', char='settings/label', value=b'two'.hex())
        self.assertEqual((event['address'], event['device']), (TABLET, path))
        self.assertEqual(self.devices()[0]['address_type'], 'public')

    def test_an_address_that_is_no_address_is_not_shown(self):
        # BlueZ is trusted, but what reaches clients and handler frames keeps its shape.
        path = self.fake.connect_central(address=PHONE, address_type='random')
        self.client.wait_event('connected', address=PHONE)
        self.fake.update_device_address(path, 'A' * 300, 'carrier-pigeon')
        self.fake.write_value(LABEL, b'x', device=path)
        event = self.client.wait_event('write', char='settings/label')
        self.assertEqual(event['address'], PHONE)
        self.assertEqual(self.devices()[0]['address_type'], 'random')

    def test_watchers_of_some_chars_still_see_centrals(self):
        watcher = LocalClient(self)
        watcher.watch(['battery/level'])
        self.fake.connect_central(address=PHONE)
        watcher.wait_event('connected', address=PHONE)

    def test_devices_of_another_adapter_are_not_listed(self):
        self.fake.add_adapter('hci1', '00:AA:01:00:00:01')
        self.fake.connect_central(adapter='hci1', address=TABLET)
        self.fake.connect_central(address=PHONE)
        self.client.wait_event('connected', address=PHONE)
        self.assertEqual(self.addresses(), [PHONE])
        self.assertEqual(self.client.events_named('connected'), [self.client.events_named('connected')[0]])


class RosterAcrossBlueZTest(CentralsTestCase):
    """Nothing stale: every way BlueZ loses its links empties the roster, and centrals
    that come back join it again."""

    def test_a_power_cycle(self):
        self.connect()
        self.fake.set_powered('hci0', False)
        self.client.wait_event('disconnected', address=PHONE)
        self.assertEqual(self.devices(), [])
        self.fake.set_powered('hci0', True)
        self.wait_on_air()
        self.connect()
        self.assertEqual(self.addresses(), [PHONE])

    def test_a_bluetoothd_crash_and_restart(self):
        self.connect()
        self.fake.stop(clean=False)
        self.assertEqual(self.client.wait_event('disconnected', address=PHONE)['reason'], 'bluez-gone')
        self.assertEqual(self.devices(), [])
        self.fake.start()
        self.wait_on_air()
        self.assertEqual(self.devices(), [])
        self.connect()

    def test_a_replug(self):
        self.connect()
        self.fake.remove_adapter('hci0')
        self.assertEqual(self.client.wait_event('disconnected', address=PHONE)['reason'], 'removed')
        self.fake.add_adapter('hci0', '00:AA:01:00:00:00')
        self.wait_on_air()
        self.assertEqual(self.devices(), [])
        self.connect()

    def test_a_bus_restart(self):
        self.connect()
        client = self.client
        self.restart_bus()
        self.wait_on_air()
        self.assertEqual(client.wait_event('disconnected', address=PHONE)['reason'], 'bus-lost')
        self.assertEqual(self.devices(client), [])

    def test_centrals_connected_before_gattd_started_are_listed(self):
        self.stop_gattd()
        self.fake.connect_central(address=PHONE)
        self.start_registered()
        self.assertEqual([d['address'] for d in self.devices(LocalClient(self))], [PHONE])


class DisconnectTest(CentralsTestCase):

    def test_disconnect_drops_the_central(self):
        path = self.connect()
        reply = self.client.ok('disconnect', address=PHONE.lower())
        self.assertEqual((reply['address'], reply['device']), (PHONE, path))
        self.assertEqual(self.fake.disconnect_calls, [(self.gattd_bus_name(), path)])
        self.client.wait_event('disconnected', address=PHONE)
        self.assertEqual(self.devices(), [])

    def test_disconnect_of_an_address_not_connected(self):
        path = self.connect()
        self.fake.disconnect_central(path)
        self.client.wait_event('disconnected', address=PHONE)
        for address in (PHONE, TABLET):
            error = self.client.error_reply('not-found', 'disconnect', address=address)
            self.assertEqual(error['message'], 'no connected central %s' % address)
        self.assertEqual(self.fake.disconnect_calls, [])

    def test_disconnect_needs_an_address(self):
        self.client.error_reply('bad-request', 'disconnect')
        error = self.client.error_reply('bad-request', 'disconnect', address='phone')
        self.assertIn("'phone' is not a Bluetooth address", error['message'])

    def test_a_second_disconnect_while_the_first_waits_is_busy(self):
        path = self.connect()
        self.fake.never_answer_next_disconnect()
        first = self.client.send('disconnect', address=PHONE)
        self.wait_until(lambda: self.fake.disconnect_calls, 'the first Disconnect to reach BlueZ')
        self.client.error_reply('busy', 'disconnect', address=PHONE)
        # The link drops for another reason: bluetoothd answers the queued call then.
        self.fake.disconnect_central(path)
        self.assertTrue(self.client.wait_reply(first)['ok'])
        self.assertEqual(len(self.fake.disconnect_calls), 1)

    def test_bluez_refusing_is_failed(self):
        self.connect()
        self.fake.fail_next_disconnect('org.bluez.Error.Failed', 'Operation failed')
        error = self.client.error_reply('failed', 'disconnect', address=PHONE)
        self.assertIn('org.bluez.Error.Failed: Operation failed', error['message'])
        self.assertEqual(self.addresses(), [PHONE])

    def test_bluetoothd_leaving_first_is_disconnected(self):
        self.connect()
        self.fake.never_answer_next_disconnect()
        request = self.client.send('disconnect', address=PHONE)
        self.wait_until(lambda: self.fake.disconnect_calls, 'the Disconnect to reach BlueZ')
        self.fake.stop(clean=False)
        reply = self.client.wait_reply(request)
        self.assertEqual(reply['error']['code'], 'disconnected', reply)

    def test_a_client_that_shut_its_side_still_gets_the_answer(self):
        self.connect()
        client = LocalClient(self)
        request = client.send('disconnect', address=PHONE)
        client.sock.shutdown(socket.SHUT_WR)
        self.assertTrue(client.wait_reply(request)['ok'])
        client.wait_closed()

    def test_stopping_answers_a_disconnect_in_flight(self):
        self.connect()
        self.fake.never_answer_next_disconnect()
        request = self.client.send('disconnect', address=PHONE)
        self.wait_until(lambda: self.fake.disconnect_calls, 'the Disconnect to reach BlueZ')
        self.expect_gattd_running = False
        self.gattd.terminate()
        self.assertEqual(self.client.wait_reply(request)['error']['code'], 'shutting-down')
        self.assertEqual(self.gattd.wait(10), 0)

    def test_a_client_that_leaves_before_the_answer_changes_nothing(self):
        self.connect()
        leaving = LocalClient(self)
        leaving.send('disconnect', address=PHONE)
        self.wait_until(lambda: self.fake.disconnect_calls, 'the Disconnect to reach BlueZ')
        leaving.close()
        self.client.wait_event('disconnected', address=PHONE)
        self.assertEqual(self.client.ok('hello')['daemon'], 'gattd')


class RosterOn555Test(CentralsTestCase):
    """5.55 and 5.64 have no Bonded (0e2e52d0c, 5.65)."""
    bluez_version = '5.55'

    def test_bonded_is_null(self):
        self.fake.connect_central(address=PHONE)
        self.assertIsNone(self.client.wait_event('connected', address=PHONE)['bonded'])


class RosterOn587Test(CentralsTestCase):
    """5.83 and later say why a link went (Device1.Disconnected, before Connected = false)."""
    bluez_version = '5.87'

    def test_the_reason_bluez_gives(self):
        path = self.fake.connect_central(address=PHONE, bonded=True)
        self.assertIs(self.client.wait_event('connected', address=PHONE)['bonded'], True)
        self.fake.disconnect_central(path, 'timeout')
        self.assertEqual(self.client.wait_event('disconnected', address=PHONE)['reason'], 'timeout')

    def test_disconnect_reports_local(self):
        self.connect()
        self.client.ok('disconnect', address=PHONE)
        self.assertEqual(self.client.wait_event('disconnected', address=PHONE)['reason'], 'local')


if __name__ == '__main__':
    unittest.main()
