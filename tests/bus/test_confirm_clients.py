# SPDX-License-Identifier: LGPL-2.1-or-later
"""The confirm role's clients end to end ([Pairing] Method=confirm, the fake bluetoothd
pairing a central): `gattctl confirm`, whose --cmd exit status or the terminal's y/N
accepts or rejects each pairing (README, "gattctl confirm"), and the C library's
handle_pairing / answer_pairing through client-example confirm."""

import json
import os
import pty
import re
import shlex
import signal
import time
import unittest

from clients import ClientProgram, LocalClient, SyncProxy
from test_client_library import client_example_binary
from test_gattctl import EXIT_CONNECTION, EXIT_ERROR, EXIT_USAGE, gattctl_binary
from test_pairing import PHONE, PairingTestCase

# The variables gattctl confirm sets (or leaves out) per request.
REQUEST_VARIABLES = ('GATTD_REQUEST', 'GATTD_PAIRING_KIND', 'GATTD_PASSKEY', 'GATTD_DEVICE', 'GATTD_ADDRESS')


def program_env(extra=None):
    env = {k: v for k, v in os.environ.items() if k != 'GATTD_SOCKET' and k not in REQUEST_VARIABLES}
    env['LC_ALL'] = 'C.UTF-8'
    env.update(extra or {})
    return env


def about(pairing, address=PHONE):
    """The start of gattctl confirm's lines about pairing's request, as a regular expression."""
    if pairing.method == 'compare':
        return r'request (\d+) from %s \(compare %06d\)' % (re.escape(address), pairing.passkey)
    return r'request (\d+) from %s \(just-works\)' % re.escape(address)


class ConfirmClientTestCase(PairingTestCase):
    pairing = {'Method': 'confirm'}

    def path(self, name):
        return os.path.join(self.tmpdir, name)

    def start_confirm(self, *args, env=None, stdin=None):
        """gattctl confirm ARGS through a SyncProxy, its role taken; returns (program, proxy path)."""
        proxy = SyncProxy(self, self.path('proxy-%d.sock' % len(os.listdir(self.tmpdir))))
        extra = {} if stdin is None else {'stdin': stdin}
        program = ClientProgram(self, [gattctl_binary(), '--socket', proxy.path, 'confirm'] + list(args),
                                env=program_env(env), **extra)
        proxy.wait_connection().wait_request('handle-pairing')
        self.assertIsNone(program.process.poll(), program.describe())
        return program, proxy.path

    def gattctl(self, *args):
        """gattctl ARGS to its end: (status, stdout lines, stderr)."""
        program = ClientProgram(self, [gattctl_binary(), '--socket', self.socket_path] + list(args),
                                env=program_env())
        status = program.wait_exit()
        return status, program.stdout_lines, program.stderr_text

    def start_pairing(self, path, central_io):
        """A pairing the central starts; returns it once the agent was asked."""
        pairing = self.fake.pair(path, central_io=central_io)
        self.wait_until(lambda: pairing.calls or pairing.done, 'bluetoothd to ask the agent')
        return pairing

    def wait_done(self, pairing):
        self.wait_until(lambda: pairing.done, 'the pairing to end')
        return pairing

    def read_env(self, name):
        """A file written by `env > FILE` as a dict."""
        with open(self.path(name)) as f:
            return dict(line.rstrip('\n').split('=', 1) for line in f if '=' in line)


