"""airbed.py: the two-stack testbed, as guest A (the peripheral's guest) sees it.

Guest A runs the emulated radio, its own dbus-daemon and bluetoothd, and gattd
on a controller of its own; guest B runs a second bluetoothd with bleak as the
central (central_agent.py), reached through RemoteCentral. A session is what a
phone does: forget the device, scan until gattd's advertisement shows its local
name and service UUIDs, connect, discover; then reads, writes and notifications
by gattd's characteristic ids, mapped onto the handles bleak discovered.
"""
import time

from central import full_uuid, short_uuid
from remote_central import RemoteCentral, RemoteCentralError
from stack import Stack


class AirbedError(Exception):
    pass


class Airbed:
    def __init__(self, results, gattd, source_root, bluetoothd=None):
        self.results = results
        self.stack = Stack(results, gattd, source_root, bluetoothd)
        self.central = None
        self.config = None        # gattd's `list` reply: the configured services
        self.chars = {}           # gattd char id -> bleak's characteristic (this connection)
        self.descriptors = {}     # gattd descriptor id -> handle (this connection)
        self.services = []        # what bleak discovered (this connection)
        self.advertised = None    # (local name, [service UUIDs]) gattd advertises
        self.last_scan = None     # the scan reply of the last session
        self._central_log = open(self.stack.log_path('central'), 'a', buffering=1)

    def central_log(self, text):
        self._central_log.write(f'{time.strftime("%H:%M:%S")} {text}\n')

    def start_lower_stack(self, ready_timeout=180):
        """The radio and bluetoothd here; the central guest attached to the radio."""
        self.stack.start_bus()
        self.stack.start_radio()
        self.central = RemoteCentral(self.central_log)
        self.central.wait_ready(ready_timeout)
        info = self.central.attach()
        self.stack.central = info['address']
        self.stack.start_bluetoothd()
        return info

    def load_config(self, client):
        self.config = client.ok('list')['services']
        name, uuids = self.stack.advertisement()
        self.advertised = (name, [full_uuid(u) for u in uuids])

    def config_char(self, char_id):
        for service in self.config:
            for char in service['characteristics']:
                if char['id'] == char_id:
                    return char
        raise AirbedError(f'gattd does not list characteristic {char_id}')

    # A session.
    def session(self, deadline_s=45.0, scan_timeout=20.0):
        """Forget, scan, connect, discover, retrying the whole until deadline_s as a
        phone app does after a failed connection. Returns the scan reply."""
        start = time.monotonic()
        name, uuids = self.advertised
        last = None
        while time.monotonic() - start < deadline_s:
            left = deadline_s - (time.monotonic() - start)
            try:
                scan = self.central.scan(name, uuids, min(scan_timeout, max(left, 2.0)),
                                         forget=self.stack.peripheral)
                self.last_scan = scan
                self.central.connect(timeout=20)
                self.discover()
                missing = [s['id'] for s in self.config
                           if not all(c['id'] in self.chars for c in s['characteristics'])]
                if missing:
                    # Right after bluetoothd starts, the kernel can still advertise the
                    # instance the old one left, before gattd has registered again: the
                    # central then finds bluetoothd's services without gattd's. A phone
                    # app that does not find its service drops the link and looks again.
                    raise RemoteCentralError(f'connected, but gattd\'s services {", ".join(missing)} were '
                                             f'not there')
                scan['connected_after'] = round(time.monotonic() - start, 1)
                scan['note'] = f'a first attempt failed ({last}); the central tried again' if last else None
                return scan
            except RemoteCentralError as e:
                last = str(e)
                self.central_log(f'session attempt failed: {e}')
                try:
                    self.central.disconnect()
                except RemoteCentralError:
                    pass
                time.sleep(1.0)
        raise AirbedError(f'no session within {deadline_s:.0f} s (last: {last})')

    def discover(self):
        self.services = self.central.services()
        self.chars, self.descriptors = {}, {}
        used = set()
        for service in self.config:
            wanted = {full_uuid(c['uuid']) for c in service['characteristics']}
            for found in self.services:
                if found['handle'] in used or found['uuid'] != full_uuid(service['uuid']):
                    continue
                if wanted <= {c['uuid'] for c in found['characteristics']}:
                    used.add(found['handle'])
                    for char in service['characteristics']:
                        remote = next(c for c in found['characteristics'] if c['uuid'] == full_uuid(char['uuid']))
                        self.chars[char['id']] = remote
                        by_uuid = {d['uuid']: d['handle'] for d in remote['descriptors']}
                        for desc in char['descriptors']:
                            if full_uuid(desc['uuid']) in by_uuid:
                                self.descriptors[desc['id']] = by_uuid[full_uuid(desc['uuid'])]
                    break
        self.central_log('discovered: ' + '; '.join(
            f'{short_uuid(s["uuid"])} [' + ', '.join(
                f'{short_uuid(c["uuid"])}@{c["handle"]} {"/".join(c["properties"])}' for c in s['characteristics'])
            + ']' for s in self.services))
        return self.services

    def char(self, char_id):
        remote = self.chars.get(char_id)
        if remote is None:
            raise AirbedError(f'the central did not discover {char_id}')
        return remote

    def read(self, char_id):
        return self.central.read(self.char(char_id)['handle'])

    def read_descriptor(self, desc_id):
        return self.central.read_descriptor(self.descriptors[desc_id])

    def write(self, char_id, value, with_response=True):
        self.central.write(self.char(char_id)['handle'], value, with_response)

    def subscribe(self, char_id):
        self.central.subscribe(self.char(char_id)['handle'])

    def wait_notification(self, char_id, timeout=10.0):
        return self.central.notification(self.char(char_id)['handle'], timeout)

    def end_session(self, timeout=15.0):
        """After a disturbance: 'lost' when bleak saw the link go by itself, else
        'reset' after ending it as a radio would have (see reset_controller)."""
        if self.central.wait_disconnected(timeout):
            self.central.disconnect()
            return 'lost'
        self.central.disconnect()
        self.central.reset_controller()
        return 'reset'

