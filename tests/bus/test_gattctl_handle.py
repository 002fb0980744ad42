# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattctl handle end to end ($GATTCTL against the test's gattd, the fake as central):
each request runs a command whose exit status, stdout, environment and stdin are the
contract of README "gattctl handle"; the example provisioning service with its real
handler script (conf/examples)."""

import json
import os
import re
import shlex
import signal
import time
import unittest

from clients import ClientProgram, LocalClient, SyncProxy
from harness import APP_PATH, CENTRAL_ADDRESS, DBusCallError, GattdTestCase
from test_gattctl import EXIT_CONNECTION, EXIT_ERROR, gattctl_binary

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, '..', '..', 'conf', 'examples')

TEXT = APP_PATH + '/h/text'
NUMBER = APP_PATH + '/h/number'
RAW = APP_PATH + '/h/raw'
NOTE = RAW + '/note'

HANDLE_CONF = """\
[Service h]
UUID=7a2c0001-0000-4000-8000-00805f9b34fb

[Characteristic h/text]
UUID=7a2c0002-0000-4000-8000-00805f9b34fb
Flags=read;write
Type=utf8
MaxLength=32
Value=utf8:stored
Handler=read;write

[Characteristic h/number]
UUID=7a2c0003-0000-4000-8000-00805f9b34fb
Flags=read;write
Type=u16
Value=u16:7
Handler=read;write

[Characteristic h/raw]
UUID=7a2c0004-0000-4000-8000-00805f9b34fb
Flags=read;write
MaxLength=16
Value=hex:0102
Handler=read;write