class GattctlConfirmCommandTest(ConfirmClientTestCase):

    def test_a_command_that_exits_0_accepts_and_the_central_bonds(self):
        program, _ = self.start_confirm('--cmd', 'exit 0')
        path = self.connect()
        pairing = self.wait_done(self.fake.pair(path, central_io='KeyboardDisplay'))
        self.assertTrue(pairing.ok, pairing.failure)
        self.assertEqual(pairing.method, 'compare')
        self.client.wait_event('paired', address=PHONE)
        self.assertEqual(self.bonds(), [PHONE])
        program.wait_line(about(pairing) + ': accepted')
        self.assertEqual(program.terminate(), 0, program.describe())
        self.assertEqual(len(program.stdout_lines), 1, program.describe())
        self.assertEqual(program.stderr_text, '')

    def test_a_command_that_does_not_exit_0_rejects_and_leaves_no_bond(self):
        script = self.path('script')
        program, _ = self.start_confirm('--cmd', '. %s' % shlex.quote(script))
        path = self.connect()
        expected = []
        for central_io, body in (('KeyboardDisplay', 'exit 1'), ('NoInputNoOutput', 'exit 255'),
                                 ('DisplayYesNo', 'kill -9 $$')):
            with open(script, 'w') as f:
                f.write(body + '\n')
            pairing = self.wait_done(self.fake.pair(path, central_io=central_io))
            self.assertEqual((pairing.failure, pairing.error), ('rejected', 'org.bluez.Error.Rejected'), body)
            event = self.client.wait_event('pairing-failed', address=PHONE)
            self.assertEqual(event['reason'], 'rejected')
            expected.append(about(pairing) + ': rejected')
            program.wait_lines(len(expected))
        self.assertEqual(self.bonds(), [])
        self.assertEqual(len(program.stdout_lines), 3, program.describe())
        for pattern, line in zip(expected, program.stdout_lines):
            self.assertRegex(line, '^%s$' % pattern)
        # An exit status is the command's answer; only the signal is worth a word.
        self.assertEqual(program.stderr_text.count('\n'), 1, program.describe())
        self.assertIn('was killed by signal 9', program.stderr_text)
        # Its own rejection's pairing-failed is not shown again: still three lines.
        self.assertEqual(program.terminate(), 0, program.describe())
        self.assertEqual(len(program.stdout_lines), 3, program.describe())

    def test_the_command_sees_the_request_in_its_environment_and_its_stdout_goes_to_stderr(self):
        stale = {'GATTD_PASSKEY': '999999', 'GATTD_REQUEST': 'stale', 'GATTD_PAIRING_KIND': 'stale'}
        command = 'env > %s/env-"$GATTD_REQUEST"; echo from-the-command; exit 0' % shlex.quote(self.tmpdir)
        program, proxy = self.start_confirm('--cmd', command, env=stale)
        path = self.connect()

        # Just Works first: bluetoothd does not ask again for a device paired already.
        just_works = self.wait_done(self.fake.pair(path, central_io='NoInputNoOutput'))
        self.assertTrue(just_works.ok, just_works.failure)
        request = re.match(about(just_works), program.wait_line(about(just_works) + ': accepted')).group(1)
        env = self.read_env('env-' + request)
        self.assertEqual((env['GATTD_REQUEST'], env['GATTD_PAIRING_KIND']), (request, 'just-works'))
        self.assertNotIn('GATTD_PASSKEY', env, 'no number to compare: unset, even when gattctl had one')
        self.assertEqual((env['GATTD_DEVICE'], env['GATTD_ADDRESS']), (path, PHONE))
        self.assertEqual(env['GATTD_SOCKET'], proxy)

        compare = self.wait_done(self.fake.pair(path, central_io='KeyboardDisplay'))
        self.assertTrue(compare.ok, compare.failure)
        request = re.match(about(compare), program.wait_line(about(compare) + ': accepted')).group(1)
        env = self.read_env('env-' + request)
        self.assertEqual((env['GATTD_REQUEST'], env['GATTD_PAIRING_KIND']), (request, 'compare'))
        self.assertEqual(env['GATTD_PASSKEY'], '%06d' % compare.passkey)
        self.assertEqual((env['GATTD_DEVICE'], env['GATTD_ADDRESS']), (path, PHONE))

        self.assertEqual(program.stderr_text, 'from-the-command\nfrom-the-command\n')
        self.assertEqual(len(program.stdout_lines), 2, program.describe())

    def test_a_command_over_cmd_timeout_is_killed_with_its_process_group_and_rejects(self):
        survivor = self.path('survivor')
        command = '(sleep 2; touch %s) & sleep 20; exit 0' % shlex.quote(survivor)
        program, _ = self.start_confirm('--cmd', command, '--cmd-timeout', '300')
        path = self.connect()
        began = time.monotonic()
        pairing = self.wait_done(self.fake.pair(path, central_io='KeyboardDisplay'))
        self.assertLess(time.monotonic() - began, 2.0)
        self.assertEqual(pairing.failure, 'rejected')
        self.client.wait_event('pairing-failed', address=PHONE, reason='rejected')
        program.wait_line(about(pairing) + ': rejected')
        self.assertIn('ran over 300 ms (--cmd-timeout); killed it and its process group, rejecting',
                      program.stderr_text)
        time.sleep(2.5)
        self.assertFalse(os.path.exists(survivor), 'what the command started was killed with it')

    def test_a_pairing_cancelled_while_its_command_runs_is_shown_with_the_reason(self):
        started, go = self.path('started'), self.path('go')
        command = 'touch %s; while [ ! -e %s ]; do sleep 0.05; done; exit 0' % (shlex.quote(started), shlex.quote(go))
        program, _ = self.start_confirm('--cmd', command)
        path = self.connect()
        pairing = self.start_pairing(path, 'KeyboardDisplay')
        self.wait_until(lambda: os.path.exists(started), 'the command to start')
        self.fake.disconnect_central(path)
        self.wait_done(pairing)
        self.assertEqual(pairing.failure, 'canceled-disconnect')
        self.client.wait_event('pairing-failed', reason='canceled', device=path)
        open(go, 'w').close()
        program.wait_lines(2)
        self.assertRegex(program.stdout_lines[0], '^%s: accepted, not delivered \\(expired\\)$' % about(pairing))
        self.assertRegex(program.stdout_lines[1], '^%s: failed: canceled$' % about(pairing))
        self.assertIn('(expired)', program.stderr_text)
        self.assertEqual(self.bonds(), [])

    def test_sigterm_while_a_command_runs_exits_0_and_gattd_rejects_the_pairing(self):
        started = self.path('started')
        program, _ = self.start_confirm('--cmd', 'touch %s; sleep 30; exit 0' % shlex.quote(started))
        path = self.connect()
        pairing = self.start_pairing(path, 'KeyboardDisplay')
        self.wait_until(lambda: os.path.exists(started), 'the command to start')
        began = time.monotonic()
        self.assertEqual(program.terminate(), 0, program.describe())
        self.assertLess(time.monotonic() - began, 3.0)
        self.assertEqual(self.wait_done(pairing).failure, 'rejected')
        self.client.wait_event('pairing-failed', address=PHONE, reason='no-confirmer')
        self.assertEqual(program.stdout_lines, [])

    def test_json_prints_gattds_lines_as_they_are(self):
        program, _ = self.start_confirm('--cmd', 'exit 0', '--json')
        path = self.connect()
        pairing = self.wait_done(self.fake.pair(path, central_io='KeyboardDisplay'))
        self.assertTrue(pairing.ok, pairing.failure)
        lines = [json.loads(line) for line in program.wait_lines(3)]
        self.assertEqual(lines[0], {'id': 1, 'ok': True})
        self.assertEqual((lines[1]['event'], lines[1]['kind'], lines[1]['passkey'], lines[1]['address']),
                         ('pairing-request', 'compare', '%06d' % pairing.passkey, PHONE))
        self.assertEqual(lines[2], {'id': 2, 'ok': True})
        self.assertEqual(program.terminate(), 0, program.describe())
        self.assertEqual(len(program.stdout_lines), 3, program.describe())

    def test_gattctl_confirm_exits_3_when_gattd_stops(self):
        program, _ = self.start_confirm('--cmd', 'exit 0')
        self.stop_gattd()
        self.assertEqual(program.wait_exit(), EXIT_CONNECTION, program.describe())
        self.assertIn('gattctl: confirm: gattd closed the connection', program.stderr_text)


