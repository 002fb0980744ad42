# SPDX-License-Identifier: LGPL-2.1-or-later
"""
harness.py: what every bus-tier test shares.

Each test gets a private dbus-daemon (its own config, everything allowed), a
FakeBluez on it, a config dir in a temp dir and gattd ($GATTD) started with
DBUS_SYSTEM_BUS_ADDRESS pointing at that bus. Waits iterate the GLib main
context until a condition holds, with a generous upper bound: no test sleeps and
then asserts.

At the end of a test gattd gets SIGTERM and must exit 0 within a few seconds,
having unregistered what it had registered; the fake must have seen nothing that
real bluetoothd would choke on. When a test fails, gattd's log and the fake's
trace are printed.

Child processes die with the test process (PR_SET_PDEATHSIG), so nothing is
left behind even when the runner is killed.
"""

import contextlib
import ctypes
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

import dbus
import dbus.bus
from gi.repository import GLib

import fakebluez
# Re-exported for the tests.
DBusCallError = fakebluez.DBusCallError
uuid128 = fakebluez.uuid128

# Upper bound of any single wait; generous, only reached when something is wrong.
WAIT_TIMEOUT = float(os.environ.get('GATTD_TEST_WAIT_TIMEOUT', '10'))
# How long gattd may take to exit after SIGTERM.
EXIT_TIMEOUT = 5.0

HCI0_ADDRESS = '00:AA:01:00:00:01'
# The central the fake plays, unless a test names another device.
CENTRAL_ADDRESS = fakebluez.CENTRAL_ADDRESS
HCI1_ADDRESS = '00:AA:01:00:00:02'

APP_PATH = '/org/gattd/app'
ADVERTISEMENT_PATH = '/org/gattd/advertisement'
BATTERY = APP_PATH + '/battery'
LEVEL = BATTERY + '/level'
LEVEL_DESCRIPTION = LEVEL + '/description'
LEVEL_PRESENTATION = LEVEL + '/presentation'
LEVEL_VALID_RANGE = LEVEL + '/valid_range'
COMMAND = BATTERY + '/command'
SETTINGS = APP_PATH + '/settings'
LABEL = SETTINGS + '/label'
THRESHOLD = SETTINGS + '/threshold'
THRESHOLD_PRESENTATION = THRESHOLD + '/presentation'

COMMAND_UUID = '6e400002-b5a3-f393-e0a9-e50e24dcca9e'
SETTINGS_UUID = '6e400001-b5a3-f393-e0a9-e50e24dcca9e'
LABEL_UUID = '6e400003-b5a3-f393-e0a9-e50e24dcca9e'
THRESHOLD_UUID = '6e400004-b5a3-f393-e0a9-e50e24dcca9e'

LOCAL_NAME = 'gattd-test'

BATTERY_CONF = """\
[Service battery]
UUID=180F
Advertise=true

[Characteristic battery/level]
UUID=2A19
Flags=read;notify
Type=u8
Unit=percent
Value=u8:100
Description=Battery Level

[Characteristic battery/command]
UUID=6e400002-b5a3-f393-e0a9-e50e24dcca9e
Flags=write;write-without-response
MaxLength=20
Capture=16

[Descriptor battery/level/valid_range]
UUID=2906
Flags=read
Value=hex:0064
"""

SETTINGS_CONF = """\
[Service settings]
UUID=6E400001-B5A3-F393-E0A9-E50E24DCCA9E

[Characteristic settings/label]
UUID=6e400003-b5a3-f393-e0a9-e50e24dcca9e
Flags=read;write
MaxLength=20
Value=utf8:gattd

[Characteristic settings/threshold]
UUID=6e400004-b5a3-f393-e0a9-e50e24dcca9e
Flags=read;write;indicate
Type=u16
Value=u16:300
"""

DEFAULT_SERVICES = {'battery.conf': BATTERY_CONF, 'settings.conf': SETTINGS_CONF}

BUS_CONFIG = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _child_dies_with(parent_pid):
    def preexec():
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:     # the parent died before prctl
            os._exit(1)
    return preexec


def _process_state(pid):
    """The state letter in /proc/PID/stat (R, S, T, ...)."""
    with open('/proc/%d/stat' % pid) as f:
        return f.read().rsplit(')', 1)[1].split()[0]


