# SPDX-License-Identifier: LGPL-2.1-or-later
"""AutoPowerOn: a gadget comes up on the air by itself. bluetoothd before 5.65 leaves
controllers off unless main.conf says AutoEnable=true; gattd powers its adapter on when
it finds it off (at start, when it appears, when bluetoothd starts) and obeys a
power-off that happens while it follows the adapter."""

import os
import unittest

from clients import LocalClient
from harness import HCI0_ADDRESS, GattdTestCase

POWERING = 'hci0 is powered off: powering it on (AutoPowerOn=true)'


class AutoPowerOnTest(GattdTestCase):

    def power_sets(self):
        """The Set(Powered) calls bluetoothd got, as (adapter, value)."""
        return [(name, value) for _, name, value in self.fake.power_sets]

    def test_adapter_found_off_at_start_is_powered_on_and_goes_on_the_air(self):
        self.fake.adapter('hci0').powered = False
        app = self.start_registered()
        self.assertEqual(self.power_sets(), [('hci0', True)])
        self.assertEqual(self.fake.power_sets[0][0], app.owner, 'gattd itself powered the adapter on')
        self.assertIn(POWERING, self.gattd_log())
        self.assertIn('adapter hci0 powered on', self.gattd_log())

    def test_adapter_found_on_is_left_alone(self):
        self.start_registered()
        self.sync_with_gattd()
        self.assertEqual(self.power_sets(), [])

    def test_auto_power_on_false_leaves_the_adapter_off_until_someone_powers_it_on(self):
        self.fake.adapter('hci0').powered = False
        self.start_gattd(daemon={'AutoPowerOn': 'false'})
        self.wait_app_registered('hci0')
        self.sync_with_gattd()
        self.assertFalse(self.fake.on_air('hci0'))
        self.assertEqual(self.power_sets(), [])
        self.fake.set_powered('hci0', True)
        self.wait_on_air('hci0')
        self.assertNotIn('powering it on', self.gattd_log())

    def test_power_off_while_running_is_obeyed_until_power_comes_back(self):
        self.start_registered()
        for via in ('mgmt', 'dbus'):
            self.fake.set_powered('hci0', False, via=via)
            self.wait_until(lambda: 'services are off the air: adapter-down' in self.gattd_log(),
                            'gattd to see the power-off')
            self.sync_with_gattd()
            self.assertFalse(self.fake.adapter('hci0').powered, 'the adapter stays off (%s)' % via)
            self.assertEqual(self.power_sets(), [], 'gattd did not power it on again (%s)' % via)
            self.fake.set_powered('hci0', True)
            self.wait_on_air('hci0')
        self.assertNotIn('powering it on', self.gattd_log())

    def test_adapter_that_comes_back_off_after_a_replug_is_powered_on(self):
        self.start_registered()
        self.fake.set_powered('hci0', False)     # a powered adapter's removal first shows as power-off
        self.fake.remove_adapter('hci0')
        self.wait_until(lambda: self.fake.active_app('hci0') is None, 'the registration to end with the adapter')
        self.fake.add_adapter('hci0', HCI0_ADDRESS, powered=False)
        self.wait_app_registered('hci0')
        self.wait_on_air('hci0')
        self.assertEqual(self.power_sets(), [('hci0', True)])

    def test_bluetoothd_that_starts_with_the_adapter_off_gets_it_powered_on(self):
        self.start_registered()
        for clean in (True, False):
            self.fake.stop(clean=clean)
            self.fake.adapter('hci0').powered = False    # AutoEnable=false: it stays off
            self.fake.start()
            self.wait_app_registered('hci0')
            self.wait_on_air('hci0')
        self.assertEqual(self.power_sets(), [('hci0', True), ('hci0', True)])

    def test_blocked_adapter_is_logged_and_waited_for(self):
        adapter = self.fake.adapter('hci0')
        adapter.powered = False
        adapter.blocked = True
        self.start_gattd()
        self.wait_app_registered('hci0')
        self.wait_until(lambda: 'cannot power hci0 on' in self.gattd_log(), 'gattd to say why hci0 stays off')
        self.assertIn('cannot power hci0 on: org.bluez.Error.Blocked: Blocked through rfkill; gattd waits until '
                      'it is powered on (it is blocked: rfkill unblock bluetooth)', self.gattd_log())
        self.assertFalse(self.fake.on_air('hci0'))
        adapter.blocked = False
        self.fake.set_powered('hci0', True)      # the operator unblocks and powers it on
        self.wait_on_air('hci0')
        self.assertEqual(self.power_sets(), [('hci0', True)], 'tried once, not in a loop')

    def test_adapter_bluetoothd_is_powering_on_already_is_not_a_problem(self):
        adapter = self.fake.adapter('hci0')
        adapter.powered = False
        adapter.power_busy = True
        self.start_gattd()
        self.wait_app_registered('hci0')
        self.wait_until(lambda: 'hci0: bluetoothd answered org.bluez.Error.Busy to request' in self.gattd_log(),
                        'gattd to see bluetoothd powering hci0 on')
        adapter.power_busy = False
        self.fake.set_powered('hci0', True, via='dbus')   # bluetoothd's AutoEnable finishes
        self.wait_on_air('hci0')
        self.assertNotIn('cannot power', self.gattd_log())

    def test_reload_turning_auto_power_on_off_applies_the_next_time_the_adapter_is_found(self):
        config = self.config_dir()
        self.start_gattd(config_dir=config)
        self.wait_on_air('hci0')
        with open(os.path.join(config, 'gattd.conf')) as f:
            text = f.read()
        with open(os.path.join(config, 'gattd.conf'), 'w') as f:
            f.write(text.replace('[Daemon]\n', '[Daemon]\nAutoPowerOn=false\n'))
        self.assertEqual(LocalClient(self).ok('reload')['reregistered'], False)
        self.fake.stop(clean=False)
        self.fake.adapter('hci0').powered = False
        self.fake.start()
        self.wait_app_registered('hci0')
        self.sync_with_gattd()
        self.assertEqual(self.power_sets(), [])
        self.assertFalse(self.fake.on_air('hci0'))


if __name__ == '__main__':
    unittest.main()
