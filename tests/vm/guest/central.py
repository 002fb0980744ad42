# SPDX-License-Identifier: LGPL-2.1-or-later
"""central.py: the test's BLE central, an ATT client on a raw L2CAP socket.

It talks to the peripheral over the (virtual) air through the kernel's own LE
and L2CAP code, not through bluetoothd, like a phone would: connect, discover
services/characteristics/descriptors, read, write with and without response,
subscribe through the CCCD and collect notifications. Every request has a
deadline, so a peripheral that stops answering fails a check instead of hanging.
(gatttool does the same, but cannot send a Write Command without hanging and
opens one connection per operation.)
"""
import ctypes
import errno
import select
import socket
import struct
import time

AF_BLUETOOTH = 31
BTPROTO_L2CAP = 0
ATT_CID = 4
BDADDR_LE_PUBLIC = 1

# ATT opcodes (Core spec vol 3 part F 3.4).
ERROR_RSP = 0x01
MTU_REQ, MTU_RSP = 0x02, 0x03
FIND_INFO_REQ, FIND_INFO_RSP = 0x04, 0x05
READ_BY_TYPE_REQ, READ_BY_TYPE_RSP = 0x08, 0x09
READ_REQ, READ_RSP = 0x0A, 0x0B
READ_BLOB_REQ, READ_BLOB_RSP = 0x0C, 0x0D
READ_BY_GROUP_REQ, READ_BY_GROUP_RSP = 0x10, 0x11
WRITE_REQ, WRITE_RSP = 0x12, 0x13
NOTIFY = 0x1B
INDICATE, CONFIRM = 0x1D, 0x1E
WRITE_CMD = 0x52

ATT_ERROR_NAMES = {
    0x01: 'invalid handle', 0x02: 'read not permitted', 0x03: 'write not permitted',
    0x04: 'invalid PDU', 0x05: 'insufficient authentication', 0x06: 'request not supported',
    0x07: 'invalid offset', 0x08: 'insufficient authorization', 0x0A: 'attribute not found',
    0x0B: 'attribute not long', 0x0D: 'invalid attribute value length', 0x0E: 'unlikely error',
    0x11: 'insufficient resources',
}

PRIMARY_SERVICE = 0x2800
CHARACTERISTIC = 0x2803
CCCD = '00002902-0000-1000-8000-00805f9b34fb'
BASE_UUID_TAIL = '-0000-1000-8000-00805f9b34fb'

PROPERTY_NAMES = [(0x02, 'read'), (0x04, 'write-without-response'), (0x08, 'write'),
                  (0x10, 'notify'), (0x20, 'indicate')]

_libc = ctypes.CDLL(None, use_errno=True)


class CentralError(Exception):
    """The link failed, or the peer did not answer in time."""


class AttError(CentralError):
    """The peer answered a request with an ATT Error Response."""

    def __init__(self, request, handle, code):
        self.request, self.handle, self.code = request, handle, code
        name = ATT_ERROR_NAMES.get(code, 'application error' if 0x80 <= code <= 0x9F else 'error')
        super().__init__(f'ATT error 0x{code:02x} ({name}) for request 0x{request:02x} on handle 0x{handle:04x}')


def full_uuid(text):
    """Normalise '180f', '0x180F' or a 128-bit UUID to the 128-bit lower-case form."""
    text = text.lower().removeprefix('0x')
    if len(text) == 4:
        return f'0000{text}{BASE_UUID_TAIL}'
    if len(text) == 8:
        return f'{text}{BASE_UUID_TAIL}'
    return text


def short_uuid(uuid):
    """'0000180f-0000-...' -> '180f'; 128-bit vendor UUIDs stay whole."""
    if uuid.startswith('0000') and uuid.endswith(BASE_UUID_TAIL):
        return uuid[4:8]
    return uuid


def _uuid_from_bytes(raw):
    if len(raw) == 2:
        return full_uuid('%04x' % struct.unpack('<H', raw)[0])
    h = raw[::-1].hex()
    return f'{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}'


def _sockaddr_l2(address, cid=ATT_CID):
    bdaddr = bytes(int(part, 16) for part in reversed(address.split(':')))
    return ctypes.create_string_buffer(
        struct.pack('<HH6sHBx', AF_BLUETOOTH, 0, bdaddr, cid, BDADDR_LE_PUBLIC), 14)


class Characteristic:
    def __init__(self, uuid, decl_handle, value_handle, properties):
        self.uuid, self.decl_handle, self.value_handle = uuid, decl_handle, value_handle
        self.properties = properties
        self.end_handle = value_handle
        self.descriptors = {}  # uuid -> handle

    @property
    def flags(self):
        return [name for bit, name in PROPERTY_NAMES if self.properties & bit]


