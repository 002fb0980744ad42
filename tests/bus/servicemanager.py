# SPDX-License-Identifier: LGPL-2.1-or-later
"""
servicemanager.py: the service manager's side of sd_notify(3).

systemd gives a Type=notify service the path of a datagram socket in
$NOTIFY_SOCKET; the service sends "READY=1", "STATUS=...", "WATCHDOG=1",
"RELOADING=1", "STOPPING=1" lines to it. NotifySocket is that socket for a test:
it reads on the GLib main context like the fake bluetoothd, so a test waits for
a message while the fake keeps answering gattd. SO_PASSCRED makes the kernel
attach the sender's pid to every datagram, as systemd sees it (NotifyAccess=main
drops messages from any other process).

snapshot: a callable run with each message as it is read, its result kept
with the message. The fake runs on the same main context, so a snapshot of the fake taken
when READY=1 is read is what bluetoothd had done before gattd said it was ready.
"""

import os
import re
import socket
import struct

from gi.repository import GLib

_UCRED = struct.Struct('iII')      # struct ucred: pid, uid, gid


class NotifyMessage:
    """One datagram: its fields in order, the sender's pid, the snapshot."""

    def __init__(self, text, pid):
        self.text = text
        self.pid = pid
        self.snapshot = None
        self.fields = [tuple(line.split('=', 1)) if '=' in line else (line, None)
                       for line in text.split('\n') if line]

    def get(self, key):
        for k, v in self.fields:
            if k == key:
                return v
        return None

    def has(self, key, value=None):
        return any(k == key and (value is None or v == value) for k, v in self.fields)

    def __repr__(self):
        return '<notify pid=%s %r>' % (self.pid, self.text)


class NotifySocket:
    """A datagram socket for $NOTIFY_SOCKET (in the test's temp dir unless path
    is given); messages kept in order."""

    def __init__(self, test, path=None, snapshot=None):
        self.test = test
        self.path = path or os.path.join(test.tmpdir, 'notify')
        self.snapshot = snapshot
        self.messages = []
        self._cursor = 0
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self.sock.bind(self.path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.setblocking(False)
        self._watch = GLib.io_add_watch(self.sock.fileno(), GLib.PRIORITY_DEFAULT, GLib.IO_IN,
                                        lambda *_: self.read_pending())
        test.addCleanup(self.close)

    @property
    def env(self):
        """What to add to gattd's environment."""
        return {'NOTIFY_SOCKET': self.path}

    def close(self):
        if self._watch is not None:
            GLib.source_remove(self._watch)
            self._watch = None
        self.sock.close()

    def read_pending(self):
        """Read every datagram queued now. Call it after gattd exited: what it
        sent before exiting is all in the socket by then."""
        while True:
            try:
                data, ancillary, _, _ = self.sock.recvmsg(65536, socket.CMSG_SPACE(_UCRED.size))
            except BlockingIOError:
                return True
            pid = None
            for level, kind, cdata in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = _UCRED.unpack(cdata[:_UCRED.size])[0]
            message = NotifyMessage(data.decode('utf-8', 'backslashreplace'), pid)
            if self.snapshot:
                message.snapshot = self.snapshot(message)
            self.messages.append(message)

    # ---------------------------------------------------------------- queries

    def with_field(self, key, value=None):
        """The messages that carry key (=value), in order."""
        return [m for m in self.messages if m.has(key, value)]

    def index_of(self, key, value=None, start=0):
        """Index of the first message from start on that carries key (=value), or None."""
        for i in range(start, len(self.messages)):
            if self.messages[i].has(key, value):
                return i
        return None

    def statuses(self):
        return [m.get('STATUS') for m in self.messages if m.has('STATUS')]

    def wait(self, key, value=None, matching=None):
        """The next message (after the last one waited for) that carries key
        (=value, or with a value that the regular expression matching matches
        from its start); messages in between are skipped."""
        found = []

        def condition():
            for i in range(self._cursor, len(self.messages)):
                v = self.messages[i].get(key)
                if self.messages[i].has(key, value) and (matching is None or re.match(matching, v or '')):
                    self._cursor = i + 1
                    found.append(self.messages[i])
                    return True
            return False
        wanted = key + ('=' + value if value is not None else '') + (' ~ ' + matching if matching else '')
        self.test.wait_until(condition, lambda: '%s on NOTIFY_SOCKET (messages after the last one '
                             'waited for: %r)' % (wanted, self.messages[self._cursor:]))
        return found[0]

    def wait_count(self, key, value, count):
        """Wait until count messages carry key=value; returns them."""
        self.test.wait_until(lambda: len(self.with_field(key, value)) >= count,
                             lambda: '%d messages with %s=%s on NOTIFY_SOCKET (got %r)'
                             % (count, key, value, self.messages))
        return self.with_field(key, value)
