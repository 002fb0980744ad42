# SPDX-License-Identifier: LGPL-2.1-or-later
"""Stable ATT handles: gattd keeps the handles bluetoothd gave its services (Handle
write-back) in its state directory and asks for them again, service by service while
the service's layout is unchanged: across gattd restarts (bluetoothd running on, or
restarted), and across a reload that changes another service."""

import os
import subprocess
import unittest

from harness import (BATTERY, DEFAULT_SERVICES, SETTINGS, SETTINGS_CONF, GattdTestCase,
                     gattd_command)

LAYOUT_FILE = os.path.join('handles', 'layout')
EXTRA_CHAR = """
[Characteristic settings/extra]
UUID=6e400005-b5a3-f393-e0a9-e50e24dcca9e
Flags=read
"""


def under(handles, prefix):
    return {p: h for p, h in handles.items() if p == prefix or p.startswith(prefix + '/')}


class StableHandlesTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.config = self.config_dir()

    def restart_gattd(self):
        self.stop_gattd()
        self.start_gattd(config_dir=self.config)
        return self.wait_app_registered('hci0')

    def layout_file(self):
        with open(os.path.join(self.state_dir, LAYOUT_FILE)) as f:
            return f.read()

    def write_services(self, **extra):
        services = dict(DEFAULT_SERVICES)
        services.update(extra)
        for name, text in services.items():
            with open(os.path.join(self.config, 'services.d', name), 'w') as f:
                f.write(text)

    def test_the_handles_are_saved_and_asked_for_again_after_a_gattd_restart(self):
        self.start_gattd(config_dir=self.config)
        first = self.wait_app_registered('hci0')
        text = self.layout_file()
        self.assertIn('service battery ', text)
        self.assertIn('battery/level 0x%04x\n' % first.handles[BATTERY + '/level'], text)
        # bluetoothd keeps running: its automatic handles would go on upwards.
        second = self.restart_gattd()
        self.assertEqual(second.handles, first.handles)
        self.assertEqual(second.handle_writes, {}, 'every Handle was given: bluetoothd wrote none back')
        self.assertIn('battery: asking bluetoothd for the handles it had', self.gattd_log())
        self.assertEqual(self.layout_file(), text, 'nothing changed, nothing written')

    def test_the_handles_survive_a_gattd_and_bluetoothd_restart(self):
        self.start_gattd(config_dir=self.config)
        first = self.wait_app_registered('hci0')
        self.stop_gattd()
        self.fake.stop()
        self.fake.start()
        # Another application came and went first: bluetoothd's automatic handles
        # go on after its (gatt_db's next handle never goes back).
        self.fake.adapter('hci0').next_handle += 0x20
        self.start_gattd(config_dir=self.config)
        self.assertEqual(self.wait_app_registered('hci0').handles, first.handles)

    def test_a_service_whose_layout_changed_gets_new_handles_and_the_others_keep_theirs(self):
        self.start_gattd(config_dir=self.config)
        first = self.wait_app_registered('hci0')
        self.stop_gattd()
        self.write_services(**{'settings.conf': SETTINGS_CONF + EXTRA_CHAR})
        check = subprocess.run(gattd_command('--check-config', '--config-dir', self.config), env=self.gattd_env(),
                               capture_output=True, text=True, timeout=20)
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertRegex(check.stdout, r'  battery: keeps its handles 0x[0-9a-f]{4}\.\.0x[0-9a-f]{4}\n')
        self.assertIn('  settings: its layout changed: it gets new handles', check.stdout)
        self.start_gattd(config_dir=self.config)
        second = self.wait_app_registered('hci0')
        self.assertEqual(under(second.handles, BATTERY), under(first.handles, BATTERY))
        self.assertNotEqual(under(second.handles, SETTINGS), under(first.handles, SETTINGS))
        self.assertIn('settings: its layout changed since bluetoothd gave it handles', self.gattd_log())
        self.assertIn('settings/extra 0x', self.layout_file(), 'the new layout is saved')

    def test_a_reload_that_adds_a_characteristic_moves_only_that_service(self):
        self.start_gattd(config_dir=self.config)
        first = self.wait_app_registered('hci0')
        registrations = len(self.fake.register_app_calls)
        self.write_services(**{'settings.conf': SETTINGS_CONF + EXTRA_CHAR})
        self.gattd.send_signal(1)  # SIGHUP
        self.wait_until(lambda: len(self.fake.register_app_calls) > registrations and self.fake.active_app('hci0'),
                        'the changed tree registered')
        second = self.wait_app_registered('hci0')
        self.assertEqual(under(second.handles, BATTERY), under(first.handles, BATTERY))
        self.assertNotEqual(under(second.handles, SETTINGS), under(first.handles, SETTINGS))
        self.assertIn('settings: the reload changed its layout: it gets new handles', self.gattd_log())

    def test_handles_bluetoothd_refuses_are_given_up_and_new_ones_saved(self):
        self.start_gattd(config_dir=self.config)
        first = self.wait_app_registered('hci0')
        self.stop_gattd()
        # Another application now holds the battery service's old range.
        start = first.handles[BATTERY]
        self.fake.adapter('hci0').ranges.append((start, start + 3))
        self.start_gattd(config_dir=self.config)
        second = self.wait_app_registered('hci0')
        self.assertNotEqual(second.handles[BATTERY], start)
        self.assertIn('battery 0x%04x\n' % second.handles[BATTERY], self.layout_file())

    def test_a_corrupt_file_is_ignored_with_a_warning_and_rewritten(self):
        os.makedirs(os.path.join(self.state_dir, 'handles'), exist_ok=True)
        with open(os.path.join(self.state_dir, LAYOUT_FILE), 'w') as f:
            f.write('service battery nothex\n')
        self.start_gattd(config_dir=self.config)
        app = self.wait_app_registered('hci0')
        self.assertIn('the saved ATT handles are ignored: ', self.gattd_log())
        self.assertIn('line 1: not \'service ID LAYOUT\'', self.gattd_log())
        self.assertIn('battery 0x%04x\n' % app.handles[BATTERY], self.layout_file())


if __name__ == '__main__':
    unittest.main()
