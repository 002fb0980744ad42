# SPDX-License-Identifier: LGPL-2.1-or-later
"""Local handlers: a client claims characteristics (Handler=) and answers centrals' reads
and writes over the socket, with ATT errors the central receives exactly (README, "Handlers")."""

import os
import signal
import time
import unittest

from clients import LocalClient
from harness import APP_PATH, CENTRAL_ADDRESS, HCI0_ADDRESS, DBusCallError, GattdTestCase

PROV = APP_PATH + '/prov'
SSID = PROV + '/ssid'
SCAN = PROV + '/scan'
SCAN_NOTE = SCAN + '/note'
COMMAND = PROV + '/command'
PLAIN = PROV + '/plain'

PROV_CONF = """\
[Service prov]
UUID=7a2b0001-0000-4000-8000-00805f9b34fb

[Characteristic prov/ssid]
UUID=7a2b0002-0000-4000-8000-00805f9b34fb
Flags=read;write
Type=utf8
MaxLength=32
Value=utf8:unset
Handler=write
Capture=4

[Characteristic prov/scan]
UUID=7a2b0003-0000-4000-8000-00805f9b34fb
Flags=read;write
Type=utf8
Value=utf8:stored
Handler=read

[Descriptor prov/scan/note]
UUID=2901
Flags=read
Value=utf8:note
Handler=read

[Characteristic prov/command]
UUID=7a2b0004-0000-4000-8000-00805f9b34fb
Flags=write;write-without-response
MaxLength=8
Handler=write
HandlerFallback=store

[Characteristic prov/plain]
UUID=7a2b0005-0000-4000-8000-00805f9b34fb
Flags=read;write
Value=hex:01
"""



class ProvTestCase(GattdTestCase):
    """gattd serving the provisioning service (PROV_CONF, and daemon_conf), on the
    air; read() and write() are the fake central's."""

    daemon_conf = None

    def setUp(self):
        super().setUp()
        self.config = self.config_dir(services={'prov.conf': PROV_CONF}, daemon=self.daemon_conf)
        self.start_gattd(config_dir=self.config)
        self.wait_app_registered()
        self.wait_on_air()

    def read(self, path, **kwargs):
        return self.fake.read_value(path, **kwargs)

    def write(self, path, value, **kwargs):
        return self.fake.write_value(path, value, **kwargs)

    def assertRefusedWriteChangesNothing(self, code, name):
        """A central's write to prov/ssid, refused by whatever answers it, gets ATT code
        (D-Bus error name) and changes nothing anywhere: the stored value, watchers, the
        capture queue."""
        watcher = LocalClient(self)
        watcher.watch()
        e = self.assertAtt(code, True, self.write, SSID, b'x')
        self.assertEqual(e.name, name)
        self.assertEqual(self.read(SSID), b'unset')
        watcher.sync()
        self.assertEqual(watcher.events_named('write'), [])
        watcher.error_reply('timeout', 'next-write', char='prov/ssid', timeout_ms=0)

    def reads_across_a_power_cycle_and_a_restart(self, path):
        """What a read of path gives after a power cycle, then after a bluetoothd crash and restart."""
        values = []
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.wait_app_registered()
        values.append(self.read(path))
        self.fake.stop(clean=False)
        self.fake.start()
        self.wait_app_registered()
        values.append(self.read(path))
        return values

    def reads_across_a_replug_and_a_bus_restart(self, path):
        """What a read of path gives after hci0 is removed and added back, then after the bus restarts."""
        values = []
        self.fake.remove_adapter('hci0')
        self.fake.add_adapter('hci0', HCI0_ADDRESS)
        self.wait_app_registered()
        values.append(self.read(path))
        self.restart_bus()
        self.wait_app_registered()
        values.append(self.read(path))
        return values


class HandlerTestCase(ProvTestCase):
    """The provisioning service, and a handler client that answers each request with
    what answer() returns (a dict of answer fields, or None to leave it pending)."""

    def setUp(self):
        super().setUp()
        self.handler = self.claim(['prov/ssid', 'prov/scan', 'prov/command'])
        self.answer = None

    def claim(self, chars):
        client = LocalClient(self)
        client.ok('handle', chars=chars)
        client.on_event = lambda event: self._on_event(client, event)
        return client

    def _on_event(self, client, event):
        if event['event'] not in ('read-request', 'write-request') or self.answer is None:
            return
        fields = self.answer(event)
        if fields is not None:
            client.send('answer', request=event['request'], **fields)


