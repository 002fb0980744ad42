# SPDX-License-Identifier: LGPL-2.1-or-later
"""The `advertise` command: a local client changes the advertisement at run time, and
bluetoothd (the fake, as advertising.c does) re-reads it in place; what was set is kept
over power cycles and bluetoothd restarts, and goes with a reload."""

import os
import unittest

from clients import LocalClient
from harness import ADVERTISEMENT_PATH, LOCAL_NAME, GattdTestCase, uuid128

BATTERY_UUID = uuid128(0x180f)


class AdvertiseTest(GattdTestCase):

    def advert(self):
        return self.fake.active_advert('hci0')

    def wait_air(self, what, predicate):
        self.wait_until(lambda: self.advert() is not None and predicate(self.advert().air), what)

    def test_advertise_without_fields_tells_the_advertisement_from_the_configuration(self):
        self.start_registered()
        reply = LocalClient(self).ok('advertise')
        self.assertEqual({k: reply[k] for k in ('enabled', 'advertising', 'changed', 'type', 'local_name',
                                                 'service_uuids', 'manufacturer_data', 'service_data')}, {
            'enabled': True, 'advertising': True, 'changed': False, 'type': 'peripheral',
            'local_name': LOCAL_NAME, 'service_uuids': [BATTERY_UUID], 'manufacturer_data': {},
            'service_data': {}})
        # flags 3 + one 16-bit service UUID 4; the name goes into the scan response.
        self.assertEqual((reply['bytes'], reply['max_bytes']), (7, 31))

    def test_service_data_set_by_a_client_is_re_read_by_bluetoothd_in_place(self):
        self.start_registered()
        before = self.advert()
        client = LocalClient(self)
        reply = client.ok('advertise', service_data={'180F': '64'}, manufacturer_data={'0x05F1': '0102'})
        self.assertEqual(reply['service_data'], {BATTERY_UUID: '64'})
        self.assertEqual(reply['manufacturer_data'], {'0x05F1': '0102'})
        self.assertIs(reply['changed'], True)
        self.wait_air('the new service data on the air', lambda air: air.get('ServiceData') == {BATTERY_UUID: b'\x64'})
        self.assertEqual(self.advert().air.get('ManufacturerData'), {0x05f1: b'\x01\x02'})
        # The same registration and instance: no unregister, no second register.
        self.assertIs(self.advert(), before)
        self.assertEqual([c[3] for c in self.fake.register_adv_calls], ['accepted'])
        self.assertEqual(self.advert().refreshes, [('ManufacturerData', None), ('ServiceData', None)],
                         'one PropertiesChanged with both')

    def test_an_empty_value_removes_the_field_and_bluetoothd_drops_it(self):
        self.start_registered()
        client = LocalClient(self)
        reply = client.ok('advertise', local_name='', service_uuids=[])
        self.assertIsNone(reply['local_name'])
        self.assertEqual(reply['service_uuids'], [])
        self.wait_air('no name and no UUIDs', lambda air: 'LocalName' not in air and 'ServiceUUIDs' not in air)
        changed = [c for c in self.fake.properties_changed if c[1] == ADVERTISEMENT_PATH]
        self.assertEqual(changed[-1][3:], ({}, ['LocalName', 'ServiceUUIDs']), 'invalidated, as gdbus reads it')

    def test_data_that_does_not_fit_a_legacy_advertisement_is_refused_with_the_byte_count(self):
        self.start_registered()
        client = LocalClient(self)
        reply = client.error_reply('invalid-value', 'advertise', manufacturer_data={'0x05F1': '00' * 24})
        self.assertIn('35 bytes', reply['message'])
        self.assertIn('manufacturer data 28', reply['message'])
        self.assertIn('at most 31', reply['message'])
        self.assertEqual(client.ok('advertise')['manufacturer_data'], {}, 'nothing changed')
        self.assertEqual(self.advert().refreshes, [])

    def test_bad_fields_are_refused_naming_the_field(self):
        self.start_registered()
        client = LocalClient(self)
        for fields, text in (
                ({'service_data': {'nope': '00'}}, "field 'service_data': 'nope' is not a UUID"),
                ({'service_data': {'180F': 'zz'}}, "field 'service_data': '180F'"),
                ({'manufacturer_data': {'0x10000': '00'}}, "company '0x10000'"),
                ({'manufacturer_data': {'1': 5}}, 'must map to a hex string'),
                ({'service_uuids': '180F'}, "field 'service_uuids' must be an array"),
                ({'local_name': 5}, "field 'local_name' must be a string or null"),
                ({'enabled': 'yes'}, "field 'enabled' must be true or false"),
                ({'manufacturer_data': {'0x05F1': '01', '1521': '02'}}, 'company 0x05F1 given more than once'),
                ({'local_name': 'x' * 30}, 'at most 29 fit in a scan response'),
                ({'service_uuids': ['180F'] * 17}, 'at most 16 allowed')):
            code = 'invalid-value' if 'more than once' in text or 'scan response' in text else 'bad-request'
            reply = client.error_reply(code, 'advertise', **fields)
            self.assertIn(text, reply['message'], fields)
        self.assertIs(client.ok('advertise')['changed'], False)

    def test_a_burst_of_changes_ends_with_the_last_on_the_air(self):
        self.start_registered()
        client = LocalClient(self)
        for level in range(20):
            client.send('advertise', service_data={'180F': '%02x' % level})
        client.sync()
        self.wait_air('the last value', lambda air: air.get('ServiceData') == {BATTERY_UUID: bytes([19])})
        self.assertLess(len(self.advert().refreshes), 20, 'changes in between go together')

    def test_watchers_hear_the_change(self):
        self.start_registered()
        watcher = LocalClient(self)
        watcher.watch()
        LocalClient(self).ok('advertise', local_name='renamed')
        event = watcher.wait_event('advertisement')
        self.assertEqual((event['local_name'], event['changed']), ('renamed', True))

    def test_stop_and_start(self):
        self.start_registered()
        client = LocalClient(self)
        client.watch()
        self.assertIs(client.ok('advertise', enabled=False)['enabled'], False)
        self.wait_until(lambda: self.advert() is None, 'the advertisement unregistered')
        self.assertIsNotNone(self.fake.active_app('hci0'), 'the application stays registered')
        self.assertIs(client.ok('status')['advertising'], False)
        client.ok('advertise', enabled=True, local_name='back')
        self.wait_on_air('hci0')
        self.assertEqual(self.advert().air.get('LocalName'), 'back')

    def test_started_again_it_waits_for_bluetoothd_to_answer_the_stop(self):
        # bluetoothd frees the controller instance only after answering the
        # Unregister; a Register before that answer gets instance 2, a number the
        # kernel may keep hidden from the next bluetoothd (test_power).
        self.start_registered()
        first = self.advert()
        client = LocalClient(self)
        self.fake.delay_next_unregister_advertisement(0.3)
        client.ok('advertise', enabled=False)
        client.ok('advertise', enabled=True)
        self.wait_until(lambda: first.ended == 'unregistered', 'the Unregister')
        self.assertEqual([c[3] for c in self.fake.register_adv_calls], ['accepted'],
                         'no Register before the Unregister is answered')
        self.wait_on_air('hci0')
        self.assertEqual(self.advert().slot, 1)
        # Stopped and started over and over, never a second number.
        for _ in range(5):
            client.ok('advertise', enabled=False)
            client.ok('advertise', enabled=True)
        self.wait_on_air('hci0')
        self.sync_with_gattd()
        self.assertEqual({a.slot for a in self.fake.adverts}, {1}, self.fake.adverts)

    def test_what_a_client_set_is_kept_over_a_power_cycle_and_a_bluetoothd_restart(self):
        self.start_registered()
        client = LocalClient(self)
        client.ok('advertise', service_data={'180F': '2a'})
        self.wait_air('the service data', lambda air: air.get('ServiceData') == {BATTERY_UUID: b'\x2a'})
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.wait_on_air('hci0')
        self.wait_air('the service data after the power cycle',
                      lambda air: air.get('ServiceData') == {BATTERY_UUID: b'\x2a'})
        self.fake.stop(clean=False)
        self.fake.start()
        self.wait_on_air('hci0')
        self.assertEqual(self.advert().air.get('ServiceData'), {BATTERY_UUID: b'\x2a'})
        self.assertIs(client.ok('advertise')['changed'], True)

    def test_a_reload_goes_back_to_the_configuration(self):
        self.start_registered()
        client = LocalClient(self)
        client.ok('advertise', service_data={'180F': '2a'}, local_name='runtime')
        self.wait_air('the runtime name', lambda air: air.get('LocalName') == 'runtime')
        client.ok('reload')
        self.wait_air('the configured name again', lambda air: air.get('LocalName') == LOCAL_NAME)
        self.assertNotIn('ServiceData', self.advert().air)
        self.assertIs(client.ok('advertise')['changed'], False)

    def test_reset_goes_back_to_the_configuration(self):
        self.start_registered()
        client = LocalClient(self)
        client.ok('advertise', service_data={'180F': '2a'}, local_name='runtime', enabled=False)
        self.wait_until(lambda: self.advert() is None, 'the advertisement unregistered')
        reply = client.ok('advertise', reset=True)
        self.assertEqual((reply['local_name'], reply['service_data'], reply['enabled'], reply['changed']),
                         (LOCAL_NAME, {}, True, False))
        self.wait_air('the configured advertisement again', lambda air: air.get('LocalName') == LOCAL_NAME)
        self.assertNotIn('ServiceData', self.advert().air)

    def test_a_change_while_bluetoothd_registers_reaches_the_air(self):
        # advertising.c sets its PropertiesChanged watch only once registered: a change
        # between its GetAll and the end of the registration reaches only gdbus's cache.
        self.fake.delay_next_register_advertisement(0.5)
        self.start_gattd()
        self.wait_until(lambda: any(a.props for a in self.fake.adverts), 'bluetoothd read the advertisement')
        LocalClient(self).ok('advertise', local_name='during')
        self.wait_on_air('hci0')
        self.wait_air('the name set while registering', lambda air: air.get('LocalName') == 'during')


