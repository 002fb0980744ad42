# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattctl and the centrals ($GATTCTL against the test's gattd, the fake as central):
`devices`, `disconnect` and its exit statuses, and watch's lines for centrals
connecting and disconnecting. The tests that connect and disconnect centrals
themselves need the fake's Device1 model (connect_central(), Device1.Disconnect)."""

import json
import os
import unittest

import fakebluez
from clients import LocalClient, SyncProxy
from harness import CENTRAL_ADDRESS, COMMAND
from test_gattctl import (EXIT_DISCONNECTED, EXIT_ERROR, EXIT_USAGE, TERMINAL_CONTROL, GattctlTestCase,
                          assert_no_terminal_control)

HEADER = 'ADDRESS            TYPE    MTU  CONNECTED  FLAGS           NAME'
ROW = '%-17s  %-6s  %-3s  %-9s  %-14s  %s'
NOT_AN_ADDRESS = "'11-22-33-44-55-66' is not a Bluetooth address (AA:BB:CC:DD:EE:FF)"
needs_device_model = unittest.skipUnless(hasattr(fakebluez.FakeBluez, 'connect_central'),
                                         "needs the fake's Device1 model")


class GattctlDevicesTest(GattctlTestCase):

    def test_gattctl_devices_says_no_centrals_connected_before_any_central_talks(self):
        self.assertEqual(self.gattctl('devices'), (0, ['no centrals connected'], ''))

    def test_gattctl_devices_lists_the_central_that_wrote_with_the_mtu_of_its_write(self):
        self.fake.write_value(COMMAND, b'x', mtu=247)
        status, out, err = self.gattctl('devices')
        self.assertEqual((status, err, len(out)), (0, '', 2), out)
        self.assertEqual(out[0], HEADER)
        age = out[1].split()[3]
        self.assertRegex(age, r'^\d+s$')
        self.assertEqual(out[1], ROW % (CENTRAL_ADDRESS, 'public', '247', age, '-', '-'))

    def test_gattctl_json_devices_prints_gattd_reply_as_received(self):
        self.fake.write_value(COMMAND, b'x')
        status, out, err = self.gattctl('--json', 'devices')
        self.assertEqual((status, len(out)), (0, 1), err)
        reply = json.loads(out[0])
        self.assertEqual(reply['devices'], LocalClient(self).ok('devices')['devices'])
        self.assertEqual([d['address'] for d in reply['devices']], [CENTRAL_ADDRESS])

    def test_gattctl_disconnect_of_an_address_no_central_has_exits_1_naming_not_found(self):
        self.fake.write_value(COMMAND, b'x')
        status, out, err = self.gattctl('disconnect', '00:AA:01:01:00:99')
        self.assertEqual((status, out), (EXIT_ERROR, []), err)
        self.assertEqual(err, 'gattctl: disconnect 00:AA:01:01:00:99: no connected central 00:AA:01:01:00:99 '
                              '(not-found)\n')

    def test_gattctl_disconnect_refuses_what_is_not_an_address_without_asking_gattd(self):
        proxy = SyncProxy(self, os.path.join(self.tmpdir, 'proxy.sock'))
        program = self.start_gattctl('disconnect', '11-22-33-44-55-66', socket_path=proxy.path)
        self.assertEqual(program.wait_exit(), EXIT_USAGE, program.describe())
        self.assertEqual(program.stdout_lines, [])
        self.assertIn(NOT_AN_ADDRESS, program.stderr_text)
        self.assertEqual(proxy.connections, [])

    def test_gattctl_watch_shows_the_central_connect_before_its_first_write_names_it(self):
        program, connection = self.start_gattctl_via_proxy('watch')
        connection.wait_request('watch')
        self.fake.write_value(COMMAND, b'hi')
        program.wait_line('write .*')
        self.assertEqual(program.stdout_lines, [
            'connected %s (public)' % CENTRAL_ADDRESS,
            'write battery/command 6869 "hi" offset=0 address=%s' % CENTRAL_ADDRESS,
        ])