class LiveReadTest(HandlerTestCase):

    def test_read_returns_what_the_handler_answers(self):
        self.answer = lambda e: dict(typed='net-a,net-b')
        self.assertEqual(self.read(SCAN), b'net-a,net-b')
        event = self.handler.events_named('read-request')[0]
        self.assertEqual(event['char'], 'prov/scan')
        self.assertEqual(event['address'], CENTRAL_ADDRESS)
        self.assertEqual(event['device'], self.fake.device_path('hci0'))
        self.assertEqual(event['offset'], 0)
        self.assertEqual(event['mtu'], 185)
        self.assertNotIn('desc', event)
        # CLOCK_MONOTONIC (Python's time.monotonic() on Linux): HandlerTimeoutMs (3 s) after the request.
        left = event['deadline'] / 1e6 - time.monotonic()
        self.assertTrue(0 < left <= 3.0, left)

    def test_read_at_an_offset_gets_the_tail_of_the_answered_value(self):
        self.answer = lambda e: dict(value='0102030405')
        self.assertEqual(self.read(SCAN, offset=3), bytes([4, 5]))
        self.assertEqual(self.handler.events_named('read-request')[0]['offset'], 3)

    def test_offset_beyond_the_answered_value_is_invalid_offset(self):
        self.answer = lambda e: dict(value='01')
        self.assertAtt(0x07, False, self.read, SCAN, offset=5)

    def test_a_live_read_does_not_change_the_stored_value(self):
        self.answer = lambda e: dict(typed='live')
        self.read(SCAN)
        self.assertEqual(self.handler.ok('get', char='prov/scan')['typed'], 'stored')

    def test_a_handled_descriptor_reaches_its_characteristics_handler(self):
        self.answer = lambda e: dict(value='6c697665')
        self.assertEqual(self.read(SCAN_NOTE), b'live')
        event = self.handler.events_named('read-request')[0]
        self.assertEqual((event['char'], event['desc']), ('prov/scan', 'prov/scan/note'))

    def test_read_refused_with_a_named_error(self):
        self.answer = lambda e: dict(error='not-authorized')
        e = self.assertAtt(0x08, False, self.read, SCAN)
        self.assertEqual(e.name, 'org.bluez.Error.NotAuthorized')
        self.answer = lambda e: dict(error='not-permitted')
        self.assertAtt(0x02, False, self.read, SCAN)

    def test_read_without_the_read_flag_never_reaches_the_handler(self):
        self.answer = lambda e: dict(value='00')
        self.assertAtt(0x02, False, self.read, COMMAND)
        self.handler.sync()
        self.assertEqual(self.handler.events_named('read-request'), [])


