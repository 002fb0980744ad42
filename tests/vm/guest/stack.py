# SPDX-License-Identifier: LGPL-2.1-or-later
"""stack.py: the Bluetooth stack inside the test VM, and gattd on top of it.

Starts and stops each piece the scenarios need to disturb: the system bus,
btvirt (the virtual controllers, hci_vhci), bluetoothd, gattd. Every process
logs into the results directory (shared with the host), one file each; a
restarted process appends to its file after a marker line.
"""
import os
import re
import shutil
import signal
import subprocess
import time

from gattd_client import GattdClient, GattdClientError

BLUETOOTHD = '/usr/libexec/bluetooth/bluetoothd'
BTVIRT = '/usr/bin/btvirt'
SOCKET = '/run/gattd/gattd.sock'
CONFIG_DIR = '/tmp/gattd-config'
STATE_DIR = '/tmp/gattd-state'
PROVISION_DIR = '/tmp/gattd-provision'
# bluetoothd versions run with EATT off, and why.
EATT_OFF = {
    '5.55': 'its GATT server serves one read at a time (src/shared/gatt-server.c, pending_read_op), so '
            'with EATT a read arriving on a second bearer while another waits for gattd gets Unlikely '
            'Error (0x0e) from bluetoothd itself; fixed by 5.64',
}
# bluetoothd releases whose bonded reconnection is not reliable here, whatever gattd
# does: scenario 12 checks the bonding there, and says why it checks no reconnection.
_BONDED_RECONNECTION = ('bluetoothd {v} raising the security of the bonded central\'s new ATT link failed '
                        '(device_attach_att: "Elevating security level since LTK is available", then '
                        'setsockopt(BT_SECURITY) EINVAL) after a power cycle and after a restart of its own, and '
                        'every reconnection failed alike (tests/RESULTS.md); 5.72 on did not')
BONDED_RECONNECTION_UNRELIABLE = {v: _BONDED_RECONNECTION.format(v=v) for v in ('5.55', '5.64', '5.66')}
# That failure in bluetoothd's log: on later releases too, now and then (5.82 in a CI run).
BONDED_SECURITY_FAILURE = 'device_attach_att() bt_io_set: setsockopt(BT_SECURITY): Invalid argument'
MAIN_CONF = '/tmp/bluetoothd-main.conf'
# The two-stack tier (see start_radio).
RADIO_SERVER = '/tmp/bt-server-le'
RADIO_CONSOLE = '/dev/hvc0'
LOCAL_PTY = '/tmp/bt-local-pty'
EXTRA_PTY = '/tmp/bt-extra-pty'
RADIO_MODULES = ['af_alg', 'algif_skcipher', 'algif_hash', 'ecb', 'cmac', 'aes_generic', 'ccm',
                 'virtio_console', 'btintel', 'btbcm', 'btrtl', 'btqca', 'hci_uart']


# Served, not advertised: characteristics bluetoothd reaches through sockets (Acquire=),
# for scenario 9.
SOCKETS_CONF = """\
[Service sockets]
UUID=6e400010-b5a3-f393-e0a9-e50e24dcca9e

[Characteristic sockets/notify]
UUID=6e400011-b5a3-f393-e0a9-e50e24dcca9e
Flags=read;notify
Type=utf8
Value=utf8:ready
Acquire=notify

[Characteristic sockets/write]
UUID=6e400012-b5a3-f393-e0a9-e50e24dcca9e
Flags=write-without-response
MaxLength=244
Capture=16
Acquire=write
"""

# The passkey of conf/examples/pairing.conf (scenario 10).
PASSKEY = 314159


class StackError(Exception):
    pass


def wait_for(what, predicate, timeout, interval=0.25):
    """Poll predicate() until it returns something true; raise StackError at timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise StackError(f'timed out after {timeout:.0f} s waiting for {what}')
        time.sleep(interval)


def controllers():
    """{address: (index, powered)} as the kernel's management interface reports them."""
    out = subprocess.run(['btmgmt', 'info'], capture_output=True, text=True, timeout=20).stdout
    found = {}
    index = None
    for line in out.splitlines():
        m = re.match(r'^hci(\d+):', line)
        if m:
            index = int(m.group(1))
            continue
        m = re.match(r'^\s+addr ([0-9A-F:]{17})', line)
        if m and index is not None:
            found[m.group(1)] = [index, False]
        m = re.match(r'^\s+current settings: (.*)', line)
        if m and index is not None:
            for address, entry in found.items():
                if entry[0] == index:
                    entry[1] = 'powered' in m.group(1).split()
    return {address: tuple(entry) for address, entry in found.items()}


