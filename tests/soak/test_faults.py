# SPDX-License-Identifier: LGPL-2.1-or-later
"""Faults from BlueZ: registration calls failing, never answered, or answered
late after the adapter already went away; bluetoothd fetching gattd's objects
while gattd shuts down; Release at odd moments; storms of PropertiesChanged.
Whatever happens, gattd converges to registered and on the air, with its values.

gattd gives a BlueZ call libdbus's default 25 s: "never answered" is tested
together with what ends the wait early (the adapter or bluetoothd going away)."""

import signal
import time
import unittest

import dbus
import dbus.lowlevel
from gi.repository import GLib

import soaklib                      # noqa: F401  (puts tests/bus on sys.path)
from clients import LocalClient
from fakebluez import ERROR_FAILED, IFACE_ADVERTISEMENT
from harness import ADVERTISEMENT_PATH, EXIT_TIMEOUT, HCI0_ADDRESS, LABEL, _process_state
from soaklib import SoakTestCase


class FaultTestCase(SoakTestCase):
    """Helpers for answering, on the fake's behalf, calls it left open."""

    def reply_late(self, msg, error=None):
        """Answer a RegisterApplication/RegisterAdvertisement call the fake left
        unanswered (fault 'no-reply'; msg taken from its record before anything
        else happened), as bluetoothd would if it finished it late."""
        self.assertIsNotNone(msg, 'the call was answered already')
        if error:
            reply = dbus.lowlevel.ErrorMessage(msg, error, 'late failure')
        else:
            reply = dbus.lowlevel.MethodReturnMessage(msg)
        self.fake.conn.send_message(reply)
        self.fake.conn.flush()

    def wait_register_app_call(self, count=1):
        self.wait_until(lambda: len(self.fake.register_app_calls) >= count, 'RegisterApplication #%d' % count)
        self.sync_with_gattd()
        return self.fake.apps[-1].msg

    def wait_register_adv_call(self, count=1):
        self.wait_until(lambda: len(self.fake.register_adv_calls) >= count, 'RegisterAdvertisement #%d' % count)
        self.sync_with_gattd()
        return self.fake.adverts[-1].msg

    def status(self):
        if not hasattr(self, '_status_client'):
            self.wait_listening()
            self._status_client = LocalClient(self)
        return self._status_client.ok('status')

    def assert_converged_with(self, value, adapter='hci0'):
        self.wait_converged('gattd to be registered and on the air on %s' % adapter)
        self.wait_until(lambda: self.status()['state'] == 'ADVERTISING',
                        lambda: 'gattd to say ADVERTISING (status %r)' % self.status())
        self.assertIsNotNone(self.fake.active_app(adapter), 'application registered on %s' % adapter)
        self.assertTrue(self.fake.on_air(adapter), 'advertisement on the air on %s' % adapter)
        self.assertEqual(self.fake.read_value(LABEL), value)
        status = self.status()
        self.assertEqual((status['registered'], status['on_air'], status['adapter']['name']),
                         (True, True, adapter), status)