class ValidatedWriteTest(HandlerTestCase):

    def test_accepted_write_is_stored_watched_and_captured(self):
        watcher = LocalClient(self)
        watcher.watch()
        self.answer = lambda e: {}
        self.write(SSID, b'home-net')
        event = self.handler.events_named('write-request')[0]
        self.assertEqual((event['char'], event['typed'], event['value'], event['data']),
                         ('prov/ssid', 'home-net', b'home-net'.hex(), b'home-net'.hex()))
        self.assertEqual((event['offset'], event['prepared'], event['authorize'], event['response']),
                         (0, False, False, True))
        self.assertEqual(event['address'], CENTRAL_ADDRESS)
        self.assertEqual(self.read(SSID), b'home-net')
        self.assertEqual(watcher.wait_event('write', char='prov/ssid')['typed'], 'home-net')
        self.assertEqual(watcher.ok('next-write', char='prov/ssid', timeout_ms=0)['typed'], 'home-net')

    def test_refused_write_changes_nothing_anywhere(self):
        self.answer = lambda e: dict(error='invalid-value-length')
        self.assertRefusedWriteChangesNothing(0x0d, 'org.bluez.Error.InvalidValueLength')

    def test_application_error_reaches_the_central_exactly(self):
        for code in (0x80, 0x81, 0x9f):
            self.answer = lambda e, code=code: dict(error=code)
            e = self.assertAtt(code, True, self.write, SSID, b'x')
            self.assertEqual((e.name, e.message), ('org.bluez.Error.Failed', '0x%02x' % code))

    def test_every_named_error(self):
        for name, code in (('not-permitted', 0x03), ('not-supported', 0x06), ('invalid-offset', 0x07),
                           ('not-authorized', 0x08), ('invalid-value-length', 0x0d), ('unlikely', 0x0e),
                           ('in-progress', 0xfe)):
            self.answer = lambda e, name=name: dict(error=name)
            self.assertAtt(code, True, self.write, SSID, b'x')

    def test_the_flags_and_length_rules_come_before_the_handler(self):
        self.answer = lambda e: {}
        self.assertAtt(0x0d, True, self.write, SSID, b'x' * 33)
        self.assertAtt(0x07, True, self.write, SSID, b'x', offset=6)
        self.handler.sync()
        self.assertEqual(self.handler.events_named('write-request'), [])

    def test_prepared_write_shows_the_whole_value_it_would_leave(self):
        self.answer = lambda e: {}
        self.write(SSID, b'ABC', offset=2)
        event = self.handler.events_named('write-request')[0]
        self.assertEqual((event['data'], event['typed'], event['prepared']), (b'ABC'.hex(), 'unABC', True))
        self.assertEqual(self.read(SSID), b'unABC')

    def test_authorize_probe_asks_and_stores_nothing(self):
        self.answer = lambda e: {}
        self.write(SSID, b'probe', prepare_authorize=True)
        self.assertIs(self.handler.events_named('write-request')[0]['authorize'], True)
        self.assertEqual(self.read(SSID), b'unset')
        self.answer = lambda e: dict(error='not-authorized')
        self.assertAtt(0x08, True, self.write, SSID, b'probe', prepare_authorize=True)

    def test_write_without_response_is_validated_too(self):
        self.answer = lambda e: dict(error='in-progress') if e['data'] == 'ff' else {}
        self.write(COMMAND, b'\x01')
        self.write(COMMAND, b'\xff')
        self.wait_until(lambda: len(self.handler.events_named('write-request')) == 2, 'both requests')
        self.handler.sync()
        self.assertIs(self.handler.events_named('write-request')[0]['response'], False)
        self.assertEqual(self.handler.ok('get', char='prov/command')['value'], '01')


class HandlerRoleTest(HandlerTestCase):

    def test_second_claim_is_busy_naming_the_holder(self):
        other = LocalClient(self)
        error = other.error_reply('busy', 'handle', chars=['prov/ssid'])
        self.assertIn('pid', error['message'])

    def test_claim_of_a_characteristic_without_handler_key(self):
        other = LocalClient(self)
        other.error_reply('not-handled', 'handle', chars=['prov/plain'])
        other.error_reply('not-found', 'handle', chars=['prov/nothing'])

    def test_claims_are_all_or_nothing(self):
        other = LocalClient(self)
        self.handler.ok('unhandle', chars=['prov/command'])
        other.error_reply('busy', 'handle', chars=['prov/command', 'prov/ssid'])
        self.handler.ok('handle', chars=['prov/command'])

    def test_unhandle_hands_requests_back_to_the_fallback(self):
        self.handler.ok('unhandle')
        self.assertEqual(self.read(SCAN), b'stored')
        self.assertAtt(0x0e, True, self.write, SSID, b'x')


class FallbackTest(HandlerTestCase):

    def test_without_a_handler_reads_are_stored_values_and_writes_refused(self):
        self.handler.close()
        self.wait_until(lambda: self._unclaimed('prov/ssid'), 'the claim to end')
        self.assertEqual(self.read(SCAN), b'stored')
        self.assertAtt(0x0e, True, self.write, SSID, b'x')
        self.assertEqual(self.read(SSID), b'unset')

    def _unclaimed(self, char):
        probe = LocalClient(self)
        reply = probe.request('handle', chars=[char])
        probe.close()
        return reply.get('ok') is True

    def test_handler_fallback_store_stores_without_a_handler(self):
        self.handler.ok('unhandle', chars=['prov/command'])
        self.write(COMMAND, b'\x07')
        self.assertEqual(self.handler.ok('get', char='prov/command')['value'], '07')

    def test_handler_that_leaves_with_requests_pending_settles_them_at_once(self):
        self.answer = lambda e: None
        read = self.fake.begin_read_value(SCAN)
        write = self.fake.begin_write_value(SSID, b'pending')
        self.wait_until(lambda: len(self.handler.events) == 2, 'both requests at the handler')
        started = time.monotonic()
        self.handler.close()
        self.wait_until(lambda: read.done and write.done, 'both settled')
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual(read.value(), b'stored')
        with self.assertRaises(DBusCallError) as cm:
            write.check()
        self.assertEqual(self.fake.att_code(cm.exception, True), 0x0e)


