# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile peers: D-Bus callers that are not bluetoothd and a bluetoothd that
sends nonsense; socket clients that flood, stall and babble; configuration
directories full of traps. gattd refuses, limits and reports, never crashes, and
keeps serving everyone else."""

import errno
import json
import os
import resource
import shutil
import socket
import subprocess
import time
import unittest
import xml.etree.ElementTree as ElementTree

import dbus
import dbus.lowlevel

import soaklib                      # noqa: F401  (puts tests/bus on sys.path)
from clients import LocalClient
from fakebluez import DBusCallError
from harness import LABEL, LEVEL, LEVEL_DESCRIPTION, GattdTestCase, gattd_command, write_config_dir
from soaklib import SoakTestCase, process_figures

ACCESS_DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
# libdbus answers org.freedesktop.DBus.Peer (Ping, GetMachineId) itself, before
# any object handler sees the call: it reveals nothing and changes nothing.
LIBDBUS_BUILTIN = {'org.freedesktop.DBus.Peer'}
# Answers anyone (README: busctl tree / introspect); it shows the shape, no value.
OPEN_TO_ALL = {'org.freedesktop.DBus.Introspectable'}


def sample_args(signature):
    """Plausible arguments for a D-Bus signature (what a careful attacker sends)."""
    values = []
    for t in dbus.Signature(signature):
        t = str(t)
        simple = {'y': dbus.Byte(1), 'b': dbus.Boolean(True), 'n': dbus.Int16(1), 'q': dbus.UInt16(1),
                  'i': dbus.Int32(1), 'u': dbus.UInt32(1), 'x': dbus.Int64(1), 't': dbus.UInt64(1),
                  'd': dbus.Double(1), 's': dbus.String('org.bluez.GattCharacteristic1'),
                  'o': dbus.ObjectPath('/'), 'g': dbus.Signature('s'), 'v': dbus.UInt16(1, variant_level=1),
                  'ay': dbus.ByteArray(b'x'), 'a{sv}': dbus.Dictionary({}, signature='sv'),
                  'as': dbus.Array(['x'], signature='s')}
        if t not in simple:
            raise AssertionError('no sample value for D-Bus type %s' % t)
        values.append(simple[t])
    return values


class DBusCallerTest(SoakTestCase):

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.owner = self.gattd_bus_name()

    def introspect_all(self):
        """(path, interface, method, in-signature) of every method of every object
        gattd exports, walking Introspect from / as org.bluez's owner."""
        methods, todo, seen = [], ['/'], set()
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            reply = self.fake.call_app(self.owner, path, 'org.freedesktop.DBus.Introspectable', 'Introspect')
            root = ElementTree.fromstring(reply.get_args_list()[0])
            for iface in root.findall('interface'):
                for method in iface.findall('method'):
                    sig = ''.join(a.get('type') for a in method.findall('arg') if a.get('direction', 'in') == 'in')
                    methods.append((path, iface.get('name'), method.get('name'), sig))
            for node in root.findall('node'):
                todo.append(path.rstrip('/') + '/' + node.get('name'))
        return methods

    def call_as_other(self, path, iface, method, sig, args):
        try:
            self.bus.call_blocking(self.owner, path, iface, method, sig, args, timeout=5)
        except dbus.exceptions.DBusException as e:
            return e.get_dbus_name()
        return 'a reply'

    def test_every_method_of_every_object_but_introspect_refuses_every_other_connection(self):
        methods = self.introspect_all()
        interfaces = {m[1] for m in methods}
        for expected in ('org.bluez.GattCharacteristic1', 'org.bluez.GattDescriptor1', 'org.bluez.LEAdvertisement1',
                         'org.freedesktop.DBus.ObjectManager', 'org.freedesktop.DBus.Properties'):
            self.assertIn(expected, interfaces, 'introspection of gattd as org.bluez')
        answers = []
        checked = 0
        for path, iface, method, sig in methods:
            if iface in LIBDBUS_BUILTIN:
                continue
            if iface in OPEN_TO_ALL:
                self.assertEqual(self.call_as_other(path, iface, method, '', []), 'a reply', path)
                continue
            checked += 1
            answers.append((path, iface, method, 'sample args', self.call_as_other(path, iface, method, sig,
                                                                                  sample_args(sig))))
            answers.append((path, iface, method, 'no args', self.call_as_other(path, iface, method, '', [])))
        wrong = [a for a in answers if a[4] != ACCESS_DENIED]
        print('%d methods on %d objects refused to another connection (%d calls)'
              % (checked, len({m[0] for m in methods}), len(answers)))
        self.assertEqual(wrong, [], 'calls from a connection that is not org.bluez, and what they got')
        self.assertEqual(self.fake.read_value(LABEL), b'gattd')
        self.assertTrue(self.converged())


