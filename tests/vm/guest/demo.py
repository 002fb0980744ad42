# SPDX-License-Identifier: LGPL-2.1-or-later
"""demo.py: gattd doing its job on the real stack, told as a story (tests/vm/demo).

Runs in the VM like scenarios.py, on the same testbeds (bed.py): gattd with the
shipped example config on one virtual controller; the central is bleak on its
own stack in a second guest (`--central bleak`, what tests/vm/demo runs: it
scans for gattd as a phone does) or the raw ATT central beside gattd. The
central discovers, reads, writes, subscribes and receives notifications; a
local client on gattd's socket watches, collects the writes and answers;
gattd's controller is power-cycled in the middle and the central reaches gattd
again. Prints what each side saw and, at the end, plainly whether everything
worked.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from airbed import Airbed  # noqa: E402
from bed import BedError  # noqa: E402
from central import short_uuid  # noqa: E402
from remote_central import RemoteCentralError  # noqa: E402
from runner import Runner  # noqa: E402
from stack import StackError  # noqa: E402
from testbed import Testbed  # noqa: E402

BEDS = {'raw': Testbed, 'bleak': Airbed}


def show(value, char):
    """A value the way a person reads it: text for utf8, the number for u8."""
    if char.get('type') == 'utf8':
        return f'"{value.decode(errors="replace")}"'
    if char.get('type') == 'u8' and len(value) == 1:
        return f'{value[0]} (0x{value.hex()})'
    return value.hex() or '(empty)'


def event_text(e):
    shown = dict(e)
    if 'value' in shown:
        raw = bytes.fromhex(shown['value'])
        if raw.isascii() and all(32 <= b < 127 or b in (9, 10, 13) for b in raw):
            shown['value'] = repr(raw.decode())
    fields = ', '.join(f'{k}={v}' for k, v in shown.items() if k != 'event')
    return f'event {e["event"]}: {fields}'


def story(r, tb):
    r.say('demo', 'starting gattd with the shipped example config (conf/) on its controller')
    tb.stack.start_gattd()
    status = tb.stack.wait_on_air(30)
    r.say('gattd', f'{status["description"]}')
    client = tb.stack.client('client')
    client.ok('watch')
    r.say('client', 'watch: watching every characteristic')
    tb.load_config(client)

    tb.open_session(r)
    for service in tb.config:
        r.say('central', f'found service {service["id"]} ({short_uuid(service["uuid"])})')
        for char in service['characteristics']:
            r.check(char['id'] in tb.chars, f'  characteristic {char["id"]} is there', quiet=True)
            if char['id'] not in tb.chars:
                continue
            properties = tb.properties(char['id'])
            line = f'  {char["id"]} ({short_uuid(char["uuid"])}) [{", ".join(properties)}]'
            if 'read' in properties:
                value = tb.read(char['id'])
                line += f' = {show(value, char)}'
                r.check(value.hex() == char['value'], f'  {char["id"]} reads what the config says', quiet=True)
            r.say('central', line)

    text = b'hello gattd\n'
    tb.write('console/rx', text)
    r.say('central', f'writes {text!r} to console/rx')
    event = client.wait_event(lambda e: e['event'] == 'write', 10)
    r.say('client', event_text(event) if event else 'no write event')
    reply = client.request('next-write', char='console/rx', timeout_ms=10000, timeout=15)
    r.check(reply.get('ok') and reply['value'] == text.hex(),
            f'next-write console/rx -> {bytes.fromhex(reply.get("value", "")).decode(errors="replace")!r}')

    tb.subscribe('battery/level')
    tb.subscribe('console/tx')
    r.say('central', 'subscribes to battery/level and console/tx')
    for _ in range(2):
        event = client.wait_event(lambda e: e['event'] == 'subscribed', 10)
        r.say('client', event_text(event) if event else 'no subscribed event')
    reply = client.ok('set', char='battery/level', typed=87)
    r.say('client', f'set battery/level 87 -> notified={reply["notified"]}')
    value = tb.wait_notification('battery/level', 10)
    r.check(value == bytes([87]), f'central got notification battery/level = {value[0] if value else None}')
    answer = 'you said: hello gattd'
    reply = client.ok('set', char='console/tx', typed=answer)
    r.say('client', f'set console/tx "{answer}" -> notified={reply["notified"]}')
    value = tb.wait_notification('console/tx', 10)
    r.check(value == answer.encode(), f'central got notification console/tx = {value!r}')

    r.say('demo', 'power-cycling gattd\'s controller (btmgmt power off, then on); nobody touches gattd')
    tb.stack.power(tb.stack.peripheral, False)
    event = client.wait_event(lambda e: e['event'] == 'unregistered', 10)
    r.say('client', event_text(event) if event else 'no unregistered event')
    tb.end_session(r, 10)
    tb.stack.power(tb.stack.peripheral, True)
    start = time.monotonic()
    try:
        tb.open_session(r)
        r.check(True, f'central reached gattd again {time.monotonic() - start:.1f} s after power-on')
    except BedError as e:
        r.require(False, f'central reaches gattd again after power-on ({e})')
    event = client.wait_event(lambda e: e['event'] == 'registered', 10)
    r.say('client', event_text(event) if event else 'no registered event')
    value = tb.read('battery/level')
    r.check(value == bytes([87]), f'central reads battery/level = {value[0] if value else None} (kept)')
    value = tb.read('console/tx')
    r.check(value == answer.encode(), f'central reads console/tx = "{value.decode(errors="replace")}" (kept)')
    text = b'still there?\n'
    tb.write('console/rx', text)
    r.say('central', f'writes {text!r} to console/rx')
    reply = client.request('next-write', char='console/rx', timeout_ms=10000, timeout=15)
    r.check(reply.get('ok') and reply['value'] == text.hex(),
            f'next-write console/rx -> {bytes.fromhex(reply.get("value", "")).decode(errors="replace")!r}')
    tb.subscribe('battery/level')
    client.ok('set', char='battery/level', typed=86)
    value = tb.wait_notification('battery/level', 10)
    r.check(value == bytes([86]), f'after subscribing again, central got notification battery/level = '
                                  f'{value[0] if value else None}')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--gattd', required=True)
    parser.add_argument('--source-root', required=True)
    parser.add_argument('--results', required=True)
    parser.add_argument('--only', action='append', default=[])
    parser.add_argument('--bluetoothd', help='this bluetoothd instead of Debian\'s, for gattd\'s side')
    parser.add_argument('--btvirt', help='this btvirt (the emulated controllers) instead of Debian\'s')
    parser.add_argument('--central', choices=sorted(BEDS), default='raw')
    args = parser.parse_args()

    tb = BEDS[args.central](args.results, args.gattd, args.source_root, args.bluetoothd, args.btvirt)
    runner = Runner(args.results, tb.stack.log_sizes, prefix='demo')
    try:
        said = tb.start_lower_stack()
    except (StackError, RemoteCentralError, OSError) as e:
        print(f'demo: the Bluetooth stack did not come up: {e}', flush=True)
        tb.stack.stop()
        return runner.finish(1)
    print(f'demo: the virtual controllers and bluetoothd are up: {said}', flush=True)
    runner.run(1, 1, 'a central meets gattd', story, tb)
    tb.finish()
    tb.stack.stop()
    return runner.finish(1)


if __name__ == '__main__':
    sys.exit(main())
