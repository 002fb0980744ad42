# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattd as bluetoothd's pairing agent ([Pairing]): the registration the lifecycle
keeps (after bluetoothd restarts, reloads), what the agent answers for each Method=
as the fake bluetoothd calls it the way src/device.c and the kernel's SMP tables
do (fakebluez.FakeBluez.pair), the pairing window and the `pairable` command, the
`paired`, `pairing-failed`, `passkey` and `pairable` events, `bonds` and `forget`."""

import os
import subprocess
import time
import unittest

import dbus

from clients import ClientProgram, LocalClient
from harness import GattdTestCase
from test_client_library import client_example_binary
from test_gattctl import EXIT_ERROR, EXIT_USAGE, gattctl_binary

PHONE = '5A:3C:11:22:33:44'
AGENT_PATH = '/org/gattd/agent'
PASSKEY = '024680'


class PairingTestCase(GattdTestCase):
    pairing = {'Method': 'just-works'}

    def setUp(self):
        super().setUp()
        self.start_registered(pairing=self.pairing)
        self.client = LocalClient(self)
        self.client.watch()
        if self.pairing.get('Method', 'off') != 'off':
            self.wait_agent()

    def wait_agent(self, capability=None):
        def registered():
            agent = self.fake.default_agent()
            return (agent and agent['owner'] == self.gattd_bus_name() and agent['path'] == AGENT_PATH and
                    (capability is None or agent['capability'] == capability))
        self.wait_until(registered, lambda: 'gattd to be the default agent (%s): %r' % (capability, self.fake.agents()))
        self.wait_until(lambda: self.client.ok('status')['pairing']['agent'], 'status to say the agent is registered')

    def connect(self, address=PHONE):
        path = self.fake.connect_central(address=address)
        self.client.wait_event('connected', address=address)
        return path

    def pair(self, path, **kwargs):
        pairing = self.fake.pair(path, **kwargs)
        self.wait_until(lambda: pairing.done, 'the pairing to end')
        return pairing

    def bonds(self):
        return [b['address'] for b in self.client.ok('bonds')['bonds']]

    def reload_pairing(self, pairing):
        """Reload gattd with [Pairing] as pairing says (the running config dir's gattd.conf
        replaced; the services stay)."""
        config = self.config_dir(pairing=pairing)
        running = self.gattd.args[self.gattd.args.index('--config-dir') + 1]
        with open(os.path.join(config, 'gattd.conf')) as src, open(os.path.join(running, 'gattd.conf'), 'w') as dst:
            dst.write(src.read())
        self.client.ok('reload')


class RegistrationTest(PairingTestCase):

    def test_the_agent_is_bluetoothds_default_with_the_methods_capability(self):
        agent = self.fake.default_agent()
        self.assertEqual((agent['capability'], agent['default']), ('NoInputNoOutput', True))
        self.assertEqual(self.fake.calls_named('RegisterAgent'), [(AGENT_PATH, True)])
        self.assertEqual(len(self.fake.calls_named('RequestDefaultAgent')), 1)
        self.assertEqual(self.client.ok('status')['pairing'],
                         {'method': 'just-works', 'agent': True, 'pairable': True, 'always': True,
                          'remaining_ms': None})

    def test_registered_again_after_bluetoothd_stops_cleanly_and_after_a_crash(self):
        for clean in (True, False):
            self.fake.stop(clean=clean)
            self.wait_until(lambda: not self.client.ok('status')['pairing']['agent'],
                            'status to say the agent is gone')
            self.fake.start()
            self.wait_app_registered('hci0')
            self.wait_agent('NoInputNoOutput')

    def test_released_by_a_bluetoothd_that_stays_it_registers_again(self):
        self.fake.release_agents()
        self.wait_until(lambda: len(self.fake.calls_named('RegisterAgent')) == 2,
                        'gattd to register the agent again after Release')
        self.wait_agent('NoInputNoOutput')
        self.assertIn('bluetoothd released the pairing agent', self.gattd_log())

    def test_a_reload_to_another_method_registers_the_new_capability_and_off_unregisters(self):
        self.reload_pairing({'Method': 'passkey', 'Passkey': PASSKEY})
        self.wait_agent('KeyboardOnly')
        self.reload_pairing({'Method': 'off'})
        self.wait_until(lambda: self.fake.agents() == [], lambda: 'the agent to be unregistered: %r' % self.fake.agents())
        self.assertFalse(self.client.ok('status')['pairing']['agent'])
        self.client.error_reply('not-supported', 'pairable')

    def test_only_bluez_may_call_the_agent(self):
        path = self.connect()
        other = dbus.bus.BusConnection(self.bus_address)
        self.addCleanup(other.close)
        agent = other.get_object(self.gattd_bus_name(), AGENT_PATH)
        with self.assertRaises(dbus.exceptions.DBusException) as caught:
            agent.RequestAuthorization(dbus.ObjectPath(path), dbus_interface='org.bluez.Agent1')
        self.assertEqual(caught.exception.get_dbus_name(), 'org.freedesktop.DBus.Error.AccessDenied')
        self.assertEqual(self.bonds(), [])


class KeepPairableTest(PairingTestCase):
    """While its agent is bluetoothd's default, gattd keeps the adapter Pairable
    (bluez/pairing.h): bluetoothd can lose its own switch back on at a reload that
    changes the capability (FakeBluez.slow_bondable_off, seen on 5.87)."""

    NOTICE = "hci0 is not pairable while gattd is bluetoothd's pairing agent: making it pairable"

    def gattd_pairable_sets(self):
        return [s[2:] for s in self.fake.pairable_sets if s[0] == self.gattd_bus_name()]

    def test_a_reload_to_another_method_leaves_the_adapter_pairable_though_bluetoothd_lost_its_switch(self):
        self.fake.slow_bondable_off = True
        self.reload_pairing({'Method': 'passkey', 'Passkey': PASSKEY})
        self.wait_agent('KeyboardOnly')
        self.wait_until(lambda: self.gattd_pairable_sets() == [('Pairable', True)],
                        lambda: 'gattd to set Pairable: %r' % self.fake.pairable_sets)
        self.assertTrue(self.fake.adapter().pairable)
        self.assertIn(self.NOTICE, self.gattd_log())
        pairing = self.pair(self.connect(), central_io='KeyboardOnly', central_passkey=int(PASSKEY))
        self.assertTrue(pairing.ok, pairing.failure)
        # The roster hears Bonded from BlueZ's signal, after the pairing's end.
        self.client.wait_event('paired', address=PHONE)
        self.assertEqual(self.bonds(), [PHONE])

    def test_pairable_turned_off_by_another_program_is_turned_on_again(self):
        other = subprocess.Popen(['dbus-send', '--bus=' + self.bus_address, '--print-reply', '--dest=org.bluez',
                                  '/org/bluez/hci0', 'org.freedesktop.DBus.Properties.Set', 'string:org.bluez.Adapter1',
                                  'string:Pairable', 'variant:boolean:false'],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.wait_until(lambda: other.poll() is not None, 'dbus-send to be answered')
        self.assertEqual(other.returncode, 0, other.stderr.read())
        other.stderr.close()
        self.assertEqual(self.fake.pairable_sets[0][2:], ('Pairable', False))
        self.wait_until(lambda: self.gattd_pairable_sets() == [('Pairable', True)],
                        lambda: 'gattd to set Pairable: %r' % self.fake.pairable_sets)
        self.wait_until(lambda: self.fake.adapter().pairable, 'the adapter to be pairable again')

    def test_once_its_agent_is_gone_gattd_leaves_pairable_alone(self):
        self.fake.slow_bondable_off = True
        self.reload_pairing({'Method': 'off'})
        self.wait_until(lambda: self.fake.agents() == [], 'the agent to be unregistered')
        self.wait_until(lambda: not self.fake.adapter().pairable, 'bluetoothd\'s "off" to land')
        self.sync_with_gattd()
        self.assertEqual(self.gattd_pairable_sets(), [])
        self.assertNotIn(self.NOTICE, self.gattd_log())


class OffTest(PairingTestCase):
    pairing = {'Method': 'off'}

    def test_off_registers_no_agent_and_bluetoothd_refuses_pairing(self):
        path = self.connect()
        self.assertEqual(self.fake.calls_named('RegisterAgent'), [])
        pairing = self.pair(path, central_io='NoInputNoOutput')
        # Without any agent bluetoothd leaves the adapter unbondable: the kernel
        # answers a bonding request with Pairing Not Supported.
        self.assertEqual(pairing.failure, 'not-pairable')
        self.assertEqual(self.fake.pairable_sets, [], 'without its agent gattd leaves Pairable alone')
        self.assertEqual(self.client.ok('status')['pairing'],
                         {'method': 'off', 'agent': False, 'pairable': False, 'always': True, 'remaining_ms': None})
        error = self.client.error_reply('not-supported', 'pairable', open=True)
        self.assertIn('Method=off', error['message'])


class JustWorksTest(PairingTestCase):

    def test_just_works_is_accepted_bonds_and_forget_removes_the_bond(self):
        path = self.connect()
        pairing = self.pair(path, central_io='NoInputNoOutput')
        self.assertTrue(pairing.ok, pairing.failure)
        self.assertEqual([c[0] for c in pairing.calls], ['RequestAuthorization'])
        event = self.client.wait_event('paired', address=PHONE)
        self.assertEqual((event['device'], event['bonded']), (path, True))
        self.assertEqual(self.bonds(), [PHONE])
        self.assertIs(self.client.ok('bonds')['bonds'][0]['connected'], True)
        reply = self.client.ok('forget', address=PHONE.lower())
        self.assertEqual((reply['address'], reply['device']), (PHONE, path))
        self.assertNotIn(path, [d.path for d in self.fake.devices()])
        self.assertEqual(self.bonds(), [])
        self.client.wait_event('disconnected', address=PHONE)

    def test_a_central_that_insists_on_comparing_numbers_is_taken_as_just_works(self):
        path = self.connect()
        # gattd is NoInputNoOutput, so only Just Works can come; bluetoothd asks
        # RequestConfirmation of an agent that says it has a display and yes/no.
        pairing = self.pair(path, central_io='KeyboardDisplay')
        self.assertTrue(pairing.ok, pairing.failure)
        self.assertEqual(pairing.method, 'just-works')

    def test_forget_of_an_unknown_device_and_bonds_when_none(self):
        self.assertEqual(self.bonds(), [])
        error = self.client.error_reply('not-found', 'forget', address=PHONE)
        self.assertIn(PHONE, error['message'])
        self.client.error_reply('bad-request', 'forget')
        self.client.error_reply('bad-request', 'forget', address='not-an-address')

    def test_a_bond_bluez_loaded_at_start_is_listed_but_not_announced(self):
        path = self.connect()
        self.fake.set_device_property(path, 'Bonded', True)
        self.fake.set_device_property(path, 'Paired', True)
        self.client.wait_event('paired', address=PHONE)
        before = len(self.client.events)
        self.fake.stop()
        self.fake.start()
        self.wait_app_registered('hci0')
        self.wait_agent()
        self.assertEqual(self.bonds(), [PHONE])
        # The restarted bluetoothd shows the stored bond again: nothing new happened.
        self.client.ok('status')
        self.assertEqual([e for e in self.client.events[before:] if e['event'] == 'paired'], [])


class OtherAdapterTest(PairingTestCase):

    def test_pairings_and_bonds_of_another_adapter_are_not_gattds(self):
        # As bluetoothd's default agent gattd is asked for every adapter's pairings.
        self.fake.add_adapter('hci1', '00:AA:01:00:00:77')
        path = self.fake.connect_central(adapter='hci1', address=PHONE)
        pairing = self.pair(path, central_io='NoInputNoOutput')
        self.assertEqual((pairing.failure, pairing.error), ('rejected', 'org.bluez.Error.Rejected'))
        self.assertIn("not on gattd's adapter", self.gattd_log())
        self.fake.set_device_property(path, 'Bonded', True)
        self.fake.set_device_property(path, 'Paired', True)
        self.assertEqual(self.bonds(), [])
        self.client.error_reply('not-found', 'forget', address=PHONE)
        self.client.ok('status')
        self.assertEqual([e for e in self.client.events if e['event'] == 'paired'], [])
        self.assertIn(path, [d.path for d in self.fake.devices('hci1')])


class WindowTest(PairingTestCase):
    pairing = {'Method': 'just-works', 'Pairable': 'on-request', 'PairableSeconds': '30'}

    def test_closed_window_refuses_and_an_opened_one_accepts(self):
        path = self.connect()
        self.assertIs(self.client.ok('status')['pairing']['pairable'], False)
        refused = self.pair(path, central_io='NoInputNoOutput')
        self.assertEqual((refused.failure, refused.error), ('rejected', 'org.bluez.Error.Rejected'))
        event = self.client.wait_event('pairing-failed', address=PHONE)
        self.assertEqual((event['reason'], event['device']), ('not-pairable', path))
        self.assertEqual(self.bonds(), [])
        self.assertFalse(self.fake._device(path).paired)

        reply = self.client.ok('pairable', open=True)
        self.assertEqual((reply['pairable'], reply['always']), (True, False))
        self.assertGreater(reply['remaining_ms'], 29000)
        self.assertLessEqual(reply['remaining_ms'], 30000)
        self.client.wait_event('pairable', pairable=True)
        self.assertTrue(self.pair(path, central_io='NoInputNoOutput').ok)
        # The roster hears Bonded from BlueZ's signal, after the pairing's end.
        self.client.wait_event('paired', address=PHONE)
        self.assertEqual(self.bonds(), [PHONE])

        reply = self.client.ok('pairable', open=False)
        self.assertEqual((reply['pairable'], reply['remaining_ms']), (False, 0))
        self.client.wait_event('pairable', pairable=False)

    def test_the_window_closes_by_itself(self):
        self.client.ok('pairable', open=True, seconds=1)
        self.client.wait_event('pairable', pairable=True)
        event = self.client.wait_event('pairable', pairable=False)
        self.assertEqual(event['remaining_ms'], 0)
        self.assertIn('the pairing window closed', self.gattd_log())

    def test_a_reload_to_always_says_so_and_no_window_closes_later(self):
        self.client.ok('pairable', open=True, seconds=1)
        self.client.wait_event('pairable', pairable=True)
        self.reload_pairing({'Method': 'just-works'})
        event = self.client.wait_event('pairable', always=True)
        self.assertEqual((event['pairable'], event['remaining_ms']), (True, None))
        # The one-second window's timer went with it: no "closed" comes.
        time.sleep(1.5)
        self.client.ok('status')
        self.assertEqual([e for e in self.client.events if e['event'] == 'pairable' and not e['pairable']], [])
        self.assertNotIn('the pairing window closed', self.gattd_log())

    def test_bad_pairable_requests(self):
        self.client.error_reply('bad-request', 'pairable', open='yes')
        self.client.error_reply('bad-request', 'pairable', open=True, seconds=0)
        self.client.error_reply('bad-request', 'pairable', open=True, seconds=86401)
        self.client.error_reply('bad-request', 'pairable', seconds=5)
        self.client.error_reply('bad-request', 'pairable', open=False, seconds=5)
        self.assertIs(self.client.ok('status')['pairing']['pairable'], False)


class AlwaysTest(PairingTestCase):

    def test_an_always_open_window_cannot_be_closed_and_opening_it_changes_nothing(self):
        error = self.client.error_reply('not-supported', 'pairable', open=False)
        self.assertIn('Pairable=always', error['message'])
        reply = self.client.ok('pairable', open=True, seconds=5)
        self.assertEqual((reply['pairable'], reply['always'], reply['remaining_ms']), (True, True, None))


class PasskeyTest(PairingTestCase):
    pairing = {'Method': 'passkey', 'Passkey': PASSKEY}

    def test_a_central_entering_the_same_passkey_pairs_and_a_wrong_one_leaves_no_bond(self):
        self.assertEqual(self.fake.default_agent()['capability'], 'KeyboardOnly')
        path = self.connect()
        wrong = self.pair(path, central_io='KeyboardOnly', central_passkey=135791)
        self.assertEqual(wrong.failure, 'wrong-passkey')
        self.assertEqual(self.bonds(), [])
        right = self.pair(path, central_io='KeyboardOnly', central_passkey=int(PASSKEY))
        self.assertTrue(right.ok, right.failure)
        self.assertEqual(right.answer, int(PASSKEY))
        self.client.wait_event('paired', address=PHONE)
        self.assertEqual(self.bonds(), [PHONE])
        self.assertNotIn(PASSKEY, self.gattd_log(), 'the passkey must never be logged')

    def test_a_phone_shows_its_own_number_so_a_static_passkey_cannot_match(self):
        # KeyboardDisplay central, KeyboardOnly gattd: the central displays a random
        # passkey and gattd must enter it (Core spec Vol 3 Part H 2.3.5.1).
        path = self.connect()
        pairing = self.pair(path, central_io='KeyboardDisplay')
        self.assertEqual(pairing.failure, 'wrong-passkey')
        self.assertEqual(self.bonds(), [])

    def test_just_works_is_refused_when_a_passkey_is_configured(self):
        path = self.connect()
        pairing = self.pair(path, central_io='NoInputNoOutput')
        self.assertEqual((pairing.failure, pairing.error), ('rejected', 'org.bluez.Error.Rejected'))
        event = self.client.wait_event('pairing-failed', address=PHONE)
        self.assertEqual(event['reason'], 'rejected')


class DisplayTest(PairingTestCase):
    pairing = {'Method': 'display'}

    def test_the_passkey_bluetoothd_shows_reaches_clients_and_the_central_types_it(self):
        self.assertEqual(self.fake.default_agent()['capability'], 'DisplayOnly')
        path = self.connect()
        pairing = self.pair(path, central_io='KeyboardDisplay')
        self.assertTrue(pairing.ok, pairing.failure)
        event = self.client.wait_event('passkey', address=PHONE)
        self.assertEqual(event['passkey'], '%06d' % pairing.passkey)
        self.assertEqual(event['device'], path)
        self.client.wait_event('paired', address=PHONE)

    def test_a_central_typing_another_number_leaves_no_bond(self):
        path = self.connect()
        pairing = self.pair(path, central_io='KeyboardDisplay', central_passkey=1)
        self.assertEqual(pairing.failure, 'wrong-passkey')
        self.assertEqual(self.bonds(), [])


class GattctlPairingTest(PairingTestCase):
    pairing = {'Method': 'just-works', 'Pairable': 'on-request', 'PairableSeconds': '90'}

    def gattctl(self, *args):
        env = {k: v for k, v in os.environ.items() if k != 'GATTD_SOCKET'}
        env['LC_ALL'] = 'C.UTF-8'
        program = ClientProgram(self, [gattctl_binary(), '--socket', self.socket_path] + list(args), env=env)
        status = program.wait_exit()
        return status, program.stdout_lines, program.stderr_text

    def test_pairable_on_off_and_the_state(self):
        self.assertEqual(self.gattctl('pairable'), (0, ['not pairable (just-works; agent registered)'], ''))
        status, out, err = self.gattctl('pairable', 'on', '30')
        self.assertEqual((status, out, err), (0, ['pairable for 30 s more (just-works; agent registered)'], ''))
        status, out, _ = self.gattctl('pairable', 'on')
        self.assertEqual(out, ['pairable for 90 s more (just-works; agent registered)'])
        self.assertEqual(self.gattctl('pairable', 'off'), (0, ['not pairable (just-works; agent registered)'], ''))
        for args in (('pairable', 'maybe'), ('pairable', 'off', '5'), ('pairable', 'on', '0'),
                     ('pairable', 'on', '86401'), ('pairable', 'on', '5', 'x')):
            status, out, err = self.gattctl(*args)
            self.assertEqual((status, out), (EXIT_USAGE, []), args)
            self.assertIn('gattctl pairable', err)

    def test_bonds_and_forget(self):
        self.assertEqual(self.gattctl('bonds'), (0, ['no bonds'], ''))
        path = self.connect()
        self.client.ok('pairable', open=True)
        self.assertTrue(self.pair(path, central_io='NoInputNoOutput').ok)
        self.client.wait_event('paired', address=PHONE)
        status, out, err = self.gattctl('bonds')
        self.assertEqual((status, err), (0, ''))
        self.assertEqual(out, ['ADDRESS            TYPE    CONNECTED  FLAGS           NAME',
                               '%-17s  %-6s  %-9s  %-14s  %s' % (PHONE, 'public', 'yes', 'bonded', '-')])
        self.assertEqual(self.gattctl('forget', PHONE.lower()), (0, ['forgot ' + PHONE], ''))
        self.assertEqual(self.gattctl('bonds'), (0, ['no bonds'], ''))
        status, out, err = self.gattctl('forget', PHONE)
        self.assertEqual((status, out), (EXIT_ERROR, []))
        self.assertIn('knows no device ' + PHONE, err)
        self.assertEqual(self.gattctl('forget', 'nope')[0], EXIT_USAGE)


class ClientLibraryPairingTest(PairingTestCase):
    pairing = {'Method': 'just-works', 'Pairable': 'on-request'}

    def example(self, *args):
        program = ClientProgram(self, [client_example_binary(), '--socket', self.socket_path] + list(args))
        status = program.wait_exit()
        return status, program.stdout_lines, program.stderr_text

    def test_the_library_opens_the_window_lists_bonds_and_forgets(self):
        status, out, err = self.example('pair', '45')
        self.assertEqual((status, err), (0, ''))
        self.assertRegex(out[0], r'^method=just-works agent=yes pairable=yes remaining_ms=(4[4-5]\d{3})$')
        self.assertEqual(self.example('bonds'), (0, ['no bonds'], ''))
        path = self.connect()
        self.assertTrue(self.pair(path, central_io='NoInputNoOutput').ok)
        self.client.wait_event('paired', address=PHONE)
        status, out, _ = self.example('bonds')
        self.assertEqual(out, ['%s (public) name=- mtu=0 paired=yes bonded=yes trusted=no' % PHONE])
        self.assertEqual(self.example('forget', PHONE), (0, ['forgot ' + PHONE], ''))
        status, out, err = self.example('forget', PHONE)
        self.assertNotEqual(status, 0)
        self.assertIn('forget', err)


class GattctlPairingOffTest(GattctlPairingTest.__bases__[0]):
    pairing = {'Method': 'off'}

    def test_pairable_with_pairing_off_exits_1_saying_why(self):
        status, out, err = GattctlPairingTest.gattctl(self, 'pairable', 'on')
        self.assertEqual((status, out), (EXIT_ERROR, []))
        self.assertIn('Method=off', err)


class ConfigTest(GattdTestCase):

    def test_a_passkey_in_a_file_others_can_read_is_refused_without_showing_it(self):
        config = self.config_dir(pairing={'Method': 'passkey', 'Passkey': PASSKEY})
        os.chmod(os.path.join(config, 'gattd.conf'), 0o644)
        process = self.start_gattd(config_dir=config, args=('--check-config',))
        process.wait(timeout=10)
        self.expect_gattd_running = False
        self.assertNotEqual(process.returncode, 0)
        log = self.gattd_log()
        self.assertIn('[Pairing]', log)
        self.assertIn('mode 0644', log)
        self.assertNotIn(PASSKEY, log)


if __name__ == '__main__':
    unittest.main()