class Service:
    def __init__(self, uuid, start, end):
        self.uuid, self.start, self.end = uuid, start, end
        self.characteristics = []


class Central:
    """One LE connection from a local controller to a peripheral."""

    MTU = 247

    def __init__(self, local_address, peer_address, log=None):
        self.local, self.peer = local_address, peer_address
        self.log = log or (lambda text: None)
        self.sock = None
        self.mtu = 23
        self.notifications = []  # (handle, value, kind)

    # Connection.
    def connect(self, timeout=10.0):
        """Connect once; raises CentralError if the link is not up within timeout."""
        self.close()
        sock = socket.socket(AF_BLUETOOTH, socket.SOCK_SEQPACKET, BTPROTO_L2CAP)
        try:
            local = _sockaddr_l2(self.local)
            if _libc.bind(sock.fileno(), local, 14) != 0:
                raise CentralError(f'bind to {self.local}: {_errno_text()}')
            sock.setblocking(False)
            peer = _sockaddr_l2(self.peer)
            if _libc.connect(sock.fileno(), peer, 14) != 0:
                err = ctypes.get_errno()
                if err != errno.EINPROGRESS:
                    raise CentralError(f'connect to {self.peer}: {os_strerror(err)}')
                _, writable, _ = select.select([], [sock], [], timeout)
                if not writable:
                    raise CentralError(f'connect to {self.peer}: no link within {timeout:.0f} s')
                err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise CentralError(f'connect to {self.peer}: {os_strerror(err)}')
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self.mtu = 23
        self.notifications = []
        self.log(f'connected to {self.peer} from {self.local}')
        return self

    def connect_within(self, deadline_s, attempt_timeout=10.0):
        """Retry connect() until it works or deadline_s passes; returns seconds taken."""
        start = time.monotonic()
        last = None
        while time.monotonic() - start < deadline_s:
            try:
                self.connect(min(attempt_timeout, max(1.0, deadline_s - (time.monotonic() - start))))
                return time.monotonic() - start
            except CentralError as e:
                last = e
                self.log(f'connect attempt failed: {e}')
                time.sleep(1.0)
        raise CentralError(f'could not connect within {deadline_s:.0f} s (last: {last})')

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None
            self.log(f'disconnected from {self.peer}')

    @property
    def connected(self):
        return self.sock is not None

    # PDU plumbing.
    def _send(self, pdu):
        if not self.sock:
            raise CentralError('not connected')
        try:
            self.sock.send(pdu)
        except OSError as e:
            self.close()
            raise CentralError(f'link lost while sending: {e.strerror}') from None

    def _receive(self, timeout):
        """Next PDU addressed to our client role, or None at timeout.

        Requests the peer's own GATT client sends us (bluetoothd discovers the
        central's database on every connection) are answered here: we serve
        no attributes, and an unanswered request would make it drop the link."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            readable, _, _ = select.select([self.sock], [], [], left)
            if not readable:
                return None
            try:
                pdu = self.sock.recv(1024)
            except OSError as e:
                self.close()
                raise CentralError(f'link lost: {e.strerror}') from None
            if not pdu:
                self.close()
                raise CentralError('link lost: the peer disconnected')
            op = pdu[0]
            if op == MTU_REQ:
                self._send(struct.pack('<BH', MTU_RSP, self.MTU))
            elif op in (FIND_INFO_REQ, 0x06, READ_BY_TYPE_REQ, READ_BY_GROUP_REQ):
                handle = struct.unpack('<H', pdu[1:3])[0] if len(pdu) >= 3 else 0
                self._send(struct.pack('<BBHB', ERROR_RSP, op, handle, 0x0A))
            elif op in (READ_REQ, READ_BLOB_REQ, WRITE_REQ, 0x0E, 0x16, 0x18, 0x20):
                handle = struct.unpack('<H', pdu[1:3])[0] if len(pdu) >= 3 else 0
                self._send(struct.pack('<BBHB', ERROR_RSP, op, handle, 0x01 if op != 0x18 else 0x06))
            elif op == NOTIFY:
                self.notifications.append((struct.unpack('<H', pdu[1:3])[0], bytes(pdu[3:]), 'notification'))
            elif op == INDICATE:
                self.notifications.append((struct.unpack('<H', pdu[1:3])[0], bytes(pdu[3:]), 'indication'))
                self._send(bytes([CONFIRM]))
            elif op & 0x40:
                pass  # a command from the peer: nothing to answer
            else:
                return pdu

    def _request(self, pdu, response_op, timeout=10.0):
        self._send(pdu)
        deadline = time.monotonic() + timeout
        while True:
            rsp = self._receive(max(0.0, deadline - time.monotonic()))
            if rsp is None:
                raise CentralError(f'no answer to request 0x{pdu[0]:02x} within {timeout:.0f} s')
            if rsp[0] == ERROR_RSP and len(rsp) >= 5 and rsp[1] == pdu[0]:
                req, handle, code = struct.unpack('<BHB', rsp[1:5])
                raise AttError(req, handle, code)
            if rsp[0] == response_op:
                return rsp

    # GATT procedures.
    def exchange_mtu(self, timeout=10.0):
        rsp = self._request(struct.pack('<BH', MTU_REQ, self.MTU), MTU_RSP, timeout)
        self.mtu = max(23, min(self.MTU, struct.unpack('<H', rsp[1:3])[0]))
        return self.mtu

    def discover(self):
        """All primary services with their characteristics and descriptors."""
        services = []
        start = 1
        while start <= 0xFFFF:
            try:
                rsp = self._request(struct.pack('<BHHH', READ_BY_GROUP_REQ, start, 0xFFFF, PRIMARY_SERVICE),
                                    READ_BY_GROUP_RSP)
            except AttError as e:
                if e.code == 0x0A:
                    break
                raise
            length = rsp[1]
            last_end = start
            for i in range(2, len(rsp) - length + 1, length):
                s, e = struct.unpack('<HH', rsp[i:i + 4])
                services.append(Service(_uuid_from_bytes(rsp[i + 4:i + length]), s, e))
                last_end = e
            if last_end == 0xFFFF:
                break
            start = last_end + 1
        for service in services:
            self._discover_characteristics(service)
        return services

    def _discover_characteristics(self, service):
        start = service.start
        while start <= service.end:
            try:
                rsp = self._request(struct.pack('<BHHH', READ_BY_TYPE_REQ, start, service.end, CHARACTERISTIC),
                                    READ_BY_TYPE_RSP)
            except AttError as e:
                if e.code == 0x0A:
                    break
                raise
            length = rsp[1]
            for i in range(2, len(rsp) - length + 1, length):
                decl, props, value_handle = struct.unpack('<HBH', rsp[i:i + 5])
                service.characteristics.append(
                    Characteristic(_uuid_from_bytes(rsp[i + 5:i + length]), decl, value_handle, props))
                start = decl + 1
        chars = service.characteristics
        for i, char in enumerate(chars):
            char.end_handle = chars[i + 1].decl_handle - 1 if i + 1 < len(chars) else service.end
            if char.end_handle > char.value_handle:
                char.descriptors = self._find_information(char.value_handle + 1, char.end_handle)

    def _find_information(self, start, end):
        found = {}
        while start <= end:
            try:
                rsp = self._request(struct.pack('<BHH', FIND_INFO_REQ, start, end), FIND_INFO_RSP)
            except AttError as e:
                if e.code == 0x0A:
                    break
                raise
            size = 4 if rsp[1] == 1 else 18
            for i in range(2, len(rsp) - size + 1, size):
                handle = struct.unpack('<H', rsp[i:i + 2])[0]
                found[_uuid_from_bytes(rsp[i + 2:i + size])] = handle
                start = handle + 1
        return found

    def read(self, handle):
        rsp = self._request(struct.pack('<BH', READ_REQ, handle), READ_RSP)
        value = bytes(rsp[1:])
        while len(rsp) - 1 == self.mtu - 1:  # maybe long: continue with Read Blob
            try:
                rsp = self._request(struct.pack('<BHH', READ_BLOB_REQ, handle, len(value)), READ_BLOB_RSP)
            except AttError as e:
                if e.code in (0x07, 0x0B):
                    break
                raise
            value += bytes(rsp[1:])
        return value

    def write(self, handle, value):
        self._request(struct.pack('<BH', WRITE_REQ, handle) + bytes(value), WRITE_RSP)

    def write_command(self, handle, value):
        self._send(struct.pack('<BH', WRITE_CMD, handle) + bytes(value))

    def subscribe(self, char, indicate=False):
        cccd = char.descriptors.get(CCCD)
        if cccd is None:
            raise CentralError(f'characteristic {char.uuid} has no CCCD')
        self.write(cccd, b'\x02\x00' if indicate else b'\x01\x00')

    def wait_notification(self, handle, timeout):
        """The next notification/indication value for handle, or None at timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for i, (h, value, _) in enumerate(self.notifications):
                if h == handle:
                    del self.notifications[i]
                    return value
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            pdu = self._receive(min(left, 0.5))
            if pdu is not None:
                self.log(f'unexpected PDU 0x{pdu[0]:02x} while waiting for a notification, ignoring')

    def ping(self, timeout=5.0):
        """Give the link a chance to report a pending disconnection."""
        if self.sock:
            self._receive(timeout)


def os_strerror(err):
    import os
    return f'{os.strerror(err)} ({err})'


def _errno_text():
    return os_strerror(ctypes.get_errno())
