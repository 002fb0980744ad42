# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattd under a service manager (sd_notify): READY=1 once the services are on the
air (or promptly when there is nothing to wait for), STATUS= following the
lifecycle, WATCHDOG=1 only when systemd asks for it, RELOADING=1/READY=1 around a
reload and STOPPING=1 after unregistering. The test's datagram socket plays
systemd's $NOTIFY_SOCKET."""

import os
import signal
import unittest

from clients import LocalClient
from harness import HCI0_ADDRESS, GattdTestCase
from servicemanager import NotifySocket

ADVERTISING = 'registered on hci0, advertising'
POWERED_OFF = 'registered on hci0, adapter powered off'
WAITING_FOR_BLUETOOTHD = 'waiting for bluetoothd'

# Half of it is gattd's ping interval: small, so that pings come quickly.
WATCHDOG_USEC = '200000'

def needs_libsystemd(test):
    if os.environ.get('GATTD_SOCKET_ACTIVATION') != '1':
        test.skipTest('gattd built without libsystemd (GATTD_SOCKET_ACTIVATION is not 1): no sd_notify')


class ServiceManagerTestCase(GattdTestCase):
    """gattd with $NOTIFY_SOCKET; each message carries a snapshot of what the
    fake bluetoothd had seen when the message arrived."""

    def setUp(self):
        needs_libsystemd(self)
        super().setUp()
        self.notify = NotifySocket(self, snapshot=self.bluez_snapshot)

    def bluez_snapshot(self, message):
        return {
            'app_registered': self.fake.active_app('hci0') is not None,
            'on_air': self.fake.on_air('hci0'),
            'register_app_calls': len(self.fake.register_app_calls),
            'unregister_app_calls': [c[3] for c in self.fake.unregister_app_calls],
            'unregister_adv_calls': [c[3] for c in self.fake.unregister_adv_calls],
            # Only for READY=1: each probe is a client connection in gattd's log.
            'socket_accepts': self.socket_accepts() if message.has('READY') else None,
        }

    def start_notifying_gattd(self, env=None, **kwargs):
        return self.start_gattd(env=dict(self.notify.env, **(env or {})), **kwargs)

    def stop_and_read_everything(self):
        """SIGTERM; once gattd has exited, every message it sent is read."""
        self.stop_gattd()
        self.notify.read_pending()

    def assert_all_from_gattd(self):
        self.assertEqual({m.pid for m in self.notify.messages}, {self.gattd.pid},
                         'senders of %r (systemd accepts only the main process)' % self.notify.messages)


class ReadinessTest(ServiceManagerTestCase):

    def test_ready_comes_after_the_application_is_registered_and_the_advertisement_is_on_air(self):
        self.start_notifying_gattd()
        ready = self.notify.wait('READY', '1')
        self.assertTrue(ready.snapshot['app_registered'], 'RegisterApplication done before READY=1')
        self.assertTrue(ready.snapshot['on_air'], 'advertisement on the air before READY=1')
        self.assertEqual(ready.get('STATUS'), ADVERTISING)
        self.assertEqual(self.notify.index_of('READY'), self.notify.messages.index(ready), 'the first READY')
        self.stop_and_read_everything()
        self.assertEqual(len(self.notify.with_field('READY')), 1, self.notify.messages)
        self.assert_all_from_gattd()

    def test_ready_comes_only_once_the_client_socket_accepts_connections(self):
        self.start_notifying_gattd()
        ready = self.notify.wait('READY', '1')
        self.assertTrue(ready.snapshot['socket_accepts'], 'clients can connect when READY=1 arrives')

    def test_ready_comes_promptly_saying_waiting_for_bluetoothd_when_bluetoothd_is_not_running(self):
        self.start_notifying_gattd(start_bluez=False)
        ready = self.notify.wait('READY', '1')
        self.assertEqual(ready.get('STATUS'), WAITING_FOR_BLUETOOTHD)
        self.fake.start()
        self.notify.wait('STATUS', ADVERTISING)
        self.assertTrue(self.fake.on_air('hci0'))
        self.assertEqual(len(self.notify.with_field('READY')), 1, 'READY=1 is sent once')

    def test_ready_comes_promptly_saying_waiting_for_adapter_when_bluetoothd_has_none(self):
        self.fake.remove_adapter('hci0')
        self.start_notifying_gattd()
        ready = self.notify.wait('READY', '1')
        self.assertRegex(ready.get('STATUS'), r'^waiting for adapter ')
        self.assertEqual(ready.snapshot['register_app_calls'], 0)
        self.fake.add_adapter('hci0', HCI0_ADDRESS)
        self.notify.wait('STATUS', ADVERTISING)
        self.assertEqual(len(self.notify.with_field('READY')), 1, 'READY=1 is sent once')

    def test_ready_with_the_adapter_powered_off_comes_after_registration_saying_powered_off(self):
        self.fake.adapter('hci0').powered = False
        self.start_notifying_gattd(daemon={'AutoPowerOn': 'false'})
        ready = self.notify.wait('READY', '1')
        self.assertTrue(ready.snapshot['app_registered'])
        self.assertEqual(ready.get('STATUS'), POWERED_OFF)