class TimeLimitTest(HandlerTestCase):

    daemon_conf = {'HandlerTimeoutMs': '200', 'MaxClientRequests': '2'}

    def test_no_answer_in_time_is_an_error_and_a_late_answer_is_expired(self):
        self.answer = lambda e: None
        self.assertAtt(0x0e, False, self.read, SCAN)
        request = self.handler.events_named('read-request')[0]['request']
        self.handler.error_reply('expired', 'answer', request=request, value='00')
        self.assertIn('HandlerTimeoutMs', self.gattd_log())

    def test_pending_requests_per_handler_are_bounded(self):
        self.answer = lambda e: None
        first = self.fake.begin_read_value(SCAN)
        second = self.fake.begin_read_value(SCAN)
        self.wait_until(lambda: len(self.handler.events) == 2, 'two requests at the handler')
        self.assertAtt(0xfe, False, self.read, SCAN)
        for event in self.handler.events_named('read-request'):
            self.handler.ok('answer', request=event['request'], value='00')
        self.wait_until(lambda: first.done and second.done, 'both answered')
        self.assertEqual(first.value(), b'\x00')


class TimeLimitOrderTest(HandlerTestCase):

    daemon_conf = {'HandlerTimeoutMs': '300'}

    def test_each_pending_request_expires_on_its_own_time_and_answered_ones_are_kept(self):
        self.answer = lambda e: None
        first = self.fake.begin_read_value(SCAN)
        self.wait_until(lambda: len(self.handler.events) == 1, 'the first request at the handler')
        time.sleep(0.15)
        second = self.fake.begin_read_value(SCAN)
        third_sent = time.monotonic()       # before: gattd starts its 300 ms when the call arrives
        third = self.fake.begin_write_value(SSID, b'late')
        self.wait_until(lambda: len(self.handler.events) == 3, 'three requests at the handler')
        self.handler.ok('answer', request=self.handler.events[1]['request'], value='6f6b')
        self.wait_until(lambda: second.done and third.done, 'all settled')
        # Not with the first, 150 ms before its own time: it had its whole 300 ms.
        self.assertGreaterEqual(time.monotonic() - third_sent, 0.3)
        self.assertTrue(first.done)
        self.assertEqual(second.value(), b'ok')
        for pending, write in ((first, False), (third, True)):
            with self.assertRaises(DBusCallError) as cm:
                pending.check()
            self.assertEqual(self.fake.att_code(cm.exception, write), 0x0e)
        self.handler.error_reply('expired', 'answer', request=self.handler.events[2]['request'])


class GlobalLimitTest(HandlerTestCase):

    daemon_conf = {'MaxHandlerRequests': '1'}

    def test_the_limit_counts_only_requests_waiting_for_a_handler(self):
        self.answer = lambda e: None
        self.handler.ok('unhandle', chars=['prov/command'])
        pending = self.fake.begin_read_value(SCAN)
        self.wait_until(lambda: self.handler.events_named('read-request'), 'a request waiting')
        self.assertAtt(0xfe, True, self.write, SSID, b'x')
        self.write(COMMAND, b'\x09')    # nobody handles it: HandlerFallback=store, not the limit
        self.assertEqual(self.handler.ok('get', char='prov/command')['value'], '09')
        self.handler.ok('answer', request=self.handler.events_named('read-request')[0]['request'], value='00')
        self.wait_until(lambda: pending.done, 'answered')


class ShutdownTest(HandlerTestCase):

    def test_an_answer_while_gattd_stops_still_reaches_the_central(self):
        self.answer = lambda e: None
        pending = self.fake.begin_write_value(SSID, b'late-ok')
        self.wait_until(lambda: self.handler.events_named('write-request'), 'the request at the handler')
        request = self.handler.events_named('write-request')[0]['request']
        self.expect_gattd_running = False
        # SIGTERM first, the answer in the same wakeup: gattd is stopping when it reads it.
        with self.gattd_frozen():
            self.gattd.send_signal(signal.SIGTERM)
            self.handler.send('answer', request=request)
        self.wait_until(lambda: pending.done, 'the central answered')
        pending.check()     # accepted, not HandlerFallback=refuse's 0x0e at exit
        self.wait_until(lambda: self.gattd.poll() is not None, 'gattd to exit')
        self.assertEqual(self.gattd.returncode, 0)


