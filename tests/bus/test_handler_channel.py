# SPDX-License-Identifier: LGPL-2.1-or-later
"""Handler channels: a client that claims characteristics with `handle` and
`"frames": true` takes the centrals' requests and answers them as binary frames, with
the rules, limits, time limit, fallback and errors of JSON handlers (README,
"Handler channel (binary frames)"; test_handlers.py for the same over JSON lines)."""

import os
import signal
import socket
import struct
import time
import unittest

from clients import (FRAME_FLAG_AUTHORIZE, FRAME_FLAG_PREPARED, FRAME_FLAG_RESPONSE, FRAME_SIZE, ChannelClient,
                     LocalClient, answer_body, frame)
from harness import CENTRAL_ADDRESS, DBusCallError
from test_handlers import COMMAND, PROV_CONF, SCAN, SCAN_NOTE, SSID, ProvTestCase

HANDLED = ['prov/ssid', 'prov/scan', 'prov/command']
# [Daemon] MaxLineLength's default: the largest frame gattd follows.
MAX_LINE_LENGTH = 65536
# Seconds within which a request settles "at once": well under HandlerTimeoutMs's
# default 3 s, whose 0x0e would otherwise pass for the one expected.
AT_ONCE = 2.0


class ChannelTestCase(ProvTestCase):
    """The provisioning service of test_handlers.py, and a handler channel
    (self.channel) claiming channel_chars (None: no channel)."""

    channel_chars = HANDLED

    def setUp(self):
        super().setUp()
        self.channel = ChannelClient(self, self.channel_chars) if self.channel_chars else None

    def pending(self, begin, *args, **kwargs):
        """Start a central's call (fake.begin_...) that stays pending at the channel;
        returns it and its request frame."""
        before = len(self.channel.requests)
        call = begin(*args, **kwargs)
        return call, self.channel.wait_requests(before + 1)[before]

    def assertAttPending(self, code, write, call):
        """call (a PendingRead/PendingWrite) is settled, at once, with ATT error code."""
        self.wait_until(lambda: call.done, 'the central answered', timeout=AT_ONCE)
        with self.assertRaises(DBusCallError) as cm:
            call.check()
        self.assertEqual(self.fake.att_code(cm.exception, write), code, cm.exception)
        return cm.exception

    def assertNoErrorFrames(self):
        """After a round trip: every answer so far was right (no error frame came back)."""
        self.channel.sync()
        self.assertEqual(self.channel.errors, [])

    def assertDeadline(self, request, before, after, timeout=3.0):
        """request's deadline (CLOCK_MONOTONIC in microseconds, Python's time.monotonic()
        on Linux) is timeout after gattd took it, which was between before and after."""
        deadline = request['deadline'] / 1e6
        self.assertTrue(before + timeout - 0.001 <= deadline <= after + timeout + 0.001,
                        (before + timeout, deadline, after + timeout))

    def claimable(self, chars):
        """Whether another client can claim chars now (then it lets them go)."""
        probe = LocalClient(self)
        reply = probe.request('handle', chars=chars)
        probe.close()
        return reply.get('ok') is True


