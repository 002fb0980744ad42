"""air_demo.py: gattd doing its job, met by a hub on its own stack (tests/vm/demo).

Runs in guest A like air_scenarios.py, on the same two-stack testbed: gattd with
the shipped example config on guest A's controller, bleak (the library Home
Assistant and most Linux hubs use) in guest B with its own bluetoothd. The
central scans as a phone does, connects, discovers, reads, writes, subscribes
and receives notifications; a local client on gattd's socket watches, collects
the writes and answers; gattd's controller is power-cycled in the middle and the
central scans for it again. Prints what each side saw and, at the end, plainly
whether everything worked.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from airbed import Airbed, AirbedError  # noqa: E402
from central import short_uuid  # noqa: E402
from demo import event_text, show  # noqa: E402
from remote_central import RemoteCentralError  # noqa: E402
from runner import Runner  # noqa: E402
from stack import StackError  # noqa: E402


def say_scan(r, scan):
    r.say('central', f'scan: found "{scan["name"]}" at {scan["address"]} advertising '
                     f'{", ".join(short_uuid(u) for u in scan["uuids"])} after {scan["seconds"]} s '
                     f'(scan round {scan["rounds"]}; the emulator reports an advertiser only as a scan '
                     f'starts, so the central starts one every {scan["round_s"]:g} s)')


def story(r, bed):
    r.say('demo', 'starting gattd with the shipped example config (conf/) on guest A\'s controller')
    bed.stack.start_gattd()
    status = bed.stack.wait_on_air(30)
    r.say('gattd', status['description'])
    client = bed.stack.client('client')
    client.ok('watch')
    r.say('client', 'watch: watching every characteristic')
    bed.load_config(client)
    name, uuids = bed.advertised
    r.say('central', f'scanning for "{name}" with services {", ".join(short_uuid(u) for u in uuids)} '
                     f'(device forgotten first, as a phone that never met it)')
    scan = bed.session(45)
    say_scan(r, scan)
    r.say('central', f'connected and discovered {scan["connected_after"]} s after the scan began')
    for service in bed.config:
        r.say('central', f'found service {service["id"]} ({short_uuid(service["uuid"])})')
        for char in service['characteristics']:
            remote = bed.chars.get(char['id'])
            r.check(remote is not None, f'  characteristic {char["id"]} is there', quiet=True)
            if not remote:
                continue
            line = f'  {char["id"]} ({short_uuid(remote["uuid"])}) [{", ".join(remote["properties"])}]'
            if 'read' in remote['properties']:
                value = bed.read(char['id'])
                line += f' = {show(value, char)}'
                r.check(value.hex() == char['value'], f'  {char["id"]} reads what the config says', quiet=True)
            r.say('central', line)

    text = b'hello gattd\n'
    bed.write('console/rx', text)
    r.say('central', f'writes {text!r} to console/rx')
    event = client.wait_event(lambda e: e['event'] == 'write', 10)
    r.say('client', event_text(event) if event else 'no write event')
    reply = client.request('next-write', char='console/rx', timeout_ms=10000, timeout=15)
    r.check(reply.get('ok') and reply['value'] == text.hex(),
            f'next-write console/rx -> {bytes.fromhex(reply.get("value", "")).decode(errors="replace")!r}')

    bed.subscribe('battery/level')
    bed.subscribe('console/tx')
    r.say('central', 'subscribes to battery/level and console/tx')
    for _ in range(2):
        event = client.wait_event(lambda e: e['event'] == 'subscribed', 10)
        r.say('client', event_text(event) if event else 'no subscribed event')
    reply = client.ok('set', char='battery/level', typed=87)
    r.say('client', f'set battery/level 87 -> notified={reply["notified"]}')
    value = bed.wait_notification('battery/level', 10)
    r.check(value == bytes([87]), f'central got notification battery/level = {value[0] if value else None}')
    answer = 'you said: hello gattd'
    reply = client.ok('set', char='console/tx', typed=answer)
    r.say('client', f'set console/tx "{answer}" -> notified={reply["notified"]}')
    value = bed.wait_notification('console/tx', 10)
    r.check(value == answer.encode(), f'central got notification console/tx = {value!r}')

    r.say('demo', 'power-cycling gattd\'s controller (btmgmt power off, then on); nobody touches gattd')
    bed.stack.power(bed.stack.peripheral, False)
    event = client.wait_event(lambda e: e['event'] == 'unregistered', 10)
    r.say('client', event_text(event) if event else 'no unregistered event')
    r.say('central', 'link lost' if bed.end_session(10) == 'lost' else 'link ended by the central')
    bed.stack.power(bed.stack.peripheral, True)
    start = time.monotonic()
    try:
        scan = bed.session(45)
    except AirbedError as e:
        r.require(False, f'the central finds gattd again after power-on ({e})')
    say_scan(r, scan)
    r.check(True, f'central connected again {time.monotonic() - start:.1f} s after power-on')
    event = client.wait_event(lambda e: e['event'] == 'registered', 10)
    r.say('client', event_text(event) if event else 'no registered event')
    value = bed.read('battery/level')
    r.check(value == bytes([87]), f'central reads battery/level = {value[0] if value else None} (kept)')
    value = bed.read('console/tx')
    r.check(value == answer.encode(), f'central reads console/tx = "{value.decode(errors="replace")}" (kept)')
    text = b'still there?\n'
    bed.write('console/rx', text)
    r.say('central', f'writes {text!r} to console/rx')
    reply = client.request('next-write', char='console/rx', timeout_ms=10000, timeout=15)
    r.check(reply.get('ok') and reply['value'] == text.hex(),
            f'next-write console/rx -> {bytes.fromhex(reply.get("value", "")).decode(errors="replace")!r}')
    bed.subscribe('battery/level')
    client.ok('set', char='battery/level', typed=86)
    value = bed.wait_notification('battery/level', 10)
    r.check(value == bytes([86]), f'after subscribing again, central got notification battery/level = '
                                  f'{value[0] if value else None}')
    bed.central.disconnect()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--gattd', required=True)
    parser.add_argument('--source-root', required=True)
    parser.add_argument('--results', required=True)
    parser.add_argument('--only', action='append', default=[])
    parser.add_argument('--bluetoothd', help='this bluetoothd instead of Debian\'s, for gattd\'s side')
    args = parser.parse_args()

    bed = Airbed(args.results, args.gattd, args.source_root, args.bluetoothd)
    runner = Runner(args.results, bed.stack.log_sizes, prefix='demo')
    try:
        info = bed.start_lower_stack()
    except (StackError, RemoteCentralError, OSError) as e:
        print(f'demo: the two Bluetooth stacks did not come up: {e}', flush=True)
        bed.stack.stop()
        return runner.finish(1)
    print(f'demo: guest A: emulated radio, bluetoothd, gattd\'s controller {bed.stack.peripheral}; '
          f'guest B: its own bluetoothd {info["bluetoothd"]} and bleak, the central, on {bed.stack.central}',
          flush=True)
    runner.run(1, 1, 'a hub (bleak, on its own stack) meets gattd', story, bed)
    bed.central.quit()
    bed.stack.stop()
    return runner.finish(1)


if __name__ == '__main__':
    sys.exit(main())
