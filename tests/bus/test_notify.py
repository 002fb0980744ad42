# SPDX-License-Identifier: LGPL-2.1-or-later
"""StartNotify/StopNotify/Confirm as bluetoothd sends them when peers (un)subscribe."""

import unittest

from harness import LABEL, LEVEL, THRESHOLD, GattdTestCase

NOT_SUPPORTED = 'org.bluez.Error.NotSupported'
CHRC = 'org.bluez.GattCharacteristic1'


class NotifyTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered()

    def notifying(self, path):
        return self.fake.get_app_property(path, CHRC, 'Notifying')

    def wait_notifying_signals(self, path, count):
        self.wait_until(lambda: len(self.fake.notifying_changes(path)) >= count,
                        '%d Notifying change(s) signalled on %s' % (count, path))
        return self.fake.notifying_changes(path)

    def test_start_notify_twice_signals_notifying_true_once(self):
        self.fake.start_notify(LEVEL)
        self.fake.start_notify(LEVEL)       # a second peer subscribes
        self.assertEqual(self.wait_notifying_signals(LEVEL, 1), [True])
        self.assertIs(self.notifying(LEVEL), True)
        self.fake.stop_notify(LEVEL)
        # The False that follows proves no second True was queued in between.
        self.assertEqual(self.wait_notifying_signals(LEVEL, 2), [True, False])
        self.assertIs(self.notifying(LEVEL), False)

    def test_stop_notify_twice_signals_notifying_false_once(self):
        self.fake.start_notify(LEVEL)
        self.fake.stop_notify(LEVEL)
        self.fake.stop_notify(LEVEL)
        self.assertEqual(self.wait_notifying_signals(LEVEL, 2), [True, False])
        self.fake.start_notify(LEVEL)
        self.assertEqual(self.wait_notifying_signals(LEVEL, 3), [True, False, True])

    def test_stop_notify_without_start_is_accepted_and_signals_nothing(self):
        self.fake.stop_notify(LEVEL)
        self.fake.start_notify(LEVEL)
        self.assertEqual(self.wait_notifying_signals(LEVEL, 1), [True])

    def test_start_notify_on_characteristic_without_notify_or_indicate_is_not_supported(self):
        # bluetoothd sends StartNotify/StopNotify with "no reply expected" (VM
        # tier), so the central never sees this error; asked with a reply
        # expected, gattd answers NotSupported.
        owner = self.fake.active_app().owner
        self.assertDBusError(NOT_SUPPORTED, self.fake.call_app, owner, LABEL, CHRC, 'StartNotify')
        self.assertDBusError(NOT_SUPPORTED, self.fake.call_app, owner, LABEL, CHRC, 'StopNotify')
        # As bluetoothd sends them: no reply, and nothing changes.
        self.fake.start_notify(LABEL)
        self.fake.stop_notify(LABEL)
        self.sync_with_gattd()
        # Notifying is optional in BlueZ's API for such characteristics; it must
        # at least never have been signalled.
        self.assertEqual(self.fake.notifying_changes(LABEL), [])

    def test_start_notify_on_indicate_characteristic_sets_notifying(self):
        self.fake.start_notify(THRESHOLD)
        self.assertEqual(self.wait_notifying_signals(THRESHOLD, 1), [True])
        self.assertIs(self.notifying(THRESHOLD), True)

    def test_confirm_on_indicating_characteristic_is_accepted(self):
        self.fake.start_notify(THRESHOLD)
        self.fake.confirm(THRESHOLD)
        self.fake.confirm(THRESHOLD)
        self.assertEqual(self.fake.read_value(THRESHOLD), (300).to_bytes(2, 'little'))

    def test_notifying_is_per_characteristic(self):
        self.fake.start_notify(LEVEL)
        self.wait_notifying_signals(LEVEL, 1)
        self.assertIs(self.notifying(THRESHOLD), False)


if __name__ == '__main__':
    unittest.main()
