# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattctl advertise ($GATTCTL against the test's gattd and the fake): printing the
advertisement, changing it with LITERALs as the configuration writes them, starting and
stopping it, and the exit statuses of what gattd or gattctl refuses; the same for an
[Advertising NAME] advertisement (--advertisement NAME), and status's line for each."""

import json
import re
import unittest

from clients import LocalClient
from harness import ADVERTISEMENT_PATH, LOCAL_NAME, GattdTestCase, uuid128
from test_gattctl import EXIT_ERROR, EXIT_USAGE, GattctlTestCase, gattctl_binary

BATTERY_UUID = uuid128(0x180f)


class GattctlAdvertiseTest(GattctlTestCase):

    def advert(self):
        return self.fake.active_advert('hci0')

    def test_advertise_prints_the_advertisement(self):
        status, lines, stderr = self.gattctl('advertise')
        self.assertEqual(status, 0, stderr)
        self.assertEqual(lines, [
            'advertising',
            'type:              peripheral',
            'local name:        %s' % LOCAL_NAME,
            'service UUIDs:     180f',
            'manufacturer data: none',
            'service data:      none',
            'size:              7 of 31 bytes',
        ])

    def test_advertise_changes_service_and_manufacturer_data_from_literals(self):
        status, lines, stderr = self.gattctl('advertise', '--service-data', '180F:u8:100',
                                             '--manufacturer-data', '0x05F1:hex:0102', '--name', 'sensor')
        self.assertEqual(status, 0, stderr)
        self.assertIn('advertising (changed at run time)', lines)
        self.assertIn('service data:      180f 64', lines)
        self.assertIn('manufacturer data: 0x05F1 0102', lines)
        self.wait_until(lambda: self.advert().air.get('ServiceData') == {BATTERY_UUID: b'\x64'},
                        'the service data on the air')
        self.assertEqual(self.advert().air.get('LocalName'), 'sensor')

    def test_advertise_json_prints_the_reply(self):
        status, lines, stderr = self.gattctl('--json', 'advertise', '--uuids', '')
        self.assertEqual(status, 0, stderr)
        reply = json.loads(lines[0])
        self.assertEqual((reply['ok'], reply['service_uuids']), (True, []))

    def test_advertise_off_and_on(self):
        status, lines, _ = self.gattctl('advertise', 'off')
        self.assertEqual((status, lines[0]), (0, 'not advertising (stopped) (changed at run time)'))
        self.wait_until(lambda: self.advert() is None, 'the advertisement unregistered')
        status, lines, _ = self.gattctl('advertise', 'reset')
        self.assertEqual(status, 0)
        self.wait_on_air('hci0')

    def test_too_much_data_exits_2_with_the_byte_count(self):
        # invalid-value: data that does not fit is a usage error, whoever finds it.
        status, _, stderr = self.gattctl('advertise', '--manufacturer-data', '0x05F1:hex:' + '00' * 24)
        self.assertEqual(status, EXIT_USAGE)
        self.assertIn('the advertising data would be 35 bytes', stderr)

    def test_usage_errors_exit_2(self):
        for args, text in ((('advertise', 'maybe'), "'maybe' is not on, off or reset"),
                           (('advertise', '--service-data', '180F'), "is not KEY:LITERAL"),
                           (('advertise', '--service-data', '180F:u8:300'), "--service-data: '180F:u8:300'"),
                           (('advertise', '--service-data', '180F:u8:1', '--no-service-data'),
                            'do not go together')):
            status, _, stderr = self.gattctl(*args)
            self.assertEqual(status, EXIT_USAGE, args)
            self.assertIn(text, stderr, args)

    def test_status_without_named_advertisements_has_no_line_for_them(self):
        status, lines, stderr = self.gattctl('status')
        self.assertEqual(status, 0, stderr)
        self.assertEqual([line for line in lines if line.startswith('advertisement')], [])
        self.assertIn('state:         ADVERTISING', lines, 'aligned on the longest key, subscriptions')


BEACON_PATH = ADVERTISEMENT_PATH + '/beacon'
BEACON = {'Type': 'broadcast', 'ManufacturerData': '0x05F1:hex:0102'}


