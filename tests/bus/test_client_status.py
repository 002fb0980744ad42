# SPDX-License-Identifier: LGPL-2.1-or-later
"""hello, status and list over the socket: what gattd reports matches the lifecycle and the config."""

import unittest

from clients import LocalClient
from harness import COMMAND, HCI0_ADDRESS, LEVEL, THRESHOLD, GattdTestCase

STATUS_FIELDS = ('state', 'adapter', 'registered', 'advertising', 'on_air', 'clients', 'watchers',
                 'subscriptions', 'captured', 'overflows')
HCI0 = {'name': 'hci0', 'path': '/org/bluez/hci0', 'address': HCI0_ADDRESS, 'powered': True}


def pick(mapping, keys):
    return {k: mapping[k] for k in keys if k in mapping}


class StatusTest(GattdTestCase):

    def status(self, client):
        status = client.ok('status')
        self.assertIsInstance(status['description'], str)
        self.assertNotEqual(status['description'], '')
        return pick(status, STATUS_FIELDS)

    def test_hello_names_the_protocol_version_and_the_daemon(self):
        self.start_registered()
        reply = LocalClient(self).ok('hello')
        self.assertEqual((reply['protocol'], reply['daemon']), (1, 'gattd'))
        self.assertRegex(reply['version'], r'^\d+\.\d+')

    def test_status_while_advertising(self):
        self.start_registered()
        self.assertEqual(self.status(LocalClient(self)), {
            'state': 'ADVERTISING', 'adapter': HCI0, 'registered': True, 'advertising': True,
            'on_air': True, 'clients': 1, 'watchers': 0, 'subscriptions': 0, 'captured': 0, 'overflows': 0})

    def test_status_while_powered_off(self):
        self.start_registered()
        client = LocalClient(self)
        client.watch()
        self.fake.set_powered('hci0', False)
        client.wait_event('unregistered')
        self.assertEqual(self.status(client), {
            'state': 'REGISTERED', 'adapter': dict(HCI0, powered=False), 'registered': True,
            'advertising': False, 'on_air': False, 'clients': 1, 'watchers': 1, 'subscriptions': 0,
            'captured': 0, 'overflows': 0})

    def test_status_while_bluetoothd_is_away(self):
        self.start_registered()
        client = LocalClient(self)
        client.watch()
        self.fake.stop(clean=False)
        client.wait_event('unregistered')
        self.assertEqual(self.status(client), {
            'state': 'NO_BLUEZ', 'adapter': None, 'registered': False, 'advertising': False,
            'on_air': False, 'clients': 1, 'watchers': 1, 'subscriptions': 0, 'captured': 0, 'overflows': 0})

    def test_status_before_bluetoothd_ever_appeared(self):
        self.start_gattd(start_bluez=False)
        self.wait_listening()
        client = LocalClient(self)
        # NO_BUS until gattd's Hello is answered, then NO_BLUEZ.
        self.wait_until(lambda: client.ok('status')['state'] == 'NO_BLUEZ', 'gattd to wait for bluetoothd')
        status = self.status(client)
        self.assertEqual((status['adapter'], status['registered'], status['advertising'], status['on_air']),
                         (None, False, False, False))

    def test_status_with_advertising_disabled(self):
        self.start_gattd(advertising={'Enabled': 'false'})
        self.wait_app_registered()
        status = self.status(LocalClient(self))
        self.assertEqual((status['state'], status['registered'], status['advertising'], status['on_air']),
                         ('REGISTERED', True, False, True))

    def test_status_counts_clients_watchers_subscriptions_and_captured_writes(self):
        self.start_registered()
        client, watcher, other = LocalClient(self), LocalClient(self), LocalClient(self)
        watcher.watch()
        other.watch(['battery/level'])
        self.fake.start_notify(LEVEL)
        self.fake.start_notify(THRESHOLD)
        self.fake.write_values(COMMAND, [b'1', b'2'])
        status = self.status(client)
        self.assertEqual(pick(status, ('clients', 'watchers', 'subscriptions', 'captured')),
                         {'clients': 3, 'watchers': 2, 'subscriptions': 2, 'captured': 2})
        other.ok('unwatch')
        self.fake.stop_notify(LEVEL)
        client.ok('next-write', char='battery/command')
        status = self.status(client)
        self.assertEqual(pick(status, ('clients', 'watchers', 'subscriptions', 'captured')),
                         {'clients': 3, 'watchers': 1, 'subscriptions': 1, 'captured': 1})


