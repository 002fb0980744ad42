# SPDX-License-Identifier: LGPL-2.1-or-later
"""The fake bluetoothd's pairing-agent side, as read in BlueZ's src/agent.c,
src/device.c and src/adapter.c and the kernel's net/bluetooth/smp.c: AgentManager1
registration, the default agent, Release at a clean stop, Adapter1 Pairable /
PairableTimeout and the agent's effect on them, incoming LE pairings driven by
fake.pair() against a small agent exported from the test process, and
Adapter1.RemoveDevice. The agent stands in for gattd; the test's own bus connection
records what org.bluez signals (self.events)."""

import time
import unittest

import dbus
import dbus.bus
import dbus.lowlevel

import fakebluez
from test_fake_devices import DEVICE, DEVICE_IFACES, OTHER_ADDRESS, REASONS, DeviceTestCase

ADAPTER = 'org.bluez.Adapter1'
AGENT_MANAGER = 'org.bluez.AgentManager1'
PROPERTIES = 'org.freedesktop.DBus.Properties'
HCI0 = '/org/bluez/hci0'


class Agent:
    """An org.bluez.Agent1 at path on a bus connection of its own. behaviour maps a
    method to 'accept' (an empty reply; RequestPasskey: answer), ('error', name),
    'ignore' (never answer), ('reply', signature, args) or a callable(pairing args)
    returning one of those. Every call lands in self.calls as (method, args, sender,
    reply_expected)."""

    def __init__(self, test, path='/agent'):
        self.test = test
        self.path = path
        self.conn = dbus.bus.BusConnection(test.bus_address)
        test.addCleanup(self.close)
        self.calls = []
        self.behaviour = {}
        self.answer = 123456        # RequestPasskey's answer for 'accept'
        self.conn._register_object_path('/', self.on_message, fallback=True)

    @property
    def name(self):
        return self.conn.get_unique_name()

    def close(self):
        try:
            self.conn.close()
        except Exception:
            pass

    def on_message(self, conn, msg):
        if msg.get_type() != dbus.lowlevel.MESSAGE_TYPE_METHOD_CALL:
            return
        member = msg.get_member()
        args = tuple(fakebluez.to_python(a) for a in msg.get_args_list())
        self.calls.append((member, args, msg.get_sender(), not msg.get_no_reply()))
        if msg.get_interface() != 'org.bluez.Agent1' or msg.get_path() != self.path:
            conn.send_message(dbus.lowlevel.ErrorMessage(msg, 'org.freedesktop.DBus.Error.UnknownMethod', member))
            return
        action = self.behaviour.get(member, 'accept')
        if callable(action):
            action = action(args)
        if msg.get_no_reply() or action == 'ignore':
            return
        reply = dbus.lowlevel.MethodReturnMessage(msg)
        if action == 'accept':
            if member == 'RequestPasskey':
                reply.append(dbus.UInt32(self.answer), signature='u')
        elif action[0] == 'error':
            reply = dbus.lowlevel.ErrorMessage(msg, action[1], 'no')
        elif action[0] == 'reply':
            reply.append(signature=action[1], *action[2])
        conn.send_message(reply)

    def manager(self, method, *args, signature=None):
        """Call AgentManager1 on org.bluez and wait: None, or the error's name."""
        result = {}
        if signature is None:
            signature = 'os' if method == 'RegisterAgent' else 'o'
        self.conn.call_async('org.bluez', '/org/bluez', AGENT_MANAGER, method, signature, args,
                             lambda *values: result.update(error=None),
                             lambda e: result.update(error=e.get_dbus_name()), timeout=10.0)
        self.test.wait_until(lambda: result, '%s to be answered' % method)
        return result['error']

    def register(self, capability='NoInputNoOutput', path=None):
        return self.manager('RegisterAgent', dbus.ObjectPath(path or self.path), capability)

    def named(self, member):
        return [c[1] for c in self.calls if c[0] == member]


