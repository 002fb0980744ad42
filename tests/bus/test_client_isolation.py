# SPDX-License-Identifier: LGPL-2.1-or-later
"""One local client cannot hurt the others: a client that stops reading events is
cut off past MaxClientQueue while the rest get every event, and one that does not
read its replies is held back (its requests wait) until it does; a client that
vanishes mid-request, or is dropped before its next-write reply left gattd, leaves
its write to the next waiter or the queue."""

import os
import re
import socket
import unittest

from clients import LocalClient
from harness import COMMAND, DEFAULT_SERVICES, GattdTestCase

FLOOD_CONF = """\
[Service flood]
UUID=6e400010-b5a3-f393-e0a9-e50e24dcca9e

[Characteristic flood/data]
UUID=6e400011-b5a3-f393-e0a9-e50e24dcca9e
Flags=write
MaxLength=512
"""
FLOOD = '/org/gattd/app/flood/data'
MAX_CLIENT_QUEUE = 65536


class SlowClientTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered(daemon={'MaxClientQueue': str(MAX_CLIENT_QUEUE)},
                              services=dict(DEFAULT_SERVICES, **{'flood.conf': FLOOD_CONF}))
        self.fast = LocalClient(self)

    def clients_connected(self):
        return self.fast.ok('status')['clients']

    def test_client_that_stops_reading_events_is_disconnected_while_another_gets_every_event(self):
        slow = LocalClient(self)
        slow.watch()
        slow.stop_reading()
        self.fast.watch()
        # Write events of about 1 KiB each, until gattd gives up on the slow client:
        # the kernel's socket buffer first, then MaxClientQueue.
        values = []
        while self.clients_connected() == 2:
            self.assertLess(len(values), 4000, 'gattd never disconnected a client that does not read')
            batch = [os.urandom(512) for _ in range(50)]
            self.fake.write_values(FLOOD, batch)
            values += batch
        self.fast.sync()
        self.assertEqual([bytes.fromhex(e['value']) for e in self.fast.events_named('write')], values,
                         'the client that reads got every write, in order')
        slow.wait_closed()
        got = [bytes.fromhex(e['value']) for e in slow.events_named('write')]
        self.assertLess(len(got), len(values))
        self.assertEqual(got, values[:len(got)], 'the slow client got a prefix of the writes, then EOF')
        self.assertRegex(self.gattd_log(), r'client \d+ \(pid %d\) not reading: \d+ bytes queued \(limit %d\)'
                         % (os.getpid(), MAX_CLIENT_QUEUE))
        # gattd goes on serving, old clients and new ones.
        self.fake.write_value(FLOOD, b'after')
        self.fast.wait_event('write', value=b'after'.hex())
        self.assertEqual(LocalClient(self).ok('status')['clients'], 2)

    def wait_held_back(self):
        """Until gattd reads no more requests from a client that does not read its
        replies (or, wrongly, disconnects it)."""
        self.wait_until(lambda: re.search(r'reading no more of its requests|not reading', self.gattd_log()),
                        'gattd to hold back the requests of a client that does not read its replies')
        if 'not reading' in self.gattd_log():
            self.fail('gattd disconnected a client for not reading its replies instead of holding back its requests')

    def test_client_that_sends_requests_without_reading_replies_is_held_back_then_gets_every_reply(self):
        slow = LocalClient(self, read=False)
        requests = b''.join(b'{"cmd":"hello","id":%d}\n' % i for i in range(1, 40001))
        sent = 0

        def send_what_the_socket_takes():
            nonlocal sent
            try:
                while sent < len(requests):
                    sent += slow.sock.send(requests[sent:sent + 65536])
            except BlockingIOError:
                pass
            return sent == len(requests)
        send_what_the_socket_takes()
        self.wait_held_back()
        self.fast.watch()
        self.fake.write_value(COMMAND, b'meanwhile')
        self.fast.wait_event('write', value=b'meanwhile'.hex())
        self.assertEqual(self.clients_connected(), 2)
        # Once it reads, gattd reads on: every request is answered, in order.
        slow.start_reading()
        self.wait_until(send_what_the_socket_takes, 'gattd to read the rest of the requests')
        slow.sock.shutdown(socket.SHUT_WR)
        slow.wait_closed()
        self.assertEqual([line.get('id') for line in slow.lines], list(range(1, 40001)))

    def test_client_held_back_for_unread_replies_is_disconnected_once_events_pile_up(self):
        slow = LocalClient(self, read=False)
        slow.send('watch', chars=['flood/data'])
        slow.send_line(b'{"cmd":"list"}\n' * 1000)      # replies of ~1.5 KiB each, unread
        self.wait_held_back()
        writes = 0
        while self.clients_connected() == 2:
            self.assertLess(writes, 4000, 'gattd never disconnected a client that does not read')
            self.fake.write_values(FLOOD, [os.urandom(512) for _ in range(50)])
            writes += 50
        self.assertRegex(self.gattd_log(), r'client \d+ \(pid %d\) not reading: \d+ bytes queued \(limit %d\)'
                         % (os.getpid(), MAX_CLIENT_QUEUE))
        slow.wait_closed()
        self.assertLess(len([line for line in slow.lines if 'services' in line]), 1000)


