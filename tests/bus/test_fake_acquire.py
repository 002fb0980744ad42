# SPDX-License-Identifier: LGPL-2.1-or-later
"""The fake bluetoothd's AcquireNotify and AcquireWrite: per version, what a peer's CCC
write, a peer's write, a datagram on a notify fd, a confirmation and a disconnect make
bluetoothd do with an application characteristic exporting NotifyAcquired /
WriteAcquired (tests/vm/bluez-versions.md 8.2, 8.5, 8.6). AcquireApp, a MiniApp
(test_fakebluez) answering with socketpairs, plays the application; gattd is not
started."""

import select
import socket
import unittest

import dbus
import dbus.lowlevel

import fakebluez
from harness import CENTRAL_ADDRESS, DBusCallError, GattdTestCase
from test_fakebluez import MiniApp

CHRC = 'org.bluez.GattCharacteristic1'
NOTIFY = '/app/s/n'         # notify and indicate, NotifyAcquired
WRITE = '/app/s/w'          # write and write-without-response, WriteAcquired
PLAIN = '/app/s/p'          # notify, neither property
OTHER_ADDRESS = '66:55:44:33:22:11'


class AcquireApp(MiniApp):
    """A MiniApp with the characteristics above. It answers AcquireNotify and AcquireWrite
    as bluetoothctl's create_sock does: one end of socketpair(AF_UNIX, SOCK_SEQPACKET |
    SOCK_NONBLOCK | SOCK_CLOEXEC) and the mtu it was given, its own copy of that end
    closed; or with the next error of errors[member]. before_reply() runs before an
    Acquire* is answered. Every call from bluetoothd is in calls as (member, path,
    device named or None), the options of Acquire* calls in options, the values of
    WriteValue calls in values, and the ends it kept in ends as (member, path, device,
    socket)."""

    def __init__(self, test):
        super().__init__(test)
        self.calls = []
        self.options = []
        self.values = []
        self.ends = []
        self.errors = {}
        self.before_reply = lambda: None
        test.addCleanup(lambda: [end[3].close() for end in self.ends])
        self.add_service('/app/s')
        self.add_characteristic(NOTIFY, '/app/s', uuid='2a37', flags=('notify', 'indicate'))
        self.objects[NOTIFY][CHRC]['NotifyAcquired'] = dbus.Boolean(False)     # present: the value is not looked at
        self.add_characteristic(WRITE, '/app/s', uuid='2a3d', flags=('write', 'write-without-response'))
        self.objects[WRITE][CHRC]['WriteAcquired'] = dbus.Boolean(False)
        self.add_characteristic(PLAIN, '/app/s', uuid='2a38', flags=('notify',))

    def on_message(self, conn, msg):
        if msg.get_type() != dbus.lowlevel.MESSAGE_TYPE_METHOD_CALL or msg.get_member() not in (
                'AcquireNotify', 'AcquireWrite', 'StartNotify', 'StopNotify', 'Confirm', 'WriteValue'):
            return super().on_message(conn, msg)
        member, path, args = msg.get_member(), msg.get_path(), msg.get_args_list(byte_arrays=True)
        options = args[-1] if args else {}
        self.calls.append((member, path, str(options['device']) if 'device' in options else None))
        if member == 'WriteValue':
            self.values.append(bytes(args[0]))
        if msg.get_no_reply():
            return
        if self.errors.get(member):
            conn.send_message(dbus.lowlevel.ErrorMessage(msg, self.errors[member].pop(0), 'injected'))
            return
        if not member.startswith('Acquire'):
            return self.reply(msg)
        self.options.append(fakebluez.to_python(options))
        self.before_reply()
        ours, theirs = socket.socketpair(socket.AF_UNIX,
                                         socket.SOCK_SEQPACKET | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC)
        self.ends.append((member, path, str(options['device']), ours))
        self.reply(msg, 'hq', dbus.types.UnixFd(theirs), options['mtu'])
        theirs.close()

    def end(self, member, device, path=None):
        """The application's end of the latest fd member gave device."""
        path = path or (NOTIFY if member == 'AcquireNotify' else WRITE)
        return [e[3] for e in self.ends if e[:3] == (member, path, device)][-1]

    def emit(self, path, changed, invalidated=()):
        """PropertiesChanged(GattCharacteristic1) on path."""
        signal = dbus.lowlevel.SignalMessage(path, 'org.freedesktop.DBus.Properties', 'PropertiesChanged')
        signal.append(CHRC, dbus.Dictionary(changed, signature='sv'), dbus.Array(invalidated, signature='s'),
                      signature='sa{sv}as')
        self.conn.send_message(signal)

    def named(self, *members):
        """The calls of those members, in order."""
        return [c for c in self.calls if c[0] in members]


