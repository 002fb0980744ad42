# SPDX-License-Identifier: LGPL-2.1-or-later
"""scenarios.py: gattd's real-stack scenarios, run in sequence (run-vm).

Runs in the VM (guest A when the central has its own guest). Brings up the
system bus, the virtual controllers, bluetoothd and gattd with the shipped
example config, then checks over the air, with either central (bed.py):
`--central raw`, an ATT client on a raw socket beside gattd, or `--central
bleak`, bleak on its own stack in guest B, whose every session begins with the
device forgotten and a scan for gattd's advertisement, as a phone's does:
  1. discovery and reads of the configured values
  2. writes reach a watching client and `next-write`
  3. `set` notifies a subscribed central
  4. three power cycles of gattd's controller
  5. bluetoothd stopped (SIGTERM), then killed (SIGKILL), started again each time
  6. gattd's controller removed and added back (raw: btvirt restarted, every
     controller; bleak: gattd's btattach ended and started again)
  7. the provisioning example (conf/examples) with its handler, gattctl handle
     running provision-handler (README, "Handlers"): bad values get the
     handler's ATT errors and change nothing, a good SSID is stored and
     captured, prov/status is read live, a second command while one runs gets
     in-progress; again after a power cycle, and refused without the handler;
     then a client that answers late: a read answered after 3.5 s reaches the
     central, an unanswered write gets gattd's 0x0e at HandlerTimeoutMs=4000,
     before bluetoothd's own at 5 s
  8. the roster: `devices`, `disconnect`, the central coming back
  9. notifications and Write Commands through acquired sockets (Acquire=); two
     centrals where bluetoothd gives each its own socket
 10. pairing (two-stack only): gattd as the agent with a static passkey; a Just
     Works central and a wrong passkey are refused (no bond anywhere), the right
     passkey bonds (the encrypt-write write arrives); `forget`
 11. numeric comparison (two-stack only): gattd reloaded to Method=confirm, a
     local confirmer; the phone-like central (KeyboardDisplay) and the confirmer
     see the same six digits; the confirmer's no leaves no bond, its yes bonds
     (the encrypt-write write arrives); `forget`, and back to Method=passkey
 12. a bond outlives gattd's side (two-stack only): the central pairs with the
     passkey and bonds; its controller goes off while gattd's controller is
     power-cycled, then while gattd's bluetoothd restarts; each time it comes back
     to its bonded peripheral without a scan and writes the encrypt-write
     characteristic with no new pairing on either side; `forget`
 13. Just Works (two-stack only): gattd reloaded to Method=just-works; a central
     with no input or output pairs on its encrypt-write write, which arrives;
     `paired`, the central bonded too; `forget`, and back to Method=passkey
 14. the passkey shown (two-stack only): gattd reloaded to Method=display; the
     central (KeyboardOnly) writes the encrypt-write characteristic, gattd's
     `passkey` event carries the six digits, the central's user types them, and
     the write arrives; `paired`, the central bonded too; `forget`, and back
     to Method=passkey
 15. advertising at run time (two-stack only): a client's `advertise` changes
     the service data the scanning central sees; stop and reset
 16. handles the same across a gattd restart; a reload adding a characteristic
     reaches the connected central as Service Changed
 17. a second advertisement ([Advertising beacon]) reloaded in: the scanning
     central sees both data sets from gattd's address, and a client's change of
     the beacon's; reloaded out again
After 4, 5 and 6 a new session begins with nobody acting, reads the last values
set, and its writes reach `next-write`; a `next-write` waiting meanwhile ends
with `disconnected`.
"""
import argparse
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bus_log  # noqa: E402
from airbed import Airbed  # noqa: E402
from bed import Bed, BedError  # noqa: E402
from central import CentralError, short_uuid  # noqa: E402
from remote_central import RemoteCentralError  # noqa: E402
from runner import Runner  # noqa: E402
from stack import (BONDED_RECONNECTION_UNRELIABLE, BONDED_SECURITY_FAILURE, CONFIG_DIR, PASSKEY,  # noqa: E402
                   PROVISION_DIR, StackError)
from testbed import Testbed  # noqa: E402

BEDS = {'raw': Testbed, 'bleak': Airbed}
ATT_PROPERTIES = {'read', 'write', 'write-without-response', 'notify', 'indicate'}


def att_properties(flags):
    """The ATT properties configured flags show as: encrypt-write, secure-write
    and the like are a write that needs a secure link, and so on."""
    out = set()
    for flag in flags:
        if flag.startswith(('encrypt-', 'secure-')):
            flag = flag.rsplit('-', 1)[1]
        if flag in ATT_PROPERTIES:
            out.add(flag)
    return sorted(out)


class World:
    """The testbed plus the two local clients that live through every scenario."""

    def __init__(self, bed):
        self.tb = bed
        self.watcher = None  # sent `watch` once, at the start; must keep working
        self.waiter = None   # does the `next-write`s
        self.expected = {}   # char id -> bytes the central must read


def scenario_discover_and_read(r, w):
    tb = w.tb
    tb.check_nothing_before_gattd(r)
    tb.stack.start_gattd()
    status = tb.stack.wait_on_air(30)
    r.say('gattd', f'state {status["state"]}: {status["description"]}')
    r.check(status['adapter'] and status['adapter']['address'] == tb.stack.peripheral,
            f'gattd serves on the configured adapter {tb.stack.peripheral} '
            f'(not the first one BlueZ lists)')
    w.watcher = tb.stack.client('watcher')
    w.watcher.ok('watch')
    w.waiter = tb.stack.client('waiter')
    tb.load_config(w.watcher)

    tb.open_session(r)
    for service in tb.config:
        ids = [c['id'] for c in service['characteristics']]
        r.check(all(i in tb.chars for i in ids), f'service {service["id"]} ({short_uuid(service["uuid"])}) is '
                                                 f'discovered with its {len(ids)} characteristics')
    for service in tb.config:
        for char in service['characteristics']:
            if char['id'] not in tb.chars:
                continue
            want = att_properties(char['flags'])
            got = sorted(set(tb.properties(char['id'])) & ATT_PROPERTIES)
            r.check(got == want, f'{char["id"]} has properties {"/".join(got)} (configured {"/".join(want)})')
            if 'notify' in char['flags'] or 'indicate' in char['flags']:
                r.check(tb.has_cccd(char['id']), f'{char["id"]} has a CCCD (0x2902) made by BlueZ')
            if 'read' in char['flags']:
                value = tb.read(char['id'])
                shown = f' ("{value.decode(errors="replace")}")' if char.get('type') == 'utf8' else ''
                r.say('central', f'read {char["id"]} = {value.hex() or "(empty)"}{shown}')
                r.check(value.hex() == char['value'], f'{char["id"]} reads the configured value {char["value"]}')
                w.expected[char['id']] = value
            for desc in char['descriptors']:
                if desc['id'] in tb.descriptors and 'read' in desc['flags']:
                    value = tb.read_descriptor(desc['id'])
                    kind = short_uuid(desc['uuid'])
                    shown = f'"{value.decode(errors="replace")}"' if kind == '2901' else value.hex()
                    r.check(value.hex() == desc['value'], f'descriptor {desc["id"]} ({kind}) reads {shown}')


def scenario_writes(r, w):
    tb = w.tb
    Bed.drain_captures(w.waiter, 'console/rx')
    for value, with_response in ((b'hello\n', True), (b'ping\n', False)):
        kind = 'Write Request' if with_response else 'Write Command (without response)'
        tb.write('console/rx', value, with_response)
        r.say('central', f'wrote {value!r} to console/rx with a {kind}')
        event = w.watcher.wait_event(lambda e: e['event'] == 'write' and e['char'] == 'console/rx', 10)
        r.check(event is not None and event['value'] == value.hex(),
                f'the watching client got the write event: {event}')
        if event:
            want_device = 'dev_' + tb.stack.central.replace(':', '_')
            r.check(event['device'].endswith(want_device) and event['offset'] == 0,
                    f'the event names the central\'s device ({want_device}) and offset 0')
        reply = w.waiter.request('next-write', char='console/rx', timeout_ms=10000, timeout=15)
        r.check(reply.get('ok') and reply['value'] == value.hex(),
                f'next-write returned it: value {reply.get("value")} seq {reply.get("seq")}')
    tb.check_write_refused(r, 'battery/level')
    stray = w.watcher.wait_event(lambda e: e['event'] == 'write' and e['char'] == 'battery/level', 1)
    r.check(stray is None, 'and no write event is reported for it')