def gattd_binary():
    path = os.environ.get('GATTD')
    if not path:
        raise unittest.SkipTest('GATTD is not set (meson sets it to the built gattd)')
    return path


def gattd_command(*args):
    """$GATTD_WRAPPER (e.g. "valgrind --error-exitcode=99 -q") + gattd + args."""
    return shlex.split(os.environ.get('GATTD_WRAPPER', '')) + [gattd_binary()] + list(args)


def write_config_dir(directory, daemon=None, advertising=None, services=None, pairing=None, advertisements=None):
    """DIR/gattd.conf from dicts of keys ({} writes the group empty, None leaves
    it out), advertisements {NAME: keys} as [Advertising NAME] groups, and
    DIR/services.d/NAME from {NAME: text}. gattd.conf is private (0600), as one
    holding a [Pairing] Passkey= must be."""
    os.makedirs(os.path.join(directory, 'services.d'), exist_ok=True)
    lines = []
    groups = [('Daemon', daemon), ('Advertising', advertising)]
    groups += [('Advertising %s' % name, keys) for name, keys in (advertisements or {}).items()]
    for group, keys in groups + [('Pairing', pairing)]:
        if keys is None:
            continue
        lines.append('[%s]' % group)
        lines += ['%s=%s' % (k, v) for k, v in keys.items()]
        lines.append('')
    with open(os.open(os.path.join(directory, 'gattd.conf'), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
              'w') as f:
        f.write('\n'.join(lines))
    os.chmod(os.path.join(directory, 'gattd.conf'), 0o600)
    for name, text in (DEFAULT_SERVICES if services is None else services).items():
        with open(os.path.join(directory, 'services.d', name), 'w') as f:
            f.write(textwrap.dedent(text))
    return directory


class GattdTestCase(unittest.TestCase):
    """A private bus, a FakeBluez with hci0 (not yet started) and helpers to run gattd."""

    # The bluetoothd version the fake imitates where versions differ
    # (fakebluez.PROFILES); a test class sets its own.
    bluez_version = fakebluez.DEFAULT_VERSION

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix='gattd-bus-')
        self.gattd = None
        self.gattd_log_path = os.path.join(self.tmpdir, 'gattd.log')
        self.socket_path = os.path.join(self.tmpdir, 'gattd.sock')
        # $STATE_DIRECTORY of every gattd the test starts (Persist=true values).
        self.state_dir = os.path.join(self.tmpdir, 'state')
        self.expect_gattd_running = False
        self.bus_daemon = None
        self.bus_address = self._start_bus()
        self.bus = dbus.bus.BusConnection(self.bus_address)
        self.addCleanup(lambda: self.bus.close())
        self.fake = fakebluez.FakeBluez(self.bus_address, version=self.bluez_version)
        self.addCleanup(self.fake.shutdown)
        self.fake.add_adapter('hci0', HCI0_ADDRESS)

    def tearDown(self):
        if self.gattd is not None and self.gattd.poll() is None:
            self.stop_gattd()
        self.assertEqual(self.fake.protocol_errors, [],
                         'gattd did something real bluetoothd would not accept')

    def run(self, result=None):
        # Print the daemon's log and the fake's trace for failed tests only, then
        # remove the temp dir (after the cleanups have stopped every process).
        if result is None:
            return super().run(result)
        before = len(result.failures) + len(result.errors)
        interrupted = False
        try:
            return super().run(result)
        except KeyboardInterrupt:           # also SIGTERM from meson's timeout (run-test.py)
            interrupted = True
            raise
        finally:
            if interrupted or len(result.failures) + len(result.errors) > before:
                self._print_diagnostics()
            if getattr(self, 'tmpdir', None):
                shutil.rmtree(self.tmpdir, ignore_errors=True)

    def _print_diagnostics(self):
        out = sys.stderr
        out.write('\n===== %s: gattd log (%s) =====\n' % (self.id(), self.gattd_log_path))
        try:
            with open(self.gattd_log_path, errors='replace') as f:
                out.write(f.read())
        except OSError:
            out.write('(gattd was not started)\n')
        if getattr(self, 'fake', None) is not None:
            out.write('===== fake bluetoothd trace =====\n')
            out.write('\n'.join(self.fake.trace_lines[-400:]) + '\n')
            if self.fake.protocol_errors:
                out.write('===== protocol errors =====\n' + '\n'.join(self.fake.protocol_errors) + '\n')
        out.write('===== end of %s =====\n' % self.id())
        out.flush()

    # -------------------------------------------------------------- processes

    def _start_bus(self):
        """Start a dbus-daemon listening at TMPDIR/bus (a stale socket file there
        is replaced). Returns its address without the guid, as the system bus
        address is known to clients, so the same address reaches a restarted bus."""
        socket_path = os.path.join(self.tmpdir, 'bus')
        config = os.path.join(self.tmpdir, 'bus.conf')
        with open(config, 'w') as f:
            f.write(BUS_CONFIG.format(socket=socket_path))
        with open(os.path.join(self.tmpdir, 'dbus-daemon.log'), 'a') as log:
            daemon = subprocess.Popen(
                ['dbus-daemon', '--config-file=' + config, '--nofork', '--print-address=1'],
                stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
                preexec_fn=_child_dies_with(os.getpid()))
        self.addCleanup(self._stop_process, daemon)
        self.bus_daemon = daemon
        address = daemon.stdout.readline().decode().strip()
        daemon.stdout.close()
        if not address:
            raise RuntimeError('dbus-daemon did not start: %s' % open(
                os.path.join(self.tmpdir, 'dbus-daemon.log')).read())
        return ','.join(part for part in address.split(',') if not part.startswith('guid='))

    def restart_bus(self):
        """The system bus daemon dies and a new one starts at the same address."""
        self.kill_bus()
        self.start_bus_again()

    def kill_bus(self):
        """The system bus daemon dies (SIGKILL: no goodbye to anyone); bluetoothd
        (the fake) loses its connection too."""
        self._stop_process(self.bus_daemon)
        self.fake.bus_lost()

    def start_bus_again(self):
        """A new bus daemon at the same address; bluetoothd (the fake) comes back
        on it, as systemd would restart it. gattd is on its own."""
        old_bus = self.bus
        address = self._start_bus()
        assert address == self.bus_address, (address, self.bus_address)
        self.bus = dbus.bus.BusConnection(self.bus_address)
        old_bus.close()
        self.fake.start()

    @staticmethod
    def _stop_process(process):
        if process.poll() is None:
            process.kill()
        process.wait()

    def config_dir(self, adapter='auto', advertising=None, services=None, daemon=None, pairing=None,
                   advertisements=None):
        """Write a config dir: [Daemon] with small retry delays, [Advertising]
        enabled with LocalName, [Advertising NAME] groups from advertisements
        ({NAME: keys}), services battery.conf + settings.conf unless given."""
        # Each test's gattd listens for local clients in the test's temp dir.
        daemon_keys = {'Adapter': adapter, 'RetryMinMs': '50', 'RetryMaxMs': '400',
                       'Socket': self.socket_path}
        daemon_keys.update(daemon or {})
        advertising_keys = {'Enabled': 'true', 'LocalName': LOCAL_NAME}
        advertising_keys.update(advertising or {})
        directory = tempfile.mkdtemp(prefix='config-', dir=self.tmpdir)
        return write_config_dir(directory, daemon_keys, advertising_keys, services, pairing, advertisements)

    def gattd_env(self):
        """The environment gattd runs in: the private bus as the system bus, the
        test's own state directory, and nothing of a service manager (the runner
        itself may run under systemd)."""
        env = dict(os.environ)
        for key in ('DBUS_SESSION_BUS_ADDRESS', 'DBUS_STARTER_ADDRESS', 'DBUS_STARTER_BUS_TYPE',
                    'NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'LISTEN_FDS', 'LISTEN_PID',
                    'LISTEN_FDNAMES', 'JOURNAL_STREAM'):
            env.pop(key, None)
        env['DBUS_SYSTEM_BUS_ADDRESS'] = self.bus_address
        env['STATE_DIRECTORY'] = self.state_dir
        env.setdefault('G_DEBUG', 'fatal-criticals')
        return env

    def start_gattd(self, config_dir=None, start_bluez=True, args=(), listen_fd=None, env=None,
                    launcher=(), stderr=None, preexec=None, **config):
        """Start bluetoothd (the fake) unless told not to, then gattd (with extra
        command line args, if given). listen_fd: a listening socket passed the way
        systemd socket activation passes it (fd 3, LISTEN_FDS=1, LISTEN_PID).
        env: variables added to gattd_env(). launcher: a command that execs gattd
        in its own process (e.g. systemd-socket-activate ...), so that self.gattd
        is gattd once it runs. stderr: a file descriptor for gattd's stderr instead
        of the log file (the test then writes what it reads there to
        gattd_log_path itself). preexec: run in the child before exec (e.g. to
        set resource limits)."""
        if start_bluez and not self.fake.running:
            self.fake.start()
        if config_dir is None:
            config_dir = self.config_dir(**config)
        command = list(launcher) + gattd_command('--config-dir', config_dir, '--verbose', *args)
        pass_fds = ()
        if listen_fd is not None:
            # LISTEN_PID must be gattd's pid: sh sets it to its own, then execs.
            command = ['sh', '-c', 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@" 3<&%d %d<&-' % (listen_fd, listen_fd),
                       'sh'] + command
            pass_fds = (listen_fd,)
        process_env = self.gattd_env()
        process_env.update(env or {})
        dies_with_us = _child_dies_with(os.getpid())

        def child_setup():
            dies_with_us()
            if preexec is not None:
                preexec()

        with open(self.gattd_log_path, 'a') as log:
            self.gattd = subprocess.Popen(
                command, env=process_env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=log if stderr is None else stderr,
                pass_fds=pass_fds, preexec_fn=child_setup)
        self.addCleanup(self._stop_process, self.gattd)
        self.expect_gattd_running = True
        return self.gattd

    def start_registered(self, on='hci0', **config):
        """Start bluetoothd and gattd (config: keywords of config_dir()); wait for
        the application to be registered and the advertisement to be on the air
        on adapter `on`."""
        self.start_gattd(**config)
        app = self.wait_app_registered(on)
        self.wait_on_air(on)
        return app

    def stop_gattd(self):
        """SIGTERM: gattd must exit 0 within EXIT_TIMEOUT, having unregistered its
        advertisement and application from a running bluetoothd."""
        name = self.gattd_bus_name() if self.gattd.poll() is None else None
        active = [r for r in self.fake.apps + self.fake.adverts if r.active and r.owner == name]
        self.expect_gattd_running = False
        self.gattd.send_signal(signal.SIGTERM)
        self.wait_until(lambda: self.gattd.poll() is not None, 'gattd to exit after SIGTERM',
                        timeout=EXIT_TIMEOUT)
        self.assertEqual(self.gattd.returncode, 0, 'gattd exit status after SIGTERM')
        self.wait_until(lambda: all(r.ended for r in active),
                        'bluetoothd to notice that gattd is gone')
        self.assertEqual([(r.path, r.adapter, r.ended) for r in active],
                         [(r.path, r.adapter, 'unregistered') for r in active],
                         'what gattd left registered at exit (expected everything unregistered)')

    def kill_gattd(self):
        """SIGKILL (a crash, or the OOM killer): gattd says goodbye to nobody.
        Returns once bluetoothd (the fake) has freed what gattd had registered."""
        self.expect_gattd_running = False
        self.gattd.kill()
        self.gattd.wait()
        self.wait_until(lambda: self.fake.active_app() is None and self.fake.active_advert() is None,
                        'bluetoothd to notice that gattd is gone')

    def gattd_log(self):
        """Everything every gattd of this test logged so far."""
        with open(self.gattd_log_path, errors='replace') as f:
            return f.read()

    @contextlib.contextmanager
    def gattd_frozen(self):
        """gattd stopped (SIGSTOP) for the block, then continued: what the test does
        meanwhile is all pending when gattd next looks, as when things happen at
        once on a busy system. Use asynchronous calls inside (the fake's
        begin_write_value), nothing that waits for gattd."""
        self.gattd.send_signal(signal.SIGSTOP)
        try:
            self.wait_until(lambda: _process_state(self.gattd.pid) == 'T', 'gattd to stop (SIGSTOP)')
            yield
        finally:
            self.gattd.send_signal(signal.SIGCONT)

    # ------------------------------------------------------------------ waits

    def wait_until(self, condition, what, timeout=None):
        """Iterate the main loop until condition() is true; fail after timeout
        seconds, or as soon as gattd exits while it should be running. what
        describes the wait (a callable: computed when the wait fails)."""
        timeout = WAIT_TIMEOUT if timeout is None else timeout
        context = GLib.MainContext.default()
        deadline = time.monotonic() + timeout
        tick = GLib.timeout_add(20, lambda: True)   # wake up to look at the clock and gattd
        try:
            while True:
                if condition():
                    return
                if self.expect_gattd_running and self.gattd is not None and self.gattd.poll() is not None:
                    self.fail('gattd exited (status %s) while waiting for %s'
                              % (self.gattd.returncode, what() if callable(what) else what))
                if time.monotonic() > deadline:
                    self.fail('timed out after %.0f s waiting for %s'
                              % (timeout, what() if callable(what) else what))
                context.iteration(True)
        finally:
            GLib.source_remove(tick)

    def wait_app_registered(self, adapter='hci0'):
        self.wait_until(lambda: self.fake.active_app(adapter) is not None,
                        'the GATT application to be registered on %s' % adapter)
        self.sync_with_gattd()
        return self.fake.active_app(adapter)

    def wait_on_air(self, adapter='hci0'):
        self.wait_until(lambda: self.fake.on_air(adapter),
                        'the advertisement to be on the air on %s' % adapter)
        self.sync_with_gattd()
        return self.fake.active_advert(adapter)

    def socket_accepts(self, path=None):
        """Whether a client can connect to path (gattd's socket by default) now:
        the socket file appears at bind(), connections succeed only after listen()."""
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path or self.socket_path)
            return True
        except (FileNotFoundError, ConnectionRefusedError):
            return False
        finally:
            probe.close()

    def wait_listening(self, path=None):
        """Wait until a client can connect to path (gattd's socket by default)."""
        self.wait_until(lambda: self.socket_accepts(path), 'a listening socket at %s' % (path or self.socket_path))

    def gattd_bus_name(self):
        """gattd's unique name on the bus, or None while it is not connected."""
        for name in self.bus.list_names():
            if not name.startswith(':') or name == self.bus.get_unique_name():
                continue
            try:
                pid = self.bus.call_blocking('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                             'org.freedesktop.DBus', 'GetConnectionUnixProcessID', 's', (name,))
            except dbus.exceptions.DBusException:
                continue            # left meanwhile
            if pid == self.gattd.pid:
                return str(name)
        return None

    def wait_gattd_on_bus(self):
        self.wait_until(lambda: self.gattd_bus_name() is not None, 'gattd to connect to the bus')
        return self.gattd_bus_name()

    def sync_with_gattd(self):
        """A round trip from org.bluez to gattd (org.freedesktop.DBus.Peer.Ping,
        answered by libdbus in order with everything else): afterwards gattd has
        handled every message bluetoothd sent before, and whatever gattd sent in
        reaction has reached the fake. Used before asserting that something did
        not happen, and after the fake finished a registration, so that gattd
        knows about it too."""
        app = self.fake.active_app()
        name = app.owner if app is not None else self.gattd_bus_name()
        if name is not None and self.fake.running:
            self.fake.call_app(name, '/', 'org.freedesktop.DBus.Peer', 'Ping')

    # ------------------------------------------------------------- assertions

    def assertAtt(self, code, write, function, *args, **kwargs):
        """function (a fake central's read or write) must fail with the D-Bus error
        that bluetoothd turns into ATT error code for the central (FakeBluez.att_code)."""
        try:
            function(*args, **kwargs)
        except DBusCallError as e:
            self.assertEqual(self.fake.att_code(e, write), code, e)
            return e
        self.fail('%s did not fail' % function.__name__)

    def assertDBusError(self, name, function, *args, **kwargs):
        """function(*args, **kwargs) must fail with the D-Bus error name."""
        try:
            result = function(*args, **kwargs)
        except DBusCallError as e:
            self.assertEqual(e.name, name, 'D-Bus error (message: %s)' % e.message)
            return e
        except dbus.exceptions.DBusException as e:
            self.assertEqual(e.get_dbus_name(), name, 'D-Bus error (message: %s)' % e.get_dbus_message())
            return e
        self.fail('expected %s, got a reply (%r)' % (name, result))
