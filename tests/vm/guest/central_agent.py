# SPDX-License-Identifier: LGPL-2.1-or-later
"""central_agent.py: the central guest of the two-stack tier (guest B).

Runs in its own QEMU guest with its own dbus-daemon and bluetoothd (Debian's, or
the one run-vm --central-bluetoothd names),
on a controller that reaches the peripheral guest's virtual radio through a
virtio console (/dev/hvc0, attached with btattach once guest A says the radio
is there). A second console (/dev/hvc1) carries requests from guest A, one JSON
object a line, each answered by one line with the same "id":

  {"id": 1, "cmd": "ping"}  {"cmd": "attach"} -> {"ok": true, "address": "...", "bluetoothd": V}
  {"cmd": "scan", "name": N, "uuids": [...], "timeout": S}
  {"cmd": "connect"}  {"cmd": "services"}  {"cmd": "read", "handle": H}
  {"cmd": "write", "handle": H, "value": HEX, "response": true}
  {"cmd": "subscribe", "handle": H}  {"cmd": "notification", "handle": H, "timeout": S}
  {"cmd": "wait-disconnected", "timeout": S}  {"cmd": "disconnect"}  {"cmd": "reset-controller"}
  {"cmd": "agent", "capability": C, "passkey": N}  (this guest's pairing agent: what its user would enter;
      null: wait for a `type`)
  {"cmd": "type", "passkey": N}  (the user types the number the peripheral's side shows, waiting up to
      TYPE_ASK_WAIT_S for this stack to ask for it)
  any request with "background": true is answered at once ({"background": true}) and runs
  on; {"cmd": "result", "of": ID, "timeout": S} -> that request's reply, when it ends
  {"cmd": "agent-calls"} -> {"calls": [[method, args...], ...]}
  {"cmd": "bond", "address": A} -> {"paired": bool, "bonded": bool} (null when bluetoothd has no such device)
  {"cmd": "forget", "address": A} -> {"forgot": bool}  (RemoveDevice: the device, its keys and its link)
  {"cmd": "known", "address": A} -> {"connected": bool} (connect to a device this stack holds, no scan)
  {"cmd": "power", "on": B}  (this guest's controller off or on; bluetoothd keeps its bonds)
  {"cmd": "advert", "address": A, "want": {...} or null, "timeout": S, "forget": B}
      -> {"seen": bool, "seconds": S, "rounds": N, "last": {...} or null}: scan until the
      advertiser at A carries what "want" names ("local_name", "service_data" {uuid: hex},
      "manufacturer_data" {company: hex}, each as a subset); with "want": null, scan S seconds
      and say whether A was seen at all (see Central.advert)
  {"cmd": "watch-start", "address": A}  (scan on, as a phone app's scanner stays on, and keep what
      A advertises)  {"cmd": "watch-wait", "want": {...}, "timeout": S} -> {"seen": bool, "last": {...}}
      {"cmd": "watch-stop"}  (see Central.watch_start)
  {"cmd": "gatt-uuids", "address": A} -> {"uuids": [...], "connected": bool}: the characteristics
      this guest's bluetoothd holds for A now (its GATT cache, as re-discovered after Service Changed)
  a bluetoothd of this guest's that died is started again before the next request, whose
  reply then says so in "restarted_bluetoothd" (see Central.revive)
  {"cmd": "quit"}

The central is bleak (python3-bleak), the library Home Assistant and most
Linux hubs use, driving this guest's bluetoothd as any hub would. Errors come
back as {"ok": false, "error": TEXT, "dbus_error": NAME-or-null}.
"""
import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bleak import BleakClient, BleakScanner  # noqa: E402
from bleak.backends.device import BLEDevice  # noqa: E402
from bleak.exc import BleakDBusError, BleakError  # noqa: E402
from dbus_fast import BusType, Message, MessageType, Variant  # noqa: E402
from dbus_fast.aio import MessageBus  # noqa: E402
from dbus_fast.service import ServiceInterface, method  # noqa: E402

from console import open_raw  # noqa: E402
from stack import StackError, controllers, wait_for  # noqa: E402