def scenario_notify(r, w):
    tb = w.tb
    tb.subscribe('battery/level')
    event = w.watcher.wait_event(lambda e: e['event'] == 'subscribed' and e['char'] == 'battery/level', 10)
    r.check(event is not None, 'the watching client saw `subscribed` for battery/level')
    reply = w.waiter.ok('set', char='battery/level', typed=42, notify=True)
    r.say('client', f'set battery/level 42 --notify: notified={reply["notified"]} subscribed={reply["subscribed"]}')
    r.check(reply['notified'] and reply['subscribed'], 'gattd says it notified a subscribed central')
    value = tb.wait_notification('battery/level', 10)
    r.say('central', f'notification battery/level = {value.hex() if value is not None else "(none)"}')
    r.check(value == b'\x2a', 'the central received the notification 2a (42)')

    reply = w.waiter.ok('set', char='battery/level', typed=41, notify=False)
    r.check(not reply['notified'], 'set with "notify": false does not notify (gattd says)')
    value = tb.wait_notification('battery/level', 2)
    r.check(value is None, 'and the central receives nothing within 2 s')
    value = tb.read('battery/level')
    r.check(value == b'\x29', f'the central reads the new value 29 (41): {value.hex()}')
    w.expected['battery/level'] = b'\x29'

    tb.subscribe('console/tx')
    text = 'hello, central'
    w.watcher.wait_event(lambda e: e['event'] == 'subscribed' and e['char'] == 'console/tx', 10)
    reply = w.waiter.ok('set', char='console/tx', typed=text)
    value = tb.wait_notification('console/tx', 10)
    r.say('central', f'notification console/tx = {value!r}')
    r.check(value == text.encode(), f'console/tx notified "{text}" (notified={reply["notified"]})')
    w.expected['console/tx'] = text.encode()


def shown(value):
    """A value as a person reads it: the number of one byte, else text when it is text."""
    if len(value) == 1:
        return f'{value[0]} (0x{value.hex()})'
    if value and all(32 <= b < 127 for b in value):
        return repr(value.decode())
    return value.hex()


def come_back(r, w, what, restore, unregistered_reasons, set_while_down=None):
    """The shared part of scenarios 4-6: with a next-write waiting, take the stack
    down by `what`, bring it back with restore(), and check that a new session
    begins, reads the latest values and its writes reach next-write again."""
    tb = w.tb
    Bed.drain_captures(w.waiter, 'console/rx')
    w.watcher.drain(0.2)
    w.watcher.events.clear()  # only what this disturbance causes counts below
    first_event = len(w.watcher.history)
    pending = w.waiter.send('next-write', char='console/rx')
    what()
    reply = w.waiter.reply(pending, timeout=15)
    code = reply.get('error', {}).get('code')
    r.check(not reply.get('ok') and code == 'disconnected',
            f'the waiting next-write ended with `{code}`: {reply.get("error", {}).get("message")}')
    event = w.watcher.wait_event(lambda e: e['event'] == 'unregistered', 10)
    r.check(event is not None and event.get('reason') in unregistered_reasons,
            f'the watching client saw `unregistered` ({event.get("reason") if event else "none"}; '
            f'expected {" or ".join(unregistered_reasons)})')
    tb.end_session(r, 15)
    if set_while_down:
        char_id, typed, raw = set_while_down
        w.waiter.ok('set', char=char_id, typed=typed)
        w.expected[char_id] = raw
        r.say('client', f'set {char_id} {typed!r} while the services are off the air')

    restore()
    start = time.monotonic()
    try:
        tb.open_session(r)
    except BedError as e:
        r.say('gattd', f'status: {tb.stack.gattd_status()}')
        r.require(False, f'a new session begins within {tb.session_deadline_s:.0f} s ({e})')
    r.check(True, f'a new session began {time.monotonic() - start:.1f} s after the stack came back, nobody acting')
    for char_id, want in sorted(w.expected.items()):
        value = tb.read(char_id)
        r.check(value == want, f'reads {char_id} = {shown(value)} (last set: {shown(want)})')
    event = w.watcher.wait_event(lambda e: e['event'] == 'registered', 10)
    r.check(event is not None, f'the watching client saw `registered` again ({event})')
    r.say('client', 'events meanwhile: ' + ', '.join(
        e['event'] + '(' + ','.join(str(v) for k, v in e.items() if k != 'event') + ')'
        for e in w.watcher.history[first_event:]))
    note = f'back after {unregistered_reasons[0]}\n'.encode()
    tb.write('console/rx', note)
    reply = w.waiter.request('next-write', char='console/rx', timeout_ms=10000, timeout=15)
    r.check(reply.get('ok') and reply['value'] == note.hex(),
            f'a write after the return reaches next-write (seq {reply.get("seq")})')


def scenario_power_cycles(r, w):
    tb = w.tb
    for cycle in (1, 2, 3):
        level = 40 - cycle
        w.waiter.ok('set', char='battery/level', typed=level)
        w.expected['battery/level'] = bytes([level])
        r.say('client', f'power cycle {cycle}/3: set battery/level {level} before power-off')
        tx = f'cycle {cycle} text'
        come_back(r, w,
                  lambda: tb.stack.power(tb.stack.peripheral, False),
                  lambda: tb.stack.power(tb.stack.peripheral, True),
                  ['adapter-down'],
                  set_while_down=('console/tx', tx, tx.encode()) if cycle == 2 else None)


def scenario_bluetoothd_restart(r, w):
    tb = w.tb
    # A clean stop powers the adapters down and removes them before bluetoothd
    # leaves the bus, so gattd may first say adapter-down; a crash says nothing first.
    for level, how, stop, reasons in (
            (77, 'stopped cleanly (SIGTERM)', tb.stack.stop_bluetoothd, ['adapter-down', 'adapter-removed', 'bluez-gone']),
            (78, 'killed (SIGKILL)', tb.stack.kill_bluetoothd, ['bluez-gone'])):
        w.waiter.ok('set', char='battery/level', typed=level)
        w.expected['battery/level'] = bytes([level])
        r.say('stack', f'bluetoothd {how}, then started again; battery/level set to {level} before')
        come_back(r, w, stop, tb.stack.start_bluetoothd, reasons)
        r.check(tb.stack.alive('gattd'), 'gattd is still running')


def scenario_controller_replug(r, w):
    tb = w.tb
    w.waiter.ok('set', char='battery/level', typed=55)
    w.expected['battery/level'] = bytes([55])
    # The kernel powers a controller down before it removes it, and bluetoothd
    # says so (Powered=false) before InterfacesRemoved: either reason is right.
    come_back(r, w, tb.unplug, lambda: tb.plug(r), ['adapter-removed', 'adapter-down'])
    r.check(tb.stack.alive('gattd'), 'gattd is still running')


# The provisioning example (conf/examples), which the stack serves too, and the
# ATT errors its handler script gives (provision-handler's header).
SSID, PSK, COMMAND, STATUS = 'prov/ssid', 'prov/psk', 'prov/command', 'prov/status'
BAD_LENGTH, NOT_PRINTABLE, UNKNOWN_COMMAND, IN_PROGRESS = 0x0d, 0x80, 0x81, 0xfe
# A stand-in for the program that would scan or connect (PROVISION_HOOK): it takes a while.
HOOK = '/tmp/provision-hook'


def refused_with(r, tb, char_id, value, code, why, whose='the handler\'s'):
    got = tb.write_error(char_id, value)
    r.say('central', f'wrote {value!r} to {char_id}: ' + (f'ATT error 0x{got:02x}' if got is not None else 'accepted'))
    r.check(got == code, f'{why}: the central got {whose} 0x{code:02x}')