[Descriptor h/raw/note]
UUID=7a2c0005-0000-4000-8000-00805f9b34fb
Flags=read
Value=utf8:note
Handler=read
"""

# The variables gattctl sets (or leaves out) per request.
REQUEST_VARIABLES = {'GATTD_REQUEST', 'GATTD_CHAR', 'GATTD_DESC', 'GATTD_DEVICE', 'GATTD_ADDRESS', 'GATTD_OFFSET',
                     'GATTD_MTU', 'GATTD_VALUE_HEX', 'GATTD_VALUE', 'GATTD_DATA_HEX', 'GATTD_PREPARED',
                     'GATTD_AUTHORIZE', 'GATTD_RESPONSE'}

# What a command's exit status answers, as the central sees it (README, "gattctl handle").
WRITE_STATUS_CODES = [(1, 0x80), (2, 0x03), (3, 0x08), (4, 0x0d), (5, 0xfe), (6, 0x06), (7, 0x07),
                      (32, 0x80), (33, 0x81), (63, 0x9f), (8, 0x0e), (31, 0x0e), (64, 0x0e), (127, 0x0e),
                      (128, 0x0e), (137, 0x0e), (159, 0x0e), (255, 0x0e)]
READ_STATUS_CODES = [(1, 0x80), (2, 0x02), (3, 0x08), (4, 0x0d), (5, 0xfe), (6, 0x06), (7, 0x07),
                     (34, 0x82), (130, 0x0e), (9, 0x0e)]


class HandleTestCase(GattdTestCase):

    services = {'h.conf': HANDLE_CONF}
    daemon_conf = None

    def setUp(self):
        super().setUp()
        self.binary = gattctl_binary()
        self.config = self.config_dir(services=self.services, daemon=self.daemon_conf)
        self.start_gattd(config_dir=self.config)
        self.wait_app_registered()
        self.wait_on_air()

    def start_handle(self, *args, env=None):
        """gattctl handle ARGS through a SyncProxy, its claim in force; returns (program, connection)."""
        program_env = {k: v for k, v in os.environ.items() if k != 'GATTD_SOCKET'}
        program_env['LC_ALL'] = 'C.UTF-8'
        program_env.update(env or {})
        proxy = SyncProxy(self, os.path.join(self.tmpdir, 'proxy-%d.sock' % len(os.listdir(self.tmpdir))))
        program = ClientProgram(self, [self.binary, '--socket', proxy.path, 'handle'] + list(args),
                                env=program_env)
        connection = proxy.wait_connection()
        connection.wait_request('handle')
        self.assertIsNone(program.process.poll(), program.describe())
        return program, connection

    def path(self, name):
        return os.path.join(self.tmpdir, name)

    def read_env(self, name):
        """A file written by `env > FILE` as a dict."""
        with open(self.path(name)) as f:
            return dict(line.rstrip('\n').split('=', 1) for line in f if '=' in line)


class HandleAnswerTest(HandleTestCase):

    def test_every_write_exit_status_reaches_the_central_as_its_att_code(self):
        program, _ = self.start_handle('h/text', '--write-cmd', 'exit "$GATTD_VALUE"')
        self.fake.write_value(TEXT, b'0')
        self.assertEqual(self.fake.read_value(TEXT), b'0')
        for status, code in WRITE_STATUS_CODES:
            self.assertAtt(code, True, self.fake.write_value, TEXT, str(status).encode())
        self.assertEqual(self.fake.read_value(TEXT), b'0', 'no refused write was stored')
        self.assertIn('names no answer', program.stderr_text)
        program.wait_lines(3 + len(WRITE_STATUS_CODES))
        prefix = 'write h/text from %s: ' % CENTRAL_ADDRESS
        self.assertEqual(program.stdout_lines[:5], [
            prefix + 'accepted',
            'read h/text from %s: 1 byte (stored value)' % CENTRAL_ADDRESS,
            prefix + 'refused: application error 0x80',
            prefix + 'refused: not-permitted (0x03)',
            prefix + 'refused: not-authorized (0x08)',
        ])
        self.assertEqual(program.stdout_lines[-2:], [prefix + 'refused: unlikely (0x0e)',
                                                     'read h/text from %s: 1 byte (stored value)' % CENTRAL_ADDRESS])
        self.assertEqual(program.terminate(), 0, program.describe())

    def test_every_read_exit_status_reaches_the_central_as_its_att_code(self):
        status_file = self.path('status')
        program, _ = self.start_handle('h/raw', '--read-cmd', 'exit "$(cat %s)"' % shlex.quote(status_file))
        for status, code in READ_STATUS_CODES:
            with open(status_file, 'w') as f:
                f.write(str(status))
            self.assertAtt(code, False, self.fake.read_value, RAW)
        program.wait_line(re.escape('read h/raw from %s: refused: not-permitted (0x02)' % CENTRAL_ADDRESS))

    def test_command_killed_by_a_signal_is_unlikely(self):
        program, _ = self.start_handle('h/text', '--write-cmd', 'kill -9 $$')
        self.assertAtt(0x0e, True, self.fake.write_value, TEXT, b'x')
        self.assertIn('was killed by signal 9', program.stderr_text)
        self.assertEqual(self.fake.read_value(TEXT), b'stored')

    def test_command_over_cmd_timeout_is_unlikely_killed_with_what_it_started_and_serving_goes_on(self):
        pid_file = self.path('pid')
        command = 'if [ "$GATTD_VALUE" = slow ]; then echo $$ > %s; sleep 30; fi' % shlex.quote(pid_file)
        program, _ = self.start_handle('h/text', '--write-cmd', command, '--cmd-timeout', '300')
        started = time.monotonic()
        self.assertAtt(0x0e, True, self.fake.write_value, TEXT, b'slow')
        self.assertLess(time.monotonic() - started, 3.0)
        self.assertIn('ran over 300 ms (--cmd-timeout)', program.stderr_text)
        with open(pid_file) as f:
            group = int(f.read())

        def group_gone():
            try:
                os.killpg(group, 0)     # a zombie would still count: gattctl reaps the shell
            except ProcessLookupError:
                return True
            return False
        self.wait_until(group_gone, 'the command and its sleep to be killed and reaped')
        self.fake.write_value(TEXT, b'fast')
        self.assertEqual(self.fake.read_value(TEXT), b'fast')
        program.wait_line(re.escape('write h/text from %s: accepted' % CENTRAL_ADDRESS))
        self.assertIsNone(program.process.poll(), program.describe())

    def test_gattctl_json_handle_prints_every_line_as_received(self):
        program, connection = self.start_handle('--json', 'h/text', '--write-cmd', 'exit 4')
        self.assertAtt(0x0d, True, self.fake.write_value, TEXT, b'x')
        program.wait_lines(3)
        self.assertEqual([json.loads(line) for line in program.stdout_lines], connection.received)
        self.assertEqual([m.get('event') for m in connection.received], [None, 'write-request', None])
        self.assertEqual(connection.sent[-1], {'cmd': 'answer', 'id': connection.sent[-1]['id'],
                                               'request': connection.received[1]['request'],
                                               'error': 'invalid-value-length'})

    def test_without_commands_reads_get_the_stored_value_and_writes_are_accepted(self):
        program, _ = self.start_handle('h/text', 'h/raw')
        self.assertEqual(self.fake.read_value(TEXT), b'stored')
        self.assertEqual(self.fake.read_value(NOTE), b'note')
        self.assertEqual(self.fake.read_value(TEXT, offset=3), b'red')
        self.fake.write_value(TEXT, b'new')
        self.assertEqual(self.fake.read_value(TEXT), b'new')
        program.wait_lines(5)
        self.assertEqual(program.stdout_lines, [
            'read h/text from %s: 6 bytes (stored value)' % CENTRAL_ADDRESS,
            'read h/raw/note from %s: 4 bytes (stored value)' % CENTRAL_ADDRESS,
            'read h/text at offset 3 from %s: 6 bytes (stored value)' % CENTRAL_ADDRESS,
            'write h/text from %s: accepted' % CENTRAL_ADDRESS,
            'read h/text from %s: 3 bytes (stored value)' % CENTRAL_ADDRESS,
        ])


class HandleReadValueTest(HandleTestCase):

    READ_CMD = """case "${GATTD_DESC:-}:$GATTD_CHAR" in
    h/raw/note:*) echo "6e 6f"; echo 7465 ;;
    :h/number) echo "$(cat %(number)s)" ;;
    :h/text) printf 'hello world\\n' ;;
    :h/raw) cat %(raw)s ;;
    esac"""

    def start(self):
        self.number, self.raw = self.path('number'), self.path('raw')
        self.set_outputs('300', '0a:0b 0c\n0d\n')
        return self.start_handle('h/text', 'h/number', 'h/raw', '--read-cmd',
                                 self.READ_CMD % dict(number=shlex.quote(self.number), raw=shlex.quote(self.raw)))

    def set_outputs(self, number, raw):
        with open(self.number, 'w') as f:
            f.write(number)
        with open(self.raw, 'w') as f:
            f.write(raw)

    def test_read_command_stdout_is_the_typed_value_or_hex(self):
        program, _ = self.start()
        self.assertEqual(self.fake.read_value(NUMBER), (300).to_bytes(2, 'little'))
        self.assertEqual(self.fake.read_value(TEXT), b'hello world')          # one newline stripped
        self.assertEqual(self.fake.read_value(TEXT, offset=6), b'world')
        self.assertEqual(self.fake.read_value(RAW), bytes([0x0a, 0x0b, 0x0c, 0x0d]))
        self.assertEqual(self.fake.read_value(NOTE), b'note')
        program.wait_lines(5)
        self.assertEqual(program.stdout_lines[0], 'read h/number from %s: 2 bytes' % CENTRAL_ADDRESS)
        self.assertEqual(program.stdout_lines[4], 'read h/raw/note from %s: 4 bytes' % CENTRAL_ADDRESS)
        self.assertEqual(LocalClient(self).ok('get', char='h/text')['typed'], 'stored', 'a live read stores nothing')

    def test_read_output_that_is_not_a_value_is_unlikely_and_said_on_stderr(self):
        program, _ = self.start()
        self.set_outputs('70000', 'zz\n')
        self.assertAtt(0x0e, False, self.fake.read_value, NUMBER)
        self.assertIn('printed no u16 value (u16 value 70000 is out of range', program.stderr_text)
        self.assertAtt(0x0e, False, self.fake.read_value, RAW)
        self.assertIn("printed no hex value (hex value 'zz' has a non-hex character", program.stderr_text)
        self.set_outputs('1', 'ab' * 4097)
        self.assertAtt(0x0e, False, self.fake.read_value, RAW)
        self.assertIn('printed more than 4096 bytes', program.stderr_text)
        self.set_outputs('1', 'ab' * 17)                       # over MaxLength=16: gattd refuses it
        self.assertAtt(0x0e, False, self.fake.read_value, RAW)
        program.wait_line(re.escape('read h/raw from %s: 17 bytes, not delivered (invalid-value)' % CENTRAL_ADDRESS))
        self.set_outputs('1', '0102')
        self.assertEqual(self.fake.read_value(RAW), b'\x01\x02')
        self.assertEqual(self.fake.read_value(NUMBER), b'\x01\x00')


class HandleEnvironmentTest(HandleTestCase):

    WRITE_CMD = 'env > %(dir)s/env.$GATTD_REQUEST; cat > %(dir)s/stdin.$GATTD_REQUEST'

    def start(self, *args):
        stale = {'GATTD_DESC': 'stale', 'GATTD_VALUE': 'stale', 'GATTD_VALUE_HEX': 'stale'}
        return self.start_handle('h/text', 'h/number', 'h/raw', *args, env=stale)

    def requests(self, connection, event):
        return [m for m in connection.received if m.get('event') == event]

    def test_write_command_gets_the_request_in_its_environment_and_the_whole_value_on_stdin(self):
        program, connection = self.start('--write-cmd', self.WRITE_CMD % dict(dir=shlex.quote(self.tmpdir)))
        self.fake.write_value(TEXT, b'hello')
        self.fake.write_value(TEXT, b'XY', offset=2)
        self.fake.write_value(NUMBER, (300).to_bytes(2, 'little'))
        self.fake.write_value(RAW, b'\x00\xff', prepare_authorize=True)
        ids = [e['request'] for e in self.requests(connection, 'write-request')]
        self.assertEqual(len(ids), 4)
        envs = [self.read_env('env.%d' % i) for i in ids]
        first = envs[0]
        self.assertEqual({k: v for k, v in first.items() if k in REQUEST_VARIABLES}, {
            'GATTD_REQUEST': str(ids[0]), 'GATTD_CHAR': 'h/text', 'GATTD_DEVICE': self.fake.device_path('hci0'),
            'GATTD_ADDRESS': CENTRAL_ADDRESS, 'GATTD_OFFSET': '0', 'GATTD_MTU': '185',
            'GATTD_VALUE_HEX': b'hello'.hex(), 'GATTD_VALUE': 'hello', 'GATTD_DATA_HEX': b'hello'.hex(),
            'GATTD_PREPARED': '0', 'GATTD_AUTHORIZE': '0', 'GATTD_RESPONSE': '1'})
        self.assertEqual(first['GATTD_SOCKET'], connection.proxy.path, 'a gattctl the command runs finds gattd')
        prepared = envs[1]
        self.assertEqual((prepared['GATTD_OFFSET'], prepared['GATTD_PREPARED'], prepared['GATTD_DATA_HEX'],
                          prepared['GATTD_VALUE_HEX'], prepared['GATTD_VALUE']),
                         ('2', '1', b'XY'.hex(), b'heXY'.hex(), 'heXY'))
        self.assertEqual(envs[2]['GATTD_VALUE'], '300')
        self.assertEqual((envs[3]['GATTD_AUTHORIZE'], envs[3]['GATTD_VALUE_HEX']), ('1', '00ff'))
        self.assertNotIn('GATTD_VALUE', envs[3], 'no Type: no typed value, not the stale one either')
        stdins = []
        for i in ids:
            with open(self.path('stdin.%d' % i), 'rb') as f:
                stdins.append(f.read())
        self.assertEqual(stdins, [b'hello', b'heXY', (300).to_bytes(2, 'little'), b'\x00\xff'])
        self.assertEqual(self.fake.read_value(TEXT), b'heXY')
        program.wait_line(re.escape('write h/text at offset 2 from %s: accepted' % CENTRAL_ADDRESS))
        program.wait_line(re.escape('authorize-write h/raw from %s: accepted' % CENTRAL_ADDRESS))

    def test_read_command_environment_names_the_descriptor_and_carries_no_value(self):
        env_file = shlex.quote(self.path('env'))
        program, connection = self.start('--read-cmd', 'env > %s; echo 01' % env_file)
        self.assertEqual(self.fake.read_value(NOTE, offset=1, mtu=23), b'')
        env = self.read_env('env')
        self.assertEqual((env['GATTD_CHAR'], env['GATTD_DESC'], env['GATTD_OFFSET'], env['GATTD_MTU']),
                         ('h/raw', 'h/raw/note', '1', '23'))
        for name in ('GATTD_VALUE', 'GATTD_VALUE_HEX', 'GATTD_DATA_HEX', 'GATTD_PREPARED'):
            self.assertNotIn(name, env)
        self.assertEqual(self.fake.read_value(RAW), b'\x01')
        self.assertNotIn('GATTD_DESC', self.read_env('env'))


class HandleDeadlineTest(HandleTestCase):
    """HandlerTimeoutMs=300: each request's deadline (its event's "deadline") bounds its command, and a
    request that expired while it waited is not run."""

    daemon_conf = {'HandlerTimeoutMs': '300'}
    EXPIRED = 'expired before its command ran (gattd answers 0x0e)'
    KILLED = 'killed its command at the deadline (gattd answers 0x0e)'

    def answers_sent(self, connection):
        return [m for m in connection.sent if m.get('cmd') == 'answer']

    def assertRefusedUnlikely(self, pending):
        with self.assertRaises(DBusCallError) as cm:
            pending.check()
        self.assertEqual(self.fake.att_code(cm.exception, True), 0x0e)

    def test_a_request_that_expired_before_its_turn_does_not_run_its_command(self):
        ran = self.path('ran')
        program, connection = self.start_handle('h/text', '--write-cmd', 'echo "$GATTD_VALUE" >> %s' % shlex.quote(ran))
        pid = program.process.pid

        def resume():
            if program.process.poll() is None:
                os.kill(pid, signal.SIGCONT)
        os.kill(pid, signal.SIGSTOP)        # busy elsewhere until gattd has refused the write
        self.addCleanup(resume)
        self.assertAtt(0x0e, True, self.fake.write_value, TEXT, b'late')
        resume()
        program.wait_line(re.escape('write h/text from %s: %s' % (CENTRAL_ADDRESS, self.EXPIRED)))
        self.assertFalse(os.path.exists(ran))
        self.assertEqual(self.answers_sent(connection), [])
        self.fake.write_value(TEXT, b'next')            # serving goes on
        with open(ran) as f:
            self.assertEqual(f.read(), 'next\n')
        self.assertEqual(self.fake.read_value(TEXT), b'next')

    def test_a_command_still_running_at_the_deadline_is_killed_and_gattd_answers(self):
        pid_file, finished = self.path('pid'), self.path('finished')
        command = 'if [ "$GATTD_VALUE" = slow ]; then echo $$ > %s; sleep 30; touch %s; fi' % (
            shlex.quote(pid_file), shlex.quote(finished))
        program, connection = self.start_handle('h/text', '--write-cmd', command)     # --cmd-timeout 3000
        began = time.monotonic()
        self.assertAtt(0x0e, True, self.fake.write_value, TEXT, b'slow')
        program.wait_line(re.escape('write h/text from %s: %s' % (CENTRAL_ADDRESS, self.KILLED)))
        self.assertGreaterEqual(time.monotonic() - began, 0.25, 'killed 50 ms before the deadline, not earlier')
        self.assertIn('was still running 50 ms before gattd\'s deadline for the request (HandlerTimeoutMs); killed '
                      'it and its process group, answering nothing', program.stderr_text)
        self.assertNotIn('--cmd-timeout', program.stderr_text)
        self.assertEqual(self.answers_sent(connection), [])
        with open(pid_file) as f:
            group = int(f.read())

        def group_gone():
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return True
            return False
        self.wait_until(group_gone, 'the command and its sleep to be killed and reaped')
        self.assertFalse(os.path.exists(finished))
        self.assertEqual(LocalClient(self).ok('get', char='h/text')['typed'], 'stored')
        self.fake.write_value(TEXT, b'fast')
        self.assertEqual(self.fake.read_value(TEXT), b'fast')

    def test_a_read_command_is_cut_by_the_deadline_too(self):
        program, connection = self.start_handle('h/raw', '--read-cmd', 'sleep 30')
        self.assertAtt(0x0e, False, self.fake.read_value, RAW)
        program.wait_line(re.escape('read h/raw from %s: %s' % (CENTRAL_ADDRESS, self.KILLED)))
        self.assertEqual(self.answers_sent(connection), [])

    def test_without_a_deadline_in_the_event_as_from_an_older_gattd_the_command_runs_as_before(self):
        ran = self.path('ran')
        program, connection = self.start_handle('h/text', '--write-cmd', 'sleep 0.4; touch %s' % shlex.quote(ran))
        connection.rewrite = lambda m: {k: v for k, v in m.items() if k != 'deadline'}
        self.assertAtt(0x0e, True, self.fake.write_value, TEXT, b'late')
        program.wait_line(re.escape('write h/text from %s: accepted, not delivered (expired)' % CENTRAL_ADDRESS))
        self.assertTrue(os.path.exists(ran))
        event, = [m for m in connection.received if m.get('event') == 'write-request']
        self.assertIn('deadline', event)        # gattd sent it; gattctl did not see it



class HandleQueuedDeadlineTest(HandleTestCase):
    """HandlerTimeoutMs=2000 and a command that takes 1 s: the first of three writes at once is
    done well within its time, however slow gattd runs (valgrind); the two queued behind it are not."""

    daemon_conf = {'HandlerTimeoutMs': '2000'}
    EXPIRED, KILLED = HandleDeadlineTest.EXPIRED, HandleDeadlineTest.KILLED
    answers_sent = HandleDeadlineTest.answers_sent
    assertRefusedUnlikely = HandleDeadlineTest.assertRefusedUnlikely

    def test_writes_queued_behind_a_slow_command_do_not_run_after_gattd_refused_them(self):
        log = self.path('log')
        program, connection = self.start_handle('h/raw', '--write-cmd',
                                                'sleep 1; echo "$GATTD_VALUE_HEX" >> %s' % shlex.quote(log))
        writes = [self.fake.begin_write_value(RAW, bytes([n])) for n in (1, 2, 3)]
        self.wait_until(lambda: all(w.done for w in writes), 'the three writes answered')
        writes[0].check()
        for pending in writes[1:]:
            self.assertRefusedUnlikely(pending)
        lines = program.wait_lines(3)
        prefix = 'write h/raw from %s: ' % CENTRAL_ADDRESS
        self.assertEqual(lines[0], prefix + 'accepted')
        # Their turn came at or after their deadline less 50 ms: not run, or killed in the sleep.
        for line in lines[1:]:
            self.assertIn(line, (prefix + self.EXPIRED, prefix + self.KILLED), program.describe())
        self.assertEqual(len(self.answers_sent(connection)), 1)
        with open(log) as f:
            self.assertEqual(f.read(), '01\n', 'only the accepted write ran to its end')
        self.assertEqual(LocalClient(self).ok('get', char='h/raw')['value'], '01')

class HandleLifeTest(HandleTestCase):

    def test_handle_of_a_characteristic_another_client_holds_is_busy_and_exits_1(self):
        holder = LocalClient(self)
        holder.ok('handle', chars=['h/raw'])
        program = ClientProgram(self, [self.binary, '--socket', self.socket_path, 'handle', 'h/text', 'h/raw'])
        self.assertEqual(program.wait_exit(), EXIT_ERROR, program.describe())
        self.assertRegex(program.stderr_text, r'h/raw is handled by client \d+ \(pid \d+\) \(busy\)')
        holder.ok('handle', chars=['h/text'])           # all or nothing: gattctl claimed none

    def test_gattctl_handle_exits_0_on_sigterm_and_its_claims_are_released(self):
        program, _ = self.start_handle('h/text')
        self.assertEqual(program.terminate(), 0, program.describe())
        def released():
            probe = LocalClient(self)
            reply = probe.request('handle', chars=['h/text'])
            probe.close()
            return reply.get('ok') is True
        self.wait_until(released, 'the claim to be released')

    def test_sigterm_during_a_command_stops_it_and_gattd_settles_the_write_by_the_fallback(self):
        started = self.path('started')
        program, _ = self.start_handle('h/text', '--write-cmd', 'touch %s; sleep 30' % shlex.quote(started))
        pending = self.fake.begin_write_value(TEXT, b'x')
        self.wait_until(lambda: os.path.exists(started), 'the command to start')
        began = time.monotonic()
        self.assertEqual(program.terminate(), 0, program.describe())
        self.assertLess(time.monotonic() - began, 3.0)
        self.wait_until(lambda: pending.done, 'the central answered')
        with self.assertRaises(DBusCallError) as cm:
            pending.check()
        self.assertEqual(self.fake.att_code(cm.exception, True), 0x0e)   # HandlerFallback=refuse
        self.assertEqual(program.stdout_lines, [])

    def test_gattctl_handle_exits_3_when_gattd_stops(self):
        program, _ = self.start_handle('h/text')
        self.stop_gattd()
        self.assertEqual(program.wait_exit(), EXIT_CONNECTION, program.describe())
        self.assertIn('gattd closed the connection', program.stderr_text)

    def test_reload_that_takes_back_every_claimed_char_ends_gattctl_handle_with_1(self):
        program, _ = self.start_handle('h/text', 'h/number')
        with open(os.path.join(self.config, 'services.d', 'h.conf'), 'w') as f:
            f.write(HANDLE_CONF.replace('Handler=read;write\n', '', 1))
        LocalClient(self).ok('reload')
        self.assertEqual(self.fake.read_value(NUMBER), b'\x07\x00')     # still served by gattctl
        program.wait_line(re.escape('read h/number from %s: 2 bytes (stored value)' % CENTRAL_ADDRESS))
        self.assertIn('no longer hands h/text to this handler (reason: reload); serving the other 1',
                      program.stderr_text)
        with open(os.path.join(self.config, 'services.d', 'h.conf'), 'w') as f:
            f.write(HANDLE_CONF.replace('Handler=read;write\n', ''))
        LocalClient(self).ok('reload')
        self.assertEqual(program.wait_exit(), EXIT_ERROR, program.describe())
        self.assertIn('nothing left to handle', program.stderr_text)


class ExampleProvisioningTest(HandleTestCase):
    """conf/examples/provisioning.conf served, conf/examples/provision-handler as the commands."""

    services = {}

    def setUp(self):
        with open(os.path.join(EXAMPLES, 'provisioning.conf')) as f:
            self.services = {'provisioning.conf': f.read()}
        super().setUp()
        self.state = self.path('provision')
        self.hook_release = self.path('release')
        hook = self.path('hook')
        with open(hook, 'w') as f:
            f.write('#!/bin/sh\nwhile [ ! -e %s ]; do sleep 0.05; done\necho "$1 with $(cat "$2/ssid")"\n'
                    % shlex.quote(self.hook_release))
        os.chmod(hook, 0o755)
        script = shlex.quote(os.path.join(EXAMPLES, 'provision-handler'))
        self.program, _ = self.start_handle(
            'prov/ssid', 'prov/psk', 'prov/command', 'prov/status',
            '--write-cmd', script + ' write', '--read-cmd', script + ' read',
            env={'PROVISION_DIR': self.state, 'PROVISION_HOOK': hook})

    def char(self, name):
        return APP_PATH + '/prov/' + name

    def stored(self, name):
        with open(os.path.join(self.state, name), 'rb') as f:
            return f.read()

    def test_example_refuses_a_bad_ssid_with_the_scripts_error_and_stores_a_good_one(self):
        self.assertAtt(0x0d, True, self.fake.write_value, self.char('ssid'), b'')
        self.assertIn('an SSID is 1..32 bytes, not 0', self.program.stderr_text)
        self.assertFalse(os.path.exists(os.path.join(self.state, 'ssid')))
        self.fake.write_value(self.char('ssid'), b'home net')
        self.assertEqual(self.stored('ssid'), b'home net')
        self.assertEqual(self.fake.read_value(self.char('ssid')), b'home net')
        self.assertEqual(os.stat(os.path.join(self.state, 'ssid')).st_mode & 0o777, 0o600)

    def test_example_checks_the_passphrase(self):
        psk = self.char('psk')
        self.assertAtt(0x0d, True, self.fake.write_value, psk, b'short')
        self.assertAtt(0x80, True, self.fake.write_value, psk, b'tab\tinside')
        self.assertFalse(os.path.exists(os.path.join(self.state, 'psk')))
        self.fake.write_value(psk, b'correct horse battery')
        self.assertEqual(self.stored('psk'), b'correct horse battery')

    def test_example_command_answers_in_progress_while_the_previous_one_runs(self):
        command, status = self.char('command'), self.char('status')
        self.assertEqual(self.fake.read_value(status), b'idle')
        self.assertAtt(0x81, True, self.fake.write_value, command, b'reboot')
        self.assertAtt(0x82, True, self.fake.write_value, command, b'connect')
        self.fake.write_value(self.char('ssid'), b'home')
        self.fake.write_value(command, b'connect')
        self.assertEqual(self.fake.read_value(status), b'busy connect')
        self.assertAtt(0xfe, True, self.fake.write_value, command, b'scan')
        with open(self.hook_release, 'w'):
            pass
        self.wait_until(lambda: self.fake.read_value(status) == b'done connect 0', 'the hook to finish')
        self.assertEqual(self.stored('result'), b'connect with home\n')
        self.fake.write_value(command, b'scan')
        self.program.wait_line(re.escape('write prov/command from %s: refused: in-progress (0xfe)'
                                         % CENTRAL_ADDRESS))


if __name__ == '__main__':
    unittest.main()
