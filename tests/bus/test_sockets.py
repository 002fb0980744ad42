# SPDX-License-Identifier: LGPL-2.1-or-later
"""Acquire=: notifications and Write Commands through the sockets bluetoothd acquires
(AcquireNotify, AcquireWrite), as each version does it (tests/vm/bluez-versions.md 8.2;
the fake's model is pinned by test_fake_acquire): subscriptions per central, `set` with
an address, writes that come by socket, and the sockets' end."""

import os
import unittest

from clients import ChannelClient, ClientProgram, LocalClient, notify_body
from harness import APP_PATH, BATTERY_CONF, LEVEL, GattdTestCase
from test_gattctl import gattctl_binary

PHONE = '5A:3C:11:22:33:44'
TABLET = '00:AA:01:01:00:99'

SOCKETS_CONF = """\
[Service fast]
UUID=6e400010-b5a3-f393-e0a9-e50e24dcca9e

[Characteristic fast/notify]
UUID=6e400011-b5a3-f393-e0a9-e50e24dcca9e
Flags=read;notify
Value=hex:00
Acquire=notify

[Characteristic fast/indicate]
UUID=6e400012-b5a3-f393-e0a9-e50e24dcca9e
Flags=read;indicate
Value=hex:00
Acquire=notify

[Characteristic fast/write]
UUID=6e400013-b5a3-f393-e0a9-e50e24dcca9e
Flags=write-without-response
MaxLength=8
Capture=8
Acquire=write
"""
NOTIFY = APP_PATH + '/fast/notify'
INDICATE = APP_PATH + '/fast/indicate'
WRITE = APP_PATH + '/fast/write'


