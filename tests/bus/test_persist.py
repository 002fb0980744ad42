# SPDX-License-Identifier: LGPL-2.1-or-later
"""Persist=true: the last value of a characteristic (set by a local client or
written by a central) survives a restart, also a kill -9 in the middle of a burst
of changes (never torn: one of the values written). A stored value that is
damaged or no longer fits the characteristic (another UUID, Type, or too long),
or a state directory that cannot be used, costs a warning and the stored value:
Value= is served, and gattd runs. A reload that changes a characteristic serves
what a restart would."""

import os
import re
import struct
import unittest

import dbus.lowlevel

from clients import LocalClient
from harness import APP_PATH, BATTERY_CONF, LABEL, THRESHOLD, GattdTestCase

BLOB = APP_PATH + '/settings/blob'

PERSIST_SETTINGS_CONF = """\
[Service settings]
UUID=6E400001-B5A3-F393-E0A9-E50E24DCCA9E

[Characteristic settings/label]
UUID=6e400003-b5a3-f393-e0a9-e50e24dcca9e
Flags=read;write
MaxLength=20
Value=utf8:gattd
Persist=true

[Characteristic settings/threshold]
UUID=6e400004-b5a3-f393-e0a9-e50e24dcca9e
Flags=read;write;indicate
Type=u16
Value=u16:300
Persist=true

[Characteristic settings/blob]
UUID=6e400005-b5a3-f393-e0a9-e50e24dcca9e
Flags=read;write
MaxLength=128
Value=hex:00
Persist=true
"""

# A burst writes burst_value(1..N) to settings/blob: a torn value (parts of two
# writes, or cut short) shows as chunks that differ or a wrong length.
BURST_LOCAL = 300
BURST_CENTRAL = 30          # in flight at once, under dbus-daemon's limit of pending replies
KILL_AFTER = 10             # changes acknowledged when gattd is killed, the burst going on


def burst_value(k):
    return struct.pack('<I', k) * 32


def burst_index(value):
    """k if value is burst_value(k), else None."""
    if len(value) != 128:
        return None
    k = struct.unpack('<I', value[:4])[0]
    return k if value == burst_value(k) else None