def _poll(sock):
    """The poll(2) events of the application's end of a socket, now."""
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLHUP)
    return dict(poller.poll(0)).get(sock.fileno(), 0)


class AcquireTestCase(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.fake.start()
        self.fake.set_powered('hci0', True)     # off at start before 5.65 (no AutoEnable)
        self.app = AcquireApp(self)
        self.assertIsNone(self.app.register())
        self.a = self.fake.device_path('hci0', CENTRAL_ADDRESS)
        self.b = self.fake.device_path('hci0', OTHER_ADDRESS)

    def sync(self):
        """A round trip to the application: bluetoothd has seen what it sent before."""
        self.fake.call_app(self.app.name, '/', 'org.freedesktop.DBus.Peer', 'Ping')

    def hup(self, sock):
        """Whether bluetoothd closed its end (waiting for nothing)."""
        return bool(_poll(sock) & select.POLLHUP)

    def wait_hup(self, *socks):
        """Wait until bluetoothd's end of each sock is closed: the last copy of a
        descriptor passed over D-Bus can live a moment longer than the fake's close
        (a received message not yet collected), slower under valgrind."""
        self.wait_until(lambda: all(self.hup(s) for s in socks), 'bluetoothd to close its ends')
        return True

    def receive(self, sock):
        """The next datagram bluetoothd sent on sock."""
        self.wait_until(lambda: _poll(sock) & select.POLLIN, 'a datagram from bluetoothd')
        return sock.recv(1024)

    def send(self, sock, data, count=1):
        """The application sends data on its end; returns once the fake has read it
        (count more fd_notifications)."""
        mark = len(self.fake.fd_notifications)
        sock.send(data)
        self.wait_until(lambda: len(self.fake.fd_notifications) >= mark + count, 'the datagram to be read')
        self.sync()
        return self.fake.fd_notifications[mark:]

    def acquires(self, member='AcquireNotify'):
        return [(c[1], c[2], c[4]) for c in self.fake.acquire_calls if c[0] == member]


class Acquire566Test(AcquireTestCase):
    # bluez_version: the default, 5.66 (one shared fd per characteristic)

    def test_fake_5_66_acquires_notify_once_for_the_first_subscriber_and_closes_it_after_the_last(self):
        self.fake.subscribe(NOTIFY)
        self.fake.subscribe(NOTIFY, self.b)
        self.fake.subscribe(NOTIFY, self.b)                     # identical: nothing
        self.assertEqual(self.fake.acquire_calls, [('AcquireNotify', NOTIFY, self.a, 185, 'ok')])
        self.assertEqual(self.app.calls, [('AcquireNotify', NOTIFY, self.a)])
        self.assertEqual(self.fake.notify_fds(NOTIFY), {self.a: True})
        self.assertEqual(self.fake.ccc_states(NOTIFY), {self.a: 1, self.b: 1})
        end = self.app.end('AcquireNotify', self.a)
        self.fake.unsubscribe(NOTIFY)
        self.assertFalse(self.hup(end))
        self.fake.unsubscribe(NOTIFY, self.b)
        self.assertTrue(self.wait_hup(end))
        self.assertEqual(self.fake.notify_fds(NOTIFY), {self.a: False})
        self.assertEqual(len(self.app.calls), 1, 'no StartNotify or StopNotify')

    def test_fake_stores_the_ccc_before_the_acquire_notify_reply(self):
        self.app.before_reply = lambda: self.app.emit(NOTIFY, {'Value': dbus.ByteArray(b'v')})
        self.fake.subscribe(NOTIFY, mtu=247)
        self.assertEqual(self.fake.value_notifications, [(self.a, NOTIFY, b'v', 'notify')])
        self.assertEqual(self.app.options, [{'device': self.a, 'link': 'LE', 'mtu': 247}])

    def test_fake_5_66_sends_a_datagram_to_every_subscriber_cut_to_each_mtu_and_confirms_by_dbus(self):
        self.fake.subscribe(NOTIFY, mtu=23)
        self.fake.subscribe(NOTIFY, self.b, indicate=True)
        end = self.app.end('AcquireNotify', self.a)
        self.assertEqual(self.send(end, b'x' * 30, 2), [(self.a, NOTIFY, b'x' * 20, 'notify'),
                                                        (self.b, NOTIFY, b'x' * 30, 'indicate')])
        self.fake.confirm_indication(NOTIFY, self.b)
        self.assertEqual(self.app.named('Confirm'), [('Confirm', NOTIFY, None)])
        self.assertEqual(self.fake.calls_named('GattCharacteristic1.Confirm'), [(NOTIFY, False)])
        self.assertFalse(_poll(end) & select.POLLIN, 'no confirmation byte before 5.80')

    def test_fake_5_66_acquires_write_once_per_characteristic_and_keeps_it_past_disconnects(self):
        self.fake.write_command(WRITE, b'1')
        self.fake.write_request(WRITE, b'2', device=self.b)
        self.assertEqual(self.acquires('AcquireWrite'), [(WRITE, self.a, 'ok')])
        end = self.app.end('AcquireWrite', self.a)
        self.assertEqual([self.receive(end), self.receive(end)], [b'1', b'2'])
        self.fake.disconnect_central(self.a)
        self.fake.disconnect_central(self.b)
        self.assertEqual(self.fake.write_fds(WRITE), {self.a: True})
        self.assertFalse(self.hup(end))
        self.fake.write_command(WRITE, b'3', device=self.b)
        self.assertEqual(self.receive(end), b'3')
        self.assertEqual(self.app.named('AcquireWrite', 'WriteValue'), [('AcquireWrite', WRITE, self.a)])

    def test_fake_acquire_notify_failed_does_nothing_and_another_error_falls_back_to_start_notify(self):
        self.app.errors['AcquireNotify'] = [fakebluez.ERROR_FAILED, 'org.freedesktop.DBus.Error.Failed']
        self.fake.subscribe(NOTIFY)
        self.assertEqual(self.app.named('StartNotify'), [])
        self.assertEqual(self.fake.ccc_states(NOTIFY), {self.a: 1})
        self.app.emit(NOTIFY, {'Value': dbus.ByteArray(b'v')})
        self.sync()
        self.assertEqual(self.fake.value_notifications, [(self.a, NOTIFY, b'v', 'notify')],
                         'PropertiesChanged still reaches it')
        self.fake.subscribe(NOTIFY, self.b)
        self.assertEqual(self.acquires(), [(NOTIFY, self.a, fakebluez.ERROR_FAILED),
                                           (NOTIFY, self.b, 'org.freedesktop.DBus.Error.Failed')])
        self.assertEqual(self.app.named('StartNotify'), [('StartNotify', NOTIFY, None)])
        self.assertEqual(self.fake.calls_named('GattCharacteristic1.StartNotify'), [(NOTIFY, False)])
        self.assertEqual(self.fake.notify_fds(NOTIFY), {})

    def test_fake_5_66_acquire_write_error_other_than_0x0e_answers_the_first_write_and_sticks_the_rest(self):
        self.app.errors['AcquireWrite'] = ['org.bluez.Error.NotPermitted']
        self.assertAtt(0x03, True, self.fake.write_request, WRITE, b'1')
        with self.assertRaises(fakebluez.AttError) as raised:
            self.fake.write_request(WRITE, b'2', device=self.b)
        self.assertEqual(raised.exception.code, 0x0e)
        self.fake.write_command(WRITE, b'3')
        self.assertEqual(self.app.named('AcquireWrite', 'WriteValue'), [('AcquireWrite', WRITE, self.a)])
        self.assertEqual([(w[1], w[2]) for w in self.fake.lost_writes], [(self.a, b'1'), (self.b, b'2'), (self.a, b'3')])

    def test_fake_acquire_write_error_mapping_to_0x0e_falls_back_to_write_value_expecting_a_reply(self):
        self.app.errors['AcquireWrite'] = ['org.example.Error.Unknown']
        self.fake.write_command(WRITE, b'1')
        self.assertEqual(self.app.named('AcquireWrite', 'WriteValue'), [('AcquireWrite', WRITE, self.a),
                                                                         ('WriteValue', WRITE, self.a)])
        self.assertEqual(self.app.values, [b'1'])
        self.assertEqual(self.fake.calls_named('GattCharacteristic1.WriteValue'), [(WRITE, True)],
                         'a reply expected, write-without-response or not')
        self.fake.write_command(WRITE, b'2')
        self.assertEqual(self.acquires('AcquireWrite'), [(WRITE, self.a, 'org.example.Error.Unknown'),
                                                         (WRITE, self.a, 'ok')])

    def test_fake_follows_notify_acquired_appearing_and_being_invalidated(self):
        self.fake.subscribe(PLAIN)
        self.app.emit(PLAIN, {'NotifyAcquired': dbus.Boolean(True)})
        self.app.emit(NOTIFY, {}, ['NotifyAcquired'])
        self.sync()
        self.fake.subscribe(PLAIN, self.b)
        self.fake.subscribe(NOTIFY)
        self.assertEqual(self.app.calls, [('StartNotify', PLAIN, None), ('AcquireNotify', PLAIN, self.b),
                                          ('StartNotify', NOTIFY, None)])

    def test_fake_never_reads_again_after_an_empty_datagram_and_keeps_the_fd_open(self):
        self.fake.subscribe(NOTIFY)
        end = self.app.end('AcquireNotify', self.a)
        self.assertEqual(self.send(end, b'first'), [(self.a, NOTIFY, b'first', 'notify')])
        end.send(b'')
        self.sync()
        end.send(b'late')
        self.sync()
        self.assertEqual(len(self.fake.fd_notifications), 1)
        self.assertEqual(self.fake.notify_fds(NOTIFY), {self.a: True})
        self.assertFalse(self.hup(end))

    def test_fake_closes_every_fd_when_the_application_unregisters(self):
        self.fake.subscribe(NOTIFY)
        self.fake.write_command(WRITE, b'1')
        self.assertIsNone(self.app.call('hci0', 'org.bluez.GattManager1', 'UnregisterApplication', '/app'))
        self.assertTrue(self.wait_hup(*(e[3] for e in self.app.ends)))
        self.assertEqual((self.fake.notify_fds(NOTIFY), self.fake.write_fds(WRITE)),
                         ({self.a: False}, {self.a: False}))

    def test_fake_closes_every_fd_when_the_application_leaves_the_bus(self):
        self.fake.subscribe(NOTIFY)
        self.app.conn.close()
        self.wait_hup(self.app.ends[0][3])

    def test_fake_closes_every_fd_when_bluetoothd_stops(self):
        self.fake.write_command(WRITE, b'1')
        self.fake.stop(clean=False)
        self.assertTrue(self.wait_hup(self.app.ends[0][3]))


class Acquire572Test(AcquireTestCase):
    bluez_version = '5.72'      # per-device fds, datagrams still to every subscriber

    def test_fake_5_72_acquires_per_device_and_sends_a_datagram_to_every_subscriber(self):
        self.fake.subscribe(NOTIFY)
        self.fake.subscribe(NOTIFY, self.b, indicate=True)
        self.assertEqual(self.acquires(), [(NOTIFY, self.a, 'ok'), (NOTIFY, self.b, 'ok')])
        self.assertEqual(self.app.options, [{'device': d, 'link': 'LE', 'mtu': 185} for d in (self.a, self.b)])
        self.assertEqual(self.fake.notify_fds(NOTIFY), {self.a: True, self.b: True})
        self.assertEqual(self.send(self.app.end('AcquireNotify', self.a), b'v', 2),
                         [(self.a, NOTIFY, b'v', 'notify'), (self.b, NOTIFY, b'v', 'indicate')])
        self.fake.confirm_indication(NOTIFY, self.b)
        self.assertEqual(self.app.named('Confirm'), [('Confirm', NOTIFY, None)])

    def test_fake_5_72_acquires_write_per_device_and_closes_a_device_s_fds_at_its_disconnect(self):
        self.fake.write_command(WRITE, b'1')
        self.fake.write_command(WRITE, b'2', device=self.b)
        self.fake.subscribe(NOTIFY)
        self.assertEqual(self.acquires('AcquireWrite'), [(WRITE, self.a, 'ok'), (WRITE, self.b, 'ok')])
        self.assertEqual([self.receive(self.app.end('AcquireWrite', d)) for d in (self.a, self.b)], [b'1', b'2'])
        self.fake.disconnect_central(self.a)
        self.assertEqual(self.fake.write_fds(WRITE), {self.a: False, self.b: True})
        self.assertEqual(self.fake.notify_fds(NOTIFY), {self.a: False})
        self.assertTrue(self.wait_hup(self.app.end('AcquireWrite', self.a), self.app.end('AcquireNotify', self.a)))
        self.assertEqual(self.fake.ccc_states(NOTIFY), {}, 'an unbonded device leaves no CCC state')
        self.fake.write_command(WRITE, b'3')
        self.assertEqual(self.acquires('AcquireWrite')[-1], (WRITE, self.a, 'ok'))

    def test_fake_5_72_sends_no_acquire_notify_after_the_application_closed_its_end_until_the_ccc_changes(self):
        self.fake.subscribe(NOTIFY)
        self.app.end('AcquireNotify', self.a).close()
        self.wait_until(lambda: self.fake.notify_fds(NOTIFY) == {self.a: False}, 'bluetoothd to see HUP')
        self.fake.subscribe(NOTIFY)
        self.assertEqual(self.fake.ccc_states(NOTIFY), {self.a: 1})
        self.fake.unsubscribe(NOTIFY)
        self.assertEqual(self.app.calls, [('AcquireNotify', NOTIFY, self.a), ('StopNotify', NOTIFY, None)],
                         'the count reaches 0 with no fd: StopNotify')
        self.fake.subscribe(NOTIFY)
        self.assertEqual(self.acquires(), [(NOTIFY, self.a, 'ok'), (NOTIFY, self.a, 'ok')])
        self.assertEqual(self.fake.notify_fds(NOTIFY), {self.a: True})


class Acquire582Test(AcquireTestCase):
    bluez_version = '5.82'      # per-device fds, targeted datagrams, confirmation bytes

    def test_fake_5_82_sends_a_datagram_to_its_device_only_and_confirms_with_a_byte(self):
        self.fake.subscribe(NOTIFY, indicate=True)
        self.fake.subscribe(NOTIFY, self.b, mtu=517)
        end = self.app.end('AcquireNotify', self.a)
        self.assertEqual(self.send(end, b'v'), [(self.a, NOTIFY, b'v', 'indicate')])
        self.fake.confirm_indication(NOTIFY)
        self.assertEqual(self.receive(end), b'\x01')
        self.assertEqual(self.send(self.app.end('AcquireNotify', self.b), b'w' * 600),
                         [(self.b, NOTIFY, b'w' * 512, 'notify')], 'read(fd, 512)')
        self.assertEqual(self.app.named('Confirm'), [])

    def test_fake_5_82_confirms_an_indication_from_properties_changed_by_dbus(self):
        self.fake.subscribe(NOTIFY, indicate=True)
        self.app.emit(NOTIFY, {'Value': dbus.ByteArray(b'v')})
        self.fake.confirm_indication(NOTIFY)
        self.assertEqual(self.fake.value_notifications, [(self.a, NOTIFY, b'v', 'indicate')])
        self.assertEqual(self.app.named('Confirm'), [('Confirm', NOTIFY, None)])
        self.assertFalse(_poll(self.app.end('AcquireNotify', self.a)) & select.POLLIN)

    def test_fake_5_82_acquires_write_again_after_an_error(self):
        self.app.errors['AcquireWrite'] = ['org.bluez.Error.NotPermitted']
        with self.assertRaises(DBusCallError):
            self.fake.write_request(WRITE, b'1')
        self.fake.write_request(WRITE, b'2')
        self.assertEqual(self.receive(self.app.end('AcquireWrite', self.a)), b'2')


class Acquire587Test(AcquireTestCase):
    bluez_version = '5.87'

    def subscribe_both(self):
        self.fake.subscribe(NOTIFY)
        self.fake.subscribe(NOTIFY, self.b)
        return self.app.end('AcquireNotify', self.a), self.app.end('AcquireNotify', self.b)

    def test_fake_5_87_closes_the_earliest_subscriber_s_fd_too_when_an_unbonded_one_leaves(self):
        self.assertTrue(self.fake.wrong_fd_bug)
        first, second = self.subscribe_both()
        self.fake.disconnect_central(self.b)
        self.assertTrue(self.wait_hup(first, second))
        self.assertEqual(self.fake.notify_fds(NOTIFY), {self.a: False, self.b: False})
        self.assertEqual(self.fake.ccc_states(NOTIFY), {self.a: 1}, 'still subscribed inside bluetoothd')
        self.fake.unsubscribe(NOTIFY)
        self.assertEqual(self.app.named('StartNotify', 'StopNotify'), [('StopNotify', NOTIFY, None)],
                         'a StopNotify with no StartNotify before it')

    def test_fake_5_87_without_the_bug_closes_only_the_leaving_subscriber_s_fd(self):
        self.fake.wrong_fd_bug = False
        first, second = self.subscribe_both()
        self.fake.disconnect_central(self.b)
        self.wait_hup(second)
        self.assertFalse(self.hup(first))
        self.assertEqual(self.send(first, b'v'), [(self.a, NOTIFY, b'v', 'notify')])

    def test_fake_5_87_keeps_a_bonded_subscriber_s_ccc_and_asks_nothing_when_it_writes_it_again(self):
        self.fake.connect_central(address=OTHER_ADDRESS, bonded=True)
        first, second = self.subscribe_both()
        self.fake.disconnect_central(self.b)
        self.wait_hup(second)
        self.assertFalse(self.hup(first))
        self.fake.subscribe(NOTIFY, self.b)
        self.assertEqual(self.acquires(), [(NOTIFY, self.a, 'ok'), (NOTIFY, self.b, 'ok')])
        self.assertEqual(self.fake.ccc_states(NOTIFY), {self.a: 1, self.b: 1})
        self.app.emit(NOTIFY, {'Value': dbus.ByteArray(b'v')})
        self.sync()
        self.assertEqual([n[0] for n in self.fake.value_notifications], [self.a, self.b])


class Acquire555Test(AcquireTestCase):
    bluez_version = '5.55'

    def test_fake_5_55_falls_back_to_write_value_expecting_no_reply_and_never_answers(self):
        self.app.errors['AcquireWrite'] = ['org.example.Error.Unknown']
        with self.assertRaises(fakebluez.AttError) as raised:
            self.fake.write_request(WRITE, b'1')
        self.assertEqual(raised.exception.code, 0x0e)
        self.assertEqual(self.app.values, [b'1'])
        self.assertEqual(self.fake.calls_named('GattCharacteristic1.WriteValue'), [(WRITE, False)])

    def test_fake_5_55_sends_nothing_to_notify_only_subscribers_of_an_indicate_characteristic(self):
        self.fake.subscribe(NOTIFY)
        self.fake.subscribe(NOTIFY, self.b, indicate=True)
        self.assertEqual(self.send(self.app.end('AcquireNotify', self.a), b'v'), [(self.b, NOTIFY, b'v', 'indicate')])


if __name__ == '__main__':
    unittest.main()
