# SPDX-License-Identifier: LGPL-2.1-or-later
"""[Advertising NAME]: several advertisements at once, each its own LEAdvertisement1
beside the main one, registered while the application is on the air, again after
power cycles, replugs and bluetoothd restarts, retried when the controller has no
instance left, changed by clients (`advertise` with `advertisement`), listed by
`status`, and carried over a reload."""

import os
import unittest

from clients import LocalClient
from harness import ADVERTISEMENT_PATH, LOCAL_NAME, GattdTestCase, uuid128

BEACON_PATH = ADVERTISEMENT_PATH + '/beacon'
STATUS_PATH = ADVERTISEMENT_PATH + '/status'
SETS = {
    'beacon': {'Type': 'broadcast', 'ManufacturerData': '0x05F1:hex:0102', 'Discoverable': 'false'},
    'status': {'ServiceData': '180F:u8:100', 'ServiceUUIDs': '180A', 'LocalName': 'gattd-status'},
}


class AdvertisementsTest(GattdTestCase):

    def adverts_by_path(self, adapter='hci0'):
        return {a.path: a for a in self.fake.adverts if a.active and a.adapter == adapter}

    def wait_paths(self, paths, what, adapter='hci0'):
        self.wait_until(lambda: set(self.adverts_by_path(adapter)) == set(paths), what)

    def start_with_sets(self, sets=None, paths=(ADVERTISEMENT_PATH, BEACON_PATH, STATUS_PATH), **config):
        self.start_gattd(advertisements=SETS if sets is None else sets, **config)
        self.wait_app_registered('hci0')
        self.wait_paths(set(paths), 'the advertisements registered')

    def accepted(self, path):
        return [c for c in self.fake.register_adv_calls if c[1] == path and c[3] == 'accepted']

    def test_each_group_is_its_own_advertisement_with_its_own_data(self):
        self.start_with_sets()
        adverts = self.adverts_by_path()
        beacon, status = adverts[BEACON_PATH], adverts[STATUS_PATH]
        self.assertEqual(beacon.air.get('Type'), 'broadcast')
        self.assertEqual(beacon.air.get('ManufacturerData'), {0x05f1: b'\x01\x02'})
        self.assertNotIn('ServiceUUIDs', beacon.air, 'a set has only its own ServiceUUIDs=')
        self.assertEqual(status.air.get('ServiceData'), {'0000180f-0000-1000-8000-00805f9b34fb': b'\x64'})
        self.assertEqual(status.air.get('ServiceUUIDs'), ['0000180a-0000-1000-8000-00805f9b34fb'])
        self.assertEqual(status.air.get('LocalName'), 'gattd-status')
        self.assertEqual(adverts[ADVERTISEMENT_PATH].air.get('LocalName'), LOCAL_NAME)
        self.assertEqual(sorted(a.slot for a in adverts.values()), [1, 2, 3], 'an instance each')
        self.assertTrue(all(a.on_air for a in adverts.values()))

    def test_status_lists_them(self):
        self.start_with_sets()
        client = LocalClient(self)
        self.wait_until(lambda: all(a['advertising'] for a in client.ok('status')['advertisements']),
                        'status says both are registered')
        self.assertEqual(client.ok('status')['advertisements'], [
            {'name': 'beacon', 'enabled': True, 'advertising': True, 'paused': False, 'error': None},
            {'name': 'status', 'enabled': True, 'advertising': True, 'paused': False, 'error': None}])

    def test_status_without_groups_lists_none(self):
        self.start_registered()
        self.assertEqual(LocalClient(self).ok('status')['advertisements'], [])

    def test_a_client_changes_one_in_place_and_the_others_stay(self):
        self.start_with_sets()
        before = self.adverts_by_path()
        client = LocalClient(self)
        watcher = LocalClient(self)
        watcher.watch()
        reply = client.ok('advertise', advertisement='beacon', manufacturer_data={'0x05F1': '0a0b'})
        self.assertEqual((reply['advertisement'], reply['manufacturer_data'], reply['changed']),
                         ('beacon', {'0x05F1': '0a0b'}, True))
        self.assertEqual(reply['type'], 'broadcast')
        event = watcher.wait_event('advertisement')
        self.assertEqual((event['advertisement'], event['manufacturer_data']), ('beacon', {'0x05F1': '0a0b'}))
        self.wait_until(lambda: before[BEACON_PATH].air.get('ManufacturerData') == {0x05f1: b'\x0a\x0b'},
                        'the new data on the air')
        self.assertEqual(self.adverts_by_path(), before, 'the same registrations: re-read in place')
        self.assertEqual(before[STATUS_PATH].refreshes, [])
        self.assertEqual(before[ADVERTISEMENT_PATH].refreshes, [])
        main = client.ok('advertise')
        self.assertEqual((main['advertisement'], main['changed']), (None, False))

    def test_an_unknown_name_is_not_found_and_a_bad_one_a_bad_request(self):
        self.start_with_sets()
        client = LocalClient(self)
        reply = client.error_reply('not-found', 'advertise', advertisement='nope', local_name='x')
        self.assertIn("no advertisement 'nope'", reply['message'])
        self.assertIn('[Advertising nope]', reply['message'])
        for bad in (5, '', 'x' * 33, None):
            reply = client.error_reply('bad-request', 'advertise', advertisement=bad)
            self.assertIn("field 'advertisement'", reply['message'], bad)
        self.assertIs(client.ok('advertise', advertisement='beacon')['changed'], False, 'nothing changed')

    def test_stopping_one_unregisters_only_it(self):
        self.start_with_sets()
        client = LocalClient(self)
        reply = client.ok('advertise', advertisement='status', enabled=False)
        self.assertIs(reply['enabled'], False)
        self.wait_paths({ADVERTISEMENT_PATH, BEACON_PATH}, 'status unregistered, the others stay')
        status = {a['name']: a for a in client.ok('status')['advertisements']}
        self.assertEqual((status['status']['enabled'], status['status']['advertising']), (False, False))
        self.assertIs(client.ok('status')['advertising'], True, 'the main one goes on')
        client.ok('advertise', advertisement='status', enabled=True)
        self.wait_paths({ADVERTISEMENT_PATH, BEACON_PATH, STATUS_PATH}, 'status back')

    def test_the_main_one_disabled_leaves_the_others_on_the_air(self):
        self.start_with_sets(advertising={'Enabled': 'false'}, paths=(BEACON_PATH, STATUS_PATH))
        client = LocalClient(self)
        self.assertIs(client.ok('status')['advertising'], False)
        self.assertEqual([a['advertising'] for a in client.ok('status')['advertisements']], [True, True])
        # ... and after a power cycle too (the lifecycle stays REGISTERED throughout).
        self.fake.set_powered('hci0', False)
        self.wait_until(lambda: not self.fake.on_air('hci0'), 'nothing on the air while off')
        self.fake.set_powered('hci0', True)
        self.wait_until(lambda: len(self.adverts_by_path()) == 2 and all(
            a.on_air for a in self.adverts_by_path().values()), 'both on the air again')

    def test_all_come_back_after_a_power_cycle_with_their_changes(self):
        self.start_with_sets()
        LocalClient(self).ok('advertise', advertisement='beacon', manufacturer_data={'0x05F1': '2a'})
        for _ in range(3):
            self.fake.set_powered('hci0', False)
            self.wait_until(lambda: not self.fake.on_air('hci0'), 'nothing on the air while off')
            self.fake.set_powered('hci0', True)
            self.wait_until(lambda: all(a.on_air for a in self.adverts_by_path().values())
                            and len(self.adverts_by_path()) == 3, 'all three on the air again')
        self.sync_with_gattd()
        adverts = self.adverts_by_path()
        self.assertEqual(adverts[BEACON_PATH].air.get('ManufacturerData'), {0x05f1: b'\x2a'})
        self.assertEqual(sorted(a.slot for a in adverts.values()), [1, 2, 3],
                         'each Register waited for the answer to its Unregister')
        for path in (BEACON_PATH, STATUS_PATH):
            self.assertEqual(len(self.accepted(path)), 4, path)

    def test_all_come_back_after_a_bluetoothd_restart_and_a_replug(self):
        self.start_with_sets()
        self.fake.stop(clean=False)
        self.fake.start()
        self.wait_paths({ADVERTISEMENT_PATH, BEACON_PATH, STATUS_PATH}, 'all three after the restart')
        self.fake.remove_adapter('hci0')
        self.wait_until(lambda: not self.adverts_by_path(), 'released with the adapter')
        self.fake.add_adapter('hci0', '00:AA:01:00:00:00', powered=True)
        self.wait_paths({ADVERTISEMENT_PATH, BEACON_PATH, STATUS_PATH}, 'all three on the adapter plugged again')

    def test_a_full_controller_is_retried_and_said_so(self):
        self.fake.adapters['hci0'].max_advertisements = 2
        self.start_registered(advertisements=SETS)
        self.wait_until(lambda: len(self.adverts_by_path()) == 2, 'two of three registered')
        client = LocalClient(self)
        self.wait_until(lambda: any(a['error'] for a in client.ok('status')['advertisements']),
                        'status tells the refusal')
        refused = [a for a in client.ok('status')['advertisements'] if a['error']]
        self.assertEqual(len(refused), 1)
        self.assertIn('Maximum advertisements reached', refused[0]['error'])
        self.wait_until(lambda: 'SupportedInstances' in self.gattd_log(), 'the log says where to look')
        self.assertIn('RegisterAdvertisement of advertisement %s on hci0 failed' % refused[0]['name'],
                      self.gattd_log())
        # Retried, not given up: once an instance is free it goes on the air.
        other = 'beacon' if refused[0]['name'] == 'status' else 'status'
        if other in {a['name'] for a in client.ok('status')['advertisements'] if a['advertising']}:
            client.ok('advertise', advertisement=other, enabled=False)
        else:
            client.ok('advertise', enabled=False)
        self.wait_until(lambda: {a['name']: a for a in client.ok('status')['advertisements']}
                        [refused[0]['name']]['advertising'], 'the refused one registered on a retry')
        status = {a['name']: a for a in client.ok('status')['advertisements']}
        self.assertIsNone(status[refused[0]['name']]['error'], 'the error goes once it is registered')

    def test_paused_while_connected_on_its_own(self):
        sets = {'beacon': SETS['beacon'], 'status': dict(SETS['status'], PauseWhileConnected='true')}
        self.start_with_sets(sets)
        client = LocalClient(self)
        client.watch()
        phone = self.fake.connect_central(address='00:AA:01:02:00:01')
        client.wait_event('connected')
        self.wait_paths({ADVERTISEMENT_PATH, BEACON_PATH}, 'status paused, the others go on')
        status = {a['name']: a for a in client.ok('status')['advertisements']}
        self.assertEqual((status['status']['paused'], status['status']['advertising']), (True, False))
        self.assertIs(client.ok('advertise', advertisement='status')['paused'], True)
        self.fake.disconnect_central(phone)
        self.wait_paths({ADVERTISEMENT_PATH, BEACON_PATH, STATUS_PATH}, 'status back when the phone left')

    def test_a_reload_keeps_the_same_re_registers_the_changed_and_adds_and_removes(self):
        config = self.config_dir(advertisements=SETS)
        self.start_gattd(config_dir=config)
        self.wait_paths({ADVERTISEMENT_PATH, BEACON_PATH, STATUS_PATH}, 'the three registered')
        before = self.adverts_by_path()
        client = LocalClient(self)
        client.ok('advertise', advertisement='beacon', manufacturer_data={'0x05F1': '2a'})
        with open(os.path.join(config, 'gattd.conf')) as f:
            text = f.read()
        text = text.replace('[Advertising status]', '[Advertising extra]')
        with open(os.path.join(config, 'gattd.conf'), 'w') as f:
            f.write(text)
        client.ok('reload')
        extra = ADVERTISEMENT_PATH + '/extra'
        self.wait_paths({ADVERTISEMENT_PATH, BEACON_PATH, extra}, 'status gone, extra in')
        self.sync_with_gattd()
        after = self.adverts_by_path()
        self.assertIs(after[ADVERTISEMENT_PATH], before[ADVERTISEMENT_PATH], 'the main one untouched')
        self.assertIsNot(after[BEACON_PATH], before[BEACON_PATH], 'a client changed beacon: registered afresh')
        self.assertEqual(after[BEACON_PATH].air.get('ManufacturerData'), {0x05f1: b'\x01\x02'},
                         'back to the configuration')
        self.assertEqual(before[STATUS_PATH].ended, 'unregistered')
        self.assertEqual([a['name'] for a in client.ok('status')['advertisements']], ['beacon', 'extra'])
        # Reloaded again unchanged: nobody registers anew.
        client.ok('reload')
        self.sync_with_gattd()
        again = self.adverts_by_path()
        self.assertEqual({p: id(a) for p, a in again.items()}, {p: id(a) for p, a in after.items()})

    def test_shutdown_unregisters_them(self):
        self.start_with_sets()
        self.stop_gattd()
        self.wait_until(lambda: not self.adverts_by_path(), 'nothing left registered')
        paths = {c[1] for c in self.fake.unregister_adv_calls}
        self.assertLessEqual({BEACON_PATH, STATUS_PATH}, paths)


