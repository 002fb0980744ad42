# SPDX-License-Identifier: LGPL-2.1-or-later
"""The fake bluetoothd's centrals: Device1 objects for centrals that connect and leave,
Device1.Disconnect(), and what power-off, adapter removal and stops do to them, as
bluetoothd's device.c and adapter.c do on each version (tests/vm/bluez-versions.md 8.3).
The test's own bus connection watches, as gattd would: every signal org.bluez sends
and the replies to its calls land in self.events in the order they arrive."""

import time
import unittest

import fakebluez
from harness import CENTRAL_ADDRESS, GattdTestCase
from test_fakebluez import MiniApp

DEVICE = 'org.bluez.Device1'
PROPERTIES = 'org.freedesktop.DBus.Properties'
DEVICE_IFACES = [DEVICE, 'org.freedesktop.DBus.Introspectable', PROPERTIES]
OTHER_ADDRESS = '66:55:44:33:22:11'
RPA = '4C:11:22:33:44:55'           # top bits 01: a resolvable private address
IDENTITY = '00:1B:DC:0F:00:01'
# device.c device_disconnected() (5.83 on), written out again to pin the fake's table.
REASONS = {
    'unknown': ('org.bluez.Reason.Unknown', 'Unspecified'),
    'timeout': ('org.bluez.Reason.Timeout', 'Connection timeout'),
    'local': ('org.bluez.Reason.Local', 'Connection terminated by local host'),
    'remote': ('org.bluez.Reason.Remote', 'Connection terminated by remote user'),
    'authentication': ('org.bluez.Reason.Authentication', 'Connection terminated due to authentication failure'),
    'suspend': ('org.bluez.Reason.Suspend', 'Connection terminated by local host for suspend'),
}


def connected(value):
    return {'Connected': value}