class RegisterApplicationFaultTest(FaultTestCase):

    def test_register_application_failing_six_times_is_retried_until_registered(self):
        self.fake.fail_next_register_application(6)
        self.start_gattd()
        self.assert_converged_with(b'gattd')
        self.assertEqual([c[3] for c in self.fake.register_app_calls], ['Failed (injected)'] * 6 + ['accepted'])

    def test_register_application_never_answered_then_adapter_removed_registers_when_it_returns(self):
        self.fake.never_answer_next_register_application()
        self.start_gattd()
        self.wait_register_app_call()
        self.fake.remove_adapter('hci0')
        self.fake.add_adapter('hci0', HCI0_ADDRESS)
        self.assert_converged_with(b'gattd')

    def test_register_application_never_answered_then_adapter_back_as_hci1_registers_there(self):
        self.fake.never_answer_next_register_application()
        self.start_gattd(adapter=HCI0_ADDRESS)
        self.wait_register_app_call()
        self.fake.remove_adapter('hci0')
        self.fake.add_adapter('hci1', HCI0_ADDRESS)
        self.assert_converged_with(b'gattd', adapter='hci1')

    def test_register_application_never_answered_then_bluetoothd_crashes_registers_with_the_new_one(self):
        self.fake.never_answer_next_register_application()
        self.start_gattd()
        self.wait_register_app_call()
        self.fake.stop(clean=False)
        self.fake.start()
        self.assert_converged_with(b'gattd')

    def test_late_success_after_the_adapter_went_away_is_not_taken_for_registered(self):
        self.fake.never_answer_next_register_application()
        self.start_gattd()
        call = self.wait_register_app_call()
        self.fake.remove_adapter('hci0')
        self.sync_with_gattd()
        self.reply_late(call)
        self.sync_with_gattd()
        status = self.status()
        self.assertEqual((status['registered'], status['adapter']), (False, None), status)
        self.fake.add_adapter('hci0', HCI0_ADDRESS)
        self.assert_converged_with(b'gattd')

    def test_late_success_after_the_adapter_went_away_and_came_back_still_registers_on_the_new_one(self):
        self.fake.never_answer_next_register_application()
        self.start_gattd()
        call = self.wait_register_app_call()
        self.fake.remove_adapter('hci0')
        self.fake.add_adapter('hci0', HCI0_ADDRESS)
        self.reply_late(call)
        self.assert_converged_with(b'gattd')

    def test_late_failure_after_the_adapter_went_away_registers_when_it_returns(self):
        self.fake.never_answer_next_register_application()
        self.start_gattd()
        call = self.wait_register_app_call()
        self.fake.remove_adapter('hci0')
        self.sync_with_gattd()
        self.reply_late(call, error=ERROR_FAILED)
        self.fake.add_adapter('hci0', HCI0_ADDRESS)
        self.assert_converged_with(b'gattd')


class RegisterAdvertisementFaultTest(FaultTestCase):

    def test_register_advertisement_failing_six_times_is_retried_until_on_air(self):
        self.fake.fail_next_register_advertisement(6)
        self.start_gattd()
        self.assert_converged_with(b'gattd')
        self.assertEqual([c[3] for c in self.fake.register_adv_calls], ['Failed (injected)'] * 6 + ['accepted'])

    def test_register_advertisement_answered_late_goes_on_air(self):
        self.fake.register_adv_faults.append(('delay', 1.0))
        self.start_gattd()
        self.assert_converged_with(b'gattd')

    def test_register_advertisement_never_answered_then_adapter_removed_advertises_when_it_returns(self):
        self.fake.register_adv_faults.append('no-reply')
        self.start_gattd()
        self.wait_register_adv_call()
        self.fake.remove_adapter('hci0')
        self.fake.add_adapter('hci0', HCI0_ADDRESS)
        self.assert_converged_with(b'gattd')

    def test_register_advertisement_never_answered_then_power_cycle_goes_on_air(self):
        self.fake.register_adv_faults.append('no-reply')
        self.start_gattd()
        call = self.wait_register_adv_call()
        self.fake.set_powered('hci0', False)
        self.sync_with_gattd()
        # bluetoothd fails what it had pending when the controller powers off.
        self.reply_late(call, error=ERROR_FAILED)
        adv = self.fake.adverts[-1]
        adv.state, adv.ended, adv.msg = 'failed', 'power-off', None
        self.fake.set_powered('hci0', True)
        self.assert_converged_with(b'gattd')

    def test_late_advertisement_success_after_the_adapter_went_away_advertises_when_it_returns(self):
        self.fake.register_adv_faults.append('no-reply')
        self.start_gattd()
        call = self.wait_register_adv_call()
        self.fake.remove_adapter('hci0')
        self.sync_with_gattd()
        self.reply_late(call)
        self.sync_with_gattd()
        self.assertFalse(self.status()['on_air'])
        self.fake.add_adapter('hci0', HCI0_ADDRESS)
        self.assert_converged_with(b'gattd')