class ChannelReadTest(ChannelTestCase):

    def test_read_is_answered_with_the_value_of_an_answer_frame(self):
        self.channel.on_request = lambda r: dict(value=b'net-a,net-b')
        before = time.monotonic()
        self.assertEqual(self.read(SCAN), b'net-a,net-b')
        after = time.monotonic()
        (request,) = self.channel.requests
        self.assertEqual(request['type'], 'read-request')
        self.assertEqual((request['char'], request['desc'], request['address']), ('prov/scan', None, CENTRAL_ADDRESS))
        self.assertEqual((request['flags'], request['offset'], request['mtu']), (0, 0, 185))
        self.assertNotIn('data', request)
        self.assertGreater(request['request'], 0)
        self.assertDeadline(request, before, after)        # HandlerTimeoutMs: 3 s
        self.assertNoErrorFrames()

    def test_read_at_an_offset_gets_the_tail_of_the_value_of_an_answer_frame(self):
        self.channel.on_request = lambda r: dict(value=bytes([1, 2, 3, 4, 5]))
        self.assertEqual(self.read(SCAN, offset=3), bytes([4, 5]))
        self.assertEqual(self.channel.requests[0]['offset'], 3)
        self.assertNoErrorFrames()

    def test_read_answered_with_an_empty_value_gets_no_bytes(self):
        self.channel.on_request = lambda r: dict(value=b'')
        self.assertEqual(self.read(SCAN), b'')
        self.assertNoErrorFrames()

    def test_offset_beyond_the_value_of_an_answer_frame_is_invalid_offset(self):
        self.channel.on_request = lambda r: dict(value=b'\x01')
        self.assertAtt(0x07, False, self.read, SCAN, offset=5)
        # As for a JSON answer: the handler is told (invalid-value) which request it was.
        self.channel.expect_error('invalid-value', self.channel.requests[0]['request'])

    def test_descriptor_request_carries_the_descriptor_id(self):
        self.channel.on_request = lambda r: dict(value=b'live')
        self.assertEqual(self.read(SCAN_NOTE), b'live')
        request = self.channel.requests[0]
        self.assertEqual((request['type'], request['char'], request['desc']),
                         ('read-request', 'prov/scan', 'prov/scan/note'))
        self.assertNoErrorFrames()

    def test_a_live_read_answered_by_frame_does_not_change_the_stored_value(self):
        self.channel.on_request = lambda r: dict(value=b'live')
        self.assertEqual(self.read(SCAN), b'live')
        self.assertEqual(LocalClient(self).ok('get', char='prov/scan')['typed'], 'stored')

    def test_requests_in_flight_together_are_answered_in_any_order_in_one_send(self):
        # The mtu tells the calls apart: each gets the value answered to its own request.
        calls = [self.fake.begin_read_value(SCAN, mtu=100 + i) for i in range(8)]
        requests = self.channel.wait_requests(8)
        self.assertEqual(len({r['request'] for r in requests}), 8)
        self.channel.send_raw(b''.join(frame(answer_body(r['request'], value=bytes([r['mtu'] - 100]) * 3))
                                       for r in reversed(requests)))
        self.wait_until(lambda: all(c.done for c in calls), 'every read answered')
        self.assertEqual([c.value() for c in calls], [bytes([i]) * 3 for i in range(8)])
        self.assertNoErrorFrames()

    def test_answer_frame_split_across_sends_is_read_when_whole(self):
        call, request = self.pending(self.fake.begin_read_value, SCAN)
        data = frame(answer_body(request['request'], value=b'split'))
        self.channel.send_raw(data[:3])     # not even the whole size
        self.sync_with_gattd()
        self.channel.send_raw(data[3:20])
        self.sync_with_gattd()
        self.assertFalse(call.done)
        self.channel.send_raw(data[20:])
        self.wait_until(lambda: call.done, 'the read answered')
        self.assertEqual(call.value(), b'split')
        self.assertNoErrorFrames()

    def test_frame_of_max_line_length_is_read(self):
        # Size MaxLineLength is within the limit: the answer is read (and its value is
        # too long for the characteristic).
        call, request = self.pending(self.fake.begin_read_value, SCAN)
        body = answer_body(request['request'], value=b'v' * (MAX_LINE_LENGTH - 16))
        self.assertEqual(len(body), MAX_LINE_LENGTH)
        self.channel.send_frame(body)
        self.channel.expect_error('invalid-value', request['request'])
        self.assertAttPending(0x0e, False, call)
        self.channel.sync()


