# SPDX-License-Identifier: LGPL-2.1-or-later
"""The fake bluetoothd's version switch (fakebluez.PROFILES): where bluetoothd 5.55, 5.64,
5.66, 5.72, 5.82 and 5.87 differ on what gattd depends on, the fake does what that
version's source does (tests/vm/bluez-versions.md). MiniApp (test_fakebluez) plays
gattd's part."""

import unittest

import dbus

import fakebluez
from harness import GattdTestCase
from test_fakebluez import MiniApp

ADAPTER = 'org.bluez.Adapter1'
SECURE_NOTIFY_FLAGS = sorted(fakebluez.CHRC_FLAGS_SINCE_5_62)


class VersionTestCase(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.fake.start()
        self.app = MiniApp(self)

    def set_powered(self, value=True):
        """Properties.Set(Adapter1, Powered) from the app's connection: None or (error, text)."""
        result = {}
        self.app.conn.call_async('org.bluez', '/org/bluez/hci0', 'org.freedesktop.DBus.Properties', 'Set', 'ssv',
                                 (ADAPTER, 'Powered', dbus.Boolean(value)),
                                 lambda *a: result.setdefault('ok', None),
                                 lambda e: result.setdefault('error', (e.get_dbus_name(), e.get_dbus_message())))
        self.wait_until(lambda: result, 'Set(Powered) to be answered')
        return result.get('error')

    def register_with_flags(self, flags):
        self.app.objects.clear()
        self.app.add_service('/app/s')
        self.app.add_characteristic('/app/s/c', '/app/s', flags=flags)
        error = self.app.register()
        if error is None:
            self.assertIsNone(self.app.call('hci0', 'org.bluez.GattManager1', 'UnregisterApplication', '/app'))
        return error

    def advertise(self, **props):
        """RegisterAdvertisement of MiniApp's advertisement plus props, on hci0 powered
        on (the fake refuses it while off); the error name or None."""
        self.fake.set_powered('hci0', True)
        for name, value in props.items():
            self.app.advertisement[name] = value
        error = self.app.register_advertisement()
        if error is None:
            self.assertIsNone(self.app.call('hci0', 'org.bluez.LEAdvertisingManager1', 'UnregisterAdvertisement',
                                            '/adv'))
        for name in props:
            del self.app.advertisement[name]
        return error


class Fake555Test(VersionTestCase):
    bluez_version = '5.55'

    def test_fake_5_55_refuses_each_security_notify_or_indicate_flag_as_no_valid_service_object(self):
        self.assertIsNone(self.register_with_flags(('read', 'notify', 'indicate', 'encrypt-read')))
        for flag in SECURE_NOTIFY_FLAGS:
            self.assertEqual(self.register_with_flags(('read', flag)), 'org.bluez.Error.Failed', flag)
            self.assertEqual(self.fake.apps[-1].failure, 'No valid service object found')

    def test_fake_5_55_leaves_controllers_off_at_start_and_after_a_clean_stop_but_not_after_a_crash(self):
        self.assertFalse(self.fake.add_adapter('hci1', '00:AA:01:00:00:09').powered, 'no AutoEnable')
        self.fake.stop(clean=True)
        self.fake.start()
        self.assertFalse(self.fake.adapter('hci0').powered, 'adapter_shutdown powered it off')
        self.fake.set_powered('hci0', True)
        self.fake.stop(clean=False)
        self.fake.start()
        self.assertTrue(self.fake.adapter('hci0').powered, 'the kernel kept it on')

    def test_fake_5_55_answers_success_and_does_nothing_while_powered_is_pending(self):
        self.fake.set_powered('hci0', False)
        self.fake.adapter('hci0').power_busy = True
        self.assertIsNone(self.set_powered())
        self.assertFalse(self.fake.adapter('hci0').powered)
        # A failed power-on leaves it pending: "success" from then on, until Powered changes.
        self.fake.adapter('hci0').power_busy = False
        self.fake.adapter('hci0').power_fails = True
        self.assertEqual(self.set_powered(), ('org.bluez.Error.Failed', 'Failed'))
        self.fake.adapter('hci0').power_fails = False
        self.assertIsNone(self.set_powered())
        self.assertFalse(self.fake.adapter('hci0').powered)
        self.fake.set_powered('hci0', True)             # btmgmt power on: Powered changed
        self.fake.set_powered('hci0', False)
        self.assertIsNone(self.set_powered())
        self.assertTrue(self.fake.adapter('hci0').powered)

    def test_fake_5_55_ignores_intervals_and_tx_power_and_never_writes_tx_power_back(self):
        self.fake.experimental = True
        self.fake.adapter('hci0').kernel_tx_power = 7
        self.assertIsNone(self.advertise(MinInterval=dbus.UInt32(1), TxPower=dbus.Int16(99),
                                         Includes=dbus.Array(['tx-power'], signature='s')))
        self.assertEqual(self.fake.tx_power_sets, [])


class Fake564Test(VersionTestCase):
    bluez_version = '5.64'

    def test_fake_5_64_leaves_controllers_off_without_auto_enable(self):
        self.assertFalse(self.fake.adapter('hci0').powered)
        self.fake.set_powered('hci0', True)
        self.fake.stop(clean=True)
        self.fake.start()
        self.assertFalse(self.fake.adapter('hci0').powered)

    def test_fake_5_64_answers_busy_after_a_failed_power_on_until_powered_changes(self):
        adapter = self.fake.adapter('hci0')
        adapter.blocked = True
        self.assertEqual(self.set_powered(), ('org.bluez.Error.Blocked', 'Blocked through rfkill'))
        adapter.blocked = False
        self.assertEqual(self.set_powered(), ('org.bluez.Error.Busy', ''))
        self.fake.power_on_failed('hci0')
        self.assertEqual(self.set_powered(), ('org.bluez.Error.Busy', ''))
        self.assertFalse(adapter.powered)
        self.fake.stop()                                # a new bluetoothd: nothing pending
        self.fake.start()
        self.assertIsNone(self.set_powered())
        self.assertTrue(adapter.powered)

    def test_fake_5_64_parses_intervals_and_tx_power_only_with_experimental(self):
        lone_min = {'MinInterval': dbus.UInt32(100)}
        self.assertIsNone(self.advertise(**lone_min))
        self.fake.experimental = True
        self.assertEqual(self.advertise(**lone_min), 'org.bluez.Error.Failed', 'max stays 0: min > max')
        self.assertIsNone(self.advertise(MinInterval=dbus.UInt32(100), MaxInterval=dbus.UInt32(100)))
        self.assertIsNone(self.advertise(MaxInterval=dbus.UInt32(100)))
        self.assertEqual(self.advertise(MinInterval=dbus.UInt32(19), MaxInterval=dbus.UInt32(100)),
                         'org.bluez.Error.Failed', '19 ms is below 0x20 slots')
        self.assertEqual(self.advertise(TxPower=dbus.Int16(21)), 'org.bluez.Error.Failed')


class Fake566Test(VersionTestCase):
    # bluez_version: the default, 5.66

    def test_fake_5_66_is_the_default_and_clears_pending_after_a_failed_power_on(self):
        self.assertEqual(self.fake.profile.version, '5.66')
        self.fake.set_powered('hci0', False)
        self.fake.adapter('hci0').power_fails = True
        self.assertEqual(self.set_powered(), ('org.bluez.Error.Failed', 'Failed'))
        self.fake.power_on_failed('hci0')
        self.fake.adapter('hci0').power_fails = False
        self.assertIsNone(self.set_powered())
        self.assertTrue(self.fake.adapter('hci0').powered)

    def test_fake_accepts_the_security_notify_and_indicate_flags_from_5_64_on(self):
        for version in ('5.64', '5.66', '5.72', '5.82', '5.87'):
            self.fake.profile = fakebluez.PROFILES[version]
            for flag in SECURE_NOTIFY_FLAGS:
                self.assertIsNone(self.register_with_flags(('read', flag)), (version, flag))

    def test_fake_writes_back_the_tx_power_the_kernel_reports_whatever_includes_says(self):
        adapter = self.fake.adapter('hci0')
        adapter.kernel_tx_power = 7
        self.assertIsNone(self.advertise())
        adapter.kernel_tx_power = 127                   # "no preference": nothing to write back
        self.assertIsNone(self.advertise(Includes=dbus.Array(['tx-power'], signature='s')))
        adapter.kernel_tx_power = None                  # a legacy kernel: no ADD_EXT_ADV_PARAMS
        self.assertIsNone(self.advertise(Includes=dbus.Array(['tx-power'], signature='s')))
        self.wait_until(lambda: self.fake.tx_power_sets[0][1] != 'sent', 'the Set to be answered')
        self.assertEqual(self.fake.tx_power_sets, [['/adv', 'org.freedesktop.DBus.Error.UnknownMethod']])

    def test_fake_resets_advertising_instances_a_crashed_bluetoothd_left_when_it_starts(self):
        self.assertIsNone(self.app.register_advertisement())
        advert = self.fake.active_advert()
        self.fake.stop(clean=False)
        self.assertEqual(self.fake.stale_on_air('hci0'), [advert], 'the kernel keeps sending it')
        self.assertFalse(self.fake.on_air('hci0'))
        self.fake.start()
        self.assertEqual(self.fake.stale_on_air('hci0'), [])
        self.fake.stop(clean=True)
        self.assertEqual(self.fake.stale_on_air('hci0'), [])

    def test_fake_numbers_instances_as_bluetoothd_frees_them_and_the_kernel_hides_one_above_its_count(self):
        self.assertIsNone(self.app.register_advertisement())
        first = self.fake.active_advert()
        self.assertEqual(first.slot, 1)
        # Unregister and Register in one go: instance 1 is freed only after both.
        self.assertEqual(self.app.unregister_and_register_advertisement(), [None, None])
        second = self.fake.active_advert()
        self.assertEqual((first.ended, second.slot), ('unregistered', 2))
        self.fake.stop(clean=True)
        self.fake.start()
        self.assertEqual(self.fake.stale_on_air('hci0'), [second], 'instance 2 alone: not reported, not reset')
        self.fake.set_powered('hci0', False)
        self.assertEqual(self.fake.stale_on_air('hci0'), [])
        self.fake.set_powered('hci0', True)
        self.assertEqual(self.fake.stale_on_air('hci0'), [second], 'sent again at every power-on')
        self.fake.remove_adapter('hci0')
        self.assertEqual(self.fake.stale_on_air(None), [])


class Fake582Test(VersionTestCase):
    bluez_version = '5.82'

    def test_fake_5_82_powers_controllers_on_and_parses_intervals_without_experimental(self):
        self.assertTrue(self.fake.adapter('hci0').powered)
        self.assertFalse(self.fake.experimental)
        self.assertEqual(self.advertise(MinInterval=dbus.UInt32(100)), 'org.bluez.Error.Failed')
        self.assertIsNone(self.advertise(MinInterval=dbus.UInt32(100), MaxInterval=dbus.UInt32(200)))
        self.assertEqual(self.advertise(TxPower=dbus.Int16(-128)), 'org.bluez.Error.Failed')


if __name__ == '__main__':
    unittest.main()
