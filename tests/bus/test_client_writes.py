# SPDX-License-Identifier: LGPL-2.1-or-later
"""A central's writes reaching local clients: write events to watchers, next-write (also
for a client that shut its side), capture overflow."""

import socket
import unittest

from clients import LocalClient
from harness import BATTERY_CONF, CENTRAL_ADDRESS, COMMAND, DEFAULT_SERVICES, LABEL, LEVEL, THRESHOLD, GattdTestCase


class WriteEventTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.device = self.fake.device_path('hci0')
        self.client = LocalClient(self)

    def test_central_write_reaches_a_watcher_as_a_write_event(self):
        self.assertEqual(self.client.watch()['chars'], None)
        self.fake.write_value(LABEL, b'hello')
        event = self.client.wait_event('write')
        self.assertEqual(event, {'event': 'write', 'char': 'settings/label', 'value': b'hello'.hex(),
                                 'offset': 0, 'device': self.device, 'address': CENTRAL_ADDRESS})

    def test_write_event_carries_the_typed_value_when_the_characteristic_has_a_type(self):
        self.client.watch()
        self.fake.write_value(THRESHOLD, (4660).to_bytes(2, 'little'))
        event = self.client.wait_event('write')
        self.assertEqual((event['char'], event['value'], event['typed'], event['offset']),
                         ('settings/threshold', '3412', 4660, 0))

    def test_write_event_at_an_offset_has_the_offset_and_the_bytes_written(self):
        self.client.watch()
        self.fake.write_value(LABEL, b'XY', offset=2)
        event = self.client.wait_event('write')
        self.assertEqual((event['value'], event['offset']), (b'XY'.hex(), 2))
        # The head before the offset is kept, the rest replaced.
        self.assertEqual(self.client.ok('get', char='settings/label')['value'], b'gaXY'.hex())

    def test_write_event_for_part_of_a_typed_value_has_no_typed_field(self):
        self.client.watch()
        self.fake.write_value(THRESHOLD, b'\x01', offset=1)
        event = self.client.wait_event('write')
        self.assertEqual((event['value'], event['offset']), ('01', 1))
        self.assertNotIn('typed', event)

    def test_write_event_names_the_device_that_wrote(self):
        self.client.watch()
        other = self.fake.device_path('hci0', '66:55:44:33:22:11')
        self.fake.write_value(LABEL, b'a', device=other)
        self.fake.write_value(LABEL, b'b')
        self.assertEqual([e['device'] for e in (self.client.wait_event('write'), self.client.wait_event('write'))],
                         [other, self.device])

    def test_watch_with_chars_gets_write_events_only_for_those(self):
        self.assertEqual(self.client.watch(['settings/label'])['chars'], ['settings/label'])
        self.fake.write_value(THRESHOLD, b'\x01\x00')
        self.fake.write_value(COMMAND, b'cmd')
        self.fake.write_value(LABEL, b'mine')
        self.client.wait_event('write', char='settings/label')
        self.assertEqual([e['char'] for e in self.client.events_named('write')], ['settings/label'])

    def test_every_watcher_gets_every_write_in_order(self):
        other = LocalClient(self)
        self.client.watch()
        other.watch()
        values = [b'w%d' % i for i in range(10)]
        for value in values:
            self.fake.write_value(COMMAND, value)
        for client in (self.client, other):
            client.sync()
            self.assertEqual([bytes.fromhex(e['value']) for e in client.events_named('write')], values)

    def test_unwatch_stops_write_events(self):
        self.client.watch()
        self.fake.write_value(LABEL, b'seen')
        self.client.wait_event('write')
        self.client.ok('unwatch')
        self.fake.write_value(LABEL, b'unseen')
        self.client.sync()      # gattd sends the event before it answers the central
        self.assertEqual([e['value'] for e in self.client.events_named('write')], [b'seen'.hex()])

    def test_client_that_did_not_watch_gets_no_events(self):
        self.fake.write_value(LABEL, b'x')
        self.fake.start_notify(LEVEL)
        self.client.sync()
        self.assertEqual(self.client.events, [])


class NextWriteTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.device = self.fake.device_path('hci0')
        self.client = LocalClient(self)

    def test_next_write_returns_a_queued_write_at_once(self):
        self.fake.write_value(COMMAND, b'hi\n')
        reply = self.client.ok('next-write', char='battery/command')
        self.assertEqual(reply, {'id': reply['id'], 'ok': True, 'char': 'battery/command',
                                 'value': b'hi\n'.hex(), 'offset': 0, 'device': self.device,
                                 'address': CENTRAL_ADDRESS, 'seq': 1, 'queued': 0})

    def test_next_write_waiting_is_woken_by_the_next_central_write(self):
        request = self.client.send('next-write', char='battery/command')
        self.client.sync()      # answered while next-write waits
        self.assertNotIn(request, self.client.replies)
        self.fake.write_value(COMMAND, b'wake')
        reply = self.client.wait_reply(request)
        self.assertEqual((reply['ok'], reply['value'], reply['seq'], reply['queued']),
                         (True, b'wake'.hex(), 1, 0))

    def test_next_write_returns_writes_in_order_with_increasing_seq_and_queued_count(self):
        values = [b'one', b'two', b'three', b'four']
        for value in values:
            self.fake.write_value(COMMAND, value)
        self.assertEqual(self.client.ok('status')['captured'], 4)
        replies = [self.client.ok('next-write', char='battery/command') for _ in values]
        self.assertEqual([(bytes.fromhex(r['value']), r['seq'], r['queued']) for r in replies],
                         [(b'one', 1, 3), (b'two', 2, 2), (b'three', 3, 1), (b'four', 4, 0)])
        self.assertEqual(self.client.ok('status')['captured'], 0)

    def test_next_write_keeps_the_order_when_writes_and_requests_interleave(self):
        seen = []
        for i in range(6):
            self.fake.write_value(COMMAND, b'%d' % i)
            if i % 2:
                seen += [self.client.ok('next-write', char='battery/command') for _ in range(2)]
        self.assertEqual([(r['value'], r['seq']) for r in seen],
                         [((b'%d' % i).hex(), i + 1) for i in range(6)])

    def test_waiting_clients_are_served_oldest_first(self):
        clients = [self.client, LocalClient(self), LocalClient(self)]
        requests = []
        for client in clients:
            requests.append(client.send('next-write', char='battery/command'))
            client.sync()
        for i in range(3):
            self.fake.write_value(COMMAND, b'%d' % i)
        values = [client.wait_reply(request)['value'] for client, request in zip(clients, requests)]
        self.assertEqual(values, [b'0'.hex(), b'1'.hex(), b'2'.hex()])

    def test_write_is_queued_and_delivered_to_a_watcher_as_well(self):
        self.client.watch()
        self.fake.write_value(COMMAND, b'both')
        self.assertEqual(self.client.wait_event('write')['value'], b'both'.hex())
        self.assertEqual(self.client.ok('next-write', char='battery/command')['value'], b'both'.hex())

    def test_next_write_with_timeout_and_no_write_gets_timeout(self):
        error = self.client.error_reply('timeout', 'next-write', char='battery/command', timeout_ms=20)
        self.assertIn('timeout', error['message'])
        # The timed-out wait is gone: the next write is queued, not handed to it.
        self.fake.write_value(COMMAND, b'later')
        self.assertEqual(self.client.ok('status')['captured'], 1)

    def test_next_write_with_timeout_0_and_empty_queue_gets_timeout_at_once(self):
        self.client.error_reply('timeout', 'next-write', char='battery/command', timeout_ms=0)
        self.fake.write_value(COMMAND, b'x')
        self.assertEqual(self.client.ok('next-write', char='battery/command', timeout_ms=0)['value'], '78')

    def test_second_next_write_on_one_connection_is_busy(self):
        first = self.client.send('next-write', char='battery/command')
        error = self.client.error_reply('busy', 'next-write', char='battery/command')
        self.assertIn('battery/command', error['message'])
        self.fake.write_value(COMMAND, b'first')
        self.assertEqual(self.client.wait_reply(first)['value'], b'first'.hex())

    def test_next_write_on_a_characteristic_without_capture_is_not_capture(self):
        error = self.client.error_reply('not-capture', 'next-write', char='settings/label')
        self.assertIn('settings/label', error['message'])

    def test_writes_to_other_characteristics_are_not_captured(self):
        self.fake.write_value(LABEL, b'not captured')
        self.assertEqual(self.client.ok('status')['captured'], 0)


class CaptureOverflowTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        services = dict(DEFAULT_SERVICES, **{'battery.conf': BATTERY_CONF.replace('Capture=16', 'Capture=3')})
        self.start_registered(services=services)
        self.client = LocalClient(self)

    def test_capture_overflow_drops_the_oldest_tells_watchers_and_counts_in_status(self):
        self.client.watch()
        self.fake.write_values(COMMAND, [b'%d' % i for i in range(1, 6)])   # 5 writes into 3 places
        self.client.sync()
        self.assertEqual(self.client.events_named('capture-overflow'), [
            {'event': 'capture-overflow', 'char': 'battery/command', 'dropped': 1, 'overflows': 1},
            {'event': 'capture-overflow', 'char': 'battery/command', 'dropped': 1, 'overflows': 2},
        ])
        # Each overflow event follows the write event that caused it.
        names = [e['event'] for e in self.client.events_named('write', 'capture-overflow')]
        self.assertEqual(names, ['write'] * 3 + ['write', 'capture-overflow'] * 2)
        status = self.client.ok('status')
        self.assertEqual((status['captured'], status['overflows']), (3, 2))
        replies = [self.client.ok('next-write', char='battery/command') for _ in range(3)]
        self.assertEqual([(r['value'], r['seq']) for r in replies],
                         [(b'3'.hex(), 3), (b'4'.hex(), 4), (b'5'.hex(), 5)])
        status = self.client.ok('status')
        self.assertEqual((status['captured'], status['overflows']), (0, 2))

    def test_capture_overflow_event_respects_the_watch_filter(self):
        self.client.watch(['settings/label'])
        self.fake.write_values(COMMAND, [b'x'] * 4)
        self.fake.write_value(LABEL, b'mine')
        self.client.wait_event('write', char='settings/label')
        self.assertEqual(self.client.events_named('capture-overflow'), [])
        self.assertEqual(self.client.ok('status')['overflows'], 1)


class HalfClosedNextWriteTest(GattdTestCase):
    """A client that shuts its writing side after next-write (as
    `printf '{"cmd":"next-write",...}\\n' | socat - UNIX-CONNECT:...` does) still gets
    that request's reply, whatever it is, and only then does gattd close the connection."""

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.other = LocalClient(self)

    def shut_while_waiting(self, **fields):
        """A client sends next-write on battery/command (with fields) and hello, then
        shuts its side; returns it once gattd has read the end of the stream."""
        client = LocalClient(self)
        self.waiting = client.send('next-write', char='battery/command', **fields)
        self.hello = client.send('hello')
        client.sock.shutdown(socket.SHUT_WR)
        self.wait_until(lambda: client.eof or 'shut its side while waiting in next-write' in self.gattd_log(),
                        'gattd to read the end of the stream')
        self.assertEqual(client.wait_reply(self.hello)['daemon'], 'gattd')
        return client

    def assert_answered_then_closed(self, client):
        """The next-write reply arrives, after the hello's, then the end of the stream."""
        reply = client.wait_reply(self.waiting)
        client.wait_closed()
        self.assertEqual([line.get('id') for line in client.lines], [self.hello, self.waiting])
        return reply

    def test_next_write_of_a_client_that_shut_its_side_gets_the_next_write_then_the_close(self):
        client = self.shut_while_waiting()
        self.fake.write_value(COMMAND, b'late')
        reply = self.assert_answered_then_closed(client)
        self.assertEqual((reply['ok'], reply['value']), (True, b'late'.hex()))
        self.assertEqual(self.other.ok('status')['captured'], 0)

    def test_next_write_with_timeout_of_a_client_that_shut_its_side_gets_timeout_then_the_close(self):
        client = self.shut_while_waiting(timeout_ms=200)
        client.expect_error(self.assert_answered_then_closed(client), 'timeout')

    def test_next_write_of_a_client_that_shut_its_side_gets_disconnected_at_power_off_then_the_close(self):
        client = self.shut_while_waiting()
        self.fake.set_powered('hci0', False)
        client.expect_error(self.assert_answered_then_closed(client), 'disconnected')

    def test_next_write_of_a_client_that_shut_its_side_gets_shutting_down_when_gattd_stops(self):
        client = self.shut_while_waiting()
        self.stop_gattd()
        client.expect_error(self.assert_answered_then_closed(client), 'shutting-down')

    def test_client_that_shut_its_side_then_left_while_waiting_is_closed_and_the_write_stays_queued(self):
        client = self.shut_while_waiting()
        client.close()
        self.wait_until(lambda: self.other.ok('status')['clients'] == 1, 'gattd to notice that the client left')
        self.assertIn('disconnected: closed the connection while waiting in next-write', self.gattd_log())
        self.fake.write_value(COMMAND, b'kept')
        self.assertEqual(self.other.ok('next-write', char='battery/command', timeout_ms=0)['value'], b'kept'.hex())


if __name__ == '__main__':
    unittest.main()
