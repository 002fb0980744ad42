# SPDX-License-Identifier: LGPL-2.1-or-later
"""[Pairing] Method=confirm: gattd is bluetoothd's agent with DisplayYesNo, and a
local client, the confirmer (`handle-pairing`), accepts or rejects each pairing
(`pairing-request`, `answer-pairing`). What the fake bluetoothd asks follows the
kernel's SMP tables (fakebluez.smp_method): numeric comparison for a central that
shows a number and answers yes/no, Just Works for one with no input or output, a
passkey gattd shows for one that only types. Unanswered requests are rejected:
ConfirmTimeoutMs, a confirmer that leaves, none at all, a reload."""

import os
import time

from clients import LocalClient
from test_pairing import PHONE, PairingTestCase



class ConfirmTestCase(PairingTestCase):
    pairing = {'Method': 'confirm'}

    def setUp(self):
        super().setUp()
        self.confirmer = LocalClient(self)
        self.confirmer.ok('handle-pairing')

    def start_pairing(self, path, **kwargs):
        """Start a pairing and return it with the confirmer's pairing-request."""
        pairing = self.fake.pair(path, **kwargs)
        request = self.confirmer.wait_event('pairing-request', device=path)
        return pairing, request

    def wait_done(self, pairing):
        self.wait_until(lambda: pairing.done, 'the pairing to end')
        return pairing



class NumericComparisonTest(ConfirmTestCase):

    def test_the_confirmer_sees_the_number_and_its_yes_bonds(self):
        self.assertEqual(self.fake.default_agent()['capability'], 'DisplayYesNo')
        self.assertEqual(self.client.ok('status')['pairing']['method'], 'confirm')
        path = self.connect()
        before = time.monotonic()
        pairing, request = self.start_pairing(path, central_io='KeyboardDisplay')
        self.assertEqual([c[0] for c in pairing.calls], ['RequestConfirmation'])
        self.assertEqual((request['kind'], request['address'], request['passkey']),
                         ('compare', PHONE, '%06d' % pairing.passkey))
        # CLOCK_MONOTONIC in microseconds, ConfirmTimeoutMs (20 s by default) ahead.
        self.assertGreater(request['deadline'], (before + 19) * 1e6)
        self.assertLess(request['deadline'], (time.monotonic() + 20.5) * 1e6)
        self.assertFalse(pairing.done, 'bluetoothd waits for the answer')
        self.confirmer.ok('answer-pairing', request=request['request'], accept=True)
        self.assertTrue(self.wait_done(pairing).ok, pairing.failure)
        self.client.wait_event('paired', address=PHONE)
        self.assertEqual(self.bonds(), [PHONE])
        self.assertEqual(self.client.events_named('pairing-failed'), [])
        # Settled: answering again is too late.
        self.confirmer.error_reply('expired', 'answer-pairing', request=request['request'], accept=True)

    def test_the_confirmers_no_rejects_and_leaves_no_bond(self):
        path = self.connect()
        pairing, request = self.start_pairing(path, central_io='DisplayYesNo')
        self.confirmer.ok('answer-pairing', request=request['request'], accept=False)
        self.wait_done(pairing)
        self.assertEqual((pairing.failure, pairing.error), ('rejected', 'org.bluez.Error.Rejected'))
        event = self.client.wait_event('pairing-failed', address=PHONE)
        self.assertEqual((event['reason'], event['request'], event['device']), ('rejected', request['request'], path))
        self.assertEqual(self.bonds(), [])
        self.assertFalse(self.fake._device(path).paired)

    def test_request_ids_are_never_reused(self):
        path = self.connect()
        seen = []
        for accept in (False, True):
            pairing, request = self.start_pairing(path, central_io='KeyboardDisplay')
            seen.append(request['request'])
            self.confirmer.ok('answer-pairing', request=request['request'], accept=accept)
            self.wait_done(pairing)
        self.assertLess(seen[0], seen[1])
        self.confirmer.error_reply('not-found', 'answer-pairing', request=seen[1] + 1, accept=True)