class StatusTest(ServiceManagerTestCase):

    def setUp(self):
        super().setUp()
        self.start_notifying_gattd()
        self.wait_app_registered()
        self.wait_on_air()
        self.notify.wait('STATUS', ADVERTISING)

    def test_status_follows_power_off_and_on(self):
        for _ in range(2):
            self.fake.set_powered('hci0', False)
            self.notify.wait('STATUS', POWERED_OFF)
            self.fake.set_powered('hci0', True)
            self.notify.wait('STATUS', ADVERTISING)
        self.assertTrue(self.fake.on_air('hci0'))
        self.assertEqual(len(self.notify.with_field('READY')), 1, 'power cycles do not send READY=1 again')

    def test_status_follows_bluetoothd_leaving_and_returning(self):
        self.fake.stop(clean=False)
        self.notify.wait('STATUS', WAITING_FOR_BLUETOOTHD)
        self.fake.start()
        self.notify.wait('STATUS', ADVERTISING)

    def test_status_follows_adapter_removal_and_return(self):
        self.fake.remove_adapter('hci0')
        self.notify.wait('STATUS', matching='waiting for adapter ')
        self.fake.add_adapter('hci0', HCI0_ADDRESS)
        self.notify.wait('STATUS', ADVERTISING)

    def test_status_never_names_a_missing_adapter(self):
        self.fake.remove_adapter('hci0')
        self.notify.wait('STATUS', matching='waiting for adapter ')
        self.assertEqual([s for s in self.notify.statuses() if '(null)' in s], [])