class MalformedArgumentsTest(SoakTestCase):
    """org.bluez's owner itself sends malformed calls: each gets an error
    (must_fail) or at least an answer; gattd keeps serving after every one."""

    def setUp(self):
        super().setUp()
        self.start_registered()
        self.owner = self.gattd_bus_name()
        self.outcomes = []

    def send(self, path, iface, method, sig, args):
        try:
            self.fake.call_app(self.owner, path, iface, method, sig, args)
        except DBusCallError as e:
            return e.name
        return 'ok'

    def check(self, what, path, iface, method, sig, args, must_fail=True):
        answer = self.send(path, iface, method, sig, args)
        self.outcomes.append((what, answer))
        self.assertIsNone(self.gattd.poll(), 'gattd died after %s' % what)
        if must_fail:
            self.assertNotEqual(answer, 'ok', '%s was accepted' % what)
        # Still serving: a well-formed read works.
        self.assertIn(self.fake.read_value(LABEL), (b'gattd', b'hostile'), 'after %s' % what)

    def options(self, **items):
        return dbus.Dictionary(items, signature='sv')

    def test_wrong_types_huge_arrays_and_bad_options_get_errors_and_gattd_keeps_serving(self):
        chrc, desc = 'org.bluez.GattCharacteristic1', 'org.bluez.GattDescriptor1'
        props = 'org.freedesktop.DBus.Properties'
        dev = dbus.ObjectPath(self.fake.device_path())
        ok_opts = self.options(device=dev, mtu=dbus.UInt16(185))
        big = dbus.ByteArray(b'\xaa' * (4 << 20))
        c = self.check
        # Wrong types and counts.
        c('ReadValue with a string', LABEL, chrc, 'ReadValue', 's', ['x'])
        c('ReadValue with a{ss}', LABEL, chrc, 'ReadValue', 'a{ss}', [{'offset': '0'}])
        c('ReadValue with an extra argument', LABEL, chrc, 'ReadValue', 'a{sv}s', [ok_opts, 'x'])
        c('WriteValue with a string value', LABEL, chrc, 'WriteValue', 'sa{sv}', ['hostile', ok_opts])
        c('WriteValue with the arguments swapped', LABEL, chrc, 'WriteValue', 'a{sv}ay', [ok_opts, b'x'])
        c('StartNotify with an argument', LEVEL, chrc, 'StartNotify', 's', ['x'])
        c('Descriptor ReadValue with an int', LEVEL_DESCRIPTION, desc, 'ReadValue', 'i', [1])
        c('GetManagedObjects with an argument', '/org/gattd/app', 'org.freedesktop.DBus.ObjectManager',
          'GetManagedObjects', 's', ['x'])
        c('Release with an argument', '/org/gattd/advertisement', 'org.bluez.LEAdvertisement1', 'Release',
          'u', [1])
        c('Set Handle as a string', LABEL, props, 'Set', 'ssv', [chrc, 'Handle', dbus.String('x', variant_level=1)])
        c('Set Handle as u32', LABEL, props, 'Set', 'ssv', [chrc, 'Handle', dbus.UInt32(7, variant_level=1)])
        c('Set Value', LABEL, props, 'Set', 'ssv', [chrc, 'Value', dbus.ByteArray(b'x', variant_level=1)])
        c('Get of an unknown interface', LABEL, props, 'Get', 'ss', ['org.example.Nope', 'Value'])
        c('Get of an unknown property', LABEL, props, 'Get', 'ss', [chrc, 'Nope'])
        c('GetAll with an int', LABEL, props, 'GetAll', 'i', [1])
        c('an unknown method', LABEL, chrc, 'Frobnicate', '', [])
        # Huge arrays.
        c('WriteValue of 4 MiB', LABEL, chrc, 'WriteValue', 'aya{sv}', [big, ok_opts])
        c('WriteValue of 4 MiB at an offset', LABEL, chrc, 'WriteValue', 'aya{sv}',
          [big, self.options(device=dev, offset=dbus.UInt16(5))])
        c('WriteValue with 200000 strings', LABEL, chrc, 'WriteValue', 'asa{sv}',
          [dbus.Array(['x'] * 200000, signature='s'), ok_opts])
        c('ReadValue with a 3 MiB option', LABEL, chrc, 'ReadValue', 'a{sv}',
          [self.options(device=dev, padding=dbus.ByteArray(b'\0' * (3 << 20)))], must_fail=False)
        # Bad option types.
        c('ReadValue offset as a string', LABEL, chrc, 'ReadValue', 'a{sv}', [self.options(offset=dbus.String('1'))])
        c('ReadValue offset as u32', LABEL, chrc, 'ReadValue', 'a{sv}', [self.options(offset=dbus.UInt32(1))])
        c('WriteValue offset as a string', LABEL, chrc, 'WriteValue', 'aya{sv}',
          [b'hostile', self.options(offset=dbus.String('0'))])
        c('ReadValue offset past the end', LABEL, chrc, 'ReadValue', 'a{sv}', [self.options(offset=dbus.UInt16(65535))])
        c('ReadValue device as an int', LABEL, chrc, 'ReadValue', 'a{sv}', [self.options(device=dbus.Int32(1))],
          must_fail=False)
        c('ReadValue mtu as a string', LABEL, chrc, 'ReadValue', 'a{sv}', [self.options(mtu=dbus.String('x'))],
          must_fail=False)
        c('WriteValue type as an int', LABEL, chrc, 'WriteValue', 'aya{sv}',
          [b'hostile', self.options(type=dbus.Int32(3))], must_fail=False)
        # Unknown options and very many of them.
        c('ReadValue with an unknown option', LABEL, chrc, 'ReadValue', 'a{sv}',
          [self.options(frobnicate=dbus.Boolean(True))], must_fail=False)
        many = dbus.Dictionary({'option%d' % i: dbus.UInt16(i) for i in range(10000)}, signature='sv')
        c('ReadValue with 10000 options', LABEL, chrc, 'ReadValue', 'a{sv}', [many], must_fail=False)
        c('WriteValue with 10000 options', LABEL, chrc, 'WriteValue', 'aya{sv}', [b'hostile', many],
          must_fail=False)
        c('WriteValue with nested variants', LABEL, chrc, 'WriteValue', 'aya{sv}',
          [b'hostile', self.options(offset=dbus.UInt16(0, variant_level=30))], must_fail=False)
        print('\n'.join('%-45s -> %s' % o for o in self.outcomes))
        self.assertTrue(self.converged())
        self.assertNotIn('CRITICAL', self.gattd_log())


