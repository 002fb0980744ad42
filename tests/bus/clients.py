# SPDX-License-Identifier: LGPL-2.1-or-later
"""
clients.py: the test's side of gattd's local socket (README.md, "Local client protocol").

Everything here reads on the GLib main context, like the fake bluetoothd, so a
test waits for replies, events and program output with the harness's waits
while the fake keeps answering gattd:

- LocalClient: one protocol connection; replies matched by id, events kept in
  order. With read=False it does not read at all (a client that stopped reading)
  until start_reading().
- ChannelClient: a handler channel (README.md, "Handler channel (binary frames)"):
  claims characteristics with `handle` and `"frames": true`, then takes requests and
  sends answers as binary frames (frame_body() and friends build and read them).
- SyncProxy: a socket that client programs (gattctl, client-example) connect to
  instead of gattd's. It forwards each connection to gattd line by line, records
  the lines (a connection's rewrite can change what gattd sends), and sync() tells when gattd has handled everything the program sent
  so far: a hello on the same connection, whose reply the program never sees.
  gattd answers a connection's requests in order, and a waiting next-write does
  not hold up the requests after it, so that reply means the program's requests
  are in effect (a next-write is waiting, a watch is in force).
- ClientProgram: a client program run as a child process, its stdout and stderr
  collected line by line.
"""

import json
import os
import re
import signal
import socket
import struct
import subprocess

from gi.repository import GLib

import harness


class ConnectionClosed(AssertionError):
    pass


def _io_watch(fd, callback):
    return GLib.io_add_watch(fd, GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP | GLib.IO_ERR,
                             lambda *_: callback())


def _send_all(sock, data):
    """Write all of data to a non-blocking socket. The peer reads on its own (it
    is another process); one that stopped reading fails the test, not hangs it."""
    sock.settimeout(harness.WAIT_TIMEOUT)
    try:
        sock.sendall(data)
    finally:
        sock.setblocking(False)


def _read_socket(client, take):
    """The io watch of a client (LocalClient, ChannelClient): append what its socket
    holds to client.buffer and take() what is whole, until EAGAIN (keep watching) or
    the end (client.eof; client.error for ECONNRESET: gattd closed with what we sent
    unread)."""
    while not client.eof:
        try:
            chunk = client.sock.recv(65536)
        except BlockingIOError:
            return True
        except OSError as e:
            client.error, chunk = e, b''
        if not chunk:
            client.eof = True
            break
        client.buffer += chunk
        take()
    client._watch = None
    return False