RESULTS = '/tmp/results'
RADIO_TTY = '/dev/hvc0'
CONTROL_TTY = '/dev/hvc1'
BLUETOOTHD = '/usr/libexec/bluetooth/bluetoothd'
# btattach's line discipline needs these; the kernel cannot autoload them for a tty.
MODULES = ['virtio_console', 'btintel', 'btbcm', 'btrtl', 'btqca', 'hci_uart']
# How long one scan runs before it is stopped and started again (see scan()).
SCAN_ROUND_S = 2.0
# Watching an advertisement change: a phone's scanner reports every advertisement; the
# emulator only as scanning starts, so restart it this often.
ADVERT_ROUND_S = 0.25


def log(text):
    print(f'{time.strftime("%H:%M:%S")} {text}', flush=True)


class AgentError(Exception):
    pass


AGENT_PATH = '/gattd/test/agent'
# How long RequestPasskey waits for a number to be typed (the kernel gives a pairing 30 s).
TYPE_WAIT_S = 25
# How long a `type` waits for this stack to ask for the number the other side shows.
TYPE_ASK_WAIT_S = 10
# D-Bus signatures as dbus-fast reads them from annotations.
OBJ, U32, U16, STR = 'o', 'u', 'q', 's'


class PairingAgent(ServiceInterface):
    """The central user's side of pairing, as bluetoothctl's agent would be: it
    enters the passkey it was given (what the user reads off the gadget's label)
    and accepts whatever else bluetoothd asks. Every call is kept."""

    def __init__(self):
        super().__init__('org.bluez.Agent1')
        self.passkey = 0          # None: wait for the user to type what the other side shows
        self.typed = None         # that wait (RequestPasskey pending)
        self.capability = None    # as registered with bluetoothd
        self.calls = []

    def note(self, *call):
        log(f'agent: {call}')
        self.calls.append(list(call))

    @method()
    def Release(self):
        self.note('Release')

    @method()
    async def RequestPasskey(self, device: OBJ) -> U32:
        self.note('RequestPasskey', device)
        if self.passkey is not None:
            return self.passkey
        # The number the other side shows: the user reads it there and types it here
        # (the `type` request). No number in time fails the pairing.
        self.typed = asyncio.get_running_loop().create_future()
        try:
            return await asyncio.wait_for(self.typed, TYPE_WAIT_S)
        finally:
            self.typed = None

    @method()
    def DisplayPasskey(self, device: OBJ, passkey: U32, entered: U16):
        self.note('DisplayPasskey', device, passkey, entered)

    @method()
    def RequestConfirmation(self, device: OBJ, passkey: U32):
        self.note('RequestConfirmation', device, passkey)

    @method()
    def RequestAuthorization(self, device: OBJ):
        self.note('RequestAuthorization', device)

    @method()
    def AuthorizeService(self, device: OBJ, uuid: STR):
        self.note('AuthorizeService', device, uuid)

    @method()
    def Cancel(self):
        self.note('Cancel')