def application_error(tb, code):
    """What the central gets for a handler's application error code: bluetoothd
    before 5.66 sends 0x80 for all of them (README, "Handlers")."""
    version = tuple(int(part) for part in tb.stack.bluetoothd_version.split('.'))
    return code if version >= (5, 66) else 0x80


def provisioning_round(r, w, stored, ssid):
    """Bad values get the handler's errors and change nothing; a good SSID is
    stored, captured and kept by the handler; prov/status is read live."""
    tb = w.tb
    refused_with(r, tb, SSID, b'', BAD_LENGTH, 'an empty SSID')
    refused_with(r, tb, PSK, b'short', BAD_LENGTH, 'a 5-character passphrase')
    refused_with(r, tb, PSK, b'secret\x01pass', application_error(tb, NOT_PRINTABLE),
                 'a passphrase with a control character')
    refused_with(r, tb, COMMAND, b'reboot', application_error(tb, UNKNOWN_COMMAND), 'an unknown command')
    value = w.waiter.ok('get', char=SSID)['value']
    r.check(value == stored.hex(), f'{SSID} still holds {stored!r}: gattd stored none of them ({value})')
    reply = w.waiter.request('next-write', char=SSID, timeout_ms=0)
    r.check(not reply.get('ok'), 'and captured none')

    got = tb.write_error(SSID, ssid)
    r.check(got is None, f'the central wrote the SSID {ssid!r}' + (f' (refused: 0x{got:02x})' if got else ''))
    reply = w.waiter.request('next-write', char=SSID, timeout_ms=5000, timeout=10)
    r.check(reply.get('ok') and reply.get('typed') == ssid.decode(),
            f'gattd stored and captured it: next-write gives {reply.get("typed")!r}')
    r.check(tb.read(SSID) == ssid, f'the central reads {SSID} back')
    with open(os.path.join(PROVISION_DIR, 'ssid'), 'rb') as f:
        kept = f.read()
    r.check(kept == ssid, f'the handler kept it in {PROVISION_DIR}/ssid: {kept!r}')
    r.check(tb.write_error(PSK, b'correct horse') is None, 'a good passphrase is accepted')

    r.check(tb.write_error(COMMAND, b'connect') is None, 'the command "connect" is accepted')
    status = tb.read(STATUS)
    r.say('central', f'read {STATUS} = {status!r}')
    r.check(status == b'busy connect', f'{STATUS} is read live from the handler while the command runs')
    refused_with(r, tb, COMMAND, b'scan', IN_PROGRESS, 'a second command while one runs')
    deadline = time.monotonic() + 15
    while status != b'done connect 0' and time.monotonic() < deadline:
        time.sleep(0.5)
        status = tb.read(STATUS)
    r.check(status == b'done connect 0', f'{STATUS} follows the command to its end: {status!r}')
    stored_status = w.waiter.ok('get', char=STATUS)['typed']
    r.check(stored_status == 'no handler running', f'gattd\'s own value of {STATUS} never changed: {stored_status!r}')


# [Daemon] HandlerTimeoutMs in the stack's gattd.conf (stack.py): the ceiling, under
# bluetoothd's own 5 s (README, "HandlerTimeoutMs"); and how late the slow handler answers.
HANDLER_TIMEOUT_S = 4.0
SLOW_ANSWER_S = 3.5


def slow_handler_round(r, w):
    """A handler's answer SLOW_ANSWER_S after the request still reaches the central, and
    a write nobody answers gets gattd's 0x0e at HandlerTimeoutMs, before bluetoothd's own
    at 5 s (ATTRIBUTE_TIMEOUT): the ceiling of HandlerTimeoutMs holds on this bluetoothd."""
    tb = w.tb
    handler = tb.stack.client('slow-handler')
    try:
        handler.ok('handle', chars=[STATUS, SSID])
        r.say('stack', f'a client claims {STATUS} and {SSID}, answers reads after {SLOW_ANSWER_S} s and no write')

        def answer_late():
            event = handler.wait_event(lambda e: e.get('event') == 'read-request', timeout=20)
            time.sleep(SLOW_ANSWER_S)
            handler.ok('answer', request=event['request'], typed='slow')
        worker = threading.Thread(target=answer_late, daemon=True)
        worker.start()
        start = time.monotonic()
        value = tb.read(STATUS)
        took = time.monotonic() - start
        worker.join(10)
        r.say('central', f'read {STATUS} = {value!r} after {took:.1f} s')
        r.check(value == b'slow' and took >= SLOW_ANSWER_S,
                f'a handler that answers after {SLOW_ANSWER_S} s still reaches the central')
        start = time.monotonic()
        got = tb.write_error(SSID, b'never-answered')
        took = time.monotonic() - start
        r.say('central', f'wrote {SSID}: ' + (f'ATT error 0x{got:02x}' if got is not None else 'accepted') +
              f' after {took:.1f} s')
        r.check(got == 0x0e and HANDLER_TIMEOUT_S - 0.2 <= took < 5.0,
                f'a write nobody answers gets 0x0e from gattd at HandlerTimeoutMs ({HANDLER_TIMEOUT_S:.0f} s), '
                f'before bluetoothd\'s own at 5 s')
    finally:
        handler.close()


def scenario_handlers(r, w):
    tb = w.tb
    with open(HOOK, 'w') as f:
        f.write('#!/bin/sh\n# provision-hook COMMAND DIR: connecting takes 3 s here.\nsleep 3\n')
    os.chmod(HOOK, 0o755)
    Bed.drain_captures(w.waiter, SSID)
    tb.stack.start_provision_handler(hook=HOOK)
    r.say('stack', 'gattctl handle runs conf/examples/provision-handler for the provisioning service')
    try:
        stored = bytes.fromhex(w.waiter.ok('get', char=SSID)['value'])
        provisioning_round(r, w, stored, b'home-net')
        r.say('stack', 'power cycle of gattd\'s controller; the handler does nothing')
        tb.stack.power(tb.stack.peripheral, False)
        tb.end_session(r, 15)
        tb.stack.power(tb.stack.peripheral, True)
        tb.open_session(r)
        provisioning_round(r, w, b'home-net', b'office-net')
        r.check(tb.stack.alive('handler'), 'gattctl handle is still running')
    finally:
        code = tb.stack.stop_provision_handler()
        r.say('stack', f'gattctl handle stopped on SIGTERM with exit status {code}')
    r.check(code == 0, 'gattctl handle exits 0 on SIGTERM')
    r.check(tb.read(STATUS) == b'no handler running', f'with no handler, {STATUS} reads gattd\'s stored value')
    refused_with(r, tb, SSID, b'unchecked', 0x0e, 'with no handler, a write', 'HandlerFallback=refuse\'s')
    slow_handler_round(r, w)


def scenario_centrals(r, w):
    tb = w.tb
    address = tb.stack.central
    roster = tb.stack.client('roster')
    roster.ok('watch')
    tb.read('battery/level')        # a call names the central with its MTU
    devices = roster.ok('devices')['devices']
    r.say('client', 'devices: ' + '; '.join(f'{d["address"]} ({d["address_type"]}) mtu {d["mtu"]} '
                                            f'connected since {d["connected_since"]}' for d in devices))
    mine = [d for d in devices if d['address'] == address]
    r.check(len(mine) == 1, f'`devices` lists the central {address}')
    if mine:
        want = tb.negotiated_mtu()
        r.check(mine[0]['mtu'] == want, f'with the MTU the central negotiated ({want}): {mine[0]["mtu"]}')
        r.check(mine[0]['connected_since'] <= time.time() * 1000,
                f'and when it connected ({mine[0]["connected_since"]})')
        code, out, err = tb.stack.gattctl('devices')
        for line in out.splitlines():
            r.say('gattctl', line)
        rows = [line.split() for line in out.splitlines()[1:]]
        r.check(code == 0 and [address, mine[0]['address_type'], str(want)] in [row[:3] for row in rows],
                f'`gattctl devices` shows it with its address type and MTU (exit {code}{", " + err.strip() if err else ""})')
    reply = roster.request('disconnect', address=address, timeout=20)
    r.say('client', f'disconnect {address}: {reply}')
    r.check(reply.get('ok') is True, 'gattd asked BlueZ to drop the link, and BlueZ did')
    event = roster.wait_event(lambda e: e['event'] == 'disconnected' and e['address'] == address, 10)
    r.check(event is not None, f'watchers got `disconnected` for {address} (reason {event and event["reason"]})')
    r.check(tb.link_lost(15), 'the central saw the link go')
    r.check(not [d for d in roster.ok('devices')['devices'] if d['address'] == address],
            'and `devices` no longer lists it')
    refused = roster.request('disconnect', address=address)
    r.check(refused.get('error', {}).get('code') == 'not-found',
            f'a second disconnect is refused: {refused.get("error")}')
    tb.end_session(r, timeout=5)
    tb.open_session(r)
    event = roster.wait_event(lambda e: e['event'] == 'connected' and e['address'] == address, 10)
    r.check(event is not None, f'the central connects again: watchers got `connected` for {address}')
    roster.close()


