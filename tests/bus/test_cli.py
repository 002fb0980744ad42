# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattd --check-config: validates a config dir without touching the bus."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import BATTERY_CONF, DEFAULT_SERVICES, gattd_command, write_config_dir

GOOD_DAEMON = {'Adapter': 'auto', 'RetryMinMs': '50', 'RetryMaxMs': '400'}
GOOD_ADVERTISING = {'Enabled': 'true', 'LocalName': 'gattd-test'}


class CheckConfigTest(unittest.TestCase):

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix='gattd-cli-')
        self.addCleanup(shutil.rmtree, self.tmpdir, ignore_errors=True)

    def check_config(self, services, daemon=GOOD_DAEMON, advertising=GOOD_ADVERTISING):
        directory = write_config_dir(tempfile.mkdtemp(dir=self.tmpdir), daemon, advertising, services)
        env = {k: v for k, v in os.environ.items() if not k.startswith('DBUS_')}
        # No bus at all: --check-config must not need one.
        env['DBUS_SYSTEM_BUS_ADDRESS'] = 'unix:path=' + os.path.join(self.tmpdir, 'no-bus-here')
        return subprocess.run(gattd_command('--check-config', '--config-dir', directory),
                              env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)

    def test_check_config_accepts_good_config_and_exits_0(self):
        result = self.check_config(DEFAULT_SERVICES)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotEqual(result.stdout.strip(), '', 'a summary is printed')

    def test_check_config_refuses_an_advertisement_over_31_bytes_with_the_byte_count(self):
        # flags 3 + the battery service's 16-bit UUID 4 + manufacturer data 4 + 25.
        result = self.check_config(DEFAULT_SERVICES, advertising=dict(
            GOOD_ADVERTISING, ManufacturerData='0x05F1:hex:' + '00' * 25))
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn('gattd.conf: [Advertising]: the advertising data would be 36 bytes (flags 3 + service UUIDs 4 + '
                      'manufacturer data 29); at most 31 fit in a legacy advertisement', result.stderr)

    def test_check_config_rejects_unknown_flag_naming_file_group_and_key(self):
        broken = BATTERY_CONF.replace('Flags=read;notify', 'Flags=reed;notify')
        result = self.check_config({'battery.conf': broken})
        self.assertEqual(result.returncode, 1, result.stderr)
        lines = [l for l in result.stderr.splitlines() if 'reed' in l]
        self.assertTrue(lines, 'a message mentions the bad flag:\n' + result.stderr)
        self.assertRegex(lines[0], r'services\.d/battery\.conf: \[Characteristic battery/level\] Flags: ')

    def test_check_config_rejects_descriptor_flag_not_valid_for_descriptors(self):
        broken = BATTERY_CONF.replace('UUID=2906\nFlags=read', 'UUID=2906\nFlags=notify')
        result = self.check_config({'battery.conf': broken})
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertRegex(result.stderr,
                         r'services\.d/battery\.conf: \[Descriptor battery/level/valid_range\] Flags: ')

    def test_check_config_rejects_value_out_of_range_for_its_type(self):
        broken = BATTERY_CONF.replace('Value=u8:100', 'Value=u8:300')
        result = self.check_config({'battery.conf': broken})
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertRegex(result.stderr, r'services\.d/battery\.conf: \[Characteristic battery/level\] Value: ')

    def test_check_config_reports_every_problem_not_just_the_first(self):
        broken = BATTERY_CONF.replace('Flags=read;notify', 'Flags=reed;notify').replace(
            'Flags=write;write-without-response', 'Flags=wrote')
        result = self.check_config({'battery.conf': broken})
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn('[Characteristic battery/level] Flags', result.stderr)
        self.assertIn('[Characteristic battery/command] Flags', result.stderr)

    def test_check_config_shows_a_file_named_with_newline_and_esc_escaped_and_relative_to_the_config_dir(self):
        broken = BATTERY_CONF.replace('Flags=read;notify', 'Flags=reed;notify')
        result = self.check_config({'bat\ntery\x1b[31m.conf': broken,
                                    'settings.conf': DEFAULT_SERVICES['settings.conf']})
        self.assertEqual(result.returncode, 1, result.stderr)
        lines = result.stderr.splitlines()
        self.assertNotIn('\x1b', result.stderr, 'no terminal escape reaches the output')
        self.assertTrue(all(line.startswith('gattd: ') for line in lines), 'one line per message:\n' + result.stderr)
        self.assertRegex(lines[0], r'^gattd: services\.d/bat\\ntery\\x1b\[31m\.conf: '
                                   r'\[Characteristic battery/level\] Flags: unknown flag \'reed\'')
        self.assertNotIn(self.tmpdir, lines[0], 'the file is named relative to the config dir')
        self.assertRegex(lines[-1], r'^gattd: configuration in %s/\S+ is invalid \(1 problem\)$'
                         % re.escape(self.tmpdir))


if __name__ == '__main__':
    unittest.main()