class Stack:
    def __init__(self, results, gattd, source_root, bluetoothd=None, btvirt=None):
        self.results, self.gattd, self.source_root = results, gattd, source_root
        self.bluetoothd = bluetoothd or BLUETOOTHD   # Debian's, or one built by tests/vm/build-bluez
        self.btvirt = btvirt or BTVIRT               # the emulator: Debian's, or a release's (build-bluez)
        self.bluetoothd_named = False                # its version is in the transcript
        self.bluetoothd_version = None
        self.eatt_said = False
        self.procs = {}
        self.peripheral = None  # the controller gattd serves on: address
        self.central = None     # the controller the central uses: address

    # Logs.
    def log_path(self, name):
        return os.path.join(self.results, name + '.log')

    def _log_file(self, name, note):
        f = open(self.log_path(name), 'a')
        f.write(f'==== {time.strftime("%H:%M:%S")} {note} ====\n')
        f.flush()
        return f

    def log_offset(self, name):
        """Where name's log ends now: log_since(name, offset) reads what came after."""
        return os.path.getsize(self.log_path(name))

    def log_since(self, name, offset):
        with open(self.log_path(name), errors='replace') as f:
            f.seek(offset)
            return f.read()

    def log_sizes(self):
        sizes = {}
        for entry in os.listdir(self.results):
            if entry.endswith('.log') and entry != 'dbus-monitor.log':
                sizes[entry] = os.path.getsize(os.path.join(self.results, entry))
        return sizes

    def _spawn(self, name, argv, note=None, env=None):
        log = self._log_file(name, note or 'started: ' + ' '.join(argv))
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=dict(os.environ, **env) if env else None)
        log.close()
        self.procs[name] = proc
        return proc

    def _stop(self, name, sig=signal.SIGTERM, timeout=10):
        proc = self.procs.pop(name, None)
        if not proc or proc.poll() is not None:
            return None
        proc.send_signal(sig)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def alive(self, name):
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    # The base system.
    def start_bus(self):
        for module in ('hci_vhci',):
            subprocess.run(['modprobe', module], check=True)
        # Every HCI packet and management command of every controller, decoded.
        # Not a .log: too long to print when a scenario fails; read it in the results.
        btmon_out = open(os.path.join(self.results, 'btmon.txt'), 'a')
        self.procs['btmon'] = subprocess.Popen(['btmon'], stdout=btmon_out, stderr=subprocess.STDOUT)
        btmon_out.close()
        os.makedirs('/run/dbus', exist_ok=True)
        self._spawn('dbus-daemon', ['dbus-daemon', '--system', '--nofork', '--nopidfile'])
        wait_for('the system bus', lambda: os.path.exists('/run/dbus/system_bus_socket'), 20)
        # Every message on the bus, for comparing bluetoothd's calls with the fake BlueZ.
        monitor = open(os.path.join(self.results, 'dbus-monitor.log'), 'a')
        self.procs['dbus-monitor'] = subprocess.Popen(['dbus-monitor', '--system'], stdout=monitor,
                                                      stderr=subprocess.STDOUT)
        monitor.close()

    # Controllers.
    def controllers(self):
        return controllers()

    def index_of(self, address):
        entry = self.controllers().get(address)
        return entry[0] if entry else None

    def start_btvirt(self):
        """Two virtual LE controllers that hear each other (btvirt's first one fails its
        reset and goes away); the lower index serves gattd, the other is the central."""
        self._spawn('btvirt', [self.btvirt, '-l3'])
        found = wait_for('two virtual controllers', lambda: len(self.controllers()) >= 2 and self.controllers(), 30)
        ordered = sorted(found, key=lambda address: found[address][0])
        if self.peripheral is None:
            self.peripheral, self.central = ordered[0], ordered[1]
        return found

    def stop_btvirt(self):
        self._stop('btvirt')
        wait_for('the virtual controllers to go', lambda: not self.controllers(), 30)

    # The two-stack tier: one emulated radio in this guest, two controllers on it.
    def start_radio(self):
        """btvirt as a server (no controller of its own): each connection to its LE
        socket is one more LE controller on the same emulated radio. gattd's
        controller is one such connection through a pty and btattach, so that it
        can be removed and added back alone (replug); the central guest's is
        another, bridged to the virtio console the host links to guest B."""
        # AF_ALG for the emulator's LE crypto, the h4 line discipline for btattach:
        # the kernel cannot autoload either from this initramfs.
        for module in RADIO_MODULES:
            subprocess.run(['modprobe', module], check=False)
        self._spawn('btvirt', [self.btvirt, '-s'])
        wait_for('btvirt\'s LE server socket', lambda: os.path.exists(RADIO_SERVER), 20)
        self.attach_local()
        self._spawn('radio-bridge', ['socat', f'{RADIO_CONSOLE},raw,echo=0', f'UNIX-CONNECT:{RADIO_SERVER}'])

    def _attach(self, suffix, pty, what):
        """One more controller on the radio: a pty linked to btvirt, attached with
        btattach (processes 'radio-pty' + suffix and 'btattach' + suffix); its address."""
        before = set(self.controllers())
        self._spawn('radio-pty' + suffix, ['socat', f'PTY,link={pty},raw,echo=0', f'UNIX-CONNECT:{RADIO_SERVER}'])
        wait_for(f'{what}\'s pty', lambda: os.path.exists(pty), 20)
        self._spawn('btattach' + suffix, ['btattach', '-B', pty, '-P', 'h4'])
        found = wait_for(what, lambda: set(self.controllers()) - before, 30)
        return sorted(found)[0]

    def _detach(self, suffix, address, what):
        """Remove a controller _attach() made (btattach ends, the kernel unregisters it)."""
        self._stop('btattach' + suffix)
        self._stop('radio-pty' + suffix)
        wait_for(f'{what} to go', lambda: address not in self.controllers(), 30)

    def attach_local(self):
        """gattd's controller: a pty linked to btvirt, attached with btattach."""
        address = self._attach('', LOCAL_PTY, 'the local controller')
        if self.peripheral is None:
            self.peripheral = address
        elif address != self.peripheral:
            raise StackError(f'the controller came back as {address}, not {self.peripheral}')
        return address

    def detach_local(self):
        """Remove gattd's controller (btattach ends, the kernel unregisters it)."""
        self._detach('', self.peripheral, 'the local controller')

    def attach_extra(self):
        """One more controller on the radio, beside gattd's, for a second central
        (a raw ATT client, central.py). Returns its address."""
        address = self._attach('-extra', EXTRA_PTY, 'the extra controller')
        wait_for(f'{address} powered', lambda: self.controllers().get(address, [None, False])[1], 30)
        return address

    def detach_extra(self, address):
        self._detach('-extra', address, 'the extra controller')

    def btmgmt(self, address, *args):
        """btmgmt on the controller with this address; raises StackError when it fails."""
        index = self.index_of(address)
        if index is None:
            raise StackError(f'no controller with address {address}')
        argv = ['btmgmt', '--index', str(index), *args]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        with open(self.log_path('btmgmt'), 'a') as log:
            log.write(f'$ {" ".join(argv)}\n{p.stdout}{p.stderr}')
        if p.returncode != 0 or 'failed' in (p.stdout + p.stderr).lower():
            raise StackError(f'{" ".join(argv)}: {p.stdout.strip()} {p.stderr.strip()}')
        return p.stdout

    def power(self, address, on):
        index = self.index_of(address)
        if index is None:
            raise StackError(f'no controller with address {address}')
        state = 'on' if on else 'off'
        p = subprocess.run(['btmgmt', '--index', str(index), 'power', state], capture_output=True, text=True,
                           timeout=20)
        with open(self.log_path('btmgmt'), 'a') as log:
            log.write(f'$ btmgmt --index {index} power {state}\n{p.stdout}{p.stderr}')
        if 'failed' in p.stdout + p.stderr:
            raise StackError(f'btmgmt power {state} on hci{index} failed: {p.stdout.strip()} {p.stderr.strip()}')
        wait_for(f'hci{index} powered {state}',
                 lambda: self.controllers().get(address, (None, None))[1] == on, 20)

    def drop_link(self, local, peer):
        """Take down the LE link between two controllers (HCI Disconnect via mgmt)."""
        index = self.index_of(local)
        if index is None:
            return
        p = subprocess.run(['btmgmt', '--index', str(index), 'disconnect', '-t', '1', peer],
                           capture_output=True, text=True, timeout=20)
        with open(self.log_path('btmgmt'), 'a') as log:
            log.write(f'$ btmgmt --index {index} disconnect -t 1 {peer}\n{p.stdout}{p.stderr}')

    # bluetoothd.
    def bluez_on_bus(self):
        p = subprocess.run(['dbus-send', '--system', '--print-reply', '--dest=org.freedesktop.DBus',
                            '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.bluez'],
                           capture_output=True, text=True, timeout=20)
        return 'boolean true' in p.stdout

    def start_bluetoothd(self):
        argv = [self.bluetoothd, '-n', '-E', '-d']  # -E: experimental, as on a developer's machine; -d: debug
        if not self.bluetoothd_named:
            self.bluetoothd_version = subprocess.run([self.bluetoothd, '--version'], capture_output=True,
                                                     text=True).stdout.strip()
            print(f'stack: bluetoothd {self.bluetoothd_version} ({self.bluetoothd})', flush=True)
            self.bluetoothd_named = True
        if self.bluetoothd_version in EATT_OFF:
            # What README's "BlueZ versions" tells users of these versions to do.
            with open(MAIN_CONF, 'w') as f:
                f.write('[GATT]\nChannels = 1\n')
            argv += ['-f', MAIN_CONF]
            if not self.eatt_said:
                print(f'stack: bluetoothd {self.bluetoothd_version} with [GATT] Channels = 1 (EATT off): '
                      f'{EATT_OFF[self.bluetoothd_version]}', flush=True)
                self.eatt_said = True
        self._spawn('bluetoothd', argv)
        wait_for('bluetoothd on the bus', self.bluez_on_bus, 30)

    def stop_bluetoothd(self):
        """SIGTERM: a clean shutdown (bluetoothd releases what it can)."""
        self._stop('bluetoothd', signal.SIGTERM)
        wait_for('org.bluez to leave the bus', lambda: not self.bluez_on_bus(), 20)

    def kill_bluetoothd(self):
        """SIGKILL: a crash, no clean shutdown, no Release calls."""
        self._stop('bluetoothd', signal.SIGKILL)
        wait_for('org.bluez to leave the bus', lambda: not self.bluez_on_bus(), 20)

    # gattd.
    def write_config(self):
        """The shipped example config, pinned to the peripheral controller by address,
        with the provisioning example (conf/examples) beside the installed services."""
        shutil.rmtree(CONFIG_DIR, ignore_errors=True)
        shutil.copytree(os.path.join(self.source_root, 'conf'), CONFIG_DIR)
        # Served, not advertised: a third service UUID would not fit one legacy
        # advertisement beside the two conf/ advertises.
        with open(os.path.join(self.source_root, 'conf', 'examples', 'provisioning.conf')) as f:
            text = f.read()
        text, count = re.subn(r'(?m)^Advertise=true$', 'Advertise=false', text)
        if count != 1:
            raise StackError(f'conf/examples/provisioning.conf has {count} Advertise=true lines; expected one')
        with open(os.path.join(CONFIG_DIR, 'services.d', '90-provisioning.conf'), 'w') as f:
            f.write(text)
        with open(os.path.join(CONFIG_DIR, 'services.d', '95-sockets.conf'), 'w') as f:
            f.write(SOCKETS_CONF)
        # Served, not advertised: only an encrypted link may write it (scenario 10).
        shutil.copy(os.path.join(self.source_root, 'conf', 'examples', 'encrypted-secret.conf'),
                    os.path.join(CONFIG_DIR, 'services.d', '96-encrypted-secret.conf'))
        path = os.path.join(CONFIG_DIR, 'gattd.conf')
        with open(path) as f:
            text = f.read()
        text, count = re.subn(r'(?m)^Adapter=.*$', f'Adapter={self.peripheral}', text)
        if count != 1:
            raise StackError(f'conf/gattd.conf has {count} Adapter= lines; expected one')
        # The ceiling, which scenario 7 checks against bluetoothd's own 5 s.
        text, count = re.subn(r'(?m)^#HandlerTimeoutMs=.*$', 'HandlerTimeoutMs=4000', text)
        if count != 1:
            raise StackError(f'conf/gattd.conf has {count} #HandlerTimeoutMs= lines; expected one')
        # gattd as the pairing agent with a static passkey: conf/examples/pairing.conf.
        # The passkey makes gattd.conf a secret: gattd refuses it readable by others.
        with open(os.path.join(self.source_root, 'conf', 'examples', 'pairing.conf')) as f:
            pairing = f.read()
        if f'Passkey={PASSKEY:06d}' not in pairing:
            raise StackError(f'conf/examples/pairing.conf does not say Passkey={PASSKEY:06d}')
        self.gattd_conf = text
        self.pairing_conf = pairing
        self.set_pairing(None)

    def set_pairing(self, group):
        """gattd.conf's [Pairing]: group's keys (text), or None for conf/examples/pairing.conf's
        (takes effect at gattd's next start or reload)."""
        pairing = self.pairing_conf if group is None else '[Pairing]\n' + group
        path = os.path.join(CONFIG_DIR, 'gattd.conf')
        with open(os.open(path, os.O_WRONLY | os.O_TRUNC, 0o600), 'w') as f:
            f.write(self.gattd_conf + '\n' + pairing)
        os.chmod(path, 0o600)

    def advertisement(self):
        """(local name, [service UUIDs]) of the advertisement, as --check-config tells them."""
        out = subprocess.run([self.gattd, '--check-config', '--config-dir', CONFIG_DIR],
                             capture_output=True, text=True, timeout=20).stdout
        name = re.search(r'^Advertising: .*local name "([^"]*)"', out, re.M)
        uuids = re.search(r'^  service UUIDs: (.*)$', out, re.M)
        if not name or not uuids:
            raise StackError(f'gattd --check-config names no local name or service UUIDs to scan for:\n{out}')
        return name.group(1), [u.strip() for u in uuids.group(1).split(',')]

    def start_gattd(self):
        self.write_config()
        os.makedirs(os.path.dirname(SOCKET), exist_ok=True)
        # --verbose: its debug lines are what a failed scenario's log shows.
        argv = [self.gattd, '--config-dir', CONFIG_DIR, '--socket', SOCKET, '--verbose']
        # Persist= values go where systemd's StateDirectory= would put them; the
        # guest's /var/lib is the host's, read-only.
        self._spawn('gattd', argv, env={'STATE_DIRECTORY': STATE_DIR})
        wait_for('gattd\'s socket', lambda: os.path.exists(SOCKET) or not self.alive('gattd'), 20)
        if not self.alive('gattd'):
            raise StackError(f'gattd exited with status {self.procs["gattd"].returncode} at start')

    def stop_gattd(self):
        return self._stop('gattd')

    def gattctl(self, *args, timeout=30):
        """Run gattctl against gattd once; returns (exit status, stdout, stderr)."""
        gattctl = os.path.join(os.path.dirname(self.gattd), 'gattctl', 'gattctl')
        p = subprocess.run([gattctl, '--socket', SOCKET, *args], capture_output=True, text=True, timeout=timeout)
        with open(self.log_path('gattctl'), 'a') as log:
            log.write(f'$ gattctl {" ".join(args)} (exit {p.returncode})\n{p.stdout}{p.stderr}')
        return p.returncode, p.stdout, p.stderr

    # The provisioning example's handler (conf/examples): gattctl handle running
    # provision-handler, as its header says to run it.
    def start_provision_handler(self, hook=None):
        gattctl = os.path.join(os.path.dirname(self.gattd), 'gattctl', 'gattctl')
        script = os.path.join(self.source_root, 'conf', 'examples', 'provision-handler')
        argv = [gattctl, '--socket', SOCKET, 'handle', 'prov/ssid', 'prov/psk', 'prov/command', 'prov/status',
                '--write-cmd', f'{script} write', '--read-cmd', f'{script} read']
        env = {'PROVISION_DIR': PROVISION_DIR}
        if hook:
            env['PROVISION_HOOK'] = hook
        start = self.log_offset('gattd')

        def claimed():
            return 'handles prov/ssid' in self.log_since('gattd', start) or not self.alive('handler')
        self._spawn('handler', argv, env=env)
        wait_for('gattctl handle to claim the provisioning service', claimed, 20)
        if not self.alive('handler'):
            raise StackError(f'gattctl handle exited with status {self.procs["handler"].returncode}')

    def stop_provision_handler(self):
        return self._stop('handler')

    def client(self, name='client'):
        return GattdClient(SOCKET, name)

    def gattd_status(self):
        try:
            c = self.client('status')
            try:
                return c.ok('status', timeout=5)
            finally:
                c.close()
        except (OSError, GattdClientError):
            return None

    def wait_on_air(self, timeout):
        """Until gattd says its services are registered and advertised."""
        def on_air():
            status = self.gattd_status()
            return status if status and status.get('on_air') and status.get('advertising') else None
        return wait_for('gattd to report its services on the air', on_air, timeout, 0.5)

    # All of it.
    def start(self):
        self.start_bus()
        self.start_btvirt()
        self.start_bluetoothd()
        self.start_gattd()

    def stop(self):
        for name in ('gattd', 'bluetoothd', 'btattach', 'radio-pty', 'btattach-extra', 'radio-pty-extra',
                     'radio-bridge', 'btvirt',
                     'dbus-monitor', 'dbus-daemon', 'btmon'):
            self._stop(name)