class PersistTestCase(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.config = self.config_dir(services={'battery.conf': BATTERY_CONF,
                                                'settings.conf': PERSIST_SETTINGS_CONF})
        self.values_dir = os.path.join(self.state_dir, 'values')

    def start(self):
        self.start_gattd(config_dir=self.config)
        self.wait_app_registered()
        self.wait_on_air()
        return LocalClient(self)

    def restart(self):
        self.stop_gattd()
        return self.start()

    def edit_settings(self, old, new):
        path = os.path.join(self.config, 'services.d', 'settings.conf')
        with open(path) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(path, 'w') as f:
            f.write(text.replace(old, new))

    def stored_files(self):
        return sorted(f for f in os.listdir(self.values_dir) if not f.endswith('.tmp'))

    def only_stored_file(self):
        files = self.stored_files()
        self.assertEqual(len(files), 1, 'one characteristic changed, one file in %s: %r' % (self.values_dir, files))
        return os.path.join(self.values_dir, files[0])

    def assert_warned_and_ignored(self, char_id):
        self.assertRegex(self.gattd_log(), r'warning: [^\n]*%s[^\n]*ignored' % char_id)


class RestoreTest(PersistTestCase):

    def test_value_set_locally_is_restored_after_a_restart(self):
        client = self.start()
        client.ok('set', char='settings/label', value=b'kept'.hex())
        client = self.restart()
        self.assertEqual(client.ok('get', char='settings/label')['value'], b'kept'.hex())
        self.assertEqual(self.fake.read_value(LABEL), b'kept')
        self.assertNotRegex(self.gattd_log(), 'ignored')

    def test_value_written_by_a_central_is_restored_after_a_restart(self):
        self.start()
        self.fake.write_value(THRESHOLD, struct.pack('<H', 500))
        client = self.restart()
        self.assertEqual(client.ok('get', char='settings/threshold')['typed'], 500)
        self.assertEqual(self.fake.read_value(THRESHOLD), struct.pack('<H', 500))

    def test_last_of_several_changes_is_restored(self):
        client = self.start()
        for k in (1, 2, 3):
            self.fake.write_value(BLOB, burst_value(k))
        client.ok('set', char='settings/blob', value=burst_value(4).hex())
        self.fake.write_value(BLOB, burst_value(5))
        self.restart()
        self.assertEqual(self.fake.read_value(BLOB), burst_value(5))

    def test_value_is_restored_across_two_restarts_without_changes(self):
        client = self.start()
        client.ok('set', char='settings/threshold', typed=7)
        self.restart()
        client = self.restart()
        self.assertEqual(client.ok('get', char='settings/threshold')['typed'], 7)

    def test_value_changed_after_a_reload_that_registers_again_is_restored_after_a_restart(self):
        client = self.start()
        with open(os.path.join(self.config, 'services.d', 'zz-extra.conf'), 'w') as f:
            f.write('[Service extra]\nUUID=181C\n\n[Characteristic extra/data]\nUUID=2A00\nFlags=read\n')
        self.assertIs(client.ok('reload')['reregistered'], True)
        self.wait_until(lambda: self.fake.active_app('hci0') and APP_PATH + '/extra' in self.fake.gatt_tree('hci0'),
                        'the new tree to be registered')
        self.sync_with_gattd()
        self.fake.write_value(THRESHOLD, struct.pack('<H', 777))
        client = self.restart()
        self.assertEqual(client.ok('get', char='settings/threshold')['typed'], 777)

    def test_characteristic_without_persist_is_not_stored_and_starts_from_value(self):
        client = self.start()
        client.ok('set', char='battery/level', typed=42)
        client.sync()
        self.assertEqual(os.listdir(self.values_dir) if os.path.isdir(self.values_dir) else [], [])
        client = self.restart()
        self.assertEqual(client.ok('get', char='battery/level')['typed'], 100)


class ReloadTest(PersistTestCase):
    """A reload serves the value a restart would: the stored value as long as it
    still fits the changed characteristic (same id, UUID and Type, within
    MaxLength), else Value= with a warning naming it, on both paths."""

    def reload(self, client, reregistered):
        app = self.fake.active_app('hci0')
        self.assertIs(client.ok('reload')['reregistered'], reregistered)
        if reregistered:
            self.wait_until(lambda: self.fake.active_app('hci0') not in (None, app),
                            'the changed tree to be registered again')
        self.sync_with_gattd()

    def served(self, client, char_id, path):
        """The value local clients and the central see, which must agree."""
        value = bytes.fromhex(client.ok('get', char=char_id)['value'])
        self.assertEqual(self.fake.read_value(path), value)
        return value

    def assert_reload_and_restart_serve(self, client, char_id, path, expected, reregistered):
        self.reload(client, reregistered)
        after_reload = self.served(client, char_id, path)
        client = self.restart()
        after_restart = self.served(client, char_id, path)
        self.assertEqual(after_reload, after_restart, 'reload and restart serve the same value')
        self.assertEqual(after_restart, expected)

    def test_description_added_by_a_reload_keeps_the_stored_value_as_a_restart_does(self):
        client = self.start()
        client.ok('set', char='settings/label', value=b'kept'.hex())
        self.edit_settings('Value=utf8:gattd\n', 'Value=utf8:gattd\nDescription=Label\n')
        self.assert_reload_and_restart_serve(client, 'settings/label', LABEL, b'kept', reregistered=True)
        self.assertEqual(self.fake.read_value(LABEL + '/description'), b'Label')
        self.assertNotRegex(self.gattd_log(), 'ignored')

    def test_changed_value_keeps_the_stored_value_at_a_reload_as_at_a_restart(self):
        client = self.start()
        self.fake.write_value(THRESHOLD, struct.pack('<H', 500))
        self.edit_settings('Value=u16:300', 'Value=u16:600')
        self.assert_reload_and_restart_serve(client, 'settings/threshold', THRESHOLD, struct.pack('<H', 500),
                                             reregistered=False)

    def test_stored_value_longer_than_a_reloaded_max_length_gives_value_with_a_warning_as_a_restart_does(self):
        client = self.start()
        client.ok('set', char='settings/label', value=b'twelve bytes'.hex())
        self.edit_settings('MaxLength=20', 'MaxLength=5')
        self.reload(client, reregistered=False)
        self.assert_warned_and_ignored('settings/label')
        self.assertEqual(self.served(client, 'settings/label', LABEL), b'gattd')
        warnings = len(re.findall(r'warning: [^\n]*settings/label[^\n]*ignored', self.gattd_log()))
        client = self.restart()
        self.assertEqual(self.served(client, 'settings/label', LABEL), b'gattd')
        self.assertEqual(len(re.findall(r'warning: [^\n]*settings/label[^\n]*ignored', self.gattd_log())),
                         warnings + 1, 'the restart warns as the reload did')

    def test_persist_turned_on_by_a_reload_stores_the_next_change_for_the_restart(self):
        self.edit_settings('Persist=true\n', '')
        client = self.start()
        self.edit_settings('MaxLength=20\n', 'MaxLength=20\nPersist=true\n')
        self.reload(client, reregistered=False)
        client.ok('set', char='settings/label', value=b'stored'.hex())
        client = self.restart()
        self.assertEqual(self.served(client, 'settings/label', LABEL), b'stored')

    def test_persist_turned_off_then_on_by_reloads_never_brings_back_an_old_value(self):
        client = self.start()
        client.ok('set', char='settings/label', value=b'old'.hex())
        self.edit_settings('Value=utf8:gattd\nPersist=true\n', 'Value=utf8:gattd\n')
        self.reload(client, reregistered=False)
        self.assertNotIn('settings.label', self.stored_files(), 'Persist=false forgets the stored value')
        client.ok('set', char='settings/label', value=b'live'.hex())
        # Turning Persist on changes the definition: with nothing stored, Value= is
        # served, at the reload as at a restart; "old" never comes back.
        self.edit_settings('Value=utf8:gattd\n', 'Value=utf8:gattd\nPersist=true\n')
        self.reload(client, reregistered=False)
        self.assertEqual(self.served(client, 'settings/label', LABEL), b'gattd')
        client = self.restart()
        self.assertEqual(self.served(client, 'settings/label', LABEL), b'gattd')


class CrashTest(PersistTestCase):
    """kill -9 while changes are being stored: the restored value is one of those
    written, at least the last one acknowledged before the kill."""

    def assert_restored_one_of_the_burst(self, acknowledged, last):
        client = self.start()
        value = bytes.fromhex(client.ok('get', char='settings/blob')['value'])
        k = burst_index(value)
        self.assertIsNotNone(k, 'restored value is one that was written, not torn: %s' % value.hex())
        self.assertGreaterEqual(k, acknowledged, 'at least the last acknowledged change')
        self.assertLessEqual(k, last)
        self.assertEqual(self.fake.read_value(BLOB), value)
        self.assertNotRegex(self.gattd_log(), 'stored value ignored')

    def test_kill_during_a_burst_of_local_sets_restores_one_of_the_values_set(self):
        client = self.start()
        # All queued while gattd is stopped, so that they are stored one after
        # the other while the kill comes.
        with self.gattd_frozen():
            requests = client.send_many('set', [dict(char='settings/blob', value=burst_value(k).hex(), notify=False)
                                                for k in range(1, BURST_LOCAL + 1)])
        self.wait_until(lambda: requests[KILL_AFTER - 1] in client.replies, 'some sets to be answered')
        self.kill_gattd()
        acknowledged = max(k for k, r in enumerate(requests, 1) if r in client.replies and client.replies[r]['ok'])
        self.assert_restored_one_of_the_burst(acknowledged, BURST_LOCAL)

    def test_kill_during_a_burst_of_central_writes_restores_one_of_the_values_written(self):
        self.start()
        with self.gattd_frozen():
            writes = [self.fake.begin_write_value(BLOB, burst_value(k)) for k in range(1, BURST_CENTRAL + 1)]
        self.wait_until(lambda: writes[KILL_AFTER - 1].done, 'some writes to be answered')
        self.kill_gattd()
        accepted = [k for k, w in enumerate(writes, 1)
                    if w.done and not isinstance(w.reply, dbus.lowlevel.ErrorMessage)]
        self.assertIn(KILL_AFTER, accepted, 'the writes before the kill were accepted')
        self.assert_restored_one_of_the_burst(max(accepted), BURST_CENTRAL)


class UnusableStoredValueTest(PersistTestCase):
    """A stored value gattd cannot use: warning, Value= served, gattd running."""

    def store_threshold(self, typed):
        client = self.start()
        client.ok('set', char='settings/threshold', typed=typed)
        self.stop_gattd()
        return self.only_stored_file()

    def assert_configured_threshold_served(self, typed=300):
        client = self.start()
        self.assert_warned_and_ignored('settings/threshold')
        self.assertEqual(client.ok('get', char='settings/threshold')['typed'], typed)
        self.assertEqual(self.fake.read_value(THRESHOLD), struct.pack('<H', typed))
        return client

    def test_corrupt_stored_value_is_ignored_with_a_warning_and_value_is_served(self):
        path = self.store_threshold(500)
        with open(path, 'wb') as f:
            f.write(b'\x00\xff not what gattd wrote\n')
        client = self.assert_configured_threshold_served()
        client.ok('set', char='settings/threshold', typed=501)
        client = self.restart()
        self.assertEqual(client.ok('get', char='settings/threshold')['typed'], 501, 'the next change is kept again')

    def test_stored_value_cut_short_is_ignored_with_a_warning_and_value_is_served(self):
        path = self.store_threshold(500)
        with open(path, 'rb') as f:
            content = f.read()
        with open(path, 'wb') as f:
            f.write(content[:len(content) - 3])
        self.assert_configured_threshold_served()

    def test_empty_stored_file_is_ignored_with_a_warning_and_value_is_served(self):
        path = self.store_threshold(500)
        open(path, 'wb').close()
        self.assert_configured_threshold_served()

    def test_stored_value_from_before_a_uuid_change_is_ignored_with_a_warning(self):
        self.store_threshold(500)
        self.edit_settings('UUID=6e400004-b5a3-f393-e0a9-e50e24dcca9e', 'UUID=6e400006-b5a3-f393-e0a9-e50e24dcca9e')
        self.assert_configured_threshold_served()

    def test_stored_value_from_before_a_type_change_is_ignored_with_a_warning(self):
        self.store_threshold(500)
        self.edit_settings('Type=u16', 'Type=i16')
        self.assert_configured_threshold_served()

    def test_stored_value_longer_than_the_new_max_length_is_ignored_with_a_warning(self):
        client = self.start()
        client.ok('set', char='settings/label', value=b'twelve bytes'.hex())
        self.stop_gattd()
        self.edit_settings('MaxLength=20', 'MaxLength=5')
        client = self.start()
        self.assert_warned_and_ignored('settings/label')
        self.assertEqual(client.ok('get', char='settings/label')['value'], b'gattd'.hex())


class UnusableStateDirectoryTest(PersistTestCase):

    def test_state_directory_that_is_a_file_is_warned_about_and_value_is_served(self):
        with open(self.state_dir, 'w') as f:
            f.write('not a directory\n')
        client = self.start()
        self.assertRegex(self.gattd_log(), r'warning: [^\n]*%s' % self.state_dir)
        self.assertEqual(client.ok('get', char='settings/threshold')['typed'], 300)
        client.ok('set', char='settings/threshold', typed=501)
        self.fake.write_value(LABEL, b'still works')
        self.assertEqual(client.ok('get', char='settings/label')['value'], b'still works'.hex())
        client = self.restart()
        self.assertEqual(client.ok('get', char='settings/threshold')['typed'], 300, 'nothing could be stored')


if __name__ == '__main__':
    unittest.main()
