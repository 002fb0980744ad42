"""testbed.py: the running stack, the central and gattd's local clients together.

What the scenarios and the demo share: connect the central and map what it
discovers over the air onto gattd's characteristic ids (from `list`), read and
write by id, subscribe, and empty a capture queue. Everything the central does
is logged to central.log in the results directory.
"""
import time

from central import Central, CentralError, full_uuid, short_uuid
from gattd_client import GattdClientError
from stack import Stack


class TestbedError(Exception):
    pass


class Testbed:
    def __init__(self, results, gattd, source_root, bluetoothd=None):
        self.results = results
        self.stack = Stack(results, gattd, source_root, bluetoothd)
        self.central = None
        self.config = None     # gattd's `list` reply: the configured services
        self.chars = {}        # gattd char id -> central.Characteristic (this connection)
        self.descriptors = {}  # gattd descriptor id -> handle (this connection)
        self.services = []     # what the central discovered (this connection)
        self.extra_services = []  # discovered services gattd does not serve (bluetoothd's own)
        self.last_connect_note = None  # how the last connect() went, when not plainly
        self._central_log = open(self.stack.log_path('central'), 'a', buffering=1)

    def central_log(self, text):
        self._central_log.write(f'{time.strftime("%H:%M:%S")} {text}\n')

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

    def load_config(self, client):
        self.config = client.ok('list')['services']

    def config_char(self, char_id):
        for service in self.config:
            for char in service['characteristics']:
                if char['id'] == char_id:
                    return char
        raise TestbedError(f'gattd does not list characteristic {char_id}')

    # The central.
    def connect(self, deadline_s=30.0):
        """Connect, exchange MTU, discover and map ids, retrying the whole until
        deadline_s, as a phone would after an ATT timeout. Returns the seconds taken.

        A link can come up that nobody serves ATT on: right after bluetoothd was
        killed, the kernel still advertises its old instance, and a central that
        connects before the new bluetoothd has set the adapter up gets a link
        without a GATT server. Closing our socket does not end that link (the
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
                return time.monotonic() - start
            except CentralError as e:
                self.central_log(f'connected, but GATT failed: {e}; taking the link down')
                self.central.close()
                self.stack.drop_link(self.stack.central, self.stack.peripheral)
                self.last_connect_note = f'a first link got no GATT answer ({e}); the central dropped it and retried'
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

    def char(self, char_id):
        remote = self.chars.get(char_id)
        if remote is None:
            raise TestbedError(f'the central did not discover {char_id}')
        return remote

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

    def subscribe(self, char_id):
        self.central.subscribe(self.char(char_id))
        self.central_log(f'subscribed to {char_id}')

    def wait_notification(self, char_id, timeout=10.0):
        value = self.central.wait_notification(self.char(char_id).value_handle, timeout)
        self.central_log(f'notification {char_id}: {value.hex() if value is not None else "(none)"}')
        return value

    # gattd's capture queue.
    @staticmethod
    def drain_captures(client, char_id):
        """Take every queued write off char_id's capture queue; returns them."""
        taken = []
        while True:
            reply = client.request('next-write', char=char_id, timeout_ms=1)
            if not reply.get('ok'):
                if reply['error']['code'] == 'timeout':
                    return taken
                raise GattdClientError(f'next-write failed: {reply["error"]}')
            taken.append(reply)
