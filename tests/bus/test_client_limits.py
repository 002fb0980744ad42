# SPDX-License-Identifier: LGPL-2.1-or-later
"""The local socket against bad input and too much of it: errors that name the
problem and keep the connection, MaxLineLength, MaxClients, replies larger than
MaxClientQueue, and the socket file itself (stale, taken by another gattd, mode,
group, --socket)."""

import grp
import json
import os
import re
import socket
import stat
import subprocess
import time
import unittest

from clients import ClientProgram, LocalClient
from harness import COMMAND, EXIT_TIMEOUT, GattdTestCase, gattd_command

EXIT_SOCKET = 3         # gattd's exit status when the client socket cannot be set up


def bulk_services(count, per_service=100):
    """Service files ({name: text}) with count characteristics (read, write, 512-byte
    values, ids bulkS/cC), per_service to a service and a file."""
    files = {}
    for s in range(count // per_service):
        lines = ['[Service bulk%d]' % s, 'UUID=6e4%05x-b5a3-f393-e0a9-e50e24dcca9e' % s, '']
        for c in range(per_service):
            n = s * per_service + c
            value = bytes((n + i) % 256 for i in range(512)).hex()
            lines += ['[Characteristic bulk%d/c%d]' % (s, c), 'UUID=6e5%05x-b5a3-f393-e0a9-e50e24dcca9e' % n,
                      'Flags=read;write', 'Value=hex:' + value, '']
        files['bulk%03d.conf' % s] = '\n'.join(lines)
    return files


class BadRequestTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.client = LocalClient(self)

    def raw_error(self, line, code):
        """Send one raw line; the reply must be error code. Returns (reply, error)."""
        before = len(self.client.lines)
        self.client.send_line(line + b'\n')
        self.wait_until(lambda: len(self.client.lines) > before or self.client.eof, 'a reply to %r' % line)
        self.assertFalse(self.client.eof, 'gattd closed the connection after %r' % line)
        reply = self.client.lines[before]
        return reply, self.client.expect_error(reply, code)

    def assert_still_usable(self):
        self.assertEqual(self.client.ok('hello')['daemon'], 'gattd')

    def test_malformed_json_is_bad_request_and_the_connection_stays_usable(self):
        reply, error = self.raw_error(b'{"cmd": "hello"', 'bad-request')
        self.assertIsNone(reply['id'])
        self.assertIn('JSON', error['message'])
        self.assert_still_usable()

    def test_request_that_is_not_an_object_is_bad_request(self):
        for line in (b'[1, 2]', b'"hello"', b'42', b'null'):
            _, error = self.raw_error(line, 'bad-request')
            self.assertIn('object', error['message'])
        self.assert_still_usable()

    def test_empty_line_is_bad_request(self):
        self.raw_error(b'', 'bad-request')
        self.assert_still_usable()

    def test_request_with_nul_byte_or_invalid_utf8_is_bad_request(self):
        _, error = self.raw_error(b'{"cmd": "hello\x00"}', 'bad-request')
        self.assertIn('NUL', error['message'])
        _, error = self.raw_error(b'{"cmd": "hello\xff"}', 'bad-request')
        self.assertIn('UTF-8', error['message'])
        self.assert_still_usable()

    def test_missing_cmd_is_bad_request_echoing_the_id(self):
        reply, error = self.raw_error(b'{"id": "abc"}', 'bad-request')
        self.assertEqual(reply['id'], 'abc')
        self.assertIn("'cmd'", error['message'])
        self.assert_still_usable()

    def test_unknown_command_is_unknown_command_naming_it(self):
        reply, error = self.raw_error(b'{"cmd": "frobnicate", "id": 7}', 'unknown-command')
        self.assertEqual(reply['id'], 7)
        self.assertIn('frobnicate', error['message'])
        self.assert_still_usable()

    def test_id_of_every_scalar_type_is_echoed(self):
        for request_id in ('text', 12, 1.5, None, True):
            self.client.send_line(b'{"cmd": "hello", "id": %s}\n' % json.dumps(request_id).encode())
            self.wait_until(lambda: self.client.lines and self.client.lines[-1].get('id') == request_id
                            and 'protocol' in self.client.lines[-1], 'the reply to id %r' % (request_id,))

    def test_id_that_is_an_object_is_bad_request(self):
        reply, error = self.raw_error(b'{"cmd": "hello", "id": {"a": 1}}', 'bad-request')
        self.assertIn("'id'", error['message'])
        self.assert_still_usable()

    def test_missing_char_is_bad_request_naming_the_field(self):
        for cmd in ('get', 'set', 'next-write'):
            error = self.client.error_reply('bad-request', cmd)
            self.assertIn("'char'", error['message'])
        self.assert_still_usable()

    def test_wrong_typed_fields_are_bad_request_naming_the_field(self):
        cases = [
            ('get', {'char': 5}, "'char'"),
            ('set', {'char': 'battery/level', 'value': 7}, "'value'"),
            ('set', {'char': 'battery/level', 'typed': [1]}, "'typed'"),
            ('set', {'char': 'battery/level', 'value': '07', 'notify': 'yes'}, "'notify'"),
            ('watch', {'chars': 'battery/level'}, "'chars'"),
            ('watch', {'chars': ['battery/level', 3]}, "'chars'"),
            ('next-write', {'char': 'battery/command', 'timeout_ms': 'soon'}, "'timeout_ms'"),
            ('next-write', {'char': 'battery/command', 'timeout_ms': 1.5}, "'timeout_ms'"),
            ('next-write', {'char': 'battery/command', 'timeout_ms': -1}, "'timeout_ms'"),
            ('next-write', {'char': 'battery/command', 'timeout_ms': 86400001}, "'timeout_ms'"),
        ]
        for cmd, fields, name in cases:
            error = self.client.error_reply('bad-request', cmd, **fields)
            self.assertIn(name, error['message'], (cmd, fields))
        self.assert_still_usable()

    def test_unknown_field_is_bad_request_naming_it(self):
        error = self.client.error_reply('bad-request', 'get', char='battery/level', chr='typo')
        self.assertIn("'chr'", error['message'])
        error = self.client.error_reply('bad-request', 'status', char='battery/level')
        self.assertIn("'char'", error['message'])
        self.assert_still_usable()

    def test_set_needs_exactly_one_of_value_and_typed(self):
        for fields in ({}, {'value': '07', 'typed': 7}):
            error = self.client.error_reply('bad-request', 'set', char='battery/level', **fields)
            self.assertIn("'typed'", error['message'])
        self.assert_still_usable()

    def test_unknown_characteristic_is_not_found_naming_it(self):
        for cmd, fields in (('get', {'char': 'battery/levl'}),
                            ('set', {'char': 'battery/levl', 'value': '01'}),
                            ('next-write', {'char': 'battery/levl'}),
                            ('watch', {'chars': ['battery/level', 'battery/levl']})):
            error = self.client.error_reply('not-found', cmd, **fields)
            self.assertIn('battery/levl', error['message'])
        self.client.sync()
        self.assertEqual(self.client.ok('status')['watchers'], 0, 'a failed watch watches nothing')

    def test_descriptor_id_is_not_a_characteristic(self):
        # get reads a descriptor too (issue 18); set, next-write and watch take characteristics only.
        self.assertEqual(self.client.ok('get', char='battery/level/valid_range')['descriptor'],
                         'battery/level/valid_range')
        for cmd, fields in (('set', {'value': '01'}), ('next-write', {})):
            error = self.client.error_reply('not-found', cmd, char='battery/level/valid_range', **fields)
            self.assertIn('battery/level/valid_range', error['message'])

    def test_value_longer_than_max_length_is_invalid_value_and_keeps_the_value(self):
        error = self.client.error_reply('invalid-value', 'set', char='settings/label', value='41' * 21)
        self.assertEqual(error['message'], 'settings/label: 21 bytes, more than MaxLength=20')
        self.assertEqual(self.client.ok('get', char='settings/label')['value'], b'gattd'.hex())
        self.client.ok('set', char='settings/label', value='41' * 20)

    def test_values_that_do_not_decode_or_fit_are_invalid_value(self):
        cases = [
            ({'char': 'battery/level', 'typed': 300}, 'battery/level'),
            ({'char': 'battery/level', 'typed': -1}, 'battery/level'),
            ({'char': 'battery/level', 'typed': 'many'}, 'battery/level'),
            ({'char': 'battery/level', 'typed': True}, 'battery/level'),
            ({'char': 'battery/level', 'value': 'zz'}, 'battery/level'),
            ({'char': 'battery/level', 'value': '0'}, 'battery/level'),
            ({'char': 'battery/level', 'value': '0102'}, 'battery/level'),
            ({'char': 'settings/threshold', 'value': '01'}, 'u16'),
            ({'char': 'settings/label', 'typed': 5}, 'Type'),
        ]
        for fields, named in cases:
            error = self.client.error_reply('invalid-value', 'set', **fields)
            self.assertIn(named, error['message'], fields)
        self.assertEqual(self.client.ok('get', char='battery/level')['typed'], 100)
        self.assertEqual(self.client.ok('get', char='settings/threshold')['typed'], 300)

    def test_pipelined_requests_are_answered_in_order(self):
        self.client.send_line(b''.join(b'{"cmd": "get", "char": "battery/level", "id": %d}\n' % i
                                       for i in range(1, 51)))
        self.wait_until(lambda: len(self.client.lines) >= 50, '50 replies')
        self.assertEqual([line['id'] for line in self.client.lines], list(range(1, 51)))

    def test_requests_sent_before_the_client_shuts_its_side_are_answered(self):
        # `printf ... | socat - UNIX-CONNECT:...`: the requests and the end of the
        # stream arrive together; the replies still go out before gattd closes.
        self.client.send_line(b''.join(b'{"cmd": "get", "char": "battery/level", "id": %d}\n' % i
                                       for i in range(1, 11)))
        self.client.sock.shutdown(socket.SHUT_WR)
        self.wait_until(lambda: self.client.eof, 'gattd to close the connection')
        self.assertEqual([line['id'] for line in self.client.lines], list(range(1, 11)))


class PipelinedRepliesTest(GattdTestCase):
    """Replies gattd holds back while it reads a client's requests (it sends them together)
    and replies the socket cannot take at once: all of them arrive, whole and in order."""

    READ_CHUNK = 65536          # what gattd asks of recv() at a time (src/socket/client.c)

    def setUp(self):
        super().setUp()
        self.start_registered()

    def pause(self, seconds):
        """Let gattd run while this client reads nothing."""
        end = time.monotonic() + seconds
        self.wait_until(lambda: time.monotonic() > end, 'a pause of %.1f s' % seconds)

    def list_requests(self, n):
        return b''.join(b'{"cmd":"list","id":%d}\n' % i for i in range(1, n + 1))    # ~1.5 KiB replies

    def test_reader_that_resumes_gets_every_reply_whole_and_in_order(self):
        # ~450 KiB of replies against a small receive buffer: gattd's sends stop partway
        # through a line, and carry on with the rest when the client reads again.
        client = LocalClient(self, read=False)
        client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.send_line(self.list_requests(300))
        self.pause(1.0)
        client.start_reading()
        self.wait_until(lambda: len(client.lines) >= 300 or client.eof, '300 replies')
        self.assertEqual([line['id'] for line in client.lines], list(range(1, 301)))

    def test_client_that_shuts_its_side_gets_every_reply_though_they_exceed_the_socket(self):
        # printf '...' | socat - UNIX-CONNECT:...: the end of the stream comes with the
        # requests, and the replies are more than the socket holds: gattd stops reading
        # and closes only once the last reply is out.
        client = LocalClient(self, read=False)
        client.send_line(self.list_requests(300))
        client.sock.shutdown(socket.SHUT_WR)
        self.pause(1.0)
        client.start_reading()
        self.wait_until(lambda: client.eof, 'gattd to close the connection')
        self.assertEqual([line['id'] for line in client.lines], list(range(1, 301)))
        self.assertIn('disconnected: end of stream', self.gattd_log())

    def test_end_of_stream_in_the_same_wakeup_as_a_full_read_still_gets_the_replies(self):
        # Exactly one full read of requests, then the end of the stream, all there before
        # gattd looks: gattd reads both in one go while its replies are still held back.
        client = LocalClient(self)
        lines = []
        for i in range(1, 65):
            head = b'{"cmd":"hello","id":%d' % i
            lines.append(head + b' ' * (1024 - len(head) - 2) + b'}\n')
        data = b''.join(lines)
        self.assertEqual(len(data), self.READ_CHUNK)
        with self.gattd_frozen():
            client.send_line(data)
            client.sock.shutdown(socket.SHUT_WR)
        self.wait_until(lambda: client.eof, 'gattd to close the connection')
        self.assertEqual([line['id'] for line in client.lines], list(range(1, 65)))


class StrictJsonTest(GattdTestCase):
    """Issue 11, defects 1 and 11: requests are RFC 8259 JSON or bad-request, whatever
    their depth, and nothing is guessed at (json-glib's parser recursed once per
    level, and read single quotes, hex, NUL-cut strings and duplicate keys)."""
    MAX_LINE = 4 * 1024 * 1024

    def setUp(self):
        super().setUp()
        self.start_registered(daemon={'MaxLineLength': str(self.MAX_LINE)})
        self.client = LocalClient(self)

    def raw_error(self, line, code='bad-request'):
        before = len(self.client.lines)
        self.client.send_line(line + b'\n')
        self.wait_until(lambda: len(self.client.lines) > before or self.client.eof, 'a reply to %r' % line[:80])
        self.assertFalse(self.client.eof, 'gattd closed the connection after %r' % line[:80])
        return self.client.expect_error(self.client.lines[before], code)

    def test_deeply_nested_json_is_bad_request_and_gattd_keeps_serving(self):
        for depth in (100, 80000, 700000):
            for opener in (b'[', b'{"a":'):
                error = self.raw_error(b'{"cmd":"hello","id":' + opener * depth)
                self.assertIn('nested deeper', error['message'])
        self.assertEqual(self.client.ok('hello')['daemon'], 'gattd')
        self.assertIsNone(self.gattd.poll(), 'gattd died')

    def test_what_is_not_rfc8259_json_is_bad_request(self):
        lines = [
            b"{'cmd':'hello'}",
            b'{"cmd":"hello","id":0x10}',
            b'{"cmd":"hello","id":01}',
            b'{"cmd":"hello","id":.5}',
            b'{"cmd":"hello","id":NaN}',
            b'{"cmd":"get","char":"battery/\tlevel"}',
            b'{"cmd":"get","char":"battery/\x1blevel"}',
            b'{"cmd":"hello",}',
            b'{cmd:"hello"}',
        ]
        for line in lines:
            error = self.raw_error(line)
            self.assertIn('malformed JSON', error['message'], line)
        self.assertEqual(self.client.ok('hello')['daemon'], 'gattd')

    def test_nul_inside_a_string_is_refused_not_cut(self):
        error = self.raw_error(b'{"cmd":"get","char":"battery/level\\u0000garbage","id":3}')
        self.assertIn('\\u0000', error['message'])
        self.assertIsNone(self.client.lines[-1]['id'], 'a refused line has no id to echo')

    def test_a_member_name_twice_is_refused(self):
        for line in (b'{"cmd":"get","char":"battery/level","char":"x/y"}',
                     b'{"cmd":"set","cmd":"get","char":"battery/level"}'):
            error = self.raw_error(line)
            self.assertIn('appears twice', error['message'])
        self.assertEqual(self.client.ok('hello')['daemon'], 'gattd')


class LargeReplyTest(GattdTestCase):
    """A reply is queued whole, however large: issue 11 saw `list` of 10,000
    characteristics (1.7 MB, over the default MaxClientQueue of 1 MiB) cut off. Here
    the same at a smaller scale (sanitizer builds parse big lists slowly): 400
    characteristics with 512-byte values, a ~500 KB reply, more than the socket holds
    plus MaxClientQueue at its smallest."""

    CHARS = 400
    MAX_CLIENT_QUEUE = 65536

    def setUp(self):
        super().setUp()
        # No bluetoothd: `list` needs none, and the fake cannot take big trees (dbus-daemon's
        # limit on pending replies stops its Set(Handle) calls).
        self.start_gattd(start_bluez=False, services=bulk_services(self.CHARS),
                         daemon={'MaxClientQueue': str(self.MAX_CLIENT_QUEUE)})
        self.wait_listening()

    def gattctl(self, *args):
        """Run gattctl to its end; returns the ClientProgram."""
        binary = os.environ.get('GATTCTL')
        if not binary:
            raise unittest.SkipTest('GATTCTL is not set (meson sets it to the built gattctl)')
        env = {k: v for k, v in os.environ.items() if k != 'GATTD_SOCKET'}
        env['LC_ALL'] = 'C.UTF-8'
        program = ClientProgram(self, [binary, '--socket', self.socket_path] + list(args), env=env)
        program.wait_exit()
        return program

    def test_list_reply_larger_than_max_client_queue_reaches_a_client_that_reads_it(self):
        client = LocalClient(self, read=False)
        request = client.send('list')
        # Read once gattd has queued the reply (and so holds back further requests), or,
        # wrongly, cut the client off for it.
        self.wait_until(lambda: re.search(r'reading no more of its requests|not reading', self.gattd_log()),
                        'gattd to queue the list reply')
        client.start_reading()
        reply = client.wait_reply(request)
        self.assertEqual(sum(len(s['characteristics']) for s in reply['services']), self.CHARS)
        socket_buffer = client.sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        self.assertGreater(len(json.dumps(reply, separators=(',', ':'))), socket_buffer + self.MAX_CLIENT_QUEUE,
                           'the reply is more than the socket holds plus MaxClientQueue')
        self.assertEqual(client.ok('status')['clients'], 1)
        self.assertNotIn('not reading', self.gattd_log())

    def test_gattctl_list_and_set_work_when_the_list_is_larger_than_max_client_queue(self):
        listing = self.gattctl('list')
        self.assertEqual(listing.process.returncode, 0, listing.stderr_text)
        rows = [line for line in listing.stdout_lines if re.search(r'bulk\d+/c\d+  6e5', line)]
        self.assertEqual(len(rows), self.CHARS)
        # set asks for the list first, to learn the Type.
        setting = self.gattctl('set', 'bulk3/c99', '4242')
        self.assertEqual(setting.process.returncode, 0, setting.stderr_text)
        self.assertEqual(LocalClient(self).ok('get', char='bulk3/c99')['value'], '4242')
        self.assertNotIn('not reading', self.gattd_log())


class LineLengthTest(GattdTestCase):
    MAX_LINE = 1024             # the smallest MaxLineLength gattd accepts

    def setUp(self):
        super().setUp()
        self.start_registered(daemon={'MaxLineLength': str(self.MAX_LINE)})
        self.client = LocalClient(self)

    def hello_line(self, length):
        """A valid hello request of exactly length bytes (newline excluded)."""
        head, tail = b'{"cmd": "hello", "id": 99', b'}'
        return head + b' ' * (length - len(head) - len(tail)) + tail

    def assert_line_too_long_then_closed(self):
        self.client.wait_closed()
        self.assertEqual(len(self.client.lines), 1, self.client.lines)
        reply = self.client.lines[0]
        self.assertIsNone(reply['id'])
        self.client.expect_error(reply, 'line-too-long')

    def test_request_line_of_exactly_max_line_length_is_answered(self):
        line = self.hello_line(self.MAX_LINE)
        self.client.send_line(line + b'\n')
        self.assertEqual(self.client.wait_reply(99)['ok'], True)

    def test_request_line_over_max_line_length_gets_line_too_long_then_close(self):
        self.client.send_line(self.hello_line(self.MAX_LINE + 1) + b'\n')
        self.assert_line_too_long_then_closed()
        self.assertEqual(LocalClient(self).ok('status')['clients'], 1, 'gattd serves other clients')

    def test_unterminated_line_over_max_line_length_is_refused_without_waiting_for_its_end(self):
        self.client.send_line(b'{"cmd": "hello", "pad": "' + b'x' * self.MAX_LINE)
        self.assert_line_too_long_then_closed()

    def test_over_long_line_while_waiting_in_next_write_gets_that_reply_then_the_close(self):
        request = self.client.send('next-write', char='battery/command')
        self.client.sync()
        self.client.send_line(self.hello_line(self.MAX_LINE + 1) + b'\n')
        self.wait_until(lambda: any(line.get('ok') is False for line in self.client.lines) or self.client.eof,
                        'the line-too-long error')
        self.fake.write_value(COMMAND, b'still answered')
        self.assertEqual(self.client.wait_reply(request)['value'], b'still answered'.hex())
        self.client.wait_closed()
        self.assertEqual([line['error']['code'] for line in self.client.lines if line.get('ok') is False],
                         ['line-too-long'])

    def test_requests_before_an_over_long_line_are_answered_first(self):
        self.client.send_line(b'{"cmd": "get", "char": "battery/level", "id": 1}\n'
                              + self.hello_line(self.MAX_LINE * 4) + b'\n')
        self.client.wait_closed()
        self.assertEqual([line['id'] for line in self.client.lines], [1, None])
        self.assertEqual(self.client.lines[1]['error']['code'], 'line-too-long')


class MaxClientsTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered(daemon={'MaxClients': '2'})

    def test_client_beyond_max_clients_gets_one_too_many_clients_line_then_close(self):
        first, second = LocalClient(self), LocalClient(self)
        first.sync()
        second.sync()
        refused = LocalClient(self)
        refused.wait_closed()
        self.assertEqual(len(refused.lines), 1, refused.lines)
        self.assertIsNone(refused.lines[0]['id'])
        refused.expect_error(refused.lines[0], 'too-many-clients')
        self.assertEqual(second.ok('status')['clients'], 2)

    def test_client_slot_freed_by_a_leaving_client_is_given_to_the_next(self):
        first, second = LocalClient(self), LocalClient(self)
        first.sync()
        second.sync()
        first.close()
        self.wait_until(lambda: second.ok('status')['clients'] == 1, 'gattd to notice the client left')
        self.assertEqual(LocalClient(self).ok('hello')['daemon'], 'gattd')


class SocketFileTest(GattdTestCase):

    def run_second_gattd(self, config_dir):
        """Another gattd on the same config: it must refuse to start."""
        return subprocess.run(gattd_command('--config-dir', config_dir), env=self.gattd_env(),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=EXIT_TIMEOUT)

    def test_stale_socket_file_is_replaced_at_start(self):
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(self.socket_path)
        stale.close()                       # the file stays, nobody listens
        self.start_registered()
        self.assertEqual(LocalClient(self).ok('hello')['daemon'], 'gattd')
        self.assertIn('removed stale socket %s' % self.socket_path, self.gattd_log())

    def test_second_gattd_on_a_live_socket_exits_3_and_leaves_the_first_serving(self):
        config_dir = self.config_dir()
        self.start_gattd(config_dir)
        self.wait_app_registered()
        client = LocalClient(self)
        client.sync()
        result = self.run_second_gattd(config_dir)
        self.assertEqual(result.returncode, EXIT_SOCKET, result.stderr)
        self.assertIn('another gattd is already listening on %s' % self.socket_path, result.stderr)
        self.assertIs(client.ok('status')['registered'], True)
        self.assertEqual(LocalClient(self).ok('hello')['daemon'], 'gattd', 'the socket file is still there')

    def test_listener_that_never_accepts_with_a_full_backlog_makes_gattd_exit_3_naming_it(self):
        # A program (or a hung gattd) listens on the path but never accepts, and
        # its backlog is full: a blocking connect() to it would never return.
        squatter = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(squatter.close)
        squatter.bind(self.socket_path)
        squatter.listen(0)
        for _ in range(64):
            waiting = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.addCleanup(waiting.close)
            waiting.setblocking(False)
            try:
                waiting.connect(self.socket_path)
            except BlockingIOError:
                break                       # full: the next one would have to wait
        else:
            self.fail('the backlog of a listen(0) socket took 64 connections')
        self.start_gattd()
        self.wait_until(lambda: self.gattd.poll() is not None, 'gattd to exit')
        self.expect_gattd_running = False
        self.assertEqual(self.gattd.returncode, EXIT_SOCKET)
        self.assertIn('something listens on %s but does not accept connections (its backlog is full)'
                      % self.socket_path, self.gattd_log())
        self.assertTrue(stat.S_ISSOCK(os.stat(self.socket_path).st_mode), "the other program's socket is left alone")

    def test_file_that_is_not_a_socket_is_left_alone_and_gattd_exits_3(self):
        with open(self.socket_path, 'w') as f:
            f.write('precious')
        self.start_gattd()
        self.wait_until(lambda: self.gattd.poll() is not None, 'gattd to exit', timeout=EXIT_TIMEOUT)
        self.expect_gattd_running = False
        self.assertEqual(self.gattd.returncode, EXIT_SOCKET)
        self.assertIn('%s exists and is not a socket' % self.socket_path, self.gattd_log())
        with open(self.socket_path) as f:
            self.assertEqual(f.read(), 'precious')

    def test_socket_mode_defaults_to_0660(self):
        self.start_registered()
        self.assertEqual(stat.S_IMODE(os.stat(self.socket_path).st_mode), 0o660)

    def test_socket_mode_comes_from_socket_mode(self):
        self.start_registered(daemon={'SocketMode': '0600'})
        self.assertEqual(stat.S_IMODE(os.stat(self.socket_path).st_mode), 0o600)

    def test_socket_group_comes_from_socket_group(self):
        group = grp.getgrgid(os.getegid()).gr_name
        self.start_registered(daemon={'SocketGroup': group})
        self.assertEqual(os.stat(self.socket_path).st_gid, os.getegid())

    def test_socket_group_that_does_not_exist_makes_gattd_exit_3(self):
        self.start_gattd(daemon={'SocketGroup': 'no-such-group-gattd'})
        self.wait_until(lambda: self.gattd.poll() is not None, 'gattd to exit', timeout=EXIT_TIMEOUT)
        self.expect_gattd_running = False
        self.assertEqual(self.gattd.returncode, EXIT_SOCKET)
        self.assertIn('no-such-group-gattd', self.gattd_log())

    def test_socket_option_overrides_the_configured_socket(self):
        other = os.path.join(self.tmpdir, 'other.sock')
        self.start_registered(args=['--socket', other])
        self.assertEqual(LocalClient(self, path=other).ok('hello')['daemon'], 'gattd')
        self.assertFalse(os.path.exists(self.socket_path))

    def test_socket_passed_by_systemd_is_used_instead_of_creating_one(self):
        if os.environ.get('GATTD_SOCKET_ACTIVATION') != '1':
            self.skipTest('gattd built without libsystemd (GATTD_SOCKET_ACTIVATION is not 1)')
        path = os.path.join(self.tmpdir, 'activated.sock')
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(listener.close)
        listener.bind(path)
        listener.listen(8)
        self.start_registered(listen_fd=listener.fileno())
        self.assertEqual(LocalClient(self, path=path).ok('hello')['daemon'], 'gattd')
        self.assertFalse(os.path.exists(self.socket_path), 'no socket of its own')
        self.stop_gattd()
        self.assertTrue(os.path.exists(path), "systemd's socket file is systemd's to remove")

    def test_client_credentials_are_logged_on_connect_at_debug_level(self):
        # Debug, as the disconnect: a `gattctl get` every second would be 170k lines a day at info.
        self.start_registered()
        client = LocalClient(self)
        client.sync()
        client.close()
        self.assertIn('debug: client 1 connected: pid %d uid %d gid %d' % (os.getpid(), os.geteuid(), os.getegid()),
                      self.gattd_log())
        self.wait_until(lambda: 'debug: client 1 (pid %d) disconnected: ' % os.getpid() in self.gattd_log(),
                        'the disconnect, at debug level')

    def test_socket_file_is_removed_at_exit(self):
        self.start_registered()
        self.stop_gattd()
        self.assertFalse(os.path.exists(self.socket_path))


if __name__ == '__main__':
    unittest.main()
