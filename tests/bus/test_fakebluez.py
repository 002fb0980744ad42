# SPDX-License-Identifier: LGPL-2.1-or-later
"""The fake bluetoothd itself: it must accept and refuse what BlueZ 5.66 does, or the
gattd tests prove nothing. A minimal GATT application exported from this process
plays gattd's part here."""

import unittest

import dbus
import dbus.bus
import dbus.lowlevel

import fakebluez
from harness import GattdTestCase, uuid128

SERVICE = 'org.bluez.GattService1'
CHRC = 'org.bluez.GattCharacteristic1'
DESC = 'org.bluez.GattDescriptor1'
ADV = 'org.bluez.LEAdvertisement1'


class MiniApp:
    """Objects under /app (ObjectManager at /app) and an advertisement at /adv, on a
    connection of its own, answering whoever calls (no access control)."""

    def __init__(self, test):
        self.test = test
        self.conn = dbus.bus.BusConnection(test.bus_address)
        test.addCleanup(self.conn.close)
        self.objects = {}
        self.advertisement = {'Type': dbus.String('peripheral'),
                              'ServiceUUIDs': dbus.Array(['180f'], signature='s')}
        self.released = 0
        self.conn._register_object_path('/', self.on_message, fallback=True)

    @property
    def name(self):
        return self.conn.get_unique_name()

    def add_service(self, path, uuid='180f', primary=True, handle=0):
        self.objects[path] = {SERVICE: {'UUID': dbus.String(uuid), 'Primary': dbus.Boolean(primary),
                                        'Handle': dbus.UInt16(handle)}}

    def add_characteristic(self, path, service, uuid='2a19', flags=('read',), handle=0):
        self.objects[path] = {CHRC: {'Service': dbus.ObjectPath(service), 'UUID': dbus.String(uuid),
                                     'Flags': dbus.Array(flags, signature='s'),
                                     'Handle': dbus.UInt16(handle)}}

    def add_descriptor(self, path, characteristic, uuid='2901', flags=('read',)):
        self.objects[path] = {DESC: {'Characteristic': dbus.ObjectPath(characteristic),
                                     'UUID': dbus.String(uuid), 'Flags': dbus.Array(flags, signature='s'),
                                     'Handle': dbus.UInt16(0)}}

    def standard(self):
        self.add_service('/app/s')
        self.add_characteristic('/app/s/c', '/app/s', flags=('read', 'notify'))
        self.add_descriptor('/app/s/c/d', '/app/s/c')
        return self

    def reply(self, msg, signature='', *args):
        reply = dbus.lowlevel.MethodReturnMessage(msg)
        if signature:
            reply.append(signature=signature, *args)
        self.conn.send_message(reply)

    def on_message(self, conn, msg):
        if msg.get_type() != dbus.lowlevel.MESSAGE_TYPE_METHOD_CALL:
            return                  # signals reach object path handlers too
        path, member = msg.get_path(), msg.get_member()
        args = msg.get_args_list()
        if member == 'GetManagedObjects' and path == '/app':
            return self.reply(msg, 'a{oa{sa{sv}}}', self.objects)
        if member == 'GetAll' and path == '/adv':
            return self.reply(msg, 'a{sv}', self.advertisement)
        if member == 'Release' and path == '/adv':
            self.released += 1
            return self.reply(msg)
        if member == 'Set' and path in self.objects:
            self.objects[path][str(args[0])][str(args[1])] = args[2]
            return self.reply(msg)
        conn.send_message(dbus.lowlevel.ErrorMessage(msg, 'org.freedesktop.DBus.Error.UnknownMethod', member))

    def call(self, adapter, iface, method, path):
        """Call bluetoothd asynchronously (it calls back into us meanwhile);
        returns None or the D-Bus error name."""
        result = {}
        self.conn.call_async('org.bluez', '/org/bluez/' + adapter, iface, method, 'oa{sv}'
                             if method.startswith('Register') else 'o',
                             (dbus.ObjectPath(path), {}) if method.startswith('Register')
                             else (dbus.ObjectPath(path),),
                             lambda *a: result.setdefault('ok', None),
                             lambda e: result.setdefault('error', e.get_dbus_name()))
        self.test.wait_until(lambda: result, '%s to be answered' % method)
        return result.get('error')

    def register(self, adapter='hci0'):
        return self.call(adapter, 'org.bluez.GattManager1', 'RegisterApplication', '/app')

    def register_advertisement(self, adapter='hci0'):
        return self.call(adapter, 'org.bluez.LEAdvertisingManager1', 'RegisterAdvertisement', '/adv')

    def unregister_and_register_advertisement(self, adapter='hci0'):
        """UnregisterAdvertisement and RegisterAdvertisement sent together, neither
        waiting for the other's answer; the answers, in that order."""
        results = [{}, {}]
        for method, args, result in (('UnregisterAdvertisement', (dbus.ObjectPath('/adv'),), results[0]),
                                     ('RegisterAdvertisement', (dbus.ObjectPath('/adv'), {}), results[1])):
            self.conn.call_async('org.bluez', '/org/bluez/' + adapter, 'org.bluez.LEAdvertisingManager1', method,
                                 'oa{sv}' if method.startswith('Register') else 'o', args,
                                 lambda *a, result=result: result.setdefault('ok', None),
                                 lambda e, result=result: result.setdefault('error', e.get_dbus_name()))
        self.test.wait_until(lambda: all(results), 'both to be answered')
        return [r.get('error') for r in results]


class FakeApplicationRegistrationTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.fake.start()
        self.app = MiniApp(self)

    def expect_protocol_error(self, fragment):
        self.assertEqual(len(self.fake.protocol_errors), 1, self.fake.protocol_errors)
        self.assertIn(fragment, self.fake.protocol_errors[0])
        self.fake.protocol_errors.clear()

    def test_fake_accepts_a_valid_application_and_records_its_tree(self):
        self.assertIsNone(self.app.standard().register())
        registration = self.fake.active_app('hci0')
        self.assertEqual(sorted(registration.tree), ['/app/s', '/app/s/c', '/app/s/c/d'])
        self.assertEqual(registration.tree['/app/s'][SERVICE]['UUID'], uuid128(0x180f))

    def test_fake_writes_handles_back_before_replying(self):
        self.app.standard().register()
        # Service decl, chrc decl + value, CCC, then the descriptor.
        start = fakebluez.FIRST_APP_HANDLE
        self.assertEqual({p: int(o[next(iter(o))]['Handle']) for p, o in self.app.objects.items()},
                         {'/app/s': start, '/app/s/c': start + 2, '/app/s/c/d': start + 4})

    def test_fake_keeps_handles_the_application_chose(self):
        self.app.add_service('/app/s', handle=0x0100)
        self.app.add_characteristic('/app/s/c', '/app/s', handle=0x0102)
        self.assertIsNone(self.app.register())
        self.assertEqual(self.fake.active_app().handles, {'/app/s': 0x0100, '/app/s/c': 0x0102})
        self.assertEqual(self.fake.active_app().handle_writes, {})

    def test_fake_answers_already_exists_to_the_same_sender_and_path(self):
        self.app.standard().register()
        self.assertEqual(self.app.register(), 'org.bluez.Error.AlreadyExists')

    def test_fake_rejects_unknown_characteristic_flag(self):
        self.app.standard()
        self.app.add_characteristic('/app/s/x', '/app/s', flags=('read', 'reed'))
        self.assertEqual(self.app.register(), 'org.bluez.Error.Failed')
        self.assertIsNone(self.fake.active_app())

    def test_fake_rejects_empty_flags(self):
        self.app.standard()
        self.app.add_characteristic('/app/s/x', '/app/s', flags=())
        self.assertEqual(self.app.register(), 'org.bluez.Error.Failed')

    def test_fake_rejects_characteristic_flag_on_a_descriptor(self):
        self.app.standard()
        self.app.add_descriptor('/app/s/c/x', '/app/s/c', flags=('notify',))
        self.assertEqual(self.app.register(), 'org.bluez.Error.Failed')

    def test_fake_rejects_gap_and_gatt_service_uuids(self):
        for uuid in ('1800', '00001801-0000-1000-8000-00805f9b34fb'):
            self.app.objects.clear()
            self.app.add_service('/app/s', uuid=uuid)
            self.assertEqual(self.app.register(), 'org.bluez.Error.Failed', uuid)

    def test_fake_rejects_characteristic_of_an_unknown_service(self):
        self.app.standard()
        self.app.add_characteristic('/app/t/c', '/app/t')
        self.assertEqual(self.app.register(), 'org.bluez.Error.Failed')

    def test_fake_rejects_an_application_without_services(self):
        self.assertEqual(self.app.register(), 'org.bluez.Error.Failed')

    def test_fake_refuses_a_cccd_the_application_exports_itself(self):
        self.app.standard()
        self.app.add_descriptor('/app/s/c/ccc', '/app/s/c', uuid='2902', flags=('read', 'write'))
        self.assertEqual(self.app.register(), 'org.bluez.Error.Failed')
        self.expect_protocol_error('2902')

    def test_fake_frees_the_application_when_its_owner_leaves_the_bus(self):
        self.app.standard().register()
        registration = self.fake.active_app()
        self.app.conn.close()
        self.wait_until(lambda: registration.ended == 'disconnected', 'the application to be freed')

    def test_fake_forgets_applications_when_the_adapter_goes(self):
        self.app.standard().register()
        registration = self.fake.active_app()
        self.fake.remove_adapter('hci0')
        self.assertEqual(registration.ended, 'adapter-removed')


class FakeAdvertisementTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.fake.start()
        self.app = MiniApp(self)

    def test_fake_puts_a_registered_advertisement_on_the_air(self):
        self.assertIsNone(self.app.register_advertisement())
        self.assertTrue(self.fake.on_air('hci0'))
        self.assertEqual(self.fake.active_advert().props['ServiceUUIDs'], ['180f'])

    def test_fake_power_off_takes_it_off_the_air_but_keeps_the_registration(self):
        self.app.register_advertisement()
        advert = self.fake.active_advert()
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.assertFalse(self.fake.on_air('hci0'))
        self.assertIs(self.fake.active_advert(), advert)
        self.assertEqual(self.app.register_advertisement(), 'org.bluez.Error.AlreadyExists')

    def test_fake_refuses_registration_while_powered_off(self):
        self.fake.set_powered('hci0', False)
        self.assertEqual(self.app.register_advertisement(), 'org.bluez.Error.Failed')
        self.assertIsNone(self.fake.active_advert())

    def test_fake_refuses_a_second_advertisement_beyond_supported_instances(self):
        self.fake.adapter('hci0').max_advertisements = 1
        self.app.register_advertisement()
        other = MiniApp(self)
        self.assertEqual(other.register_advertisement(), 'org.bluez.Error.NotPermitted')

    def test_fake_refuses_advertising_data_longer_than_31_bytes(self):
        self.app.advertisement['ServiceUUIDs'] = dbus.Array(
            ['6e400001-b5a3-f393-e0a9-e50e24dcca9e', '6e400002-b5a3-f393-e0a9-e50e24dcca9e'], signature='s')
        self.assertEqual(self.app.register_advertisement(), 'org.bluez.Error.Failed')

    def test_fake_refuses_local_name_together_with_include_local_name(self):
        self.app.advertisement['LocalName'] = dbus.String('x')
        self.app.advertisement['Includes'] = dbus.Array(['local-name'], signature='s')
        self.assertEqual(self.app.register_advertisement(), 'org.bluez.Error.Failed')

    def test_fake_unregister_of_unknown_advertisement_is_does_not_exist(self):
        self.assertEqual(self.app.call('hci0', 'org.bluez.LEAdvertisingManager1', 'UnregisterAdvertisement',
                                       '/adv'), 'org.bluez.Error.DoesNotExist')

    def test_fake_releases_the_advertisement_when_the_adapter_goes(self):
        self.app.register_advertisement()
        self.fake.remove_adapter('hci0')
        self.wait_until(lambda: self.app.released == 1, 'Release')


DEVICE_DISCONNECTED = ('signal', 'PropertiesChanged',
                       '/org/bluez/hci0/dev_' + fakebluez.CENTRAL_ADDRESS.replace(':', '_'), {'Connected': False})
ADAPTER_REST = ['org.bluez.Adapter1', 'org.bluez.AdvertisementMonitorManager1', 'org.bluez.BatteryProviderManager1',
                'org.freedesktop.DBus.Introspectable', 'org.freedesktop.DBus.Properties']
GATT_AND_OTHERS = ['org.bluez.GattManager1', 'org.bluez.Media1', 'org.bluez.NetworkServer1', 'org.bluez.SimAccess1']