class JustWorksAndPasskeyTest(ConfirmTestCase):

    def test_a_central_without_input_or_output_asks_for_just_works(self):
        path = self.connect()
        pairing, request = self.start_pairing(path, central_io='NoInputNoOutput')
        self.assertEqual([c[0] for c in pairing.calls], ['RequestAuthorization'])
        self.assertEqual((request['kind'], request['passkey']), ('just-works', None))
        self.confirmer.ok('answer-pairing', request=request['request'], accept=True)
        self.assertTrue(self.wait_done(pairing).ok, pairing.failure)
        self.client.wait_event('paired', address=PHONE)
        self.assertEqual(self.bonds(), [PHONE])

    def test_legacy_pairing_has_no_numeric_comparison_so_yes_no_on_both_sides_is_just_works(self):
        path = self.connect()
        pairing, request = self.start_pairing(path, central_io='DisplayYesNo', secure_connections=False)
        self.assertEqual([c[0] for c in pairing.calls], ['RequestAuthorization'])
        self.assertEqual((request['kind'], request['passkey']), ('just-works', None))
        self.confirmer.ok('answer-pairing', request=request['request'], accept=False)
        self.assertEqual(self.wait_done(pairing).failure, 'rejected')

    def test_a_central_that_only_types_gets_the_passkey_gattd_shows(self):
        path = self.connect()
        pairing = self.wait_done(self.fake.pair(path, central_io='KeyboardOnly'))
        self.assertTrue(pairing.ok, pairing.failure)
        self.assertEqual([c[0] for c in pairing.calls], ['DisplayPasskey'])
        event = self.client.wait_event('passkey', address=PHONE)
        self.assertEqual(event['passkey'], '%06d' % pairing.passkey)
        self.assertEqual(self.confirmer.events_named('pairing-request'), [])


class UnansweredTest(ConfirmTestCase):
    pairing = {'Method': 'confirm', 'ConfirmTimeoutMs': '1000'}

    def test_no_answer_in_time_rejects_and_a_late_answer_is_expired(self):
        path = self.connect()
        pairing, request = self.start_pairing(path, central_io='KeyboardDisplay')
        self.wait_done(pairing)
        self.assertEqual((pairing.failure, pairing.error), ('rejected', 'org.bluez.Error.Rejected'))
        # The confirmer does not watch, yet hears how its request ended.
        ended = self.confirmer.wait_event('pairing-failed', request=request['request'])
        self.assertEqual((ended['reason'], ended['address']), ('timeout', PHONE))
        self.client.wait_event('pairing-failed', reason='timeout')
        self.confirmer.error_reply('expired', 'answer-pairing', request=request['request'], accept=True)
        self.assertEqual(self.bonds(), [])
        self.assertIn('did not answer within ConfirmTimeoutMs', self.gattd_log())

    def test_without_a_confirmer_every_pairing_is_rejected_at_once(self):
        self.confirmer.ok('unhandle-pairing')
        path = self.connect()
        pairing = self.wait_done(self.fake.pair(path, central_io='KeyboardDisplay'))
        self.assertEqual((pairing.failure, pairing.error), ('rejected', 'org.bluez.Error.Rejected'))
        event = self.client.wait_event('pairing-failed', address=PHONE)
        self.assertEqual(event['reason'], 'no-confirmer')
        self.assertIsNotNone(event['request'])
        self.assertIn('no local client confirms pairings', self.gattd_log())

    def test_a_confirmer_that_leaves_rejects_its_request_at_once(self):
        path = self.connect()
        pairing, request = self.start_pairing(path, central_io='KeyboardDisplay')
        self.confirmer.close()
        self.wait_done(pairing)
        self.assertEqual(pairing.failure, 'rejected')
        event = self.client.wait_event('pairing-failed', request=request['request'])
        self.assertEqual(event['reason'], 'no-confirmer')
        # The role is free again.
        LocalClient(self).ok('handle-pairing')

    def test_unhandle_pairing_rejects_the_request_it_leaves(self):
        path = self.connect()
        pairing, request = self.start_pairing(path, central_io='NoInputNoOutput')
        self.confirmer.ok('unhandle-pairing')
        self.assertEqual(self.wait_done(pairing).failure, 'rejected')
        self.client.wait_event('pairing-failed', request=request['request'], reason='no-confirmer')
        self.confirmer.error_reply('not-handled', 'unhandle-pairing')
        self.confirmer.error_reply('not-handled', 'answer-pairing', request=request['request'], accept=True)

    def test_the_link_going_cancels_the_request_and_the_confirmer_hears_whose(self):
        path = self.connect()
        pairing, request = self.start_pairing(path, central_io='KeyboardDisplay')
        self.fake.disconnect_central(path)
        self.wait_done(pairing)
        self.assertEqual(pairing.failure, 'canceled-disconnect')
        ended = self.confirmer.wait_event('pairing-failed', request=request['request'])
        self.assertEqual((ended['reason'], ended['address'], ended['device']), ('canceled', PHONE, path))
        self.confirmer.error_reply('expired', 'answer-pairing', request=request['request'], accept=True)

    def test_a_reload_away_from_confirm_rejects_the_waiting_request(self):
        path = self.connect()
        pairing, request = self.start_pairing(path, central_io='KeyboardDisplay')
        self.reload_pairing({'Method': 'just-works'})
        self.assertEqual(self.wait_done(pairing).failure, 'rejected')
        self.client.wait_event('pairing-failed', request=request['request'], reason='canceled')
        self.wait_agent('NoInputNoOutput')


