# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattctl's interactive shell (bare `gattctl`, issue 18): driven through tmux as a
person types, with Tab completing commands and ids from the running gattd, gattd's
events printed above what is being typed, history kept across sessions, Ctrl-C
stopping a command, gattd going away and coming back; and from a pipe, the lines run
one after another with the last one's exit status."""

import os
import re
import shutil
import signal
import subprocess
import time
import unittest

from clients import LocalClient
from harness import CENTRAL_ADDRESS, COMMAND, LABEL
from test_gattctl import EXIT_USAGE, GattctlTestCase

PROMPT = 'gattctl> '


class PipedShellTest(GattctlTestCase):
    """Commands read from stdin: what `gattctl < commands.txt` does."""

    def shell(self, text):
        env = {k: v for k, v in os.environ.items() if k != 'GATTD_SOCKET'}
        result = subprocess.run([self.binary, '--socket', self.socket_path], input=text, env=env,
                                capture_output=True, text=True, timeout=60)
        return result.returncode, result.stdout, result.stderr

    def test_lines_run_in_order_and_the_last_status_is_the_exit_status(self):
        status, out, err = self.shell('get battery/level\n'
                                      '# a comment, then an empty line\n\n'
                                      "set settings/label 'utf8:two words'\n"
                                      '  get settings/label\n')
        self.assertEqual((status, err), (0, ''))
        lines = out.splitlines()
        self.assertEqual(len(lines), 3, out)
        self.assertTrue(lines[1].startswith('set settings/label %s "two words"' % b'two words'.hex()), lines[1])
        self.assertEqual(lines[2], b'two words'.hex())

    def test_an_unknown_command_is_named_with_a_suggestion_and_the_rest_still_runs(self):
        status, out, err = self.shell('stauts\nget battery/level\nlst\n')
        self.assertEqual(status, EXIT_USAGE)
        self.assertIn("gattctl: unknown command 'stauts' (did you mean 'status'?); 'help' lists them", err)
        self.assertIn("unknown command 'lst' (did you mean 'list'?)", err)
        self.assertEqual(len(out.splitlines()), 1, 'get ran between them')

    def test_errors_keep_the_commands_own_status_and_exit_stops_reading(self):
        status, out, err = self.shell('get nosuch/char\n')
        self.assertEqual(status, 1, err)
        self.assertIn('get nosuch/char', err)
        status, out, err = self.shell("set battery/level 'unclosed\n")
        self.assertEqual(status, EXIT_USAGE)
        self.assertIn('gattctl: ', err)
        status, out, err = self.shell('exit\nset battery/level 7\n')
        self.assertEqual(status, 0, err)
        self.assertNotEqual(LocalClient(self).ok('get', char='battery/level')['typed'], 7, 'nothing after exit')

    def test_ctrl_c_stops_a_script_with_130_and_the_lines_after_do_not_run(self):
        env = {k: v for k, v in os.environ.items() if k != 'GATTD_SOCKET'}
        process = subprocess.Popen([self.binary, '--socket', self.socket_path], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
                                   start_new_session=True)
        self.addCleanup(lambda: process.poll() is None and process.kill())
        process.stdin.write('next-write battery/command\nset battery/level 7\n')
        process.stdin.close()
        probe = LocalClient(self)
        self.wait_until(lambda: probe.ok('status')['clients'] == 2, 'next-write connected (the probe the other)')
        os.killpg(process.pid, signal.SIGINT)  # the terminal's Ctrl-C reaches the whole group
        self.assertEqual(process.wait(timeout=20), 130, process.stderr.read())
        self.assertEqual(LocalClient(self).ok('get', char='battery/level')['typed'], 100, 'the set did not run')

    def test_help_lists_the_commands_and_help_command_its_options(self):
        status, out, err = self.shell('help\nhelp next-write\n')
        self.assertEqual(status, 0, err)
        self.assertIn('next-write CHAR', out)
        self.assertIn('exit, quit', out)
        self.assertIn('--timeout', out, "next-write's own --help")