class ChannelWriteTest(ChannelTestCase):

    def test_write_accepted_by_frame_is_stored_watched_and_captured(self):
        watcher = LocalClient(self)
        watcher.watch()
        self.channel.on_request = lambda r: {}
        before = time.monotonic()
        self.write(SSID, b'home-net')
        after = time.monotonic()
        (request,) = self.channel.requests
        self.assertEqual((request['type'], request['char'], request['desc'], request['address']),
                         ('write-request', 'prov/ssid', None, CENTRAL_ADDRESS))
        self.assertEqual((request['data'], request['value']), (b'home-net', b'home-net'))
        self.assertEqual((request['flags'], request['offset'], request['mtu']), (FRAME_FLAG_RESPONSE, 0, 185))
        self.assertEqual((request['prepared'], request['authorize'], request['response']), (False, False, True))
        self.assertDeadline(request, before, after)
        self.assertEqual(self.read(SSID), b'home-net')
        self.assertEqual(watcher.wait_event('write', char='prov/ssid')['typed'], 'home-net')
        self.assertEqual(watcher.ok('next-write', char='prov/ssid', timeout_ms=0)['typed'], 'home-net')
        self.assertNoErrorFrames()

    def test_prepared_write_frame_carries_the_data_and_the_whole_value_it_would_leave(self):
        self.channel.on_request = lambda r: {}
        self.write(SSID, b'ABC', offset=2)
        request = self.channel.requests[0]
        self.assertEqual((request['data'], request['value'], request['offset']), (b'ABC', b'unABC', 2))
        self.assertEqual(request['flags'], FRAME_FLAG_PREPARED | FRAME_FLAG_RESPONSE)
        self.assertEqual(self.read(SSID), b'unABC')
        self.assertNoErrorFrames()

    def test_authorize_probe_is_flagged_and_stores_nothing(self):
        self.channel.on_request = lambda r: {}
        self.write(SSID, b'probe', prepare_authorize=True)
        self.assertEqual(self.channel.requests[0]['flags'], FRAME_FLAG_AUTHORIZE | FRAME_FLAG_RESPONSE)
        self.assertEqual(self.read(SSID), b'unset')
        self.channel.on_request = lambda r: dict(att=0x08)
        self.assertAtt(0x08, True, self.write, SSID, b'probe', prepare_authorize=True)
        self.assertNoErrorFrames()

    def test_an_accepted_write_that_no_longer_fits_gets_an_error_frame_and_stores_nothing(self):
        call, request = self.pending(self.fake.begin_write_value, SSID, b'ABC', offset=4)
        # The value shrinks meanwhile: a write at offset 4 no longer fits it.
        LocalClient(self).ok('set', char='prov/ssid', typed='x')
        self.channel.answer(request)
        error = self.channel.expect_error('invalid-value', request['request'])
        self.assertIn('no longer fits', error['message'])
        self.wait_until(lambda: call.done, 'the central answered', timeout=AT_ONCE)
        with self.assertRaises(DBusCallError):
            call.check()
        self.assertEqual(self.read(SSID), b'x')

    def test_write_without_response_has_no_response_flag_and_is_validated_too(self):
        self.channel.on_request = lambda r: dict(att=0xfe) if r['data'] == b'\xff' else {}
        self.write(COMMAND, b'\x01')
        self.write(COMMAND, b'\xff')
        requests = self.channel.wait_requests(2)
        self.assertEqual([(r['char'], r['flags']) for r in requests], [('prov/command', 0)] * 2)
        self.channel.sync()
        self.assertEqual(LocalClient(self).ok('get', char='prov/command')['value'], '01')
        self.assertEqual(self.channel.errors, [])


class ChannelRefusalTest(ChannelTestCase):

    def test_every_named_code_reaches_the_central_exactly(self):
        for code in (0x03, 0x06, 0x07, 0x08, 0x0d, 0x0e, 0xfe):
            self.channel.on_request = lambda r, code=code: dict(att=code)
            self.assertAtt(code, True, self.write, SSID, b'x')
        self.channel.on_request = lambda r: dict(att=0x02)
        self.assertAtt(0x02, False, self.read, SCAN)
        self.assertNoErrorFrames()

    def test_not_permitted_is_the_same_error_for_either_code(self):
        # 0x02 and 0x03 both are not-permitted: bluetoothd picks the code by the operation.
        for code in (0x02, 0x03):
            self.channel.on_request = lambda r, code=code: dict(att=code)
            e = self.assertAtt(0x02, False, self.read, SCAN)
            self.assertEqual(e.name, 'org.bluez.Error.NotPermitted')
            self.assertAtt(0x03, True, self.write, SSID, b'x')
        self.assertNoErrorFrames()

    def test_improperly_configured_goes_to_bluetoothd_by_its_name(self):
        self.channel.on_request = lambda r: dict(att=0xfd)
        e = self.assertAtt(self.fake.att_code(DBusCallError('org.bluez.Error.ImproperlyConfigured'), True),
                           True, self.write, SSID, b'x')
        self.assertEqual(e.name, 'org.bluez.Error.ImproperlyConfigured')
        self.assertNoErrorFrames()

    def test_application_codes_reach_the_central_exactly(self):
        for code in (0x80, 0x81, 0x9f):
            self.channel.on_request = lambda r, code=code: dict(att=code)
            e = self.assertAtt(code, True, self.write, SSID, b'x')
            self.assertEqual((e.name, e.message), ('org.bluez.Error.Failed', '0x%02x' % code))
            self.assertAtt(code, False, self.read, SCAN)
        self.assertNoErrorFrames()

    def test_write_refused_by_frame_changes_nothing_anywhere(self):
        self.channel.on_request = lambda r: dict(att=0x0d)
        self.assertRefusedWriteChangesNothing(0x0d, 'org.bluez.Error.InvalidValueLength')
        self.assertNoErrorFrames()