class GattctlConfirmDeadlineTest(ConfirmClientTestCase):
    pairing = {'Method': 'confirm', 'ConfirmTimeoutMs': '1000'}

    def test_a_command_still_running_near_the_deadline_is_killed_before_it_and_rejects(self):
        program, _ = self.start_confirm('--cmd', 'sleep 10; exit 0')
        path = self.connect()
        began = time.monotonic()
        pairing = self.wait_done(self.fake.pair(path, central_io='KeyboardDisplay'))
        self.assertLess(time.monotonic() - began, 3.0)
        self.assertEqual(pairing.failure, 'rejected')
        # Killed 100 ms early, its rejection normally beats gattd's own timeout; on a
        # loaded machine it may come too late, and then gattd's reason is shown.
        line = program.wait_line('%s: rejected.*' % about(pairing))
        killed = "was still running 100 ms before gattd's deadline for the request (ConfirmTimeoutMs)"
        self.wait_until(lambda: killed in program.stderr_text, lambda: 'the kill explained: ' + program.describe())
        if line.endswith('not delivered (expired)'):
            program.wait_line('%s: failed: timeout' % about(pairing))
        self.assertEqual(self.bonds(), [])


class GattctlConfirmRefusedTest(ConfirmClientTestCase):

    def test_another_confirmer_makes_gattctl_confirm_exit_1_saying_whose_role_it_is(self):
        self.client.ok('handle-pairing')
        status, out, err = self.gattctl('confirm', '--cmd', 'exit 0')
        self.assertEqual((status, out), (EXIT_ERROR, []), err)
        self.assertRegex(err, r'^gattctl: confirm: pairings are confirmed by client \d+ \(pid %d\) \(busy\)\n$'
                         % os.getpid())

    def test_usage_errors_exit_2_before_anything_is_sent(self):
        for args, message in ((('confirm',), 'give --cmd CMD'),
                              (('confirm', '--cmd', ''), '--cmd is empty'),
                              (('confirm', '--cmd', 'true', '--cmd-timeout', '0'), 'milliseconds 1..30000'),
                              (('confirm', '--cmd', 'true', '--cmd-timeout', '30001'), 'milliseconds 1..30000'),
                              (('confirm', '--cmd', 'true', '--cmd-timeout', '5s'), 'milliseconds 1..30000'),
                              (('confirm', '--cmd-timeout', '500'), '--cmd-timeout goes with --cmd'),
                              (('confirm', '--cmd', 'true', 'extra'), 'too many arguments'),
                              (('confirm', '--bogus'), 'unknown option --bogus')):
            status, out, err = self.gattctl(*args)
            self.assertEqual((status, out), (EXIT_USAGE, []), args)
            self.assertIn(message, err, args)
            self.assertIn('gattctl confirm --help', err, args)
        # Nobody took the role meanwhile.
        self.client.ok('handle-pairing')