class AgentTestCase(DeviceTestCase):

    def agent(self, capability='NoInputNoOutput', path='/agent'):
        agent = Agent(self, path)
        if capability is not None:
            self.assertIsNone(agent.register(capability))
        return agent

    def pairable_changes(self, mark=0, path=HCI0):
        return [e[3]['Pairable'] for e in self.since(mark)
                if e[0] == 'PropertiesChanged' and e[1] == path and 'Pairable' in e[3]]

    def adapter_prop(self, name, path=HCI0):
        return self.answered(self.call(path, 'Get', PROPERTIES, 'ss', (ADAPTER, name), record=False))['values'][0]

    def set_adapter_prop(self, name, value, path=HCI0):
        result = self.answered(self.call(path, 'Set', PROPERTIES, 'ssv', (ADAPTER, name, value), record=False))
        return result.get('error', (None,))[0]

    def paired(self, pairing):
        self.wait_until(lambda: pairing.done, 'the pairing to end')
        return pairing

    def device_signals(self, path, mark):
        return [e[3] for e in self.since(mark) if e[0] == 'PropertiesChanged' and e[1] == path]


class AgentRegistrationTest(AgentTestCase):
    # bluez_version: the default, 5.66

    def test_fake_first_agent_becomes_default_and_makes_adapters_pairable(self):
        self.assertFalse(self.adapter_prop('Pairable'))
        agent = self.agent('DisplayYesNo')
        self.assertEqual(self.fake.agents(), [{'owner': agent.name, 'path': '/agent',
                                               'capability': 'DisplayYesNo', 'default': True}])
        self.assertEqual(self.fake.default_agent(), self.fake.agents()[0])
        self.assertEqual(self.pairable_changes(), [True])
        self.assertTrue(self.adapter_prop('Pairable'))
        self.assertEqual(self.fake.calls_named('RegisterAgent'), [('/agent', True)])
        self.assertEqual(agent.calls, [], 'bluetoothd calls nothing at registration')

    def test_fake_slow_bondable_off_skips_the_next_defaults_on_then_lands_the_off(self):
        # adapter_set_io_capability (5.87): MGMT Set Bondable off in flight, current_settings
        # still bondable, so the agent made default meanwhile does not get bonding back.
        self.fake.slow_bondable_off = True
        agent = self.agent('NoInputNoOutput')
        mark = len(self.since(0))
        self.assertIsNone(agent.manager('UnregisterAgent', dbus.ObjectPath('/agent')))
        self.assertEqual(self.pairable_changes(mark), [], 'the "off" is still in flight')
        self.assertIsNone(agent.register('KeyboardOnly'))
        self.assertEqual(self.fake.default_agent()['capability'], 'KeyboardOnly')
        self.assertEqual(self.pairable_changes(mark), [False], 'its "on" skipped, then the "off" landed')
        self.assertIsNone(self.set_adapter_prop('Pairable', dbus.Boolean(True)))
        self.assertTrue(self.adapter_prop('Pairable'))
        self.assertIsNone(agent.manager('UnregisterAgent', dbus.ObjectPath('/agent')))
        self.wait_until(lambda: not self.fake.adapter().pairable, 'the "off" to land with no agent to come')

    def test_fake_refuses_a_second_agent_from_the_same_sender_even_at_another_path(self):
        agent = self.agent()
        self.assertEqual(agent.register('DisplayOnly', path='/other'), 'org.bluez.Error.AlreadyExists')
        self.assertEqual(agent.register('NoInputNoOutput'), 'org.bluez.Error.AlreadyExists')
        self.assertEqual([a['capability'] for a in self.fake.agents()], ['NoInputNoOutput'])
        self.assertEqual([r[4] for r in self.fake.agent_manager_calls],
                         ['ok', 'org.bluez.Error.AlreadyExists', 'org.bluez.Error.AlreadyExists'])

    def test_fake_5_66_wants_an_exact_capability_and_reads_empty_as_keyboard_display(self):
        agent = Agent(self)
        for bad in ('Key', 'keyboardonly', 'Display', 'NoInputNoOutputX', 'KeyboardDisplay '):
            self.assertEqual(agent.register(bad), 'org.bluez.Error.InvalidArguments', bad)
        self.assertEqual(self.fake.agents(), [])
        self.assertEqual(self.pairable_changes(), [])
        self.assertIsNone(agent.register(''))
        self.assertEqual(self.fake.default_agent()['capability'], 'KeyboardDisplay')

    def test_fake_answers_a_wrong_signature_unknown_method_as_gdbus_does(self):
        agent = Agent(self)
        self.assertEqual(agent.manager('RegisterAgent', '/agent', signature='s'),
                         'org.freedesktop.DBus.Error.UnknownMethod')
        self.assertEqual(agent.manager('RegisterAgent', dbus.ObjectPath('/agent'), signature='o'),
                         'org.freedesktop.DBus.Error.UnknownMethod')
        self.assertEqual(self.fake.agents(), [])

    def test_fake_unregister_needs_the_registered_path_and_sends_no_release(self):
        agent = Agent(self)
        self.assertEqual(agent.manager('UnregisterAgent', dbus.ObjectPath('/agent')),
                         'org.bluez.Error.DoesNotExist')
        self.assertEqual(agent.manager('RequestDefaultAgent', dbus.ObjectPath('/agent')),
                         'org.bluez.Error.DoesNotExist')
        self.assertIsNone(agent.register())
        self.assertEqual(agent.manager('UnregisterAgent', dbus.ObjectPath('/other')),
                         'org.bluez.Error.DoesNotExist')
        self.assertEqual(agent.manager('RequestDefaultAgent', dbus.ObjectPath('/other')),
                         'org.bluez.Error.DoesNotExist')
        self.assertIsNone(agent.manager('UnregisterAgent', dbus.ObjectPath('/agent')))
        self.assertEqual(self.fake.agents(), [])
        self.assertEqual(self.pairable_changes(), [True, False])
        self.sync()
        self.assertEqual(agent.calls, [])
        self.assertEqual(self.fake.calls_named('Agent1.Release'), [])
        self.assertEqual(len(self.fake.calls_named('UnregisterAgent')), 3)

    def test_fake_request_default_agent_switches_the_default_and_reasserts_pairable(self):
        first, second = self.agent('NoInputNoOutput', '/a1'), self.agent('DisplayOnly', '/a2')
        self.assertEqual([a['default'] for a in self.fake.agents()], [True, False])
        self.assertIsNone(first.manager('RequestDefaultAgent', dbus.ObjectPath('/a1')), 'already default')
        self.assertIsNone(self.set_adapter_prop('Pairable', dbus.Boolean(False)))
        mark = len(self.since(0))
        self.assertIsNone(second.manager('RequestDefaultAgent', dbus.ObjectPath('/a2')))
        self.assertEqual(self.fake.default_agent()['owner'], second.name)
        self.assertEqual(self.pairable_changes(mark), [True], 'a new default pushes its IO capability')
        self.assertEqual(self.fake.calls_named('RequestDefaultAgent'), [('/a1', True), ('/a2', True)])

    def test_fake_drops_the_agent_of_an_owner_that_leaves_and_the_next_becomes_default(self):
        first, second, third = self.agent(path='/a1'), self.agent(path='/a2'), self.agent(path='/a3')
        self.assertIsNone(third.manager('RequestDefaultAgent', dbus.ObjectPath('/a3')))
        third.close()
        self.wait_until(lambda: len(self.fake.agents()) == 2, 'the agent to be dropped')
        self.assertEqual(self.fake.default_agent()['owner'], first.name, 'default_agents: a3, a1, a2')
        first.close()
        self.wait_until(lambda: len(self.fake.agents()) == 1, 'the agent to be dropped')
        self.assertEqual(self.fake.default_agent()['owner'], second.name)
        self.assertEqual(self.pairable_changes(), [True])
        second.close()
        self.wait_until(lambda: not self.fake.agents(), 'the last agent to be dropped')
        self.assertEqual(self.pairable_changes(), [True, False])
        self.assertEqual(self.fake.calls_named('Agent1.Release'), [])

    def test_fake_releases_agents_at_a_clean_stop_only_and_forgets_them_at_restart(self):
        agent = self.agent()
        other = self.agent(path='/a2')
        bluez = self.fake.unique_name
        self.fake.stop(clean=True)
        self.wait_until(lambda: len(agent.named('Release')) == 1 and len(other.named('Release')) == 1,
                        'Release at the clean stop')
        self.assertEqual(agent.calls, [('Release', (), bluez, False)], 'no reply expected')
        self.assertEqual(self.fake.releases, [(agent.name, '/agent'), (other.name, '/a2')])
        self.fake.start()
        self.assertEqual(self.fake.agents(), [])
        self.assertTrue(self.adapter_prop('Pairable'), 'the kernel keeps bondable across restarts')
        self.assertIsNone(agent.register(), 'a new bluetoothd knows no agent')
        self.fake.stop(clean=False)
        self.fake.start()
        self.assertEqual(self.fake.agents(), [])
        self.sync()
        self.assertEqual(len(agent.named('Release')), 1, 'a crash sends nothing')

    def test_fake_release_comes_from_org_bluez_after_agent_manager_goes(self):
        agent = self.agent()
        bluez = self.fake.unique_name
        self.fake.stop(clean=True)
        self.wait_until(lambda: agent.named('Release'), 'Release')
        self.assertEqual(agent.calls[0][2], bluez)
        sent = self.fake.sent
        removed = next(i for i, e in enumerate(sent) if e[:3] == ('signal', 'InterfacesRemoved', '/org/bluez'))
        release = sent.index(('call', 'Agent1.Release', '/agent', False))
        adapter_gone = next(i for i, e in enumerate(sent)
                            if e[:3] == ('signal', 'InterfacesRemoved', HCI0) and ADAPTER in e[3])
        self.assertLess(removed, release)
        self.assertLess(release, adapter_gone)

    def test_fake_pairable_and_pairable_timeout_are_settable_with_signals(self):
        self.assertIsNone(self.set_adapter_prop('Pairable', dbus.Boolean(True)))
        self.assertIsNone(self.set_adapter_prop('Pairable', dbus.Boolean(True)))
        self.assertEqual(self.pairable_changes(), [True], 'the same value again: no signal')
        self.assertEqual(self.set_adapter_prop('Pairable', dbus.UInt32(0)), 'org.freedesktop.DBus.Error.InvalidArgs')
        self.assertEqual(self.set_adapter_prop('PairableTimeout', dbus.Boolean(True)),
                         'org.freedesktop.DBus.Error.InvalidArgs')
        mark = len(self.since(0))
        start = time.monotonic()
        self.assertIsNone(self.set_adapter_prop('PairableTimeout', dbus.UInt32(1)))
        self.assertEqual(self.since(mark)[0][3], {'PairableTimeout': 1})
        self.wait_until(lambda: self.fake.adapter().pairable is False, 'PairableTimeout to expire')
        self.assertGreaterEqual(time.monotonic() - start, 0.9)
        self.assertEqual(self.pairable_changes(), [True, False])
        self.assertEqual(self.adapter_prop('PairableTimeout'), 1)
        self.assertEqual(self.set_adapter_prop('Discoverable', dbus.Boolean(True)),
                         'org.freedesktop.DBus.Error.PropertyReadOnly', 'others stay read-only')
        self.assertEqual([s[2:] for s in self.fake.pairable_sets],
                         [('Pairable', True), ('Pairable', True), ('PairableTimeout', 1)])

    def test_fake_makes_an_adapter_added_later_pairable_for_the_default_agent(self):
        self.agent()
        mark = len(self.since(0))
        self.fake.add_adapter('hci1', '00:AA:01:00:00:02')
        events = self.since(mark)
        self.assertEqual([e[0] for e in events], ['InterfacesAdded', 'PropertiesChanged'])
        self.assertEqual(events[1][1:], ('/org/bluez/hci1', ADAPTER, {'Pairable': True}))