def two_centrals(r, tb, client):
    """Two centrals subscribed to sockets/notify: `set` with an address reaches that
    one alone, a plain `set` both. Returns whether a second central came (and went)."""
    first = tb.stack.central
    try:
        second = tb.second_central(r)
    except BedError as e:
        r.say('central', f'no second central: {e}')
        r.check(tb.kind != 'bleak', 'a second central connects beside the first')
        return False
    try:
        second.subscribe('sockets/notify')
        event = client.wait_event(lambda e: e['event'] == 'subscribed' and e['char'] == 'sockets/notify'
                                  and e['address'] == second.address, 10)
        r.check(event is not None, f'the second central {second.address} subscribed, and the event names it')
        listed = {d['address'] for d in client.ok('devices')['devices']}
        r.check({first, second.address} <= listed, f'`devices` lists both centrals: {sorted(listed)}')
        receivers = {first: lambda t: tb.wait_notification('sockets/notify', t),
                     second.address: lambda t: second.wait_notification('sockets/notify', t)}
        for target in (first, second.address):
            other = second.address if target == first else first
            value = f'only {target}'
            if target != first:
                reply = client.request('set', char='sockets/notify', typed=value, address=target)
                r.check(reply.get('ok') is True, f'set with {target}\'s address: {reply}')
            else:  # the phone-like central, as a user would
                code, out, err = tb.stack.gattctl('set', '--device', target, 'sockets/notify', value)
                r.check(code == 0, f'gattctl set --device {target} (exit {code}{", " + err.strip() if err else ""})')
            got = receivers[target](10)
            r.check(got == value.encode(), f'{target} got it: {got!r}')
            # It came to the one it was for; the other's would have come as fast.
            stray = receivers[other](3)
            r.check(stray is None, f'{other} got nothing in 3 s: {stray!r}')
        client.ok('set', char='sockets/notify', typed='to both')
        for address, receive in receivers.items():
            got = receive(10)
            r.check(got == b'to both', f'a plain set reaches {address}: {got!r}')
    except CentralError as e:
        r.check(False, f'the second central: {e}')
    finally:
        for problem in second.stop():
            r.say('stack', f'cleaning up the second central: {problem}')
        event = client.wait_event(lambda e: e['event'] == 'disconnected' and e['address'] == second.address, 15)
        r.check(event is not None, f'the second central went: `disconnected` for {second.address}')
    return True


def scenario_sockets(r, w):
    tb = w.tb
    address = tb.stack.central
    client = tb.stack.client('sockets')
    client.ok('watch')
    sockets = client.ok('status')['sockets']
    r.say('gattd', f'bluetoothd\'s sockets: {sockets}')
    tb.subscribe('sockets/notify')
    event = client.wait_event(lambda e: e['event'] == 'subscribed' and e['char'] == 'sockets/notify', 10)
    r.check(event is not None and event['address'] == address,
            f'the central subscribed through AcquireNotify, and the event names it: {event}')

    client.ok('set', char='sockets/notify', typed='to all')
    value = tb.wait_notification('sockets/notify', 10)
    r.check(value == b'to all', f'a plain set reaches the central: {value!r}')
    reply = client.request('set', char='sockets/notify', typed='to one', address=address)
    if sockets == 'targeted':
        r.check(reply.get('ok') is True, f'set with the central\'s address: {reply}')
        value = tb.wait_notification('sockets/notify', 10)
        r.check(value == b'to one', f'and the central got it through its socket: {value!r}')
    else:
        r.check(reply.get('error', {}).get('code') == 'not-supported',
                f'set with an address is not-supported on a bluetoothd with {sockets} sockets: {reply.get("error")}')

    Bed.drain_captures(w.waiter, 'sockets/write')
    for value in (b'first\n', b'second\n'):
        tb.write('sockets/write', value, with_response=False)
        r.say('central', f'Write Command {value!r} to sockets/write')
        event = client.wait_event(lambda e: e['event'] == 'write' and e['char'] == 'sockets/write', 10)
        r.check(event is not None and event['value'] == value.hex(), f'the write came by socket as an event: {event}')
        if event:
            want = None if sockets == 'shared' else address
            r.check(event['address'] == want, f'naming the central where the socket is its own ({want})')
        reply = w.waiter.request('next-write', char='sockets/write', timeout_ms=10000, timeout=15)
        r.check(reply.get('ok') and reply['value'] == value.hex(), f'and next-write took it: {reply.get("value")}')
    if sockets == 'targeted' and two_centrals(r, tb, client):
        # The second advertising set, added and removed behind bluetoothd's back,
        # leaves the kernel advertising nothing once the first central leaves (btmon:
        # no LE Set Advertise Enable after its Disconnect Complete). A power cycle
        # resets the controller's advertising, and gattd registers its advertisement
        # again at power-on, so the next scenario finds it as before.
        tb.stack.power(tb.stack.peripheral, False)
        tb.end_session(r, 15)
        tb.stack.power(tb.stack.peripheral, True)
        r.say('stack', 'gattd\'s controller power-cycled, for the advertising the second set disturbed')
    client.close()


def two_stack_only(func):
    """Pairing scenarios: the raw central shares gattd's bluetoothd, and so its default
    pairing agent, gattd's; pairing over the air needs the central on its own stack."""
    def run(r, w):
        if w.tb.kind != 'bleak':
            r.say('central', 'the raw central shares gattd\'s bluetoothd, and so its default pairing agent, '
                             'gattd\'s: pairing over the air is the two-stack tier\'s (--central bleak)')
            return
        func(r, w)
    return run


def secure_write(tb, value):
    """Write value to secret/passphrase (encrypt-write): (True, None), or (False, why)."""
    try:
        tb.write('secret/passphrase', value)
        return True, None
    except (RemoteCentralError, CentralError) as e:
        return False, str(e)