class ShutdownDuringRegistrationTest(FaultTestCase):
    """SIGTERM reaches gattd together with bluetoothd's calls that are part of
    a registration (GetManagedObjects, GetAll on the advertisement)."""

    def sigterm_inside(self, method_name):
        """Replace the fake's handler of method_name: gattd is stopped (SIGSTOP),
        gets SIGTERM, the fake goes on with the registration (its calls to gattd
        queue up), then gattd continues and finds both at once."""
        original = getattr(self.fake, method_name)
        self.sigtermed = False

        def hooked(msg, *args):
            if self.sigtermed:
                return original(msg, *args)
            self.sigtermed = True
            self.expect_gattd_running = False
            self.gattd.send_signal(signal.SIGSTOP)
            deadline = time.monotonic() + 5
            while _process_state(self.gattd.pid) != 'T' and time.monotonic() < deadline:
                time.sleep(0.001)
            self.gattd.send_signal(signal.SIGTERM)
            result = original(msg, *args)
            GLib.timeout_add(100, lambda: self.gattd.send_signal(signal.SIGCONT) and False)
            return result
        setattr(self.fake, method_name, hooked)

    def assert_exits_cleanly(self):
        self.wait_until(lambda: self.sigtermed, 'the registration call to arrive')
        self.wait_until(lambda: self.gattd.poll() is not None, 'gattd to exit after SIGTERM',
                        timeout=EXIT_TIMEOUT + 1)
        self.assertEqual(self.gattd.returncode, 0, 'gattd exit status after SIGTERM mid-registration')
        self.wait_until(lambda: not [r for r in self.fake.apps + self.fake.adverts if r.ended is None],
                        'bluetoothd to hold nothing of gattd')
        self.assertNotIn('CRITICAL', self.gattd_log())

    def test_sigterm_while_bluetoothd_fetches_the_application_objects_exits_0(self):
        self.sigterm_inside('_register_application')
        self.start_gattd()
        self.assert_exits_cleanly()

    def test_sigterm_while_bluetoothd_fetches_the_advertisement_exits_0(self):
        self.sigterm_inside('_register_advertisement')
        self.start_gattd()
        self.assert_exits_cleanly()

    def test_get_managed_objects_after_sigterm_is_answered_or_refused_and_gattd_exits_0(self):
        self.start_registered()
        owner = self.gattd_bus_name()
        with self.gattd_frozen():
            self.gattd.send_signal(signal.SIGTERM)
            self.expect_gattd_running = False
            msg = dbus.lowlevel.MethodCallMessage(owner, '/org/gattd/app', 'org.freedesktop.DBus.ObjectManager',
                                                  'GetManagedObjects')
            replies = []
            self.fake.conn.send_message_with_reply(msg, replies.append, 5.0, require_main_loop=True)
            self.fake.conn.flush()
        self.wait_until(lambda: replies and self.gattd.poll() is not None, 'an answer and gattd to exit')
        self.assertEqual(self.gattd.returncode, 0)
        reply = replies[0]
        if not isinstance(reply, dbus.lowlevel.ErrorMessage):
            self.assertEqual(reply.get_signature(), 'a{oa{sa{sv}}}')


