# SPDX-License-Identifier: LGPL-2.1-or-later
"""bed.py: what the scenarios and the demo need from a testbed, whatever the central.

A testbed is the running stack, gattd's configuration as `list` gives it, and a
central. Two kinds, with the same methods:
  - testbed.Testbed: the raw ATT central on a controller beside gattd's (one guest);
  - airbed.Airbed: bleak on its own stack in a second guest, scanning like a phone.
A session is what the central does to reach gattd (connect; or forget, scan,
connect) followed by discovery; afterwards reads, writes and notifications go
by gattd's characteristic ids. Everything the central does is logged to
central.log in the results directory.
"""
import time

from gattd_client import GattdClientError
from stack import Stack


class BedError(Exception):
    pass


class Bed:
    # What run-vm's --central calls it, and the words the transcript uses.
    kind = None
    # How long gattd may take to be reachable again after a disturbance ends.
    session_deadline_s = 45.0

    def __init__(self, results, gattd, source_root, bluetoothd=None, btvirt=None):
        self.results = results
        self.stack = Stack(results, gattd, source_root, bluetoothd, btvirt)
        self.central = None
        self.config = None        # gattd's `list` reply: the configured services
        self.chars = {}           # gattd char id -> the central's characteristic (this session)
        self.descriptors = {}     # gattd descriptor id -> handle (this session)
        self._central_log = open(self.stack.log_path('central'), 'a', buffering=1)

    def central_log(self, text):
        self._central_log.write(f'{time.strftime("%H:%M:%S")} {text}\n')

    def load_config(self, client):
        self.config = client.ok('list')['services']

    def config_char(self, char_id):
        for service in self.config:
            for char in service['characteristics']:
                if char['id'] == char_id:
                    return char
        raise BedError(f'gattd does not list characteristic {char_id}')

    def char(self, char_id):
        remote = self.chars.get(char_id)
        if remote is None:
            raise BedError(f'the central did not discover {char_id}')
        return remote

    def missing_services(self):
        """The configured services whose characteristics this session did not find."""
        return [s['id'] for s in self.config if not all(c['id'] in self.chars for c in s['characteristics'])]

    # gattd's capture queue.
    @staticmethod
    def drain_captures(client, char_id):
        """Take every queued write off char_id's capture queue; returns them."""
        taken = []
        while True:
            reply = client.request('next-write', char=char_id, timeout_ms=1)
            if not reply.get('ok'):
                if reply['error']['code'] == 'timeout':
                    return taken
                raise GattdClientError(f'next-write failed: {reply["error"]}')
            taken.append(reply)

    # What each kind of central does its own way (see Testbed and Airbed).
    def start_lower_stack(self):
        """Everything below gattd; returns a line for the transcript."""
        raise NotImplementedError

    def check_nothing_before_gattd(self, r):
        """Before gattd runs, the central must not reach it."""
        raise NotImplementedError

    def open_session(self, r, deadline_s=None):
        """Reach gattd and discover, within deadline_s; says how in the transcript."""
        raise NotImplementedError

    def end_session(self, r, timeout=15.0):
        """After a disturbance: wait for the link to go, say how it went, close it."""
        raise NotImplementedError

    def link_lost(self, timeout=15.0):
        """True once the central notices its link is gone (its own stack says so)."""
        raise NotImplementedError

    def negotiated_mtu(self):
        """The ATT MTU this session's link runs with, as the central's side knows it."""
        raise NotImplementedError

    def properties(self, char_id):
        """The ATT properties the central found, sorted."""
        raise NotImplementedError

    def has_cccd(self, char_id):
        raise NotImplementedError

    def check_write_refused(self, r, char_id):
        """A write to a characteristic without write properties is refused."""
        raise NotImplementedError

    def unplug(self):
        """Remove gattd's controller."""
        raise NotImplementedError

    def plug(self, r):
        """Add gattd's controller back; says what came back."""
        raise NotImplementedError

    def read(self, char_id):
        raise NotImplementedError

    def read_descriptor(self, desc_id):
        raise NotImplementedError

    def write(self, char_id, value, with_response=True):
        raise NotImplementedError

    def write_error(self, char_id, value):
        """Write with response; the ATT error code the central got, or None when the
        write succeeded."""
        raise NotImplementedError

    def subscribe(self, char_id):
        raise NotImplementedError

    def wait_notification(self, char_id, timeout=10.0):
        raise NotImplementedError

    def second_central(self, r):
        """A second central connected to gattd beside the first (a SecondCentral);
        raises BedError where this testbed cannot have one."""
        raise BedError(f'the {self.kind} testbed has no second central')

    def finish(self):
        """Stop the central's side (the stack stops separately)."""