class DroppedTakerTest(GattdTestCase):
    """A write handed to a next-write reply is consumed only once the reply has left
    gattd's queue for the kernel: a taker dropped before that gives it back."""

    def test_write_taken_by_a_client_dropped_for_not_reading_goes_back_to_the_front_of_the_queue(self):
        # gattd's side of a connection holds what the kernel's default send buffer
        # allows; this process's sockets get the same default. Twice that in events
        # fills it for sure, and MaxClientQueue is well above, so the taker is
        # dropped only after its next-write reply got stuck behind those events.
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sndbuf = probe.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        probe.close()
        max_queue = max(4 * sndbuf, MAX_CLIENT_QUEUE)
        self.start_registered(daemon={'MaxClientQueue': str(max_queue)},
                              services=dict(DEFAULT_SERVICES, **{'flood.conf': FLOOD_CONF}))
        other = LocalClient(self)
        taker = LocalClient(self)
        taker.watch(['flood/data'])
        request = taker.send('next-write', char='battery/command')
        taker.sync()
        taker.stop_reading()

        # Write events of over 1 KiB each (512 bytes in hex): more than the socket holds.
        self.fake.write_values(FLOOD, [os.urandom(512) for _ in range(2 * sndbuf // 1024)])
        # The first goes into the taker's reply, queued behind those events; the others are queued.
        self.fake.write_values(COMMAND, [b'first', b'second', b'third'])
        self.assertEqual(other.ok('status')['captured'], 2)
        written = 0
        while other.ok('status')['clients'] == 2:
            self.assertLess(written, 8 * max_queue // 1024, 'gattd never disconnected the taker')
            self.fake.write_values(FLOOD, [os.urandom(512) for _ in range(50)])
            written += 50
        self.assertRegex(self.gattd_log(), r'client \d+ \(pid %d\) not reading' % os.getpid())
        taker.wait_closed()
        self.assertNotIn(request, taker.replies, 'the taker got its next-write reply before it was dropped')

        # The write it never got is first again, then the ones queued after it.
        taken = [other.request('next-write', char='battery/command', timeout_ms=0) for _ in range(3)]
        self.assertEqual([(bytes.fromhex(r['value']), r['seq']) if r['ok'] else r['error']['code'] for r in taken],
                         [(b'first', 1), (b'second', 2), (b'third', 3)])
        self.assertEqual(other.ok('status')['captured'], 0)


class VanishingClientTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.other = LocalClient(self)

    def wait_clients(self, count):
        self.wait_until(lambda: self.other.ok('status')['clients'] == count,
                        'gattd to count %d client(s)' % count)

    def test_client_closing_while_waiting_in_next_write_leaves_the_write_to_the_next_waiter(self):
        gone = LocalClient(self)
        gone.send('next-write', char='battery/command')
        gone.sync()
        request = self.other.send('next-write', char='battery/command')
        self.other.sync()
        gone.close()
        self.wait_clients(1)
        self.fake.write_value(COMMAND, b'for the next waiter')
        self.assertEqual(self.other.wait_reply(request)['value'], b'for the next waiter'.hex())

    def test_client_closing_while_waiting_in_next_write_leaves_the_write_queued(self):
        gone = LocalClient(self)
        gone.send('next-write', char='battery/command')
        gone.sync()
        gone.close()
        self.wait_clients(1)
        self.fake.write_value(COMMAND, b'queued')
        self.assertEqual(self.other.ok('next-write', char='battery/command')['value'], b'queued'.hex())

    def test_write_arriving_as_the_waiting_client_vanishes_goes_to_the_next_waiter(self):
        gone = LocalClient(self)
        gone.send('next-write', char='battery/command')
        gone.sync()
        request = self.other.send('next-write', char='battery/command')
        self.other.sync()
        with self.gattd_frozen():           # the close and the write reach gattd together
            gone.close()
            write = self.fake.begin_write_value(COMMAND, b'not lost')
        self.wait_until(lambda: write.done, 'gattd to answer the write')
        write.check()
        self.assertEqual(self.other.wait_reply(request)['value'], b'not lost'.hex())

    def test_write_arriving_as_the_only_waiting_client_vanishes_stays_queued(self):
        gone = LocalClient(self)
        gone.send('next-write', char='battery/command')
        gone.sync()
        with self.gattd_frozen():
            gone.close()
            write = self.fake.begin_write_value(COMMAND, b'not lost')
        self.wait_until(lambda: write.done, 'gattd to answer the write')
        self.assertEqual(self.other.ok('next-write', char='battery/command', timeout_ms=5000)['value'],
                         b'not lost'.hex())

    # The reply to next-write fails (EPIPE: the client is gone): the write goes back.
    def test_queued_write_taken_by_a_client_that_already_vanished_stays_queued(self):
        self.fake.write_value(COMMAND, b'keep me')
        gone = LocalClient(self, read=False)
        with self.gattd_frozen():           # gattd reads the request after the client closed
            gone.send('next-write', char='battery/command')
            gone.close()
        self.wait_clients(1)
        self.assertEqual(self.other.ok('next-write', char='battery/command', timeout_ms=0)['value'],
                         b'keep me'.hex())

    def test_client_closing_mid_line_is_harmless(self):
        gone = LocalClient(self)
        gone.send_line(b'{"cmd":"next-wr')
        gone.close()
        self.wait_clients(1)
        self.fake.write_value(COMMAND, b'x')
        self.assertEqual(self.other.ok('next-write', char='battery/command')['value'], '78')

    def test_client_closing_before_reading_its_replies_is_harmless(self):
        gone = LocalClient(self, read=False)
        gone.send_line(b'{"cmd":"list"}\n' * 20)
        gone.close()
        self.wait_clients(1)
        self.assertEqual(self.other.ok('hello')['daemon'], 'gattd')

    def test_watcher_closing_while_events_are_sent_is_harmless(self):
        gone = LocalClient(self)
        gone.watch()
        self.other.watch()
        with self.gattd_frozen():
            gone.close()
            writes = [self.fake.begin_write_value(COMMAND, b'%d' % i) for i in range(5)]
        self.wait_until(lambda: all(w.done for w in writes), 'gattd to answer the writes')
        self.other.sync()
        self.assertEqual(len(self.other.events_named('write')), 5)
        self.wait_clients(1)


if __name__ == '__main__':
    unittest.main()
