# SPDX-License-Identifier: LGPL-2.1-or-later
"""ReadValue/WriteValue as bluetoothd forwards a peer's ATT requests, and who may call them."""

import unittest

import dbus
import dbus.bus

from clients import LocalClient

from harness import (APP_PATH, COMMAND, LABEL, LEVEL, LEVEL_DESCRIPTION, LEVEL_VALID_RANGE, THRESHOLD,
                     GattdTestCase)

NOT_PERMITTED = 'org.bluez.Error.NotPermitted'
INVALID_OFFSET = 'org.bluez.Error.InvalidOffset'
INVALID_VALUE_LENGTH = 'org.bluez.Error.InvalidValueLength'
ACCESS_DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'
CHRC = 'org.bluez.GattCharacteristic1'
DESC = 'org.bluez.GattDescriptor1'


class ReadTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered()

    def test_read_returns_the_configured_value(self):
        self.assertEqual(self.fake.read_value(LEVEL), bytes([100]))
        self.assertEqual(self.fake.read_value(LABEL), b'gattd')
        self.assertEqual(self.fake.read_value(THRESHOLD), (300).to_bytes(2, 'little'))

    def test_read_of_a_descriptor_returns_its_value(self):
        self.assertEqual(self.fake.read_value(LEVEL_VALID_RANGE), bytes([0x00, 0x64]))

    def test_read_with_offset_returns_the_tail(self):
        self.assertEqual(self.fake.read_value(LEVEL_DESCRIPTION, offset=3), b'tery Level')
        self.assertEqual(self.fake.read_value(LABEL, offset=1), b'attd')

    def test_read_at_offset_equal_to_length_returns_empty(self):
        self.assertEqual(self.fake.read_value(LABEL, offset=5), b'')

    def test_read_past_the_end_is_invalid_offset(self):
        self.assertDBusError(INVALID_OFFSET, self.fake.read_value, LABEL, offset=6)
        self.assertDBusError(INVALID_OFFSET, self.fake.read_value, LEVEL_VALID_RANGE, offset=3)

    def test_read_without_read_flag_is_not_permitted(self):
        self.assertDBusError(NOT_PERMITTED, self.fake.read_value, COMMAND)

    def test_read_accepts_options_as_bluetoothd_sends_them_for_br_edr_and_small_mtu(self):
        self.assertEqual(self.fake.read_value(LABEL, mtu=23, link='BR/EDR'), b'gattd')
        self.assertEqual(self.fake.read_value(LABEL, link=None), b'gattd')


class WriteTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered()

    def test_write_then_read_returns_the_written_value(self):
        self.fake.write_value(LABEL, b'hello')
        self.assertEqual(self.fake.read_value(LABEL), b'hello')

    def test_write_at_offset_keeps_the_head_and_replaces_the_rest(self):
        self.fake.write_value(LABEL, b'XY', offset=2)
        self.assertEqual(self.fake.read_value(LABEL), b'gaXY')

    def test_write_at_offset_equal_to_length_appends(self):
        self.fake.write_value(LABEL, b'!', offset=5)
        self.assertEqual(self.fake.read_value(LABEL), b'gattd!')

    def test_write_past_the_end_is_invalid_offset_and_keeps_the_value(self):
        self.assertDBusError(INVALID_OFFSET, self.fake.write_value, LABEL, b'x', offset=6)
        self.assertEqual(self.fake.read_value(LABEL), b'gattd')

    def test_write_longer_than_max_length_is_invalid_value_length(self):
        self.assertDBusError(INVALID_VALUE_LENGTH, self.fake.write_value, LABEL, b'a' * 21)
        self.fake.write_value(LABEL, b'a' * 20)
        self.assertEqual(self.fake.read_value(LABEL), b'a' * 20)

    def test_write_at_offset_beyond_max_length_is_invalid_value_length(self):
        self.fake.write_value(LABEL, b'0123456789abcde')            # 15 bytes
        self.assertDBusError(INVALID_VALUE_LENGTH, self.fake.write_value, LABEL, b'FGHIJK', offset=15)
        self.assertEqual(self.fake.read_value(LABEL), b'0123456789abcde')
        self.fake.write_value(LABEL, b'FGHIJ', offset=15)            # exactly MaxLength
        self.assertEqual(self.fake.read_value(LABEL), b'0123456789abcdeFGHIJ')

    def test_write_of_wrong_size_to_fixed_size_type_is_invalid_value_length(self):
        self.assertDBusError(INVALID_VALUE_LENGTH, self.fake.write_value, THRESHOLD, b'\x01')
        self.assertDBusError(INVALID_VALUE_LENGTH, self.fake.write_value, THRESHOLD, b'\x01\x02\x03')
        self.assertDBusError(INVALID_VALUE_LENGTH, self.fake.write_value, THRESHOLD, b'\x01\x02', offset=1)
        self.assertEqual(self.fake.read_value(THRESHOLD), (300).to_bytes(2, 'little'))

    def test_write_of_exact_size_to_fixed_size_type_is_accepted(self):
        self.fake.write_value(THRESHOLD, (1000).to_bytes(2, 'little'))
        self.assertEqual(self.fake.read_value(THRESHOLD), (1000).to_bytes(2, 'little'))

    def test_write_at_offset_completing_a_fixed_size_type_is_accepted(self):
        self.fake.write_value(THRESHOLD, b'\x07', offset=1)          # 300 = 2c 01 -> 2c 07
        self.assertEqual(self.fake.read_value(THRESHOLD), b'\x2c\x07')

    def test_write_without_write_flag_is_not_permitted(self):
        self.assertDBusError(NOT_PERMITTED, self.fake.write_value, LEVEL, b'\x05')
        self.assertEqual(self.fake.read_value(LEVEL), bytes([100]))

    def test_write_to_read_only_descriptor_is_not_permitted(self):
        self.assertDBusError(NOT_PERMITTED, self.fake.write_value, LEVEL_VALID_RANGE, b'\x00\x10')
        self.assertEqual(self.fake.read_value(LEVEL_VALID_RANGE), bytes([0x00, 0x64]))

    def test_write_to_write_only_characteristic_is_accepted(self):
        self.fake.write_value(COMMAND, b'\x01\x02\x03')
        self.fake.write_value(COMMAND, b'')

    def test_write_to_write_only_characteristic_longer_than_max_length_is_invalid_value_length(self):
        # COMMAND has write-without-response: bluetoothd sends every WriteValue
        # to it with "no reply expected" (VM tier), so the refusal is checked by
        # its effect (nothing captured) and by a call that expects a reply.
        self.fake.write_value(COMMAND, bytes(21))
        self.fake.write_value(COMMAND, b'fits')
        client = LocalClient(self)
        self.assertEqual(client.ok('next-write', char='battery/command', timeout_ms=0)['value'], b'fits'.hex())
        options = dbus.Dictionary({'device': dbus.ObjectPath(self.fake.device_path()),
                                   'mtu': dbus.UInt16(185)}, signature='sv')
        self.assertDBusError(INVALID_VALUE_LENGTH, self.fake.call_app, self.fake.active_app().owner, COMMAND,
                             CHRC, 'WriteValue', 'aya{sv}', (dbus.ByteArray(bytes(21)), options))


class OptionsTest(GattdTestCase):
    """Options bluetoothd never sends: a known option of another type than BlueZ
    gives it, or more than 32 options, is refused with InvalidArgs naming the
    problem, on characteristics and descriptors alike; nothing changes and gattd
    goes on serving (under valgrind: nothing uninitialised is logged)."""

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.owner = self.fake.active_app().owner

    def options(self, **extra):
        """device and mtu as bluetoothd sends them, replaced or extended by extra."""
        options = dbus.Dictionary({'device': dbus.ObjectPath(self.fake.device_path()), 'mtu': dbus.UInt16(185)},
                                  signature='sv')
        options.update(extra)
        return options

    def read(self, path, iface, options):
        return self.fake.call_app(self.owner, path, iface, 'ReadValue', 'a{sv}', (options,))

    def write(self, path, iface, value, options):
        return self.fake.call_app(self.owner, path, iface, 'WriteValue', 'aya{sv}', (dbus.ByteArray(value), options))

    def assert_refused_everywhere(self, options, message):
        for path, iface in ((LABEL, CHRC), (LEVEL_VALID_RANGE, DESC)):
            for call, args in ((self.read, ()), (self.write, (b'new',))):
                error = self.assertDBusError(INVALID_ARGS, call, path, iface, *args, options)
                self.assertIn(message, error.message, '%s on %s' % (call.__name__, path))

    def assert_still_serving(self):
        self.assertEqual(self.fake.read_value(LABEL), b'gattd', 'nothing was written')
        self.assertEqual(self.fake.read_value(LEVEL_VALID_RANGE), bytes([0x00, 0x64]))
        self.fake.write_value(LABEL, b'after')
        self.assertEqual(self.fake.read_value(LABEL), b'after')

    def test_known_option_of_another_type_is_invalid_args_naming_it_and_gattd_keeps_serving(self):
        self.assert_refused_everywhere(self.options(device=dbus.String(self.fake.device_path())),
                                       "option 'device' must be an object path (o), not a string (s)")
        self.assert_refused_everywhere(self.options(offset=dbus.Int32(0)),
                                       "option 'offset' must be a uint16 (q), not an int32 (i)")
        self.assert_refused_everywhere(self.options(mtu=dbus.UInt32(185)), "option 'mtu' must be a uint16 (q)")
        self.assert_refused_everywhere(self.options(**{'prepare-authorize': dbus.String('yes')}),
                                       "option 'prepare-authorize' must be a boolean (b)")
        self.assert_still_serving()

    def test_more_than_32_options_are_invalid_args_and_32_are_accepted(self):
        many = self.options(**{'x-%d' % i: dbus.UInt16(i) for i in range(31)})
        self.assertEqual(len(many), 33)
        self.assert_refused_everywhere(many, 'more than 32 options')
        self.assert_still_serving()
        del many['x-30']
        self.write(LABEL, CHRC, b'32 options', many)
        self.assertEqual(self.read(LABEL, CHRC, many).get_args_list(byte_arrays=True)[0], b'32 options')