class SocketAttackTest(SoakTestCase):
    """The socket's limits under attack, while a well-behaved watcher is served."""

    def setUp(self):
        super().setUp()
        self.start_registered(daemon={'MaxClientQueue': '65536'})
        self.wait_listening()
        self.served = LocalClient(self)
        self.served.watch()
        self.baseline_fds = self.fds()

    def fds(self):
        self.served.sync()
        return process_figures(self.gattd.pid)[1]

    def assert_served(self):
        self.assertEqual(self.served.ok('get', char='settings/label')['char'], 'settings/label')

    def wait_fds_back(self):
        self.wait_until(lambda: self.fds() == self.baseline_fds,
                        lambda: 'gattd fd count back to %d (now %d)' % (self.baseline_fds, self.fds()))

    def test_10000_connects_and_disconnects_leave_others_served_and_no_fds(self):
        refused = 0
        for i in range(10000):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.socket_path)
            try:
                if i % 3 == 1:
                    s.send(b'{"cmd":"hello"}\n')        # and leave without reading the reply
                elif i % 3 == 2:
                    s.send(b'{"cmd":"sta')              # half a line
            except (BrokenPipeError, ConnectionResetError):
                refused += 1        # more than MaxClients not yet reaped: too-many-clients, closed
            s.close()
            if i % 500 == 499:
                self.assert_served()
        self.wait_fds_back()
        self.assert_served()
        print('10000 connections (%d found closed at once: over MaxClients): baseline %d fds, back to %d'
              % (refused, self.baseline_fds, self.fds()))

    def test_a_megabyte_without_newline_is_line_too_long_and_closed(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.socket_path)
        s.settimeout(10)
        sent = 0
        chunk = b'a' * 65536
        try:
            while sent < (1 << 20):
                sent += s.send(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.assert_served()
        data = b''
        try:
            while True:
                more = s.recv(65536)
                if not more:
                    break
                data += more
        except ConnectionResetError:
            pass
        s.close()
        lines = [json.loads(line) for line in data.split(b'\n') if line]
        self.assertEqual([line['error']['code'] for line in lines], ['line-too-long'], lines)
        self.wait_fds_back()
        self.assert_served()

    def test_a_client_that_never_reads_while_events_flood_is_dropped_and_others_get_every_event(self):
        hog = LocalClient(self, read=False)
        hog.send('watch')
        self.served.sync()
        count = 3000
        values = [b'flood-%d' % i for i in range(count)]
        self.fake.write_values(LABEL, values)
        self.served.sync()
        got = [bytes.fromhex(e['value']) for e in self.served.events_named('write') if e['char'] == 'settings/label']
        self.assertEqual(got, values, 'write events the reading watcher got')
        self.assertRegex(self.gattd_log(), r'client \d+ \(pid \d+\) [^\n]*; disconnecting it')
        hog.start_reading()
        self.wait_until(lambda: hog.eof, 'gattd to close the connection of the client that never read')
        hog.close()
        self.wait_fds_back()
        self.assert_served()

    def test_id_too_large_for_a_64_bit_integer_is_refused_or_echoed_as_sent(self):
        """An id beyond int64 must not come back as another number (a lenient
        reader wraps such literals): gattd refuses it with bad-request."""
        client = LocalClient(self)
        answers = []
        for literal in (b'9223372036854775808', b'18446744073709551616', b'9' * 5000):
            before = len(client.lines)
            client.send_line(b'{"cmd":"hello","id":%s}\n' % literal)
            self.wait_until(lambda: len(client.lines) > before or client.eof, 'an answer')
            self.assertFalse(client.eof)
            reply = client.lines[before]
            answers.append((literal[:20], reply.get('ok'), reply.get('id')))
        print('out-of-range ids: %r' % answers)
        self.assertEqual([ok for _, ok, _ in answers], [False, False, False])
        for literal, ok, echoed in answers:
            if ok:
                self.assertEqual(echoed, int(literal) if len(literal) < 20 else echoed,
                                 'id echoed for %s...' % literal.decode())
                self.assertGreater(echoed, 0, 'id echoed for %s...' % literal.decode())

    def test_garbage_lines_interleaved_with_requests_each_get_an_error_and_requests_are_answered(self):
        client = LocalClient(self)
        garbage = [b'\xff\xfe\xfd', b'\x00\x00', b'{', b'}', b'[' * 30000 + b']' * 30000, b'{"cmd":' * 5000,
                   b'{"cmd":"get","char":"' + b'x' * 60000 + b'"}',
                   b'{"cmd":"next-write","char":"battery/command","timeout_ms":-1}', b'null', b'"\\ud800"',
                   b'{"cmd":"set","char":"settings/label","value":"zz"}']
        lines = []
        for i in range(400):
            lines.append(garbage[i % len(garbage)])
            lines.append(json.dumps({'cmd': 'hello', 'id': i}).encode())
        # One line at a time, reading each answer (MaxClientQueue is small here,
        # and some errors quote the request); the watcher is served in between.
        for n, line in enumerate(lines, 1):
            client.send_line(line + b'\n')
            self.wait_until(lambda: len(client.lines) >= n or client.eof, lambda: 'the answer to line %d' % n)
            if n % 100 == 0:
                self.assert_served()
        self.assertFalse(client.eof, 'gattd closed the connection; last replies %r' % client.lines[-3:])
        self.assertEqual(len(client.lines), len(lines))
        hellos = [r for r in client.lines if r.get('ok') is True and 'protocol' in r]
        self.assertEqual([r['id'] for r in hellos], list(range(400)), 'hello replies, in order')
        refused = [r for r in client.lines if r.get('ok') is False]
        self.assertEqual(len(refused), 400, 'one error per garbage line')
        print('garbage: error codes %s' % sorted({r['error']['code'] for r in refused}))
        client.close()
        self.assert_served()
        self.wait_fds_back()


class DescriptorExhaustionTest(SoakTestCase):
    """Clients keep connecting after gattd has used every descriptor it may open
    (a low RLIMIT_NOFILE): gattd says so once, keeps serving the clients it has
    (no busy loop on the listening socket), and takes the waiting clients as
    descriptors free up."""

    NOFILE = 40         # gattd needs about 8 of its own: room for some 30 clients
    KNOCKING = 10       # clients left waiting in the listening socket's backlog

    def setUp(self):
        super().setUp()
        nofile = self.NOFILE
        self.start_registered(preexec=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile)))
        self.wait_listening()

    def open_fds(self):
        return process_figures(self.gattd.pid)[1]

    def accept_failures(self):
        """Lines of gattd's log about accept() failing for lack of descriptors."""
        return [line for line in self.gattd_log().splitlines() if os.strerror(errno.EMFILE) in line]

    def test_out_of_descriptors_is_logged_once_while_clients_knock_and_a_leaving_client_lets_one_in(self):
        served = LocalClient(self)
        accepted = []
        # Connect until gattd has no descriptor left: each of these is accepted
        # (answered) while gattd still has a free one.
        while self.open_fds() < self.NOFILE:
            client = LocalClient(self)
            client.ok('hello')
            accepted.append(client)
        self.assertEqual(served.ok('status')['clients'], len(accepted) + 1)
        knocking = [LocalClient(self) for _ in range(self.KNOCKING)]
        for client in knocking:
            client.send('hello')
        self.wait_until(lambda: self.accept_failures(), 'gattd to log that it cannot accept clients')
        # gattd goes on serving the clients it has, through many turns of its main
        # loop, while the knocking ones wait: one line about it, however many turns.
        for _ in range(200):
            served.ok('status')
        self.assertEqual(len(self.accept_failures()), 1, '\n'.join(self.accept_failures()[:5]))
        self.assertEqual([client.replies for client in knocking], [{}] * self.KNOCKING,
                         'replies to clients gattd had no descriptor for')
        # A client leaves: its descriptor goes to the first one waiting.
        accepted.pop().close()
        knocking[0].wait_reply(1)
        for _ in range(200):
            served.ok('status')
        self.assertEqual([bool(client.replies) for client in knocking], [True] + [False] * (self.KNOCKING - 1))
        # Enough leave for all that wait: every one is served, and gattd says it accepts again.
        for client in accepted[:self.KNOCKING]:
            client.close()
        for client in knocking:
            client.wait_reply(1)
        self.wait_until(lambda: 'accepting clients on %s again' % self.socket_path in self.gattd_log(),
                        'gattd to log that it accepts clients again')
        self.assertEqual(len(self.accept_failures()), 1, '\n'.join(self.accept_failures()[:5]))
        self.assertEqual(LocalClient(self).ok('hello')['daemon'], 'gattd')
        self.assertTrue(self.converged())


