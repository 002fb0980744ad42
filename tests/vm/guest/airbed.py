# SPDX-License-Identifier: LGPL-2.1-or-later
"""airbed.py: the two-stack testbed, as guest A sees it (bed.py says what a testbed is).

Guest A runs the emulated radio, its own dbus-daemon and bluetoothd, and gattd
on a controller of its own; guest B runs a second bluetoothd with bleak as the
central (central_agent.py), reached through RemoteCentral. A session is what a
phone does: forget the device, scan until gattd's advertisement shows its local
name and service UUIDs, connect, discover; then reads, writes and notifications
by gattd's characteristic ids, mapped onto the handles bleak discovered.
"""
import re
import time

from bed import Bed, BedError
from central import Central, CentralError, full_uuid, short_uuid
from remote_central import RemoteCentral, RemoteCentralError
from stack import StackError

# The ATT errors bluetoothd's GATT client names rather than numbers (create_gatt_dbus_error).
NAMED_ATT_ERRORS = [
    (('org.bluez.Error.NotPermitted', 'Read not permitted'), 0x02),
    (('org.bluez.Error.NotPermitted', 'Write not permitted'), 0x03),
    (('org.bluez.Error.InvalidArguments', 'Invalid offset'), 0x07),
    (('org.bluez.Error.InvalidArguments', 'Invalid Length'), 0x0d),
    (('org.bluez.Error.NotAuthorized', ''), 0x08),
    (('org.bluez.Error.NotSupported', ''), 0x06),
]


# The advertising instance the second central connects through (bluetoothd takes 1
# for gattd's advertisement).
SECOND_INSTANCE = 2


class SecondCentral:
    """A raw ATT central (central.py) on one more controller in guest A: the second
    central of scenario 9. It reaches gattd through a second advertising set on
    gattd's controller, added with btmgmt: the emulator ends the set a central
    connects through (LE Advertising Set Terminated), and neither the kernel nor
    bluetoothd starts gattd's again while that link lasts, so a second central
    finds nothing to connect to otherwise."""

    def __init__(self, bed):
        self.bed, self.stack = bed, bed.stack
        self.address = None
        self.central = None
        self.advertising = False
        self.chars = {}   # gattd char id -> central.Characteristic

    def start(self, deadline_s=30.0):
        self.address = self.stack.attach_extra()
        # Flags (LE General Discoverable, BR/EDR not supported) and a name, so
        # btmon's view of the air says whose set this is.
        name = b'gattd second set'
        data = bytes([2, 0x01, 0x06, len(name) + 1, 0x09]) + name
        self.stack.btmgmt(self.stack.peripheral, 'add-adv', '-c', '-d', data.hex(), str(SECOND_INSTANCE))
        self.advertising = True
        self.central = Central(self.address, self.stack.peripheral, self.bed.central_log)
        took = self.central.connect_within(deadline_s)
        self.central.exchange_mtu(timeout=5.0)
        services = self.central.discover()
        by_uuid = {c.uuid: c for s in services for c in s.characteristics}
        for service in self.bed.config:
            for char in service['characteristics']:
                found = by_uuid.get(full_uuid(char['uuid']))
                if found:
                    self.chars[char['id']] = found
        return took

    def char(self, char_id):
        found = self.chars.get(char_id)
        if found is None:
            raise BedError(f'the second central did not discover {char_id}')
        return found

    def subscribe(self, char_id):
        self.central.subscribe(self.char(char_id))
        self.bed.central_log(f'second central: subscribed to {char_id}')

    def wait_notification(self, char_id, timeout=10.0):
        value = self.central.wait_notification(self.char(char_id).value_handle, timeout)
        self.bed.central_log(f'second central: notification {char_id}: '
                             f'{value.hex() if value is not None else "(none)"}')
        return value

    def stop(self):
        """Close the link, remove the set and the controller; returns what went wrong, if anything."""
        problems = []
        if self.central:
            connected = self.central.connected
            self.central.close()
            if connected:
                # Closing the ATT socket leaves the link up (bluetoothd's own GATT
                # client on this controller holds it too), and the emulator drops a
                # removed controller's links without telling the other side: so
                # end the link as a phone walking away would.
                self.stack.drop_link(self.address, self.stack.peripheral)
        if self.advertising:
            try:
                self.stack.btmgmt(self.stack.peripheral, 'rm-adv', str(SECOND_INSTANCE))
            except StackError as e:
                problems.append(str(e))
        if self.address:
            try:
                self.stack.detach_extra(self.address)
            except StackError as e:
                problems.append(str(e))
        return problems