class AgentCapability587Test(AgentTestCase):
    bluez_version = '5.87'

    def test_fake_5_87_takes_a_prefix_of_a_capability_name(self):
        for capability, parsed in (('Key', 'KeyboardOnly'), ('Display', 'DisplayOnly'),
                                   ('DisplayY', 'DisplayYesNo'), ('', 'KeyboardDisplay')):
            agent = self.agent(capability)
            self.assertEqual(self.fake.agents()[-1]['capability'], parsed, capability)
            agent.close()
            self.wait_until(lambda: not self.fake.agents(), 'the agent to go')
        agent = Agent(self)
        for bad in ('key', 'KeyboardDisplay2', 'X'):
            self.assertEqual(agent.register(bad), 'org.bluez.Error.InvalidArguments', bad)


class PairingTest(AgentTestCase):
    # bluez_version: the default, 5.66

    def setUp(self):
        super().setUp()
        self.device = self.fake.connect_central()

    def test_fake_just_works_asks_request_authorization_from_org_bluez_then_bonds(self):
        agent = self.agent('NoInputNoOutput')
        mark = len(self.since(0))
        pairing = self.paired(self.fake.pair(self.device))
        self.assertEqual((pairing.ok, pairing.failure, pairing.method), (True, None, 'just-works'))
        self.assertEqual(pairing.calls, [('RequestAuthorization', (self.device,))])
        self.assertEqual(agent.calls, [('RequestAuthorization', (self.device,), self.fake.unique_name, True)])
        self.assertEqual(self.device_signals(self.device, mark), [{'Bonded': True}, {'Paired': True}])
        [device] = self.fake.devices()
        self.assertEqual((device.paired, device.bonded, device.temporary), (True, True, False))
        self.assertEqual(self.fake.calls_named('Agent1.RequestAuthorization'), [('/agent', True)])

    def test_fake_any_error_reply_rejects_and_changes_nothing(self):
        agent = self.agent('NoInputNoOutput')
        for name in ('org.bluez.Error.Rejected', 'org.bluez.Error.Canceled', 'com.example.Whatever'):
            agent.behaviour['RequestAuthorization'] = ('error', name)
            mark = len(self.since(0))
            pairing = self.paired(self.fake.pair(self.device))
            self.assertEqual((pairing.ok, pairing.failure, pairing.error), (False, 'rejected', name))
            self.assertEqual(self.device_signals(self.device, mark), [])
        device = self.fake.devices()[0]
        self.assertEqual((device.paired, device.bonded, device.temporary, device.connected),
                         (False, False, True, True), 'before 5.87 the link stays')

    def test_fake_central_without_io_or_mitm_makes_every_agent_just_works(self):
        agent = self.agent('KeyboardDisplay')
        pairing = self.paired(self.fake.pair(self.device, central_io='NoInputNoOutput'))
        self.assertEqual(agent.named('RequestAuthorization'), [(self.device,)])
        self.assertTrue(pairing.ok)
        other = self.fake.connect_central(address=OTHER_ADDRESS)
        self.assertTrue(self.paired(self.fake.pair(other, mitm=False)).ok)
        self.assertEqual([c[0] for c in agent.calls], ['RequestAuthorization'] * 2)

    def test_fake_numeric_comparison_sends_the_passkey_and_a_yes_pairs(self):
        agent = self.agent('DisplayYesNo')
        pairing = self.paired(self.fake.pair(self.device, secure_connections=True))
        self.assertEqual(pairing.method, 'compare')
        [(path, passkey)] = agent.named('RequestConfirmation')
        self.assertEqual((path, passkey), (self.device, pairing.passkey))
        self.assertTrue(0 <= passkey <= 999999)
        self.assertTrue(pairing.ok)

    def test_fake_numeric_comparison_no_is_rejected(self):
        agent = self.agent('KeyboardDisplay')
        agent.behaviour['RequestConfirmation'] = ('error', 'org.bluez.Error.Rejected')
        pairing = self.paired(self.fake.pair(self.device))
        self.assertEqual((pairing.method, pairing.failure), ('compare', 'rejected'))
        self.assertFalse(self.fake.devices()[0].paired)

    def test_fake_display_only_shows_a_passkey_without_waiting_and_the_central_types_it(self):
        agent = self.agent('DisplayOnly')
        agent.behaviour['DisplayPasskey'] = 'ignore'
        pairing = self.paired(self.fake.pair(self.device))
        self.assertTrue(pairing.ok)
        self.wait_until(lambda: agent.calls, 'DisplayPasskey to arrive')
        self.assertEqual(agent.calls, [('DisplayPasskey', (self.device, pairing.passkey, 0),
                                        self.fake.unique_name, False)])
        self.assertEqual(self.fake.calls_named('Agent1.DisplayPasskey'), [('/agent', False)])

    def test_fake_display_fails_when_the_central_types_another_number(self):
        self.agent('DisplayYesNo')
        pairing = self.fake.pair(self.device, secure_connections=False, central_passkey=1000000)
        self.paired(pairing)
        self.assertEqual((pairing.method, pairing.failure), ('display', 'wrong-passkey'))
        self.assertFalse(self.fake.devices()[0].paired)

    def test_fake_keyboard_only_is_asked_the_number_the_central_displays(self):
        agent = self.agent('KeyboardOnly')
        agent.answer = 0
        pairing = self.paired(self.fake.pair(self.device))
        self.assertEqual((pairing.method, pairing.failure, pairing.answer), ('enter', 'wrong-passkey', 0))
        pending = []
        agent.behaviour['RequestPasskey'] = lambda args: ('reply', 'u', [dbus.UInt32(pending[0].passkey)])
        pending.append(self.fake.pair(self.device))
        self.assertTrue(self.paired(pending[0]).ok)
        self.assertEqual(agent.named('RequestPasskey'), [(self.device,)] * 2)

    def test_fake_legacy_keyboard_display_on_both_sides_makes_us_enter(self):
        agent = self.agent('KeyboardDisplay')
        pairing = self.paired(self.fake.pair(self.device, secure_connections=False))
        self.assertEqual((pairing.method, pairing.failure), ('enter', 'wrong-passkey'))
        self.assertEqual(agent.named('RequestPasskey'), [(self.device,)])

    def test_fake_keyboard_only_on_both_sides_pairs_on_the_same_number(self):
        agent = self.agent('KeyboardOnly')
        agent.answer = 424242
        with self.assertRaises(ValueError):
            self.fake.pair(self.device, central_io='KeyboardOnly')
        pairing = self.paired(self.fake.pair(self.device, central_io='KeyboardOnly', central_passkey=424242))
        self.assertEqual((pairing.ok, pairing.passkey), (True, None))
        pairing = self.paired(self.fake.pair(self.device, central_io='KeyboardOnly', central_passkey=1))
        self.assertEqual(pairing.failure, 'wrong-passkey')

    def test_fake_timeout_cancels_request_confirmation_but_not_request_passkey(self):
        agent = self.agent('DisplayYesNo')
        agent.behaviour['RequestConfirmation'] = 'ignore'
        pairing = self.paired(self.fake.pair(self.device, agent_timeout=0.3))
        self.assertEqual((pairing.failure, pairing.error), ('timeout', 'org.freedesktop.DBus.Error.NoReply'))
        self.assertEqual([c[0] for c in pairing.calls], ['RequestConfirmation', 'Cancel'])
        self.wait_until(lambda: agent.named('Cancel'), 'Cancel')
        self.assertEqual(agent.calls[-1], ('Cancel', (), self.fake.unique_name, False))
        self.assertIsNone(agent.manager('UnregisterAgent', dbus.ObjectPath('/agent')))
        agent.register('KeyboardOnly')
        agent.behaviour['RequestPasskey'] = 'ignore'
        pairing = self.paired(self.fake.pair(self.device, agent_timeout=0.3))
        self.assertEqual(pairing.failure, 'timeout')
        self.assertEqual([c[0] for c in pairing.calls], ['RequestPasskey'], 'passkey_reply sends no Cancel')

    def test_fake_disconnect_during_a_call_sends_cancel(self):
        agent = self.agent('NoInputNoOutput')
        agent.behaviour['RequestAuthorization'] = 'ignore'
        pairing = self.fake.pair(self.device)
        self.wait_until(lambda: agent.calls, 'RequestAuthorization')
        self.assertFalse(pairing.done)
        mark = len(self.since(0))
        self.fake.disconnect_central(self.device)
        self.assertEqual((pairing.done, pairing.failure), (True, 'canceled-disconnect'))
        self.assertEqual(self.fake.sent[-2][:2], ('signal', 'PropertiesChanged'), 'Connected false, then Cancel')
        self.assertEqual(self.fake.sent[-1], ('call', 'Agent1.Cancel', '/agent', False))
        self.wait_until(lambda: agent.named('Cancel'), 'Cancel')
        self.assertEqual(self.device_signals(self.device, mark), [{'Connected': False}])

    def test_fake_not_pairable_refuses_bonding_without_asking_but_pairs_without_bonding(self):
        agent = self.agent('NoInputNoOutput')
        self.assertIsNone(self.set_adapter_prop('Pairable', dbus.Boolean(False)))
        pairing = self.paired(self.fake.pair(self.device))
        self.assertEqual((pairing.failure, pairing.calls), ('not-pairable', []))
        mark = len(self.since(0))
        pairing = self.paired(self.fake.pair(self.device, bonding=False))
        self.assertTrue(pairing.ok)
        self.assertEqual(self.device_signals(self.device, mark), [{'Paired': True}])
        [device] = self.fake.devices()
        self.assertEqual((device.paired, device.bonded, device.temporary), (True, False, True))
        self.assertEqual([c[0] for c in agent.calls], ['RequestAuthorization'])

    def test_fake_without_an_agent_refuses_pairing(self):
        self.assertIsNone(self.set_adapter_prop('Pairable', dbus.Boolean(True)))
        pairing = self.paired(self.fake.pair(self.device))
        self.assertEqual((pairing.ok, pairing.failure, pairing.calls), (False, 'no-agent', []))

    def test_fake_asks_the_default_agent_only(self):
        first = self.agent('NoInputNoOutput', '/a1')
        second = self.agent('DisplayYesNo', '/a2')
        self.paired(self.fake.pair(self.device))
        self.assertEqual([c[0] for c in first.calls], ['RequestAuthorization'])
        self.assertIsNone(second.manager('RequestDefaultAgent', dbus.ObjectPath('/a2')))
        self.paired(self.fake.pair(self.fake.connect_central(address=OTHER_ADDRESS)))
        self.assertEqual([c[0] for c in second.calls], ['RequestConfirmation'])

    def test_fake_rejects_just_works_repairing_of_a_paired_device_without_asking(self):
        agent = self.agent('NoInputNoOutput')
        self.assertTrue(self.paired(self.fake.pair(self.device)).ok)
        pairing = self.paired(self.fake.pair(self.device))
        self.assertEqual((pairing.failure, pairing.error), ('rejected', None))
        self.assertEqual(len(agent.calls), 1)
        self.fake.just_works_repairing = 'confirm'
        self.assertTrue(self.paired(self.fake.pair(self.device)).ok)
        self.assertEqual(len(agent.calls), 2)

    def test_fake_wrong_reply_signature_rejects_a_passkey_and_is_a_protocol_error(self):
        agent = self.agent('KeyboardOnly')
        agent.behaviour['RequestPasskey'] = ('reply', 's', ['123456'])
        pairing = self.paired(self.fake.pair(self.device))
        self.assertEqual((pairing.failure, pairing.error), ('rejected', 'org.freedesktop.DBus.Error.InvalidArgs'))
        self.assertEqual(len(self.fake.protocol_errors), 1)
        self.fake.protocol_errors.clear()
        self.assertIsNone(agent.manager('UnregisterAgent', dbus.ObjectPath('/agent')))
        agent.register('NoInputNoOutput')
        agent.behaviour['RequestAuthorization'] = ('reply', 'b', [True])
        self.assertTrue(self.paired(self.fake.pair(self.device, bonding=False)).ok,
                        'libdbus ignores values bluetoothd does not read')
        self.assertEqual(len(self.fake.protocol_errors), 1, 'but the contract says none')
        self.fake.protocol_errors.clear()

    def test_fake_agent_owner_leaving_during_a_call_rejects_with_no_reply(self):
        agent = self.agent('NoInputNoOutput')
        agent.behaviour['RequestAuthorization'] = 'ignore'
        pairing = self.fake.pair(self.device)
        self.wait_until(lambda: agent.calls, 'RequestAuthorization')
        agent.close()
        self.paired(pairing)
        self.assertEqual((pairing.failure, pairing.error), ('rejected', 'org.freedesktop.DBus.Error.NoReply'))
        self.assertEqual([c[0] for c in pairing.calls], ['RequestAuthorization', 'Cancel'])
        self.wait_until(lambda: not self.fake.agents(), 'the agent to be dropped')

    def test_fake_pair_needs_a_connected_device(self):
        self.agent()
        with self.assertRaises(KeyError):
            self.fake.pair(self.fake.device_path(address=OTHER_ADDRESS))
        self.fake.disconnect_central(self.device)
        with self.assertRaises(ValueError):
            self.fake.pair(self.device)
        self.assertEqual(self.fake.pairings, [])