@two_stack_only
def scenario_pairing(r, w):
    tb = w.tb
    address, peripheral = tb.stack.central, tb.stack.peripheral
    client = tb.stack.client('pairing')
    client.ok('watch')
    pairing = client.ok('status')['pairing']
    r.check(pairing['method'] == 'passkey' and pairing['agent'] and pairing['pairable'],
            f'gattd is bluetoothd\'s pairing agent, with a static passkey: {pairing}')

    # The kernel takes a link's IO capability from the controller's when the link
    # comes up: each agent below is registered before a new session.
    wrong = (PASSKEY + 1) % 1000000
    for capability, passkey, want_calls, words in (
            ('NoInputNoOutput', 0, ['RequestAuthorization'],
             'a central with no input or output: Just Works, which Method=passkey refuses'),
            ('KeyboardOnly', wrong, ['RequestPasskey'],
             f'its user enters {wrong:06d}, not the passkey on the gadget\'s label')):
        tb.central.disconnect()
        tb.central.set_agent(capability, passkey)
        r.say('central', f'its agent ({capability}): {words}')
        tb.open_session(r)
        before = len(tb.central.agent_calls())
        ok, error = secure_write(tb, b'nope')
        r.check(not ok, f'its write to secret/passphrase (encrypt-write) fails: {error}')
        # Cancel may follow: bluetoothd's pairing ended while its request was pending.
        calls = [c[0] for c in tb.central.agent_calls()[before:] if c[0] != 'Cancel']
        r.check(calls == want_calls, f'the central\'s stack paired on the way, asking its agent: {calls}')
        if capability == 'NoInputNoOutput':
            event = client.wait_event(lambda e: e['event'] == 'pairing-failed', 10)
            r.check(event is not None and event['reason'] == 'rejected' and event['address'] == address,
                    f'gattd refused it: {event}')
        r.check(client.ok('bonds')['bonds'] == [], 'gattd\'s bluetoothd keeps no bond')
        r.check(tb.central.bond(peripheral) in ((False, False), (None, None)),
                f'nor does the central\'s: {tb.central.bond(peripheral)}')
        r.check(not [e for e in client.events if e['event'] == 'paired'], 'no `paired` event')
        r.say('central', 'link ' + ('dropped after the failed pairing' if tb.link_lost(10) else 'still up'))

    tb.central.disconnect()
    tb.central.set_agent('KeyboardOnly', PASSKEY)
    r.say('central', 'its agent (KeyboardOnly) now enters the passkey on the label')
    tb.open_session(r)
    Bed.drain_captures(w.waiter, 'secret/passphrase')
    ok, error = secure_write(tb, b'home-wifi')
    r.check(ok, f'its write to secret/passphrase succeeds, pairing on the way: {error}')
    event = client.wait_event(lambda e: e['event'] == 'paired' and e['address'] == address, 10)
    r.check(event is not None and event['bonded'] is not False, f'watchers got `paired` for {address}: {event}')
    bonds = [b['address'] for b in client.ok('bonds')['bonds']]
    r.check(bonds == [address], f'`bonds` lists it: {bonds}')
    reply = w.waiter.request('next-write', char='secret/passphrase', timeout_ms=5000, timeout=10)
    r.check(reply.get('value') == b'home-wifi'.hex(), f'the write reached next-write: {reply}')
    r.check(tb.central.bond(peripheral)[0] is True, f'the central is paired too: {tb.central.bond(peripheral)}')
    with open(tb.stack.log_path('gattd'), errors='replace') as f:
        r.check(f'{PASSKEY:06d}' not in f.read(), 'the passkey appears nowhere in gattd\'s log')

    reply = client.request('forget', address=address, timeout=20)
    r.check(reply.get('ok') is True, f'`forget` removes the bond: {reply}')
    r.check(client.ok('bonds')['bonds'] == [], '`bonds` is empty again')
    tb.end_session(r, 10)
    tb.open_session(r)
    client.close()


class Confirmer(threading.Thread):
    """A local client confirming pairings (handle-pairing) beside the test: it answers
    every pairing-request as accept says at that moment, while the central's write
    that set off the pairing blocks in the main thread. A central's stack may pair
    again at once after a refusal: every request is answered and kept."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client = client
        self.accept = False
        self.answered = []   # (the pairing-request event, the answer given, gattd's reply)
        self.error = None
        self.stopping = False

    def run(self):
        try:
            while not self.stopping:
                event = self.client.wait_event(lambda e: e['event'] == 'pairing-request', 0.5)
                if event:
                    accept = self.accept
                    reply = self.client.request('answer-pairing', request=event['request'], accept=accept)
                    self.answered.append((event, accept, reply))
        except Exception as e:  # reported by the scenario
            self.error = repr(e)

    def stop(self):
        self.stopping = True
        self.join(5)


def clean_slate(r, tb, client):
    """Neither side holds a bond or a link from an earlier scenario. The central forgets
    first (RemoveDevice: its keys, its device, its link, and nothing brings them back),
    then gattd's side forgets what it kept: bluetoothd before 5.65, told to remove a
    connected central that reconnected at once with its keys, took it as paired again
    and asked for security at connection."""
    forgot = tb.central.forget(tb.stack.peripheral)
    r.say('central', f'forgets {tb.stack.peripheral} ({"its device and keys" if forgot else "it held nothing"})')
    tb.end_session(r, 10)
    for bond in client.ok('bonds')['bonds']:
        reply = client.request('forget', address=bond['address'], timeout=20)
        r.say('stack', f'gattd forgets the bond with {bond["address"]} it kept: {reply.get("ok")}')


def use_method(r, tb, client, method, capability):
    """Reload gattd with [Pairing] Method=method, always pairable, and wait for its agent."""
    tb.stack.set_pairing(f'Method={method}\nPairable=always\n')
    reply = client.request('reload', timeout=20)
    r.check(reply.get('ok') is True, f'gattd reloads with [Pairing] Method={method}: {reply}')
    deadline = time.monotonic() + 10
    while True:
        pairing = client.ok('status')['pairing']
        if (pairing['method'] == method and pairing['agent']) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    r.check(pairing['method'] == method and pairing['agent'],
            f'gattd registered its agent again, {capability}: {pairing}')


def back_to_passkey(r, tb, client):
    """gattd back to conf/examples/pairing.conf, and the central to the passkey on the
    label, in a new session (as the scenarios after expect)."""
    tb.stack.set_pairing(None)
    reply = client.request('reload', timeout=20)
    r.say('stack', f'gattd back to Method=passkey: {reply.get("ok")}')
    tb.end_session(r, 10)
    tb.central.set_agent('KeyboardOnly', PASSKEY)
    tb.open_session(r)
    client.close()


@two_stack_only
def scenario_confirm(r, w):
    tb = w.tb
    address, peripheral = tb.stack.central, tb.stack.peripheral
    client = tb.stack.client('pairing')
    client.ok('watch')
    clean_slate(r, tb, client)
    use_method(r, tb, client, 'confirm', 'DisplayYesNo')
    confirmer = tb.stack.client('confirmer')
    confirmer.ok('handle-pairing')
    answering = Confirmer(confirmer)
    answering.start()
    try:
        for accept in (False, True):
            tb.central.disconnect()
            tb.central.set_agent('KeyboardDisplay', 0)
            r.say('central', 'its agent is a phone\'s (KeyboardDisplay): it shows a number and its user taps Pair; '
                             f'gattd\'s confirmer will {"accept" if accept else "reject"}')
            before, start = len(tb.central.agent_calls()), len(answering.answered)
            answering.accept = accept
            tb.open_session(r)
            Bed.drain_captures(w.waiter, 'secret/passphrase')
            ok, error = secure_write(tb, b'home-wifi' if accept else b'nope')
            # The central's agent may hear of it a moment after gattd's confirmer, and the other way round.
            deadline = time.monotonic() + 10
            while True:
                mine = answering.answered[start:]
                shown = [c for c in tb.central.agent_calls()[before:] if c[0] == 'RequestConfirmation']
                if (mine and shown) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            request = mine[0][0] if mine else None
            r.check(request is not None and request['kind'] == 'compare' and request['address'] == address,
                    f'the confirmer got a numeric comparison for {address}: {request} {answering.error or ""}')
            digits = [e['passkey'] for e, _, _ in mine]
            r.check(shown and request is not None and f'{shown[0][2]:06d}' == request['passkey'] and
                    all(f'{c[2]:06d}' in digits for c in shown),
                    f'the central\'s user was shown the same six digits: {[c[2] for c in shown]} / {digits}')
            r.check(mine and all(reply.get('ok') is True for _, _, reply in mine),
                    f'answer-pairing {accept} was taken for each: {[reply for _, _, reply in mine]}')
            if len(mine) > 1:
                r.say('central', f'its stack paired {len(mine)} times, each answered {accept}')
            if not accept:
                r.check(not ok, f'its write to secret/passphrase (encrypt-write) fails: {error}')
                event = client.wait_event(lambda e: e['event'] == 'pairing-failed' and
                                          e['request'] == request['request'], 10)
                r.check(event is not None and event['reason'] == 'rejected', f'watchers got `pairing-failed`: {event}')
                r.check(client.ok('bonds')['bonds'] == [], 'gattd\'s bluetoothd keeps no bond')
                r.check(tb.central.bond(peripheral) in ((False, False), (None, None)),
                        f'nor does the central\'s: {tb.central.bond(peripheral)}')
                r.say('central', 'link ' + ('dropped after the failed pairing' if tb.link_lost(10) else 'still up'))
                continue
            r.check(ok, f'its write to secret/passphrase succeeds, pairing on the way: {error}')
            event = client.wait_event(lambda e: e['event'] == 'paired' and e['address'] == address, 10)
            r.check(event is not None, f'watchers got `paired` for {address}: {event}')
            bonds = [b['address'] for b in client.ok('bonds')['bonds']]
            r.check(bonds == [address], f'`bonds` lists it: {bonds}')
            reply = w.waiter.request('next-write', char='secret/passphrase', timeout_ms=5000, timeout=10)
            r.check(reply.get('value') == b'home-wifi'.hex(), f'the write reached next-write: {reply}')
            r.check(tb.central.bond(peripheral)[0] is True, f'the central is paired too: {tb.central.bond(peripheral)}')
        reply = client.request('forget', address=address, timeout=20)
        r.check(reply.get('ok') is True, f'`forget` removes the bond: {reply}')
    finally:
        answering.stop()
        confirmer.close()
        back_to_passkey(r, tb, client)


def pairings_asked(tb):
    """How often gattd's agent was asked to pair so far (its log says so, never the passkey)."""
    with open(tb.stack.log_path('gattd'), errors='replace') as f:
        return f.read().count('entering the configured passkey')