class LocalClient:
    """One connection to gattd's socket (path: the test's gattd by default)."""

    def __init__(self, test, path=None, read=True):
        self.test = test
        self._watch = None
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        test.addCleanup(self.close)
        self.sock.connect(path or test.socket_path)     # on failure the cleanup closes it
        self.sock.setblocking(False)
        self.buffer = b''
        self.lines = []             # every line received, parsed, in order
        self.events = []            # the event lines among them
        self.replies = {}           # id -> reply, for ids this client chose
        self.eof = False
        self.error = None           # OSError that ended the connection, if any
        self._event_cursor = 0
        self._next_id = 0
        self.on_event = None        # called with each event as it arrives (a handler answering at once)
        if read:
            self.start_reading()

    def start_reading(self):
        if self._watch is None and not self.eof:
            self._watch = _io_watch(self.sock.fileno(), self._on_readable)

    def stop_reading(self):
        """Leave what gattd sends in the socket (a client that stopped reading)."""
        if self._watch is not None:
            GLib.source_remove(self._watch)
            self._watch = None

    def close(self):
        self.stop_reading()
        self.sock.close()

    def _on_readable(self):
        return _read_socket(self, self._take)

    def _take(self):
        while b'\n' in self.buffer:
            line, self.buffer = self.buffer.split(b'\n', 1)
            self._on_line(json.loads(line))

    def _on_line(self, message):
        self.lines.append(message)
        if 'event' in message:
            self.events.append(message)
            if self.on_event:
                self.on_event(message)
        elif type(message.get('id')) is int:        # not bool: ids this client chose
            self.replies[message['id']] = message

    # -------------------------------------------------------------- requests

    def send_line(self, data):
        """Send raw bytes (a request line, a part of one, garbage)."""
        _send_all(self.sock, data)

    def send(self, cmd, **fields):
        """Send a request with a fresh id; returns the id."""
        self._next_id += 1
        request = dict(cmd=cmd, id=self._next_id)
        request.update(fields)
        self.send_line(json.dumps(request).encode() + b'\n')
        return self._next_id

    def send_many(self, cmd, fields_list):
        """Send one request per fields dict, fresh ids, all in one write (a client
        that pipelines a burst); returns the ids."""
        ids, lines = [], []
        for fields in fields_list:
            self._next_id += 1
            request = dict(cmd=cmd, id=self._next_id)
            request.update(fields)
            ids.append(self._next_id)
            lines.append(json.dumps(request).encode() + b'\n')
        self.send_line(b''.join(lines))
        return ids

    def wait_reply(self, request_id):
        self.test.wait_until(lambda: request_id in self.replies or self.eof,
                             'the reply to request %s' % request_id)
        if request_id not in self.replies:
            raise ConnectionClosed('gattd closed the connection before replying to request %s; '
                                   'it sent %r' % (request_id, self.lines))
        return self.replies[request_id]

    def request(self, cmd, **fields):
        """Send a request and wait for its reply, whatever it says."""
        return self.wait_reply(self.send(cmd, **fields))

    def ok(self, cmd, **fields):
        """A request that must succeed; returns the reply."""
        reply = self.request(cmd, **fields)
        self.test.assertIs(reply.get('ok'), True, '%s %r failed: %r' % (cmd, fields, reply))
        return reply

    def error_reply(self, code, cmd, **fields):
        """A request that must fail with code; returns the reply's error object."""
        return self.expect_error(self.request(cmd, **fields), code)

    def expect_error(self, reply, code):
        self.test.assertIs(reply.get('ok'), False, 'expected error %s, got %r' % (code, reply))
        self.test.assertEqual(reply['error']['code'], code, reply)
        self.test.assertIsInstance(reply['error']['message'], str)
        self.test.assertNotEqual(reply['error']['message'], '')
        return reply['error']

    def sync(self):
        """A round trip: gattd has handled everything sent on this connection
        before, and every line it sent before the reply has arrived."""
        self.ok('hello')

    # ---------------------------------------------------------------- events

    def watch(self, chars=None):
        return self.ok('watch', chars=chars) if chars is not None else self.ok('watch')

    def wait_event(self, event, **fields):
        """The next event (after the last one waited for) named event whose fields
        include fields; events in between are skipped."""
        found = []

        def condition():
            for i in range(self._event_cursor, len(self.events)):
                e = self.events[i]
                if e['event'] == event and all(e.get(k) == v for k, v in fields.items()):
                    self._event_cursor = i + 1
                    found.append(e)
                    return True
            return self.eof
        self.test.wait_until(condition, lambda: 'event %s %r (events after the last one waited for: %r)'
                             % (event, fields, self.events[self._event_cursor:]))
        if not found:
            raise ConnectionClosed('gattd closed the connection; events after the last one waited '
                                   'for: %r' % self.events[self._event_cursor:])
        return found[0]

    def events_named(self, *names):
        return [e for e in self.events if e['event'] in names]

    def wait_closed(self):
        self.start_reading()
        self.test.wait_until(lambda: self.eof, 'gattd to close the connection')


# ------------------------------------------------------------ handler channel
# The frames of a handler channel (README.md, "Handler channel (binary frames)";
# src/shared/frame.h): a little-endian u32 size, then that many bytes, type first.

FRAME_READ_REQUEST = 0x01
FRAME_WRITE_REQUEST = 0x02
FRAME_ERROR = 0x03
FRAME_UNHANDLED = 0x04
FRAME_ANSWER = 0x81

FRAME_FLAG_PREPARED = 0x01
FRAME_FLAG_AUTHORIZE = 0x02
FRAME_FLAG_RESPONSE = 0x04

FRAME_SIZE = struct.Struct('<I')
# type, flags, offset, mtu, char_len, desc_len, request, deadline, address_len, reserved, data_len
FRAME_REQUEST_FIXED = struct.Struct('<BBHHBBQqBBH')
# type, code_len, 6 reserved bytes, request
FRAME_ERROR_FIXED = struct.Struct('<BB6sQ')
# type, att, 6 reserved bytes, request
FRAME_ANSWER_FIXED = struct.Struct('<BB6sQ')
# type, flags, char_len, address_len, 4 reserved bytes, tag
FRAME_NOTIFY_FIXED = struct.Struct('<BBBB4sQ')
FRAME_NOTIFY = 0x82

_REQUEST_TYPES = {FRAME_READ_REQUEST: 'read-request', FRAME_WRITE_REQUEST: 'write-request'}


