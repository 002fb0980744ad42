# SPDX-License-Identifier: LGPL-2.1-or-later
"""`gattctl wait` (until gattd is on the air, registered, advertising, or a central
connected; gattd itself waited for) and `gattctl status`'s exit status, as
`systemctl is-active` gives one (issue 18)."""

import os
import unittest

from clients import ClientProgram, LocalClient
from harness import GattdTestCase
from test_gattctl import EXIT_TIMEOUT, EXIT_USAGE, GattctlTestCase, gattctl_binary

EXIT_NOT_ON_AIR = 6


class GattctlWaitTest(GattctlTestCase):

    def test_on_the_air_it_returns_at_once(self):
        self.assertEqual(self.gattctl('wait')[0], 0)
        self.assertEqual(self.gattctl('wait', 'registered')[0], 0)
        self.assertEqual(self.gattctl('wait', 'advertising', '--timeout', '5000')[0], 0)

    def test_a_timeout_exits_4_saying_what_is_missing_and_gattds_state(self):
        LocalClient(self).ok('advertise', enabled=False)
        self.wait_until(lambda: self.fake.active_advert('hci0') is None, 'the advertisement unregistered')
        status, out, err = self.gattctl('wait', 'advertising', '--timeout', '600')
        self.assertEqual((status, out), (EXIT_TIMEOUT, []), err)
        self.assertEqual(err, 'gattctl: wait advertising: not advertising after 600 ms: registered on hci0, '
                              'not advertising\n')

    def test_it_returns_when_it_happens(self):
        LocalClient(self).ok('advertise', enabled=False)
        self.wait_until(lambda: self.fake.active_advert('hci0') is None, 'the advertisement unregistered')
        advertising = self.start_gattctl('wait', 'advertising', '--timeout', '20000')
        connected = self.start_gattctl('wait', 'connected', '--timeout', '20000')
        LocalClient(self).ok('advertise', enabled=True)
        self.assertEqual(advertising.wait_exit(), 0, advertising.stderr_text)
        self.fake.connect_central()
        self.assertEqual(connected.wait_exit(), 0, connected.stderr_text)

    def test_powered_off_it_waits_for_the_power(self):
        self.fake.set_powered('hci0', False)
        self.wait_until(lambda: not LocalClient(self).ok('status')['on_air'], 'off the air')
        program = self.start_gattctl('wait', '--timeout', '20000')
        self.fake.set_powered('hci0', True)
        self.assertEqual(program.wait_exit(), 0, program.stderr_text)

    def test_bad_arguments_are_usage_errors(self):
        status, out, err = self.gattctl('wait', 'soon')
        self.assertEqual(status, EXIT_USAGE)
        self.assertIn("'soon' is not on-air, registered, advertising or connected", err)
        self.assertEqual(self.gattctl('wait', '--timeout', '-5')[0], EXIT_USAGE)

    def test_status_exits_6_off_the_air_and_0_on_it(self):
        self.assertEqual(self.gattctl('status')[0], 0)
        self.fake.set_powered('hci0', False)
        self.wait_until(lambda: not LocalClient(self).ok('status')['on_air'], 'off the air')
        status, out, err = self.gattctl('status')
        self.assertEqual(status, EXIT_NOT_ON_AIR, err)
        self.assertIn('on_air:        no', out)
        self.assertEqual(self.gattctl('--json', 'status')[0], EXIT_NOT_ON_AIR)


class GattctlWaitForGattdTest(GattdTestCase):
    """gattd not running yet: the connection is tried again until it answers."""

    def test_it_waits_for_gattd_to_start(self):
        env = {k: v for k, v in os.environ.items() if k != 'GATTD_SOCKET'}
        program = ClientProgram(self, [gattctl_binary(), '--socket', self.socket_path, 'wait', '--timeout', '30000'],
                                env=env)
        self.start_registered()
        self.assertEqual(program.wait_exit(), 0, program.stderr_text)

    def test_no_gattd_at_all_times_out_naming_the_socket(self):
        path = os.path.join(self.tmpdir, 'nothing.sock')
        program = ClientProgram(self, [gattctl_binary(), '--socket', path, 'wait', '--timeout', '300'])
        self.assertEqual(program.wait_exit(), EXIT_TIMEOUT)
        self.assertIn('gattctl: wait on-air: gattd did not answer at %s within 300 ms: No such file or directory'
                      % path, program.stderr_text)


if __name__ == '__main__':
    unittest.main()