@two_stack_only
def scenario_bond_survives(r, w):
    tb = w.tb
    address, peripheral = tb.stack.central, tb.stack.peripheral
    client = tb.stack.client('bonds')
    client.ok('watch')
    clean_slate(r, tb, client)
    tb.central.disconnect()
    tb.central.set_agent('KeyboardOnly', PASSKEY)
    r.say('central', 'its agent (KeyboardOnly) enters the passkey on the label')
    tb.open_session(r)
    Bed.drain_captures(w.waiter, 'secret/passphrase')
    ok, error = secure_write(tb, b'first')
    r.check(ok, f'its write to secret/passphrase succeeds, pairing and bonding on the way: {error}')
    event = client.wait_event(lambda e: e['event'] == 'paired' and e['address'] == address, 10)
    r.check(event is not None and event['bonded'] is not False, f'bonded: {event}')
    w.waiter.request('next-write', char='secret/passphrase', timeout_ms=5000, timeout=10)

    cycles = [('a power cycle of gattd\'s controller', lambda: tb.stack.power(peripheral, False),
               lambda: tb.stack.power(peripheral, True)),
              ('a restart of gattd\'s bluetoothd', tb.stack.stop_bluetoothd, tb.stack.start_bluetoothd)]
    unreliable = BONDED_RECONNECTION_UNRELIABLE.get(tb.stack.bluetoothd_version)
    if unreliable:
        r.say('stack', f'the bonded reconnections are not checked here: {unreliable}')
        cycles = []
    for what, down, up in cycles:
        asked, entered = len(tb.central.agent_calls()), pairings_asked(tb)
        client.events.clear()
        # The central goes away (its controller off) while gattd's side goes down and
        # comes back, as a phone out of range: its stack reconnects to a bonded device
        # the moment it advertises, and cutting such a link under it made the central
        # guest's bluetoothd die in g_attrib_unref. Its bond is kept across its own
        # power cycle.
        tb.central.disconnect()
        tb.central.power(False)
        log_start = tb.stack.log_offset('bluetoothd')
        down()
        up()
        event = client.wait_event(lambda e: e['event'] == 'registered', 20)
        r.check(event is not None, f'gattd registered again after {what}')
        bonds = [b['address'] for b in client.ok('bonds')['bonds']]
        r.check(bonds == [address], f'`bonds` still lists the central: {bonds}')
        tb.central.power(True)
        try:
            tb.bonded_session(r)
        except BedError as e:
            # What README "Bonds over restarts" says of 5.55-5.66, seen on 5.82 too: only
            # that failure, in bluetoothd's own log, excuses the reconnection.
            if BONDED_SECURITY_FAILURE not in tb.stack.log_since('bluetoothd', log_start):
                raise
            r.say('stack', f'after {what}, bluetoothd {tb.stack.bluetoothd_version} failed to raise the bonded '
                           f'link\'s security ({BONDED_SECURITY_FAILURE}, in its log), so every reconnection '
                           f'failed ({e}): BlueZ\'s, not gattd\'s (README, "Bonds over restarts"); not checked '
                           f'further')
            tb.central.disconnect()
            continue
        Bed.drain_captures(w.waiter, 'secret/passphrase')
        ok, error = secure_write(tb, b'again')
        r.check(ok, f'after {what}, the bonded central writes secret/passphrase again: {error}')
        r.check(len(tb.central.agent_calls()) == asked and pairings_asked(tb) == entered,
                f'with its bond: neither side was asked to pair ({tb.central.agent_calls()[asked:]})')
        r.check(not [e for e in client.events if e['event'] in ('paired', 'pairing-failed')],
                'no `paired` or `pairing-failed` event')
        reply = w.waiter.request('next-write', char='secret/passphrase', timeout_ms=5000, timeout=10)
        r.check(reply.get('value') == b'again'.hex(), f'and the write reached next-write: {reply.get("value")}')

    reply = client.request('forget', address=address, timeout=20)
    r.check(reply.get('ok') is True, f'`forget` removes the bond: {reply}')
    tb.end_session(r, 10)
    tb.open_session(r)
    client.close()


def method_session(r, w, client, method, capability, central_io, central_passkey, said):
    """From no bond: gattd reloaded to Method=method (its agent capability), the
    central's agent central_io entering central_passkey (None: waiting for
    type_passkey), a new session, secret/passphrase's captures drained. Returns how
    many calls the central's agent had had."""
    tb = w.tb
    clean_slate(r, tb, client)
    use_method(r, tb, client, method, capability)
    tb.central.disconnect()
    tb.central.set_agent(central_io, central_passkey)
    r.say('central', said)
    before = len(tb.central.agent_calls())
    tb.open_session(r)
    Bed.drain_captures(w.waiter, 'secret/passphrase')
    return before


def check_bonded_write(r, w, client, value):
    """After the write that paired: `paired`, value in next-write, the central paired
    too; then `forget`."""
    tb = w.tb
    address, peripheral = tb.stack.central, tb.stack.peripheral
    event = client.wait_event(lambda e: e['event'] == 'paired' and e['address'] == address, 10)
    r.check(event is not None, f'watchers got `paired` for {address}: {event}')
    reply = w.waiter.request('next-write', char='secret/passphrase', timeout_ms=5000, timeout=10)
    r.check(reply.get('value') == value.hex(), f'the write reached next-write: {reply.get("value")}')
    r.check(tb.central.bond(peripheral)[0] is True, f'the central is paired too: {tb.central.bond(peripheral)}')
    reply = client.request('forget', address=address, timeout=20)
    r.check(reply.get('ok') is True, f'`forget` removes the bond: {reply}')


@two_stack_only
def scenario_just_works(r, w):
    tb = w.tb
    client = tb.stack.client('pairing')
    client.ok('watch')
    try:
        before = method_session(r, w, client, 'just-works', 'NoInputNoOutput', 'NoInputNoOutput', 0,
                                'its agent has no input or output: Just Works, which Method=just-works accepts')
        ok, error = secure_write(tb, b'just-works')
        r.check(ok, f'its write to secret/passphrase succeeds, pairing on the way: {error}')
        calls = [c[0] for c in tb.central.agent_calls()[before:] if c[0] != 'Cancel']
        r.check(calls in ([], ['RequestAuthorization']),
                f'nobody was asked for a number: the central\'s agent saw {calls}')
        check_bonded_write(r, w, client, b'just-works')
    finally:
        back_to_passkey(r, tb, client)


