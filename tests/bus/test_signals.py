# SPDX-License-Identifier: LGPL-2.1-or-later
"""gattd and the signals it gets: a log reader that goes away (SIGPIPE) is not
the end of gattd; SIGHUP, SIGTERM and SIGINT that arrive while gattd starts are
held and acted on once it runs.

gattd's stderr is a pipe here, the test holding its reading end (StderrPipe);
what the test reads goes to the test's gattd log as usual."""

import os
import platform
import signal
import unittest

from gi.repository import GLib

from clients import LocalClient
from harness import GattdTestCase
from servicemanager import NotifySocket
from test_reload import EXTRA, EXTRA_CONF
from test_service_manager import needs_libsystemd


# write(2) in /proc/PID/syscall, for kernels whose /proc/PID/wchan says nothing.
_WRITE_SYSCALL = {'x86_64': 1, 'aarch64': 64, 'riscv64': 64}.get(platform.machine())


def blocked_writing_to_a_pipe(pid):
    """Whether process pid sleeps in write() on a full pipe (gattd: its stderr)."""
    try:
        with open('/proc/%d/wchan' % pid) as f:
            if 'pipe_write' in f.read():
                return True
        with open('/proc/%d/syscall' % pid) as f:
            fields = f.read().split()
    except OSError:
        return False
    return _WRITE_SYSCALL is not None and fields[:2] == [str(_WRITE_SYSCALL), '0x2']


class StderrPipe:
    """A pipe for gattd's stderr. full=True fills it first, so that gattd's first
    log line blocks gattd until the test starts reading: start-up held at a
    point the test can see (blocked_writing_to_a_pipe), for as long as it likes."""

    def __init__(self, test, full=False):
        self.test = test
        self.read_fd, self.write_fd = os.pipe2(os.O_CLOEXEC)
        self.filler = self._fill() if full else 0
        self._watch = None
        test.addCleanup(self.close)

    def _fill(self):
        """Fill the pipe to the last byte; returns how many bytes that took."""
        filled = 0
        os.set_blocking(self.write_fd, False)
        try:
            for chunk in (b'#' * 4096, b'#'):
                try:
                    while True:
                        filled += os.write(self.write_fd, chunk)
                except BlockingIOError:
                    pass
        finally:
            os.set_blocking(self.write_fd, True)
        return filled

    def gattd_started(self):
        """gattd holds the writing end now; the test lets go of its own."""
        os.close(self.write_fd)
        self.write_fd = None

    def start_reading(self):
        """Read what gattd writes into the test's gattd log, as it comes."""
        os.set_blocking(self.read_fd, False)
        self._watch = GLib.io_add_watch(self.read_fd, GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP,
                                        lambda *_: self._on_readable())

    def _on_readable(self):
        with open(self.test.gattd_log_path, 'ab') as log:
            while True:
                try:
                    data = os.read(self.read_fd, 65536)
                except BlockingIOError:
                    return True
                if not data:
                    self._watch = None
                    return False
                skip = min(self.filler, len(data))
                self.filler -= skip
                log.write(data[skip:])

    def close_reader(self):
        """The reader goes away: gattd's next write to stderr fails with EPIPE
        (and raises SIGPIPE)."""
        if self._watch is not None:
            self._on_readable()
            GLib.source_remove(self._watch)
            self._watch = None
        os.close(self.read_fd)
        self.read_fd = None

    def close(self):
        if self._watch is not None:
            GLib.source_remove(self._watch)
            self._watch = None
        for fd in (self.read_fd, self.write_fd):
            if fd is not None:
                os.close(fd)
        self.read_fd = self.write_fd = None