class BadAnswerTest(HandlerTestCase):

    def _pending(self, begin, *args):
        self.answer = lambda e: None
        before = len(self.handler.events)
        pending = begin(*args)
        self.wait_until(lambda: len(self.handler.events) > before, 'the request at the handler')
        return pending, self.handler.events[-1]['request']

    def test_unknown_request_id(self):
        self.handler.error_reply('not-found', 'answer', request=999999)

    def test_request_of_another_client(self):
        pending, request = self._pending(self.fake.begin_read_value, SCAN)
        LocalClient(self).error_reply('not-found', 'answer', request=request, value='00')
        self.handler.ok('answer', request=request, value='00')

    def test_value_too_long_is_refused_and_the_central_still_answered(self):
        pending, request = self._pending(self.fake.begin_write_value, SSID, b'x')
        self.handler.error_reply('bad-request', 'answer', request=request, value='00')
        self.wait_until(lambda: pending.done, 'the central answered')
        pending2, request2 = self._pending(self.fake.begin_read_value, SCAN)
        self.handler.error_reply('invalid-value', 'answer', request=request2, value='00' * 600)
        self.wait_until(lambda: pending2.done, 'the central answered')
        with self.assertRaises(DBusCallError):
            pending2.value()

    def test_error_outside_the_allowed_set(self):
        pending, request = self._pending(self.fake.begin_read_value, SCAN)
        error = self.handler.error_reply('bad-request', 'answer', request=request, error='teapot')
        self.assertIn('the central got ATT 0x0e', error['message'])
        self.wait_until(lambda: pending.done, 'the central answered')
        self.handler.error_reply('expired', 'answer', request=request, value='00')

    def test_malformed_answers_still_answer_the_central(self):
        for fields in (dict(error=0x42), dict(error=200), dict(error=True), dict(error='unlikely', value='00'),
                       dict(value='00', typed='x'), dict(value=7)):
            pending, request = self._pending(self.fake.begin_read_value, SCAN)
            error = self.handler.error_reply('bad-request', 'answer', request=request, **fields)
            self.assertIn('the central got ATT 0x0e', error['message'], fields)
            self.wait_until(lambda: pending.done, 'the central answered at once')
            with self.assertRaises(DBusCallError) as cm:
                pending.value()
            self.assertEqual(self.fake.att_code(cm.exception, False), 0x0e)

    def test_answer_to_a_request_not_sent_to_this_connection_is_not_found_and_a_second_one_expired(self):
        self.answer = lambda e: dict(value='00')
        self.read(SCAN)
        answered = self.handler.events_named('read-request')[-1]['request']
        other = LocalClient(self)
        other.error_reply('not-found', 'answer', request=answered, value='00')
        self.handler.error_reply('expired', 'answer', request=answered, value='00')
        self.handler.ok('unhandle', chars=['prov/scan'])
        self.read(SCAN)
        other.error_reply('not-found', 'answer', request=answered + 1, value='00')

    def test_read_answered_without_a_value(self):
        pending, request = self._pending(self.fake.begin_read_value, SCAN)
        self.handler.error_reply('bad-request', 'answer', request=request)
        self.wait_until(lambda: pending.done, 'the central answered')
        with self.assertRaises(DBusCallError):
            pending.value()


class SurvivesTest(HandlerTestCase):

    def test_claim_survives_power_cycles_and_bluetoothd_restarts(self):
        self.answer = lambda e: dict(typed='live')
        self.assertEqual(self.reads_across_a_power_cycle_and_a_restart(SCAN), [b'live', b'live'])

    def test_claim_survives_an_adapter_replug_and_gattd_losing_the_bus(self):
        self.answer = lambda e: dict(typed='live')
        self.assertEqual(self.reads_across_a_replug_and_a_bus_restart(SCAN), [b'live', b'live'])

    def test_reload_keeps_the_claim_where_the_characteristic_stays(self):
        self.answer = lambda e: dict(typed='live')
        changed = PROV_CONF.replace('Handler=write\nHandlerFallback=store\n', '')
        with open(os.path.join(self.config, 'services.d', 'prov.conf'), 'w') as f:
            f.write(changed)
        self.handler.ok('reload')
        self.assertEqual(self.read(SCAN), b'live')
        event = self.handler.wait_event('unhandled', char='prov/command')
        self.assertEqual(event['reason'], 'reload')


if __name__ == '__main__':
    unittest.main()