class ListTest(GattdTestCase):
    CONFIG = {
        'sensor.conf': """\
            [Service sensor]
            UUID=181A
            Advertise=true

            [Characteristic sensor/temperature]
            UUID=2A6E
            Flags=read;notify
            Type=i16
            Unit=celsius
            Exponent=-2
            Value=i16:-125
            Description=Temperature

            [Characteristic sensor/name]
            UUID=2A00
            Flags=read;write;write-without-response
            MaxLength=8
            Value=utf8:abc

            [Characteristic sensor/rx]
            UUID=6e400021-b5a3-f393-e0a9-e50e24dcca9e
            Flags=write
            Capture=4
            """,
        'extra.conf': """\
            [Service extra]
            UUID=6e400030-b5a3-f393-e0a9-e50e24dcca9e
            Primary=false

            [Characteristic extra/flag]
            UUID=6e400031-b5a3-f393-e0a9-e50e24dcca9e
            Flags=read;indicate
            Type=bool
            Value=bool:true

            [Descriptor extra/flag/format]
            UUID=2904
            Flags=read
            Value=hex:01
            """,
    }
    CHAR_KEYS = ('id', 'uuid', 'flags', 'type', 'max_length', 'capture', 'notifying', 'value', 'typed',
                 'descriptors')

    def setUp(self):
        super().setUp()
        self.start_registered(services=self.CONFIG)
        self.client = LocalClient(self)

    def listed(self):
        services = self.client.ok('list')['services']
        return [dict(pick(s, ('id', 'uuid', 'primary')),
                     characteristics=[dict(pick(c, self.CHAR_KEYS),
                                           descriptors=[pick(d, ('id', 'uuid', 'flags', 'value'))
                                                        for d in c['descriptors']])
                                      for c in s['characteristics']])
                for s in services]

    def test_list_has_the_services_characteristics_and_descriptors_of_the_config(self):
        self.assertEqual(self.listed(), [
            {'id': 'extra', 'uuid': '6e400030-b5a3-f393-e0a9-e50e24dcca9e', 'primary': False, 'characteristics': [
                {'id': 'extra/flag', 'uuid': '6e400031-b5a3-f393-e0a9-e50e24dcca9e', 'flags': ['read', 'indicate'],
                 'type': 'bool', 'max_length': 1, 'capture': 0, 'notifying': False, 'value': '01', 'typed': True,
                 'descriptors': [{'id': 'extra/flag/format', 'uuid': '00002904-0000-1000-8000-00805f9b34fb',
                                  'flags': ['read'], 'value': '01'}]},
            ]},
            {'id': 'sensor', 'uuid': '0000181a-0000-1000-8000-00805f9b34fb', 'primary': True, 'characteristics': [
                {'id': 'sensor/temperature', 'uuid': '00002a6e-0000-1000-8000-00805f9b34fb',
                 'flags': ['read', 'notify'], 'type': 'i16', 'max_length': 2, 'capture': 0, 'notifying': False,
                 'value': '83ff', 'typed': -125,
                 'descriptors': [{'id': 'sensor/temperature/description',
                                  'uuid': '00002901-0000-1000-8000-00805f9b34fb', 'flags': ['read'],
                                  'value': b'Temperature'.hex()},
                                 {'id': 'sensor/temperature/presentation',
                                  'uuid': '00002904-0000-1000-8000-00805f9b34fb', 'flags': ['read'],
                                  'value': '0efe2f27010000'}]},
                {'id': 'sensor/name', 'uuid': '00002a00-0000-1000-8000-00805f9b34fb',
                 'flags': ['read', 'write', 'write-without-response'], 'type': None, 'max_length': 8,
                 'capture': 0, 'notifying': False, 'value': b'abc'.hex(), 'descriptors': []},
                {'id': 'sensor/rx', 'uuid': '6e400021-b5a3-f393-e0a9-e50e24dcca9e', 'flags': ['write'],
                 'type': None, 'max_length': 512, 'capture': 4, 'notifying': False, 'value': '',
                 'descriptors': []},
            ]},
        ])

    def test_list_shows_current_values_and_subscriptions(self):
        path = '/org/gattd/app/sensor/'
        self.fake.write_value(path + 'name', b'central')
        self.fake.start_notify(path + 'temperature')
        self.client.ok('set', char='sensor/temperature', typed=215)
        chars = {c['id']: c for s in self.client.ok('list')['services'] for c in s['characteristics']}
        self.assertEqual(chars['sensor/name']['value'], b'central'.hex())
        self.assertEqual((chars['sensor/temperature']['typed'], chars['sensor/temperature']['notifying']),
                         (215, True))


if __name__ == '__main__':
    unittest.main()
