"""gattd and the signals it gets: a log reader that goes away (SIGPIPE) is not
the end of gattd.

gattd's stderr is a pipe here, the test holding its reading end (StderrPipe);
what the test reads goes to the test's gattd log as usual."""

import os
import platform
import unittest

from gi.repository import GLib

from clients import LocalClient
from harness import GattdTestCase

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


if __name__ == '__main__':
    unittest.main()