class AccessControlTest(GattdTestCase):
    """Anyone on the system bus can send to gattd's objects; only org.bluez's owner is served."""

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.gattd_name = self.fake.active_app('hci0').owner
        self.intruder = dbus.bus.BusConnection(self.bus_address)
        self.addCleanup(self.intruder.close)

    def call_as_intruder(self, path, iface, method, signature='', args=()):
        return self.intruder.call_blocking(self.gattd_name, path, iface, method, signature, args, timeout=10)

    def test_read_value_from_another_connection_is_access_denied(self):
        self.assertDBusError(ACCESS_DENIED, self.call_as_intruder, LEVEL, CHRC, 'ReadValue', 'a{sv}', ({},))

    def test_write_value_from_another_connection_is_access_denied_and_changes_nothing(self):
        self.assertDBusError(ACCESS_DENIED, self.call_as_intruder, LABEL, CHRC, 'WriteValue', 'aya{sv}',
                             (dbus.ByteArray(b'pwned'), {}))
        self.assertEqual(self.fake.read_value(LABEL), b'gattd')

    def test_get_managed_objects_from_another_connection_is_access_denied(self):
        self.assertDBusError(ACCESS_DENIED, self.call_as_intruder, APP_PATH,
                             'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects')

    def test_properties_get_from_another_connection_is_access_denied(self):
        self.assertDBusError(ACCESS_DENIED, self.call_as_intruder, LABEL, 'org.freedesktop.DBus.Properties',
                             'Get', 'ss', (CHRC, 'Value'))

    def test_notify_methods_from_another_connection_are_access_denied(self):
        for method in ('StartNotify', 'StopNotify', 'Confirm'):
            self.assertDBusError(ACCESS_DENIED, self.call_as_intruder, LEVEL, CHRC, method)

    def test_get_all_from_another_connection_is_access_denied(self):
        self.assertDBusError(ACCESS_DENIED, self.call_as_intruder, '/org/gattd/advertisement',
                             'org.freedesktop.DBus.Properties', 'GetAll', 's', ('org.bluez.LEAdvertisement1',))

    def test_introspection_answers_anyone_with_the_shape_and_no_value(self):
        # As busctl introspect / busctl tree use it: the objects, interfaces, methods and
        # property names, never a value.
        root = self.call_as_intruder('/', 'org.freedesktop.DBus.Introspectable', 'Introspect')
        self.assertIn('<node name="org"/>', root)
        xml = self.call_as_intruder(LEVEL, 'org.freedesktop.DBus.Introspectable', 'Introspect')
        self.assertIn('<interface name="%s">' % CHRC, xml)
        self.assertIn('<method name="ReadValue">', xml)
        self.assertIn('<property name="Value" type="ay"', xml)
        self.assertDBusError('org.freedesktop.DBus.Error.UnknownObject', self.call_as_intruder, APP_PATH + '/nope',
                             'org.freedesktop.DBus.Introspectable', 'Introspect')

    def test_release_from_another_connection_is_access_denied_and_keeps_advertising(self):
        self.assertDBusError(ACCESS_DENIED, self.call_as_intruder, '/org/gattd/advertisement',
                             'org.bluez.LEAdvertisement1', 'Release')
        # Still registered and on the air: a power cycle must re-advertise as usual.
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.wait_on_air('hci0')


if __name__ == '__main__':
    unittest.main()