class GattctlConfirmTerminalTest(ConfirmClientTestCase):
    pairing = {'Method': 'confirm', 'ConfirmTimeoutMs': '3000'}

    def start_on_terminal(self):
        """gattctl confirm without --cmd, its stdin a pty's end whose other end self.master types on."""
        self.master, slave = pty.openpty()
        self.addCleanup(os.close, self.master)
        try:
            program, _ = self.start_confirm(stdin=slave)
        finally:
            os.close(slave)
        self.wait_until(lambda: 'confirming pairings; each is asked here' in program.stderr_text,
                        lambda: 'the banner from ' + program.describe())
        return program

    def wait_question(self, program, count, text):
        self.wait_until(lambda: program.stderr_text.count('[y/N] ') >= count,
                        lambda: 'question %d from %s' % (count, program.describe()))
        self.assertTrue(program.stderr_text.rstrip('\n').endswith(text), program.describe())

    def type(self, data):
        os.write(self.master, data)

    def test_y_or_yes_accepts_anything_else_or_end_of_input_rejects(self):
        program = self.start_on_terminal()
        path = self.connect()
        expected = []
        for count, (central_io, typed) in enumerate((('NoInputNoOutput', b'n\n'), ('KeyboardDisplay', b'nope y\n'),
                                                     ('KeyboardDisplay', b'\x04'), ('KeyboardDisplay', b' YeS \n')),
                                                    1):
            pairing = self.start_pairing(path, central_io)
            if pairing.method == 'compare':
                question = 'from %s: does it show %06d? [y/N] ' % (PHONE, pairing.passkey)
            else:
                question = 'from %s (Just Works, no number to compare): pair? [y/N] ' % PHONE
            self.wait_question(program, count, question)
            self.type(typed)
            self.wait_done(pairing)
            verdict = 'accepted' if typed.strip().lower() == b'yes' else 'rejected'
            self.assertEqual(pairing.ok, verdict == 'accepted', (typed, pairing.failure))
            expected.append('%s: %s' % (about(pairing), verdict))
            program.wait_lines(count)
        self.assertEqual(len(program.stdout_lines), 4, program.describe())
        for pattern, line in zip(expected, program.stdout_lines):
            self.assertRegex(line, '^%s$' % pattern)
        self.client.wait_event('paired', address=PHONE)
        self.assertEqual(self.bonds(), [PHONE])

    def test_what_was_typed_before_the_question_does_not_answer_it_and_the_deadline_rejects(self):
        program = self.start_on_terminal()
        path = self.connect()
        self.type(b'y\n')
        pairing = self.start_pairing(path, 'KeyboardDisplay')
        self.wait_question(program, 1, 'does it show %06d? [y/N] ' % pairing.passkey)
        began = time.monotonic()
        self.assertEqual(self.wait_done(pairing).failure, 'rejected')
        self.assertGreater(time.monotonic() - began, 1.5, 'it waited for an answer')
        line = program.wait_line('%s: rejected.*' % about(pairing))
        self.assertIn("no answer before gattd's deadline for request", program.stderr_text)
        if line.endswith('not delivered (expired)'):     # a loaded machine: gattd's timeout came first
            program.wait_line('%s: failed: timeout' % about(pairing))
        self.assertEqual(self.bonds(), [])

    def test_a_pairing_cancelled_while_asked_ends_the_question(self):
        program = self.start_on_terminal()
        path = self.connect()
        pairing = self.start_pairing(path, 'KeyboardDisplay')
        self.wait_question(program, 1, 'does it show %06d? [y/N] ' % pairing.passkey)
        self.fake.disconnect_central(path)
        self.assertEqual(self.wait_done(pairing).failure, 'canceled-disconnect')
        program.wait_line('%s: failed: canceled' % about(pairing))
        # The question is over: a late yes answers nothing, and gattctl waits for the next.
        self.type(b'y\n')
        self.assertEqual(len(program.stdout_lines), 1, program.describe())
        path = self.connect()
        pairing = self.start_pairing(path, 'NoInputNoOutput')
        self.wait_question(program, 2, 'pair? [y/N] ')
        self.type(b'y\n')
        self.assertTrue(self.wait_done(pairing).ok, pairing.failure)
        program.wait_line('%s: accepted' % about(pairing))

    def test_ctrl_c_while_asking_exits_0_and_gattd_rejects_the_pairing(self):
        program = self.start_on_terminal()
        path = self.connect()
        pairing = self.start_pairing(path, 'KeyboardDisplay')
        self.wait_question(program, 1, 'does it show %06d? [y/N] ' % pairing.passkey)
        program.process.send_signal(signal.SIGINT)
        self.assertEqual(program.wait_exit(), 0, program.describe())
        self.assertEqual(self.wait_done(pairing).failure, 'rejected')
        self.client.wait_event('pairing-failed', address=PHONE, reason='no-confirmer')
        self.assertEqual(program.stdout_lines, [])