class ChannelBadAnswerTest(ChannelTestCase):

    def assertRefusedAsBad(self, code, body, write=False):
        """A request pending, then body as its answer: an error frame code naming the
        request, the central 0x0e at once, and a second answer expired."""
        if write:
            call, request = self.pending(self.fake.begin_write_value, SSID, b'x')
        else:
            call, request = self.pending(self.fake.begin_read_value, SCAN)
        self.channel.send_frame(body(request['request']))
        error = self.channel.expect_error(code, request['request'])
        self.assertAttPending(0x0e, write, call)
        self.channel.answer(request, value=b'' if write else b'ok')
        self.channel.expect_error('expired', request['request'])
        return error

    def test_frame_of_another_type_is_bad_request_and_the_central_gets_0x0e(self):
        for frame_type in (0x01, 0x03, 0x80, 0xff):
            error = self.assertRefusedAsBad('bad-request', lambda r: answer_body(r, frame_type=frame_type))
            self.assertIn('0x%02x' % frame_type, error['message'])
            self.assertIn('the central got ATT 0x0e', error['message'])

    def test_reserved_bytes_not_zero_are_bad_request(self):
        for reserved in (b'\x01\0\0\0\0\0', b'\0\0\0\0\0\x80'):
            error = self.assertRefusedAsBad('bad-request', lambda r: answer_body(r, reserved=reserved))
            self.assertIn('the central got ATT 0x0e', error['message'])

    def test_code_outside_the_allowed_set_is_bad_request(self):
        for att in (0x01, 0x04, 0x7f, 0xa0, 0xfc, 0xff):
            error = self.assertRefusedAsBad('bad-request', lambda r: answer_body(r, att=att))
            self.assertIn('0x%02x' % att, error['message'])

    def test_code_with_a_value_is_bad_request(self):
        # Not the code given (0x08): the answer is bad, the central gets 0x0e.
        self.assertRefusedAsBad('bad-request', lambda r: answer_body(r, att=0x08, value=b'x'))
        self.assertRefusedAsBad('bad-request', lambda r: answer_body(r, att=0x08, value=b'x'), write=True)

    def test_value_for_a_write_is_bad_request_and_nothing_is_stored(self):
        error = self.assertRefusedAsBad('bad-request', lambda r: answer_body(r, value=b'xyz'), write=True)
        self.assertIn('the central got ATT 0x0e', error['message'])
        self.assertEqual(self.read(SSID), b'unset')

    def test_value_too_long_for_max_length_is_invalid_value(self):
        # prov/scan has no MaxLength=: 512 bytes.
        self.assertRefusedAsBad('invalid-value', lambda r: answer_body(r, value=b'v' * 513))
        call, request = self.pending(self.fake.begin_read_value, SCAN)
        self.channel.answer(request, value=b'v' * 512)
        self.wait_until(lambda: call.done, 'the read answered')
        self.assertEqual(call.value(), b'v' * 512)

    def test_frame_too_short_to_name_a_request_is_bad_request_for_none(self):
        call, request = self.pending(self.fake.begin_read_value, SCAN)
        for body in (answer_body(request['request'])[:15], b'\x81', b'\x01\x02\x03'):
            self.channel.send_frame(body)
            self.channel.expect_error('bad-request', 0)
        # Nothing named the request: it waits for its answer still.
        self.sync_with_gattd()
        self.assertFalse(call.done)
        self.channel.answer(request, value=b'late')
        self.wait_until(lambda: call.done, 'the read answered')
        self.assertEqual(call.value(), b'late')
        self.channel.sync()
        self.assertEqual(len(self.channel.errors), 3)

    def test_request_0_is_bad_request(self):
        call, request = self.pending(self.fake.begin_read_value, SCAN)
        self.channel.send_frame(answer_body(0, value=b'x'))
        self.channel.expect_error('bad-request', 0)
        self.sync_with_gattd()
        self.assertFalse(call.done)
        self.channel.answer(request, value=b'ok')
        self.wait_until(lambda: call.done, 'the read answered')
        self.assertEqual(call.value(), b'ok')

    def test_bad_answer_to_a_request_not_pending_settles_nothing(self):
        self.channel.send_frame(answer_body(777777, att=0x01))
        error = self.channel.expect_error('bad-request', 777777)
        self.assertNotIn('the central got', error['message'])


