# SPDX-License-Identifier: LGPL-2.1-or-later
"""remote_central.py: guest A's handle on the bleak central in guest B.

Requests go over the control console (/dev/hvc1, linked by the host to guest
B's) as JSON lines; central_agent.py in guest B answers each. Every request and
reply is logged to central.log in guest A's results, so a failed scenario's
log shows what the central was asked and what it said.
"""
import json
import os
import select
import time

from console import open_raw

CONTROL_TTY = '/dev/hvc1'


class RemoteCentralError(Exception):
    def __init__(self, text, dbus_error=None):
        super().__init__(text)
        self.dbus_error = dbus_error


class RemoteCentral:
    def __init__(self, log, path=CONTROL_TTY):
        self.log = log
        self.fd = open_raw(path)
        self.buffer = b''
        self.next_id = 1
        self.address = None
        self.dead = None  # why the central stopped answering, once it has
        self.restarts = []  # each time the central's bluetoothd died and was started again

    def _read_message(self, deadline):
        while b'\n' not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.dead = 'the central guest closed the control console'
                raise RemoteCentralError(self.dead)
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b'\n', 1)
        line = line.strip(b'\0\r ')
        if not line:
            return {}
        try:
            return json.loads(line)
        except ValueError:
            self.log(f'central: unreadable line {line[:200]!r}')
            return {}

    def wait_ready(self, timeout):
        """Until the agent answers a ping. A line sent before the other guest opened
        its console is lost, so the ping is repeated rather than waited for once."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.request('ping', wait=2.0)
            except RemoteCentralError:
                if time.monotonic() > deadline:
                    raise RemoteCentralError(f'the central guest did not answer within {timeout:.0f} s')

    def request(self, cmd, wait=30.0, **fields):
        """Send one request; its reply, or RemoteCentralError with bleak's error."""
        rid = self.next_id
        self.next_id += 1
        message = {'id': rid, 'cmd': cmd, **fields}
        self.log(f'> {json.dumps(message)}')
        data = (json.dumps(message) + '\n').encode()
        while data:
            data = data[os.write(self.fd, data):]
        deadline = time.monotonic() + wait
        while True:
            reply = self._read_message(deadline)
            if reply is None:
                if cmd != 'ping':
                    self.dead = f'the central did not answer {cmd} within {wait:.0f} s'
                raise RemoteCentralError(f'the central did not answer {cmd} within {wait:.0f} s')
            if reply.get('id') == rid:
                break
        self.log(f'< {json.dumps(reply)}')
        if reply.get('restarted_bluetoothd'):
            self.restarts.append(reply['restarted_bluetoothd'])
        if not reply.get('ok'):
            raise RemoteCentralError(reply.get('error', 'failed'), reply.get('dbus_error'))
        return reply

    # What the scenarios use.
    def attach(self):
        reply = self.request('attach', wait=90)
        self.address = reply['address']
        return reply

    def scan(self, name, uuids, timeout, forget=None):
        return self.request('scan', wait=timeout + 15, name=name, uuids=uuids, timeout=timeout,
                            forget=forget)

    def advert(self, address, want, timeout=10.0, forget=False):
        """Scan until the advertiser at address carries want (None: whether it is seen
        at all within timeout); see central_agent.Central.advert."""
        return self.request('advert', wait=timeout + 15, address=address, want=want, timeout=timeout,
                            forget=forget)

    def gatt_uuids(self, address):
        """(characteristic UUIDs, connected): what the central's bluetoothd holds for address now."""
        reply = self.request('gatt-uuids', address=address)
        return reply['uuids'], reply['connected']

    def watch_start(self, address):
        """Scan and stay scanning, keeping what address advertises (central_agent.Central.watch_start)."""
        return self.request('watch-start', wait=30, address=address)

    def watch_wait(self, want, timeout=10.0):
        return self.request('watch-wait', wait=timeout + 15, want=want, timeout=timeout)

    def watch_stop(self):
        return self.request('watch-stop', wait=30)

    def connect(self, timeout=20.0):
        return self.request('connect', wait=timeout + 15, timeout=timeout)

    def services(self):
        return self.request('services')['services']

    def read(self, handle):
        return bytes.fromhex(self.request('read', handle=handle)['value'])

    def read_descriptor(self, handle):
        return bytes.fromhex(self.request('read-descriptor', handle=handle)['value'])

    def write(self, handle, value, response=True):
        self.request('write', handle=handle, value=value.hex(), response=response)

    def subscribe(self, handle):
        self.request('subscribe', handle=handle)

    def notification(self, handle, timeout=10.0):
        value = self.request('notification', wait=timeout + 10, handle=handle, timeout=timeout)['value']
        return bytes.fromhex(value) if value is not None else None

    def wait_disconnected(self, timeout=10.0):
        return self.request('wait-disconnected', wait=timeout + 10, timeout=timeout)['disconnected']

    def disconnect(self):
        self.request('disconnect')

    def set_agent(self, capability, passkey):
        """passkey: what its user enters when asked, or None to wait for type_passkey()."""
        self.request('agent', capability=capability, passkey=passkey)

    def type_passkey(self, passkey):
        """Its user types passkey (an int) into the pairing waiting for it."""
        self.request('type', passkey=passkey)

    def start(self, cmd, **fields):
        """Start a request that runs on while others are made; its id, for result()."""
        return self.request(cmd, background=True, **fields)['id']

    def result(self, rid, timeout=30.0):
        """The reply of the request start() began (RemoteCentralError if it failed)."""
        return self.request('result', wait=timeout + 10, of=rid, timeout=timeout)

    def agent_calls(self):
        return self.request('agent-calls')['calls']

    def power(self, on):
        self.request('power', on=on)

    def known(self, address):
        return self.request('known', address=address)['connected']

    def forget(self, address):
        return self.request('forget', address=address)['forgot']

    def bond(self, address):
        reply = self.request('bond', address=address)
        return reply['paired'], reply['bonded']

    def reset_controller(self):
        self.request('reset-controller', wait=60)

    def quit(self):
        try:
            self.request('quit', wait=10)
        except RemoteCentralError:
            pass
