# SPDX-License-Identifier: LGPL-2.1-or-later
"""bluetoothd itself coming, going, and failing."""

import unittest

from harness import ADVERTISEMENT_PATH, LABEL, GattdTestCase


class BluetoothdRestartTest(GattdTestCase):

    def restart_and_check(self, clean):
        first = self.start_registered()
        self.fake.write_value(LABEL, b'kept')
        self.fake.stop(clean=clean)
        self.fake.start()
        second = self.wait_app_registered('hci0')
        self.wait_on_air('hci0')
        self.assertIsNot(second, first)
        self.assertEqual(second.owner, first.owner, 'same gattd connection')
        self.assertEqual(self.fake.read_value(LABEL), b'kept')

    def test_clean_bluetoothd_restart_registers_again_and_keeps_value(self):
        self.restart_and_check(clean=True)
        self.assertEqual([r[1] for r in self.fake.released], [ADVERTISEMENT_PATH])

    def test_crashed_bluetoothd_restart_registers_again_and_keeps_value(self):
        self.restart_and_check(clean=False)
        self.assertEqual(self.fake.released, [])

    def test_repeated_bluetoothd_restarts_register_again_each_time(self):
        self.start_registered()
        for restart in range(5):
            self.fake.stop(clean=restart % 2 == 0)
            self.fake.start()
            self.wait_app_registered('hci0')
            self.wait_on_air('hci0')

    def test_handles_from_before_a_restart_are_accepted_by_the_new_bluetoothd(self):
        first = self.start_registered()
        self.fake.stop(clean=False)
        self.fake.start()
        second = self.wait_app_registered('hci0')
        self.assertEqual(second.handles, first.handles)

    # VM tier: bluetoothd sets Handle only where the exported one is 0, so gattd
    # must export the handles it was given, across power cycles and restarts.
    def test_handles_bluetoothd_sees_are_unchanged_after_a_power_cycle_and_a_restart(self):
        first = self.start_registered()
        self.assertTrue(first.handle_writes)
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.wait_on_air('hci0')
        self.assertIs(self.fake.active_app('hci0'), first, 'the registration outlives the power cycle')
        for path, handle in first.handles.items():
            iface = next(iter(first.tree[path]))
            self.assertEqual(self.fake.get_app_property(path, iface, 'Handle'), handle, path)
        sets = len(self.fake.calls_named('Properties.Set'))
        for clean in (True, False):
            self.fake.stop(clean=clean)
            self.fake.start()
            again = self.wait_app_registered('hci0')
            self.wait_on_air('hci0')
            self.assertEqual(again.handles, first.handles)
            self.assertEqual(again.handle_writes, {})
        self.assertEqual([c for c in self.fake.calls_named('Properties.Set')[sets:] if c[0] != ADVERTISEMENT_PATH],
                         [], 'no Set(Handle) after the first registration')

    def test_gattd_exits_cleanly_while_bluetoothd_is_gone(self):
        self.start_registered()
        self.fake.stop(clean=False)
        self.stop_gattd()


class BluetoothdStartupTest(GattdTestCase):

    def test_gattd_started_before_bluetoothd_registers_once_org_bluez_appears(self):
        self.start_gattd(start_bluez=False)
        self.wait_gattd_on_bus()
        self.fake.start()
        self.wait_app_registered('hci0')
        self.wait_on_air('hci0')

    def test_adapter_appearing_after_org_bluez_is_used(self):
        self.fake.remove_adapter('hci0')
        self.start_gattd()
        self.wait_until(lambda: self.fake.managed_objects_calls > 0, 'gattd to ask bluetoothd for its objects')
        self.fake.add_adapter('hci0', '00:AA:01:00:00:01')
        self.wait_app_registered('hci0')
        self.wait_on_air('hci0')


class RegistrationFailureTest(GattdTestCase):

    def test_register_application_failing_twice_is_retried_until_registered(self):
        self.fake.fail_next_register_application(2)
        self.start_gattd()
        self.wait_app_registered('hci0')
        self.wait_on_air('hci0')
        self.assertEqual([c[3] for c in self.fake.register_app_calls],
                         ['Failed (injected)', 'Failed (injected)', 'accepted'])

    def test_register_application_already_exists_counts_as_registered(self):
        self.fake.answer_next_register_application_already_exists()
        self.start_registered()
        self.sync_with_gattd()
        self.assertEqual([c[3] for c in self.fake.register_app_calls], ['AlreadyExists (injected)'])

    def test_late_register_application_reply_still_registers(self):
        self.fake.delay_next_register_application(1.0)
        self.start_gattd()
        self.wait_app_registered('hci0')
        self.wait_on_air('hci0')
        self.assertEqual([c[3] for c in self.fake.register_app_calls], ['accepted'])

    def test_register_advertisement_failing_is_retried_until_on_air(self):
        self.fake.fail_next_register_advertisement(2)
        self.start_registered()
        self.assertEqual([c[3] for c in self.fake.register_adv_calls],
                         ['Failed (injected)', 'Failed (injected)', 'accepted'])


    def test_gattd_exits_promptly_while_register_application_is_unanswered(self):
        self.fake.never_answer_next_register_application()
        self.start_gattd()
        self.wait_until(lambda: self.fake.register_app_calls, 'RegisterApplication')
        self.stop_gattd()           # exit 0 within a few seconds, no waiting for bluetoothd


if __name__ == '__main__':
    unittest.main()