class RoleTest(ConfirmTestCase):

    def test_one_confirmer_at_a_time(self):
        other = LocalClient(self)
        error = other.error_reply('busy', 'handle-pairing')
        self.assertIn('pairings are confirmed by client', error['message'])
        self.assertIn('pid %d' % os.getpid(), error['message'])
        self.confirmer.ok('handle-pairing')   # again: still its own
        other.error_reply('not-handled', 'answer-pairing', request=1, accept=True)
        other.error_reply('not-handled', 'unhandle-pairing')

    def test_bad_answers(self):
        self.confirmer.error_reply('bad-request', 'answer-pairing', request=1)
        self.confirmer.error_reply('bad-request', 'answer-pairing', request=1, accept='yes')
        self.confirmer.error_reply('bad-request', 'answer-pairing', accept=True)
        self.confirmer.error_reply('bad-request', 'answer-pairing', request=0, accept=True)
        self.confirmer.error_reply('bad-request', 'answer-pairing', request=1, accept=True, error='x')
        self.confirmer.error_reply('bad-request', 'handle-pairing', chars=['x'])
        self.confirmer.error_reply('not-found', 'answer-pairing', request=1, accept=True)

    def test_a_confirmer_cannot_become_a_channel(self):
        error = self.confirmer.error_reply('bad-request', 'channel')
        self.assertIn('confirms pairings', error['message'])

    def test_a_closed_window_refuses_before_asking_the_confirmer(self):
        self.reload_pairing({'Method': 'confirm', 'Pairable': 'on-request'})
        path = self.connect()
        pairing = self.wait_done(self.fake.pair(path, central_io='KeyboardDisplay'))
        self.assertEqual(pairing.failure, 'rejected')
        self.client.wait_event('pairing-failed', reason='not-pairable')
        self.assertEqual(self.confirmer.events_named('pairing-request'), [])


class NotConfirmTest(PairingTestCase):
    pairing = {'Method': 'just-works'}

    def test_handle_pairing_needs_method_confirm(self):
        error = self.client.error_reply('not-supported', 'handle-pairing')
        self.assertIn('Method=confirm only (Method=just-works)', error['message'])