class SocketsTestCase(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.config = self.config_dir(services={'battery.conf': BATTERY_CONF, 'fast.conf': SOCKETS_CONF})
        self.start_gattd(config_dir=self.config)
        self.wait_app_registered()
        self.wait_on_air()
        self.client = LocalClient(self)
        self.client.watch()

    def connect(self, address=PHONE):
        path = self.fake.connect_central(address=address)
        self.client.wait_event('connected', address=address)
        return path

    def acquired(self, member):
        return [c for c in self.fake.acquire_calls if c[0].endswith(member)]

    def gattctl(self, *args):
        """Run gattctl to its end; returns (exit status, stdout lines, stderr)."""
        env = {k: v for k, v in os.environ.items() if k != 'GATTD_SOCKET'}
        program = ClientProgram(self, [gattctl_binary(), '--socket', self.socket_path] + list(args), env=env)
        return program.wait_exit(), program.stdout_lines, program.stderr_text

    def received(self, records, device, path=NOTIFY):
        return [r[2] for r in records if r[0] == device and r[1] == path]


class SharedSocketsTest(SocketsTestCase):
    """5.66 (Debian 12): one socket per characteristic, shared by every central."""

    def test_status_says_shared(self):
        self.assertEqual(self.client.ok('status')['sockets'], 'shared')

    def test_only_the_configured_characteristics_offer_sockets(self):
        objects = self.fake.active_app().tree
        self.assertIn('NotifyAcquired', objects[NOTIFY]['org.bluez.GattCharacteristic1'])
        self.assertIn('WriteAcquired', objects[WRITE]['org.bluez.GattCharacteristic1'])
        self.assertNotIn('WriteAcquired', objects[NOTIFY]['org.bluez.GattCharacteristic1'])
        for name in ('NotifyAcquired', 'WriteAcquired'):
            self.assertNotIn(name, objects[LEVEL]['org.bluez.GattCharacteristic1'])

    def test_the_first_subscriber_brings_the_one_socket(self):
        phone, tablet = self.connect(PHONE), self.connect(TABLET)
        self.fake.subscribe(NOTIFY, device=phone)
        event = self.client.wait_event('subscribed', char='fast/notify')
        self.assertEqual((event['address'], event['device']), (PHONE, phone))
        self.fake.subscribe(NOTIFY, device=tablet)
        self.assertEqual(len(self.acquired('AcquireNotify')), 1, 'later subscribers share it')
        reply = self.client.ok('set', char='fast/notify', value='2a')
        self.assertTrue(reply['notified'] and reply['subscribed'])
        self.wait_until(lambda: all(self.received(self.fake.value_notifications, d) for d in (phone, tablet)),
                        'PropertiesChanged at both centrals')
        for device in (phone, tablet):
            self.assertEqual(self.received(self.fake.value_notifications, device), [b'\x2a'])
        error = self.client.error_reply('not-supported', 'set', char='fast/notify', value='2b', address=PHONE)
        self.assertIn('every subscriber', error['message'])
        self.assertEqual(self.client.ok('get', char='fast/notify')['value'], '2a', 'nothing stored')

    def test_writes_by_the_shared_socket_name_no_central(self):
        phone = self.connect(PHONE)
        self.fake.write_command(WRITE, b'one', device=phone)
        event = self.client.wait_event('write', char='fast/write')
        self.assertEqual((event['value'], event['device'], event['address']), (b'one'.hex(), None, None))
        self.fake.write_command(WRITE, b'two', device=phone)
        self.client.wait_event('write', char='fast/write', value=b'two'.hex())
        self.assertEqual(len(self.acquired('AcquireWrite')), 1)
        self.assertEqual([self.client.ok('next-write', char='fast/write')['value'] for _ in range(2)],
                         [b'one'.hex(), b'two'.hex()])

    def test_an_empty_write_command_is_a_write_not_the_end_of_the_socket(self):
        phone = self.connect(PHONE)
        self.fake.write_command(WRITE, b'', device=phone)
        self.fake.write_command(WRITE, b'x', device=phone)
        self.client.wait_event('write', char='fast/write', value='')
        self.client.wait_event('write', char='fast/write', value=b'x'.hex())
        self.assertEqual(len(self.acquired('AcquireWrite')), 1, 'the socket stayed open')

    def test_a_write_that_does_not_fit_is_dropped(self):
        phone = self.connect(PHONE)
        self.fake.write_command(WRITE, b'far too long', device=phone)
        self.fake.write_command(WRITE, b'fits', device=phone)
        event = self.client.wait_event('write', char='fast/write')
        self.assertEqual(event['value'], b'fits'.hex(), 'the long one never showed')
        self.assertIn('by socket dropped', self.gattd_log())

    def test_a_power_cycle_ends_the_sockets_and_subscribing_again_brings_one(self):
        phone = self.connect(PHONE)
        self.fake.subscribe(NOTIFY, device=phone)
        self.client.wait_event('subscribed', char='fast/notify')
        self.fake.set_powered('hci0', False)
        # The shared socket's end names the central its `subscribed` named.
        self.client.wait_event('unsubscribed', char='fast/notify', address=PHONE)
        self.fake.set_powered('hci0', True)
        self.wait_on_air()
        phone = self.connect(PHONE)
        self.fake.subscribe(NOTIFY, device=phone)
        self.client.wait_event('subscribed', char='fast/notify', address=PHONE)
        self.assertEqual(len(self.acquired('AcquireNotify')), 2)
        self.assertEqual([e['event'] for e in self.client.events_named('subscribed', 'unsubscribed')],
                         ['subscribed', 'unsubscribed', 'subscribed'], 'each once')


class PerCentralSocketsTest(SocketsTestCase):
    """5.72 (Ubuntu 24.04): one socket per central, but what is written to one goes to
    every subscriber."""
    bluez_version = '5.72'

    def test_sockets_are_per_central_but_set_cannot_target(self):
        self.assertEqual(self.client.ok('status')['sockets'], 'per-central')
        phone, tablet = self.connect(PHONE), self.connect(TABLET)
        self.fake.subscribe(NOTIFY, device=phone)
        self.fake.subscribe(NOTIFY, device=tablet)
        self.assertEqual(len(self.acquired('AcquireNotify')), 2)
        self.client.error_reply('not-supported', 'set', char='fast/notify', value='01', address=PHONE)
        devices = {d['address']: d['subscribed'] for d in self.client.ok('devices')['devices']}
        self.assertEqual(devices, {PHONE: ['fast/notify'], TABLET: ['fast/notify']})

    def test_writes_name_their_central(self):
        phone, tablet = self.connect(PHONE), self.connect(TABLET)
        self.fake.write_command(WRITE, b'p', device=phone)
        self.assertEqual(self.client.wait_event('write', char='fast/write')['address'], PHONE)
        self.fake.write_command(WRITE, b't', device=tablet)
        self.assertEqual(self.client.wait_event('write', char='fast/write', value=b't'.hex())['address'], TABLET)
        self.assertEqual(len(self.acquired('AcquireWrite')), 2)


class TargetedSocketsTest(SocketsTestCase):
    """5.87: a socket per central, and a datagram written to it reaches that central only."""
    bluez_version = '5.87'

    def subscribe_both(self):
        phone, tablet = self.connect(PHONE), self.connect(TABLET)
        self.fake.subscribe(NOTIFY, device=phone)
        self.fake.subscribe(NOTIFY, device=tablet)
        self.client.wait_event('subscribed', char='fast/notify', address=TABLET)
        return phone, tablet

    def test_set_with_an_address_reaches_that_central_alone(self):
        self.assertEqual(self.client.ok('status')['sockets'], 'targeted')
        phone, tablet = self.subscribe_both()
        reply = self.client.ok('set', char='fast/notify', value='07', address=PHONE)
        self.assertTrue(reply['notified'])
        self.wait_until(lambda: self.received(self.fake.fd_notifications, phone), 'the notification')
        self.assertEqual(self.received(self.fake.fd_notifications, phone), [b'\x07'])
        self.assertEqual(self.received(self.fake.fd_notifications, tablet), [])
        self.assertEqual(self.received(self.fake.value_notifications, tablet), [], 'no PropertiesChanged')
        self.assertEqual(self.client.ok('get', char='fast/notify')['value'], '07', 'and it is stored')
        # A plain set still reaches everyone.
        self.client.ok('set', char='fast/notify', value='08')
        self.wait_until(lambda: self.received(self.fake.value_notifications, tablet), 'the signal')
        self.assertEqual(self.received(self.fake.value_notifications, phone), [b'\x08'])

    def test_set_with_an_address_refuses_what_it_cannot_do_before_storing(self):
        phone, tablet = self.subscribe_both()
        self.fake.unsubscribe(NOTIFY, device=tablet)
        self.client.wait_event('unsubscribed', char='fast/notify', address=TABLET)
        cases = [
            ('not-subscribed', dict(char='fast/notify', value='01', address=TABLET)),
            ('not-found', dict(char='fast/notify', value='01', address='00:AA:01:01:00:77')),
            ('not-supported', dict(char='battery/level', value='01', address=PHONE)),
            ('invalid-value', dict(char='fast/notify', value='', address=PHONE)),
            ('bad-request', dict(char='fast/notify', value='01', address=PHONE, notify=False)),
        ]
        for code, fields in cases:
            with self.subTest(code=code):
                self.client.error_reply(code, 'set', **fields)
        self.assertEqual(self.client.ok('get', char='fast/notify')['value'], '00')
        self.assertEqual(self.client.ok('get', char='battery/level')['value'], '64')

    def test_a_central_that_leaves_takes_its_sockets(self):
        phone, tablet = self.subscribe_both()
        self.fake.disconnect_central(phone)
        event = self.client.wait_event('unsubscribed', char='fast/notify', address=PHONE)
        self.assertEqual(event['device'], phone)
        # The socket's end and Connected = false come in either order.
        self.wait_until(lambda: self.client.events_named('disconnected'), 'the disconnected event')
        self.client.error_reply('not-found', 'set', char='fast/notify', value='01', address=PHONE)
        self.assertEqual([d['subscribed'] for d in self.client.ok('devices')['devices']], [['fast/notify']])

    def test_a_plain_set_reaches_a_central_whose_socket_bluez_closed_by_mistake(self):
        # bluez#1452: an unbonded subscriber that leaves takes the earliest socket too.
        phone, tablet = self.subscribe_both()
        self.fake.disconnect_central(tablet)
        self.client.wait_event('unsubscribed', char='fast/notify', address=PHONE)
        self.assertEqual(self.fake.ccc_states(NOTIFY), {phone: 1}, 'bluetoothd still has it subscribed')
        reply = self.client.ok('set', char='fast/notify', value='09')
        self.assertTrue(reply['notified'])
        self.wait_until(lambda: self.received(self.fake.value_notifications, phone), 'the signal')

    def test_gattctl_set_device(self):
        phone, tablet = self.subscribe_both()
        self.assertEqual(self.gattctl('set', 'fast/notify', '0c', '--device', PHONE)[0], 0)
        self.wait_until(lambda: self.received(self.fake.fd_notifications, phone), 'the notification')
        self.assertEqual(self.received(self.fake.fd_notifications, tablet), [])
        self.fake.unsubscribe(NOTIFY, device=tablet)
        self.client.wait_event('unsubscribed', char='fast/notify', address=TABLET)
        code, _, err = self.gattctl('set', 'fast/notify', '0d', '--device', TABLET)
        self.assertEqual(code, 1, err)
        self.assertIn('(not-subscribed)', err)
        code, _, err = self.gattctl('set', 'fast/notify', '0d', '--device', 'phone')
        self.assertEqual(code, 2, err)

    def test_an_indication_confirmed_by_the_byte_on_its_socket(self):
        phone = self.connect(PHONE)
        self.fake.subscribe(INDICATE, device=phone, indicate=True)
        self.client.wait_event('subscribed', char='fast/indicate')
        self.client.ok('set', char='fast/indicate', value='05', address=PHONE)
        self.fake.confirm_indication(INDICATE, device=phone)
        self.client.wait_event('confirm', char='fast/indicate')

    def test_sockets_survive_a_reload_that_keeps_the_tree(self):
        phone, tablet = self.subscribe_both()
        with open(os.path.join(self.config, 'services.d', 'fast.conf'), 'w') as f:
            f.write(SOCKETS_CONF.replace('Value=hex:00\nAcquire=notify\n\n[Characteristic fast/indicate]',
                                         'Value=hex:11\nAcquire=notify\n\n[Characteristic fast/indicate]'))
        self.assertFalse(self.client.ok('reload')['reregistered'])
        self.assertEqual(self.client.ok('get', char='fast/notify')['value'], '11', 'the reload was applied')
        self.client.ok('set', char='fast/notify', value='0a', address=TABLET)
        self.wait_until(lambda: self.received(self.fake.fd_notifications, tablet), 'the notification')


class NotifyFrameTest(SocketsTestCase):
    """Notify frames on a channel (`channel`): what `set` with an address does, without a
    JSON line per notification."""
    bluez_version = '5.87'

    def setUp(self):
        super().setUp()
        self.phone, self.tablet = self.connect(PHONE), self.connect(TABLET)
        self.fake.subscribe(NOTIFY, device=self.phone)
        self.fake.subscribe(NOTIFY, device=self.tablet)
        self.client.wait_event('subscribed', char='fast/notify', address=TABLET)
        self.channel = ChannelClient(self, None)

    def test_notify_frames_reach_one_central_in_order(self):
        for i in range(1, 21):
            self.channel.notify('fast/notify', bytes([i]), address=PHONE, tag=i)
        self.wait_until(lambda: len(self.received(self.fake.fd_notifications, self.phone)) == 20, 'twenty')
        self.assertEqual(self.received(self.fake.fd_notifications, self.phone), [bytes([i]) for i in range(1, 21)])
        self.assertEqual(self.received(self.fake.fd_notifications, self.tablet), [])
        self.channel.sync()
        self.assertEqual(self.channel.errors, [], 'a notification that went out gets nothing back')
        self.assertEqual(self.client.ok('get', char='fast/notify')['value'], '14', 'the last one is stored')

    def test_a_notify_frame_without_address_reaches_every_subscriber(self):
        self.channel.notify('fast/notify', b'\x33')
        self.wait_until(lambda: all(self.received(self.fake.value_notifications, d) for d in (self.phone, self.tablet)),
                        'PropertiesChanged at both')
        self.channel.sync()
        self.assertEqual(self.channel.errors, [])

    def test_what_cannot_be_done_comes_back_as_an_error_frame_with_the_tag(self):
        self.fake.unsubscribe(NOTIFY, device=self.tablet)
        self.client.wait_event('unsubscribed', char='fast/notify', address=TABLET)
        cases = [
            ('not-subscribed', dict(char='fast/notify', value=b'\x01', address=TABLET)),
            ('not-found', dict(char='fast/notify', value=b'\x01', address='00:AA:01:01:00:77')),
            ('not-found', dict(char='fast/nothing', value=b'\x01', address=PHONE)),
            ('not-supported', dict(char='battery/level', value=b'\x01', address=PHONE)),
            ('invalid-value', dict(char='fast/notify', value=b'', address=PHONE)),
            ('invalid-value', dict(char='battery/level', value=b'\x01\x02')),
            ('bad-request', dict(char='fast/notify', value=b'\x01', address='00-AA-01-01-00-77')),
        ]
        for tag, (code, fields) in enumerate(cases, 100):
            with self.subTest(code=code, fields=fields):
                self.channel.notify(tag=tag, **fields)
                self.channel.expect_error(code, tag)
        self.assertEqual(self.client.ok('get', char='fast/notify')['value'], '00', 'nothing stored')
        # A frame off the layout: its tag comes back when it can be read.
        self.channel.send_frame(notify_body('fast/notify', b'\x01', PHONE, tag=7, reserved=b'\x01\x00\x00\x00'))
        self.channel.expect_error('bad-request', 7)
        self.channel.sync()

    def test_a_channel_is_refused_to_a_watcher_and_only_once(self):
        self.client.error_reply('bad-request', 'channel')
        other = LocalClient(self)
        other.ok('hello')
        self.assertEqual(other.ok('channel')['frames'], True)


if __name__ == '__main__':
    unittest.main()