class ChannelRequestIdTest(ChannelTestCase):

    channel_chars = ['prov/ssid', 'prov/scan']

    def test_unknown_request_is_not_found(self):
        self.channel.answer(999999, value=b'x')
        self.channel.expect_error('not-found', 999999)

    def test_second_answer_is_expired(self):
        self.channel.on_request = lambda r: dict(value=b'one')
        self.assertEqual(self.read(SCAN), b'one')
        request = self.channel.requests[0]['request']
        self.channel.answer(request, value=b'two')
        self.channel.expect_error('expired', request)
        self.channel.answer(request, att=0x0e)
        self.channel.expect_error('expired', request)

    def test_request_of_another_connection_is_not_found_on_the_channel(self):
        handler = LocalClient(self)
        handler.ok('handle', chars=['prov/command'])
        call = self.fake.begin_write_value(COMMAND, b'\x05')
        event = handler.wait_event('write-request')
        self.channel.answer(event['request'])
        self.channel.expect_error('not-found', event['request'])
        self.assertIs(handler.ok('answer', request=event['request'])['stored'], True)
        self.wait_until(lambda: call.done, 'the write settled')
        self.assertEqual(handler.ok('get', char='prov/command')['value'], '05')
        # And the JSON side cannot answer the channel's requests.
        pending, request = self.pending(self.fake.begin_read_value, SCAN)
        handler.error_reply('not-found', 'answer', request=request['request'], value='00')
        self.channel.answer(request, value=b'mine')
        self.wait_until(lambda: pending.done, 'the read answered')
        self.assertEqual(pending.value(), b'mine')


class ChannelTimeLimitTest(ChannelTestCase):

    daemon_conf = {'HandlerTimeoutMs': '200'}

    def test_no_answer_in_time_is_0x0e_and_a_late_answer_is_expired(self):
        started = time.monotonic()
        self.assertAtt(0x0e, False, self.read, SCAN)
        ended = time.monotonic()
        self.assertGreaterEqual(ended - started, 0.2)
        request = self.channel.requests[0]
        self.assertDeadline(request, started, ended - 0.2, timeout=0.2)
        self.channel.answer(request, value=b'late')
        self.channel.expect_error('expired', request['request'])
        self.assertIn('HandlerTimeoutMs', self.gattd_log())



class ChannelLimitTest(ChannelTestCase):

    daemon_conf = {'MaxClientRequests': '2'}

    def test_pending_requests_per_channel_are_bounded(self):
        first = self.fake.begin_read_value(SCAN)
        second = self.fake.begin_read_value(SCAN)
        requests = self.channel.wait_requests(2)
        self.assertAtt(0xfe, False, self.read, SCAN)
        self.assertAtt(0xfe, True, self.write, SSID, b'x')
        self.channel.sync()
        self.assertEqual(len(self.channel.requests), 2)
        self.channel.answer(requests[0], value=b'\x01')
        self.channel.answer(requests[1], value=b'\x02')
        self.wait_until(lambda: first.done and second.done, 'both answered')
        self.assertEqual((first.value(), second.value()), (b'\x01', b'\x02'))
        # Answered: room again.
        self.channel.on_request = lambda r: dict(value=b'\x03')
        self.assertEqual(self.read(SCAN), b'\x03')
        self.assertNoErrorFrames()