@needs_device_model
class GattctlCentralsTest(GattctlTestCase):
    """gattctl with centrals the fake connects and disconnects (Device1 objects)."""

    def test_gattctl_devices_shows_name_type_and_bond_oldest_connection_first(self):
        self.fake.connect_central()
        self.fake.connect_central(address='5A:3C:11:22:33:44', address_type='random', name='Pixel 7',
                                  paired=True, bonded=True, trusted=True)
        status, out, err = self.gattctl('devices')
        self.assertEqual((status, err, len(out)), (0, '', 3), out)
        ages = [row.split()[3] for row in out[1:]]
        self.assertEqual(out, [
            HEADER,
            ROW % (CENTRAL_ADDRESS, 'public', '-', ages[0], '-', '-'),
            ROW % ('5A:3C:11:22:33:44', 'random', '-', ages[1], 'bonded,trusted', '"Pixel 7"'),
        ])

    def test_gattctl_devices_cuts_a_long_name_to_80_columns(self):
        self.fake.connect_central(name='A central with a name far longer than the column')
        status, out, err = self.gattctl('devices')
        self.assertEqual(status, 0, err)
        self.assertEqual(len(out[1]), 80, out)
        self.assertTrue(out[1].endswith('  "A central with a"...'), out)

    def test_gattctl_shows_a_central_name_quoted_and_escaped(self):
        program, connection = self.start_gattctl_via_proxy('watch')
        connection.wait_request('watch')
        self.fake.connect_central(name='hi' + TERMINAL_CONTROL)
        line = program.wait_line('connected .*')
        self.assertEqual(line, 'connected %s (public) "hi\\x1b]0;pwned\\x07\\x1b[2J\\xc2\\x9b1mhi\\n"'
                         % CENTRAL_ADDRESS)
        status, out, err = self.gattctl('devices')
        self.assertEqual((status, err), (0, ''))
        self.assertTrue(out[1].endswith('  "hi\\x1b]0;pwned"...'), out)     # cut before an escape, not in it
        self.assertLessEqual(len(out[1]), 80)
        assert_no_terminal_control(self, '\n'.join(out))

    def test_gattctl_disconnect_drops_the_central_and_watch_sees_it_go(self):
        watch, connection = self.start_gattctl_via_proxy('watch')
        connection.wait_request('watch')
        path = self.fake.connect_central()
        watch.wait_line('connected %s \\(public\\)' % CENTRAL_ADDRESS)
        self.assertEqual(self.gattctl('disconnect', CENTRAL_ADDRESS.lower()),
                         (0, ['disconnected %s' % CENTRAL_ADDRESS], ''))
        self.assertEqual([call[1] for call in self.fake.disconnect_calls], [path])
        watch.wait_line('disconnected %s(: local)?' % CENTRAL_ADDRESS)
        self.assertEqual(self.gattctl('devices'), (0, ['no centrals connected'], ''))

    def test_gattctl_disconnect_that_bluez_refuses_exits_1_with_bluez_error(self):
        self.fake.connect_central()
        self.fake.fail_next_disconnect(message='Operation not permitted')
        status, out, err = self.gattctl('disconnect', CENTRAL_ADDRESS)
        self.assertEqual((status, out), (EXIT_ERROR, []), err)
        self.assertIn('Operation not permitted', err)
        self.assertTrue(err.endswith('(failed)\n'), err)

    def test_gattctl_disconnect_exits_5_when_bluetoothd_goes_away_before_answering(self):
        self.fake.connect_central()
        self.fake.never_answer_next_disconnect()
        program, connection = self.start_gattctl_via_proxy('disconnect', CENTRAL_ADDRESS)
        connection.wait_request('disconnect')
        self.wait_until(lambda: self.fake.disconnect_calls, 'gattd to call Device1.Disconnect')
        self.fake.stop(clean=False)
        self.assertEqual(program.wait_exit(), EXIT_DISCONNECTED, program.describe())
        self.assertIn('(disconnected)', program.stderr_text)


@needs_device_model
class GattctlDisconnectReasonTest(GattctlTestCase):
    """BlueZ 5.83 and later say why a central left (Device1.Disconnected)."""

    bluez_version = '5.87'

    def test_gattctl_watch_says_why_the_central_left(self):
        program, connection = self.start_gattctl_via_proxy('watch')
        connection.wait_request('watch')
        path = self.fake.connect_central()
        self.fake.disconnect_central(path, 'remote')
        program.wait_line('disconnected .*')
        self.assertEqual(program.stdout_lines, [
            'connected %s (public)' % CENTRAL_ADDRESS,
            'disconnected %s: remote' % CENTRAL_ADDRESS,
        ])


if __name__ == '__main__':
    unittest.main()