class FakeMatchesTheVmTierTest(GattdTestCase):
    """What the VM tier (tests/vm, real bluetoothd 5.66 on btvirt) saw on the bus,
    results/bluez-calls.txt: the fake must send the same. That log leaves out
    devices' PropertiesChanged (bus_log.py): the central's Connected false at a
    power-off (DEVICE_DISCONNECTED) is the fake's, from bluetoothd's source."""

    def setUp(self):
        super().setUp()
        self.fake.start()
        self.app = MiniApp(self)
        self.app.add_service('/app/s')
        self.app.add_characteristic('/app/s/n', '/app/s', flags=('read', 'notify'))
        self.app.add_characteristic('/app/s/w', '/app/s', uuid='2a3d', flags=('write',))
        self.app.add_characteristic('/app/s/c', '/app/s', uuid='2a3e', flags=('write', 'write-without-response'))

    def registered(self):
        self.assertIsNone(self.app.register())
        self.assertIsNone(self.app.register_advertisement())
        self.fake.sent.clear()

    def sent_since(self, mark=0):
        return [e for e in self.fake.sent[mark:] if e[1] != 'Peer.Ping']

    def test_fake_sends_writes_to_a_write_without_response_characteristic_and_notify_calls_expecting_no_reply(self):
        self.registered()
        self.fake.write_value('/app/s/c', b'x')         # MiniApp would answer an error: never seen
        with self.assertRaises(fakebluez.DBusCallError):
            self.fake.write_value('/app/s/w', b'x')
        self.fake.start_notify('/app/s/n')
        self.fake.stop_notify('/app/s/n')
        self.assertEqual([(e[1], e[2], e[3]) for e in self.sent_since() if e[0] == 'call'], [
            ('GattCharacteristic1.WriteValue', '/app/s/c', False),
            ('GattCharacteristic1.WriteValue', '/app/s/w', True),
            ('GattCharacteristic1.StartNotify', '/app/s/n', False),
            ('GattCharacteristic1.StopNotify', '/app/s/n', False)])
        pending = self.fake.begin_write_value('/app/s/c', b'y')
        self.wait_until(lambda: pending.done, 'the write to be handled')
        pending.check()

    def test_fake_register_advertisement_sets_tx_power_when_included_and_ignores_the_error(self):
        self.app.advertisement['Includes'] = dbus.Array(['tx-power'], signature='s')
        self.assertIsNone(self.app.register_advertisement())    # MiniApp refuses the Set
        self.assertEqual([(e[1], e[3]) for e in self.fake.sent if e[0] == 'call' and e[2] == '/adv'],
                         [('ObjectManager.GetManagedObjects', True), ('Properties.GetAll', True),
                          ('Properties.Set', True)])
        self.wait_until(lambda: self.fake.tx_power_sets[0][1] != 'sent', 'the Set to be answered')
        self.assertEqual(self.fake.tx_power_sets, [['/adv', 'org.freedesktop.DBus.Error.UnknownMethod']])
        self.assertTrue(self.fake.on_air('hci0'))
        other = MiniApp(self)           # no tx-power: no Set
        self.assertIsNone(other.register_advertisement())
        self.assertEqual(len(self.fake.calls_named('Properties.Set')), 1)

    def test_fake_btmgmt_power_off_stops_notify_then_sends_one_signal_with_stale_power_state(self):
        self.registered()
        self.fake.start_notify('/app/s/n')
        mark = len(self.fake.sent)
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.assertEqual(self.sent_since(mark), [
            ('call', 'GattCharacteristic1.StopNotify', '/app/s/n', False),
            DEVICE_DISCONNECTED,
            ('signal', 'PropertiesChanged', '/org/bluez/hci0',
             {'Class': 0, 'Powered': False, 'Discovering': False, 'PowerState': 'on'}),
            ('signal', 'PropertiesChanged', '/org/bluez/hci0', {'Powered': True})])

    def test_fake_power_off_through_bluetoothd_goes_through_power_state_transitions(self):
        self.registered()
        self.fake.start_notify('/app/s/n')
        mark = len(self.fake.sent)
        self.fake.set_powered('hci0', False, via='dbus')
        self.fake.set_powered('hci0', True, via='dbus')
        self.assertEqual(self.sent_since(mark), [
            ('signal', 'PropertiesChanged', '/org/bluez/hci0', {'PowerState': 'on-disabling'}),
            ('call', 'GattCharacteristic1.StopNotify', '/app/s/n', False),
            DEVICE_DISCONNECTED,
            ('signal', 'PropertiesChanged', '/org/bluez/hci0',
             {'PowerState': 'off', 'Powered': False, 'Discovering': False, 'Class': 0}),
            ('signal', 'PropertiesChanged', '/org/bluez/hci0', {'PowerState': 'off-enabling'}),
            ('signal', 'PropertiesChanged', '/org/bluez/hci0', {'PowerState': 'on', 'Powered': True})])

    def test_fake_removes_an_adapter_powered_off_first_then_devices_then_partial_removals_and_release(self):
        self.registered()
        self.fake.write_value('/app/s/c', b'x')         # the central's device object appears
        device = self.fake.device_path('hci0')
        mark = len(self.fake.sent)
        self.fake.remove_adapter('hci0')
        self.assertEqual(self.sent_since(mark), [
            ('signal', 'PropertiesChanged', '/org/bluez/hci0',
             {'Class': 0, 'Powered': False, 'Discovering': False, 'PowerState': 'on'}),
            ('signal', 'InterfacesRemoved', device,
             ['org.bluez.Device1', 'org.freedesktop.DBus.Introspectable', 'org.freedesktop.DBus.Properties']),
            ('signal', 'InterfacesRemoved', '/org/bluez/hci0', GATT_AND_OTHERS),
            ('signal', 'InterfacesRemoved', '/org/bluez/hci0', ['org.bluez.LEAdvertisingManager1']),
            ('call', 'LEAdvertisement1.Release', '/adv', True),
            ('signal', 'InterfacesRemoved', '/org/bluez/hci0', ADAPTER_REST)])
        self.wait_until(lambda: self.app.released == 1, 'Release')

    def test_fake_removes_an_adapter_without_registrations_in_one_signal(self):
        mark = len(self.fake.sent)
        self.fake.remove_adapter('hci0')
        removed = [e for e in self.sent_since(mark) if e[1] == 'InterfacesRemoved']
        self.assertEqual(removed, [('signal', 'InterfacesRemoved', '/org/bluez/hci0', sorted(
            ADAPTER_REST + GATT_AND_OTHERS + ['org.bluez.LEAdvertisingManager1']))])

    def test_fake_clean_stop_powers_off_removes_in_pieces_releases_then_leaves_the_bus(self):
        self.registered()
        self.fake.start_notify('/app/s/n')
        mark = len(self.fake.sent)
        self.fake.stop(clean=True)
        self.assertEqual(self.sent_since(mark), [
            ('signal', 'PropertiesChanged', '/org/bluez/hci0', {'PowerState': 'on-disabling'}),
            ('call', 'GattCharacteristic1.StopNotify', '/app/s/n', False),
            DEVICE_DISCONNECTED,
            ('signal', 'PropertiesChanged', '/org/bluez/hci0',
             {'PowerState': 'off', 'Powered': False, 'Discovering': False, 'Class': 0}),
            ('signal', 'InterfacesRemoved', '/org/bluez/hci0', ['org.bluez.Media1']),
            ('signal', 'InterfacesRemoved', '/org/bluez', ['org.bluez.AgentManager1', 'org.bluez.ProfileManager1',
                                                           'org.freedesktop.DBus.Introspectable']),
            ('signal', 'InterfacesRemoved', self.fake.device_path('hci0'),
             ['org.bluez.Device1', 'org.freedesktop.DBus.Introspectable', 'org.freedesktop.DBus.Properties']),
            ('signal', 'InterfacesRemoved', '/org/bluez/hci0', [g for g in GATT_AND_OTHERS if g != 'org.bluez.Media1']),
            ('signal', 'InterfacesRemoved', '/org/bluez/hci0', ['org.bluez.LEAdvertisingManager1']),
            ('call', 'LEAdvertisement1.Release', '/adv', True),
            ('signal', 'InterfacesRemoved', '/org/bluez/hci0', ADAPTER_REST)])
        # The fake's connection closing and this query travel on different connections.
        self.wait_until(lambda: not self.bus.name_has_owner('org.bluez'), 'org.bluez to leave the bus')
        self.wait_until(lambda: self.app.released == 1, 'Release')

    def test_fake_crash_only_leaves_the_bus(self):
        self.registered()
        self.fake.stop(clean=False)
        self.assertEqual(self.sent_since(), [])
        self.wait_until(lambda: not self.bus.name_has_owner('org.bluez'), 'org.bluez to leave the bus')
        self.assertEqual(self.fake.released, [])

    def test_fake_adds_an_adapter_with_both_managers_in_one_signal_unless_told_later(self):
        self.fake.remove_adapter('hci0')
        mark = len(self.fake.sent)
        self.fake.add_adapter('hci0', powered=True)
        added = [e for e in self.fake.sent[mark:] if e[1] == 'InterfacesAdded']
        self.assertEqual(len(added), 1)
        self.assertTrue({'org.bluez.Adapter1', 'org.bluez.GattManager1', 'org.bluez.LEAdvertisingManager1',
                         'org.bluez.NetworkServer1', 'org.bluez.SimAccess1', 'org.bluez.Media1'} <= set(added[0][3]))
        mark = len(self.fake.sent)
        self.fake.add_adapter('hci1', '00:AA:01:00:00:09', advertising_manager='later')
        self.wait_until(lambda: self.fake.adapter('hci1').has_advertising_manager, 'the late manager')
        added = [e[3] for e in self.fake.sent[mark:] if e[1] == 'InterfacesAdded']
        self.assertNotIn('org.bluez.LEAdvertisingManager1', added[0])
        self.assertEqual(added[1:], [['org.bluez.LEAdvertisingManager1']])


if __name__ == '__main__':
    unittest.main()