class Tmux:
    """A tmux server of the test's own, one window running a command."""

    def __init__(self, test, command, env):
        self.socket = os.path.join(test.tmpdir, 'tmux.sock')
        self.env = env
        self.run('new-session', '-d', '-x', '120', '-y', '40', '-s', 'shell', command)
        test.addCleanup(self.kill)

    def run(self, *args):
        return subprocess.run(['tmux', '-S', self.socket] + list(args), env=self.env, check=True,
                              capture_output=True, text=True, timeout=30).stdout

    def kill(self):
        subprocess.run(['tmux', '-S', self.socket, 'kill-server'], env=self.env, capture_output=True, timeout=30)

    def keys(self, *keys):
        self.run('send-keys', '-t', 'shell', *keys)

    def type(self, text):
        self.run('send-keys', '-t', 'shell', '-l', text)

    def lines(self):
        return [line.rstrip() for line in self.run('capture-pane', '-p', '-J', '-t', 'shell').split('\n')]

    def screen(self):
        return '\n'.join(self.lines()).rstrip('\n')

    def last_line(self):
        kept = [line for line in self.lines() if line]
        return kept[-1] if kept else ''

    def alive(self):
        return subprocess.run(['tmux', '-S', self.socket, 'has-session', '-t', 'shell'], env=self.env,
                              capture_output=True, timeout=30).returncode == 0


