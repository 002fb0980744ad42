# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattctl's bash completion (src/gattctl/gattctl.bash) in a real bash: commands,
options from each command's --help, characteristic and descriptor ids asked of the
running gattd, central addresses, and the words of wait, advertise and pairable."""

import os
import shutil
import subprocess
import unittest

from harness import CENTRAL_ADDRESS, GattdTestCase
from test_gattctl import gattctl_binary

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'src', 'gattctl', 'gattctl.bash')


class CompletionTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        if not shutil.which('bash'):
            raise unittest.SkipTest('no bash')
        self.binary = gattctl_binary()
        self.start_registered()

    def complete(self, line, socket=True):
        """COMPREPLY for the command line typed so far (the last word being completed)."""
        words = line.split(' ')
        env = {k: v for k, v in os.environ.items() if k != 'GATTD_SOCKET'}
        env['PATH'] = os.path.dirname(os.path.abspath(self.binary)) + os.pathsep + env.get('PATH', '')
        if socket:
            env['GATTD_SOCKET'] = self.socket_path
        script = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _gattctl; ' \
                 'printf "%s\\n" "${COMPREPLY[@]}"'
        result = subprocess.run(['bash', '--norc', '--noprofile', '-c', script, 'bash', SCRIPT] + words,
                                env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        return [w for w in result.stdout.split('\n') if w]

    def test_commands_and_global_options(self):
        self.assertEqual(self.complete('gattctl st'), ['status'])
        self.assertEqual(self.complete('gattctl wa'), ['watch', 'wait'])
        self.assertEqual(self.complete('gattctl --j'), ['--json'])

    def test_a_commands_own_options_come_from_its_help(self):
        self.assertEqual(self.complete('gattctl next-write --ti'), ['--timeout'])
        self.assertIn('--notify', self.complete('gattctl set --'))

    def test_new_options_of_every_command_come_from_its_help(self):
        self.assertEqual(self.complete('gattctl get --ti'), ['--timeout'])
        self.assertEqual(self.complete('gattctl list --ti'), ['--timeout'])
        for option in ('--timestamps', '--follow', '--timeout'):
            self.assertIn(option, self.complete('gattctl watch --'))
        # watch's -t (--timestamps) takes no value: a characteristic id follows.
        self.assertIn('battery/command', self.complete('gattctl watch -t battery/'))

    def test_ids_come_from_the_running_gattd(self):
        got = self.complete('gattctl get battery/')
        self.assertIn('battery/level', got)
        self.assertIn('battery/level/description', got, 'get takes descriptors too')
        got = self.complete('gattctl set battery/')
        self.assertIn('battery/level', got)
        self.assertNotIn('battery/level/description', got, 'set takes characteristics only')
        self.assertEqual(self.complete('gattctl set battery/level '), [], 'the VALUE is the user\'s')
        self.assertIn('settings/label', self.complete('gattctl watch battery/level set'))

    def test_the_socket_given_on_the_line_is_the_one_asked(self):
        self.assertEqual(self.complete('gattctl get battery/', socket=False), [], 'no gattd at the default socket')
        self.assertIn('battery/level', self.complete('gattctl --socket %s get battery/' % self.socket_path,
                                                     socket=False))
        self.assertIn('battery/level', self.complete('gattctl get --socket %s battery/' % self.socket_path,
                                                     socket=False))

    def test_addresses_and_words(self):
        self.fake.connect_central()
        self.wait_until(lambda: CENTRAL_ADDRESS in self.complete('gattctl disconnect '), 'the central offered')
        self.assertEqual(self.complete('gattctl wait re'), ['registered'])
        self.assertEqual(self.complete('gattctl advertise o'), ['on', 'off'])
        self.assertEqual(self.complete('gattctl pairable of'), ['off'])


if __name__ == '__main__':
    unittest.main()
