# SPDX-License-Identifier: LGPL-2.1-or-later
"""testbed.py: the raw central's testbed (one guest; bed.py says what a testbed is).

The central is an ATT client on a raw L2CAP socket (central.py) on a controller
beside gattd's, in the same guest: it connects by address, sees every ATT
error code and handle, and sends Write Commands itself.
"""
import time

from bed import Bed, BedError
from central import AttError, Central, CentralError, full_uuid, short_uuid


class Testbed(Bed):
    kind = 'raw'
    session_deadline_s = 30.0

    def __init__(self, results, gattd, source_root, bluetoothd=None, btvirt=None):
        super().__init__(results, gattd, source_root, bluetoothd, btvirt)
        self.services = []     # what the central discovered (this connection)
        self.extra_services = []  # discovered services gattd does not serve (bluetoothd's own)
        self.last_connect_note = None  # how the last connect() went, when not plainly
        self.handles = {}      # char id -> value handle, as the last session found them

    def start_lower_stack(self):
        """System bus, virtual controllers, bluetoothd: everything below gattd."""
        self.stack.start_bus()
        self.stack.start_btvirt()
        # The notes' fixed addresses: hci1 serves, hci2 is the central; hci0 (when it
        # comes up) stays idle, so gattd must pick its adapter by address, not first.
        found = self.stack.controllers()
        if '00:AA:01:01:00:01' in found and '00:AA:01:02:00:02' in found:
            self.stack.peripheral, self.stack.central = '00:AA:01:01:00:01', '00:AA:01:02:00:02'
        self.stack.start_bluetoothd()
        self.central = Central(self.stack.central, self.stack.peripheral, self.central_log)
        return f'gattd on {self.stack.peripheral}, the raw central on {self.stack.central}'

    def check_nothing_before_gattd(self, r):
        try:
            self.central.connect(5)
            self.disconnect()
            r.check(False, 'before gattd runs, the central cannot connect (nothing advertises)')
        except CentralError as e:
            r.check(True, f'before gattd runs, the central cannot connect ({e})')

    def open_session(self, r, deadline_s=None):
        before = dict(self.handles)
        try:
            took = self.connect(deadline_s or self.session_deadline_s)
        except CentralError as e:
            raise BedError(f'the central does not connect within {deadline_s or self.session_deadline_s:.0f} s '
                           f'({e})') from e
        r.check(True, f'the central connected in {took:.1f} s (MTU {self.central.mtu})')
        if self.last_connect_note:
            r.say('central', self.last_connect_note)
        self.handles = {i: c.value_handle for i, c in self.chars.items()}
        if before:
            r.say('central', 'handles unchanged' if self.handles == before
                  else f'handles changed: {before} -> {self.handles}')
        else:
            r.say('central', 'services: ' + ', '.join(short_uuid(s.uuid) for s in self.services))
            if self.extra_services:
                r.say('central', 'of which bluetoothd\'s own: ' + ', '.join(
                    f'{short_uuid(s.uuid)} (' + ','.join(short_uuid(c.uuid) for c in s.characteristics) + ')'
                    for s in self.extra_services))

    def link_lost(self, timeout=15.0):
        return self.wait_link_lost(timeout)

    def negotiated_mtu(self):
        return self.central.mtu

    def end_session(self, r, timeout=15.0):
        lost = self.wait_link_lost(timeout)
        r.say('central', 'link dropped' if lost else f'link still up after {timeout:.0f} s: closing it')
        self.disconnect()

    def properties(self, char_id):
        return sorted(self.char(char_id).flags)

    def has_cccd(self, char_id):
        return full_uuid('2902') in self.char(char_id).descriptors

    def check_write_refused(self, r, char_id):
        try:
            self.write(char_id, b'\x01')
            r.check(False, f'a write to read-only {char_id} is refused over the air')
        except AttError as e:
            r.check(e.code == 0x03, f'a write to read-only {char_id} is refused over the air ({e})')

    def unplug(self):
        self.stack.stop_btvirt()

    def plug(self, r):
        self.stack.start_btvirt()
        r.say('stack', 'btvirt started again: ' + ', '.join(
            f'hci{i} {a}' for a, (i, _) in sorted(self.stack.controllers().items())))

    # The central.
    def connect(self, deadline_s):
        """Connect, exchange MTU, discover and map ids, retrying the whole until
        deadline_s, as a phone would after an ATT timeout. Returns the seconds taken.

        A link can come up that nobody serves ATT on: right after bluetoothd was
        killed, the kernel still advertises its old instance, and a central that
        connects before the new bluetoothd has set the adapter up gets a link
        without a GATT server, or with one that does not hold gattd's services
        yet. Closing our socket does not end that link (the
        kernel reuses it on the next connect), so a failed attempt takes the link
        down with an HCI Disconnect, as a phone does after an ATT timeout."""
        start = time.monotonic()
        self.last_connect_note = None
        while True:
            left = deadline_s - (time.monotonic() - start)
            self.central.connect_within(max(left, 1.0))
            try:
                self.central.exchange_mtu(timeout=5.0)
                self.discover()
                missing = self.missing_services()
                if missing:
                    # The same moment seen from the other side: the kernel advertising
                    # the old instance before gattd has registered again (airbed.py).
                    raise CentralError(f'gattd\'s services {", ".join(missing)} were not there')
                return time.monotonic() - start
            except CentralError as e:
                self.central_log(f'connected, but {e}; taking the link down')
                self.central.close()
                self.stack.drop_link(self.stack.central, self.stack.peripheral)
                self.last_connect_note = f'a first link did not serve gattd ({e}); the central dropped it and retried'
                if time.monotonic() - start > deadline_s:
                    raise CentralError(f'no working GATT connection within {deadline_s:.0f} s (last: {e})')
                time.sleep(1.0)

    def disconnect(self):
        self.central.close()

    def wait_link_lost(self, timeout=15.0):
        """True once the central notices its link is gone."""
        deadline = time.monotonic() + timeout
        while self.central.connected and time.monotonic() < deadline:
            try:
                self.central.ping(0.5)
            except CentralError as e:
                self.central_log(f'link lost: {e}')
        if self.central.connected:
            return False
        return True

    def discover(self):
        self.services = self.central.discover()
        self.chars, self.descriptors, self.extra_services = {}, {}, []
        matched = set()
        for service in self.config:
            wanted = {full_uuid(c['uuid']) for c in service['characteristics']}
            for found in self.services:
                if id(found) in matched or found.uuid != full_uuid(service['uuid']):
                    continue
                if wanted <= {c.uuid for c in found.characteristics}:
                    matched.add(id(found))
                    for char in service['characteristics']:
                        remote = next(c for c in found.characteristics if c.uuid == full_uuid(char['uuid']))
                        self.chars[char['id']] = remote
                        for desc in char['descriptors']:
                            handle = remote.descriptors.get(full_uuid(desc['uuid']))
                            if handle is not None:
                                self.descriptors[desc['id']] = handle
                    break
        self.extra_services = [s for s in self.services if id(s) not in matched]
        self.central_log('discovered: ' + '; '.join(
            f'{short_uuid(s.uuid)} 0x{s.start:04x}-0x{s.end:04x} [' +
            ', '.join(f'{short_uuid(c.uuid)}@0x{c.value_handle:04x} {"/".join(c.flags)}'
                      for c in s.characteristics) + ']' for s in self.services))
        return self.services

    def read(self, char_id):
        value = self.central.read(self.char(char_id).value_handle)
        self.central_log(f'read {char_id}: {value.hex()}')
        return value

    def read_descriptor(self, desc_id):
        value = self.central.read(self.descriptors[desc_id])
        self.central_log(f'read {desc_id}: {value.hex()}')
        return value

    def write(self, char_id, value, with_response=True):
        handle = self.char(char_id).value_handle
        if with_response:
            self.central.write(handle, value)
        else:
            self.central.write_command(handle, value)
        self.central_log(f'wrote {char_id} ({"request" if with_response else "command"}): {value.hex()}')

    def write_error(self, char_id, value):
        try:
            self.write(char_id, value)
        except AttError as e:
            self.central_log(f'write {char_id} refused: {e}')
            return e.code
        return None

    def subscribe(self, char_id):
        self.central.subscribe(self.char(char_id))
        self.central_log(f'subscribed to {char_id}')

    def wait_notification(self, char_id, timeout=10.0):
        value = self.central.wait_notification(self.char(char_id).value_handle, timeout)
        self.central_log(f'notification {char_id}: {value.hex() if value is not None else "(none)"}')
        return value
