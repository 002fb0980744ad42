# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattctl end to end ($GATTCTL against the test's gattd, the fake as central):
watch across power cycles and bluetoothd restarts, get/set with typed values,
next-write and its exit statuses, --json."""

import json
import os
import re
import socket
import subprocess
import threading
import unittest

from clients import ClientProgram, LocalClient, SyncProxy
from harness import APP_PATH, CENTRAL_ADDRESS, COMMAND, DEFAULT_SERVICES, HCI0_ADDRESS, LABEL, LEVEL, GattdTestCase

EXIT_ERROR, EXIT_USAGE, EXIT_CONNECTION, EXIT_TIMEOUT, EXIT_DISCONNECTED = 1, 2, 3, 4, 5
CENTRAL_EVENTS = ('connected', 'disconnected')


def without_centrals(lines):
    """watch's lines but those of centrals connecting and disconnecting, which come and
    go with power cycles and restarts as the fake's centrals do (test_gattctl_devices
    pins them)."""
    return [line for line in lines if line.split(' ', 1)[0] not in CENTRAL_EVENTS]


def gattctl_binary():
    path = os.environ.get('GATTCTL')
    if not path:
        raise unittest.SkipTest('GATTCTL is not set (meson sets it to the built gattctl)')
    return path


class GattctlTestCase(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.binary = gattctl_binary()
        self.start_registered()
        self.device = self.fake.device_path('hci0')

    def start_gattctl(self, *args, socket_path=None):
        env = {k: v for k, v in os.environ.items() if k != 'GATTD_SOCKET'}
        env['LC_ALL'] = 'C.UTF-8'
        return ClientProgram(self, [self.binary, '--socket', socket_path or self.socket_path] + list(args),
                             env=env)

    def gattctl(self, *args):
        """Run gattctl to its end; returns (exit status, stdout lines, stderr)."""
        program = self.start_gattctl(*args)
        status = program.wait_exit()
        return status, program.stdout_lines, program.stderr_text

    def start_gattctl_via_proxy(self, *args):
        """gattctl connected through a SyncProxy; returns (program, its connection)."""
        proxy = SyncProxy(self, os.path.join(self.tmpdir, 'proxy.sock'))
        program = self.start_gattctl(*args, socket_path=proxy.path)
        return program, proxy.wait_connection()


class GattctlWatchTest(GattctlTestCase):

    def test_gattctl_watch_prints_every_write_across_a_power_cycle_and_a_bluetoothd_restart(self):
        program, connection = self.start_gattctl_via_proxy('watch')
        connection.wait_request('watch')
        write = 'write battery/command %s offset=0 address=' + CENTRAL_ADDRESS
        self.fake.write_value(COMMAND, b'hi\n')
        program.wait_line(re.escape(write % '68690a "hi\\n"'))

        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.wait_on_air()
        self.fake.write_value(COMMAND, b'again')
        program.wait_line(re.escape(write % '616761696e "again"'))

        self.fake.stop(clean=False)
        self.fake.start()
        self.wait_app_registered()
        self.fake.write_value(COMMAND, b'\x00\x1b[2J')
        program.wait_line(re.escape(write % '001b5b324a'))       # not text: hex only
        self.assertIsNone(program.process.poll(), 'gattctl watch keeps running')

        adapter = 'adapter name=hci0 address=%s powered=%%s' % HCI0_ADDRESS
        self.assertEqual(without_centrals(program.stdout_lines), [
            write % '68690a "hi\\n"',
            adapter % 'false',
            'unregistered reason=adapter-down',
            adapter % 'true',
            'registered adapter=hci0',
            write % '616761696e "again"',
            'adapter powered=false',                # gattd knows no adapter: no nulls
            'unregistered reason=bluez-gone',
            adapter % 'true',
            'registered adapter=hci0',
            write % '001b5b324a',
        ])
        self.assertEqual(program.terminate(), 0, program.describe())

    def test_gattctl_watch_of_some_chars_prints_only_their_writes(self):
        program, connection = self.start_gattctl_via_proxy('watch', 'settings/threshold')
        connection.wait_request('watch')
        self.fake.write_value(COMMAND, b'not shown')
        self.fake.write_value('/org/gattd/app/settings/threshold', (4660).to_bytes(2, 'little'))
        program.wait_line('write settings/threshold 3412 4660 offset=0 address=' + CENTRAL_ADDRESS)
        self.assertEqual(len(without_centrals(program.stdout_lines)), 1, program.describe())

    def test_gattctl_watch_exits_3_when_gattd_stops(self):
        program, connection = self.start_gattctl_via_proxy('watch')
        connection.wait_request('watch')
        self.stop_gattd()
        self.assertEqual(program.wait_exit(), EXIT_CONNECTION, program.describe())
        self.assertIn('unregistered reason=shutdown', program.stdout_lines)

    def test_gattctl_json_watch_prints_the_reply_then_every_event_line_as_received(self):
        program, connection = self.start_gattctl_via_proxy('--json', 'watch')
        connection.wait_request('watch')
        self.fake.write_value(LABEL, b'x')
        self.fake.start_notify(LEVEL)
        program.wait_line('.*"event":"subscribed".*')
        self.assertEqual([json.loads(line) for line in program.stdout_lines], connection.received)
        self.assertEqual([m.get('event') for m in connection.received if m.get('event') not in CENTRAL_EVENTS],
                         [None, 'write', 'subscribed'])


    def test_gattctl_watch_timestamps_each_line_with_the_local_time(self):
        program, connection = self.start_gattctl_via_proxy('watch', '--timestamps', 'battery/command')
        connection.wait_request('watch')
        self.fake.write_value(COMMAND, b'hi')
        line = program.wait_line(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} write battery/command .*')
        self.assertTrue(line.endswith(' write battery/command 6869 "hi" offset=0 address=' + CENTRAL_ADDRESS), line)

    def test_gattctl_watch_follow_waits_for_gattd_and_watches_again_after_a_restart(self):
        self.stop_gattd()
        program = self.start_gattctl('watch', '--follow', 'battery/command')
        self.wait_until(lambda: 'trying again every second' in program.stderr_text, 'watch to say it waits')
        self.assertIn('gattctl: watch: cannot connect to gattd at %s: ' % self.socket_path, program.stderr_text)
        self.start_registered()
        self.wait_until(lambda: 'connected to gattd at' in program.stderr_text, 'watch to connect')
        self.fake.write_value(COMMAND, b'one')
        program.wait_line(re.escape('write battery/command 6f6e65 "one" offset=0 address=' + CENTRAL_ADDRESS))

        self.stop_gattd()
        self.wait_until(lambda: 'connection to gattd lost' in program.stderr_text, 'watch to say gattd went')
        self.start_registered()
        self.wait_until(lambda: 'reconnected to gattd at %s' % self.socket_path in program.stderr_text,
                        'watch to reconnect')
        self.fake.write_value(COMMAND, b'two')
        program.wait_line(re.escape('write battery/command 74776f "two" offset=0 address=' + CENTRAL_ADDRESS))
        self.assertIsNone(program.process.poll(), program.describe())
        self.assertEqual(program.terminate(), 0, program.describe())

    def test_gattctl_watch_follow_ends_with_1_when_gattd_refuses_the_watch(self):
        status, out, err = self.gattctl('watch', '--follow', 'battery/nothing')
        self.assertEqual((status, out), (EXIT_ERROR, []), err)
        self.assertIn("no characteristic 'battery/nothing' (not-found)", err)


class GattctlValueTest(GattctlTestCase):

    def test_gattctl_get_prints_the_typed_value_or_hex(self):
        self.assertEqual(self.gattctl('get', 'battery/level'), (0, ['100'], ''))
        self.assertEqual(self.gattctl('get', 'settings/threshold'), (0, ['300'], ''))
        self.assertEqual(self.gattctl('get', 'settings/label'), (0, [b'gattd'.hex()], ''))

    def test_gattctl_get_prints_what_the_central_wrote(self):
        self.fake.write_value(LABEL, b'central')
        self.assertEqual(self.gattctl('get', 'settings/label'), (0, [b'central'.hex()], ''))

    def test_gattctl_set_of_a_typed_value_notifies_the_subscribed_central(self):
        self.fake.start_notify(LEVEL)
        self.assertEqual(self.gattctl('set', 'battery/level', '42'),
                         (0, ['set battery/level 2a 42 notified=true subscribed=true'], ''))
        self.wait_until(lambda: self.fake.notifications, 'the notification to reach bluetoothd')
        self.assertEqual(self.fake.notifications, [(LEVEL, b'\x2a')])

    def test_gattctl_set_reads_value_as_the_characteristic_type_prefix_or_hex(self):
        self.assertEqual(self.gattctl('set', 'settings/threshold', '0x1234', '--no-notify'),
                         (0, ['set settings/threshold 3412 4660 notified=false subscribed=false'], ''))
        self.assertEqual(self.gattctl('set', 'settings/label', 'utf8:hello world')[1],
                         ['set settings/label 68656c6c6f20776f726c64 "hello world" notified=false subscribed=false'])
        self.assertEqual(self.fake.read_value(LABEL), b'hello world')
        self.assertEqual(self.gattctl('set', 'settings/label', '0a:0b')[0], 0)
        self.assertEqual(self.fake.read_value(LABEL), b'\x0a\x0b')
        self.assertEqual(self.gattctl('set', 'battery/level', '--hex', '07')[0], 0)
        self.assertEqual(self.fake.read_value(LEVEL), b'\x07')

    def test_gattctl_set_of_an_out_of_range_value_exits_2_and_changes_nothing(self):
        status, out, err = self.gattctl('set', 'battery/level', '300')
        self.assertEqual((status, out), (EXIT_USAGE, []), err)
        self.assertIn('out of range', err)
        self.assertEqual(self.fake.read_value(LEVEL), bytes([100]))

    def test_a_value_of_the_wrong_length_exits_2_whether_gattctl_or_gattd_finds_it(self):
        for args, said in (
                (('battery/level', '300'), 'u8 value 300 is out of range'),                  # gattctl finds it
                (('battery/level', '--hex', '0102'), '2 bytes, where Type=u8 takes 1'),       # gattd does
                (('settings/threshold', '--hex', '01'), '1 byte, where Type=u16 takes 2'),
                (('settings/label', 'utf8:' + 'x' * 21), '21 bytes, more than MaxLength=20')):
            status, out, err = self.gattctl('set', *args)
            self.assertEqual((status, out), (EXIT_USAGE, []), err)
            self.assertTrue(err.startswith('gattctl: set %s: %s' % (args[0], said)), err)
        self.assertEqual(self.fake.read_value(LEVEL), bytes([100]))

    def test_gattctl_set_notify_on_characteristic_without_notify_exits_1(self):
        status, out, err = self.gattctl('set', 'settings/label', '41', '--notify')
        self.assertEqual(status, EXIT_ERROR, err)
        self.assertIn('(not-supported)', err)

    def test_gattctl_get_of_unknown_characteristic_exits_1_naming_gattd_error(self):
        status, out, err = self.gattctl('get', 'battery/levl')
        self.assertEqual((status, out), (EXIT_ERROR, []))
        self.assertEqual(err, "gattctl: get battery/levl: no characteristic 'battery/levl' (not-found)\n")

    def test_gattctl_json_get_prints_the_reply_line_as_received(self):
        for args in (('--json', 'get', 'battery/level'), ('get', 'battery/level', '--json')):
            status, out, err = self.gattctl(*args)
            self.assertEqual((status, len(out)), (0, 1), err)
            reply = json.loads(out[0])
            self.assertEqual(reply, {'id': reply['id'], 'ok': True, 'char': 'battery/level', 'value': '64',
                                     'typed': 100})

    def test_gattctl_status_and_list_describe_gattd(self):
        status, out, err = self.gattctl('status')
        self.assertEqual(status, 0, err)
        fields = dict(re.split(r':\s+', line, maxsplit=1) for line in out)
        self.assertEqual((fields['state'], fields['registered'], fields['on_air']), ('ADVERTISING', 'yes', 'yes'))
        status, out, err = self.gattctl('list')
        self.assertEqual(status, 0, err)
        self.assertIn('├─ battery/level  0x2A19 Battery Level  read,notify u8  100', out)

    def test_gattctl_list_shows_sig_names_and_decoded_descriptors_in_80_columns(self):
        self.fake.write_value(COMMAND, b'twelve bytes')
        status, out, err = self.gattctl('list')
        self.assertEqual((status, err), (0, ''))
        self.assertEqual(out, [
            'battery  0x180F Battery',
            '├─ battery/level  0x2A19 Battery Level  read,notify u8  100',
            '│  ├─ battery/level/description  0x2901 Characteristic User Description',
            '│  │     read  "Battery Level"',
            '│  ├─ battery/level/presentation  0x2904 Characteristic Presentation Format',
            '│  │     read  format u8, exponent 0, unit percent (0x27ad)',
            '│  └─ battery/level/valid_range  0x2906 Valid Range  read  0064',
            '└─ battery/command  6e400002-b5a3-f393-e0a9-e50e24dcca9e',
            '      write,write-without-response max_length=20 capture=16  "twelve bytes"',
            'settings  6e400001-b5a3-f393-e0a9-e50e24dcca9e',
            '├─ settings/label  6e400003-b5a3-f393-e0a9-e50e24dcca9e',
            '│     read,write max_length=20  "gattd"',
            '└─ settings/threshold  6e400004-b5a3-f393-e0a9-e50e24dcca9e',
            '   │  read,write,indicate u16  300',
            '   └─ settings/threshold/presentation  0x2904 Characteristic Presentation Format',
            '         read  format u16, exponent 0, unit unitless (0x2700)',
        ])

    def test_gattctl_list_cuts_a_long_value_to_fit_and_json_has_it_whole(self):
        self.assertEqual(self.gattctl('set', 'battery/command', '--hex', '00' * 20)[0], 0)
        status, out, err = self.gattctl('list')
        self.assertEqual(status, 0, err)
        self.assertIn('      write,write-without-response max_length=20 capture=16  0000000000000000...', out)
        self.assertTrue(all(len(line) <= 80 for line in out), out)
        status, out, err = self.gattctl('--json', 'list')
        self.assertIn('00' * 20, out[0])

    def test_gattctl_get_of_a_descriptor_prints_its_text_its_meaning_or_hex(self):
        self.assertEqual(self.gattctl('get', 'battery/level/description'), (0, ['Battery Level'], ''))
        self.assertEqual(self.gattctl('get', 'battery/level/presentation'),
                         (0, ['format u8, exponent 0, unit percent (0x27ad)'], ''))
        self.assertEqual(self.gattctl('get', 'battery/level/valid_range'), (0, ['0064'], ''))
        status, out, err = self.gattctl('--json', 'get', 'battery/level/valid_range')
        reply = json.loads(out[0])
        self.assertEqual(reply, {'id': reply['id'], 'ok': True, 'char': 'battery/level',
                                 'descriptor': 'battery/level/valid_range',
                                 'uuid': '00002906-0000-1000-8000-00805f9b34fb', 'value': '0064'})

    def test_gattctl_get_of_a_missing_descriptor_names_what_is_missing(self):
        self.assertEqual(self.gattctl('get', 'battery/level/range'), (EXIT_ERROR, [], (
            "gattctl: get battery/level/range: characteristic 'battery/level' has no descriptor "
            "'battery/level/range' (not-found)\n")))
        self.assertEqual(self.gattctl('get', 'battery/levl/valid_range'), (EXIT_ERROR, [], (
            "gattctl: get battery/levl/valid_range: no characteristic or descriptor "
            "'battery/levl/valid_range' (not-found)\n")))

    def test_every_command_takes_timeout_and_a_silent_gattd_exits_4_naming_the_request(self):
        silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(silent.close)
        silent.bind(os.path.join(self.tmpdir, 'silent.sock'))
        silent.listen(8)                     # accepted by the kernel, never answered
        for args, what in ((('get', 'battery/level'), 'get battery/level'), (('list',), 'list'),
                           (('status',), 'status'), (('reload',), 'reload'), (('watch',), 'watch')):
            program = self.start_gattctl(*args, '--timeout', '300', socket_path=silent.getsockname())
            self.assertEqual(program.wait_exit(), EXIT_TIMEOUT, program.describe())
            self.assertEqual(program.stderr_text,
                             'gattctl: %s: no answer from gattd within 300 ms (--timeout)\n' % what)
        env = {k: v for k, v in os.environ.items() if k != 'GATTD_SOCKET'}
        # Before the command too, and the interactive shell hands it to what it runs.
        program = ClientProgram(self, [self.binary, '--socket', silent.getsockname(), '--timeout', '300',
                                       'get', 'battery/level'], env=env)
        self.assertEqual(program.wait_exit(), EXIT_TIMEOUT, program.describe())
        shell = subprocess.run([self.binary, '--socket', silent.getsockname(), '--timeout', '300'],
                               input='get battery/level\n', env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual((shell.returncode, shell.stderr), (EXIT_TIMEOUT, 'gattctl: get battery/level: no answer '
                                                           'from gattd within 300 ms (--timeout)\n'))
        status, out, err = self.gattctl('get', 'battery/level', '--timeout', 'soon')
        self.assertEqual(status, EXIT_USAGE, err)
        self.assertIn("--timeout wants milliseconds 0..86400000 (0: no limit), not 'soon'", err)
        self.assertEqual(self.gattctl('get', 'battery/level', '--timeout', '0'), (0, ['100'], ''))

    def test_global_options_work_after_the_command_too(self):
        program = ClientProgram(self, [self.binary, 'status', '--socket', self.socket_path],
                                env={k: v for k, v in os.environ.items() if k != 'GATTD_SOCKET'})
        self.assertEqual(program.wait_exit(), 0, program.stderr_text)
        self.assertTrue(any(line.startswith('on_air:') for line in program.stdout_lines))
        # The last one given counts.
        status, out, err = self.gattctl('get', 'battery/level', '--socket', os.path.join(self.tmpdir, 'nothing'))
        self.assertEqual(status, EXIT_CONNECTION)

    def test_an_unknown_command_gets_a_suggestion(self):
        for typed, said in (('stauts', "unknown command 'stauts' (did you mean 'status'?)"),
                            ('adv', "unknown command 'adv' (did you mean 'advertise'?)"),
                            ('xyzzy', "unknown command 'xyzzy' (see gattctl --help)"),
                            ('\x1b[2J', "unknown command '\\x1b[2J'")):
            status, out, err = self.gattctl(typed)
            self.assertEqual((status, out), (EXIT_USAGE, []), err)
            self.assertIn(said, err)

    def test_gattctl_cannot_connect_exits_3(self):
        program = self.start_gattctl('status', socket_path=os.path.join(self.tmpdir, 'nothing-here'))
        self.assertEqual(program.wait_exit(), EXIT_CONNECTION)
        self.assertIn('cannot connect to gattd at %s' % os.path.join(self.tmpdir, 'nothing-here'),
                      program.stderr_text)


class GattctlReloadTest(GattctlTestCase):

    def setUp(self):
        GattdTestCase.setUp(self)
        self.binary = gattctl_binary()
        self.config = self.config_dir()
        self.start_registered(config_dir=self.config)

    def test_refused_reload_prints_one_problem_per_line_as_check_config_does(self):
        with open(os.path.join(self.config, 'services.d', 'broken.conf'), 'w') as f:
            f.write('[Characteristic settings/broken]\nUUID=2A1A\nFlags=reed\n')
        path = os.path.join(self.config, 'services.d', 'settings.conf')
        with open(path) as f:
            text = f.read()
        with open(path, 'w') as f:
            f.write(text.replace('Type=u16', 'Type=u17'))
        status, out, err = self.gattctl('reload')
        self.assertEqual((status, out), (EXIT_ERROR, []), err)
        lines = err.splitlines()
        self.assertEqual(len(lines), 3, err)
        self.assertTrue(lines[0].startswith(
            "gattctl: reload: services.d/broken.conf: [Characteristic settings/broken] Flags: unknown flag 'reed'"),
            err)
        self.assertTrue(lines[1].startswith(
            'gattctl: reload: services.d/settings.conf: [Characteristic settings/threshold] Type: '), err)
        self.assertEqual(lines[2], 'gattctl: reload: refused: 2 problems (invalid-config)')
        status, out, err = self.gattctl('--json', 'reload')
        error = json.loads(out[0])['error']
        self.assertEqual((error['code'], len(error['problems'])), ('invalid-config', 2))
        self.assertEqual(error['message'], '; '.join(error['problems']))
        self.assertEqual(self.gattctl('get', 'settings/threshold'), (0, ['300'], ''))


class GattctlListShippedTest(GattctlTestCase):
    """list of the configurations the project ships (conf/services.d, conf/examples)."""

    CONF = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'conf')
    SHIPPED = ('services.d/10-battery.conf', 'services.d/20-device-info.conf', 'services.d/30-console.conf',
               'examples/provisioning.conf', 'examples/encrypted-secret.conf')

    def setUp(self):
        GattdTestCase.setUp(self)
        self.binary = gattctl_binary()
        services = {}
        for name in self.SHIPPED:
            with open(os.path.join(self.CONF, name)) as f:
                # Advertised together, their UUIDs would not fit an advertisement.
                services[os.path.basename(name)] = f.read().replace('Advertise=true\n', '')
        self.start_registered(services=services)

    def test_gattctl_list_of_the_shipped_configurations_fits_80_columns(self):
        status, out, err = self.gattctl('list')
        self.assertEqual(status, 0, err)
        self.assertEqual([line for line in out if len(line) > 80], [])
        for expected in ('device_info  0x180A Device Information',
                         '├─ device_info/manufacturer  0x2A29 Manufacturer Name String',
                         '│  │  read utf8 max_length=512  "Example Devices Ltd"',
                         '│  └─ device_info/manufacturer/presentation  0x2904',
                         '│        read  format utf8, exponent 0, unit unitless (0x2700)',
                         '└─ battery/level  0x2A19 Battery Level  read,notify u8  100'):
            self.assertIn(expected, out)
        self.assertTrue(any(line.endswith('"Status: idle, busy COMMAND, done COMMAND STATUS"') for line in out),
                        out)


class GattctlNextWriteTest(GattctlTestCase):

    def test_gattctl_next_write_prints_a_queued_write(self):
        self.fake.write_value(COMMAND, b'hi\n')
        self.assertEqual(self.gattctl('next-write', 'battery/command'), (0, [
            'write battery/command 68690a "hi\\n" offset=0 address=%s seq=1 queued=0' % CENTRAL_ADDRESS], ''))

    def test_gattctl_next_write_waits_for_the_next_write(self):
        program, connection = self.start_gattctl_via_proxy('next-write', 'battery/command')
        connection.wait_request('next-write')
        self.assertIsNone(program.process.poll())
        self.fake.write_value(COMMAND, b'late')
        self.assertEqual(program.wait_exit(), 0, program.describe())
        self.assertEqual(program.stdout_lines, [
            'write battery/command 6c617465 "late" offset=0 address=%s seq=1 queued=0' % CENTRAL_ADDRESS])

    def test_gattctl_next_write_timeout_exits_4(self):
        status, out, err = self.gattctl('next-write', 'battery/command', '--timeout', '20')
        self.assertEqual((status, out), (EXIT_TIMEOUT, []), err)
        self.assertIn('(timeout)', err)

    def test_gattctl_next_write_exits_5_when_the_adapter_powers_off_while_waiting(self):
        program, connection = self.start_gattctl_via_proxy('next-write', 'battery/command')
        connection.wait_request('next-write')
        self.fake.set_powered('hci0', False)
        self.assertEqual(program.wait_exit(), EXIT_DISCONNECTED, program.describe())
        self.assertIn('(disconnected)', program.stderr_text)
        self.assertIn('adapter-down', program.stderr_text)

    def test_gattctl_next_write_exits_5_when_bluetoothd_goes_away_while_waiting(self):
        program, connection = self.start_gattctl_via_proxy('next-write', 'battery/command', '--timeout', '60000')
        connection.wait_request('next-write')
        self.fake.stop(clean=False)
        self.assertEqual(program.wait_exit(), EXIT_DISCONNECTED, program.describe())

    def test_gattctl_next_write_on_characteristic_without_capture_exits_1(self):
        status, out, err = self.gattctl('next-write', 'settings/label')
        self.assertEqual(status, EXIT_ERROR, err)
        self.assertIn('(not-capture)', err)

    def test_gattctl_json_next_write_prints_the_reply_line(self):
        self.fake.write_value(COMMAND, b'x')
        status, out, err = self.gattctl('--json', 'next-write', 'battery/command')
        self.assertEqual((status, len(out)), (0, 1), err)
        reply = json.loads(out[0])
        self.assertEqual({k: reply[k] for k in ('ok', 'char', 'value', 'seq', 'queued', 'device', 'address')},
                         {'ok': True, 'char': 'battery/command', 'value': '78', 'seq': 1, 'queued': 0,
                          'device': self.device, 'address': CENTRAL_ADDRESS})

    def test_loop_of_gattctl_next_write_sees_every_write_in_order(self):
        self.fake.write_values(COMMAND, [b'%d' % i for i in range(5)])
        client = LocalClient(self)
        seen = []
        for _ in range(5):
            status, out, err = self.gattctl('--json', 'next-write', 'battery/command', '--timeout', '0')
            self.assertEqual(status, 0, err)
            seen.append(json.loads(out[0])['value'])
        self.assertEqual(seen, [(b'%d' % i).hex() for i in range(5)])
        self.assertEqual(client.ok('status')['captured'], 0)


if __name__ == '__main__':
    unittest.main()


NAME_CONF = """\
[Service device]
UUID=6E400010-B5A3-F393-E0A9-E50E24DCCA9E