class DeviceTestCase(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.fake.start()
        self.events = []
        match = self.bus.add_signal_receiver(self.on_signal, sender_keyword='sender', path_keyword='path',
                                             member_keyword='member', byte_arrays=True)
        self.addCleanup(match.remove)

    def on_signal(self, *args, sender=None, path=None, member=None):
        if sender == 'org.freedesktop.DBus':
            return
        args = [fakebluez.to_python(a) for a in args]
        if member == 'InterfacesAdded':
            self.events.append((member, args[0], args[1]))
        elif member == 'InterfacesRemoved':
            self.events.append((member, args[0], sorted(args[1])))
        elif member == 'PropertiesChanged':
            self.events.append((member, str(path), args[0], args[1]))
        else:
            self.events.append((member, str(path)) + tuple(args))

    def sync(self):
        """A round trip to org.bluez (GetManagedObjects): everything it sent before
        has arrived. Returns the objects."""
        result = self.call('/', 'GetManagedObjects', 'org.freedesktop.DBus.ObjectManager', record=False)
        self.wait_until(lambda: result, 'GetManagedObjects to be answered')
        return result['values'][0]

    def call(self, path, method, iface=DEVICE, signature='', args=(), record=True):
        """Call org.bluez without waiting. The returned dict gets 'at' (when the answer
        came), 'values' or 'error' (name, message); with record, ('reply', method,
        path) or ('error', method, path, name) joins self.events."""
        result = {}

        def on_reply(*values):
            result.update(at=time.monotonic(), values=[fakebluez.to_python(v) for v in values])
            if record:
                self.events.append(('reply', method, path))

        def on_error(e):
            result.update(at=time.monotonic(), error=(e.get_dbus_name(), e.get_dbus_message()))
            if record:
                self.events.append(('error', method, path, e.get_dbus_name()))
        self.bus.call_async('org.bluez', path, iface, method, signature, args, on_reply, on_error,
                            timeout=10.0, byte_arrays=True)
        return result

    def answered(self, result):
        self.wait_until(lambda: result, 'org.bluez to answer')
        return result

    def get_all(self, path):
        return self.answered(self.call(path, 'GetAll', PROPERTIES, 's', (DEVICE,), record=False))

    def since(self, mark):
        self.sync()
        return self.events[mark:]

    def run_for(self, seconds):
        """Let the main loop run (the fake's timers too) for seconds."""
        end = time.monotonic() + seconds
        self.wait_until(lambda: time.monotonic() >= end, 'time to pass')

    def disconnected(self, path, reason='remote', paired=False):
        """What a device's disconnection sends on this test's version (5.55-5.82: one
        PropertiesChanged; 5.83 on: Paired false, Disconnected, then Connected false)."""
        if not self.fake.profile.disconnected_signal:
            return [('PropertiesChanged', path, DEVICE, dict({'Paired': False} if paired else {}, Connected=False))]
        return ([('PropertiesChanged', path, DEVICE, {'Paired': False})] if paired else []) + [
            ('Disconnected', path) + REASONS[reason], ('PropertiesChanged', path, DEVICE, connected(False))]


class CentralConnectTest(DeviceTestCase):
    # bluez_version: the default, 5.66

    def test_fake_exports_a_new_central_with_connected_true_in_interfaces_added(self):
        path = self.fake.connect_central()
        self.assertEqual(path, self.fake.device_path('hci0', CENTRAL_ADDRESS))
        self.assertEqual(self.since(0), [('InterfacesAdded', path, {
            'org.freedesktop.DBus.Introspectable': {}, PROPERTIES: {},
            DEVICE: {'Address': CENTRAL_ADDRESS, 'AddressType': 'public', 'Alias': '11-22-33-44-55-66',
                     'Paired': False, 'Bonded': False, 'Trusted': False, 'Blocked': False,
                     'LegacyPairing': False, 'Connected': True, 'UUIDs': [], 'Adapter': '/org/bluez/hci0',
                     'ServicesResolved': False}})])
        self.assertEqual(self.fake.sent[-1], ('signal', 'InterfacesAdded', path, DEVICE_IFACES))
        [device] = self.fake.devices('hci0')
        self.assertEqual((device.path, device.connected, device.temporary), (path, True, True))

    def test_fake_can_export_a_new_central_disconnected_then_signal_connected(self):
        path = self.fake.connect_central(order='added-then-connected')
        events = self.since(0)
        self.assertEqual([e[0] for e in events], ['InterfacesAdded', 'PropertiesChanged'])
        self.assertFalse(events[0][2][DEVICE]['Connected'])
        self.assertEqual(events[1], ('PropertiesChanged', path, DEVICE, connected(True)))

    def test_fake_reconnects_a_known_device_on_its_object_with_connected_true_only(self):
        path = self.fake.connect_central(paired=True, bonded=True)
        self.fake.disconnect_central(path)
        mark = len(self.since(0))
        self.assertEqual(self.fake.connect_central(), path)
        self.assertEqual(self.since(mark), [('PropertiesChanged', path, DEVICE, connected(True))])
        self.assertEqual(len(self.fake.devices()), 1)

    def test_fake_exports_name_only_when_known_and_alias_falls_back_to_it(self):
        nameless = self.fake.connect_central()
        named = self.fake.connect_central(address=RPA, address_type='random', name='Phone')
        objects = self.sync()
        self.assertNotIn('Name', objects[nameless][DEVICE])
        self.assertEqual({k: objects[named][DEVICE][k] for k in ('Address', 'AddressType', 'Name', 'Alias')},
                         {'Address': RPA, 'AddressType': 'random', 'Name': 'Phone', 'Alias': 'Phone'})
        self.assertEqual(named, '/org/bluez/hci0/dev_4C_11_22_33_44_55')

    def test_fake_first_call_naming_a_central_connects_it(self):
        app = MiniApp(self)
        app.add_service('/app/s')
        app.add_characteristic('/app/s/c', '/app/s', flags=('write-without-response',))
        self.assertIsNone(app.register())
        self.fake.write_value('/app/s/c', b'x')
        path = self.fake.device_path()
        self.assertEqual([(e[0], e[1], e[2][DEVICE]['Connected']) for e in self.since(0)],
                         [('InterfacesAdded', path, True)])
        mark = len(self.events)
        self.fake.write_value('/app/s/c', b'y')
        self.assertEqual(self.since(mark), [])
        self.fake.disconnect_central(path)
        mark = len(self.since(0))
        self.fake.write_value('/app/s/c', b'z')
        self.assertEqual(self.since(mark), [('PropertiesChanged', path, DEVICE, connected(True))])


class BondedPerVersionTest(DeviceTestCase):

    def test_fake_exports_bonded_from_5_65_on_only(self):
        for i, version in enumerate(sorted(fakebluez.PROFILES)):
            self.fake.profile = fakebluez.PROFILES[version]
            path = self.fake.connect_central(address='11:22:33:44:55:%02X' % i, bonded=True)
            added = self.since(0)[-1][2][DEVICE]
            expected = {'Paired': True, 'Bonded': True} if version not in ('5.55', '5.64') else {'Paired': True}
            self.assertEqual({k: added[k] for k in ('Paired', 'Bonded') if k in added}, expected, version)
            self.assertEqual('Bonded' in self.get_all(path)['values'][0], 'Bonded' in expected, version)

    def test_fake_signals_a_bonded_change_only_where_the_version_exports_it(self):
        for version, signalled in (('5.64', []), ('5.66', [{'Bonded': True}])):
            self.fake.profile = fakebluez.PROFILES[version]
            path = self.fake.connect_central(address=OTHER_ADDRESS if signalled else CENTRAL_ADDRESS)
            mark = len(self.since(0))
            self.fake.set_device_property(path, 'Bonded', True)
            self.assertEqual([e[3] for e in self.since(mark)], signalled, version)
            self.assertFalse(self.fake.devices()[-1].temporary, 'bonding makes it persistent')


class Disconnection587Test(DeviceTestCase):
    bluez_version = '5.87'

    def test_fake_5_87_sends_disconnected_with_the_reason_before_connected_false(self):
        path = self.fake.connect_central()
        for reason in REASONS:
            mark = len(self.since(0))
            self.fake.disconnect_central(path, reason)
            self.assertEqual(self.since(mark), [('Disconnected', path) + REASONS[reason],
                                                ('PropertiesChanged', path, DEVICE, connected(False))], reason)
            self.assertEqual(self.fake.sent[-2], ('signal', 'Disconnected', path, REASONS[reason]))
            self.fake.connect_central()

    def test_fake_5_87_unpairs_a_paired_but_not_bonded_central_before_disconnected(self):
        paired = self.fake.connect_central(paired=True)
        bonded = self.fake.connect_central(address=OTHER_ADDRESS, bonded=True)
        mark = len(self.since(0))
        self.fake.disconnect_central(paired)
        self.fake.disconnect_central(bonded)
        self.assertEqual(self.since(mark), self.disconnected(paired, paired=True) + self.disconnected(bonded))
        self.assertEqual([d.paired for d in self.fake.devices()], [False, True])

    def test_fake_5_87_answers_disconnect_after_connected_false_and_the_delay(self):
        self.fake.disconnect_delay = 0.3
        path = self.fake.connect_central()
        mark = len(self.since(0))
        start = time.monotonic()
        result = self.answered(self.call(path, 'Disconnect'))
        self.assertGreaterEqual(result['at'] - start, 0.3)
        self.assertEqual(self.since(mark), self.disconnected(path, 'local') + [('reply', 'Disconnect', path)])
        self.assertEqual(self.fake.disconnect_calls, [(self.bus.get_unique_name(), path)])
        self.assertEqual(self.fake.sent[-1], ('reply', 'Device1.Disconnect', path))

    def test_fake_5_87_power_off_disconnects_centrals_with_reason_local_before_powered_false(self):
        path = self.fake.connect_central()
        mark = len(self.since(0))
        self.fake.set_powered('hci0', False)
        self.assertEqual([e[:3] for e in self.since(mark)], [
            ('Disconnected', path, 'org.bluez.Reason.Local'), ('PropertiesChanged', path, DEVICE),
            ('PropertiesChanged', '/org/bluez/hci0', 'org.bluez.Adapter1')])


class Disconnection582Test(DeviceTestCase):
    bluez_version = '5.82'

    def test_fake_5_82_unpairs_and_disconnects_in_one_signal_without_disconnected(self):
        path = self.fake.connect_central(paired=True)
        mark = len(self.since(0))
        self.fake.disconnect_central(path, 'timeout')
        self.assertEqual(self.since(mark), [('PropertiesChanged', path, DEVICE, {'Paired': False, 'Connected': False})])

    def test_fake_5_82_answers_disconnect_after_connected_false(self):
        path = self.fake.connect_central()
        mark = len(self.since(0))
        self.answered(self.call(path, 'Disconnect'))
        self.assertEqual(self.since(mark), [('PropertiesChanged', path, DEVICE, connected(False)),
                                            ('reply', 'Disconnect', path)])


class DisconnectCallTest(DeviceTestCase):
    # bluez_version: the default, 5.66

    def test_fake_5_66_answers_disconnect_before_connected_false(self):
        path = self.fake.connect_central()
        mark = len(self.since(0))
        self.answered(self.call(path, 'Disconnect'))
        self.assertEqual(self.since(mark), [('reply', 'Disconnect', path),
                                            ('PropertiesChanged', path, DEVICE, connected(False))])

    def test_fake_answers_disconnect_of_a_device_not_connected_at_once(self):
        path = self.fake.connect_central()
        self.fake.disconnect_delay = 5
        self.fake.disconnect_central(path)
        mark = len(self.since(0))
        start = time.monotonic()
        self.assertNotIn('error', self.answered(self.call(path, 'Disconnect')))
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual(self.since(mark), [('reply', 'Disconnect', path)])
        self.assertEqual(self.fake.disconnect_calls, [(self.bus.get_unique_name(), path)])

    def test_fake_answers_a_second_disconnect_while_the_first_waits_with_it(self):
        path = self.fake.connect_central()
        mark = len(self.since(0))
        self.call(path, 'Disconnect')
        self.answered(self.call(path, 'Disconnect'))
        self.assertEqual(self.since(mark), [('reply', 'Disconnect', path), ('reply', 'Disconnect', path),
                                            ('PropertiesChanged', path, DEVICE, connected(False))])

    def test_fake_never_answers_an_injected_disconnect_until_the_link_goes_down_otherwise(self):
        path = self.fake.connect_central()
        self.fake.never_answer_next_disconnect()
        mark = len(self.since(0))
        result = self.call(path, 'Disconnect')
        self.run_for(3 * self.fake.disconnect_delay)
        self.assertEqual((result, self.since(mark)), ({}, []))
        self.assertTrue(self.fake.devices()[0].connected)
        self.fake.disconnect_central(path)
        self.answered(result)
        self.assertEqual(self.since(mark), [('reply', 'Disconnect', path),
                                            ('PropertiesChanged', path, DEVICE, connected(False))])

    def test_fake_fails_an_injected_disconnect_and_keeps_the_link(self):
        path = self.fake.connect_central()
        self.fake.fail_next_disconnect('org.bluez.Error.Failed', 'Controller busy')
        mark = len(self.since(0))
        self.assertEqual(self.answered(self.call(path, 'Disconnect'))['error'],
                         ('org.bluez.Error.Failed', 'Controller busy'))
        self.run_for(2 * self.fake.disconnect_delay)
        self.assertEqual(self.since(mark), [('error', 'Disconnect', path, 'org.bluez.Error.Failed')])
        self.assertTrue(self.fake.devices()[0].connected)
        self.assertNotIn('error', self.answered(self.call(path, 'Disconnect')))
        self.assertEqual(len(self.fake.disconnect_calls), 2)


class DeviceLifetimeTest(DeviceTestCase):
    # bluez_version: the default, 5.66

    def test_fake_keeps_a_temporary_device_after_it_disconnects_until_it_expires(self):
        temporary = self.fake.connect_central()
        bonded = self.fake.connect_central(address=OTHER_ADDRESS, bonded=True)
        self.fake.disconnect_central(temporary)
        self.fake.disconnect_central(bonded)
        self.assertIn(temporary, self.sync())
        mark = len(self.events)
        self.fake.expire_device(temporary)
        self.assertEqual(self.since(mark), [('InterfacesRemoved', temporary, DEVICE_IFACES)])
        with self.assertRaises(AssertionError):
            self.fake.expire_device(bonded)
        self.assertEqual([d.path for d in self.fake.devices()], [bonded])

    def test_fake_disconnects_a_removed_device_first_answering_its_waiting_disconnect(self):
        path = self.fake.connect_central()
        self.fake.disconnect_delay = 5
        waiting = self.call(path, 'Disconnect')
        self.sync()
        mark = len(self.events)
        self.fake.remove_device(path)
        self.assertEqual(self.since(mark), [('reply', 'Disconnect', path),
                                            ('PropertiesChanged', path, DEVICE, connected(False)),
                                            ('InterfacesRemoved', path, DEVICE_IFACES)])
        self.assertIn('values', waiting)
        self.assertNotIn(path, self.sync())
        self.assertEqual(self.fake.devices(), [])

    def test_fake_power_off_disconnects_connected_centrals_before_powered_false_and_answers_disconnect(self):
        for via in ('mgmt', 'dbus'):
            self.fake.set_powered('hci0', True)
            self.fake.disconnect_delay = 5
            central = self.fake.connect_central()
            left = self.fake.connect_central(address=OTHER_ADDRESS)
            self.fake.disconnect_central(left)
            waiting = self.call(central, 'Disconnect')
            mark = len(self.since(0))
            self.fake.set_powered('hci0', False, via=via)
            events = [e for e in self.since(mark) if e[2:] != ('org.bluez.Adapter1', {'PowerState': 'on-disabling'})]
            self.assertEqual(events[:2], [('reply', 'Disconnect', central),
                                          ('PropertiesChanged', central, DEVICE, connected(False))], via)
            self.assertEqual((len(events), events[2][1], events[2][3]['Powered']), (3, '/org/bluez/hci0', False), via)
            self.assertIn('values', waiting)

    def test_fake_removes_devices_before_the_adapter_connected_or_not_and_drops_waiting_disconnects(self):
        central = self.fake.connect_central()
        left = self.fake.connect_central(address=OTHER_ADDRESS)
        self.fake.disconnect_central(left)
        waiting = self.call(central, 'Disconnect')
        mark = len(self.since(0))
        self.fake.remove_adapter('hci0')
        events = self.since(mark)
        self.assertEqual([e[:2] for e in events], [
            ('PropertiesChanged', '/org/bluez/hci0'), ('InterfacesRemoved', central), ('InterfacesRemoved', left),
            ('InterfacesRemoved', '/org/bluez/hci0')])
        self.assertEqual([e[2] for e in events[1:3]], [DEVICE_IFACES, DEVICE_IFACES])
        self.run_for(2 * self.fake.disconnect_delay)
        self.assertEqual(waiting, {}, 'device_remove drops the queued call unanswered')

    def test_fake_clean_stop_disconnects_and_removes_devices_and_the_next_start_has_none(self):
        path = self.fake.connect_central()
        mark = len(self.fake.sent)
        self.fake.stop(clean=True)
        device_events = [e for e in self.fake.sent[mark:] if e[2] == path]
        self.assertEqual(device_events, [('signal', 'PropertiesChanged', path, connected(False)),
                                         ('signal', 'InterfacesRemoved', path, DEVICE_IFACES)])
        self.fake.start()
        self.assertEqual([p for p in self.sync() if '/dev_' in p], [])
        self.fake.connect_central()
        self.fake.stop(clean=False)
        self.fake.start()
        self.assertEqual(self.fake.devices(), [])


class DevicePropertiesTest(DeviceTestCase):
    # bluez_version: the default, 5.66

    def test_fake_answers_get_and_get_all_from_the_model_and_unknown_object_elsewhere(self):
        path = self.fake.connect_central(address=RPA, address_type='random', trusted=True)
        props = self.get_all(path)['values'][0]
        self.assertEqual({k: props[k] for k in ('Address', 'AddressType', 'Trusted', 'Connected')},
                         {'Address': RPA, 'AddressType': 'random', 'Trusted': True, 'Connected': True})
        self.fake.disconnect_central(path)
        get = self.answered(self.call(path, 'Get', PROPERTIES, 'ss', (DEVICE, 'Connected'), record=False))
        self.assertEqual(get['values'], [False])
        self.assertEqual(self.get_all(self.fake.device_path('hci0', OTHER_ADDRESS))['error'][0],
                         'org.freedesktop.DBus.Error.UnknownObject')

    def test_fake_changes_name_alias_and_address_on_the_same_object(self):
        path = self.fake.connect_central(address=RPA, address_type='random')
        mark = len(self.since(0))
        self.fake.set_device_property(path, 'Name', 'Phone')
        self.fake.set_device_property(path, 'Alias', 'Kitchen')
        self.fake.set_device_property(path, 'Name', 'Phone 2')
        self.fake.update_device_address(path, IDENTITY, 'public')
        self.assertEqual([e[3] for e in self.since(mark)], [
            {'Name': 'Phone', 'Alias': 'Phone'}, {'Alias': 'Kitchen'}, {'Name': 'Phone 2'},
            {'Address': IDENTITY, 'AddressType': 'public'}])
        self.assertEqual({e[1] for e in self.events[mark:]}, {path})
        self.fake.disconnect_central(path)
        self.assertEqual(self.fake.connect_central(address=IDENTITY), path, 'found by its new address')
        with self.assertRaises(ValueError):
            self.fake.set_device_property(path, 'Connected', False)


if __name__ == '__main__':
    unittest.main()
