# SPDX-License-Identifier: LGPL-2.1-or-later
"""bus_log.py: condense dbus-monitor's log into the gattd <-> bluetoothd conversation.

`python3 bus_log.py dbus-monitor.log > bluez-calls.txt` (the scenarios do this
at the end of a run). One line per method call, reply, error or signal between
gattd and bluetoothd (and bluetoothd's signals about adapters), with its
arguments flattened, so what the real bluetoothd does can be compared with
the fake BlueZ of the bus tests: call order, options of ReadValue/WriteValue,
Release, StartNotify/StopNotify, Properties.Set of Handle.
"""
import re
import sys

HEADER = re.compile(r'^(method call|method return|error|signal) time=(\S+) sender=(\S+) -> destination=(\(null destination\)|\S+)'
                    r'(?: serial=(\d+))?(?: reply_serial=(\d+))?(?: error_name=(\S+))?'
                    r'(?: reply_serial=(\d+))?(?: path=([^;]+); interface=([^;]+); member=(\S+))?')

# Argument noise: types, brackets, and the bytes of long arrays.
TOKEN = re.compile(r'^\s*(?:string|object path|uint16|uint32|int16|int32|byte|boolean|double|variant|uint64|int64)'
                   r'\s+(.*)$')


def messages(lines):
    current = None
    for line in lines:
        m = HEADER.match(line)
        if m:
            if current:
                yield current
            kind, t, sender, dest, serial, reply1, error, reply2, path, iface, member = m.groups()
            current = {'kind': kind, 'time': float(t), 'sender': sender, 'dest': dest, 'serial': serial,
                       'reply': reply1 or reply2, 'error': error, 'path': path, 'iface': iface,
                       'member': member, 'args': []}
        elif current is not None:
            current['args'].append(line.rstrip('\n'))
    if current:
        yield current


def flatten(arg_lines, limit=400):
    parts = []
    for line in arg_lines:
        m = TOKEN.match(line)
        text = line.strip()
        if m:
            text = m.group(1)
        elif text.startswith('array of bytes'):
            text = text.replace('array of bytes', 'bytes')
        elif text in ('array [', ']', ')', 'dict entry('):
            text = {'array [': '[', ']': ']', ')': '', 'dict entry(': ''}[text]
        if text:
            parts.append(text)
    out = ' '.join(parts).replace('[ ', '[').replace(' ]', ']')
    return out if len(out) <= limit else out[:limit] + ' ...'


def condense(lines, out):
    owners = {}       # unique name -> well-known role
    pending = {}      # (sender, serial) -> short description of the call
    start = None
    msgs = list(messages(lines))
    for msg in msgs:
        # Who is who: bluetoothd asks for org.bluez; gattd registers objects under /org/gattd.
        if msg['kind'] == 'method call' and msg['member'] == 'RequestName' and any('org.bluez' in a for a in msg['args']):
            owners[msg['sender']] = 'bluetoothd'
        if msg['kind'] == 'method call' and msg['path'] and msg['path'].startswith('/org/gattd'):
            owners.setdefault(msg['dest'], 'gattd')
        if msg['kind'] == 'method call' and msg['dest'] == 'org.bluez':
            owners.setdefault(msg['sender'], 'gattd')
    for msg in msgs:
        who_from = owners.get(msg['sender'], 'bluetoothd' if msg['sender'] == 'org.bluez' else None)
        who_to = owners.get(msg['dest'], 'bluetoothd' if msg['dest'] == 'org.bluez' else None)
        if msg['kind'] == 'signal' and who_from == 'bluetoothd':
            if msg['member'] not in ('InterfacesAdded', 'InterfacesRemoved', 'PropertiesChanged'):
                continue
            if msg['member'] == 'PropertiesChanged' and not (msg['path'] or '').count('/') == 3:
                continue  # devices and others: only adapters' properties matter to gattd
        elif msg['kind'] == 'signal' and who_from == 'gattd':
            pass
        elif msg['kind'] == 'signal' and msg['sender'] == 'org.freedesktop.DBus' and msg['member'] == 'NameOwnerChanged':
            if not any('org.bluez' in a for a in msg['args']):
                continue
        elif not ({who_from, who_to} == {'gattd', 'bluetoothd'}):
            continue
        if start is None:
            start = msg['time']
        t = f'{msg["time"] - start:8.3f}'
        if msg['kind'] == 'method call':
            desc = f'{msg["iface"].split(".")[-1]}.{msg["member"]} {msg["path"]}'
            pending[(msg['sender'], msg['serial'])] = desc
            out.write(f'{t} {who_from:>10} -> {who_to:<10} CALL   {desc} ({flatten(msg["args"])})\n')
        elif msg['kind'] in ('method return', 'error'):
            desc = pending.pop((msg['dest'], msg['reply']), f'serial {msg["reply"]}')
            what = 'ERROR ' + msg['error'] if msg['kind'] == 'error' else 'RETURN'
            out.write(f'{t} {who_from:>10} -> {who_to:<10} {what} {desc} ({flatten(msg["args"], 200)})\n')
        else:
            name = who_from or msg['sender']
            out.write(f'{t} {name:>10}    (signal)   {msg["iface"].split(".")[-1]}.{msg["member"]} {msg["path"]} '
                      f'({flatten(msg["args"], 300)})\n')


if __name__ == '__main__':
    with open(sys.argv[1], errors='replace') as f:
        condense(f, sys.stdout)
