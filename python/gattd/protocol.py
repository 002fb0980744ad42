# SPDX-License-Identifier: LGPL-2.1-or-later
"""What both clients share: the socket's path, the JSON lines, the errors, and the
fields of the convenience requests."""
import json
import os

DEFAULT_SOCKET = '/run/gattd/gattd.sock'
# A request's timeout for one that waits as long as it takes (next_write without timeout_ms).
FOREVER = float('inf')
# The events a handler answers (handle()).
REQUEST_EVENTS = ('read-request', 'write-request')


class GattdError(Exception):
    """An error reply: code is README's ("not-found", "invalid-value", ...)."""

    def __init__(self, code, message, reply=None):
        super().__init__('%s: %s' % (code, message))
        self.code = code
        self.message = message
        self.reply = reply or {}


class ConnectionClosed(ConnectionError):
    """gattd closed the connection (it stopped, or refused this client: too-many-clients)."""


def socket_path(path=None):
    """path, else $GATTD_SOCKET, else gattd's default."""
    return path or os.environ.get('GATTD_SOCKET') or DEFAULT_SOCKET


def encode(request_id, cmd, fields):
    """One request line: the fields given (None ones left out), as strict JSON."""
    message = {'id': request_id, 'cmd': cmd}
    message.update({k: v for k, v in fields.items() if v is not None})
    return (json.dumps(message, separators=(',', ':'), allow_nan=False) + '\n').encode()


def decode(line):
    """A line gattd sent, as a dict; a line that is not a JSON object raises ValueError."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError('gattd sent a line that is not a JSON object: %r' % line[:80])
    return message


def check(reply):
    """The reply, or GattdError for an error reply."""
    if reply.get('ok') is False:
        error = reply.get('error') or {}
        raise GattdError(error.get('code', 'unknown'), error.get('message', ''), reply)
    return reply


def hexlify(value):
    """bytes (or a hex str) as the hex gattd reads; None stays None."""
    if value is None or isinstance(value, str):
        return value
    return bytes(value).hex()


def set_fields(value=None, typed=None, notify=None, address=None):
    if value is not None and typed is not None:
        raise ValueError('give value (bytes) or typed, not both')
    return {'value': hexlify(value), 'typed': typed, 'notify': notify, 'address': address}


def answer_fields(request, value=None, typed=None, error=None):
    if sum(x is not None for x in (value, typed, error)) > 1:
        raise ValueError('give at most one of value, typed and error')
    return {'request': request, 'value': hexlify(value), 'typed': typed, 'error': error}


def advertise_fields(advertisement=None, local_name=None, service_uuids=None, manufacturer_data=None,
                     service_data=None, enabled=None, reset=None):
    def data(d):
        return None if d is None else {str(k) if not isinstance(k, int) else '0x%04X' % k: hexlify(v)
                                       for k, v in d.items()}
    return {'advertisement': advertisement, 'local_name': local_name, 'service_uuids': service_uuids,
            'manufacturer_data': data(manufacturer_data), 'service_data': data(service_data),
            'enabled': enabled, 'reset': reset}