@two_stack_only
def scenario_display(r, w):
    tb = w.tb
    client = tb.stack.client('pairing')
    client.ok('watch')
    try:
        before = method_session(r, w, client, 'display', 'DisplayOnly', 'KeyboardOnly', None,
                                'its agent types what the gadget shows (KeyboardOnly): the number a local client '
                                'of gattd displays')
        writing = tb.central.start('write', handle=tb.char('secret/passphrase')['handle'],
                                   value=b'shown'.hex(), response=True)
        event = client.wait_event(lambda e: e['event'] == 'passkey' and e['address'] == tb.stack.central, 20)
        r.check(event is not None and re.fullmatch(r'\d{6}', event.get('passkey') or ''),
                f'watchers got `passkey` with the six digits to show: {event}')
        tb.central.type_passkey(int(event['passkey']))
        r.say('central', f'its user typed {event["passkey"]}')
        try:
            tb.central.result(writing, timeout=30)
            ok, error = True, None
        except RemoteCentralError as e:
            ok, error = False, str(e)
        r.check(ok, f'its write to secret/passphrase succeeds, pairing on the way: {error}')
        calls = [c[0] for c in tb.central.agent_calls()[before:] if c[0] != 'Cancel']
        r.check(calls == ['RequestPasskey'], f'the central\'s agent was asked for the number once: {calls}')
        check_bonded_write(r, w, client, b'shown')
    finally:
        back_to_passkey(r, tb, client)


BATTERY_UUID = '0000180f-0000-1000-8000-00805f9b34fb'


def wait_advertising(tb, timeout=20.0):
    """Until gattd says BlueZ has its advertisement registered; the status, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = tb.stack.gattd_status()
        if status and status.get('advertising'):
            return status
        time.sleep(0.25)
    return None


@two_stack_only
def scenario_advertise(r, w):
    """A local client changes what gattd advertises while it advertises (a sensor's
    reading in its service data, as a beacon does); the central, scanning as a phone
    does, sees each change. Stopped, nothing is advertised; reset, the configured
    advertisement comes back."""
    tb = w.tb
    peripheral = tb.stack.peripheral
    name = tb.advertised[0]
    client = tb.stack.client('advertiser')
    client.ok('watch')
    tb.central.disconnect()
    r.require(wait_advertising(tb) is not None, 'gattd advertises with no central connected')
    seen = tb.central.advert(peripheral, {'local_name': name}, timeout=20, forget=True)
    r.check(seen['seen'] and not seen['last']['service_data'],
            f'the central sees the configured advertisement ("{name}", no service data): {seen}')

    reply = client.request('advertise', service_data={'180F': '2a'})
    error = reply.get('error') or {}
    r.check(error.get('code') == 'invalid-value' and '33 bytes' in error.get('message', ''),
            f'service data beside the two configured service UUIDs does not fit: {error.get("message")}')

    # A phone app watching a beacon keeps its scan on: each change of the data reaches it.
    tb.central.watch_start(peripheral)
    try:
        for level in (42, 43):
            hex_level = '%02x' % level
            start = time.monotonic()
            reply = client.ok('advertise', service_uuids=['180F'], service_data={'180F': hex_level},
                              manufacturer_data={'0x05F1': '0102'})
            seen = tb.central.watch_wait({'service_data': {BATTERY_UUID: hex_level},
                                          'manufacturer_data': {'1521': '0102'}}, timeout=10)
            took = time.monotonic() - start
            event = client.wait_event(lambda e: e['event'] == 'advertisement', 5)
            r.check(event is not None and event['service_data'] == {BATTERY_UUID: hex_level},
                    f'`advertise` puts {level} in the battery service\'s data ({reply["bytes"]} of '
                    f'{reply["max_bytes"]} bytes); watchers hear of it')
            r.check(seen['seen'], f'the scanning central sees service data {hex_level} and manufacturer data 0102 '
                                  f'{took:.2f} s after the `advertise`: {seen["last"]}')
            r.check(not seen['seen'] or took <= 1.0, f'within a second of the change ({took:.2f} s)')
    finally:
        tb.central.watch_stop()
    status = client.ok('status')
    r.check(status['advertising'], 'gattd still advertises')

    client.ok('advertise', enabled=False)
    seen = tb.central.advert(peripheral, None, timeout=4, forget=True)
    r.check(not seen['seen'], f'`advertise` with enabled false: the central sees nothing from {peripheral} in '
                              f'{seen["seconds"]} s ({seen["rounds"]} scan rounds)')
    reply = client.ok('advertise', reset=True)
    r.check(reply['enabled'] and not reply['changed'], 'reset: the configured advertisement, enabled')
    r.require(wait_advertising(tb) is not None, 'gattd advertises again')
    seen = tb.central.advert(peripheral, {'local_name': name}, timeout=20, forget=True)
    r.check(seen['seen'] and not seen['last']['service_data'],
            f'the central sees the configured advertisement again, without service data: {seen["last"]}')


BEACON_GROUP = """
[Advertising beacon]
Type=broadcast
Discoverable=false
ManufacturerData=0x05F1:hex:0b0e
ScanResponseManufacturerData=0x0059:hex:5c5c
"""


def wait_named_advertising(tb, name, timeout=20.0):
    """Until gattd says BlueZ holds its [Advertising name] advertisement; its status entry, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = tb.stack.gattd_status() or {}
        for entry in status.get('advertisements') or []:
            if entry['name'] == name and entry['advertising']:
                return entry
        time.sleep(0.25)
    return None


@two_stack_only
def scenario_two_advertisements(r, w):
    """A second advertisement ([Advertising beacon], broadcast, its own manufacturer
    data) beside the main one: the central, scanning as a phone does, sees both (the
    kernel takes turns between the two instances, and sends the non-connectable one
    from a random address of its own); a client changes the beacon's data and the
    central sees it; the main one goes on."""
    tb = w.tb
    peripheral = tb.stack.peripheral
    name = tb.advertised[0]
    path = os.path.join(CONFIG_DIR, 'gattd.conf')
    with open(path) as f:
        original = f.read()
    client = tb.stack.client('advertisements')
    log_start = tb.stack.log_offset('gattd')
    tb.central.disconnect()
    try:
        with open(path, 'a') as f:
            f.write(BEACON_GROUP)
        reply = client.ok('reload', timeout=20)
        r.check(not reply['reregistered'], f'a reload adding [Advertising beacon] leaves the services alone: {reply}')
        entry = wait_named_advertising(tb, 'beacon')
        r.require(entry is not None, f'gattd says bluetoothd holds the beacon advertisement: '
                                     f'{(tb.stack.gattd_status() or {}).get("advertisements")}')
        r.check(wait_advertising(tb) is not None, 'and the main advertisement as before')
        beacon = tb.central.advert(None, {'manufacturer_data': {'1521': '0b0e'}}, timeout=20)
        r.check(beacon['seen'], f'the central sees the beacon\'s manufacturer data 0b0e: {beacon}')
        r.say('central', f'the beacon comes from {beacon.get("address")} (the kernel\'s random address for a '
                         f'non-connectable advertisement; gattd\'s is {peripheral})')
        # Its scan response data: bluetoothd 5.80 on, run with -E as here (stack.py).
        version = tuple(int(part) for part in tb.stack.bluetoothd_version.split('.'))
        if version >= (5, 80):
            scan = tb.central.advert(None, {'manufacturer_data': {'1521': '0b0e', '89': '5c5c'}}, timeout=20)
            r.check(scan['seen'], f'bluetoothd {tb.stack.bluetoothd_version} (-E) sends the beacon\'s scan response '
                                  f'data 5c5c (company 0x0059) to the scanning central: {scan}')
        else:
            warned = [line for line in tb.stack.log_since('gattd', log_start).splitlines() if 'older than 5.80' in line]
            r.check(len(warned) == 1, f'bluetoothd {tb.stack.bluetoothd_version} has no scan response '
                                      f'properties: gattd says so once: {warned}')
        main = tb.central.advert(peripheral, {'local_name': name}, timeout=20, forget=True)
        r.check(main['seen'], f'and the main advertisement ("{name}") from {peripheral}, in the same scan: {main}')

        start = time.monotonic()
        reply = client.ok('advertise', advertisement='beacon', manufacturer_data={'0x05F1': '0c0d'})
        r.check(reply['advertisement'] == 'beacon' and reply['changed'] and reply['advertising'],
                f'`advertise` with advertisement beacon changes it: {reply}')
        seen = tb.central.advert(None, {'manufacturer_data': {'1521': '0c0d'}}, timeout=15)
        r.check(seen['seen'], f'the scanning central sees the beacon\'s new data 0c0d '
                              f'{time.monotonic() - start:.2f} s after the `advertise`: {seen}')
        main = client.ok('advertise')
        r.check(main['advertisement'] is None and not main['changed'] and main['advertising'],
                f'the main advertisement is untouched and still registered: {main}')
    finally:
        with open(path, 'w') as f:
            f.write(original)
        reply = client.request('reload', timeout=20)
    status = tb.stack.gattd_status() or {}
    r.check(reply.get('ok') and status.get('advertisements') == [],
            f'reloaded without the group, gattd has no other advertisement: {status.get("advertisements")}')
    r.check(wait_advertising(tb) is not None, 'the main one still advertises')