class WatchdogTest(ServiceManagerTestCase):

    def test_watchdog_pings_keep_coming_when_watchdog_usec_is_set(self):
        self.start_notifying_gattd(env={'WATCHDOG_USEC': WATCHDOG_USEC})
        self.notify.wait('READY', '1')
        # At least three: more than whatever gattd sends at start.
        self.notify.wait_count('WATCHDOG', '1', 3)
        self.stop_and_read_everything()
        self.assert_all_from_gattd()

    def test_no_watchdog_ping_comes_before_ready(self):
        self.start_notifying_gattd(env={'WATCHDOG_USEC': WATCHDOG_USEC})
        self.notify.wait('READY', '1')
        self.notify.wait_count('WATCHDOG', '1', 2)
        self.assertLess(self.notify.index_of('READY', '1'), self.notify.index_of('WATCHDOG', '1'),
                        self.notify.messages)

    def test_watchdog_pings_keep_coming_when_watchdog_pid_is_gattd(self):
        # sh puts its own pid (gattd's, after exec) in WATCHDOG_PID.
        self.start_notifying_gattd(env={'WATCHDOG_USEC': WATCHDOG_USEC},
                                   launcher=['sh', '-c', 'WATCHDOG_PID=$$ exec "$@"', 'sh'])
        self.notify.wait('READY', '1')
        self.notify.wait_count('WATCHDOG', '1', 3)

    def test_no_watchdog_ping_when_watchdog_usec_is_unset(self):
        self.start_notifying_gattd()
        self.notify.wait('READY', '1')
        self.fake.set_powered('hci0', False)
        self.notify.wait('STATUS', POWERED_OFF)
        self.stop_and_read_everything()
        self.assertEqual(self.notify.with_field('WATCHDOG'), [], 'no WATCHDOG= during gattd\'s whole life')

    def test_no_watchdog_ping_when_watchdog_pid_is_another_process(self):
        self.start_notifying_gattd(env={'WATCHDOG_USEC': WATCHDOG_USEC, 'WATCHDOG_PID': str(os.getpid())})
        self.notify.wait('READY', '1')
        self.fake.set_powered('hci0', False)
        self.notify.wait('STATUS', POWERED_OFF)
        self.stop_and_read_everything()
        self.assertEqual(self.notify.with_field('WATCHDOG'), [], 'the watchdog was meant for another process')


class ReloadNotifyTest(ServiceManagerTestCase):

    def setUp(self):
        super().setUp()
        self.config = self.config_dir()
        self.start_notifying_gattd(config_dir=self.config)
        self.wait_app_registered()
        self.wait_on_air()
        self.notify.wait('READY', '1')
        self.client = LocalClient(self)

    def assert_reloading_then_ready(self):
        reloading = self.notify.wait('RELOADING', '1')
        ready = self.notify.wait('READY', '1')
        self.assertLess(self.notify.messages.index(reloading), self.notify.messages.index(ready))
        return ready

    def test_reload_command_is_announced_with_reloading_then_ready(self):
        self.client.ok('reload')
        ready = self.assert_reloading_then_ready()
        self.assertIsNotNone(ready.get('STATUS'))

    def test_sighup_is_announced_with_reloading_then_ready(self):
        self.client.watch()
        self.gattd.send_signal(signal.SIGHUP)
        self.client.wait_event('reloaded', generation=2)
        self.assert_reloading_then_ready()

    def test_refused_reload_is_still_followed_by_ready(self):
        with open(os.path.join(self.config, 'services.d', 'broken.conf'), 'w') as f:
            f.write('[Service broken]\nUUID=nonsense\n')
        self.client.error_reply('invalid-config', 'reload')
        self.assert_reloading_then_ready()


class StoppingTest(ServiceManagerTestCase):

    def test_stopping_comes_after_unregistering_on_sigterm(self):
        self.start_notifying_gattd()
        self.wait_app_registered()
        self.wait_on_air()
        self.stop_and_read_everything()
        stopping = self.notify.with_field('STOPPING', '1')
        self.assertEqual(len(stopping), 1, self.notify.messages)
        self.assertEqual(stopping[0].snapshot['unregister_app_calls'], ['ok'],
                         'UnregisterApplication answered before STOPPING=1')
        self.assertEqual(stopping[0].snapshot['unregister_adv_calls'], ['ok'],
                         'UnregisterAdvertisement answered before STOPPING=1')
        self.assertIs(self.notify.messages[-1], stopping[0], 'nothing after STOPPING=1')
        self.assert_all_from_gattd()

    def test_stopping_comes_on_sigterm_while_bluetoothd_is_away(self):
        self.start_notifying_gattd(start_bluez=False)
        self.notify.wait('READY', '1')
        self.stop_and_read_everything()
        self.assertEqual(len(self.notify.with_field('STOPPING', '1')), 1, self.notify.messages)


if __name__ == '__main__':
    unittest.main()