def frame(body):
    """A whole frame: body (type byte first) after its size."""
    return FRAME_SIZE.pack(len(body)) + body


def answer_body(request, att=0, value=b'', frame_type=FRAME_ANSWER, reserved=bytes(6)):
    """An answer frame's body (frame_type and reserved only to make bad ones)."""
    return FRAME_ANSWER_FIXED.pack(frame_type, att, reserved, request) + bytes(value)


def notify_body(char, value, address=None, tag=0, flags=0, reserved=bytes(4)):
    """A notify frame's body (flags and reserved only to make bad ones)."""
    char = char.encode()
    address = (address or '').encode()
    return FRAME_NOTIFY_FIXED.pack(FRAME_NOTIFY, flags, len(char), len(address), reserved, tag) + char + address \
        + bytes(value)


def parse_frame(body):
    """A frame gattd sent, as a dict with 'type' (read-request, write-request, error,
    unhandled) and its fields. Raises ValueError for anything off the layout."""
    if not body:
        raise ValueError('empty frame')
    kind = body[0]
    if kind in _REQUEST_TYPES:
        if len(body) < FRAME_REQUEST_FIXED.size:
            raise ValueError('request frame of %d bytes' % len(body))
        (_, flags, offset, mtu, char_len, desc_len, request, deadline, address_len, reserved,
         data_len) = FRAME_REQUEST_FIXED.unpack_from(body)
        rest = body[FRAME_REQUEST_FIXED.size:]
        strings = char_len + desc_len + address_len
        if reserved:
            raise ValueError('reserved byte 25 is %d' % reserved)
        if len(rest) < strings + data_len:
            raise ValueError('lengths add up to more than the frame')
        if flags & ~(FRAME_FLAG_PREPARED | FRAME_FLAG_AUTHORIZE | FRAME_FLAG_RESPONSE):
            raise ValueError('unknown flags 0x%02x' % flags)
        if kind == FRAME_READ_REQUEST and (flags or data_len or len(rest) > strings):
            raise ValueError('read request with flags, data or a value')
        if char_len == 0 or request == 0:
            raise ValueError('request frame without a characteristic id or request id')
        message = {
            'type': _REQUEST_TYPES[kind], 'flags': flags, 'offset': offset, 'mtu': mtu,
            'request': request, 'deadline': deadline,
            'char': rest[:char_len].decode(),
            'desc': rest[char_len:char_len + desc_len].decode() if desc_len else None,
            'address': rest[char_len + desc_len:strings].decode() if address_len else None,
        }
        if kind == FRAME_WRITE_REQUEST:
            message.update(data=rest[strings:strings + data_len], value=rest[strings + data_len:],
                           prepared=bool(flags & FRAME_FLAG_PREPARED),
                           authorize=bool(flags & FRAME_FLAG_AUTHORIZE),
                           response=bool(flags & FRAME_FLAG_RESPONSE))
        return message
    if kind == FRAME_ERROR:
        if len(body) < FRAME_ERROR_FIXED.size:
            raise ValueError('error frame of %d bytes' % len(body))
        _, code_len, reserved, request = FRAME_ERROR_FIXED.unpack_from(body)
        rest = body[FRAME_ERROR_FIXED.size:]
        if reserved != bytes(6):
            raise ValueError('reserved bytes %r' % reserved)
        if code_len == 0 or len(rest) < code_len:
            raise ValueError('error frame without its code')
        return {'type': 'error', 'request': request, 'code': rest[:code_len].decode(),
                'message': rest[code_len:].decode()}
    if kind == FRAME_UNHANDLED:
        if len(body) < 2 or body[1] == 0 or len(body) < 2 + body[1]:
            raise ValueError('unhandled frame without its characteristic id')
        return {'type': 'unhandled', 'char': body[2:2 + body[1]].decode(), 'reason': body[2 + body[1]:].decode()}
    raise ValueError('unknown frame type 0x%02x' % kind)