if __name__ == '__main__':
    unittest.main()


class SecondaryChannelTest(GattdTestCase):
    """SecondaryChannel= goes to bluetoothd only where the controller offers that PHY
    (LEAdvertisingManager1.SupportedSecondaryChannels) and bluetoothd keeps the other
    flags beside it (5.66+); elsewhere it is left out with a warning, and the
    advertisement goes on the air the legacy way rather than failing at every retry."""

    def replace_hci0(self, **kwargs):
        self.fake.remove_adapter('hci0')
        self.fake.add_adapter('hci0', '00:AA:01:00:00:01', **kwargs)

    def advert_props(self, path=ADVERTISEMENT_PATH):
        self.wait_until(lambda: any(a.active and a.path == path for a in self.fake.adverts), path + ' registered')
        return next(a for a in self.fake.adverts if a.active and a.path == path).props

    def test_sent_where_the_controller_offers_it(self):
        self.replace_hci0(secondary_channels=['1M', '2M', 'Coded'])
        self.start_gattd(advertising={'SecondaryChannel': '2m'},
                         advertisements={'far': {'SecondaryChannel': 'Coded', 'Type': 'broadcast'}})
        self.wait_app_registered('hci0')
        self.assertEqual(self.advert_props().get('SecondaryChannel'), '2M', 'in bluetoothd\'s spelling')
        self.assertEqual(self.advert_props(BEACON_PATH.replace('beacon', 'far')).get('SecondaryChannel'), 'Coded')
        self.assertNotIn('SecondaryChannel', self.gattd_log())

    def test_judged_once_the_advertising_manager_is_there(self):
        # LEAdvertisingManager1 in its own, later InterfacesAdded (as bluetoothd does at times).
        self.replace_hci0(secondary_channels=['2M'], advertising_manager='later')
        self.start_gattd(advertising={'SecondaryChannel': '2M'})
        self.wait_on_air('hci0')
        self.assertEqual(self.advert_props().get('SecondaryChannel'), '2M')
        self.assertNotIn('left out', self.gattd_log())

    def test_left_out_with_a_warning_on_a_legacy_controller(self):
        self.start_gattd(advertising={'SecondaryChannel': '2M'})
        self.wait_app_registered('hci0')
        self.wait_on_air('hci0')
        self.assertNotIn('SecondaryChannel', self.advert_props())
        self.assertIn('[Advertising] SecondaryChannel=2M: left out on hci0, whose controller offers none '
                      '(LEAdvertisingManager1.SupportedSecondaryChannels); advertising the legacy way',
                      self.gattd_log())
        # Once per adapter: a power cycle says nothing new.
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.wait_on_air('hci0')
        self.assertEqual(self.gattd_log().count('SecondaryChannel=2M: left out'), 1)

    def test_left_out_where_the_controller_offers_other_channels(self):
        self.replace_hci0(secondary_channels=['1M'])
        self.start_gattd(advertising={'SecondaryChannel': 'Coded'})
        self.wait_on_air('hci0')
        self.assertNotIn('SecondaryChannel', self.advert_props())
        self.assertIn('whose controller offers 1M', self.gattd_log())

    def test_a_reload_that_adds_it_sends_it(self):
        self.replace_hci0(secondary_channels=['1M', '2M'])
        config = self.config_dir()
        self.start_gattd(config_dir=config)
        self.wait_on_air('hci0')
        self.assertNotIn('SecondaryChannel', self.advert_props())
        with open(os.path.join(config, 'gattd.conf'), 'a') as f:
            f.write('SecondaryChannel=1M\n')  # the last group is [Advertising]
        LocalClient(self).ok('reload')
        self.wait_until(lambda: self.advert_props().get('SecondaryChannel') == '1M',
                        'the advertisement registered again with it')