class Pairing564Test(AgentTestCase):
    bluez_version = '5.64'

    def test_fake_5_64_signals_paired_only(self):
        self.fake.set_powered('hci0', True)     # no AutoEnable before 5.65
        self.agent('NoInputNoOutput')
        path = self.fake.connect_central()
        mark = len(self.since(0))
        self.assertTrue(self.paired(self.fake.pair(path)).ok)
        self.assertEqual(self.device_signals(path, mark), [{'Paired': True}])
        self.assertFalse(self.fake.devices()[0].temporary, 'bonded all the same')


class Pairing587Test(AgentTestCase):
    bluez_version = '5.87'

    def test_fake_5_87_drops_the_link_after_an_authentication_failure(self):
        agent = self.agent('NoInputNoOutput')
        agent.behaviour['RequestAuthorization'] = ('error', 'org.bluez.Error.Rejected')
        path = self.fake.connect_central()
        mark = len(self.since(0))
        pairing = self.paired(self.fake.pair(path))
        self.assertEqual(pairing.failure, 'rejected')
        self.assertTrue(self.fake.devices()[0].connected, 'not at once: DISCONNECT_TIMER')
        self.wait_until(lambda: not self.fake.devices()[0].connected, 'the link to drop')
        self.assertEqual(self.device_signals(path, mark), [{'Connected': False}])
        self.assertIn(('Disconnected', path) + REASONS['local'], self.since(mark))

    def test_fake_5_87_signals_bonded_then_paired(self):
        self.agent('DisplayYesNo')
        path = self.fake.connect_central()
        mark = len(self.since(0))
        self.assertTrue(self.paired(self.fake.pair(path)).ok)
        self.assertEqual(self.device_signals(path, mark), [{'Bonded': True}, {'Paired': True}])