class Central:
    def __init__(self, bluetoothd=BLUETOOTHD):
        self.bluetoothd = bluetoothd
        self.procs = {}
        self.address = None        # our controller's address
        self.device = None         # the BLEDevice the last scan found
        self.client = None         # BleakClient while connected
        self.notifications = {}    # handle -> [bytes, ...] not yet taken
        self.disconnected = asyncio.Event()
        self.bus = None            # dbus-fast connection holding the pairing agent
        self.agent = None
        self.reviving = asyncio.Lock()
        self.watch = None          # watch-start's scan: {address, last, changed, scanner}

    # The stack of this guest.
    def spawn(self, name, argv):
        out = open(os.path.join(RESULTS, name + ('.txt' if name == 'btmon' else '.log')), 'a')
        out.write(f'==== {time.strftime("%H:%M:%S")} started: {" ".join(argv)} ====\n')
        out.flush()
        self.procs[name] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)
        out.close()

    def start_bus(self):
        for module in MODULES:
            subprocess.run(['modprobe', module], check=False)
        self.spawn('btmon', ['btmon'])
        os.makedirs('/run/dbus', exist_ok=True)
        self.spawn('dbus-daemon', ['dbus-daemon', '--system', '--nofork', '--nopidfile'])
        wait_for('the system bus', lambda: os.path.exists('/run/dbus/system_bus_socket'), 20)

    def attach(self):
        """btattach the radio console; bluetoothd on the controller it makes."""
        self.spawn('btattach', ['btattach', '-B', RADIO_TTY, '-P', 'h4'])
        self.address = wait_for('the attached controller', controller_address, 30)
        self.start_bluetoothd()
        return {'address': self.address,
                'bluetoothd': subprocess.run([self.bluetoothd, '--version'], capture_output=True,
                                             text=True).stdout.strip()}

    def start_bluetoothd(self):
        """bluetoothd on this guest's controller, until it has powered it."""
        self.spawn('bluetoothd', [self.bluetoothd, '-n', '-d'])
        wait_for('bluetoothd to power the controller', powered, 30)

    # The central.
    def forget(self, address):
        """Remove what bluetoothd knows of the peripheral: no cached services, no device."""
        path = '/org/bluez/hci0/dev_' + address.replace(':', '_')
        p = subprocess.run(['dbus-send', '--system', '--print-reply', '--dest=org.bluez', '/org/bluez/hci0',
                            'org.bluez.Adapter1.RemoveDevice', f'objpath:{path}'],
                           capture_output=True, text=True, timeout=20)
        if p.returncode != 0 and 'DoesNotExist' not in p.stderr:
            raise AgentError(f'could not forget {address}: {p.stderr.strip()}')
        return p.returncode == 0

    async def revive(self):
        """If this guest's bluetoothd has died, start it again, as a phone's Bluetooth
        comes back after its stack crashed; None, or what happened.

        BlueZ's own bug on this side (Debian's 5.66, and 5.82 built from its tarball,
        alike): bluetoothd dies now and then in g_attrib_unref (device.c
        att_disconnected_cb) when a reconnected, bonded link drops during its GATT
        client's set-up. Its bonds are on its disk (/var/lib/bluetooth) and come back
        with it. bleak's view of the old one's objects is dropped, and this guest's
        pairing agent registered again."""
        async with self.reviving:  # a request in the background may ask at the same time
            return await self._revive()

    async def _revive(self):
        proc = self.procs.get('bluetoothd')
        if proc is None or proc.poll() is None:
            return None
        status = proc.returncode
        how = f'signal {signal.Signals(-status).name}' if status < 0 else f'exit status {status}'
        log(f'this guest\'s bluetoothd ended ({how}): starting it again')
        self.client = None
        self.device = None
        self.watch = None
        try:
            await asyncio.to_thread(self.start_bluetoothd)
        except StackError as e:
            raise AgentError(f'this guest\'s bluetoothd ended ({how}); started again, but: {e}')
        await forget_bleak_manager()
        if self.agent is not None and self.agent.capability is not None:
            await self.register_agent(self.agent.capability)
        return f'this guest\'s bluetoothd ended ({how}, results/central/bluetoothd.log) and was started again'

    async def scan(self, name, uuids, timeout, address=None):
        """Scan until an advertisement carries the local name and every service UUID.

        The emulator sends a scanner the advertisers it knows once, when its
        scanning is switched on (a radio repeats them every advertising
        interval), and it sends them with the command's reply, before the
        kernel has marked its discovery as running: the kernel then drops them
        (btmon shows the LE Advertising Reports, and no Device Found follows).
        So a scan that has not found the peripheral within SCAN_ROUND_S is
        stopped and started again until the deadline; the reply says how many
        rounds it took. The peripheral is forgotten first, as a phone that has
        never seen it: no cached services, and its report is a new device."""
        if address:
            self.forget(address)
        wanted = {u.lower() for u in uuids}
        start = time.monotonic()
        rounds = 0
        seen = {}
        while time.monotonic() - start < timeout:
            rounds += 1
            found = asyncio.get_running_loop().create_future()

            def detected(device, adv):
                seen[device.address] = (adv.local_name, sorted(adv.service_uuids))
                if adv.local_name == name and wanted <= {u.lower() for u in adv.service_uuids} \
                        and not found.done():
                    found.set_result((device, adv))

            scanner = BleakScanner(detection_callback=detected)
            await scanner.start()
            try:
                left = timeout - (time.monotonic() - start)
                device, adv = await asyncio.wait_for(found, max(0.5, min(SCAN_ROUND_S, left)))
            except asyncio.TimeoutError:
                continue
            finally:
                await scanner.stop()
            self.device = device
            return {'address': device.address, 'name': adv.local_name, 'uuids': sorted(adv.service_uuids),
                    'rssi': adv.rssi, 'seconds': round(time.monotonic() - start, 1), 'rounds': rounds,
                    'round_s': SCAN_ROUND_S}
        raise AgentError(f'no advertisement with name {name!r} and service UUIDs {sorted(wanted)} within '
                         f'{timeout:.0f} s ({rounds} scan rounds; seen: {seen or "nothing"})')

    async def advert(self, address, want, timeout, forget=False):
        """Scan, restarting the scan every ADVERT_ROUND_S, until the advertiser at address
        carries want (see advert_matches): the seconds it took from this request, and
        what was seen last. With want None, scan timeout seconds and say whether the
        advertiser was seen at all (forget it first: a known device whose advertisement
        does not change raises no callback). address None: any advertiser carrying want
        (a non-connectable advertisement comes from a random address the kernel picks),
        whose address the reply gives.

        bleak reports an advertisement through bluetoothd's Device1 properties. The
        emulator sends an advertiser's report as scanning is switched on (which the
        kernel may drop, see scan) and each time the advertiser enables its advertising
        (every change of its data), hence the restarts."""
        if forget and address:
            self.forget(address)
        start = time.monotonic()
        rounds = 0
        last = None
        seen_from = None
        address = address.upper() if address else None
        while time.monotonic() - start < timeout:
            rounds += 1
            found = asyncio.get_running_loop().create_future()

            def detected(device, data):
                nonlocal last, seen_from
                if address is not None and device.address.upper() != address:
                    return
                record = advert_record(data)
                if address is not None:
                    last = record
                if advert_matches(record, want) and not found.done():
                    last, seen_from = record, device.address.upper()
                    found.set_result(round(time.monotonic() - start, 2))

            scanner = BleakScanner(detection_callback=detected)
            await scanner.start()
            try:
                left = timeout - (time.monotonic() - start)
                seconds = await asyncio.wait_for(found, max(0.1, min(ADVERT_ROUND_S, left)))
                return {'seen': True, 'seconds': seconds, 'rounds': rounds, 'last': last, 'address': seen_from}
            except asyncio.TimeoutError:
                continue
            finally:
                await scanner.stop()
        return {'seen': False, 'seconds': round(time.monotonic() - start, 2), 'rounds': rounds, 'last': last}

    async def watch_start(self, address):
        """Scan and stay scanning, as a phone app watching a beacon does, keeping what the
        advertiser at address advertises: every change of its data reaches this scan
        (the emulator reports an advertiser to the scanners on at each enable, which a
        change makes). Returns once bluetoothd has started the discovery."""
        await self.watch_stop()
        watch = {'address': address.upper(), 'last': None, 'changed': asyncio.Event()}

        def detected(device, data):
            if device.address.upper() == watch['address']:
                watch['last'] = advert_record(data)
                watch['changed'].set()

        watch['scanner'] = BleakScanner(detection_callback=detected)
        await watch['scanner'].start()
        self.watch = watch
        return {}

    async def watch_wait(self, want, timeout):
        """Until the watched advertiser carries want: the seconds it took, what it carries."""
        if self.watch is None:
            raise AgentError('watch-wait without watch-start')
        start = time.monotonic()
        while True:
            self.watch['changed'].clear()   # before looking: a change from now on wakes the wait
            if advert_matches(self.watch['last'], want):
                break
            left = timeout - (time.monotonic() - start)
            try:
                await asyncio.wait_for(self.watch['changed'].wait(), max(0.0, left))
            except asyncio.TimeoutError:
                return {'seen': False, 'seconds': round(time.monotonic() - start, 2), 'last': self.watch['last']}
        return {'seen': True, 'seconds': round(time.monotonic() - start, 2), 'last': self.watch['last']}

    async def watch_stop(self):
        watch, self.watch = self.watch, None
        if watch is not None:
            await watch['scanner'].stop()
        return {}

    async def gatt_uuids(self, address):
        """The UUIDs of the characteristics this guest's bluetoothd has under the device
        (org.bluez.GattCharacteristic1 objects: what its GATT client discovered, and
        discovers again after a Service Changed), and whether the device is connected."""
        device = '/org/bluez/hci0/dev_' + address.upper().replace(':', '_')
        bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
        try:
            reply = await bus.call(Message(destination='org.bluez', path='/', member='GetManagedObjects',
                                           interface='org.freedesktop.DBus.ObjectManager'))
        finally:
            bus.disconnect()
        if reply.message_type == MessageType.ERROR:
            raise AgentError(f'GetManagedObjects: {reply.error_name}')
        objects = reply.body[0]
        uuids = sorted(ifaces['org.bluez.GattCharacteristic1']['UUID'].value
                       for path, ifaces in objects.items()
                       if path.startswith(device + '/') and 'org.bluez.GattCharacteristic1' in ifaces)
        props = objects.get(device, {}).get('org.bluez.Device1', {})
        return {'uuids': uuids, 'connected': bool(props['Connected'].value) if 'Connected' in props else False}

    async def connect(self, timeout):
        if self.device is None:
            raise AgentError('connect before a scan found the peripheral')
        self.disconnected.clear()
        self.notifications = {}
        self.client = BleakClient(self.device, disconnected_callback=lambda c: self.disconnected.set(),
                                  timeout=timeout)
        start = time.monotonic()
        await self.client.connect()
        seconds = round(time.monotonic() - start, 1)
        # BlueZ gives a client no MTU until asked: bleak's own example (examples/mtu_size.py)
        # has the backend acquire a characteristic's write or notify socket, whose reply
        # carries the link's MTU, and close it again.
        acquire = getattr(self.client._backend, '_acquire_mtu', None)
        if acquire:
            try:
                await acquire()
            except Exception as e:  # noqa: BLE001 - reported, the default 23 stays
                log(f'acquiring the MTU failed: {e!r}')
        return {'seconds': seconds, 'mtu': self.client.mtu_size}

    def services(self):
        out = []
        for service in self.need_client().services:
            out.append({'uuid': service.uuid, 'handle': service.handle, 'characteristics': [
                {'uuid': c.uuid, 'handle': c.handle, 'properties': sorted(c.properties),
                 'descriptors': [{'uuid': d.uuid, 'handle': d.handle} for d in c.descriptors]}
                for c in service.characteristics]})
        return {'services': out}

    def need_client(self):
        if self.client is None or not self.client.is_connected:
            raise AgentError('not connected')
        return self.client

    async def read(self, handle):
        return {'value': bytes(await self.need_client().read_gatt_char(handle)).hex()}

    async def read_descriptor(self, handle):
        return {'value': bytes(await self.need_client().read_gatt_descriptor(handle)).hex()}

    async def write(self, handle, value, response):
        await self.need_client().write_gatt_char(handle, bytes.fromhex(value), response=response)
        return {}

    async def subscribe(self, handle):
        queue = self.notifications.setdefault(handle, [])
        await self.need_client().start_notify(handle, lambda char, data: queue.append(bytes(data)))
        return {}

    async def notification(self, handle, timeout):
        queue = self.notifications.get(handle)
        if queue is None:
            raise AgentError(f'not subscribed to handle {handle}')
        deadline = time.monotonic() + timeout
        while not queue and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return {'value': queue.pop(0).hex() if queue else None}

    async def wait_disconnected(self, timeout):
        try:
            await asyncio.wait_for(self.disconnected.wait(), timeout)
            return {'disconnected': True}
        except asyncio.TimeoutError:
            return {'disconnected': False}

    async def disconnect(self):
        if self.client is not None:
            try:
                await self.client.disconnect()
            except EOFError:
                # bleak 0.20: when bluetoothd's Connected false comes before its reply to
                # Disconnect, bleak's handler of it closes bleak's own bus under the
                # pending call. The link is down all the same.
                if not self.disconnected.is_set():
                    raise
            finally:
                self.client = None
        return {}

    async def bluez_call(self, path, interface, member, signature='', body=()):
        reply = await self.bus.call(Message(destination='org.bluez', path=path, interface=interface, member=member,
                                            signature=signature, body=list(body)))
        if reply.message_type == MessageType.ERROR:
            raise AgentError(f'{member}: {reply.error_name}: {reply.body[0] if reply.body else ""}')
        return reply.body

    async def set_agent(self, capability, passkey):
        """This guest's default pairing agent: capability, and the passkey its user enters."""
        if self.bus is None:
            self.bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
            self.agent = PairingAgent()
            self.bus.export(AGENT_PATH, self.agent)
        elif self.agent.capability is not None:
            await self.bluez_call('/org/bluez', 'org.bluez.AgentManager1', 'UnregisterAgent', 'o', [AGENT_PATH])
        self.agent.passkey = passkey
        await self.register_agent(capability)
        return {}

    async def register_agent(self, capability):
        await self.bluez_call('/org/bluez', 'org.bluez.AgentManager1', 'RegisterAgent', 'os', [AGENT_PATH, capability])
        await self.bluez_call('/org/bluez', 'org.bluez.AgentManager1', 'RequestDefaultAgent', 'o', [AGENT_PATH])
        self.agent.capability = capability

    async def type_passkey(self, passkey, timeout=TYPE_ASK_WAIT_S):
        """The user types passkey into the RequestPasskey waiting for it. As a user who read
        the number on the gadget waits for the phone to ask: the peripheral's stack may show
        it before this one's asks (seen on 5.55 under gattd: the `type` came first)."""
        deadline = time.monotonic() + timeout
        while self.agent is None or self.agent.typed is None or self.agent.typed.done():
            if time.monotonic() >= deadline:
                raise AgentError(f'no RequestPasskey waits for a number (waited {timeout:g} s)')
            await asyncio.sleep(0.1)
        self.agent.typed.set_result(passkey)
        return {}

    async def device_props(self, address):
        """(path, {name: value}) of this guest's Device1 for address; props None when there is none."""
        path = '/org/bluez/hci0/dev_' + address.replace(':', '_')
        if self.bus is None:
            self.bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
        try:
            props = (await self.bluez_call(path, 'org.freedesktop.DBus.Properties', 'GetAll', 's',
                                           ['org.bluez.Device1']))[0]
        except AgentError as e:
            if 'UnknownObject' in str(e) or 'UnknownMethod' in str(e):
                return path, None
            raise
        return path, {name: v.value if isinstance(v, Variant) else v for name, v in props.items()}

    async def bond(self, address):
        """What this guest's bluetoothd holds of the peripheral: Paired and Bonded."""
        _, props = await self.device_props(address)
        props = props or {}
        return {'paired': props.get('Paired'), 'bonded': props.get('Bonded')}

    async def known(self, address):
        """Reach a device this stack holds (a bonded one) as a phone does, without a
        scan: its stack may well have reconnected already by itself (bluetoothd
        connects bonded LE devices again as they advertise), and then the
        peripheral advertises nothing a scan could find."""
        path, props = await self.device_props(address)
        if props is None:
            raise AgentError(f'this stack holds no device {address}')
        self.device = BLEDevice(address, props.get('Name'), {'path': path, 'props': props}, 0)
        return {'connected': bool(props.get('Connected'))}

    def power(self, on):
        state = 'on' if on else 'off'
        p = subprocess.run(['btmgmt', 'power', state], capture_output=True, text=True, timeout=20)
        log(f'btmgmt power {state}: {(p.stdout + p.stderr).strip()}')
        try:
            wait_for(f'the controller to power {state}', lambda: powered() == on, 20)
        except StackError as e:
            raise AgentError(str(e))
        return {}

    def reset_controller(self):
        """Power this guest's controller off and on: the kernel forgets every link.

        For a link whose far end vanished without a word: the emulator drops
        the links of a controller that goes away without telling the other side
        (a radio's link would time out), and answers a Disconnect for it with an
        unknown handle, so the kernel keeps a link nobody serves."""
        said = []
        for state in ('off', 'on'):
            p = subprocess.run(['btmgmt', 'power', state], capture_output=True, text=True, timeout=20)
            said.append(f'btmgmt power {state}: {(p.stdout + p.stderr).strip()}')
        log('; '.join(said))
        try:
            wait_for('the controller to power on again', powered, 20)
        except StackError as e:
            raise AgentError(f'{e} ({"; ".join(said)})')
        return {}

    def stop(self):
        for name in ('bluetoothd', 'btattach', 'dbus-daemon', 'btmon'):
            proc = self.procs.pop(name, None)
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def advert_record(data):
    """What bleak's AdvertisementData carries, as the requests compare and reply it."""
    return {'local_name': data.local_name,
            'service_data': {u.lower(): v.hex() for u, v in data.service_data.items()},
            'manufacturer_data': {str(c): v.hex() for c, v in data.manufacturer_data.items()}}