class SecondaryChannelBefore566Test(GattdTestCase):
    """bluetoothd before 5.66 (5.64 here): parse_secondary cleared the flags parsed
    before it (connectable, discoverable, the Includes; bluez 2e4327816), so gattd
    leaves SecondaryChannel out even where the controller offers it."""

    bluez_version = '5.64'

    def test_left_out_with_a_warning_naming_the_version(self):
        self.fake.remove_adapter('hci0')
        self.fake.add_adapter('hci0', '00:AA:01:00:00:01', secondary_channels=['1M', '2M'])
        self.start_gattd(advertising={'SecondaryChannel': '2M'})
        self.wait_on_air('hci0')
        advert = self.fake.active_advert('hci0')
        self.assertNotIn('SecondaryChannel', advert.props)
        self.assertIn('SecondaryChannel=2M: left out on hci0: its bluetoothd is older than 5.66', self.gattd_log())


class ScanResponseTest(GattdTestCase):
    """ScanResponseManufacturerData= and ScanResponseServiceData=: sent as BlueZ's
    ScanResponse* properties, which bluetoothd 5.80 and later reads when run with
    --experimental; gattd says so once per adapter, and warns where bluetoothd is
    older (told by Adapter1.Connectable, 5.79+)."""

    bluez_version = '5.82'
    KEYS = {'ScanResponseManufacturerData': '0x0059:hex:cafe', 'ScanResponseServiceData': '180A:u8:7'}

    def test_on_the_air_from_a_bluetoothd_run_with_experimental(self):
        self.fake.experimental = True
        self.start_gattd(advertising=self.KEYS, advertisements={'beacon': dict(self.KEYS, Type='broadcast')})
        self.wait_app_registered('hci0')
        self.wait_on_air('hci0')
        self.wait_until(lambda: self.fake.active_advert('hci0') and len(
            [a for a in self.fake.adverts if a.active]) == 2, 'both registered')
        for advert in (a for a in self.fake.adverts if a.active):
            self.assertEqual(advert.air.get('ScanResponseManufacturerData'), {0x0059: b'\xca\xfe'}, advert)
            self.assertEqual(advert.air.get('ScanResponseServiceData'), {uuid128(0x180a): b'\x07'}, advert)
        self.assertIn('[Advertising] ScanResponseManufacturerData / ScanResponseServiceData: bluetoothd 5.80 and '
                      'later puts them on the air only when it runs with --experimental (-E)', self.gattd_log())
        self.assertIn('[Advertising beacon] ScanResponseManufacturerData', self.gattd_log())

    def test_left_out_by_a_bluetoothd_without_experimental(self):
        self.start_gattd(advertising=self.KEYS)
        self.wait_on_air('hci0')
        advert = self.fake.active_advert('hci0')
        self.assertIn('ScanResponseManufacturerData', advert.props, 'gattd offers them')
        self.assertNotIn('ScanResponseManufacturerData', advert.air, 'bluetoothd without -E has no parser for them')