class PauseWhileConnectedTest(GattdTestCase):
    """[Advertising] PauseWhileConnected=true: the first central in stops advertising (the
    advertisement is unregistered), the last one out starts it again (the roster decides)."""

    PHONE = '00:AA:01:02:00:01'
    TABLET = '00:AA:01:02:00:02'

    def advert(self):
        return self.fake.active_advert('hci0')

    def test_advertising_stops_while_centrals_are_connected_and_resumes_when_the_last_leaves(self):
        self.start_registered(advertising={'LocalName': LOCAL_NAME, 'PauseWhileConnected': 'true'})
        client = LocalClient(self)
        client.watch()
        phone = self.fake.connect_central(address=self.PHONE)
        client.wait_event('connected', address=self.PHONE)
        self.wait_until(lambda: self.advert() is None, 'the advertisement unregistered while the phone is connected')
        reply = client.ok('advertise')
        self.assertEqual((reply['enabled'], reply['paused'], reply['advertising']), (True, True, False))
        self.assertIsNotNone(self.fake.active_app('hci0'), 'the services stay registered')
        tablet = self.fake.connect_central(address=self.TABLET)
        client.wait_event('connected', address=self.TABLET)
        self.fake.disconnect_central(phone)
        client.wait_event('disconnected', address=self.PHONE)
        client.sync()
        self.assertIsNone(self.advert(), 'still paused: the tablet is connected')
        self.fake.disconnect_central(tablet)
        client.wait_event('disconnected', address=self.TABLET)
        self.wait_on_air('hci0')
        self.assertIs(client.ok('advertise')['paused'], False)

    def test_a_change_while_paused_is_what_comes_back(self):
        self.start_registered(advertising={'LocalName': LOCAL_NAME, 'PauseWhileConnected': 'true'})
        client = LocalClient(self)
        client.watch()
        phone = self.fake.connect_central(address=self.PHONE)
        self.wait_until(lambda: self.advert() is None, 'paused')
        reply = client.ok('advertise', service_data={'180F': '07'})
        self.assertIs(reply['paused'], True)
        self.assertEqual(len([c for c in self.fake.register_adv_calls if c[3] == 'accepted']), 1,
                         'a change while paused registers nothing')
        self.fake.disconnect_central(phone)
        self.wait_on_air('hci0')
        self.assertEqual(self.advert().air.get('ServiceData'), {BATTERY_UUID: b'\x07'})

    def test_a_stopped_advertisement_stays_stopped_when_the_last_central_leaves(self):
        self.start_registered(advertising={'LocalName': LOCAL_NAME, 'PauseWhileConnected': 'true'})
        client = LocalClient(self)
        client.watch()
        phone = self.fake.connect_central(address=self.PHONE)
        self.wait_until(lambda: self.advert() is None, 'paused')
        self.assertIs(client.ok('advertise', enabled=False)['paused'], False)
        self.fake.disconnect_central(phone)
        client.wait_event('disconnected', address=self.PHONE)
        client.sync()
        self.assertIsNone(self.advert())
        self.assertEqual(len([c for c in self.fake.register_adv_calls if c[3] == 'accepted']), 1)

    def test_without_it_advertising_goes_on_while_a_central_is_connected(self):
        self.start_registered()
        client = LocalClient(self)
        client.watch()
        self.fake.connect_central(address=self.PHONE)
        client.wait_event('connected', address=self.PHONE)
        client.sync()
        self.assertIsNotNone(self.advert())
        self.assertIs(client.ok('advertise')['paused'], False)

    def test_a_reload_that_turns_it_on_pauses_at_once(self):
        config = self.config_dir()
        self.start_gattd(config_dir=config)
        self.wait_on_air('hci0')
        client = LocalClient(self)
        client.watch()
        self.fake.connect_central(address=self.PHONE)
        client.wait_event('connected', address=self.PHONE)
        with open(os.path.join(config, 'gattd.conf'), 'a') as f:
            f.write('PauseWhileConnected=true\n')
        client.ok('reload')
        self.wait_until(lambda: self.advert() is None, 'paused after the reload')
        self.assertEqual(len([c for c in self.fake.register_adv_calls if c[3] == 'accepted']), 1,
                         'not registered again on the way')


if __name__ == '__main__':
    unittest.main()