[Characteristic device/name]
UUID=6e400011-b5a3-f393-e0a9-e50e24dcca9e
Flags=read;write
Type=utf8
MaxLength=64
Value=utf8:gadget
"""
NAME = APP_PATH + '/device/name'
# What a hostile central or server would send a terminal: OSC title, clear screen, BEL,
# the C1 CSI (U+009B), a line break.
TERMINAL_CONTROL = '\x1b]0;pwned\x07\x1b[2J\u009b1mhi\n'


def assert_no_terminal_control(test, text):
    for c in ('\x1b', '\x07', '\u009b', '\r'):
        test.assertNotIn(c, text)


class GattctlTerminalTest(GattctlTestCase):
    """Issue 11, defect 12: what a central or a server says never reaches the terminal raw."""

    def setUp(self):
        GattdTestCase.setUp(self)
        self.binary = gattctl_binary()
        self.start_registered(services=dict(DEFAULT_SERVICES, **{'device.conf': NAME_CONF}))

    def test_gattctl_get_prints_printable_text_bare_and_anything_else_escaped(self):
        self.assertEqual(self.gattctl('get', 'device/name'), (0, ['gadget'], ''))
        self.fake.write_value(NAME, 'caf\u00e9 \u2603'.encode())
        self.assertEqual(self.gattctl('get', 'device/name'), (0, ['caf\u00e9 \u2603'], ''))
        self.fake.write_value(NAME, TERMINAL_CONTROL.encode())
        status, out, err = self.gattctl('get', 'device/name')
        self.assertEqual((status, err), (0, ''))
        self.assertEqual(out, ['"\\x1b]0;pwned\\x07\\x1b[2J\\xc2\\x9b1mhi\\n"'])

    def test_gattctl_escapes_gattd_error_messages(self):
        status, out, err = self.gattctl('get', 'device/' + TERMINAL_CONTROL)
        self.assertEqual((status, out), (EXIT_ERROR, []))
        self.assertIn('(not-found)', err)
        self.assertTrue(err.endswith('\n') and err.count('\n') == 1, repr(err))
        assert_no_terminal_control(self, err[:-1])


class HostileServer:
    """A socket that answers every request line with the given line, as a server that is not gattd might."""

    def __init__(self, test, path, answer):
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(4)
        self.answer = answer
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        test.addCleanup(self.listener.close)

    def _serve(self):
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection:
            data = b''
            while b'\n' not in data:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                data += chunk
            request_id = json.loads(data.split(b'\n')[0])['id']
            try:
                connection.sendall(self.answer(request_id))
                connection.shutdown(socket.SHUT_WR)
                while connection.recv(4096):
                    pass
            except OSError:
                pass


class GattctlHostileServerTest(GattdTestCase):
    """gattctl against a socket that is not gattd: a reply nested 200,000 deep, error text with terminal controls."""

    def setUp(self):
        super().setUp()
        self.binary = gattctl_binary()

    def run_against(self, answer, *args):
        path = os.path.join(self.tmpdir, 'hostile.sock')
        HostileServer(self, path, answer)
        program = ClientProgram(self, [self.binary, '--socket', path] + list(args),
                                env=dict(os.environ, LC_ALL='C.UTF-8'))
        status = program.wait_exit()
        return status, program.stdout_lines, program.stderr_text

    def test_deeply_nested_reply_is_a_protocol_error_not_a_crash(self):
        deep = lambda request_id: b'{"id":%d,"ok":true,"x":' % request_id + b'[' * 200000 + b'\n'
        status, out, err = self.run_against(deep, 'status')
        self.assertEqual((status, out), (EXIT_CONNECTION, []), err)
        self.assertIn('gattctl: status:', err)

    def test_server_error_text_is_escaped(self):
        def answer(request_id):
            return json.dumps({'id': request_id, 'ok': False,
                               'error': {'code': 'odd' + TERMINAL_CONTROL, 'message': 'bad' + TERMINAL_CONTROL}}
                              ).encode() + b'\n'
        status, out, err = self.run_against(answer, 'status')
        self.assertEqual((status, out), (EXIT_ERROR, []), err)
        self.assertIn('bad\\x1b]0;pwned', err)
        assert_no_terminal_control(self, err[:-1])
        self.assertEqual(err.count('\n'), 1, repr(err))
