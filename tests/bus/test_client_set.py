# SPDX-License-Identifier: LGPL-2.1-or-later
"""get and set from local clients meeting the central: values, notifications, indications, subscriptions."""

import unittest

from clients import LocalClient
from harness import LABEL, LEVEL, THRESHOLD, GattdTestCase


class SetTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.client = LocalClient(self)

    def test_set_on_subscribed_characteristic_notifies_the_central(self):
        self.fake.start_notify(LEVEL)
        reply = self.client.ok('set', char='battery/level', typed=42)
        self.assertEqual((reply['value'], reply['typed'], reply['notified'], reply['subscribed']),
                         ('2a', 42, True, True))
        self.wait_until(lambda: self.fake.notifications, 'the notification to reach bluetoothd')
        self.assertEqual(self.fake.notifications, [(LEVEL, bytes([42]))])
        self.assertEqual(self.fake.read_value(LEVEL), bytes([42]))

    def test_set_on_subscribed_indicate_characteristic_sends_the_indication(self):
        self.fake.start_notify(THRESHOLD)
        reply = self.client.ok('set', char='settings/threshold', typed=500)
        self.assertEqual((reply['value'], reply['notified'], reply['subscribed']), ('f401', True, True))
        self.wait_until(lambda: self.fake.notifications, 'the indication to reach bluetoothd')
        self.assertEqual(self.fake.notifications, [(THRESHOLD, (500).to_bytes(2, 'little'))])

    def test_set_with_hex_value_on_subscribed_characteristic_notifies_the_central(self):
        self.fake.start_notify(LEVEL)
        self.assertIs(self.client.ok('set', char='battery/level', value='07', notify=True)['notified'], True)
        self.wait_until(lambda: self.fake.notifications, 'the notification to reach bluetoothd')
        self.assertEqual(self.fake.notifications, [(LEVEL, b'\x07')])

    def test_set_without_subscriber_changes_the_value_and_notifies_nobody(self):
        reply = self.client.ok('set', char='battery/level', value='07')
        self.assertEqual((reply['notified'], reply['subscribed']), (False, False), reply)
        self.assertEqual(self.fake.read_value(LEVEL), b'\x07')
        self.sync_with_gattd()
        self.assertEqual(self.fake.notifications, [])

    def test_set_with_notify_false_does_not_notify_a_subscribed_central(self):
        self.fake.start_notify(LEVEL)
        reply = self.client.ok('set', char='battery/level', typed=9, notify=False)
        self.assertEqual((reply['notified'], reply['subscribed']), (False, True), reply)
        self.assertEqual(self.fake.read_value(LEVEL), b'\x09')
        self.sync_with_gattd()
        self.assertEqual(self.fake.notifications, [])

    def test_set_after_the_central_unsubscribed_notifies_nobody(self):
        self.fake.start_notify(LEVEL)
        self.fake.stop_notify(LEVEL)
        reply = self.client.ok('set', char='battery/level', typed=1)
        self.assertEqual((reply['notified'], reply['subscribed']), (False, False), reply)
        self.sync_with_gattd()
        self.assertEqual(self.fake.notifications, [])

    def test_set_with_notify_true_on_characteristic_without_notify_is_not_supported_and_keeps_the_value(self):
        error = self.client.error_reply('not-supported', 'set', char='settings/label', value='41', notify=True)
        self.assertIn('settings/label', error['message'])
        self.assertEqual(self.client.ok('get', char='settings/label')['value'], b'gattd'.hex())
        self.assertEqual(self.fake.read_value(LABEL), b'gattd')

    def test_set_on_characteristic_without_notify_stores_the_value_for_the_central(self):
        reply = self.client.ok('set', char='settings/label', value=b'new'.hex())
        self.assertEqual((reply['notified'], reply['subscribed']), (False, False))
        self.assertNotIn('typed', reply)
        self.assertEqual(self.fake.read_value(LABEL), b'new')

    def test_value_written_by_the_central_is_what_get_returns(self):
        self.fake.write_value(LABEL, b'from-central')
        reply = self.client.ok('get', char='settings/label')
        self.assertEqual(reply, {'id': reply['id'], 'ok': True, 'char': 'settings/label',
                                 'value': b'from-central'.hex()})

    def test_get_of_a_typed_characteristic_has_the_typed_value(self):
        reply = self.client.ok('get', char='settings/threshold')
        self.assertEqual((reply['value'], reply['typed']), ('2c01', 300))


class SubscriptionEventTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.client = LocalClient(self)
        self.client.watch()

    def test_subscribe_and_unsubscribe_reach_a_watcher(self):
        self.fake.start_notify(LEVEL)
        # StartNotify and StopNotify do not say which central.
        self.assertEqual(self.client.wait_event('subscribed'),
                         {'event': 'subscribed', 'char': 'battery/level', 'device': None, 'address': None})
        self.fake.stop_notify(LEVEL)
        self.assertEqual(self.client.wait_event('unsubscribed'),
                         {'event': 'unsubscribed', 'char': 'battery/level', 'device': None, 'address': None})

    def test_confirm_of_an_indication_reaches_a_watcher(self):
        self.fake.start_notify(THRESHOLD)
        self.client.ok('set', char='settings/threshold', typed=1)
        self.fake.confirm(THRESHOLD)
        self.assertEqual(self.client.wait_event('confirm'), {'event': 'confirm', 'char': 'settings/threshold'})

    def test_subscription_events_respect_the_watch_filter(self):
        self.client.watch(['settings/threshold'])
        self.fake.start_notify(LEVEL)
        self.fake.start_notify(THRESHOLD)
        self.client.wait_event('subscribed', char='settings/threshold')
        self.assertEqual([e['char'] for e in self.client.events_named('subscribed')], ['settings/threshold'])


if __name__ == '__main__':
    unittest.main()