class ChannelClient:
    """A handler channel to gattd: connects, sends `handle` with `"frames": true` for
    chars (and the bytes of after in the same send), checks the reply line, then reads
    frames. Requests, error frames and unhandled frames are kept in order in their
    lists; on_request, when set, is called with each request as it arrives and returns
    the keyword arguments of answer() (or None to leave the request pending). A frame
    off the layout is kept in malformed and fails the next wait."""

    # Request ids of sync()'s answers: far beyond any id gattd gives (it counts from 1).
    SYNC_FIRST = 1 << 62

    def __init__(self, test, chars, path=None, after=b''):
        """chars: what `handle` claims; None: a channel without claims (`channel`)."""
        self.test = test
        self.chars = list(chars) if chars is not None else None
        self._watch = None
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        test.addCleanup(self.close)
        self.sock.connect(path or test.socket_path)
        self.sock.setblocking(False)
        self.buffer = b''
        self.reply = None           # the reply to handle (the last line gattd sends)
        self.raw = []               # the body of every frame received, as it came
        self.frames = []            # every frame received (parsed), but sync()'s, in order
        self.requests = []          # the read-request and write-request frames among them
        self.errors = []            # the error frames
        self.unhandled = []         # the unhandled frames
        self.malformed = []         # what gattd sent that is off the layout
        self.eof = False
        self.error = None           # OSError that ended the connection, if any
        self.on_request = None
        self._error_cursor = 0
        self._syncs = 0
        self._sync_pending = set()
        self._watch = _io_watch(self.sock.fileno(), self._on_readable)
        if self.chars is None:
            request, want = dict(cmd='channel', id=1), {'id': 1, 'ok': True, 'frames': True}
        else:
            request = dict(cmd='handle', chars=self.chars, frames=True, id=1)
            want = {'id': 1, 'ok': True, 'chars': self.chars, 'frames': True}
        self.send_raw(json.dumps(request).encode() + b'\n' + after)
        test.wait_until(lambda: self.reply is not None or self.eof, 'the reply to %s' % request['cmd'])
        test.assertEqual(self.reply, want)

    def close(self):
        if self._watch is not None:
            GLib.source_remove(self._watch)
            self._watch = None
        self.sock.close()

    def _on_readable(self):
        return _read_socket(self, self._take)

    def _take(self):
        if self.reply is None:
            if b'\n' not in self.buffer:
                return
            line, self.buffer = self.buffer.split(b'\n', 1)
            self.reply = json.loads(line)
            if self.reply.get('ok') is not True:
                return              # no channel: the constructor fails
        while len(self.buffer) >= FRAME_SIZE.size:
            (size,) = FRAME_SIZE.unpack_from(self.buffer)
            if len(self.buffer) < FRAME_SIZE.size + size:
                return
            body = self.buffer[FRAME_SIZE.size:FRAME_SIZE.size + size]
            self.buffer = self.buffer[FRAME_SIZE.size + size:]
            self._on_frame(body)

    def _on_frame(self, body):
        self.raw.append(body)
        try:
            message = parse_frame(body)
        except (ValueError, UnicodeDecodeError) as e:
            self.malformed.append('%s: %r' % (e, body))
            return
        if message['type'] == 'error' and message['request'] in self._sync_pending:
            self._sync_pending.discard(message['request'])
            if message['code'] != 'not-found':
                self.malformed.append('sync answer got %r' % message)
            return
        self.frames.append(message)
        if message['type'] == 'error':
            self.errors.append(message)
        elif message['type'] == 'unhandled':
            self.unhandled.append(message)
        else:
            self.requests.append(message)
            if self.on_request:
                fields = self.on_request(message)
                if fields is not None:
                    self.answer(message, **fields)

    # ------------------------------------------------------------- sending

    def send_raw(self, data):
        """Send bytes as they are (frames, parts of one, garbage)."""
        _send_all(self.sock, data)

    def send_frame(self, body):
        self.send_raw(frame(body))

    def notify(self, char, value, address=None, tag=0):
        """A notify frame: store value and notify it (to the central at address alone)."""
        self.send_frame(notify_body(char, value, address, tag))

    def answer(self, request, att=0, value=b''):
        """An answer frame to request (a request frame's dict, or its id)."""
        if isinstance(request, dict):
            request = request['request']
        self.send_frame(answer_body(request, att, value))

    # ------------------------------------------------------------- waiting

    def assert_well_formed(self):
        self.test.assertEqual(self.malformed, [], 'gattd sent frames off the layout')

    def sync(self):
        """A round trip: an answer to a request gattd never sent, whose not-found error
        frame (not kept) comes after everything gattd sent for what was sent before."""
        self._syncs += 1
        request = self.SYNC_FIRST + self._syncs
        self._sync_pending.add(request)
        self.answer(request)
        self.test.wait_until(lambda: request not in self._sync_pending or self.eof,
                             'gattd to answer the sync frame')
        if request in self._sync_pending:
            raise ConnectionClosed('gattd closed the channel; it sent %r' % self.frames)
        self.assert_well_formed()

    def wait_requests(self, count):
        """Wait until count requests came; returns them all."""
        self.test.wait_until(lambda: len(self.requests) >= count or self.eof or self.malformed,
                             lambda: '%d requests at the channel (it has %r)' % (count, self.requests))
        self.assert_well_formed()
        self.test.assertGreaterEqual(len(self.requests), count, 'gattd closed the channel')
        return self.requests

    def next_error(self):
        """The next error frame (after the last one waited for)."""
        self.test.wait_until(lambda: len(self.errors) > self._error_cursor or self.eof or self.malformed,
                             lambda: 'an error frame (frames so far: %r)' % self.frames)
        self.assert_well_formed()
        if len(self.errors) <= self._error_cursor:
            raise ConnectionClosed('gattd closed the channel; it sent %r' % self.frames)
        self._error_cursor += 1
        return self.errors[self._error_cursor - 1]

    def expect_error(self, code, request):
        """The next error frame must have code and name request; returns it."""
        error = self.next_error()
        self.test.assertEqual((error['code'], error['request']), (code, request), error)
        self.test.assertNotEqual(error['message'], '')
        return error

    def wait_unhandled(self):
        self.test.wait_until(lambda: self.unhandled or self.eof or self.malformed, 'an unhandled frame')
        self.assert_well_formed()
        self.test.assertTrue(self.unhandled, 'gattd closed the channel')
        return self.unhandled[0]

    def wait_closed(self):
        self.test.wait_until(lambda: self.eof, 'gattd to close the channel')
        self.assert_well_formed()


