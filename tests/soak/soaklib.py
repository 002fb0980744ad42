# SPDX-License-Identifier: LGPL-2.1-or-later
"""
soaklib.py: what the soak, fault and hostile-peer tests share on top of the bus
tier (tests/bus: harness.py, fakebluez.py, clients.py), which they import as is.

- SoakTestCase: a harness.GattdTestCase whose config has a Capture= characteristic
  sized so that a drained queue never overflows, and a plain read/write one; it
  keeps the fake's records bounded during long runs and prints only the tail of
  gattd's log when a test fails.
- Central: the fake bluetoothd writing sequence-numbered payloads, as bluetoothd
  would: only while gattd's application is registered on a powered adapter. A
  write is acknowledged only when WriteValue returned success.
- Drainer: a socket client that loops on next-write (asking again after
  `disconnected`) and records every write delivered.
- process_figures(): gattd's VmRSS and open fd count from /proc.
"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BUS_TESTS = os.path.join(os.path.dirname(HERE), 'bus')
if BUS_TESTS not in sys.path:
    sys.path.insert(0, BUS_TESTS)

import dbus                   # noqa: E402
import dbus.lowlevel          # noqa: E402
from gi.repository import GLib  # noqa: E402

import clients                # noqa: E402
import harness                # noqa: E402

SOAK = harness.APP_PATH + '/soak'
RX = SOAK + '/rx'
LABEL = SOAK + '/label'
RX_ID = 'soak/rx'
LABEL_ID = 'soak/label'
SOAK_UUID = '6e400010-b5a3-f393-e0a9-e50e24dcca9e'
LABEL_INITIAL = b'initial'

# The largest Capture= gattd accepts: the drainer keeps the queue short, so this
# only overflows if delivery stalls for tens of thousands of writes.
CAPTURE = 65536

SOAK_CONF = """\
[Service soak]
UUID=6e400010-b5a3-f393-e0a9-e50e24dcca9e
Advertise=true

[Characteristic soak/rx]
UUID=6e400011-b5a3-f393-e0a9-e50e24dcca9e
Flags=write;write-without-response
MaxLength=20
Capture=%d