class GattctlNamedAdvertisementTest(GattctlTestCase):
    """gattctl advertise --advertisement NAME and status with [Advertising NAME] groups."""

    def setUp(self):
        GattdTestCase.setUp(self)
        self.binary = gattctl_binary()

    def start_with_beacon(self, max_advertisements=None):
        if max_advertisements is not None:
            self.fake.adapters['hci0'].max_advertisements = max_advertisements
        self.start_gattd(advertisements={'beacon': BEACON})
        self.wait_app_registered('hci0')
        if max_advertisements is None:
            self.wait_until(lambda: self.beacon() is not None, 'the beacon registered')

    def beacon(self):
        adverts = [a for a in self.fake.adverts if a.active and a.path == BEACON_PATH]
        return adverts[0] if adverts else None

    def test_advertise_a_changes_the_named_advertisement_alone(self):
        self.start_with_beacon()
        status, lines, stderr = self.gattctl('advertise', '-a', 'beacon', '--manufacturer-data', '0x05F1:hex:0a0b')
        self.assertEqual(status, 0, stderr)
        self.assertEqual(lines[0], 'advertisement beacon: advertising (changed at run time)')
        self.assertIn('type:              broadcast', lines)
        self.assertIn('manufacturer data: 0x05F1 0a0b', lines)
        self.wait_until(lambda: self.beacon().air.get('ManufacturerData') == {0x05f1: b'\x0a\x0b'},
                        'the new data on the air')
        status, lines, stderr = self.gattctl('advertise')
        self.assertEqual((status, lines[0]), (0, 'advertising'), 'the main one unchanged: ' + stderr)
        self.assertIn('manufacturer data: none', lines)

    def test_advertisement_long_option_prints_it_and_off_stops_it_alone(self):
        self.start_with_beacon()
        status, lines, stderr = self.gattctl('advertise', '--advertisement', 'beacon')
        self.assertEqual(status, 0, stderr)
        self.assertEqual(lines[0], 'advertisement beacon: advertising')
        self.assertIn('manufacturer data: 0x05F1 0102', lines)
        status, lines, stderr = self.gattctl('advertise', '-a', 'beacon', 'off')
        self.assertEqual((status, lines[0]),
                         (0, 'advertisement beacon: not advertising (stopped) (changed at run time)'), stderr)
        self.wait_until(lambda: self.beacon() is None, 'the beacon unregistered')
        self.assertTrue(self.fake.on_air('hci0'), 'the main one goes on')

    def test_advertise_json_names_the_advertisement(self):
        self.start_with_beacon()
        status, lines, stderr = self.gattctl('--json', 'advertise', '-a', 'beacon')
        self.assertEqual(status, 0, stderr)
        reply = json.loads(lines[0])
        self.assertEqual((reply['ok'], reply['advertisement'], reply['type']), (True, 'beacon', 'broadcast'))

    def test_unknown_advertisement_exits_1_not_found(self):
        self.start_with_beacon()
        status, lines, stderr = self.gattctl('advertise', '-a', 'nope', '--name', 'x')
        self.assertEqual((status, lines), (EXIT_ERROR, []))
        self.assertEqual(stderr, "gattctl: advertise -a nope: no advertisement 'nope': "
                                 "gattd.conf has no [Advertising nope] (not-found)\n")

    def test_a_name_gattd_conf_cannot_have_exits_2_without_asking(self):
        self.start_with_beacon()
        for name in ('', 'a b', 'x' * 33, 'bea-con'):
            status, _, stderr = self.gattctl('advertise', '-a', name)
            self.assertEqual(status, EXIT_USAGE, name)
            self.assertIn('is not the NAME of an [Advertising NAME] group (1 to 32 letters, digits or', stderr)
        self.assertEqual(self.gattctl('advertise', '-a', 'x' * 32)[0], EXIT_ERROR, '32 is gattd\'s to judge')

    def test_status_lists_each_named_advertisement(self):
        self.start_with_beacon()
        client = LocalClient(self)
        self.wait_until(lambda: client.ok('status')['advertisements'][0]['advertising'], 'status says registered')
        status, lines, stderr = self.gattctl('status')
        self.assertEqual(status, 0, stderr)
        self.assertEqual([line for line in lines if line.startswith('advertisement')],
                         ['advertisement beacon: advertising'])
        self.assertEqual(lines.index('advertisement beacon: advertising'),
                         [line.split(':')[0] for line in lines].index('on_air') + 1, 'where gattd puts it')
        self.assertIn('state:                ADVERTISING', lines, 'aligned on the longest key')
        self.gattctl('advertise', '-a', 'beacon', 'off')
        self.assertIn('advertisement beacon: not advertising (stopped)', self.gattctl('status')[1])

    def test_status_says_why_bluetoothd_refused_it(self):
        self.start_with_beacon(max_advertisements=1)
        client = LocalClient(self)
        self.wait_until(lambda: client.ok('status')['advertisements'][0]['error'], 'the refusal in status')
        status, lines, stderr = self.gattctl('status')
        self.assertEqual(status, 0, stderr)
        line = [line for line in lines if line.startswith('advertisement beacon:')]
        self.assertEqual(len(line), 1, lines)
        self.assertRegex(line[0], r'^advertisement beacon: not advertising \(bluetoothd refused it: '
                         + re.escape('org.bluez.Error.NotPermitted: Maximum advertisements reached') + r'\)$')

    def test_status_json_passes_the_advertisements_through(self):
        self.start_with_beacon()
        status, lines, stderr = self.gattctl('--json', 'status')
        self.assertEqual(status, 0, stderr)
        reply = json.loads(lines[0])
        self.assertEqual([a['name'] for a in reply['advertisements']], ['beacon'])
        self.assertEqual(sorted(reply['advertisements'][0]), ['advertising', 'enabled', 'error', 'name', 'paused'])


if __name__ == '__main__':
    unittest.main()