class ProxiedConnection:
    """One client program's connection, forwarded to gattd."""

    def __init__(self, proxy, down):
        self.proxy = proxy
        self.test = proxy.test
        self.down = down
        self.down.setblocking(False)
        self.up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.up.connect(proxy.target)
        self.up.setblocking(False)
        self.sent = []              # lines the program sent (parsed)
        self.received = []          # lines gattd sent to the program (parsed)
        self.rewrite = None         # a function that changes what gattd sent (parsed) before the program gets it
        self.closed = False
        self._sync_replies = set()
        self._syncs = 0
        self._down_buffer = b''
        self._up_buffer = b''
        self._watches = [_io_watch(down.fileno(), self._on_down), _io_watch(self.up.fileno(), self._on_up)]

    def _read(self, sock):
        data = b''
        while True:
            try:
                chunk = sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return data, False
            except OSError:
                return data, True
            if not chunk:
                return data, True
            data += chunk

    def _on_down(self):
        data, eof = self._read(self.down)
        self._down_buffer += data
        while b'\n' in self._down_buffer:
            line, self._down_buffer = self._down_buffer.split(b'\n', 1)
            self.sent.append(json.loads(line))
            _send_all(self.up, line + b'\n')
        if eof:
            self.close()
        return not eof

    def _on_up(self):
        data, eof = self._read(self.up)
        self._up_buffer += data
        while b'\n' in self._up_buffer:
            line, self._up_buffer = self._up_buffer.split(b'\n', 1)
            message = json.loads(line)
            if message.get('id') in self._sync_replies:
                self._sync_replies.discard(message['id'])
                continue
            self.received.append(message)
            if self.rewrite:
                line = json.dumps(self.rewrite(message)).encode()
            try:
                _send_all(self.down, line + b'\n')
            except OSError:
                pass                # the program is gone; its EOF will follow
        if eof:
            self.close()
        return not eof

    def close(self):
        if self.closed:
            return
        self.closed = True
        for watch in self._watches:
            GLib.source_remove(watch)
        self._watches = []
        self.down.close()
        self.up.close()

    def sync(self):
        """Wait until gattd has handled every line the program sent so far."""
        self._syncs += 1
        token = 'proxy-sync-%d' % self._syncs
        self._sync_replies.add(token)
        _send_all(self.up, json.dumps({'cmd': 'hello', 'id': token}).encode() + b'\n')
        self.test.wait_until(lambda: token not in self._sync_replies or self.closed,
                             'gattd to handle what the program sent')

    def wait_request(self, cmd, count=1):
        """Wait until the program sent its count-th request cmd, and gattd handled it."""
        self.test.wait_until(lambda: len([r for r in self.sent if r.get('cmd') == cmd]) >= count or self.closed,
                             'the program to send %s (#%d)' % (cmd, count))
        self.test.assertFalse(self.closed, 'the program closed the connection')
        self.sync()


