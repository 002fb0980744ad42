"""gattctl advertise ($GATTCTL against the test's gattd and the fake): printing the
advertisement, changing it with LITERALs as the configuration writes them, starting and
stopping it, and the exit statuses of what gattd or gattctl refuses."""

import json
import unittest

from harness import LOCAL_NAME, uuid128
from test_gattctl import EXIT_ERROR, EXIT_USAGE, GattctlTestCase

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

    def test_too_much_data_exits_1_with_the_byte_count(self):
        status, _, stderr = self.gattctl('advertise', '--manufacturer-data', '0x05F1:hex:' + '00' * 24)
        self.assertEqual(status, EXIT_ERROR)
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


if __name__ == '__main__':
    unittest.main()
