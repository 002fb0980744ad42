# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reload (the `reload` command, SIGHUP): a valid configuration is applied with
the values of unchanged characteristics kept and the changed tree registered
again; an invalid one is refused and the running one stays, registration and
values untouched. A Value=-only change needs no new registration; an
[Advertising] change registers the advertisement again, not the application.
Capture queues survive; a waiter on a characteristic that stopped capturing gets
not-found."""

import os
import signal
import unittest

from clients import LocalClient
from harness import APP_PATH, COMMAND, LABEL, LEVEL, LOCAL_NAME, THRESHOLD, GattdTestCase, uuid128

EXTRA = APP_PATH + '/extra'
EXTRA_DATA = EXTRA + '/data'
EXTRA_UUID = '6e400010-b5a3-f393-e0a9-e50e24dcca9e'

EXTRA_CONF = """\
[Service extra]
UUID=6e400010-b5a3-f393-e0a9-e50e24dcca9e

[Characteristic extra/data]
UUID=6e400011-b5a3-f393-e0a9-e50e24dcca9e
Flags=read
Value=utf8:new
"""

BROKEN_CONF = """\
[Characteristic settings/broken]
UUID=6e400012-b5a3-f393-e0a9-e50e24dcca9e
Flags=reed
"""


class ReloadTestCase(GattdTestCase):
    """gattd running on a config dir the test edits; a watcher and a client
    connected; battery/level set locally (42) and settings/label written by the
    central ("written")."""

    def setUp(self):
        super().setUp()
        self.config = self.config_dir()
        self.start_gattd(config_dir=self.config)
        self.app = self.wait_app_registered()
        self.advert = self.wait_on_air()
        self.watcher = LocalClient(self)
        self.watcher.watch()
        self.client = LocalClient(self)
        self.client.ok('set', char='battery/level', typed=42)
        self.fake.write_value(LABEL, b'written')
        self.register_app_calls = len(self.fake.register_app_calls)
        self.register_adv_calls = len(self.fake.register_adv_calls)

    def write_config_file(self, name, text):
        with open(os.path.join(self.config, name), 'w') as f:
            f.write(text)

    def edit_config_file(self, name, old, new):
        path = os.path.join(self.config, name)
        with open(path) as f:
            text = f.read()
        self.assertIn(old, text, 'the test edits %s' % name)
        with open(path, 'w') as f:
            f.write(text.replace(old, new))

    def wait_new_app(self):
        """The application registered after the one of setUp, once gattd knows it."""
        self.wait_until(lambda: self.fake.active_app('hci0') not in (None, self.app),
                        'the application to be registered again')
        self.sync_with_gattd()
        return self.fake.active_app('hci0')

    def assert_values_kept(self):
        self.assertEqual(self.client.ok('get', char='battery/level')['typed'], 42, 'set locally')
        self.assertEqual(self.client.ok('get', char='settings/label')['value'], b'written'.hex(),
                         'written by the central')
        self.assertEqual(self.fake.read_value(LEVEL), bytes([42]))
        self.assertEqual(self.fake.read_value(LABEL), b'written')

    def assert_not_registered_again(self):
        self.sync_with_gattd()
        self.assertEqual(self.fake.unregister_app_calls, [], 'no UnregisterApplication')
        self.assertEqual(len(self.fake.register_app_calls), self.register_app_calls, 'no RegisterApplication')
        self.assertIs(self.fake.active_app('hci0'), self.app, 'the registration of setUp is still in force')

    def assert_advertisement_untouched(self):
        self.sync_with_gattd()
        self.assertEqual(self.fake.unregister_adv_calls, [], 'no UnregisterAdvertisement')
        self.assertEqual(len(self.fake.register_adv_calls), self.register_adv_calls, 'no RegisterAdvertisement')
        self.assertTrue(self.fake.on_air('hci0'))


class ValidReloadTest(ReloadTestCase):

    def assert_new_service_applied(self):
        app = self.wait_new_app()
        self.wait_on_air()
        self.assertIn(EXTRA, app.tree)
        self.assertEqual(app.tree[EXTRA]['org.bluez.GattService1']['UUID'], EXTRA_UUID)
        self.assertEqual(self.fake.read_value(EXTRA_DATA), b'new')
        self.assertEqual(self.app.ended, 'unregistered', 'the old application was unregistered first')
        self.wait_until(lambda: self.watcher.events_named('registered'), 'a registered event')
        self.watcher.sync()
        lifecycle = self.watcher.events_named('unregistered', 'registered')
        self.assertEqual([(e['event'], e.get('reason') or e.get('adapter')) for e in lifecycle],
                         [('unregistered', 'reload'), ('registered', 'hci0')])
        self.assertEqual([e['generation'] for e in self.watcher.events_named('reloaded')], [2])
        self.assertEqual(self.client.ok('status')['generation'], 2)
        self.assertIn('extra', [s['id'] for s in self.client.ok('list')['services']])
        self.assert_values_kept()

    def test_added_service_is_registered_and_unchanged_values_are_kept(self):
        self.write_config_file('services.d/extra.conf', EXTRA_CONF)
        reply = self.client.ok('reload')
        self.assertEqual(reply['generation'], 2)
        self.assertIs(reply['reregistered'], True)
        self.assert_new_service_applied()

    def test_sighup_applies_an_added_service_as_reload_does(self):
        self.write_config_file('services.d/extra.conf', EXTRA_CONF)
        self.gattd.send_signal(signal.SIGHUP)
        self.watcher.wait_event('reloaded', generation=2)
        self.assert_new_service_applied()

    def test_removed_service_is_gone_from_the_registered_tree(self):
        os.unlink(os.path.join(self.config, 'services.d', 'settings.conf'))
        self.assertIs(self.client.ok('reload')['reregistered'], True)
        app = self.wait_new_app()
        self.assertNotIn(APP_PATH + '/settings', app.tree)
        self.client.error_reply('not-found', 'get', char='settings/label')
        self.assertEqual(self.client.ok('get', char='battery/level')['typed'], 42)

    def test_changed_value_only_takes_the_new_value_without_registering_again(self):
        self.fake.write_value(THRESHOLD, (500).to_bytes(2, 'little'))
        self.edit_config_file('services.d/settings.conf', 'Value=u16:300', 'Value=u16:600')
        reply = self.client.ok('reload')
        self.assertEqual(reply['generation'], 2)
        self.assertIs(reply['reregistered'], False)
        self.assertEqual(self.client.ok('get', char='settings/threshold')['typed'], 600,
                         'a changed Value= wins over the value the central wrote')
        self.assertEqual(self.fake.read_value(THRESHOLD), (600).to_bytes(2, 'little'))
        self.assert_values_kept()
        self.assert_not_registered_again()
        self.assert_advertisement_untouched()
        self.watcher.wait_event('reloaded', generation=2)
        self.assertEqual(self.watcher.events_named('unregistered', 'registered'), [])

    def test_reload_of_an_unchanged_configuration_changes_nothing_but_the_generation(self):
        reply = self.client.ok('reload')
        self.assertEqual((reply['generation'], reply['reregistered']), (2, False))
        self.assert_values_kept()
        self.assert_not_registered_again()
        self.assert_advertisement_untouched()

    def test_local_name_change_registers_the_advertisement_again_but_not_the_application(self):
        self.edit_config_file('gattd.conf', 'LocalName=' + LOCAL_NAME, 'LocalName=renamed')
        self.assertIs(self.client.ok('reload')['reregistered'], False)
        self.wait_until(lambda: self.fake.active_advert('hci0') not in (None, self.advert)
                        and self.fake.on_air('hci0'), 'the new advertisement on the air')
        advert = self.fake.active_advert('hci0')
        self.assertEqual(advert.props.get('LocalName'), 'renamed')
        self.assertEqual(self.advert.ended, 'unregistered')
        self.assertEqual([c[3] for c in self.fake.unregister_adv_calls], ['ok'])
        self.assertEqual([c[3] for c in self.fake.register_adv_calls[self.register_adv_calls:]], ['accepted'],
                         'one RegisterAdvertisement, after the UnregisterAdvertisement (else AlreadyExists)')
        self.assert_not_registered_again()
        self.assert_values_kept()

    def test_advertising_disabled_by_reload_takes_the_advertisement_off_the_air_only(self):
        self.edit_config_file('gattd.conf', 'Enabled=true', 'Enabled=false')
        self.assertIs(self.client.ok('reload')['reregistered'], False)
        self.wait_until(lambda: not self.fake.on_air('hci0'), 'the advertisement to go off the air')
        self.assertEqual(self.advert.ended, 'unregistered')
        self.assert_not_registered_again()
        self.assertIs(self.client.ok('status')['advertising'], False)
        self.assert_values_kept()

    def test_added_advertised_service_is_advertised(self):
        self.write_config_file('services.d/extra.conf', EXTRA_CONF.replace(
            'UUID=6e400010-b5a3-f393-e0a9-e50e24dcca9e\n', 'UUID=181C\nAdvertise=true\n'))
        self.client.ok('reload')
        self.wait_new_app()
        self.wait_until(lambda: self.fake.active_advert('hci0') not in (None, self.advert)
                        and self.fake.on_air('hci0'), 'the new advertisement on the air')
        self.assertIn(uuid128('181c'), self.fake.active_advert('hci0').props.get('ServiceUUIDs', []))


class ReloadAcrossLifecycleTest(ReloadTestCase):
    """Reloads while the services are not on the air take effect when they return."""

    def test_reload_while_bluetoothd_is_away_registers_the_new_tree_when_it_returns(self):
        self.fake.stop(clean=False)
        self.watcher.wait_event('unregistered', reason='bluez-gone')
        self.write_config_file('services.d/extra.conf', EXTRA_CONF)
        self.assertEqual(self.client.ok('reload')['generation'], 2)
        self.fake.start()
        app = self.wait_new_app()
        self.assertIn(EXTRA, app.tree)
        self.wait_on_air()
        self.assert_values_kept()

    def test_reload_while_powered_off_registers_the_new_tree_and_advertises_at_power_on(self):
        self.fake.set_powered('hci0', False)
        self.watcher.wait_event('unregistered', reason='adapter-down')
        self.write_config_file('services.d/extra.conf', EXTRA_CONF)
        self.client.ok('reload')
        self.assertIn(EXTRA, self.wait_new_app().tree)
        self.fake.set_powered('hci0', True)
        self.wait_on_air()
        self.watcher.wait_event('registered', adapter='hci0')
        self.assert_values_kept()

class InvalidReloadTest(ReloadTestCase):

    def setUp(self):
        super().setUp()
        self.write_config_file('services.d/broken.conf', BROKEN_CONF)

    def assert_old_configuration_running(self):
        self.assertEqual(self.client.ok('status')['generation'], 1)
        self.assertNotIn('broken', [c['id'] for s in self.client.ok('list')['services']
                                    for c in s['characteristics']])
        self.assert_values_kept()
        self.assert_not_registered_again()
        self.assert_advertisement_untouched()
        self.assertNotIn(APP_PATH + '/settings/broken', self.app.tree)
        self.watcher.sync()
        self.assertEqual(self.watcher.events_named('reloaded', 'unregistered', 'registered'), [])

    def test_invalid_configuration_is_refused_naming_file_group_and_key(self):
        error = self.client.error_reply('invalid-config', 'reload')
        self.assertIn('services.d/broken.conf', error['message'])
        self.assertIn('[Characteristic settings/broken]', error['message'])
        self.assertIn('Flags', error['message'])
        self.assertIn('reed', error['message'])
        self.assert_old_configuration_running()

    def test_refused_reload_names_files_relative_and_escaped_to_the_client_and_in_the_log(self):
        self.write_config_file('services.d/bro\x1b[31mken\n.conf',
                               BROKEN_CONF.replace('settings/broken', 'settings/other'))
        message = self.client.error_reply('invalid-config', 'reload')['message']
        self.assertIn('services.d/broken.conf: [Characteristic settings/broken] Flags', message)
        self.assertIn('services.d/bro\\x1b[31mken\\n.conf: [Characteristic settings/other] Flags', message)
        self.assertNotIn(self.config, message, 'files are named relative to the config dir')
        self.assertNotRegex(message, '[\x00-\x1f]')
        self.wait_until(lambda: 'reload refused' in self.gattd_log(), 'gattd to log the refused reload')
        log = self.gattd_log()
        self.assertIn('reload: services.d/bro\\x1b[31mken\\n.conf: [Characteristic settings/other] Flags', log)
        self.assertNotIn('\x1b', log)
        self.assertNotIn('reload: ' + self.config, log)
        self.assert_old_configuration_running()

    def test_every_problem_of_an_invalid_configuration_is_listed(self):
        self.edit_config_file('services.d/settings.conf', 'Type=u16', 'Type=u17')
        error = self.client.error_reply('invalid-config', 'reload')
        self.assertIn('[Characteristic settings/broken] Flags', error['message'])
        self.assertIn('[Characteristic settings/threshold] Type', error['message'])

    def test_sighup_with_an_invalid_configuration_logs_the_problem_and_keeps_the_old_one(self):
        self.gattd.send_signal(signal.SIGHUP)
        self.wait_until(lambda: 'reload refused' in self.gattd_log(), 'gattd to log the refused reload')
        self.assertIn('services.d/broken.conf: [Characteristic settings/broken] Flags', self.gattd_log())
        self.assert_old_configuration_running()

    def test_fixed_configuration_is_applied_after_a_refused_one(self):
        self.client.error_reply('invalid-config', 'reload')
        os.unlink(os.path.join(self.config, 'services.d', 'broken.conf'))
        self.write_config_file('services.d/extra.conf', EXTRA_CONF)
        self.assertEqual(self.client.ok('reload')['generation'], 2)
        self.assertIn(EXTRA, self.wait_new_app().tree)
        self.assert_values_kept()


class CaptureAcrossReloadTest(ReloadTestCase):

    def test_queued_writes_survive_a_reload_that_registers_again(self):
        self.fake.write_value(COMMAND, b'one')
        self.fake.write_value(COMMAND, b'two')
        self.write_config_file('services.d/extra.conf', EXTRA_CONF)
        self.client.ok('reload')
        self.wait_new_app()
        self.fake.write_value(COMMAND, b'three')
        taken = [self.client.ok('next-write', char='battery/command', timeout_ms=0) for _ in range(3)]
        self.assertEqual([(w['value'], w['seq']) for w in taken],
                         [(b'one'.hex(), 1), (b'two'.hex(), 2), (b'three'.hex(), 3)])

    def test_waiter_across_a_reload_that_registers_again_gets_disconnected_and_asks_again(self):
        # The services go off the air for the new registration, as at a power
        # cycle: `disconnected` (reason reload); the queue stays.
        request = self.client.send('next-write', char='battery/command')
        self.client.sync()
        self.write_config_file('services.d/extra.conf', EXTRA_CONF)
        LocalClient(self).ok('reload')
        error = self.client.expect_error(self.client.wait_reply(request), 'disconnected')
        self.assertIn('reload', error['message'])
        again = self.client.send('next-write', char='battery/command')
        self.wait_new_app()
        self.fake.write_value(COMMAND, b'after')
        self.assertEqual(self.client.wait_reply(again)['value'], b'after'.hex())

    def test_waiter_keeps_waiting_across_a_reload_that_keeps_the_registration(self):
        request = self.client.send('next-write', char='battery/command')
        self.client.sync()
        self.edit_config_file('services.d/settings.conf', 'Value=u16:300', 'Value=u16:600')
        self.assertIs(LocalClient(self).ok('reload')['reregistered'], False)
        self.client.sync()
        self.assertNotIn(request, self.client.replies)
        self.fake.write_value(COMMAND, b'after')
        self.assertEqual(self.client.wait_reply(request)['value'], b'after'.hex())

    def test_waiter_on_a_characteristic_whose_capture_was_removed_gets_not_found(self):
        request = self.client.send('next-write', char='battery/command')
        self.client.sync()
        self.edit_config_file('services.d/battery.conf', 'Capture=16\n', '')
        LocalClient(self).ok('reload')
        self.client.expect_error(self.client.wait_reply(request), 'not-found')
        self.client.error_reply('not-capture', 'next-write', char='battery/command', timeout_ms=0)


if __name__ == '__main__':
    unittest.main()