class ConfigDirectoryTrapTest(GattdTestCase):
    """gattd --check-config and gattd itself on directories full of traps: exit
    status 1 (invalid configuration) with a message naming the file, quickly,
    never a crash or a hang."""

    def setUp(self):
        super().setUp()
        os.chmod(self.tmpdir, 0o755)
        self.dir = write_config_dir(os.path.join(self.tmpdir, 'conf'),
                                    daemon={'Socket': self.socket_path})
        self.services = os.path.join(self.dir, 'services.d')

    def run_gattd(self, *args, user=None):
        command = gattd_command('--config-dir', self.dir, *args)
        if user:
            setpriv = shutil.which('setpriv')
            if setpriv is None:
                self.skipTest('setpriv is not installed')
            command = [setpriv, '--reuid=%s' % user, '--regid=nogroup', '--clear-groups', '--'] + command
        return subprocess.run(command, env=self.gattd_env(), stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=10)

    def assert_refused(self, *expected_fragments, user=None):
        """--check-config and a start both exit 1 naming the problem."""
        outputs = []
        for args in (('--check-config',), ()):
            started = time.monotonic()
            result = self.run_gattd(*args, user=user)
            text = (result.stdout + result.stderr).decode('utf-8', 'backslashreplace')
            self.assertEqual(result.returncode, 1, 'gattd %s exit status; output:\n%s' % (' '.join(args), text))
            self.assertLess(time.monotonic() - started, 5)
            for fragment in expected_fragments:
                self.assertIn(fragment, text, 'gattd %s output' % ' '.join(args))
            outputs.append(text)
        print(outputs[0].strip())
        return outputs[0]

    def test_unreadable_service_file_is_named_with_permission_denied(self):
        path = os.path.join(self.services, 'secret.conf')
        with open(path, 'w') as f:
            f.write('[Service secret]\nUUID=180F\n')
        os.chmod(path, 0)
        for root, dirs, files in os.walk(self.dir):
            for name in dirs + files:
                if name != 'secret.conf':
                    os.chmod(os.path.join(root, name), 0o755)
        self.assert_refused('secret.conf', 'ermission denied', user='nobody')

    def test_directory_named_like_a_service_file_is_refused(self):
        os.mkdir(os.path.join(self.services, 'dir.conf'))
        self.assert_refused('dir.conf')

    def test_fifo_named_like_a_service_file_is_refused_without_hanging(self):
        os.mkfifo(os.path.join(self.services, 'fifo.conf'))
        self.assert_refused('fifo.conf')

    def test_device_named_like_a_service_file_is_refused(self):
        os.symlink('/dev/zero', os.path.join(self.services, 'zero.conf'))
        self.assert_refused('zero.conf')

    def test_gattd_conf_that_is_a_directory_is_refused(self):
        os.unlink(os.path.join(self.dir, 'gattd.conf'))
        os.mkdir(os.path.join(self.dir, 'gattd.conf'))
        self.assert_refused('gattd.conf')

    def test_symlink_loop_as_a_service_file_is_refused(self):
        os.symlink('loop.conf', os.path.join(self.services, 'loop.conf'))
        self.assert_refused('loop.conf')

    def test_symlink_loop_as_gattd_conf_is_refused(self):
        os.unlink(os.path.join(self.dir, 'gattd.conf'))
        os.symlink('gattd.conf', os.path.join(self.dir, 'gattd.conf'))
        self.assert_refused('gattd.conf')

    def test_symlink_loop_as_services_d_is_refused(self):
        shutil.rmtree(self.services)
        os.symlink('services.d', self.services)
        self.assert_refused('services.d')

    def test_service_file_over_1_mib_is_refused(self):
        with open(os.path.join(self.services, 'huge.conf'), 'w') as f:
            f.write('# padding\n' * 150000)
        self.assert_refused('huge.conf')

    def test_gattd_conf_over_1_mib_is_refused(self):
        with open(os.path.join(self.dir, 'gattd.conf'), 'a') as f:
            f.write('\n' + '# padding\n' * 150000)
        self.assert_refused('gattd.conf')

    def test_non_utf8_file_name_with_a_problem_is_named_in_the_error(self):
        name = os.path.join(os.fsencode(self.services), b'bad-\xff\xfe.conf')
        with open(name, 'w') as f:
            f.write('[Service bad]\nUUID=not-a-uuid\n')
        text = self.assert_refused('bad-')
        self.assertIn('UUID', text)

    def test_non_utf8_file_name_with_a_valid_service_is_accepted_or_refused_by_name(self):
        name = os.path.join(os.fsencode(self.services), b'ok-\xff.conf')
        with open(name, 'w') as f:
            f.write('[Service extra]\nUUID=181A\n')
        result = self.run_gattd('--check-config')
        text = (result.stdout + result.stderr).decode('utf-8', 'backslashreplace')
        self.assertIn(result.returncode, (0, 1), text)
        if result.returncode == 1:
            self.assertIn('ok-', text)
        print('--check-config on a valid file with a non-UTF-8 name: exit %d\n%s'
              % (result.returncode, text.strip()))


if __name__ == '__main__':
    unittest.main()