class SyncProxy:
    """A socket at path whose connections are forwarded to gattd (see the file header)."""

    def __init__(self, test, path, target=None):
        self.test = test
        self.path = path
        self.target = target or test.socket_path
        self.connections = []
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(16)
        self.listener.setblocking(False)
        self._watch = _io_watch(self.listener.fileno(), self._on_accept)
        test.addCleanup(self.close)

    def _on_accept(self):
        while True:
            try:
                down, _ = self.listener.accept()
            except BlockingIOError:
                return True
            self.connections.append(ProxiedConnection(self, down))

    def close(self):
        GLib.source_remove(self._watch)
        self.listener.close()
        for connection in self.connections:
            connection.close()

    def wait_connection(self, index=0):
        """The index-th connection made through the proxy."""
        self.test.wait_until(lambda: len(self.connections) > index,
                             'a client program to connect (connection %d)' % index)
        return self.connections[index]


class ClientProgram:
    """A client program as a child process, output collected line by line."""

    def __init__(self, test, argv, env=None, stdin=subprocess.DEVNULL):
        """stdin: what the program reads (a file descriptor: a pty's end for a terminal)."""
        self.test = test
        self.argv = list(argv)
        self.stdout_lines = []
        self.stderr_text = ''
        self._partial = {1: b'', 2: b''}
        self.process = subprocess.Popen(
            self.argv, env=env, stdin=stdin, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, preexec_fn=harness._child_dies_with(os.getpid()))
        os.set_blocking(self.process.stdout.fileno(), False)
        os.set_blocking(self.process.stderr.fileno(), False)
        self._open = {1: self.process.stdout, 2: self.process.stderr}
        self._watches = {n: _io_watch(f.fileno(), lambda n=n: self._on_output(n)) for n, f in self._open.items()}
        test.addCleanup(self._cleanup)

    def _on_output(self, n):
        pipe = self._open.get(n)
        if pipe is None:
            return False
        while True:
            try:
                chunk = os.read(pipe.fileno(), 65536)
            except BlockingIOError:
                return True
            if not chunk:
                break
            if n == 1:
                data = self._partial[1] + chunk
                *lines, self._partial[1] = data.split(b'\n')
                self.stdout_lines += [line.decode('utf-8', 'backslashreplace') for line in lines]
            else:
                self.stderr_text += chunk.decode('utf-8', 'backslashreplace')
        if n == 1 and self._partial[1]:
            self.stdout_lines.append(self._partial[1].decode('utf-8', 'backslashreplace'))
            self._partial[1] = b''
        pipe.close()
        del self._open[n]
        del self._watches[n]
        return False

    def _cleanup(self):
        # SIGTERM, and time to exit, before SIGKILL: a program killed while it exits
        # (under .ci/sanitize, LeakSanitizer checking it) leaves a report saying
        # LeakSanitizer could not stop its threads.
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(harness.EXIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait()
        for n in list(self._open):
            GLib.source_remove(self._watches.pop(n))
            self._open.pop(n).close()

    def describe(self):
        return '%s\nstdout:\n%s\nstderr:\n%s' % (' '.join(self.argv), '\n'.join(self.stdout_lines),
                                                  self.stderr_text)

    def wait_line(self, pattern):
        """Wait until a stdout line fully matches the regular expression; returns it."""
        regex = re.compile(pattern)

        def matching():
            return [line for line in self.stdout_lines if regex.fullmatch(line)]
        self.test.wait_until(lambda: matching() or not self._open,
                             lambda: 'a line matching %r from %s' % (pattern, self.describe()))
        self.test.assertTrue(matching(), 'no line matching %r from %s' % (pattern, self.describe()))
        return matching()[0]

    def wait_lines(self, count):
        """Wait until stdout has at least count lines; returns them all."""
        self.test.wait_until(lambda: len(self.stdout_lines) >= count or not self._open,
                             lambda: '%d lines from %s' % (count, self.describe()))
        self.test.assertGreaterEqual(len(self.stdout_lines), count, self.describe())
        return self.stdout_lines

    def wait_exit(self):
        """Wait for the program to exit with all its output read; returns the status."""
        self.test.wait_until(lambda: self.process.poll() is not None and not self._open,
                             lambda: '%s to exit' % self.describe())
        return self.process.returncode

    def terminate(self):
        """SIGTERM; returns the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.wait_exit()
