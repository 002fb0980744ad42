"""Local clients (docs/protocol.md) meeting the central: notifications and captured writes."""

import json
import socket
import unittest

from harness import COMMAND, LABEL, LEVEL, GattdTestCase


class LocalClient:
    """One connection to gattd's socket; requests are answered in order."""

    def __init__(self, test):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        test.addCleanup(self.sock.close)
        self.sock.settimeout(10)
        self.sock.connect(test.socket_path)
        self.buffer = b''

    def request(self, cmd, **fields):
        self.sock.sendall(json.dumps(dict(cmd=cmd, **fields)).encode() + b'\n')
        while True:
            line = self.read_line()
            if 'event' not in line:
                return line

    def read_line(self):
        while b'\n' not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError('gattd closed the client connection')
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b'\n', 1)
        return json.loads(line)


class LocalClientTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.client = LocalClient(self)

    def test_set_on_subscribed_characteristic_notifies_the_central(self):
        self.fake.start_notify(LEVEL)
        reply = self.client.request('set', char='battery/level', typed=42)
        self.assertEqual((reply['ok'], reply['notified'], reply['subscribed']), (True, True, True), reply)
        self.wait_until(lambda: self.fake.notifications, 'the notification to reach bluetoothd')
        self.assertEqual(self.fake.notifications, [(LEVEL, bytes([42]))])
        self.assertEqual(self.fake.read_value(LEVEL), bytes([42]))

    def test_set_without_subscriber_changes_the_value_and_notifies_nobody(self):
        reply = self.client.request('set', char='battery/level', value='07')
        self.assertEqual((reply['ok'], reply['notified'], reply['subscribed']), (True, False, False), reply)
        self.assertEqual(self.fake.read_value(LEVEL), b'\x07')
        self.sync_with_gattd()
        self.assertEqual(self.fake.notifications, [])

    def test_set_with_notify_false_does_not_notify_a_subscribed_central(self):
        self.fake.start_notify(LEVEL)
        reply = self.client.request('set', char='battery/level', typed=9, notify=False)
        self.assertEqual((reply['ok'], reply['notified']), (True, False), reply)
        self.assertEqual(self.fake.read_value(LEVEL), b'\x09')
        self.sync_with_gattd()
        self.assertEqual(self.fake.notifications, [])

    def test_value_written_by_the_central_is_what_get_returns(self):
        self.fake.write_value(LABEL, b'from-central')
        reply = self.client.request('get', char='settings/label')
        self.assertEqual(reply['value'], b'from-central'.hex(), reply)

    def test_central_writes_to_a_capture_characteristic_are_queued_in_order(self):
        self.fake.write_value(COMMAND, b'one')
        self.fake.write_value(COMMAND, b'two')
        first = self.client.request('next-write', char='battery/command', timeout_ms=5000)
        second = self.client.request('next-write', char='battery/command', timeout_ms=5000)
        self.assertEqual((first['value'], second['value']), (b'one'.hex(), b'two'.hex()))
        self.assertEqual(first['device'], self.fake.device_path('hci0'))

    def test_captured_writes_survive_a_bluetoothd_restart(self):
        self.fake.write_value(COMMAND, b'before')
        self.fake.stop(clean=False)
        self.fake.start()
        self.wait_app_registered('hci0')
        self.fake.write_value(COMMAND, b'after')
        values = [self.client.request('next-write', char='battery/command', timeout_ms=5000)['value']
                  for _ in range(2)]
        self.assertEqual(values, [b'before'.hex(), b'after'.hex()])


if __name__ == '__main__':
    unittest.main()