def advert_matches(record, want):
    """Whether an advert_record carries want: its local_name, and its service_data
    {uuid: hex} and manufacturer_data {company (decimal): hex} as subsets. want None
    matches any record."""
    if record is None:
        return False
    if want is None:
        return True
    if 'local_name' in want and record['local_name'] != want['local_name']:
        return False
    for key in ('service_data', 'manufacturer_data'):
        for k, v in (want.get(key) or {}).items():
            if record[key].get(str(k).lower()) != v.lower():
                return False
    return True


async def forget_bleak_manager():
    """Drop bleak's BlueZ manager (its view of bluetoothd's objects), so that the next
    scan or connection reads them afresh from a restarted bluetoothd.

    A bluetoothd that dies sends no InterfacesRemoved: bleak 0.20 would keep the dead
    one's devices, their Connected and their services cache. It keeps one manager per
    event loop (bluezdbus.manager._global_instances, made by get_global_bluez_manager)."""
    from bleak.backends.bluezdbus import manager
    old = manager._global_instances.pop(asyncio.get_running_loop(), None)
    if old is not None and old._bus is not None:
        old._bus.disconnect()


def controller_address():
    """This guest's controller, once it has its address."""
    return next((a for a in controllers() if a != '00:00:00:00:00:00'), None)