[Characteristic soak/label]
UUID=6e400012-b5a3-f393-e0a9-e50e24dcca9e
Flags=read;write
MaxLength=20
Value=utf8:initial
""" % CAPTURE

SOAK_SERVICES = {'soak.conf': SOAK_CONF}

# Lines of gattd's log printed when a test fails (a soak log is megabytes).
LOG_TAIL_LINES = 300


def payload(seq):
    """What the central writes: 'soak' + the sequence number, 12 bytes."""
    return b'soak' + struct.pack('<Q', seq)


def seq_of(value_hex):
    data = bytes.fromhex(value_hex)
    if len(data) != 12 or data[:4] != b'soak':
        return None
    return struct.unpack('<Q', data[4:])[0]


def process_figures(pid):
    """(VmRSS in KiB, number of open fds) of a live process."""
    rss = None
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                rss = int(line.split()[1])
    return rss, len(os.listdir('/proc/%d/fd' % pid))


class SoakTestCase(harness.GattdTestCase):
    """GattdTestCase with the soak config and bounded bookkeeping."""

    def soak_config_dir(self, adapter=harness.HCI0_ADDRESS, **config):
        return self.config_dir(adapter=adapter, services=SOAK_SERVICES, **config)

    def trim_fake_records(self):
        """Drop what the fake recorded about registrations that ended: its
        lookups scan these lists, and a soak makes tens of thousands of them."""
        fake = self.fake
        fake.apps[:] = [a for a in fake.apps if a.ended is None]
        fake.adverts[:] = [a for a in fake.adverts if a.ended is None]
        for records in (fake.register_app_calls, fake.unregister_app_calls, fake.register_adv_calls,
                        fake.unregister_adv_calls, fake.released, fake.properties_changed,
                        fake.notifications):
            del records[:-50]
        del fake.trace_lines[:-2000]

    def converged(self, adapter=None):
        """The application registered and the advertisement on the air (on
        adapter, or on whichever adapter the application is on)."""
        app = self.fake.active_app(adapter)
        return app is not None and self.fake.on_air(app.adapter)

    def wait_converged(self, what='gattd to be registered and on the air', timeout=None):
        self.wait_until(self.converged, what, timeout=timeout)
        self.sync_with_gattd()

    def _print_diagnostics(self):
        out = sys.stderr
        out.write('\n===== %s: last %d lines of the gattd log (%s) =====\n'
                  % (self.id(), LOG_TAIL_LINES, self.gattd_log_path))
        try:
            with open(self.gattd_log_path, errors='replace') as f:
                out.write(''.join(f.readlines()[-LOG_TAIL_LINES:]))
        except OSError:
            out.write('(gattd was not started)\n')
        if getattr(self, 'fake', None) is not None:
            out.write('===== fake bluetoothd trace (tail) =====\n')
            out.write('\n'.join(self.fake.trace_lines[-200:]) + '\n')
            if self.fake.protocol_errors:
                out.write('===== protocol errors =====\n' + '\n'.join(self.fake.protocol_errors) + '\n')
        out.write('===== end of %s =====\n' % self.id())
        out.flush()


class Central:
    """The fake bluetoothd acting for a central that writes to RX (and LABEL).

    Writes go out with up to `window` in flight. Each write's outcome: 'acked'
    (WriteValue returned success), 'refused' (an error reply, including the one
    libdbus makes up when the connection closes) or, if no answer ever came,
    nothing (counted as unanswered)."""

    def __init__(self, test, window=4):
        self.test = test
        self.fake = test.fake
        self.window = window
        self.next_seq = 1
        self.in_flight = []             # (kind, key, PendingWrite)
        self.acked = []                 # RX seqs acknowledged, in send order
        self.refused = {}               # error name -> count
        self.sent = 0
        self.label_sent = []            # LABEL values sent, in order
        self.label_acked_index = -1     # index in label_sent of the last acknowledged
        self.abandoned = 0

    def can_write(self):
        """bluetoothd forwards a central's write only while the application is
        registered on a powered adapter."""
        if not self.fake.running:
            return False
        app = self.fake.active_app()
        adapter = self.fake.adapters.get(app.adapter) if app is not None else None
        return adapter is not None and adapter.exported and adapter.powered

    def _collect(self):
        still = []
        for kind, key, pending in self.in_flight:
            if not pending.done:
                still.append((kind, key, pending))
                continue
            if isinstance(pending.reply, dbus.lowlevel.ErrorMessage):
                name = pending.reply.get_error_name()
                self.refused[name] = self.refused.get(name, 0) + 1
            elif kind == 'rx':
                self.acked.append(key)
            else:
                self.label_acked_index = max(self.label_acked_index, key)
        self.in_flight = still

    def pump(self):
        """Collect answers without blocking."""
        context = GLib.MainContext.default()
        while context.iteration(False):
            pass
        self._collect()

    def write(self, count, label_every=5):
        """Send up to count RX writes (every label_every-th also a LABEL write),
        never more than window in flight, stopping early when bluetoothd would
        not forward writes."""
        context = GLib.MainContext.default()
        for _ in range(count):
            while len(self.in_flight) >= self.window:
                context.iteration(True)
                self._collect()
            if not self.can_write():
                return
            seq = self.next_seq
            self.next_seq += 1
            self.in_flight.append(('rx', seq, self.fake.begin_write_value(RX, payload(seq))))
            self.sent += 1
            if seq % label_every == 0:
                value = b'label-%d' % seq
                self.label_sent.append(value)
                self.in_flight.append(('label', len(self.label_sent) - 1,
                                       self.fake.begin_write_value(LABEL, value)))

    def abandon_in_flight(self):
        """Called just before bluetoothd's connection goes away: the calls still
        open on it will never be answered, so stop waiting for them (cancelled
        now: dbus-python cannot dispatch a reply on a closed connection). They
        are not acknowledged; gattd may still have taken them."""
        self.pump()
        for _, _, pending in self.in_flight:
            pending.call.cancel()
        self.abandoned += len(self.in_flight)
        self.in_flight = []

    def drain(self):
        """Wait for every write in flight to be answered."""
        self.test.wait_until(lambda: (self._collect(), not self.in_flight)[1],
                             lambda: '%d WriteValue calls to be answered' % len(self.in_flight))

    def expected_label(self):
        """The values LABEL may hold now: the last acknowledged one, or one sent
        after it whose answer was lost with a connection (gattd may have taken it)."""
        start = max(self.label_acked_index, 0)
        candidates = self.label_sent[start:] if self.label_sent else []
        if self.label_acked_index < 0:
            candidates = [LABEL_INITIAL] + candidates
        return candidates


class Drainer(clients.LocalClient):
    """A socket client that takes every captured write of RX with next-write,
    asking again at once after each reply (also after `disconnected`)."""

    def __init__(self, test, char=RX_ID):
        self.char = char
        self.delivered = []             # seqs, in delivery order
        self.gattd_seqs = []            # gattd's own 'seq' field, in order
        self.disconnects = 0
        self.foreign = []               # values that are not soak payloads
        self.other_errors = []
        self._pending = None
        super().__init__(test)
        self._ask()

    def _ask(self):
        self._pending = self.send('next-write', char=self.char)

    def _on_line(self, message):
        if self._pending is not None and message.get('id') == self._pending:
            self._pending = None
            if message.get('ok') is True:
                seq = seq_of(message['value'])
                if seq is None:
                    self.foreign.append(message['value'])
                else:
                    self.delivered.append(seq)
                self.gattd_seqs.append(message.get('seq'))
            elif message.get('error', {}).get('code') == 'disconnected':
                self.disconnects += 1
            elif message.get('error', {}).get('code') == 'shutting-down':
                return                  # the test is stopping gattd
            else:
                self.other_errors.append(message)
            self._ask()
            return
        super()._on_line(message)