class ChannelStreamTest(ChannelTestCase):

    def pending_pair(self):
        read, _ = self.pending(self.fake.begin_read_value, SCAN)
        write, _ = self.pending(self.fake.begin_write_value, SSID, b'pending')
        return read, write

    def assertFellBack(self, read, write):
        """The pending read got the stored value, the write HandlerFallback=refuse's 0x0e, at once."""
        self.wait_until(lambda: read.done and write.done, 'both settled', timeout=AT_ONCE)
        self.assertEqual(read.value(), b'stored')
        self.assertAttPending(0x0e, True, write)
        self.assertEqual(self.read(SSID), b'unset')

    def test_frame_of_size_0_is_bad_request_then_the_channel_closes_and_pending_requests_fall_back(self):
        read, write = self.pending_pair()
        self.channel.send_raw(FRAME_SIZE.pack(0) + frame(answer_body(999999)))
        self.channel.expect_error('bad-request', 0)
        self.channel.wait_closed()
        # Nothing after it was read: that answer got no not-found.
        self.assertEqual(len(self.channel.errors), 1)
        self.assertFellBack(read, write)
        self.assertTrue(self.claimable(HANDLED))

    def test_frame_over_max_line_length_is_line_too_long_then_the_channel_closes(self):
        read, write = self.pending_pair()
        # Only the size: gattd does not wait for the body.
        self.channel.send_raw(FRAME_SIZE.pack(MAX_LINE_LENGTH + 1))
        error = self.channel.expect_error('line-too-long', 0)
        self.assertIn('MaxLineLength', error['message'])
        self.channel.wait_closed()
        self.assertFellBack(read, write)
        self.assertTrue(self.claimable(HANDLED))

    def test_channel_closing_settles_pending_requests_by_the_fallback_and_releases_its_claims(self):
        read, write = self.pending_pair()
        self.channel.close()
        self.assertFellBack(read, write)
        self.wait_until(lambda: 'left with 2 requests unanswered' in self.gattd_log(), 'the log line')
        self.assertTrue(self.claimable(HANDLED))
        # Nobody handles them now: reads get the stored value, HandlerFallback=store stores.
        self.assertEqual(self.read(SCAN), b'stored')
        self.write(COMMAND, b'\x07')
        self.assertEqual(LocalClient(self).ok('get', char='prov/command')['value'], '07')

    def test_channel_that_shuts_both_sides_is_closed_and_its_requests_fall_back(self):
        read, write = self.pending_pair()
        self.channel.sock.shutdown(socket.SHUT_RDWR)
        self.assertFellBack(read, write)
        self.wait_until(lambda: self.claimable(HANDLED), 'the claims released')

    def test_channel_that_shuts_its_sending_side_is_closed_and_its_requests_fall_back(self):
        read, write = self.pending_pair()
        self.channel.sock.shutdown(socket.SHUT_WR)
        self.assertFellBack(read, write)
        self.wait_until(lambda: self.claimable(HANDLED), 'the claims released')
        self.wait_until(lambda: self.channel.eof, 'gattd closed the channel')