def powered():
    return any(on for _, on in controllers().values())


class Control:
    """The request console: raw bytes, JSON lines."""

    def __init__(self, path):
        self.fd = open_raw(path)
        self.buffer = b''

    async def read_request(self):
        loop = asyncio.get_running_loop()
        while b'\n' not in self.buffer:
            ready = loop.create_future()
            loop.add_reader(self.fd, lambda: ready.done() or ready.set_result(None))
            try:
                await ready
            finally:
                loop.remove_reader(self.fd)
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b'\n', 1)
        line = line.strip(b'\0\r ')
        if not line:
            return {}
        return json.loads(line)

    def send(self, message):
        data = (json.dumps(message) + '\n').encode()
        while data:
            data = data[os.write(self.fd, data):]


async def handle(central, request):
    """One request's reply."""
    cmd, rid = request['cmd'], request.get('id')
    reply = {'id': rid, 'ok': True}
    restarted = None
    try:
        restarted = await central.revive()
        if cmd == 'ping':
            pass
        elif cmd == 'attach':
            reply.update(await asyncio.to_thread(central.attach))
        elif cmd == 'scan':
            reply.update(await central.scan(request['name'], request['uuids'], request.get('timeout', 30),
                                            request.get('forget')))
        elif cmd == 'advert':
            reply.update(await central.advert(request['address'], request.get('want'), request.get('timeout', 10),
                                              request.get('forget', False)))
        elif cmd == 'gatt-uuids':
            reply.update(await central.gatt_uuids(request['address']))
        elif cmd == 'watch-start':
            reply.update(await central.watch_start(request['address']))
        elif cmd == 'watch-wait':
            reply.update(await central.watch_wait(request.get('want'), request.get('timeout', 10)))
        elif cmd == 'watch-stop':
            reply.update(await central.watch_stop())
        elif cmd == 'connect':
            reply.update(await central.connect(request.get('timeout', 20)))
        elif cmd == 'services':
            reply.update(central.services())
        elif cmd == 'read':
            reply.update(await central.read(request['handle']))
        elif cmd == 'read-descriptor':
            reply.update(await central.read_descriptor(request['handle']))
        elif cmd == 'write':
            reply.update(await central.write(request['handle'], request['value'], request.get('response', True)))
        elif cmd == 'subscribe':
            reply.update(await central.subscribe(request['handle']))
        elif cmd == 'notification':
            reply.update(await central.notification(request['handle'], request.get('timeout', 10)))
        elif cmd == 'wait-disconnected':
            reply.update(await central.wait_disconnected(request.get('timeout', 10)))
        elif cmd == 'disconnect':
            reply.update(await central.disconnect())
        elif cmd == 'reset-controller':
            reply.update(await asyncio.to_thread(central.reset_controller))
        elif cmd == 'agent':
            reply.update(await central.set_agent(request['capability'], request['passkey']))
        elif cmd == 'agent-calls':
            reply['calls'] = central.agent.calls if central.agent else []
        elif cmd == 'type':
            reply.update(await central.type_passkey(int(request['passkey'])))
        elif cmd == 'bond':
            reply.update(await central.bond(request['address']))
        elif cmd == 'forget':
            reply['forgot'] = await asyncio.to_thread(central.forget, request['address'])
        elif cmd == 'known':
            reply.update(await central.known(request['address']))
        elif cmd == 'power':
            reply.update(await asyncio.to_thread(central.power, bool(request['on'])))
        else:
            raise AgentError(f'unknown request {cmd!r}')
    except BleakDBusError as e:
        reply = {'id': rid, 'ok': False, 'error': str(e), 'dbus_error': e.dbus_error}
    except (BleakError, AgentError, StackError, asyncio.TimeoutError, OSError, KeyError, ValueError) as e:
        reply = {'id': rid, 'ok': False, 'error': f'{type(e).__name__}: {e}', 'dbus_error': None}
    except Exception as e:  # a surprise (bleak's own asserts, a hung btmgmt) fails this request only
        log('unexpected: ' + traceback.format_exc())
        reply = {'id': rid, 'ok': False, 'error': f'unexpected {type(e).__name__}: {e}', 'dbus_error': None}
    if restarted:
        reply['restarted_bluetoothd'] = restarted
    return reply