class Airbed(Bed):
    kind = 'bleak'
    session_deadline_s = 45.0

    def __init__(self, results, gattd, source_root, bluetoothd=None, btvirt=None):
        super().__init__(results, gattd, source_root, bluetoothd, btvirt)
        self.services = []        # what bleak discovered (this connection)
        self.mtu = None           # what bleak says the link's MTU is (this connection)
        self.advertised = None    # (local name, [service UUIDs]) gattd advertises

    def start_lower_stack(self, ready_timeout=180):
        """The radio and bluetoothd here; the central guest attached to the radio."""
        self.stack.start_bus()
        self.stack.start_radio()
        self.central = RemoteCentral(self.central_log)
        self.central.wait_ready(ready_timeout)
        info = self.central.attach()
        self.stack.central = info['address']
        self.stack.start_bluetoothd()
        return (f'gattd on {self.stack.peripheral}; the central (bleak, bluetoothd {info["bluetoothd"]}) '
                f'on {self.stack.central} in its own guest')

    def load_config(self, client):
        super().load_config(client)
        name, uuids = self.stack.advertisement()
        self.advertised = (name, [full_uuid(u) for u in uuids])

    def check_nothing_before_gattd(self, r):
        self.stack.write_config()
        name, uuids = self.stack.advertisement()
        try:
            self.central.scan(name, [full_uuid(u) for u in uuids], 6, forget=self.stack.peripheral)
            r.check(False, 'before gattd runs, a scan finds no advertisement')
        except RemoteCentralError as e:
            r.check(str(e).startswith('AgentError: no advertisement'),
                    f'before gattd runs, a scan finds no advertisement ({str(e).split(" (")[0]})')

    # A session.
    def open_session(self, r, deadline_s=None):
        name, uuids = self.advertised
        r.say('central', f'forgets {self.stack.peripheral} (as a phone that never met it) and scans for "{name}" '
                         f'with services {", ".join(short_uuid(u) for u in uuids)}')
        scan = self.session(deadline_s or self.session_deadline_s)
        r.say('central', f'scan found "{scan["name"]}" at {scan["address"]} advertising '
                         f'{", ".join(short_uuid(u) for u in scan["uuids"])} in {scan["seconds"]} s '
                         f'(scan round {scan["rounds"]}: the emulator reports an advertiser only as scanning '
                         f'starts, so the central restarts its scan every {scan["round_s"]:g} s until found)')
        if scan['note']:
            r.say('central', scan['note'])
        r.check(scan['address'] == self.stack.peripheral,
                f'the advertisement comes from gattd\'s controller {self.stack.peripheral}', quiet=True)
        r.check(True, f'bleak connected and discovered every configured service and characteristic '
                      f'{scan["connected_after"]} s after the scan began')
        return scan

    def bonded_session(self, r, deadline_s=None):
        """A phone back with its bonded gadget: no scan (its stack may have reconnected
        already, and then nothing is advertised), connect to the device it holds,
        discover; retried until deadline_s."""
        def attempt(start):
            already = self.central.known(self.stack.peripheral)
            self.connect_and_discover()
            return time.monotonic() - start, already
        restarts = len(self.central.restarts)
        (took, already), last = self.retried(deadline_s or self.session_deadline_s,
                                             'session with the bonded peripheral', attempt)
        for restart in self.central.restarts[restarts:]:
            r.say('central', f'BlueZ crashed on the central\'s side: {restart}; its bonds are on its disk')
        r.say('central', f'reached its bonded {self.stack.peripheral} without a scan in {took:.1f} s' +
              (' (its stack had reconnected by itself, as a phone\'s does)' if already else ''))
        if last:
            r.say('central', f'a first attempt failed ({last}); the central tried again')

    def session(self, deadline_s):
        """Forget, scan, connect, discover, retrying the whole until deadline_s as a
        phone app does after a failed connection. Returns the scan reply."""
        name, uuids = self.advertised

        def attempt(start):
            left = deadline_s - (time.monotonic() - start)
            scan = self.central.scan(name, uuids, min(20.0, max(left, 2.0)), forget=self.stack.peripheral)
            self.connect_and_discover()
            scan['connected_after'] = round(time.monotonic() - start, 1)
            return scan
        scan, last = self.retried(deadline_s, 'session', attempt)
        scan['note'] = f'a first attempt failed ({last}); the central tried again' if last else None
        return scan

    def connect_and_discover(self):
        self.mtu = self.central.connect(timeout=20)['mtu']
        self.discover()
        missing = self.missing_services()
        if missing:
            # Right after bluetoothd starts, the kernel can still advertise the
            # instance the old one left, before gattd has registered again: the
            # central then finds bluetoothd's services without gattd's. A phone
            # app that does not find its service drops the link and looks again.
            raise RemoteCentralError(f'connected, but gattd\'s services {", ".join(missing)} were not there')

    def retried(self, deadline_s, what, attempt):
        """attempt(start) until it returns, the central dropping the link and trying again
        after each failure until deadline_s: (what it returned, the last failure or None)."""
        start = time.monotonic()
        last = None
        while time.monotonic() - start < deadline_s:
            try:
                return attempt(start), last
            except RemoteCentralError as e:
                last = str(e)
                self.central_log(f'{what}: an attempt failed: {e}')
                if self.central.dead:
                    break
                try:
                    self.central.disconnect()
                except RemoteCentralError:
                    pass
                time.sleep(1.0)
        raise BedError(f'no {what} within {deadline_s:.0f} s (last: {last})')

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

    def link_lost(self, timeout=15.0):
        return self.central.wait_disconnected(timeout)

    def negotiated_mtu(self):
        return self.mtu

    def end_session(self, r, timeout=15.0):
        if self.central.wait_disconnected(timeout):
            r.say('central', 'bleak saw the link go')
            self.central.disconnect()
            return
        # The emulator drops a removed controller's links without telling the other
        # side, and answers the central's Disconnect with an unknown handle, so the
        # central's kernel keeps a link nobody serves: power-cycle its controller.
        self.central.disconnect()
        self.central.reset_controller()
        r.say('central', f'the link was still up after {timeout:.0f} s: the emulator dropped it without telling '
                         f'the central (a radio would time out), so the central\'s controller was power-cycled '
                         f'to end it')

    def properties(self, char_id):
        return sorted(self.char(char_id)['properties'])

    def has_cccd(self, char_id):
        return any(d['uuid'] == full_uuid('2902') for d in self.char(char_id)['descriptors'])

    def check_write_refused(self, r, char_id):
        # A full stack refuses a write the characteristic's properties do not offer
        # before anything goes on the air (bleak and bluetoothd's GATT client both
        # check): what gattd answers such a write over the air (ATT 0x03) is the raw
        # central's check.
        try:
            self.write(char_id, b'\x01')
            r.check(False, f'the central refuses to write read-only {char_id}')
        except RemoteCentralError as e:
            r.check('does not support write' in str(e) or e.dbus_error is not None,
                    f'the central refuses to write read-only {char_id} itself ({e.dbus_error or e})')

    def unplug(self):
        self.stack.detach_local()

    def plug(self, r):
        address = self.stack.attach_local()
        r.say('stack', f'gattd\'s controller attached again: {address}')

    def read(self, char_id):
        return self.central.read(self.char(char_id)['handle'])

    def read_descriptor(self, desc_id):
        return self.central.read_descriptor(self.descriptors[desc_id])

    def write(self, char_id, value, with_response=True):
        self.central.write(self.char(char_id)['handle'], value, with_response)

    def write_error(self, char_id, value):
        # The central's bluetoothd turns the ATT error into a D-Bus error
        # (src/gatt-client.c create_gatt_dbus_error): the application range and
        # 0x0e as "Operation failed with ATT error: 0xNN", a few others by name.
        try:
            self.write(char_id, value)
        except RemoteCentralError as e:
            text = str(e)
            match = re.search(r'ATT error: 0x([0-9a-fA-F]{2})', text)
            if match:
                return int(match.group(1), 16)
            for name, code in NAMED_ATT_ERRORS:
                if e.dbus_error == name[0] and name[1] in text:
                    return code
            raise
        return None

    def subscribe(self, char_id):
        self.central.subscribe(self.char(char_id)['handle'])

    def wait_notification(self, char_id, timeout=10.0):
        return self.central.notification(self.char(char_id)['handle'], timeout)

    def second_central(self, r):
        second = SecondCentral(self)
        try:
            took = second.start()
        except (StackError, CentralError) as e:
            second.stop()
            raise BedError(f'the second central did not connect: {e}') from e
        r.say('central', f'a second central (raw ATT, {second.address}, in guest A) connected in {took:.1f} s '
                         f'through a second advertising set on gattd\'s controller')
        return second

    def finish(self):
        if self.central.restarts:
            print(f'vm: the central guest\'s bluetoothd died {len(self.central.restarts)} time(s) and was '
                  f'started again (Central.revive in central_agent.py); its log is results/central/bluetoothd.log',
                  flush=True)
        self.central.quit()