class ChannelSetupTest(ChannelTestCase):

    channel_chars = None

    def test_handle_reply_is_the_last_line_then_requests_come_as_frames(self):
        channel = ChannelClient(self, ['prov/scan'])
        channel.on_request = lambda r: dict(value=b'framed')
        self.assertEqual(self.read(SCAN), b'framed')
        self.assertEqual(channel.buffer, b'')
        self.assertEqual([f['type'] for f in channel.frames], ['read-request'])
        # The others are not its: another client may claim them.
        self.assertTrue(self.claimable(['prov/ssid', 'prov/command']))
        LocalClient(self).error_reply('busy', 'handle', chars=['prov/scan'])

    def test_bytes_sent_with_the_handle_line_are_read_as_frames(self):
        channel = ChannelClient(self, ['prov/scan'], after=frame(answer_body(424242)))
        channel.expect_error('not-found', 424242)

    def test_json_line_after_the_handle_line_is_read_as_a_frame(self):
        # '{"cm' as a size is over MaxLineLength.
        channel = ChannelClient(self, ['prov/scan'], after=b'{"cmd":"hello","id":2}\n')
        channel.expect_error('line-too-long', 0)
        channel.wait_closed()
        self.assertTrue(self.claimable(['prov/scan']))

    def test_frames_refused_on_a_connection_that_watches(self):
        client = LocalClient(self)
        client.watch()
        error = client.error_reply('bad-request', 'handle', chars=['prov/scan'], frames=True)
        self.assertIn('watches', error['message'])
        client.sync()                       # JSON lines still
        self.assertTrue(self.claimable(['prov/scan']))

    def test_frames_refused_on_a_connection_that_handles_with_json(self):
        client = LocalClient(self)
        client.ok('handle', chars=['prov/ssid'])
        error = client.error_reply('bad-request', 'handle', chars=['prov/scan'], frames=True)
        self.assertIn('JSON', error['message'])
        self.assertTrue(self.claimable(['prov/scan']))
        # Still a JSON handler of prov/ssid.
        client.on_event = lambda e: client.send('answer', request=e['request'])
        self.write(SSID, b'json')
        self.assertEqual(client.events_named('write-request')[0]['value'], b'json'.hex())

    def test_frames_refused_while_waiting_in_next_write(self):
        client = LocalClient(self)
        waiting = client.send('next-write', char='prov/ssid')
        error = client.error_reply('bad-request', 'handle', chars=['prov/scan'], frames=True)
        self.assertIn('next-write', error['message'])
        self.assertNotIn(waiting, client.replies)
        self.assertTrue(self.claimable(['prov/scan']))

    def test_frames_must_be_a_boolean(self):
        client = LocalClient(self)
        for frames in ('yes', 1, None, []):
            client.error_reply('bad-request', 'handle', chars=['prov/scan'], frames=frames)
        reply = client.ok('handle', chars=['prov/scan'], frames=False)
        self.assertEqual(reply, {'id': reply['id'], 'ok': True, 'chars': ['prov/scan']})
        client.on_event = lambda e: client.send('answer', request=e['request'], value='6a')
        self.assertEqual(self.read(SCAN), b'j')

    def test_refused_claim_leaves_a_json_connection(self):
        holder = LocalClient(self)
        holder.ok('handle', chars=['prov/ssid'])
        client = LocalClient(self)
        client.error_reply('busy', 'handle', chars=['prov/scan', 'prov/ssid'], frames=True)
        client.error_reply('not-handled', 'handle', chars=['prov/plain'], frames=True)
        client.sync()
        self.assertTrue(self.claimable(['prov/scan']))

    def test_two_channels_each_get_their_own_requests(self):
        scans = ChannelClient(self, ['prov/scan'])
        ssids = ChannelClient(self, ['prov/ssid'])
        scans.on_request = lambda r: dict(value=b'scan')
        ssids.on_request = lambda r: dict(att=0x80)
        self.assertEqual(self.read(SCAN), b'scan')
        self.assertAtt(0x80, True, self.write, SSID, b'x')
        self.assertEqual([r['char'] for r in scans.requests + ssids.requests], ['prov/scan', 'prov/ssid'])


class ChannelReloadTest(ChannelTestCase):

    def reload_without_command_handler(self):
        changed = PROV_CONF.replace('Handler=write\nHandlerFallback=store\n', '')
        with open(os.path.join(self.config, 'services.d', 'prov.conf'), 'w') as f:
            f.write(changed)
        LocalClient(self).ok('reload')

    def test_reload_that_removes_a_handler_sends_an_unhandled_frame_and_keeps_the_other_claims(self):
        self.channel.on_request = lambda r: dict(value=b'live')
        self.reload_without_command_handler()
        unhandled = self.channel.wait_unhandled()
        self.assertEqual((unhandled['char'], unhandled['reason']), ('prov/command', 'reload'))
        self.assertEqual(self.read(SCAN), b'live')
        self.channel.sync()
        self.assertEqual(len(self.channel.unhandled), 1)
        LocalClient(self).error_reply('busy', 'handle', chars=['prov/scan'])
        # prov/command is nobody's: without Handler= gattd stores the write itself.
        self.write(COMMAND, b'\x02')
        self.assertEqual([r['char'] for r in self.channel.requests], ['prov/scan'])

    def test_requests_pending_at_a_reload_settle_and_their_answers_are_expired(self):
        read, request = self.pending(self.fake.begin_read_value, SCAN)
        self.reload_without_command_handler()
        self.wait_until(lambda: read.done, 'the read settled', timeout=AT_ONCE)
        self.assertEqual(read.value(), b'stored')
        self.channel.answer(request, value=b'late')
        self.channel.expect_error('expired', request['request'])