class InteractiveShellTest(GattctlTestCase):

    def setUp(self):
        super().setUp()
        if not shutil.which('tmux'):
            raise unittest.SkipTest('no tmux')
        self.state = os.path.join(self.tmpdir, 'state')
        self.env = {k: v for k, v in os.environ.items() if k not in ('GATTD_SOCKET', 'TMUX')}
        self.env.update({'HOME': self.tmpdir, 'XDG_STATE_HOME': self.state, 'INPUTRC': '/dev/null',
                         'LC_ALL': 'C.UTF-8', 'TERM': 'xterm'})

    def open_shell(self):
        tmux = Tmux(self, '%s --socket %s' % (self.binary, self.socket_path), self.env)
        self.wait_screen(tmux, lambda: tmux.last_line() == PROMPT.rstrip(), 'the prompt')
        return tmux

    def wait_screen(self, tmux, condition, what):
        try:
            self.wait_until(condition, what)
        except AssertionError:
            raise AssertionError('%s; the screen:\n%s' % (what, tmux.screen()))

    def test_tab_completes_commands_and_ids_from_gattd(self):
        tmux = self.open_shell()
        self.assertIn('connected to gattd at ' + self.socket_path, tmux.screen())
        tmux.type('sta')
        tmux.keys('Tab')
        self.wait_screen(tmux, lambda: tmux.last_line() == PROMPT + 'status', 'status completed')
        tmux.keys('Enter')
        self.wait_screen(tmux, lambda: re.search(r'on_air: +yes', tmux.screen()), "status's output")
        self.wait_screen(tmux, lambda: tmux.last_line() == PROMPT.rstrip(), 'the prompt again')

        tmux.type('get battery/le')
        tmux.keys('Tab')
        self.wait_screen(tmux, lambda: tmux.last_line() == PROMPT + 'get battery/level', 'the id completed')
        tmux.keys('Enter')
        value = LocalClient(self).ok('get', char='battery/level')['typed']
        self.wait_screen(tmux, lambda: any(line == str(value) for line in tmux.lines()), "get's output")
        # Typed before the prompt is back, the keys would be echoed by the terminal as well.
        self.wait_screen(tmux, lambda: tmux.last_line() == PROMPT.rstrip(), 'the prompt again')

        tmux.type('next-write --ti')
        tmux.keys('Tab')
        self.wait_screen(tmux, lambda: tmux.last_line() == PROMPT + 'next-write --timeout',
                         "an option from the command's --help")

    def test_events_are_printed_above_what_is_being_typed(self):
        tmux = self.open_shell()
        tmux.type('get batt')
        # The watch is sent at connection: a write now is an event for this shell.
        self.fake.write_value(COMMAND, b'hi\n')
        self.wait_screen(tmux, lambda: any(line.startswith('write battery/command 68690a "hi\\n"')
                                           for line in tmux.lines()), 'the write shown')
        self.assertEqual(tmux.last_line(), PROMPT + 'get batt', 'what was typed stays under it')
        lines = [line for line in tmux.lines() if line]
        self.assertIn('address=' + CENTRAL_ADDRESS, lines[-2])
        tmux.type('ery/level')
        tmux.keys('Enter')
        self.wait_screen(tmux, lambda: tmux.last_line() == PROMPT.rstrip(), 'the command ran')

    def test_ctrl_c_stops_a_command_and_events_during_it_come_after(self):
        tmux = self.open_shell()
        tmux.type('next-write battery/command')
        tmux.keys('Enter')
        probe = LocalClient(self)
        self.wait_until(lambda: probe.ok('status')['clients'] == 3, "next-write connected (the shell's and the probe)")
        self.fake.write_value(LABEL, b'x')
        self.sync_with_gattd()
        time.sleep(0.3)
        self.assertNotIn('write settings/label', tmux.screen(), 'held while the command runs')
        tmux.keys('C-c')
        self.wait_screen(tmux, lambda: tmux.last_line() == PROMPT.rstrip(), 'back at the prompt')
        self.assertTrue(tmux.alive(), 'the shell stays')
        lines = [line for line in tmux.lines() if line]
        self.assertTrue(lines[-2].startswith('write settings/label 78 "x"'), tmux.screen())
        tmux.keys('C-c')  # at the prompt: the line is dropped, the shell stays
        time.sleep(0.3)
        self.assertTrue(tmux.alive())
        tmux.type('status')
        tmux.keys('Enter')
        self.wait_screen(tmux, lambda: re.search(r'on_air: +yes', tmux.screen()), 'a command after Ctrl-C')

    def test_history_is_kept_across_sessions(self):
        tmux = self.open_shell()
        tmux.type('get battery/level')
        tmux.keys('Enter')
        self.wait_screen(tmux, lambda: tmux.last_line() == PROMPT.rstrip(), 'the command ran')
        tmux.keys('C-d')
        self.wait_until(lambda: not tmux.alive(), 'the shell left on Ctrl-D')
        with open(os.path.join(self.state, 'gattctl', 'history')) as f:
            self.assertIn('get battery/level', f.read())

        tmux = self.open_shell()
        tmux.keys('Up')
        self.wait_screen(tmux, lambda: tmux.last_line() == PROMPT + 'get battery/level', 'the last command back')

    def test_gattd_going_away_and_coming_back(self):
        tmux = self.open_shell()
        self.stop_gattd()
        self.wait_screen(tmux, lambda: 'gattd closed the connection' in tmux.screen(), 'the loss said')
        self.wait_screen(tmux, lambda: tmux.last_line() == 'gattctl (no gattd)>', 'the prompt says it')
        tmux.type('status')
        tmux.keys('Enter')
        self.wait_screen(tmux, lambda: 'cannot connect to gattd' in tmux.screen(), "status's own error")
        self.start_gattd()
        self.wait_app_registered()
        self.wait_screen(tmux, lambda: 'connected to gattd again' in tmux.screen(), 'the return said')
        self.wait_screen(tmux, lambda: tmux.last_line() == PROMPT.rstrip(), 'the prompt back')

    def test_a_refused_watch_is_said_once_and_commands_still_run(self):
        self.stop_gattd()
        self.start_registered(daemon={'MaxClients': '1'})
        holder = LocalClient(self)
        holder.sync()
        tmux = Tmux(self, '%s --socket %s' % (self.binary, self.socket_path), self.env)
        self.wait_screen(tmux, lambda: 'gattd refused to send events (' in tmux.screen(), 'the refusal said')
        self.wait_screen(tmux, lambda: tmux.last_line() == 'gattctl (no gattd)>', 'the prompt says it')
        time.sleep(1.5)  # past the usual reconnect delay: no second try, no second message
        self.assertEqual(tmux.screen().count('refused'), 1, tmux.screen())
        self.assertNotIn('closed the connection', tmux.screen())
        holder.close()
        # gattctl status gets the slot once gattd saw the holder go (its own connection the one client).
        self.wait_until(lambda: any(re.match(r'clients: +1$', line) for line in self.gattctl('status')[1]),
                        'the slot free')
        tmux.type('get battery/level')
        tmux.keys('Enter')
        self.wait_screen(tmux, lambda: '100' in tmux.lines(), "get's output")
        self.assertNotIn('cannot connect', tmux.screen())


if __name__ == '__main__':
    unittest.main()