EXTRA_CHAR_UUID = '6e400013-b5a3-f393-e0a9-e50e24dcca9e'
EXTRA_CHAR = f"""
[Characteristic sockets/extra]
UUID={EXTRA_CHAR_UUID}
Flags=read
Value=utf8:new
"""


def value_handles(tb):
    """char id -> the value handle the central discovered for it."""
    return {char_id: tb.char(char_id)['handle'] for char_id in sorted(tb.chars)}


@two_stack_only
def scenario_stable_handles(r, w):
    """The handles a central discovered are the same after gattd restarts (bluetoothd
    running on, which would hand out new ones); a reload that adds a characteristic
    reaches the connected central as Service Changed, and it finds the new one."""
    tb = w.tb
    peripheral = tb.stack.peripheral
    tb.central.disconnect()
    tb.open_session(r)
    before = value_handles(tb)
    r.say('central', 'value handles: ' + ', '.join(f'{i} 0x{h:04x}' for i, h in before.items()))
    tb.central.disconnect()
    code = tb.stack.stop_gattd()
    r.check(code == 0, f'gattd stopped on SIGTERM (exit status {code}); bluetoothd runs on')
    tb.stack.start_gattd()
    status = tb.stack.wait_on_air(30)
    r.say('gattd', f'started again: {status["description"]}')
    with open(tb.stack.log_path('gattd'), errors='replace') as f:
        asked = [line.strip() for line in f if 'asking bluetoothd for the handles it had' in line]
    r.check(len(asked) >= 1, f'gattd asked bluetoothd for the saved handles: {asked[-3:]}')
    w.watcher = tb.stack.client('watcher')
    w.watcher.ok('watch')
    w.waiter = tb.stack.client('waiter')
    tb.open_session(r)
    after = value_handles(tb)
    moved = {i: (before.get(i), h) for i, h in after.items() if before.get(i) != h}
    r.check(after == before, f'every characteristic has the handle it had before gattd restarted '
                             f'({len(after)} of them; moved: {moved or "none"})')

    path = os.path.join(CONFIG_DIR, 'services.d', '95-sockets.conf')
    with open(path) as f:
        original = f.read()
    client = tb.stack.client('reloader')
    try:
        with open(path, 'a') as f:
            f.write(EXTRA_CHAR)
        reply = client.ok('reload', timeout=20)
        r.check(reply['reregistered'], f'a reload adding sockets/extra registers the tree again: {reply}')
        deadline = time.monotonic() + 15
        uuids, connected = tb.central.gatt_uuids(peripheral)
        while EXTRA_CHAR_UUID not in uuids and time.monotonic() < deadline:
            time.sleep(0.5)
            uuids, connected = tb.central.gatt_uuids(peripheral)
        r.check(EXTRA_CHAR_UUID in uuids and connected,
                f'the central, still connected and never forgetting the device, got Service Changed and '
                f'discovered again: its bluetoothd holds sockets/extra ({EXTRA_CHAR_UUID}) '
                f'(connected: {connected}; {len(uuids)} characteristics)')
    finally:
        with open(path, 'w') as f:
            f.write(original)
        client.request('reload', timeout=20)


def needs_gattd(func):
    """Scenarios 2-6 build on the clients scenario 1 connects once gattd is up."""
    def run(r, w):
        r.require(w.watcher is not None, 'gattd came up in scenario 1 (it did not, so this cannot run)')
        dead = getattr(w.tb.central, 'dead', None)
        r.require(dead is None, f'the central answers ({dead})')
        func(r, w)
    return run


SCENARIOS = [
    ('the central discovers the configured services and reads their values', scenario_discover_and_read),
    ('central writes reach `watch` and `next-write`', scenario_writes),
    ('`set` notifies the subscribed central', scenario_notify),
    ('three power cycles of gattd\'s controller', scenario_power_cycles),
    ('bluetoothd stopped, then killed, and started again each time', scenario_bluetoothd_restart),
    ('gattd\'s controller removed and added back', scenario_controller_replug),
    ('the provisioning example\'s handler refuses bad values, stores a good SSID and answers reads live, '
     'across a power cycle', scenario_handlers),
    ('the central is in `devices` with its MTU; `disconnect` drops it, and it comes back', scenario_centrals),
    ('notifications and Write Commands through the sockets bluetoothd acquires (Acquire=)', scenario_sockets),
    ('pairing with the static passkey: Just Works and a wrong passkey leave no bond, the right one bonds',
     scenario_pairing),
    ('numeric comparison confirmed by a local client: both sides see the same number; no leaves no bond, '
     'yes bonds', scenario_confirm),
    ('a bond outlives a power cycle and a bluetoothd restart of gattd\'s side: no new pairing',
     scenario_bond_survives),
    ('Just Works accepted with Method=just-works: an encrypted write from a central with no input or output',
     scenario_just_works),
    ('the passkey gattd shows (Method=display) reaches a local client, and the central typing it bonds',
     scenario_display),
    ('a local client changes the advertised service data and the scanning central sees it; stop and reset',
     scenario_advertise),
    ('the handles stay the same across a gattd restart; a reload adding a characteristic reaches the connected '
     'central as Service Changed', scenario_stable_handles),
    ('a second advertisement ([Advertising beacon]) beside the main one: the scanning central sees both, and '
     'a client\'s change of the beacon\'s data', scenario_two_advertisements),
]

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--gattd', required=True)
    parser.add_argument('--source-root', required=True)
    parser.add_argument('--results', required=True)
    parser.add_argument('--only', action='append', default=[])
    parser.add_argument('--bluetoothd', help='this bluetoothd instead of Debian\'s, for gattd\'s side')
    parser.add_argument('--btvirt', help='this btvirt (the emulated controllers) instead of Debian\'s')
    parser.add_argument('--central', choices=sorted(BEDS), default='raw')
    parser.add_argument('--central-bluetoothd', help='the central guest\'s bluetoothd (that guest runs it)')
    args = parser.parse_args()

    tb = BEDS[args.central](args.results, args.gattd, args.source_root, args.bluetoothd, args.btvirt)
    runner = Runner(args.results, tb.stack.log_sizes)
    world = World(tb)
    start = time.monotonic()
    try:
        said = tb.start_lower_stack()
    except (StackError, RemoteCentralError, OSError) as e:
        print(f'vm: FAIL: the stack below gattd did not come up: {e}', flush=True)
        tb.stack.stop()
        return runner.finish(len(SCENARIOS))
    print(f'vm: stack up in {time.monotonic() - start:.1f} s: {said}', flush=True)
    chosen = [(i + 1, title, func) for i, (title, func) in enumerate(SCENARIOS)
              if not args.only or any(o in title or o == str(i + 1) for o in args.only)]
    for number, title, func in chosen:
        runner.run(number, len(SCENARIOS), title, needs_gattd(func) if number > 1 else func, world)
        if not tb.stack.alive('gattd') and number > 1:
            print(f'vm: gattd is not running any more (exit status {tb.stack.procs["gattd"].returncode})',
                  flush=True)
    code = tb.stack.stop_gattd()
    print(f'vm: gattd stopped on SIGTERM with exit status {code}' if code is not None
          else 'vm: gattd was not running at the end', flush=True)
    tb.finish()
    tb.stack.stop()
    # The gattd <-> bluetoothd conversation, for comparing with the fake BlueZ.
    with open(os.path.join(args.results, 'dbus-monitor.log'), errors='replace') as src, \
            open(os.path.join(args.results, 'bluez-calls.txt'), 'w') as out:
        bus_log.condense(src, out)
    return runner.finish(len(chosen))


if __name__ == '__main__':
    sys.exit(main())
