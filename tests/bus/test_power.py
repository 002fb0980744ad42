# SPDX-License-Identifier: LGPL-2.1-or-later
"""Adapter power cycles: BlueZ keeps the application, the controller forgets the advertisement."""

import os
import unittest

from harness import LABEL, LEVEL, GattdTestCase

POWER_CYCLES = int(os.environ.get('GATTD_TEST_POWER_CYCLES', '100'))


class PowerCycleTest(GattdTestCase):

    def power_cycle(self):
        self.fake.set_powered('hci0', False)
        self.assertFalse(self.fake.on_air('hci0'), 'power-off takes the advertisement off the air')
        self.fake.set_powered('hci0', True)
        self.wait_on_air('hci0')

    def test_power_cycles_keep_registration_and_written_value_and_readvertise(self):
        app = self.start_registered()
        self.fake.write_value(LABEL, b'kept')
        advert = self.fake.active_advert('hci0')
        for cycle in range(1, POWER_CYCLES + 1):
            self.power_cycle()
            self.assertIs(self.fake.active_app('hci0'), app,
                          'after power cycle %d the application bluetoothd kept is still the registered one'
                          % cycle)
            self.assertEqual(self.fake.read_value(LABEL), b'kept', 'value after power cycle %d' % cycle)
            self.assertEqual(advert.ended, 'unregistered',
                             'the stale advertisement was unregistered at power cycle %d' % cycle)
            advert = self.fake.active_advert('hci0')
            self.assertEqual(advert.slot, 1, 'registered again after bluetoothd freed instance 1 '
                                             '(power cycle %d)' % cycle)
        self.assertEqual(len([c for c in self.fake.register_app_calls if c[3] == 'accepted']), 1,
                         'no new application registration was needed')

    def test_power_on_unregisters_then_registers_the_advertisement_again(self):
        self.start_registered()
        first = self.fake.active_advert('hci0')
        self.power_cycle()
        second = self.fake.active_advert('hci0')
        self.assertIsNot(second, first)
        self.assertEqual(first.ended, 'unregistered')
        self.assertEqual(second.props, first.props)

    def test_no_old_advertisement_stays_in_the_kernel_after_a_power_cycle_and_a_bluetoothd_restart(self):
        # A Register queued behind the Unregister got instance 2 (bluetoothd frees 1
        # after answering); a bluetoothd stopped then left instance 2 in the kernel,
        # which did not report it to the next one: it stayed on the air beside gattd's.
        self.start_registered()
        self.power_cycle()
        self.assertEqual(self.fake.active_advert('hci0').slot, 1)
        self.fake.stop()
        self.fake.start()
        self.wait_on_air('hci0')
        self.assertEqual(self.fake.stale_on_air('hci0'), [], 'nothing but gattd\'s advertisement on the air')

    def test_power_off_keeps_gatt_reads_working_after_power_on(self):
        self.start_registered()
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.wait_on_air('hci0')
        self.assertEqual(self.fake.read_value(LEVEL), bytes([100]))

    def test_subscription_dropped_at_power_off_stops_notifying(self):
        self.start_registered()
        self.fake.start_notify(LEVEL)
        self.wait_until(lambda: self.fake.notifying_changes(LEVEL) == [True], 'Notifying true')
        self.fake.set_powered('hci0', False)      # the link drops: bluetoothd sends StopNotify
        self.wait_until(lambda: self.fake.notifying_changes(LEVEL) == [True, False], 'Notifying false')
        self.fake.set_powered('hci0', True)
        self.wait_on_air('hci0')


if __name__ == '__main__':
    unittest.main()