class Pairing582Test(AgentTestCase):
    bluez_version = '5.82'

    def test_fake_5_82_keeps_the_link_after_an_authentication_failure(self):
        self.agent('KeyboardOnly')
        path = self.fake.connect_central()
        self.assertEqual(self.paired(self.fake.pair(path)).failure, 'wrong-passkey')
        self.run_for(self.fake.disconnect_delay + 0.2)
        self.assertTrue(self.fake.devices()[0].connected)


class RemoveDeviceTest(AgentTestCase):
    # bluez_version: the default, 5.66

    def remove(self, path, adapter=HCI0, signature='o'):
        return self.call(adapter, 'RemoveDevice', ADAPTER, signature, (dbus.ObjectPath(path),))

    def test_fake_remove_device_errors(self):
        self.fake.add_adapter('hci1', '00:AA:01:00:00:02')
        other = self.fake.connect_central('hci1')
        result = self.answered(self.remove(other))
        self.assertEqual(result['error'][0], 'org.bluez.Error.DoesNotExist', 'a device of another adapter')
        self.assertEqual(self.answered(self.remove(HCI0 + '/dev_00_00_00_00_00_00'))['error'][0],
                         'org.bluez.Error.DoesNotExist')
        self.assertEqual(self.answered(self.call(HCI0, 'RemoveDevice', ADAPTER, 's', ('x',)))['error'][0],
                         'org.freedesktop.DBus.Error.UnknownMethod')
        path = self.fake.connect_central()
        self.fake.set_powered('hci0', False)
        self.assertEqual(self.answered(self.remove(path))['error'][0], 'org.bluez.Error.NotReady')
        self.assertEqual(len(self.fake.devices()), 1)
        self.assertEqual([p for p, _ in self.fake.calls_named('Adapter1.RemoveDevice')],
                         [other, HCI0 + '/dev_00_00_00_00_00_00', 'x', path])

    def test_fake_remove_device_not_connected_removes_it_then_answers(self):
        path = self.fake.connect_central(bonded=True)
        self.fake.disconnect_central(path)
        mark = len(self.since(0))
        self.answered(self.remove(path))
        self.assertEqual(self.since(mark), [('InterfacesRemoved', path, DEVICE_IFACES), ('reply', 'RemoveDevice', HCI0)])
        self.assertEqual(self.fake.devices(), [])

    def test_fake_remove_device_of_a_connected_bonded_device_waits_for_the_disconnection(self):
        self.agent('NoInputNoOutput')
        self.fake.disconnect_delay = 0.3
        path = self.fake.connect_central()
        self.assertTrue(self.paired(self.fake.pair(path)).ok)
        mark = len(self.since(0))
        start = time.monotonic()
        result = self.answered(self.remove(path))
        self.assertGreaterEqual(result['at'] - start, 0.3)
        self.assertEqual(self.since(mark), [('reply', 'RemoveDevice', HCI0),
                                            ('PropertiesChanged', path, DEVICE, {'Connected': False}),
                                            ('InterfacesRemoved', path, DEVICE_IFACES)])
        self.assertEqual(self.fake.sent[-3], ('reply', 'Adapter1.RemoveDevice', path))
        self.assertEqual(self.fake.connect_central(), path)
        self.assertEqual({k: v for k, v in self.get_all(path)['values'][0].items() if k in ('Paired', 'Bonded')},
                         {'Paired': False, 'Bonded': False}, 'the bond went with it')


class RemoveDevice587Test(AgentTestCase):
    bluez_version = '5.87'

    def test_fake_5_87_answers_remove_device_after_connected_false(self):
        path = self.fake.connect_central()
        mark = len(self.since(0))
        self.answered(self.call(HCI0, 'RemoveDevice', ADAPTER, 'o', (dbus.ObjectPath(path),)))
        self.assertEqual(self.since(mark), [('Disconnected', path) + REASONS['local'],
                                            ('PropertiesChanged', path, DEVICE, {'Connected': False}),
                                            ('reply', 'RemoveDevice', HCI0),
                                            ('InterfacesRemoved', path, DEVICE_IFACES)])


if __name__ == '__main__':
    unittest.main()
