# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattd against the bluetoothd versions users run, where they differ (the fake's
profiles, fakebluez.PROFILES; tests/vm/bluez-versions.md): controllers left off before
5.65, a failed power-on that stays pending before 5.66, 5.55's shorter flag list, the
TX power written back from 5.64 on."""

import unittest

from harness import GattdTestCase

POWERING = 'hci0 is powered off: powering it on (AutoPowerOn=true)'
GAVE_UP = ('hci0 is still powered off after 6 requests to power it on; gattd waits until it is powered on '
           '(bluetoothd before 5.66 ignores every request after a failed power-on, answering Busy or success, '
           'until the power changes: btmgmt power on, or restart bluetoothd)')
SECURE_NOTIFY_CONF = """\
[Service battery]
UUID=180F

[Characteristic battery/level]
UUID=2A19
Flags=read;encrypt-notify
Type=u8
Value=u8:100

[Characteristic battery/alarm]
UUID=2A1A
Flags=read;secure-indicate
Type=u8
Value=u8:0
"""
FLAG_HINT = ("if bluetoothd is older than 5.62, it is refusing the whole application for flags it does not "
             "know: [Characteristic battery/level] 'encrypt-notify', [Characteristic battery/alarm] "
             "'secure-indicate'; update bluetoothd")


class VersionTestCase(GattdTestCase):

    def power_sets(self):
        """The Set(Powered, true) calls bluetoothd got."""
        return [value for _, _, value in self.fake.power_sets if value]

    def wait_log(self, text, what):
        self.wait_until(lambda: text in self.gattd_log(), what)

    def assert_powered_on_at_start_and_after_a_clean_restart(self):
        self.assertFalse(self.fake.adapter('hci0').powered, 'no AutoEnable: off at start')
        self.start_registered()
        self.assertEqual(self.power_sets(), [True])
        self.fake.stop(clean=True)
        self.assertFalse(self.fake.adapter('hci0').powered, 'adapter_shutdown powered it off')
        self.fake.start()
        self.wait_app_registered('hci0')
        self.wait_on_air('hci0')
        self.assertEqual(self.power_sets(), [True, True])
        self.assertEqual(self.gattd_log().count(POWERING), 2)

    def assert_power_on_given_up_once(self, sets=6):
        self.wait_log(GAVE_UP, 'gattd to give up powering hci0 on')
        self.sync_with_gattd()
        self.assertEqual(self.power_sets(), [True] * sets)
        self.assertEqual(self.gattd_log().count(GAVE_UP), 1)
        self.assertIn('hci0 is still powered off: asking bluetoothd again (6 of 6)', self.gattd_log())
        self.assertFalse(self.fake.on_air('hci0'))
        self.assertIsNotNone(self.fake.active_app('hci0'), 'registered, waiting for power')


class Bluez555Test(VersionTestCase):
    bluez_version = '5.55'

    def test_5_55_adapter_off_at_start_and_after_a_clean_bluetoothd_restart_is_powered_on(self):
        self.assert_powered_on_at_start_and_after_a_clean_restart()

    def test_5_55_success_that_does_nothing_after_a_failed_power_on_is_asked_again_then_given_up_once(self):
        self.fake.start()
        self.fake.power_on_failed('hci0')
        self.start_gattd()
        self.wait_app_registered('hci0')
        self.assert_power_on_given_up_once()
        self.assertNotIn('(a power change is pending', self.gattd_log())
        self.fake.set_powered('hci0', True)     # btmgmt power on
        self.wait_on_air('hci0')

    def test_5_55_security_notify_flags_fail_registration_and_are_named_once_all_together(self):
        self.fake.adapter('hci0').powered = True
        self.start_gattd(services={'battery.conf': SECURE_NOTIFY_CONF})
        self.wait_until(lambda: len(self.fake.register_app_calls) >= 3, 'gattd to retry the registration')
        self.sync_with_gattd()
        self.assertTrue(all(app.failure == 'No valid service object found' for app in self.fake.apps))
        self.assertEqual(self.gattd_log().count(FLAG_HINT), 1, self.gattd_log())

    def test_5_55_never_writes_the_tx_power_back(self):
        self.fake.adapter('hci0').kernel_tx_power = 7
        self.start_registered(advertising={'Includes': 'tx-power'})
        self.sync_with_gattd()
        self.assertEqual(self.fake.tx_power_sets, [])


class Bluez564Test(VersionTestCase):
    bluez_version = '5.64'

    def test_5_64_adapter_off_at_start_and_after_a_clean_bluetoothd_restart_is_powered_on(self):
        self.assert_powered_on_at_start_and_after_a_clean_restart()

    def test_5_64_busy_forever_after_a_failed_power_on_ends_in_one_line_and_a_bluetoothd_restart_clears_it(self):
        self.fake.start()
        self.fake.power_on_failed('hci0')       # e.g. an operator's power-on failed before gattd started
        self.start_gattd()
        self.wait_app_registered('hci0')
        self.assert_power_on_given_up_once()
        self.assertIn('hci0: bluetoothd answered org.bluez.Error.Busy to request', self.gattd_log())
        self.fake.stop()
        self.fake.start()
        self.wait_app_registered('hci0')
        self.wait_on_air('hci0')
        self.assertEqual(self.power_sets(), [True] * 7)

    def test_5_64_busy_that_ends_within_the_retries_lets_the_next_set_power_it_on(self):
        self.fake.start()
        self.fake.power_on_failed('hci0')
        self.start_gattd()
        self.wait_log('(a power change is pending', 'gattd to get Busy')
        self.fake.adapter('hci0').power_stuck = False   # Powered no longer pending
        self.wait_on_air('hci0')
        self.assertLess(len(self.power_sets()), 6)
        self.assertNotIn('after 6 requests', self.gattd_log())

    def test_5_64_tx_power_the_kernel_reports_is_written_back_without_tx_power_in_includes(self):
        self.fake.adapter('hci0').powered = True
        self.fake.adapter('hci0').kernel_tx_power = 7
        self.start_registered()
        self.wait_until(lambda: self.fake.tx_power_sets and self.fake.tx_power_sets[0][1] != 'sent',
                        'gattd to answer Set(TxPower)')
        self.assertEqual(self.fake.tx_power_sets, [['/org/gattd/advertisement',
                                                    'org.freedesktop.DBus.Error.UnknownProperty']])
        self.sync_with_gattd()
        self.assertTrue(self.fake.on_air('hci0'))
        self.assertEqual(len(self.fake.register_adv_calls), 1, 'registered once, not retried')


class Bluez566Test(VersionTestCase):
    # bluez_version: the default, 5.66

    def test_5_66_busy_while_bluetoothd_powers_on_then_fails_is_followed_by_a_set_that_powers_it_on(self):
        adapter = self.fake.adapter('hci0')
        adapter.powered = False
        adapter.power_busy = True               # AutoEnable's power-on under way
        self.start_gattd()
        self.wait_log('hci0: bluetoothd answered org.bluez.Error.Busy to request', 'gattd to get Busy')
        adapter.power_busy = False              # ... and it failed; 5.66 clears the pending bit
        self.fake.power_on_failed('hci0')
        self.wait_on_air('hci0')
        self.assertGreaterEqual(len(self.power_sets()), 2)
        self.assertIn('hci0 is still powered off: asking bluetoothd again (2 of 6)', self.gattd_log())
        self.assertNotIn('after 6 requests', self.gattd_log())

    def test_5_66_security_notify_flag_is_registered_without_a_hint(self):
        self.start_registered(services={'battery.conf': SECURE_NOTIFY_CONF})
        self.assertNotIn('flags it does not know', self.gattd_log())


if __name__ == '__main__':
    unittest.main()
