"""air_scenarios.py: gattd's scenarios with a central on its own stack (two guests).

Runs in guest A (run-vm --central bleak). Guest B is the central: its own
bluetoothd and bleak, as a hub or a phone. Every session starts as a phone's
does: the device forgotten, a scan that must find gattd's advertisement by its
local name and service UUIDs, a connection, service discovery. Then:
  1. discovery and reads of the configured values
  2. writes reach a watching client and `next-write`
  3. `set` notifies the subscribed central
  4. three power cycles of gattd's controller
  5. bluetoothd stopped (SIGTERM), then killed (SIGKILL), started again each time
  6. gattd's controller removed and added back (its btattach ended and started again)
After 4, 5 and 6 a new scan finds the advertisement with nobody acting, the
session reads the last values and its writes reach `next-write`; a `next-write`
waiting meanwhile ends with `disconnected`.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bus_log  # noqa: E402
from airbed import Airbed, AirbedError  # noqa: E402
from central import full_uuid, short_uuid  # noqa: E402
from remote_central import RemoteCentralError  # noqa: E402
from runner import Runner  # noqa: E402
from stack import StackError  # noqa: E402
from testbed import Testbed  # noqa: E402

SESSION_DEADLINE_S = 45.0
ATT_PROPERTIES = {'read', 'write', 'write-without-response', 'notify', 'indicate'}


class World:
    def __init__(self, bed):
        self.bed = bed
        self.watcher = None
        self.waiter = None
        self.expected = {}


def shown(value):
    if len(value) == 1:
        return f'{value[0]} (0x{value.hex()})'
    if value and all(32 <= b < 127 for b in value):
        return repr(value.decode())
    return value.hex() or '(empty)'


def say_session(r, bed, scan):
    r.say('central', f'scan found "{scan["name"]}" at {scan["address"]} advertising '
                     f'{", ".join(short_uuid(u) for u in scan["uuids"])} in {scan["seconds"]} s '
                     f'(scan round {scan["rounds"]}: the emulator reports an advertiser only as scanning starts, so the '
                     f'central restarts its scan every {scan["round_s"]:g} s until found)')
    if scan.get('note'):
        r.say('central', scan['note'])


def scenario_discover_and_read(r, w):
    bed = w.bed
    bed.stack.write_config()
    name, uuids = bed.stack.advertisement()
    try:
        bed.central.scan(name, [full_uuid(u) for u in uuids], 6, forget=bed.stack.peripheral)
        r.check(False, 'before gattd runs, a scan finds no advertisement')
    except RemoteCentralError as e:
        r.check(str(e).startswith('AgentError: no advertisement'),
                f'before gattd runs, a scan finds no advertisement ({str(e).split(" (")[0]})')

    bed.stack.start_gattd()
    status = bed.stack.wait_on_air(30)
    r.say('gattd', f'state {status["state"]}: {status["description"]}')
    w.watcher = bed.stack.client('watcher')
    w.watcher.ok('watch')
    w.waiter = bed.stack.client('waiter')
    bed.load_config(w.watcher)

    scan = bed.session(SESSION_DEADLINE_S)
    say_session(r, bed, scan)
    r.check(scan['address'] == bed.stack.peripheral,
            f'the advertisement comes from gattd\'s controller {bed.stack.peripheral}')
    r.check(True, f'bleak connected and discovered every configured service and characteristic '
                  f'{scan["connected_after"]} s after the scan began ('
                  + ', '.join(f'{s["id"]}: {len(s["characteristics"])}' for s in bed.config) + ')')
    r.say('central', 'services: ' + ', '.join(short_uuid(s['uuid']) for s in bed.services))
    for service in bed.config:
        for char in service['characteristics']:
            remote = bed.chars.get(char['id'])
            if not remote:
                continue
            want = sorted(set(char['flags']) & ATT_PROPERTIES)
            got = sorted(set(remote['properties']) & ATT_PROPERTIES)
            r.check(got == want, f'{char["id"]} has properties {"/".join(got)} (configured {"/".join(want)})')
            if 'read' in char['flags']:
                value = bed.read(char['id'])
                r.say('central', f'read {char["id"]} = {shown(value)}')
                r.check(value.hex() == char['value'], f'{char["id"]} reads the configured value {char["value"]}')
                w.expected[char['id']] = value
            for desc in char['descriptors']:
                if desc['id'] in bed.descriptors and 'read' in desc['flags']:
                    value = bed.read_descriptor(desc['id'])
                    r.check(value.hex() == desc['value'],
                            f'descriptor {desc["id"]} reads "{value.decode(errors="replace")}"')


def scenario_writes(r, w):
    bed = w.bed
    Testbed.drain_captures(w.waiter, 'console/rx')
    for value, with_response in ((b'hello\n', True), (b'ping\n', False)):
        kind = 'with response' if with_response else 'without response'
        bed.write('console/rx', value, with_response)
        r.say('central', f'wrote {value!r} to console/rx {kind}')
        event = w.watcher.wait_event(lambda e: e['event'] == 'write' and e['char'] == 'console/rx', 10)
        r.check(event is not None and event['value'] == value.hex(),
                f'the watching client got the write event: {event}')
        if event:
            want = 'dev_' + bed.stack.central.replace(':', '_')
            r.check(event['device'].endswith(want), f'the event names the central\'s device ({want})')
        reply = w.waiter.request('next-write', char='console/rx', timeout_ms=10000, timeout=15)
        r.check(reply.get('ok') and reply['value'] == value.hex(),
                f'next-write returned it: value {reply.get("value")} seq {reply.get("seq")}')
    # A full stack refuses a write the characteristic's properties do not offer before
    # anything goes on the air (bleak and bluetoothd's GATT client both check): what
    # gattd answers such a write over the air (ATT 0x03) is the raw central's check.
    try:
        bed.write('battery/level', b'\x01')
        r.check(False, 'the central refuses to write read-only battery/level (its properties say read, notify)')
    except RemoteCentralError as e:
        r.check('does not support write' in str(e) or e.dbus_error is not None,
                f'the central refuses to write read-only battery/level itself ({e.dbus_error or e})')


def scenario_notify(r, w):
    bed = w.bed
    bed.subscribe('battery/level')
    event = w.watcher.wait_event(lambda e: e['event'] == 'subscribed' and e['char'] == 'battery/level', 10)
    r.check(event is not None, 'the watching client saw `subscribed` for battery/level')
    reply = w.waiter.ok('set', char='battery/level', typed=42, notify=True)
    r.say('client', f'set battery/level 42: notified={reply["notified"]} subscribed={reply["subscribed"]}')
    value = bed.wait_notification('battery/level', 10)
    r.say('central', f'notification battery/level = {shown(value) if value is not None else "(none)"}')
    r.check(value == b'\x2a', 'bleak received the notification 42')
    reply = w.waiter.ok('set', char='battery/level', typed=41, notify=False)
    value = bed.wait_notification('battery/level', 2)
    r.check(not reply['notified'] and value is None, 'set with "notify": false sends nothing within 2 s')
    value = bed.read('battery/level')
    r.check(value == b'\x29', f'bleak reads the new value 41: {value.hex()}')
    w.expected['battery/level'] = b'\x29'

    bed.subscribe('console/tx')
    w.watcher.wait_event(lambda e: e['event'] == 'subscribed' and e['char'] == 'console/tx', 10)
    text = 'hello, hub'
    w.waiter.ok('set', char='console/tx', typed=text)
    value = bed.wait_notification('console/tx', 10)
    r.say('central', f'notification console/tx = {value!r}')
    r.check(value == text.encode(), f'console/tx notified "{text}"')
    w.expected['console/tx'] = text.encode()


def come_back(r, w, what, restore, reasons, set_while_down=None):
    """With a next-write waiting, disturb the stack by what(), restore(), and check
    that a fresh session (forget, scan, connect) reads the latest values and its
    writes reach next-write again."""
    bed = w.bed
    Testbed.drain_captures(w.waiter, 'console/rx')
    w.watcher.drain(0.2)
    w.watcher.events.clear()
    pending = w.waiter.send('next-write', char='console/rx')
    what()
    reply = w.waiter.reply(pending, timeout=15)
    code = reply.get('error', {}).get('code')
    r.check(not reply.get('ok') and code == 'disconnected', f'the waiting next-write ended with `{code}`')
    event = w.watcher.wait_event(lambda e: e['event'] == 'unregistered', 10)
    r.check(event is not None and event.get('reason') in reasons,
            f'the watching client saw `unregistered` ({event.get("reason") if event else "none"}; '
            f'expected {" or ".join(reasons)})')
    ended = bed.end_session(15)
    r.say('central', 'bleak saw the link go' if ended == 'lost' else
          'the link was still up after 15 s: the emulator dropped it without telling the central (a radio '
          'would time out), so the central\'s controller was power-cycled to end it')
    if set_while_down:
        char_id, typed, raw = set_while_down
        w.waiter.ok('set', char=char_id, typed=typed)
        w.expected[char_id] = raw
        r.say('client', f'set {char_id} {typed!r} while the services are off the air')

    restore()
    start = time.monotonic()
    try:
        scan = bed.session(SESSION_DEADLINE_S)
    except AirbedError as e:
        r.say('gattd', f'status: {bed.stack.gattd_status()}')
        r.require(False, f'a new session (scan, connect) works within {SESSION_DEADLINE_S:.0f} s ({e})')
    say_session(r, bed, scan)
    r.check(True, f'a new session began {time.monotonic() - start:.1f} s after the stack came back, '
                  f'nobody acting')
    for char_id, want in sorted(w.expected.items()):
        value = bed.read(char_id)
        r.check(value == want, f'reads {char_id} = {shown(value)} (last set: {shown(want)})')
    note = f'back after {reasons[0]}\n'.encode()
    bed.write('console/rx', note)
    reply = w.waiter.request('next-write', char='console/rx', timeout_ms=10000, timeout=15)
    r.check(reply.get('ok') and reply['value'] == note.hex(),
            f'a write after the return reaches next-write (seq {reply.get("seq")})')


def scenario_power_cycles(r, w):
    bed = w.bed
    for cycle in (1, 2, 3):
        level = 40 - cycle
        w.waiter.ok('set', char='battery/level', typed=level)
        w.expected['battery/level'] = bytes([level])
        r.say('client', f'power cycle {cycle}/3: set battery/level {level} before power-off')
        tx = f'cycle {cycle} text'
        come_back(r, w,
                  lambda: bed.stack.power(bed.stack.peripheral, False),
                  lambda: bed.stack.power(bed.stack.peripheral, True),
                  ['adapter-down'],
                  set_while_down=('console/tx', tx, tx.encode()) if cycle == 2 else None)


def scenario_bluetoothd_restart(r, w):
    bed = w.bed
    for level, how, stop, reasons in (
            (77, 'stopped cleanly (SIGTERM)', bed.stack.stop_bluetoothd,
             ['adapter-down', 'adapter-removed', 'bluez-gone']),
            (78, 'killed (SIGKILL)', bed.stack.kill_bluetoothd, ['bluez-gone'])):
        w.waiter.ok('set', char='battery/level', typed=level)
        w.expected['battery/level'] = bytes([level])
        r.say('stack', f'bluetoothd {how}, then started again; battery/level set to {level} before')
        come_back(r, w, stop, bed.stack.start_bluetoothd, reasons)
        r.check(bed.stack.alive('gattd'), 'gattd is still running')


def scenario_controller_replug(r, w):
    bed = w.bed
    w.waiter.ok('set', char='battery/level', typed=55)
    w.expected['battery/level'] = bytes([55])

    def replug():
        address = bed.stack.attach_local()
        r.say('stack', f'gattd\'s controller attached again: {address}')

    come_back(r, w, bed.stack.detach_local, replug, ['adapter-removed', 'adapter-down'])
    r.check(bed.stack.alive('gattd'), 'gattd is still running')


def needs_gattd(func):
    def run(r, w):
        r.require(w.watcher is not None, 'gattd came up in scenario 1 (it did not, so this cannot run)')
        r.require(w.bed.central.dead is None, f'the central answers ({w.bed.central.dead})')
        func(r, w)
    return run


SCENARIOS = [
    ('a scan finds gattd; bleak discovers the configured services and reads their values', scenario_discover_and_read),
    ('bleak\'s writes reach `watch` and `next-write`', scenario_writes),
    ('`set` notifies bleak', scenario_notify),
    ('three power cycles of gattd\'s controller', scenario_power_cycles),
    ('bluetoothd stopped, then killed, and started again each time', scenario_bluetoothd_restart),
    ('gattd\'s controller removed and added back', scenario_controller_replug),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--gattd', required=True)
    parser.add_argument('--source-root', required=True)
    parser.add_argument('--results', required=True)
    parser.add_argument('--only', action='append', default=[])
    parser.add_argument('--bluetoothd', help='this bluetoothd instead of Debian\'s, for gattd\'s side')
    args = parser.parse_args()

    bed = Airbed(args.results, args.gattd, args.source_root, args.bluetoothd)
    runner = Runner(args.results, bed.stack.log_sizes)
    world = World(bed)
    start = time.monotonic()
    try:
        info = bed.start_lower_stack()
    except (StackError, RemoteCentralError, OSError) as e:
        print(f'vm: FAIL: the two stacks did not come up: {e}', flush=True)
        bed.stack.stop()
        return runner.finish(len(SCENARIOS))
    print(f'vm: two stacks up in {time.monotonic() - start:.1f} s: gattd on {bed.stack.peripheral}; '
          f'the central (bleak, bluetoothd {info["bluetoothd"]}) on {bed.stack.central} in its own guest',
          flush=True)
    chosen = [(i + 1, title, func) for i, (title, func) in enumerate(SCENARIOS)
              if not args.only or any(o in title or o == str(i + 1) for o in args.only)]
    for number, title, func in chosen:
        runner.run(number, len(SCENARIOS), title, needs_gattd(func) if number > 1 else func, world)
        if not bed.stack.alive('gattd') and number > 1:
            print(f'vm: gattd is not running any more (exit status {bed.stack.procs["gattd"].returncode})',
                  flush=True)
    code = bed.stack.stop_gattd()
    print(f'vm: gattd stopped on SIGTERM with exit status {code}' if code is not None
          else 'vm: gattd was not running at the end', flush=True)
    bed.central.quit()
    bed.stack.stop()
    with open(os.path.join(args.results, 'dbus-monitor.log'), errors='replace') as src, \
            open(os.path.join(args.results, 'bluez-calls.txt'), 'w') as out:
        bus_log.condense(src, out)
    return runner.finish(len(chosen))


if __name__ == '__main__':
    sys.exit(main())