class LostLogReaderTest(GattdTestCase):
    """Outside systemd, gattd's stderr may be a pipe into a logger (gattd 2>&1 |
    logger) that dies. gattd must go on without a log."""

    def test_gattd_whose_log_reader_went_away_keeps_serving_and_following_the_adapter(self):
        pipe = StderrPipe(self)
        self.start_gattd(stderr=pipe.write_fd)
        pipe.gattd_started()
        pipe.start_reading()
        self.wait_app_registered()
        self.wait_on_air()
        client = LocalClient(self)
        client.watch()
        pipe.close_reader()
        # Each of these makes gattd log: lifecycle transitions, clients coming and going.
        self.fake.set_powered('hci0', False)
        # Not client.wait_event(): that ends at the client's end of stream, this says how gattd ended.
        self.wait_until(lambda: client.events_named('unregistered'), 'the unregistered event after power-off')
        self.assertEqual(client.events_named('unregistered')[0]['reason'], 'adapter-down')
        for _ in range(20):
            passing = LocalClient(self)
            passing.ok('hello')
            passing.close()
        self.fake.set_powered('hci0', True)
        self.wait_on_air()
        client.wait_event('registered', adapter='hci0')
        self.assertEqual(client.ok('status')['state'], 'ADVERTISING')
        self.assertEqual(LocalClient(self).ok('get', char='battery/level')['typed'], 100)
        self.stop_gattd()


class SignalsDuringStartUpTest(GattdTestCase):
    """gattd's start-up (configuration, objects, socket) is held on its first log
    line here: its stderr is a full pipe, and the test reads only after sending
    the signal. So the signal provably arrives inside start-up, before gattd's
    main loop runs, however fast or slow the machine. (A signal sent at once
    after spawning may arrive before main(), while the dynamic loader runs, and
    kill any program: that is not what is tested.)"""

    def start_held(self, config_dir=None, env=None):
        """Start gattd; return its StderrPipe once gattd is blocked writing its first log line."""
        pipe = StderrPipe(self, full=True)
        self.start_gattd(config_dir, stderr=pipe.write_fd, env=env)
        pipe.gattd_started()
        self.wait_until(lambda: blocked_writing_to_a_pipe(self.gattd.pid),
                        'gattd to block on its first log line (stderr is a full pipe)')
        return pipe

    def test_sighup_during_start_up_reloads_the_configuration_once_running(self):
        config = self.config_dir()
        pipe = self.start_held(config)
        # The configuration changes while gattd starts, and gattd is told so.
        with open(os.path.join(config, 'services.d', 'extra.conf'), 'w') as f:
            f.write(EXTRA_CONF)
        self.gattd.send_signal(signal.SIGHUP)
        pipe.start_reading()
        self.wait_until(lambda: 'SIGHUP arrived during start-up; reloading the configuration' in self.gattd_log(),
                        'gattd to log that a SIGHUP came during start-up')
        self.wait_listening()
        client = LocalClient(self)
        self.wait_until(lambda: client.ok('status')['generation'] == 2, 'the reload asked for during start-up')
        self.assertIn('extra', [service['id'] for service in client.ok('list')['services']])
        self.wait_until(lambda: self.fake.active_app('hci0') is not None and EXTRA in self.fake.active_app('hci0').tree,
                        'the application with the extra service to be registered')
        self.wait_on_air()
        self.stop_gattd()

    def test_sigterm_or_sigint_during_start_up_stops_gattd_with_status_0_once_running(self):
        for signo in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal=signo.name):
                pipe = self.start_held()
                self.gattd.send_signal(signo)
                self.expect_gattd_running = False
                pipe.start_reading()
                self.wait_until(lambda: self.gattd.poll() is not None, 'gattd to exit after %s' % signo.name)
                self.assertEqual(self.gattd.returncode, 0, 'exit status after %s during start-up' % signo.name)
                self.assertIn('%s arrived during start-up; stopping now' % signo.name, self.gattd_log())
                self.wait_until(lambda: self.fake.active_app() is None and self.fake.active_advert() is None,
                                'nothing of gattd left registered with bluetoothd')
                pipe.close()

    def test_sighup_during_start_up_sends_ready_only_once_registered_and_no_reloading_before(self):
        needs_libsystemd(self)
        notify = NotifySocket(self, snapshot=lambda message: self.fake.on_air('hci0'))
        pipe = self.start_held(env=notify.env)
        self.gattd.send_signal(signal.SIGHUP)
        pipe.start_reading()
        ready = notify.wait('READY', '1')
        self.assertIs(ready.snapshot, True, 'on the air when READY=1 came')
        self.assertEqual(notify.with_field('RELOADING'), [], 'RELOADING=1 before READY=1')
        self.assertEqual(LocalClient(self).ok('status')['generation'], 2)
        self.stop_gattd()
        notify.read_pending()
        self.assertEqual(len(notify.with_field('READY')), 1, notify.messages)


if __name__ == '__main__':
    unittest.main()
