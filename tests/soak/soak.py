#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
soak.py: gattd under a long, seeded, interleaved mix of everything BlueZ and the
bus do to it, while a central writes and a local client drains the writes.

  tests/soak/run [--cycles N] [--restarts N] [--removals N] [--bus-drops N]
                 [--seed S] [--ci]

Events (shuffled together with the seed, which is printed so a run can be
repeated):
  power     the adapter powers off, then on
  restart   bluetoothd stops (clean or crash, half each) and starts again
  removal   the adapter goes away and comes back, half the time under another hciN
  bus       the system bus daemon dies and a new one starts at the same address
            (gattd's own connection dropped; bluetoothd comes back on the new bus)

Before each event the central (the fake bluetoothd) sends a burst of
sequence-numbered writes to soak/rx (Capture=) and some to soak/label, without
waiting, so events land with writes in flight; it writes only while gattd is
registered on a powered adapter, and counts a write as acknowledged only when
WriteValue returned success. Most events are followed by a wait until gattd is
registered and on the air again; the others run straight into the next event.
A socket client drains soak/rx with next-write, asking again after
`disconnected`; another one asks for status.

Afterwards: every acknowledged write was delivered exactly once and in order
(or counted in status.overflows), soak/label holds the last value written, the
application is registered and the advertisement on the air, and gattd's RSS and
fd count are flat between an early checkpoint and the end (see RSS_SLACK_KIB).

Without arguments it runs the issue's target: 10,000 power cycles, 1,000
bluetoothd restarts, 100 removals and 100 bus drops. --ci runs a mix sized for a
few minutes. Needs GATTD (tests/soak/run sets it to build/src/gattd).
"""

import argparse
import os
import random
import signal
import sys
import time
import unittest

import soaklib
from soaklib import Central, Drainer, SoakTestCase, process_figures

import clients
import harness

FULL = dict(cycles=10000, restarts=1000, removals=100, bus_drops=100)
CI = dict(cycles=5000, restarts=500, removals=50, bus_drops=50)

# RSS may grow by this much between the early checkpoint and the end before the
# soak calls it a leak. The early checkpoint is taken after every kind of event
# happened a few times, so caches, the GLib/libdbus pools and malloc's arenas
# have reached their working size; what remains is allocator noise (a
# fragmented free list, a page touched at the top of the heap), a few pages.
# A leak of even 100 bytes per event is 1 MB over the full run, well above this.
RSS_SLACK_KIB = 512

# Share of events followed by a wait until gattd is registered and on the air
# again; the rest run straight into the next event.
SETTLE_SHARE = 0.8
MAX_BURST = 6
ADAPTER_NAMES = ('hci0', 'hci1', 'hci2', 'hci3')


class Soak(SoakTestCase):
    counts = dict(FULL)
    seed = 0

    def setUp(self):
        super().setUp()
        self.rng = random.Random(self.seed)
        self.done = {'power': 0, 'restart-clean': 0, 'restart-crash': 0, 'removal-same': 0,
                     'removal-renamed': 0, 'bus': 0}
        self.settles = 0

    # ---------------------------------------------------------------- events

    def adapter_name(self):
        (name,) = list(self.fake.adapters)
        return name

    def maybe_sync(self):
        """Sometimes let gattd see the first half of an event before the second."""
        if self.rng.random() < 0.3 and self.fake.running:
            self.sync_with_gattd()

    def power_cycle(self):
        name = self.adapter_name()
        self.fake.set_powered(name, False)
        self.maybe_sync()
        self.fake.set_powered(name, True)
        self.done['power'] += 1

    def bluetoothd_restart(self):
        clean = self.rng.random() < 0.5
        self.central.abandon_in_flight()
        self.fake.stop(clean=clean)
        self.fake.start()
        self.done['restart-clean' if clean else 'restart-crash'] += 1

    def adapter_removal(self):
        old = self.adapter_name()
        self.fake.remove_adapter(old)
        self.maybe_sync()
        new = self.rng.choice(ADAPTER_NAMES)
        self.fake.add_adapter(new, harness.HCI0_ADDRESS)
        self.done['removal-same' if new == old else 'removal-renamed'] += 1

    def bus_drop(self):
        self.central.abandon_in_flight()
        self.restart_bus()
        self.done['bus'] += 1

    # ----------------------------------------------------------- checkpoints

    def caught_up(self):
        """Every write answered, and the drainer has everything acknowledged."""
        self.central.drain()
        last = max(self.central.acked, default=0)
        self.wait_until(lambda: not last or (self.drainer.delivered and self.drainer.delivered[-1] >= last),
                        lambda: 'the drainer to receive write %d (it has %r)' % (last, self.drainer.delivered[-3:]))

    def checkpoint(self, label):
        self.wait_converged('gattd to be registered and on the air at checkpoint %s' % label)
        self.caught_up()
        # Let gattd finish what it does after registering (the advertisement's
        # replies, idle callbacks) before looking at it.
        self.status.sync()
        self.sync_with_gattd()
        rss, fds = process_figures(self.gattd.pid)
        self.figures.append((label, rss, fds))
        return rss, fds

    # -------------------------------------------------------------- the soak

    def test_soak(self):
        counts = self.counts
        plan = (['power'] * counts['cycles'] + ['restart'] * counts['restarts']
                + ['removal'] * counts['removals'] + ['bus'] * counts['bus_drops'])
        self.rng.shuffle(plan)
        actions = {'power': self.power_cycle, 'restart': self.bluetoothd_restart,
                   'removal': self.adapter_removal, 'bus': self.bus_drop}

        self.start_gattd(config_dir=self.soak_config_dir())
        self.wait_converged()
        self.wait_listening()
        self.drainer = Drainer(self)
        self.status = clients.LocalClient(self)
        self.central = Central(self)
        self.figures = []
        self.early = None

        # Early checkpoint once every kind of event has happened a few times.
        early_at = min(len(plan), max(50, len(plan) // 20))
        if not plan:
            self.early = self.checkpoint('early')
        samples = {len(plan) * k // 10 for k in range(1, 10)}
        started = time.monotonic()
        for index, event in enumerate(plan, 1):
            self.central.write(self.rng.randint(0, MAX_BURST))
            actions[event]()
            if self.rng.random() < SETTLE_SHARE:
                self.wait_converged('gattd to be registered and on the air after %s (event %d)' % (event, index))
                self.settles += 1
                self.central.pump()
            if index % 200 == 0:
                self.trim_fake_records()
            if index == early_at:
                rss, fds = self.checkpoint('early (event %d)' % index)
                self.early = (rss, fds)
                print('soak: early checkpoint after %d events: RSS %d KiB, %d fds' % (index, rss, fds),
                      file=sys.stderr, flush=True)
            elif index in samples and index > early_at:
                rss, fds = self.checkpoint('event %d' % index)
                print('soak: %d/%d events, %.0f s, %d writes acknowledged, RSS %d KiB, %d fds'
                      % (index, len(plan), time.monotonic() - started, len(self.central.acked), rss, fds),
                      file=sys.stderr, flush=True)
        self.central.write(MAX_BURST)
        end_rss, end_fds = self.checkpoint('end')
        elapsed = time.monotonic() - started
        self.check_and_report(elapsed)

    def check_and_report(self, elapsed):
        central, drainer = self.central, self.drainer
        status = self.status.ok('status')
        label_now = self.fake.read_value(soaklib.LABEL)
        label_socket = bytes.fromhex(self.status.ok('get', char=soaklib.LABEL_ID)['value'])

        acked = central.acked
        delivered = drainer.delivered
        delivered_set = set(delivered)
        duplicates = len(delivered) - len(delivered_set)
        out_of_order = sum(1 for a, b in zip(delivered, delivered[1:]) if b <= a)
        lost = [s for s in acked if s not in delivered_set]
        unacked_delivered = len(delivered_set - set(acked))
        early_rss, early_fds = self.early
        _, end_rss, end_fds = self.figures[-1]

        lines = [
            'soak: seed %d, %.1f s' % (self.seed, elapsed),
            'soak: events: %d power cycles, %d bluetoothd restarts (%d clean, %d crash), '
            '%d adapter removals (%d back under another hciN), %d bus drops; %d followed by a settle wait'
            % (self.done['power'], self.done['restart-clean'] + self.done['restart-crash'],
               self.done['restart-clean'], self.done['restart-crash'],
               self.done['removal-same'] + self.done['removal-renamed'], self.done['removal-renamed'],
               self.done['bus'], self.settles),
            'soak: writes: %d sent, %d acknowledged, %d delivered, %d lost, %d duplicated, %d out of order, '
            '%d delivered without acknowledgement (answer lost with a connection), overflows %d'
            % (central.sent, len(acked), len(delivered), len(lost), duplicates, out_of_order,
               unacked_delivered, status['overflows']),
            'soak: refused writes: %s; %d abandoned with a connection; drainer saw %d disconnected, '
            'other errors %r' % (central.refused or 'none', central.abandoned, drainer.disconnects,
                                  drainer.other_errors[:3]),
            'soak: label: %r read back by the central, %r by a socket client; %d label writes sent'
            % (label_now, label_socket, len(central.label_sent)),
            'soak: status: state %s, registered %s, advertising %s, on_air %s, captured %d'
            % (status['state'], status['registered'], status['advertising'], status['on_air'], status['captured']),
            'soak: gattd RSS KiB / fds: ' + ', '.join('%s %d/%d' % f for f in self.figures),
            'soak: RSS %d -> %d KiB (%+d, slack %d), fds %d -> %d'
            % (early_rss, end_rss, end_rss - early_rss, RSS_SLACK_KIB, early_fds, end_fds),
        ]
        print('\n'.join(lines), file=sys.stderr, flush=True)

        self.assertEqual(drainer.foreign, [], 'values delivered that the central never wrote')
        self.assertEqual(drainer.other_errors, [], 'next-write errors other than disconnected')
        self.assertEqual(duplicates, 0, 'writes delivered more than once')
        self.assertEqual(out_of_order, 0, 'writes delivered out of order')
        self.assertLessEqual(len(lost), status['overflows'],
                             'acknowledged writes lost (not delivered, not counted as overflow): first %r'
                             % lost[:10])
        self.assertEqual(status['overflows'], 0, 'Capture=%d overflowed' % soaklib.CAPTURE)
        self.assertIn(label_now, central.expected_label(), 'soak/label after the soak')
        self.assertEqual(label_socket, label_now, 'soak/label as a socket client sees it')
        self.assertTrue(status['registered'] and status['on_air'], status)
        self.assertTrue(self.converged())
        self.assertEqual(end_fds, early_fds, 'gattd fd count, early checkpoint vs end')
        self.assertLessEqual(end_rss - early_rss, RSS_SLACK_KIB, 'gattd RSS growth (KiB), early vs end')


def interrupt(signum, frame):
    raise KeyboardInterrupt('signal %d' % signum)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.strip().split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--cycles', type=int, help='adapter power cycles (default %d)' % FULL['cycles'])
    parser.add_argument('--restarts', type=int, help='bluetoothd restarts (default %d)' % FULL['restarts'])
    parser.add_argument('--removals', type=int, help='adapter removals (default %d)' % FULL['removals'])
    parser.add_argument('--bus-drops', type=int, help='bus drops (default %d)' % FULL['bus_drops'])
    parser.add_argument('--seed', type=int, help='random seed (default: from the clock)')
    parser.add_argument('--ci', action='store_true', help='the CI mix: %r' % CI)
    args = parser.parse_args(argv)

    counts = dict(CI if args.ci else FULL)
    for key in counts:
        if getattr(args, key) is not None:
            counts[key] = getattr(args, key)
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), 'little')
    print('soak: seed %d (repeat with --seed %d); %d power cycles, %d bluetoothd restarts, '
          '%d adapter removals, %d bus drops'
          % (seed, seed, counts['cycles'], counts['restarts'], counts['removals'], counts['bus_drops']),
          file=sys.stderr, flush=True)
    Soak.counts = counts
    Soak.seed = seed
    signal.signal(signal.SIGTERM, interrupt)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stderr).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(Soak))
    if result.testsRun and len(result.skipped) == result.testsRun:
        return 77
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
