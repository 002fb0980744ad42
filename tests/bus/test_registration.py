# SPDX-License-Identifier: LGPL-2.1-or-later
"""First contact with bluetoothd: what gattd registers and how it looks to BlueZ."""

import unittest

import dbus

from harness import (ADVERTISEMENT_PATH, APP_PATH, BATTERY, COMMAND, COMMAND_UUID, LABEL, LABEL_UUID,
                     LEVEL, LEVEL_DESCRIPTION, LEVEL_PRESENTATION, LEVEL_VALID_RANGE, LOCAL_NAME, SETTINGS,
                     SETTINGS_UUID, THRESHOLD, THRESHOLD_PRESENTATION, THRESHOLD_UUID, DBusCallError,
                     GattdTestCase, uuid128)

SERVICE = 'org.bluez.GattService1'
CHRC = 'org.bluez.GattCharacteristic1'
DESC = 'org.bluez.GattDescriptor1'


class FirstRegistrationTest(GattdTestCase):

    def test_application_is_registered_on_hci0_at_the_app_path(self):
        app = self.start_registered()
        self.assertEqual((app.path, app.adapter), (APP_PATH, 'hci0'))
        self.assertEqual([c[3] for c in self.fake.register_app_calls], ['accepted'])

    def test_registered_tree_has_services_characteristics_and_descriptors_from_config(self):
        app = self.start_registered()
        tree = app.tree
        self.assertEqual(sorted(tree), sorted([BATTERY, LEVEL, LEVEL_DESCRIPTION, LEVEL_PRESENTATION,
                                               LEVEL_VALID_RANGE, COMMAND, SETTINGS, LABEL, THRESHOLD,
                                               THRESHOLD_PRESENTATION]))

        self.assertEqual(tree[BATTERY][SERVICE]['UUID'], uuid128(0x180f))
        self.assertIs(tree[BATTERY][SERVICE]['Primary'], True)
        self.assertEqual(tree[SETTINGS][SERVICE]['UUID'], SETTINGS_UUID)

        level = tree[LEVEL][CHRC]
        self.assertEqual(level['UUID'], uuid128(0x2a19))
        self.assertEqual(level['Service'], BATTERY)
        self.assertEqual(sorted(level['Flags']), ['notify', 'read'])
        self.assertEqual(level['Value'], bytes([100]))
        self.assertIs(level['Notifying'], False)

        command = tree[COMMAND][CHRC]
        self.assertEqual(command['UUID'], COMMAND_UUID)
        self.assertEqual(sorted(command['Flags']), ['write', 'write-without-response'])

        self.assertEqual(tree[LABEL][CHRC]['Service'], SETTINGS)
        self.assertEqual(tree[LABEL][CHRC]['UUID'], LABEL_UUID)
        self.assertEqual(tree[LABEL][CHRC]['Value'], b'gattd')
        self.assertEqual(tree[THRESHOLD][CHRC]['UUID'], THRESHOLD_UUID)
        self.assertEqual(tree[THRESHOLD][CHRC]['Value'], (300).to_bytes(2, 'little'))

        valid_range = tree[LEVEL_VALID_RANGE][DESC]
        self.assertEqual(valid_range['Characteristic'], LEVEL)
        self.assertEqual(valid_range['UUID'], uuid128(0x2906))
        self.assertEqual(valid_range['Flags'], ['read'])
        self.assertEqual(valid_range['Value'], bytes([0x00, 0x64]))

    def test_type_becomes_a_read_only_2904_after_the_description_and_before_the_files_descriptors(self):
        app = self.start_registered()
        level = app.tree[LEVEL_PRESENTATION][DESC]
        self.assertEqual(level['UUID'], uuid128(0x2904))
        self.assertEqual(level['Characteristic'], LEVEL)
        self.assertEqual(level['Flags'], ['read'])
        # uint8, exponent 0, percentage (0x27AD), Bluetooth SIG name space, description 0
        self.assertEqual(level['Value'], bytes.fromhex('0400ad27010000'))
        threshold = app.tree[THRESHOLD_PRESENTATION][DESC]
        self.assertEqual(threshold['Value'], bytes.fromhex('06000027010000'), 'uint16, unitless')
        self.assertEqual(self.fake.read_value(LEVEL_PRESENTATION), bytes.fromhex('0400ad27010000'))
        handles = [app.tree[p][DESC]['Handle'] for p in (LEVEL_DESCRIPTION, LEVEL_PRESENTATION, LEVEL_VALID_RANGE)]
        self.assertEqual(handles, sorted(handles), 'Description=, Type=, then [Descriptor] groups')
        self.assertNotIn(LABEL + '/presentation', app.tree, 'no Type=: no 0x2904')

    def test_description_becomes_a_read_only_2901_descriptor(self):
        app = self.start_registered()
        description = app.tree[LEVEL_DESCRIPTION][DESC]
        self.assertEqual(description['UUID'], uuid128(0x2901))
        self.assertEqual(description['Characteristic'], LEVEL)
        self.assertEqual(description['Flags'], ['read'])
        self.assertEqual(description['Value'], b'Battery Level')
        self.assertEqual(self.fake.read_value(LEVEL_DESCRIPTION), b'Battery Level')

    def test_uuids_are_exported_as_lower_case_128_bit_strings(self):
        app = self.start_registered()
        for path, interfaces in app.tree.items():
            for props in interfaces.values():
                exported = self.fake.get_app_property(path, next(iter(interfaces)), 'UUID')
                self.assertRegex(exported, r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
                                 path)
                self.assertEqual(exported, props['UUID'], path)

    def test_handles_allocated_by_bluetoothd_are_written_back(self):
        app = self.start_registered()
        self.assertEqual(sorted(app.handle_writes), sorted(app.tree),
                         'objects bluetoothd wrote a Handle back to (all were exported with Handle 0)')
        for path, handle in app.handle_writes.items():
            iface = next(iter(app.tree[path]))
            self.assertEqual(self.fake.get_app_property(path, iface, 'Handle'), handle, path)
        self.assertEqual(len(set(app.handles.values())), len(app.handles), 'handles are distinct')

    def test_properties_set_is_refused_for_anything_but_handle(self):
        app = self.start_registered()
        with self.assertRaises(DBusCallError):
            self.fake.call_app(app.owner, LABEL, 'org.freedesktop.DBus.Properties', 'Set', 'ssv',
                               [CHRC, 'Value', dbus.ByteArray(b'sneaky')])
        with self.assertRaises(DBusCallError):
            self.fake.call_app(app.owner, BATTERY, 'org.freedesktop.DBus.Properties', 'Set', 'ssv',
                               [SERVICE, 'UUID', dbus.String(uuid128(0x1234))])
        self.assertEqual(self.fake.read_value(LABEL), b'gattd')
        self.assertEqual(self.fake.get_app_property(BATTERY, SERVICE, 'UUID'), uuid128(0x180f))

    def test_advertisement_is_registered_and_on_air_with_advertised_services_and_local_name(self):
        self.start_registered()
        advert = self.fake.active_advert('hci0')
        self.assertEqual(advert.path, ADVERTISEMENT_PATH)
        self.assertTrue(advert.on_air)
        self.assertEqual(advert.props.get('Type'), 'peripheral')
        self.assertEqual([uuid128(u) for u in advert.props.get('ServiceUUIDs', [])], [uuid128(0x180f)],
                         'only services with Advertise=true are advertised')
        self.assertEqual(advert.props.get('LocalName'), LOCAL_NAME)

    def test_application_and_advertisement_come_from_the_same_connection(self):
        app = self.start_registered()
        self.assertEqual(self.fake.active_advert('hci0').owner, app.owner)

    def test_application_is_registered_while_adapter_is_powered_off_and_advertises_after_power_on(self):
        self.fake.adapter('hci0').powered = False
        self.start_gattd()
        self.wait_app_registered('hci0')
        self.assertFalse(self.fake.on_air('hci0'))
        self.fake.set_powered('hci0', True)
        self.wait_on_air('hci0')

    def test_advertisement_accepted_while_powered_off_is_on_air_after_power_on(self):
        # The other reading of the kernel: the instance is kept while powered off.
        self.fake.register_adv_while_off = 'accept'
        self.fake.adapter('hci0').powered = False
        self.start_gattd()
        self.wait_app_registered('hci0')
        self.fake.set_powered('hci0', True)
        self.wait_on_air('hci0')

    def test_advertising_disabled_registers_no_advertisement(self):
        self.start_gattd(advertising={'Enabled': 'false'})
        self.wait_app_registered('hci0')
        self.sync_with_gattd()
        self.assertEqual(self.fake.register_adv_calls, [])


class TxPowerTest(GattdTestCase):
    # VM tier: with "tx-power" in Includes, bluetoothd writes the chosen TX power
    # back with Properties.Set("TxPower") on the advertisement; gattd refuses it
    # and bluetoothd ignores the refusal.

    def test_tx_power_set_by_bluetoothd_is_refused_and_the_advertisement_stays_on_air(self):
        self.start_registered(advertising={'Includes': 'tx-power'})
        self.wait_until(lambda: self.fake.tx_power_sets and self.fake.tx_power_sets[0][1] != 'sent',
                        'gattd to answer Set(TxPower)')
        self.assertEqual(self.fake.tx_power_sets,
                         [[ADVERTISEMENT_PATH, 'org.freedesktop.DBus.Error.UnknownProperty']])
        self.assertIn('tx-power', self.fake.active_advert().props['Includes'])
        self.sync_with_gattd()
        self.assertTrue(self.fake.on_air('hci0'))
        self.assertEqual(len(self.fake.register_adv_calls), 1, 'registered once, not retried')

    def test_no_tx_power_set_without_tx_power_in_includes(self):
        self.start_registered()
        self.assertEqual(self.fake.tx_power_sets, [])


if __name__ == '__main__':
    unittest.main()