class ChannelSurvivesTest(ChannelTestCase):

    def test_claims_survive_power_cycles_and_bluetoothd_restarts(self):
        self.channel.on_request = lambda r: dict(value=b'live')
        self.assertEqual(self.reads_across_a_power_cycle_and_a_restart(SCAN), [b'live', b'live'])
        self.assertEqual(len(self.channel.requests), 2)
        self.assertNoErrorFrames()

    def test_claims_survive_an_adapter_replug_and_gattd_losing_the_bus(self):
        self.channel.on_request = lambda r: dict(value=b'live')
        self.assertEqual(self.reads_across_a_replug_and_a_bus_restart(SCAN), [b'live', b'live'])
        self.assertNoErrorFrames()


class ChannelShutdownTest(ChannelTestCase):

    def test_an_answer_frame_while_gattd_stops_still_reaches_the_central(self):
        call, request = self.pending(self.fake.begin_write_value, SSID, b'late-ok')
        self.expect_gattd_running = False
        # SIGTERM first, the answer in the same wakeup: gattd is stopping when it reads it.
        with self.gattd_frozen():
            self.gattd.send_signal(signal.SIGTERM)
            self.channel.answer(request)
        self.wait_until(lambda: call.done, 'the central answered')
        call.check()        # accepted, not HandlerFallback=refuse's 0x0e at exit
        self.wait_until(lambda: self.gattd.poll() is not None, 'gattd to exit')
        self.assertEqual(self.gattd.returncode, 0)
        self.channel.wait_closed()
        self.assertEqual(self.channel.errors, [])


class ChannelLayoutTest(ChannelTestCase):
    """The frames byte for byte, against README's table (not through parse_frame)."""

    def test_request_frame_is_laid_out_as_the_readme_says(self):
        self.channel.on_request = lambda r: {}
        self.write(SSID, b'xy', offset=1)
        body = self.channel.raw[0]
        char, address = b'prov/ssid', CENTRAL_ADDRESS.encode()
        self.assertEqual(len(body), 28 + len(char) + len(address) + 2 + 3)
        self.assertEqual(body[:8], struct.pack('<BBHHBB', 0x02, 0x05, 1, 185, len(char), 0))
        self.assertEqual(struct.unpack_from('<Q', body, 8)[0], self.channel.requests[0]['request'])
        self.assertEqual(body[24:28], struct.pack('<BBH', len(address), 0, 2))
        self.assertEqual(body[28:], char + address + b'xy' + b'uxy')
        self.assertEqual(self.read(SSID), b'uxy')

    def test_read_request_error_and_answer_frames_are_laid_out_as_the_readme_says(self):
        call, _ = self.pending(self.fake.begin_read_value, SCAN_NOTE, mtu=0)
        body = self.channel.raw[0]
        char, desc, address = b'prov/scan', b'prov/scan/note', CENTRAL_ADDRESS.encode()
        self.assertEqual(body[:8], struct.pack('<BBHHBB', 0x01, 0, 0, 0, len(char), len(desc)))
        request = struct.unpack_from('<Q', body, 8)[0]
        self.assertEqual(body[24:28], struct.pack('<BBH', len(address), 0, 0))
        self.assertEqual(body[28:], char + desc + address)
        # An answer built by hand, not by answer_body().
        self.channel.send_raw(struct.pack('<IBB6xQ', 16 + 2, 0x81, 0, request) + b'ok')
        self.wait_until(lambda: call.done, 'the read answered')
        self.assertEqual(call.value(), b'ok')
        self.channel.send_raw(struct.pack('<IBB6xQ', 16, 0x81, 0, request))
        self.wait_until(lambda: len(self.channel.raw) == 2, 'the error frame')
        body = self.channel.raw[1]
        self.assertEqual(body[:16], struct.pack('<BB6xQ', 0x03, len(b'expired'), request))
        self.assertTrue(body[16:].startswith(b'expired') and len(body) > 16 + len(b'expired'), body)


if __name__ == '__main__':
    unittest.main()