class ReleaseTest(FaultTestCase):
    """org.bluez calls Release on gattd's advertisement at odd moments. With
    drop=True bluetoothd also forgets the advertisement (as when it releases it
    for real); with drop=False it keeps it (a Release nothing explains)."""

    def release(self, drop=True):
        owner = self.gattd_bus_name()
        if drop:
            for adv in self.fake.adverts:
                if adv.owner == owner and adv.ended is None:
                    adv.ended, adv.on_air = 'released', False
                    if adv.state == 'pending':
                        adv.state, adv.msg = 'failed', None
        replies = []
        msg = dbus.lowlevel.MethodCallMessage(owner, ADVERTISEMENT_PATH, IFACE_ADVERTISEMENT, 'Release')
        self.fake.conn.send_message_with_reply(msg, replies.append, 5.0, require_main_loop=True)
        return replies

    def assert_answered(self, replies):
        self.wait_until(lambda: replies, 'the answer to Release')
        self.assertNotIsInstance(replies[0], dbus.lowlevel.ErrorMessage,
                                 replies[0].get_error_name() if isinstance(replies[0], dbus.lowlevel.ErrorMessage)
                                 else '')

    def test_release_while_the_advertisement_is_being_registered(self):
        self.fake.register_adv_faults.append(('delay', 0.3))
        self.start_gattd()
        self.wait_register_adv_call()
        self.assert_answered(self.release(drop=False))
        self.assert_converged_with(b'gattd')

    def test_release_while_the_application_is_being_registered(self):
        self.fake.delay_next_register_application(0.3)
        self.start_gattd()
        self.wait_register_app_call()
        self.assert_answered(self.release(drop=False))
        self.assert_converged_with(b'gattd')

    def test_release_while_powered_off_advertises_again_at_power_on(self):
        self.start_registered()
        self.fake.write_value(LABEL, b'kept')
        self.fake.set_powered('hci0', False)
        self.sync_with_gattd()
        self.assert_answered(self.release(drop=True))
        self.fake.set_powered('hci0', True)
        self.assert_converged_with(b'kept')

    def test_release_while_powered_off_without_bluetoothd_dropping_it_still_ends_on_air(self):
        self.start_registered()
        self.fake.set_powered('hci0', False)
        self.sync_with_gattd()
        self.assert_answered(self.release(drop=False))
        self.fake.set_powered('hci0', True)
        self.assert_converged_with(b'gattd')

    def test_release_twice_is_answered_twice_and_gattd_advertises_again(self):
        self.start_registered()
        first = self.release(drop=True)
        second = self.release(drop=False)
        self.assert_answered(first)
        self.assert_answered(second)
        self.assert_converged_with(b'gattd')

    def test_release_while_on_air_without_bluetoothd_dropping_it_still_ends_on_air(self):
        self.start_registered()
        self.assert_answered(self.release(drop=False))
        self.assert_converged_with(b'gattd')


class PropertiesChangedStormTest(FaultTestCase):
    FLIPS = 2500

    def storm(self, end_powered=True):
        for _ in range(self.FLIPS):
            self.fake.set_powered('hci0', False)
            self.fake.set_powered('hci0', True)
        if not end_powered:
            self.fake.set_powered('hci0', False)

    def test_thousands_of_powered_flips_in_a_burst_end_registered_and_on_air_with_values(self):
        self.start_registered()
        self.fake.write_value(LABEL, b'kept')
        calls = len(self.fake.register_adv_calls)
        self.storm()
        self.assert_converged_with(b'kept')
        print('storm of %d power cycles: %d RegisterAdvertisement calls'
              % (self.FLIPS, len(self.fake.register_adv_calls) - calls))

    def test_powered_flips_queued_while_gattd_is_stopped_end_registered_and_on_air_with_values(self):
        self.start_registered()
        self.fake.write_value(LABEL, b'kept')
        calls = len(self.fake.register_adv_calls)
        with self.gattd_frozen():
            self.storm()
        self.assert_converged_with(b'kept')
        # Once one RegisterAdvertisement per flip, each making the fake call GetAll back:
        # over the bus's limit of pending replies (LimitsExceeded, a protocol error here).
        print('storm of %d power cycles while gattd was stopped: %d RegisterAdvertisement calls'
              % (self.FLIPS, len(self.fake.register_adv_calls) - calls))

    def test_storm_ending_powered_off_keeps_the_application_and_advertises_at_power_on(self):
        self.start_registered()
        self.fake.write_value(LABEL, b'kept')
        self.storm(end_powered=False)
        self.wait_until(lambda: not self.status()['on_air'] and self.status()['state'] != 'ADVERTISING',
                        'gattd to see the adapter powered off')
        self.sync_with_gattd()
        self.assertIsNotNone(self.fake.active_app('hci0'))
        self.fake.set_powered('hci0', True)
        self.assert_converged_with(b'kept')

    def test_storm_while_bluetoothd_restarts_in_the_middle_ends_registered(self):
        self.start_registered()
        self.fake.write_value(LABEL, b'kept')
        self.storm()
        self.fake.stop(clean=False)
        self.fake.start()
        self.storm()
        self.assert_converged_with(b'kept')


if __name__ == '__main__':
    unittest.main()