async def serve(central, control):
    log('ready: waiting for requests on ' + CONTROL_TTY)
    background = {}     # request id -> the task running it
    while True:
        try:
            request = await control.read_request()
        except ValueError as e:
            log(f'unreadable request line: {e}')
            continue
        if request is None:
            log('the control console closed')
            return
        if 'cmd' not in request:
            continue
        cmd, rid = request['cmd'], request.get('id')
        log(f'> {json.dumps(request)}')
        if cmd == 'quit':
            control.send({'id': rid, 'ok': True})
            return
        if request.get('background'):
            background[rid] = asyncio.create_task(handle(central, request))
            reply = {'id': rid, 'ok': True, 'background': True}
        elif cmd == 'result':
            task = background.get(request.get('of'))
            if task is None:
                reply = {'id': rid, 'ok': False, 'error': f'no request {request.get("of")} runs in the background',
                         'dbus_error': None}
            else:
                try:
                    reply = dict(await asyncio.wait_for(asyncio.shield(task), request.get('timeout', 30)), id=rid)
                    del background[request['of']]
                except asyncio.TimeoutError:
                    reply = {'id': rid, 'ok': False, 'error': 'TimeoutError: still running (ask again)',
                             'dbus_error': None}
        else:
            reply = await handle(central, request)
        log(f'< {json.dumps(reply)}')
        control.send(reply)


def main():
    # The guest gets run-vm's arguments for both guests; this one reads its own.
    # No abbreviations: --central (the other guest's) would pass for --central-bluetoothd.
    parser = argparse.ArgumentParser(allow_abbrev=False)
    parser.add_argument('--central-bluetoothd', default=BLUETOOTHD)
    args, _ = parser.parse_known_args()
    central = Central(args.central_bluetoothd)
    try:
        central.start_bus()
        wait_for(CONTROL_TTY, lambda: os.path.exists(CONTROL_TTY), 30)
        control = Control(CONTROL_TTY)
        asyncio.run(serve(central, control))
        return 0
    except Exception as e:  # the peripheral guest sees the console close; say why here
        log(f'central agent failed: {type(e).__name__}: {e}')
        return 1
    finally:
        central.stop()


if __name__ == '__main__':
    sys.exit(main())