class ClientExampleConfirmTest(ConfirmClientTestCase):

    def example(self, *args):
        program = ClientProgram(self, [client_example_binary(), '--socket', self.socket_path] + list(args))
        program.wait_line('confirming pairings')
        return program

    def test_accept_says_yes_and_the_central_bonds(self):
        program = self.example('confirm', 'accept', '1')
        path = self.connect()
        pairing = self.wait_done(self.fake.pair(path, central_io='KeyboardDisplay'))
        self.assertTrue(pairing.ok, pairing.failure)
        self.assertEqual(program.wait_exit(), 0, program.describe())
        self.assertEqual(len(program.stdout_lines), 2, program.describe())
        self.assertRegex(program.stdout_lines[1], r'^request \d+ compare %06d from %s: accepted$'
                         % (pairing.passkey, PHONE))
        self.client.wait_event('paired', address=PHONE)
        self.assertEqual(self.bonds(), [PHONE])

    def test_reject_says_no_to_each_and_shows_how_each_ended(self):
        program = self.example('confirm', 'reject', '2')
        path = self.connect()
        first = self.wait_done(self.fake.pair(path, central_io='KeyboardDisplay'))
        second = self.wait_done(self.fake.pair(path, central_io='NoInputNoOutput'))
        self.assertEqual((first.failure, second.failure), ('rejected', 'rejected'))
        self.assertEqual(program.wait_exit(), 0, program.describe())
        out = program.stdout_lines
        self.assertEqual(len(out), 4, program.describe())
        request = re.match(r'^request (\d+) compare %06d from %s: rejected$' % (first.passkey, PHONE), out[1])
        self.assertTrue(request, program.describe())
        # The library keeps the pairing-failed that settled it for wait_event.
        self.assertEqual(out[2], 'request %s failed: rejected' % request.group(1))
        self.assertRegex(out[3], r'^request \d+ just-works from %s: rejected$' % PHONE)
        self.assertEqual(self.bonds(), [])

    def test_another_confirmer_is_busy(self):
        other = LocalClient(self)
        other.ok('handle-pairing')
        program = ClientProgram(self, [client_example_binary(), '--socket', self.socket_path, 'confirm', 'accept'])
        self.assertEqual(program.wait_exit(), 1, program.describe())
        self.assertIn('handle-pairing: pairings are confirmed by client', program.stderr_text)
        self.assertIn('(busy)', program.stderr_text)


class NotConfirmTest(ConfirmClientTestCase):
    pairing = {'Method': 'just-works'}

    def test_gattctl_confirm_exits_1_without_method_confirm(self):
        status, out, err = self.gattctl('confirm', '--cmd', 'exit 0')
        self.assertEqual((status, out), (EXIT_ERROR, []), err)
        self.assertIn('gattctl: confirm: pairing requests come with [Pairing] Method=confirm only '
                      '(Method=just-works) (not-supported)', err)

    def test_client_example_confirm_exits_1_without_method_confirm(self):
        program = ClientProgram(self, [client_example_binary(), '--socket', self.socket_path, 'confirm', 'accept'])
        self.assertEqual(program.wait_exit(), 1, program.describe())
        self.assertIn('(not-supported)', program.stderr_text)
        self.assertEqual(program.stdout_lines, [])


if __name__ == '__main__':
    unittest.main()