class ScanResponseBefore580Test(GattdTestCase):
    """bluetoothd 5.66 has no scan response properties: gattd warns once, and the
    advertisement goes on the air without them."""

    def test_a_warning_naming_the_adapter_and_the_version(self):
        self.start_gattd(advertising=ScanResponseTest.KEYS)
        self.wait_on_air('hci0')
        self.assertNotIn('ScanResponseManufacturerData', self.fake.active_advert('hci0').air)
        self.assertIn('[Advertising] ScanResponseManufacturerData / ScanResponseServiceData: left out on hci0: its '
                      'bluetoothd is older than 5.80, which has no scan response properties', self.gattd_log())
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.wait_on_air('hci0')
        self.assertEqual(self.gattd_log().count('older than 5.80'), 1, 'once per adapter')

    def test_a_clients_local_name_is_checked_with_the_scan_response_data(self):
        # LocalName= (10 bytes: 12) and 14 bytes of scan response manufacturer data (18): 30.
        self.start_registered(advertising={'ScanResponseManufacturerData': '0x0059:hex:' + '00' * 14})
        client = LocalClient(self)
        reply = client.error_reply('invalid-value', 'advertise', local_name='x' * 12)
        self.assertIn('the scan response would be 32 bytes (local name 14 + manufacturer data 18); at most 31 fit '
                      'in a legacy scan response', reply['message'])
        self.assertEqual(client.ok('advertise', local_name='x' * 11)['local_name'], 'x' * 11)
